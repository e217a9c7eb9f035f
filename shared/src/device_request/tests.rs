//! Host tests of the device requests' rules: every status × action, the identifiers, the form and the reason.

use super::*;

/// Checks `transition(from, action)` against `expected` (`Ok(status)` or `Err(code)`).
fn check(from: DeviceStatus, action: DeviceAction, expected: Result<DeviceStatus, &str>) {
    let got = transition(from, action);
    match (&got, expected) {
        (Ok(status), Ok(want)) => assert_eq!(*status, want, "{from:?} × {action:?}"),
        (Err(error), Err(code)) => {
            assert_eq!(error.code(), code, "{from:?} × {action:?}");
            assert!(error.to_string().contains(from.as_str()), "{from:?} × {action:?}: {error}");
        }
        _ => panic!("{from:?} × {action:?}: got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn every_status_and_action() {
    use DeviceAction as A;
    use DeviceStatus as S;
    // One row per status; the columns follow DeviceAction::ALL: approve, reject, cancel, issue, download,
    // install, revoke.
    const PENDING: &str = "device_request_not_pending";
    const NOT_APPROVED: &str = "device_request_not_approved";
    const NOT_ISSUED: &str = "device_request_not_issued";
    const NOT_DOWNLOADED: &str = "device_request_not_downloaded";
    let refusals = [Err(PENDING), Err(PENDING), Err(PENDING)];
    let table: [(S, [Result<S, &str>; 7]); 8] = [
        (
            S::Requested,
            [
                Ok(S::Approved),
                Ok(S::Rejected),
                Ok(S::Cancelled),
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Err(NOT_ISSUED),
            ],
        ),
        (
            S::Approved,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Ok(S::Issued),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Err(NOT_ISSUED),
            ],
        ),
        (
            S::Rejected,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Err(NOT_ISSUED),
            ],
        ),
        (
            S::Cancelled,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Err(NOT_ISSUED),
            ],
        ),
        (
            S::Issued,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Ok(S::Downloaded),
                Err(NOT_DOWNLOADED),
                Ok(S::Revoked),
            ],
        ),
        (
            S::Downloaded,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Ok(S::Installed),
                Ok(S::Revoked),
            ],
        ),
        (
            S::Installed,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Ok(S::Revoked),
            ],
        ),
        (
            S::Revoked,
            [
                refusals[0],
                refusals[1],
                refusals[2],
                Err(NOT_APPROVED),
                Err(NOT_ISSUED),
                Err(NOT_DOWNLOADED),
                Err(NOT_ISSUED),
            ],
        ),
    ];
    // The table covers every status, once.
    assert_eq!(table.map(|(status, _)| status), S::ALL);
    for (from, row) in table {
        for (action, expected) in A::ALL.into_iter().zip(row) {
            check(from, action, expected);
        }
    }
}

#[test]
fn statuses_and_kinds_round_trip() {
    for status in DeviceStatus::ALL {
        assert_eq!(DeviceStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(DeviceStatus::parse("pending"), None);
    for kind in DeviceKind::ALL {
        assert_eq!(DeviceKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(DeviceKind::Workstation.profile(), ProfileId::ClientAuthWorkstation);
    assert_eq!(DeviceKind::Server.profile(), ProfileId::ServerAuth);
}

#[test]
fn request_identifiers() {
    let cases: [(u32, &str); 4] = [
        (0, "DR-0000-00"),
        (0x3fff_ffff, "DR-ZZZZ-ZZ"),
        (0xffff_ffff, "DR-ZZZZ-ZZ"),
        (0b00111_00100_00011_01111_10111_00010, "DR-743F-Q2"),
    ];
    for (random, expected) in cases {
        let id = RequestId::from_random(random);
        assert_eq!(id.as_str(), expected, "{random:#x}");
        assert!(!id.as_str()[3..].contains(['I', 'L', 'O', 'U']), "{id}");
        assert_eq!(RequestId::parse(id.as_str()), Some(id.clone()));
    }
    // How people quote it: any case, without hyphens, O for 0 and I or L for 1.
    let parsed = [
        ("dr-743f-q2", Some("DR-743F-Q2")),
        ("DR743FQ2", Some("DR-743F-Q2")),
        ("743f q2", Some("DR-743F-Q2")),
        ("DR-O0OO-IL", Some("DR-0000-11")),
        ("DR-743F-Q", None),
        ("DR-743F-Q2X", None),
        ("DR-743F-U2", None),
        ("", None),
    ];
    for (text, expected) in parsed {
        assert_eq!(RequestId::parse(text).as_ref().map(RequestId::as_str), expected, "{text}");
    }
}

fn form() -> DeviceRequestForm {
    DeviceRequestForm {
        kind: Some(DeviceKind::Workstation),
        organization_id: "org".into(),
        host_name: "WS-042.Alpha.Example.com".into(),
        dns_names: vec!["ws-042.alpha.example.com".into(), "ws42.alpha.example.com".into()],
        machine_id: Some(" SN-0042 ".into()),
        locality: "Lyon ".into(),
        region: "Auvergne-Rhône-Alpes".into(),
        phone: "+33 4 72 00 00 00".into(),
        description: "Accounting office, 3rd floor: VPN access".into(),
        csr: None,
    }
}

/// Checks the form `changed` against the allowed `kinds`: the codes of its refusals at their fields, or none.
fn check_form_case(changed: DeviceRequestForm, kinds: &[DeviceKind], expected: &[(&str, &str)]) {
    match check_form(&changed, None, kinds) {
        Ok(checked) => assert!(expected.is_empty(), "{changed:?} passed: {checked:?}"),
        Err(errors) => {
            let got: Vec<(&str, &str)> = errors.iter().map(|error| (error.field.as_str(), error.code)).collect();
            assert_eq!(got, expected, "{changed:?}");
        }
    }
}

#[test]
fn the_form() {
    let checked = check_form(&form(), None, &DeviceKind::ALL).expect("a good form");
    assert_eq!(checked.dns_names, ["ws-042.alpha.example.com", "ws42.alpha.example.com"]);
    assert_eq!(checked.machine_id.as_deref(), Some("sn-0042"));
    assert_eq!(checked.locality, "Lyon");
    let both = &DeviceKind::ALL[..];
    let cases: Vec<(DeviceRequestForm, &[DeviceKind], &[(&str, &str)])> = vec![
        (form(), &[DeviceKind::Server], &[("kind", "device_kind_refused")]),
        (DeviceRequestForm { kind: None, ..form() }, both, &[("kind", "device_kind_missing")]),
        (
            DeviceRequestForm { host_name: "not_a.host".into(), ..form() },
            both,
            &[("host_name", "domain_label_character")],
        ),
        (
            DeviceRequestForm { dns_names: vec!["ok.example.com".into(), "-bad.example.com".into()], ..form() },
            both,
            &[("dns_names[1]", "domain_label_hyphen")],
        ),
        (
            DeviceRequestForm { dns_names: vec!["a.example.com".into(); 21], ..form() },
            both,
            &[("dns_names", "dns_names_too_many")],
        ),
        (
            DeviceRequestForm { machine_id: Some("serial/42".into()), ..form() },
            both,
            &[("machine_id", "machine_id_invalid")],
        ),
        (DeviceRequestForm { machine_id: Some("   ".into()), ..form() }, both, &[]),
        (DeviceRequestForm { locality: " ".into(), ..form() }, both, &[("locality", "locality_missing")]),
        (DeviceRequestForm { region: "x".repeat(129), ..form() }, both, &[("region", "region_too_long")]),
        (DeviceRequestForm { region: String::new(), ..form() }, both, &[]),
        (DeviceRequestForm { phone: "call me".into(), ..form() }, both, &[("phone", "phone_invalid")]),
        (DeviceRequestForm { phone: "12345".into(), ..form() }, both, &[("phone", "phone_invalid")]),
        (DeviceRequestForm { description: String::new(), ..form() }, both, &[("description", "description_missing")]),
        (
            DeviceRequestForm { description: "x".repeat(1001), ..form() },
            both,
            &[("description", "description_too_long")],
        ),
        (
            DeviceRequestForm { description: "office\u{200b}".into(), ..form() },
            both,
            &[("description", "value_invisible_character")],
        ),
        (
            DeviceRequestForm {
                csr: Some("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----".into()),
                ..form()
            },
            both,
            &[("csr", "csr_malformed")],
        ),
        (DeviceRequestForm { csr: Some("  ".into()), ..form() }, both, &[]),
        (
            DeviceRequestForm { kind: None, phone: String::new(), description: String::new(), ..form() },
            both,
            &[("kind", "device_kind_missing"), ("phone", "phone_invalid"), ("description", "description_missing")],
        ),
    ];
    for (changed, kinds, expected) in cases {
        check_form_case(changed, kinds, expected);
    }
    // An edit keeps the stored kind whatever the form says, and the account's setting still applies to it.
    let edit = DeviceRequestForm { kind: Some(DeviceKind::Server), ..form() };
    assert_eq!(
        check_form(&edit, Some(DeviceKind::Workstation), both).map(|checked| checked.kind),
        Ok(DeviceKind::Workstation)
    );
}

#[test]
fn reasons() {
    let cases: [(&str, bool, Result<&str, &str>); 5] = [
        ("  Not one of our machines. ", true, Ok("Not one of our machines.")),
        ("", true, Err("reason_missing")),
        ("", false, Ok("")),
        ("\u{202e}evil", true, Err("value_invisible_character")),
        ("", true, Err("reason_missing")),
    ];
    for (reason, required, expected) in cases {
        let got = check_reason(reason, required);
        assert_eq!(
            got.as_deref().map_err(|error| error.code),
            expected.map(str::to_owned).as_deref().map_err(|code| *code),
            "{reason:?}"
        );
    }
    assert_eq!(
        check_reason(&"x".repeat(501), true).map_err(|error| (error.field, error.code)),
        Err(("reason".to_owned(), "reason_too_long"))
    );
}

#[test]
fn what_the_certificate_will_say() {
    let workstation = preview(DeviceKind::Workstation, "Alpha Ltd", "GB");
    assert_eq!((workstation.organization.as_str(), workstation.country.as_str()), ("Alpha Ltd", "GB"));
    assert_eq!(workstation.extended_key_usages, ["clientAuth"]);
    let server = preview(DeviceKind::Server, "Alpha Ltd", "GB");
    assert_eq!(server.extended_key_usages, ["serverAuth"]);
    for view in [&workstation, &server] {
        assert!(view.ec_key_usage.contains(&"digitalSignature".to_owned()), "{view:?}");
        assert!(!view.ec_key_usage.contains(&"keyEncipherment".to_owned()), "{view:?}");
    }
}

#[test]
fn decision_emails_in_the_requesters_language() {
    let id = RequestId::from_random(0x0e41_bee2);
    let cases = [
        (Lang::En, false, "Not one of ours.", ["DR-743F-Q2 rejected", "Not one of ours."]),
        (Lang::Fr, false, "Pas chez nous.", ["DR-743F-Q2 refusée", "Pas chez nous."]),
        (Lang::En, true, "", ["DR-743F-Q2 approved", "was approved"]),
        (Lang::Fr, true, "Bien.", ["DR-743F-Q2 approuvée", "Bien."]),
    ];
    for (lang, approved, reason, expected) in cases {
        let email = decided_email(lang, "ada@example.com", &id, "ws.example.com", approved, reason, "https://k/x");
        let text = format!("{}\n{}", email.subject, email.body);
        assert_eq!(email.lang, lang);
        assert!(email.subject.starts_with(expected[0]), "{text}");
        assert!(
            text.contains(expected[1]) && text.contains("ws.example.com") && text.contains("https://k/x"),
            "{text}"
        );
    }
}
