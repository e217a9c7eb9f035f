//! The `crls` table: every CRL the issuing CA signed, numbered (the primary key `(issuer, number)` keeps numbers
//! strictly increasing without gaps: of two writers that read the same latest number, the second's batch fails
//! whole). `repository.rs` writes it: a revocation's batch stores the CRL re-signed with it, and a CRL a day old
//! is replaced when fetched and by the scheduled handler.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};
use crate::error::AppError;

/// A stored CRL of the issuing CA (the only `issuer` the table admits): the columns the edge reads.
#[derive(Deserialize)]
pub struct CrlRow {
    /// The CRL number.
    pub number: i64,
    /// When it was signed (thisUpdate), Unix seconds.
    pub this_update: i64,
    /// The CRL, DER, base64.
    pub der: String,
}

/// The issuing CA's latest CRL, if it signed one.
pub async fn latest(db: &D1Database) -> Result<Option<CrlRow>, AppError> {
    Ok(db
        .prepare(
            "SELECT number, this_update, der FROM crls WHERE issuer = 'issuing' \
             ORDER BY number DESC LIMIT 1",
        )
        .first::<CrlRow>(None)
        .await?)
}

/// Stores the issuing CA's CRL `number` (DER, base64); the batch fails whole if another writer took the number.
pub fn insert(
    db: &D1Database,
    number: i64,
    this_update: i64,
    next_update: i64,
    der: &str,
) -> worker::Result<D1PreparedStatement> {
    db.prepare("INSERT INTO crls (issuer, number, this_update, next_update, der) VALUES ('issuing', ?1, ?2, ?3, ?4)")
        .bind(&[integer(number), integer(this_update), integer(next_update), text(der)])
}
