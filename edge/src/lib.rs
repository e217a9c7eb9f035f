//! The Keyward Worker: a thin `fetch` entry point. Routes decode a request into `shared` types, call the
//! service code, and encode the answer or one [`error::AppError`] mapped to HTTP in one place.
//!
//! Architecture invariant: no request body, header, log line or row here ever holds a private key. The only
//! key material that arrives is a CSR, and only its public key is kept.

mod auth;
mod ca;
mod certificates;
mod db;
mod dev;
mod enrollment;
mod error;
mod ocsp;
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
        .get_async("/api/v1/dev/mailbox", dev::mailbox)
        .post_async("/api/v1/dev/seed", dev::seed)
        .or_else_any_method("/api/*rest", |_, _| error::AppError::route_not_found().into_response())
        .run(request, env)
        .await?;
    with_security_headers(response)
}

/// The scheduled handler (`[triggers] crons` in wrangler.toml): re-signs the issuing CA's CRL when the latest
/// is a day old, so it never goes stale even when nobody fetches it and nothing is revoked, and deletes stale
/// revocation challenges; then delivers the mail outbox's due messages.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _context: ScheduleContext) {
    let refreshed = async {
        let db = env.d1("DB")?;
        let now = platform::now();
        revocation::delete_stale_challenges(&db, now).await?;
        repository::current_crl(&env, &db, now).await.map(drop)
    };
    if let Err(error) = refreshed.await {
        console_error!("scheduled CRL refresh failed: {error:?}");
    }
    if let Err(error) = async { outbox::deliver_due(&env, &env.d1("DB")?, platform::now(), 50).await }.await {
        console_error!("scheduled mail delivery failed: {error:?}");
    }
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
