//! The organizations' console, its own bundles (`src/bin/console_*.rs`, `/pkg/console-*.js`, one per group of
//! pages: [`pages`]): `/login`, `/reset`,
//! `/reset/{token}`, the emailed validation link `/validate/{token}`, and under `/console` what needs attention
//! (`attention.rs`, the landing page of organization users; CA administrators land on their account), the
//! account, users, API keys, the password, organizations, domains and mailboxes with their validation, the orders (history, form,
//! one order's pipeline), the certificate inventory, the account's activity (`activity.rs`), the public signup
//! (`/signup`, `/signup/{token}`) and the CA administrators' pages (`admin/`). Pages are picked by path
//! (no router crate); the logged-in ones first read `GET /api/v1/session`, send a visitor without a session to
//! `/login` and a user who still has a temporary password to `/console/password`.
//!
//! The session cookie is HttpOnly: the page never reads or writes it; every request is a same-origin `fetch`
//! that carries it (`crate::api`). Passwords never leave the page (see [`secret`]).

mod account;
mod activity;
pub mod admin;
mod attention;
mod attention_texts;
mod certificates;
mod csr_explain;
mod device_request_page;
pub(crate) mod device_requests;
mod form;
mod login;
mod machine_fields;
pub(crate) mod order_csr;
mod order_texts;
mod orders;
pub mod pages;
mod passkeys;
mod password;
mod reset;
mod secret;
mod signup;
mod signup_texts;
mod subject_name;
mod texts;
pub(crate) mod validation;

#[cfg(test)]
mod order_tests;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use shared::account::Role;
use shared::api::account::{LOG_OUT, SHOW_SESSION, SessionView};
use shared::api::passkey::PasskeyStep;

use self::form::go;
use self::pages::{Bundle, Page, Shown};
use self::texts::text;
use crate::api;
use crate::i18n::{I18n, LanguageSwitch, error_line, use_i18n};

/// Mounts the console on the page, with the pages of one bundle (see [`pages`]).
pub fn start(bundle: Bundle) {
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(move || view! { <ConsoleApp bundle=bundle /> });
}

/// A logged-in page of the console.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Section {
    /// `/console`: what needs attention (organization users), the account (CA administrators).
    Attention,
    /// `/console/account`: who is logged in, the account.
    Account,
    /// `/console/users` (organization administrators).
    Users,
    /// `/console/api-keys` (organization administrators).
    ApiKeys,
    /// `/console/password`.
    Password,
    /// `/console/orders`: the order history.
    Orders,
    /// `/console/orders/new`: the order form.
    NewOrder,
    /// `/console/orders/{id}`: one order and its pipeline.
    Order,
    /// `/console/organizations`: organizations and their validation.
    Organizations,
    /// `/console/domains`: domains and their validation.
    Domains,
    /// `/console/mailboxes`: addresses at public mail providers.
    Mailboxes,
    /// `/console/certificates`: the account's certificate inventory.
    Certificates,
    /// `/console/admin/certificates`: any certificate by serial or address (CA administrators).
    AdminCertificates,
    /// `/console/activity` (organization administrators): the account's audit trail.
    Activity,
    /// `/console/admin/audit` (CA administrators): the audit log of every account and of the CA.
    AdminAudit,
    /// `/console/admin/accounts` (CA administrators): accounts and their administrators.
    AdminAccounts,
    /// `/console/admin/billing`: an account's contracts, deposits and ledger (CA administrators).
    AdminBilling,
    /// `/console/admin/vetting`: the CA administrators' vetting work list.
    AdminVetting,
    /// `/console/passkeys`: the caller's passkeys.
    Passkeys,
    /// `/console/device-requests`: the organization's device (server) requests.
    DeviceRequests,
    /// `/console/admin/device-requests`: every account's device requests (CA administrators).
    AdminDeviceRequests,
    /// `/console/device-requests/{id}`: one request's page.
    DeviceRequest,
    /// `/console/admin/device-requests/{id}`: one request's page (CA administrators).
    AdminDeviceRequest,
}

impl Section {
    /// The section of a path under `/console`, if there is one.
    pub fn from_path(path: &str) -> Option<Self> {
        match path.trim_end_matches('/') {
            "/console" => Some(Self::Attention),
            "/console/account" => Some(Self::Account),
            "/console/users" => Some(Self::Users),
            "/console/api-keys" => Some(Self::ApiKeys),
            "/console/password" => Some(Self::Password),
            "/console/orders" => Some(Self::Orders),
            "/console/orders/new" => Some(Self::NewOrder),
            "/console/organizations" => Some(Self::Organizations),
            "/console/domains" => Some(Self::Domains),
            "/console/mailboxes" => Some(Self::Mailboxes),
            "/console/certificates" => Some(Self::Certificates),
            "/console/admin/certificates" => Some(Self::AdminCertificates),
            "/console/activity" => Some(Self::Activity),
            "/console/admin/audit" => Some(Self::AdminAudit),
            "/console/admin/accounts" => Some(Self::AdminAccounts),
            "/console/admin/billing" => Some(Self::AdminBilling),
            "/console/admin/vetting" => Some(Self::AdminVetting),
            "/console/passkeys" => Some(Self::Passkeys),
            "/console/device-requests" => Some(Self::DeviceRequests),
            "/console/admin/device-requests" => Some(Self::AdminDeviceRequests),
            other if other.starts_with("/console/device-requests/") => Some(Self::DeviceRequest),
            other if other.starts_with("/console/admin/device-requests/") => Some(Self::AdminDeviceRequest),
            other => other.strip_prefix("/console/orders/").filter(|id| !id.contains('/')).map(|_| Self::Order),
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Attention => "/console",
            Self::Account => "/console/account",
            Self::Users => "/console/users",
            Self::ApiKeys => "/console/api-keys",
            Self::Password => "/console/password",
            Self::Orders | Self::Order => "/console/orders",
            Self::NewOrder => "/console/orders/new",
            Self::Organizations => "/console/organizations",
            Self::Domains => "/console/domains",
            Self::Mailboxes => "/console/mailboxes",
            Self::Certificates => "/console/certificates",
            Self::AdminCertificates => "/console/admin/certificates",
            Self::Activity => "/console/activity",
            Self::AdminAudit => "/console/admin/audit",
            Self::AdminAccounts => "/console/admin/accounts",
            Self::AdminBilling => "/console/admin/billing",
            Self::AdminVetting => "/console/admin/vetting",
            Self::Passkeys => "/console/passkeys",
            Self::DeviceRequests | Self::DeviceRequest => "/console/device-requests",
            Self::AdminDeviceRequests | Self::AdminDeviceRequest => "/console/admin/device-requests",
        }
    }

    /// Its name in `data-testid="nav-{name}"`.
    fn name(self) -> &'static str {
        match self {
            Self::Attention => "attention",
            Self::Account => "account",
            Self::Users => "users",
            Self::ApiKeys => "api-keys",
            Self::Password => "password",
            Self::Orders | Self::Order => "orders",
            Self::NewOrder => "new-order",
            Self::Organizations => "organizations",
            Self::Domains => "domains",
            Self::Mailboxes => "mailboxes",
            Self::Certificates => "certificates",
            Self::AdminCertificates => "admin-certificates",
            Self::Activity => "activity",
            Self::AdminAudit => "admin-audit",
            Self::AdminAccounts => "admin-accounts",
            Self::AdminBilling => "admin-billing",
            Self::AdminVetting => "admin-vetting",
            Self::Passkeys => "passkeys",
            Self::DeviceRequests | Self::DeviceRequest => "device-requests",
            Self::AdminDeviceRequests | Self::AdminDeviceRequest => "admin-device-requests",
        }
    }

    /// Whether only organization administrators reach it (the Worker refuses the others anyway).
    fn for_administrators(self) -> bool {
        matches!(self, Self::Users | Self::ApiKeys | Self::Activity)
    }

    /// Whether only CA administrators reach it (the Worker refuses the others anyway).
    fn for_ca_administrators(self) -> bool {
        matches!(
            self,
            Self::AdminAccounts
                | Self::AdminAudit
                | Self::AdminBilling
                | Self::AdminCertificates
                | Self::AdminVetting
                | Self::AdminDeviceRequests
                | Self::AdminDeviceRequest
        )
    }
}

/// Picks the page from the path, among the bundle's.
#[component]
fn ConsoleApp(bundle: Bundle) -> impl IntoView {
    I18n::provide();
    let path = window().location().pathname().unwrap_or_default();
    let page = match Page::from_path(&path) {
        Some(Page::Console(section)) => view! { <LoggedIn section=section bundle=bundle /> }.into_any(),
        Some(page) => pages::render(bundle, page, &Shown { path: &path, session: None })
            .unwrap_or_else(|| view! { <NotFound /> }.into_any()),
        None => view! { <NotFound /> }.into_any(),
    };
    view! {
        <header class="bar"><a href="/console" class="brand">"Keyward"</a><LanguageSwitch /></header>
        <main class="console">{page}</main>
    }
}

/// Reads the session, then shows the section with the navigation and the logout button.
#[component]
fn LoggedIn(section: Section, bundle: Bundle) -> impl IntoView {
    let t = use_i18n();
    let session = LocalResource::new(|| api::call::<SessionView>(&SHOW_SESSION, &[]));
    move || match session.get() {
        None => view! { <p>{text(t, |texts| texts.loading)}</p> }.into_any(),
        Some(Err(problem)) if problem.code == "unauthenticated" => {
            go("/login");
            ().into_any()
        }
        Some(Err(problem)) => error_line(problem, t).into_any(),
        // The login's passkey step comes before anything else (the Worker refuses the rest meanwhile).
        Some(Ok(session)) if session.passkey != PasskeyStep::Done => {
            view! { <passkeys::PasskeyStepPage step=session.passkey /> }.into_any()
        }
        Some(Ok(session)) if session.user.must_change_password && section != Section::Password => {
            go(Section::Password.path());
            ().into_any()
        }
        Some(Ok(session)) => {
            let path = window().location().pathname().unwrap_or_default();
            let body = pages::render(bundle, Page::Console(section), &Shown { path: &path, session: Some(&session) })
                .unwrap_or_else(|| view! { <NotFound /> }.into_any());
            view! { <Navigation session=session section=section /> {body} }.into_any()
        }
    }
}

/// The console's navigation (only what exists, and only what the role may use), who is logged in, and the
/// logout button.
#[component]
fn Navigation(session: SessionView, section: Section) -> impl IntoView {
    let t = use_i18n();
    let administrator = session.user.role == Role::OrgAdmin;
    let ca_administrator = session.user.role == Role::CaAdmin;
    let must_change = session.user.must_change_password;
    let entry = move |target: Section, label: fn(crate::i18n::Lang) -> &'static str| {
        // A CA administrator's `/console` is the account page.
        let current = (target == section
            || (target == Section::Orders && section == Section::Order)
            || (target == Section::DeviceRequests && section == Section::DeviceRequest)
            || (target == Section::AdminDeviceRequests && section == Section::AdminDeviceRequest)
            || (ca_administrator && target == Section::Account && section == Section::Attention))
            .then_some("page");
        view! { <a href=target.path() aria-current=current data-testid=format!("nav-{}", target.name())>{move || label(t.lang())}</a> " " }
    };
    let entries = [
        (Section::Attention, attention::nav_label as fn(crate::i18n::Lang) -> &'static str),
        (Section::Account, |lang| texts::console_texts(lang).nav_account),
        (Section::Orders, |lang| order_texts::order_texts(lang).nav_orders),
        (Section::NewOrder, |lang| order_texts::order_texts(lang).nav_new_order),
        (Section::Organizations, |lang| lang.pick("Organizations", "Organisations")),
        (Section::Domains, |lang| lang.pick("Domains", "Domaines")),
        (Section::Mailboxes, |lang| lang.pick("Mailboxes", "Boîtes aux lettres")),
        (Section::Certificates, |lang| lang.pick("Certificates", "Certificats")),
        (Section::AdminCertificates, |lang| lang.pick("Find a certificate", "Trouver un certificat")),
        (Section::Users, |lang| texts::console_texts(lang).nav_users),
        (Section::ApiKeys, |lang| texts::console_texts(lang).nav_api_keys),
        (Section::Activity, |lang| activity::activity_texts(lang).nav),
        (Section::AdminAudit, |lang| activity::activity_texts(lang).admin_title),
        (Section::Password, |lang| texts::console_texts(lang).nav_password),
        (Section::AdminAccounts, |lang| lang.pick("Accounts (CA)", "Comptes (AC)")),
        (Section::AdminBilling, |lang| lang.pick("Billing", "Facturation")),
        (Section::AdminVetting, |lang| lang.pick("Vetting", "Vérification")),
        (Section::Passkeys, passkeys::nav_label),
        (Section::DeviceRequests, device_requests::nav_label),
        (Section::AdminDeviceRequests, |lang| lang.pick("Server requests", "Demandes de serveurs")),
    ]
    .into_iter()
    .filter(|(target, _)| !must_change || *target == Section::Password)
    .filter(|(target, _)| administrator || !target.for_administrators())
    .filter(|(target, _)| ca_administrator || !target.for_ca_administrators())
    .filter(|(target, _)| !ca_administrator || *target != Section::Attention)
    .map(|(target, label)| entry(target, label))
    .collect_view();
    let logout = move |_| {
        leptos::task::spawn_local(async move {
            // Whatever the answer (an ended session answers 401), the page goes to the login.
            let _ = api::call::<()>(&LOG_OUT, &[]).await;
            go("/login");
        });
    };
    view! {
        <nav class="console-nav" aria-label="Console" data-testid="console-nav">
            {entries}
            <span class="who">{text(t, |texts| texts.logged_in_as)}<strong data-testid="who">{session.user.email}</strong></span>
            " "
            <button type="button" data-testid="logout" on:click=logout>{text(t, |texts| texts.logout)}</button>
        </nav>
    }
}

/// Unknown console path.
#[component]
fn NotFound() -> impl IntoView {
    let t = use_i18n();
    view! {
        <h1>{t.text(|texts| texts.not_found_title)}</h1>
        <p><a href=Section::Account.path()>{text(t, |texts| texts.nav_account)}</a></p>
    }
}
