//! The JSON API between the web app, scripts and the Worker: one module per resource, each declaring its
//! endpoints ([`Endpoint`]: method, path, access) next to their request and response types, shared by both sides so
//! they cannot drift apart. [`ENDPOINTS`] lists them all.
//!
//! Wire types depend on domain types, never the reverse: `crate::order`, `crate::pipeline` and the other domain
//! modules import nothing from here.

pub mod account;
pub mod dev;
pub mod domain;
pub mod endpoint;
pub mod enrollment;
#[cfg(feature = "schema")]
pub mod openapi;
pub mod order;
pub mod organization;
pub mod policy;
pub mod revocation;

pub use endpoint::{Access, ENDPOINTS, Endpoint, Method};
use serde::{Deserialize, Deserializer, Serialize, de};

/// Reads a `u32` of a request written as a JSON integer (`5`) or as a number with no fraction (`5.0`): JSON
/// Schema's `integer`, which the OpenAPI document states, counts both as integers, and a client's JSON library
/// may write either. Anything else (a fraction, a negative number, more than `u32::MAX`) is refused, naming what
/// was expected. For `#[serde(deserialize_with = "crate::api::whole_u32")]`.
pub fn whole_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct WholeNumber;
    impl de::Visitor<'_> for WholeNumber {
        type Value = u32;

        fn expecting(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            formatter.write_str("a whole number from 0 to 4294967295")
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<u32, E> {
            u32::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<u32, E> {
            u32::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<u32, E> {
            if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
                // Whole and within u32's range (checked above): the conversion is exact.
                Ok(value as u32)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(value), &self))
            }
        }
    }
    deserializer.deserialize_any(WholeNumber)
}

/// Every rejection the API makes: which field was wrong, a stable machine-readable code, and a sentence a
/// person can act on. The HTTP status travels beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    /// Stable snake_case code, e.g. `csr_signature_invalid`, `link_spent`.
    pub code: String,
    /// The request field the rejection is about (`csr`, `token`, `body`), or `null` when none is.
    pub field: Option<String>,
    /// What happened and what to do, in plain words.
    pub message: String,
}

/// The body of every non-2xx response: `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    /// The rejection.
    pub error: ApiError,
}

/// An acknowledgement that says what happens next (e.g. `202` to a password reset request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageBody {
    /// What happens next, in plain words.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    struct Whole {
        #[serde(deserialize_with = "super::whole_u32")]
        value: u32,
    }

    fn check(value: serde_json::Value, expected: Option<u32>) {
        let read = serde_json::from_value::<Whole>(json!({ "value": value.clone() })).map(|whole| whole.value);
        assert_eq!(read.as_ref().ok().copied(), expected, "{value}: {read:?}");
    }

    #[test]
    fn whole_numbers_are_read_with_or_without_a_zero_fraction() {
        check(json!(5), Some(5));
        check(json!(5.0), Some(5));
        check(json!(0.0), Some(0));
        check(json!(-0.0), Some(0));
        check(json!(4_294_967_295_u64), Some(u32::MAX));
        check(json!(4_294_967_295.0), Some(u32::MAX));
        check(json!(1_929_666_466.0), Some(1_929_666_466));
        check(json!(4_294_967_296_u64), None);
        check(json!(4_294_967_296.0), None);
        check(json!(5.5), None);
        check(json!(-1), None);
        check(json!(-1.0), None);
        check(json!(1e300), None);
        check(json!("5"), None);
        check(json!(null), None);
    }
}
