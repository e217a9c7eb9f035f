//! D1 helpers: bound parameters only, never string-built SQL.

use wasm_bindgen::JsValue;

/// A bound text parameter.
pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// A bound integer parameter. D1 takes JavaScript numbers; instants and counts stay far below 2^53.
pub fn integer(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// True when a failed batch was refused by an optimistic-concurrency guard: the version trigger or a
/// uniqueness constraint that makes a second write of the same thing impossible.
pub fn is_conflict(error: &worker::Error) -> bool {
    let text = error.to_string();
    text.contains("version_conflict") || text.contains("UNIQUE constraint failed")
}
