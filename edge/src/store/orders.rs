//! `orders`: one row per order (migration 0001 and later), written when it is placed and at each transition of
//! `shared::pipeline` (state, closing instant, version); its extras (payment, notification addresses, the
//! validations it relies on) are the JSON in `request`. The row as read joins the organization's facts that the
//! certificate states. Written by `orders.rs` (placing, cancelling), `fulfilment.rs` (moving on) and the
//! enrollment batch.

use serde::{Deserialize, Deserializer, Serialize};
use shared::api::order::{OrderListQuery, SignatureHash};
use shared::pipeline::{Order, OrderState};
use shared::profile::{Profile, ProfileId};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, optional_integer, text};
use crate::error::AppError;

/// What the order row keeps beyond its columns (`orders.request`, JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredOrder {
    /// The hash the certificates are signed with.
    pub signature_hash: SignatureHash,
    /// Renewals ordered.
    pub auto_renewals: u32,
    /// Who else hears about the order's certificates.
    pub notification_emails: Vec<String>,
    /// How the order is paid.
    pub payment: StoredPayment,
    /// The contract's reference, for contract orders.
    pub contract_reference: Option<String>,
    /// The price, cents.
    pub price_cents: i64,
    /// The subscriber agreement's version accepted.
    pub subscriber_agreement: String,
    /// SHA-256 of the request body as submitted: a retry with the same idempotency key must carry the same.
    pub request_sha256: String,
    /// Validated domains the recipients' addresses and host names fall under.
    pub domains: Vec<String>,
    /// Addresses at public mail providers that need their own validation.
    pub mailboxes: Vec<String>,
}

impl StoredOrder {
    /// The extras of `request`; orders made by the development seed have none and read as a contract order.
    pub fn from_column(request: &str) -> Self {
        serde_json::from_str(request).unwrap_or(Self {
            signature_hash: SignatureHash::Sha256,
            auto_renewals: 0,
            notification_emails: Vec::new(),
            payment: StoredPayment::Contract,
            contract_reference: None,
            price_cents: 0,
            subscriber_agreement: String::new(),
            request_sha256: String::new(),
            domains: Vec::new(),
            mailboxes: Vec::new(),
        })
    }
}

/// How an order is paid, as `request` stores it (`"balance"` or `"contract"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredPayment {
    /// Charged to the account's balance in the batch that placed the order.
    Balance,
    /// Charged to one of the account's active contracts (its own ledger) in the batch that placed the order.
    Contract,
}

/// `orders.profile`: a profile Keyward issues under. The lint suite's Worker (edge feature `lint-probe`, never
/// shipped) also reads `lint_probe`, a profile both linters must refuse; any other value refuses the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredProfile {
    /// A real profile.
    Issued(ProfileId),
    /// `shared::lint::BROKEN_PROFILE` (feature `lint-probe` only).
    #[cfg(feature = "lint-probe")]
    LintProbe,
}

impl StoredProfile {
    /// The profile the certificate is built from.
    pub fn profile(self) -> &'static Profile {
        match self {
            Self::Issued(id) => id.profile(),
            #[cfg(feature = "lint-probe")]
            Self::LintProbe => &shared::lint::BROKEN_PROFILE,
        }
    }

    /// The profile's identifier, for the API (the lint probe has none).
    pub fn id(self) -> Result<ProfileId, AppError> {
        match self {
            Self::Issued(id) => Ok(id),
            #[cfg(feature = "lint-probe")]
            Self::LintProbe => Err(AppError::internal("the lint probe's profile has no identifier")),
        }
    }
}

impl<'de> Deserialize<'de> for StoredProfile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = String::deserialize(deserializer)?;
        #[cfg(feature = "lint-probe")]
        if stored == "lint_probe" {
            return Ok(Self::LintProbe);
        }
        ProfileId::parse(&stored)
            .map(Self::Issued)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown profile {stored}")))
    }
}

/// An order with its organization's facts.
#[derive(Deserialize)]
pub struct OrderRow {
    /// `orders.id`, the order number.
    pub id: String,
    /// The ordering account (`NULL` for the development seed's oldest rows).
    pub account_id: Option<String>,
    /// `organizations.id`.
    pub organization_id: String,
    /// The organization's name.
    pub organization_name: String,
    /// Its registration identifier.
    pub organization_identifier: String,
    /// Its country.
    pub organization_country: String,
    /// The address's city (`NULL` when not recorded).
    pub organization_locality: Option<String>,
    /// The address's state, province or region (`NULL` when there is none).
    pub organization_state_or_province: Option<String>,
    /// When the organization was validated.
    pub organization_validated_at: Option<i64>,
    /// The certificate profile.
    pub profile: StoredProfile,
    /// Validity ordered, days.
    pub validity_days: u32,
    /// Where it stands.
    pub state: OrderState,
    /// The stored extras, JSON ([`StoredOrder`]).
    pub request: String,
    /// Placed at.
    pub created_at: i64,
    /// Completed or cancelled at.
    pub closed_at: Option<i64>,
    /// The optimistic-concurrency version.
    pub version: i64,
    /// The order this one renews (migration 0023).
    #[serde(default)]
    pub renewal_of: Option<String>,
    /// The renewal order placed for this one.
    #[serde(default)]
    pub renewed_by: Option<String>,
    /// Automatic renewals left: `orders.renewals_left`, else (never renewed) the count ordered.
    #[serde(default)]
    pub renewals_left: i64,
}

const ORDER_COLUMNS: &str = "o.id, o.account_id, o.organization_id, g.name AS organization_name, \
     g.identifier AS organization_identifier, g.country AS organization_country, \
     NULLIF(json_extract(g.address, '$.city'), '') AS organization_locality, \
     NULLIF(json_extract(g.address, '$.region'), '') AS organization_state_or_province, \
     g.validated_at AS organization_validated_at, o.profile, o.validity_days, o.state, o.request, o.created_at, \
     o.closed_at, o.version, o.renewal_of, (SELECT s.id FROM orders s WHERE s.renewal_of = o.id) AS renewed_by, \
     COALESCE(o.renewals_left, json_extract(o.request, '$.auto_renewals'), 0) AS renewals_left";

impl OrderRow {
    /// The order as the state machine sees it.
    pub fn order(&self) -> Order {
        Order { state: self.state, created_at: self.created_at, closed_at: self.closed_at, version: self.version }
    }

    /// The stored extras.
    pub fn stored(&self) -> StoredOrder {
        StoredOrder::from_column(&self.request)
    }
}

/// The order `order_id`; with `account_id`, only if it is that account's (another account's reads as unknown).
pub async fn find(db: &D1Database, order_id: &str, account_id: Option<&str>) -> Result<OrderRow, AppError> {
    let unknown = || AppError::not_found("id", "No order of your account has this number.");
    let row = db
        .prepare(format!(
            "SELECT {ORDER_COLUMNS} FROM orders o JOIN organizations g ON g.id = o.organization_id WHERE o.id = ?1"
        ))
        .bind(&[text(order_id)])?
        .first::<OrderRow>(None)
        .await?
        .ok_or_else(unknown)?;
    // Tenancy: another account's order reads as unknown.
    if account_id.is_some() && row.account_id.as_deref() != account_id {
        return Err(unknown());
    }
    Ok(row)
}

/// The statement of a renewal, for the batch that places the renewal order (whose row names the order it renews):
/// the renewed order's count moves to `renewals_left` at the version read plus one (the version
/// trigger refuses the whole batch when a concurrent renewal, or any other change, moved the order meanwhile).
pub fn record_renewal(db: &D1Database, renewed: &OrderRow, renewals_left: u32) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE orders SET renewals_left = ?1, version = ?2 WHERE id = ?3").bind(&[
        integer(i64::from(renewals_left)),
        integer(renewed.version + 1),
        text(&renewed.id),
    ])
}

/// Completed orders with renewals left and no renewal yet whose first valid certificate ends before `until`, at
/// most `limit`, the soonest first (the scheduled handler's renewals).
pub async fn renewals_due(db: &D1Database, until: i64, limit: i64) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Due {
        id: String,
    }
    Ok(db
        .prepare(
            "SELECT o.id, (SELECT MIN(c.not_after) FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
                           WHERE r.order_id = o.id AND c.revoked_at IS NULL) AS first_end \
             FROM orders o WHERE o.state = 'completed' \
             AND COALESCE(o.renewals_left, json_extract(o.request, '$.auto_renewals'), 0) > 0 \
             AND NOT EXISTS (SELECT 1 FROM orders s WHERE s.renewal_of = o.id) \
             AND first_end IS NOT NULL AND first_end <= ?1 ORDER BY first_end LIMIT ?2",
        )
        .bind(&[integer(until), integer(limit)])?
        .all()
        .await?
        .results::<Due>()?
        .into_iter()
        .map(|row| row.id)
        .collect())
}

/// Who placed the order (`orders.created_by`: `user:<id>` or `api_key:<id>`), as a user id: the renewal's
/// validation emails name them.
pub async fn placed_by_user(db: &D1Database, order_id: &str) -> Result<Option<String>, AppError> {
    Ok(db
        .prepare(
            "SELECT COALESCE(k.created_by, substr(o.created_by, 6)) AS user_id FROM orders o \
             LEFT JOIN api_keys k ON o.created_by = 'api_key:' || k.id \
             WHERE o.id = ?1 AND (o.created_by LIKE 'user:%' OR k.id IS NOT NULL)",
        )
        .bind(&[text(order_id)])?
        .first::<String>(Some("user_id"))
        .await?)
}

/// The order an account placed under an idempotency key, if any.
pub async fn by_idempotency_key(db: &D1Database, account_id: &str, key: &str) -> Result<Option<String>, AppError> {
    Ok(db
        .prepare("SELECT id FROM orders WHERE account_id = ?1 AND idempotency_key = ?2")
        .bind(&[text(account_id), text(key)])?
        .first::<String>(Some("id"))
        .await?)
}

/// A new order's columns.
pub struct NewOrder<'a> {
    /// Its number.
    pub id: &'a str,
    /// The organization.
    pub organization_id: &'a str,
    /// The profile.
    pub profile: ProfileId,
    /// Validity, days.
    pub validity_days: u32,
    /// The ordering account.
    pub account_id: &'a str,
    /// Its state and version as placed.
    pub order: &'a Order,
    /// The extras.
    pub stored: &'a StoredOrder,
    /// The idempotency key.
    pub idempotency_key: &'a str,
    /// Who placed it (audit actor).
    pub created_by: &'a str,
    /// The order it renews (a renewal order).
    pub renewal_of: Option<&'a str>,
}

/// The statement inserting a new order.
pub fn insert(db: &D1Database, new: &NewOrder<'_>) -> Result<D1PreparedStatement, AppError> {
    let request = serde_json::to_string(new.stored).map_err(|error| AppError::internal(&error.to_string()))?;
    Ok(db
        .prepare(
            "INSERT INTO orders (id, organization_id, profile, validity_days, created_at, account_id, state, \
             request, idempotency_key, created_by, version, renewal_of) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(&[
            text(new.id),
            text(new.organization_id),
            text(new.profile.as_str()),
            integer(i64::from(new.validity_days)),
            integer(new.order.created_at),
            text(new.account_id),
            text(new.order.state.as_str()),
            text(&request),
            text(new.idempotency_key),
            text(new.created_by),
            integer(new.order.version),
            new.renewal_of.map_or(JsValue::NULL, text),
        ])?)
}

/// The statement writing a transition: state, closing instant, version (the version trigger refuses anything but
/// one more than stored).
pub fn update(db: &D1Database, order_id: &str, order: &Order) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE orders SET state = ?1, closed_at = ?2, version = ?3 WHERE id = ?4").bind(&[
        text(order.state.as_str()),
        optional_integer(order.closed_at),
        integer(order.version),
        text(order_id),
    ])
}

/// An account's orders waiting for validations, oldest first.
pub async fn awaiting_validation(db: &D1Database, account_id: &str) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let rows = db
        .prepare("SELECT id FROM orders WHERE account_id = ?1 AND state = 'awaiting_validation' ORDER BY created_at")
        .bind(&[text(account_id)])?
        .all()
        .await?
        .results::<Id>()?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// The accounts with an order waiting for validations.
pub async fn accounts_awaiting_validation(db: &D1Database) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Account {
        account_id: String,
    }
    let rows = db
        .prepare(
            "SELECT DISTINCT account_id FROM orders WHERE state = 'awaiting_validation' AND account_id IS NOT NULL",
        )
        .all()
        .await?
        .results::<Account>()?;
    Ok(rows.into_iter().map(|row| row.account_id).collect())
}

/// An order as the history lists it: its columns and its recipients' count and first address.
#[derive(Deserialize)]
pub struct Listed {
    /// The order number.
    pub id: String,
    /// Where it stands.
    pub state: OrderState,
    /// Placed at.
    pub created_at: i64,
    /// The profile.
    pub profile: StoredProfile,
    /// The first recipient's address.
    pub first_recipient: Option<String>,
    /// How many recipients.
    pub recipient_count: u32,
}

/// A page of the account's orders, newest first: `status` filters, `search` (lower case) matches an order number
/// (prefix), a recipient's address, or a domain (of an address or a host name). One row more than the page
/// size is read, to tell whether another page follows.
pub async fn list(
    db: &D1Database,
    account_id: &str,
    status: Option<OrderState>,
    search: Option<&str>,
    page: u32,
    page_size: u32,
) -> Result<Vec<Listed>, AppError> {
    // LIKE patterns with the user's text escaped: % and _ match themselves.
    let escaped = search.map(|text| text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    Ok(db
        .prepare(
            "SELECT o.id, o.state, o.created_at, o.profile, \
                    (SELECT email FROM recipients WHERE order_id = o.id ORDER BY position LIMIT 1) AS first_recipient, \
                    (SELECT COUNT(*) FROM recipients WHERE order_id = o.id) AS recipient_count \
             FROM orders o WHERE o.account_id = ?1 \
               AND (?2 IS NULL OR o.state = ?2) \
               AND (?3 IS NULL OR o.id LIKE ?3 || '%' ESCAPE '\\' OR EXISTS ( \
                    SELECT 1 FROM recipients r WHERE r.order_id = o.id AND ( \
                        lower(r.email) = ?4 OR lower(r.email) LIKE '%@' || ?3 ESCAPE '\\' \
                        OR lower(r.email) LIKE '%.' || ?3 ESCAPE '\\' \
                        OR r.dns_names LIKE '%\"' || ?3 || '\"%' ESCAPE '\\' \
                        OR r.dns_names LIKE '%.' || ?3 || '\"%' ESCAPE '\\'))) \
             ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?5 OFFSET ?6",
        )
        .bind(&[
            text(account_id),
            status.map_or(JsValue::NULL, |state| text(state.as_str())),
            escaped.as_deref().map_or(JsValue::NULL, text),
            search.map_or(JsValue::NULL, text),
            integer(i64::from(page_size) + 1),
            integer(OrderListQuery::offset(page) as i64),
        ])?
        .all()
        .await?
        .results::<Listed>()?)
}

/// The order's language, that of its notification addresses' emails: the language of the user who placed it
/// (`orders.created_by`; an API key's order, its creator's), English when there is none.
pub async fn lang(db: &D1Database, order_id: &str) -> Result<shared::lang::Lang, AppError> {
    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "super::deserialize_lang")]
        lang: shared::lang::Lang,
    }
    let row = db
        .prepare("SELECT u.lang FROM orders o JOIN users u ON u.id = o.created_by WHERE o.id = ?1")
        .bind(&[text(order_id)])?
        .first::<Row>(None)
        .await?;
    Ok(row.map(|row| row.lang).unwrap_or_default())
}
