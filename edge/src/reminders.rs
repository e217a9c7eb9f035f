//! Warnings before a certificate ends, on its last day and a week after, and the "renewed but not picked up"
//! escalation ([`shared::expiry`]), from the scheduled handler: the step due now under the account's settings
//! (`reminder_settings`), to the recipient in their language, the order's notification addresses in the order's
//! language and, from 7 days before, the account's administrators in theirs ([`readers`]); each certificate in
//! its own batch.

use shared::expiry::{Escalation, Replacement, Settings};
use shared::lang::Lang;
use shared::mail::{self, IssuedCertificate, PickUp, Reader};
use worker::{D1Database, D1PreparedStatement, Env};

use crate::db::commit;
use crate::error::AppError;
use crate::store::audit_log;
use crate::store::orders::OrderRow;
use crate::store::{certificates, orders, pickups, recipients, reminder_settings, users};
use crate::{outbox, platform};

/// Certificates the reminder sweep handles per run: the scheduled handler runs every minute, so a backlog (a
/// deployment that was stopped) drains in a few runs without one run outgrowing its CPU budget. The sweep selects
/// only certificates due, so a run's twenty all have something to record.
const REMINDERS_PER_RUN: i64 = 20;

/// The scheduled handler's reminders and escalations ([`shared::expiry`]): for each certificate of an order that
/// is not revoked, ends within 90 days or ended at most two weeks ago, and is due (a threshold reached since its
/// stage, or an unsettled escalation), one batch: its stage, its escalation, the emails, the audit record, guarded
/// by its version; a concurrent run's batch fails on the version and sends nothing. The handler's outbox
/// delivery, which runs next, sends the queued emails. Returns how many certificates it selected: [`REMINDERS_PER_RUN`]
/// means more may be due.
pub async fn remind_expiring(env: &Env, db: &D1Database, now: i64) -> Result<usize, AppError> {
    let origin = platform::app_url(env)?;
    let from = now - shared::expiry::LATEST_AFTER_END_SECONDS;
    let until = now + shared::expiry::LOOKAHEAD_SECONDS;
    let due = certificates::expiring(db, from, until, now, REMINDERS_PER_RUN).await?;
    let selected = due.len();
    for certificate in due {
        // One certificate's failure does not stop the others': logged and audited, it is due again next run.
        if let Err(error) = remind(db, &certificate, &origin, now).await {
            worker::console_error!("the expiry reminder of {} failed: {error:?}", certificate.serial);
            let detail = serde_json::json!({ "code": error.code(), "message": error.message() });
            let subject = ("certificate", certificate.serial.as_str());
            let recorded = async {
                audit_log::record(db, now, "keyward", "certificate.reminder_failed", subject, &detail)?.run().await
            };
            if let Err(error) = recorded.await {
                worker::console_error!("recording that reminder's failure: {error:?}");
            }
        }
    }
    Ok(selected)
}

/// Whether a sweep that selected `selected` certificates took its whole cap (more may be due at its instant).
#[cfg(feature = "development")]
pub fn sweep_full(selected: usize) -> bool {
    i64::try_from(selected).is_ok_and(|selected| selected >= REMINDERS_PER_RUN)
}

/// The readers of a certificate's emails other than its recipient: the order's notification addresses in the
/// order's language ([`orders::lang`]: its placer's), then, with `administrators`, the account's active
/// administrators each in their own (`users.lang`).
pub async fn readers(db: &D1Database, order: &OrderRow, administrators: bool) -> Result<Vec<Reader>, AppError> {
    let order_lang = orders::lang(db, &order.id).await?;
    let mut readers: Vec<Reader> = order
        .stored()
        .notification_emails
        .iter()
        .map(|email| Reader { email: email.clone(), lang: order_lang })
        .collect();
    if administrators && let Some(account_id) = order.account_id.as_deref() {
        readers.extend(users::administrators_as_readers(db, account_id).await?);
    }
    Ok(readers)
}

/// A certificate's facts for its emails, owned (the templates borrow them).
pub struct CertificateFacts {
    /// The order.
    pub order: OrderRow,
    /// The recipient's greeting.
    pub greeting: String,
    /// The recipient's address.
    pub recipient_email: String,
    /// The recipient's language.
    pub recipient_lang: Lang,
    /// The recipient's place in the order.
    pub position: i64,
    /// Whether the order gave this recipient's CSR (a server: the sync endpoint picks it up).
    pub from_csr: bool,
    /// What it certifies.
    pub certified: String,
}

impl CertificateFacts {
    /// The facts of recipient `recipient_id` of order `order_id`.
    pub async fn load(db: &D1Database, order_id: &str, recipient_id: &str) -> Result<Self, AppError> {
        let order = orders::find(db, order_id, None).await?;
        let recipient = recipients::one(db, order_id, recipient_id)
            .await?
            .ok_or_else(|| AppError::internal("a certificate's recipient is not in its order"))?;
        let facts = recipient.facts(&order)?;
        Ok(Self {
            greeting: recipient.display(&facts),
            recipient_email: facts.recipient_email.clone(),
            recipient_lang: recipient.lang,
            position: recipient.position,
            from_csr: recipient.csr.is_some(),
            certified: facts.certified(order.profile.profile()),
            order,
        })
    }

    /// The template's view of certificate `serial`, ending at `not_after`.
    pub fn certificate<'a>(&'a self, serial: &'a str, not_after: i64, origin: &'a str) -> IssuedCertificate<'a> {
        IssuedCertificate {
            recipient_name: &self.greeting,
            recipient_email: &self.recipient_email,
            notification_emails: &[],
            organization: &self.order.organization_name,
            profile: self.order.profile.profile(),
            certified: &self.certified,
            serial,
            not_after,
            origin,
        }
    }
}

/// The step due now for one certificate, if any, in its own batch.
async fn remind(db: &D1Database, certificate: &certificates::Expiring, origin: &str, now: i64) -> Result<(), AppError> {
    let settings: Settings = reminder_settings::of_order(db, &certificate.order_id).await?;
    let stage = u8::try_from(certificate.expiry_reminders).unwrap_or(u8::MAX);
    let due = shared::expiry::reminder_due(&settings, certificate.not_before, certificate.not_after, now, stage);
    let replacement = match (&certificate.replaced_by, certificate.replacement_issued_at) {
        (Some(serial), Some(issued_at)) if certificate.escalation.is_none() => {
            Some(Replacement { issued_at, picked_up: pickups::chain_picked_up(db, serial, now).await? })
        }
        _ => None,
    };
    let escalation = shared::expiry::escalation_due(
        &settings,
        certificate.not_after,
        now,
        replacement,
        certificate.escalation.is_some(),
    );
    if due.is_none() && escalation.is_none() {
        return Ok(());
    }
    let facts = CertificateFacts::load(db, &certificate.order_id, &certificate.recipient_id).await?;
    let issued = facts.certificate(&certificate.serial, certificate.not_after, origin);
    let threshold = due.and_then(|due| due.threshold);
    let mut emails = Vec::new();
    if let Some(threshold) = threshold {
        let others = readers(db, &facts.order, settings.copies_administrators(threshold)).await?;
        emails.extend(mail::expiry_reminder_to(facts.recipient_lang, &others, &issued, threshold, now));
    }
    let mut escalation_emails = 0;
    if let (Some(Escalation::Send), Some(replacement_serial), Some(replacement_not_after)) =
        (escalation, certificate.replaced_by.as_deref(), certificate.replacement_not_after)
    {
        let base = origin.trim_end_matches('/');
        let (sync_url, order_url) = (
            format!("{base}/api/v1/orders/{}/recipients/{}/certificate/current", facts.order.id, facts.position),
            format!("{base}/console/orders/{}", facts.order.id),
        );
        let pick_up =
            if facts.from_csr { PickUp::Sync { url: &sync_url } } else { PickUp::Enrollment { order_url: &order_url } };
        // The escalation always reaches the administrators (unless the account turned their copies off).
        let others = readers(db, &facts.order, settings.administrators).await?;
        let escalated = mail::escalation(
            facts.recipient_lang,
            &others,
            &mail::Escalation { old: issued, replacement_serial, replacement_not_after, pick_up },
            now,
        );
        escalation_emails = escalated.len();
        emails.extend(escalated);
    }
    let recorded_stage = due.map_or(i64::from(stage), |due| i64::from(due.stage));
    let mut statements: Vec<D1PreparedStatement> = vec![certificates::record_reminders(
        db,
        &certificate.serial,
        recorded_stage,
        escalation.map(Escalation::code),
        certificate.version,
    )?];
    for email in &emails {
        statements.push(outbox::enqueue(db, email, now)?.0);
    }
    if let Some(threshold) = threshold {
        statements.push(audit_log::record(
            db,
            now,
            "keyward",
            "certificate.expiry_reminded",
            ("certificate", &certificate.serial),
            &serde_json::json!({
                "reminder": recorded_stage,
                "threshold": threshold.code(),
                "days_left": shared::expiry::days_left(certificate.not_after, now),
                "emails": emails.len() - escalation_emails,
            }),
        )?);
    }
    if let Some(escalation) = escalation {
        statements.push(audit_log::record(
            db,
            now,
            "keyward",
            "certificate.escalation_settled",
            ("certificate", &certificate.serial),
            &serde_json::json!({
                "outcome": escalation.code(),
                "replaced_by": certificate.replaced_by,
                "emails": escalation_emails,
            }),
        )?);
    }
    match commit(db, statements, "").await {
        // Another run recorded it (or the certificate was revoked meanwhile): nothing of this batch was written.
        Err(error) if error.is_changed_meanwhile() => Ok(()),
        outcome => outcome,
    }
}
