//! The CA's public repository, at stable URLs stated in every certificate: `GET /ca/issuing.crt` and
//! `GET /ca/root.crt` (DER, authorityInformationAccess caIssuers) and `GET /crl/issuing.crl` (the issuing CA's
//! CRL, DER, cRLDistributionPoints).

use shared::issuance::CaLocations;
use worker::{Env, Request, Response, RouteContext};

use crate::ca::{CRL_VALIDITY_SECONDS, CertificateAuthority};
use crate::error::{AppError, respond};
use crate::platform;

/// Path of the issuing CA's CRL.
pub const CRL_PATH: &str = "/crl/issuing.crl";
/// Path of the issuing CA's certificate.
pub const ISSUING_CERTIFICATE_PATH: &str = "/ca/issuing.crt";

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
    CaLocations { crl_url: format!("{base}{CRL_PATH}"), ca_issuers_url: format!("{base}{ISSUING_CERTIFICATE_PATH}") }
}

fn der_response(bytes: Vec<u8>, content_type: &str, max_age: i64) -> Result<Response, AppError> {
    let mut response = Response::from_bytes(bytes)?;
    response.headers_mut().set("Content-Type", content_type)?;
    response.headers_mut().set("Cache-Control", &format!("public, max-age={max_age}"))?;
    Ok(response)
}

/// `GET /ca/issuing.crt`.
pub async fn issuing_certificate(_request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    respond(
        CertificateAuthority::from_env(&context.env)
            .and_then(|authority| der_response(authority.issuing_der, "application/pkix-cert", 86_400)),
    )
}

/// `GET /ca/root.crt`.
pub async fn root_certificate(_request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    respond(
        CertificateAuthority::from_env(&context.env)
            .and_then(|authority| der_response(authority.root_der, "application/pkix-cert", 86_400)),
    )
}

/// `GET /crl/issuing.crl`: signed on request; caches may keep it an hour, well inside its validity.
pub async fn certificate_revocation_list(_request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    respond((|| {
        let authority = CertificateAuthority::from_env(&context.env)?;
        let base = repository_url(&context.env)?;
        let crl = authority.certificate_revocation_list(platform::now(), &ca_locations(&base).crl_url)?;
        der_response(crl, "application/pkix-crl", CRL_VALIDITY_SECONDS.min(3_600))
    })())
}
