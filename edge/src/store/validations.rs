//! The `validations` table (migration 0004; the send cap, migration 0007): one row per attempt at validating an
//! organization, a domain or a mailbox. A resend or a change of method writes a new row (a fresh random value)
//! and marks the pending one superseded; a completed row is the evidence, and a subject's state is its latest row
//! that no resend replaced (`superseded_at IS NULL`). Written by the domain, mailbox and organization endpoints
//! (`domains.rs`, `organizations.rs`) and by order placement (mailbox links sent with an order); read by orders
//! and the issuance pipeline. Every read of an account's subjects filters on the account.

use serde::Deserialize;
use shared::address::{Domain, EmailAddress};
use shared::api::domain::check_send_allowed;
use shared::order::{ValidatedDomain, ValidatedMailbox};
use shared::validation::{DAY_SECONDS, DomainMethod, Validation, ValidationKind};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::db::{integer, raised, settle, text};
use crate::error::AppError;

/// How a validation is done (the `method` column's vocabulary, migration 0004's CHECK constraint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// An organization: the CA administrator's recorded verification call (before migration 0016 made them
    /// vetting records; no longer written).
    Call,
    /// An organization: the 8-digit code emailed to its first contact.
    EmailCode,
    /// A domain: a link emailed to one of its constructed addresses.
    ConstructedEmail,
    /// A domain: a random value published in a DNS TXT record.
    DnsTxt,
    /// A mailbox: a link emailed to the address itself.
    MailboxLink,
}

impl Method {
    /// The identifier as stored (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::EmailCode => "email_code",
            Self::ConstructedEmail => "constructed_email",
            Self::DnsTxt => "dns_txt",
            Self::MailboxLink => "mailbox_link",
        }
    }

    /// The domain method this is, if it is one.
    pub fn domain(self) -> Option<DomainMethod> {
        match self {
            Self::ConstructedEmail => Some(DomainMethod::ConstructedEmail),
            Self::DnsTxt => Some(DomainMethod::DnsTxt),
            _ => None,
        }
    }
}

impl From<DomainMethod> for Method {
    fn from(method: DomainMethod) -> Self {
        match method {
            DomainMethod::ConstructedEmail => Self::ConstructedEmail,
            DomainMethod::DnsTxt => Self::DnsTxt,
        }
    }
}

/// A `validations` row (migration 0004 documents each column; `evidence` is written, never read back).
#[derive(Clone, Debug, Deserialize)]
pub struct ValidationRow {
    /// Random identifier; also the salt of an organization code's hash.
    pub id: String,
    /// The tenant.
    pub account_id: String,
    /// What is validated.
    pub kind: ValidationKind,
    /// The organization id, the domain name or the address.
    pub subject: String,
    /// How.
    pub method: Method,
    /// Where the email went, or the DNS name queried (the telephone number, for a call).
    pub target: String,
    /// SHA-256 of the emailed link token, or the salted code hash.
    pub secret_hash: Option<String>,
    /// The TXT value to publish (`dns_txt`).
    pub dns_value: Option<String>,
    /// Wrong code entries.
    pub attempts: i64,
    /// When this attempt's random value was made.
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: i64,
    /// When a newer attempt replaced it.
    pub superseded_at: Option<i64>,
    /// When it was completed.
    pub validated_at: Option<i64>,
    /// Until when the completed validation may be relied on.
    pub validated_until: Option<i64>,
    /// Optimistic-concurrency version (trigger `validations_version`).
    pub version: i64,
}

/// The columns of [`ValidationRow`], for `SELECT`.
const COLUMNS: &str = "id, account_id, kind, subject, method, target, secret_hash, dns_value, attempts, created_at, \
     expires_at, superseded_at, validated_at, validated_until, version";

impl ValidationRow {
    /// The state machine's view of the row.
    pub fn validation(&self) -> Validation {
        Validation {
            kind: self.kind,
            created_at: self.created_at,
            expires_at: self.expires_at,
            validated_at: self.validated_at,
            version: self.version,
        }
    }

    /// The statement completing this row at `now` with the state machine's transition, and until when the
    /// validation may be relied on; the version trigger refuses it if another request changed the row since it
    /// was read.
    pub fn complete(&self, db: &D1Database, now: i64) -> Result<(D1PreparedStatement, i64), AppError> {
        let done = self.validation().complete(now)?;
        let validated_until =
            done.reusable_until(now).ok_or_else(|| AppError::internal("completed but not reusable"))?;
        let statement = db
            .prepare("UPDATE validations SET validated_at = ?1, validated_until = ?2, version = ?3 WHERE id = ?4")
            .bind(&[integer(now), integer(validated_until), integer(done.version), text(&self.id)])?;
        Ok((statement, validated_until))
    }
}

/// The subject's current row (latest not replaced), in the account.
pub async fn current(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
) -> worker::Result<Option<ValidationRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM validations \
         WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND superseded_at IS NULL \
         ORDER BY created_at DESC, rowid DESC LIMIT 1"
    ))
    .bind(&[text(account_id), text(kind.as_str()), text(subject)])?
    .first::<ValidationRow>(None)
    .await
}

/// Every subject's current row of `kind` in the account, by subject.
pub async fn current_of_kind(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
) -> worker::Result<Vec<ValidationRow>> {
    let rows = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM validations \
             WHERE account_id = ?1 AND kind = ?2 AND superseded_at IS NULL \
             ORDER BY subject, created_at DESC, rowid DESC"
        ))
        .bind(&[text(account_id), text(kind.as_str())])?
        .all()
        .await?
        .results::<ValidationRow>()?;
    let mut current: Vec<ValidationRow> = Vec::new();
    for row in rows {
        if current.last().is_none_or(|last| last.subject != row.subject) {
            current.push(row);
        }
    }
    Ok(current)
}

/// The contacts' confirmations of these organizations (completed `email_code` rows, any account: the caller
/// scoped the organizations), oldest first. A confirmation validates nothing (only the CA's staff do); it is
/// shown on the organization's page and in the CA administrators' work list.
pub async fn contact_confirmations(db: &D1Database, organization_ids: &[String]) -> worker::Result<Vec<ValidationRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM validations WHERE kind = 'organization' AND method = 'email_code' \
         AND validated_at IS NOT NULL AND subject IN (SELECT value FROM json_each(?1)) ORDER BY validated_at, rowid"
    ))
    .bind(&[text(&serde_json::Value::from(organization_ids.to_vec()).to_string())])?
    .all()
    .await?
    .results()
}

/// The validation an order relies on for a subject: the latest completed one, else the latest pending one.
pub async fn relied_on(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
) -> worker::Result<Option<ValidationRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM validations \
         WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND (validated_at IS NOT NULL OR superseded_at IS NULL) \
         ORDER BY validated_at IS NULL, validated_at DESC, created_at DESC LIMIT 1"
    ))
    .bind(&[text(account_id), text(kind.as_str()), text(subject)])?
    .first::<ValidationRow>(None)
    .await
}

/// A row by id (after a write, to read what it now holds).
pub async fn by_id(db: &D1Database, id: &str) -> worker::Result<Option<ValidationRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM validations WHERE id = ?1")).bind(&[text(id)])?.first(None).await
}

/// The domain or mailbox row an emailed link names, by the SHA-256 of its token (organization codes are typed,
/// not followed, and never found here).
pub async fn by_link(db: &D1Database, token_hash: &str) -> worker::Result<Option<ValidationRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM validations WHERE secret_hash = ?1 AND kind IN ('domain', 'mailbox')"))
        .bind(&[text(token_hash)])?
        .first(None)
        .await
}

/// Refuses one more send for a subject past [`shared::api::domain::SENDS_PER_DAY`] in 24 hours, saying when the
/// next one is allowed.
pub async fn check_sends(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
    now: i64,
) -> Result<(), AppError> {
    #[derive(Deserialize)]
    struct Sent {
        created_at: i64,
    }
    let recent: Vec<i64> = db
        .prepare(
            "SELECT created_at FROM validations \
             WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND created_at > ?4",
        )
        .bind(&[text(account_id), text(kind.as_str()), text(subject), integer(now - DAY_SECONDS)])?
        .all()
        .await?
        .results::<Sent>()?
        .into_iter()
        .map(|sent| sent.created_at)
        .collect();
    Ok(check_send_allowed(&recent, now)?)
}

/// Runs a batch that inserts a send of `(account_id, kind, subject)`, as [`crate::db::commit`] with `message`.
/// Between [`check_sends`] and this batch a concurrent request may have sent too; the database then refuses the
/// send past the cap (trigger `validations_send_cap`, migration 0007) and nothing of the batch is written, and the
/// caller hears when to try again as if [`check_sends`] had refused it.
pub async fn commit_send(
    db: &D1Database,
    statements: Vec<D1PreparedStatement>,
    (account_id, kind, subject): (&str, ValidationKind, &str),
    now: i64,
    message: &'static str,
) -> Result<(), AppError> {
    match db.batch(statements).await {
        Err(error) if raised(&error, "validation_send_cap") => {
            check_sends(db, account_id, kind, subject, now).await?;
            Err(AppError::internal("the database refused a send that the recent sends allow"))
        }
        result => settle(result, message),
    }
}

/// The statement marking every pending (not validated, not yet replaced) row of a subject replaced at `now`.
pub fn supersede_pending(
    db: &D1Database,
    account_id: &str,
    kind: ValidationKind,
    subject: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE validations SET superseded_at = ?1, version = version + 1 \
         WHERE account_id = ?2 AND kind = ?3 AND subject = ?4 AND superseded_at IS NULL AND validated_at IS NULL",
    )
    .bind(&[integer(now), text(account_id), text(kind.as_str()), text(subject)])
}

/// The statement inserting a new pending attempt (its id, subject, method, target, secret or DNS value and
/// lifetime; the rest takes the column defaults).
pub fn insert(db: &D1Database, row: &ValidationRow) -> worker::Result<D1PreparedStatement> {
    let optional = |value: &Option<String>| value.as_deref().map_or(JsValue::NULL, text);
    db.prepare(
        "INSERT INTO validations (id, account_id, kind, subject, method, target, secret_hash, dns_value, \
         created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(&[
        text(&row.id),
        text(&row.account_id),
        text(row.kind.as_str()),
        text(&row.subject),
        text(row.method.as_str()),
        text(&row.target),
        optional(&row.secret_hash),
        optional(&row.dns_value),
        integer(row.created_at),
        integer(row.expires_at),
    ])
}

/// The statement counting one wrong or right code entry on a pending row, unless `maximum` entries were counted
/// already or the row was completed or replaced meanwhile; it changes one row when the entry was counted (read
/// from the batch result's `changes`).
pub fn count_entry(db: &D1Database, id: &str, maximum: u32) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE validations SET attempts = attempts + 1, version = version + 1 \
         WHERE id = ?1 AND attempts < ?2 AND validated_at IS NULL AND superseded_at IS NULL",
    )
    .bind(&[text(id), integer(i64::from(maximum))])
}

/// The latest completion of each domain and mailbox of the ordering organization's account (the read the
/// issuance pipeline and the order form check), for a read batch; [`validated_subjects_from`] reads its result.
pub fn validated_subjects_statement(db: &D1Database, organization_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "SELECT kind, subject, MAX(validated_at) AS validated_at FROM validations \
         WHERE account_id = (SELECT account_id FROM organizations WHERE id = ?1) \
           AND kind IN ('domain', 'mailbox') AND validated_at IS NOT NULL GROUP BY kind, subject",
    )
    .bind(&[text(organization_id)])
}

/// The result of [`validated_subjects_statement`]: the validated domains and mailboxes, each with its reuse
/// deadline counted from its latest completion (lapsed ones included); a subject that no longer parses is left out.
pub fn validated_subjects_from(result: D1Result) -> worker::Result<(Vec<ValidatedDomain>, Vec<ValidatedMailbox>)> {
    #[derive(Deserialize)]
    struct Completed {
        kind: ValidationKind,
        subject: String,
        validated_at: i64,
    }
    let (mut domains, mut mailboxes) = (Vec::new(), Vec::new());
    for completed in result.results::<Completed>()? {
        let reusable_until = completed.validated_at + completed.kind.reuse_days() * DAY_SECONDS;
        if completed.kind == ValidationKind::Domain {
            if let Ok(domain) = Domain::parse(&completed.subject) {
                domains.push(ValidatedDomain { domain, reusable_until });
            }
        } else if let Ok(email) = EmailAddress::parse(&completed.subject) {
            mailboxes.push(ValidatedMailbox { email, reusable_until });
        }
    }
    Ok((domains, mailboxes))
}
