//! Accounts as CA administrators manage them (`Access::CaAdmin`, a browser session):
//!
//! - `GET /api/v1/admin/accounts?query=`: [`AdminAccountList`], by name or a user's address.
//! - `GET /api/v1/admin/accounts/{id}`: [`AdminAccountDetail`], the account and its users.
//! - `POST /api/v1/admin/accounts` with [`NewAccount`]: `201` [`AdminAccountDetail`]; the first administrator is
//!   emailed the usual invitation with a temporary password.
//! - `POST /api/v1/admin/accounts/{id}/administrators` with [`AdministratorChange`]: `201` [`AdminAccountDetail`];
//!   adds an administrator (invited, or a user of the account promoted) and, with `replaces`, disables the one who
//!   left (their sessions and API keys end). The reason is required and audited.
//! - `POST /api/v1/admin/accounts/{id}/disable` and `.../enable` with [`AccountStatusChange`]:
//!   [`AdminAccountDetail`]. Disabling ends every session and API key of the account in one batch and refuses its
//!   logins (`account_disabled`); its certificates stay valid.

use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use super::account::EMAIL_PATTERN;
use super::account::UserView;
use super::endpoint::{Access, Body, Endpoint, Method};

/// The accounts, searched ([`AdminAccountList`]).
pub const LIST_ACCOUNTS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/accounts",
    access: Access::CaAdmin,
    summary: "Accounts by name or a user's address, with their administrators",
    body: Body::None,
};

/// One account and its users ([`AdminAccountDetail`]).
pub const SHOW_ACCOUNT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/accounts/{id}",
    access: Access::CaAdmin,
    summary: "One account and its users",
    body: Body::None,
};

/// Creates an account with its first administrator ([`NewAccount`] → `201` [`AdminAccountDetail`]).
pub const CREATE_ACCOUNT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts",
    access: Access::CaAdmin,
    summary: "Creates an account with its first administrator, who is emailed an invitation",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Adds or replaces an administrator of an account ([`AdministratorChange`] → `201` [`AdminAccountDetail`]).
pub const CHANGE_ADMINISTRATOR: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/administrators",
    access: Access::CaAdmin,
    summary: "Adds an administrator to an account, or replaces one (who is disabled); audited with the reason",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Disables an account ([`AccountStatusChange`] → [`AdminAccountDetail`]).
pub const DISABLE_ACCOUNT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/disable",
    access: Access::CaAdmin,
    summary: "Disables an account: its sessions and API keys end, its logins are refused; certificates stay valid",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Enables a disabled account again ([`AccountStatusChange`] → [`AdminAccountDetail`]).
pub const ENABLE_ACCOUNT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/enable",
    access: Access::CaAdmin,
    summary: "Enables a disabled account again (its ended sessions and API keys stay ended)",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// The longest search text, characters.
pub const ACCOUNT_QUERY_MAXIMUM_LENGTH: usize = 254;

/// The most accounts one search lists.
pub const ACCOUNT_LIST_MAXIMUM: u32 = 50;

/// An account as a CA administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminAccountView {
    /// `accounts.id`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// When a CA administrator disabled it; `None` while it is enabled.
    pub disabled_at: Option<i64>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// How many users it has (disabled ones included).
    pub user_count: u32,
    /// Its organization administrators (disabled ones included, marked).
    pub administrators: Vec<UserView>,
}

/// `GET /api/v1/admin/accounts` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminAccountList {
    /// The accounts found, newest first, at most [`ACCOUNT_LIST_MAXIMUM`].
    pub accounts: Vec<AdminAccountView>,
}

/// One account with all its users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminAccountDetail {
    /// The account.
    pub account: AdminAccountView,
    /// Its users, by address.
    pub users: Vec<UserView>,
}

/// `POST /api/v1/admin/accounts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAccount {
    /// The account's name (1 to 64 characters).
    pub name: String,
    /// The first administrator's name.
    pub administrator_name: String,
    /// The first administrator's address (the invitation goes there).
    #[cfg_attr(feature = "schema", schemars(length(max = 254), regex(pattern = EMAIL_PATTERN)))]
    pub administrator_email: String,
    /// The invitation's language: `en` (the default) or `fr`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// `POST /api/v1/admin/accounts/{id}/administrators`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdministratorChange {
    /// The new administrator's address: a user of this account is made administrator; another address is invited.
    #[cfg_attr(feature = "schema", schemars(length(max = 254), regex(pattern = EMAIL_PATTERN)))]
    pub email: String,
    /// The new administrator's name (for an invitation; a user of the account keeps theirs).
    pub name: String,
    /// Why (audited): who asked, how it was checked.
    pub reason: String,
    /// The administrator being replaced (`users.id`), disabled in the same batch; `None` to add one.
    #[serde(default)]
    pub replaces: Option<String>,
}

/// `POST /api/v1/admin/accounts/{id}/disable` and `.../enable`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountStatusChange {
    /// Why (audited; a disabled account's reason is shown).
    pub reason: String,
}
