//! The mail outbox's delivery adapters. Rows are written by the handlers, in the batch of the state change that
//! causes them ([`enqueue`] makes the statement); this module sends them: [`deliver_due`] from the scheduled
//! handler, [`deliver_soon`] after a handler's answer (`Call::after_answer_deliver`, through the fetch event's
//! `waitUntil`) and after the scheduled handler moved an order on. The rules (which adapter, what an answer means,
//! when to retry) are `shared::outbox`.
//!
//! Adapters, chosen by `KEYWARD_MAIL`:
//! - `development` (the default when `KEYWARD_ENV=development`): the message stays in the outbox for the
//!   development mailbox and is marked `sent` with adapter `development`.
//! - `http`: POST `{from, to, subject, text}` as JSON to `KEYWARD_MAIL_API_URL`, with
//!   `Authorization: Bearer ${KEYWARD_MAIL_API_TOKEN}` and `Idempotency-Key: <outbox id>`, so a retry after a
//!   lost answer is not a second email; `KEYWARD_MAIL_FROM` is the sender.
//!
//! A run claims a row before sending (`attempts` raised by one, guarded by the value it read), so two runs never
//! send one attempt twice; then one batch records the outcome with its audit record.

use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use shared::mail::Email;
use shared::outbox::{
    Claim, DeliveryOutcome, HttpMailSettings, MailAdapter, MailSettingsError, OutboxStatus, Recorded, claim, record,
};
use wasm_bindgen::JsValue;
use worker::{
    AbortSignal, D1Database, D1PreparedStatement, Env, Fetch, Headers, Method, Request, RequestInit, console_error,
};

use crate::error::AppError;
use crate::platform;
use crate::store::mail_outbox::{self, OutboxRow};

/// How long one HTTP attempt may take before it counts as no answer.
const HTTP_TIMEOUT_MILLISECONDS: u32 = 10_000;

/// How many messages a run sends at once. A silent provider makes every attempt wait its whole timeout; one at a
/// time, a run of 50 due messages lasted over eight minutes (the soak's finding), four at a time about two. It
/// stays under the Workers runtime's six simultaneous outgoing connections per invocation.
const DELIVERY_CONCURRENCY: usize = 4;

/// The adapter with its settings.
enum Mailer {
    Development,
    Http(HttpMailSettings),
}

impl Mailer {
    /// The adapter the Worker's variables choose.
    fn from_env(env: &Env) -> Result<Self, MailSettingsError> {
        let setting = |name: &str| env.var(name).ok().map(|value| value.to_string());
        let development = setting("KEYWARD_ENV").as_deref() == Some("development");
        match MailAdapter::from_setting(setting("KEYWARD_MAIL").as_deref(), development)? {
            MailAdapter::Development => Ok(Self::Development),
            MailAdapter::Http => Ok(Self::Http(HttpMailSettings::new(
                setting("KEYWARD_MAIL_API_URL").as_deref(),
                setting("KEYWARD_MAIL_API_TOKEN").as_deref(),
                setting("KEYWARD_MAIL_FROM").as_deref(),
            )?)),
        }
    }

    fn adapter(&self) -> MailAdapter {
        match self {
            Self::Development => MailAdapter::Development,
            Self::Http(_) => MailAdapter::Http,
        }
    }

    /// One delivery attempt. Never fails: what went wrong is the outcome.
    async fn send(&self, message: &OutboxRow) -> DeliveryOutcome {
        match self {
            Self::Development => DeliveryOutcome::Sent { provider_id: None },
            Self::Http(settings) => match post(settings, message).await {
                Ok(outcome) => outcome,
                Err(error) => DeliveryOutcome::network_error(&error.to_string()),
            },
        }
    }
}

/// The statement that puts `email` in the outbox, due at once, for the caller's batch; and the new row's id, to
/// hand to [`deliver_soon`] once the batch has committed.
pub fn enqueue(db: &D1Database, email: &Email, now: i64) -> Result<(D1PreparedStatement, String), AppError> {
    let id = platform::new_id()?;
    let statement = mail_outbox::insert(db, &id, email, now)?;
    Ok((statement, id))
}

/// What the HTTP email API may answer; only its message identifier is kept.
#[derive(Deserialize)]
struct ProviderAnswer {
    id: Option<String>,
}

async fn post(settings: &HttpMailSettings, message: &OutboxRow) -> worker::Result<DeliveryOutcome> {
    let body = serde_json::to_string(&settings.request(&message.to_address, &message.subject, &message.body))
        .map_err(|error| worker::Error::RustError(format!("encoding the message: {error}")))?;
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Authorization", &format!("Bearer {}", settings.token()))?;
    headers.set("Idempotency-Key", &message.id)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(JsValue::from_str(&body)));
    let request = Request::new_with_init(settings.api_url(), &init)?;
    let signal = AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(HTTP_TIMEOUT_MILLISECONDS));
    let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
    let status = response.status_code();
    let answer = response.text().await.unwrap_or_default();
    let provider_id = serde_json::from_str::<ProviderAnswer>(&answer).ok().and_then(|answer| answer.id);
    Ok(DeliveryOutcome::from_http_status(status, provider_id, &answer))
}

/// What a delivery run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages the adapter accepted.
    pub sent: u32,
    /// Messages that will be tried again.
    pub retrying: u32,
    /// Messages that failed for good.
    pub failed: u32,
    /// Due messages another run claimed first.
    pub skipped: u32,
}

impl DeliveryReport {
    fn count(&mut self, status: Option<OutboxStatus>) {
        match status {
            Some(OutboxStatus::Sent) => self.sent += 1,
            Some(OutboxStatus::Pending) => self.retrying += 1,
            Some(OutboxStatus::Failed) => self.failed += 1,
            None => self.skipped += 1,
        }
    }
}

/// Delivers up to `limit` pending messages due at `now`, oldest due first. Settings that cannot deliver (no
/// adapter chosen outside development, an invalid URL) leave every message pending and are returned as an error.
pub async fn deliver_due(env: &Env, db: &D1Database, now: i64, limit: u32) -> Result<DeliveryReport, AppError> {
    let mailer = Mailer::from_env(env)?;
    let rows = mail_outbox::due(db, now, limit).await?;
    let outcomes: Vec<_> = stream::iter(rows.iter().map(|row| attempt(&mailer, db, row, now)))
        .buffer_unordered(DELIVERY_CONCURRENCY)
        .collect()
        .await;
    let mut report = DeliveryReport::default();
    for outcome in outcomes {
        report.count(outcome?);
    }
    Ok(report)
}

/// Makes one delivery attempt for each of the messages `ids` a handler has just written, after its batch
/// committed (from a request: after its answer). A failure only schedules the retry (the scheduled handler makes
/// it) and is logged, never returned: the state change it reports has happened.
pub async fn deliver_soon(env: &Env, db: &D1Database, ids: &[String]) {
    let delivered = async {
        let mailer = Mailer::from_env(env)?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            rows.extend(mail_outbox::unattempted(db, id).await?);
        }
        let now = platform::now();
        let outcomes: Vec<_> = stream::iter(rows.iter().map(|row| attempt(&mailer, db, row, now)))
            .buffer_unordered(DELIVERY_CONCURRENCY)
            .collect()
            .await;
        outcomes.into_iter().try_for_each(|outcome| outcome.map(drop))
    };
    if let Err(error) = delivered.await {
        console_error!("mail delivery after the request's batch: {error:?}; the scheduled handler retries");
    }
}

/// Claims `row`, sends it and records the outcome; the row's new status, or `None` when another run claimed it
/// first.
async fn attempt(
    mailer: &Mailer,
    db: &D1Database,
    row: &OutboxRow,
    now: i64,
) -> Result<Option<OutboxStatus>, AppError> {
    match claim(row.attempts, now) {
        Claim::Abandon(recorded) => {
            store(db, row, row.attempts, None, &recorded, now).await?;
            Ok(Some(recorded.status))
        }
        Claim::Attempt { attempts, next_attempt_at } => {
            let claimed = mail_outbox::claim(db, row, attempts, next_attempt_at)?.run().await?;
            let changes = claimed.meta()?.and_then(|meta| meta.changes).unwrap_or_default();
            if changes != 1 {
                return Ok(None);
            }
            let outcome = mailer.send(row).await;
            let recorded = record(attempts, &outcome, now);
            store(db, row, attempts, Some(mailer.adapter()), &recorded, now).await?;
            Ok(Some(recorded.status))
        }
    }
}

/// One batch: the row's delivery columns (guarded by the attempts value of this run's claim) and the audit
/// record (written only if the row holds what was stored).
async fn store(
    db: &D1Database,
    row: &OutboxRow,
    attempts: u32,
    adapter: Option<MailAdapter>,
    recorded: &Recorded,
    now: i64,
) -> Result<(), AppError> {
    let action = match recorded.status {
        OutboxStatus::Sent => "mail.sent",
        OutboxStatus::Pending => "mail.retry_scheduled",
        OutboxStatus::Failed => "mail.failed",
    };
    let detail = serde_json::json!({
        "attempts": attempts,
        "adapter": adapter.map(MailAdapter::as_str),
        "last_error": recorded.last_error,
        "next_attempt_at": recorded.next_attempt_at,
    })
    .to_string();
    let statements = vec![
        mail_outbox::record(db, &row.id, attempts, adapter, recorded)?,
        mail_outbox::recorded_audit(db, &row.id, attempts, recorded.status, action, &detail, now)?,
    ];
    db.batch(statements).await?;
    Ok(())
}
