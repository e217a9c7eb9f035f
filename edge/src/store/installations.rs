//! The `installations` and `installation_challenges_spent` tables (migration 0027): the test enrollments that
//! passed, and the hashes of the challenges they used. Both are insert-only (triggers refuse updates); the spend
//! and the installation go into one batch, so a second use of a challenge fails the whole batch. `installations.rs`
//! writes them; the inventory reads the latest installation (`store/inventory.rs`).

use serde::Deserialize;
use shared::installation::InstalledBy;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// What a failed batch's error says when the spend met a row already there: the challenge was used meanwhile.
pub const SPENT_TWICE: &str = "UNIQUE constraint failed: installation_challenges_spent.challenge_hash";

/// Whether a test enrollment used the challenge whose hash is `challenge_hash`.
pub async fn is_spent(db: &D1Database, challenge_hash: &str) -> Result<bool, AppError> {
    #[derive(Deserialize)]
    struct Spent {
        spent: i64,
    }
    Ok(db
        .prepare("SELECT count(*) AS spent FROM installation_challenges_spent WHERE challenge_hash = ?1")
        .bind(&[text(challenge_hash)])?
        .first::<Spent>(None)
        .await?
        .is_some_and(|row| row.spent > 0))
}

/// Records the challenge as used for `serial` at `now`; first in the batch, it fails it ([`SPENT_TWICE`]) when the
/// challenge was used already.
pub fn spend(
    db: &D1Database,
    challenge_hash: &str,
    serial: &str,
    expires_at: i64,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO installation_challenges_spent (challenge_hash, serial, expires_at, used_at) \
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&[text(challenge_hash), text(serial), integer(expires_at), integer(now)])
}

/// The installation of `serial` at `now` by `by`, with the request's user agent (stored form) and the spent
/// challenge's hash (none for mTLS).
pub fn insert(
    db: &D1Database,
    serial: &str,
    now: i64,
    by: InstalledBy,
    user_agent: &str,
    challenge_hash: Option<&str>,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO installations (serial, installed_at, method, user_agent, challenge_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&[
        text(serial),
        integer(now),
        text(by.as_str()),
        text(user_agent),
        challenge_hash.map_or(wasm_bindgen::JsValue::NULL, text),
    ])
}

/// Deletes the spent challenges that expired before `expired_before`: an expired challenge is refused by its own
/// expiry, so its row guards nothing any more (the installation keeps the hash as a record).
pub fn delete_expired(db: &D1Database, expired_before: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM installation_challenges_spent WHERE expires_at < ?1").bind(&[integer(expired_before)])
}
