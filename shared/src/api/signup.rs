//! Public signup (`crate::signup` holds its rules):
//!
//! - `POST /api/v1/signups` with [`SignupRequest`]: `202` [`crate::api::MessageBody`], the same for a known and an
//!   unknown address; `429 too_many_signups` with `Retry-After` past the throttles.
//! - `GET /api/v1/signups/{token}`: [`SignupLinkView`] (never spends the link).
//! - `POST /api/v1/signups/{token}` with [`CompleteSignup`]: `204`; the account, its first administrator, the spent
//!   link and the audit record in one batch. The page then logs in with the same key.

use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use super::account::{EMAIL_PATTERN, PASSWORD_KEY_PATTERN};
use super::endpoint::{Access, Body, Endpoint, Method};

/// Asks for an account ([`SignupRequest`] → `202`, whatever the address).
pub const SIGN_UP: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/signups",
    access: Access::Public,
    summary: "Asks for an account: emails a single-use link to the address (the same answer for a known address)",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// A signup link's status ([`SignupLinkView`]); never spends it.
pub const SHOW_SIGNUP: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/signups/{token}",
    access: Access::Public,
    summary: "A signup link's status; never spends it",
    body: Body::None,
};

/// Confirms the signup ([`CompleteSignup`], 204): the account and its first administrator exist; spends the link.
pub const COMPLETE_SIGNUP: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/signups/{token}",
    access: Access::Public,
    summary: "Creates the account and its first administrator with the chosen password; spends the link",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// `POST /api/v1/signups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignupRequest {
    /// The organization's name: the account's name (1 to 64 characters). No organization is created or validated.
    pub organization_name: String,
    /// The first administrator's name (1 to 100 characters).
    pub name: String,
    /// Their address, where the link goes.
    #[cfg_attr(feature = "schema", schemars(length(max = 254), regex(pattern = EMAIL_PATTERN)))]
    pub email: String,
    /// The language of the emails: `en` (the default) or `fr`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// `GET /api/v1/signups/{token}`: the link's state and, while it is open, what the signup said (the page shows it;
/// the address salts the password's key). Whoever holds the link received it at that address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignupLinkView {
    /// Open, spent or expired, with its instant.
    #[serde(flatten)]
    pub status: crate::link::LinkStatus,
    /// The administrator's address, while the link is open.
    pub email: Option<String>,
    /// The account's name, while the link is open.
    pub organization_name: Option<String>,
    /// The administrator's name, while the link is open.
    pub name: Option<String>,
}

/// `POST /api/v1/signups/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CompleteSignup {
    /// PBKDF2 key of the chosen password (`crate::account`), salted with the link's address.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = PASSWORD_KEY_PATTERN)))]
    pub password_key: String,
}
