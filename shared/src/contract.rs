//! Contracts and deposits: the rules of paying under a contract, of recording a deposit, and of refunding a
//! cancelled order.
//!
//! - A [`Contract`] is set on an account by a CA administrator: a reference, a credit limit in cents, and a window
//!   `[starts_at, ends_at)` in Unix seconds; it may be ended early (`ended_at`). It is active at `now` when `now`
//!   falls in its window and it was not ended at or before `now` ([`Contract::status`]).
//! - An order paid under a contract names one of the account's **active** contracts by reference
//!   ([`choose_contract`]: `contract_not_found`, `contract_inactive`) and must fit in what is left of its limit
//!   (`contract_limit_exceeded`). The database holds the same two rules as triggers on the contract's ledger
//!   (migration 0017), so concurrent orders can never together pass the limit, nor charge a contract ended
//!   meanwhile.
//! - A deposit ([`check_deposit`]) is a positive amount with a bank reference.
//! - Cancelling refunds the recipients not yet issued ([`refund_cents`]): the order's charge divided by its
//!   recipients, times those without a certificate.
//!
//! Pure: the instant is an argument.

use crate::text::check_visible;

/// Longest contract reference, in characters (the order form's limit too).
pub const REFERENCE_MAXIMUM_LENGTH: usize = crate::order::CONTRACT_REFERENCE_MAXIMUM_LENGTH;
/// Longest bank reference of a deposit, in characters.
pub const BANK_REFERENCE_MAXIMUM_LENGTH: usize = 100;
/// Largest credit limit and largest deposit, in cents (ten million in the currency): a typing slip, not a contract.
pub const MAXIMUM_CENTS: i64 = 1_000_000_000;

/// A contract as stored, with what its ledger has used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// The reference orders name (a contract or purchase-order number), unique in the account.
    pub reference: String,
    /// The most its ledger may be charged in all, cents.
    pub credit_limit_cents: i64,
    /// Active from this instant, Unix seconds.
    pub starts_at: i64,
    /// Active until this instant (excluded), Unix seconds.
    pub ends_at: i64,
    /// When a CA administrator ended it early, if they did.
    pub ended_at: Option<i64>,
    /// What its ledger holds now: charges less refunds, cents.
    pub used_cents: i64,
}

/// Where a contract stands at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Its window has not begun.
    Upcoming,
    /// Orders may be charged to it.
    Active,
    /// Its window is over.
    Expired,
    /// A CA administrator ended it early.
    Ended,
}

impl Contract {
    /// Where it stands at `now`: ended (early, at or before `now`), upcoming, active or expired.
    pub fn status(&self, now: i64) -> ContractStatus {
        match self.ended_at {
            Some(at) if at <= now => ContractStatus::Ended,
            _ if now < self.starts_at => ContractStatus::Upcoming,
            _ if now >= self.ends_at => ContractStatus::Expired,
            _ => ContractStatus::Active,
        }
    }

    /// What is left of the limit, cents (never below zero).
    pub fn remaining_cents(&self) -> i64 {
        self.credit_limit_cents.saturating_sub(self.used_cents).max(0)
    }
}

/// Why a contract payment is refused (all at `payment.reference`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentError {
    /// The account has no contract with this reference.
    NotFound {
        /// The reference given.
        reference: String,
    },
    /// The contract exists but is not active now.
    Inactive {
        /// The reference given.
        reference: String,
        /// Where it stands.
        status: ContractStatus,
    },
    /// The price is more than what is left of the limit.
    LimitExceeded {
        /// The reference given.
        reference: String,
        /// The price, cents.
        needed: i64,
        /// What is left, cents.
        remaining: i64,
    },
}

impl PaymentError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "contract_not_found",
            Self::Inactive { .. } => "contract_inactive",
            Self::LimitExceeded { .. } => "contract_limit_exceeded",
        }
    }

    /// The field it is about.
    pub fn field(&self) -> &'static str {
        "payment.reference"
    }
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound { reference } => write!(
                formatter,
                "The account has no contract \"{reference}\". Choose one of its active contracts, or pay from the \
                 balance."
            ),
            Self::Inactive { reference, status } => {
                let why = match status {
                    ContractStatus::Upcoming => "has not started yet",
                    ContractStatus::Expired => "has expired",
                    ContractStatus::Ended => "was ended",
                    ContractStatus::Active => "is not active",
                };
                write!(formatter, "Contract \"{reference}\" {why}: orders cannot be charged to it.")
            }
            Self::LimitExceeded { reference, needed, remaining } => write!(
                formatter,
                "The order costs {} and contract \"{reference}\" has {} left of its limit.",
                crate::order::money(*needed),
                crate::order::money(*remaining)
            ),
        }
    }
}

/// The contract an order under `reference` is charged to at `now`, for `price_cents`: one of `contracts` (the
/// account's), active, with enough left.
///
/// # Errors
///
/// [`PaymentError`]: no such reference, not active, or past the limit.
pub fn choose_contract<'a>(
    contracts: &'a [Contract],
    reference: &str,
    now: i64,
    price_cents: i64,
) -> Result<&'a Contract, PaymentError> {
    let reference = reference.trim();
    let contract = contracts
        .iter()
        .find(|contract| contract.reference == reference)
        .ok_or_else(|| PaymentError::NotFound { reference: reference.to_owned() })?;
    match contract.status(now) {
        ContractStatus::Active => {}
        status => return Err(PaymentError::Inactive { reference: reference.to_owned(), status }),
    }
    if price_cents > contract.remaining_cents() {
        return Err(PaymentError::LimitExceeded {
            reference: reference.to_owned(),
            needed: price_cents,
            remaining: contract.remaining_cents(),
        });
    }
    Ok(contract)
}

/// What cancelling an order gives back: to the balance or to the contract it was charged to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refund {
    /// Cents given back (zero when nothing was charged or every recipient is issued).
    pub cents: i64,
    /// How many recipients it gives back: those without a certificate.
    pub recipients: usize,
}

impl Refund {
    /// The refund of an order that charged `charged_cents` for `recipients`, of whom `unissued` have no
    /// certificate ([`refund_cents`]).
    pub fn of(charged_cents: i64, recipients: usize, unissued: usize) -> Self {
        let cents = refund_cents(charged_cents, recipients, unissued);
        Self { cents, recipients: if cents > 0 { unissued.min(recipients) } else { 0 } }
    }
}

/// What cancelling an order gives back, cents: `charged_cents` (what placing it charged, positive) split evenly
/// over its `recipients`, times the `unissued` ones. Nothing when nothing was charged.
pub fn refund_cents(charged_cents: i64, recipients: usize, unissued: usize) -> i64 {
    if recipients == 0 || charged_cents <= 0 {
        return 0;
    }
    let unissued = unissued.min(recipients);
    let each = charged_cents / i64::try_from(recipients).unwrap_or(i64::MAX);
    each.saturating_mul(i64::try_from(unissued).unwrap_or(0))
}

/// Why a contract or a deposit a CA administrator typed is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The reference is blank.
    ReferenceBlank,
    /// The reference is longer than its limit.
    ReferenceTooLong {
        /// The limit, characters.
        maximum: usize,
    },
    /// The reference holds a control, bidirectional or zero-width character.
    ReferenceInvisibleCharacter,
    /// The credit limit is zero or negative.
    CreditLimitNotPositive,
    /// The credit limit is more than [`MAXIMUM_CENTS`].
    CreditLimitTooLarge,
    /// The end is not after the start.
    EndNotAfterStart,
    /// The end is already past.
    EndInPast,
    /// The deposit's amount is zero or negative.
    AmountNotPositive,
    /// The deposit's amount is more than [`MAXIMUM_CENTS`].
    AmountTooLarge,
}

impl RecordError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ReferenceBlank => "reference_blank",
            Self::ReferenceTooLong { .. } => "reference_too_long",
            Self::ReferenceInvisibleCharacter => "value_invisible_character",
            Self::CreditLimitNotPositive => "credit_limit_not_positive",
            Self::CreditLimitTooLarge => "credit_limit_too_large",
            Self::EndNotAfterStart => "ends_before_start",
            Self::EndInPast => "ends_in_past",
            Self::AmountNotPositive => "amount_not_positive",
            Self::AmountTooLarge => "amount_too_large",
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ReferenceBlank => formatter.write_str("Give the reference."),
            Self::ReferenceTooLong { maximum } => write!(formatter, "A reference has at most {maximum} characters."),
            Self::ReferenceInvisibleCharacter => {
                formatter.write_str("The reference holds an invisible or control character: type it again.")
            }
            Self::CreditLimitNotPositive => formatter.write_str("The credit limit must be more than zero."),
            Self::CreditLimitTooLarge => {
                write!(formatter, "The credit limit is at most {}.", crate::order::money(MAXIMUM_CENTS))
            }
            Self::EndNotAfterStart => formatter.write_str("The contract must end after it starts."),
            Self::EndInPast => formatter.write_str("The end is already past: the contract would never be active."),
            Self::AmountNotPositive => formatter.write_str("The amount must be more than zero."),
            Self::AmountTooLarge => write!(formatter, "A deposit is at most {}.", crate::order::money(MAXIMUM_CENTS)),
        }
    }
}

/// A reference typed by a CA administrator, trimmed and checked.
fn checked_reference(reference: &str, maximum: usize) -> Result<String, RecordError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(RecordError::ReferenceBlank);
    }
    if reference.chars().count() > maximum {
        return Err(RecordError::ReferenceTooLong { maximum });
    }
    check_visible(reference).map_err(|_| RecordError::ReferenceInvisibleCharacter)?;
    Ok(reference.to_owned())
}

/// A new contract's terms as typed: checked into the fields to store, with the field each refusal is about.
///
/// # Errors
///
/// Every problem, with its field (`reference`, `credit_limit_cents`, `ends_at`).
pub fn check_contract(
    reference: &str,
    credit_limit_cents: i64,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> Result<String, Vec<(&'static str, RecordError)>> {
    let mut errors = Vec::new();
    let reference =
        checked_reference(reference, REFERENCE_MAXIMUM_LENGTH).map_err(|error| errors.push(("reference", error))).ok();
    if credit_limit_cents <= 0 {
        errors.push(("credit_limit_cents", RecordError::CreditLimitNotPositive));
    } else if credit_limit_cents > MAXIMUM_CENTS {
        errors.push(("credit_limit_cents", RecordError::CreditLimitTooLarge));
    }
    if ends_at <= starts_at {
        errors.push(("ends_at", RecordError::EndNotAfterStart));
    } else if ends_at <= now {
        errors.push(("ends_at", RecordError::EndInPast));
    }
    match reference {
        Some(reference) if errors.is_empty() => Ok(reference),
        _ => Err(errors),
    }
}

/// A deposit as typed: checked into the bank reference to store, with the field each refusal is about.
///
/// # Errors
///
/// Every problem, with its field (`amount_cents`, `bank_reference`).
pub fn check_deposit(amount_cents: i64, bank_reference: &str) -> Result<String, Vec<(&'static str, RecordError)>> {
    let mut errors = Vec::new();
    if amount_cents <= 0 {
        errors.push(("amount_cents", RecordError::AmountNotPositive));
    } else if amount_cents > MAXIMUM_CENTS {
        errors.push(("amount_cents", RecordError::AmountTooLarge));
    }
    let reference = checked_reference(bank_reference, BANK_REFERENCE_MAXIMUM_LENGTH)
        .map_err(|error| errors.push(("bank_reference", error)))
        .ok();
    match reference {
        Some(reference) if errors.is_empty() => Ok(reference),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests;
