//! `login_throttle`: failed logins counted per submitted address (`email:<sha256>`, whether or not an account has
//! it, so the answer never tells) and per client (`ip:<address>`), with the lock they lead to
//! (`shared::account::Throttle`). Written by `account.rs`'s login only: a failure stores both counts, a success
//! clears the address's.

use serde::Deserialize;
use shared::account::Throttle;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, optional_integer, text};

/// One key's count.
#[derive(Deserialize)]
pub struct ThrottleRow {
    /// `email:<sha256 of the address>` or `ip:<client address>`.
    pub key: String,
    /// Failures in the current window.
    pub failures: i64,
    /// Start of the current window.
    pub window_start: i64,
    /// Until when logins under this key are refused.
    pub locked_until: Option<i64>,
}

impl ThrottleRow {
    /// Its count, for the rules of `shared::account::Throttle`.
    pub fn throttle(&self) -> Throttle {
        Throttle { failures: self.failures, window_start: self.window_start, locked_until: self.locked_until }
    }
}

/// The rows of two keys, in one query (a key without failures has none).
pub async fn of_keys(db: &D1Database, first: &str, second: &str) -> worker::Result<Vec<ThrottleRow>> {
    db.prepare("SELECT key, failures, window_start, locked_until FROM login_throttle WHERE key IN (?1, ?2)")
        .bind(&[text(first), text(second)])?
        .all()
        .await?
        .results::<ThrottleRow>()
}

/// The statement that stores a key's count, creating its row or replacing it.
pub fn store(db: &D1Database, key: &str, throttle: Throttle) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET failures = ?2, window_start = ?3, locked_until = ?4",
    )
    .bind(&[
        text(key),
        integer(throttle.failures),
        integer(throttle.window_start),
        optional_integer(throttle.locked_until),
    ])
}

/// The statement that forgets a key's failures.
pub fn clear(db: &D1Database, key: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM login_throttle WHERE key = ?1").bind(&[text(key)])
}
