//! The inventory's read of `certificates` (migration 0020 added `replaced_by`): each certificate joined with its
//! recipient, order, account and latest pickup (`pickups`, with the API key's name), as the account's inventory
//! (`GET /api/v1/certificates`), the CA administrators' search and the sync endpoint (`inventory.rs`) read it.
//! Reads only: pickups are written by `store/pickups.rs`.

use serde::Deserialize;
use shared::inventory::{ExpiringWithin, PickupKind};
use shared::revocation::RevocationReason;
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::db::{integer, text};
use crate::error::AppError;
use crate::store::orders::StoredProfile;

/// A certificate as the inventory lists it.
#[derive(Deserialize)]
pub struct InventoryRow {
    /// Serial, lower-case hex.
    pub serial: String,
    /// When it was issued.
    pub issued_at: i64,
    /// End of validity.
    pub not_after: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revocation_reason: Option<RevocationReason>,
    /// The certificate that replaced it (nothing writes this yet).
    pub replaced_by: Option<String>,
    /// The order (`orders.id`, the order number).
    pub order_id: String,
    /// The order's profile.
    pub profile: StoredProfile,
    /// The account that ordered it ('' for an order of no account).
    pub account_id: String,
    /// The account's name.
    pub account_name: String,
    /// The recipient's place in the order.
    pub position: i64,
    /// The recipient's address.
    pub email: String,
    /// The order's name for the recipient ('' for older rows).
    pub display_name: String,
    /// Host names, a JSON array.
    pub dns_names: String,
    /// The latest pickup's kind.
    pub pickup_kind: Option<PickupKind>,
    /// The latest pickup's instant.
    pub pickup_at: Option<i64>,
    /// The latest pickup's API key ('' for a confirmation).
    pub pickup_api_key_id: Option<String>,
    /// That API key's name.
    pub pickup_api_key_name: Option<String>,
    /// The latest test enrollment's instant (`installations`, migration 0027).
    pub installed_at: Option<i64>,
}

/// The columns and joins of [`InventoryRow`]; the latest pickup is the one with the latest `last_at`.
const FROM: &str = "SELECT c.serial, c.issued_at, c.not_after, c.revoked_at, c.revocation_reason, c.replaced_by, \
            o.id AS order_id, o.profile, COALESCE(o.account_id, '') AS account_id, COALESCE(a.name, '') AS account_name, r.position, r.email, \
            r.display_name, r.dns_names, p.kind AS pickup_kind, p.last_at AS pickup_at, \
            p.api_key_id AS pickup_api_key_id, k.name AS pickup_api_key_name, \
            (SELECT max(installed_at) FROM installations WHERE serial = c.serial) AS installed_at \
     FROM certificates c JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id \
     LEFT JOIN accounts a ON a.id = o.account_id \
     LEFT JOIN pickups p ON p.rowid = (SELECT rowid FROM pickups WHERE serial = c.serial \
                                       ORDER BY last_at DESC, rowid DESC LIMIT 1) \
     LEFT JOIN api_keys k ON k.id = p.api_key_id AND p.api_key_id != ''";

/// The `LIKE` pattern of a search text: `%`, `_` and `\` match themselves.
fn escaped(search: &str) -> String {
    search.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A page of the account's certificates, soonest end first: `search` (lower case) matches a serial (prefix), an
/// address or its domain, a DNS name or its domain, or an order number (prefix); `expiring` keeps valid
/// certificates (not revoked, not replaced) ending within its window. `limit` rows from `offset` (the caller asks
/// one more than a page to know whether another follows).
pub async fn of_account(
    db: &D1Database,
    account_id: &str,
    search: Option<&str>,
    expiring: Option<(ExpiringWithin, i64)>,
    limit: u32,
    offset: u64,
) -> Result<Vec<InventoryRow>, AppError> {
    let pattern = search.map(escaped);
    let (from, until) = expiring.map_or((JsValue::NULL, JsValue::NULL), |(filter, now)| {
        let (from, until) = filter.window(now);
        (integer(from), integer(until))
    });
    Ok(db
        .prepare(format!(
            "{FROM} WHERE o.account_id = ?1 \
               AND (?2 IS NULL OR c.serial LIKE ?2 || '%' ESCAPE '\\' OR o.id LIKE ?2 || '%' ESCAPE '\\' \
                    OR lower(r.email) = ?3 OR lower(r.email) LIKE '%@' || ?2 ESCAPE '\\' \
                    OR lower(r.email) LIKE '%.' || ?2 ESCAPE '\\' \
                    OR r.dns_names LIKE '%\"' || ?2 || '\"%' ESCAPE '\\' \
                    OR r.dns_names LIKE '%.' || ?2 || '\"%' ESCAPE '\\') \
               AND (?4 IS NULL OR (c.revoked_at IS NULL AND c.replaced_by IS NULL \
                                   AND c.not_after >= ?4 AND c.not_after <= ?5)) \
             ORDER BY c.not_after, c.serial LIMIT ?6 OFFSET ?7"
        ))
        .bind(&[
            text(account_id),
            pattern.as_deref().map_or(JsValue::NULL, text),
            search.map_or(JsValue::NULL, text),
            from,
            until,
            integer(i64::from(limit)),
            integer(offset as i64),
        ])?
        .all()
        .await?
        .results::<InventoryRow>()?)
}

/// Any account's certificates whose serial or recipient's address is exactly `search` (lower case), newest
/// issuance first, at most `limit`: the CA administrators' search.
pub async fn by_serial_or_address(db: &D1Database, search: &str, limit: u32) -> Result<Vec<InventoryRow>, AppError> {
    Ok(db
        .prepare(format!(
            "{FROM} WHERE c.serial = ?1 OR lower(r.email) = ?1 ORDER BY c.issued_at DESC, c.serial LIMIT ?2"
        ))
        .bind(&[text(search), integer(i64::from(limit))])?
        .all()
        .await?
        .results::<InventoryRow>()?)
}

/// The longest `replaced_by` chain followed: far more renewals and reissues than a recipient ever has; a bound so
/// a loop (which nothing writes) could not run away.
const MAXIMUM_CHAIN: i64 = 1000;

/// The current certificate of the recipient at `position` of the account's order `order_id`: the end of the
/// `replaced_by` chain that starts at the recipient's first certificate (renewals, in later orders, and reissues,
/// within the recipient, both extend it), with its DER (base64). `None` when the order is another account's, has no such
/// recipient, or nothing was issued to it.
pub async fn current(
    db: &D1Database,
    account_id: &str,
    order_id: &str,
    position: i64,
) -> Result<Option<(String, String, i64)>, AppError> {
    #[derive(Deserialize)]
    struct Current {
        serial: String,
        der: String,
        not_after: i64,
    }
    Ok(db
        .prepare(
            "WITH RECURSIVE chain (serial, depth) AS ( \
                 SELECT serial, 0 FROM ( \
                     SELECT c.serial FROM certificates c JOIN recipients r ON r.id = c.recipient_id \
                     JOIN orders o ON o.id = r.order_id \
                     WHERE o.id = ?1 AND o.account_id = ?2 AND r.position = ?3 \
                     ORDER BY c.issued_at, c.rowid LIMIT 1) \
                 UNION ALL \
                 SELECT c.replaced_by, chain.depth + 1 FROM chain JOIN certificates c ON c.serial = chain.serial \
                 WHERE c.replaced_by IS NOT NULL AND chain.depth < ?4) \
             SELECT c.serial, c.der, c.not_after FROM chain JOIN certificates c ON c.serial = chain.serial \
             ORDER BY chain.depth DESC LIMIT 1",
        )
        .bind(&[text(order_id), text(account_id), integer(position), integer(MAXIMUM_CHAIN)])?
        .first::<Current>(None)
        .await?
        .map(|row| (row.serial, row.der, row.not_after)))
}
