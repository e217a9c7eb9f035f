//! The console's attention list (`GET /api/v1/attention`, `shared::api::notices::Attention`): four reads across
//! `orders`, `certificates`, `recipients`, `pickups`, `users` and `mail_outbox`, each bounded to 100 lines and to
//! the caller's account.

use serde::Deserialize;
use shared::api::notices::{BlockedOrder, EndingCertificate, FailedEmail, UnpickedReplacement};
use worker::D1Database;

use crate::db::{integer, text};
use crate::error::AppError;

/// Orders of the account waiting on validations: the caller's own (`actor`, as `orders.created_by` holds it:
/// `user:…` or `api_key:…`), or every one for an administrator.
pub async fn blocked_orders(
    db: &D1Database,
    account_id: &str,
    actor: &str,
    administrator: bool,
) -> Result<Vec<BlockedOrder>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        order_id: String,
        created_at: i64,
    }
    let rows = db
        .prepare(
            "SELECT id AS order_id, created_at FROM orders WHERE account_id = ?1 AND state = 'awaiting_validation' \
             AND (?2 = 1 OR created_by = ?3) ORDER BY created_at LIMIT 100",
        )
        .bind(&[text(account_id), integer(i64::from(administrator)), text(actor)])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows
        .into_iter()
        .map(|row| BlockedOrder {
            fix_path: format!("/console/orders/{}", row.order_id),
            order_id: row.order_id,
            waiting_for: "validation".to_owned(),
            created_at: row.created_at,
        })
        .collect())
}

/// A certificate line of the two certificate lists.
#[derive(Deserialize)]
struct CertificateLine {
    serial: String,
    replaced_by: Option<String>,
    recipient_email: String,
    order_id: String,
    not_after: i64,
}

/// The account's unrevoked certificates ending in `[now, until]` that nothing replaced, soonest first.
pub async fn ending_soon(
    db: &D1Database,
    account_id: &str,
    now: i64,
    until: i64,
) -> Result<Vec<EndingCertificate>, AppError> {
    let rows = db
        .prepare(
            "SELECT c.serial, c.replaced_by, r.email AS recipient_email, r.order_id, c.not_after \
             FROM certificates c JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
             WHERE o.account_id = ?1 AND c.revoked_at IS NULL AND c.replaced_by IS NULL \
             AND c.not_after >= ?2 AND c.not_after <= ?3 ORDER BY c.not_after LIMIT 100",
        )
        .bind(&[text(account_id), integer(now), integer(until)])?
        .all()
        .await?
        .results::<CertificateLine>()?;
    Ok(rows
        .into_iter()
        .map(|row| EndingCertificate {
            fix_path: format!("/console/orders/{}", row.order_id),
            serial: row.serial,
            recipient_email: row.recipient_email,
            order_id: row.order_id,
            not_after: row.not_after,
        })
        .collect())
}

/// The account's unrevoked replaced certificates, ended at most two weeks before `now`, whose replacement has no
/// pickup, soonest end first.
pub async fn not_picked_up(db: &D1Database, account_id: &str, now: i64) -> Result<Vec<UnpickedReplacement>, AppError> {
    let rows = db
        .prepare(
            "SELECT c.serial, c.replaced_by, r.email AS recipient_email, r.order_id, c.not_after \
             FROM certificates c JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
             WHERE o.account_id = ?1 AND c.revoked_at IS NULL AND c.replaced_by IS NOT NULL AND c.not_after >= ?2 \
             AND NOT EXISTS (SELECT 1 FROM pickups p WHERE p.serial = c.replaced_by) ORDER BY c.not_after LIMIT 100",
        )
        .bind(&[text(account_id), integer(now - shared::expiry::LATEST_AFTER_END_SECONDS)])?
        .all()
        .await?
        .results::<CertificateLine>()?;
    Ok(rows
        .into_iter()
        .map(|row| UnpickedReplacement {
            fix_path: format!("/console/orders/{}", row.order_id),
            serial: row.serial,
            replaced_by: row.replaced_by.unwrap_or_default(),
            recipient_email: row.recipient_email,
            order_id: row.order_id,
            not_after: row.not_after,
        })
        .collect())
}

/// Emails to the account's orders' recipients, and for an `administrator` also to its users, that the outbox gave
/// up on, unless a later one to the same address was sent (the address works again), newest first. A user's
/// address is corrected on the users page, which only administrators open: the others are not shown what they
/// cannot fix.
pub async fn failed_emails(
    db: &D1Database,
    account_id: &str,
    administrator: bool,
) -> Result<Vec<FailedEmail>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        to_address: String,
        subject: String,
        last_error: Option<String>,
        created_at: i64,
        to_user: i64,
    }
    let rows = db
        .prepare(
            "SELECT m.id, m.to_address, m.subject, m.last_error, m.created_at, \
             EXISTS (SELECT 1 FROM users u WHERE u.account_id = ?1 AND u.email = m.to_address) AS to_user \
             FROM mail_outbox m WHERE m.status = 'failed' \
             AND ((?2 = 1 AND m.to_address IN (SELECT email FROM users WHERE account_id = ?1)) \
             OR m.to_address IN (SELECT r.email FROM recipients r JOIN orders o ON o.id = r.order_id \
             WHERE o.account_id = ?1)) \
             AND NOT EXISTS (SELECT 1 FROM mail_outbox later WHERE later.to_address = m.to_address \
             AND later.status = 'sent' AND later.created_at > m.created_at) \
             ORDER BY m.created_at DESC LIMIT 100",
        )
        .bind(&[text(account_id), integer(i64::from(administrator))])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows
        .into_iter()
        .map(|row| FailedEmail {
            fix_path: if row.to_user != 0 && administrator { "/console/users" } else { "/console/orders" }.to_owned(),
            id: row.id,
            to: row.to_address,
            subject: row.subject,
            last_error: row.last_error,
            created_at: row.created_at,
        })
        .collect())
}
