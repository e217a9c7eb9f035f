//! Where the CA repository is: the paths the router serves and every certificate states (caIssuers, CRL
//! distribution point, OCSP), and the base URL they hang from, `KEYWARD_REPOSITORY_URL`. The CA adapter
//! (`ca.rs`) carries the locations its certificates state; `repository.rs` and `ocsp.rs` serve them.

use shared::issuance::CaLocations;
use worker::Env;

use crate::error::AppError;

/// Path of the issuing CA's CRL.
pub const CRL_PATH: &str = "/crl/issuing.crl";
/// Path of the issuing CA's OCSP responder (POST here; GET below it, RFC 6960 A.1).
pub const OCSP_PATH: &str = "/ocsp";
/// Path of the issuing CA's certificate.
pub const ISSUING_CERTIFICATE_PATH: &str = "/ca/issuing.crt";
/// Path of the root CA's certificate.
pub const ROOT_CERTIFICATE_PATH: &str = "/ca/root.crt";
/// Path of the root CA's CRL (signed offline).
pub const ROOT_CRL_PATH: &str = "/crl/root.crl";

/// The repository's base URL, `KEYWARD_REPOSITORY_URL` (plain HTTP, as relying parties fetch CRLs; a
/// registrable domain, as the Baseline Requirements forbid internal names). Configuration, never the request's
/// host: every certificate must state the same stable URLs.
pub fn repository_url(env: &Env) -> Result<String, AppError> {
    env.var("KEYWARD_REPOSITORY_URL")
        .map(|url| url.to_string().trim_end_matches('/').to_owned())
        .map_err(|_| AppError::internal("KEYWARD_REPOSITORY_URL is not configured (edge/wrangler.toml [vars])"))
}

/// Where the repository is, for the certificates to state.
pub fn ca_locations(base: &str) -> CaLocations {
    CaLocations {
        crl_url: format!("{base}{CRL_PATH}"),
        ca_issuers_url: format!("{base}{ISSUING_CERTIFICATE_PATH}"),
        ocsp_url: format!("{base}{OCSP_PATH}"),
    }
}
