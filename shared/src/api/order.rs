//! `POST /api/v1/orders`, `GET /api/v1/orders/{id}` and `GET /api/v1/orders?query=&status=&page=`: placing an
//! order and following it.
//!
//! - `POST /api/v1/orders` takes an [`OrderRequest`]. The Worker reads what the rules need into a
//!   [`crate::order::OrderContext`] and calls [`crate::order::check_order_request`]. Refused: `422` with a
//!   [`FieldErrorsBody`] listing every problem (the form shows them beside their fields). Accepted: `201` with
//!   an [`OrderView`]. The same `idempotency_key` again, for the same account, returns the order it made
//!   (`200`) and creates nothing.
//! - `GET /api/v1/orders/{id}`: an [`OrderView`], the pipeline included.
//! - `GET /api/v1/orders`: an [`OrderList`], newest first, [`ORDERS_PAGE_SIZE`] a page; the query string is
//!   an [`OrderListQuery`] (`query` matches an order number, a recipient email or a domain).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::api::ApiError;
use crate::order::FieldError;
pub use crate::order::{OrderRequest, PaymentRequest, RecipientRequest, SignatureHash, ValidityRequest};
use crate::pipeline::{OrderState, Step};
use crate::profile::ProfileId;

/// Places an order ([`OrderRequest`] → `201` [`OrderView`], or `422` [`FieldErrorsBody`]); the same
/// idempotency key again returns the order it made (`200`).
pub const PLACE_ORDER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/orders",
    access: Access::Account,
    summary: "Places an order; the same idempotency key again returns it",
    body: Body::Json { max_bytes: 512 * 1024 },
};

/// The account's orders ([`OrderList`]), newest first; the query string is an [`OrderListQuery`].
pub const LIST_ORDERS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/orders",
    access: Access::Account,
    summary: "The account's orders, newest first, 20 a page",
    body: Body::None,
};

/// An order and its pipeline ([`OrderView`]).
pub const SHOW_ORDER: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/orders/{id}",
    access: Access::Account,
    summary: "An order and its pipeline",
    body: Body::None,
};

/// Cancels an order not yet completed ([`OrderView`]).
pub const CANCEL_ORDER: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/orders/{id}/cancel",
    access: Access::Account,
    summary: "Cancels an order not yet completed",
    body: Body::None,
};

/// A fresh enrollment link for the recipient at `position` (from 0; 204); the previous link stops working.
pub const RESEND_ENROLLMENT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/orders/{id}/recipients/{position}/resend",
    access: Access::Account,
    summary: "A fresh enrollment link for a recipient",
    body: Body::None,
};

/// The account's balance and its latest ledger entries ([`Ledger`]).
pub const SHOW_LEDGER: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/ledger",
    access: Access::Account,
    summary: "The account's balance and its latest 50 ledger entries",
    body: Body::None,
};

/// `422` body of a refused order: every problem. `error` is the first, so a client that reads only the
/// usual `{"error": ...}` shape still gets one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldErrorsBody {
    /// The first problem.
    pub error: ApiError,
    /// Every problem, in form order, each with its field path (`recipients[1].email`).
    pub errors: Vec<ApiError>,
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError { code: error.code.to_owned(), field: Some(error.field), message: error.message }
    }
}

/// One recipient as the order page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientView {
    /// The order's name for the recipient ([`crate::order::recipient_common_name`]).
    pub common_name: String,
    /// The email address.
    pub email: String,
    /// Host names, for device profiles.
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// Whether a CSR came with the order (issued without an enrollment link).
    pub has_csr: bool,
    /// The issued certificate's serial, lowercase hex, once issued.
    pub certificate_serial: Option<String>,
    /// The issued certificate's end of validity, Unix seconds, once issued.
    #[serde(default)]
    pub not_after: Option<i64>,
    /// When the certificate was revoked, Unix seconds; `None` while it is not.
    #[serde(default)]
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    #[serde(default)]
    pub revocation_reason: Option<crate::revocation::RevocationReason>,
    /// Why the issuance pipeline refused the CSR given with the order when its issuance ran (after placement:
    /// the key was reported compromised meanwhile, CAA forbids, a validation lapsed); `None` otherwise.
    #[serde(default)]
    pub issuance_refusal: Option<IssuanceRefusal>,
    /// The certificate this recipient's renews (a renewal order's recipient), if any.
    #[serde(default)]
    pub renews_serial: Option<String>,
}

/// A refusal of the issuance pipeline, kept on the recipient it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuanceRefusal {
    /// The refusal's stable code (`key_compromised`, `caa_forbids`, `mailbox_validation_expired`...).
    pub code: String,
    /// The step that refused (`key_reuse`, `caa`, `validations`...).
    pub step: String,
    /// What happened, in plain words.
    pub message: String,
    /// When, Unix seconds.
    pub refused_at: i64,
}

/// `GET /api/v1/orders/{id}` response, and `POST /api/v1/orders`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderView {
    /// The order number.
    pub id: String,
    /// Where the order stands.
    pub state: OrderState,
    /// When it was placed, Unix seconds.
    pub created_at: i64,
    /// The profile.
    pub profile: ProfileId,
    /// The organization's identifier.
    pub organization_id: String,
    /// The organization's name.
    pub organization_name: String,
    /// Validity of each certificate, in days.
    pub validity_days: u32,
    /// Automatic renewals left.
    pub auto_renewals: u32,
    /// The order this one renews (a renewal order), if any.
    #[serde(default)]
    pub renewal_of: Option<String>,
    /// The renewal order placed for this one, if any.
    #[serde(default)]
    pub renewed_by: Option<String>,
    /// The signature hash.
    pub signature_hash: SignatureHash,
    /// The recipients, in order.
    pub recipients: Vec<RecipientView>,
    /// The notification addresses.
    pub notification_emails: Vec<String>,
    /// The price, in cents.
    pub price_cents: i64,
    /// Each step: state, what blocks it, who must act, the actions offered ([`crate::pipeline::pipeline`]).
    pub steps: Vec<Step>,
}

/// Orders a page of [`OrderList`] holds.
pub const ORDERS_PAGE_SIZE: u32 = 20;

/// Longest search text, in characters.
pub const ORDER_QUERY_MAXIMUM_LENGTH: usize = 254;

/// `GET /api/v1/orders` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderListQuery {
    /// An order number, a recipient email or a domain (exact for numbers; `LIKE` prefix for addresses and
    /// domains, with `%` and `_` escaped by the edge); blank lists everything.
    #[serde(default)]
    pub query: Option<String>,
    /// Only orders in this state.
    #[serde(default)]
    pub status: Option<OrderState>,
    /// 1-based page number; 1 when absent.
    #[serde(default)]
    pub page: Option<u32>,
}

impl OrderListQuery {
    /// The search text, trimmed (`None` when blank), and the page (1 when absent).
    ///
    /// # Errors
    ///
    /// [`ListQueryError`] when the text as sent, blanks included, is longer than [`ORDER_QUERY_MAXIMUM_LENGTH`]
    /// (the bound the OpenAPI document states) or the page is 0.
    pub fn checked(&self) -> Result<(Option<String>, u32), ListQueryError> {
        if self.query.as_deref().is_some_and(|query| query.chars().count() > ORDER_QUERY_MAXIMUM_LENGTH) {
            return Err(ListQueryError::QueryTooLong);
        }
        let query = self.query.as_deref().map(str::trim).filter(|query| !query.is_empty());
        let page = self.page.unwrap_or(1);
        if page == 0 {
            return Err(ListQueryError::PageZero);
        }
        Ok((query.map(str::to_owned), page))
    }

    /// The SQL `OFFSET` of `page` (1-based).
    pub fn offset(page: u32) -> u64 {
        u64::from(page.saturating_sub(1)) * u64::from(ORDERS_PAGE_SIZE)
    }
}

/// Why an order history query is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListQueryError {
    /// The search text is longer than [`ORDER_QUERY_MAXIMUM_LENGTH`].
    QueryTooLong,
    /// Page 0 was asked for.
    PageZero,
}

impl ListQueryError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::QueryTooLong => "query_too_long",
            Self::PageZero => "page_invalid",
        }
    }

    /// The query-string parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::QueryTooLong => "query",
            Self::PageZero => "page",
        }
    }
}

impl core::fmt::Display for ListQueryError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::QueryTooLong => write!(formatter, "Search with at most {ORDER_QUERY_MAXIMUM_LENGTH} characters."),
            Self::PageZero => formatter.write_str("Pages are numbered from 1."),
        }
    }
}

impl std::error::Error for ListQueryError {}

/// One line of the order history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderSummary {
    /// The order number.
    pub id: String,
    /// Where it stands.
    pub state: OrderState,
    /// When it was placed.
    pub created_at: i64,
    /// The profile.
    pub profile: ProfileId,
    /// The first recipient's email address.
    pub first_recipient: String,
    /// How many recipients.
    pub recipient_count: u32,
}

/// `GET /api/v1/orders` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderList {
    /// Newest first.
    pub orders: Vec<OrderSummary>,
    /// This page's number.
    pub page: u32,
    /// Whether a next page exists (the edge reads one row more than a page to know).
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_errors_go_on_the_wire_as_api_errors() {
        let error = crate::order::FieldError::at(
            "recipients[1].email",
            &crate::order::OrderFormError::RecipientRepeated { email: "a@example.com".into() },
        );
        let wire = ApiError::from(error);
        assert_eq!(wire.code, "recipient_repeated");
        assert_eq!(wire.field.as_deref(), Some("recipients[1].email"));
        assert!(wire.message.contains("a@example.com"));
    }

    #[test]
    fn the_request_on_the_wire() {
        let request: OrderRequest = serde_json::from_value(json!({
            "profile": "smime_sponsor_multipurpose",
            "organization_id": "org_1",
            "signature_hash": "sha256",
            "validity": {"kind": "end_date", "date": "2027-06-30"},
            "auto_renewals": 2,
            "recipients": [
                {"given_name": "Ada", "surname": "Lovelace", "email": "ada@example.com"},
                {"name": "Grace", "email": "grace@example.com", "csr": "-----BEGIN NEW CERTIFICATE REQUEST-----"}
            ],
            "payment": {"kind": "contract", "reference": "PO-1"},
            "subscriber_agreement": "2026-12-01",
            "idempotency_key": "0123456789abcdef"
        }))
        .expect("the documented form");
        assert_eq!(request.validity, ValidityRequest::EndDate { date: "2027-06-30".into() });
        assert_eq!(request.payment, PaymentRequest::Contract { reference: "PO-1".into() });
        assert_eq!(request.recipients[0].dns_names, Vec::<String>::new());
        assert!(request.notification_emails.is_empty());
        let back = serde_json::to_value(&request).expect("serializes");
        assert_eq!(back["validity"], json!({"kind": "end_date", "date": "2027-06-30"}));
        assert_eq!(back["payment"], json!({"kind": "contract", "reference": "PO-1"}));
        for (validity, expected) in [
            (json!({"kind": "years", "years": 2}), ValidityRequest::Years { years: 2 }),
            (json!({"kind": "days", "days": 90}), ValidityRequest::Days { days: 90 }),
        ] {
            assert_eq!(serde_json::from_value::<ValidityRequest>(validity).expect("valid"), expected);
        }
        assert_eq!(
            serde_json::from_value::<PaymentRequest>(json!({"kind": "balance"})).ok(),
            Some(PaymentRequest::Balance)
        );
        assert!(serde_json::from_value::<SignatureHash>(json!("md5")).is_err());
        assert_eq!(serde_json::to_value(SignatureHash::Sha384).expect("serializes"), json!("sha384"));
    }

    #[test]
    fn list_queries() {
        let query = |query: Option<&str>, page| OrderListQuery { query: query.map(str::to_owned), status: None, page };
        assert_eq!(query(Some("  ada@example.com "), None).checked(), Ok((Some("ada@example.com".into()), 1)));
        assert_eq!(query(Some("   "), Some(3)).checked(), Ok((None, 3)));
        assert_eq!(query(None, Some(0)).checked(), Err(ListQueryError::PageZero));
        assert_eq!(ListQueryError::PageZero.code(), "page_invalid");
        let long = "a".repeat(ORDER_QUERY_MAXIMUM_LENGTH + 1);
        assert_eq!(query(Some(&long), None).checked(), Err(ListQueryError::QueryTooLong));
        // The bound is on the text as sent, as the document states it: blanks trimmed later still count.
        let padded = format!(" {} ", "a".repeat(ORDER_QUERY_MAXIMUM_LENGTH - 1));
        assert_eq!(query(Some(&padded), None).checked(), Err(ListQueryError::QueryTooLong));
        let longest = "é".repeat(ORDER_QUERY_MAXIMUM_LENGTH);
        assert_eq!(query(Some(&longest), None).checked(), Ok((Some(longest.clone()), 1)));
        assert_eq!(ListQueryError::QueryTooLong.field(), "query");
        assert_eq!(OrderListQuery::offset(1), 0);
        assert_eq!(OrderListQuery::offset(3), 40);
        let parsed: OrderListQuery =
            serde_json::from_value(json!({"status": "awaiting_validation"})).expect("a status filter");
        assert_eq!(parsed.status, Some(OrderState::AwaitingValidation));
    }
}

/// Which way a ledger entry moved the balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// Funds added (recorded by a CA administrator when a payment arrives).
    Deposit,
    /// An order paid from the balance.
    Charge,
    /// Funds given back (the unissued recipients of a cancelled order).
    Refund,
}

impl LedgerKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Deposit, Self::Charge, Self::Refund];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Charge => "charge",
            Self::Refund => "refund",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One movement of an account's balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LedgerEntry {
    /// When, Unix seconds.
    pub at: i64,
    /// Cents: positive for deposits and refunds, negative for charges.
    pub amount_cents: i64,
    /// What it was.
    pub kind: LedgerKind,
    /// The order number of a charge or a refund, or the bank reference of a deposit.
    pub reference: String,
    /// How many recipients a refund gives back (absent for deposits and charges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
}

/// How many of the latest ledger entries [`Ledger`] lists.
pub const LEDGER_ENTRIES_LISTED: usize = 50;

/// `GET /api/v1/ledger` response: the balance and the latest entries, read together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ledger {
    /// The balance, cents: the sum of every entry (never below zero).
    pub balance_cents: i64,
    /// The latest [`LEDGER_ENTRIES_LISTED`] entries, newest first.
    pub entries: Vec<LedgerEntry>,
}
