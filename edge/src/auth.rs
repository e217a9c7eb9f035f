//! Who is calling: a [`Principal`] from the session cookie or an `Authorization: Bearer kw_…` API key, and the
//! checks every account endpoint makes (role, tenancy, the cross-site check on cookie-authenticated writes).
//!
//! Tenancy rule: an organization user or API key acts on its own account only. Handlers take the account from
//! [`Principal::account_id`], never from the request, and filter every query of tenant data on it; a row of
//! another account reads as "not found" (404), so identifiers of other tenants are not confirmed either.

use shared::account::{AccountError, ApiKey, Role, check_same_origin, session_token_from_cookies};
use shared::api::passkey::PasskeyStep;
use shared::link::Token;
use worker::{D1Database, Method, Request};

use crate::error::AppError;
use crate::store::{api_keys, sessions};

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A browser session.
    Session {
        /// `sessions.id`.
        session_id: String,
    },
    /// A script's API key.
    ApiKey {
        /// `api_keys.id`.
        key_id: String,
    },
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The user (for an API key: the user who created it).
    pub user_id: String,
    /// The account; `None` for CA administrators.
    pub account_id: Option<String>,
    /// What the caller may do. An API key acts as an organization user.
    pub role: Role,
    /// Session or API key.
    pub credential: Credential,
    /// The user logged in with a temporary password and must choose one.
    pub must_change_password: bool,
    /// Where the session stands with passkeys (`done` for API keys): a session at another step reaches only the
    /// passkey endpoints, who is logged in and logging out.
    pub passkey_step: PasskeyStep,
}

impl Principal {
    /// The caller's account, refusing CA administrators on account endpoints.
    pub fn account_id(&self) -> Result<&str, AppError> {
        self.account_id.as_deref().ok_or_else(|| AccountError::Forbidden.into())
    }

    /// Refuses unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AccountError::Forbidden.into()) }
    }

    /// The actor written in audit records: `user:<id>` or `api_key:<id>`.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::Session { .. } => format!("user:{}", self.user_id),
            Credential::ApiKey { key_id } => format!("api_key:{key_id}"),
        }
    }
}

/// Whether the request offers a credential at all (an `Authorization` header or a session cookie), valid or
/// not: for endpoints that also serve anonymous callers and must tell "not signed in" from "signed in wrongly".
pub fn carries_credential(request: &Request) -> worker::Result<bool> {
    let headers = request.headers();
    let cookies = headers.get("Cookie")?.unwrap_or_default();
    Ok(headers.get("Authorization")?.is_some() || session_token_from_cookies(&cookies).is_some())
}

/// Authenticates a request to an account endpoint: also refuses a user who must first replace a temporary
/// password.
pub async fn authenticate(request: &Request, db: &D1Database, now: i64) -> Result<Principal, AppError> {
    let principal = authenticate_allowing_password_change(request, db, now).await?;
    refuse_passkey_step(principal.passkey_step)?;
    if principal.must_change_password {
        return Err(AccountError::PasswordChangeRequired.into());
    }
    Ok(principal)
}

/// Authenticates a request, letting through a user with a temporary password (the session and password
/// endpoints only). A session whose login awaits its passkey is refused (`passkey_required`); a CA administrator
/// who has yet to register one may change their password (they hold it already), and nothing else here.
pub async fn authenticate_allowing_password_change(
    request: &Request,
    db: &D1Database,
    now: i64,
) -> Result<Principal, AppError> {
    let principal = authenticate_before_passkey(request, db, now).await?;
    if principal.passkey_step == PasskeyStep::Confirm {
        refuse_passkey_step(principal.passkey_step)?;
    }
    Ok(principal)
}

/// The refusal of a session that has not passed its passkey step.
pub fn refuse_passkey_step(step: PasskeyStep) -> Result<(), AppError> {
    match step {
        PasskeyStep::Done => Ok(()),
        PasskeyStep::Confirm => Err(AppError::field(
            403,
            "passkey_required",
            "authorization",
            "Confirm this login with your passkey (or a recovery code) first.",
        )),
        PasskeyStep::Register => Err(AppError::field(
            403,
            "passkey_registration_required",
            "authorization",
            "CA administrators log in with a passkey: register one first.",
        )),
    }
}

/// Authenticates a request whatever its passkey step and password state: the passkey endpoints, who is logged in
/// and logging out only.
pub async fn authenticate_before_passkey(request: &Request, db: &D1Database, now: i64) -> Result<Principal, AppError> {
    let headers = request.headers();
    if let Some(authorization) = headers.get("Authorization")? {
        let key = authorization
            .strip_prefix("Bearer ")
            .and_then(ApiKey::parse)
            .ok_or(AppError::from(AccountError::Unauthenticated))?;
        return api_key_principal(db, &key, now).await;
    }
    let cookies = headers.get("Cookie")?.unwrap_or_default();
    let token = session_token_from_cookies(&cookies)
        .and_then(|value| Token::parse(value).ok())
        .ok_or(AppError::from(AccountError::Unauthenticated))?;
    if !matches!(request.method(), Method::Get | Method::Head) {
        let url = request.url()?;
        let own_origin = url.origin().ascii_serialization();
        check_same_origin(headers.get("Sec-Fetch-Site")?.as_deref(), headers.get("Origin")?.as_deref(), &own_origin)?;
    }
    session_principal(db, &token, now).await
}

async fn session_principal(db: &D1Database, token: &Token, now: i64) -> Result<Principal, AppError> {
    let row =
        sessions::with_token_hash(db, &token.hash_hex()).await?.ok_or(AppError::from(AccountError::Unauthenticated))?;
    let session = row.session.session();
    if !session.is_active(now) || row.disabled_at.is_some() {
        return Err(AccountError::Unauthenticated.into());
    }
    if let Some(touched) = session.touch(now) {
        sessions::touch(db, &row.session.id, &touched)?.run().await?;
    }
    Ok(Principal {
        user_id: row.session.user_id,
        account_id: row.account_id,
        role: row.role,
        credential: Credential::Session { session_id: row.session.id },
        must_change_password: row.temporary_password_hash.is_some(),
        passkey_step: row.passkey_step,
    })
}

async fn api_key_principal(db: &D1Database, key: &ApiKey, now: i64) -> Result<Principal, AppError> {
    let row =
        api_keys::usable_with_hash(db, &key.hash_hex()).await?.ok_or(AppError::from(AccountError::Unauthenticated))?;
    if row.last_used_at.is_none_or(|at| now - at >= shared::account::SESSION_TOUCH_SECONDS) {
        api_keys::touch(db, &row.id, now)?.run().await?;
    }
    // The key acts as the user who made it (the query joined them: `users.id = api_keys.created_by`).
    Ok(Principal {
        user_id: row.created_by,
        account_id: Some(row.account_id),
        role: Role::OrgUser,
        credential: Credential::ApiKey { key_id: row.id },
        must_change_password: false,
        passkey_step: PasskeyStep::Done,
    })
}
