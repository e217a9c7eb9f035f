//! The attempt throttles: `login_throttle` (login attempts per submitted address, `email:<sha256>`, whether or not
//! an account has it, so the answer never tells; `email:<sha256>|ip:<network>` for a CA administrator; and per
//! client network, `ip:<network>`) and `signup_throttle` (signups per submitted address and per client network,
//! migration 0015), with the back-off they lead to (`shared::account::Throttle` under each caller's policy). Written
//! by `account.rs` (a login reserves an attempt under both keys before it checks the secret; a success clears the
//! address's count and gives the client's attempt back; a password reset clears the address's counts),
//! `passkeys.rs` (the login's second step, `second-step:<user id>` in `login_throttle`: a passkey's answer or a
//! recovery code reserves an attempt before it is checked; a confirmed login clears it) and
//! `signup.rs` (a signup reserves under both keys before anything is looked up; when one key refuses, the other's
//! attempt is given back). The two tables have the same shape: one set of statements serves both ([`Counter`]).
//!
//! [`reserve`] is `Throttle::reserve` as one SQL statement, rule for rule, so that reading the count and adding the
//! attempt cannot be split by a parallel request: the database runs the statements one at a time, each sees the
//! ones before it, and a key past its allowance gets no row back.

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::account::{Throttle, ThrottlePolicy};
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::db::{integer, optional_integer, text};

/// What is counted: each has its own table of the same shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// Login attempts (`login_throttle`).
    Login,
    /// Signups (`signup_throttle`).
    Signup,
}

impl Counter {
    /// The counter's table.
    fn table(self) -> &'static str {
        match self {
            Self::Login => "login_throttle",
            Self::Signup => "signup_throttle",
        }
    }
}

/// Whether [`reserve`]'s statement, run, granted the attempt (it returned the key's row).
pub fn granted(result: &D1Result) -> worker::Result<bool> {
    Ok(!result.results::<IgnoredAny>()?.is_empty())
}

/// The count after this attempt (`Throttle::reserve`): one more, or one again when the key was forgotten.
/// `?2` is the instant, `?3` the policy's forgetting time.
const ATTEMPTS: &str = "(CASE WHEN ?2 - last_attempt_at >= ?3 THEN 1 ELSE attempts + 1 END)";

/// The statement that reserves one attempt under `key` at `now` (`Throttle::reserve`): it returns the key's new
/// row when the attempt is granted, and no row when the back-off refuses it (then nothing changed).
pub fn reserve(
    db: &D1Database,
    counter: Counter,
    key: &str,
    now: i64,
    policy: ThrottlePolicy,
) -> worker::Result<D1PreparedStatement> {
    // A first attempt: `Throttle::default().reserve`, whatever the policy (an allowance of 1 waits at once).
    let first = Throttle::default().reserve(now, policy).map(|throttle| throttle.next_attempt_at).ok().flatten();
    let table = counter.table();
    db.prepare(format!(
        "INSERT INTO {table} (key, attempts, last_attempt_at, next_attempt_at) VALUES (?1, 1, ?2, ?7) \
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

/// When `key` takes attempts again (after a refused reservation, for its message and `Retry-After`); `None` when
/// its row is gone meanwhile (a success or a reset cleared it).
pub async fn next_attempt_at(db: &D1Database, counter: Counter, key: &str) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Row {
        next_attempt_at: Option<i64>,
    }
    let row = db
        .prepare(format!("SELECT next_attempt_at FROM {} WHERE key = ?1", counter.table()))
        .bind(&[text(key)])?
        .first::<Row>(None)
        .await?;
    Ok(row.and_then(|row| row.next_attempt_at))
}

/// The statement that gives back an attempt reserved under `key` (`Throttle::refund`): one that checked no
/// secret, the client's attempt that succeeded, or a signup the other key refused.
pub fn refund(
    db: &D1Database,
    counter: Counter,
    key: &str,
    policy: ThrottlePolicy,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(format!(
        "UPDATE {} SET attempts = MAX(attempts - 1, 0), \
         next_attempt_at = CASE WHEN attempts - 1 < ?2 THEN NULL ELSE next_attempt_at END WHERE key = ?1",
        counter.table()
    ))
    .bind(&[text(key), integer(policy.allowance)])
}

/// The statement that forgets a login key's attempts (a successful login, for its address key).
pub fn clear(db: &D1Database, key: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM login_throttle WHERE key = ?1").bind(&[text(key)])
}

/// The statement that forgets an address's attempts from every client (`ThrottleKeys::address_of`: the key, and
/// a CA administrator's `<key>|ip:<network>` keys): a completed password reset, so that a stranger's failures do
/// not keep the owner out once they have proved themselves by email.
pub fn clear_address(db: &D1Database, address_key: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM login_throttle WHERE key = ?1 OR substr(key, 1, length(?1) + 1) = ?1 || '|'")
        .bind(&[text(address_key)])
}
