//! Organization vetting by the CA's staff (`crate::vetting` holds the rules).
//!
//! - `GET /api/v1/admin/vetting`: the CA administrators' work list ([`VettingWorkList`]): organizations waiting
//!   for vetting, oldest first, with the applicant's details, answers and records.
//! - `GET /api/v1/admin/organizations/{id}/vetting`: one organization's [`VettingCase`], whatever its status.
//! - `POST /api/v1/admin/organizations/{id}/vetting`: a [`crate::vetting::VettingForm`] → [`VettingCase`]; the
//!   decision is recorded (insert only) with the administrator's name from the session, `validated` sets the
//!   organization's validation in the same batch, and the account's administrators are emailed. `422` lists
//!   every problem, each naming its field.
//! - `POST /api/v1/organizations/{id}/vetting/answers`: the applicant's [`VettingAnswer`] →
//!   [`crate::api::organization::OrganizationView`]; the organization is back in the work list.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::api::organization::OrganizationView;
use crate::vetting::{Decision, VettingStatus};

/// The CA administrators' work list ([`VettingWorkList`]).
pub const VETTING_WORK_LIST: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/vetting",
    access: Access::CaAdmin,
    summary: "Organizations waiting for vetting by the CA's staff, oldest first",
    body: Body::None,
};

/// One organization's vetting ([`VettingCase`]), for a CA administrator.
pub const SHOW_VETTING: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/organizations/{id}/vetting",
    access: Access::CaAdmin,
    summary: "An organization's vetting: details, answers, records",
    body: Body::None,
};

/// A CA administrator records a vetting decision ([`crate::vetting::VettingForm`] → [`VettingCase`]).
pub const DECIDE_VETTING: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/organizations/{id}/vetting",
    access: Access::CaAdmin,
    summary: "A CA administrator records a vetting decision (validated, rejected, information requested)",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The applicant answers the CA's staff ([`VettingAnswer`] → [`OrganizationView`]).
pub const ANSWER_VETTING: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/organizations/{id}/vetting/answers",
    access: Access::AccountAdmin,
    summary: "The applicant answers the CA's staff; the organization is back in the work list",
    body: Body::Json { max_bytes: 16 * 1024 },
};

/// The applicant's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VettingAnswer {
    /// The answer (document references included as text).
    pub text: String,
}

/// An answer as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnswerView {
    /// Identifier.
    pub id: String,
    /// The answer.
    pub text: String,
    /// Who gave it (user id).
    pub answered_by: String,
    /// Their name.
    pub answered_by_name: String,
    /// When.
    pub answered_at: i64,
}

/// A vetting record as shown (every one is kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VettingRecordView {
    /// Identifier.
    pub id: String,
    /// The decision.
    pub decision: Decision,
    /// The reason or question the applicant sees.
    pub message: String,
    /// The independent source's name.
    pub source_name: Option<String>,
    /// Its URL or reference.
    pub source_reference: Option<String>,
    /// The registration number found there.
    pub registration_number: Option<String>,
    /// The number called.
    pub call_phone: Option<String>,
    /// Where that number was found.
    pub call_phone_source: Option<String>,
    /// Who answered.
    pub call_spoke_with: Option<String>,
    /// When the call was made.
    pub call_at: Option<i64>,
    /// Notes for the CA's staff.
    pub notes: String,
    /// The CA administrator's user id.
    pub recorded_by: String,
    /// The CA administrator's name.
    pub recorded_by_name: String,
    /// When.
    pub recorded_at: i64,
    /// Validated: until when it may be relied on.
    pub validated_until: Option<i64>,
    /// `vetting`, or `call_record` (converted from a verification call recorded before vetting existed), or
    /// `development_seed`.
    pub origin: String,
}

/// One organization's vetting, as CA administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VettingCase {
    /// The organization as the applicant stated it (name, identifier, country, address, phone, contacts).
    pub organization: OrganizationView,
    /// The account that applied.
    pub account_id: String,
    /// Its name.
    pub account_name: String,
    /// Where the vetting stands.
    pub status: VettingStatus,
    /// Seconds it has waited, while waiting.
    pub waiting_seconds: Option<i64>,
    /// The applicant's answers, oldest first.
    pub answers: Vec<AnswerView>,
    /// The vetting records, oldest first.
    pub records: Vec<VettingRecordView>,
}

/// `GET /api/v1/admin/vetting`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VettingWorkList {
    /// The organizations waiting, longest waiting first.
    pub waiting: Vec<VettingCase>,
}
