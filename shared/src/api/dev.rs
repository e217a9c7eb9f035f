//! `GET /api/v1/dev/mailbox`, `POST /api/v1/dev/accounts`, `POST /api/v1/dev/seed` and
//! `POST /api/v1/dev/reminder-sweep`: development-only
//! endpoints. The Worker answers them only when `KEYWARD_ENV` is `development` (set in the git-ignored
//! `.dev.vars`), and 404 otherwise.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::profile::ProfileId;

/// The outbox, newest first ([`Mailbox`]).
pub const DEV_MAILBOX: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/dev/mailbox",
    access: Access::Development,
    summary: "The outbox, newest first",
    body: Body::None,
};

/// Creates an account and users with chosen passwords ([`CreateAccount`] → `201` [`CreatedAccount`]).
pub const DEV_CREATE_ACCOUNT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/dev/accounts",
    access: Access::Development,
    summary: "Creates an account and users with chosen passwords",
    body: Body::Json { max_bytes: 64 * 1024 },
};

/// Creates a demo order and emails its enrollment link ([`SeedRequest`] → `201` [`SeedResponse`]).
pub const DEV_SEED: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/dev/seed",
    access: Access::Development,
    summary: "Creates a demo order and emails its enrollment link",
    body: Body::Json { max_bytes: 64 * 1024 },
};

/// Runs the scheduled handler's reminder sweep once at a chosen instant ([`ReminderSweep`] → [`ReminderSweepDone`]):
/// the simulated clock of the 500-certificate reminder suite.
pub const DEV_REMINDER_SWEEP: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/dev/reminder-sweep",
    access: Access::Development,
    summary: "Runs the scheduled handler's reminder sweep once at a chosen instant",
    body: Body::Json { max_bytes: 1024 },
};

/// `POST /api/v1/dev/reminder-sweep` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReminderSweep {
    /// The instant the sweep runs at, seconds since the Unix epoch (the scheduled handler's `now`).
    pub at: i64,
}

/// `POST /api/v1/dev/reminder-sweep` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReminderSweepDone {
    /// Certificates the sweep selected as due (at most its per-run cap).
    pub selected: u32,
    /// The sweep took as many as its cap: more may be due at this instant; call again.
    pub more: bool,
}

/// One email of the outbox, as the development mailbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailMessage {
    /// Outbox row identifier.
    pub id: String,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When the message was queued, seconds since the Unix epoch.
    pub created_at: i64,
    /// Delivery status: `pending`, `sent` or `failed`.
    pub status: String,
    /// The language the email is written in (`en`, `fr`).
    #[serde(default)]
    pub lang: String,
    /// Delivery attempts made.
    #[serde(default)]
    pub attempts: u32,
    /// The adapter that sent it (`development`, `http`), once sent.
    #[serde(default)]
    pub adapter: Option<String>,
    /// When the adapter accepted it, seconds since the Unix epoch.
    #[serde(default)]
    pub sent_at: Option<i64>,
    /// When the next attempt is due, while pending.
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    /// Why the last attempt did not send.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// `GET /api/v1/dev/mailbox` response, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Mailbox {
    /// The messages.
    pub messages: Vec<MailMessage>,
}

/// `POST /api/v1/dev/seed` request: the demo order's profile and recipient. Only `recipient_email` is always
/// required; what else the profile needs is checked by [`crate::issuance::check_order`] (a sponsor-validated
/// certificate needs a surname, a workstation or server certificate at least one DNS name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeedRequest {
    /// The certificate profile; sponsor-validated multipurpose S/MIME when absent.
    #[serde(default = "default_profile")]
    pub profile: ProfileId,
    /// Recipient's given name.
    #[serde(default)]
    pub recipient_given_name: Option<String>,
    /// Recipient's surname.
    #[serde(default)]
    pub recipient_surname: Option<String>,
    /// Recipient's email address: where the link goes, and the S/MIME certificate's mailbox.
    pub recipient_email: String,
    /// Host names of the workstation or server (lower-case, fully qualified), the first one the common name.
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// Validity ordered, in days (365 when absent); the profile's cap applies at issuance.
    #[serde(default = "default_validity_days")]
    pub validity_days: u32,
    /// The language of the enrollment email, a BCP 47 tag (`en`, `fr`); English when absent.
    #[serde(default)]
    pub lang: Option<String>,
}

fn default_profile() -> ProfileId {
    ProfileId::SmimeSponsorMultipurpose
}

fn default_validity_days() -> u32 {
    365
}

/// `POST /api/v1/dev/seed` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeedResponse {
    /// The created order.
    pub order_id: String,
    /// The enrollment link that was emailed to the recipient.
    pub enrollment_url: String,
}

/// `POST /api/v1/dev/accounts` request: an account (unless only CA administrators are created) and its users,
/// for demo data and tests. Passwords arrive as the browser would send them (the PBKDF2 key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateAccount {
    /// The account's name; `null` to create CA administrators only.
    #[serde(default)]
    pub account_name: Option<String>,
    /// The users.
    pub users: Vec<DevUser>,
    /// A first deposit on the account's balance, in cents (none when absent).
    #[serde(default)]
    pub deposit_cents: Option<i64>,
}

/// One user of [`CreateAccount`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DevUser {
    /// Login address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: crate::account::Role,
    /// PBKDF2 key of the password (see `crate::account`).
    pub password_key: String,
}

/// `POST /api/v1/dev/accounts` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedAccount {
    /// The account, when one was created.
    pub account_id: Option<String>,
    /// The users' identifiers, in request order.
    pub user_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_request_of_the_walking_skeleton_still_reads() {
        let json =
            r#"{"recipient_given_name":"Ada","recipient_surname":"Lovelace","recipient_email":"ada@example.com"}"#;
        let request: SeedRequest = serde_json::from_str(json).expect("reads");
        assert_eq!(request.profile, ProfileId::SmimeSponsorMultipurpose);
        assert_eq!(request.recipient_surname.as_deref(), Some("Lovelace"));
        assert_eq!((request.dns_names.len(), request.validity_days), (0, 365));
        let json = r#"{"profile":"server_auth","recipient_email":"ops@example.com","dns_names":["www.example.com"]}"#;
        let request: SeedRequest = serde_json::from_str(json).expect("reads");
        assert_eq!((request.profile, request.recipient_given_name), (ProfileId::ServerAuth, None));
        assert_eq!(request.lang, None);
        let json = r#"{"recipient_email":"ada@example.com","lang":"fr"}"#;
        let request: SeedRequest = serde_json::from_str(json).expect("reads");
        assert_eq!(request.lang.as_deref(), Some("fr"));
    }
}
