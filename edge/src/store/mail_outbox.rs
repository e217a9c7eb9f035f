//! `mail_outbox`: every email Keyward sends, written as a row in the batch of the state change that causes it
//! (`insert`, through `outbox::enqueue`), then delivered by `outbox.rs`: a run claims a due row by raising
//! `attempts` from the value it read (so two runs never send one attempt twice) and records the outcome
//! (`shared::outbox`'s rules). The development mailbox (`dev.rs`) lists the rows.

use serde::{Deserialize, Deserializer};
use shared::mail::Email;
use shared::outbox::{MailAdapter, OutboxStatus, Recorded};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, optional_integer, text};

/// How many rows the development mailbox shows.
#[cfg(feature = "development")]
const MAILBOX_LIMIT: i64 = 200;

/// An email and its delivery (the provider's identifier, `provider_id`, is written, never read back).
#[derive(Deserialize)]
#[cfg_attr(not(feature = "development"), allow(dead_code, reason = "some columns only the development mailbox shows"))]
pub struct OutboxRow {
    /// `mail_outbox.id`, also the delivery's idempotency key.
    pub id: String,
    /// The recipient's address.
    pub to_address: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Where its delivery stands.
    #[serde(deserialize_with = "deserialize_status")]
    pub status: OutboxStatus,
    /// The language it is written in.
    #[serde(deserialize_with = "super::deserialize_lang")]
    pub lang: shared::lang::Lang,
    /// Delivery attempts claimed.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: i64,
    /// When the next attempt is due, while pending (`None` before any claim: due from `created_at`).
    pub next_attempt_at: Option<i64>,
    /// When the adapter accepted it.
    pub sent_at: Option<i64>,
    /// Why the last attempt did not send.
    pub last_error: Option<String>,
    /// The adapter of the last attempt.
    #[serde(deserialize_with = "deserialize_adapter")]
    pub adapter: Option<MailAdapter>,
}

/// Reads `mail_outbox.status` (CHECK: `pending`, `sent`, `failed`).
fn deserialize_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OutboxStatus, D::Error> {
    let stored = String::deserialize(deserializer)?;
    [OutboxStatus::Pending, OutboxStatus::Sent, OutboxStatus::Failed]
        .into_iter()
        .find(|status| status.as_str() == stored)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown outbox status {stored:?}")))
}

/// Reads `mail_outbox.adapter` (no CHECK; written only as `MailAdapter::as_str`).
fn deserialize_adapter<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<MailAdapter>, D::Error> {
    let Some(stored) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    [MailAdapter::Development, MailAdapter::Http]
        .into_iter()
        .find(|adapter| adapter.as_str() == stored)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown mail adapter {stored:?}")))
}

/// The columns of [`OutboxRow`].
const COLUMNS: &str = "id, to_address, subject, body, status, lang, attempts, created_at, next_attempt_at, sent_at, \
     last_error, adapter";

/// The statement that queues `email` as row `id` at `now`, due at once.
pub fn insert(db: &D1Database, id: &str, email: &Email, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO mail_outbox (id, to_address, subject, body, lang, created_at, next_attempt_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )
    .bind(&[
        text(id),
        text(&email.to),
        text(&email.subject),
        text(&email.body),
        text(email.lang.tag()),
        integer(now),
    ])
}

/// Up to `limit` pending rows due at `now`, the longest due first.
pub async fn due(db: &D1Database, now: i64, limit: u32) -> worker::Result<Vec<OutboxRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM mail_outbox \
         WHERE status = 'pending' AND coalesce(next_attempt_at, created_at) <= ?1 \
         ORDER BY coalesce(next_attempt_at, created_at), rowid LIMIT ?2"
    ))
    .bind(&[integer(now), integer(i64::from(limit))])?
    .all()
    .await?
    .results::<OutboxRow>()
}

/// The row `id` if it is pending and no attempt has been claimed yet.
pub async fn unattempted(db: &D1Database, id: &str) -> worker::Result<Option<OutboxRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = ?1 AND status = 'pending' AND attempts = 0"))
        .bind(&[text(id)])?
        .first::<OutboxRow>(None)
        .await
}

#[cfg(feature = "development")]
/// The newest rows, for the development mailbox.
pub async fn newest(db: &D1Database) -> worker::Result<Vec<OutboxRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at DESC, rowid DESC LIMIT ?1"))
        .bind(&[integer(MAILBOX_LIMIT)])?
        .all()
        .await?
        .results::<OutboxRow>()
}

/// The statement that claims attempt number `attempts` of `row`, due again at `next_attempt_at` if it gets no
/// answer: it changes one row only if the row is still pending with the attempts this run read.
pub fn claim(
    db: &D1Database,
    row: &OutboxRow,
    attempts: u32,
    next_attempt_at: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE mail_outbox SET attempts = ?1, next_attempt_at = ?2 WHERE id = ?3 AND attempts = ?4 AND status = 'pending'",
    )
    .bind(&[integer(i64::from(attempts)), integer(next_attempt_at), text(&row.id), integer(i64::from(row.attempts))])
}

/// What a delivered or failed email's body becomes: it held a single-use link, a code or a temporary password,
/// which must not stay readable at rest once no retry needs it.
pub const SCRUBBED_BODY: &str = "(removed once this email was delivered or failed: it may have held a single-use \
                                 link, a code or a temporary password)";

/// The statement that records the outcome of attempt `attempts` of row `id` (made by `adapter`; `None` when the
/// row was abandoned without one), if the row is still pending at that attempt. A final outcome (sent, failed)
/// scrubs the body ([`SCRUBBED_BODY`]), except the development adapter's, which keeps it for the development
/// mailbox (development builds only).
pub fn record(
    db: &D1Database,
    id: &str,
    attempts: u32,
    adapter: Option<MailAdapter>,
    recorded: &Recorded,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE mail_outbox SET status = ?1, next_attempt_at = ?2, sent_at = ?3, last_error = ?4, \
         adapter = coalesce(?5, adapter), provider_id = ?6, \
         body = CASE WHEN ?1 IN ('sent', 'failed') AND coalesce(?5, adapter, '') != 'development' THEN ?9 ELSE body END \
         WHERE id = ?7 AND attempts = ?8 AND status = 'pending'",
    )
    .bind(&[
        text(recorded.status.as_str()),
        optional_integer(recorded.next_attempt_at),
        optional_integer(recorded.sent_at),
        optional_text(recorded.last_error.as_deref()),
        optional_text(adapter.map(MailAdapter::as_str)),
        optional_text(recorded.provider_id.as_deref()),
        text(id),
        integer(i64::from(attempts)),
        text(SCRUBBED_BODY),
    ])
}

/// The statement that writes the audit record `action` with `detail` for row `id` at `now`, only if the row holds
/// `status` at attempt `attempts` (what [`record`] stored, in the same batch).
pub fn recorded_audit(
    db: &D1Database,
    id: &str,
    attempts: u32,
    status: OutboxStatus,
    action: &str,
    detail: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) \
         SELECT ?1, 'outbox', ?2, 'mail', ?3, ?4 \
         WHERE EXISTS (SELECT 1 FROM mail_outbox WHERE id = ?3 AND attempts = ?5 AND status = ?6)",
    )
    .bind(&[
        integer(now),
        text(action),
        text(id),
        text(detail),
        integer(i64::from(attempts)),
        text(status.as_str()),
    ])
}

fn optional_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, text)
}
