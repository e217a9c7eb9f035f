//! An issued certificate: its revocation, its status and its downloads:
//!
//! - `POST /api/v1/certificates/{serial}/revocation-challenge`: a single-use challenge for the holder to sign;
//! - `POST /api/v1/certificates/{serial}/revocation` with [`RevokeRequest`]: by the holder, with a
//!   [`PossessionProof`]; or, with no proof, by a signed-in caller (session cookie or API key): a member of the
//!   account whose order the certificate was issued for, or a CA administrator;
//! - `GET /api/v1/certificates/{serial}/status`: [`CertificateStatus`];
//! - `GET /api/v1/certificates/{serial}/{format}`: the certificate as a file ([`DOWNLOAD_CERTIFICATE`]).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::revocation::RevocationReason;

/// A certificate's revocation status ([`CertificateStatus`]).
pub const CERTIFICATE_STATUS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/certificates/{serial}/status",
    access: Access::Public,
    summary: "A certificate's revocation status",
    body: Body::None,
};

/// A single-use challenge for the holder to sign (`201` [`RevocationChallenge`]).
pub const REVOCATION_CHALLENGE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/certificates/{serial}/revocation-challenge",
    access: Access::Public,
    summary: "A challenge for the holder to sign",
    body: Body::None,
};

/// Revokes ([`RevokeRequest`] → [`CertificateStatus`]): the holder with a proof, or a signed-in member of the
/// ordering account or CA administrator.
pub const REVOKE_CERTIFICATE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/certificates/{serial}/revocation",
    access: Access::HolderOrAccount,
    summary: "Revokes: the holder with a proof of possession; a member of the ordering account or a CA administrator \
              signed in",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// Downloads an issued certificate: `pem`, `der`, `chain.pem` or `p7b` ([`crate::download::DownloadFormat`]).
pub const DOWNLOAD_CERTIFICATE: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/certificates/{serial}/{format}",
    access: Access::Public,
    summary: "Downloads: pem, der, chain.pem or p7b",
    body: Body::None,
};

/// `POST .../revocation-challenge` response (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationChallenge {
    /// A token the Worker authenticates (`v1.<serial>.<expires_at>.<nonce>.<mac>`: `crate::revocation::challenge`),
    /// to sign as received. Usable once; nothing is stored until a revocation uses it.
    pub challenge: String,
    /// Seconds since the Unix epoch after which it is refused.
    pub expires_at: i64,
}

/// The holder's proof: the challenge, and the signature over
/// [`crate::revocation::possession_message`] made with the certificate's private key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PossessionProof {
    /// The challenge, as received.
    pub challenge: String,
    /// The signature, base64url without padding (RSA PKCS#1 v1.5 SHA-256, or ECDSA `r || s`).
    pub signature: String,
}

/// `POST .../revocation` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevokeRequest {
    /// Why.
    pub reason: RevocationReason,
    /// The holder's proof of possession; absent when a signed-in account member or CA administrator revokes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<PossessionProof>,
}

/// `POST .../revocation` response (200) and `GET .../status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificateStatus {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Expiry, seconds since the Unix epoch.
    pub not_after: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Why, if it was.
    pub revocation_reason: Option<RevocationReason>,
}
