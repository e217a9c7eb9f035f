//! The one request extractor. Every API handler takes a [`Call`] and returns `Result<Response, AppError>`: the
//! request, its route's parameters, the Worker's environment, the database and the instant (read once per
//! request) are here, the body already read within the endpoint's cap ([`Call::json`], [`Call::body`]), and the
//! caller is authenticated on demand with the check the endpoint needs ([`Call::caller`], [`Call::member`],
//! [`Call::account_admin`]). [`run`] is how the route table calls a handler; the error becomes its HTTP answer in
//! `error.rs`, once.
//!
//! The body cap is the endpoint's declaration (`shared::api::endpoint::Body`): a body must state its length, and
//! a `Content-Length` above the cap is refused before a byte is read (a body of unknown length, chunked, is
//! refused as well: 411), so a 100 MB upload costs the Worker one header check.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use shared::account::Role;
use shared::api::endpoint::{Body, Endpoint, Method};
use worker::{Context, D1Database, Env, Request, Response, RouteContext};

use crate::auth::{self, Principal};
use crate::error::{AppError, respond};
use crate::platform;

/// A route's context: its parameters, the environment, and the fetch event's context (work after the answer).
pub type Route = RouteContext<Context>;

/// One API request, as every handler starts from it.
pub struct Call {
    /// The request (headers, body, URL).
    pub request: Request,
    /// The database (`DB`).
    pub db: D1Database,
    /// The instant of this request, Unix seconds: one reading for all its checks and writes.
    pub now: i64,
    route: Rc<Route>,
    body: Vec<u8>,
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

    /// The `:serial` path parameter: 32 hex digits (Keyward's 16-byte serials), lowercased as stored; anything else
    /// reads as an unknown certificate.
    pub fn serial(&self) -> Result<String, AppError> {
        let serial = self.param("serial");
        if serial.len() == 32 && serial.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            Ok(serial.to_ascii_lowercase())
        } else {
            Err(AppError::unknown_certificate())
        }
    }

    /// The request's body, as sent (empty for an endpoint that takes none).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as the JSON document `T`; `expected` names its fields for the 400 when it does not parse.
    pub fn json<T: DeserializeOwned>(&self, expected: &str) -> Result<T, AppError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            AppError::field(400, "body_invalid", "body", format!("The body must be JSON with {expected}: {error}"))
        })
    }

    /// One delivery attempt of each of the emails `ids` (queued by the request's committed batch), made after the
    /// answer is sent: the caller never waits on the mail provider, so an answer takes the same time whether or
    /// not it sent mail (a password reset for a known and an unknown address), and a slow provider slows no one.
    /// What fails is retried by the scheduled handler (`outbox::deliver_due`).
    pub fn after_answer_deliver(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let env = self.route.env.clone();
        self.route.data.wait_until(async move {
            match env.d1("DB") {
                Ok(db) => crate::outbox::deliver_soon(&env, &db, &ids).await,
                Err(error) => worker::console_error!("mail delivery after the answer: no database: {error:?}"),
            }
        });
    }

    /// The caller, authenticated; a user who must first replace a temporary password is refused.
    pub async fn caller(&self) -> Result<Principal, AppError> {
        auth::authenticate(&self.request, &self.db, self.now).await
    }

    /// The caller, letting through a user with a temporary password (the session and password endpoints).
    pub async fn caller_allowing_password_change(&self) -> Result<Principal, AppError> {
        auth::authenticate_allowing_password_change(&self.request, &self.db, self.now).await
    }

    /// The caller whatever their passkey step or password state (the passkey endpoints, who is logged in, logging
    /// out).
    pub async fn caller_before_passkey(&self) -> Result<Principal, AppError> {
        auth::authenticate_before_passkey(&self.request, &self.db, self.now).await
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

/// A handler as [`run`] takes it: its future boxed, so that [`run`] is compiled once. Generic over the handler,
/// it was compiled once per route (109 copies of the body reading, the error mapping and the sealing, each with
/// its handler inlined: about 600 KB of the Worker, against issue 4's 1 MB upload budget); the route table's
/// shim (`routes!` in lib.rs) boxes each handler's future instead, one allocation per request.
pub type Handle = fn(Call) -> Pin<Box<dyn Future<Output = Result<Response, AppError>>>>;

/// Runs `handler` on a request to `endpoint`: reads the body within the endpoint's cap, builds the [`Call`] and maps
/// an error to its answer.
pub async fn run(endpoint: &Endpoint, mut request: Request, route: Route, handler: Handle) -> worker::Result<Response> {
    let prepared = async {
        let body = match endpoint.body {
            Body::None => {
                refuse_unbounded(&request, Body::UNREAD_MAX_BYTES)?;
                Vec::new()
            }
            Body::Json { max_bytes } => read_capped(&mut request, max_bytes).await?,
        };
        Ok::<_, AppError>((route.env.d1("DB")?, body))
    };
    match prepared.await {
        Ok((db, body)) => {
            let route = Rc::new(route);
            let answer = respond(handler(Call { request, db, now: platform::now(), route: route.clone(), body }).await);
            if !matches!(endpoint.method, Method::Get | Method::Head) {
                // The audit records its batch left unsealed, sealed a moment later with those of the isolate's
                // other writes (`sealing::seal_soon`).
                crate::sealing::seal_soon(&route.data, route.env.clone());
            }
            answer
        }
        Err(error) => respond(Err(error)),
    }
}

/// Refuses, before reading anything, a request with a body of unknown length (no `Content-Length`, or a
/// `Transfer-Encoding`: 411) or of a stated length over `cap` (413).
fn refuse_unbounded(request: &Request, cap: u32) -> Result<(), AppError> {
    let headers = request.headers();
    if headers.get("Transfer-Encoding")?.is_some() {
        return Err(length_required());
    }
    if let Some(length) = headers.get("Content-Length")? {
        let length: u64 = length.trim().parse().map_err(|_| {
            AppError::field(400, "content_length_invalid", "body", "Content-Length is not a number of bytes.")
        })?;
        if length > u64::from(cap) {
            return Err(too_large(cap));
        }
    }
    Ok(())
}

/// The body of `request`, at most `cap` bytes: a body must state its length (`Content-Length`; 411 without one),
/// and one over the cap is refused from that header, before a byte is read (413). Within the cap the body is read
/// whole: HTTP framing ends it at the stated length. Also the OCSP responder's reader.
pub async fn read_capped(request: &mut Request, cap: u32) -> Result<Vec<u8>, AppError> {
    refuse_unbounded(request, cap)?;
    match request.headers().get("Content-Length")? {
        Some(length) if length.trim() != "0" => Ok(request.bytes().await?),
        Some(_) => Ok(Vec::new()),
        // A POST with neither a length nor a transfer encoding has no body.
        None => Ok(Vec::new()),
    }
}

/// The 411 for a body whose length is not stated.
fn length_required() -> AppError {
    AppError::field(
        411,
        "length_required",
        "body",
        "Send the body with its length (Content-Length): a body of unknown length is not read.",
    )
}

/// The 413 for a body over the cap.
fn too_large(cap: u32) -> AppError {
    AppError::field(
        413,
        "body_too_large",
        "body",
        format!("The request is larger than {} KiB, this endpoint's limit.", cap.div_ceil(1024)),
    )
}
