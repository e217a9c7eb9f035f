//! The Keyward Worker: a thin `fetch` entry point. Routes decode a request into `shared` types, call the
//! service code, and encode the answer or one [`error::AppError`] mapped to HTTP in one place.
//!
//! Architecture invariant: no request body, header, log line or row here ever holds a private key. The only
//! key material that arrives is a CSR, and only its public key is kept.

mod account;
mod auth;
mod ca;
mod certificates;
mod db;
mod dev;
mod doh;
mod domains;
mod enrollment;
mod error;
mod issuing;
// Not called yet: the issuance pipeline will call `lint::pkilint` (then this allowance goes).
#[allow(dead_code)]
mod lint;
mod ocsp;
mod orders;
mod organizations;
mod outbox;
mod platform;
mod repository;
mod revocation;

use worker::{Context, Env, Request, Response, Result, Router, ScheduleContext, ScheduledEvent, console_error, event};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _context: Context) -> Result<Response> {
    let response = Router::new()
        .get_async("/api/v1/enrollments/:token", enrollment::show)
        .post_async("/api/v1/enrollments/:token", enrollment::submit)
        .get("/api/v1/openapi.json", |_, _| openapi())
        .get("/api/v1/policy", |_, _| Response::from_json(&shared::api::policy::policy(platform::now())))
        .get_async("/api/v1/certificates/:serial/status", revocation::status)
        .post_async("/api/v1/certificates/:serial/revocation-challenge", revocation::challenge)
        .post_async("/api/v1/certificates/:serial/revocation", revocation::revoke)
        .get_async("/api/v1/certificates/:serial/:format", certificates::download)
        .get_async("/ca/issuing.crt", repository::issuing_certificate)
        .get_async("/ca/root.crt", repository::root_certificate)
        .get_async("/crl/issuing.crl", repository::certificate_revocation_list)
        .get_async("/crl/root.crl", repository::root_certificate_revocation_list)
        .post_async("/ocsp", ocsp::post)
        .get_async("/ocsp/*request", ocsp::get)
        .post_async("/api/v1/organizations", organizations::create)
        .get_async("/api/v1/organizations", organizations::list)
        .get_async("/api/v1/organizations/:id", organizations::show)
        .post_async("/api/v1/organizations/:id/verification-code", organizations::send_code)
        .post_async("/api/v1/organizations/:id/verification-code/check", organizations::check_code_entry)
        .post_async("/api/v1/admin/organizations/:id/validation", organizations::record_call)
        .post_async("/api/v1/domains", domains::create)
        .get_async("/api/v1/domains", domains::list)
        .get_async("/api/v1/domains/:id", domains::show)
        .post_async("/api/v1/domains/:id/check", domains::check)
        .post_async("/api/v1/domains/:id/resend", domains::resend)
        .post_async("/api/v1/domains/:id/method", domains::change_method)
        .post_async("/api/v1/mailboxes", domains::create_mailbox)
        .get_async("/api/v1/mailboxes", domains::list_mailboxes)
        .get_async("/api/v1/validations/:token", domains::show_link)
        .head_async("/api/v1/validations/:token", domains::show_link)
        .post_async("/api/v1/validations/:token", domains::confirm_link)
        .post_async("/api/v1/session", account::login)
        .get_async("/api/v1/session", account::show)
        .delete_async("/api/v1/session", account::logout)
        .get_async("/api/v1/sessions", account::list_sessions)
        .delete_async("/api/v1/sessions/:id", account::end_session)
        .post_async("/api/v1/account/password", account::change_password)
        .post_async("/api/v1/password-resets", account::request_reset)
        .get_async("/api/v1/password-resets/:token", account::show_reset)
        .post_async("/api/v1/password-resets/:token", account::reset)
        .get_async("/api/v1/users", account::list_users)
        .post_async("/api/v1/users", account::invite_user)
        .post_async("/api/v1/users/:id/disable", account::disable_user)
        .post_async("/api/v1/users/:id/enable", account::enable_user)
        .get_async("/api/v1/api-keys", account::list_api_keys)
        .post_async("/api/v1/api-keys", account::create_api_key)
        .delete_async("/api/v1/api-keys/:id", account::revoke_api_key)
        .post_async("/api/v1/orders", orders::place)
        .get_async("/api/v1/orders", orders::list)
        .get_async("/api/v1/orders/:id", orders::show)
        .post_async("/api/v1/orders/:id/cancel", orders::cancel)
        .post_async("/api/v1/orders/:id/recipients/:position/resend", orders::resend)
        .get_async("/api/v1/ledger", orders::ledger)
        .get_async("/api/v1/dev/mailbox", dev::mailbox)
        .post_async("/api/v1/dev/accounts", dev::create_account)
        .post_async("/api/v1/dev/seed", dev::seed)
        .or_else_any_method("/api/*rest", |_, _| error::AppError::route_not_found().into_response())
        .run(request, env)
        .await?;
    with_security_headers(response)
}

/// The scheduled handler (`[triggers] crons` in wrangler.toml): re-signs the issuing CA's CRL when the latest
/// is a day old, so it never goes stale even when nobody fetches it and nothing is revoked, deletes stale
/// revocation challenges, moves on orders whose validations completed (in case the request that completed them
/// could not), warns before certificates expire (30 and 7 days before), and delivers the mail outbox's due
/// messages.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _context: ScheduleContext) {
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(error) => return console_error!("scheduled: no database: {error:?}"),
    };
    let now = platform::now();
    // Each task on its own: one failing does not keep the others from running.
    if let Err(error) = repository::current_crl(&env, &db, now).await {
        console_error!("scheduled CRL refresh failed: {error:?}");
    }
    if let Err(error) = revocation::delete_stale_challenges(&db, now).await {
        console_error!("scheduled challenge clean-up failed: {error:?}");
    }
    if let Err(error) = orders::advance_all(&env, &db, now).await {
        console_error!("scheduled order advance failed: {error:?}");
    }
    // The reminders' emails are queued in their batches; the delivery below sends them.
    if let Err(error) = orders::remind_expiring(&env, &db, now).await {
        console_error!("scheduled expiry reminders failed: {error:?}");
    }
    if let Err(error) = outbox::deliver_due(&env, &db, platform::now(), 50).await {
        console_error!("scheduled mail delivery failed: {error:?}");
    }
}

/// `GET /api/v1/openapi.json`: the description `shared::api::openapi` wrote (a host test keeps it current).
fn openapi() -> Result<Response> {
    let mut response = Response::from_bytes(include_bytes!("../openapi.json").to_vec())?;
    response.headers_mut().set("Content-Type", "application/json")?;
    Ok(response)
}

/// API answers are personal and short-lived: never cached (unless the handler said otherwise, as the CA
/// repository does), never sniffed, never leaked through a Referer.
fn with_security_headers(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    if !headers.has("Cache-Control")? {
        headers.set("Cache-Control", "no-store")?;
    }
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}
