//! CAA before issuance (RFC 8659 `issue`, RFC 9495 `issuemail`): which checks a certificate needs and whether
//! the relevant record set allows Keyward. Interface placeholder: the full decision lands from the `caa` branch.

use serde::Serialize;

use crate::issuance::CertificateTemplate;

/// The CAA property a check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// RFC 8659 `issue`: DNS names.
    Issue,
    /// RFC 9495 `issuemail`: mailbox domains.
    IssueMail,
}

/// One CAA resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaaRecord {
    /// The issuer-critical flag.
    pub critical: bool,
    /// The property tag.
    pub tag: String,
    /// The property value.
    pub value: Vec<u8>,
}

/// A domain a certificate names, and the property that governs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaaCheck {
    /// The property.
    pub property: Property,
    /// The domain.
    pub domain: String,
}

/// The first non-empty record set of a climb.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelevantSet {
    /// Where it was found.
    pub owner: String,
    /// Its records.
    pub records: Vec<CaaRecord>,
}

/// A lookup that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupFailure {
    /// The name queried.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// What the lookup found for one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaaAnswer {
    /// The check.
    pub check: CaaCheck,
    /// The relevant set (`None`: no CAA anywhere), or the failure.
    pub found: Result<Option<RelevantSet>, LookupFailure>,
}

/// Why issuance may go ahead, for the audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaaPermit {
    /// The check.
    pub check: CaaCheck,
}

/// Why CAA refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaaRefusal {
    /// A lookup failed.
    LookupFailed {
        /// The domain.
        domain: String,
        /// Why.
        reason: String,
    },
}

impl CaaRefusal {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        "caa_lookup_failed"
    }

    /// Whether trying again later may help.
    pub fn is_retryable(&self) -> bool {
        true
    }
}

impl core::fmt::Display for CaaRefusal {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::LookupFailed { domain, reason } => write!(formatter, "CAA lookup for {domain} failed: {reason}"),
        }
    }
}

/// The checks a certificate needs.
pub fn required_checks(template: &CertificateTemplate) -> Vec<CaaCheck> {
    let mut checks: Vec<CaaCheck> = Vec::new();
    let mail = template
        .email_addresses
        .iter()
        .filter_map(|email| email.rsplit_once('@'))
        .map(|(_, domain)| CaaCheck { property: Property::IssueMail, domain: domain.to_owned() });
    let names = template.dns_names.iter().map(|name| CaaCheck { property: Property::Issue, domain: name.clone() });
    for check in mail.chain(names) {
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    checks
}

/// Whether the answer allows one of `identities`.
pub fn authorize(answer: &CaaAnswer, _identities: &[String]) -> Result<CaaPermit, CaaRefusal> {
    match &answer.found {
        Err(failure) => {
            Err(CaaRefusal::LookupFailed { domain: answer.check.domain.clone(), reason: failure.reason.clone() })
        }
        Ok(_) => Ok(CaaPermit { check: answer.check.clone() }),
    }
}
