//! `password_resets`: single-use links that set a new password, emailed on request. A row holds the token's
//! SHA-256 (never the token) and the link's life (`shared::link::Link`); `password_resets_version` refuses an
//! update that does not move `version` on by exactly one, so a link is spent once. Written by `account.rs`.

use serde::Deserialize;
use shared::link::Link;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// A reset link.
#[derive(Deserialize)]
pub struct PasswordResetRow {
    /// `password_resets.id`.
    pub id: String,
    /// Whose password it sets.
    pub user_id: String,
    /// When it was made (and sent).
    pub created_at: i64,
    /// When it stops working if unused.
    pub expires_at: i64,
    /// When it was used.
    pub spent_at: Option<i64>,
    /// Optimistic-concurrency version (`password_resets_version`).
    pub version: i64,
}

impl PasswordResetRow {
    /// The link, for the rules of `shared::link::Link`.
    pub fn link(&self) -> Link {
        Link {
            created_at: self.created_at,
            expires_at: self.expires_at,
            spent_at: self.spent_at,
            version: self.version,
        }
    }
}

/// The link whose token has this SHA-256 (hex).
pub async fn with_token_hash(db: &D1Database, token_hash: &str) -> worker::Result<Option<PasswordResetRow>> {
    db.prepare(
        "SELECT id, user_id, created_at, expires_at, spent_at, version FROM password_resets WHERE token_hash = ?1",
    )
    .bind(&[text(token_hash)])?
    .first::<PasswordResetRow>(None)
    .await
}

/// How many links the user was sent after `since`.
pub async fn count_of_user_since(db: &D1Database, user_id: &str, since: i64) -> worker::Result<i64> {
    Ok(db
        .prepare("SELECT COUNT(*) AS n FROM password_resets WHERE user_id = ?1 AND created_at > ?2")
        .bind(&[text(user_id), integer(since)])?
        .first::<i64>(Some("n"))
        .await?
        .unwrap_or(0))
}

/// The statement that stores a new `link` for the user.
pub fn insert(
    db: &D1Database,
    id: &str,
    user_id: &str,
    token_hash: &str,
    link: &Link,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&[text(id), text(user_id), text(token_hash), integer(link.created_at), integer(link.expires_at)])
}

/// The statement that spends the link at `now`, moving it to `version` (refused if another use spent it first).
pub fn spend(db: &D1Database, id: &str, now: i64, version: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE password_resets SET spent_at = ?1, version = ?2 WHERE id = ?3").bind(&[
        integer(now),
        integer(version),
        text(id),
    ])
}
