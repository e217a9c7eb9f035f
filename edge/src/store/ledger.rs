//! `ledger`: an account's money movements, cents (migration 0004): deposits recorded by a CA administrator,
//! charges written in the batch that places a balance order (a trigger refuses one the balance does not cover:
//! `insufficient_balance`), refunds written in the batch that cancels one (with how many recipients, migration
//! 0017). The balance is their sum.

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
    /// The order, or the deposit's bank reference.
    pub reference: String,
    /// How many recipients a refund gives back.
    pub recipients: Option<i64>,
}

/// The account's balance, cents (column `balance`): the sum of its ledger.
pub fn balance_statement(db: &D1Database, account_id: &str) -> worker::Result<D1PreparedStatement> {
    db.prepare("SELECT COALESCE(SUM(amount), 0) AS balance FROM ledger WHERE account_id = ?1").bind(&[text(account_id)])
}

/// The account's latest `limit` movements, newest first.
pub fn latest_statement(db: &D1Database, account_id: &str, limit: usize) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "SELECT at, amount, kind, reference, recipients FROM ledger WHERE account_id = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2",
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

/// The statement recording a deposit a CA administrator received (`amount_cents` positive).
pub fn deposit(
    db: &D1Database,
    id: &str,
    account_id: &str,
    (amount_cents, bank_reference): (i64, &str),
    actor: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) \
         VALUES (?1, ?2, ?3, ?4, 'deposit', ?5, ?6)",
    )
    .bind(&[text(id), text(account_id), integer(now), integer(amount_cents), text(bank_reference), text(actor)])
}

/// The statement giving a cancelled order's unissued recipients back to the balance.
pub fn refund(
    db: &D1Database,
    id: &str,
    account_id: &str,
    (order_id, cents, recipients): (&str, i64, usize),
    actor: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO ledger (id, account_id, at, amount, kind, reference, recipients, created_by) \
         VALUES (?1, ?2, ?3, ?4, 'refund', ?5, ?6, ?7)",
    )
    .bind(&[
        text(id),
        text(account_id),
        integer(now),
        integer(cents),
        text(order_id),
        integer(recipients as i64),
        text(actor),
    ])
}

/// What placing the order charged to the account's balance, cents (positive; zero when nothing was).
pub async fn charge_of_order(db: &D1Database, account_id: &str, order_id: &str) -> worker::Result<i64> {
    let charged = db
        .prepare(
            "SELECT -COALESCE(SUM(amount), 0) AS cents FROM ledger \
             WHERE account_id = ?1 AND reference = ?2 AND kind = 'charge'",
        )
        .bind(&[text(account_id), text(order_id)])?
        .first::<i64>(Some("cents"))
        .await?;
    Ok(charged.unwrap_or(0))
}
