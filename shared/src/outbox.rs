//! The mail outbox's delivery rules, pure: which adapter the settings choose, what an attempt's answer means
//! (`DeliveryOutcome`), when the next attempt is due (`next_attempt_at`), and what a row becomes after a claim
//! and after an attempt (`claim`, `record`). `edge/src/outbox.rs` does the I/O.
//!
//! A row is `pending` until an attempt is accepted (`sent`) or refused for good, or the retries run out
//! (`failed`). Before sending, a run claims the row by raising `attempts` by one with a guard on the value it
//! read, and moves `next_attempt_at` to when the next attempt would be due; so two runs never send one attempt
//! twice, and a run that dies after its claim leaves a row that comes due again by itself.

use serde::Serialize;

/// The waits before each retry: 1 min, 5 min, 30 min, 2 h, 6 h, 24 h. After the last one the message fails.
pub const RETRY_DELAYS_SECONDS: [i64; 6] = [60, 300, 1_800, 7_200, 21_600, 86_400];

/// Attempts in all: the first and one per retry delay.
pub const MAXIMUM_ATTEMPTS: u32 = RETRY_DELAYS_SECONDS.len() as u32 + 1;

/// How long a claim of the last attempt holds the row before a later run records it as failed (its outcome was
/// never recorded, so the run that claimed it died).
pub const LAST_ATTEMPT_LEASE_SECONDS: i64 = 900;

/// The longest `last_error` kept, in characters.
pub const MAXIMUM_REASON_CHARACTERS: usize = 300;

/// When the next attempt is due after `attempts` attempts made, at `now`; `None` when no attempt is left. A
/// message never tried is due at once.
pub fn next_attempt_at(attempts: u32, now: i64) -> Option<i64> {
    match attempts {
        0 => Some(now),
        made => RETRY_DELAYS_SECONDS.get(made as usize - 1).map(|delay| now + delay),
    }
}

/// A message's delivery status, as stored in `mail_outbox.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// Accepted by the adapter (development: kept in the outbox for the development mailbox).
    Sent,
    /// Refused for good, or no attempt left.
    Failed,
}

impl OutboxStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// What one delivery attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Accepted; `provider_id` is the provider's message identifier when it gave one.
    Sent {
        /// The provider's identifier for the message.
        provider_id: Option<String>,
    },
    /// Not accepted now, worth trying again: a timeout, a rate limit, a server error, no answer.
    RetryLater {
        /// What happened, for `last_error`.
        reason: String,
    },
    /// Refused for good: the request itself is wrong (bad address, bad credentials, bad sender).
    Rejected {
        /// What happened, for `last_error`.
        reason: String,
    },
}

impl DeliveryOutcome {
    /// The outcome of an HTTP answer: 2xx sent; 408, 429 and 5xx retried later; any other status rejected.
    /// `detail` (the answer's body, say) is kept, shortened, in the reason.
    pub fn from_http_status(status: u16, provider_id: Option<String>, detail: &str) -> Self {
        let reason = || reason_excerpt(&format!("HTTP {status}: {}", detail.trim()));
        match status {
            200..=299 => Self::Sent { provider_id },
            408 | 429 | 500..=599 => Self::RetryLater { reason: reason() },
            _ => Self::Rejected { reason: reason() },
        }
    }

    /// The outcome of a request that got no answer (connection refused, timeout): retried later.
    pub fn network_error(detail: &str) -> Self {
        Self::RetryLater { reason: reason_excerpt(&format!("no answer: {}", detail.trim())) }
    }
}

/// `text` cut to [`MAXIMUM_REASON_CHARACTERS`] characters, with `…` when cut.
pub fn reason_excerpt(text: &str) -> String {
    match text.char_indices().nth(MAXIMUM_REASON_CHARACTERS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What a row becomes when a run claims it for an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Make the attempt: store `attempts` (guarded by the value read) and `next_attempt_at`, when the row comes
    /// due again if this attempt's outcome is never recorded.
    Attempt {
        /// Attempts made, this one included.
        attempts: u32,
        /// When the row comes due again unless the outcome says otherwise.
        next_attempt_at: i64,
    },
    /// Every attempt was made and the last one's outcome was never recorded: mark the row failed.
    Abandon(Recorded),
}

/// The claim of a due row that has had `attempts` attempts, at `now`.
pub fn claim(attempts: u32, now: i64) -> Claim {
    if attempts >= MAXIMUM_ATTEMPTS {
        return Claim::Abandon(Recorded {
            status: OutboxStatus::Failed,
            next_attempt_at: None,
            sent_at: None,
            last_error: Some(format!(
                "Gave up after {attempts} attempts: the outcome of the last one was never recorded."
            )),
            provider_id: None,
        });
    }
    let attempts = attempts + 1;
    let next_attempt_at = next_attempt_at(attempts, now).unwrap_or(now + LAST_ATTEMPT_LEASE_SECONDS);
    Claim::Attempt { attempts, next_attempt_at }
}

/// A row's delivery columns after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The new status.
    pub status: OutboxStatus,
    /// When the next attempt is due; `None` unless still pending.
    pub next_attempt_at: Option<i64>,
    /// When the adapter accepted the message; `None` unless sent.
    pub sent_at: Option<i64>,
    /// Why the last attempt did not send; `None` when sent.
    pub last_error: Option<String>,
    /// The provider's message identifier, when sent and given.
    pub provider_id: Option<String>,
}

/// The row after its attempt number `attempts` (counting from one) ended in `outcome` at `now`.
pub fn record(attempts: u32, outcome: &DeliveryOutcome, now: i64) -> Recorded {
    let failed = |last_error: String| Recorded {
        status: OutboxStatus::Failed,
        next_attempt_at: None,
        sent_at: None,
        last_error: Some(last_error),
        provider_id: None,
    };
    match outcome {
        DeliveryOutcome::Sent { provider_id } => Recorded {
            status: OutboxStatus::Sent,
            next_attempt_at: None,
            sent_at: Some(now),
            last_error: None,
            provider_id: provider_id.clone(),
        },
        DeliveryOutcome::RetryLater { reason } => match next_attempt_at(attempts, now) {
            Some(due) => Recorded {
                status: OutboxStatus::Pending,
                next_attempt_at: Some(due),
                sent_at: None,
                last_error: Some(reason.clone()),
                provider_id: None,
            },
            None => failed(format!("Gave up after {attempts} attempts. Last: {reason}")),
        },
        DeliveryOutcome::Rejected { reason } => failed(reason.clone()),
    }
}

/// How the outbox delivers, from the `KEYWARD_MAIL` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailAdapter {
    /// The message stays in the outbox, shown on the development mailbox, and is marked sent at once.
    Development,
    /// POST to an HTTP email API (`KEYWARD_MAIL_API_URL`).
    Http,
}

impl MailAdapter {
    /// The name stored in `mail_outbox.adapter` and given in `KEYWARD_MAIL`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Http => "http",
        }
    }

    /// The adapter `KEYWARD_MAIL` names. Unset, it is `development` in the development environment and an error
    /// elsewhere (a deployment must choose); `development` outside the development environment is refused, since
    /// nothing would reach anyone.
    pub fn from_setting(setting: Option<&str>, development: bool) -> Result<Self, MailSettingsError> {
        match setting.map(str::trim) {
            None | Some("") if development => Ok(Self::Development),
            None | Some("") => Err(MailSettingsError::AdapterMissing),
            Some("development") if development => Ok(Self::Development),
            Some("development") => Err(MailSettingsError::DevelopmentAdapterOutsideDevelopment),
            Some("http") => Ok(Self::Http),
            Some(other) => Err(MailSettingsError::AdapterUnknown { value: other.to_owned() }),
        }
    }
}

/// The HTTP adapter's settings, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpMailSettings {
    api_url: String,
    token: String,
    from: String,
}

impl HttpMailSettings {
    /// Checks `KEYWARD_MAIL_API_URL` (an `https://` URL, or `http://` to a loopback address for tests),
    /// `KEYWARD_MAIL_API_TOKEN` (not empty) and `KEYWARD_MAIL_FROM` (an address, optionally with a name:
    /// `Keyward <no-reply@example.com>`).
    pub fn new(api_url: Option<&str>, token: Option<&str>, from: Option<&str>) -> Result<Self, MailSettingsError> {
        let api_url = api_url.map(str::trim).unwrap_or_default();
        let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://[::1]:"];
        let host_follows = api_url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty());
        if !host_follows && !loopback.iter().any(|prefix| api_url.starts_with(prefix)) {
            return Err(MailSettingsError::ApiUrlInvalid);
        }
        let token = token.map(str::trim).unwrap_or_default();
        if token.is_empty() {
            return Err(MailSettingsError::ApiTokenMissing);
        }
        let from = from.map(str::trim).unwrap_or_default();
        let address = from.rsplit_once('<').map_or(from, |(_, rest)| rest.trim_end_matches('>'));
        let valid_address = address
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !address.contains(' '));
        if !valid_address {
            return Err(MailSettingsError::SenderInvalid);
        }
        Ok(Self { api_url: api_url.to_owned(), token: token.to_owned(), from: from.to_owned() })
    }

    /// Where messages are POSTed.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The bearer token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The sender.
    pub fn sender(&self) -> &str {
        &self.from
    }

    /// The JSON body of one message.
    pub fn request<'a>(&'a self, to: &'a str, subject: &'a str, text: &'a str) -> HttpMailRequest<'a> {
        HttpMailRequest { from: &self.from, to, subject, text }
    }
}

/// The HTTP email API's request body: `{from, to, subject, text}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HttpMailRequest<'a> {
    /// The sender.
    pub from: &'a str,
    /// The recipient.
    pub to: &'a str,
    /// The subject line.
    pub subject: &'a str,
    /// The plain-text body.
    pub text: &'a str,
}

/// Why the mail settings cannot deliver. The field is the Worker variable to set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailSettingsError {
    /// `KEYWARD_MAIL` is unset outside the development environment.
    AdapterMissing,
    /// `KEYWARD_MAIL` names no adapter Keyward has.
    AdapterUnknown {
        /// The value given.
        value: String,
    },
    /// `KEYWARD_MAIL=development` outside the development environment, where no one would read the mailbox.
    DevelopmentAdapterOutsideDevelopment,
    /// `KEYWARD_MAIL_API_URL` is not an `https://` URL (or `http://` to a loopback address).
    ApiUrlInvalid,
    /// `KEYWARD_MAIL_API_TOKEN` is unset or empty.
    ApiTokenMissing,
    /// `KEYWARD_MAIL_FROM` is not an email address.
    SenderInvalid,
}

impl MailSettingsError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AdapterMissing => "mail_adapter_missing",
            Self::AdapterUnknown { .. } => "mail_adapter_unknown",
            Self::DevelopmentAdapterOutsideDevelopment => "mail_adapter_development_only",
            Self::ApiUrlInvalid => "mail_api_url_invalid",
            Self::ApiTokenMissing => "mail_api_token_missing",
            Self::SenderInvalid => "mail_sender_invalid",
        }
    }

    /// The Worker variable the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::AdapterMissing | Self::AdapterUnknown { .. } | Self::DevelopmentAdapterOutsideDevelopment => {
                "KEYWARD_MAIL"
            }
            Self::ApiUrlInvalid => "KEYWARD_MAIL_API_URL",
            Self::ApiTokenMissing => "KEYWARD_MAIL_API_TOKEN",
            Self::SenderInvalid => "KEYWARD_MAIL_FROM",
        }
    }
}

impl core::fmt::Display for MailSettingsError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::AdapterMissing => formatter.write_str(
                "No mail adapter is configured: set KEYWARD_MAIL to \"http\" (with KEYWARD_MAIL_API_URL, \
                 KEYWARD_MAIL_API_TOKEN and KEYWARD_MAIL_FROM). Emails stay pending in the outbox until then.",
            ),
            Self::AdapterUnknown { value } => write!(
                formatter,
                "KEYWARD_MAIL is {value:?}; it must be \"http\" (or \"development\" in the development environment)."
            ),
            Self::DevelopmentAdapterOutsideDevelopment => formatter.write_str(
                "KEYWARD_MAIL is \"development\" outside the development environment, where no one reads the \
                 development mailbox: set it to \"http\".",
            ),
            Self::ApiUrlInvalid => formatter.write_str(
                "KEYWARD_MAIL_API_URL must be the email API's https:// URL (http:// only to a loopback address).",
            ),
            Self::ApiTokenMissing => {
                formatter.write_str("KEYWARD_MAIL_API_TOKEN is empty: put the email API's token as a secret.")
            }
            Self::SenderInvalid => formatter.write_str(
                "KEYWARD_MAIL_FROM must be the sender's address, such as \"Keyward <no-reply@example.com>\".",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn the_retry_schedule() {
        let check = |attempts: u32, expected: Option<i64>| {
            assert_eq!(next_attempt_at(attempts, NOW), expected.map(|delay| NOW + delay), "after {attempts}");
        };
        check(0, Some(0));
        check(1, Some(60));
        check(2, Some(5 * 60));
        check(3, Some(30 * 60));
        check(4, Some(2 * 3600));
        check(5, Some(6 * 3600));
        check(6, Some(24 * 3600));
        check(7, None);
        check(u32::MAX, None);
        assert_eq!(MAXIMUM_ATTEMPTS, 7);
    }

    #[test]
    fn outcomes_from_http_statuses() {
        let check = |status: u16, expected: &str| {
            let outcome = DeliveryOutcome::from_http_status(status, Some("p-1".into()), " busy \n");
            let got = match &outcome {
                DeliveryOutcome::Sent { provider_id } => {
                    assert_eq!(provider_id.as_deref(), Some("p-1"));
                    "sent"
                }
                DeliveryOutcome::RetryLater { reason } => {
                    assert_eq!(reason, &format!("HTTP {status}: busy"));
                    "retry"
                }
                DeliveryOutcome::Rejected { reason } => {
                    assert_eq!(reason, &format!("HTTP {status}: busy"));
                    "rejected"
                }
            };
            assert_eq!(got, expected, "HTTP {status}");
        };
        for status in [200, 201, 202, 204, 299] {
            check(status, "sent");
        }
        for status in [408, 429, 500, 502, 503, 504, 599] {
            check(status, "retry");
        }
        for status in [400, 401, 403, 404, 409, 413, 422, 300, 301, 100] {
            check(status, "rejected");
        }
        assert_eq!(
            DeliveryOutcome::network_error("connection refused"),
            DeliveryOutcome::RetryLater { reason: "no answer: connection refused".into() }
        );
    }

    #[test]
    fn long_reasons_are_cut() {
        let long = "é".repeat(MAXIMUM_REASON_CHARACTERS + 10);
        let excerpt = reason_excerpt(&long);
        assert_eq!(excerpt.chars().count(), MAXIMUM_REASON_CHARACTERS + 1);
        assert!(excerpt.ends_with('…'));
        assert_eq!(reason_excerpt("short"), "short");
    }

    #[test]
    fn a_claim_raises_attempts_and_holds_the_row_until_the_next_retry() {
        assert_eq!(claim(0, NOW), Claim::Attempt { attempts: 1, next_attempt_at: NOW + 60 });
        assert_eq!(claim(5, NOW), Claim::Attempt { attempts: 6, next_attempt_at: NOW + 86_400 });
        assert_eq!(claim(6, NOW), Claim::Attempt { attempts: 7, next_attempt_at: NOW + LAST_ATTEMPT_LEASE_SECONDS });
        let Claim::Abandon(recorded) = claim(7, NOW) else { panic!("the eighth claim must abandon") };
        assert_eq!(recorded.status, OutboxStatus::Failed);
        assert!(recorded.last_error.is_some_and(|error| error.contains("never recorded")));
    }

    #[test]
    fn what_an_attempt_records() {
        let sent = record(3, &DeliveryOutcome::Sent { provider_id: Some("p".into()) }, NOW);
        assert_eq!(
            sent,
            Recorded {
                status: OutboxStatus::Sent,
                next_attempt_at: None,
                sent_at: Some(NOW),
                last_error: None,
                provider_id: Some("p".into())
            }
        );
        let busy = DeliveryOutcome::RetryLater { reason: "HTTP 503: busy".into() };
        let retry = record(1, &busy, NOW);
        assert_eq!(
            (retry.status, retry.next_attempt_at, retry.last_error.as_deref()),
            (OutboxStatus::Pending, Some(NOW + 60), Some("HTTP 503: busy"))
        );
        let exhausted = record(MAXIMUM_ATTEMPTS, &busy, NOW);
        assert_eq!((exhausted.status, exhausted.next_attempt_at), (OutboxStatus::Failed, None));
        assert_eq!(exhausted.last_error.as_deref(), Some("Gave up after 7 attempts. Last: HTTP 503: busy"));
        let rejected = record(1, &DeliveryOutcome::Rejected { reason: "HTTP 400: bad address".into() }, NOW);
        assert_eq!(
            (rejected.status, rejected.next_attempt_at, rejected.last_error.as_deref()),
            (OutboxStatus::Failed, None, Some("HTTP 400: bad address"))
        );
        assert_eq!(
            [OutboxStatus::Pending, OutboxStatus::Sent, OutboxStatus::Failed].map(OutboxStatus::as_str),
            ["pending", "sent", "failed"]
        );
    }

    #[test]
    fn the_adapter_setting() {
        let check = |setting: Option<&str>, development: bool, expected: Result<MailAdapter, &str>| {
            let got = MailAdapter::from_setting(setting, development);
            assert_eq!(got.as_ref().map_err(MailSettingsError::code), expected.as_ref().map_err(|code| *code));
            if let Err(error) = got {
                assert_eq!(error.field(), "KEYWARD_MAIL");
                assert!(error.to_string().contains("KEYWARD_MAIL"));
            }
        };
        check(None, true, Ok(MailAdapter::Development));
        check(Some(" "), true, Ok(MailAdapter::Development));
        check(Some("development"), true, Ok(MailAdapter::Development));
        check(Some("http"), true, Ok(MailAdapter::Http));
        check(Some("http"), false, Ok(MailAdapter::Http));
        check(None, false, Err("mail_adapter_missing"));
        check(Some("development"), false, Err("mail_adapter_development_only"));
        check(Some("smtp"), true, Err("mail_adapter_unknown"));
        assert_eq!(MailAdapter::Http.as_str(), "http");
    }

    #[test]
    fn the_http_settings() {
        let check = |url: Option<&str>, token: Option<&str>, from: Option<&str>, expected: Result<(), &str>| {
            let got = HttpMailSettings::new(url, token, from);
            assert_eq!(got.as_ref().map(drop).map_err(MailSettingsError::code), expected, "{url:?} {token:?} {from:?}");
        };
        let (url, token, from) = (Some("https://mail.example.com/send"), Some("t0ken"), Some("no-reply@example.com"));
        check(url, token, from, Ok(()));
        check(Some("http://127.0.0.1:9000/send"), token, Some("Keyward <no-reply@example.com>"), Ok(()));
        check(Some("http://mail.example.com/send"), token, from, Err("mail_api_url_invalid"));
        check(Some("http://127.0.0.1.evil.example/"), token, from, Err("mail_api_url_invalid"));
        check(Some("https://"), token, from, Err("mail_api_url_invalid"));
        check(None, token, from, Err("mail_api_url_invalid"));
        check(url, Some("  "), from, Err("mail_api_token_missing"));
        check(url, None, from, Err("mail_api_token_missing"));
        check(url, token, Some("Keyward"), Err("mail_sender_invalid"));
        check(url, token, Some("no reply@example.com"), Err("mail_sender_invalid"));
        check(url, token, None, Err("mail_sender_invalid"));

        let settings = HttpMailSettings::new(url, token, from).expect("valid");
        let body = serde_json::to_value(settings.request("ada@example.com", "Hi", "Text")).expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({"from": "no-reply@example.com", "to": "ada@example.com", "subject": "Hi", "text": "Text"})
        );
        assert_eq!((settings.api_url(), settings.token()), ("https://mail.example.com/send", "t0ken"));
    }
}
