//! Test enrollment: a machine proves it holds a certificate's private key, and the certificate becomes installed.
//!
//! - `POST /api/v1/certificates/{serial}/installation-challenge`: a single-use challenge ([`InstallationChallenge`]);
//! - `POST /api/v1/certificates/{serial}/installation` with [`InstallationProof`]: the challenge signed over
//!   `installation::installation_message` with the certificate's key; the Worker checks the signature, the
//!   certificate's chain to its issuing CA, its validity now and its revocation status, spends the challenge and
//!   records the [`Installation`] in one batch;
//! - `POST /api/v1/installations/mtls`: the same record from the client certificate Cloudflare verified in the TLS
//!   handshake (`request.cf.tlsClientAuth`), on a host whose mTLS rule requires one.
//!
//! Who may call: anyone. Possession is the credential, as for the holder's revocation: the challenge is signed
//! with the certificate's private key, or the handshake was made with it. No account or session is read.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
pub use crate::installation::InstalledBy;

/// A single-use challenge for the machine to sign (`201` [`InstallationChallenge`]).
pub const INSTALLATION_CHALLENGE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/certificates/{serial}/installation-challenge",
    access: Access::Public,
    summary: "A test enrollment challenge for the certificate's holder to sign",
    body: Body::None,
};

/// Records a test enrollment ([`InstallationProof`] → `201` [`Installation`]).
pub const RECORD_INSTALLATION: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/certificates/{serial}/installation",
    access: Access::Public,
    summary: "Test enrollment: the challenge signed with the certificate's key; the certificate becomes installed",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// Records a test enrollment from the client certificate Cloudflare verified (`201` [`Installation`]).
pub const MTLS_INSTALLATION: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/installations/mtls",
    access: Access::Public,
    summary: "Test enrollment by mutual TLS: the client certificate Cloudflare verified becomes installed",
    body: Body::None,
};

/// `POST .../installation-challenge` response (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstallationChallenge {
    /// The text to sign, inside `installation::installation_message`; single use.
    pub challenge: String,
    /// The last instant it may be used, Unix seconds (ten minutes after it was issued).
    pub expires_at: i64,
}

/// `POST .../installation` request: the proof of possession.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstallationProof {
    /// The challenge, exactly as received.
    pub challenge: String,
    /// The signature over the message, base64url without padding: RSASSA-PKCS1-v1_5 with SHA-256, ECDSA with
    /// SHA-256 (P-256) or SHA-384 (P-384) as `r || s`, or Ed25519.
    pub signature: String,
    /// What signed it: `browser` or `native_client` (`mtls` is the other endpoint's).
    pub by: InstalledBy,
}

/// A recorded test enrollment (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Installation {
    /// The certificate's serial, lowercase hex.
    pub serial: String,
    /// When the test passed, Unix seconds.
    pub installed_at: i64,
    /// What proved it.
    pub by: InstalledBy,
    /// The request's user agent, as stored (at most 256 characters).
    pub user_agent: String,
    /// The certificate's end of validity, Unix seconds.
    pub not_after: i64,
}
