//! `recovery_codes`: a user's recovery codes, as SHA-256 (each is 80 random bits: a plain hash suffices). Ten are
//! made at the first passkey's registration (replacing any earlier set) and shown once; each confirms one login
//! instead of a passkey. Written by `passkeys.rs`; migration 0018's trigger refuses a second use of a code.

use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// The statement that deletes the user's codes (a new set replaces them; the last passkey removed).
pub fn delete_of_user(db: &D1Database, user_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM recovery_codes WHERE user_id = ?1").bind(&[text(user_id)])
}

/// The statement that stores one code's hash.
pub fn insert(db: &D1Database, user_id: &str, code_hash: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)").bind(&[
        text(user_id),
        text(code_hash),
        integer(now),
    ])
}

/// How many of the user's codes are unused.
pub async fn unused_count(db: &D1Database, user_id: &str) -> worker::Result<i64> {
    Ok(db
        .prepare("SELECT count(*) AS n FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL")
        .bind(&[text(user_id)])?
        .first::<i64>(Some("n"))
        .await?
        .unwrap_or(0))
}

/// The statement that spends the code for `session_id` if it is the user's and unused (else it changes nothing).
pub fn spend(
    db: &D1Database,
    user_id: &str,
    code_hash: &str,
    session_id: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE recovery_codes SET used_at = ?1, used_by_session = ?2 \
         WHERE user_id = ?3 AND code_hash = ?4 AND used_at IS NULL",
    )
    .bind(&[integer(now), text(session_id), text(user_id), text(code_hash)])
}

/// The statement that completes the session `session_id` if, in this batch, it spent the code (`spend`).
pub fn confirm_session_if_spent(
    db: &D1Database,
    user_id: &str,
    code_hash: &str,
    session_id: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE sessions SET passkey_step = 'done' WHERE id = ?1 AND passkey_step = 'confirm' AND EXISTS \
         (SELECT 1 FROM recovery_codes WHERE user_id = ?2 AND code_hash = ?3 AND used_by_session = ?1)",
    )
    .bind(&[text(session_id), text(user_id), text(code_hash)])
}
