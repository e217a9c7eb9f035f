//! `ledger`: an account's money movements, cents (migration 0004): deposits recorded by the operator, charges
//! written in the batch that places a balance order (a trigger refuses one the balance does not cover:
//! `insufficient_balance`), refunds. The balance is their sum.

use serde::Deserialize;
use shared::api::order::LedgerKind;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// One movement.
#[derive(Deserialize)]
pub struct LedgerRow {
    /// When.
    pub at: i64,
    /// Cents, negative for a charge.
    pub amount: i64,
    /// Which way.
    pub kind: LedgerKind,
    /// The order, or the operator's payment reference.
    pub reference: String,
}

/// The account's balance, cents (column `balance`): the sum of its ledger.
pub fn balance_statement(db: &D1Database, account_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("SELECT COALESCE(SUM(amount), 0) AS balance FROM ledger WHERE account_id = ?1").bind(&[text(account_id)])
}

/// The account's latest `limit` movements, newest first.
pub fn latest_statement(db: &D1Database, account_id: &str, limit: usize) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "SELECT at, amount, kind, reference FROM ledger WHERE account_id = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2",
    )
    .bind(&[text(account_id), integer(limit as i64)])
}

/// The statement charging an order to the balance.
pub fn charge(
    db: &D1Database,
    id: &str,
    account_id: &str,
    (order_id, price_cents): (&str, i64),
    actor: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) \
         VALUES (?1, ?2, ?3, ?4, 'charge', ?5, ?6)",
    )
    .bind(&[text(id), text(account_id), integer(now), integer(-price_cents), text(order_id), text(actor)])
}
