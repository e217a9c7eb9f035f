//! Reissue (issue 14.2): a new key for the same order and subject, the rest of the old validity, no charge.
//!
//! - `POST /api/v1/certificates/{serial}/reissue`: a member of the ordering account asks; a new single-use
//!   enrollment link goes to the recipient's address ([`Reissue`]);
//! - `DELETE /api/v1/certificates/{serial}/reissue`: the open reissue link is cancelled; the old certificate is
//!   left as it is;
//! - `POST /api/v1/enrollments/{token}/reissue`: the holder asks from the spent link's page; the new link goes to
//!   the recipient's address only, never in the answer ([`ReissueRequested`]);
//! - `GET` and `POST /api/v1/account/reissue-settings`: the account's grace period ([`ReissueSettings`]).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};

/// A member of the ordering account reissues a certificate (`201` [`Reissue`]).
pub const REISSUE_CERTIFICATE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/certificates/{serial}/reissue",
    access: Access::Account,
    summary: "Reissues: a new enrollment link to the recipient, the same subject and end, no charge",
    body: Body::None,
};

/// Cancels a certificate's open reissue link (`204`); the certificate is untouched.
pub const CANCEL_REISSUE: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/certificates/{serial}/reissue",
    access: Access::Account,
    summary: "Cancels the open reissue link; the certificate stays as it is",
    body: Body::None,
};

/// The holder asks for a reissue from the spent link's page (`202` [`ReissueRequested`]).
pub const REQUEST_REISSUE: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/enrollments/{token}/reissue",
    access: Access::Public,
    summary: "The holder asks for a reissue: a new link is emailed to the recipient's address",
    body: Body::None,
};

/// The account's reissue settings ([`ReissueSettings`]).
pub const SHOW_REISSUE_SETTINGS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/account/reissue-settings",
    access: Access::Account,
    summary: "The account's reissue settings: the grace period",
    body: Body::None,
};

/// An administrator sets the account's reissue settings ([`ReissueSettings`] → [`ReissueSettings`]).
pub const UPDATE_REISSUE_SETTINGS: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/account/reissue-settings",
    access: Access::AccountAdmin,
    summary: "Sets the account's reissue settings",
    body: Body::Json { max_bytes: 1024 },
};

/// `POST .../reissue` response (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reissue {
    /// The certificate reissued.
    pub serial: String,
    /// Where the new link was sent (the recipient's address).
    pub recipient_email: String,
    /// When the new link stops working (Unix seconds): its lifetime, or the certificate's end if sooner.
    pub link_expires_at: i64,
    /// When the new certificate will end: the old one's end.
    pub not_after: i64,
    /// Whether a fresh mailbox validation was started with the reissue (the one the certificate relied on had
    /// lapsed: S/MIME BR 4.2.1); the new certificate is issued only once it is complete.
    pub mailbox_revalidation: bool,
}

/// `POST /api/v1/enrollments/{token}/reissue` response (202).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReissueRequested {
    /// The address the new link was sent to.
    pub sent_to: String,
    /// When the new link stops working (Unix seconds).
    pub link_expires_at: i64,
}

/// The account's reissue settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReissueSettings {
    /// Days a reissued certificate's predecessor stays valid when the new one is not picked up (0 to 30;
    /// default 7). A pickup revokes it `superseded` at once.
    pub supersede_grace_days: i64,
}
