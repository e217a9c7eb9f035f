//! Domains, mailboxes, and the emailed validation links.
//!
//! - `POST /api/v1/domains`: a [`NewDomain`] → `201` [`DomainView`]. `constructed_email` emails a 24-hour link
//!   to the chosen constructed address; `dns_txt` answers the record to publish ([`DnsRecord`]).
//! - `GET /api/v1/domains`: a [`DomainList`]. `GET /api/v1/domains/{id}`: a [`DomainView`]; the id is the
//!   domain name (lower-case), stable across resends.
//! - `POST /api/v1/domains/{id}/check`: `dns_txt` only: looks the record up over DNS-over-HTTPS now →
//!   [`DomainView`], validated for 398 days when found.
//! - `POST /api/v1/domains/{id}/resend`: a fresh random value (a new link emailed, or a new TXT value), the
//!   previous one stops working → [`DomainView`].
//! - `POST /api/v1/domains/{id}/method`: a [`MethodChange`] → [`DomainView`], with a fresh random value.
//! - `POST /api/v1/mailboxes`: a [`NewMailbox`] (an address at a public mail provider) → `201` [`MailboxView`],
//!   a 24-hour link emailed to the address itself. `GET /api/v1/mailboxes`: a [`MailboxList`].
//! - `GET /api/v1/validations/{token}`: a [`ValidationLinkView`], what the emailed link validates and where it
//!   stands; never spends it (mail scanners follow links). `POST` confirms → [`ValidationLinkView`]; a spent,
//!   replaced or expired link answers 409 or 410 saying what happened, when, and what to do.
//!
//! Every refusal is an [`crate::api::ErrorBody`] naming the field.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::encoding::utc_date_time;
use crate::validation::{DAY_SECONDS, DomainMethod, Validation, ValidationKind, ValidationStatus};

/// Starts a domain validation ([`NewDomain`] → `201` [`DomainView`]): constructed email or DNS TXT.
pub const CREATE_DOMAIN: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/domains",
    access: Access::AccountAdmin,
    summary: "Starts a domain validation: constructed email or DNS TXT",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The account's domains ([`DomainList`]).
pub const LIST_DOMAINS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/domains",
    access: Access::Account,
    summary: "The account's domains",
    body: Body::None,
};

/// A domain ([`DomainView`]); its id is its name.
pub const SHOW_DOMAIN: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/domains/{id}",
    access: Access::Account,
    summary: "A domain (its id is its name)",
    body: Body::None,
};

/// Looks the DNS TXT record up now ([`DomainView`]); found, the domain is validated.
pub const CHECK_DOMAIN: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/domains/{id}/check",
    access: Access::AccountAdmin,
    summary: "Looks the DNS TXT record up now; found, the domain is validated for 398 days",
    body: Body::None,
};

/// A fresh link or TXT value ([`DomainView`]); the previous one stops working.
pub const RESEND_DOMAIN: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/domains/{id}/resend",
    access: Access::AccountAdmin,
    summary: "A fresh link or TXT value; the previous one stops working",
    body: Body::None,
};

/// Changes the method ([`MethodChange`] → [`DomainView`]), with a fresh random value.
pub const CHANGE_DOMAIN_METHOD: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/domains/{id}/method",
    access: Access::AccountAdmin,
    summary: "Changes the method, with a fresh random value",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// Emails a 24-hour link to an address at a public mail provider ([`NewMailbox`] → `201` [`MailboxView`]).
pub const CREATE_MAILBOX: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/mailboxes",
    access: Access::AccountAdmin,
    summary: "Emails a 24-hour link to an address at a public mail provider",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The account's mailboxes ([`MailboxList`]).
pub const LIST_MAILBOXES: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/mailboxes",
    access: Access::Account,
    summary: "The account's mailboxes",
    body: Body::None,
};

/// What an emailed validation link is for ([`ValidationLinkView`]); never spends it.
pub const SHOW_VALIDATION_LINK: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/validations/{token}",
    access: Access::Public,
    summary: "What an emailed validation link is for; never spends it",
    body: Body::None,
};

/// [`SHOW_VALIDATION_LINK`] without the body: mail scanners probe links with `HEAD`.
pub const PROBE_VALIDATION_LINK: Endpoint = Endpoint {
    method: Method::Head,
    path: "/api/v1/validations/{token}",
    access: Access::Public,
    summary: "The link's status line and headers, without the body (mail scanners); never spends it",
    body: Body::None,
};

/// Confirms the emailed link ([`ValidationLinkView`]); spends it.
pub const CONFIRM_VALIDATION_LINK: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/validations/{token}",
    access: Access::Public,
    summary: "Confirms the emailed link; spends it",
    body: Body::None,
};

/// Validation emails (or DNS values) one subject may be sent in 24 hours: a first send and four resends. The
/// verification code's odds (`crate::validation::VerificationCode`) count on resends being limited, and the
/// limit keeps a signed-in account from using Keyward to flood someone's mailbox.
pub const SENDS_PER_DAY: usize = 5;

/// Whether one more send is allowed for a subject whose sends in the last 24 hours were at `recent` (Unix
/// seconds, any order).
///
/// # Errors
///
/// [`DomainRequestError::TooManySends`] with when the oldest of them leaves the window.
pub fn check_send_allowed(recent: &[i64], now: i64) -> Result<(), DomainRequestError> {
    let in_window: Vec<i64> = recent.iter().copied().filter(|at| now - at < DAY_SECONDS).collect();
    if in_window.len() < SENDS_PER_DAY {
        return Ok(());
    }
    let oldest = in_window.iter().copied().min().unwrap_or(now);
    Err(DomainRequestError::TooManySends { retry_after: oldest + DAY_SECONDS })
}

/// Whether an organization can show control of `domain` (a `POST /api/v1/domains` request's `name`): not a
/// public mail provider's ([`crate::address::is_public_mail_provider`]), not a public suffix
/// ([`crate::public_suffix::is_public_suffix`]: `co.uk`, `github.io`; `example.co.uk` and `ada.github.io` pass).
/// Feature `public-suffix` (the edge).
///
/// # Errors
///
/// [`DomainRequestError::PublicMailProvider`] or [`DomainRequestError::PublicSuffix`], at `name`.
#[cfg(any(test, feature = "public-suffix"))]
pub fn check_controllable(domain: &crate::address::Domain) -> Result<(), DomainRequestError> {
    let name = domain.as_str();
    if crate::address::is_public_mail_provider(name) {
        return Err(DomainRequestError::PublicMailProvider { domain: name.to_owned() });
    }
    if crate::public_suffix::is_public_suffix(name) {
        return Err(DomainRequestError::PublicSuffix { domain: name.to_owned() });
    }
    Ok(())
}

/// Where a validation stands, as the API shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValidationState {
    /// Never started.
    NotStarted,
    /// Waiting for the link, the code, the call or the DNS record.
    Pending,
    /// The random value is more than 24 hours old: resend.
    RandomValueExpired,
    /// Done; may be relied on until `validated_until`.
    Validated,
    /// Done once, but the reuse period has passed: validate again.
    ValidationExpired,
}

impl From<ValidationStatus> for ValidationState {
    fn from(status: ValidationStatus) -> Self {
        match status {
            ValidationStatus::Pending { .. } => Self::Pending,
            ValidationStatus::RandomValueExpired { .. } => Self::RandomValueExpired,
            ValidationStatus::Validated { .. } => Self::Validated,
            ValidationStatus::ValidationExpired { .. } => Self::ValidationExpired,
        }
    }
}

/// `POST /api/v1/domains`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewDomain {
    /// The domain, such as `example.com`.
    pub name: String,
    /// `constructed_email` or `dns_txt`.
    pub method: String,
    /// For `constructed_email`: which constructed address receives the link, as its local part (`admin`) or
    /// whole (`admin@example.com`).
    #[serde(default)]
    pub address: Option<String>,
}

/// `POST /api/v1/domains/{id}/method`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MethodChange {
    /// `constructed_email` or `dns_txt`.
    pub method: String,
    /// As in [`NewDomain::address`].
    #[serde(default)]
    pub address: Option<String>,
}

/// The DNS TXT record to publish for the `dns_txt` method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DnsRecord {
    /// Where: `_keyward-challenge.<domain>`.
    pub name: String,
    /// Type: always `TXT`.
    pub record_type: String,
    /// The value: `keyward-domain-verification=<random value>`.
    pub value: String,
}

/// A domain as the API shows it: its current validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DomainView {
    /// The identifier in paths: the domain name.
    pub id: String,
    /// The domain name.
    pub name: String,
    /// How control is shown.
    pub method: DomainMethod,
    /// Where it stands now.
    pub validation: ValidationState,
    /// `constructed_email`: the address the link went to.
    pub sent_to: Option<String>,
    /// `dns_txt`: the record to publish.
    pub dns_record: Option<DnsRecord>,
    /// When the current random value (link or TXT value) stops working.
    pub expires_at: i64,
    /// When control was shown, if it was.
    pub validated_at: Option<i64>,
    /// Until when the validation may be relied on (398 days after it).
    pub validated_until: Option<i64>,
    /// When the current attempt started.
    pub created_at: i64,
}

/// `GET /api/v1/domains`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DomainList {
    /// The account's domains, by name.
    pub domains: Vec<DomainView>,
}

/// `POST /api/v1/mailboxes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewMailbox {
    /// The address, at a public mail provider.
    pub email: String,
}

/// A mailbox as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailboxView {
    /// The address.
    pub email: String,
    /// Where it stands now.
    pub validation: ValidationState,
    /// When the current link stops working.
    pub expires_at: i64,
    /// When the link was confirmed, if it was.
    pub validated_at: Option<i64>,
    /// Until when the validation may be relied on.
    pub validated_until: Option<i64>,
    /// When the current link was sent.
    pub created_at: i64,
}

/// `GET /api/v1/mailboxes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailboxList {
    /// The account's mailboxes, by address.
    pub mailboxes: Vec<MailboxView>,
}

/// Where an emailed validation link stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// It can be confirmed now.
    Pending,
    /// It was confirmed (the validation may since have run its course).
    Used,
    /// A resend or a change of method replaced it.
    Replaced,
    /// Its 24 hours passed unused.
    Expired,
}

/// A validation link's state and the sentence its page shows (what happened, when, what to do), from the row's
/// facts at `now`: the validation, and when a newer attempt replaced it, if one did. A link that was used says
/// so even if replaced or expired since.
pub fn link_state(validation: &Validation, superseded_at: Option<i64>, now: i64) -> (LinkState, String) {
    let what = if validation.kind == ValidationKind::Mailbox { "this address" } else { "this domain" };
    let when = |instant: i64| format!("{} UTC", utc_date_time(instant));
    match (superseded_at, validation.status(now)) {
        (_, ValidationStatus::Validated { validated_at, reusable_until }) => (
            LinkState::Used,
            format!(
                "This link was already used on {}: {what} is validated until {}. Nothing more is needed.",
                when(validated_at),
                when(reusable_until)
            ),
        ),
        (_, ValidationStatus::ValidationExpired { expired_at }) => (
            LinkState::Used,
            format!(
                "This link was used, but that validation ended on {}. Ask for a new validation from Keyward.",
                when(expired_at)
            ),
        ),
        (Some(replaced_at), _) => (
            LinkState::Replaced,
            format!(
                "A newer email replaced this link on {}: use the link in the latest email, or ask for a new one.",
                when(replaced_at)
            ),
        ),
        (None, ValidationStatus::RandomValueExpired { expired_at }) => (
            LinkState::Expired,
            format!(
                "This link expired on {} (links work for 24 hours). Ask the person who requested it to send a new \
                 one from Keyward.",
                when(expired_at)
            ),
        ),
        (None, ValidationStatus::Pending { expires_at }) => (
            LinkState::Pending,
            format!("Press the button to confirm {what}. The link works until {}.", when(expires_at)),
        ),
    }
}

/// `GET` and `POST /api/v1/validations/{token}`: what an emailed validation link is for and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationLinkView {
    /// `domain` or `mailbox`.
    pub kind: String,
    /// The domain name or the address being validated.
    pub subject: String,
    /// Where the email went.
    pub sent_to: String,
    /// Where it stands.
    pub state: LinkState,
    /// When the link was sent.
    pub created_at: i64,
    /// When the link stops (or stopped) working.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub validated_at: Option<i64>,
    /// Until when the validation may be relied on, once used.
    pub validated_until: Option<i64>,
    /// When a newer email replaced this link, if one did.
    pub replaced_at: Option<i64>,
    /// What happened and what to do, in a sentence.
    pub message: String,
}

/// Why a domain, mailbox or validation-link request is refused (address and domain syntax errors keep their
/// own types, [`crate::address::AddressError`] and [`crate::address::DomainError`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainRequestError {
    /// `method` is not `constructed_email` or `dns_txt`.
    MethodUnknown,
    /// `constructed_email` without `address`.
    AddressMissing,
    /// `address` is not one of the five constructed addresses of the domain.
    AddressNotConstructed {
        /// The domain.
        domain: String,
    },
    /// The domain is a public mail provider's: nobody's organization controls it.
    PublicMailProvider {
        /// The domain.
        domain: String,
    },
    /// The domain is a public suffix ([`crate::public_suffix`]): anyone can register a name under it, so no one
    /// controls it as a whole.
    PublicSuffix {
        /// The domain.
        domain: String,
    },
    /// A mailbox outside the public mail providers: validate its domain instead.
    MailboxNotAtPublicProvider {
        /// The address's domain.
        domain: String,
    },
    /// No such domain (or mailbox) in the caller's account.
    NotFound,
    /// Already validated and reusable: nothing to do.
    AlreadyValidated {
        /// When.
        validated_at: i64,
        /// Until when.
        validated_until: i64,
    },
    /// `check` on a domain whose method is not `dns_txt`.
    NotDnsMethod,
    /// The TXT record was not found at the name (the name exists, or NXDOMAIN).
    RecordNotFound {
        /// The name queried.
        name: String,
        /// The value expected.
        value: String,
        /// How many TXT records were there.
        found: usize,
    },
    /// The DNS TXT random value is more than 24 hours old.
    RandomValueExpired {
        /// When it stopped working.
        expired_at: i64,
    },
    /// [`SENDS_PER_DAY`] sends in the last 24 hours already.
    TooManySends {
        /// When one more is allowed.
        retry_after: i64,
    },
    /// The emailed link was used, replaced or expired.
    LinkNotUsable {
        /// Which.
        state: LinkState,
        /// What happened, when, and what to do ([`link_state`]).
        message: String,
    },
}

impl DomainRequestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodUnknown => "validation_method_unknown",
            Self::AddressMissing => "constructed_address_missing",
            Self::AddressNotConstructed { .. } => "constructed_address_invalid",
            Self::PublicMailProvider { .. } => "domain_public_mail_provider",
            Self::PublicSuffix { .. } => "domain_public_suffix",
            Self::MailboxNotAtPublicProvider { .. } => "mailbox_not_public_provider",
            Self::NotFound => "domain_not_found",
            Self::AlreadyValidated { .. } => "validation_already_done",
            Self::NotDnsMethod => "validation_not_dns",
            Self::RecordNotFound { .. } => "dns_record_not_found",
            Self::RandomValueExpired { .. } => "validation_random_value_expired",
            Self::TooManySends { .. } => "validation_sends_limited",
            Self::LinkNotUsable { state: LinkState::Used | LinkState::Pending, .. } => "link_spent",
            Self::LinkNotUsable { state: LinkState::Replaced, .. } => "link_replaced",
            Self::LinkNotUsable { state: LinkState::Expired, .. } => "link_expired",
        }
    }

    /// The request field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MethodUnknown | Self::NotDnsMethod => "method",
            Self::AddressMissing | Self::AddressNotConstructed { .. } => "address",
            Self::MailboxNotAtPublicProvider { .. } => "email",
            Self::PublicMailProvider { .. }
            | Self::PublicSuffix { .. }
            | Self::RecordNotFound { .. }
            | Self::RandomValueExpired { .. } => "name",
            Self::NotFound | Self::AlreadyValidated { .. } | Self::TooManySends { .. } => "id",
            Self::LinkNotUsable { .. } => "token",
        }
    }
}

impl core::fmt::Display for DomainRequestError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::MethodUnknown => formatter.write_str("Choose how to validate: constructed_email or dns_txt."),
            Self::AddressMissing => formatter.write_str(
                "Choose which address receives the link: admin, administrator, webmaster, hostmaster or postmaster.",
            ),
            Self::AddressNotConstructed { domain } => write!(
                formatter,
                "The link can go only to admin@, administrator@, webmaster@, hostmaster@ or postmaster@{domain}: \
                 choose one of them."
            ),
            Self::PublicMailProvider { domain } => write!(
                formatter,
                "{domain} is a public mail provider: its domain cannot be validated by an organization. Validate \
                 each mailbox there instead."
            ),
            Self::PublicSuffix { domain } => write!(
                formatter,
                "{domain} is a public suffix: anyone can register a name under it, so no one controls it as a \
                 whole and it cannot be validated. Validate your own domain under it, such as example.{domain}."
            ),
            Self::MailboxNotAtPublicProvider { domain } => write!(
                formatter,
                "{domain} is not a public mail provider: validate the domain {domain} instead, which covers every \
                 address there."
            ),
            Self::NotFound => formatter.write_str("No such domain or mailbox in your account."),
            Self::AlreadyValidated { .. } => {
                formatter.write_str("This is already validated and can be relied on: nothing more is needed.")
            }
            Self::NotDnsMethod => formatter.write_str(
                "This domain is validated by email: open the link in the email, or change the method to dns_txt.",
            ),
            Self::RecordNotFound { name, value, found } => write!(
                formatter,
                "No TXT record at {name} holds {value} ({found} TXT {} found there). Publish it, wait for your DNS \
                 to serve it, then check again.",
                if *found == 1 { "record was" } else { "records were" }
            ),
            Self::RandomValueExpired { .. } => formatter.write_str(
                "This DNS value is more than 24 hours old and no longer counts: ask for a new value (resend) and \
                 publish that one.",
            ),
            Self::TooManySends { retry_after } => write!(
                formatter,
                "{SENDS_PER_DAY} validation emails or values were already made for this in the last 24 hours: use \
                 the latest one, or try again after {} UTC.",
                utc_date_time(*retry_after)
            ),
            Self::LinkNotUsable { message, .. } => formatter.write_str(message),
        }
    }
}

impl std::error::Error for DomainRequestError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_distinct_codes_fields_and_sentences() {
        let errors = [
            DomainRequestError::MethodUnknown,
            DomainRequestError::AddressMissing,
            DomainRequestError::AddressNotConstructed { domain: "example.com".into() },
            DomainRequestError::PublicMailProvider { domain: "gmail.com".into() },
            DomainRequestError::PublicSuffix { domain: "co.uk".into() },
            DomainRequestError::MailboxNotAtPublicProvider { domain: "example.com".into() },
            DomainRequestError::NotFound,
            DomainRequestError::AlreadyValidated { validated_at: 1, validated_until: 2 },
            DomainRequestError::NotDnsMethod,
            DomainRequestError::RecordNotFound { name: "n".into(), value: "v".into(), found: 1 },
            DomainRequestError::RandomValueExpired { expired_at: 1 },
            DomainRequestError::TooManySends { retry_after: 1 },
            DomainRequestError::LinkNotUsable { state: LinkState::Used, message: "Used.".into() },
            DomainRequestError::LinkNotUsable { state: LinkState::Replaced, message: "Replaced.".into() },
            DomainRequestError::LinkNotUsable { state: LinkState::Expired, message: "Expired.".into() },
        ];
        let mut codes: Vec<_> = errors.iter().map(DomainRequestError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for error in &errors {
            assert!(!error.field().is_empty());
            assert!(error.to_string().ends_with('.'), "{error}");
        }
        assert!(errors[9].to_string().contains("1 TXT record was found"));
    }

    /// A domain to validate: `None` when an organization may validate it, else the refusal's code (at `name`).
    fn check_domain(name: &str, expected: Option<&str>) {
        let domain = crate::address::Domain::parse(name).expect(name);
        let refusal = check_controllable(&domain).err();
        if let Some(refusal) = &refusal {
            assert_eq!(refusal.field(), "name");
            assert!(refusal.to_string().starts_with(domain.as_str()), "{refusal}");
        }
        assert_eq!(refusal.as_ref().map(DomainRequestError::code), expected, "{name}");
    }

    #[test]
    fn public_suffixes_and_mail_providers_cannot_be_validated() {
        for (name, expected) in [
            ("co.uk", Some("domain_public_suffix")),
            ("CO.UK", Some("domain_public_suffix")),
            ("github.io", Some("domain_public_suffix")),
            ("s3.amazonaws.com", Some("domain_public_suffix")),
            ("com.au", Some("domain_public_suffix")),
            ("gouv.fr", Some("domain_public_suffix")),
            ("anything.ck", Some("domain_public_suffix")),
            ("xn--55qx5d.cn", Some("domain_public_suffix")),
            ("gmail.com", Some("domain_public_mail_provider")),
            ("example.co.uk", None),
            ("ada.github.io", None),
            ("example.com", None),
            ("mail.example.co.uk", None),
            ("www.ck", None),
        ] {
            check_domain(name, expected);
        }
        let refusal = DomainRequestError::PublicSuffix { domain: "co.uk".into() }.to_string();
        assert!(refusal.contains("anyone can register") && refusal.contains("example.co.uk"), "{refusal}");
    }

    const NOW: i64 = 1_796_169_600; // 2026-12-02 00:00 UTC

    /// The link state and message for a validation of `kind` made at NOW, completed at `validated_at`,
    /// replaced at `superseded_at`, seen at `at`; the message must contain each of `phrases`.
    fn check(
        kind: ValidationKind,
        validated_at: Option<i64>,
        superseded_at: Option<i64>,
        at: i64,
        expected: LinkState,
        phrases: &[&str],
    ) {
        let validation = Validation { validated_at, ..Validation::new(kind, NOW) };
        let (state, message) = link_state(&validation, superseded_at, at);
        assert_eq!(state, expected, "{message}");
        for phrase in phrases {
            assert!(message.contains(phrase), "{message:?} lacks {phrase:?}");
        }
        assert!(message.ends_with('.'));
    }

    #[test]
    fn links_say_what_happened_when_and_what_to_do() {
        use LinkState::*;
        use ValidationKind::{Domain, Mailbox};
        check(Domain, None, None, NOW + 60, Pending, &["confirm this domain", "until 2026-12-03 00:00 UTC"]);
        check(Mailbox, None, None, NOW, Pending, &["confirm this address"]);
        check(
            Domain,
            Some(NOW + 3600),
            None,
            NOW + 7200,
            Used,
            &["already used on 2026-12-02 01:00 UTC", "validated until 2028-01-04 01:00 UTC", "Nothing more is needed"],
        );
        // Used wins over replaced and over the link's own expiry.
        check(Domain, Some(NOW + 3600), Some(NOW + 7200), NOW + 3 * DAY_SECONDS, Used, &["already used"]);
        check(Domain, None, Some(NOW + 7200), NOW + 7300, Replaced, &["2026-12-02 02:00 UTC", "latest email"]);
        check(Domain, None, Some(NOW + 7200), NOW + 3 * DAY_SECONDS, Replaced, &["newer email"]);
        check(Mailbox, None, None, NOW + DAY_SECONDS, Expired, &["expired on 2026-12-03 00:00 UTC", "send a new one"]);
        check(Mailbox, Some(NOW), None, NOW + 30 * DAY_SECONDS, Used, &["validation ended on 2027-01-01 00:00 UTC"]);
    }

    #[test]
    fn five_sends_a_day() {
        let hour = 3600;
        assert_eq!(check_send_allowed(&[], NOW), Ok(()));
        assert_eq!(check_send_allowed(&[NOW - 4 * hour, NOW - 3 * hour, NOW - 2 * hour, NOW - hour], NOW), Ok(()));
        let five = [NOW - hour, NOW - 5 * hour, NOW - 3 * hour, NOW - 2 * hour, NOW - 4 * hour];
        assert_eq!(
            check_send_allowed(&five, NOW),
            Err(DomainRequestError::TooManySends { retry_after: NOW - 5 * hour + DAY_SECONDS })
        );
        // Sends older than 24 hours do not count.
        let old = [NOW - DAY_SECONDS, NOW - hour, NOW - 2 * hour, NOW - 3 * hour, NOW - 4 * hour];
        assert_eq!(check_send_allowed(&old, NOW), Ok(()));
    }

    #[test]
    fn states_follow_the_validation_status() {
        for (status, state) in [
            (ValidationStatus::Pending { expires_at: 1 }, ValidationState::Pending),
            (ValidationStatus::RandomValueExpired { expired_at: 1 }, ValidationState::RandomValueExpired),
            (ValidationStatus::Validated { validated_at: 1, reusable_until: 2 }, ValidationState::Validated),
            (ValidationStatus::ValidationExpired { expired_at: 1 }, ValidationState::ValidationExpired),
        ] {
            assert_eq!(ValidationState::from(status), state);
        }
        assert_eq!(serde_json::to_string(&ValidationState::NotStarted).unwrap(), "\"not_started\"");
    }
}
