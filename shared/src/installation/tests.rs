//! The test enrollment's rules: the certificate's side (issuer, signature, validity, revocation) as a table, the
//! message's purpose line, the challenge keys kept apart from revocation's, and the stored forms.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
    PKCS_ECDSA_P384_SHA384, SignatureAlgorithm,
};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

use super::*;
use crate::revocation::{
    Challenge, ChallengeError, ChallengeKey, RevocationReason, possession_message, verify_possession,
};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

/// A CA certificate and its issuer, named `name`, with a key made by `algorithm`.
fn ca(name: &str, algorithm: &'static SignatureAlgorithm) -> (Vec<u8>, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate_for(algorithm).expect("a CA key");
    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, name);
    params.distinguished_name = subject;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let der = params.self_signed(&key).expect("a CA certificate").der().to_vec();
    (der, Issuer::new(params, key))
}

/// A leaf for `key`, valid `[not_before, not_after]`, signed by `issuer`.
fn leaf(issuer: &Issuer<'static, KeyPair>, key: &KeyPair, not_before: i64, not_after: i64) -> Vec<u8> {
    let mut params = CertificateParams::new(vec!["host.example.com".to_owned()]).expect("params");
    params.not_before = time::OffsetDateTime::from_unix_timestamp(not_before).expect("a time");
    params.not_after = time::OffsetDateTime::from_unix_timestamp(not_after).expect("a time");
    params.signed_by(key, issuer).expect("signs").der().to_vec()
}

/// Checks the certificate `der` against the CA certificate `ca_der` with `status` at `now`.
fn check(name: &str, der: &[u8], ca_der: &[u8], status: Status, now: i64, expect: Result<(), &str>) {
    let outcome = check_installable(der, ca_der, status, now).map_err(|error| error.code());
    assert_eq!(outcome, expect, "{name}");
}

#[test]
fn only_a_valid_unrevoked_certificate_of_the_issuing_ca_is_installable() {
    let (ca_der, issuer) = ca("Keyward Test Issuing CA", &PKCS_ECDSA_P256_SHA256);
    let (p384_der, p384_issuer) = ca("Keyward Test Issuing CA P-384", &PKCS_ECDSA_P384_SHA384);
    // Another CA with the same name and another key: the name matches, the signature does not.
    let (twin_der, twin) = ca("Keyward Test Issuing CA", &PKCS_ECDSA_P256_SHA256);
    let (other_der, _) = ca("Someone Else's CA", &PKCS_ECDSA_P256_SHA256);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a key");
    let valid = leaf(&issuer, &key, NOW - DAY, NOW + 30 * DAY);
    let by_p384 = leaf(&p384_issuer, &key, NOW - DAY, NOW + 30 * DAY);
    let by_twin = leaf(&twin, &key, NOW - DAY, NOW + 30 * DAY);
    let revoked = Status::Revoked { at: NOW - 10, reason: RevocationReason::KeyCompromise };
    let mut altered = valid.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    let cases: &[(&str, &[u8], &[u8], Status, i64, Result<(), &str>)] = &[
        ("valid now", &valid, &ca_der, Status::Valid, NOW, Ok(())),
        ("its first second", &valid, &ca_der, Status::Valid, NOW - DAY, Ok(())),
        ("its last second", &valid, &ca_der, Status::Valid, NOW + 30 * DAY, Ok(())),
        ("a P-384 issuing CA", &by_p384, &p384_der, Status::Valid, NOW, Ok(())),
        ("a second after", &valid, &ca_der, Status::Valid, NOW + 30 * DAY + 1, Err("certificate_expired")),
        ("a second before", &valid, &ca_der, Status::Valid, NOW - DAY - 1, Err("certificate_not_yet_valid")),
        ("revoked", &valid, &ca_der, revoked, NOW, Err("certificate_revoked")),
        ("revoked and expired: revoked is told", &valid, &ca_der, revoked, NOW + 40 * DAY, Err("certificate_revoked")),
        ("another CA's name", &valid, &other_der, Status::Valid, NOW, Err("certificate_chain_invalid")),
        ("same name, another key", &by_twin, &ca_der, Status::Valid, NOW, Err("certificate_chain_invalid")),
        ("the signature altered", &altered, &ca_der, Status::Valid, NOW, Err("certificate_chain_invalid")),
        ("not DER", b"\x30\x03\x02\x01", &ca_der, Status::Valid, NOW, Err("certificate_unreadable")),
        ("the CA not DER", &valid, b"", Status::Valid, NOW, Err("certificate_unreadable")),
    ];
    for (name, der, ca_der, status, now, expect) in cases {
        check(name, der, ca_der, *status, *now, *expect);
    }
    let _ = twin_der;
}

#[test]
fn the_message_names_its_purpose_and_a_revocation_signature_does_not_count() {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("a key");
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("reads");
    let rcgen_key = KeyPair::try_from(pkcs8.as_ref()).expect("rcgen reads it");
    let spki = rcgen::PublicKeyData::subject_public_key_info(&rcgen_key);
    let message = installation_message("40FF", "challenge");
    assert_eq!(message, b"Keyward test enrollment v1\nserial: 40ff\nchallenge: challenge\n");
    let signature = key.sign(&rng, &message).expect("signs");
    assert_eq!(verify_possession(&spki, &message, signature.as_ref()), Ok(()));
    // The same challenge signed for a revocation proves nothing here, and the reverse.
    let revocation = possession_message("40ff", RevocationReason::Unspecified, "challenge");
    let revocation_signature = key.sign(&rng, &revocation).expect("signs");
    assert!(verify_possession(&spki, &message, revocation_signature.as_ref()).is_err());
    assert!(verify_possession(&spki, &revocation, signature.as_ref()).is_err());
}

#[test]
fn installation_challenges_and_revocation_challenges_are_not_interchangeable() {
    let secret = b"the issuing CA's private key, DER";
    let revocation = ChallengeKey::derive(secret);
    let installation = ChallengeKey::derive_labelled(secret, INSTALLATION_CHALLENGE_KEY_LABEL);
    let serial = "4c0ffee0123456789abcdef012345678";
    let issued = Challenge::issue(&installation, serial, NOW, [3; 16]);
    assert!(Challenge::verify(&installation, issued.as_str(), serial, NOW).is_ok());
    assert_eq!(Challenge::verify(&revocation, issued.as_str(), serial, NOW).map(drop), Err(ChallengeError::Forged));
    let for_revocation = Challenge::issue(&revocation, serial, NOW, [3; 16]);
    assert_eq!(
        Challenge::verify(&installation, for_revocation.as_str(), serial, NOW).map(drop),
        Err(ChallengeError::Forged)
    );
}

#[test]
fn methods_and_user_agents_are_stored_in_their_forms() {
    for method in InstalledBy::ALL {
        assert_eq!(InstalledBy::parse(method.as_str()), Some(method));
        assert_eq!(serde_json::to_value(method).expect("serializes"), method.as_str());
    }
    assert_eq!(InstalledBy::parse("usb_stick"), None);
    let cases = [
        ("keyward/0.1.0", "keyward/0.1.0"),
        ("a\r\nInjected: header", "aInjected: header"),
        (&*"x".repeat(300), &*"x".repeat(USER_AGENT_MAXIMUM_CHARACTERS)),
    ];
    for (header, stored) in cases {
        assert_eq!(stored_user_agent(header), stored);
    }
}

#[test]
fn errors_have_stable_codes_and_plain_words() {
    let cases = [
        (InstallationError::Revoked { at: NOW }, "certificate_revoked", "revoked"),
        (InstallationError::Expired { at: NOW }, "certificate_expired", "expired"),
        (InstallationError::NotYetValid { at: NOW }, "certificate_not_yet_valid", "not valid yet"),
        (InstallationError::NotIssuedByCa, "certificate_chain_invalid", "issuing CA"),
        (InstallationError::Unreadable("x".into()), "certificate_unreadable", "could not be read"),
    ];
    for (error, code, words) in cases {
        assert_eq!(error.code(), code);
        assert!(error.to_string().contains(words), "{error}");
    }
}

#[test]
fn cloudflares_report_names_a_verified_certificate_or_says_why_not() {
    let report = |presented: &str, verified: &str, serial: &str| ClientAuth {
        presented: presented.into(),
        verified: verified.into(),
        serial: serial.into(),
        fingerprint_sha256: String::new(),
    };
    let cases: &[(&str, ClientAuth, Result<&str, &str>)] = &[
        (
            "verified",
            report("1", "SUCCESS", "4C0FFEE0123456789ABCDEF012345678"),
            Ok("4c0ffee0123456789abcdef012345678"),
        ),
        ("leading zeros dropped", report("1", "SUCCESS", "FFEE01"), Ok("00000000000000000000000000ffee01")),
        ("colons", report("1", "SUCCESS", "4C:0F:FE"), Ok("000000000000000000000000004c0ffe")),
        ("none presented", report("0", "NONE", ""), Err("client_certificate_missing")),
        ("not verified", report("1", "FAILED:self signed certificate", "AB"), Err("client_certificate_unverified")),
        ("presented, verdict empty", report("1", "", "AB"), Err("client_certificate_unverified")),
        ("serial too long", report("1", "SUCCESS", &"A".repeat(33)), Err("certificate_unknown")),
        ("serial not hex", report("1", "SUCCESS", "4C0G"), Err("certificate_unknown")),
        ("serial empty", report("1", "SUCCESS", ""), Err("certificate_unknown")),
    ];
    for (name, auth, expect) in cases {
        let outcome = auth.verified_serial();
        assert_eq!(outcome.as_deref().map_err(MtlsError::code), *expect, "{name}");
    }
    let der = b"a certificate's DER";
    let fingerprint = crate::encoding::hex(&<sha2::Sha256 as sha2::Digest>::digest(der));
    let with = |fingerprint: String| ClientAuth { fingerprint_sha256: fingerprint, ..ClientAuth::default() };
    assert_eq!(with(fingerprint.clone()).presented(der), Ok(()));
    assert_eq!(with(fingerprint.to_ascii_uppercase()).presented(der), Ok(()));
    assert_eq!(with(fingerprint.clone()).presented(b"another certificate"), Err(MtlsError::FingerprintMismatch));
    assert_eq!(with(String::new()).presented(der), Err(MtlsError::FingerprintMismatch));
}
