//! The `revocation_challenges` table: the single-use challenges a certificate's holder signs to prove possession
//! of its private key when revoking it, stored as the SHA-256 of the challenge (never the challenge itself), with
//! their expiry and when they were used, guarded by `version` (the trigger `revocation_challenges_version`).
//! `revocation.rs` writes it: it creates challenges, spends one in a revocation's batch, and deletes stale ones
//! from the scheduled handler.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// A stored challenge: the columns the edge reads.
#[derive(Deserialize)]
pub struct ChallengeRow {
    /// SHA-256 (hex) of the challenge.
    pub challenge_hash: String,
    /// The certificate it was issued for (`certificates.serial`).
    pub serial: String,
    /// The last instant it may be used.
    pub expires_at: i64,
    /// When a revocation used it, if one did.
    pub used_at: Option<i64>,
    /// The optimistic-concurrency version; an update writes exactly one more.
    pub version: i64,
}

/// The challenge whose hash is `challenge_hash`, if any.
pub async fn find(db: &D1Database, challenge_hash: &str) -> Result<Option<ChallengeRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT challenge_hash, serial, expires_at, used_at, version FROM revocation_challenges \
             WHERE challenge_hash = ?1",
        )
        .bind(&[text(challenge_hash)])?
        .first::<ChallengeRow>(None)
        .await?)
}

/// How many of the certificate's challenges are open (unused, unexpired) at `now`.
pub async fn count_open(db: &D1Database, serial: &str, now: i64) -> Result<i64, AppError> {
    #[derive(Deserialize)]
    struct OpenChallenges {
        open: i64,
    }
    Ok(db
        .prepare(
            "SELECT count(*) AS open FROM revocation_challenges \
             WHERE serial = ?1 AND used_at IS NULL AND expires_at >= ?2",
        )
        .bind(&[text(serial), integer(now)])?
        .first::<OpenChallenges>(None)
        .await?
        .map_or(0, |row| row.open))
}

/// Stores a new challenge for the certificate `serial`.
pub fn insert(
    db: &D1Database,
    challenge_hash: &str,
    serial: &str,
    created_at: i64,
    expires_at: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO revocation_challenges (challenge_hash, serial, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&[text(challenge_hash), text(serial), integer(created_at), integer(expires_at)])
}

/// Marks the challenge used at `now`; `version` is the one read (a concurrent use makes the batch fail whole).
pub fn spend(db: &D1Database, challenge_hash: &str, now: i64, version: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE revocation_challenges SET used_at = ?1, version = ?2 WHERE challenge_hash = ?3").bind(&[
        integer(now),
        integer(version + 1),
        text(challenge_hash),
    ])
}

/// Deletes the challenges that expired before `expired_before`.
pub fn delete_expired(db: &D1Database, expired_before: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM revocation_challenges WHERE expires_at < ?1").bind(&[integer(expired_before)])
}
