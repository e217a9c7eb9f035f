//! `recipients`: the people and machines of an order (migration 0001 and later), inserted with the order; a
//! recipient's CSR, when the order brought one, stays here to issue from once the validations are done, and a
//! refusal of the issuance pipeline after placement is recorded on it (`issuance_refusal`, migration 0011). The
//! row as read joins the recipient's latest enrollment link and its certificate.

use serde::Deserialize;
use shared::api::order::IssuanceRefusal;
use shared::issuance::OrderFacts;
use shared::issuance::pipeline::Refusal;
use shared::lang::Lang;
use shared::link::Link;
use shared::revocation::RevocationReason;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;
use crate::store::orders::OrderRow;

/// A recipient with its latest link and its certificate.
#[derive(Deserialize)]
pub struct RecipientRow {
    /// `recipients.id`.
    pub id: String,
    /// Its place in the order, from 0.
    pub position: i64,
    /// The order's name for it ('' for rows from before it was kept).
    pub display_name: String,
    /// Given name ('' for none).
    pub given_name: String,
    /// Surname ('' for none).
    pub surname: String,
    /// The address.
    pub email: String,
    /// JSON array of host names.
    pub dns_names: String,
    /// The CSR given with the order (PEM; public key only).
    pub csr: Option<String>,
    /// The latest link's creation.
    pub link_created_at: Option<i64>,
    /// Its end.
    pub link_expires_at: Option<i64>,
    /// When it was spent.
    pub link_spent_at: Option<i64>,
    /// Its version.
    pub link_version: Option<i64>,
    /// The certificate's serial.
    pub serial: Option<String>,
    /// When it was issued.
    pub issued_at: Option<i64>,
    /// The certificate's end of validity.
    pub certificate_not_after: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revocation_reason: Option<RevocationReason>,
    /// JSON `{code, step, message}` (migration 0011).
    pub issuance_refusal: Option<String>,
    /// When the pipeline refused.
    pub issuance_refused_at: Option<i64>,
    /// The language of the recipient's emails (migration 0022).
    #[serde(deserialize_with = "super::deserialize_lang")]
    pub lang: Lang,
    /// The certificate this recipient's renews (migration 0023), for a renewal order's recipient.
    #[serde(default)]
    pub renews_serial: Option<String>,
}

impl RecipientRow {
    /// What the order says of this recipient, for the certificate.
    pub fn facts(&self, order: &OrderRow) -> Result<OrderFacts, AppError> {
        let stored_name = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        Ok(OrderFacts {
            recipient_given_name: stored_name(&self.given_name),
            recipient_surname: stored_name(&self.surname),
            recipient_email: self.email.clone(),
            dns_names: self.dns_names()?,
            organization_name: order.organization_name.clone(),
            organization_identifier: order.organization_identifier.clone(),
            organization_country: order.organization_country.clone(),
            organization_locality: order.organization_locality.clone(),
            organization_state_or_province: order.organization_state_or_province.clone(),
            validity_days: order.validity_days,
        })
    }

    /// How the order names the recipient, and emails greet them: the name stored with the order, else (rows
    /// from before it was stored) the given name and surname, else the address.
    pub fn display(&self, facts: &OrderFacts) -> String {
        if self.display_name.is_empty() { facts.greeting() } else { self.display_name.clone() }
    }

    /// Why the issuance pipeline refused this recipient's CSR, if it did.
    pub fn issuance_refusal(&self) -> Result<Option<IssuanceRefusal>, AppError> {
        let (Some(stored), Some(refused_at)) = (&self.issuance_refusal, self.issuance_refused_at) else {
            return Ok(None);
        };
        let value: serde_json::Value =
            serde_json::from_str(stored).map_err(|_| AppError::internal("recipients.issuance_refusal is not JSON"))?;
        let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
        Ok(Some(IssuanceRefusal { code: text("code"), step: text("step"), message: text("message"), refused_at }))
    }

    /// The host names.
    pub fn dns_names(&self) -> Result<Vec<String>, AppError> {
        serde_json::from_str(&self.dns_names)
            .map_err(|_| AppError::internal("recipients.dns_names is not a JSON array"))
    }

    /// The latest enrollment link, if any.
    pub fn link(&self) -> Option<Link> {
        Some(Link {
            created_at: self.link_created_at?,
            expires_at: self.link_expires_at?,
            spent_at: self.link_spent_at,
            version: self.link_version.unwrap_or(0),
        })
    }
}

/// The columns and joins of [`of_order`] and [`one`]: a recipient with its latest link and its certificate.
const SELECT: &str = "SELECT r.id, r.position, r.display_name, r.given_name, r.surname, r.email, r.dns_names, r.csr, \
        l.created_at AS link_created_at, l.expires_at AS link_expires_at, l.spent_at AS link_spent_at, \
        l.version AS link_version, c.serial, c.issued_at, c.not_after AS certificate_not_after, \
        c.revoked_at, c.revocation_reason, r.issuance_refusal, r.issuance_refused_at, r.lang, r.renews_serial \
     FROM recipients r \
     LEFT JOIN enrollment_links l ON l.id = (SELECT id FROM enrollment_links WHERE recipient_id = r.id \
                                             ORDER BY created_at DESC, rowid DESC LIMIT 1) \
     LEFT JOIN certificates c ON c.recipient_id = r.id";

/// An order's recipients in their order, each with its latest link and its certificate.
pub async fn of_order(db: &D1Database, order_id: &str) -> Result<Vec<RecipientRow>, AppError> {
    Ok(db
        .prepare(format!("{SELECT} WHERE r.order_id = ?1 ORDER BY r.position, r.rowid"))
        .bind(&[text(order_id)])?
        .all()
        .await?
        .results::<RecipientRow>()?)
}

/// One recipient of `order_id`, as [`of_order`] reads it (a reminder reads one certificate's recipient, not its
/// order's hundreds).
pub async fn one(db: &D1Database, order_id: &str, recipient_id: &str) -> Result<Option<RecipientRow>, AppError> {
    Ok(db
        .prepare(format!("{SELECT} WHERE r.order_id = ?1 AND r.id = ?2"))
        .bind(&[text(order_id), text(recipient_id)])?
        .first::<RecipientRow>(None)
        .await?)
}

/// The statement inserting a new recipient of `order_id` (its link and certificate columns are not stored here).
pub fn insert(db: &D1Database, order_id: &str, row: &RecipientRow) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO recipients (id, order_id, given_name, surname, email, dns_names, csr, position, \
         display_name, lang) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(&[
        text(&row.id),
        text(order_id),
        text(&row.given_name),
        text(&row.surname),
        text(&row.email),
        text(&row.dns_names),
        row.csr.as_deref().map_or(JsValue::NULL, text),
        integer(row.position),
        text(&row.display_name),
        text(row.lang.tag()),
    ])
}

/// The statement recording which certificate a renewal order's new recipient renews (migration 0023).
pub fn set_renews(db: &D1Database, recipient_id: &str, serial: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE recipients SET renews_serial = ?1 WHERE id = ?2").bind(&[text(serial), text(recipient_id)])
}

/// The certificate a renewal order's recipient renews, with its end; `None` for any other recipient.
pub async fn renewed_certificate(
    db: &D1Database,
    recipient_id: &str,
) -> Result<Option<shared::api::renewal::RenewedCertificate>, AppError> {
    Ok(db
        .prepare(
            "SELECT c.serial, c.not_after FROM recipients r JOIN certificates c ON c.serial = r.renews_serial \
             WHERE r.id = ?1",
        )
        .bind(&[text(recipient_id)])?
        .first::<shared::api::renewal::RenewedCertificate>(None)
        .await?)
}

/// The statement recording why the issuance pipeline refused a recipient's CSR after placement.
pub fn record_refusal(
    db: &D1Database,
    recipient_id: &str,
    refusal: &Refusal,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    let detail = serde_json::json!({ "code": refusal.code(), "step": refusal.step(), "message": refusal.to_string() });
    db.prepare("UPDATE recipients SET issuance_refusal = ?1, issuance_refused_at = ?2 WHERE id = ?3").bind(&[
        text(&detail.to_string()),
        integer(now),
        text(recipient_id),
    ])
}
