//! The `key_holders` table: one row per certified public key (the SHA-256 of its SubjectPublicKeyInfo), naming
//! its holder and, once a `keyCompromise` revocation reported it, when it was compromised (two triggers then
//! refuse to certify it again, or for another holder). The issuance pipeline reads a key's holder here and its batch inserts the row; a
//! `keyCompromise` revocation (`revocation.rs`) marks the key compromised with the statements here.

use serde::Deserialize;
use shared::key_reuse::{KeyHolder, PriorCertificate};
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// Marks the key compromised at `at` (its row, if it has one).
pub fn mark_compromised(db: &D1Database, spki_sha256: &str, at: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE key_holders SET compromised_at = ?2 WHERE spki_sha256 = ?1")
        .bind(&[text(spki_sha256), integer(at)])
}

/// Inserts the key as compromised at `at`, with no holder, when it has no row: a key certified before
/// `key_holders` existed and missed by its backfill. Goes after [`mark_compromised`] in the same batch.
pub fn insert_compromised_if_absent(
    db: &D1Database,
    spki_sha256: &str,
    at: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO key_holders (spki_sha256, holder, first_certified_at, compromised_at) \
         SELECT ?1, '', ?2, ?2 WHERE NOT EXISTS (SELECT 1 FROM key_holders WHERE spki_sha256 = ?1)",
    )
    .bind(&[text(spki_sha256), integer(at)])
}

/// The stored holder of a key: organization, mailbox (lower case) and DNS names JSON joined by U+001F, as
/// migration 0011 writes it.
pub fn holder_text(holder: &KeyHolder) -> Result<String, AppError> {
    let names = serde_json::to_string(&holder.dns_names).map_err(|error| AppError::internal(&error.to_string()))?;
    Ok(format!("{}\u{1f}{}\u{1f}{names}", holder.organization_id, holder.email.to_ascii_lowercase()))
}

fn holder_from_text(text: &str) -> Result<KeyHolder, AppError> {
    // A key recorded compromised before anyone was certified for it (a revocation of a key without a row, a
    // request pasted with its private key) has no holder: it matches no one, and its compromise refuses it first.
    if text.is_empty() {
        return Ok(KeyHolder { organization_id: String::new(), email: String::new(), dns_names: Vec::new() });
    }
    let mut parts = text.splitn(3, '\u{1f}');
    let (Some(organization_id), Some(email), Some(names)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::internal("key_holders.holder is not organization, email, names"));
    };
    Ok(KeyHolder {
        organization_id: organization_id.to_owned(),
        email: email.to_owned(),
        dns_names: serde_json::from_str(names).map_err(|_| AppError::internal("key_holders.holder names"))?,
    })
}

#[derive(Deserialize)]
struct HolderRow {
    holder: String,
    compromised_at: Option<i64>,
}

/// The key's earlier holder, as the pipeline's key-reuse step reads it (for a read batch; [`prior_from`] reads it).
pub fn prior_statement(db: &D1Database, spki_hash: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("SELECT holder, compromised_at FROM key_holders WHERE spki_sha256 = ?1").bind(&[text(spki_hash)])
}

pub fn prior_from(result: worker::D1Result) -> Result<Vec<PriorCertificate>, AppError> {
    result
        .results::<HolderRow>()?
        .into_iter()
        .map(|row| {
            Ok(PriorCertificate {
                holder: holder_from_text(&row.holder)?,
                revoked_for_key_compromise: row.compromised_at.is_some(),
            })
        })
        .collect()
}

/// The statement recording the key's holder at its first certification; a row already there stays (the triggers
/// of migration 0011 refuse the batch when it names another holder or the key is compromised).
pub fn insert_if_absent(
    db: &D1Database,
    spki_sha256: &str,
    holder: &KeyHolder,
    now: i64,
) -> Result<D1PreparedStatement, AppError> {
    Ok(db
        .prepare("INSERT OR IGNORE INTO key_holders (spki_sha256, holder, first_certified_at) VALUES (?1, ?2, ?3)")
        .bind(&[text(spki_sha256), text(&holder_text(holder)?), integer(now)])?)
}
