//! The signup rules, table style: each form field's refusals (code and field), a whole form with every problem
//! at once, the language, the reason, the throttles' policies and `Retry-After`, and the two emails.

use super::*;
use crate::account::Throttle;

/// What a check should give: the text kept, or the refusal's code and field.
enum Expect {
    Kept(&'static str),
    Refused(&'static str, &'static str),
}

fn check(result: Result<String, SignupError>, expect: Expect, case: &str) {
    match (result, expect) {
        (Ok(kept), Expect::Kept(expected)) => assert_eq!(kept, expected, "{case}"),
        (Err(error), Expect::Refused(code, field)) => {
            assert_eq!((error.code(), error.field()), (code, field), "{case}: {error}");
            assert!(!error.to_string().is_empty(), "{case}: a message");
        }
        (Ok(kept), Expect::Refused(code, _)) => panic!("{case}: kept {kept:?}, expected {code}"),
        (Err(error), Expect::Kept(expected)) => panic!("{case}: refused {error:?}, expected {expected:?}"),
    }
}

#[test]
fn organization_names() {
    let long = "x".repeat(ORGANIZATION_NAME_MAXIMUM_LENGTH + 1);
    let longest = "é".repeat(ORGANIZATION_NAME_MAXIMUM_LENGTH);
    let cases: &[(&str, &str, Expect)] = &[
        ("plain", "Example Ltd", Expect::Kept("Example Ltd")),
        ("trimmed", "  Example Ltd \t", Expect::Kept("Example Ltd")),
        ("letters of any script", "Société Générale 株式会社", Expect::Kept("Société Générale 株式会社")),
        ("empty", "", Expect::Refused("value_missing", "organization_name")),
        ("blanks", "   ", Expect::Refused("value_missing", "organization_name")),
        ("too long", &long, Expect::Refused("value_too_long", "organization_name")),
        (
            "bidirectional override",
            "Evil\u{202e}gro",
            Expect::Refused("value_invisible_character", "organization_name"),
        ),
        ("zero width", "Ex\u{200b}ample", Expect::Refused("value_invisible_character", "organization_name")),
        ("newline", "Example\nLtd", Expect::Refused("value_invisible_character", "organization_name")),
    ];
    for (case, input, expect) in cases {
        let expect = match expect {
            Expect::Kept(kept) => Expect::Kept(kept),
            Expect::Refused(code, field) => Expect::Refused(code, field),
        };
        check(check_organization_name(input, "organization_name"), expect, case);
    }
    // Characters are counted, not bytes: 64 two-byte letters pass.
    assert_eq!(check_organization_name(&longest, "organization_name"), Ok(longest.clone()));
}

#[test]
fn person_names_and_reasons() {
    let long_name = "a".repeat(PERSON_NAME_MAXIMUM_LENGTH + 1);
    let long_reason = "a".repeat(REASON_MAXIMUM_LENGTH + 1);
    check(check_person_name("Ada Lovelace", "name"), Expect::Kept("Ada Lovelace"), "name");
    check(check_person_name("", "administrator_name"), Expect::Refused("value_missing", "administrator_name"), "empty");
    check(check_person_name(&long_name, "name"), Expect::Refused("value_too_long", "name"), "long");
    check(check_person_name("Ada\u{feff}", "name"), Expect::Refused("value_invisible_character", "name"), "bom");
    check(check_reason(" The administrator left "), Expect::Kept("The administrator left"), "reason");
    check(check_reason(" "), Expect::Refused("value_missing", "reason"), "no reason");
    check(check_reason(&long_reason), Expect::Refused("value_too_long", "reason"), "long reason");
    check(check_reason("left\u{202e}"), Expect::Refused("value_invisible_character", "reason"), "hidden reason");
}

#[test]
fn addresses_and_languages() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("ada@example.com", Ok("ada@example.com")),
        (" Ada@Example.COM ", Ok("Ada@example.com")),
        ("", Err("email_empty")),
        ("ada", Err("email_no_at")),
        ("ada@éxample.com", Err("email_not_ascii")),
    ];
    for (input, expected) in cases {
        let result = check_address(input, "administrator_email");
        match (result, expected) {
            (Ok(address), Ok(expected)) => assert_eq!(address.as_str(), *expected, "{input:?}"),
            (Err(error), Err(code)) => {
                assert_eq!((error.code(), error.field()), (*code, "administrator_email"), "{input:?}");
            }
            (result, expected) => panic!("{input:?}: {result:?}, expected {expected:?}"),
        }
    }
    assert_eq!(check_lang(None), Ok(Lang::En));
    assert_eq!(check_lang(Some("")), Ok(Lang::En));
    assert_eq!(check_lang(Some("fr")), Ok(Lang::Fr));
    assert_eq!(check_lang(Some("de")), Err(SignupError::LanguageUnknown));
    assert_eq!(SignupError::LanguageUnknown.field(), "lang");
}

#[test]
fn a_form_names_every_problem_at_once() {
    let checked = check_signup(" Example Ltd ", "Ada", "ada@example.com", Some("fr")).expect("a good form");
    assert_eq!(checked.organization_name, "Example Ltd");
    assert_eq!(checked.email.as_str(), "ada@example.com");
    assert_eq!(checked.lang, Lang::Fr);
    let errors = check_signup("", "A\u{202e}", "nope", Some("xx")).expect_err("four problems");
    let named: Vec<(&str, &str)> = errors.iter().map(|error| (error.code(), error.field())).collect();
    assert_eq!(
        named,
        [
            ("value_missing", "organization_name"),
            ("value_invisible_character", "name"),
            ("email_no_at", "email"),
            ("lang_unknown", "lang"),
        ]
    );
}

#[test]
fn throttles_and_retry_after() {
    // (policy, attempts at one instant that pass, the wait after the first refused one)
    let cases = [(SIGNUP_ADDRESS_THROTTLE, 3, 15 * 60), (SIGNUP_CLIENT_THROTTLE, 10, 10 * 60)];
    for (policy, passing, wait) in cases {
        let mut throttle = Throttle::default();
        for attempt in 1..=passing {
            throttle = throttle.reserve(1_000, policy).unwrap_or_else(|_| panic!("attempt {attempt} passes"));
        }
        let refused = throttle.reserve(1_000, policy).expect_err("one more is refused");
        let crate::account::AccountError::Locked { until, scope } = refused else { panic!("{refused:?}") };
        assert_eq!((until - 1_000, scope), (wait, policy.scope));
        let error = SignupError::TooMany { until, scope };
        assert_eq!(error.code(), "too_many_signups");
        assert_eq!(error.retry_after(1_000), Some(wait));
        assert_eq!(error.retry_after(until + 5), Some(1), "never less than a second");
        // Waiting it out lets one more through; a day of quiet forgets the key.
        assert!(throttle.reserve(until, policy).is_ok());
        assert_eq!(throttle.reserve(1_000 + policy.forget_after_seconds, policy).map(|t| t.attempts), Ok(1));
    }
    assert_eq!(SignupError::TooMany { until: 0, scope: ThrottleScope::Address }.field(), "email");
    assert_eq!(SignupError::TooMany { until: 0, scope: ThrottleScope::ClientNetwork }.field(), "client");
    assert_eq!(SignupError::Missing { field: "name" }.retry_after(0), None);
}

#[test]
fn emails() {
    for lang in Lang::ALL {
        let link = signup_link(lang, "ada@example.com", "Ada", "Example Ltd", "https://k/signup/abc", 24);
        assert_eq!(link.to, "ada@example.com");
        assert_eq!(link.lang, lang);
        for part in ["Ada", "Example Ltd", "https://k/signup/abc", "24"] {
            assert!(link.body.contains(part), "{lang:?}: {part}");
        }
        let known = signup_known_address(lang, "ada@example.com", "https://k/login", "https://k/reset");
        assert!(known.body.contains("https://k/login") && known.body.contains("https://k/reset"), "{lang:?}");
        assert!(!known.body.contains("/signup/"), "{lang:?}: no link for a known address");
    }
}
