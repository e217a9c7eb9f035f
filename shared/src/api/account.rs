//! Sessions, passwords, users and API keys:
//!
//! - `POST /api/v1/session` with [`LoginRequest`]: [`SessionView`] and the session cookie; `GET /api/v1/session`:
//!   the current [`SessionView`]; `DELETE /api/v1/session`: logout (204).
//! - `POST /api/v1/account/password` with [`ChangePassword`]: 204; ends every other session of the user.
//! - `POST /api/v1/password-resets` with [`ResetRequest`]: 202 whether or not the address has an account;
//!   `GET /api/v1/password-resets/{token}`: [`ResetLinkView`] (never spends);
//!   `POST /api/v1/password-resets/{token}` with [`ResetPassword`]: 204 and every session ended.
//! - `GET /api/v1/users` / `POST /api/v1/users` with [`InviteUser`] (organization admins): [`UserView`]s; the
//!   invited user gets a temporary password by email.
//! - `GET /api/v1/api-keys` / `POST /api/v1/api-keys` with [`CreateApiKey`] (organization admins):
//!   [`ApiKeyView`]s, and [`CreatedApiKey`] once; `DELETE /api/v1/api-keys/{id}`: 204.
//!
//! The password never travels: the browser sends the key it derives (see [`crate::account`]).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::account::Role;

/// Logs in ([`LoginRequest`] → [`SessionView`] and the session cookie).
pub const LOG_IN: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/session",
    access: Access::Public,
    summary: "Logs in; sets the session cookie",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Who is logged in ([`SessionView`]), also for a user who must still replace a temporary password.
pub const SHOW_SESSION: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/session",
    access: Access::SignedIn,
    summary: "Who is logged in",
    body: Body::None,
};

/// Logs out: the session ends on the server and the cookie in the browser (204).
pub const LOG_OUT: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/session",
    access: Access::SignedIn,
    summary: "Logs out",
    body: Body::None,
};

/// The caller's open sessions ([`SessionList`]), never their tokens.
pub const LIST_SESSIONS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/sessions",
    access: Access::Session,
    summary: "The caller's open sessions, the most recently used first",
    body: Body::None,
};

/// Ends one of the caller's sessions (204).
pub const END_SESSION: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/sessions/{id}",
    access: Access::Session,
    summary: "Ends one of the caller's sessions",
    body: Body::None,
};

/// Changes the password ([`ChangePassword`], 204); the user's other sessions end.
pub const CHANGE_PASSWORD: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/account/password",
    access: Access::Session,
    summary: "Changes the password; other sessions end",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Emails a reset link if the address has an account ([`ResetRequest`] → `202`, whatever the address).
pub const REQUEST_RESET: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/password-resets",
    access: Access::Public,
    summary: "Emails a reset link if the address has an account",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// A reset link's status ([`ResetLinkView`]); never spends it.
pub const SHOW_RESET: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/password-resets/{token}",
    access: Access::Public,
    summary: "A reset link's status; never spends it",
    body: Body::None,
};

/// Sets the new password ([`ResetPassword`], 204); spends the link and ends every session.
pub const RESET_PASSWORD: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/password-resets/{token}",
    access: Access::Public,
    summary: "Sets the new password; spends the link",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// The account's users ([`UserList`]).
pub const LIST_USERS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/users",
    access: Access::AccountAdmin,
    summary: "The account's users",
    body: Body::None,
};

/// Invites a user ([`InviteUser`] → `201` [`UserView`]) with an emailed temporary password.
pub const INVITE_USER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/users",
    access: Access::AccountAdmin,
    summary: "Invites a user with an emailed temporary password",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Disables a user ([`UserView`]): no more logins; their sessions and the API keys they made end.
pub const DISABLE_USER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/users/{id}/disable",
    access: Access::AccountAdmin,
    summary: "Disables a user of the account: no more logins; their sessions and the API keys they made end",
    body: Body::None,
};

/// Lets a disabled user log in again ([`UserView`]).
pub const ENABLE_USER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/users/{id}/enable",
    access: Access::AccountAdmin,
    summary: "Lets a disabled user log in again",
    body: Body::None,
};

/// The account's API keys ([`ApiKeyList`]), never the keys.
pub const LIST_API_KEYS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/api-keys",
    access: Access::AccountAdmin,
    summary: "The account's API keys (never the keys)",
    body: Body::None,
};

/// Creates an API key ([`CreateApiKey`] → `201` [`CreatedApiKey`]), shown once.
pub const CREATE_API_KEY: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/api-keys",
    access: Access::AccountAdmin,
    summary: "Creates an API key, shown once",
    body: Body::Json { max_bytes: 8 * 1024 },
};

/// Revokes an API key (204).
pub const REVOKE_API_KEY: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/api-keys/{id}",
    access: Access::AccountAdmin,
    summary: "Revokes an API key",
    body: Body::None,
};

/// An address as the account forms take it (`edge/src/account.rs`, `check_email_field`): blanks around it are
/// trimmed; then one `@` between a local part and a domain with a dot, printable ASCII without blanks. At most 254
/// characters (the document states it on the text as sent, blanks included).
pub const EMAIL_PATTERN: &str = concat!(
    "^[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*",
    "[!-?A-~]+@[!-?A-~]*\\.[!-?A-~]*",
    "[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$",
);

/// A password key as sent: the base64url of 32 bytes, unpadded and canonical (the last character carries 4 bits
/// and 2 zero bits), as `crate::account::PasswordKey::parse` reads it.
pub const PASSWORD_KEY_PATTERN: &str = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$";

/// `POST /api/v1/session`: exactly one of `password_key` and `temporary_password` (the document says so with a
/// `oneOf`: a temporary password of blanks only counts as none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("oneOf" = [
    {
        "required": ["password_key"],
        "properties": { "password_key": { "type": "string" }, "temporary_password": { "type": "null" } }
    },
    {
        "required": ["temporary_password"],
        "properties": { "password_key": { "type": "null" }, "temporary_password": { "type": "string", "pattern": "\\S" } }
    }
])))]
pub struct LoginRequest {
    /// The address, as typed (trimmed by the server).
    #[cfg_attr(feature = "schema", schemars(length(max = 254), regex(pattern = EMAIL_PATTERN)))]
    pub email: String,
    /// PBKDF2 key of a chosen password, base64url.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = PASSWORD_KEY_PATTERN)))]
    pub password_key: Option<String>,
    /// An emailed temporary password, as typed.
    #[serde(default)]
    pub temporary_password: Option<String>,
}

/// Who is logged in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserView {
    /// User identifier.
    pub id: String,
    /// Login address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The account, for organization users; `null` for CA administrators.
    pub account_id: Option<String>,
    /// Whether the user still has a temporary password.
    pub must_change_password: bool,
    /// When an administrator disabled the user (they cannot log in); `None` while they may.
    #[serde(default)]
    pub disabled_at: Option<i64>,
}

/// `GET`/`POST /api/v1/session` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionView {
    /// The user.
    pub user: UserView,
    /// The account's name, for organization users.
    pub account_name: Option<String>,
    /// When the session ends unless used, seconds since the Unix epoch.
    pub expires_at: i64,
    /// Where the session stands with passkeys: `done`, or the step that must come first (`confirm`, `register`).
    #[serde(default)]
    pub passkey: super::passkey::PasskeyStep,
}

/// `POST /api/v1/account/password`: the current secret (key or temporary password) and the new key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangePassword {
    /// PBKDF2 key of the current chosen password.
    #[serde(default)]
    pub current_password_key: Option<String>,
    /// The current temporary password.
    #[serde(default)]
    pub current_temporary_password: Option<String>,
    /// PBKDF2 key of the new password.
    pub new_password_key: String,
}

/// `POST /api/v1/password-resets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResetRequest {
    /// The address of the account.
    #[cfg_attr(feature = "schema", schemars(length(max = 254), regex(pattern = EMAIL_PATTERN)))]
    pub email: String,
}

/// `GET /api/v1/password-resets/{token}`: the link's state and, while it is open, the account's address (the
/// page needs it: the browser salts the new password's key with it). Whoever holds the link received it at that
/// address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResetLinkView {
    /// Open, spent or expired, with its instant.
    #[serde(flatten)]
    pub status: crate::link::LinkStatus,
    /// The account's address, while the link is open.
    pub email: Option<String>,
}

/// `POST /api/v1/password-resets/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResetPassword {
    /// PBKDF2 key of the new password.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = PASSWORD_KEY_PATTERN)))]
    pub new_password_key: String,
}

/// `POST /api/v1/users`: invite a user to the caller's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InviteUser {
    /// Their address (where the temporary password goes).
    pub email: String,
    /// Their name.
    pub name: String,
    /// `org_admin` or `org_user`.
    pub role: Role,
}

/// `GET /api/v1/users` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserList {
    /// The account's users, by address.
    pub users: Vec<UserView>,
}

/// `POST /api/v1/api-keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateApiKey {
    /// What the key is for, so people can tell keys apart (1 to 100 characters).
    pub name: String,
}

/// An API key as listed (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyView {
    /// Identifier, for revocation.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// Creation time.
    pub created_at: i64,
    /// Last use, if any.
    pub last_used_at: Option<i64>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
}

/// `GET /api/v1/api-keys` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyList {
    /// Newest first.
    pub api_keys: Vec<ApiKeyView>,
}

/// `POST /api/v1/api-keys` response (201): the only time the key is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedApiKey {
    /// The key as listed.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// The key: `Authorization: Bearer <key>`.
    pub key: String,
}

/// One of the caller's open sessions (`GET /api/v1/sessions`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionSummary {
    /// Session identifier (never its token).
    pub id: String,
    /// Login time, Unix seconds.
    pub created_at: i64,
    /// Last request, Unix seconds (refreshed at most every five minutes).
    pub last_seen_at: i64,
    /// When it ends unless used.
    pub expires_at: i64,
    /// The browser's `User-Agent` at login, as it said.
    pub user_agent: String,
    /// Whether this is the session of the request that listed them.
    pub current: bool,
}

/// `GET /api/v1/sessions` response: the caller's open sessions, the most recently used first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionList {
    /// The sessions.
    pub sessions: Vec<SessionSummary>,
}
