//! `api_keys`: keys for scripts, scoped to an account and acting as an organization user. Only the key's SHA-256
//! is stored (the key is shown once, when made) with its first characters, so a person can tell keys apart.
//! Written by `account.rs` (made, revoked, and revoked with the user who made them: disabled, or through a password
//! reset) and touched by `auth.rs` as it is used.

use serde::Deserialize;
use shared::account::ApiKey;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// An API key (without its hash, which is only ever looked up).
#[derive(Deserialize)]
pub struct ApiKeyRow {
    /// `api_keys.id`.
    pub id: String,
    /// The account it acts for.
    pub account_id: String,
    /// The name its maker gave it.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// The user who made it (and whom it acts as).
    pub created_by: String,
    /// When it was made.
    pub created_at: i64,
    /// When it was last used (refreshed at most every `SESSION_TOUCH_SECONDS`).
    pub last_used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// The columns of [`ApiKeyRow`], from `api_keys k`.
const COLUMNS: &str = "k.id, k.account_id, k.name, k.prefix, k.created_by, k.created_at, k.last_used_at, k.revoked_at";

/// The unrevoked key with this SHA-256 (hex) whose maker and account are not disabled.
pub async fn usable_with_hash(db: &D1Database, key_hash: &str) -> worker::Result<Option<ApiKeyRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM api_keys k JOIN users u ON u.id = k.created_by JOIN accounts a ON a.id = k.account_id \
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL AND a.disabled_at IS NULL"
    ))
    .bind(&[text(key_hash)])?
    .first::<ApiKeyRow>(None)
    .await
}

/// An account's keys, revoked ones included, the newest first.
pub async fn of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<ApiKeyRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM api_keys k WHERE k.account_id = ?1 ORDER BY k.created_at DESC, k.rowid DESC"
    ))
    .bind(&[text(account_id)])?
    .all()
    .await?
    .results::<ApiKeyRow>()
}

/// Whether the account has an unrevoked key with this identifier.
pub async fn is_unrevoked_of_account(db: &D1Database, id: &str, account_id: &str) -> worker::Result<bool> {
    let found = db
        .prepare("SELECT id FROM api_keys WHERE id = ?1 AND account_id = ?2 AND revoked_at IS NULL")
        .bind(&[text(id), text(account_id)])?
        .first::<String>(Some("id"))
        .await?;
    Ok(found.is_some())
}

/// The statement that stores a new `key` of an account, made by a user at `now`.
pub fn insert(
    db: &D1Database,
    id: &str,
    account_id: &str,
    name: &str,
    key: &ApiKey,
    created_by: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO api_keys (id, account_id, name, key_hash, prefix, created_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&[
        text(id),
        text(account_id),
        text(name),
        text(&key.hash_hex()),
        text(key.prefix()),
        text(created_by),
        integer(now),
    ])
}

/// The statement that records a use of the key at `now`.
pub fn touch(db: &D1Database, id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2").bind(&[integer(now), text(id)])
}

/// The statement that revokes the key at `now`.
pub fn revoke(db: &D1Database, id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2").bind(&[integer(now), text(id)])
}

/// The statement that revokes at `now` every unrevoked key the user made (a disabled user).
pub fn revoke_made_by(db: &D1Database, user_id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE created_by = ?2 AND revoked_at IS NULL")
        .bind(&[integer(now), text(user_id)])
}

/// The statement that revokes at `now` every unrevoked key of an account (a disabled account).
pub fn revoke_of_account(db: &D1Database, account_id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE account_id = ?2 AND revoked_at IS NULL")
        .bind(&[integer(now), text(account_id)])
}

/// The identifiers of the unrevoked keys a user made (to audit each when they all end).
pub async fn unrevoked_made_by(db: &D1Database, user_id: &str) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
    }
    let rows = db
        .prepare("SELECT id FROM api_keys WHERE created_by = ?1 AND revoked_at IS NULL ORDER BY created_at")
        .bind(&[text(user_id)])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}
