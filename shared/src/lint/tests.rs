//! The lint set on certificates made the way the edge makes them: templates from `issuance`, encoded by
//! `issuance::encode`, signed by a test CA whose issuer parameters come from `encode::issuer_params` (a P-256
//! key, a name like the development CA's). Every profile and key type lints clean; the broken profile and
//! hand-made defects give the expected codes; pkilint, an outside oracle, judges the same certificates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use der::{Decode, Encode};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, SerialNumber,
    SignatureAlgorithm,
};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use super::{BROKEN_PROFILE, Finding, Severity, lint_certificate, same_to_be_signed};
use crate::csr::{ParsedCsr, PublicKey};
use crate::encoding::pem_encode;
use crate::issuance::encode::{self, CsrPublicKey};
use crate::issuance::{CaLocations, CertificateTemplate, OrderFacts, SubjectAttribute, certificate_template};
use crate::profile::{AlternativeNames, CertifiedKey, ExtendedKeyUsage, KeyType, Profile, ProfileId, ProfileKind};

/// 2026-11-30 00:00 UTC: the TLS server cap is 199 days then.
const NOW: i64 = 1_795_996_800;

fn locations() -> CaLocations {
    CaLocations {
        crl_url: "http://ca.example.com/crl/issuing.crl".into(),
        ca_issuers_url: "http://ca.example.com/ca/issuing.crt".into(),
        ocsp_url: "http://ca.example.com/ocsp".into(),
    }
}

/// An order that suits the profile: a person of an organization for S/MIME, two host names for the devices.
fn order(profile: &Profile) -> OrderFacts {
    let person = OrderFacts {
        recipient_given_name: Some("Ada".into()),
        recipient_surname: Some("Lovelace".into()),
        recipient_email: "ada@example.com".into(),
        dns_names: Vec::new(),
        organization_name: "Example Org".into(),
        organization_identifier: "NTRGB-12345678".into(),
        organization_country: "GB".into(),
        organization_locality: Some("London".into()),
        organization_state_or_province: Some("Greater London".into()),
        validity_days: 365,
    };
    match profile.alternative_names {
        AlternativeNames::Mailbox => person,
        AlternativeNames::DnsNames => OrderFacts {
            recipient_given_name: None,
            recipient_surname: None,
            dns_names: vec!["ws-042.corp.example.com".into(), "ws-042.example.com".into()],
            ..person
        },
    }
}

/// A verified request for a key of this type: OpenSSL's RSA requests from the CSR fixtures (ring cannot
/// generate RSA keys), elliptic-curve and Ed25519 keys generated on the spot.
fn request(key_type: KeyType) -> ParsedCsr {
    let fixture = |pem: &str| ParsedCsr::from_pem(pem).expect("a CSR fixture");
    let generated = |algorithm: &'static SignatureAlgorithm| {
        let key = KeyPair::generate_for(algorithm).expect("a key pair");
        let request = CertificateParams::default().serialize_request(&key).expect("a request");
        ParsedCsr::from_der(request.der()).expect("its signature verifies")
    };
    match key_type {
        KeyType::Rsa2048 => fixture(include_str!("../../tests/fixtures/csr/rsa2048-sha256.csr.pem")),
        KeyType::Rsa3072 => fixture(include_str!("../../tests/fixtures/csr/rsa3072-sha256.csr.pem")),
        KeyType::Rsa4096 => fixture(include_str!("../../tests/fixtures/csr/rsa4096-sha384.csr.pem")),
        KeyType::EcdsaP256 => generated(&PKCS_ECDSA_P256_SHA256),
        KeyType::EcdsaP384 => generated(&PKCS_ECDSA_P384_SHA384),
        KeyType::Ed25519 => generated(&PKCS_ED25519),
    }
}

/// What the key policy would have returned for the request (without its weak-key search, which is tested
/// elsewhere and slow unoptimized).
fn certified(csr: &ParsedCsr) -> CertifiedKey {
    match csr.public_key() {
        PublicKey::Rsa { modulus_bits, .. } => CertifiedKey::Rsa { bits: *modulus_bits },
        PublicKey::EcP256 => CertifiedKey::EcdsaP256,
        PublicKey::EcP384 => CertifiedKey::EcdsaP384,
        PublicKey::Ed25519 => CertifiedKey::Ed25519,
    }
}

/// A test issuing CA with a key made by `algorithm`: a self-signed CA certificate named like the development CA,
/// read back through `encode::issuer_params` as the edge reads `CA_ISSUING_CERT`.
fn issuing_ca(algorithm: &'static SignatureAlgorithm) -> Issuer<'static, KeyPair> {
    let key = KeyPair::generate_for(algorithm).expect("a CA key");
    Issuer::new(issuer_params(&key), key)
}

/// The issuer parameters of a CA certificate for `key`, as `encode::issuer_params` reads them.
fn issuer_params(key: &KeyPair) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, DnValue::PrintableString("GB".try_into().expect("printable")));
    name.push(DnType::OrganizationName, DnValue::Utf8String("Keyward Development".into()));
    name.push(DnType::CommonName, DnValue::Utf8String("Keyward Test Issuing CA".into()));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.serial_number = Some(SerialNumber::from_slice(&[0x42; 16]));
    let certificate = params.self_signed(key).expect("a CA certificate");
    let certificate = x509_cert::Certificate::from_der(certificate.der()).expect("it reads back");
    encode::issuer_params(&certificate).expect("issuer parameters")
}

/// The template of an order suiting the profile, for the request's key.
fn template(profile: &Profile, csr: &ParsedCsr) -> CertificateTemplate {
    certificate_template(profile, &order(profile), &locations(), certified(csr), NOW, [0x5a; 16])
        .expect("a valid order")
}

/// The parameters signed by the issuer, DER.
fn sign(params: &CertificateParams, csr: &ParsedCsr, issuer: &Issuer<'static, KeyPair>) -> Vec<u8> {
    let public_key = CsrPublicKey::new(csr).expect("the request's key");
    params.signed_by(&public_key, issuer).expect("signs").der().to_vec()
}

/// The codes of the findings of one severity.
fn codes(findings: &[Finding], severity: Severity) -> BTreeSet<String> {
    findings.iter().filter(|finding| finding.severity == severity).map(|finding| finding.code.clone()).collect()
}

/// Every certificate of the matrix: each real profile with each key type it offers, and the broken profile with
/// each of its key types. The broken ones are flagged.
fn matrix() -> Vec<(&'static Profile, KeyType, bool, Vec<u8>)> {
    let issuer = issuing_ca(&PKCS_ECDSA_P256_SHA256);
    let real = ProfileId::ALL.into_iter().map(|id| (id.profile(), false));
    let broken = std::iter::once((&BROKEN_PROFILE, true));
    real.chain(broken)
        .flat_map(|(profile, broken)| profile.key_types.iter().map(move |key_type| (profile, *key_type, broken)))
        .map(|(profile, key_type, broken)| {
            let csr = request(key_type);
            let params = encode::certificate_params(&template(profile, &csr)).expect("encodes");
            (profile, key_type, broken, sign(&params, &csr, &issuer))
        })
        .collect()
}

#[test]
fn every_profile_and_key_type_lints_clean() {
    let mut checked = 0;
    for (profile, key_type, broken, der) in matrix() {
        if broken {
            continue;
        }
        let findings = lint_certificate(profile, &locations(), &der, NOW);
        assert_eq!(codes(&findings, Severity::Error), BTreeSet::new(), "{:?} {key_type:?}: {findings:#?}", profile.id);
        assert_eq!(codes(&findings, Severity::Warning), BTreeSet::new(), "{:?} {key_type:?}", profile.id);
        checked += 1;
    }
    // Six S/MIME profiles with six key types, two device profiles with five.
    assert_eq!(checked, 6 * 6 + 2 * 5);
}

#[test]
fn the_broken_profile_is_refused() {
    let mut checked = 0;
    for (profile, key_type, broken, der) in matrix() {
        if !broken {
            continue;
        }
        let expected: &[&str] = match key_type {
            KeyType::EcdsaP256 => &["keyward.eku_prohibited", "keyward.key_usage_not_allowed"],
            _ => &["keyward.eku_prohibited"],
        };
        let findings = lint_certificate(profile, &locations(), &der, NOW);
        let expected: BTreeSet<String> = expected.iter().map(|code| (*code).to_owned()).collect();
        assert_eq!(codes(&findings, Severity::Error), expected, "{key_type:?}: {findings:#?}");
        assert!(super::has_errors(&findings));
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// A defect made by hand: in the template before encoding, in the encoded parameters, or in who signs.
enum Mutation {
    /// Nothing changed.
    None,
    /// The template changed.
    Template(fn(&mut CertificateTemplate)),
    /// The rcgen parameters changed after encoding.
    Params(fn(&mut CertificateParams)),
    /// Signed by a CA whose key is of this type (instead of P-256).
    SignedWith(&'static SignatureAlgorithm),
}

/// Lints the certificate of `id` for a `key_type` key with `mutation` applied; the error codes must be exactly
/// `expected`.
fn check(id: ProfileId, key_type: KeyType, mutation: Mutation, expected: &[&str]) {
    let profile = id.profile();
    let csr = request(key_type);
    let mut template = template(profile, &csr);
    if let Mutation::Template(mutate) = &mutation {
        mutate(&mut template);
    }
    let mut params = encode::certificate_params(&template).expect("encodes");
    if let Mutation::Params(mutate) = &mutation {
        mutate(&mut params);
    }
    let issuer = match &mutation {
        Mutation::SignedWith(algorithm) => issuing_ca(algorithm),
        Mutation::None | Mutation::Template(_) | Mutation::Params(_) => issuing_ca(&PKCS_ECDSA_P256_SHA256),
    };
    let findings = lint_certificate(profile, &locations(), &sign(&params, &csr, &issuer), NOW);
    let expected: BTreeSet<String> = expected.iter().map(|code| (*code).to_owned()).collect();
    assert_eq!(codes(&findings, Severity::Error), expected, "{id:?} {key_type:?}: {findings:#?}");
    assert!(findings.iter().all(|finding| !finding.message.is_empty() && finding.code.starts_with("keyward.")));
}

/// Replaces the value of a subject attribute.
fn set_subject(template: &mut CertificateTemplate, attribute: SubjectAttribute, value: &str) {
    for (found, current) in &mut template.subject {
        if *found == attribute {
            *current = value.to_owned();
        }
    }
}

#[test]
fn defects_in_the_extended_key_usage_and_policies() {
    use ProfileId::{ServerAuth, SmimeMailboxMultipurpose, SmimeMailboxStrict};
    check(SmimeMailboxStrict, KeyType::EcdsaP256, Mutation::None, &[]);
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.extended_key_usages.push(ExtendedKeyUsage::ClientAuth)),
        &["keyward.eku_mismatch", "keyward.eku_prohibited"],
    );
    check(
        SmimeMailboxMultipurpose,
        KeyType::Rsa2048,
        Mutation::Template(|template| template.extended_key_usages.push(ExtendedKeyUsage::ServerAuth)),
        &["keyward.eku_mismatch", "keyward.eku_prohibited"],
    );
    check(
        SmimeMailboxMultipurpose,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.extended_key_usages.push(ExtendedKeyUsagePurpose::Any)),
        &["keyward.eku_mismatch", "keyward.eku_any", "keyward.eku_prohibited"],
    );
    check(
        SmimeMailboxMultipurpose,
        KeyType::EcdsaP384,
        Mutation::Template(|template| {
            template.extended_key_usages.retain(|usage| *usage == ExtendedKeyUsage::ClientAuth)
        }),
        &["keyward.eku_mismatch", "keyward.eku_required_missing"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.extended_key_usages.push(ExtendedKeyUsage::EmailProtection)),
        &["keyward.eku_mismatch", "keyward.eku_prohibited"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.policy_oids.clear()),
        &["keyward.policy_mismatch", "keyward.policy_reserved"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.policy_oids = vec!["2.23.140.1.5.1.1"]),
        &["keyward.policy_mismatch", "keyward.policy_reserved"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.policy_oids.push("1.3.6.1.4.1.32473.9")),
        &["keyward.policy_mismatch"],
    );
    check(
        ServerAuth,
        KeyType::Rsa2048,
        Mutation::Template(|template| template.policy_oids = vec!["2.23.140.1.2.1"]),
        &["keyward.policy_mismatch", "keyward.policy_reserved"],
    );
}

#[test]
fn defects_in_the_key_usage_and_key() {
    use ProfileId::{ServerAuth, SmimeMailboxStrict, SmimeSponsorMultipurpose};
    check(
        SmimeMailboxStrict,
        KeyType::Rsa2048,
        Mutation::Template(|template| template.key_usage.data_encipherment = true),
        &["keyward.key_usage_mismatch", "keyward.key_usage_not_allowed"],
    );
    // Multipurpose RSA may have dataEncipherment (S/MIME BR 7.1.2.3 e); the profile does not.
    check(
        SmimeSponsorMultipurpose,
        KeyType::Rsa3072,
        Mutation::Template(|template| template.key_usage.data_encipherment = true),
        &["keyward.key_usage_mismatch"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.key_usage.key_agreement = false),
        &["keyward.key_usage_mismatch"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::Ed25519,
        Mutation::Template(|template| template.key_usage.key_agreement = true),
        &["keyward.key_usage_mismatch", "keyward.key_usage_not_allowed"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP384,
        Mutation::Params(|params| params.key_usages.push(KeyUsagePurpose::KeyCertSign)),
        &["keyward.key_usage_mismatch", "keyward.key_usage_not_allowed"],
    );
    // Ed25519 is in no device profile, and the TLS BR give it no key usage.
    check(
        ServerAuth,
        KeyType::Ed25519,
        Mutation::None,
        &["keyward.key_type_not_allowed", "keyward.key_usage_not_allowed"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::SignedWith(&PKCS_ECDSA_P384_SHA384),
        &["keyward.signature_algorithm_unexpected"],
    );
}

#[test]
fn defects_in_the_subject() {
    use ProfileId::{
        ClientAuthWorkstation, ServerAuth, SmimeMailboxStrict, SmimeOrganizationStrict, SmimeSponsorStrict,
    };
    use SubjectAttribute::{CommonName, Country, GivenName, Organization, OrganizationIdentifier, Surname};
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Template(|template| set_subject(template, CommonName, &format!("{}.example.com", "a".repeat(53)))),
        &["keyward.subject_value_too_long", "keyward.common_name_mismatch"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| set_subject(template, CommonName, "grace@example.com")),
        &["keyward.common_name_mismatch"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::Rsa2048,
        Mutation::Template(|template| template.subject.insert(0, (Organization, "Example Org".into()))),
        &["keyward.subject_attribute_not_allowed", "keyward.subject_attribute_prohibited"],
    );
    check(
        SmimeSponsorStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.subject.swap(3, 4)),
        &["keyward.subject_order"],
    );
    assert_eq!(template(ProfileId::SmimeSponsorStrict.profile(), &request(KeyType::EcdsaP256)).subject[3].0, GivenName);
    check(
        SmimeOrganizationStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.subject.retain(|(attribute, _)| *attribute != OrganizationIdentifier)),
        &["keyward.subject_attribute_missing"],
    );
    check(
        SmimeOrganizationStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| set_subject(template, OrganizationIdentifier, "NTRFR-12345678")),
        &["keyward.organization_identifier_invalid"],
    );
    check(
        SmimeOrganizationStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| set_subject(template, OrganizationIdentifier, "12345678")),
        &["keyward.organization_identifier_invalid"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::Rsa2048,
        Mutation::Template(|template| set_subject(template, Country, "gb")),
        &["keyward.subject_country_invalid"],
    );
    check(
        SmimeSponsorStrict,
        KeyType::Rsa2048,
        Mutation::Template(|template| set_subject(template, Surname, "-")),
        &["keyward.subject_value_blank", "keyward.common_name_mismatch"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Params(|params| {
            params.distinguished_name.remove(DnType::CommonName);
            params.distinguished_name.push(
                DnType::CommonName,
                DnValue::PrintableString("ws-042.corp.example.com".try_into().expect("printable")),
            );
        }),
        &["keyward.subject_string_type"],
    );
    // With no subject, the alternative name is critical (rcgen sees to it) and the common name is missing.
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Params(|params| params.distinguished_name = DistinguishedName::new()),
        &["keyward.subject_attribute_missing"],
    );
}

#[test]
fn defects_in_the_alternative_names() {
    use ProfileId::{ServerAuth, SmimeMailboxStrict};
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.dns_names.push("ws.example.com".into())),
        &["keyward.san_form_not_allowed"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.email_addresses.push("grace@example.com".into())),
        &["keyward.san_count"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.dns_names.push("WS.example.com".into())),
        &["keyward.san_dns_name_invalid"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.dns_names.push("ws-042.example.com".into())),
        &["keyward.san_repeated"],
    );
    check(
        ServerAuth,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.email_addresses.push("ops@example.com".into())),
        &["keyward.san_form_not_allowed"],
    );
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.email_addresses = vec!["ada@@example.com".into()]),
        &["keyward.san_email_invalid", "keyward.common_name_mismatch"],
    );
    // Marked critical while the subject is not empty.
    check(
        SmimeMailboxStrict,
        KeyType::EcdsaP256,
        Mutation::Params(|params| {
            params.subject_alt_names.clear();
            let name = der::asn1::Ia5String::new("ada@example.com").expect("ASCII");
            let value = SubjectAltName(vec![GeneralName::Rfc822Name(name)]).to_der().expect("encodes");
            let mut extension = CustomExtension::from_oid_content(&[2, 5, 29, 17], value);
            extension.set_criticality(true);
            params.custom_extensions.push(extension);
        }),
        &["keyward.extension_criticality"],
    );
}

#[test]
fn defects_in_validity_and_serial() {
    use ProfileId::{ServerAuth, SmimeSponsorMultipurpose};
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.not_after = template.not_before + 826 * 86_400 - 1),
        &["keyward.validity_too_long"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.not_after = template.not_before + 825 * 86_400 - 1),
        &[],
    );
    check(
        ServerAuth,
        KeyType::Rsa4096,
        Mutation::Template(|template| template.not_after += 1),
        &["keyward.validity_too_long"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.not_before = NOW + 3_600),
        &["keyward.not_before_in_future"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.not_before = NOW - 3 * 86_400),
        &["keyward.not_before_backdated"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.not_after = template.not_before - 1),
        &["keyward.validity_reversed"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Params(|params| params.serial_number = Some(SerialNumber::from_slice(&[0x40; 8]))),
        &["keyward.serial_too_short"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        Mutation::Params(|params| params.serial_number = Some(SerialNumber::from_slice(&[0x40; 21]))),
        &["keyward.serial_too_long"],
    );
    check(
        SmimeSponsorMultipurpose,
        KeyType::EcdsaP256,
        // rcgen keeps serials positive: zero is the only one it writes that is not.
        Mutation::Params(|params| params.serial_number = Some(SerialNumber::from_slice(&[0; 16]))),
        &["keyward.serial_not_positive", "keyward.serial_too_short"],
    );
}

#[test]
fn defects_in_the_other_extensions() {
    use ProfileId::{ClientAuthWorkstation, SmimeOrganizationMultipurpose};
    let profile = SmimeOrganizationMultipurpose;
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 32473, 7], vec![0x05, 0x00]))
        }),
        &["keyward.extension_unknown"],
    );
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.custom_extensions[0].set_criticality(true)),
        &["keyward.extension_criticality"],
    );
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.use_authority_key_identifier_extension = false),
        &["keyward.extension_missing"],
    );
    // No basicConstraints (allowed) and so no subjectKeyIdentifier either (required).
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.is_ca = IsCa::NoCa),
        &["keyward.extension_missing"],
    );
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0))),
        &["keyward.basic_constraints_ca", "keyward.basic_constraints_path_length"],
    );
    check(
        profile,
        KeyType::Rsa2048,
        Mutation::Params(|params| params.custom_extensions.push(params.custom_extensions[0].clone())),
        &["keyward.extension_repeated"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::EcdsaP256,
        Mutation::Template(|template| {
            template.crl_distribution_points = vec!["https://ca.example.com/crl/issuing.crl".into()]
        }),
        &["keyward.crl_distribution_points_mismatch", "keyward.url_not_http"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.crl_distribution_points.clear()),
        &["keyward.extension_missing"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.ocsp_responders = vec!["http://other.example.com/ocsp".into()]),
        &["keyward.authority_information_access_mismatch"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.ca_issuers.clear()),
        &["keyward.authority_information_access_mismatch"],
    );
    check(
        ClientAuthWorkstation,
        KeyType::EcdsaP256,
        Mutation::Template(|template| template.ca_issuers = vec!["ldap://ca.example.com/issuing".into()]),
        &["keyward.authority_information_access_mismatch", "keyward.url_not_http"],
    );
}

#[test]
fn what_is_not_a_certificate_is_one_finding() {
    let findings = lint_certificate(ProfileId::SmimeMailboxStrict.profile(), &locations(), b"not DER", NOW);
    assert_eq!(codes(&findings, Severity::Error), ["keyward.certificate_unreadable".to_owned()].into());
}

/// The edge's two signatures: the lint key and the issuing key sign the same parameters under the same issuer
/// name and key identifier, so the `tbsCertificate`s are identical and the signatures are not.
#[test]
fn the_lint_copy_has_the_signed_certificates_to_be_signed() {
    let csr = request(KeyType::EcdsaP256);
    let profile = ProfileId::SmimeSponsorStrict.profile();
    let issuing_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("an issuing key");
    let params = issuer_params(&issuing_key);
    let issuing = Issuer::new(params.clone(), issuing_key);
    let lint = Issuer::new(params, KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a lint key"));
    let certificate = encode::certificate_params(&template(profile, &csr)).expect("encodes");
    let linted = sign(&certificate, &csr, &lint);
    let signed = sign(&certificate, &csr, &issuing);
    assert_ne!(linted, signed, "different keys sign");
    assert!(same_to_be_signed(&linted, &signed));
    assert_eq!(
        lint_certificate(profile, &locations(), &linted, NOW),
        lint_certificate(profile, &locations(), &signed, NOW)
    );
    let mut other = template(profile, &csr);
    other.serial[15] ^= 1;
    let other = sign(&encode::certificate_params(&other).expect("encodes"), &csr, &issuing);
    assert!(!same_to_be_signed(&linted, &other), "another serial number");
    let other_issuer = sign(&certificate, &csr, &issuing_ca(&PKCS_ECDSA_P256_SHA256));
    assert!(!same_to_be_signed(&linted, &other_issuer), "another issuing CA (its key identifier)");
    assert!(!same_to_be_signed(&linted, b"not DER"));
    let mut trailing = signed.clone();
    trailing.push(0);
    assert!(!same_to_be_signed(&linted, &trailing), "bytes after the certificate");
}

/// The pkilint console scripts of the pinned virtual environment next to `KEYWARD_PYTHON`; `None` when it is not
/// set outside CI (then the oracle did not run, and says so), a failure when it is not set in CI.
fn pkilint_directory() -> Option<PathBuf> {
    match std::env::var_os("KEYWARD_PYTHON") {
        Some(python) => Some(Path::new(&python).parent().expect("KEYWARD_PYTHON is a file path").to_owned()),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but KEYWARD_PYTHON is not: the pkilint oracle must run"
            );
            // Straight to the standard error, past the test harness's capture, so that a passing run says it.
            use std::io::Write;
            writeln!(
                std::io::stderr(),
                "KEYWARD_PYTHON is not set: the pkilint oracle did not run (`cargo xtask test` sets it)"
            )
            .ok();
            None
        }
    }
}

/// pkilint's error-level findings on one certificate (PEM file), as `validator: code` lines.
fn pkilint_errors(directory: &Path, tool: &str, arguments: &[&str], file: &Path) -> Vec<String> {
    let output = Command::new(directory.join(tool))
        .args(arguments)
        .arg(file)
        .args(["-f", "JSON", "-s", "WARNING"])
        .output()
        .unwrap_or_else(|error| panic!("running {tool}: {error}"));
    let text = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|_| panic!("{tool}: {text}{}", String::from_utf8_lossy(&output.stderr)));
    let results = report.get("results").unwrap_or(&report).as_array().cloned().unwrap_or_default();
    results
        .iter()
        .flat_map(|result| {
            let validator = result["validator"].as_str().unwrap_or_default().to_owned();
            result["finding_descriptions"].as_array().cloned().unwrap_or_default().into_iter().filter_map(
                move |finding| {
                    matches!(finding["severity"].as_str(), Some("ERROR" | "FATAL"))
                        .then(|| format!("{validator}: {}", finding["code"].as_str().unwrap_or_default()))
                },
            )
        })
        .collect()
}

#[test]
fn pkilint_agrees() {
    let Some(directory) = pkilint_directory() else { return };
    let scratch = std::env::temp_dir().join(format!("keyward-lint-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let certificates = matrix();
    // Two at a time: each run starts a Python interpreter, and the machine is shared.
    let verdicts: Vec<(String, bool, Vec<String>)> = certificates
        .chunks(2)
        .flat_map(|pair| {
            std::thread::scope(|scope| {
                let handles: Vec<_> = pair
                    .iter()
                    .map(|(profile, key_type, broken, der)| {
                        let file = scratch.join(format!("{}-{key_type:?}-{broken}.pem", profile.id.as_str()));
                        std::fs::write(&file, pem_encode("CERTIFICATE", der)).expect("writes");
                        let directory = &directory;
                        scope.spawn(move || {
                            let errors = match profile.kind {
                                ProfileKind::Smime => {
                                    pkilint_errors(directory, "lint_cabf_smime_cert", &["lint", "-d"], &file)
                                }
                                ProfileKind::ServerAuthentication => {
                                    pkilint_errors(directory, "lint_cabf_serverauth_cert", &["lint", "-d"], &file)
                                }
                                ProfileKind::ClientAuthentication => {
                                    pkilint_errors(directory, "lint_pkix_cert", &["lint"], &file)
                                }
                            };
                            (format!("{:?} {key_type:?}", profile.id), *broken, errors)
                        })
                    })
                    .collect();
                handles.into_iter().map(|handle| handle.join().expect("a pkilint run")).collect::<Vec<_>>()
            })
        })
        .collect();
    std::fs::remove_dir_all(&scratch).ok();
    assert_eq!(verdicts.len(), 6 * 6 + 2 * 5 + 2);
    for (name, broken, errors) in verdicts {
        if broken {
            eprintln!("pkilint on the broken profile, {name}: {errors:?}");
            assert!(!errors.is_empty(), "pkilint found no error in the broken profile's {name}");
        } else {
            assert!(errors.is_empty(), "pkilint errors on {name}: {errors:#?}");
        }
    }
}
