//! `GET /api/v1/enrollments/{token}` and `POST /api/v1/enrollments/{token}`: the recipient's single-use link.
//!
//! GET reads the link and never spends it (mail scanners follow links). POST submits a CSR, and the Worker
//! spends the link and records the certificate in one atomic batch.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::link::LinkStatus;
use crate::profile::{KeyType, ProfileId};

/// The enrollment page reads its link ([`EnrollmentView`]); it never spends it.
pub const SHOW_ENROLLMENT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/enrollments/{token}",
    access: Access::Public,
    summary: "Shows an enrollment link; never spends it",
    body: Body::None,
};

/// The page sends the CSR made in the browser ([`SubmitCsr`] → `201` [`IssuedCertificate`]); spends the link.
pub const SUBMIT_CSR: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/enrollments/{token}",
    access: Access::Public,
    summary: "Submits the CSR made in the browser; spends the link",
    body: Body::Json { max_bytes: 64 * 1024 },
};

/// `GET /api/v1/enrollments/{token}`: what the enrollment page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnrollmentView {
    /// Open, spent or expired, with the instants that explain it.
    pub status: LinkStatus,
    /// What the certificate names its subject by: the person's name, the mailbox, the organization or the
    /// host name, depending on the profile.
    pub recipient_name: String,
    /// The recipient's email address (where the link went); an S/MIME certificate states it.
    pub recipient_email: String,
    /// The host names a workstation or server certificate states; empty for S/MIME.
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// The ordering organization's name.
    pub organization: String,
    /// The order's number, to quote to the organization or to support.
    pub order_id: String,
    /// The certificate profile of the order.
    pub profile: ProfileId,
    /// Key types the profile accepts, the default first.
    pub key_types: Vec<KeyType>,
    /// How long the certificate will be valid, in days.
    pub validity_days: u32,
    /// When the certificate was issued, for a spent link: its serial number in hex.
    pub certificate_serial: Option<String>,
    /// For a renewal order's link: the certificate it renews ("Renewal of certificate N, ending D").
    #[serde(default)]
    pub renews: Option<super::renewal::RenewedCertificate>,
    /// For a reissue link: the certificate it replaces, whose end the new one keeps.
    #[serde(default)]
    pub reissue_of: Option<ReissueOf>,
}

/// The certificate a reissue link replaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReissueOf {
    /// Its serial number, hex.
    pub serial: String,
    /// Its end of validity (Unix seconds): the new certificate's too.
    pub not_after: i64,
}

/// `POST /api/v1/enrollments/{token}` request: only the CSR. Never a private key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubmitCsr {
    /// The PKCS#10 request, PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`).
    pub csr: String,
}

/// `POST /api/v1/enrollments/{token}` response (201): the certificate and its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedCertificate {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// The end-entity certificate, PEM.
    pub certificate: String,
    /// The CA certificates, PEM: the issuing CA first, the root last.
    pub chain: Vec<String>,
    /// Suggested friendly name for the bundle.
    pub friendly_name: String,
    /// Expiry, seconds since the Unix epoch.
    pub not_after: i64,
}
