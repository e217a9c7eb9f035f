//! Test enrollment (issue 13.4): the machine proves it holds a certificate's private key and that the certificate is
//! valid now, and the certificate becomes installed.
//!
//! Who may call: anyone, as for the holder's revocation. Possession is the credential: the challenge is signed with
//! the certificate's private key, or Cloudflare verified the TLS handshake made with it. No session or API key is
//! read, so a machine with no account (a server enrolled by an API key elsewhere, a workstation) can test.
//!
//! The challenge is stateless (`shared::revocation::challenge`, under the installation label): issuing one writes
//! nothing. `record` checks, in this order, the challenge (ours, for this serial, not expired, not spent), the
//! certificate (`shared::installation::check_installable`: issued by the issuing CA, valid now, not revoked) and
//! the signature (`shared::revocation::verify_possession` over `installation_message`), then one batch spends the
//! challenge (first: a concurrent use of it fails the whole batch, answered `challenge_used`), inserts the
//! installation and writes the audit record.
//!
//! `mtls` reads `request.cf.tlsClientAuth`: Cloudflare fills it on a host where client certificates are requested
//! (SSL/TLS → Client Certificates, with Keyward's issuing and root CA uploaded as the zone's mTLS CA, and a WAF rule
//! blocking `/api/v1/installations/mtls` when `not cf.tls_client_auth.cert_verified`). The certificate is looked up
//! by the serial Cloudflare reports and must have the reported SHA-256 fingerprint.

use base64ct::{Base64, Encoding};
use shared::api::installation::{Installation, InstallationChallenge, InstallationProof, InstalledBy};
use shared::encoding::base64url_decode;
use shared::installation::{
    ClientAuth, INSTALLATION_CHALLENGE_KEY_LABEL, InstallationError, MtlsError, check_installable,
    installation_message, stored_user_agent,
};
use shared::revocation::{Challenge, ChallengeError, ChallengeKey, ProofError, verify_possession};
use wasm_bindgen::{JsCast, JsValue};
use worker::Response;

use crate::ca::CertificateAuthority;
use crate::call::Call;
use crate::db::raised;
use crate::error::AppError;
use crate::platform;
use crate::revocation::{challenge_secret, subject_public_key_info};
use crate::store::certificates::{self, CertificateRow};
use crate::store::{audit_log, device_requests, installations};

impl From<InstallationError> for AppError {
    fn from(error: InstallationError) -> Self {
        let status = match error {
            InstallationError::Unreadable(_) => 500,
            _ => 422,
        };
        AppError::field(status, error.code(), "serial", error.to_string())
    }
}

impl From<MtlsError> for AppError {
    fn from(error: MtlsError) -> Self {
        let status = match error {
            MtlsError::SerialMalformed => 404,
            MtlsError::FingerprintMismatch => 422,
            _ => 401,
        };
        AppError::field(status, error.code(), "client_certificate", error.to_string())
    }
}

/// A refused challenge, named at the body's `challenge` field (422).
fn challenge_refused(error: ChallengeError) -> AppError {
    AppError::field(422, error.code(), "challenge", error.to_string())
}

/// The certificate with this serial, or `404 certificate_unknown`.
async fn load(call: &Call, serial: &str) -> Result<CertificateRow, AppError> {
    certificates::find(&call.db, serial).await?.ok_or_else(AppError::unknown_certificate)
}

/// The key installation challenges are authenticated with (the issuing CA's key, under the installation label).
fn challenge_key(call: &Call) -> Result<ChallengeKey, AppError> {
    Ok(ChallengeKey::derive_labelled(&challenge_secret(call.env())?, INSTALLATION_CHALLENGE_KEY_LABEL))
}

/// The certificate's side, at the request's instant.
fn check_certificate(row: &CertificateRow, authority: &CertificateAuthority, now: i64) -> Result<Vec<u8>, AppError> {
    let der = Base64::decode_vec(&row.der).map_err(|_| AppError::internal("stored DER is not base64"))?;
    check_installable(&der, &authority.issuing_der, row.status(), now)?;
    Ok(der)
}

/// `POST /api/v1/certificates/{serial}/installation-challenge`: a fresh single-use challenge (nothing written). A
/// revoked, expired or foreign certificate is refused here already.
pub async fn challenge(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let row = load(&call, &serial).await?;
    check_certificate(&row, &*CertificateAuthority::from_env(call.env())?, call.now)?;
    let challenge = Challenge::issue(&challenge_key(&call)?, &serial, call.now, platform::random()?);
    let body = InstallationChallenge { challenge: challenge.as_str().to_owned(), expires_at: challenge.expires_at() };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// The request's user agent, as stored.
fn user_agent(call: &Call) -> Result<String, AppError> {
    Ok(stored_user_agent(&call.request.headers().get("User-Agent")?.unwrap_or_default()))
}

/// `POST /api/v1/certificates/{serial}/installation` with an [`InstallationProof`].
pub async fn record(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let proof: InstallationProof = serde_json::from_slice(call.body()).map_err(|error| {
        AppError::field(
            400,
            "body_invalid",
            "body",
            format!(
                "The body must be JSON {{\"challenge\", \"signature\", \"by\": \"browser\" or \"native_client\"}}. \
                 ({error})"
            ),
        )
    })?;
    if proof.by == InstalledBy::Mtls {
        return Err(AppError::field(
            422,
            "by_invalid",
            "by",
            "A signed challenge is by `browser` or `native_client`; mTLS reports go to /api/v1/installations/mtls.",
        ));
    }
    let now = call.now;
    let challenge =
        Challenge::verify(&challenge_key(&call)?, &proof.challenge, &serial, now).map_err(challenge_refused)?;
    if installations::is_spent(&call.db, &challenge.hash_hex()).await? {
        return Err(challenge_refused(ChallengeError::Used));
    }
    let row = load(&call, &serial).await?;
    let authority = CertificateAuthority::from_env(call.env())?;
    check_certificate(&row, &authority, now)?;
    let signature = base64url_decode(&proof.signature)
        .ok_or_else(|| AppError::field(422, "proof_invalid", "signature", "The signature is not base64url."))?;
    verify_possession(
        &subject_public_key_info(&row.der)?,
        &installation_message(&serial, challenge.as_str()),
        &signature,
    )
    .map_err(|error| match error {
        ProofError::BadSignature => AppError::field(422, error.code(), "signature", error.to_string()),
        ProofError::Key(_) => AppError::from(error),
    })?;
    let user_agent = user_agent(&call)?;
    let hash = challenge.hash_hex();
    let batch = vec![
        installations::spend(&call.db, &hash, &serial, challenge.expires_at(), now)?,
        installations::insert(&call.db, &serial, now, proof.by, &user_agent, Some(&hash))?,
        // A device request whose certificate this is becomes Installed (issue 13), in the same batch.
        device_requests::mark_installed(&call.db, &serial, now)?,
        audit_log::record(
            &call.db,
            now,
            "holder",
            "certificate.installed",
            ("certificate", &serial),
            &serde_json::json!({ "by": proof.by.as_str(), "user_agent": user_agent }),
        )?,
    ];
    if let Err(error) = call.db.batch(batch).await {
        return Err(if raised(&error, installations::SPENT_TWICE) {
            challenge_refused(ChallengeError::Used)
        } else {
            error.into()
        });
    }
    let body = Installation { serial, installed_at: now, by: proof.by, user_agent, not_after: row.not_after };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// Cloudflare's report on the request's client certificate (`request.cf.tlsClientAuth`), read field by field from
/// the raw object (a missing field reads as empty, never a panic); `None` when the request carries none (no mTLS
/// rule on the host, or not through Cloudflare: `wrangler dev` sends none).
fn client_auth(call: &Call) -> Option<ClientAuth> {
    let request: &JsValue = call.request.inner().unchecked_ref();
    let cf = worker::js_sys::Reflect::get(request, &JsValue::from_str("cf")).ok().filter(JsValue::is_object)?;
    let report =
        worker::js_sys::Reflect::get(&cf, &JsValue::from_str("tlsClientAuth")).ok().filter(JsValue::is_object)?;
    let field = |name: &str| {
        worker::js_sys::Reflect::get(&report, &JsValue::from_str(name))
            .ok()
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    };
    Some(ClientAuth {
        presented: field("certPresented"),
        verified: field("certVerified"),
        serial: field("certSerial"),
        fingerprint_sha256: field("certFingerprintSHA256"),
    })
}

/// `POST /api/v1/installations/mtls`: the client certificate Cloudflare verified becomes installed.
pub async fn mtls(call: Call) -> Result<Response, AppError> {
    let report = client_auth(&call).ok_or(MtlsError::NoReport)?;
    let serial = report.verified_serial()?;
    let row = load(&call, &serial).await?;
    let authority = CertificateAuthority::from_env(call.env())?;
    let der = check_certificate(&row, &authority, call.now)?;
    report.presented(&der)?;
    let (now, user_agent) = (call.now, user_agent(&call)?);
    let batch = vec![
        installations::insert(&call.db, &serial, now, InstalledBy::Mtls, &user_agent, None)?,
        device_requests::mark_installed(&call.db, &serial, now)?,
        audit_log::record(
            &call.db,
            now,
            "holder",
            "certificate.installed",
            ("certificate", &serial),
            &serde_json::json!({ "by": "mtls", "user_agent": user_agent }),
        )?,
    ];
    call.db.batch(batch).await?;
    let body = Installation { serial, installed_at: now, by: InstalledBy::Mtls, user_agent, not_after: row.not_after };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// Deletes spent installation challenges a day past their expiry (the scheduled handler's housekeeping).
pub async fn delete_stale_challenges(db: &worker::D1Database, now: i64) -> Result<(), AppError> {
    installations::delete_expired(db, now - 86_400)?.run().await?;
    Ok(())
}
