//! The issuing CA's OCSP responder (RFC 6960): `POST /ocsp` with an `application/ocsp-request` body, and
//! `GET /ocsp/{base64 of the request}` (RFC 6960 A.1, which S/MIME BR 4.9.10 requires). Responses are signed
//! on request by the issuing CA itself and reflect D1 at that instant.

use shared::ocsp::{self, CertStatus, OcspRequest, Responder, ResponseStatus};
use shared::revocation::Status;
use worker::{Context, D1Database, Request, Response, RouteContext};

use crate::ca::{CertificateAuthority, OCSP_SIGNATURE_ALGORITHM};
use crate::error::AppError;
use crate::platform;
use crate::store::certificates;

/// How long caches may keep a response to a request without a nonce. An hour: a revocation reaches OCSP
/// clients within the hour (the BR allow 24 hours).
const CACHE_SECONDS: i64 = 3_600;

/// The largest OCSP request read: a request for one certificate with a nonce is about 100 bytes, and a signed
/// request with its signer's chain a few KiB.
const MAX_REQUEST_BYTES: u32 = 8 * 1024;

/// `POST /ocsp`. A body over [`MAX_REQUEST_BYTES`] is refused unread (413, `malformedRequest`).
pub async fn post(mut request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    match crate::call::read_capped(&mut request, MAX_REQUEST_BYTES).await {
        Ok(body) => answer(&body, &context).await,
        Err(_) => Ok(respond_der(ocsp::error_response(ResponseStatus::MalformedRequest), None)?.with_status(413)),
    }
}

/// `GET /ocsp/{request}`: the DER request, base64, URL-encoded (clients differ on escaping `+`, `/` and `=`).
pub async fn get(request: Request, context: RouteContext<Context>) -> worker::Result<Response> {
    let url = request.url()?;
    let encoded = url.path().strip_prefix("/ocsp/").unwrap_or_default();
    match percent_decode(encoded).and_then(|text| shared::encoding::base64_decode_lenient(&text)) {
        Some(der) => answer(&der, &context).await,
        None => respond_der(ocsp::error_response(ResponseStatus::MalformedRequest), None),
    }
}

async fn answer(der: &[u8], context: &RouteContext<Context>) -> worker::Result<Response> {
    let request = match ocsp::parse_request(der) {
        Ok(request) => request,
        Err(status) => return respond_der(ocsp::error_response(status), None),
    };
    match sign(&request, context).await {
        Ok(Ok(response)) => {
            let cache = (!request.has_nonce()).then_some(CACHE_SECONDS);
            respond_der(response, cache)
        }
        Ok(Err(status)) => respond_der(ocsp::error_response(status), None),
        Err(_logged) => respond_der(ocsp::error_response(ResponseStatus::InternalError), None),
    }
}

async fn sign(
    request: &OcspRequest,
    context: &RouteContext<Context>,
) -> Result<Result<Vec<u8>, ResponseStatus>, AppError> {
    let authority = CertificateAuthority::from_env(&context.env)?;
    let responder = Responder::from_certificate(&authority.issuing_der).map_err(|error| AppError::internal(&error))?;
    if !request.certificates.iter().all(|certificate| responder.issued(certificate)) {
        return Ok(Err(ResponseStatus::Unauthorized));
    }
    let db = context.env.d1("DB")?;
    let mut statuses = Vec::with_capacity(request.certificates.len());
    for certificate in &request.certificates {
        statuses.push(status(&db, &certificate.serial_hex()).await?);
    }
    let now = platform::now();
    let data = ocsp::response_data(&responder, request, &statuses, now).map_err(|error| AppError::internal(&error))?;
    let signature = authority.sign(&data)?;
    Ok(Ok(ocsp::successful_response(&data, OCSP_SIGNATURE_ALGORITHM, &signature)))
}

async fn status(db: &D1Database, serial: &str) -> Result<CertStatus, AppError> {
    Ok(match certificates::find(db, serial).await?.map(|row| row.status()) {
        None => CertStatus::Unknown,
        Some(Status::Revoked { at, reason }) => CertStatus::Revoked { at, reason },
        Some(Status::Valid) => CertStatus::Good,
    })
}

fn respond_der(body: Vec<u8>, cache_seconds: Option<i64>) -> worker::Result<Response> {
    let mut response = Response::from_bytes(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/ocsp-response")?;
    match cache_seconds {
        Some(seconds) => headers.set("Cache-Control", &format!("public, max-age={seconds}"))?,
        None => headers.set("Cache-Control", "no-store")?,
    }
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
