//! The audit trail, readable and exportable (the chains are `crate::audit`'s):
//!
//! - `GET /api/v1/audit?actor=&object=&action=&from=&until=&page=` (organization administrators): an
//!   [`AuditList`] of their own account's sealed records, newest first, [`AUDIT_PAGE_SIZE`] a page.
//! - `GET /api/v1/audit/export`: the account's whole sealed chain as JSON lines (`application/x-ndjson`): an
//!   [`ExportHeader`] line, then one [`crate::audit::SealedRecord`] per line in chain order, ending at the header's
//!   head. `cargo xtask audit-verify FILE` checks it.
//! - `GET /api/v1/admin/audit?account=&actor=&object=&action=&from=&until=&page=` (CA administrators): any chain's
//!   records (`account` is an account's id or `ca`; all chains without it); `GET /api/v1/admin/audit/export?account=`
//!   exports one chain.
//!
//! Records appear once sealed: right after the request that wrote them, and at the latest by the next run of the
//! scheduled handler.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::audit::{Head, SealedRecord};

/// The account's audit records ([`AuditList`]), newest first; the query string is an [`AuditQuery`].
pub const LIST_AUDIT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/audit",
    access: Access::AccountAdmin,
    summary: "The account's audit records, newest first, 50 a page",
    body: Body::None,
};

/// The account's audit chain as JSON lines: an [`ExportHeader`], then every sealed record.
pub const EXPORT_AUDIT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/audit/export",
    access: Access::AccountAdmin,
    summary: "The account's audit chain as JSON lines, for cargo xtask audit-verify",
    body: Body::None,
};

/// Any chain's audit records ([`AuditList`]), for CA administrators; the query string is an [`AuditQuery`].
pub const ADMIN_LIST_AUDIT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/audit",
    access: Access::CaAdmin,
    summary: "Audit records of any account or of the CA, newest first, 50 a page",
    body: Body::None,
};

/// One chain as JSON lines (`account`: an account's id or `ca`), for CA administrators.
pub const ADMIN_EXPORT_AUDIT: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/audit/export",
    access: Access::CaAdmin,
    summary: "One audit chain (an account's or the CA's) as JSON lines",
    body: Body::None,
};

/// Records a page of [`AuditList`] holds.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The longest filter value, in characters.
pub const AUDIT_FILTER_MAXIMUM_LENGTH: usize = 254;

/// The export's media type.
pub const EXPORT_MEDIA_TYPE: &str = "application/x-ndjson";

/// The export's format name, in its header.
pub const EXPORT_FORMAT: &str = "keyward-audit-v1";

/// The audit list's query string; every filter is exact, blank means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditQuery {
    /// CA administrators only: the chain, an account's id or `ca`.
    #[serde(default)]
    pub account: Option<String>,
    /// Who acted: `user:…`, `api_key:…`, `link`, `keyward`, `outbox`.
    #[serde(default)]
    pub actor: Option<String>,
    /// The object's identifier: an order number, a serial, a user's or API key's id, a domain.
    #[serde(default)]
    pub object: Option<String>,
    /// The action (`api_key.created`), or a family ending with a dot (`api_key.`).
    #[serde(default)]
    pub action: Option<String>,
    /// From this instant, Unix seconds, inclusive.
    #[serde(default)]
    pub from: Option<i64>,
    /// Before this instant, Unix seconds, exclusive.
    #[serde(default)]
    pub until: Option<i64>,
    /// 1-based page number; 1 when absent.
    #[serde(default)]
    pub page: Option<u32>,
}

/// The filters of an [`AuditQuery`], checked: trimmed, blanks dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedAuditQuery {
    /// The chain asked for.
    pub account: Option<String>,
    /// The actor.
    pub actor: Option<String>,
    /// The object's identifier.
    pub object: Option<String>,
    /// The action or family.
    pub action: Option<String>,
    /// From, inclusive.
    pub from: Option<i64>,
    /// Until, exclusive.
    pub until: Option<i64>,
    /// The page, from 1.
    pub page: u32,
}

impl AuditQuery {
    /// Reads a query string's pairs; an unknown name is ignored.
    ///
    /// # Errors
    ///
    /// [`AuditQueryError`] when a number does not parse.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, AuditQueryError> {
        let mut query = Self::default();
        for (name, value) in pairs {
            let instant = |field| value.trim().parse::<i64>().map_err(|_| AuditQueryError::NotAnInstant { field });
            match name {
                "account" => query.account = Some(value.to_owned()),
                "actor" => query.actor = Some(value.to_owned()),
                "object" => query.object = Some(value.to_owned()),
                "action" => query.action = Some(value.to_owned()),
                "from" if !value.trim().is_empty() => query.from = Some(instant("from")?),
                "until" if !value.trim().is_empty() => query.until = Some(instant("until")?),
                "page" => query.page = Some(value.parse().map_err(|_| AuditQueryError::PageZero)?),
                _ => {}
            }
        }
        Ok(query)
    }

    /// The filters, trimmed (a blank one is absent), and the page (1 when absent).
    ///
    /// # Errors
    ///
    /// [`AuditQueryError`]: a filter longer than [`AUDIT_FILTER_MAXIMUM_LENGTH`], page 0, or `until` not after
    /// `from`.
    pub fn checked(&self) -> Result<CheckedAuditQuery, AuditQueryError> {
        let text = |value: &Option<String>, field: &'static str| match value.as_deref() {
            Some(value) if value.chars().count() > AUDIT_FILTER_MAXIMUM_LENGTH => {
                Err(AuditQueryError::TooLong { field })
            }
            value => Ok(value.map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned)),
        };
        let page = self.page.unwrap_or(1);
        if page == 0 {
            return Err(AuditQueryError::PageZero);
        }
        if let (Some(from), Some(until)) = (self.from, self.until)
            && until <= from
        {
            return Err(AuditQueryError::EmptyPeriod);
        }
        Ok(CheckedAuditQuery {
            account: text(&self.account, "account")?,
            actor: text(&self.actor, "actor")?,
            object: text(&self.object, "object")?,
            action: text(&self.action, "action")?,
            from: self.from,
            until: self.until,
            page,
        })
    }

    /// The SQL `OFFSET` of `page` (1-based).
    pub fn offset(page: u32) -> u64 {
        u64::from(page.saturating_sub(1)) * u64::from(AUDIT_PAGE_SIZE)
    }
}

/// Why an audit query is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditQueryError {
    /// A filter is longer than [`AUDIT_FILTER_MAXIMUM_LENGTH`].
    TooLong {
        /// The filter.
        field: &'static str,
    },
    /// `from` or `until` is not a number of seconds.
    NotAnInstant {
        /// The parameter.
        field: &'static str,
    },
    /// Page 0 (or not a number) was asked for.
    PageZero,
    /// `until` is not after `from`.
    EmptyPeriod,
}

impl AuditQueryError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "filter_too_long",
            Self::NotAnInstant { .. } => "instant_invalid",
            Self::PageZero => "page_invalid",
            Self::EmptyPeriod => "period_empty",
        }
    }

    /// The query-string parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooLong { field } | Self::NotAnInstant { field } => field,
            Self::PageZero => "page",
            Self::EmptyPeriod => "until",
        }
    }
}

impl core::fmt::Display for AuditQueryError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLong { field } => {
                write!(formatter, "Filter {field} with at most {AUDIT_FILTER_MAXIMUM_LENGTH} characters.")
            }
            Self::NotAnInstant { field } => write!(formatter, "Give {field} as Unix seconds (a whole number)."),
            Self::PageZero => formatter.write_str("Pages are numbered from 1."),
            Self::EmptyPeriod => formatter.write_str("The end of the period must come after its start."),
        }
    }
}

impl std::error::Error for AuditQueryError {}

/// A page of audit records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditList {
    /// The records, newest first, each with its chain, sequence and hashes.
    pub records: Vec<SealedRecord>,
    /// This page's number.
    pub page: u32,
    /// Whether a next page exists.
    pub has_more: bool,
    /// The chain's head now (its last sealed record), when one chain is listed and it has records: note it to
    /// check a later export against it.
    pub head: Option<Head>,
}

/// The export's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportHeader {
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// The chain's head when exported: the records that follow end exactly there.
    pub head: Head,
    /// When the export was made, Unix seconds.
    pub exported_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The actor and object filters kept and the page.
    type Kept<'a> = (Option<&'a str>, Option<&'a str>, u32);

    /// Reads `pairs` and checks them; compares the filters kept or the error's code and field.
    fn check(pairs: &[(&str, &str)], expected: Result<Kept<'_>, (&str, &str)>) {
        let outcome = AuditQuery::from_pairs(pairs.iter().copied()).and_then(|query| query.checked());
        if let Err(error) = &outcome {
            assert!(error.to_string().ends_with('.'), "{error}");
        }
        let outcome = outcome.as_ref().map(|query| (query.actor.as_deref(), query.object.as_deref(), query.page));
        assert_eq!(outcome.map_err(|error| (error.code(), error.field())), expected, "{pairs:?}");
    }

    #[test]
    fn queries() {
        let long = "a".repeat(AUDIT_FILTER_MAXIMUM_LENGTH + 1);
        check(&[], Ok((None, None, 1)));
        check(&[("actor", " user:u1 "), ("object", ""), ("page", "3")], Ok((Some("user:u1"), None, 3)));
        check(&[("object", "k1"), ("unknown", "x")], Ok((None, Some("k1"), 1)));
        check(&[("page", "0")], Err(("page_invalid", "page")));
        check(&[("page", "two")], Err(("page_invalid", "page")));
        check(&[("actor", &long)], Err(("filter_too_long", "actor")));
        check(&[("account", &long)], Err(("filter_too_long", "account")));
        check(&[("from", "yesterday")], Err(("instant_invalid", "from")));
        check(&[("from", "100"), ("until", "100")], Err(("period_empty", "until")));
        check(&[("from", "100"), ("until", "")], Ok((None, None, 1)));
        assert_eq!(AuditQuery::offset(3), 100);
    }
}
