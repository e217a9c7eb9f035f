//! The CA's public repository, at stable URLs stated in every certificate: `GET /ca/issuing.crt` and
//! `GET /ca/root.crt` (DER, authorityInformationAccess caIssuers), `GET /crl/issuing.crl` (the issuing CA's
//! CRL, DER, cRLDistributionPoints: stored in D1, re-signed on every revocation, when a day old, and by the
//! scheduled handler) and `GET /crl/root.crl` (the root's CRL, signed offline), and the OCSP responder's path.
//!
//! The issuing CA's CRL is served from the answer cache (`cache.rs`) when it holds it, so a flood of CRL fetches
//! does not read D1 per request; every new CRL stored (a revocation's, a day-old one replaced) forgets the entry
//! right after its batch commits.

use base64ct::{Base64, Encoding};
use shared::revocation::RevocationReason;
use worker::{Context, D1Database, D1PreparedStatement, Env, Request, Response, RouteContext};

use crate::ca::{CRL_VALIDITY_SECONDS, CertificateAuthority, RevokedEntry};
use crate::cache::{self, AnswerCache, Outcome};
use crate::db::commit;
use crate::error::{AppError, respond};
use crate::locations::{ca_locations, repository_url};
use crate::platform;
use crate::store::{certificates, crls};

fn der_response(bytes: Vec<u8>, content_type: &str, max_age: i64) -> Result<Response, AppError> {
    let mut response = Response::from_bytes(bytes)?;
    response.headers_mut().set("Content-Type", content_type)?;
    response.headers_mut().set("Cache-Control", &format!("public, max-age={max_age}"))?;
    Ok(response)
}

/// `GET /ca/issuing.crt`.
pub async fn issuing_certificate(_request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    respond(
        CertificateAuthority::from_env(&context.env)
            .and_then(|authority| der_response(authority.issuing_der.clone(), "application/pkix-cert", 86_400)),
    )
}

/// `GET /ca/root.crt`.
pub async fn root_certificate(_request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    respond(
        CertificateAuthority::from_env(&context.env)
            .and_then(|authority| der_response(authority.root_der.clone(), "application/pkix-cert", 86_400)),
    )
}

/// `GET /crl/root.crl`: the root CA's CRL, signed offline with the root key (which the Worker never holds) and
/// deployed as the `CA_ROOT_CRL` secret (base64 DER). It lists revoked subordinate CAs; relying parties that
/// check the whole chain (nginx's `ssl_crl`, OpenSSL's `-crl_check_all`) need it.
pub async fn root_certificate_revocation_list(
    _request: Request,
    context: RouteContext<Context>,
) -> worker::Result<Response> {
    respond((|| {
        let value = context
            .env
            .secret("CA_ROOT_CRL")
            .map_err(|_| AppError::internal("the secret CA_ROOT_CRL is not set (run `cargo xtask dev`)"))?
            .to_string();
        let der = Base64::decode_vec(value.trim()).map_err(|_| AppError::internal("CA_ROOT_CRL is not base64"))?;
        der_response(der, "application/pkix-crl", 3_600)
    })())
}

/// `GET /crl/issuing.crl`: the cached CRL, or the latest stored one (replaced first when it is more than a day
/// old), then kept in the cache.
pub async fn certificate_revocation_list(
    _request: Request,
    context: RouteContext<Context>,
) -> worker::Result<Response> {
    respond(
        async {
            let answer_cache = AnswerCache::from_env(&context.env)?;
            let key = answer_cache.crl_key();
            let (crl, outcome) = match answer_cache.get(&key).await {
                Some(crl) => (crl, Outcome::Hit),
                None => {
                    let db = context.env.d1("DB")?;
                    let crl = current_crl(&context.env, &db, platform::now()).await?;
                    answer_cache.put(&key, &crl, CRL_CONTENT_TYPE, cache::CRL_ENTRY_SECONDS).await;
                    (crl, Outcome::Miss)
                }
            };
            let mut response = der_response(crl, CRL_CONTENT_TYPE, CRL_CACHE_SECONDS)?;
            response.headers_mut().set(cache::HEADER, outcome.as_str())?;
            Ok::<_, AppError>(response)
        }
        .await,
    )
}

/// The media type of a CRL.
const CRL_CONTENT_TYPE: &str = "application/pkix-crl";

/// How long caches may keep a CRL: an hour, so a revocation reaches relying parties within the hour (the
/// BR allow 24 hours), and far inside its seven days of validity.
const CRL_CACHE_SECONDS: i64 = 3_600;
/// Age after which the latest CRL is replaced by a fresh one when it is fetched or by the scheduled handler. A
/// day, well inside BR 4.9.7's seven days.
pub const CRL_REFRESH_SECONDS: i64 = 86_400;

/// A CRL to store: its number, and the statement that stores it (in the caller's batch).
pub struct NewCrl {
    /// The CRL, DER.
    pub der: Vec<u8>,
    /// The statement that inserts it; it fails if another writer took the number first.
    pub statement: D1PreparedStatement,
}

/// Revoked certificates that have not expired: expired ones may leave the CRL (RFC 5280 3.3).
async fn revoked_entries(db: &D1Database, now: i64) -> Result<Vec<RevokedEntry>, AppError> {
    certificates::revoked_unexpired(db, now)
        .await?
        .into_iter()
        .map(|row| revoked_entry(&row.serial, row.revoked_at, row.revocation_reason))
        .collect()
}

/// A CRL entry from stored values.
pub fn revoked_entry(serial: &str, revoked_at: i64, reason: RevocationReason) -> Result<RevokedEntry, AppError> {
    Ok(RevokedEntry {
        serial: hex_decode(serial).ok_or_else(|| AppError::internal("a stored serial is not hex"))?,
        revoked_at,
        reason,
    })
}

/// Signs the next CRL: every unexpired revocation stored, plus `extra` (those being written in the same batch).
pub async fn next_crl(
    env: &Env,
    db: &D1Database,
    authority: &CertificateAuthority,
    now: i64,
    extra: Vec<RevokedEntry>,
) -> Result<NewCrl, AppError> {
    let number = crls::latest(db).await?.map_or(1, |latest| latest.number + 1);
    let mut revoked = revoked_entries(db, now).await?;
    revoked.extend(extra);
    let url = ca_locations(&repository_url(env)?).crl_url;
    let der = authority.certificate_revocation_list(now, number as u64, &url, &revoked)?;
    let statement = crls::insert(db, number, now, now + CRL_VALIDITY_SECONDS, &Base64::encode_string(&der))?;
    Ok(NewCrl { der, statement })
}

/// What a refused CRL batch answers; never shown: the loser serves the winner's CRL.
const CRL_TAKEN: &str = "Another CRL was stored meanwhile.";

/// The CRL to serve: the latest stored one, or a new one signed and stored when there is none or it is older
/// than [`CRL_REFRESH_SECONDS`]. When two requests race, the loser serves the winner's CRL.
pub async fn current_crl(env: &Env, db: &D1Database, now: i64) -> Result<Vec<u8>, AppError> {
    if let Some(latest) = crls::latest(db).await?
        && now < latest.this_update + CRL_REFRESH_SECONDS
    {
        return Base64::decode_vec(&latest.der).map_err(|_| AppError::internal("a stored CRL is not base64"));
    }
    let authority = CertificateAuthority::from_env(env)?;
    let crl = next_crl(env, db, &authority, now, Vec::new()).await?;
    match commit(db, vec![crl.statement], CRL_TAKEN).await {
        Ok(()) => {
            // The cached CRL is the one just replaced (the scheduled handler's case; a fetch keeps this one next).
            AnswerCache::from_env(env)?.forget_crl().await;
            Ok(crl.der)
        }
        Err(error) if error.is_changed_meanwhile() => {
            let latest = crls::latest(db).await?.ok_or_else(|| AppError::internal("the CRL vanished"))?;
            Base64::decode_vec(&latest.der).map_err(|_| AppError::internal("a stored CRL is not base64"))
        }
        Err(error) => Err(error),
    }
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok()).collect()
}
