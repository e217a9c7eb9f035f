//! The `organizations` table (migrations 0001 and 0004): the legal entities an account orders certificates for,
//! with their address and contacts as JSON and, once validated, when and until when (825 days). Written by the
//! organization endpoints (`organizations.rs`: creation) and the CA's vetting (`vetting.rs`: the validation, only
//! after a `validated` vetting record, which the database requires)
//! and the development seed; read by orders (the order form's facts) and the issuance pipeline. Every read of an
//! account's organizations filters on the account.

use serde::Deserialize;
use shared::api::organization::{Contact, PostalAddress};
use shared::order::OrganizationFacts;
use shared::validation::{DAY_SECONDS, ValidationKind};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::db::{integer, text};
use crate::error::AppError;

/// An `organizations` row.
#[derive(Clone, Debug, Deserialize)]
pub struct OrganizationRow {
    /// Random identifier.
    pub id: String,
    /// The tenant; `None` for rows older than accounts (migration 0004), which no account reads.
    pub account_id: Option<String>,
    /// The legal name (subject organizationName).
    pub name: String,
    /// The registration reference (subject organizationIdentifier).
    pub identifier: String,
    /// ISO 3166 country code.
    pub country: String,
    /// JSON [`PostalAddress`].
    pub address: String,
    /// E.164 telephone number.
    pub phone: String,
    /// JSON list of [`Contact`].
    pub contacts: String,
    /// When it was last validated.
    pub validated_at: Option<i64>,
    /// Until when that validation may be relied on.
    pub validated_until: Option<i64>,
    /// When it was created.
    pub created_at: i64,
    /// Optimistic-concurrency version (trigger `organizations_version`).
    pub version: i64,
}

/// The columns of [`OrganizationRow`], for `SELECT`.
const COLUMNS: &str = "id, account_id, name, identifier, country, address, phone, contacts, validated_at, \
     validated_until, created_at, version";

impl OrganizationRow {
    /// The contacts, first the one who receives codes.
    pub fn contacts(&self) -> Result<Vec<Contact>, AppError> {
        serde_json::from_str(&self.contacts).map_err(|error| AppError::internal(&format!("contacts JSON: {error}")))
    }

    /// The first contact's address: where codes go.
    pub fn contact_email(&self) -> Result<String, AppError> {
        self.contacts()?
            .into_iter()
            .next()
            .map(|contact| contact.email)
            .ok_or_else(|| AppError::internal("an organization without contacts"))
    }

    /// The postal address.
    pub fn postal_address(&self) -> Result<PostalAddress, AppError> {
        serde_json::from_str(&self.address).map_err(|error| AppError::internal(&format!("address JSON: {error}")))
    }

    /// Whether the organization may be relied on at `now`: `Some((validated_at, validated_until))`.
    pub fn reusable(&self, now: i64) -> Option<(i64, i64)> {
        match (self.validated_at, self.validated_until) {
            (Some(at), Some(until)) if now < until => Some((at, until)),
            _ => None,
        }
    }

    /// What the order form's rules know of it at `now`: its subject attributes (the address's city and region,
    /// `None` when absent or empty, as rows older than structured addresses may be) and until when its latest
    /// validation may be relied on, counted from `validated_at` (`None` once lapsed).
    pub fn facts(&self, now: i64) -> Result<OrganizationFacts, AppError> {
        let address: serde_json::Value = serde_json::from_str(&self.address)
            .map_err(|error| AppError::internal(&format!("address JSON: {error}")))?;
        let part = |name: &str| match address.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) => Ok((!value.is_empty()).then(|| value.clone())),
            Some(_) => Err(AppError::internal(&format!("address JSON: {name} is not text"))),
        };
        let reuse = ValidationKind::Organization.reuse_days() * DAY_SECONDS;
        Ok(OrganizationFacts {
            id: self.id.clone(),
            name: self.name.clone(),
            identifier: self.identifier.clone(),
            country: self.country.clone(),
            locality: part("city")?,
            state_or_province: part("region")?,
            validated_until: self.validated_at.map(|at| at + reuse).filter(|until| *until > now),
        })
    }

    /// The statement recording a validation at `now`, valid until `until`; the version trigger refuses it if
    /// the organization changed since it was read, and `organizations_validated_by_vetting` (migration 0016)
    /// unless the organization's latest vetting decision, earlier in the same batch, is `validated`.
    pub fn validate(&self, db: &D1Database, now: i64, until: i64) -> worker::Result<D1PreparedStatement> {
        db.prepare("UPDATE organizations SET validated_at = ?1, validated_until = ?2, version = ?3 WHERE id = ?4")
            .bind(&[integer(now), integer(until), integer(self.version + 1), text(&self.id)])
    }
}

/// The organization `id` if it belongs to `account_id` (another account's reads as none).
pub async fn in_account(db: &D1Database, account_id: &str, id: &str) -> worker::Result<Option<OrganizationRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM organizations WHERE id = ?1 AND account_id = ?2"))
        .bind(&[text(id), text(account_id)])?
        .first(None)
        .await
}

/// The organization `id`, whichever account it belongs to (a CA administrator's read); rows of no account are
/// not found.
pub async fn of_any_account(db: &D1Database, id: &str) -> worker::Result<Option<OrganizationRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM organizations WHERE id = ?1 AND account_id IS NOT NULL"))
        .bind(&[text(id)])?
        .first(None)
        .await
}

/// Organizations of any account not validated at `now` (never, or lapsed): the candidates of the CA
/// administrators' work list, oldest first, at most `limit`.
pub async fn not_validated(db: &D1Database, now: i64, limit: i64) -> worker::Result<Vec<OrganizationRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM organizations WHERE account_id IS NOT NULL \
         AND (validated_until IS NULL OR validated_until <= ?1) ORDER BY created_at, rowid LIMIT ?2"
    ))
    .bind(&[integer(now), integer(limit)])?
    .all()
    .await?
    .results()
}

/// The names of the accounts of these organizations: `(organization id, account name)`.
pub async fn account_names(db: &D1Database, ids: &[String]) -> worker::Result<Vec<(String, String)>> {
    #[derive(Deserialize)]
    struct Named {
        id: String,
        account_name: String,
    }
    let rows = db
        .prepare(
            "SELECT o.id AS id, a.name AS account_name FROM organizations o JOIN accounts a ON a.id = o.account_id \
             WHERE o.id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&[text(&serde_json::Value::from(ids.to_vec()).to_string())])?
        .all()
        .await?
        .results::<Named>()?;
    Ok(rows.into_iter().map(|row| (row.id, row.account_name)).collect())
}

/// The account's organizations, newest first.
pub async fn of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<OrganizationRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM organizations WHERE account_id = ?1 ORDER BY created_at DESC, rowid DESC"
    ))
    .bind(&[text(account_id)])?
    .all()
    .await?
    .results()
}

/// The statement inserting a new organization (not validated; version 0).
pub fn insert(db: &D1Database, row: &OrganizationRow) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO organizations (id, account_id, name, identifier, country, address, phone, contacts, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(&[
        text(&row.id),
        row.account_id.as_deref().map_or(JsValue::NULL, text),
        text(&row.name),
        text(&row.identifier),
        text(&row.country),
        text(&row.address),
        text(&row.phone),
        text(&row.contacts),
        integer(row.created_at),
    ])
}

/// When the organization `id` was validated, for a read batch (the issuance pipeline's read);
/// [`validated_at_from`] reads its result.
pub fn validated_at_statement(db: &D1Database, id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("SELECT validated_at FROM organizations WHERE id = ?1").bind(&[text(id)])
}

/// The result of [`validated_at_statement`]: `None` when never validated or when there is no such organization.
pub fn validated_at_from(result: D1Result) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Validated {
        validated_at: Option<i64>,
    }
    Ok(result.results::<Validated>()?.into_iter().next().and_then(|row| row.validated_at))
}
