//! `audit_log`: what happened, who did it, to what, with the detail (migration 0001 and later). Never updated or
//! deleted; each record is written in the same batch as the change it records.

use crate::db::{integer, text};

/// The statement that writes one audit record; it goes in the same batch as the change it records.
pub fn record(
    db: &worker::D1Database,
    now: i64,
    actor: &str,
    action: &str,
    subject: (&str, &str),
    detail: &serde_json::Value,
) -> worker::Result<worker::D1PreparedStatement> {
    db.prepare(
        "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&[integer(now), text(actor), text(action), text(subject.0), text(subject.1), text(&detail.to_string())])
}

/// The audit statements of a transition's events, about the order `order_id`.
pub fn record_events(
    db: &worker::D1Database,
    now: i64,
    actor: &str,
    order_id: &str,
    events: &[shared::pipeline::AuditEvent],
) -> worker::Result<Vec<worker::D1PreparedStatement>> {
    events
        .iter()
        .map(|event| {
            let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap_or_default();
            record(db, now, actor, event.action, ("order", order_id), &detail)
        })
        .collect()
}

/// The audit record of a code entry, written only when the statement before it in the batch changed a row
/// (`changes() = 1`: the entry was counted).
pub fn record_if_counted(
    db: &worker::D1Database,
    now: i64,
    actor: &str,
    action: &str,
    subject: (&str, &str),
    detail: &serde_json::Value,
) -> worker::Result<worker::D1PreparedStatement> {
    db.prepare(
        "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
    )
    .bind(&[integer(now), text(actor), text(action), text(subject.0), text(subject.1), text(&detail.to_string())])
}
