//! The issuance pipeline, table-driven: each case changes one input of a valid application and names the step
//! and code that must refuse it (or `None`: issued), so every step is shown both to pass and to refuse.

use super::*;
use crate::address::Domain;
use crate::caa::{CaaRecord, LookupFailure, Property, RelevantSet};
use crate::issuance::encode;
use crate::profile::ProfileId;
use der::Decode;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};

const RSA_2048: &str = include_str!("../../../tests/fixtures/csr/rsa2048-sha256.csr.pem");
const RSA_2048_FLIPPED: &str = include_str!("../../../tests/fixtures/csr/rsa2048-sha256-signature-flipped.csr.pem");
const RSA_1024: &str = include_str!("../../../tests/fixtures/csr/rsa1024-sha256.csr.pem");
const EC_P256: &str = include_str!("../../../tests/fixtures/csr/ec-p256-sha256.csr.pem");

/// 2026-12-06 00:00 UTC.
const NOW: i64 = 1_796_515_200;
const DAY: i64 = 86_400;

fn order(email: &str) -> OrderFacts {
    OrderFacts {
        recipient_given_name: Some("Ada".into()),
        recipient_surname: Some("Lovelace".into()),
        recipient_email: email.into(),
        dns_names: Vec::new(),
        organization_name: "Example Org".into(),
        organization_identifier: "NTRGB-12345678".into(),
        organization_country: "GB".into(),
        organization_locality: None,
        organization_state_or_province: None,
        validity_days: 365,
    }
}

fn locations() -> CaLocations {
    CaLocations {
        crl_url: "http://ca.example.com/crl/issuing.crl".into(),
        ca_issuers_url: "http://ca.example.com/ca/issuing.crt".into(),
        ocsp_url: "http://ca.example.com/ocsp".into(),
    }
}

/// Everything valid: the organization validated 10 days ago, example.com's domain 10 days ago.
fn validations() -> Validations {
    Validations {
        organization_validated_at: Some(NOW - 10 * DAY),
        domains: vec![ValidatedDomain {
            domain: Domain::parse("example.com").expect("a domain"),
            reusable_until: NOW + 388 * DAY,
        }],
        mailboxes: Vec::new(),
    }
}

/// One case: the inputs of an application.
struct Case {
    profile: ProfileId,
    csr: &'static str,
    order: OrderFacts,
    prior: Vec<PriorCertificate>,
    validations: Validations,
    ends_no_later_than: Option<i64>,
}

impl Case {
    fn new() -> Self {
        Self {
            profile: ProfileId::SmimeSponsorMultipurpose,
            csr: RSA_2048,
            order: order("ada@example.com"),
            prior: Vec::new(),
            validations: validations(),
            ends_no_later_than: None,
        }
    }

    fn check(&self) -> Result<Checked, Refusal> {
        let csr = parse(self.csr)?;
        check(&Application {
            csr: &csr,
            profile: self.profile.profile(),
            order: &self.order,
            organization_id: "org-1",
            prior: &self.prior,
            validations: &self.validations,
            locations: &locations(),
            now: NOW,
            serial_random: [7; 16],
            ends_no_later_than: self.ends_no_later_than,
        })
    }
}

fn holder(organization_id: &str, email: &str) -> KeyHolder {
    KeyHolder { organization_id: organization_id.into(), email: email.into(), dns_names: Vec::new() }
}

/// Steps 1 to 5: `expected` is the (step, code) of the refusal, or `None` when the application passes.
fn check_case(name: &str, case: Case, expected: Option<(Step, &str)>) {
    let outcome = case.check().map(drop).map_err(|refusal| (refusal.step(), refusal.code()));
    match expected {
        None => assert!(outcome.is_ok(), "{name}: expected to pass, got {outcome:?}"),
        Some(expected) => assert_eq!(outcome, Err(expected), "{name}"),
    }
}

#[test]
fn each_step_passes_and_refuses_in_order() {
    use Step::{KeyPolicy, KeyReuse, ParseAndVerify, Template};
    check_case("a valid application", Case::new(), None);
    check_case(
        "a CSR with a broken signature",
        Case { csr: RSA_2048_FLIPPED, ..Case::new() },
        Some((ParseAndVerify, "csr_signature_invalid")),
    );
    check_case(
        "garbage instead of a CSR",
        Case { csr: "not a csr", ..Case::new() },
        Some((ParseAndVerify, "csr_not_pem")),
    );
    check_case("an RSA 1024 key", Case { csr: RSA_1024, ..Case::new() }, Some((KeyPolicy, "key_too_small")));
    check_case(
        "a key certified for someone else",
        Case {
            prior: vec![PriorCertificate {
                holder: holder("org-1", "grace@example.com"),
                revoked_for_key_compromise: false,
            }],
            ..Case::new()
        },
        Some((KeyReuse, "key_already_certified")),
    );
    check_case(
        "the same key for the same holder again (a renewal that keeps its key)",
        Case {
            prior: vec![PriorCertificate {
                holder: holder("org-1", "ADA@example.com"),
                revoked_for_key_compromise: false,
            }],
            ..Case::new()
        },
        None,
    );
    check_case(
        "a key revoked for compromise, even for the same holder",
        Case {
            prior: vec![PriorCertificate {
                holder: holder("org-1", "ada@example.com"),
                revoked_for_key_compromise: true,
            }],
            ..Case::new()
        },
        Some((KeyReuse, "key_compromised")),
    );
    check_case(
        "the organization validated 826 days ago",
        Case {
            validations: Validations { organization_validated_at: Some(NOW - 826 * DAY), ..validations() },
            ..Case::new()
        },
        Some((Step::Validations, "organization_validation_expired")),
    );
    check_case(
        "the organization never validated",
        Case { validations: Validations { organization_validated_at: None, ..validations() }, ..Case::new() },
        Some((Step::Validations, "organization_validation_expired")),
    );
    check_case(
        "a mailbox-validated profile does not rely on the organization",
        Case {
            profile: ProfileId::SmimeMailboxStrict,
            validations: Validations { organization_validated_at: None, ..validations() },
            ..Case::new()
        },
        None,
    );
    check_case(
        "the mail domain's validation lapsed",
        Case {
            validations: Validations {
                domains: vec![ValidatedDomain {
                    domain: Domain::parse("example.com").expect("domain"),
                    reusable_until: NOW,
                }],
                ..validations()
            },
            ..Case::new()
        },
        Some((Step::Validations, "mailbox_validation_expired")),
    );
    check_case(
        "a domain that does not cover the mailbox",
        Case { order: order("ada@example.org"), ..Case::new() },
        Some((Step::Validations, "mailbox_validation_expired")),
    );
    check_case(
        "the profile states what the order lacks",
        Case { order: OrderFacts { recipient_surname: None, ..order("ada@example.com") }, ..Case::new() },
        Some((Template, "surname_missing")),
    );
}

/// A mailbox at a public provider validated by its link: 29 days ago counts, 31 days ago does not (S/MIME BR 4.2.1).
#[test]
fn a_mailbox_link_validation_counts_for_30_days() {
    for (validated_days_ago, expected) in [(29, None), (31, Some((Step::Validations, "mailbox_validation_expired")))] {
        let validated_at = NOW - validated_days_ago * DAY;
        let case = Case {
            profile: ProfileId::SmimeMailboxMultipurpose,
            order: order("dora@gmail.com"),
            validations: Validations {
                mailboxes: vec![ValidatedMailbox {
                    email: EmailAddress::parse("Dora@gmail.com").expect("an address"),
                    reusable_until: validated_at + crate::validation::MAILBOX_REUSE_DAYS * DAY,
                }],
                ..validations()
            },
            ..Case::new()
        };
        check_case(&format!("validated {validated_days_ago} days ago"), case, expected);
    }
}

#[test]
fn every_host_name_needs_a_validated_domain_now() {
    let device = |names: &[&str]| OrderFacts {
        recipient_given_name: None,
        recipient_surname: None,
        dns_names: names.iter().map(|name| (*name).to_owned()).collect(),
        ..order("it@example.com")
    };
    let case = |names: &[&str]| Case {
        profile: ProfileId::ClientAuthWorkstation,
        csr: EC_P256,
        order: device(names),
        ..Case::new()
    };
    check_case("a host under example.com", case(&["ws-1.corp.example.com"]), None);
    check_case(
        "a second host outside every validated domain",
        case(&["ws-1.example.com", "ws-1.example.net"]),
        Some((Step::Validations, "domain_validation_expired")),
    );
    match case(&["ws-1.example.com", "ws-1.example.net"]).check() {
        Err(Refusal::Validation(ValidationLapse::DnsName { name, .. })) => assert_eq!(name, "ws-1.example.net"),
        other => panic!("expected the uncovered name, got {other:?}"),
    }
}

fn answer(property: Property, domain: &str, found: Result<Option<RelevantSet>, LookupFailure>) -> CaaAnswer {
    CaaAnswer { check: CaaCheck { property, domain: domain.into() }, found }
}

#[test]
fn caa_is_looked_up_for_the_names_the_template_states() {
    let checked = Case::new().check().expect("a valid application");
    assert_eq!(checked.caa_checks(), [CaaCheck { property: Property::IssueMail, domain: "example.com".into() }]);
    let identities = ["keyward.example".to_owned()];
    // No answer for a check refuses, as a lookup failure would.
    let missing = checked.clone().authorize(&[], &identities).map(drop);
    assert!(matches!(&missing, Err(refusal) if refusal.step() == Step::Caa && refusal.is_retryable()), "{missing:?}");
    let failed = checked.clone().authorize(
        &[answer(
            Property::IssueMail,
            "example.com",
            Err(LookupFailure { name: "example.com".into(), reason: "SERVFAIL".into() }),
        )],
        &identities,
    );
    assert_eq!(failed.map(drop).map_err(|refusal| refusal.code()), Err("caa_lookup_failed"));
    let none = checked.clone().authorize(&[answer(Property::IssueMail, "example.com", Ok(None))], &identities);
    assert!(none.is_ok());
    let set = |value: &str| {
        let record = CaaRecord { critical: false, tag: "issuemail".into(), value: value.as_bytes().to_vec() };
        Ok(Some(RelevantSet { owner: "example.com".into(), records: vec![record] }))
    };
    let ours =
        checked.clone().authorize(&[answer(Property::IssueMail, "example.com", set("keyward.example"))], &identities);
    assert!(ours.is_ok(), "a record naming Keyward allows it");
    let theirs = checked.authorize(&[answer(Property::IssueMail, "example.com", set("otherca.example"))], &identities);
    match theirs.map(drop) {
        Err(refusal) => {
            assert_eq!(
                (refusal.code(), refusal.field("csr").as_str(), refusal.is_retryable()),
                ("caa_forbids", "recipient_email", false)
            );
            assert!(refusal.to_string().contains("otherca.example"), "{refusal}");
            assert!(refusal.is_audited());
        }
        Ok(()) => panic!("a record naming another CA forbids Keyward"),
    }
}

/// A test CA named as the edge names its issuer, and a second key under the same name: the lint key.
fn issuers() -> (Issuer<'static, KeyPair>, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a CA key");
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, DnValue::PrintableString("GB".try_into().expect("printable")));
    name.push(DnType::CommonName, DnValue::Utf8String("Keyward Pipeline Test CA".into()));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let certificate = params.self_signed(&key).expect("a CA certificate");
    let certificate = x509_cert::Certificate::from_der(certificate.der()).expect("it reads back");
    let params = encode::issuer_params(&certificate).expect("issuer parameters");
    let lint_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a lint key");
    (Issuer::new(params.clone(), key), Issuer::new(params, lint_key))
}

fn sign(template: &CertificateTemplate, csr: &ParsedCsr, issuer: &Issuer<'static, KeyPair>) -> Vec<u8> {
    let params = encode::certificate_params(template).expect("encodes");
    params.signed_by(&encode::CsrPublicKey::new(csr).expect("the key"), issuer).expect("signs").der().to_vec()
}

fn mailing() -> Mailing<'static> {
    Mailing {
        lang: Lang::En,
        greeting: "Ada Lovelace",
        notification_emails: &[],
        origin: "https://keyward.example.com",
    }
}

/// Steps 6 to 8 with real signatures: the lint copy lints clean, the issuing key signs the same
/// tbsCertificate, and the issuance carries the rows and the "certificate issued" email.
#[test]
fn linted_then_signed_by_the_issuing_key_is_issued() {
    let case = Case::new();
    let profile = case.profile.profile();
    let checked = case.check().expect("a valid application");
    let authorized = checked.authorize(&[answer(Property::IssueMail, "example.com", Ok(None))], &[]).expect("no CAA");
    let (issuing, lint_issuer) = issuers();
    let lint_copy = sign(authorized.template(), authorized.csr(), &lint_issuer);
    let linted = authorized.lint(profile, &locations(), &lint_copy, Vec::new()).expect("lints clean");
    let signed = sign(linted.template(), linted.csr(), &issuing);
    let issuance =
        linted.clone().signed(signed.clone(), profile, &case.order, "Example Org", &mailing()).expect("issued");
    assert_eq!(issuance.der, signed);
    assert_eq!(issuance.serial.len(), 32);
    assert_eq!(issuance.holder, holder("org-1", "ada@example.com"));
    assert_eq!(issuance.emails.len(), 1);
    assert_eq!(issuance.emails[0].to, "ada@example.com");
    assert!(issuance.emails[0].body.contains(&issuance.serial), "the email names the certificate");
    assert_eq!(issuance.audit_detail["steps"].as_array().map(Vec::len), Some(Step::ALL.len()));
    // What the issuing key signed must be what was linted: another template is refused.
    let mut other = linted.template().clone();
    other.serial[15] ^= 1;
    let differs = linted.signed(
        sign(&other, case.check().expect("valid").csr(), &issuing),
        profile,
        &case.order,
        "Example Org",
        &mailing(),
    );
    assert_eq!(differs.map(drop).map_err(|refusal| refusal.code()), Err("signature_mismatch"));
}

#[test]
fn a_lint_error_refuses_before_the_issuing_key_signs() {
    let case = Case::new();
    let profile = case.profile.profile();
    let checked = case.check().expect("a valid application");
    let authorized = checked.authorize(&[answer(Property::IssueMail, "example.com", Ok(None))], &[]).expect("no CAA");
    let (_, lint_issuer) = issuers();
    let lint_copy = sign(authorized.template(), authorized.csr(), &lint_issuer);
    let error = Finding {
        linter: lint::Linter::Pkilint,
        severity: lint::Severity::Error,
        code: "cabf.smime.prohibited_eku_present".into(),
        message: "serverAuth".into(),
    };
    match authorized.clone().lint(profile, &locations(), &lint_copy, vec![error]) {
        Err(refusal @ Refusal::Lint(_)) => {
            assert_eq!(refusal.code(), "lint_refused");
            assert!(refusal.is_audited());
            assert!(refusal.to_string().contains("cabf.smime.prohibited_eku_present"), "{refusal}");
            assert_eq!(refusal.audit_detail()["findings"][0]["linter"], "pkilint");
        }
        other => panic!("expected a lint refusal, got {other:?}"),
    }
    // Keyward's own lint set refuses on its own too: the broken profile's copy.
    let broken = sign(
        &{
            let mut template = authorized.template().clone();
            template.extended_key_usages.push(crate::profile::ExtendedKeyUsage::ServerAuth);
            template
        },
        authorized.csr(),
        &lint_issuer,
    );
    let refused = authorized.lint(profile, &locations(), &broken, Vec::new()).map(drop);
    assert!(
        matches!(&refused, Err(Refusal::Lint(findings)) if findings.iter().all(|finding| finding.linter == lint::Linter::Keyward)),
        "{refused:?}"
    );
}

/// A reissue ends when the certificate it replaces ends; the order and the profile still bound it.
#[test]
fn a_reissue_ends_with_its_predecessor() {
    let ordinary = Case::new().check().expect("checked").template().not_after;
    let cases = [
        ("the rest of the old validity", Some(NOW + 40 * DAY), NOW + 40 * DAY),
        ("never past the order's", Some(ordinary + DAY), ordinary),
        ("not a reissue", None, ordinary),
    ];
    for (case, ends_no_later_than, expected) in cases {
        let checked = Case { ends_no_later_than, ..Case::new() }.check().expect(case);
        assert_eq!(checked.template().not_after, expected, "{case}");
        assert!(checked.template().not_before < NOW, "{case}: not_before is the issuance's, backdated");
    }
}
