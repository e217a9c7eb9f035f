//! An account's reminder settings (issue 14.5) and the console's attention list (issue 14.7):
//!
//! - `GET /api/v1/reminder-settings`: [`ReminderSettingsView`]; `POST /api/v1/reminder-settings` with
//!   [`ReminderSettingsUpdate`]: the new [`ReminderSettingsView`]. An organization administrator, in a session.
//! - `GET /api/v1/attention`: [`Attention`], what needs the caller's attention, each line with the console path
//!   where it is fixed. A member of an organization account.
//!
//! The rules the settings feed are `crate::expiry`'s; an account that never chose has [`crate::expiry::Settings`]'s
//! defaults (everything on).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::expiry::{Settings, THRESHOLDS};

/// The account's reminder settings ([`ReminderSettingsView`]).
pub const SHOW_REMINDER_SETTINGS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/reminder-settings",
    access: Access::AccountAdmin,
    summary: "The account's expiry reminder settings: on or off, the thresholds sent, administrators' copies",
    body: Body::None,
};

/// Changes the account's reminder settings ([`ReminderSettingsUpdate`] → [`ReminderSettingsView`]).
pub const UPDATE_REMINDER_SETTINGS: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/reminder-settings",
    access: Access::AccountAdmin,
    summary: "Changes the account's expiry reminder settings",
    body: Body::Json { max_bytes: 2 * 1024 },
};

/// What needs the caller's attention ([`Attention`]).
pub const SHOW_ATTENTION: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/attention",
    access: Access::Account,
    summary: "What needs attention: orders waiting on validations, certificates ending within 30 days, renewed \
              certificates not picked up, emails given up",
    body: Body::None,
};

/// How far ahead the attention list's "ending soon" looks: 30 days.
pub const ATTENTION_ENDING_WITHIN_SECONDS: i64 = 30 * 86_400;

/// `GET /api/v1/attention`: four lists, each line naming where it is fixed (`fix_path`, a console path). Emails
/// that failed to reach the account's users are listed to its administrators only, who can correct them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attention {
    /// Orders waiting on the caller: validations to complete (the caller's own orders; every order of the
    /// account for an administrator).
    pub blocked_orders: Vec<BlockedOrder>,
    /// Certificates of the account ending within 30 days that nothing replaced, soonest first.
    pub ending_soon: Vec<EndingCertificate>,
    /// Certificates replaced by one that nobody picked up, soonest end first.
    pub not_picked_up: Vec<UnpickedReplacement>,
    /// Emails about the account's orders and users that the outbox gave up on, newest first.
    pub failed_emails: Vec<FailedEmail>,
}

/// An order waiting on the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockedOrder {
    /// The order number.
    pub order_id: String,
    /// What it waits for: `validation`.
    pub waiting_for: String,
    /// Placed at, Unix seconds.
    pub created_at: i64,
    /// Where it is fixed: the order's page.
    pub fix_path: String,
}

/// A certificate ending soon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EndingCertificate {
    /// Its serial number.
    pub serial: String,
    /// Its recipient's address.
    pub recipient_email: String,
    /// Its order.
    pub order_id: String,
    /// Its end, Unix seconds.
    pub not_after: i64,
    /// Where it is fixed: the order's page (a new order or renewal starts there).
    pub fix_path: String,
}

/// A replaced certificate whose replacement nobody picked up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnpickedReplacement {
    /// The certificate that ends.
    pub serial: String,
    /// The replacement nobody picked up.
    pub replaced_by: String,
    /// The recipient's address.
    pub recipient_email: String,
    /// The order.
    pub order_id: String,
    /// The old certificate's end, Unix seconds.
    pub not_after: i64,
    /// Where it is fixed: the order's page (its sync URL, or the link to send again).
    pub fix_path: String,
}

/// An email the outbox gave up on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FailedEmail {
    /// The outbox row.
    pub id: String,
    /// Where it was going.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// Why the last attempt failed, as the provider said.
    pub last_error: Option<String>,
    /// Queued at, Unix seconds.
    pub created_at: i64,
    /// Where it is fixed: the users page (a user's address; administrators only) or the orders (a recipient's).
    pub fix_path: String,
}

/// `GET /api/v1/reminder-settings` and `POST`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReminderSettingsView {
    /// Reminders and escalations at all.
    pub enabled: bool,
    /// The thresholds that send an email, earliest first, by their codes (`90_days_before` ... `day_of`,
    /// `7_days_after`).
    pub thresholds: Vec<String>,
    /// Every threshold's code, earliest first, for the form.
    pub all_thresholds: Vec<String>,
    /// Whether the account's administrators get copies from 7 days before the end.
    pub administrators: bool,
    /// When an administrator last changed them; absent while they are the defaults nobody chose.
    pub updated_at: Option<i64>,
}

impl ReminderSettingsView {
    /// The view of `settings`, changed at `updated_at` (if ever).
    pub fn new(settings: &Settings, updated_at: Option<i64>) -> Self {
        Self {
            enabled: settings.enabled,
            thresholds: THRESHOLDS
                .iter()
                .zip(settings.thresholds)
                .filter(|(_, on)| *on)
                .map(|(threshold, _)| threshold.code())
                .collect(),
            all_thresholds: THRESHOLDS.iter().map(|threshold| threshold.code()).collect(),
            administrators: settings.administrators,
            updated_at,
        }
    }
}

/// `POST /api/v1/reminder-settings` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReminderSettingsUpdate {
    /// Reminders and escalations at all.
    pub enabled: bool,
    /// The thresholds that send an email, by their codes, each at most once, in any order (at most nine).
    #[cfg_attr(feature = "schema", schemars(schema_with = "threshold_codes_schema"))]
    pub thresholds: Vec<String>,
    /// Whether the account's administrators get copies from 7 days before the end.
    pub administrators: bool,
}

/// The schema of [`ReminderSettingsUpdate::thresholds`]: the codes of [`THRESHOLDS`], each at most once, so that
/// the document says what the Worker accepts (a code outside it is still refused by name, `unknown_threshold`).
#[cfg(feature = "schema")]
fn threshold_codes_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let codes: Vec<String> = THRESHOLDS.iter().map(|threshold| threshold.code()).collect();
    schemars::json_schema!({
        "type": "array",
        "items": { "type": "string", "enum": codes },
        "uniqueItems": true,
        "maxItems": THRESHOLDS.len(),
        "description": "The thresholds that send an email, by their codes, each at most once, in any order"
    })
}

/// Why reminder settings were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReminderSettingsError {
    /// A threshold code that is not one of the nine.
    UnknownThreshold(String),
    /// A threshold named twice.
    RepeatedThreshold(String),
}

impl ReminderSettingsError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownThreshold(_) => "unknown_threshold",
            Self::RepeatedThreshold(_) => "repeated_threshold",
        }
    }

    /// The field it concerns.
    pub fn field(&self) -> &'static str {
        "thresholds"
    }
}

impl std::fmt::Display for ReminderSettingsError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<String> = THRESHOLDS.iter().map(|threshold| threshold.code()).collect();
        match self {
            Self::UnknownThreshold(code) => {
                write!(formatter, "{code:?} is not a reminder threshold; they are {}.", codes.join(", "))
            }
            Self::RepeatedThreshold(code) => write!(formatter, "{code:?} is named twice."),
        }
    }
}

impl ReminderSettingsUpdate {
    /// The settings it asks for, or why not.
    pub fn settings(&self) -> Result<Settings, ReminderSettingsError> {
        let mut thresholds = [false; THRESHOLDS.len()];
        for code in &self.thresholds {
            let index = THRESHOLDS
                .iter()
                .position(|threshold| threshold.code() == *code)
                .ok_or_else(|| ReminderSettingsError::UnknownThreshold(code.clone()))?;
            if std::mem::replace(&mut thresholds[index], true) {
                return Err(ReminderSettingsError::RepeatedThreshold(code.clone()));
            }
        }
        Ok(Settings { enabled: self.enabled, thresholds, administrators: self.administrators })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (enabled, thresholds, administrators) → the settings' mask, or the refusal's code.
    fn check(cases: &[(&str, &[&str], Result<i64, &str>)]) {
        for (name, thresholds, expected) in cases {
            let update = ReminderSettingsUpdate {
                enabled: true,
                thresholds: thresholds.iter().map(|code| (*code).to_owned()).collect(),
                administrators: false,
            };
            let actual = update.settings().map(|settings| settings.threshold_mask()).map_err(|error| error.code());
            assert_eq!(actual, *expected, "{name}");
            if let Ok(settings) = update.settings() {
                let view = ReminderSettingsView::new(&settings, None);
                let mut sorted = update.thresholds.clone();
                sorted.sort_by_key(|code| view.all_thresholds.iter().position(|known| known == code));
                assert_eq!(view.thresholds, sorted, "{name}: the view names what was chosen, earliest first");
            }
        }
    }

    #[test]
    fn reminder_settings_are_checked() {
        check(&[
            ("none", &[], Ok(0)),
            ("30 and 7 days", &["7_days_before", "30_days_before"], Ok(4 + 16)),
            ("the day of and after", &["day_of", "7_days_after"], Ok(128 + 256)),
            ("unknown", &["5_days_before"], Err("unknown_threshold")),
            ("empty code", &[""], Err("unknown_threshold")),
            ("twice", &["day_of", "day_of"], Err("repeated_threshold")),
        ]);
        let all: Vec<String> = THRESHOLDS.iter().map(|threshold| threshold.code()).collect();
        let update = ReminderSettingsUpdate { enabled: false, thresholds: all, administrators: true };
        assert_eq!(update.settings(), Ok(Settings { enabled: false, ..Settings::default() }));
        let message = ReminderSettingsError::UnknownThreshold("x".to_owned()).to_string();
        assert!(message.contains("90_days_before") && message.contains("7_days_after"), "{message}");
    }
}
