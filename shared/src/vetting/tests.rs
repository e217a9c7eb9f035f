//! Table tests of the vetting rules: every refusal names its field and code; the status read from records.

use super::*;

const NOW: i64 = 1_796_169_600; // 2026-12-02T00:00:00Z
const CREATED: i64 = NOW - 86_400;
const APPLICANT: Applicant<'static> = Applicant { identifier: "NTRGB-12345678", created_at: CREATED };

/// A complete, valid decision to validate.
fn validated() -> VettingForm {
    VettingForm {
        decision: Some(Decision::Validated),
        source_name: "Companies House".into(),
        source_reference: "https://find-and-update.company-information.service.gov.uk/company/12345678".into(),
        registration_number: "12345678".into(),
        call_phone: "+44 20 7946 0000".into(),
        call_phone_source: "The company's website, contact page".into(),
        call_spoke_with: "Alice Smith, company secretary".into(),
        call_at: Some(NOW - 3600),
        message: String::new(),
        notes: String::new(),
    }
}

/// Checks `form`: `Ok(())` expected as `[]`, else the (field, code) pairs in order.
fn check(form: VettingForm, expected: &[(&str, &str)]) {
    let got: Vec<(String, &str)> = match form.check(APPLICANT, NOW) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|error| (error.field, error.code)).collect(),
    };
    let expected: Vec<(String, &str)> = expected.iter().map(|(field, code)| ((*field).to_owned(), *code)).collect();
    assert_eq!(got, expected, "{form:?}");
}

/// A case: its name, the form, and the (field, code) pairs expected.
type Case = (&'static str, VettingForm, Vec<(&'static str, &'static str)>);

#[test]
fn vetting_form_rules() {
    let blank_everything = VettingForm { decision: Some(Decision::Validated), ..VettingForm::default() };
    let cases: Vec<Case> = vec![
        ("complete", validated(), vec![]),
        (
            "number typed with the whole identifier",
            VettingForm { registration_number: "ntrgb 1234-5678".into(), ..validated() },
            vec![],
        ),
        (
            "a reference that is not a URL",
            VettingForm { source_reference: "Extract no. 2026-11-30/884".into(), ..validated() },
            vec![],
        ),
        ("no decision", VettingForm { decision: None, ..validated() }, vec![("decision", "value_blank")]),
        (
            "validated with nothing",
            blank_everything,
            vec![
                ("source_name", "value_blank"),
                ("source_reference", "value_blank"),
                ("registration_number", "value_blank"),
                ("call_phone", "phone_empty"),
                ("call_phone_source", "value_blank"),
                ("call_spoke_with", "value_blank"),
                ("call_at", "value_blank"),
            ],
        ),
        (
            "blank spoken with",
            VettingForm { call_spoke_with: "  ".into(), ..validated() },
            vec![("call_spoke_with", "value_blank")],
        ),
        (
            "http source",
            VettingForm { source_reference: "http://register.example/12345678".into(), ..validated() },
            vec![("source_reference", "source_url_not_https")],
        ),
        (
            "ftp source",
            VettingForm { source_reference: "ftp://register.example/x".into(), ..validated() },
            vec![("source_reference", "source_url_not_https")],
        ),
        (
            "https without host",
            VettingForm { source_reference: "https:///x".into(), ..validated() },
            vec![("source_reference", "source_url_not_https")],
        ),
        (
            "another number",
            VettingForm { registration_number: "87654321".into(), ..validated() },
            vec![("registration_number", "registration_number_mismatch")],
        ),
        (
            "national phone",
            VettingForm { call_phone: "020 7946 0000".into(), ..validated() },
            vec![("call_phone", "phone_not_international")],
        ),
        (
            "call in the future",
            VettingForm { call_at: Some(NOW + 60), ..validated() },
            vec![("call_at", "call_in_future")],
        ),
        (
            "call before the application",
            VettingForm { call_at: Some(CREATED - 1), ..validated() },
            vec![("call_at", "call_before_application")],
        ),
        ("call at this instant", VettingForm { call_at: Some(NOW), ..validated() }, vec![]),
        (
            "long source name",
            VettingForm { source_name: "x".repeat(FIELD_MAXIMUM_LENGTH + 1), ..validated() },
            vec![("source_name", "value_too_long")],
        ),
        (
            "invisible character",
            VettingForm { call_spoke_with: "Alice\u{202e}".into(), ..validated() },
            vec![("call_spoke_with", "value_invisible_character")],
        ),
        (
            "rejected without evidence or reason",
            VettingForm { decision: Some(Decision::Rejected), ..VettingForm::default() },
            vec![("message", "value_blank")],
        ),
        (
            "rejected with a reason only",
            VettingForm {
                decision: Some(Decision::Rejected),
                message: "Dissolved in 2024".into(),
                ..VettingForm::default()
            },
            vec![],
        ),
        (
            "rejected with partial evidence",
            VettingForm {
                decision: Some(Decision::Rejected),
                message: "Dissolved".into(),
                source_name: "Companies House".into(),
                ..VettingForm::default()
            },
            vec![
                ("source_reference", "value_blank"),
                ("registration_number", "value_blank"),
                ("call_phone", "phone_empty"),
                ("call_phone_source", "value_blank"),
                ("call_spoke_with", "value_blank"),
                ("call_at", "value_blank"),
            ],
        ),
        (
            "question without text",
            VettingForm {
                decision: Some(Decision::InformationRequested),
                message: " ".into(),
                ..VettingForm::default()
            },
            vec![("message", "value_blank")],
        ),
        (
            "long question",
            VettingForm {
                decision: Some(Decision::InformationRequested),
                message: "?".repeat(MESSAGE_MAXIMUM_LENGTH + 1),
                ..VettingForm::default()
            },
            vec![("message", "value_too_long")],
        ),
    ];
    for (name, form, expected) in cases {
        eprintln!("case: {name}");
        check(form, &expected);
    }
}

#[test]
fn checked_vetting_is_trimmed_and_normalised() {
    let checked =
        VettingForm { call_spoke_with: " Alice ".into(), ..validated() }.check(APPLICANT, NOW).expect("valid");
    let evidence = checked.evidence.expect("validated carries evidence");
    assert_eq!((evidence.call_phone.as_str(), evidence.call_spoke_with.as_str()), ("+442079460000", "Alice"));
    let rejected = VettingForm { decision: Some(Decision::Rejected), message: " No ".into(), ..VettingForm::default() };
    let checked = rejected.check(APPLICANT, NOW).expect("valid");
    assert_eq!((checked.evidence, checked.message.as_str()), (None, "No"));
}

#[test]
fn registration_numbers() {
    for (identifier, found, matches) in [
        ("NTRGB-12345678", "12345678", true),
        ("NTRGB-12345678", "NTRGB-12345678", true),
        ("NTRFR-RCS PARIS 552 081 317", "552081317", false),
        ("NTRFR-RCS PARIS 552 081 317", "rcs paris 552 081 317", true),
        ("LEIXG-5493001KJTIIGC8Y1R12", "5493 001K JTII GC8Y 1R12", true),
        ("NTRGB-12345678", "1234567", false),
        ("NTRGB-12345678", "", false),
        ("NTRGB-12345678", "---", false),
    ] {
        assert_eq!(registration_number_matches(identifier, found), matches, "{identifier} / {found}");
    }
}

#[test]
fn answers() {
    assert_eq!(check_answer("  Here is our extract.  "), Ok("Here is our extract.".to_owned()));
    let codes = |text: &str| check_answer(text).unwrap_err().into_iter().map(|error| error.code).collect::<Vec<_>>();
    assert_eq!(codes(" "), ["value_blank"]);
    assert_eq!(codes(&"a".repeat(MESSAGE_MAXIMUM_LENGTH + 1)), ["value_too_long"]);
}

#[test]
fn status_from_records() {
    let decision = |decision, message: &str, at| Record::Decision { decision, message: message.into(), at };
    let cases: Vec<(&str, Option<i64>, Vec<Record>, VettingStatus)> = vec![
        ("new", None, vec![], VettingStatus::Waiting { since: CREATED }),
        (
            "validated",
            Some(NOW + 1),
            vec![decision(Decision::Validated, "", NOW - 5)],
            VettingStatus::Validated { until: NOW + 1 },
        ),
        ("lapsed", Some(NOW), vec![decision(Decision::Validated, "", NOW - 5)], VettingStatus::Waiting { since: NOW }),
        (
            "rejected",
            None,
            vec![decision(Decision::Rejected, "Dissolved", NOW - 5)],
            VettingStatus::Rejected { reason: "Dissolved".into(), at: NOW - 5 },
        ),
        (
            "asked",
            None,
            vec![decision(Decision::InformationRequested, "Which address?", NOW - 5)],
            VettingStatus::InformationRequested { question: "Which address?".into(), at: NOW - 5 },
        ),
        (
            "answered",
            None,
            vec![decision(Decision::InformationRequested, "Which address?", NOW - 5), Record::Answer { at: NOW - 2 }],
            VettingStatus::Waiting { since: NOW - 2 },
        ),
        (
            "answered in the same second, listed after",
            None,
            vec![decision(Decision::Rejected, "No", NOW - 5), Record::Answer { at: NOW - 5 }],
            VettingStatus::Waiting { since: NOW - 5 },
        ),
        (
            "asked again after the answer (records in any order)",
            None,
            vec![Record::Answer { at: NOW - 2 }, decision(Decision::InformationRequested, "And the phone?", NOW - 1)],
            VettingStatus::InformationRequested { question: "And the phone?".into(), at: NOW - 1 },
        ),
    ];
    for (name, until, records, expected) in cases {
        assert_eq!(status(CREATED, until, &records, NOW), expected, "{name}");
    }
}

#[test]
fn decisions_round_trip() {
    for decision in [Decision::Validated, Decision::Rejected, Decision::InformationRequested] {
        assert_eq!(Decision::parse(decision.as_str()), Some(decision));
        assert_eq!(serde_json::to_value(decision).expect("serializes"), decision.as_str());
    }
    assert_eq!(Decision::parse("approved"), None);
}
