//! `shared::csr_explain`: a table of requests (made here with rcgen, or by OpenSSL in `data/csr_explain/`) × the
//! mismatch codes each must give against a profile and an order, and the words of a few.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use shared::csr_explain::{CsrContents, Expectation, Mismatch, explain, read};
use shared::lang::Lang;
use shared::profile::ProfileId;

/// How to build one request with rcgen (a P-256 key).
#[derive(Default)]
struct Request {
    common_name: Option<&'static str>,
    organization: Option<&'static str>,
    unit: Option<&'static str>,
    dns_names: &'static [&'static str],
    emails: &'static [&'static str],
    key_usages: &'static [KeyUsagePurpose],
    extended_key_usages: &'static [ExtendedKeyUsagePurpose],
    certificate_authority: bool,
    custom_oid: Option<&'static [u64]>,
}

fn pem(request: &Request) -> String {
    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    if let Some(name) = request.common_name {
        subject.push(DnType::CommonName, name);
    }
    if let Some(name) = request.organization {
        subject.push(DnType::OrganizationName, name);
    }
    if let Some(name) = request.unit {
        subject.push(DnType::OrganizationalUnitName, name);
    }
    params.distinguished_name = subject;
    params.subject_alt_names = request
        .dns_names
        .iter()
        .map(|name| SanType::DnsName((*name).try_into().unwrap()))
        .chain(request.emails.iter().map(|email| SanType::Rfc822Name((*email).try_into().unwrap())))
        .collect();
    params.key_usages = request.key_usages.to_vec();
    params.extended_key_usages = request.extended_key_usages.to_vec();
    if request.certificate_authority {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    if let Some(oid) = request.custom_oid {
        params.custom_extensions.push(CustomExtension::from_oid_content(oid, vec![0x05, 0x00]));
    }
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    params.serialize_request(&key).unwrap().pem().unwrap()
}

const ORDER_NAMES: &[&str] = &["www.example.com"];

/// `text` against `profile` with the order naming `www.example.com` (device) or `alice@example.com` (S/MIME) for
/// "Example SAS" in FR: exactly `codes`, in order.
fn check(label: &str, text: &str, profile: ProfileId, codes: &[&str]) -> Vec<Mismatch> {
    let contents = read(text).unwrap_or_else(|error| panic!("{label}: {error}"));
    // The order form receives the contents from the packaging worker as JSON: they come back as they were.
    let json = serde_json::to_string(&contents).unwrap_or_else(|error| panic!("{label}: {error}"));
    assert_eq!(serde_json::from_str::<CsrContents>(&json).ok().as_ref(), Some(&contents), "{label}: {json}");
    let dns_names: Vec<String> = ORDER_NAMES.iter().map(|name| (*name).to_owned()).collect();
    let expectation = Expectation {
        profile: profile.profile(),
        dns_names: &dns_names,
        email: Some("alice@example.com"),
        organization: Some("Example SAS"),
        country: Some("FR"),
    };
    let mismatches = explain(&contents, &expectation);
    let found: Vec<&str> = mismatches.iter().map(Mismatch::code).collect();
    assert_eq!(found, codes, "{label}: {mismatches:#?}");
    for mismatch in &mismatches {
        let (english, french) = (mismatch.explain(Lang::En), mismatch.explain(Lang::Fr));
        assert!(!english.is_empty() && !french.is_empty() && english != french, "{label}: {english} / {french}");
    }
    mismatches
}

#[test]
fn requests_are_explained_against_the_profile_and_the_order() {
    use ExtendedKeyUsagePurpose::{ClientAuth, CodeSigning, ServerAuth};
    use KeyUsagePurpose::{DataEncipherment, DigitalSignature, KeyCertSign, KeyEncipherment};
    let server = ProfileId::ServerAuth;
    let table: Vec<(&str, Request, ProfileId, Vec<&str>)> = vec![
        (
            "matching",
            Request {
                common_name: Some("www.example.com"),
                dns_names: ORDER_NAMES,
                key_usages: &[DigitalSignature],
                extended_key_usages: &[ServerAuth],
                ..Request::default()
            },
            server,
            vec![],
        ),
        (
            "P-256 asking for key and data encipherment",
            Request {
                dns_names: ORDER_NAMES,
                key_usages: &[KeyEncipherment, DataEncipherment],
                extended_key_usages: &[ServerAuth],
                ..Request::default()
            },
            server,
            vec!["key_usage_not_for_key", "key_usage_added"],
        ),
        (
            "clientAuth for a server",
            Request {
                dns_names: ORDER_NAMES,
                key_usages: &[DigitalSignature],
                extended_key_usages: &[ClientAuth],
                ..Request::default()
            },
            server,
            vec!["extended_key_usage_not_in_profile", "extended_key_usage_added"],
        ),
        (
            "serverAuth and codeSigning for a workstation",
            Request {
                dns_names: ORDER_NAMES,
                key_usages: &[DigitalSignature],
                extended_key_usages: &[ServerAuth, ClientAuth, CodeSigning],
                ..Request::default()
            },
            ProfileId::ClientAuthWorkstation,
            vec!["extended_key_usage_not_in_profile"],
        ),
        (
            "a CA",
            Request {
                dns_names: ORDER_NAMES,
                key_usages: &[DigitalSignature, KeyCertSign],
                certificate_authority: true,
                ..Request::default()
            },
            server,
            vec!["key_usage_not_in_profile", "asks_to_be_ca"],
        ),
        (
            "three extra names",
            Request {
                dns_names: &["www.example.com", "evil.example.net", "other.example.org", "mail.example.net"],
                ..Request::default()
            },
            server,
            vec!["names_not_on_order"],
        ),
        ("nothing at all", Request::default(), server, vec!["no_extensions"]),
        (
            "another organization and a unit",
            Request {
                common_name: Some("other.example.com"),
                organization: Some("Evil Corp"),
                unit: Some("IT"),
                dns_names: ORDER_NAMES,
                ..Request::default()
            },
            server,
            vec!["subject_field_differs", "subject_field_differs", "subject_fields_dropped"],
        ),
        (
            "an unknown extension",
            Request { dns_names: ORDER_NAMES, custom_oid: Some(&[1, 2, 3, 4]), ..Request::default() },
            server,
            vec!["extensions_ignored"],
        ),
        (
            "a mailbox request naming a DNS name and another mailbox",
            Request { dns_names: &["www.example.com"], emails: &["bob@example.com"], ..Request::default() },
            ProfileId::SmimeMailboxStrict,
            vec!["names_not_on_order", "name_kinds_not_in_profile"],
        ),
        (
            "a mailbox request for the ordered mailbox",
            Request { emails: &["Alice@example.com"], ..Request::default() },
            ProfileId::SmimeMailboxStrict,
            vec![],
        ),
    ];
    for (label, request, profile, codes) in table {
        check(label, &pem(&request), profile, &codes);
    }
}

#[test]
fn requests_made_by_openssl_are_explained() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/csr_explain");
    let text = std::fs::read_to_string(format!("{folder}/rsa-key-agreement.csr.pem")).unwrap();
    let mismatches = check(
        "RSA asking for keyAgreement, codeSigning, an IP address and 1.2.3.4",
        &text,
        ProfileId::ServerAuth,
        &[
            "key_usage_not_for_key",
            "key_usage_not_in_profile",
            "key_usage_added",
            "extended_key_usage_not_in_profile",
            "extensions_ignored",
            "name_kinds_not_in_profile",
            "subject_field_differs",
            "subject_fields_dropped",
        ],
    );
    assert_eq!(
        mismatches[0].explain(Lang::En),
        "Asks for keyAgreement; an RSA 2048 key cannot use it; the certificate will carry digitalSignature and \
         keyEncipherment."
    );
    assert_eq!(
        mismatches[5].explain(Lang::En),
        "Names IP address 192.0.2.1; this profile certifies DNS names only: it will not be in the certificate."
    );
    let text = std::fs::read_to_string(format!("{folder}/rsa-matching.csr.pem")).unwrap();
    check("RSA asking for what the profile says, CA:FALSE", &text, ProfileId::ServerAuth, &[]);
}

#[test]
fn the_words_say_what_the_certificate_will_carry() {
    let request = Request {
        dns_names: ORDER_NAMES,
        key_usages: &[KeyUsagePurpose::KeyEncipherment, KeyUsagePurpose::DataEncipherment],
        extended_key_usages: &[ExtendedKeyUsagePurpose::ClientAuth],
        ..Request::default()
    };
    let mismatches = check(
        "words",
        &pem(&request),
        ProfileId::ServerAuth,
        &["key_usage_not_for_key", "key_usage_added", "extended_key_usage_not_in_profile", "extended_key_usage_added"],
    );
    assert_eq!(
        mismatches[0].explain(Lang::En),
        "Asks for keyEncipherment and dataEncipherment; a P-256 key cannot use them; the certificate will carry \
         digitalSignature only."
    );
    assert_eq!(
        mismatches[0].explain(Lang::Fr),
        "Demande keyEncipherment et dataEncipherment ; une clé P-256 ne peut pas s’en servir ; le certificat portera \
         digitalSignature seulement."
    );
    assert_eq!(
        mismatches[2].explain(Lang::En),
        "Asks for clientAuth; this profile is serverAuth only: the certificate will not carry it."
    );
    let extra = Request {
        dns_names: &["www.example.com", "a.example.net", "b.example.net", "c.example.net"],
        ..Request::default()
    };
    let mismatches = check("extra", &pem(&extra), ProfileId::ServerAuth, &["names_not_on_order"]);
    assert_eq!(
        mismatches[0].explain(Lang::En),
        "Names 3 DNS names not on the order (a.example.net, b.example.net and c.example.net): they will not be in the \
         certificate."
    );
    let mismatches = check("nothing", &pem(&Request::default()), ProfileId::ServerAuth, &["no_extensions"]);
    assert_eq!(
        mismatches[0].explain(Lang::En),
        "Asks for nothing (no extensions): the certificate will carry the profile's key usage (digitalSignature) and \
         extended key usage (serverAuth)."
    );
}

#[test]
fn what_is_not_a_request_is_refused_with_the_csr_codes() {
    for (text, code) in [
        ("", "csr_not_pem"),
        ("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----", "csr_malformed"),
    ] {
        let error = read(text).unwrap_err();
        assert_eq!(error.code(), code, "{text:?}");
    }
}
