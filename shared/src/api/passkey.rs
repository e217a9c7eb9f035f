//! Passkeys (WebAuthn) and recovery codes:
//!
//! - `POST /api/v1/passkeys/registration-options`: [`CreationOptions`] for `navigator.credentials.create`;
//!   `POST /api/v1/passkeys` with [`NewPasskey`]: `201` [`RegisteredPasskey`] (with the ten recovery codes at the
//!   first registration, shown once); `GET /api/v1/passkeys`: [`PasskeyList`]; `DELETE /api/v1/passkeys/{id}`: 204.
//! - The login's second step, for a session whose [`PasskeyStep`] is `confirm`:
//!   `POST /api/v1/session/passkey-options`: [`RequestOptions`] for `navigator.credentials.get`;
//!   `POST /api/v1/session/passkey` with [`PasskeyAssertion`] or `POST /api/v1/session/recovery-code` with
//!   [`RecoveryCodeEntry`]: the full session's [`super::account::SessionView`].
//!
//! A CA administrator's password login opens a session that reaches only these endpoints, who is logged in and
//! logging out: `register` until they have a passkey, `confirm` until they use it. An organization user who
//! registered a passkey confirms their logins the same way. Binary WebAuthn fields travel as unpadded base64url.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};

/// The registration options ([`CreationOptions`]).
pub const PASSKEY_REGISTRATION_OPTIONS: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/passkeys/registration-options",
    access: Access::Session,
    summary: "Options to register a passkey (navigator.credentials.create)",
    body: Body::None,
};

/// Registers a passkey ([`NewPasskey`] → `201` [`RegisteredPasskey`]).
pub const REGISTER_PASSKEY: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/passkeys",
    access: Access::Session,
    summary: "Registers a passkey; the first one comes with ten recovery codes, shown once",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The caller's passkeys ([`PasskeyList`]).
pub const LIST_PASSKEYS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/passkeys",
    access: Access::Session,
    summary: "The caller's passkeys and how many recovery codes are left",
    body: Body::None,
};

/// Removes one of the caller's passkeys (204). A CA administrator keeps at least one.
pub const REMOVE_PASSKEY: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/passkeys/{id}",
    access: Access::Session,
    summary: "Removes one of the caller's passkeys",
    body: Body::None,
};

/// The options of the login's second step ([`RequestOptions`]).
pub const PASSKEY_LOGIN_OPTIONS: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/session/passkey-options",
    access: Access::Session,
    summary: "Options to confirm this login with a passkey (navigator.credentials.get)",
    body: Body::None,
};

/// Confirms the login with a passkey ([`PasskeyAssertion`] → the full session).
pub const CONFIRM_WITH_PASSKEY: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/session/passkey",
    access: Access::Session,
    summary: "Confirms this login with a passkey",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// Confirms the login with a recovery code instead ([`RecoveryCodeEntry`] → the full session); the code is spent.
pub const CONFIRM_WITH_RECOVERY_CODE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/session/recovery-code",
    access: Access::Session,
    summary: "Confirms this login with a recovery code, which is spent",
    body: Body::Json { max_bytes: 1024 },
};

/// Where a session stands with passkeys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasskeyStep {
    /// A full session.
    #[default]
    Done,
    /// The password was right; the login must be confirmed with a passkey or a recovery code.
    Confirm,
    /// A CA administrator without a passkey: they must register one before anything else.
    Register,
}

impl PasskeyStep {
    /// The stored and wire form (`done`, `confirm`, `register`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Confirm => "confirm",
            Self::Register => "register",
        }
    }
}

/// `POST /api/v1/passkeys/registration-options` response: what `PublicKeyCredentialCreationOptions` takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreationOptions {
    /// The challenge, base64url; sent back in [`NewPasskey::challenge`].
    pub challenge: String,
    /// The relying party's id (the app's host).
    pub rp_id: String,
    /// The relying party's name, as authenticators show it.
    pub rp_name: String,
    /// The user handle, base64url (the user's id).
    pub user_id: String,
    /// The user's address.
    pub user_name: String,
    /// The user's name.
    pub user_display_name: String,
    /// COSE algorithms accepted, preferred first (`-7` ES256, `-257` RS256).
    pub algorithms: Vec<i64>,
    /// The caller's registered credential ids, base64url (not registered twice).
    pub exclude_credentials: Vec<String>,
    /// How long the browser may wait, milliseconds.
    pub timeout_ms: u32,
}

/// `POST /api/v1/passkeys`: the browser's answer to `navigator.credentials.create`, fields base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewPasskey {
    /// A name the user gives it (1 to 100 characters).
    pub name: String,
    /// The challenge of the options, as received.
    pub challenge: String,
    /// `rawId`.
    pub credential_id: String,
    /// `response.clientDataJSON`.
    pub client_data_json: String,
    /// `response.attestationObject`.
    pub attestation_object: String,
}

/// A registered passkey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyView {
    /// Its identifier here.
    pub id: String,
    /// The name its user gave it.
    pub name: String,
    /// Its COSE algorithm (`-7` ES256, `-257` RS256).
    pub algorithm: i64,
    /// When it was registered, Unix seconds.
    pub created_at: i64,
    /// When it last confirmed a login.
    pub last_used_at: Option<i64>,
}

/// `POST /api/v1/passkeys` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RegisteredPasskey {
    /// The passkey.
    pub passkey: PasskeyView,
    /// At the first registration, ten recovery codes, each usable once instead of a passkey; never shown again.
    /// Empty otherwise.
    pub recovery_codes: Vec<String>,
    /// The session's step after the registration (`done`).
    pub step: PasskeyStep,
}

/// `GET /api/v1/passkeys` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyList {
    /// The passkeys, oldest first.
    pub passkeys: Vec<PasskeyView>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// `POST /api/v1/session/passkey-options` response: what `PublicKeyCredentialRequestOptions` takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequestOptions {
    /// The challenge, base64url; sent back in [`PasskeyAssertion::challenge`].
    pub challenge: String,
    /// The relying party's id.
    pub rp_id: String,
    /// The user's credential ids, base64url.
    pub allow_credentials: Vec<String>,
    /// How long the browser may wait, milliseconds.
    pub timeout_ms: u32,
}

/// `POST /api/v1/session/passkey`: the browser's answer to `navigator.credentials.get`, fields base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyAssertion {
    /// The challenge of the options, as received.
    pub challenge: String,
    /// `rawId`.
    pub credential_id: String,
    /// `response.clientDataJSON`.
    pub client_data_json: String,
    /// `response.authenticatorData`.
    pub authenticator_data: String,
    /// `response.signature`.
    pub signature: String,
}

/// `POST /api/v1/session/recovery-code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecoveryCodeEntry {
    /// One of the recovery codes, as shown (`xxxxx-xxxxx-xxxxx-xxxxx`; case and dashes ignored).
    pub code: String,
}
