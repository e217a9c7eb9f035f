//! Contracts and deposits (`shared::api::contract` lists the endpoints): a CA administrator sets a contract on an
//! account, lists its contracts, ends one early, records a deposit and reads the account's ledger; an account's
//! users list their own contracts (the order form offers the active ones). The rules are `shared::contract`; the
//! rows are `store/contracts.rs` and `store/ledger.rs`; every change is one batch with its audit record, who made it
//! taken from the session.

use shared::account::Role;
use shared::api::contract::{ContractList, NewContract, NewDeposit};
use shared::api::order::{LedgerEntry, LedgerKind};
use shared::contract::{ContractStatus, check_contract, check_deposit};
use worker::{D1Database, Response};

use crate::auth::Principal;
use crate::call::{Call, Member};
use crate::db::{is_conflict, settle};
use crate::error::AppError;
use crate::store::contracts::{self, ContractRow};
use crate::store::{audit_log, ledger};
use crate::{orders, platform};

/// The caller, who must be a CA administrator (organization users and API keys: 403), and the account the path
/// names, which must exist (404 at `id`).
async fn administrator_and_account(call: &Call) -> Result<(Principal, String), AppError> {
    let principal = call.caller().await?;
    principal.require(&[Role::CaAdmin])?;
    let account_id = call.param("id").to_owned();
    if !contracts::account_exists(&call.db, &account_id).await? {
        return Err(AppError::not_found("id", "No account has this identifier."));
    }
    Ok((principal, account_id))
}

/// The account's contracts as the API lists them at `now`.
async fn list_of(db: &D1Database, account_id: &str, now: i64) -> Result<ContractList, AppError> {
    let rows = contracts::of_account(db, account_id).await?;
    Ok(ContractList { contracts: rows.iter().map(|row| row.view(now)).collect() })
}

/// `GET /api/v1/contracts`: the caller's own account's contracts.
pub async fn list_own(call: Call) -> Result<Response, AppError> {
    let Member { account_id, .. } = call.member().await?;
    Ok(Response::from_json(&list_of(&call.db, &account_id, call.now).await?)?)
}

/// `GET /api/v1/admin/accounts/{id}/contracts`.
pub async fn list(call: Call) -> Result<Response, AppError> {
    let (_, account_id) = administrator_and_account(&call).await?;
    Ok(Response::from_json(&list_of(&call.db, &account_id, call.now).await?)?)
}

/// `POST /api/v1/admin/accounts/{id}/contracts`: the terms checked (every problem named), then the contract and
/// its audit record in one batch. A reference the account already has is refused (`contract_reference_taken`).
pub async fn create(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let (principal, account_id) = administrator_and_account(&call).await?;
    let terms: NewContract = call.json("reference, credit_limit_cents, starts_at and ends_at")?;
    let reference = check_contract(&terms.reference, terms.credit_limit_cents, terms.starts_at, terms.ends_at, now)?;
    let id = platform::new_id()?;
    let new = contracts::NewContract {
        id: &id,
        account_id: &account_id,
        reference: &reference,
        credit_limit_cents: terms.credit_limit_cents,
        starts_at: terms.starts_at,
        ends_at: terms.ends_at,
    };
    let actor = principal.actor();
    let detail = serde_json::json!({
        "contract_id": id, "reference": reference, "credit_limit_cents": terms.credit_limit_cents,
        "starts_at": terms.starts_at, "ends_at": terms.ends_at, "recorded_by": principal.user_id,
    });
    let statements = vec![
        contracts::insert(db, &new, &actor, now)?,
        audit_log::record(db, now, &actor, "contract_created", ("account", &account_id), &detail)?,
    ];
    match db.batch(statements).await {
        Err(error) if is_conflict(&error) => {
            return Err(AppError::field(
                409,
                "contract_reference_taken",
                "reference",
                format!("The account already has a contract \"{reference}\": give the new one its own reference."),
            ));
        }
        result => settle(result, "The account changed while this request ran. Try again.")?,
    }
    let row = contracts::in_account(db, &account_id, &id)
        .await?
        .ok_or_else(|| AppError::internal("the contract just written is missing"))?;
    Ok(Response::from_json(&row.view(now))?.with_status(201))
}

/// `POST /api/v1/admin/accounts/{id}/contracts/{contract}/end`: ends the contract now (orders already charged
/// stay charged; refunds of their cancellation still go to it). Refused when it is already over.
pub async fn end(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let (principal, account_id) = administrator_and_account(&call).await?;
    let contract_id = call.param("contract");
    let row: ContractRow = contracts::in_account(db, &account_id, contract_id)
        .await?
        .ok_or_else(|| AppError::not_found("contract", "The account has no contract with this identifier."))?;
    match row.contract().status(now) {
        ContractStatus::Ended => {
            return Err(AppError::field(409, "contract_already_ended", "contract", "This contract was already ended."));
        }
        ContractStatus::Expired => {
            return Err(AppError::field(
                409,
                "contract_already_expired",
                "contract",
                "This contract's end date is past: it is no longer active.",
            ));
        }
        ContractStatus::Upcoming | ContractStatus::Active => {}
    }
    let actor = principal.actor();
    let detail = serde_json::json!({
        "contract_id": row.id, "reference": row.reference, "used_cents": row.used_cents,
        "recorded_by": principal.user_id,
    });
    let statements = vec![
        contracts::end(db, &row, now)?,
        audit_log::record(db, now, &actor, "contract_ended", ("account", &account_id), &detail)?,
    ];
    settle(db.batch(statements).await, "The contract changed while this request ran. Reload it and try again.")?;
    let row = contracts::in_account(db, &account_id, &row.id)
        .await?
        .ok_or_else(|| AppError::internal("the contract just ended is missing"))?;
    Ok(Response::from_json(&row.view(now))?)
}

/// `POST /api/v1/admin/accounts/{id}/deposits`: the deposit and its audit record (who recorded it, from the
/// session) in one batch.
pub async fn deposit(call: Call) -> Result<Response, AppError> {
    let db = &call.db;
    let now = call.now;
    let (principal, account_id) = administrator_and_account(&call).await?;
    let typed: NewDeposit = call.json("amount_cents and bank_reference")?;
    let bank_reference = check_deposit(typed.amount_cents, &typed.bank_reference)?;
    let id = platform::new_id()?;
    let actor = principal.actor();
    let detail = serde_json::json!({
        "ledger_id": id, "amount_cents": typed.amount_cents, "bank_reference": bank_reference,
        "recorded_by": principal.user_id,
    });
    let statements = vec![
        ledger::deposit(db, &id, &account_id, (typed.amount_cents, &bank_reference), &actor, now)?,
        audit_log::record(db, now, &actor, "deposit_recorded", ("account", &account_id), &detail)?,
    ];
    settle(db.batch(statements).await, "The account changed while this request ran. Try again.")?;
    let entry = LedgerEntry {
        at: now,
        amount_cents: typed.amount_cents,
        kind: LedgerKind::Deposit,
        reference: bank_reference,
        recipients: None,
    };
    Ok(Response::from_json(&entry)?.with_status(201))
}

/// `GET /api/v1/admin/accounts/{id}/ledger`: the account's balance and latest entries.
pub async fn account_ledger(call: Call) -> Result<Response, AppError> {
    let (_, account_id) = administrator_and_account(&call).await?;
    Ok(Response::from_json(&orders::ledger_of(&call.db, &account_id).await?)?)
}
