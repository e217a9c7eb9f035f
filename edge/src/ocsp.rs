//! The issuing CA's OCSP responder (RFC 6960): `POST /ocsp` with an `application/ocsp-request` body, and
//! `GET /ocsp/{base64 of the request}` (RFC 6960 A.1, which S/MIME BR 4.9.10 requires). Responses are signed
//! by the issuing CA itself and reflect D1 when signed.
//!
//! A question about one certificate of this CA (what clients ask) is answered from the answer cache (`cache.rs`)
//! when it holds one: the POST and GET forms of a question share the entry, and a flood of the same question
//! neither reads D1 nor signs. Such answers leave the request's nonce out (RFC 5019 2.1, RFC 8954 3: a responder
//! that serves pre-produced answers may): a nonce would make every answer unique and every request a signature.
//! OpenSSL's client warns ("no nonce in response") and accepts the answer. A revocation forgets the cached
//! answers about its certificates right after its batch commits. Other requests (several certificates, another
//! issuer, a `CertID` in a form a revocation would not forget) are answered from D1 each time, with the nonce.

use shared::ocsp::{self, CertStatus, OcspRequest, Responder, ResponseStatus};
use shared::revocation::Status;
use worker::{Context, D1Database, Request, Response, RouteContext};

use crate::ca::{CertificateAuthority, OCSP_SIGNATURE_ALGORITHM};
use crate::cache::{self, AnswerCache, Outcome};
use crate::error::AppError;
use crate::platform;
use crate::store::certificates;

/// How long caches may keep a response to a request without a nonce. An hour: a revocation reaches OCSP
/// clients within the hour (the BR allow 24 hours).
const CACHE_SECONDS: i64 = 3_600;

/// The largest OCSP request read: a request for one certificate with a nonce is about 100 bytes, and a signed
/// request with its signer's chain a few KiB.
const MAX_REQUEST_BYTES: u32 = 8 * 1024;

/// The media type of an answer.
const CONTENT_TYPE: &str = "application/ocsp-response";

/// `POST /ocsp`. A body over [`MAX_REQUEST_BYTES`] is refused unread (413, `malformedRequest`).
pub async fn post(mut request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    match crate::call::read_capped(&mut request, MAX_REQUEST_BYTES).await {
        Ok(body) => answer(&body, &context).await,
        Err(_) => Ok(respond_der(ocsp::error_response(ResponseStatus::MalformedRequest), None, Outcome::Bypass)?
            .with_status(413)),
    }
}

/// `GET /ocsp/{request}`: the DER request, base64, URL-encoded (clients differ on escaping `+`, `/` and `=`).
pub async fn get(request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    let url = request.url()?;
    let encoded = url.path().strip_prefix("/ocsp/").unwrap_or_default();
    match percent_decode(encoded).and_then(|text| shared::encoding::base64_decode_lenient(&text)) {
        Some(der) => answer(&der, &context).await,
        None => respond_der(ocsp::error_response(ResponseStatus::MalformedRequest), None, Outcome::Bypass),
    }
}

async fn answer(der: &[u8], context: &RouteContext<Context>) -> worker::Result<Response> {
    let request = match ocsp::parse_request(der) {
        Ok(request) => request,
        Err(status) => return respond_der(ocsp::error_response(status), None, Outcome::Bypass),
    };
    let answer_cache = match AnswerCache::from_env(&context.env) {
        Ok(answer_cache) => answer_cache,
        Err(_logged) => return respond_der(ocsp::error_response(ResponseStatus::InternalError), None, Outcome::Bypass),
    };
    // One question: its cached answer if there is one. Only answers to questions a revocation forgets were kept,
    // so a hit needs no further check.
    let key = match request.certificates.as_slice() {
        [certificate] => Some(answer_cache.ocsp_key(certificate.der())),
        _ => None,
    };
    if let Some(key) = &key
        && let Some(body) = answer_cache.get(key).await
    {
        return respond_der(body, Some(CACHE_SECONDS), Outcome::Hit);
    }
    match sign(&request, context).await {
        Ok(Signed::Kept(response)) => {
            if let Some(key) = &key {
                answer_cache.put(key, &response, CONTENT_TYPE, cache::OCSP_ENTRY_SECONDS).await;
            }
            respond_der(response, Some(CACHE_SECONDS), Outcome::Miss)
        }
        Ok(Signed::Fresh(response)) => {
            let max_age = (!request.has_nonce()).then_some(CACHE_SECONDS);
            respond_der(response, max_age, Outcome::Bypass)
        }
        Ok(Signed::Refused(status)) => respond_der(ocsp::error_response(status), None, Outcome::Bypass),
        Err(_logged) => respond_der(ocsp::error_response(ResponseStatus::InternalError), None, Outcome::Bypass),
    }
}

/// A signed answer, or why there is none.
enum Signed {
    /// The answer to one question a revocation forgets, without the nonce: to keep.
    Kept(Vec<u8>),
    /// The answer to any other request, with its nonce: not kept.
    Fresh(Vec<u8>),
    /// An error status (a certificate of another CA).
    Refused(ResponseStatus),
}

async fn sign(request: &OcspRequest, context: &RouteContext<Context>) -> Result<Signed, AppError> {
    let authority = CertificateAuthority::from_env(&context.env)?;
    let responder = Responder::from_certificate(&authority.issuing_der).map_err(|error| AppError::internal(&error))?;
    if !request.certificates.iter().all(|certificate| responder.issued(certificate)) {
        return Ok(Signed::Refused(ResponseStatus::Unauthorized));
    }
    let kept = match request.certificates.as_slice() {
        [certificate] => responder
            .cert_ids(&certificate.serial_hex())
            .is_some_and(|forms| forms.iter().any(|form| form == certificate.der())),
        _ => false,
    };
    let request = if kept { request.without_nonce() } else { request.clone() };
    let db = context.env.d1("DB")?;
    let mut statuses = Vec::with_capacity(request.certificates.len());
    for certificate in &request.certificates {
        statuses.push(status(&db, &certificate.serial_hex()).await?);
    }
    let now = platform::now();
    let data = ocsp::response_data(&responder, &request, &statuses, now).map_err(|error| AppError::internal(&error))?;
    let signature = authority.sign(&data)?;
    let response = ocsp::successful_response(&data, OCSP_SIGNATURE_ALGORITHM, &signature);
    Ok(if kept { Signed::Kept(response) } else { Signed::Fresh(response) })
}

async fn status(db: &D1Database, serial: &str) -> Result<CertStatus, AppError> {
    Ok(match certificates::find(db, serial).await?.map(|row| row.status()) {
        None => CertStatus::Unknown,
        Some(Status::Revoked { at, reason }) => CertStatus::Revoked { at, reason },
        Some(Status::Valid) => CertStatus::Good,
    })
}

fn respond_der(body: Vec<u8>, cache_seconds: Option<i64>, outcome: Outcome) -> worker::Result<Response> {
    let mut response = Response::from_bytes(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", CONTENT_TYPE)?;
    match cache_seconds {
        Some(seconds) => headers.set("Cache-Control", &format!("public, max-age={seconds}"))?,
        None => headers.set("Cache-Control", "no-store")?,
    }
    headers.set(cache::HEADER, outcome.as_str())?;
    Ok(response)
}

/// `%XX` escapes decoded; anything else kept.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let pair = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(pair, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}
