//! Passkeys (`shared::api::passkey` lists the endpoints): registration, the login's second step, recovery codes.
//!
//! **The choice: password, then passkey.** A CA administrator's password login opens a session at a passkey step
//! (`sessions.passkey_step`): `register` while they have no passkey, `confirm` once they have one. Such a session
//! reaches only these endpoints, who is logged in and logging out (`auth.rs` refuses the rest with
//! `passkey_registration_required` or `passkey_required`, 403), so the password alone opens nothing. An
//! organization user who registers a passkey confirms their logins the same way; their API keys are credentials
//! of their own and are not affected. A session at `confirm` cannot register a passkey (a stolen password must not
//! add the thief's authenticator).
//!
//! The ceremonies are verified by `shared::webauthn` against the relying party of `KEYWARD_APP_URL` (its origin,
//! and its host as RP ID). Challenges are stateless, bound to the session and the ceremony, five minutes; the
//! batch that uses one spends it (`webauthn_challenges_spent`), so a replayed answer fails whole. The signature
//! counter is stored in the same batch, and migration 0018's trigger refuses one that goes down.
//!
//! **Failed second steps are throttled per user** (`shared::account::SECOND_STEP_THROTTLE`, NIST SP 800-63B
//! 5.2.2): each passkey answer or recovery code reserves an attempt before it is checked, whichever session the
//! password opened; past ten failures each try waits, as logins do (429 `login_locked`).

use base64ct::{Base64, Encoding};
use shared::account::{AccountError, Role, SECOND_STEP_THROTTLE, ThrottleScope, second_step_key};
use shared::api::passkey::{
    CreationOptions, NewPasskey, PasskeyAssertion, PasskeyList, PasskeyStep, PasskeyView, RecoveryCodeEntry,
    RegisteredPasskey, RequestOptions,
};
use shared::encoding::{base64url_decode, base64url_encode};
use shared::text::check_visible;
use shared::webauthn::challenge::ChallengeError;
use shared::webauthn::{
    self, AuthenticationResponse, Ceremony, Challenge, ChallengeKey, RegistrationResponse, RelyingParty,
    StoredCredential, WebauthnError,
};
use worker::{D1Database, Env, Response};

use crate::auth::{Credential, Principal, refuse_passkey_step};
use crate::call::Call;
use crate::db::raised;
use crate::error::AppError;
use crate::platform;
use crate::store::passkeys::{self, NewPasskeyRow, PasskeyRow};
use crate::store::throttle::{self, Counter};
use crate::store::users::{self, UserRow};
use crate::store::{audit_log, recovery_codes, sessions};

/// How long the browser may wait for the authenticator: the challenge's lifetime.
const TIMEOUT_MS: u32 = 5 * 60 * 1000;

/// The name authenticators show for the relying party.
const RP_NAME: &str = "Keyward";

/// The relying party of `KEYWARD_APP_URL`.
fn relying_party(env: &Env) -> Result<RelyingParty, AppError> {
    let url = platform::app_url(env)?;
    RelyingParty::from_app_url(&url)
        .ok_or_else(|| AppError::internal("KEYWARD_APP_URL is not an http(s) URL with a host name"))
}

/// The key challenges are authenticated with, derived from `CA_ISSUING_KEY` under the WebAuthn label.
fn challenge_key(env: &Env) -> Result<ChallengeKey, AppError> {
    let secret = env
        .secret("CA_ISSUING_KEY")
        .map_err(|_| AppError::internal("the secret CA_ISSUING_KEY is not set (run `cargo xtask dev`)"))?
        .to_string();
    let der = Base64::decode_vec(secret.trim()).map_err(|_| AppError::internal("CA_ISSUING_KEY is not base64"))?;
    Ok(ChallengeKey::derive(&der))
}

/// A ceremony's refusal on the wire (422, its code and field).
fn refused(error: WebauthnError) -> AppError {
    AppError::field(422, error.code(), error.field(), error.to_string())
}

/// A challenge's refusal on the wire (a used one is 409: the answer was replayed).
fn challenge_refused(error: ChallengeError) -> AppError {
    let status = if error == ChallengeError::Used { 409 } else { 422 };
    AppError::field(status, error.code(), error.field(), error.to_string())
}

/// A base64url request field, decoded.
fn decoded(value: &str, field: &'static str) -> Result<Vec<u8>, AppError> {
    base64url_decode(value).ok_or_else(|| refused(WebauthnError::EncodingInvalid { field }))
}

/// The caller's session id: passkeys are for people in a browser, never API keys.
fn session_of(principal: &Principal) -> Result<&str, AppError> {
    match &principal.credential {
        Credential::Session { session_id } => Ok(session_id),
        Credential::ApiKey { .. } => Err(AccountError::Forbidden.into()),
    }
}

/// The caller's user row.
async fn user_of(db: &D1Database, principal: &Principal) -> Result<UserRow, AppError> {
    users::by_id(db, &principal.user_id).await?.ok_or_else(|| AppError::from(AccountError::Unauthenticated))
}

fn passkey_view(row: &PasskeyRow) -> PasskeyView {
    PasskeyView {
        id: row.id.clone(),
        name: row.name.clone(),
        algorithm: row.algorithm,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

/// The refusal of a registration in a session that has not confirmed its login: a password alone never adds a
/// passkey to an account that has one.
fn refuse_unconfirmed(principal: &Principal) -> Result<(), AppError> {
    if principal.passkey_step == PasskeyStep::Confirm { refuse_passkey_step(PasskeyStep::Confirm) } else { Ok(()) }
}

/// `POST /api/v1/passkeys/registration-options`.
pub async fn registration_options(call: Call) -> Result<Response, AppError> {
    let principal = call.caller_before_passkey().await?;
    let session_id = session_of(&principal)?;
    refuse_unconfirmed(&principal)?;
    let user = user_of(&call.db, &principal).await?;
    let relying_party = relying_party(call.env())?;
    let challenge =
        Challenge::issue(&challenge_key(call.env())?, Ceremony::Register, session_id, call.now, platform::random()?);
    let existing = passkeys::of_user(&call.db, &user.id).await?;
    Ok(Response::from_json(&CreationOptions {
        challenge: challenge.encoded(),
        rp_id: relying_party.id,
        rp_name: RP_NAME.into(),
        user_id: base64url_encode(user.id.as_bytes()),
        user_name: user.email.clone(),
        user_display_name: user.name.clone(),
        algorithms: webauthn::cose::ALGORITHMS.to_vec(),
        exclude_credentials: existing.into_iter().map(|row| row.credential_id).collect(),
        timeout_ms: TIMEOUT_MS,
    })?)
}

/// Checks a passkey's name: 1 to 100 visible characters.
fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(422, "name_missing", "name", "Give the passkey a name."));
    }
    if name.chars().count() > 100 {
        return Err(AppError::field(422, "name_too_long", "name", "At most 100 characters."));
    }
    check_visible(name).map_err(|error| AppError::field(422, error.code(), "name", format!("The name {error}")))?;
    Ok(name.to_owned())
}

/// `POST /api/v1/passkeys`: verifies the registration and stores the passkey, in one batch with the challenge's
/// spend, the session's step (`register` → `done`), at the first passkey ten new recovery codes, and the audit
/// record.
pub async fn register(call: Call) -> Result<Response, AppError> {
    let new: NewPasskey = call.json("name, challenge, credential_id, client_data_json and attestation_object")?;
    let principal = call.caller_before_passkey().await?;
    let session_id = session_of(&principal)?.to_owned();
    refuse_unconfirmed(&principal)?;
    let name = check_name(&new.name)?;
    let (db, now) = (&call.db, call.now);
    let challenge =
        Challenge::verify(&challenge_key(call.env())?, &new.challenge, Ceremony::Register, &session_id, now)
            .map_err(challenge_refused)?;
    let credential_id = decoded(&new.credential_id, "credential_id")?;
    let client_data_json = decoded(&new.client_data_json, "client_data_json")?;
    let attestation_object = decoded(&new.attestation_object, "attestation_object")?;
    let credential = webauthn::verify_registration(
        &relying_party(call.env())?,
        challenge.as_bytes(),
        &RegistrationResponse {
            credential_id: &credential_id,
            client_data_json: &client_data_json,
            attestation_object: &attestation_object,
        },
    )
    .map_err(refused)?;
    let first = passkeys::count_of_user(db, &principal.user_id).await? == 0;
    let id = platform::new_id()?;
    let credential_text = base64url_encode(&credential.id);
    let mut statements = vec![
        passkeys::spend_challenge(db, &challenge.hash_hex(), challenge.expires_at(), now)?,
        passkeys::insert(
            db,
            &NewPasskeyRow {
                id: &id,
                user_id: &principal.user_id,
                credential_id: &credential_text,
                public_key_cose: &base64url_encode(&credential.public_key_cose),
                algorithm: credential.algorithm,
                sign_count: credential.sign_count,
                name: &name,
                user_verified: credential.user_verified,
                attestation_format: credential.attestation_format,
                created_at: now,
            },
        )?,
        passkeys::set_session_step(db, &session_id, PasskeyStep::Register.as_str(), PasskeyStep::Done.as_str())?,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "passkey.registered",
            ("passkey", &id),
            &serde_json::json!({ "algorithm": credential.algorithm, "attestation": credential.attestation_format,
                                 "user_verified": credential.user_verified, "first": first }),
        )?,
    ];
    let mut codes = Vec::new();
    if first {
        statements.push(recovery_codes::delete_of_user(db, &principal.user_id)?);
        for _ in 0..webauthn::RECOVERY_CODES {
            let code = webauthn::recovery_code(platform::random()?);
            let hash = webauthn::recovery_code_hash(&code)
                .ok_or_else(|| AppError::internal("a recovery code that does not read back"))?;
            statements.push(recovery_codes::insert(db, &principal.user_id, &hash, now)?);
            codes.push(code);
        }
    }
    if let Err(error) = db.batch(statements).await {
        return Err(if raised(&error, passkeys::CHALLENGE_SPENT_TWICE) {
            challenge_refused(ChallengeError::Used)
        } else if raised(&error, "passkeys.credential_id") {
            AppError::conflict("passkey_registered_already", "This passkey is registered already.")
        } else {
            error.into()
        });
    }
    let step = if principal.passkey_step == PasskeyStep::Register { PasskeyStep::Done } else { principal.passkey_step };
    let row = PasskeyRow {
        id,
        credential_id: credential_text,
        public_key_cose: String::new(),
        algorithm: credential.algorithm,
        sign_count: i64::from(credential.sign_count),
        name,
        created_at: now,
        last_used_at: None,
    };
    let body = RegisteredPasskey { passkey: passkey_view(&row), recovery_codes: codes, step };
    Ok(Response::from_json(&body)?.with_status(201))
}

/// `GET /api/v1/passkeys`: the caller's passkeys and how many recovery codes are left.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let principal = call.caller_allowing_password_change().await?;
    session_of(&principal)?;
    let rows = passkeys::of_user(&call.db, &principal.user_id).await?;
    let left = recovery_codes::unused_count(&call.db, &principal.user_id).await?;
    Ok(Response::from_json(&PasskeyList {
        passkeys: rows.iter().map(passkey_view).collect(),
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
    })?)
}

/// `DELETE /api/v1/passkeys/{id}`: removes one of the caller's passkeys. A CA administrator keeps at least one
/// (409 `passkey_last_one`); an organization user's last one takes their recovery codes with it.
pub async fn remove(call: Call) -> Result<Response, AppError> {
    let principal = call.caller_allowing_password_change().await?;
    session_of(&principal)?;
    let (db, now) = (&call.db, call.now);
    let id = call.param("id");
    let rows = passkeys::of_user(db, &principal.user_id).await?;
    if !rows.iter().any(|row| row.id == id) {
        return Err(AppError::not_found("id", "You have no passkey with this identifier."));
    }
    if principal.role == Role::CaAdmin && rows.len() <= 1 {
        return Err(AppError::conflict(
            "passkey_last_one",
            "CA administrators log in with a passkey: register another one before removing this one.",
        ));
    }
    let mut statements = vec![
        passkeys::remove(db, &principal.user_id, id)?,
        audit_log::record_if_counted(
            db,
            now,
            &principal.actor(),
            "passkey.removed",
            ("passkey", id),
            &serde_json::json!({}),
        )?,
    ];
    if rows.len() == 1 {
        statements.push(recovery_codes::delete_of_user(db, &principal.user_id)?);
    }
    db.batch(statements).await?;
    Ok(Response::empty()?.with_status(204))
}

/// The caller of the login's second step: a session at `confirm`.
async fn confirming(call: &Call) -> Result<(Principal, String), AppError> {
    let principal = call.caller_before_passkey().await?;
    let session_id = session_of(&principal)?.to_owned();
    match principal.passkey_step {
        PasskeyStep::Confirm => Ok((principal, session_id)),
        PasskeyStep::Register => Err(refuse_passkey_step(PasskeyStep::Register)
            .err()
            .unwrap_or_else(|| AppError::internal("the register step always refuses"))),
        PasskeyStep::Done => Err(AppError::conflict("login_confirmed_already", "This login is confirmed already.")),
    }
}

/// Reserves one attempt at the user's second step ([`SECOND_STEP_THROTTLE`], under [`second_step_key`]) before a
/// passkey's answer or a recovery code is checked, whichever session it comes from; past the allowance the answer
/// is 429 `login_locked`, saying until when. A confirmed login clears the count.
async fn reserve_second_step(db: &D1Database, user_id: &str, now: i64) -> Result<(), AppError> {
    let key = second_step_key(user_id);
    let reserved = throttle::reserve(db, Counter::Login, &key, now, SECOND_STEP_THROTTLE)?.all().await?;
    if throttle::granted(&reserved)? {
        return Ok(());
    }
    let until = throttle::next_attempt_at(db, Counter::Login, &key).await?.unwrap_or(now);
    Err(AccountError::Locked { until, scope: ThrottleScope::SecondStep }.into())
}

/// `POST /api/v1/session/passkey-options`.
pub async fn login_options(call: Call) -> Result<Response, AppError> {
    let (principal, session_id) = confirming(&call).await?;
    let relying_party = relying_party(call.env())?;
    let challenge =
        Challenge::issue(&challenge_key(call.env())?, Ceremony::Login, &session_id, call.now, platform::random()?);
    let rows = passkeys::of_user(&call.db, &principal.user_id).await?;
    Ok(Response::from_json(&RequestOptions {
        challenge: challenge.encoded(),
        rp_id: relying_party.id,
        allow_credentials: rows.into_iter().map(|row| row.credential_id).collect(),
        timeout_ms: TIMEOUT_MS,
    })?)
}

/// The full session's view after a confirmation.
async fn confirmed_session(call: &Call, principal: &Principal, session_id: &str) -> Result<Response, AppError> {
    let user = user_of(&call.db, principal).await?;
    let expires_at = sessions::expires_at(&call.db, session_id).await?.unwrap_or(call.now);
    Ok(Response::from_json(&crate::account::session_view(&user, expires_at, PasskeyStep::Done))?)
}

/// `POST /api/v1/session/passkey`: verifies the assertion with the user's passkey and completes the session, in
/// one batch with the challenge's spend and the new counter.
pub async fn confirm_with_passkey(call: Call) -> Result<Response, AppError> {
    let assertion: PasskeyAssertion =
        call.json("challenge, credential_id, client_data_json, authenticator_data and signature")?;
    let (principal, session_id) = confirming(&call).await?;
    let (db, now) = (&call.db, call.now);
    reserve_second_step(db, &principal.user_id, now).await?;
    let challenge =
        Challenge::verify(&challenge_key(call.env())?, &assertion.challenge, Ceremony::Login, &session_id, now)
            .map_err(challenge_refused)?;
    let client_data_json = decoded(&assertion.client_data_json, "client_data_json")?;
    let authenticator_data = decoded(&assertion.authenticator_data, "authenticator_data")?;
    let signature = decoded(&assertion.signature, "signature")?;
    let credential_id = base64url_encode(&decoded(&assertion.credential_id, "credential_id")?);
    let row = passkeys::by_credential(db, &principal.user_id, &credential_id).await?.ok_or_else(|| {
        AppError::field(422, "passkey_unknown", "credential_id", "This passkey is not registered for your account.")
    })?;
    let public_key_cose = base64url_decode(&row.public_key_cose)
        .ok_or_else(|| AppError::internal("a stored COSE key that is not base64url"))?;
    let verified = webauthn::verify_authentication(
        &relying_party(call.env())?,
        challenge.as_bytes(),
        &StoredCredential { public_key_cose: &public_key_cose, sign_count: u32::try_from(row.sign_count).unwrap_or(0) },
        &AuthenticationResponse {
            client_data_json: &client_data_json,
            authenticator_data: &authenticator_data,
            signature: &signature,
        },
    )
    .map_err(refused)?;
    let statements = vec![
        passkeys::spend_challenge(db, &challenge.hash_hex(), challenge.expires_at(), now)?,
        passkeys::used(db, &row.id, verified.sign_count, now)?,
        passkeys::set_session_step(db, &session_id, PasskeyStep::Confirm.as_str(), PasskeyStep::Done.as_str())?,
        throttle::clear(db, &second_step_key(&principal.user_id))?,
        audit_log::record(
            db,
            now,
            &principal.actor(),
            "session.confirmed",
            ("session", &session_id),
            &serde_json::json!({ "passkey": row.id, "user_verified": verified.user_verified }),
        )?,
    ];
    if let Err(error) = db.batch(statements).await {
        return Err(if raised(&error, passkeys::CHALLENGE_SPENT_TWICE) {
            challenge_refused(ChallengeError::Used)
        } else if raised(&error, passkeys::COUNTER_REGRESSED) {
            refused(WebauthnError::CounterRegressed { stored: 0, received: verified.sign_count })
        } else {
            error.into()
        });
    }
    confirmed_session(&call, &principal, &session_id).await
}

/// `POST /api/v1/session/recovery-code`: spends one of the user's recovery codes and completes the session, in
/// one batch; a code used already, or not theirs, changes nothing (422 `recovery_code_invalid`).
pub async fn confirm_with_recovery_code(call: Call) -> Result<Response, AppError> {
    let entry: RecoveryCodeEntry = call.json("code")?;
    let (principal, session_id) = confirming(&call).await?;
    let (db, now) = (&call.db, call.now);
    reserve_second_step(db, &principal.user_id, now).await?;
    let invalid =
        || AppError::field(422, "recovery_code_invalid", "code", "This is not one of your unused recovery codes.");
    let hash = webauthn::recovery_code_hash(&entry.code).ok_or_else(invalid)?;
    let results = db
        .batch(vec![
            recovery_codes::spend(db, &principal.user_id, &hash, &session_id, now)?,
            recovery_codes::confirm_session_if_spent(db, &principal.user_id, &hash, &session_id)?,
            audit_log::record_if_counted(
                db,
                now,
                &principal.actor(),
                "session.confirmed",
                ("session", &session_id),
                &serde_json::json!({ "recovery_code": true }),
            )?,
        ])
        .await?;
    let changes = results.get(1).and_then(|result| result.meta().ok().flatten()).and_then(|meta| meta.changes);
    if changes != Some(1) {
        return Err(invalid());
    }
    // After the confirming batch, on its success only (a failed code must stay counted). Should this statement
    // fail, the count stays until it is forgotten: the login is confirmed either way.
    throttle::clear(db, &second_step_key(&principal.user_id))?.run().await?;
    confirmed_session(&call, &principal, &session_id).await
}

/// Deletes spent challenges expired more than a day ago (the scheduled handler's housekeeping).
pub async fn delete_stale_challenges(db: &D1Database, now: i64) -> Result<(), AppError> {
    passkeys::delete_expired_challenges(db, now - 86_400)?.run().await?;
    Ok(())
}
