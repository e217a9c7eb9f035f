//! Pre-issuance linting (S/MIME BR 4.3.1.2; TLS BR 4.3.1.2): every to-be-signed certificate is re-read from its
//! DER and checked against its profile and the Baseline Requirements' profile tables before the real issuing key
//! signs anything. Any error-level [`Finding`] refuses the issuance.
//!
//! Two linters feed the same [`Finding`] list: Keyward's own lint set here (always on), and pkilint's REST API
//! when the deployment configures one (the edge's adapter turns its report into findings).

pub mod pkilint;

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
