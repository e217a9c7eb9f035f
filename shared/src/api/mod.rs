//! The JSON API between the web app, scripts and the Worker: one module per resource, each declaring its
//! endpoints ([`Endpoint`]: method, path, access) next to their request and response types, shared by both sides so
//! they cannot drift apart. [`ENDPOINTS`] lists them all.
//!
//! Wire types depend on domain types, never the reverse: `crate::order`, `crate::pipeline` and the other domain
//! modules import nothing from here.

pub mod account;
pub mod admin_account;
pub mod audit;
pub mod contract;
pub mod dev;
pub mod device_requests;
pub mod domain;
pub mod endpoint;
pub mod enrollment;
pub mod installation;
pub mod inventory;
pub mod notices;
#[cfg(feature = "schema")]
pub mod openapi;
pub mod order;
pub mod organization;
pub mod passkey;
pub mod policy;
pub mod reissue;
pub mod renewal;
pub mod revocation;
pub mod signup;
pub mod vetting;

pub use endpoint::{Access, ENDPOINTS, Endpoint, Method};
use serde::{Deserialize, Serialize};

/// Every rejection the API makes: which field was wrong, a stable machine-readable code, and a sentence a
/// person can act on. The HTTP status travels beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    /// Stable snake_case code, e.g. `csr_signature_invalid`, `link_spent`.
    pub code: String,
    /// The request field the rejection is about (`csr`, `token`, `body`), or `null` when none is.
    pub field: Option<String>,
    /// What happened and what to do, in plain words.
    pub message: String,
}

/// The body of every non-2xx response: `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    /// The rejection.
    pub error: ApiError,
}

/// An acknowledgement that says what happens next (e.g. `202` to a password reset request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageBody {
    /// What happens next, in plain words.
    pub message: String,
}
