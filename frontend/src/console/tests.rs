//! Browser tests of the console's password handling, in real Chromium (`cargo xtask test` runs them with the key
//! module's): the key WebCrypto derives equals the one the end-to-end harness derives with Node's PBKDF2 (the
//! scheme of `shared::account`), a typed password is told temporary or chosen by its form, and a new password is
//! checked in the page with the field and code the forms show; `public/boot.js` sends every console page's path to
//! a bundle that renders it.

use shared::account::TemporaryPassword;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::Section;
use super::attention_texts::threshold_label;
use super::pages::{self, Page};
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

/// The console's map in `public/boot.js`: (path prefix, bundle name), as written between `const CONSOLE = [`
/// and `];`.
fn boot_map() -> Vec<(&'static str, &'static str)> {
    let boot = include_str!("../../../public/boot.js");
    let start = boot.find("const CONSOLE = [").expect("boot.js has the console's map");
    let table = &boot[start..];
    let table = &table[..table.find("];").expect("the map ends")];
    table
        .split("['")
        .skip(1)
        .map(|entry| {
            let (prefix, rest) = entry.split_once("', '").expect("an entry is ['prefix', 'bundle']");
            let (name, _) = rest.split_once('\'').expect("the bundle's name is quoted");
            (prefix, name)
        })
        .collect()
}

/// The bundle `boot.js` picks for a path, as it picks it: the longest prefix that is the path or a whole-segment
/// start of it (for a prefix ending in `/`, that starts it and has more after it); `None` for the recipient's
/// bundle.
fn picked(map: &[(&'static str, &'static str)], path: &str) -> Option<&'static str> {
    let below = |prefix: &str| match path.strip_prefix(prefix) {
        Some(rest) if prefix.ends_with('/') => !rest.is_empty(),
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    };
    map.iter().filter(|(prefix, _)| below(prefix)).max_by_key(|(prefix, _)| prefix.len()).map(|(_, name)| *name)
}

/// A path of every console page. The match has no wildcard: a new section does not compile until it is given a
/// path here, and the test below then checks that `boot.js` sends it to a bundle that renders it.
fn example_path(page: Page) -> &'static str {
    match page {
        Page::Login => "/login",
        Page::ResetRequest => "/reset",
        Page::ResetLink => "/reset/token",
        Page::Signup => "/signup",
        Page::SignupLink => "/signup/token",
        Page::ValidationLink => "/validate/token",
        Page::Console(section) => match section {
            Section::Order => "/console/orders/ORD-1",
            Section::DeviceRequest => "/console/device-requests/DR-1",
            Section::AdminDeviceRequest => "/console/admin/device-requests/DR-1",
            Section::Attention
            | Section::Account
            | Section::Users
            | Section::ApiKeys
            | Section::Password
            | Section::Orders
            | Section::NewOrder
            | Section::Organizations
            | Section::Domains
            | Section::Mailboxes
            | Section::Certificates
            | Section::AdminCertificates
            | Section::Activity
            | Section::AdminAudit
            | Section::AdminAccounts
            | Section::AdminBilling
            | Section::AdminVetting
            | Section::Passkeys
            | Section::DeviceRequests
            | Section::AdminDeviceRequests => section.path(),
        },
    }
}

/// Every page (kept beside [`example_path`]'s exhaustive match).
const EVERY_PAGE: &[Page] = &[
    Page::Login,
    Page::ResetRequest,
    Page::ResetLink,
    Page::Signup,
    Page::SignupLink,
    Page::ValidationLink,
    Page::Console(Section::Attention),
    Page::Console(Section::Account),
    Page::Console(Section::Users),
    Page::Console(Section::ApiKeys),
    Page::Console(Section::Password),
    Page::Console(Section::Orders),
    Page::Console(Section::NewOrder),
    Page::Console(Section::Order),
    Page::Console(Section::Organizations),
    Page::Console(Section::Domains),
    Page::Console(Section::Mailboxes),
    Page::Console(Section::Certificates),
    Page::Console(Section::AdminCertificates),
    Page::Console(Section::Activity),
    Page::Console(Section::AdminAudit),
    Page::Console(Section::AdminAccounts),
    Page::Console(Section::AdminBilling),
    Page::Console(Section::AdminVetting),
    Page::Console(Section::Passkeys),
    Page::Console(Section::DeviceRequests),
    Page::Console(Section::AdminDeviceRequests),
    Page::Console(Section::DeviceRequest),
    Page::Console(Section::AdminDeviceRequest),
];

/// Checks one path: it is the page's, and `boot.js` sends it to a bundle whose table renders that page.
fn check_lands(map: &[(&'static str, &'static str)], page: Page, path: &str) {
    assert_eq!(Page::from_path(path), Some(page), "{path} is not the path of {page:?}");
    let name = picked(map, path).unwrap_or_else(|| panic!("boot.js sends {path} ({page:?}) to the recipient's bundle"));
    let (_, bundle) = pages::BUNDLES
        .iter()
        .find(|(known, _)| *known == name)
        .unwrap_or_else(|| panic!("boot.js names {name}, which is no console bundle"));
    assert!(pages::serves(bundle, page), "boot.js sends {path} ({page:?}) to {name}, which does not render it");
}

#[wasm_bindgen_test]
fn every_console_path_lands_on_a_bundle_that_renders_it() {
    let map = boot_map();
    assert!(map.len() >= pages::BUNDLES.len(), "boot.js's map was not read: {map:?}");
    for page in EVERY_PAGE {
        check_lands(&map, *page, example_path(*page));
        // With a trailing slash too, as a typed address may have it.
        if let Page::Console(section) = page
            && !matches!(section, Section::Order | Section::DeviceRequest | Section::AdminDeviceRequest)
        {
            check_lands(&map, *page, &format!("{}/", example_path(*page)));
        }
    }
    // Every page a group renders is among them, and every bundle is reached by some path.
    for (name, bundle) in pages::BUNDLES {
        for page in bundle.iter().flat_map(|group| group.pages) {
            assert!(EVERY_PAGE.contains(page), "{name} renders {page:?}, missing from EVERY_PAGE");
        }
        assert!(map.iter().any(|(_, mapped)| mapped == name), "no path of boot.js leads to {name}");
    }
    // The recipient's paths stay with the recipient's bundle.
    for path in ["/", "/enroll/abc", "/revoke", "/repackage", "/consoles", "/loginx"] {
        assert_eq!(picked(&map, path), None, "{path}");
    }
}
