//! Host tests of the brought request's pre-check: requests made by `openssl req` (fixtures/), against a link's
//! key types and name (natively and in headless Chromium, as `cargo xtask test` runs the frontend's tests).

use shared::lang::Lang;
use shared::profile::KeyType;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{PrecheckError, precheck};

const P256: &str = include_str!("fixtures/p256.csr");
const P384: &str = include_str!("fixtures/p384.csr");
const RSA_2048: &str = include_str!("fixtures/rsa2048.csr");
const ED25519: &str = include_str!("fixtures/ed25519.csr");
/// CN=Grace Hopper, O=Navy.
const OTHER_NAME: &str = include_str!("fixtures/other.csr");
/// O=No Name, no common name.
const NO_NAME: &str = include_str!("fixtures/noname.csr");
/// CN=ada lovelace.
const LOWER_CASE: &str = include_str!("fixtures/lower.csr");
/// `P256` with one signature byte flipped.
const TAMPERED: &str = include_str!("fixtures/tampered.csr");

const ALL: &[KeyType] = &[KeyType::Rsa2048, KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Ed25519];
const RSA_ONLY: &[KeyType] = &[KeyType::Rsa2048, KeyType::Rsa3072];

/// Checks `text` against `accepted` and the name "Ada Lovelace": the key name, or the error's code.
fn check(text: &str, accepted: &[KeyType], expected: Result<&str, &str>) {
    let outcome = precheck(text, accepted, "Ada Lovelace");
    match (&outcome, expected) {
        (Ok(key), Ok(wanted)) => assert_eq!(key, wanted),
        (Err(error), Err(code)) => {
            assert_eq!(error.code(), code, "{error:?}");
            assert_eq!(error.field(), "csr");
            assert!(!error.message(Lang::En).is_empty() && !error.message(Lang::Fr).is_empty());
        }
        _ => panic!("{text}: expected {expected:?}, got {outcome:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn requests_against_the_link() {
    let cases: &[(&str, &[KeyType], Result<&str, &str>)] = &[
        (P256, ALL, Ok("ECDSA P-256")),
        (P384, ALL, Ok("ECDSA P-384")),
        (RSA_2048, ALL, Ok("RSA 2048")),
        (ED25519, ALL, Ok("Ed25519")),
        (NO_NAME, ALL, Ok("ECDSA P-256")),
        (LOWER_CASE, ALL, Ok("ECDSA P-256")),
        (RSA_2048, RSA_ONLY, Ok("RSA 2048")),
        (P256, RSA_ONLY, Err("csr_key_type_not_accepted")),
        (ED25519, RSA_ONLY, Err("csr_key_type_not_accepted")),
        (OTHER_NAME, ALL, Err("csr_name_mismatch")),
        (TAMPERED, ALL, Err("csr_unreadable")),
        ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", ALL, Err("csr_unreadable")),
        ("not a request", ALL, Err("csr_unreadable")),
    ];
    for (text, accepted, expected) in cases {
        check(text, accepted, *expected);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn messages_name_what_is_wrong() {
    let error = precheck(P256, RSA_ONLY, "Ada Lovelace").unwrap_err();
    assert_eq!(error.message(Lang::En), "The request's key is ECDSA P-256; this certificate takes RSA 2048, RSA 3072.");
    let error = precheck(OTHER_NAME, ALL, "Ada Lovelace").unwrap_err();
    assert_eq!(
        error,
        PrecheckError::NameMismatch { requested: "Grace Hopper".into(), expected: "Ada Lovelace".into() }
    );
    assert!(error.message(Lang::Fr).contains("Grace Hopper"));
}
