//! Revoking a certificate, by its holder (proof of possession of the private key, no account needed), by a member
//! of the account whose order it was issued for, or by a CA administrator (both signed in: session cookie or API
//! key), and its status.
//!
//! One batch marks the certificate revoked, spends the holder's challenge, stores the re-signed CRL and writes
//! the audit record; a concurrent revocation or CRL makes the batch fail whole (version trigger, CRL number
//! key), and the handler starts again from fresh reads.

use base64ct::{Base64, Encoding};
use der::{Decode, Encode};
use serde::Deserialize;
use shared::account::Role;
use shared::api::revocation::{CertificateStatus, RevocationChallenge, RevokeRequest};
use shared::encoding::base64url_decode;
use shared::link::Token;
use shared::revocation::{
    self, CHALLENGE_LIFETIME_SECONDS, ProofError, Requester, RevocationReason, RevokeError, Status, possession_message,
    verify_possession,
};
use worker::{D1Database, Env, Request, Response};

use crate::auth::{authenticate, carries_credential};
use crate::ca::CertificateAuthority;
use crate::call::Call;
use crate::certificates::{serial, unknown_certificate};
use crate::db::{integer, is_conflict, text};
use crate::error::AppError;
use crate::platform;
use crate::repository::{next_crl, revoked_entry};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 16 * 1024;
/// Attempts before giving up when concurrent writers keep winning.
const ATTEMPTS: usize = 4;

#[derive(Deserialize)]
struct CertificateRow {
    der: String,
    spki_sha256: String,
    not_after: i64,
    revoked_at: Option<i64>,
    revocation_reason: Option<String>,
    version: i64,
}

impl CertificateRow {
    fn status(&self) -> Result<Status, AppError> {
        match (self.revoked_at, &self.revocation_reason) {
            (Some(at), Some(reason)) => Ok(Status::Revoked {
                at,
                reason: RevocationReason::parse(reason)
                    .ok_or_else(|| AppError::internal("a stored revocation reason is unknown"))?,
            }),
            _ => Ok(Status::Valid),
        }
    }

    fn view(&self, serial: &str) -> Result<CertificateStatus, AppError> {
        let (revoked_at, revocation_reason) = match self.status()? {
            Status::Revoked { at, reason } => (Some(at), Some(reason)),
            Status::Valid => (None, None),
        };
        Ok(CertificateStatus { serial: serial.to_owned(), not_after: self.not_after, revoked_at, revocation_reason })
    }
}

async fn load(db: &D1Database, serial: &str) -> Result<CertificateRow, AppError> {
    db.prepare("SELECT der, spki_sha256, not_after, revoked_at, revocation_reason, version FROM certificates WHERE serial = ?1")
        .bind(&[text(serial)])?
        .first::<CertificateRow>(None)
        .await?
        .ok_or_else(unknown_certificate)
}

impl From<RevokeError> for AppError {
    fn from(error: RevokeError) -> Self {
        let (status, field) = match error {
            RevokeError::AlreadyRevoked { .. } => (409, "serial"),
            RevokeError::Expired { .. } => (409, "serial"),
            RevokeError::ReasonNotAllowed(_) => (422, "reason"),
        };
        AppError::field(status, error.code(), field, error.to_string())
    }
}

/// `GET /api/v1/certificates/{serial}/status`.
pub async fn status(call: Call) -> Result<Response, AppError> {
    let serial = serial(&call)?;
    let row = load(&call.db, &serial).await?;
    Ok(Response::from_json(&row.view(&serial)?)?)
}

/// `POST /api/v1/certificates/{serial}/revocation-challenge`: a fresh single-use challenge, stored hashed.
pub async fn challenge(call: Call) -> Result<Response, AppError> {
    let serial = serial(&call)?;
    let db = &call.db;
    let row = load(&db, &serial).await?;
    let now = call.now;
    // Refuse early what the revocation would refuse: no challenge for a revoked or expired certificate.
    revocation::revoke(row.status()?, row.not_after, RevocationReason::Unspecified, Requester::Holder, now)?;
    // A challenge costs a row: a certificate has at most a few open at a time.
    let open = db
        .prepare(
            "SELECT count(*) AS open FROM revocation_challenges \
             WHERE serial = ?1 AND used_at IS NULL AND expires_at >= ?2",
        )
        .bind(&[text(&serial), integer(now)])?
        .first::<OpenChallenges>(None)
        .await?
        .map_or(0, |row| row.open);
    if open >= MAX_OPEN_CHALLENGES {
        return Err(AppError::field(
            429,
            "too_many_challenges",
            "serial",
            format!(
                "{MAX_OPEN_CHALLENGES} revocation challenges for this certificate are still open; use one, \
                 or try again in {} minutes.",
                CHALLENGE_LIFETIME_SECONDS / 60
            ),
        ));
    }
    let token = Token::from_random(platform::random()?);
    let expires_at = now + CHALLENGE_LIFETIME_SECONDS;
    db.prepare(
        "INSERT INTO revocation_challenges (challenge_hash, serial, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&[text(&token.hash_hex()), text(&serial), integer(now), integer(expires_at)])?
    .run()
    .await?;
    let body = RevocationChallenge { challenge: token.as_str().to_owned(), expires_at };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// Open (unused, unexpired) challenges a certificate may have at once.
const MAX_OPEN_CHALLENGES: i64 = 5;

#[derive(Deserialize)]
struct OpenChallenges {
    open: i64,
}

/// Deletes challenges that expired more than a day ago (the scheduled handler's housekeeping); used ones stay
/// with their certificate's audit trail only as long.
pub async fn delete_stale_challenges(db: &D1Database, now: i64) -> Result<(), AppError> {
    db.prepare("DELETE FROM revocation_challenges WHERE expires_at < ?1").bind(&[integer(now - 86_400)])?.run().await?;
    Ok(())
}

#[derive(Deserialize)]
struct ChallengeRow {
    serial: String,
    expires_at: i64,
    used_at: Option<i64>,
    version: i64,
}

/// `POST /api/v1/certificates/{serial}/revocation` with `{"reason", "proof"?}`. With a proof the caller is the
/// holder, whatever session the browser also carries; without one the caller must be signed in.
pub async fn revoke(mut call: Call) -> Result<Response, AppError> {
    let body = call.request.bytes().await;
    let serial = serial(&call)?;
    let body = body?;
    if body.len() > MAX_BODY_BYTES {
        return Err(AppError::field(413, "body_too_large", "body", "The request is larger than 16 KiB."));
    }
    let revoke: RevokeRequest = serde_json::from_slice(&body).map_err(|error| {
        AppError::field(
            400,
            "body_invalid",
            "body",
            format!(
                "The body must be JSON {{\"reason\": \"key_compromise\", \"proof\": {{\"challenge\", \
                 \"signature\"}}}}; reasons: {}. ({error})",
                RevocationReason::ALL.map(RevocationReason::as_str).join(", ")
            ),
        )
    })?;
    let db = &call.db;
    let (requester, actor) = match revoke.proof {
        Some(_) => (Requester::Holder, "holder".to_owned()),
        None => signed_in(&call.request, &db, &serial).await?,
    };
    let authority = CertificateAuthority::from_env(call.env())?;
    for _ in 0..ATTEMPTS {
        match attempt(call.env(), &db, &authority, &serial, &revoke, (requester, &actor)).await? {
            Some(view) => return Ok(Response::from_json(&view)?),
            None => continue,
        }
    }
    Err(AppError::field(
        503,
        "busy",
        "serial",
        "Other changes kept getting in the way; nothing was changed. Please try again.",
    ))
}

/// A signed-in revoker and the actor the audit record names: a CA administrator, or a member of the account whose
/// order the certificate was issued for. A certificate of another account (or of no account) reads as unknown,
/// as every tenant resource does.
async fn signed_in(request: &Request, db: &D1Database, serial: &str) -> Result<(Requester, String), AppError> {
    if !carries_credential(request)? {
        return Err(AppError::field(
            401,
            "proof_missing",
            "proof",
            "Prove you hold the certificate's private key (sign a challenge from /revocation-challenge), or sign in \
             as a member of the account that ordered it or as a CA administrator.",
        ));
    }
    let principal = authenticate(request, db, platform::now()).await?;
    if principal.role == Role::CaAdmin {
        return Ok((Requester::Administrator, principal.actor()));
    }
    #[derive(Deserialize)]
    struct Owner {
        account_id: Option<String>,
    }
    let owner = db
        .prepare(
            "SELECT o.account_id FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
             JOIN orders o ON o.id = r.order_id WHERE c.serial = ?1",
        )
        .bind(&[text(serial)])?
        .first::<Owner>(None)
        .await?
        .and_then(|owner| owner.account_id);
    if owner.as_deref() != Some(principal.account_id()?) {
        return Err(unknown_certificate());
    }
    Ok((Requester::Account, principal.actor()))
}

/// One read-decide-write round. `None` when a concurrent writer won and the round must be repeated.
async fn attempt(
    env: &Env,
    db: &D1Database,
    authority: &CertificateAuthority,
    serial: &str,
    revoke: &RevokeRequest,
    (requester, actor): (Requester, &str),
) -> Result<Option<CertificateStatus>, AppError> {
    let row = load(db, serial).await?;
    let now = platform::now();
    let next = revocation::revoke(row.status()?, row.not_after, revoke.reason, requester, now)?;
    let mut batch = Vec::new();
    if let (Requester::Holder, Some(proof)) = (requester, &revoke.proof) {
        let invalid =
            |code: &'static str, message: &str| AppError::field(422, code, "proof.challenge", message.to_owned());
        let token = Token::parse(&proof.challenge)
            .map_err(|_| invalid("challenge_invalid", "The challenge is not one this service issued."))?;
        let challenge = db
            .prepare("SELECT serial, expires_at, used_at, version FROM revocation_challenges WHERE challenge_hash = ?1")
            .bind(&[text(&token.hash_hex())])?
            .first::<ChallengeRow>(None)
            .await?
            .filter(|challenge| challenge.serial == serial)
            .ok_or_else(|| invalid("challenge_invalid", "The challenge is not one issued for this certificate."))?;
        if challenge.used_at.is_some() {
            return Err(invalid("challenge_used", "The challenge was used already: ask for a new one."));
        }
        if now > challenge.expires_at {
            return Err(invalid("challenge_expired", "The challenge expired: ask for a new one."));
        }
        let signature = base64url_decode(&proof.signature).ok_or_else(|| {
            AppError::field(422, "proof_invalid", "proof.signature", "The signature is not base64url.")
        })?;
        let message = possession_message(serial, revoke.reason, &proof.challenge);
        verify_possession(&subject_public_key_info(&row.der)?, &message, &signature).map_err(|error| {
            let status = if matches!(error, ProofError::BadSignature) { 422 } else { 500 };
            AppError::field(status, error.code(), "proof.signature", error.to_string())
        })?;
        batch.push(
            db.prepare("UPDATE revocation_challenges SET used_at = ?1, version = ?2 WHERE challenge_hash = ?3")
                .bind(&[integer(now), integer(challenge.version + 1), text(&token.hash_hex())])?,
        );
    }
    let Status::Revoked { at, reason } = next else {
        return Err(AppError::internal("revoke returned a valid status"));
    };
    batch.push(
        db.prepare("UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2, version = ?3 WHERE serial = ?4")
            .bind(&[integer(at), text(reason.as_str()), integer(row.version + 1), text(serial)])?,
    );
    let mut revoked = vec![revoked_entry(serial, at, reason.as_str())?];
    // A compromised key is compromised in every certificate that holds it (S/MIME BR 4.9.1.1): the holder's other
    // unexpired certificates with the same public key are revoked in the same batch, and the key is marked so the
    // database refuses to certify it again. A sibling revoked meanwhile bumps its version and the round repeats.
    let mut siblings = Vec::new();
    if reason == RevocationReason::KeyCompromise {
        #[derive(Deserialize)]
        struct Sibling {
            serial: String,
            version: i64,
        }
        siblings = db
            .prepare(
                "SELECT serial, version FROM certificates WHERE spki_sha256 = ?1 AND serial != ?2 \
                 AND revoked_at IS NULL AND not_after >= ?3 ORDER BY serial",
            )
            .bind(&[text(&row.spki_sha256), text(serial), integer(now)])?
            .all()
            .await?
            .results::<Sibling>()?;
        for sibling in &siblings {
            batch.push(
                db.prepare(
                    "UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2, version = ?3 WHERE serial = ?4",
                )
                .bind(&[
                    integer(at),
                    text(reason.as_str()),
                    integer(sibling.version + 1),
                    text(&sibling.serial),
                ])?,
            );
            revoked.push(revoked_entry(&sibling.serial, at, reason.as_str())?);
            let detail = serde_json::json!({ "reason": reason.as_str(), "same_key_as": serial }).to_string();
            batch.push(
                db.prepare(
                    "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) \
                     VALUES (?1, ?2, 'certificate.revoked', 'certificate', ?3, ?4)",
                )
                .bind(&[integer(now), text(actor), text(&sibling.serial), text(&detail)])?,
            );
        }
        batch.push(
            db.prepare("UPDATE key_holders SET compromised_at = ?2 WHERE spki_sha256 = ?1")
                .bind(&[text(&row.spki_sha256), integer(at)])?,
        );
        // A key certified before key_holders existed and missed by its backfill still gets its row.
        batch.push(
            db.prepare(
                "INSERT INTO key_holders (spki_sha256, holder, first_certified_at, compromised_at) \
                 SELECT ?1, '', ?2, ?2 WHERE NOT EXISTS (SELECT 1 FROM key_holders WHERE spki_sha256 = ?1)",
            )
            .bind(&[text(&row.spki_sha256), integer(at)])?,
        );
    }
    let crl = next_crl(env, db, authority, now, revoked).await?;
    batch.push(crl.statement);
    let mut detail = serde_json::json!({ "reason": reason.as_str() });
    if !siblings.is_empty() {
        let also: Vec<&str> = siblings.iter().map(|sibling| sibling.serial.as_str()).collect();
        detail["same_key_revoked"] = serde_json::Value::from(also);
    }
    let detail = detail.to_string();
    batch.push(
        db.prepare(
            "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) \
             VALUES (?1, ?2, 'certificate.revoked', 'certificate', ?3, ?4)",
        )
        .bind(&[integer(now), text(actor), text(serial), text(&detail)])?,
    );
    match db.batch(batch).await {
        Ok(_) => Ok(Some(CertificateStatus {
            serial: serial.to_owned(),
            not_after: row.not_after,
            revoked_at: Some(at),
            revocation_reason: Some(reason),
        })),
        Err(error) if is_conflict(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The stored certificate's SubjectPublicKeyInfo, DER.
fn subject_public_key_info(der_base64: &str) -> Result<Vec<u8>, AppError> {
    let der = Base64::decode_vec(der_base64).map_err(|_| AppError::internal("stored DER is not base64"))?;
    let certificate =
        x509_cert::Certificate::from_der(&der).map_err(|error| AppError::internal(&format!("stored DER: {error}")))?;
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|error| AppError::internal(&format!("re-encoding an SPKI: {error}")))
}
