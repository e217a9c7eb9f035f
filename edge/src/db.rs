//! D1 helpers: bound parameters only, never string-built SQL; the one way a batch refused
//! by a concurrent writer is answered ([`commit`]) or run again from fresh reads ([`retrying`]).

use std::future::Future;

use wasm_bindgen::JsValue;

/// A bound text parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// A bound integer parameter. D1 takes JavaScript numbers; instants and counts stay far below 2^53.
pub fn integer(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// True when a failed batch was aborted by a trigger's `RAISE(ABORT, '<name>')` (the migrations name each one).
pub fn raised(error: &worker::Error, name: &str) -> bool {
    error.to_string().contains(name)
}

/// True when a failed batch was refused by an optimistic-concurrency guard: the version trigger, a uniqueness
/// constraint that makes a second write of the same thing impossible, or a foreign key whose row a concurrent
/// request removed meanwhile (an enrollment link a resend replaced while it was being spent).
pub fn is_conflict(error: &worker::Error) -> bool {
    raised(error, "version_conflict")
        || raised(error, "UNIQUE constraint failed")
        || raised(error, "FOREIGN KEY constraint failed")
}

/// A nullable bound integer parameter.
pub fn optional_integer(value: Option<i64>) -> JsValue {
    value.map_or(JsValue::NULL, integer)
}

/// Runs a batch whose versioned rows may have moved since they were read: a refusal by a version or uniqueness
/// guard becomes `409 changed_meanwhile` with `message` (what changed, and to reload and try again).
pub async fn commit(
    db: &worker::D1Database,
    statements: Vec<worker::D1PreparedStatement>,
    message: &'static str,
) -> Result<(), crate::error::AppError> {
    settle(db.batch(statements).await, message)
}

/// [`commit`]'s answer for a batch already run, for callers that first look for their own trigger's refusal.
pub fn settle(
    result: worker::Result<Vec<worker::D1Result>>,
    message: &'static str,
) -> Result<(), crate::error::AppError> {
    result.map(drop).map_err(|error| batch_error(error, message))
}

/// What a failed batch answers: a refusal by a version or uniqueness guard is `409 changed_meanwhile` with
/// `message` (which [`retrying`] runs again); anything else is ours (500).
pub fn batch_error(error: worker::Error, message: &'static str) -> crate::error::AppError {
    if is_conflict(&error) { crate::error::AppError::conflict("changed_meanwhile", message) } else { error.into() }
}

/// How many times [`retrying`] runs an attempt in all.
pub const ATTEMPTS: u32 = 5;

/// The one conflict-and-retry loop. `attempt` reads afresh, decides, and writes one batch with [`commit`]; when a
/// concurrent writer refused that batch (`409 changed_meanwhile`: nothing of it was written), it runs again from
/// fresh reads, [`ATTEMPTS`] times in all, and then the conflict is the answer. Any other outcome, success or
/// refusal, is returned as it is: an attempt that finds on its fresh reads that the other writer made its own
/// work pointless (a link spent meanwhile) says so with its own error.
pub async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, crate::error::AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, crate::error::AppError>>,
{
    let mut attempts = 1;
    loop {
        match attempt().await {
            Err(error) if error.is_changed_meanwhile() && attempts < ATTEMPTS => attempts += 1,
            outcome => return outcome,
        }
    }
}
