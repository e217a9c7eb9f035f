//! `sessions`: browser logins. The cookie holds 256 random bits; a row holds only their SHA-256, the session's
//! idle and absolute limits (`shared::account::Session`) and when it was ended. Written by `account.rs` (login,
//! logout, ending a session, a password change or reset, disabling a user) and touched by `auth.rs` as it is used.

use serde::Deserialize;
use shared::account::{Role, Session};
use shared::api::passkey::PasskeyStep;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// A session.
#[derive(Deserialize)]
pub struct SessionRow {
    /// `sessions.id`.
    pub id: String,
    /// Whose session it is.
    pub user_id: String,
    /// Login time.
    pub created_at: i64,
    /// The last request that refreshed it.
    pub last_seen_at: i64,
    /// When it ends unless used.
    pub expires_at: i64,
    /// When it was ended.
    pub revoked_at: Option<i64>,
    /// The browser's `User-Agent` at login, shortened.
    pub user_agent: String,
}

impl SessionRow {
    /// Its times, for the rules of `shared::account::Session`.
    pub fn session(&self) -> Session {
        Session {
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        }
    }
}

/// A session with what authentication needs of its user (`users`, joined).
#[derive(Deserialize)]
pub struct SessionOfUser {
    /// The session.
    #[serde(flatten)]
    pub session: SessionRow,
    /// The user's account; `None` for a CA administrator.
    pub account_id: Option<String>,
    /// The user's role.
    pub role: Role,
    /// Set while the user must still replace a temporary password.
    pub temporary_password_hash: Option<String>,
    /// When the user was disabled, or else their account (`accounts.disabled_at`): either ends the session.
    pub disabled_at: Option<i64>,
    /// The session's passkey step (migration 0018).
    pub passkey_step: PasskeyStep,
}

/// The columns of [`SessionRow`], from `sessions s`.
const COLUMNS: &str = "s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, s.user_agent";

/// The session whose token has this SHA-256 (hex), with its user, whatever its state.
pub async fn with_token_hash(db: &D1Database, token_hash: &str) -> worker::Result<Option<SessionOfUser>> {
    db.prepare(format!(
        "SELECT {COLUMNS}, u.account_id, u.role, u.temporary_password_hash, \
         COALESCE(u.disabled_at, a.disabled_at) AS disabled_at, s.passkey_step \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN accounts a ON a.id = u.account_id \
         WHERE s.token_hash = ?1"
    ))
    .bind(&[text(token_hash)])?
    .first::<SessionOfUser>(None)
    .await
}

/// When a session ends unless used.
pub async fn expires_at(db: &D1Database, id: &str) -> worker::Result<Option<i64>> {
    db.prepare("SELECT expires_at FROM sessions WHERE id = ?1")
        .bind(&[text(id)])?
        .first::<i64>(Some("expires_at"))
        .await
}

/// A user's open sessions at `now` (as `Session::is_active` says: not revoked, before `expires_at`), the most
/// recently used first.
pub async fn open_of_user(db: &D1Database, user_id: &str, now: i64) -> worker::Result<Vec<SessionRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM sessions s \
         WHERE s.user_id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 ORDER BY s.last_seen_at DESC, s.id"
    ))
    .bind(&[text(user_id), integer(now)])?
    .all()
    .await?
    .results::<SessionRow>()
}

/// Whether the user has a session with this identifier that has not been ended (it may have expired).
pub async fn is_unended_of_user(db: &D1Database, id: &str, user_id: &str) -> worker::Result<bool> {
    let found = db
        .prepare("SELECT id FROM sessions WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL")
        .bind(&[text(id), text(user_id)])?
        .first::<String>(Some("id"))
        .await?;
    Ok(found.is_some())
}

/// The statement that opens `session` for a user at login.
pub fn insert(
    db: &D1Database,
    id: &str,
    user_id: &str,
    token_hash: &str,
    session: &Session,
    user_agent: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, user_agent) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
    )
    .bind(&[
        text(id),
        text(user_id),
        text(token_hash),
        integer(session.created_at),
        integer(session.expires_at),
        text(user_agent),
    ])
}

/// The statement that moves a used session's times on (`Session::touch`).
pub fn touch(db: &D1Database, id: &str, touched: &Session) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id = ?3").bind(&[
        integer(touched.last_seen_at),
        integer(touched.expires_at),
        text(id),
    ])
}

/// The statement that ends the session at `now` (logout: the caller's own session).
pub fn end(db: &D1Database, id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET revoked_at = ?1 WHERE id = ?2").bind(&[integer(now), text(id)])
}

/// The statement that ends the session at `now` unless it has been ended already.
pub fn end_unended(db: &D1Database, id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL")
        .bind(&[integer(now), text(id)])
}

/// The statement that ends every session of the user at `now` (a disabled user).
pub fn end_all_of_user(db: &D1Database, user_id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL")
        .bind(&[integer(now), text(user_id)])
}

/// The statement that ends every session of every user of an account at `now` (a disabled account).
pub fn end_all_of_account(db: &D1Database, account_id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE sessions SET revoked_at = ?1 WHERE revoked_at IS NULL \
         AND user_id IN (SELECT id FROM users WHERE account_id = ?2)",
    )
    .bind(&[integer(now), text(account_id)])
}

/// The statement that ends every session of the user at `now` but `keep` (a new password: the session that
/// chose it stays; `None` keeps none).
pub fn end_others_of_user(
    db: &D1Database,
    user_id: &str,
    keep: Option<&str>,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL AND id IS NOT ?3")
        .bind(&[integer(now), text(user_id), keep.map_or(JsValue::NULL, text)])
}
