//! Who is calling: a [`Principal`] from the session cookie or an `Authorization: Bearer kw_…` API key, and the
//! checks every account endpoint makes (role, tenancy, the cross-site check on cookie-authenticated writes).
//!
//! Tenancy rule: an organization user or API key acts on its own account only. Handlers take the account from
//! [`Principal::account_id`], never from the request, and filter every query of tenant data on it; a row of
//! another account reads as "not found" (404), so identifiers of other tenants are not confirmed either.

use shared::account::{AccountError, ApiKey, Role, Session, check_same_origin, session_token_from_cookies};
use shared::link::Token;
use worker::{D1Database, Method, Request};

use crate::db::{integer, text};
use crate::error::AppError;

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

#[derive(serde::Deserialize)]
struct SessionRow {
    session_id: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    user_id: String,
    account_id: Option<String>,
    role: String,
    temporary_password_hash: Option<String>,
    disabled_at: Option<i64>,
}

#[derive(serde::Deserialize)]
struct ApiKeyRow {
    key_id: String,
    account_id: String,
    user_id: String,
    last_used_at: Option<i64>,
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
    if principal.must_change_password {
        return Err(AccountError::PasswordChangeRequired.into());
    }
    Ok(principal)
}

/// Authenticates a request, letting through a user with a temporary password (the session and password
/// endpoints only).
pub async fn authenticate_allowing_password_change(
    request: &Request,
    db: &D1Database,
    now: i64,
) -> Result<Principal, AppError> {
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
    let row = db
        .prepare(
            "SELECT s.id AS session_id, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, \
                    u.id AS user_id, u.account_id, u.role, u.temporary_password_hash, u.disabled_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
        )
        .bind(&[text(&token.hash_hex())])?
        .first::<SessionRow>(None)
        .await?
        .ok_or(AppError::from(AccountError::Unauthenticated))?;
    let session = Session {
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    };
    if !session.is_active(now) || row.disabled_at.is_some() {
        return Err(AccountError::Unauthenticated.into());
    }
    if let Some(touched) = session.touch(now) {
        db.prepare("UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id = ?3")
            .bind(&[integer(touched.last_seen_at), integer(touched.expires_at), text(&row.session_id)])?
            .run()
            .await?;
    }
    let role = Role::parse(&row.role).ok_or_else(|| AppError::internal(&format!("unknown role {}", row.role)))?;
    Ok(Principal {
        user_id: row.user_id,
        account_id: row.account_id,
        role,
        credential: Credential::Session { session_id: row.session_id },
        must_change_password: row.temporary_password_hash.is_some(),
    })
}

async fn api_key_principal(db: &D1Database, key: &ApiKey, now: i64) -> Result<Principal, AppError> {
    let row = db
        .prepare(
            "SELECT k.id AS key_id, k.account_id, k.last_used_at, u.id AS user_id \
             FROM api_keys k JOIN users u ON u.id = k.created_by \
             WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL",
        )
        .bind(&[text(&key.hash_hex())])?
        .first::<ApiKeyRow>(None)
        .await?
        .ok_or(AppError::from(AccountError::Unauthenticated))?;
    if row.last_used_at.is_none_or(|at| now - at >= shared::account::SESSION_TOUCH_SECONDS) {
        db.prepare("UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2")
            .bind(&[integer(now), text(&row.key_id)])?
            .run()
            .await?;
    }
    Ok(Principal {
        user_id: row.user_id,
        account_id: Some(row.account_id),
        role: Role::OrgUser,
        credential: Credential::ApiKey { key_id: row.key_id },
        must_change_password: false,
    })
}
