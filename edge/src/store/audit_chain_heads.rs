//! `audit_chain_heads`: each audit chain's last sealed record (sequence and hash) with a version (migration 0019).
//! A sealer's batch moves the head first: a new chain's head is inserted (a second insert fails on the primary
//! key), an existing one updated to `version = read + 1` (the trigger `audit_chain_heads_version` aborts a stale
//! sealer's batch whole). The head is what a sealer extends and what an export states.

use serde::Deserialize;
use shared::audit::{Head, RecordHash};
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// A chain's head as stored.
#[derive(Deserialize)]
pub struct HeadRow {
    /// The chain.
    pub chain: String,
    /// The last sealed record's sequence.
    pub sequence: i64,
    /// Its hash, hex.
    pub hash: String,
    /// Bumped by each sealing batch.
    pub version: i64,
}

impl HeadRow {
    /// The head as `shared` extends it. A stored hash that is not 64 hex digits (never written by the sealer)
    /// reads as 64 zeros, so sealing after it breaks the link trigger rather than continuing a damaged chain.
    pub fn head(&self) -> Head {
        Head {
            chain: self.chain.clone(),
            sequence: u64::try_from(self.sequence).unwrap_or_default(),
            hash: RecordHash::parse(&self.hash).unwrap_or(shared::audit::GENESIS),
        }
    }
}

/// The heads of `chains` (those that have one).
pub async fn read(db: &D1Database, chains: &[&str]) -> worker::Result<Vec<HeadRow>> {
    let list = serde_json::Value::from(chains.to_vec()).to_string();
    db.prepare(
        "SELECT chain, sequence, hash, version FROM audit_chain_heads \
         WHERE chain IN (SELECT value FROM json_each(?1))",
    )
    .bind(&[text(&list)])?
    .all()
    .await?
    .results()
}

/// The head of one chain, if it has one.
pub async fn find(db: &D1Database, chain: &str) -> worker::Result<Option<HeadRow>> {
    db.prepare("SELECT chain, sequence, hash, version FROM audit_chain_heads WHERE chain = ?1")
        .bind(&[text(chain)])?
        .first(None)
        .await
}

/// The statement that moves a chain's head to `head`, read at `read_version` (`None`: the chain had no head).
pub fn advance(db: &D1Database, head: &Head, read_version: Option<i64>) -> worker::Result<D1PreparedStatement> {
    let sequence = integer(head.sequence as i64);
    match read_version {
        None => db
            .prepare("INSERT INTO audit_chain_heads (chain, sequence, hash, version) VALUES (?1, ?2, ?3, 1)")
            .bind(&[text(&head.chain), sequence, text(&head.hash.to_string())]),
        Some(version) => db
            .prepare("UPDATE audit_chain_heads SET sequence = ?2, hash = ?3, version = ?4 WHERE chain = ?1")
            .bind(&[text(&head.chain), sequence, text(&head.hash.to_string()), integer(version + 1)]),
    }
}
