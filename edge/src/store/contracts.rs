//! `contracts` and `contract_ledger` (migration 0017): the contracts CA administrators set on accounts, and each
//! contract's own ledger (charges of the orders placed under it, refunds of cancelled ones). Two triggers refuse a
//! charge past the credit limit (`contract_limit_exceeded`) and on a contract not active at the charge's instant
//! (`contract_inactive`), so concurrent orders can never together pass the limit.

use serde::Deserialize;
use shared::api::contract::ContractView;
use shared::contract::Contract;
use worker::{D1Database, D1PreparedStatement};

use crate::db::{integer, text};

/// One contract, with what its ledger has used.
#[derive(Clone, Debug, Deserialize)]
pub struct ContractRow {
    /// Its identifier.
    pub id: String,
    /// The reference orders name.
    pub reference: String,
    /// The credit limit, cents.
    pub credit_limit_cents: i64,
    /// Active from, Unix seconds.
    pub starts_at: i64,
    /// Active until (excluded), Unix seconds.
    pub ends_at: i64,
    /// Ended early at, if it was.
    pub ended_at: Option<i64>,
    /// When it was set.
    pub created_at: i64,
    /// The optimistic-concurrency version.
    pub version: i64,
    /// Charges less refunds, cents (minus the sum of its ledger).
    pub used_cents: i64,
}

impl ContractRow {
    /// The terms and use, for `shared::contract`'s rules.
    pub fn contract(&self) -> Contract {
        Contract {
            reference: self.reference.clone(),
            credit_limit_cents: self.credit_limit_cents,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            ended_at: self.ended_at,
            used_cents: self.used_cents,
        }
    }

    /// As the API shows it at `now`.
    pub fn view(&self, now: i64) -> ContractView {
        ContractView {
            id: self.id.clone(),
            reference: self.reference.clone(),
            credit_limit_cents: self.credit_limit_cents,
            used_cents: self.used_cents,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            ended_at: self.ended_at,
            status: self.contract().status(now),
            created_at: self.created_at,
        }
    }
}

const COLUMNS: &str = "c.id, c.reference, c.credit_limit_cents, c.starts_at, c.ends_at, c.ended_at, \
     c.created_at, c.version, \
     -(SELECT COALESCE(SUM(amount), 0) FROM contract_ledger WHERE contract_id = c.id) AS used_cents";

/// The account's contracts, newest first.
pub async fn of_account(db: &D1Database, account_id: &str) -> worker::Result<Vec<ContractRow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM contracts c WHERE c.account_id = ?1 ORDER BY c.created_at DESC, c.rowid DESC"
    ))
    .bind(&[text(account_id)])?
    .all()
    .await?
    .results()
}

/// One contract of the account (another account's reads as none).
pub async fn in_account(db: &D1Database, account_id: &str, contract_id: &str) -> worker::Result<Option<ContractRow>> {
    db.prepare(format!("SELECT {COLUMNS} FROM contracts c WHERE c.account_id = ?1 AND c.id = ?2"))
        .bind(&[text(account_id), text(contract_id)])?
        .first(None)
        .await
}

/// Whether an organization account with this identifier exists (CA administrators name accounts by id).
pub async fn account_exists(db: &D1Database, account_id: &str) -> worker::Result<bool> {
    let found = db
        .prepare("SELECT COUNT(*) AS n FROM accounts WHERE id = ?1")
        .bind(&[text(account_id)])?
        .first::<i64>(Some("n"))
        .await?;
    Ok(found.unwrap_or(0) > 0)
}

/// A new contract's stored terms.
pub struct NewContract<'a> {
    /// Its identifier.
    pub id: &'a str,
    /// The account.
    pub account_id: &'a str,
    /// The checked reference.
    pub reference: &'a str,
    /// The credit limit, cents.
    pub credit_limit_cents: i64,
    /// Active from.
    pub starts_at: i64,
    /// Active until (excluded).
    pub ends_at: i64,
}

/// The statement setting a contract (the unique `(account_id, reference)` refuses a second one of a reference).
pub fn insert(db: &D1Database, new: &NewContract<'_>, actor: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO contracts (id, account_id, reference, credit_limit_cents, starts_at, ends_at, created_at, \
         created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        text(new.id),
        text(new.account_id),
        text(new.reference),
        integer(new.credit_limit_cents),
        integer(new.starts_at),
        integer(new.ends_at),
        integer(now),
        text(actor),
    ])
}

/// The statement ending a contract at `now` (guarded by the version read).
pub fn end(db: &D1Database, row: &ContractRow, now: i64) -> worker::Result<D1PreparedStatement> {
    db.prepare("UPDATE contracts SET ended_at = ?1, version = ?2 WHERE id = ?3 AND ended_at IS NULL").bind(&[
        integer(now),
        integer(row.version + 1),
        text(&row.id),
    ])
}

/// A movement of a contract's ledger: what, for which order, for how many recipients.
pub struct Movement<'a> {
    /// The entry's identifier.
    pub id: &'a str,
    /// The contract.
    pub contract_id: &'a str,
    /// The order.
    pub order_id: &'a str,
    /// Cents, positive (a charge is written negative).
    pub cents: i64,
    /// Recipients paid for or given back.
    pub recipients: usize,
}

/// The statement charging an order to its contract (the triggers refuse it past the limit or when inactive).
pub fn charge(db: &D1Database, movement: &Movement<'_>, actor: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    write(db, movement, -movement.cents, "charge", actor, now)
}

/// The statement giving a cancelled order's unissued recipients back to its contract.
pub fn refund(db: &D1Database, movement: &Movement<'_>, actor: &str, now: i64) -> worker::Result<D1PreparedStatement> {
    write(db, movement, movement.cents, "refund", actor, now)
}

fn write(
    db: &D1Database,
    movement: &Movement<'_>,
    amount: i64,
    kind: &str,
    actor: &str,
    now: i64,
) -> worker::Result<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO contract_ledger (id, contract_id, at, amount, kind, order_id, recipients, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&[
        text(movement.id),
        text(movement.contract_id),
        integer(now),
        integer(amount),
        text(kind),
        text(movement.order_id),
        integer(movement.recipients as i64),
        text(actor),
    ])
}

/// What placing the order charged to a contract: the contract and the cents (positive), if it was.
pub async fn charge_of_order(db: &D1Database, order_id: &str) -> worker::Result<Option<(String, i64)>> {
    #[derive(Deserialize)]
    struct Charged {
        contract_id: String,
        cents: i64,
    }
    let charged: Option<Charged> = db
        .prepare(
            "SELECT contract_id, -SUM(amount) AS cents FROM contract_ledger WHERE order_id = ?1 AND kind = 'charge' \
             GROUP BY contract_id",
        )
        .bind(&[text(order_id)])?
        .first(None)
        .await?;
    Ok(charged.map(|charged| (charged.contract_id, charged.cents)))
}
