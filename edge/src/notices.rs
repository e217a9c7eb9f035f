//! The account's reminder settings (`GET`/`POST /api/v1/reminder-settings`, `shared::api::notices`), the
//! console's attention list (`GET /api/v1/attention`, reads in `store/attention.rs`), and the
//! notices of revocation, supersession and order cancellation (issue 14.5): queued in the batch of the change
//! that causes them, to the recipient in their language, the order's notification addresses in the order's and
//! the account's administrators in theirs ([`crate::reminders::readers`]). Notices are not reminders: the
//! account's reminder settings do not silence them, except that administrators' copies follow the setting.

use shared::account::Role;
use shared::api::notices::{
    ATTENTION_ENDING_WITHIN_SECONDS, Attention, ReminderSettingsError, ReminderSettingsUpdate, ReminderSettingsView,
};
use shared::mail::{self, CertificateNotice, Email};
use shared::revocation::RevocationReason;
use worker::{D1Database, D1PreparedStatement, Response};

use crate::call::{Call, Member};
use crate::db::commit;
use crate::error::AppError;
use crate::reminders::{CertificateFacts, readers};
use crate::store::recipients::RecipientRow;
use crate::store::{attention, audit_log, reminder_settings};
use crate::{outbox, platform};

impl From<ReminderSettingsError> for AppError {
    fn from(error: ReminderSettingsError) -> Self {
        AppError::field(422, error.code(), error.field(), error.to_string())
    }
}

/// `GET /api/v1/reminder-settings`: the account's settings (the defaults when never chosen).
pub async fn show_settings(call: Call) -> Result<Response, AppError> {
    let Member { account_id, .. } = call.account_admin().await?;
    let (settings, updated_at) = reminder_settings::of_account(&call.db, &account_id).await?;
    Ok(Response::from_json(&ReminderSettingsView::new(&settings, updated_at))?)
}

/// `POST /api/v1/reminder-settings`: replaces the account's settings, audited.
pub async fn update_settings(call: Call) -> Result<Response, AppError> {
    let update: ReminderSettingsUpdate = call.json("enabled, thresholds, administrators")?;
    let settings = update.settings()?;
    let Member { principal, account_id } = call.account_admin().await?;
    let db = &call.db;
    let view = ReminderSettingsView::new(&settings, Some(call.now));
    commit(
        db,
        vec![
            reminder_settings::save(db, &account_id, &settings, &principal.user_id, call.now)?,
            audit_log::record(
                db,
                call.now,
                &principal.actor(),
                "account.reminder_settings_changed",
                ("account", &account_id),
                &serde_json::json!({
                    "enabled": view.enabled,
                    "thresholds": view.thresholds,
                    "administrators": view.administrators,
                }),
            )?,
        ],
        "",
    )
    .await?;
    Ok(Response::from_json(&view)?)
}

/// `GET /api/v1/attention`: the four lists of what needs the caller's attention.
pub async fn show_attention(call: Call) -> Result<Response, AppError> {
    let Member { principal, account_id } = call.member().await?;
    let (db, now) = (&call.db, call.now);
    let administrator = principal.role == Role::OrgAdmin;
    Ok(Response::from_json(&Attention {
        blocked_orders: attention::blocked_orders(db, &account_id, &principal.actor(), administrator).await?,
        ending_soon: attention::ending_soon(db, &account_id, now, now + ATTENTION_ENDING_WITHIN_SECONDS).await?,
        not_picked_up: attention::not_picked_up(db, &account_id, now).await?,
        failed_emails: attention::failed_emails(db, &account_id, administrator).await?,
    })?)
}

/// The revocation notice of certificate `serial` (revoked at `revoked_at` for `reason`; `superseded` reads as a
/// replacement), as outbox statements for the revocation's batch. Nothing for a certificate of no recipient.
pub async fn revocation_statements(
    db: &D1Database,
    origin: &str,
    serial: &str,
    not_after: i64,
    reason: RevocationReason,
    revoked_at: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let Some((order_id, recipient_id)) = crate::store::certificates::order_and_recipient(db, serial).await? else {
        return Ok(Vec::new());
    };
    let facts = CertificateFacts::load(db, &order_id, &recipient_id).await?;
    let settings = reminder_settings::of_order(db, &order_id).await?;
    let others = readers(db, &facts.order, settings.administrators).await?;
    let certificate = facts.certificate(serial, not_after, origin);
    let emails = mail::revocation_notice(facts.recipient_lang, &others, &certificate, reason, revoked_at);
    enqueue_all(db, &emails, revoked_at)
}

/// The cancellation notices of order `order` cancelled at `now`: one per recipient who was contacted (a link was
/// sent, or a certificate issued), to them and the other readers; an order cancelled before any link went out
/// told no one outside the console, and tells no one now.
pub async fn cancellation_statements(
    db: &D1Database,
    order_id: &str,
    recipients: &[RecipientRow],
    now: i64,
) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut statements = Vec::new();
    let settings = reminder_settings::of_order(db, order_id).await?;
    let mut others = None;
    for recipient in recipients.iter().filter(|row| row.link_created_at.is_some() || row.serial.is_some()) {
        let facts = CertificateFacts::load(db, order_id, &recipient.id).await?;
        let others = match &others {
            Some(others) => others,
            None => others.insert(readers(db, &facts.order, settings.administrators).await?),
        };
        let notice = CertificateNotice {
            recipient_name: &facts.greeting,
            recipient_email: &facts.recipient_email,
            organization: &facts.order.organization_name,
            certified: &facts.certified,
            order_id,
            issued_serial: recipient.serial.as_deref(),
        };
        statements.extend(enqueue_all(
            db,
            &mail::cancellation_notice(facts.recipient_lang, others, &notice, now),
            now,
        )?);
    }
    Ok(statements)
}

/// The outbox statements of `emails`.
fn enqueue_all(db: &D1Database, emails: &[Email], now: i64) -> Result<Vec<D1PreparedStatement>, AppError> {
    emails.iter().map(|email| Ok(outbox::enqueue(db, email, now)?.0)).collect()
}

/// The Worker's origin, for the links in notices.
pub fn origin(env: &worker::Env) -> Result<String, AppError> {
    platform::app_url(env)
}
