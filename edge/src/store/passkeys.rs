//! `passkeys`: a user's registered WebAuthn credentials (the COSE public key, the signature counter), and the
//! spent WebAuthn challenges (`webauthn_challenges_spent`). Written by `passkeys.rs`: the registration's insert,
//! the login's counter update (migration 0018's trigger refuses a counter that goes down), removal; and the spend
//! of a challenge in the batch that uses it.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// What a failed batch's error says when the challenge was spent already: a replayed answer.
pub const CHALLENGE_SPENT_TWICE: &str = "UNIQUE constraint failed: webauthn_challenges_spent.challenge_hash";

/// What a failed batch's error says when the counter went down meanwhile (migration 0018's trigger).
pub const COUNTER_REGRESSED: &str = "passkeys_counter_regressed";

/// A registered passkey.
#[derive(Deserialize)]
pub struct PasskeyRow {
    /// `passkeys.id`.
    pub id: String,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The COSE public key, base64url.
    pub public_key_cose: String,
    /// COSE algorithm.
    pub algorithm: i64,
    /// The signature counter last stored.
    pub sign_count: i64,
    /// Its user's name for it.
    pub name: String,
    /// Registration time.
    pub created_at: i64,
    /// Last login it confirmed.
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str =
    "id, user_id, credential_id, public_key_cose, algorithm, sign_count, name, created_at, last_used_at";

/// The user's passkeys, oldest first.
pub async fn of_user(db: &D1Database, user_id: &str) -> worker::Result<Vec<PasskeyRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id"))
        .bind(&[text(user_id)])?
        .all()
        .await?
        .results::<PasskeyRow>()
}

/// The user's passkey with this credential id (base64url).
pub async fn by_credential(db: &D1Database, user_id: &str, credential_id: &str) -> worker::Result<Option<PasskeyRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = ?1 AND credential_id = ?2"))
        .bind(&[text(user_id), text(credential_id)])?
        .first::<PasskeyRow>(None)
        .await
}

/// How many passkeys the user has.
pub async fn count_of_user(db: &D1Database, user_id: &str) -> worker::Result<i64> {
    Ok(db
        .prepare("SELECT count(*) AS n FROM passkeys WHERE user_id = ?1")
        .bind(&[text(user_id)])?
        .first::<i64>(Some("n"))
        .await?
        .unwrap_or(0))
}

/// A passkey to insert.
pub struct NewPasskeyRow<'a> {
    /// `passkeys.id`.
    pub id: &'a str,
    /// Whose it is.
    pub user_id: &'a str,
    /// The credential id, base64url.
    pub credential_id: &'a str,
    /// The COSE key, base64url.
    pub public_key_cose: &'a str,
    /// COSE algorithm.
    pub algorithm: i64,
    /// The counter at registration.
    pub sign_count: u32,
    /// Its name.
    pub name: &'a str,
    /// User verified at registration.
    pub user_verified: bool,
    /// `none` or `packed`.
    pub attestation_format: &'a str,
    /// Registration time.
    pub created_at: i64,
}

/// The statement that stores a registered passkey (a credential id registered already fails the batch).
pub fn insert(db: &D1Database, row: &NewPasskeyRow<'_>) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO passkeys (id, user_id, credential_id, public_key_cose, algorithm, sign_count, name, \
         user_verified, attestation_format, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(&[
        text(row.id),
        text(row.user_id),
        text(row.credential_id),
        text(row.public_key_cose),
        integer(row.algorithm),
        integer(i64::from(row.sign_count)),
        text(row.name),
        integer(i64::from(row.user_verified)),
        text(row.attestation_format),
        integer(row.created_at),
    ])
}

/// The statement that records a login the passkey confirmed: its new counter and the time.
pub fn used(db: &D1Database, id: &str, sign_count: u32, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE passkeys SET sign_count = ?1, last_used_at = ?2 WHERE id = ?3").bind(&[
        integer(i64::from(sign_count)),
        integer(now),
        text(id),
    ])
}

/// The statement that removes the user's passkey `id`.
pub fn remove(db: &D1Database, user_id: &str, id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2").bind(&[text(id), text(user_id)])
}

/// The statement that spends a WebAuthn challenge; it fails the batch ([`CHALLENGE_SPENT_TWICE`]) if it was spent.
pub fn spend_challenge(
    db: &D1Database,
    challenge_hash: &str,
    expires_at: i64,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT INTO webauthn_challenges_spent (challenge_hash, expires_at, used_at) VALUES (?1, ?2, ?3)")
        .bind(&[text(challenge_hash), integer(expires_at), integer(now)])
}

/// Deletes spent challenges that expired before `expired_before` (their own expiry refuses them).
pub fn delete_expired_challenges(db: &D1Database, expired_before: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM webauthn_challenges_spent WHERE expires_at < ?1").bind(&[integer(expired_before)])
}

/// The statement that moves a session from `from` to `to` (`done`, `confirm`, `register`).
pub fn set_session_step(
    db: &D1Database,
    session_id: &str,
    from: &str,
    to: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE sessions SET passkey_step = ?1 WHERE id = ?2 AND passkey_step = ?3").bind(&[
        text(to),
        text(session_id),
        text(from),
    ])
}
