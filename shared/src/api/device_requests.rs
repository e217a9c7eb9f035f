//! `/api/v1/device-requests`, `/api/v1/admin/device-requests`, `/api/v1/enrollment-managers` and
//! `/api/v1/device-settings`: device requests and their approvals (issue 13; the rules are
//! [`crate::device_request`]).
//!
//! - A user of the account (session or API key) asks for a workstation or server certificate for one of its
//!   organizations ([`DeviceRequestForm`] → `201` [`DeviceRequestView`]); a newer request of theirs for the same
//!   machine cancels their pending one. They edit it while it waits (a new version) or cancel it.
//! - The list holds what the caller may see: their own requests; the workstation requests of the organizations
//!   they manage (enrollment managers); every request of the account (its organization admins).
//! - An enrollment manager approves or rejects the workstation requests of their organizations
//!   ([`DeviceDecision`], in a browser session); a CA administrator the server requests of every account, from
//!   their queue, oldest first. An approval places the request's order (one recipient: the requester).
//! - The organization admin names the enrollment managers ([`EnrollmentManagerGrant`]) and the kinds requesters
//!   may ask for ([`DeviceSettings`]).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::device_request::{CertificatePreview, DeviceKind, DeviceStatus, RequestId};

pub use crate::device_request::DeviceRequestForm;
pub use crate::device_request_history::{DeviceEventKind, DeviceRequestEvent, DeviceRequestVersion};

/// Makes a request ([`DeviceRequestForm`] → `201` [`DeviceRequestView`]).
pub const CREATE_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/device-requests",
    access: Access::Account,
    summary: "Asks for a workstation or server certificate; cancels the requester's pending one for the machine",
    body: Body::Json { max_bytes: 32 * 1024 },
};

/// The requests the caller may see ([`DeviceRequestList`]).
pub const LIST_DEVICE_REQUESTS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/device-requests",
    access: Access::Account,
    summary: "The device requests the caller may see, newest first",
    body: Body::None,
};

/// One request with its versions ([`DeviceRequestView`]).
pub const SHOW_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/device-requests/{id}",
    access: Access::Account,
    summary: "A device request, with every version its requester submitted",
    body: Body::None,
};

/// The requester edits their pending request ([`DeviceRequestForm`] → [`DeviceRequestView`]): a new version.
pub const EDIT_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/device-requests/{id}/versions",
    access: Access::Account,
    summary: "The requester edits a pending request: a new version, which the approver sees",
    body: Body::Json { max_bytes: 32 * 1024 },
};

/// The requester cancels their pending request ([`DeviceRequestView`]).
pub const CANCEL_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/device-requests/{id}/cancel",
    access: Access::Account,
    summary: "The requester withdraws a pending request",
    body: Body::None,
};

/// A CA administrator reads one server request, with its versions and history ([`DeviceRequestView`]).
pub const ADMIN_SHOW_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/device-requests/{id}",
    access: Access::CaAdmin,
    summary: "A server request of any account, with every version and its history (CA administrators)",
    body: Body::None,
};

/// An enrollment manager decides a workstation request of their organization ([`DeviceDecision`] →
/// [`DeviceRequestView`]), in a browser session.
pub const DECIDE_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/device-requests/{id}/decision",
    access: Access::Account,
    summary: "An enrollment manager approves or rejects a workstation request of their organization",
    body: Body::Json { max_bytes: 4 * 1024 },
};

/// The CA administrators' queue of server requests, oldest first ([`DeviceRequestList`]).
pub const ADMIN_DEVICE_QUEUE: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/device-requests",
    access: Access::CaAdmin,
    summary: "Server requests waiting for a CA administrator, every account, oldest first",
    body: Body::None,
};

/// A CA administrator decides a server request ([`DeviceDecision`] → [`DeviceRequestView`]).
pub const ADMIN_DECIDE_DEVICE_REQUEST: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/device-requests/{id}/decision",
    access: Access::CaAdmin,
    summary: "A CA administrator approves or rejects a server request",
    body: Body::Json { max_bytes: 4 * 1024 },
};

/// The account's enrollment managers ([`EnrollmentManagerList`]).
pub const LIST_ENROLLMENT_MANAGERS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/enrollment-managers",
    access: Access::AccountAdmin,
    summary: "Who decides the workstation requests of each organization of the account",
    body: Body::None,
};

/// Makes a user of the account an enrollment manager of one of its organizations ([`EnrollmentManagerGrant`] →
/// `201` [`EnrollmentManagerList`]).
pub const GRANT_ENROLLMENT_MANAGER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/enrollment-managers",
    access: Access::AccountAdmin,
    summary: "Makes a user an enrollment manager of one organization of the account",
    body: Body::Json { max_bytes: 1024 },
};

/// Ends a user's enrollment manager role for an organization ([`EnrollmentManagerList`]).
pub const REMOVE_ENROLLMENT_MANAGER: Endpoint = Endpoint {
    method: Method::Delete,
    path: "/api/v1/enrollment-managers/{user}/{organization}",
    access: Access::AccountAdmin,
    summary: "Ends a user's enrollment manager role for one organization",
    body: Body::None,
};

/// The kinds the account's requesters may ask for ([`DeviceSettings`]).
pub const SHOW_DEVICE_SETTINGS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/device-settings",
    access: Access::Account,
    summary: "The device kinds the account's requesters may ask for",
    body: Body::None,
};

/// The organization admin sets the kinds ([`DeviceSettings`] → [`DeviceSettings`]).
pub const CHANGE_DEVICE_SETTINGS: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/device-settings",
    access: Access::AccountAdmin,
    summary: "Sets the device kinds the account's requesters may ask for",
    body: Body::Json { max_bytes: 1024 },
};

/// A device request as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRequestView {
    /// `DR-XXXX-XX`: quote it to the approver.
    pub id: RequestId,
    /// Workstation or server.
    pub kind: DeviceKind,
    /// Where it stands.
    pub status: DeviceStatus,
    /// The organization the certificate names.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// Who asked (their email address).
    pub requester_email: String,
    /// Who asked (their name).
    pub requester_name: String,
    /// The latest version's fields (the list of every one is `versions`).
    pub latest: DeviceRequestVersion,
    /// The approver's reason (always given with a rejection).
    pub reason: Option<String>,
    /// The newer request that replaced this one, when one did.
    pub cancelled_by: Option<RequestId>,
    /// When it was decided, Unix seconds.
    pub decided_at: Option<i64>,
    /// The order the approval placed.
    pub order_id: Option<String>,
    /// The certificate's serial, once issued.
    pub certificate_serial: Option<String>,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When it last changed, Unix seconds.
    pub updated_at: i64,
    /// Whether the caller may approve or reject it now.
    pub can_decide: bool,
    /// Whether the caller may edit or cancel it now (its requester, while it waits).
    pub can_edit: bool,
    /// What the certificate will say.
    pub preview: CertificatePreview,
    /// Every version, the first first (only in a single request's answer; empty in lists).
    pub versions: Vec<DeviceRequestVersion>,
    /// What happened to it, oldest first (only in a single request's answer; empty in lists).
    #[serde(default)]
    pub timeline: Vec<DeviceRequestEvent>,
    /// The latest version's CSR (PEM), when one was given (only in a single request's answer).
    #[serde(default)]
    pub csr: Option<String>,
}

/// A list of requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRequestList {
    /// The requests.
    pub requests: Vec<DeviceRequestView>,
    /// The organizations whose workstation requests the caller decides (enrollment managers).
    pub managed_organizations: Vec<String>,
}

/// Approve or reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The request's order is placed.
    Approve,
    /// The request ends, with the reason.
    Reject,
}

/// An approver's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceDecision {
    /// Approve or reject.
    pub decision: Decision,
    /// Why: required to reject (the requester reads it), optional to approve.
    #[serde(default)]
    pub reason: String,
}

/// Makes a user an enrollment manager of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnrollmentManagerGrant {
    /// A user of the account (`GET /api/v1/users`).
    pub user_id: String,
    /// An organization of the account.
    pub organization_id: String,
}

/// One enrollment manager of one organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnrollmentManagerView {
    /// The user.
    pub user_id: String,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// The organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// Since when, Unix seconds.
    pub granted_at: i64,
}

/// The account's enrollment managers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnrollmentManagerList {
    /// One row per user and organization.
    pub managers: Vec<EnrollmentManagerView>,
}

/// The kinds an account's requesters may ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceSettings {
    /// Workstation, server, both or none.
    pub kinds: Vec<DeviceKind>,
}
