//! Warnings before a certificate ends, on its last day and a week after ([`shared::expiry`]), from the scheduled
//! handler: the reminder due now, to the recipient, the order's notification addresses and, from 7 days before,
//! the account's administrators, each certificate in its own batch.

use shared::mail::{IssuedCertificate, expiry_reminder};
use worker::{D1Database, Env};

use crate::db::commit;
use crate::error::AppError;
use crate::store::audit_log;
use crate::store::{certificates, orders, recipients, users};
use crate::{outbox, platform};

/// Certificates the reminder sweep handles per run: the scheduled handler runs every minute, so a backlog (a
/// deployment that was stopped) drains in a few runs without one run outgrowing its CPU budget.
const REMINDERS_PER_RUN: i64 = 20;

/// The scheduled handler's reminders ([`shared::expiry`]): for each certificate of an order that is not revoked,
/// ends within 90 days or ended at most two weeks ago, and has a threshold left, the reminder due now, if any. One
/// batch per certificate: its stage and version, the emails, the audit record; a concurrent run's batch fails on
/// the version and sends nothing. The handler's outbox delivery, which runs next, sends the queued emails.
pub async fn remind_expiring(env: &Env, db: &D1Database, now: i64) -> Result<(), AppError> {
    let origin = platform::app_url(env)?;
    let from = now - shared::expiry::LATEST_AFTER_END_SECONDS;
    let until = now + shared::expiry::LOOKAHEAD_SECONDS;
    let stages = shared::expiry::THRESHOLDS.len() as i64;
    let due = certificates::expiring(db, from, until, stages, REMINDERS_PER_RUN).await?;
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
    Ok(())
}

/// The reminder due now for one certificate, if any, in its own batch.
async fn remind(db: &D1Database, certificate: &certificates::Expiring, origin: &str, now: i64) -> Result<(), AppError> {
    let stage = u8::try_from(certificate.expiry_reminders).unwrap_or(u8::MAX);
    let Some(due) = shared::expiry::reminder_due(certificate.not_before, certificate.not_after, now, stage) else {
        return Ok(());
    };
    let order = orders::find(db, &certificate.order_id, None).await?;
    let recipients = recipients::of_order(db, &certificate.order_id).await?;
    let recipient = recipients
        .iter()
        .find(|row| row.id == certificate.recipient_id)
        .ok_or_else(|| AppError::internal("a certificate's recipient is not in its order"))?;
    let profile = order.profile.profile();
    let facts = recipient.facts(&order)?;
    let (greeting, certified) = (recipient.display(&facts), facts.certified(profile));
    let mut notified = order.stored().notification_emails.clone();
    if due.threshold.to_administrators()
        && let Some(account_id) = order.account_id.as_deref()
    {
        let administrators = users::of_account(db, account_id).await?;
        notified.extend(
            administrators
                .into_iter()
                .filter(|user| user.role == shared::account::Role::OrgAdmin && user.disabled_at.is_none())
                .map(|user| user.email),
        );
    }
    let emails = expiry_reminder(
        recipient.lang,
        &IssuedCertificate {
            recipient_name: &greeting,
            recipient_email: &facts.recipient_email,
            notification_emails: &notified,
            organization: &order.organization_name,
            profile,
            certified: &certified,
            serial: &certificate.serial,
            not_after: certificate.not_after,
            origin,
        },
        due.threshold,
        now,
    );
    let mut statements =
        vec![certificates::record_reminders(db, &certificate.serial, i64::from(due.stage), certificate.version)?];
    for email in &emails {
        statements.push(outbox::enqueue(db, email, now)?.0);
    }
    statements.push(audit_log::record(
        db,
        now,
        "keyward",
        "certificate.expiry_reminded",
        ("certificate", &certificate.serial),
        &serde_json::json!({
            "reminder": due.stage,
            "threshold": due.threshold.code(),
            "days_left": shared::expiry::days_left(certificate.not_after, now),
            "emails": emails.len(),
        }),
    )?);
    match commit(db, statements, "").await {
        // Another run sent it (or the certificate was revoked meanwhile): nothing of this batch was written.
        Err(error) if error.is_changed_meanwhile() => Ok(()),
        outcome => outcome,
    }
}
