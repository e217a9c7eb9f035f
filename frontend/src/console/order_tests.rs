//! Browser tests of the order form's own checks (`cargo xtask test` runs them in headless Chromium with the key
//! module's): the pre-check of a pasted request against the policy (the packaging worker's reading, then the page's
//! verdict), with the fixtures of `shared/tests/fixtures/csr` (their README names the commands that made them), and
//! where an error path is shown.

use shared::api::policy::policy;
use shared::profile::ProfileId;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::order_csr::{OrderCsrReading, verdict};
use super::orders::{belongs, split_list};
use crate::i18n::Lang;

wasm_bindgen_test_configure!(run_in_browser);

/// One pre-check: the request text, and `Ok(key name)` or `Err(a piece of the reason)`.
fn check(name: &str, text: &str, expected: Result<&str, &str>) {
    // 2026-12-02: the policy in force when these expectations were written (caps do not matter here).
    let policy = policy(1_796_000_000);
    let reading = OrderCsrReading::of(text);
    // What the worker sends the page crosses as JSON: it must come back as it was.
    let json = serde_json::to_string(&reading).expect("serializes");
    assert_eq!(serde_json::from_str::<OrderCsrReading>(&json).expect("deserializes"), reading, "{name}");
    let found = verdict(&policy, ProfileId::SmimeOrganizationMultipurpose, &reading, Lang::En);
    match (found, expected) {
        (Ok(key), Ok(expected)) => assert_eq!(key, expected, "{name}"),
        (Err(reason), Err(piece)) => assert!(reason.contains(piece), "{name}: {reason:?} should contain {piece:?}"),
        (found, expected) => panic!("{name}: found {found:?}, expected {expected:?}"),
    }
}

#[wasm_bindgen_test]
fn requests_are_prechecked_against_the_policy() {
    check("P-256", include_str!("../../../shared/tests/fixtures/csr/ec-p256-sha256.csr.pem"), Ok("ECDSA P-256"));
    check(
        "RSA 2048, NEW CERTIFICATE REQUEST label, CRLF",
        include_str!("../../../shared/tests/fixtures/csr/rsa2048-sha256-new-label-crlf.csr.pem"),
        Ok("RSA 2048"),
    );
    check("RSA 1024", include_str!("../../../shared/tests/fixtures/csr/rsa1024-sha256.csr.pem"), Err("1024"));
    check("not a request", include_str!("../../../shared/tests/fixtures/csr/garbage.txt"), Err("cannot be used"));
    check("empty", "", Err("cannot be used"));
}

#[wasm_bindgen_test]
fn errors_belong_to_their_field_and_lists_split() {
    for (field, path, expected) in [
        ("recipients[1].email", "recipients[1].email", true),
        ("recipients[1].dns_names[0]", "recipients[1].dns_names", true),
        ("validity.days", "validity", true),
        ("recipients[10].email", "recipients[1]", false),
        ("recipients[1].email", "recipients[1].e", false),
        ("notification_emails[2]", "notification_emails", true),
    ] {
        assert_eq!(belongs(field, path), expected, "{field} at {path}");
    }
    assert_eq!(split_list(" a@example.com,\nb@example.com ;; "), ["a@example.com", "b@example.com"]);
    assert!(split_list(" \n, ").is_empty());
}
