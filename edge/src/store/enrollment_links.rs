//! `enrollment_links`: the single-use links a recipient enrolls with (migration 0001 and later), stored as the
//! SHA-256 of their token. Spending one is a versioned update in the enrollment's batch (the trigger
//! `enrollment_links_version` refuses a stale writer; `certificates.enrollment_link_id` is unique as a second
//! guard). A CSR order's certificate takes an "issuance slot": a link created spent, so the same guard holds.
//! The row as read joins what the enrollment page and the issuance need: the recipient, the order, the
//! organization and the certificate issued through the link.

use serde::Deserialize;
use shared::issuance::OrderFacts;
use shared::link::{Link, LinkError, Token};
use shared::pipeline::{Order, OrderState, Transition};
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;
use crate::store::orders::StoredProfile;

/// A link with everything the page and the issuance need, in one query.
#[derive(Clone, Debug, Deserialize)]
pub struct LinkRow {
    /// `enrollment_links.id`.
    pub link_id: String,
    /// Created at.
    pub created_at: i64,
    /// Ends at.
    pub expires_at: i64,
    /// Spent at.
    pub spent_at: Option<i64>,
    /// The optimistic-concurrency version.
    pub version: i64,
    /// The recipient.
    pub recipient_id: String,
    /// Their given name ('' for none).
    pub recipient_given_name: String,
    /// Their surname ('' for none).
    pub recipient_surname: String,
    /// Their address.
    pub recipient_email: String,
    /// JSON array (migration 0003).
    pub recipient_dns_names: String,
    /// The order's name for the recipient ('' for rows from before it was kept).
    pub recipient_display_name: String,
    /// The language of the recipient's emails.
    #[serde(deserialize_with = "super::deserialize_lang")]
    pub recipient_lang: shared::lang::Lang,
    /// The order.
    pub order_id: String,
    /// The order's stored extras (JSON): its notification addresses.
    pub order_request: String,
    /// The profile.
    pub profile: StoredProfile,
    /// Validity, days.
    pub validity_days: u32,
    /// The organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// Its registration identifier.
    pub organization_identifier: String,
    /// Its country.
    pub organization_country: String,
    /// The address's city (`NULL` when not recorded).
    pub organization_locality: Option<String>,
    /// The address's state, province or region (`NULL` when there is none).
    pub organization_state_or_province: Option<String>,
    /// The certificate issued through this link.
    pub certificate_serial: Option<String>,
    /// The order's state.
    pub order_state: OrderState,
    /// The order's placing.
    pub order_created_at: i64,
    /// The order's closing.
    pub order_closed_at: Option<i64>,
    /// The order's version.
    pub order_version: i64,
    /// The recipient's place in the order.
    pub recipient_position: i64,
    /// The order's other recipients without a certificate yet.
    pub order_remaining: i64,
    /// For a reissue link: the certificate it replaces (migration 0024).
    pub reissue_of: Option<String>,
    /// That certificate's end of validity.
    pub reissue_of_not_after: Option<i64>,
    /// That certificate's key, SHA-256 of its SubjectPublicKeyInfo (hex).
    pub reissue_of_spki_sha256: Option<String>,
    /// When that certificate was revoked, if it was.
    pub reissue_of_revoked_at: Option<i64>,
    /// Why.
    pub reissue_of_revocation_reason: Option<shared::revocation::RevocationReason>,
    /// What replaced that certificate already, if anything.
    pub reissue_of_replaced_by: Option<String>,
}

impl LinkRow {
    /// The recipient's enrollment as a transition of its order (the last recipient completes it).
    pub fn order_transition(&self, now: i64) -> Result<Transition, AppError> {
        let order = Order {
            state: self.order_state,
            created_at: self.order_created_at,
            closed_at: self.order_closed_at,
            version: self.order_version,
        };
        let remaining = usize::try_from(self.order_remaining).unwrap_or_default();
        let position = usize::try_from(self.recipient_position).unwrap_or_default();
        Ok(order.enrolled_with_remaining(position, remaining, now)?)
    }

    /// The link's lifecycle.
    pub fn link(&self) -> Link {
        Link {
            created_at: self.created_at,
            expires_at: self.expires_at,
            spent_at: self.spent_at,
            version: self.version,
        }
    }

    /// What the order says of the recipient, for the certificate.
    pub fn facts(&self) -> Result<OrderFacts, AppError> {
        let dns_names = serde_json::from_str(&self.recipient_dns_names)
            .map_err(|error| AppError::internal(&format!("recipients.dns_names is not a JSON array: {error}")))?;
        let stored_name = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        Ok(OrderFacts {
            recipient_given_name: stored_name(&self.recipient_given_name),
            recipient_surname: stored_name(&self.recipient_surname),
            recipient_email: self.recipient_email.clone(),
            dns_names,
            organization_name: self.organization_name.clone(),
            organization_identifier: self.organization_identifier.clone(),
            organization_country: self.organization_country.clone(),
            organization_locality: self.organization_locality.clone(),
            organization_state_or_province: self.organization_state_or_province.clone(),
            validity_days: self.validity_days,
        })
    }
}

/// The link whose token this is; unknown tokens are [`LinkError::Unknown`].
pub async fn by_token(db: &D1Database, token: &Token) -> Result<LinkRow, AppError> {
    db.prepare(
        "SELECT l.id AS link_id, l.created_at, l.expires_at, l.spent_at, l.version, \
                r.id AS recipient_id, r.given_name AS recipient_given_name, \
                r.surname AS recipient_surname, r.email AS recipient_email, \
                r.dns_names AS recipient_dns_names, r.display_name AS recipient_display_name, r.lang AS recipient_lang, \
                o.id AS order_id, o.request AS order_request, o.profile, o.validity_days, \
                g.id AS organization_id, g.name AS organization_name, g.identifier AS organization_identifier, \
                g.country AS organization_country, \
                NULLIF(json_extract(g.address, '$.city'), '') AS organization_locality, \
                NULLIF(json_extract(g.address, '$.region'), '') AS organization_state_or_province, \
                c.serial AS certificate_serial, \
                o.state AS order_state, o.created_at AS order_created_at, o.closed_at AS order_closed_at, \
                o.version AS order_version, r.position AS recipient_position, \
                (SELECT COUNT(*) FROM recipients x WHERE x.order_id = o.id AND x.id != r.id \
                   AND NOT EXISTS (SELECT 1 FROM certificates y WHERE y.recipient_id = x.id)) AS order_remaining, \
                l.reissue_of, p.not_after AS reissue_of_not_after, \
                p.spki_sha256 AS reissue_of_spki_sha256, p.revoked_at AS reissue_of_revoked_at, \
                p.revocation_reason AS reissue_of_revocation_reason, p.replaced_by AS reissue_of_replaced_by \
         FROM enrollment_links l \
         JOIN recipients r ON r.id = l.recipient_id \
         JOIN orders o ON o.id = r.order_id \
         JOIN organizations g ON g.id = o.organization_id \
         LEFT JOIN certificates c ON c.enrollment_link_id = l.id \
         LEFT JOIN certificates p ON p.serial = l.reissue_of \
         WHERE l.token_hash = ?1",
    )
    .bind(&[text(&token.hash_hex())])?
    .first::<LinkRow>(None)
    .await?
    .ok_or_else(|| LinkError::Unknown.into())
}

/// The statement inserting a new link for a recipient.
pub fn insert(
    db: &D1Database,
    id: &str,
    recipient_id: &str,
    token: &Token,
    link: &Link,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&[text(id), text(recipient_id), text(&token.hash_hex()), integer(link.created_at), integer(link.expires_at)])
}

/// The statement inserting a reissue link of the certificate `reissue_of` for its recipient. The database refuses a
/// second open one for the same certificate (`enrollment_links_one_open_reissue`) and one for a certificate that
/// is revoked, replaced or not the recipient's (`enrollment_links_none_after_issuance`).
pub fn insert_reissue(
    db: &D1Database,
    id: &str,
    recipient_id: &str,
    token: &Token,
    link: &Link,
    reissue_of: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at, reissue_of) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&[
        text(id),
        text(recipient_id),
        text(&token.hash_hex()),
        integer(link.created_at),
        integer(link.expires_at),
        text(reissue_of),
    ])
}

/// The statement deleting the certificate's unspent reissue links that ended before `now` (`None`: every unspent
/// one, a cancellation), so a new reissue can be asked for.
pub fn delete_unspent_reissues(
    db: &D1Database,
    reissue_of: &str,
    ended_before: Option<i64>,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "DELETE FROM enrollment_links WHERE reissue_of = ?1 AND spent_at IS NULL AND (?2 IS NULL OR expires_at <= ?2)",
    )
    .bind(&[text(reissue_of), crate::db::optional_integer(ended_before)])
}

/// The statement inserting a CSR recipient's issuance slot: a link created spent, which no token opens.
pub fn insert_issuance_slot(
    db: &D1Database,
    id: &str,
    recipient_id: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at, spent_at, version) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?4, 1)",
    )
    .bind(&[text(id), text(recipient_id), text(&format!("csr:{recipient_id}")), integer(now)])
}

/// The statement spending a link: `spent` is the link after [`Link::spend`] (its version one more).
pub fn spend(db: &D1Database, link_id: &str, spent: &Link) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE enrollment_links SET spent_at = ?1, version = ?2 WHERE id = ?3").bind(&[
        integer(spent.spent_at.unwrap_or_default()),
        integer(spent.version),
        text(link_id),
    ])
}

/// The statement ending an order's open links now (the order was cancelled).
pub fn end_open_of_order(db: &D1Database, order_id: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE enrollment_links SET expires_at = ?1, version = version + 1 WHERE spent_at IS NULL \
         AND expires_at > ?1 AND recipient_id IN (SELECT id FROM recipients WHERE order_id = ?2)",
    )
    .bind(&[integer(now), text(order_id)])
}

/// The statement deleting a recipient's unspent links, so they read as "replaced by a newer email".
pub fn delete_unspent(db: &D1Database, recipient_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("DELETE FROM enrollment_links WHERE recipient_id = ?1 AND spent_at IS NULL").bind(&[text(recipient_id)])
}
