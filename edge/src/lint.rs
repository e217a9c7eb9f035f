//! pkilint's REST API as the second pre-issuance linter. Interface placeholder until the `pkilint` branch lands.

use shared::lint::Finding;
use shared::profile::Profile;
use worker::Env;

/// Why pkilint could not lint.
#[derive(Debug)]
pub struct LintError;

impl From<LintError> for crate::error::AppError {
    fn from(_: LintError) -> Self {
        crate::error::AppError::internal("linter unavailable")
    }
}

/// pkilint's findings on a certificate. Placeholder: none.
pub async fn pkilint(_env: &Env, _profile: &Profile, _certificate_der: &[u8]) -> Result<Vec<Finding>, LintError> {
    Ok(Vec::new())
}
