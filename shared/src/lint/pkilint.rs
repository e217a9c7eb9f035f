//! pkilint's REST API (`pkilint.rest:app`, pkilint 0.13.3), the second pre-issuance linter: which of its linters
//! judges a profile's certificates ([`route`]), the request body ([`request_body`]), and its report read into
//! [`Finding`]s ([`findings`]). The edge's adapter (`edge/src/lint.rs`) only carries the bytes.
//!
//! The linter is named, never detected: pkilint can pick an S/MIME linter from the certificate's policy OID, but
//! then a certificate with the wrong OID would be judged by the rules of whatever it claims. Naming the linter
//! from the profile judges it by what Keyward meant to issue.
//!
//! A report (`LintResultList`, HTTP 200) is `{"results": [{"validator", "node_path", "finding_descriptions":
//! [{"severity", "code", "message"}]}]}`, every finding down to INFO; the route that detects the linter adds
//! `"linter": {"name"}`, which is ignored. The fixtures in `shared/tests/fixtures/pkilint/` are real reports.

use base64ct::Encoding;
use serde::Deserialize;

use crate::lint::{Finding, Linter, Severity};
use crate::profile::{Profile, ProfileId};

/// The path, relative to the REST API's base URL, of the linter that judges `profile`'s certificates: the CA/B
/// Forum S/MIME linter for the S/MIME profiles (validation level and generation from the profile), the TLS
/// Baseline Requirements linter for an organization-validated final certificate for [`ProfileId::ServerAuth`], and
/// the RFC 5280 linter for [`ProfileId::ClientAuthWorkstation`] (no CA/B Forum requirements apply to it).
pub fn route(profile: &Profile) -> &'static str {
    match profile.id {
        ProfileId::SmimeMailboxStrict => "certificate/cabf-smime/MAILBOX-STRICT",
        ProfileId::SmimeMailboxMultipurpose => "certificate/cabf-smime/MAILBOX-MULTIPURPOSE",
        ProfileId::SmimeOrganizationStrict => "certificate/cabf-smime/ORGANIZATION-STRICT",
        ProfileId::SmimeOrganizationMultipurpose => "certificate/cabf-smime/ORGANIZATION-MULTIPURPOSE",
        ProfileId::SmimeSponsorStrict => "certificate/cabf-smime/SPONSORED-STRICT",
        ProfileId::SmimeSponsorMultipurpose => "certificate/cabf-smime/SPONSORED-MULTIPURPOSE",
        ProfileId::ClientAuthWorkstation => "certificate/pkix/certificate",
        ProfileId::ServerAuth => "certificate/cabf-serverauth/OV-FINAL-CERTIFICATE",
    }
}

/// The URL to POST `profile`'s certificates to, under the API's `base_url` (`KEYWARD_LINT_URL`; a trailing slash
/// or a path prefix is kept as given).
pub fn endpoint(base_url: &str, profile: &Profile) -> String {
    format!("{}/{}", base_url.trim_end_matches('/'), route(profile))
}

/// The request body: `{"b64": "<the certificate's DER in base64>"}` (pkilint's `CertificateModel`).
pub fn request_body(certificate_der: &[u8]) -> String {
    serde_json::json!({ "b64": base64ct::Base64::encode_string(certificate_der) }).to_string()
}

/// pkilint's report, as its REST API writes it.
#[derive(Deserialize)]
struct Report {
    results: Vec<ValidatorResult>,
}

/// What one validator found at one place in the certificate.
#[derive(Deserialize)]
struct ValidatorResult {
    validator: String,
    node_path: String,
    finding_descriptions: Vec<FindingDescription>,
}

/// One finding of a validator.
#[derive(Deserialize)]
struct FindingDescription {
    severity: String,
    code: String,
    message: Option<String>,
}

/// The findings of a report, in its order. Severities: FATAL and ERROR are [`Severity::Error`], WARNING is
/// [`Severity::Warning`], NOTICE, INFO and DEBUG (which the API leaves out) are [`Severity::Notice`]. The code is
/// pkilint's; the message is `"<validator> @ <path in the certificate>: <message>"`, without the last part when
/// pkilint gives no message.
///
/// # Errors
///
/// [`ReportError::Unreadable`] when the text is not a report (not JSON, or a field missing or of another type,
/// such as an error body `{"detail": ...}`), [`ReportError::SeverityUnknown`] for a severity pkilint does not
/// define: it is not guessed, since a misread error would let a certificate through.
pub fn findings(report_json: &str) -> Result<Vec<Finding>, ReportError> {
    let report: Report =
        serde_json::from_str(report_json).map_err(|error| ReportError::Unreadable { detail: error.to_string() })?;
    let mut findings = Vec::new();
    for result in report.results {
        for description in result.finding_descriptions {
            let severity = severity(&description.severity).ok_or_else(|| ReportError::SeverityUnknown {
                severity: description.severity.clone(),
                code: description.code.clone(),
            })?;
            let place = format!("{} @ {}", result.validator, result.node_path);
            let message = match description.message {
                Some(message) if !message.is_empty() => format!("{place}: {message}"),
                _ => place,
            };
            findings.push(Finding { linter: Linter::Pkilint, severity, code: description.code, message });
        }
    }
    Ok(findings)
}

/// pkilint's severity (`ValidationFindingSeverity`'s names) as Keyward's.
fn severity(name: &str) -> Option<Severity> {
    match name {
        "FATAL" | "ERROR" => Some(Severity::Error),
        "WARNING" => Some(Severity::Warning),
        "NOTICE" | "INFO" | "DEBUG" => Some(Severity::Notice),
        _ => None,
    }
}

/// Why a pkilint answer could not be read as a report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportError {
    /// The text is not a report: not JSON, or `results` (or a result's `validator`, `node_path`,
    /// `finding_descriptions`, or a finding's `severity`, `code`, `message`) missing or of another type.
    Unreadable {
        /// The JSON reader's words, naming the field and position.
        detail: String,
    },
    /// A finding's `severity` is none of pkilint's.
    SeverityUnknown {
        /// The severity as written.
        severity: String,
        /// The finding's code.
        code: String,
    },
}

impl ReportError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "lint_report_unreadable",
            Self::SeverityUnknown { .. } => "lint_report_severity_unknown",
        }
    }
}

impl core::fmt::Display for ReportError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unreadable { detail } => write!(formatter, "The pkilint answer is not a lint report: {detail}."),
            Self::SeverityUnknown { severity, code } => {
                write!(formatter, "The pkilint report's finding {code} has an unknown severity \"{severity}\".")
            }
        }
    }
}
