//! `reminder_settings` (migration 0025): an account's expiry reminder settings (`shared::expiry::Settings`); an
//! account without a row has the defaults.

use serde::Deserialize;
use shared::expiry::Settings;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// A stored row.
#[derive(Deserialize)]
struct Row {
    enabled: i64,
    thresholds: i64,
    administrators: i64,
    updated_at: i64,
}

/// The account's settings and when they were last changed (`None`: never, the defaults).
pub async fn of_account(db: &D1Database, account_id: &str) -> Result<(Settings, Option<i64>), AppError> {
    let row = db
        .prepare("SELECT enabled, thresholds, administrators, updated_at FROM reminder_settings WHERE account_id = ?1")
        .bind(&[text(account_id)])?
        .first::<Row>(None)
        .await?;
    Ok(match row {
        Some(row) => {
            (Settings::from_stored(row.enabled != 0, row.thresholds, row.administrators != 0), Some(row.updated_at))
        }
        None => (Settings::default(), None),
    })
}

/// The settings of the account that placed `order_id`; the defaults for an order of no account.
pub async fn of_order(db: &D1Database, order_id: &str) -> Result<Settings, AppError> {
    let row = db
        .prepare(
            "SELECT s.enabled, s.thresholds, s.administrators, s.updated_at FROM orders o \
             JOIN reminder_settings s ON s.account_id = o.account_id WHERE o.id = ?1",
        )
        .bind(&[text(order_id)])?
        .first::<Row>(None)
        .await?;
    Ok(row.map_or_else(Settings::default, |row| {
        Settings::from_stored(row.enabled != 0, row.thresholds, row.administrators != 0)
    }))
}

/// Writes the account's settings, changed by `user_id` at `now`.
pub fn save(
    db: &D1Database,
    account_id: &str,
    settings: &Settings,
    user_id: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO reminder_settings (account_id, enabled, thresholds, administrators, updated_at, updated_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled, \
         thresholds = excluded.thresholds, administrators = excluded.administrators, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&[
        text(account_id),
        integer(i64::from(settings.enabled)),
        integer(settings.threshold_mask()),
        integer(i64::from(settings.administrators)),
        integer(now),
        text(user_id),
    ])
}
