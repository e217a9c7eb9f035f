//! The Keyward Worker: a thin `fetch` entry point. Routes decode a request into `shared` types, call the
//! service code, and encode the answer or one [`error::AppError`] mapped to HTTP in one place. The route table
//! pairs each endpoint declared in `shared::api` with its handler; no API path is spelled here.
//!
//! Architecture invariant: no request body, header, log line or row here ever holds a private key. The only
//! key material that arrives is a CSR, and only its public key is kept.

mod account;
mod admin_accounts;
mod audit;
mod auth;
mod ca;
mod caa;
mod cache;
mod call;
mod certificates;
mod contracts;
mod db;
#[cfg(feature = "development")]
mod dev;
mod device_requests;
mod doh;
mod domains;
mod enrollment;
mod error;
mod fulfilment;
mod installations;
mod inventory;
mod issuing;
mod lint;
mod locations;
mod notices;
mod ocsp;
mod orders;
mod organizations;
mod outbox;
mod passkeys;
mod platform;
mod reissue;
mod reminders;
mod renewal;
mod repository;
mod revocation;
mod sealing;
mod signup;
mod store;
mod vetting;

use std::future::Future;
use std::pin::Pin;

use shared::api::{self, Endpoint, Method};
use worker::{Context, Env, Request, Response, Result, Router, ScheduleContext, ScheduledEvent, console_error, event};

/// The HSTS policy of every answer.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000";

/// A request handler: the request and its route's parameters in, the answer out.
type Handler = fn(Request, call::Route) -> Pin<Box<dyn Future<Output = Result<Response>>>>;

/// Pairs each endpoint with its handler: `api::module::ENDPOINT => handler,` (a host test in
/// `shared::api::endpoint` reads these lines and checks that every declared endpoint is named once). A handler
/// takes a [`call::Call`] and returns `Result<Response, AppError>`; [`call::run`] makes the one from the request
/// and answers the other.
macro_rules! routes {
    ($($endpoint:expr => $handler:path,)*) => {
        &[$((&$endpoint, |request, context| {
            Box::pin(call::run(&$endpoint, request, context, |call| Box::pin($handler(call))))
        }),)*]
    };
}

/// Every API endpoint and its handler. Method and path come from the endpoint's declaration in `shared::api`.
const ROUTES: &[(&Endpoint, Handler)] = routes![
    api::endpoint::OPENAPI_DOCUMENT => openapi,
    api::policy::SHOW_POLICY => policy,
    api::enrollment::SHOW_ENROLLMENT => enrollment::show,
    api::enrollment::SUBMIT_CSR => enrollment::submit,
    api::revocation::CERTIFICATE_STATUS => revocation::status,
    api::revocation::REVOCATION_CHALLENGE => revocation::challenge,
    api::revocation::REVOKE_CERTIFICATE => revocation::revoke,
    api::revocation::DOWNLOAD_CERTIFICATE => certificates::download,
    api::installation::INSTALLATION_CHALLENGE => installations::challenge,
    api::installation::RECORD_INSTALLATION => installations::record,
    api::installation::MTLS_INSTALLATION => installations::mtls,
    api::organization::CREATE_ORGANIZATION => organizations::create,
    api::organization::LIST_ORGANIZATIONS => organizations::list,
    api::organization::SHOW_ORGANIZATION => organizations::show,
    api::organization::SEND_VERIFICATION_CODE => organizations::send_code,
    api::organization::CHECK_VERIFICATION_CODE => organizations::check_code_entry,
    api::vetting::VETTING_WORK_LIST => vetting::work_list,
    api::vetting::SHOW_VETTING => vetting::show,
    api::vetting::DECIDE_VETTING => vetting::decide,
    api::vetting::ANSWER_VETTING => vetting::answer,
    api::domain::CREATE_DOMAIN => domains::create,
    api::domain::LIST_DOMAINS => domains::list,
    api::domain::SHOW_DOMAIN => domains::show,
    api::domain::CHECK_DOMAIN => domains::check,
    api::domain::RESEND_DOMAIN => domains::resend,
    api::domain::CHANGE_DOMAIN_METHOD => domains::change_method,
    api::domain::CREATE_MAILBOX => domains::create_mailbox,
    api::domain::LIST_MAILBOXES => domains::list_mailboxes,
    api::domain::SHOW_VALIDATION_LINK => domains::show_link,
    api::domain::PROBE_VALIDATION_LINK => domains::show_link,
    api::domain::CONFIRM_VALIDATION_LINK => domains::confirm_link,
    api::account::LOG_IN => account::login,
    api::account::SHOW_SESSION => account::show,
    api::account::LOG_OUT => account::logout,
    api::account::LIST_SESSIONS => account::list_sessions,
    api::account::END_SESSION => account::end_session,
    api::account::CHANGE_PASSWORD => account::change_password,
    api::account::REQUEST_RESET => account::request_reset,
    api::account::SHOW_RESET => account::show_reset,
    api::account::RESET_PASSWORD => account::reset,
    api::account::LIST_USERS => account::list_users,
    api::account::INVITE_USER => account::invite_user,
    api::account::DISABLE_USER => account::disable_user,
    api::account::ENABLE_USER => account::enable_user,
    api::account::LIST_API_KEYS => account::list_api_keys,
    api::account::CREATE_API_KEY => account::create_api_key,
    api::account::REVOKE_API_KEY => account::revoke_api_key,
    api::notices::SHOW_REMINDER_SETTINGS => notices::show_settings,
    api::notices::UPDATE_REMINDER_SETTINGS => notices::update_settings,
    api::notices::SHOW_ATTENTION => notices::show_attention,
    api::signup::SIGN_UP => signup::sign_up,
    api::signup::SHOW_SIGNUP => signup::show,
    api::signup::COMPLETE_SIGNUP => signup::complete,
    api::admin_account::LIST_ACCOUNTS => admin_accounts::list,
    api::admin_account::SHOW_ACCOUNT => admin_accounts::show,
    api::admin_account::CREATE_ACCOUNT => admin_accounts::create,
    api::admin_account::CHANGE_ADMINISTRATOR => admin_accounts::change_administrator,
    api::admin_account::DISABLE_ACCOUNT => admin_accounts::disable,
    api::admin_account::ENABLE_ACCOUNT => admin_accounts::enable,
    api::passkey::PASSKEY_REGISTRATION_OPTIONS => passkeys::registration_options,
    api::passkey::REGISTER_PASSKEY => passkeys::register,
    api::passkey::LIST_PASSKEYS => passkeys::list,
    api::passkey::REMOVE_PASSKEY => passkeys::remove,
    api::passkey::PASSKEY_LOGIN_OPTIONS => passkeys::login_options,
    api::passkey::CONFIRM_WITH_PASSKEY => passkeys::confirm_with_passkey,
    api::passkey::CONFIRM_WITH_RECOVERY_CODE => passkeys::confirm_with_recovery_code,
    api::order::PLACE_ORDER => orders::place,
    api::order::LIST_ORDERS => orders::list,
    api::order::SHOW_ORDER => orders::show,
    api::order::CANCEL_ORDER => orders::cancel,
    api::renewal::RENEW_ORDER => self::renewal::renew_now,
    api::order::RESEND_ENROLLMENT => orders::resend,
    api::order::SHOW_LEDGER => orders::ledger,
    api::inventory::LIST_CERTIFICATES => inventory::list,
    api::inventory::CURRENT_CERTIFICATE => inventory::current,
    api::inventory::CONFIRM_SAVED => inventory::saved,
    api::inventory::ADMIN_SEARCH_CERTIFICATES => inventory::admin_search,
    api::reissue::REISSUE_CERTIFICATE => reissue::reissue,
    api::reissue::CANCEL_REISSUE => reissue::cancel,
    api::reissue::REQUEST_REISSUE => reissue::request,
    api::reissue::SHOW_REISSUE_SETTINGS => reissue::show_settings,
    api::reissue::UPDATE_REISSUE_SETTINGS => reissue::update_settings,
    api::audit::LIST_AUDIT => audit::list,
    api::audit::EXPORT_AUDIT => audit::export,
    api::audit::ADMIN_LIST_AUDIT => audit::admin_list,
    api::audit::ADMIN_EXPORT_AUDIT => audit::admin_export,
    api::contract::LIST_CONTRACTS => contracts::list_own,
    api::contract::LIST_ACCOUNT_CONTRACTS => contracts::list,
    api::contract::CREATE_CONTRACT => contracts::create,
    api::contract::END_CONTRACT => contracts::end,
    api::contract::RECORD_DEPOSIT => contracts::deposit,
    api::contract::SHOW_ACCOUNT_LEDGER => contracts::account_ledger,
    api::device_requests::CREATE_DEVICE_REQUEST => device_requests::create,
    api::device_requests::LIST_DEVICE_REQUESTS => device_requests::list,
    api::device_requests::SHOW_DEVICE_REQUEST => device_requests::show,
    api::device_requests::EDIT_DEVICE_REQUEST => device_requests::edit,
    api::device_requests::CANCEL_DEVICE_REQUEST => device_requests::cancel,
    api::device_requests::DECIDE_DEVICE_REQUEST => device_requests::decide,
    api::device_requests::ADMIN_DEVICE_QUEUE => device_requests::admin_queue,
    api::device_requests::ADMIN_SHOW_DEVICE_REQUEST => device_requests::admin_show,
    api::device_requests::ADMIN_DECIDE_DEVICE_REQUEST => device_requests::admin_decide,
    api::device_requests::LIST_ENROLLMENT_MANAGERS => device_requests::list_managers,
    api::device_requests::GRANT_ENROLLMENT_MANAGER => device_requests::grant_manager,
    api::device_requests::REMOVE_ENROLLMENT_MANAGER => device_requests::remove_manager,
    api::device_requests::SHOW_DEVICE_SETTINGS => device_requests::show_settings,
    api::device_requests::CHANGE_DEVICE_SETTINGS => device_requests::change_settings,
];

/// The development routes, in the `development` build only (`cargo xtask dev`, `test`, `bench`): the build to
/// deploy has neither the routes nor their handlers.
#[cfg(feature = "development")]
const DEVELOPMENT_ROUTES: &[(&Endpoint, Handler)] = routes![
    api::dev::DEV_MAILBOX => dev::mailbox,
    api::dev::DEV_CREATE_ACCOUNT => dev::create_account,
    api::dev::DEV_SEED => dev::seed,
    api::dev::DEV_REMINDER_SWEEP => dev::reminder_sweep,
];

#[event(fetch)]
async fn fetch(request: Request, env: Env, context: Context) -> Result<Response> {
    // The fetch event's context travels with the route, for work after the answer (`Call::after_answer`).
    let mut router = Router::with_data(context);
    let path = request.path();
    // The router is made for one request (its `run` takes it): registering every route each time cost about a
    // millisecond of an issuance. The API route this request takes is found in a table built once per isolate, and
    // the router gets that route alone; a request no API route takes (the repository, a 404 or a 405) gets them all,
    // so it is answered exactly as before.
    let method = request.inner().method();
    match ROUTE_TABLE.with(|table| table.find(&method, &path)) {
        Some((endpoint, handler)) => router = route(router, endpoint, handler),
        None => {
            for (endpoint, handler) in all_routes() {
                router = route(router, endpoint, *handler);
            }
        }
    }
    // The router reads a method it does not know (`QUERY`, `FOO`) as GET and would answer it as one: such a method
    // is refused here (405 where the path exists, 404 where it does not); the methods it knows and no route takes
    // get its 405 below.
    if !KNOWN_METHODS.contains(&request.inner().method().as_str()) {
        let response = if allowed_methods(&path).is_empty() {
            error::AppError::route_not_found().into_response()?
        } else {
            method_not_allowed(&path)?
        };
        return with_security_headers(response);
    }
    // The CA repository and the OCSP responder: outside the JSON API, at the paths every certificate states.
    let response = router
        .get_async(locations::ISSUING_CERTIFICATE_PATH, repository::issuing_certificate)
        .get_async(locations::ROOT_CERTIFICATE_PATH, repository::root_certificate)
        .get_async(locations::CRL_PATH, repository::certificate_revocation_list)
        .get_async(locations::ROOT_CRL_PATH, repository::root_certificate_revocation_list)
        .post_async(locations::OCSP_PATH, ocsp::post)
        .get_async(&format!("{}/*request", locations::OCSP_PATH), ocsp::get)
        .or_else_any_method("/api/*rest", |_, _| error::AppError::route_not_found().into_response())
        .run(request, env)
        .await?;
    // The router's own 405 (a path it knows, under another method) is bare text without `Allow`.
    let response = if response.status_code() == 405 { method_not_allowed(&path)? } else { response };
    with_security_headers(response)
}

/// The methods the router tells apart (workers-rs `Method`); any other reads as GET there.
const KNOWN_METHODS: &[&str] =
    &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "REPORT"];

/// The 405 for a path that exists under other methods, read as every rejection is (`method_not_allowed`, field
/// `null`), with the `Allow` header RFC 9110 (15.5.6) requires: the methods the path does answer.
fn method_not_allowed(path: &str) -> Result<Response> {
    let allowed = allowed_methods(path).join(", ");
    let message = format!("This path answers {allowed} only.");
    let error = api::ApiError { code: "method_not_allowed".into(), field: None, message };
    let mut response = Response::from_json(&api::ErrorBody { error })?.with_status(405);
    response.headers_mut().set("Allow", &allowed)?;
    Ok(response)
}

/// The methods `path` answers: those of the API routes whose path it matches ([`Endpoint::matches`]), the most
/// specific path only (the most literal segments: `/certificates/{serial}/revocation` before
/// `/certificates/{serial}/{format}`, as the router and the OpenAPI document both read it), and those of the CA
/// repository and the OCSP responder registered in `fetch`.
fn allowed_methods(path: &str) -> Vec<&'static str> {
    let matching: Vec<&Endpoint> =
        all_routes().filter(|(endpoint, _)| endpoint.matches(path)).map(|(endpoint, _)| *endpoint).collect();
    let literals = |endpoint: &Endpoint| endpoint.path.split('/').filter(|segment| !segment.starts_with('{')).count();
    let most_specific = matching.iter().map(|endpoint| literals(endpoint)).max();
    let mut methods: Vec<&'static str> = matching
        .iter()
        .filter(|endpoint| Some(literals(endpoint)) == most_specific)
        .map(|endpoint| endpoint.method.as_str())
        .collect();
    let repository = [
        locations::ISSUING_CERTIFICATE_PATH,
        locations::ROOT_CERTIFICATE_PATH,
        locations::CRL_PATH,
        locations::ROOT_CRL_PATH,
    ];
    let ocsp_get = path.strip_prefix(locations::OCSP_PATH).and_then(|rest| rest.strip_prefix('/'));
    if repository.contains(&path) || ocsp_get.is_some_and(|request| !request.is_empty()) {
        methods.push(Method::Get.as_str());
    }
    if path == locations::OCSP_PATH {
        methods.push(Method::Post.as_str());
    }
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// Every API route: [`ROUTES`], and in the development build [`DEVELOPMENT_ROUTES`].
fn all_routes() -> impl Iterator<Item = &'static (&'static Endpoint, Handler)> {
    let routes = ROUTES.iter();
    #[cfg(feature = "development")]
    let routes = routes.chain(DEVELOPMENT_ROUTES.iter());
    routes
}

/// The API routes by method, each path pattern matched as the router matches it (the same `matchit`), to its
/// endpoint and handler.
struct RouteTable(Vec<(&'static str, matchit::Router<(&'static Endpoint, Handler)>)>);

impl RouteTable {
    /// The table of [`all_routes`]. A pattern the matcher refuses is left out: the router refuses it too, on the
    /// path every request of that route then takes (all routes registered).
    fn new() -> Self {
        let mut table: Vec<(&'static str, matchit::Router<(&'static Endpoint, Handler)>)> = Vec::new();
        for &(endpoint, handler) in all_routes() {
            let method = endpoint.method.as_str();
            let position = match table.iter().position(|(known, _)| *known == method) {
                Some(position) => position,
                None => {
                    table.push((method, matchit::Router::new()));
                    table.len() - 1
                }
            };
            // Refused only for a pattern that conflicts with another: see above.
            let _ = table[position].1.insert(endpoint.route_pattern(), (endpoint, handler));
        }
        Self(table)
    }

    /// The API route a request of `method` on `path` takes, if one does.
    fn find(&self, method: &str, path: &str) -> Option<(&'static Endpoint, Handler)> {
        let (_, matcher) = self.0.iter().find(|(known, _)| *known == method)?;
        Some(*matcher.at(path).ok()?.value)
    }
}

thread_local! {
    /// The API route table, built by the isolate's first request.
    static ROUTE_TABLE: RouteTable = RouteTable::new();
}

/// Registers `handler` for `endpoint`'s method on its path, in the router's syntax ([`Endpoint::route_pattern`]).
fn route(router: Router<'static, Context>, endpoint: &Endpoint, handler: Handler) -> Router<'static, Context> {
    let pattern = endpoint.route_pattern();
    let handler = move |request, context| handler(request, context);
    match endpoint.method {
        Method::Get => router.get_async(&pattern, handler),
        Method::Head => router.head_async(&pattern, handler),
        Method::Post => router.post_async(&pattern, handler),
        Method::Delete => router.delete_async(&pattern, handler),
    }
}

/// The scheduled handler (`[triggers] crons` in wrangler.toml): re-signs the issuing CA's CRL when the latest
/// is a day old, so it never goes stale even when nobody fetches it and nothing is revoked, deletes stale
/// revocation challenges, moves on orders whose validations completed (in case the request that completed them
/// could not), warns before certificates expire (30 and 7 days before), and delivers the mail outbox's due
/// messages, then seals the audit records written since the last seal (`sealing::seal_pending`).
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
    if let Err(error) = installations::delete_stale_challenges(&db, now).await {
        console_error!("scheduled installation challenge clean-up failed: {error:?}");
    }
    if let Err(error) = passkeys::delete_stale_challenges(&db, now).await {
        console_error!("scheduled passkey challenge clean-up failed: {error:?}");
    }
    if let Err(error) = fulfilment::advance_all(&env, &db, now).await {
        console_error!("scheduled order advance failed: {error:?}");
    }
    // Renewals before reminders; their emails are queued in their batches, like the reminders'.
    if let Err(error) = self::renewal::renew_due(&env, &db, now).await {
        console_error!("scheduled renewals failed: {error:?}");
    }
    // Reissued certificates' predecessors revoked `superseded` once their grace period has passed.
    if let Err(error) = reissue::supersede_due(&env, &db, now).await {
        console_error!("scheduled supersession failed: {error:?}");
    }
    // The reminders' emails are queued in their batches; the delivery below sends them.
    if let Err(error) = reminders::remind_expiring(&env, &db, now).await {
        console_error!("scheduled expiry reminders failed: {error:?}");
    }
    if let Err(error) = outbox::deliver_due(&env, &db, platform::now(), 50).await {
        console_error!("scheduled mail delivery failed: {error:?}");
    }
    // Last, so the records the tasks above wrote are sealed in this run.
    if let Err(error) = sealing::seal_pending(&db).await {
        console_error!("scheduled audit sealing failed: {error:?}");
    }
}

/// `GET /api/v1/openapi.json`: the description `shared::api::openapi` wrote (a host test keeps `edge/openapi.json`
/// current), read from the static assets (`ASSETS`), where the build copies it to this same path
/// (`dist/api/v1/openapi.json`, xtask's `build::openapi_asset`). Not embedded: its 378 KB were a third of the
/// Worker's data and counted against the 1 MB upload budget (issue 4), which assets do not. Answered as the other
/// API answers are (`application/json`, `no-store`, the security headers), not with the asset's caching headers.
async fn openapi(call: call::Call) -> core::result::Result<Response, error::AppError> {
    let mut url = call.request.url()?;
    url.set_query(None);
    let asset = call.env().assets("ASSETS")?.fetch(url.as_str(), None).await?;
    // A missing file would come back as the app's index.html (the single-page fallback, 200): refused rather than
    // served as the description.
    let kind = asset.headers().get("Content-Type")?.unwrap_or_default();
    if asset.status_code() != 200 || !kind.starts_with("application/json") {
        return Err(error::AppError::internal(&format!(
            "the static assets have no {} (status {}, {kind}): build with cargo xtask build",
            url.path(),
            asset.status_code()
        )));
    }
    let mut response = Response::from_body(asset.body().clone())?;
    response.headers_mut().set("Content-Type", "application/json")?;
    Ok(response)
}

/// `GET /api/v1/policy`: the profiles, key types and validity caps in force now.
async fn policy(call: call::Call) -> core::result::Result<Response, error::AppError> {
    Ok(Response::from_json(&shared::api::policy::policy(call.now))?)
}

/// API answers are personal and short-lived: never cached (unless the handler said otherwise, as the CA
/// repository does), never sniffed, never leaked through a Referer, and only ever fetched over HTTPS once a
/// browser has seen one (HSTS, two years; not `includeSubDomains`, since the CA repository may be a plain-HTTP
/// subdomain, as relying parties fetch CRLs; the same header is on the static assets, `public/_headers`).
fn with_security_headers(mut response: Response) -> Result<Response> {
    let headers = response.headers_mut();
    if !headers.has("Cache-Control")? {
        headers.set("Cache-Control", "no-store")?;
    }
    headers.set("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}
