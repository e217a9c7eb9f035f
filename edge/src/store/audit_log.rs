//! `audit_log`: what happened, who did it, to what, with the detail (migration 0001 and later). Each record is
//! written unsealed in the same batch as the change it records ([`record`], [`record_events`],
//! [`record_if_counted`]); the sealer (`audit.rs`) then gives it its chain, sequence and hashes ([`unsealed`],
//! [`seal`]), after which migration 0019's triggers refuse any update or delete. [`list`] and [`chain_after`]
//! read sealed records for the activity pages and the export.

use wasm_bindgen::JsValue;

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

/// Which chain a record belongs to, as SQL over the row `a` at sealing time (when every statement of the batch that
/// wrote it has committed, so the object's row exists): the account of the object the record is about, else the
/// account of the user or API key that acted, else `ca` (the CRL, CA administrators' actions on no account,
/// deliveries of the mail outbox). A new kind of object with an account adds its line here.
const CHAIN_OF_RECORD: &str = "COALESCE(
    CASE a.subject_type
        WHEN 'account' THEN (SELECT id FROM accounts WHERE id = a.subject_id)
        WHEN 'order' THEN (SELECT account_id FROM orders WHERE id = a.subject_id)
        WHEN 'recipient' THEN
            (SELECT o.account_id FROM recipients r JOIN orders o ON o.id = r.order_id WHERE r.id = a.subject_id)
        WHEN 'enrollment_link' THEN
            (SELECT o.account_id FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id
             JOIN orders o ON o.id = r.order_id WHERE l.id = a.subject_id)
        WHEN 'certificate' THEN
            (SELECT o.account_id FROM certificates c JOIN recipients r ON r.id = c.recipient_id
             JOIN orders o ON o.id = r.order_id WHERE c.serial = a.subject_id)
        WHEN 'organization' THEN (SELECT account_id FROM organizations WHERE id = a.subject_id)
        WHEN 'user' THEN (SELECT account_id FROM users WHERE id = a.subject_id)
        WHEN 'api_key' THEN (SELECT account_id FROM api_keys WHERE id = a.subject_id)
        WHEN 'session' THEN
            (SELECT u.account_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = a.subject_id)
        WHEN 'domain' THEN (SELECT account_id FROM validations
            WHERE json_valid(a.detail) AND id = json_extract(a.detail, '$.validation_id'))
        WHEN 'mailbox' THEN (SELECT account_id FROM validations
            WHERE json_valid(a.detail) AND id = json_extract(a.detail, '$.validation_id'))
    END,
    CASE
        WHEN a.actor LIKE 'user:%' THEN (SELECT account_id FROM users WHERE id = substr(a.actor, 6))
        WHEN a.actor LIKE 'api\\_key:%' ESCAPE '\\' THEN (SELECT account_id FROM api_keys WHERE id = substr(a.actor, 9))
    END,
    'ca')";

/// An unsealed record with the chain it belongs to.
#[derive(serde::Deserialize)]
pub struct UnsealedRow {
    /// [`CHAIN_OF_RECORD`]'s answer.
    pub chain: String,
    /// `audit_log.id`.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// The object's kind.
    pub subject_type: String,
    /// The object's identifier.
    pub subject_id: String,
    /// The detail, JSON text as stored.
    pub detail: String,
}

impl UnsealedRow {
    /// What the record says, for [`shared::audit::Head::extend`].
    pub fn entry(self) -> shared::audit::Entry {
        shared::audit::Entry {
            id: self.id,
            at: self.at,
            actor: self.actor,
            action: self.action,
            object_type: self.subject_type,
            object_id: self.subject_id,
            detail: self.detail,
        }
    }
}

/// The oldest `limit` unsealed records, in the order they were written, each with its chain.
pub async fn unsealed(db: &worker::D1Database, limit: u32) -> worker::Result<Vec<UnsealedRow>> {
    db.prepare(format!(
        "SELECT {CHAIN_OF_RECORD} AS chain, a.id, a.at, a.actor, a.action, a.subject_type, a.subject_id, a.detail \
         FROM audit_log a WHERE a.sequence IS NULL ORDER BY a.id LIMIT ?1"
    ))
    .bind(&[integer(i64::from(limit))])?
    .all()
    .await?
    .results()
}

/// The statement that seals one record (`audit_log_seal` checks it follows its chain; after it, the row is final).
pub fn seal(
    db: &worker::D1Database,
    sealed: &shared::audit::SealedRecord,
) -> worker::Result<worker::D1PreparedStatement> {
    db.prepare("UPDATE audit_log SET chain = ?1, sequence = ?2, previous_hash = ?3, hash = ?4 WHERE id = ?5").bind(&[
        text(&sealed.record.chain),
        integer(sealed.record.sequence as i64),
        text(&sealed.previous_hash.to_string()),
        text(&sealed.hash.to_string()),
        integer(sealed.record.entry.id),
    ])
}

/// A sealed record as stored.
#[derive(serde::Deserialize)]
pub struct SealedRow {
    /// The chain.
    pub chain: String,
    /// Its place in the chain.
    pub sequence: i64,
    /// `audit_log.id`.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// The object's kind.
    pub subject_type: String,
    /// The object's identifier.
    pub subject_id: String,
    /// The detail, JSON text as stored.
    pub detail: String,
    /// The previous record's hash, hex.
    pub previous_hash: String,
    /// Its hash, hex.
    pub hash: String,
}

impl SealedRow {
    /// The row as `shared`'s sealed record. A stored hash that is not 64 hex digits (the sealer never writes one)
    /// reads as 64 zeros, so the export keeps the row and the verifier names it as altered.
    pub fn record(self) -> shared::audit::SealedRecord {
        use shared::audit::{Entry, GENESIS, Record, RecordHash, SealedRecord};
        // A hash that does not parse becomes the genesis value: the verifier then names this record as altered.
        let hash = |text: &str| RecordHash::parse(text).unwrap_or(GENESIS);
        SealedRecord {
            previous_hash: hash(&self.previous_hash),
            hash: hash(&self.hash),
            record: Record {
                chain: self.chain,
                sequence: u64::try_from(self.sequence).unwrap_or_default(),
                entry: Entry {
                    id: self.id,
                    at: self.at,
                    actor: self.actor,
                    action: self.action,
                    object_type: self.subject_type,
                    object_id: self.subject_id,
                    detail: self.detail,
                },
            },
        }
    }
}

/// What the activity list is filtered on; `None` is "any".
#[derive(Default)]
pub struct Filter<'a> {
    /// One chain (an account's id or `ca`).
    pub chain: Option<&'a str>,
    /// The actor, exactly (`user:…`, `api_key:…`).
    pub actor: Option<&'a str>,
    /// The object: its identifier, exactly (an order number, a serial, a user id, …).
    pub object: Option<&'a str>,
    /// The action, exactly, or a family: `api_key.` matches every `api_key.…` action.
    pub action: Option<&'a str>,
    /// From this instant, Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Before this instant, Unix seconds, exclusive.
    pub until: Option<i64>,
}

/// Sealed records matching `filter`, newest first, `limit + 1` from `offset` (the extra one says there is more).
pub async fn list(
    db: &worker::D1Database,
    filter: &Filter<'_>,
    offset: u64,
    limit: u32,
) -> worker::Result<Vec<SealedRow>> {
    let action_prefix = filter.action.filter(|action| action.ends_with('.')).map(|action| {
        let escaped = action.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("{escaped}%")
    });
    let optional = |value: Option<&str>| value.map_or(JsValue::NULL, text);
    let optional_instant = |value: Option<i64>| value.map_or(JsValue::NULL, integer);
    db.prepare(
        "SELECT chain, sequence, id, at, actor, action, subject_type, subject_id, detail, previous_hash, hash \
         FROM audit_log WHERE sequence IS NOT NULL \
         AND (?1 IS NULL OR chain = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR subject_id = ?3) \
         AND (?4 IS NULL OR action = ?4) AND (?5 IS NULL OR action LIKE ?5 ESCAPE '\\') \
         AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL OR at < ?7) \
         ORDER BY id DESC LIMIT ?8 OFFSET ?9",
    )
    .bind(&[
        optional(filter.chain),
        optional(filter.actor),
        optional(filter.object),
        optional(filter.action.filter(|_| action_prefix.is_none())),
        optional(action_prefix.as_deref()),
        optional_instant(filter.from),
        optional_instant(filter.until),
        integer(i64::from(limit) + 1),
        integer(offset as i64),
    ])?
    .all()
    .await?
    .results()
}

/// Sealed records of `chain` after sequence `after`, in chain order, at most `limit` (the export's pages).
pub async fn chain_after(
    db: &worker::D1Database,
    chain: &str,
    after: u64,
    limit: u32,
) -> worker::Result<Vec<SealedRow>> {
    db.prepare(
        "SELECT chain, sequence, id, at, actor, action, subject_type, subject_id, detail, previous_hash, hash \
         FROM audit_log WHERE chain = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3",
    )
    .bind(&[text(chain), integer(after as i64), integer(i64::from(limit))])?
    .all()
    .await?
    .results()
}
