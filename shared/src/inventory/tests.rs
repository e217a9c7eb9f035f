//! The inventory's rules as tables: the state of a certificate from its facts and the instant, the expiry filters,
//! the entity tag and `If-None-Match`, and the CSV writer (escaping and formula neutralization).

use super::*;

const DAY: i64 = 86_400;
const END: i64 = 1_900_000_000;

fn facts() -> Facts {
    Facts { not_after: END, revocation_reason: None, replaced: false, installed: false, picked_up: false }
}

/// One state case: the facts, the instant, the state expected.
fn check(case: &str, facts: Facts, now: i64, expected: CertificateState) {
    assert_eq!(state(&facts, now), expected, "{case}");
}

#[test]
fn states_by_precedence() {
    let revoked = |reason| Facts { revocation_reason: Some(reason), ..facts() };
    let cases = [
        ("fresh", facts(), END - 10 * DAY, CertificateState::Issued),
        ("picked up", Facts { picked_up: true, ..facts() }, END - DAY, CertificateState::Downloaded),
        (
            "installed beats downloaded",
            Facts { installed: true, picked_up: true, ..facts() },
            END - DAY,
            CertificateState::Installed,
        ),
        ("valid through its last second", facts(), END, CertificateState::Issued),
        ("expired one second after", facts(), END + 1, CertificateState::Expired),
        ("expired beats downloaded", Facts { picked_up: true, ..facts() }, END + DAY, CertificateState::Expired),
        ("replaced", Facts { replaced: true, picked_up: true, ..facts() }, END - DAY, CertificateState::Superseded),
        ("replaced beats expired", Facts { replaced: true, ..facts() }, END + DAY, CertificateState::Superseded),
        ("revoked", revoked(RevocationReason::KeyCompromise), END - DAY, CertificateState::Revoked),
        ("revoked beats expired", revoked(RevocationReason::Unspecified), END + DAY, CertificateState::Revoked),
        (
            "revoked beats replaced",
            Facts { replaced: true, ..revoked(RevocationReason::CessationOfOperation) },
            END - DAY,
            CertificateState::Revoked,
        ),
        ("revoked as superseded", revoked(RevocationReason::Superseded), END - DAY, CertificateState::Superseded),
        (
            "revoked as superseded, expired",
            revoked(RevocationReason::Superseded),
            END + DAY,
            CertificateState::Superseded,
        ),
    ];
    for (case, facts, now, expected) in cases {
        check(case, facts, now, expected);
    }
    let names: Vec<&str> = CertificateState::ALL.iter().map(|state| state.as_str()).collect();
    assert_eq!(names, ["issued", "downloaded", "installed", "superseded", "revoked", "expired"]);
    for state in CertificateState::ALL {
        assert_eq!(serde_json::to_value(state).expect("serializes"), serde_json::json!(state.as_str()));
    }
}

#[test]
fn pickup_kinds_round_trip() {
    for kind in PickupKind::ALL {
        assert_eq!(PickupKind::parse(kind.as_str()), Some(kind));
        assert_eq!(serde_json::to_value(kind).expect("serializes"), serde_json::json!(kind.as_str()));
    }
    assert_eq!(PickupKind::parse("saved"), None);
}

#[test]
fn expiry_filters() {
    let cases = [
        ("7", Some((ExpiringWithin::Days7, (END, END + 7 * DAY)))),
        ("30", Some((ExpiringWithin::Days30, (END, END + 30 * DAY)))),
        (" 90 ", Some((ExpiringWithin::Days90, (END, END + 90 * DAY)))),
        ("14", None),
        ("", None),
        ("-7", None),
    ];
    for (text, expected) in cases {
        let actual = ExpiringWithin::parse(text).map(|filter| (filter, filter.window(END)));
        assert_eq!(actual, expected, "{text:?}");
    }
}

#[test]
fn entity_tags() {
    let tag = entity_tag(b"certificate", &[b"issuing", b"root"], "pem");
    assert!(tag.starts_with('"') && tag.ends_with("-pem\"") && tag.len() == 2 + 64 + 4, "{tag}");
    // Stable for the same bytes; any change of certificate, chain, split or representation changes it.
    assert_eq!(entity_tag(b"certificate", &[b"issuing", b"root"], "pem"), tag);
    for (case, other) in [
        ("another certificate", entity_tag(b"certificatf", &[b"issuing", b"root"], "pem")),
        ("another chain", entity_tag(b"certificate", &[b"issuing", b"roo7"], "pem")),
        ("the same bytes split otherwise", entity_tag(b"certificateissuing", &[b"root"], "pem")),
        ("another representation", entity_tag(b"certificate", &[b"issuing", b"root"], "json")),
    ] {
        assert_ne!(other, tag, "{case}");
    }
    let cases = [
        (tag.clone(), true),
        (format!("W/{tag}"), true),
        (format!("\"other\", {tag}"), true),
        ("*".to_owned(), true),
        ("\"other\"".to_owned(), false),
        (tag.trim_matches('"').to_owned(), false),
        (String::new(), false),
    ];
    for (header, expected) in cases {
        assert_eq!(if_none_match(&header, &tag), expected, "{header:?}");
    }
}

#[test]
fn csv_fields() {
    let cases = [
        ("plain", "plain"),
        ("", ""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("carriage\rreturn", "\"carriage\rreturn\""),
        ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
        ("+1", "\"'+1\""),
        ("-1+2", "\"'-1+2\""),
        ("@SUM(A1)", "\"'@SUM(A1)\""),
        ("\tTAB", "\"'\tTAB\""),
        ("\r=1", "\"'\r=1\""),
        ("a=b", "a=b"),
        ("it's", "it's"),
        ("ada@example.com", "ada@example.com"),
    ];
    for (value, expected) in cases {
        assert_eq!(csv_field(value), expected, "{value:?}");
    }
}

#[test]
fn csv_documents() {
    let document = csv_document(
        &["serial", "subject"],
        [vec!["01".to_owned(), "=cmd|' /C calc'!A0".to_owned()], vec!["02".to_owned(), "a,\"b\"\nc".to_owned()]],
    );
    assert_eq!(document, "serial,subject\r\n01,\"'=cmd|' /C calc'!A0\"\r\n02,\"a,\"\"b\"\"\nc\"\r\n");
    assert_eq!(csv_document(&["only"], Vec::<Vec<String>>::new()), "only\r\n");
}
