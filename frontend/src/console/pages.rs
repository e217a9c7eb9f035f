//! The console's page tables (issue 16): the console is several WebAssembly bundles, one binary each under
//! `src/bin/`, and `public/boot.js` picks the bundle from the path. Each binary starts the console with its
//! [`Bundle`], the list of the page [`Group`]s it renders; a group's `render` function is reached only through
//! its table, so the linker keeps only the pages of the groups a binary lists (the order form's request checks
//! with `der` and `ring` are in the orders' and device requests' bundles only). Moving between sections is a
//! full page load (plain links, [`super::form::go`]), so the split is invisible to users.
//!
//! [`BUNDLES`] names every bundle with its groups: the browser test in `tests.rs` reads `public/boot.js`'s map
//! and fails if a page's path lands on a bundle that does not render it.

use leptos::prelude::*;
use shared::account::Role;
use shared::api::account::SessionView;

use super::{
    NotFound, Section, account, activity, admin, attention, certificates, device_request_page, device_requests, login,
    orders, passkeys, password, reset, signup, validation,
};

/// A page of the console: the visitors' pages (no session) and the logged-in sections.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Page {
    /// `/login`.
    Login,
    /// `/reset`: asking for a password reset.
    ResetRequest,
    /// `/reset/{token}`: the emailed reset link.
    ResetLink,
    /// `/signup`: the public signup.
    Signup,
    /// `/signup/{token}`: the emailed signup link.
    SignupLink,
    /// `/validate/{token}`: the emailed validation link.
    ValidationLink,
    /// A logged-in section under `/console`.
    Console(Section),
}

impl Page {
    /// The page of a path, if the console has one.
    pub fn from_path(path: &str) -> Option<Self> {
        match path {
            "/login" => Some(Self::Login),
            "/reset" => Some(Self::ResetRequest),
            "/signup" => Some(Self::Signup),
            _ if path.starts_with("/reset/") => Some(Self::ResetLink),
            _ if path.starts_with("/signup/") => Some(Self::SignupLink),
            _ if path.starts_with("/validate/") => Some(Self::ValidationLink),
            _ => Section::from_path(path).map(Self::Console),
        }
    }

    /// What follows `prefix` in `path` (a token or an identifier); empty when it does not start with it.
    fn rest<'a>(path: &'a str, prefix: &str) -> &'a str {
        path.strip_prefix(prefix).unwrap_or_default()
    }
}

/// What a group's page is shown with: the path (its token or identifier) and, for a logged-in section, the
/// session.
pub struct Shown<'a> {
    /// `location.pathname`.
    pub path: &'a str,
    /// The session, read before a logged-in section is shown; `None` for the visitors' pages.
    pub session: Option<&'a SessionView>,
}

/// Pages used together, rendered by one function.
pub struct Group {
    /// The pages it renders.
    pub pages: &'static [Page],
    /// Renders one of `pages`; `None` for any other (or for a logged-in section without a session).
    pub render: fn(Page, &Shown) -> Option<AnyView>,
}

/// The groups one bundle renders.
pub type Bundle = &'static [&'static Group];

/// Whether a bundle renders a page.
pub fn serves(bundle: Bundle, page: Page) -> bool {
    bundle.iter().any(|group| group.pages.contains(&page))
}

/// Renders a page with the first group of the bundle that lists it; `None` when none does.
pub fn render(bundle: Bundle, page: Page, shown: &Shown) -> Option<AnyView> {
    bundle.iter().filter(|group| group.pages.contains(&page)).find_map(|group| (group.render)(page, shown))
}

/// The visitors' pages: login, password reset, signup, the emailed validation link.
pub static ENTRY: Group = Group {
    pages: &[Page::Login, Page::ResetRequest, Page::ResetLink, Page::Signup, Page::SignupLink, Page::ValidationLink],
    render: |page, shown| {
        let token = |prefix| Page::rest(shown.path, prefix).to_owned();
        Some(match page {
            Page::Login => view! { <login::LoginPage /> }.into_any(),
            Page::ResetRequest => view! { <reset::ResetRequestPage /> }.into_any(),
            Page::ResetLink => view! { <reset::ResetLinkPage token=token("/reset/") /> }.into_any(),
            Page::Signup => view! { <signup::SignupPage /> }.into_any(),
            Page::SignupLink => view! { <signup::SignupLinkPage token=token("/signup/") /> }.into_any(),
            Page::ValidationLink => view! { <validation::ValidationLinkPage token=token("/validate/") /> }.into_any(),
            Page::Console(_) => return None,
        })
    },
};

/// An organization's everyday pages: what needs attention, the account, users, API keys, the password, passkeys.
pub static HOME: Group = Group {
    pages: &[
        Page::Console(Section::Attention),
        Page::Console(Section::Account),
        Page::Console(Section::Users),
        Page::Console(Section::ApiKeys),
        Page::Console(Section::Password),
        Page::Console(Section::Passkeys),
    ],
    render: |page, shown| {
        let (Page::Console(section), Some(session)) = (page, shown.session) else { return None };
        let administrator = session.user.role == Role::OrgAdmin;
        let ca_administrator = session.user.role == Role::CaAdmin;
        Some(match section {
            Section::Attention if !ca_administrator => view! { <attention::AttentionPage /> }.into_any(),
            Section::Account | Section::Attention => {
                view! { <account::AccountOverview session=session.clone() /> }.into_any()
            }
            Section::Users if administrator => view! { <account::UsersPage me=session.user.id.clone() /> }.into_any(),
            Section::ApiKeys if administrator => view! { <account::ApiKeysPage /> }.into_any(),
            Section::Users | Section::ApiKeys => view! { <NotFound /> }.into_any(),
            Section::Passkeys => view! { <passkeys::PasskeysPage /> }.into_any(),
            Section::Password => view! {
                <password::ChangePasswordForm email=session.user.email.clone() temporary=None
                    must_change=session.user.must_change_password />
            }
            .into_any(),
            _ => return None,
        })
    },
};

/// The records: the account's certificate inventory and activity, and the CA administrators' certificate search
/// and audit log (the same views, reused).
pub static RECORDS: Group = Group {
    pages: &[
        Page::Console(Section::Certificates),
        Page::Console(Section::Activity),
        Page::Console(Section::AdminCertificates),
        Page::Console(Section::AdminAudit),
    ],
    render: |page, shown| {
        let (Page::Console(section), Some(session)) = (page, shown.session) else { return None };
        let administrator = session.user.role == Role::OrgAdmin;
        let ca_administrator = session.user.role == Role::CaAdmin;
        Some(match section {
            Section::Certificates => view! { <certificates::CertificatesPage /> }.into_any(),
            Section::Activity if administrator => view! { <activity::ActivityPage /> }.into_any(),
            Section::AdminCertificates if ca_administrator => {
                view! { <admin::certificates::AdminCertificatesPage /> }.into_any()
            }
            Section::AdminAudit if ca_administrator => view! { <admin::audit::AdminAuditPage /> }.into_any(),
            Section::Activity | Section::AdminCertificates | Section::AdminAudit => view! { <NotFound /> }.into_any(),
            _ => return None,
        })
    },
};

/// The order form, with its request checks (`der`, `ring`, the weak-key checks) and explanations: alone, the
/// heaviest page.
pub static ORDER_FORM: Group = Group {
    pages: &[Page::Console(Section::NewOrder)],
    render: |page, shown| {
        shown.session?;
        (page == Page::Console(Section::NewOrder)).then(|| view! { <orders::NewOrderPage /> }.into_any())
    },
};

/// The orders: the history and one order's pipeline.
pub static ORDERS: Group = Group {
    pages: &[Page::Console(Section::Orders), Page::Console(Section::Order)],
    render: |page, shown| {
        let Page::Console(section) = page else { return None };
        shown.session?;
        Some(match section {
            Section::Orders => view! { <orders::OrdersPage /> }.into_any(),
            Section::Order => {
                let id = Page::rest(shown.path.trim_end_matches('/'), "/console/orders/").to_owned();
                view! { <orders::OrderPage id=id /> }.into_any()
            }
            _ => return None,
        })
    },
};

/// Validation: organizations, domains, mailboxes.
pub static VALIDATION: Group = Group {
    pages: &[Page::Console(Section::Organizations), Page::Console(Section::Domains), Page::Console(Section::Mailboxes)],
    render: |page, shown| {
        let Page::Console(section) = page else { return None };
        shown.session?;
        Some(match section {
            Section::Organizations => view! { <validation::OrganizationsPage /> }.into_any(),
            Section::Domains => view! { <validation::DomainsPage /> }.into_any(),
            Section::Mailboxes => view! { <validation::MailboxesPage /> }.into_any(),
            _ => return None,
        })
    },
};

/// The device (server) requests' lists, the organization's and the CA administrators'.
pub static DEVICES: Group = Group {
    pages: &[Page::Console(Section::DeviceRequests), Page::Console(Section::AdminDeviceRequests)],
    render: |page, shown| {
        let (Page::Console(section), Some(session)) = (page, shown.session) else { return None };
        let ca_administrator = session.user.role == Role::CaAdmin;
        Some(match section {
            Section::DeviceRequests if !ca_administrator => {
                view! { <device_requests::DeviceRequestsPage role=session.user.role /> }.into_any()
            }
            Section::AdminDeviceRequests if ca_administrator => {
                view! { <admin::device_requests::AdminDeviceRequestsPage /> }.into_any()
            }
            Section::DeviceRequests | Section::AdminDeviceRequests => view! { <NotFound /> }.into_any(),
            _ => return None,
        })
    },
};

/// One device request's page, with its request read and explained (`der`, `ring`).
pub static DEVICE_REQUEST: Group = Group {
    pages: &[Page::Console(Section::DeviceRequest), Page::Console(Section::AdminDeviceRequest)],
    render: |page, shown| {
        let (Page::Console(section), Some(session)) = (page, shown.session) else { return None };
        let admin = match section {
            Section::DeviceRequest => false,
            Section::AdminDeviceRequest => true,
            _ => return None,
        };
        Some(device_request_page::page(admin, session.user.role == Role::CaAdmin))
    },
};

/// The CA administrators' own pages under `/console/admin/`: accounts, billing, vetting (their device requests,
/// certificate search and audit log are with the others' pages).
pub static ADMIN: Group = Group {
    pages: &[
        Page::Console(Section::AdminAccounts),
        Page::Console(Section::AdminBilling),
        Page::Console(Section::AdminVetting),
    ],
    render: |page, shown| {
        let (Page::Console(section), Some(session)) = (page, shown.session) else { return None };
        if session.user.role != Role::CaAdmin {
            return Some(view! { <NotFound /> }.into_any());
        }
        Some(match section {
            Section::AdminAccounts => view! { <admin::accounts::AccountsPage /> }.into_any(),
            Section::AdminBilling => view! { <admin::billing::BillingPage /> }.into_any(),
            Section::AdminVetting => view! { <admin::vetting::VettingPage /> }.into_any(),
            _ => return None,
        })
    },
};

/// The login bundle (`console-login`): what a visitor opens first.
pub static LOGIN_BUNDLE: Bundle = &[&ENTRY];
/// The everyday bundle (`console-home`).
pub static HOME_BUNDLE: Bundle = &[&HOME];
/// The records' bundle (`console-records`).
pub static RECORDS_BUNDLE: Bundle = &[&RECORDS];
/// The orders' bundle (`console-orders`).
pub static ORDERS_BUNDLE: Bundle = &[&ORDERS];
/// The order form's bundle (`console-order-form`).
pub static ORDER_FORM_BUNDLE: Bundle = &[&ORDER_FORM];
/// The validation bundle (`console-validation`).
pub static VALIDATION_BUNDLE: Bundle = &[&VALIDATION];
/// The device requests' lists' bundle (`console-devices`).
pub static DEVICES_BUNDLE: Bundle = &[&DEVICES];
/// One device request's bundle (`console-device-request`).
pub static DEVICE_REQUEST_BUNDLE: Bundle = &[&DEVICE_REQUEST];
/// The CA administrators' own pages' bundle (`console-admin`).
pub static ADMIN_BUNDLE: Bundle = &[&ADMIN];

/// Every console bundle by its name in `public/boot.js` (`/pkg/{name}.js`), for the test that checks the map.
pub static BUNDLES: &[(&str, Bundle)] = &[
    ("console-login", LOGIN_BUNDLE),
    ("console-home", HOME_BUNDLE),
    ("console-records", RECORDS_BUNDLE),
    ("console-orders", ORDERS_BUNDLE),
    ("console-order-form", ORDER_FORM_BUNDLE),
    ("console-validation", VALIDATION_BUNDLE),
    ("console-devices", DEVICES_BUNDLE),
    ("console-device-request", DEVICE_REQUEST_BUNDLE),
    ("console-admin", ADMIN_BUNDLE),
];
