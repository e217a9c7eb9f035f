//! Pre-issuance linting (S/MIME BR 4.3.1.2; TLS BR 4.3.1.2): every to-be-signed certificate is re-read from its
//! DER and checked against its profile and the Baseline Requirements' profile tables before the real issuing key
//! signs anything. Any error-level [`Finding`] refuses the issuance.
//!
//! Two linters feed the same [`Finding`] list: Keyward's own lint set here (always on), and pkilint's REST API
//! when the deployment configures one (the edge's adapter turns its report into findings).

use serde::{Deserialize, Serialize};

/// Which linter reported a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Linter {
    /// Keyward's own lint set (this module).
    Keyward,
    /// pkilint, through its REST API.
    Pkilint,
}

/// How serious a finding is. Only [`Severity::Error`] refuses an issuance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Notice,
    /// Not forbidden, but not recommended.
    Warning,
    /// A requirement is broken: the certificate must not be signed.
    Error,
}

/// One thing a linter found in a to-be-signed certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Who found it.
    pub linter: Linter,
    /// How serious it is.
    pub severity: Severity,
    /// Stable code (Keyward's own, or pkilint's validator code as it reports it).
    pub code: String,
    /// What is wrong, in plain words; for pkilint, where in the certificate as well.
    pub message: String,
}

/// Whether any finding refuses the issuance.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|finding| finding.severity == Severity::Error)
}

/// Keyward's own lint set. Placeholder until the lint set lands from the `lint` branch.
pub fn lint_certificate(
    _profile: &crate::profile::Profile,
    _locations: &crate::issuance::CaLocations,
    _certificate_der: &[u8],
    _now: i64,
) -> Vec<Finding> {
    Vec::new()
}

/// Whether two certificates carry byte-identical `tbsCertificate`s. Placeholder (see above).
pub fn same_to_be_signed(linted_der: &[u8], signed_der: &[u8]) -> bool {
    use der::{Decode, Encode};
    let tbs = |der: &[u8]| x509_cert::Certificate::from_der(der).ok().and_then(|c| c.tbs_certificate().to_der().ok());
    matches!((tbs(linted_der), tbs(signed_der)), (Some(a), Some(b)) if a == b)
}
