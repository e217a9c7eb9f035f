//! The `revocation_challenges` table: the holder's revocation challenges that a revocation used, stored as the
//! SHA-256 of the challenge (never the challenge itself) with the certificate, the challenge's expiry and when it
//! was used. Open challenges are not stored (`shared::revocation::challenge`: issuing one writes nothing); a row is
//! written only by the revocation batch that uses its challenge, and the primary key makes a second use of the same
//! challenge fail that batch whole. Rows are never updated (migration 0014's trigger refuses it). `revocation.rs`
//! writes it: the spend in a revocation's batch, and the deletion of rows long expired from the scheduled handler.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// What a failed batch's error says when the spend met a row already there: the challenge was used meanwhile.
pub const SPENT_TWICE: &str = "UNIQUE constraint failed: revocation_challenges.challenge_hash";

/// Whether a revocation used the challenge whose hash is `challenge_hash`.
pub async fn is_spent(db: &D1Database, challenge_hash: &str) -> Result<bool, AppError> {
    #[derive(Deserialize)]
    struct Spent {
        spent: i64,
    }
    Ok(db
        .prepare("SELECT count(*) AS spent FROM revocation_challenges WHERE challenge_hash = ?1")
        .bind(&[text(challenge_hash)])?
        .first::<Spent>(None)
        .await?
        .is_some_and(|row| row.spent > 0))
}

/// Records the challenge as used by the revocation of `serial` at `now`, in the revocation's batch; it fails the
/// batch ([`SPENT_TWICE`]) if the challenge was used already.
pub fn spend(
    db: &D1Database,
    challenge_hash: &str,
    serial: &str,
    expires_at: i64,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO revocation_challenges (challenge_hash, serial, expires_at, used_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&[text(challenge_hash), text(serial), integer(expires_at), integer(now)])
}

/// Deletes the used challenges that expired before `expired_before`: an expired challenge is refused by its own
/// expiry, so its row no longer guards anything.
pub fn delete_expired(db: &D1Database, expired_before: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM revocation_challenges WHERE expires_at < ?1").bind(&[integer(expired_before)])
}
