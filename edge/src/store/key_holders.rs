//! The `key_holders` table: one row per certified public key (the SHA-256 of its SubjectPublicKeyInfo), naming
//! its holder and, once a `keyCompromise` revocation reported it, when it was compromised (two triggers then
//! refuse to certify it again, or for another holder). The issuance batch inserts the row (`issuing.rs`); a
//! `keyCompromise` revocation (`revocation.rs`) marks the key compromised with the statements here.

use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

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
