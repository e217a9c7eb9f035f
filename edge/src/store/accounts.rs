//! `accounts`: the tenants. An account holds users, API keys, a balance, organizations, validated domains and
//! mailboxes, and orders; every row of those carries its `account_id`. Accounts are made by a completed signup
//! (`signup.rs`), by a CA administrator (`admin_accounts.rs`) and by the development endpoints of `dev.rs`; a CA
//! administrator disables one (`disabled_at`, `disabled_reason`, migration 0015) and enables it again. Their names
//! are also read joined to their users (`store::users`).

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// An account, with its user count (joined).
#[derive(Deserialize)]
pub struct AccountRow {
    /// `accounts.id`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was made.
    pub created_at: i64,
    /// When a CA administrator disabled it.
    pub disabled_at: Option<i64>,
    /// Why.
    pub disabled_reason: Option<String>,
    /// How many users it has (disabled ones included).
    pub user_count: u32,
}

/// The columns of [`AccountRow`], from `accounts a`.
const COLUMNS: &str = "a.id, a.name, a.created_at, a.disabled_at, a.disabled_reason, \
     (SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) AS user_count";

/// The account with this identifier.
pub async fn by_id(db: &D1Database, id: &str) -> worker::Result<Option<AccountRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM accounts a WHERE a.id = ?1"))
        .bind(&[text(id)])?
        .first::<AccountRow>(None)
        .await
}

/// The accounts whose name contains `query` (case-insensitively) or that have a user whose address does, newest
/// first, at most `limit`; every account (newest first) for an empty query.
pub async fn search(db: &D1Database, query: &str, limit: u32) -> worker::Result<Vec<AccountRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE ?1 = '' \
         OR instr(lower(a.name), lower(?1)) > 0 \
         OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND instr(u.email, lower(?1)) > 0) \
         ORDER BY a.created_at DESC, a.rowid DESC LIMIT ?2"
    ))
    .bind(&[text(query), integer(i64::from(limit))])?
    .all()
    .await?
    .results::<AccountRow>()
}

/// The statement that creates an account at `now`.
pub fn insert(db: &D1Database, id: &str, name: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)").bind(&[
        text(id),
        text(name),
        integer(now),
    ])
}

/// The statement that creates an account at `now` unless one has this identifier already (which stays as it is).
#[cfg(feature = "development")]
pub fn insert_unless_present(db: &D1Database, id: &str, name: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)").bind(&[
        text(id),
        text(name),
        integer(now),
    ])
}

/// The statement that disables the account at `now` for `reason` (`Some`), or enables it again (`None`). It changes
/// a row only when the account is in the other state, so two CA administrators acting at once change it once:
/// the caller puts [`crate::store::audit_log::record_if_counted`] right after it.
pub fn set_disabled(db: &D1Database, id: &str, disabled: Option<(i64, &str)>) -> worker::Result<D1PreparedStatement> {
    match disabled {
        Some((now, reason)) => db
            .prepare("UPDATE accounts SET disabled_at = ?1, disabled_reason = ?2 WHERE id = ?3 AND disabled_at IS NULL")
            .bind(&[integer(now), text(reason), text(id)]),
        None => db
            .prepare(
                "UPDATE accounts SET disabled_at = NULL, disabled_reason = NULL WHERE id = ?1 \
                 AND disabled_at IS NOT NULL",
            )
            .bind(&[text(id)]),
    }
}

/// The account's reissue grace period, days (migration 0024; 7 unless set).
pub async fn supersede_grace_days(db: &D1Database, account_id: &str) -> Result<Option<i64>, crate::error::AppError> {
    #[derive(serde::Deserialize)]
    struct Grace {
        supersede_grace_days: i64,
    }
    Ok(db
        .prepare("SELECT supersede_grace_days FROM accounts WHERE id = ?1")
        .bind(&[crate::db::text(account_id)])?
        .first::<Grace>(None)
        .await?
        .map(|grace| grace.supersede_grace_days))
}

/// The statement setting the account's reissue grace period (the column's check allows 0 to 30 days).
pub fn set_supersede_grace_days(db: &D1Database, account_id: &str, days: u32) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE accounts SET supersede_grace_days = ?2 WHERE id = ?1")
        .bind(&[crate::db::text(account_id), crate::db::integer(i64::from(days))])
}
