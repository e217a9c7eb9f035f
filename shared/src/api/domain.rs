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

use crate::validation::{DomainMethod, ValidationStatus};

/// Where a validation stands, as the API shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct MethodChange {
    /// `constructed_email` or `dns_txt`.
    pub method: String,
    /// As in [`NewDomain::address`].
    #[serde(default)]
    pub address: Option<String>,
}

/// The DNS TXT record to publish for the `dns_txt` method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct DomainList {
    /// The account's domains, by name.
    pub domains: Vec<DomainView>,
}

/// `POST /api/v1/mailboxes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMailbox {
    /// The address, at a public mail provider.
    pub email: String,
}

/// A mailbox as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct MailboxList {
    /// The account's mailboxes, by address.
    pub mailboxes: Vec<MailboxView>,
}

/// `GET` and `POST /api/v1/validations/{token}`: what an emailed validation link is for and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationLinkView {
    /// `domain` or `mailbox`.
    pub kind: String,
    /// The domain name or the address being validated.
    pub subject: String,
    /// Where the email went.
    pub sent_to: String,
    /// `pending`, `used`, `replaced` or `expired`.
    pub state: String,
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
}

impl DomainRequestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodUnknown => "validation_method_unknown",
            Self::AddressMissing => "constructed_address_missing",
            Self::AddressNotConstructed { .. } => "constructed_address_invalid",
            Self::PublicMailProvider { .. } => "domain_public_mail_provider",
            Self::MailboxNotAtPublicProvider { .. } => "mailbox_not_public_provider",
            Self::NotFound => "domain_not_found",
            Self::AlreadyValidated { .. } => "validation_already_done",
            Self::NotDnsMethod => "validation_not_dns",
            Self::RecordNotFound { .. } => "dns_record_not_found",
            Self::RandomValueExpired { .. } => "validation_random_value_expired",
        }
    }

    /// The request field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MethodUnknown | Self::NotDnsMethod => "method",
            Self::AddressMissing | Self::AddressNotConstructed { .. } => "address",
            Self::MailboxNotAtPublicProvider { .. } => "email",
            Self::PublicMailProvider { .. } | Self::RecordNotFound { .. } | Self::RandomValueExpired { .. } => "name",
            Self::NotFound | Self::AlreadyValidated { .. } => "id",
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
            DomainRequestError::MailboxNotAtPublicProvider { domain: "example.com".into() },
            DomainRequestError::NotFound,
            DomainRequestError::AlreadyValidated { validated_at: 1, validated_until: 2 },
            DomainRequestError::NotDnsMethod,
            DomainRequestError::RecordNotFound { name: "n".into(), value: "v".into(), found: 1 },
            DomainRequestError::RandomValueExpired { expired_at: 1 },
        ];
        let mut codes: Vec<_> = errors.iter().map(DomainRequestError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for error in &errors {
            assert!(!error.field().is_empty());
            assert!(error.to_string().ends_with('.'), "{error}");
        }
        assert!(errors[8].to_string().contains("1 TXT record was found"));
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
