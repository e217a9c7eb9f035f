//! `POST /api/v1/orders/{id}/renew`: "renew now", the scheduled handler's renewal placed at once
//! ([`crate::renewal`]). Answers `201` with the renewal order ([`super::order::OrderView`], whose `renewal_of` names
//! the order renewed); refused `409` with the reason's code (`renewals_exhausted`, `order_already_renewed`,
//! `order_not_completed`, `nothing_to_renew`) or `422` with the order form's field errors (what lapsed).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};

/// The certificate a renewal's enrollment link renews, as the enrollment page names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewedCertificate {
    /// Its serial number, hex.
    pub serial: String,
    /// Its end of validity, Unix seconds.
    pub not_after: i64,
}

/// Places the order's renewal now, as the scheduled handler would 30 days before the end.
pub const RENEW_ORDER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/orders/{id}/renew",
    access: Access::Account,
    summary: "Places the order's renewal now (one renewal per order; the count of renewals left goes down by one)",
    body: Body::None,
};
