//! The `certificates` table: one row per certificate the issuing CA signed (its DER, the SHA-256 of its public
//! key, its validity), with its revocation state and the expiry reminders sent for it, guarded by `version` (the
//! trigger `certificates_version`). The issuance pipeline's batch inserts a row (`issuing.rs`, through
//! [`insert`]); revocation (`revocation.rs`) and the expiry reminders (`orders.rs`) update it; downloads, the
//! status endpoint, OCSP and the CRL read it.

use serde::Deserialize;
use shared::reissue::DEFAULT_GRACE_DAYS;
use shared::revocation::{RevocationReason, Status};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// The columns of [`CertificateRow`].
const COLUMNS: &str = "serial, der, spki_sha256, not_after, revoked_at, revocation_reason, version";

/// A stored certificate: the columns the edge reads by serial or by key (the CRL's and the expiry reminders'
/// sweeps read their own few columns: [`Revoked`], [`Expiring`]).
#[derive(Deserialize)]
pub struct CertificateRow {
    /// The serial number, 32 lower-case hex digits.
    pub serial: String,
    /// The certificate, DER, base64.
    pub der: String,
    /// SHA-256 (hex) of its SubjectPublicKeyInfo.
    pub spki_sha256: String,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Why it was revoked (set with `revoked_at`).
    pub revocation_reason: Option<RevocationReason>,
    /// The optimistic-concurrency version; an update writes exactly one more.
    pub version: i64,
}

impl CertificateRow {
    /// Its revocation status: revoked when both the instant and the reason are stored.
    pub fn status(&self) -> Status {
        match (self.revoked_at, self.revocation_reason) {
            (Some(at), Some(reason)) => Status::Revoked { at, reason },
            _ => Status::Valid,
        }
    }
}

/// The certificate with this serial (lower-case hex), if any.
pub async fn find(db: &D1Database, serial: &str) -> Result<Option<CertificateRow>, AppError> {
    Ok(db
        .prepare(format!("SELECT {COLUMNS} FROM certificates WHERE serial = ?1"))
        .bind(&[text(serial)])?
        .first::<CertificateRow>(None)
        .await?)
}

/// The other unrevoked certificates with the same public key that have not expired at `now`, by serial: those a
/// `keyCompromise` revocation of `serial` revokes with it.
pub async fn others_with_key(
    db: &D1Database,
    spki_sha256: &str,
    serial: &str,
    now: i64,
) -> Result<Vec<CertificateRow>, AppError> {
    Ok(db
        .prepare(format!(
            "SELECT {COLUMNS} FROM certificates WHERE spki_sha256 = ?1 AND serial != ?2 \
             AND revoked_at IS NULL AND not_after >= ?3 ORDER BY serial"
        ))
        .bind(&[text(spki_sha256), text(serial), integer(now)])?
        .all()
        .await?
        .results::<CertificateRow>()?)
}

/// The account whose order the certificate was issued for (through its recipient); `None` when there is no such
/// certificate or its order belongs to no account.
pub async fn ordering_account(db: &D1Database, serial: &str) -> Result<Option<String>, AppError> {
    #[derive(Deserialize)]
    struct Owner {
        account_id: Option<String>,
    }
    Ok(db
        .prepare(
            "SELECT o.account_id FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
             JOIN orders o ON o.id = r.order_id WHERE c.serial = ?1",
        )
        .bind(&[text(serial)])?
        .first::<Owner>(None)
        .await?
        .and_then(|owner| owner.account_id))
}

/// A revoked certificate as the CRL lists it: the CRL's three columns only, as it lists every unexpired
/// revocation and needs none of their DER.
#[derive(Deserialize)]
pub struct Revoked {
    /// The serial number, hex.
    pub serial: String,
    /// When it was revoked.
    pub revoked_at: i64,
    /// Why.
    pub revocation_reason: RevocationReason,
}

/// The revoked certificates that have not expired at `now` (expired ones may leave the CRL, RFC 5280 3.3), by
/// revocation instant and serial.
pub async fn revoked_unexpired(db: &D1Database, now: i64) -> Result<Vec<Revoked>, AppError> {
    Ok(db
        .prepare(
            "SELECT serial, revoked_at, revocation_reason FROM certificates \
             WHERE revoked_at IS NOT NULL AND not_after >= ?1 ORDER BY revoked_at, serial",
        )
        .bind(&[integer(now)])?
        .all()
        .await?
        .results::<Revoked>()?)
}

/// A certificate the reminder sweep found due: a threshold reached since its stage, or a replacement whose
/// escalation is unsettled and due; with its recipient's order.
#[derive(Deserialize)]
pub struct Expiring {
    /// The serial number.
    pub serial: String,
    /// Its recipient (`recipients.id`).
    pub recipient_id: String,
    /// The recipient's order (`orders.id`).
    pub order_id: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// The reminders' stage: how many of `shared::expiry::THRESHOLDS` were passed when it was last recorded.
    pub expiry_reminders: i64,
    /// The certificate that replaced it, if any.
    pub replaced_by: Option<String>,
    /// The replacement's issuance.
    pub replacement_issued_at: Option<i64>,
    /// The replacement's end of validity.
    pub replacement_not_after: Option<i64>,
    /// How its escalation was settled (`sent`, `picked_up`, `off`), if it was.
    pub escalation: Option<String>,
    /// The version the reminder's update writes one more than.
    pub version: i64,
}

/// The SQL expression of the instant a certificate `c` is next due a reminder step: its end plus the offset of
/// the threshold after its stage (`shared::expiry::next_threshold_offset`); NULL once all are passed.
fn next_threshold_sql() -> String {
    let arms: String = (0..=u8::MAX)
        .map_while(|stage| shared::expiry::next_threshold_offset(stage).map(|offset| (stage, offset)))
        .map(|(stage, offset)| format!(" WHEN {stage} THEN c.not_after + ({offset})"))
        .collect();
    format!("CASE c.expiry_reminders{arms} END")
}

/// The reminder sweep at `now`: unrevoked certificates issued by `now` and ending in `[from, until]` that are due
/// (a threshold reached since their stage, or a replacement whose escalation is unsettled and due,
/// `shared::expiry::escalation_at`), soonest end first, at most `limit`. Only due rows: rows waiting for a later
/// threshold never crowd the ones due out of the limit.
pub async fn expiring(db: &D1Database, from: i64, until: i64, now: i64, limit: i64) -> Result<Vec<Expiring>, AppError> {
    let next = next_threshold_sql();
    let before = shared::expiry::ESCALATION_BEFORE_SECONDS;
    let grace = shared::expiry::ESCALATION_GRACE_SECONDS;
    Ok(db
        .prepare(format!(
            "SELECT c.serial, c.recipient_id, r.order_id, c.not_before, c.not_after, c.expiry_reminders, \
             c.replaced_by, n.issued_at AS replacement_issued_at, n.not_after AS replacement_not_after, \
             c.escalation, c.version \
             FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
             LEFT JOIN certificates n ON n.serial = c.replaced_by \
             WHERE c.revoked_at IS NULL AND c.not_after >= ?1 AND c.not_after <= ?2 AND c.not_before <= ?3 \
             AND (({next}) <= ?3 OR (n.serial IS NOT NULL AND c.escalation IS NULL \
             AND MAX(c.not_after - {before}, n.issued_at + {grace}) <= ?3)) \
             ORDER BY c.not_after LIMIT ?4"
        ))
        .bind(&[integer(from), integer(until), integer(now), integer(limit)])?
        .all()
        .await?
        .results::<Expiring>()?)
}

/// A certificate the issuance batch stores.
pub struct NewCertificate<'a> {
    /// The serial number, lower-case hex.
    pub serial: &'a str,
    /// Its recipient (`recipients.id`).
    pub recipient_id: &'a str,
    /// The link it was issued through (`enrollment_links.id`); a second certificate for it is refused.
    pub enrollment_link_id: &'a str,
    /// The certificate, DER, base64.
    pub der: &'a str,
    /// SHA-256 (hex) of its SubjectPublicKeyInfo.
    pub spki_sha256: &'a str,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// When it was issued.
    pub issued_at: i64,
}

/// Inserts an issued certificate; the batch fails whole if its link already has one (`enrollment_link_id` is
/// unique).
pub fn insert(db: &D1Database, certificate: &NewCertificate) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO certificates (serial, recipient_id, enrollment_link_id, der, spki_sha256, not_before, \
         not_after, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        text(certificate.serial),
        text(certificate.recipient_id),
        text(certificate.enrollment_link_id),
        text(certificate.der),
        text(certificate.spki_sha256),
        integer(certificate.not_before),
        integer(certificate.not_after),
        integer(certificate.issued_at),
    ])
}

/// The statement recording, in the issuing batch of a renewal order's recipient, that the certificate it renews
/// (`recipients.renews_serial`) is replaced by `serial`, only where nothing replaced it yet; nothing for any other
/// recipient.
pub fn replace_renewed(db: &D1Database, recipient_id: &str, serial: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE certificates SET replaced_by = ?1, version = version + 1 \
         WHERE replaced_by IS NULL AND serial = (SELECT renews_serial FROM recipients WHERE id = ?2)",
    )
    .bind(&[text(serial), text(recipient_id)])
}

/// Marks the certificate revoked at `at` for `reason`; `version` is the one read (the batch fails whole if the
/// row moved meanwhile).
pub fn revoke(
    db: &D1Database,
    serial: &str,
    at: i64,
    reason: RevocationReason,
    version: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2, version = ?3 WHERE serial = ?4")
        .bind(&[integer(at), text(reason.as_str()), integer(version + 1), text(serial)])
}

/// Records a certificate's reminder stage and, when settled now, its escalation (`sent`, `picked_up`, `off`); a
/// settled escalation is never changed. `version` is the one read: a concurrent run's batch fails whole.
pub fn record_reminders(
    db: &D1Database,
    serial: &str,
    reminders: i64,
    escalation: Option<&str>,
    version: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE certificates SET expiry_reminders = MAX(expiry_reminders, ?1), \
         escalation = COALESCE(escalation, ?2), version = ?3 WHERE serial = ?4",
    )
    .bind(&[integer(reminders), escalation.map_or(JsValue::NULL, text), integer(version + 1), text(serial)])
}

/// The order and recipient a certificate was issued for (`None` for an unknown serial).
pub async fn order_and_recipient(db: &D1Database, serial: &str) -> Result<Option<(String, String)>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        order_id: String,
        recipient_id: String,
    }
    let row = db
        .prepare(
            "SELECT r.order_id, c.recipient_id FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
             WHERE c.serial = ?1",
        )
        .bind(&[text(serial)])?
        .first::<Row>(None)
        .await?;
    Ok(row.map(|row| (row.order_id, row.recipient_id)))
}

/// Sets `replaced_by` on the certificate a renewal or reissue replaces, in the new certificate's issuing batch, only
/// where it is still `NULL` (the contract shared with renewal: the first successor stands).
pub fn set_replaced_by(db: &D1Database, serial: &str, successor: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE certificates SET replaced_by = ?2, version = version + 1 WHERE serial = ?1 AND replaced_by IS NULL",
    )
    .bind(&[text(serial), text(successor)])
}

/// A certificate as a reissue reads it: its state, its recipient and its order's account.
#[derive(Deserialize)]
pub struct ReissueTarget {
    /// The serial number.
    pub serial: String,
    /// End of validity.
    pub not_after: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revocation_reason: Option<RevocationReason>,
    /// What replaced it, if anything.
    pub replaced_by: Option<String>,
    /// Its recipient (`recipients.id`).
    pub recipient_id: String,
    /// The recipient's order.
    pub order_id: String,
    /// The ordering account (`NULL` for orders of no account).
    pub account_id: Option<String>,
}

impl ReissueTarget {
    /// Its revocation status.
    pub fn status(&self) -> Status {
        match (self.revoked_at, self.revocation_reason) {
            (Some(at), Some(reason)) => Status::Revoked { at, reason },
            _ => Status::Valid,
        }
    }
}

/// The certificate with this serial as a reissue reads it, if any.
pub async fn reissue_target(db: &D1Database, serial: &str) -> Result<Option<ReissueTarget>, AppError> {
    Ok(db
        .prepare(
            "SELECT c.serial, c.not_after, c.revoked_at, c.revocation_reason, c.replaced_by, \
                    c.recipient_id, r.order_id, o.account_id \
             FROM certificates c JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
             WHERE c.serial = ?1",
        )
        .bind(&[text(serial)])?
        .first::<ReissueTarget>(None)
        .await?)
}

/// A reissued certificate whose predecessor is still valid: what decides its supersession.
#[derive(Deserialize)]
pub struct PendingSupersession {
    /// The reissued (new) certificate.
    pub serial: String,
    /// When it was issued.
    pub issued_at: i64,
    /// Whether it was picked up (0 or 1).
    pub picked_up: i64,
    /// The certificate it replaces.
    pub predecessor: String,
    /// The predecessor's end of validity.
    pub predecessor_not_after: i64,
    /// The ordering account's grace period, days (`NULL` for orders of no account: the default).
    pub supersede_grace_days: Option<i64>,
}

const PENDING_SUPERSESSIONS: &str = "SELECT c.serial, c.issued_at, \
        EXISTS (SELECT 1 FROM pickups k WHERE k.serial = c.serial) AS picked_up, p.serial AS predecessor, \
        p.not_after AS predecessor_not_after, a.supersede_grace_days \
     FROM certificates c JOIN enrollment_links l ON l.id = c.enrollment_link_id \
     JOIN certificates p ON p.serial = l.reissue_of AND p.replaced_by = c.serial \
     JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
     LEFT JOIN accounts a ON a.id = o.account_id \
     WHERE p.revoked_at IS NULL AND p.not_after >= ?1";

/// Reissued certificates due for supersession whose predecessor is unrevoked and unexpired at `now`, oldest first, at most `limit`: the
/// scheduled handler's sweep.
pub async fn pending_supersessions(
    db: &D1Database,
    now: i64,
    limit: i64,
) -> Result<Vec<PendingSupersession>, AppError> {
    Ok(db
        // Only those due (picked up, or past the grace period), so waiting ones never crowd the due ones out.
        .prepare(format!(
            "{PENDING_SUPERSESSIONS} AND (EXISTS (SELECT 1 FROM pickups k WHERE k.serial = c.serial) \
             OR c.issued_at + COALESCE(a.supersede_grace_days, {DEFAULT_GRACE_DAYS}) * 86400 <= ?1) \
             ORDER BY c.issued_at LIMIT ?2"
        ))
        .bind(&[integer(now), integer(limit)])?
        .all()
        .await?
        .results::<PendingSupersession>()?)
}

/// The pending supersession of the reissued certificate `serial`, if it is one whose predecessor is still valid.
pub async fn pending_supersession_of(
    db: &D1Database,
    serial: &str,
    now: i64,
) -> Result<Option<PendingSupersession>, AppError> {
    Ok(db
        .prepare(format!("{PENDING_SUPERSESSIONS} AND c.serial = ?2"))
        .bind(&[integer(now), text(serial)])?
        .first::<PendingSupersession>(None)
        .await?)
}
