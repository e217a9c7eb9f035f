//! The one request extractor. Every API handler takes a [`Call`] and returns `Result<Response, AppError>`: the
//! request, its route's parameters, the Worker's environment, the database and the instant (read once per
//! request) are here, and the caller is authenticated on demand with the check the endpoint needs
//! ([`Call::caller`], [`Call::member`], [`Call::account_admin`]). [`run`] is how the route table calls a handler;
//! the error becomes its HTTP answer in `error.rs`, once.

use std::future::Future;

use shared::account::Role;
use worker::{D1Database, Env, Request, Response, RouteContext};

use crate::auth::{self, Principal};
use crate::error::{AppError, respond};
use crate::platform;

/// One API request, as every handler starts from it.
pub struct Call {
    /// The request (headers, body, URL).
    pub request: Request,
    /// The database (`DB`).
    pub db: D1Database,
    /// The instant of this request, Unix seconds: one reading for all its checks and writes.
    pub now: i64,
    route: RouteContext<()>,
}

/// A caller acting for their account: the account comes from the credential, never from the request.
pub struct Member {
    /// Who called.
    pub principal: Principal,
    /// Their account (`accounts.id`).
    pub account_id: String,
}

impl Call {
    /// The Worker's environment (secrets, variables, bindings).
    pub fn env(&self) -> &Env {
        &self.route.env
    }

    /// A path parameter of the route (`{id}` is `param("id")`); empty when the route has none of that name, which
    /// no row matches.
    pub fn param(&self, name: &str) -> &str {
        self.route.param(name).map_or("", String::as_str)
    }

    /// The caller, authenticated; a user who must first replace a temporary password is refused.
    pub async fn caller(&self) -> Result<Principal, AppError> {
        auth::authenticate(&self.request, &self.db, self.now).await
    }

    /// The caller, letting through a user with a temporary password (the session and password endpoints).
    pub async fn caller_allowing_password_change(&self) -> Result<Principal, AppError> {
        auth::authenticate_allowing_password_change(&self.request, &self.db, self.now).await
    }

    /// The caller as a member of an account (organization admin, user or API key); CA administrators are refused.
    pub async fn member(&self) -> Result<Member, AppError> {
        let principal = self.caller().await?;
        principal.require(&[Role::OrgAdmin, Role::OrgUser])?;
        let account_id = principal.account_id()?.to_owned();
        Ok(Member { principal, account_id })
    }

    /// The caller as an administrator of their account (the account's writes that only its admins make).
    pub async fn account_admin(&self) -> Result<Member, AppError> {
        let principal = self.caller().await?;
        principal.require(&[Role::OrgAdmin])?;
        let account_id = principal.account_id()?.to_owned();
        Ok(Member { principal, account_id })
    }
}

/// Runs `handler` on the request: builds the [`Call`] and maps an error to its answer.
pub async fn run<F, Fut>(request: Request, route: RouteContext<()>, handler: F) -> worker::Result<Response>
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Result<Response, AppError>>,
{
    let db = match route.env.d1("DB") {
        Ok(db) => db,
        Err(error) => return respond(Err(error.into())),
    };
    respond(handler(Call { request, db, now: platform::now(), route }).await)
}
