//! Tests of `shared::lint::pkilint` on real answers of pkilint's REST API (`fixtures/pkilint/`, see its
//! README.md for the commands that made them): every severity mapped, codes and places kept, what is not a report
//! refused, and each profile sent to the linter that judges it.

use std::fs;
use std::path::PathBuf;

use shared::lint::pkilint::{self, ReportError};
use shared::lint::{Finding, Linter, Severity, has_errors};
use shared::profile::ProfileId;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pkilint").join(name);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Reads the report `name` and compares its findings, as (severity, code, message), with `expected`.
fn check(name: &str, expected: &[(Severity, &str, &str)]) {
    let findings = pkilint::findings(&fixture(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
    let found: Vec<(Severity, &str, &str)> =
        findings.iter().map(|finding| (finding.severity, finding.code.as_str(), finding.message.as_str())).collect();
    assert_eq!(found, expected, "{name}");
    assert!(findings.iter().all(|finding| finding.linter == Linter::Pkilint), "{name}");
}

const KEY_IDENTIFIER: &str =
    "SubjectKeyIdentifierValidator @ certificate.tbsCertificate.extensions.5.extnValue.subjectKeyIdentifier";

#[test]
fn info_is_a_notice() {
    check(
        "smime-mailbox-strict.json",
        &[(Severity::Notice, "pkix.subject_key_identifier_method_1_identified", KEY_IDENTIFIER)],
    );
    check("workstation.json", &[(Severity::Notice, "pkix.subject_key_identifier_method_1_identified", KEY_IDENTIFIER)]);
}

#[test]
fn notice_is_a_notice() {
    check(
        "smime-unknown-key-identifier.json",
        &[(Severity::Notice, "pkix.unknown_subject_key_identifier_calculation_method", KEY_IDENTIFIER)],
    );
}

#[test]
fn error_and_warning_keep_their_place_and_message() {
    let expected = [
        (
            Severity::Warning,
            "pkix.certificate_skid_end_entity_missing",
            "SubjectKeyIdentifierPresenceValidator @ certificate",
        ),
        (
            Severity::Error,
            "cabf.smime.prohibited_eku_present",
            "AllowedExtendedKeyUsageValidator @ certificate.tbsCertificate.extensions.5.extnValue.extKeyUsageSyntax: \
             Prohibited EKU(s) present: 1.3.6.1.5.5.7.3.1",
        ),
    ];
    check("smime-server-auth-eku.json", &expected);
    // The route that detects the linter adds {"linter": {"name": ...}}; the findings are the same.
    check("smime-server-auth-eku.detected.json", &expected);
}

#[test]
fn the_tls_linter_report() {
    check(
        "server-auth-ov.json",
        &[
            (
                Severity::Warning,
                "cabf.serverauth.certificate_validity_period_exceeds_199_days",
                "SubscriberValidityPeriodValidator @ certificate.tbsCertificate.validity.notBefore: Validity period \
                 of 199 days, 0:00:01 exceeds maximum value of 199 days, 0:00:00",
            ),
            (
                Severity::Error,
                "cabf.serverauth.subscriber_stateprovince_and_locality_missing",
                "IdentityCertificateStateProvinceAndLocalityPresenceValidator @ certificate.tbsCertificate.subject",
            ),
            (
                Severity::Warning,
                "cabf.serverauth.ov.common_name_attribute_present",
                "OvSubscriberAttributeAllowanceValidator @ certificate.tbsCertificate.subject.rdnSequence",
            ),
            (Severity::Notice, "pkix.subject_key_identifier_method_1_identified", KEY_IDENTIFIER),
            (
                Severity::Warning,
                "cabf.serverauth.subscriber.subject_key_identifier_extension_present",
                "SubscriberExtensionAllowanceValidator @ certificate.tbsCertificate.extensions",
            ),
        ],
    );
}

#[test]
fn fatal_is_an_error() {
    let findings = pkilint::findings(&fixture("workstation-malformed-san.json")).expect("a report");
    assert_eq!(findings[0].severity, Severity::Error);
    assert_eq!(findings[0].code, "itu.invalid_asn1_syntax");
    assert!(
        findings[0].message.starts_with(
            "ExtensionsDecodingValidator @ certificate.tbsCertificate.extensions.7: ASN.1 decoding failure occurred"
        ),
        "{}",
        findings[0].message
    );
    assert!(has_errors(&findings));
}

#[test]
fn only_errors_refuse() {
    for (name, refuses) in [
        ("smime-mailbox-strict.json", false),
        ("smime-unknown-key-identifier.json", false),
        ("workstation.json", false),
        ("smime-server-auth-eku.json", true),
        ("server-auth-ov.json", true),
        ("workstation-malformed-san.json", true),
    ] {
        assert_eq!(has_errors(&pkilint::findings(&fixture(name)).expect("a report")), refuses, "{name}");
    }
}

#[test]
fn an_empty_report_has_no_findings() {
    assert_eq!(pkilint::findings(r#"{"results":[]}"#), Ok(Vec::<Finding>::new()));
    assert_eq!(
        pkilint::findings(r#"{"results":[{"validator":"V","node_path":"certificate","finding_descriptions":[]}]}"#),
        Ok(Vec::new())
    );
}

/// What is not a report is refused with the code `lint_report_unreadable`, never read as "no findings".
#[test]
fn what_is_not_a_report_is_refused() {
    for (name, text) in [
        ("the 422 body of an undetectable type", fixture("workstation.smime-unprocessable.json")),
        ("a 404 body", r#"{"detail":"Linter with the specified name does not exist"}"#.to_owned()),
        ("not JSON", "Internal Server Error".to_owned()),
        ("empty", String::new()),
        ("results not a list", r#"{"results":{}}"#.to_owned()),
        ("no code", r#"{"results":[{"validator":"V","node_path":"p","finding_descriptions":[{"severity":"ERROR","message":null}]}]}"#.to_owned()),
        ("no finding list", r#"{"results":[{"validator":"V","node_path":"p"}]}"#.to_owned()),
    ] {
        let error = pkilint::findings(&text).expect_err(name);
        assert!(matches!(error, ReportError::Unreadable { .. }), "{name}: {error:?}");
        assert_eq!(error.code(), "lint_report_unreadable", "{name}");
    }
}

#[test]
fn an_unknown_severity_is_refused() {
    let text = r#"{"results":[{"validator":"V","node_path":"p","finding_descriptions":[{"severity":"SEVERE","code":"x.y","message":null}]}]}"#;
    let error = pkilint::findings(text).expect_err("unknown severity");
    assert_eq!(error, ReportError::SeverityUnknown { severity: "SEVERE".to_owned(), code: "x.y".to_owned() });
    assert_eq!(error.code(), "lint_report_severity_unknown");
    assert!(error.to_string().contains("SEVERE"));
    // Severities are pkilint's upper-case names exactly.
    assert!(pkilint::findings(&text.replace("SEVERE", "error")).is_err());
}

#[test]
fn each_profile_goes_to_its_linter() {
    for (profile, route) in [
        (ProfileId::SmimeMailboxStrict, "certificate/cabf-smime/MAILBOX-STRICT"),
        (ProfileId::SmimeMailboxMultipurpose, "certificate/cabf-smime/MAILBOX-MULTIPURPOSE"),
        (ProfileId::SmimeOrganizationStrict, "certificate/cabf-smime/ORGANIZATION-STRICT"),
        (ProfileId::SmimeOrganizationMultipurpose, "certificate/cabf-smime/ORGANIZATION-MULTIPURPOSE"),
        (ProfileId::SmimeSponsorStrict, "certificate/cabf-smime/SPONSORED-STRICT"),
        (ProfileId::SmimeSponsorMultipurpose, "certificate/cabf-smime/SPONSORED-MULTIPURPOSE"),
        (ProfileId::ClientAuthWorkstation, "certificate/pkix/certificate"),
        (ProfileId::ServerAuth, "certificate/cabf-serverauth/OV-FINAL-CERTIFICATE"),
    ] {
        assert_eq!(pkilint::route(profile.profile()), route, "{profile:?}");
    }
}

/// The S/MIME linter named for a profile is the one pkilint detects from the profile's policy OID
/// (`2.23.140.1.5.<level>.<generation>`: levels 1 mailbox, 2 organization, 3 sponsored; generations 2
/// multipurpose, 3 strict).
#[test]
fn the_smime_linter_matches_the_policy_oid() {
    for id in ProfileId::ALL {
        let profile = id.profile();
        let Some(rest) = profile.policy_oids.iter().find_map(|oid| oid.strip_prefix("2.23.140.1.5.")) else {
            assert!(!pkilint::route(profile).contains("cabf-smime"), "{id:?}");
            continue;
        };
        let (level, generation) = rest.split_once('.').expect("level.generation");
        let level = ["MAILBOX", "ORGANIZATION", "SPONSORED"][level.parse::<usize>().expect("a number") - 1];
        let generation = ["LEGACY", "MULTIPURPOSE", "STRICT"][generation.parse::<usize>().expect("a number") - 1];
        assert_eq!(pkilint::route(profile), format!("certificate/cabf-smime/{level}-{generation}"), "{id:?}");
    }
}

#[test]
fn the_endpoint_joins_the_base_url() {
    let profile = ProfileId::ServerAuth.profile();
    for base in ["http://127.0.0.1:8911", "http://127.0.0.1:8911/"] {
        assert_eq!(
            pkilint::endpoint(base, profile),
            "http://127.0.0.1:8911/certificate/cabf-serverauth/OV-FINAL-CERTIFICATE"
        );
    }
    assert_eq!(
        pkilint::endpoint("https://lint.example.com/pkilint/", profile),
        "https://lint.example.com/pkilint/certificate/cabf-serverauth/OV-FINAL-CERTIFICATE"
    );
}

#[test]
fn the_request_body_carries_the_der_in_base64() {
    assert_eq!(pkilint::request_body(&[0x30, 0x03, 0x02, 0x01, 0xff]), r#"{"b64":"MAMCAf8="}"#);
}
