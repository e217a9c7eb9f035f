//! The account's certificate inventory, the sync endpoint, the recipient's "saved" confirmation and the CA
//! administrators' certificate search:
//!
//! - `GET /api/v1/certificates?q=&expiring_within=&page=&format=`: an [`Inventory`] of the caller's account,
//!   soonest end first, [`INVENTORY_PAGE_SIZE`] a page; `format=csv` (or `Accept: text/csv`) answers every
//!   matching row as CSV with [`CSV_COLUMNS`] instead;
//! - `GET /api/v1/orders/{id}/recipients/{position}/certificate/current`: the recipient's current certificate and
//!   chain, PEM (certificate then chain) or, with `Accept: application/json`, a [`CurrentCertificate`]; a strong
//!   `ETag`, `304` to a matching `If-None-Match`; each fetch by an API key is recorded as a pickup;
//! - `POST /api/v1/enrollments/{token}/saved`: the recipient confirms the bundle was saved (204, idempotent);
//! - `GET /api/v1/admin/certificates?q=`: any account's certificates by serial or address, for CA administrators
//!   ([`AdminCertificateList`]); they revoke through `POST /api/v1/certificates/{serial}/revocation`.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::encoding::utc_date_time;
pub use crate::inventory::{CertificateState, ExpiringWithin, PickupKind};
use crate::profile::ProfileId;
use crate::revocation::RevocationReason;

/// The account's certificates ([`Inventory`], or CSV).
pub const LIST_CERTIFICATES: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/certificates",
    access: Access::Account,
    summary: "The account's certificates, soonest end first, 50 a page; format=csv exports every match",
    body: Body::None,
};

/// The recipient's current certificate and chain (PEM, or [`CurrentCertificate`] by `Accept`).
pub const CURRENT_CERTIFICATE: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/orders/{id}/recipients/{position}/certificate/current",
    access: Access::Account,
    summary: "A recipient's current certificate and chain: PEM, or JSON by Accept; ETag and 304",
    body: Body::None,
};

/// The recipient confirms the bundle was saved (204; again: 204, nothing more written).
pub const CONFIRM_SAVED: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/enrollments/{token}/saved",
    access: Access::Public,
    summary: "The recipient confirms the bundle was saved",
    body: Body::None,
};

/// Any account's certificates by serial or address ([`AdminCertificateList`]).
pub const ADMIN_SEARCH_CERTIFICATES: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/certificates",
    access: Access::CaAdmin,
    summary: "Any account's certificates by serial or address (CA administrators)",
    body: Body::None,
};

/// Certificates a page of [`Inventory`] holds.
pub const INVENTORY_PAGE_SIZE: u32 = 50;

/// The most rows a CSV export holds.
pub const CSV_MAXIMUM_ROWS: u32 = 10_000;

/// The most certificates the CA administrators' search answers.
pub const ADMIN_SEARCH_LIMIT: u32 = 50;

/// `GET /api/v1/certificates` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InventoryQuery {
    /// A serial (hex, colons allowed), an address or its domain, a DNS name or its domain, or an order number
    /// (prefix); blank lists everything. At most 254 characters.
    #[serde(default)]
    pub q: Option<String>,
    /// Only valid certificates (not revoked, not replaced) ending within this many days: 7, 30 or 90.
    #[serde(default)]
    pub expiring_within: Option<ExpiringWithin>,
    /// 1-based page number; 1 when absent (ignored by the CSV export, which holds every match).
    #[serde(default)]
    pub page: Option<u32>,
    /// `csv` for the CSV export.
    #[serde(default)]
    pub format: Option<String>,
}

/// The latest pickup of a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pickup {
    /// When, Unix seconds (for an API key, its latest fetch).
    pub at: i64,
    /// By what.
    pub kind: PickupKind,
    /// The API key's id, for [`PickupKind::ApiKey`].
    pub api_key_id: Option<String>,
    /// The API key's name, for [`PickupKind::ApiKey`].
    pub api_key_name: Option<String>,
}

impl Pickup {
    /// In plain words: "recipient confirmed saving" or "API key <name>".
    pub fn describe(&self) -> String {
        match self.kind {
            PickupKind::RecipientConfirmed => "recipient confirmed saving".to_owned(),
            PickupKind::ApiKey => format!("API key {}", self.api_key_name.as_deref().unwrap_or("(unknown)")),
        }
    }
}

/// One certificate of the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InventoryEntry {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// What it certifies: the first DNS name for device profiles, the address otherwise.
    pub subject: String,
    /// The profile.
    pub profile: ProfileId,
    /// The order number.
    pub order_id: String,
    /// The recipient's place in the order, from 0.
    pub recipient_position: u32,
    /// The recipient's address.
    pub recipient_email: String,
    /// The order's name for the recipient.
    pub recipient_name: String,
    /// Host names, for device profiles.
    pub dns_names: Vec<String>,
    /// When it was issued, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// Where it stands now ([`crate::inventory::state`]).
    pub state: CertificateState,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Why, if it was.
    pub revocation_reason: Option<RevocationReason>,
    /// The serial of the certificate that replaced it; `null` while none did (renewal and reissue are not built
    /// yet, so always `null` today).
    pub replaced_by: Option<String>,
    /// Its latest pickup, if any.
    pub last_pickup: Option<Pickup>,
    /// The latest test enrollment, Unix seconds (the state is then `installed` while valid).
    #[serde(default)]
    pub installed_at: Option<i64>,
}

/// The CSV export's columns, in order ([`InventoryEntry::csv_row`]).
pub const CSV_COLUMNS: [&str; 14] = [
    "serial",
    "subject",
    "profile",
    "order",
    "recipient_position",
    "recipient_email",
    "recipient_name",
    "dns_names",
    "not_after",
    "state",
    "revocation_reason",
    "replaced_by",
    "last_pickup_at",
    "last_pickup_by",
];

impl InventoryEntry {
    /// Its CSV line's fields, [`CSV_COLUMNS`] in order (instants as `YYYY-MM-DD HH:MM` UTC; DNS names separated by
    /// spaces); escaping is `crate::inventory::csv_document`'s.
    pub fn csv_row(&self) -> Vec<String> {
        vec![
            self.serial.clone(),
            self.subject.clone(),
            self.profile.as_str().to_owned(),
            self.order_id.clone(),
            self.recipient_position.to_string(),
            self.recipient_email.clone(),
            self.recipient_name.clone(),
            self.dns_names.join(" "),
            utc_date_time(self.not_after),
            self.state.as_str().to_owned(),
            self.revocation_reason.map(|reason| reason.as_str().to_owned()).unwrap_or_default(),
            self.replaced_by.clone().unwrap_or_default(),
            self.last_pickup.as_ref().map(|pickup| utc_date_time(pickup.at)).unwrap_or_default(),
            self.last_pickup.as_ref().map(Pickup::describe).unwrap_or_default(),
        ]
    }
}

/// `GET /api/v1/certificates` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Inventory {
    /// Soonest end first.
    pub certificates: Vec<InventoryEntry>,
    /// This page's number.
    pub page: u32,
    /// Whether a next page exists.
    pub has_more: bool,
}

/// `GET .../certificate/current` with `Accept: application/json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CurrentCertificate {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// The certificate, PEM.
    pub certificate: String,
    /// The issuing CA's certificate then the root's, PEM.
    pub chain: String,
}

/// `GET /api/v1/admin/certificates` query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminCertificateQuery {
    /// A serial (hex, colons allowed) or a recipient's address, exact. At most 254 characters.
    pub q: Option<String>,
}

/// One certificate as the CA administrators' search shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminCertificate {
    /// The certificate, as its account's inventory shows it.
    #[serde(flatten)]
    pub certificate: InventoryEntry,
    /// The ordering account (`accounts.id`).
    pub account_id: String,
    /// Its name.
    pub account_name: String,
}

/// `GET /api/v1/admin/certificates` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminCertificateList {
    /// The matches, newest issuance first, at most [`ADMIN_SEARCH_LIMIT`].
    pub certificates: Vec<AdminCertificate>,
}

/// Why an inventory or search query is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InventoryQueryError {
    /// The search text is longer than 254 characters.
    QueryTooLong,
    /// `expiring_within` is not 7, 30 or 90.
    ExpiringWithinInvalid,
    /// Page 0 or not a number.
    PageInvalid,
    /// `format` is not `csv` or `json`.
    FormatUnknown,
    /// The CA administrators' search needs a serial or an address.
    QueryMissing,
}

/// Longest search text, in characters.
pub const QUERY_MAXIMUM_LENGTH: usize = 254;

impl InventoryQueryError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::QueryTooLong => "query_too_long",
            Self::ExpiringWithinInvalid => "expiring_within_invalid",
            Self::PageInvalid => "page_invalid",
            Self::FormatUnknown => "format_unknown",
            Self::QueryMissing => "query_missing",
        }
    }

    /// The query-string parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::QueryTooLong | Self::QueryMissing => "q",
            Self::ExpiringWithinInvalid => "expiring_within",
            Self::PageInvalid => "page",
            Self::FormatUnknown => "format",
        }
    }
}

impl core::fmt::Display for InventoryQueryError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::QueryTooLong => write!(formatter, "Search with at most {QUERY_MAXIMUM_LENGTH} characters."),
            Self::ExpiringWithinInvalid => formatter.write_str("Expiring within 7, 30 or 90 days."),
            Self::PageInvalid => formatter.write_str("Pages are numbered from 1."),
            Self::FormatUnknown => formatter.write_str("Formats: json (the default) and csv."),
            Self::QueryMissing => formatter.write_str("Give a serial number or an email address to search for."),
        }
    }
}

impl std::error::Error for InventoryQueryError {}

/// A search text as the edge matches it: trimmed and lower-cased, `None` when blank; a serial typed with colons
/// or spaces between its bytes (`0A:1B:...`, as certificate viewers show it) loses them.
///
/// # Errors
///
/// [`InventoryQueryError::QueryTooLong`] past [`QUERY_MAXIMUM_LENGTH`] characters as sent.
pub fn search_text(text: Option<&str>) -> Result<Option<String>, InventoryQueryError> {
    let Some(text) = text else { return Ok(None) };
    if text.chars().count() > QUERY_MAXIMUM_LENGTH {
        return Err(InventoryQueryError::QueryTooLong);
    }
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let compact: String = text.chars().filter(|character| !matches!(character, ':' | ' ')).collect();
    if compact.len() >= 8 && compact.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Ok(Some(compact));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_texts() {
        let long = "a".repeat(QUERY_MAXIMUM_LENGTH + 1);
        let cases: [(Option<&str>, Result<Option<&str>, InventoryQueryError>); 7] = [
            (None, Ok(None)),
            (Some("   "), Ok(None)),
            (Some(" Ada@Example.COM "), Ok(Some("ada@example.com"))),
            (Some("0A:1B:2C:3D:4E:5F:60:71"), Ok(Some("0a1b2c3d4e5f6071"))),
            (Some("www.example.com"), Ok(Some("www.example.com"))),
            (Some("ab cd"), Ok(Some("ab cd"))),
            (Some(long.as_str()), Err(InventoryQueryError::QueryTooLong)),
        ];
        for (text, expected) in cases {
            assert_eq!(search_text(text), expected.map(|found| found.map(str::to_owned)), "{text:?}");
        }
        assert_eq!(InventoryQueryError::ExpiringWithinInvalid.field(), "expiring_within");
    }

    #[test]
    fn csv_rows_follow_the_columns() {
        let entry = InventoryEntry {
            serial: "0a".into(),
            subject: "www.example.com".into(),
            profile: ProfileId::ServerAuth,
            order_id: "ord".into(),
            recipient_position: 1,
            recipient_email: "ops@example.com".into(),
            recipient_name: "=evil".into(),
            dns_names: vec!["www.example.com".into(), "example.com".into()],
            issued_at: 0,
            not_after: 86_400,
            state: CertificateState::Downloaded,
            revoked_at: None,
            revocation_reason: None,
            replaced_by: None,
            last_pickup: Some(Pickup {
                at: 3_600,
                kind: PickupKind::ApiKey,
                api_key_id: Some("k1".into()),
                api_key_name: Some("nginx sync".into()),
            }),
            installed_at: None,
        };
        let row = entry.csv_row();
        assert_eq!(row.len(), CSV_COLUMNS.len());
        assert_eq!(
            row,
            [
                "0a",
                "www.example.com",
                "server_auth",
                "ord",
                "1",
                "ops@example.com",
                "=evil",
                "www.example.com example.com",
                "1970-01-02 00:00",
                "downloaded",
                "",
                "",
                "1970-01-01 01:00",
                "API key nginx sync"
            ]
        );
        let document = crate::inventory::csv_document(&CSV_COLUMNS, [row]);
        assert!(document.contains(",\"'=evil\","), "{document}");
    }
}
