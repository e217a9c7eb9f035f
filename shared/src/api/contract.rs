//! `/api/v1/admin/accounts/{id}/contracts`, `/api/v1/admin/accounts/{id}/deposits`,
//! `/api/v1/admin/accounts/{id}/ledger` and `GET /api/v1/contracts`: contracts and deposits.
//!
//! - A CA administrator sets a contract on an account ([`NewContract`] → [`ContractView`], `201`), lists the
//!   account's contracts ([`ContractList`]) and ends one early (`POST …/contracts/{contract}/end`).
//! - A CA administrator records a deposit ([`NewDeposit`] → the ledger entry, `201`) and reads the account's ledger
//!   ([`super::order::Ledger`]).
//! - An account's users read their own account's contracts (`GET /api/v1/contracts`): the order form offers the
//!   active ones.
//!
//! The rules are [`crate::contract`]'s; a refusal names its field (`422` with every problem).

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::contract::{Contract, ContractStatus};

/// A CA administrator sets a contract on an account ([`NewContract`] → [`ContractView`]).
pub const CREATE_CONTRACT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/contracts",
    access: Access::CaAdmin,
    summary: "A CA administrator sets a contract on an account: reference, credit limit, start and end",
    body: Body::Json { max_bytes: 4 * 1024 },
};

/// A CA administrator lists an account's contracts ([`ContractList`]).
pub const LIST_ACCOUNT_CONTRACTS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/accounts/{id}/contracts",
    access: Access::CaAdmin,
    summary: "An account's contracts, newest first, with what each has used",
    body: Body::None,
};

/// A CA administrator ends a contract early ([`ContractView`]); orders can no longer be charged to it.
pub const END_CONTRACT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/contracts/{contract}/end",
    access: Access::CaAdmin,
    summary: "A CA administrator ends a contract now; orders already charged stay charged",
    body: Body::None,
};

/// A CA administrator records a deposit on an account's balance ([`NewDeposit`] →
/// [`super::order::LedgerEntry`]).
pub const RECORD_DEPOSIT: Endpoint = Endpoint {
    method: Method::Post,
    path: "/api/v1/admin/accounts/{id}/deposits",
    access: Access::CaAdmin,
    summary: "A CA administrator records a payment received: amount and bank reference",
    body: Body::Json { max_bytes: 4 * 1024 },
};

/// A CA administrator reads an account's balance and latest ledger entries ([`super::order::Ledger`]).
pub const SHOW_ACCOUNT_LEDGER: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/admin/accounts/{id}/ledger",
    access: Access::CaAdmin,
    summary: "An account's balance and its latest 50 ledger entries",
    body: Body::None,
};

/// The caller's own account's contracts ([`ContractList`]).
pub const LIST_CONTRACTS: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/contracts",
    access: Access::Account,
    summary: "The account's contracts, newest first, with what each has used and whether it is active",
    body: Body::None,
};

/// `POST /api/v1/admin/accounts/{id}/contracts` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewContract {
    /// The reference orders name (a contract or purchase-order number), unique in the account; at most 100
    /// characters.
    pub reference: String,
    /// The most orders may be charged to it in all, cents (more than zero).
    pub credit_limit_cents: i64,
    /// Active from this instant, Unix seconds.
    pub starts_at: i64,
    /// Active until this instant (excluded), Unix seconds; after `starts_at` and in the future.
    pub ends_at: i64,
}

/// A contract as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractView {
    /// Its identifier.
    pub id: String,
    /// The reference orders name.
    pub reference: String,
    /// The credit limit, cents.
    pub credit_limit_cents: i64,
    /// What orders have used of it (charges less refunds), cents.
    pub used_cents: i64,
    /// Active from, Unix seconds.
    pub starts_at: i64,
    /// Active until (excluded), Unix seconds.
    pub ends_at: i64,
    /// When a CA administrator ended it early, if they did.
    pub ended_at: Option<i64>,
    /// Where it stands now.
    pub status: ContractStatus,
    /// When it was set, Unix seconds.
    pub created_at: i64,
}

impl ContractView {
    /// The contract's terms and use, for [`crate::contract::choose_contract`] (the order form's pre-check).
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
}

/// An account's contracts, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractList {
    /// The contracts.
    pub contracts: Vec<ContractView>,
}

/// `POST /api/v1/admin/accounts/{id}/deposits` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewDeposit {
    /// The amount received, cents (more than zero).
    pub amount_cents: i64,
    /// The bank's reference of the payment; at most 100 characters.
    pub bank_reference: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_gives_the_rules_its_terms() {
        let view = ContractView {
            id: "c1".into(),
            reference: "PO-1".into(),
            credit_limit_cents: 10_000,
            used_cents: 2_500,
            starts_at: 10,
            ends_at: 20,
            ended_at: Some(15),
            status: ContractStatus::Active,
            created_at: 5,
        };
        let contract = view.contract();
        assert_eq!(contract.remaining_cents(), 7_500);
        assert_eq!(contract.status(14), ContractStatus::Active);
        assert_eq!(contract.status(15), ContractStatus::Ended);
    }
}
