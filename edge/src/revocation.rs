//! Revoking a certificate, by its holder (proof of possession of the private key, no account needed), by a member
//! of the account whose order it was issued for, or by a CA administrator (both signed in: session cookie or API
//! key), and its status.
//!
//! The holder's challenge is stateless (`shared::revocation::challenge`): issuing one writes nothing, so no number
//! of strangers' requests can keep the holder from getting one. It is authenticated with a key derived from the
//! issuing CA's private key ([`challenge_key`]), so a deployment configures nothing new.
//!
//! One batch marks the certificate revoked, spends the holder's challenge (its hash inserted: a second use fails the
//! batch, answered `challenge_used`), stores the re-signed CRL and writes the audit record; a concurrent revocation
//! or CRL makes the batch fail whole (version trigger, CRL number key), and the handler starts again from fresh
//! reads (`db::retrying`). Once it commits, the answer cache (`cache.rs`) forgets the OCSP answers about every
//! certificate it revoked and the CRL, so the next OCSP answer and CRL fetched from this data centre state it.

use base64ct::{Base64, Encoding};
use der::{Decode, Encode};
use shared::account::Role;
use shared::api::revocation::{CertificateStatus, RevocationChallenge, RevokeRequest};
use shared::encoding::base64url_decode;
use shared::ocsp::Responder;
use shared::revocation::{
    self, Challenge, ChallengeError, ChallengeKey, Requester, RevocationReason, Status, possession_message,
    verify_possession,
};
use worker::{D1Database, Env, Response};

use crate::auth::carries_credential;
use crate::ca::CertificateAuthority;
use crate::cache::AnswerCache;
use crate::call::Call;
use crate::db::{batch_error, raised, retrying};
use crate::error::AppError;
use crate::platform;
use crate::repository::{next_crl, revoked_entry};
use crate::store::audit_log;
use crate::store::certificates::{self, CertificateRow};
use crate::store::{key_holders, revocation_challenges};

/// What a revocation batch refused by a concurrent writer answers; never shown: the round starts again, and when
/// every round lost, the answer is `503 busy`.
const CHANGED_MEANWHILE: &str = "The certificate or the CRL changed meanwhile.";

/// The certificate with this serial, or `404 certificate_unknown`.
async fn load(db: &D1Database, serial: &str) -> Result<CertificateRow, AppError> {
    certificates::find(db, serial).await?.ok_or_else(AppError::unknown_certificate)
}

/// The certificate's status as the API states it.
fn view(row: &CertificateRow) -> CertificateStatus {
    let (revoked_at, revocation_reason) = match row.status() {
        Status::Revoked { at, reason } => (Some(at), Some(reason)),
        Status::Valid => (None, None),
    };
    CertificateStatus { serial: row.serial.clone(), not_after: row.not_after, revoked_at, revocation_reason }
}

/// `GET /api/v1/certificates/{serial}/status`.
pub async fn status(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let row = load(&call.db, &serial).await?;
    Ok(Response::from_json(&view(&row))?)
}

/// `POST /api/v1/certificates/{serial}/revocation-challenge`: a fresh single-use challenge. Nothing is written:
/// the challenge carries its serial and expiry under the Worker's MAC, and only its use is recorded.
pub async fn challenge(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let row = load(&call.db, &serial).await?;
    let now = call.now;
    // Refuse early what the revocation would refuse: no challenge for a revoked or expired certificate.
    revocation::revoke(row.status(), row.not_after, RevocationReason::Unspecified, Requester::Holder, now)?;
    let challenge = Challenge::issue(&challenge_key(call.env())?, &serial, now, platform::random()?);
    let body = RevocationChallenge { challenge: challenge.as_str().to_owned(), expires_at: challenge.expires_at() };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// The key challenges are authenticated with: derived from the issuing CA's private key (`CA_ISSUING_KEY`, base64
/// PKCS#8), with `shared::revocation::challenge::CHALLENGE_KEY_LABEL`. A new CA key makes every open challenge
/// (ten minutes at most) refused, and nothing else.
fn challenge_key(env: &Env) -> Result<ChallengeKey, AppError> {
    Ok(ChallengeKey::derive(&challenge_secret(env)?))
}

/// The secret challenge keys are derived from: the issuing CA's private key, PKCS#8 DER (test enrollment's
/// challenges use it with their own label, `installations.rs`).
pub fn challenge_secret(env: &Env) -> Result<Vec<u8>, AppError> {
    let secret = env
        .secret("CA_ISSUING_KEY")
        .map_err(|_| AppError::internal("the secret CA_ISSUING_KEY is not set (run `cargo xtask dev`)"))?
        .to_string();
    Base64::decode_vec(secret.trim()).map_err(|_| AppError::internal("CA_ISSUING_KEY is not base64"))
}

/// Deletes used challenges that expired more than a day ago (the scheduled handler's housekeeping): an expired
/// challenge is refused by its own expiry, so its row guards nothing any more.
pub async fn delete_stale_challenges(db: &D1Database, now: i64) -> Result<(), AppError> {
    revocation_challenges::delete_expired(db, now - 86_400)?.run().await?;
    Ok(())
}

/// `POST /api/v1/certificates/{serial}/revocation` with `{"reason", "proof"?}`. With a proof the caller is the
/// holder, whatever session the browser also carries; without one the caller must be signed in.
pub async fn revoke(call: Call) -> Result<Response, AppError> {
    let serial = call.serial()?;
    let revoke: RevokeRequest = serde_json::from_slice(call.body()).map_err(|error| {
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
    let (requester, actor) = match revoke.proof {
        Some(_) => (Requester::Holder, "holder".to_owned()),
        None => signed_in(&call, &serial).await?,
    };
    let authority = CertificateAuthority::from_env(call.env())?;
    let (env, db) = (call.env(), &call.db);
    match retrying(|| attempt(env, db, &authority, &serial, &revoke, (requester, &actor))).await {
        Ok(view) => Ok(Response::from_json(&view)?),
        Err(error) if error.is_changed_meanwhile() => Err(AppError::field(
            503,
            "busy",
            "serial",
            "Other changes kept getting in the way; nothing was changed. Please try again.",
        )),
        Err(error) => Err(error),
    }
}

/// A signed-in revoker and the actor the audit record names: a CA administrator, or a member of the account whose
/// order the certificate was issued for. A certificate of another account (or of no account) reads as unknown,
/// as every tenant resource does.
async fn signed_in(call: &Call, serial: &str) -> Result<(Requester, String), AppError> {
    if !carries_credential(&call.request)? {
        return Err(AppError::field(
            401,
            "proof_missing",
            "proof",
            "Prove you hold the certificate's private key (sign a challenge from /revocation-challenge), or sign in \
             as a member of the account that ordered it or as a CA administrator.",
        ));
    }
    let principal = call.caller().await?;
    if principal.role == Role::CaAdmin {
        return Ok((Requester::Administrator, principal.actor()));
    }
    let owner = certificates::ordering_account(&call.db, serial).await?;
    if owner.as_deref() != Some(principal.account_id()?) {
        return Err(AppError::unknown_certificate());
    }
    Ok((Requester::Account, principal.actor()))
}

/// One read-decide-write round; a concurrent writer's win is `409 changed_meanwhile` (from `db::batch_error`), on
/// which `db::retrying` runs the round again, except a concurrent use of the same challenge: `challenge_used`.
async fn attempt(
    env: &Env,
    db: &D1Database,
    authority: &CertificateAuthority,
    serial: &str,
    revoke: &RevokeRequest,
    (requester, actor): (Requester, &str),
) -> Result<CertificateStatus, AppError> {
    let row = load(db, serial).await?;
    let now = platform::now();
    let mut batch = Vec::new();
    // The holder's challenge is checked first: a used one is told so, even for a certificate it revoked.
    let proof = match (requester, &revoke.proof) {
        (Requester::Holder, Some(proof)) => {
            let challenge = Challenge::verify(&challenge_key(env)?, &proof.challenge, serial, now)?;
            if revocation_challenges::is_spent(db, &challenge.hash_hex()).await? {
                return Err(ChallengeError::Used.into());
            }
            // First in the batch: when a concurrent use of the same challenge won, this is the refusal it reports.
            batch.push(revocation_challenges::spend(db, &challenge.hash_hex(), serial, challenge.expires_at(), now)?);
            Some(proof)
        }
        _ => None,
    };
    let next = revocation::revoke(row.status(), row.not_after, revoke.reason, requester, now)?;
    if let Some(proof) = proof {
        let signature = base64url_decode(&proof.signature).ok_or_else(|| {
            AppError::field(422, "proof_invalid", "proof.signature", "The signature is not base64url.")
        })?;
        let message = possession_message(serial, revoke.reason, &proof.challenge);
        verify_possession(&subject_public_key_info(&row.der)?, &message, &signature)?;
    }
    let Status::Revoked { at, reason } = next else {
        return Err(AppError::internal("revoke returned a valid status"));
    };
    batch.push(certificates::revoke(db, serial, at, reason, row.version)?);
    let mut revoked = vec![revoked_entry(serial, at, reason)?];
    // A compromised key is compromised in every certificate that holds it (S/MIME BR 4.9.1.1): the holder's other
    // unexpired certificates with the same public key are revoked in the same batch, and the key is marked so the
    // database refuses to certify it again. A sibling revoked meanwhile bumps its version and the round repeats.
    let mut siblings = Vec::new();
    if reason == RevocationReason::KeyCompromise {
        siblings = certificates::others_with_key(db, &row.spki_sha256, serial, now).await?;
        for sibling in &siblings {
            batch.push(certificates::revoke(db, &sibling.serial, at, reason, sibling.version)?);
            revoked.push(revoked_entry(&sibling.serial, at, reason)?);
            let detail = serde_json::json!({ "reason": reason.as_str(), "same_key_as": serial });
            batch.push(audit_log::record(
                db,
                now,
                actor,
                "certificate.revoked",
                ("certificate", &sibling.serial),
                &detail,
            )?);
        }
        batch.push(key_holders::mark_compromised(db, &row.spki_sha256, at)?);
        // A key certified before key_holders existed and missed by its backfill still gets its row.
        batch.push(key_holders::insert_compromised_if_absent(db, &row.spki_sha256, at)?);
    }
    let crl = next_crl(env, db, authority, now, revoked).await?;
    batch.push(crl.statement);
    let mut detail = serde_json::json!({ "reason": reason.as_str() });
    if !siblings.is_empty() {
        let also: Vec<&str> = siblings.iter().map(|sibling| sibling.serial.as_str()).collect();
        detail["same_key_revoked"] = serde_json::Value::from(also);
    }
    batch.push(audit_log::record(db, now, actor, "certificate.revoked", ("certificate", serial), &detail)?);
    // The notice to the recipient and the other readers (a key compromise's siblings each get theirs).
    let origin = crate::notices::origin(env)?;
    batch.extend(crate::notices::revocation_statements(db, &origin, serial, row.not_after, reason, at).await?);
    for sibling in &siblings {
        let (sibling_serial, sibling_end) = (&sibling.serial, sibling.not_after);
        batch
            .extend(crate::notices::revocation_statements(db, &origin, sibling_serial, sibling_end, reason, at).await?);
    }
    if let Err(error) = db.batch(batch).await {
        // A concurrent use of the same challenge won: this one is spent.
        return Err(if raised(&error, revocation_challenges::SPENT_TWICE) {
            ChallengeError::Used.into()
        } else {
            batch_error(error, CHANGED_MEANWHILE)
        });
    }
    // Committed: the next OCSP answer and CRL from this data centre are read from D1 again.
    let revoked_serials = std::iter::once(serial).chain(siblings.iter().map(|sibling| sibling.serial.as_str()));
    forget_answers(env, authority, revoked_serials).await;
    Ok(CertificateStatus {
        serial: serial.to_owned(),
        not_after: row.not_after,
        revoked_at: Some(at),
        revocation_reason: Some(reason),
    })
}

/// Revokes `predecessor` for `superseded` because the reissued `successor` replaced it (`reissue.rs`), through the
/// same batch as a manual revocation (the certificate, the re-signed CRL, the audit record), with the statements
/// `also` makes (the pickup that caused it) in the same batch. A predecessor revoked or expired meanwhile is left as
/// it is and only `also` is written: supersession happens once. Returns whether it revoked.
pub async fn supersede(
    env: &Env,
    db: &D1Database,
    (predecessor, successor): (&str, &str),
    why: shared::reissue::Supersession,
    also: &dyn Fn() -> worker::Result<Vec<worker::D1PreparedStatement>>,
) -> Result<bool, AppError> {
    let authority = CertificateAuthority::from_env(env)?;
    let authority = &authority;
    let revoked = retrying(|| async move {
        let row = load(db, predecessor).await?;
        let now = platform::now();
        let mut batch = also()?;
        let Ok(Status::Revoked { at, reason }) =
            revocation::revoke(row.status(), row.not_after, RevocationReason::Superseded, Requester::Account, now)
        else {
            if !batch.is_empty() {
                db.batch(batch).await.map_err(|error| batch_error(error, CHANGED_MEANWHILE))?;
            }
            return Ok(false);
        };
        batch.push(certificates::revoke(db, predecessor, at, reason, row.version)?);
        let crl = next_crl(env, db, authority, now, vec![revoked_entry(predecessor, at, reason)?]).await?;
        batch.push(crl.statement);
        let detail =
            serde_json::json!({ "reason": reason.as_str(), "replaced_by": successor, "because": why.as_str() });
        batch.push(audit_log::record(
            db,
            now,
            "keyward",
            "certificate.revoked",
            ("certificate", predecessor),
            &detail,
        )?);
        db.batch(batch).await.map_err(|error| batch_error(error, CHANGED_MEANWHILE))?;
        Ok(true)
    })
    .await?;
    if revoked {
        forget_answers(env, authority, std::iter::once(predecessor)).await;
    }
    Ok(revoked)
}

/// Forgets the cached OCSP answers about the revoked certificates, and the CRL. A failure is logged: the revocation
/// stands, and the entries' lifetime bounds what the cache still says.
async fn forget_answers<'a>(env: &Env, authority: &CertificateAuthority, serials: impl Iterator<Item = &'a str>) {
    let forgotten = (|| {
        let responder =
            Responder::from_certificate(&authority.issuing_der).map_err(|error| AppError::internal(&error))?;
        let cert_ids: Vec<Vec<u8>> =
            serials.flat_map(|serial| responder.cert_ids(serial).unwrap_or_default()).collect();
        Ok::<_, AppError>((AnswerCache::from_env(env)?, cert_ids))
    })();
    match forgotten {
        Ok((answer_cache, cert_ids)) => answer_cache.forget_revoked(&cert_ids).await,
        Err(_logged) => worker::console_error!("answer cache: the revocation's answers could not be forgotten"),
    }
}

/// The stored certificate's SubjectPublicKeyInfo, DER.
pub fn subject_public_key_info(der_base64: &str) -> Result<Vec<u8>, AppError> {
    let der = Base64::decode_vec(der_base64).map_err(|_| AppError::internal("stored DER is not base64"))?;
    let certificate =
        x509_cert::Certificate::from_der(&der).map_err(|error| AppError::internal(&format!("stored DER: {error}")))?;
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|error| AppError::internal(&format!("re-encoding an SPKI: {error}")))
}
