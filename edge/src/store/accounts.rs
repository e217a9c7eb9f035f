//! `accounts`: the tenants. An account holds users, API keys, a balance, organizations, validated domains and
//! mailboxes, and orders; every row of those carries its `account_id`. Accounts are made only by the development
//! endpoints of `dev.rs` today (the demo seed's and the test accounts); their names are read joined to their users
//! (`store::users`).

use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// The statement that creates an account at `now`.
pub fn insert(db: &D1Database, id: &str, name: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)").bind(&[
        text(id),
        text(name),
        integer(now),
    ])
}

/// The statement that creates an account at `now` unless one has this identifier already (which stays as it is).
pub fn insert_unless_present(db: &D1Database, id: &str, name: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)").bind(&[
        text(id),
        text(name),
        integer(now),
    ])
}
