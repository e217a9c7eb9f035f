//! What an endpoint is: its method, path, who may call it and what it does, declared once as a constant in the
//! module of its resource (ruma's `metadata!` shape) and read by everything that needs it: the Worker's router
//! (`edge/src/lib.rs`), the OpenAPI document ([`super::openapi`]), the web app's client (`frontend/src/api.rs`)
//! and, through the document, the tenancy suite (`tests/e2e/tenancy.test.mjs`).
//!
//! [`Access`] has no default: an endpoint without one does not compile. [`ENDPOINTS`] lists every endpoint; host
//! tests check that it holds every declaration, that the OpenAPI document describes exactly these, and that the
//! Worker's route table names each once.

use super::audit;
use super::contract;
use super::device_requests;
use super::installation;
use super::notices;
use super::passkey;
use super::renewal;
use super::vetting;
use super::{account, dev, domain, enrollment, inventory, order, organization, policy, revocation};
use super::{admin_account, reissue, signup};

/// An HTTP method an endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`: reads; never changes anything.
    Get,
    /// `HEAD`: `GET` without the body.
    Head,
    /// `POST`: creates or acts.
    Post,
    /// `DELETE`: ends or removes.
    Delete,
}

impl Method {
    /// The method as HTTP spells it (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Delete => "DELETE",
        }
    }

    /// The method as OpenAPI names a path item's operation (`get`).
    pub fn openapi_name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Head => "head",
            Self::Post => "post",
            Self::Delete => "delete",
        }
    }
}

/// Who may call an endpoint, as its handler checks it (`edge/src/auth.rs` and the role checks). There is no
/// default: each endpoint states its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone: the path or the body carries what authorizes (an enrollment, reset or validation link's token, a
    /// serial number), or nothing needs authorizing (the policy, the OpenAPI document, logging in).
    Public,
    /// A certificate's revocation: its holder, with a proof of possession of the private key in the body; without
    /// a proof, a signed-in caller (session or API key): a member of the account whose order the certificate was
    /// issued for, or a CA administrator. Another account's certificate reads as unknown (404).
    HolderOrAccount,
    /// A user of an organization account (administrator or user), by session or API key, acting on its own
    /// account only (another account's resource reads as 404). CA administrators are refused.
    Account,
    /// An organization administrator of the account, in a browser session: an API key acts as an organization
    /// user, so it never qualifies. Acts on its own account only (another account's resource reads as 404).
    AccountAdmin,
    /// A CA administrator, in a browser session, acting on any account.
    CaAdmin,
    /// Anyone signed in, by session or API key, whatever their role, a user who must still replace a temporary
    /// password included: who is calling, and logging out.
    SignedIn,
    /// A person in a browser session, whatever their role (API keys are refused): their own sessions and
    /// password. Of these, a user who must still replace a temporary password reaches only the password change.
    Session,
    /// The development build only (`KEYWARD_ENV=development`); 404 otherwise.
    Development,
}

impl Access {
    /// Every access, in declaration order.
    pub const ALL: [Self; 8] = [
        Self::Public,
        Self::HolderOrAccount,
        Self::Account,
        Self::AccountAdmin,
        Self::CaAdmin,
        Self::SignedIn,
        Self::Session,
        Self::Development,
    ];

    /// The stable name the OpenAPI document states (`x-keyward-access`), read by the tenancy suite.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::HolderOrAccount => "holder_or_account",
            Self::Account => "account",
            Self::AccountAdmin => "account_admin",
            Self::CaAdmin => "ca_admin",
            Self::SignedIn => "signed_in",
            Self::Session => "session",
            Self::Development => "development",
        }
    }

    /// The credentials that may carry the call: a session cookie, an API key (a proof in the body is not a
    /// credential: it is part of the request).
    pub fn credentials(self) -> Credentials {
        match self {
            Self::Public | Self::Development => Credentials { session: false, api_key: false },
            Self::HolderOrAccount | Self::Account | Self::SignedIn => Credentials { session: true, api_key: true },
            Self::AccountAdmin | Self::CaAdmin | Self::Session => Credentials { session: true, api_key: false },
        }
    }

    /// Who may call, in one sentence (the OpenAPI operation's description).
    pub fn description(self) -> &'static str {
        match self {
            Self::Public => "Anyone: the path or body carries what authorizes, if anything.",
            Self::HolderOrAccount => {
                "The holder, with a proof of possession in the body; without one, a member of the account that \
                 ordered the certificate (session or API key) or a CA administrator."
            }
            Self::Account => "A user of the account (session or API key), on the account's own resources only.",
            Self::AccountAdmin => {
                "An organization administrator of the account, in a browser session (not an API key), on the \
                 account's own resources only."
            }
            Self::CaAdmin => "A CA administrator, in a browser session.",
            Self::SignedIn => "Anyone signed in (session or API key), also with a temporary password.",
            Self::Session => "A person in a browser session (not an API key), about their own sessions or password.",
            Self::Development => "Development builds only (KEYWARD_ENV=development); 404 otherwise.",
        }
    }
}

/// The credentials an [`Access`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The session cookie of a browser.
    pub session: bool,
    /// An `Authorization: Bearer kw_…` API key.
    pub api_key: bool,
}

/// The request body an endpoint takes. There is no default: each endpoint states its own, and the Worker refuses
/// a larger body from its `Content-Length` before reading any of it, or, without one, as soon as what it read
/// passes the cap (413 `body_too_large`, field `body`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Body {
    /// None: a body is not read, and one over [`Body::UNREAD_MAX_BYTES`] is refused.
    None,
    /// A JSON document of at most `max_bytes`.
    Json {
        /// The cap, bytes.
        max_bytes: u32,
    },
}

impl Body {
    /// What an endpoint without a body tolerates (a client's empty `{}`), unread.
    pub const UNREAD_MAX_BYTES: u32 = 1024;

    /// The most bytes a request to the endpoint may carry.
    pub fn max_bytes(self) -> u32 {
        match self {
            Self::None => Self::UNREAD_MAX_BYTES,
            Self::Json { max_bytes } => max_bytes,
        }
    }
}

/// One endpoint of the API, declared once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: Method,
    /// The path, parameters in braces: `/api/v1/orders/{id}`.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does, in one line (the OpenAPI summary).
    pub summary: &'static str,
    /// The body it takes, and its cap.
    pub body: Body,
}

impl Endpoint {
    /// The names of the path's parameters, in order (`["id", "position"]`).
    pub fn parameters(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
    }

    /// The path in the Worker router's syntax (workers-rs, matchit): `{id}` becomes `:id`.
    pub fn route_pattern(&self) -> String {
        self.path
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => segment.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Whether a request's `path` (as sent, without its query) is this endpoint's: the same number of segments,
    /// each literal one equal, each parameter any non-empty segment. The Worker reads it to say which methods a
    /// path answers (`Allow`, on a 405).
    pub fn matches(&self, path: &str) -> bool {
        let mut declared = self.path.split('/');
        let mut sent = path.split('/');
        loop {
            match (declared.next(), sent.next()) {
                (None, None) => return true,
                (Some(declared), Some(sent)) => {
                    let parameter = declared.starts_with('{') && declared.ends_with('}');
                    if !(if parameter { !sent.is_empty() } else { declared == sent }) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }

    /// The path with its parameters filled in order, each percent-encoded (all but RFC 3986's unreserved
    /// characters), so a value cannot reach another path. A parameter without a value stays as declared
    /// (`{id}`), which no route matches: the Worker answers 404 rather than another resource.
    pub fn url(&self, values: &[&str]) -> String {
        let mut values = values.iter();
        self.path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    values.next().map_or_else(|| segment.to_owned(), |value| percent_encode(value))
                } else {
                    segment.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// [`Self::url`] with a query string: each name and value percent-encoded, pairs joined by `&`.
    pub fn url_with_query(&self, values: &[&str], query: &[(&str, &str)]) -> String {
        let mut url = self.url(values);
        for (index, (name, value)) in query.iter().enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            url.push_str(&percent_encode(name));
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        url
    }
}

/// `value` with every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) written `%XX`.
pub fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `GET /api/v1/openapi.json`: this API's description ([`super::openapi`] writes it, the Worker serves it).
pub const OPENAPI_DOCUMENT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/openapi.json",
    access: Access::Public,
    summary: "This document",
    body: Body::None,
};

/// Every endpoint of the API. Host tests check that every `pub const …: Endpoint` of `shared::api` is here,
/// once, and that the OpenAPI document and the Worker's route table hold exactly these.
pub const ENDPOINTS: &[&Endpoint] = &[
    &OPENAPI_DOCUMENT,
    &policy::SHOW_POLICY,
    &enrollment::SHOW_ENROLLMENT,
    &enrollment::SUBMIT_CSR,
    &revocation::CERTIFICATE_STATUS,
    &revocation::REVOCATION_CHALLENGE,
    &revocation::REVOKE_CERTIFICATE,
    &revocation::DOWNLOAD_CERTIFICATE,
    &organization::CREATE_ORGANIZATION,
    &organization::LIST_ORGANIZATIONS,
    &organization::SHOW_ORGANIZATION,
    &organization::SEND_VERIFICATION_CODE,
    &organization::CHECK_VERIFICATION_CODE,
    &vetting::VETTING_WORK_LIST,
    &vetting::SHOW_VETTING,
    &vetting::DECIDE_VETTING,
    &vetting::ANSWER_VETTING,
    &domain::CREATE_DOMAIN,
    &domain::LIST_DOMAINS,
    &domain::SHOW_DOMAIN,
    &domain::CHECK_DOMAIN,
    &domain::RESEND_DOMAIN,
    &domain::CHANGE_DOMAIN_METHOD,
    &domain::CREATE_MAILBOX,
    &domain::LIST_MAILBOXES,
    &domain::SHOW_VALIDATION_LINK,
    &domain::PROBE_VALIDATION_LINK,
    &domain::CONFIRM_VALIDATION_LINK,
    &account::LOG_IN,
    &account::SHOW_SESSION,
    &account::LOG_OUT,
    &account::LIST_SESSIONS,
    &account::END_SESSION,
    &account::CHANGE_PASSWORD,
    &account::REQUEST_RESET,
    &account::SHOW_RESET,
    &account::RESET_PASSWORD,
    &account::LIST_USERS,
    &account::INVITE_USER,
    &account::DISABLE_USER,
    &account::ENABLE_USER,
    &account::LIST_API_KEYS,
    &account::CREATE_API_KEY,
    &account::REVOKE_API_KEY,
    &signup::SIGN_UP,
    &signup::SHOW_SIGNUP,
    &signup::COMPLETE_SIGNUP,
    &admin_account::LIST_ACCOUNTS,
    &admin_account::SHOW_ACCOUNT,
    &admin_account::CREATE_ACCOUNT,
    &admin_account::CHANGE_ADMINISTRATOR,
    &admin_account::DISABLE_ACCOUNT,
    &admin_account::ENABLE_ACCOUNT,
    &notices::SHOW_REMINDER_SETTINGS,
    &notices::UPDATE_REMINDER_SETTINGS,
    &notices::SHOW_ATTENTION,
    &passkey::PASSKEY_REGISTRATION_OPTIONS,
    &passkey::REGISTER_PASSKEY,
    &passkey::LIST_PASSKEYS,
    &passkey::REMOVE_PASSKEY,
    &passkey::PASSKEY_LOGIN_OPTIONS,
    &passkey::CONFIRM_WITH_PASSKEY,
    &passkey::CONFIRM_WITH_RECOVERY_CODE,
    &order::PLACE_ORDER,
    &order::LIST_ORDERS,
    &order::SHOW_ORDER,
    &order::CANCEL_ORDER,
    &order::RESEND_ENROLLMENT,
    &order::SHOW_LEDGER,
    &renewal::RENEW_ORDER,
    &inventory::LIST_CERTIFICATES,
    &inventory::CURRENT_CERTIFICATE,
    &inventory::CONFIRM_SAVED,
    &inventory::ADMIN_SEARCH_CERTIFICATES,
    &reissue::REISSUE_CERTIFICATE,
    &reissue::CANCEL_REISSUE,
    &reissue::REQUEST_REISSUE,
    &reissue::SHOW_REISSUE_SETTINGS,
    &reissue::UPDATE_REISSUE_SETTINGS,
    &installation::INSTALLATION_CHALLENGE,
    &installation::RECORD_INSTALLATION,
    &installation::MTLS_INSTALLATION,
    &audit::LIST_AUDIT,
    &audit::EXPORT_AUDIT,
    &audit::ADMIN_LIST_AUDIT,
    &audit::ADMIN_EXPORT_AUDIT,
    &contract::LIST_CONTRACTS,
    &contract::LIST_ACCOUNT_CONTRACTS,
    &contract::CREATE_CONTRACT,
    &contract::END_CONTRACT,
    &contract::RECORD_DEPOSIT,
    &contract::SHOW_ACCOUNT_LEDGER,
    &device_requests::CREATE_DEVICE_REQUEST,
    &device_requests::LIST_DEVICE_REQUESTS,
    &device_requests::SHOW_DEVICE_REQUEST,
    &device_requests::EDIT_DEVICE_REQUEST,
    &device_requests::CANCEL_DEVICE_REQUEST,
    &device_requests::DECIDE_DEVICE_REQUEST,
    &device_requests::ADMIN_DEVICE_QUEUE,
    &device_requests::ADMIN_SHOW_DEVICE_REQUEST,
    &device_requests::ADMIN_DECIDE_DEVICE_REQUEST,
    &device_requests::LIST_ENROLLMENT_MANAGERS,
    &device_requests::GRANT_ENROLLMENT_MANAGER,
    &device_requests::REMOVE_ENROLLMENT_MANAGER,
    &device_requests::SHOW_DEVICE_SETTINGS,
    &device_requests::CHANGE_DEVICE_SETTINGS,
    &dev::DEV_MAILBOX,
    &dev::DEV_CREATE_ACCOUNT,
    &dev::DEV_SEED,
    &dev::DEV_REMINDER_SWEEP,
];

#[cfg(test)]
mod tests;
