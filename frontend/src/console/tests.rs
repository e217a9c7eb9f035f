//! Browser tests of the console's password handling, in real Chromium (`cargo xtask test` runs them with the key
//! module's): the key WebCrypto derives equals the one the end-to-end harness derives with Node's PBKDF2 (the
//! scheme of `shared::account`), a typed password is told temporary or chosen by its form, and a new password is
//! checked in the page with the field and code the forms show.

use shared::account::TemporaryPassword;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::attention_texts::threshold_label;
use super::password::check_chosen;
use super::secret::{TypedPassword, account_address, password_key};
use crate::i18n::Lang;

wasm_bindgen_test_configure!(run_in_browser);

/// Keys computed with Node: `pbkdf2Sync(password, "keyward/password/v1\0" + address, 600000, 32, "sha256")`,
/// base64url (`passwordKey` in `tests/e2e/harness.mjs`).
const KEYS: &[(&str, &str, &str)] = &[
    ("ada@acme.example", "correct horse battery staple", "e83H4lQaFdbhsJHNqMvzG9WVjki-Tlafeu67tfg7LuQ"),
    // The address as typed: the Worker trims and lower-cases it, and so does the salt.
    (" Ada@ACME.example ", "correct horse battery staple", "e83H4lQaFdbhsJHNqMvzG9WVjki-Tlafeu67tfg7LuQ"),
    // A password beyond ASCII goes in as UTF-8.
    ("zoe@exemple.fr", "mot de passe très secret ✓", "WvX6A97W1no29-As_8ZaMKXbg6jZD29r9GTRp99sskM"),
];

#[wasm_bindgen_test]
async fn webcrypto_derives_the_harness_key() {
    for (email, password, expected) in KEYS {
        let key = password_key(email, password).await.expect("WebCrypto derives a key");
        assert_eq!(key, *expected, "{email:?} / {password:?}");
    }
    assert_ne!(
        password_key("ada@acme.example", "correct horse battery staplf").await.expect("derived"),
        KEYS[0].2,
        "another password, another key"
    );
}

#[wasm_bindgen_test]
fn addresses_are_salted_as_the_worker_looks_them_up() {
    assert_eq!(account_address("  Bob@Acme.Example\t"), "bob@acme.example");
    assert_eq!(account_address("bob@acme.example"), "bob@acme.example");
}

#[wasm_bindgen_test]
fn typed_passwords_are_told_apart_by_form() {
    let temporary = TemporaryPassword::from_random([0x5A; 20]).as_str().to_owned();
    let careless = temporary.to_lowercase().replace('-', " ");
    for (typed, is_temporary) in [
        (temporary.as_str(), true),
        (careless.as_str(), true),
        (&temporary[..temporary.len() - 1], false),
        ("correct horse battery staple", false),
        ("", false),
    ] {
        match TypedPassword::recognize(typed) {
            // Sent as typed: the Worker recognizes the form itself.
            TypedPassword::Temporary(sent) => assert!(is_temporary && sent == typed, "{typed:?}"),
            TypedPassword::Chosen(kept) => assert!(!is_temporary && kept == typed, "{typed:?}"),
        }
    }
}

/// Checks one new password and its confirmation: `None` when accepted, else the code and the field.
fn check(password: &str, confirmation: &str, expected: Option<(&str, &str)>) {
    for lang in [Lang::En, Lang::Fr] {
        let result = check_chosen(password, confirmation, lang);
        let found = result.as_ref().err().map(|error| (error.code.as_str(), error.field.as_deref().unwrap_or("")));
        assert_eq!(found, expected, "{password:?} / {confirmation:?} in {lang:?}");
        if let Err(error) = result {
            assert!(!error.message.is_empty());
        }
    }
}

#[wasm_bindgen_test]
fn new_passwords_are_checked_in_the_page() {
    let temporary = TemporaryPassword::from_random([7; 20]).as_str().to_owned();
    let long = "correct horse battery staple ".repeat(10);
    check("a password Bob chose himself", "a password Bob chose himself", None);
    // The account's rules first: at least 12 characters (the bundle meter alone would take 10), at most 256, and
    // never the temporary form.
    check("vq8!Lm2#Rz7p", "vq8!Lm2#Rz7p", None);
    check("vq8!Lm2#Rz7", "vq8!Lm2#Rz7", Some(("password_too_short", "password")));
    check(&long, &long, Some(("password_too_long", "password")));
    check(&temporary, &temporary, Some(("password_looks_temporary", "password")));
    // Then the strength estimate, then the confirmation.
    check("password1234", "password1234", Some(("password_too_weak", "password")));
    check(
        "a password Bob chose himself",
        "a password Bob chose himselF",
        Some(("password_mismatch", "password_confirmation")),
    );
}

#[wasm_bindgen_test]
fn every_reminder_threshold_reads_as_words() {
    // Every code `shared::expiry` has, in both languages; an unknown code is shown as is.
    let cases: &[(&str, &str, &str)] = &[
        ("90_days_before", "90 days before", "90 jours avant"),
        ("1_days_before", "1 day before", "1 jour avant"),
        ("day_of", "The day it ends", "Le jour de l’expiration"),
        ("7_days_after", "7 days after", "7 jours après"),
        ("1_days_after", "1 day after", "1 jour après"),
        ("fortnight", "fortnight", "fortnight"),
    ];
    for (code, english, french) in cases {
        assert_eq!(threshold_label(Lang::En, code), *english, "{code}");
        assert_eq!(threshold_label(Lang::Fr, code), *french, "{code}");
    }
    for threshold in shared::expiry::THRESHOLDS {
        let code = threshold.code();
        assert_ne!(threshold_label(Lang::En, &code), code, "{code} has words");
        assert_ne!(threshold_label(Lang::Fr, &code), code, "{code} has words");
    }
}
