//! `signup_throttle`: signups counted per submitted address (`email:<sha256>`, whether or not an account has it, so
//! the answer never tells) and per client network (`ip:<network>`), with the back-off they lead to
//! (`shared::account::Throttle` under `shared::signup`'s policies). Written by `signup.rs` only: a signup reserves
//! an attempt under both keys before anything is looked up; when one key refuses, the other's attempt is given
//! back.
//!
//! [`reserve`] is `login_throttle::reserve`'s statement on this table (`Throttle::reserve` rule for rule), so
//! parallel signups cannot all read the same count and all go through.

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::account::{Throttle, ThrottlePolicy};
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::db::{integer, optional_integer, text};

/// Whether [`reserve`]'s statement, run, granted the attempt (it returned the key's row).
pub fn granted(result: &D1Result) -> worker::Result<bool> {
    Ok(!result.results::<IgnoredAny>()?.is_empty())
}

/// The count after this attempt (`Throttle::reserve`): one more, or one again when the key was forgotten.
const ATTEMPTS: &str = "(CASE WHEN ?2 - last_attempt_at >= ?3 THEN 1 ELSE attempts + 1 END)";

/// The statement that reserves one signup under `key` at `now` (`Throttle::reserve`): it returns the key's new row
/// when the signup is granted, and no row when the back-off refuses it (then nothing changed).
pub fn reserve(db: &D1Database, key: &str, now: i64, policy: ThrottlePolicy) -> worker::Result<D1PreparedStatement> {
    let first = Throttle::default().reserve(now, policy).map(|throttle| throttle.next_attempt_at).ok().flatten();
    db.prepare(format!(
        "INSERT INTO signup_throttle (key, attempts, last_attempt_at, next_attempt_at) VALUES (?1, 1, ?2, ?7) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = {ATTEMPTS}, \
           last_attempt_at = ?2, \
           next_attempt_at = CASE WHEN {ATTEMPTS} >= ?4 \
             THEN ?2 + MIN(?5 << MIN({ATTEMPTS} - ?4, 20), ?6) ELSE NULL END \
         WHERE next_attempt_at IS NULL OR next_attempt_at <= ?2 \
         RETURNING attempts, last_attempt_at, next_attempt_at"
    ))
    .bind(&[
        text(key),
        integer(now),
        integer(policy.forget_after_seconds),
        integer(policy.allowance),
        integer(policy.first_delay_seconds),
        integer(policy.longest_delay_seconds),
        optional_integer(first),
    ])
}

/// When `key` takes signups again (after a refused reservation, for its message and `Retry-After`).
pub async fn next_attempt_at(db: &D1Database, key: &str) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Row {
        next_attempt_at: Option<i64>,
    }
    let row = db
        .prepare("SELECT next_attempt_at FROM signup_throttle WHERE key = ?1")
        .bind(&[text(key)])?
        .first::<Row>(None)
        .await?;
    Ok(row.and_then(|row| row.next_attempt_at))
}

/// The statement that gives back a signup reserved under `key` (`Throttle::refund`): the other key refused it.
pub fn refund(db: &D1Database, key: &str, policy: ThrottlePolicy) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE signup_throttle SET attempts = MAX(attempts - 1, 0), \
         next_attempt_at = CASE WHEN attempts - 1 < ?2 THEN NULL ELSE next_attempt_at END WHERE key = ?1",
    )
    .bind(&[text(key), integer(policy.allowance)])
}
