//! Tests of `shared::csr` against requests made by OpenSSL 3.0 (see `fixtures/csr/README.md`).

use std::fs;
use std::path::PathBuf;

use der::{Decode, Encode};
use shared::csr::{CsrError, ParsedCsr, PublicKey, SignatureAlgorithm};
use x509_cert::request::CertReq;

/// What an input must give.
enum Expected {
    /// Parses into this key and algorithm, and its `SubjectPublicKeyInfo` is the fixture `<spki>.spki.der`
    /// (made by `openssl req -pubkey`).
    Parsed { public_key: PublicKey, signature_algorithm: SignatureAlgorithm, spki: &'static str },
    /// Fails with this error code.
    Fails(&'static str),
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csr").join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    fs::read(fixture_path(name)).unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture_bytes(name)).unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

/// The RSA key recorded by `openssl req -noout -modulus` in `<stem>.modulus.txt`, with exponent 65537.
fn rsa(stem: &str, modulus_bits: u32) -> PublicKey {
    let text = fixture_text(&format!("{stem}.modulus.txt"));
    let hex = text.trim().strip_prefix("Modulus=").expect("openssl -modulus output starts with Modulus=");
    let modulus = (0..hex.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex modulus"))
        .collect();
    PublicKey::Rsa { modulus_bits, public_exponent: 65537, modulus }
}

/// Parses `input` as PEM and compares the outcome with `expected`; returns the parsed request.
fn check(name: &str, input: &str, expected: Expected) -> Option<ParsedCsr> {
    let result = ParsedCsr::from_pem(input);
    match expected {
        Expected::Parsed { public_key, signature_algorithm, spki } => {
            let parsed = result.unwrap_or_else(|error| panic!("{name}: expected to parse, got {error}"));
            assert_eq!(parsed.public_key(), &public_key, "{name}: public key");
            assert_eq!(parsed.signature_algorithm(), signature_algorithm, "{name}: signature algorithm");
            assert_eq!(
                parsed.subject_public_key_info_der(),
                fixture_bytes(&format!("{spki}.spki.der")),
                "{name}: SubjectPublicKeyInfo"
            );
            assert_eq!(ParsedCsr::from_der(parsed.der()).as_ref(), Ok(&parsed), "{name}: der() round trip");
            Some(parsed)
        }
        Expected::Fails(code) => {
            let error = result.expect_err(name);
            assert_eq!(error.code(), code, "{name}: {error}");
            assert!(!error.to_string().is_empty());
            None
        }
    }
}

fn check_fixture(name: &str, expected: Expected) -> Option<ParsedCsr> {
    check(name, &fixture_text(name), expected)
}

fn error_of(input: &str) -> CsrError {
    ParsedCsr::from_pem(input).expect_err("input must be rejected")
}

#[test]
fn supported_requests_parse_and_verify() {
    use Expected::Parsed;
    use SignatureAlgorithm::*;
    let cases = [
        ("rsa2048-sha256.csr.pem", rsa("rsa2048-sha256", 2048), RsaPkcs1Sha256, "rsa2048-sha256"),
        ("rsa4096-sha384.csr.pem", rsa("rsa4096-sha384", 4096), RsaPkcs1Sha384, "rsa4096-sha384"),
        ("rsa2048-sha512.csr.pem", rsa("rsa2048-sha512", 2048), RsaPkcs1Sha512, "rsa2048-sha512"),
        // 1024 bits parses and verifies: rejecting it is the key-size policy's job.
        ("rsa1024-sha256.csr.pem", rsa("rsa1024-sha256", 1024), RsaPkcs1Sha256, "rsa1024-sha256"),
        ("ec-p256-sha256.csr.pem", PublicKey::EcP256, EcdsaSha256, "ec-p256-sha256"),
        ("ec-p384-sha384.csr.pem", PublicKey::EcP384, EcdsaSha384, "ec-p384-sha384"),
        ("ec-p256-sha384.csr.pem", PublicKey::EcP256, EcdsaSha384, "ec-p256-sha384"),
        ("ec-p384-sha256.csr.pem", PublicKey::EcP384, EcdsaSha256, "ec-p384-sha256"),
        ("ed25519.csr.pem", PublicKey::Ed25519, Ed25519, "ed25519"),
        ("rsa2048-sha256-new-label-crlf.csr.pem", rsa("rsa2048-sha256", 2048), RsaPkcs1Sha256, "rsa2048-sha256"),
    ];
    for (name, public_key, signature_algorithm, spki) in cases {
        check_fixture(name, Parsed { public_key, signature_algorithm, spki });
    }
}

#[test]
fn rejected_requests_give_their_codes() {
    use Expected::Fails;
    let cases = [
        ("rsa2048-sha256-signature-flipped.csr.pem", "csr_signature_invalid"),
        ("rsa2048-sha256-subject-changed.csr.pem", "csr_signature_invalid"),
        ("rsa2048-sha1.csr.pem", "csr_signature_algorithm_unsupported"),
        ("rsa2048-pss.csr.pem", "csr_signature_algorithm_unsupported"),
        ("ec-p256-sha512.csr.pem", "csr_signature_algorithm_unsupported"),
        ("rsa512-sha256.csr.pem", "csr_key_unsupported"),
        ("rsa1024-sha384.csr.pem", "csr_key_unsupported"),
        ("ec-p521-sha512.csr.pem", "csr_key_unsupported"),
        ("ec-secp256k1-sha256.csr.pem", "csr_key_unsupported"),
        ("ed448.csr.pem", "csr_key_unsupported"),
        ("garbage.txt", "csr_not_pem"),
        ("bad-base64.pem", "csr_not_pem"),
        ("certificate.pem", "csr_not_pem"),
        // Valid base64 under the request label, but the DER is a certificate.
        ("certificate-der-with-csr-label.pem", "csr_malformed"),
    ];
    for (name, code) in cases {
        check_fixture(name, Fails(code));
    }
}

#[test]
fn messages_name_what_is_unsupported() {
    let cases = [
        ("rsa2048-sha1.csr.pem", "SHA-1 with RSA"),
        ("rsa2048-pss.csr.pem", "RSASSA-PSS"),
        ("ec-p256-sha512.csr.pem", "ECDSA with SHA-512"),
        ("rsa512-sha256.csr.pem", "512 bits is too small"),
        ("rsa1024-sha384.csr.pem", "with SHA-384 signatures at least 2048 bits"),
        ("ec-p521-sha512.csr.pem", "P-521"),
        ("ec-secp256k1-sha256.csr.pem", "secp256k1"),
        ("ed448.csr.pem", "Ed448"),
        ("certificate.pem", "this is a certificate (-----BEGIN CERTIFICATE-----), not a certificate signing request"),
    ];
    for (name, fragment) in cases {
        let message = error_of(&fixture_text(name)).to_string();
        assert!(message.contains(fragment), "{name}: {message:?} lacks {fragment:?}");
    }
}

#[test]
fn pem_without_a_request_names_the_accepted_labels() {
    for input in ["", " \r\n\t", "hello", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"] {
        let error = error_of(input);
        assert_eq!(error.code(), "csr_not_pem", "{input:?}");
        let message = error.to_string();
        assert!(
            message.contains("-----BEGIN CERTIFICATE REQUEST-----")
                && message.contains("-----BEGIN NEW CERTIFICATE REQUEST-----"),
            "{input:?}: {message}"
        );
    }
    assert!(error_of("").to_string().contains("the text is empty"));
    assert!(error_of("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n").to_string().contains("no matching"));
}

#[test]
fn a_flood_of_begin_lines_is_refused() {
    // Without a bound, every BEGIN line would search the rest of the text for its END line: quadratic time.
    let error = error_of(&"-----BEGIN X-----\n".repeat(200_000));
    assert_eq!(error.code(), "csr_not_pem");
    assert!(error.to_string().contains("more than 16 PEM BEGIN lines"), "{error}");
}

#[test]
fn a_private_key_is_called_out() {
    // Not a real key: the label is what is tested. Alone, nothing says which key it is.
    let error = error_of("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assert_eq!(error, CsrError::PrivateKeyIncluded { exposed_key_sha256: None });
    assert_eq!(error.code(), "csr_private_key_included");
    assert!(error.to_string().contains("now exposed"), "{error}");
}

/// A request pasted with its private key is refused, whatever the key block's label and place, and the error names
/// the request's key (the SHA-256 of its SubjectPublicKeyInfo), so the issuer can record it as compromised. The
/// error holds nothing of the private block. Before this check, the request beside the key was certified.
#[test]
fn a_request_pasted_with_its_private_key_is_refused_and_names_the_exposed_key() {
    let pem = fixture_text("ec-p256-sha256.csr.pem");
    let spki = fixture_bytes("ec-p256-sha256.spki.der");
    let expected = shared::encoding::hex(&<sha2::Sha256 as sha2::Digest>::digest(&spki));
    // Not a real key: the label is what is tested.
    let secret = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET";
    for label in ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"] {
        let block = format!("-----BEGIN {label}-----\n{secret}\n-----END {label}-----\n");
        for (place, text) in [("before", format!("{block}{pem}")), ("after", format!("{pem}\n{block}"))] {
            let error = error_of(&text);
            assert_eq!(
                error,
                CsrError::PrivateKeyIncluded { exposed_key_sha256: Some(expected.clone()) },
                "{label} {place}"
            );
            assert!(!error.to_string().contains("SECRET") && !format!("{error:?}").contains("SECRET"), "{label}");
        }
    }
    // A truncated private key block (no END line) counts as well.
    let truncated = format!("{pem}\n-----BEGIN PRIVATE KEY-----\n{secret}");
    assert_eq!(error_of(&truncated).code(), "csr_private_key_included");
}

#[test]
fn surrounding_text_and_rewrapping_are_ignored() {
    let pem = fixture_text("rsa2048-sha256.csr.pem");
    let original = ParsedCsr::from_pem(&pem).expect("fixture parses");

    let email = format!("Hi,\r\n\r\nplease sign this:\r\n\r\n{pem}\r\nThanks,\r\nAlice -----\r\n");
    // Base64 re-wrapped at 76 columns, indented, with trailing spaces.
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let rewrapped = format!(
        "  -----BEGIN CERTIFICATE REQUEST-----\n{}\n  -----END CERTIFICATE REQUEST-----  ",
        body.as_bytes()
            .chunks(76)
            .map(|chunk| format!("    {} ", String::from_utf8_lossy(chunk)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let microsoft = fixture_text("rsa2048-sha256-new-label-crlf.csr.pem");
    // Another kind of block next to the request is ignored.
    let with_certificate = format!("{}\n{pem}", fixture_text("certificate.pem"));
    for (name, input) in
        [("email", email), ("rewrapped", rewrapped), ("microsoft", microsoft), ("with certificate", with_certificate)]
    {
        assert_eq!(ParsedCsr::from_pem(&input).as_ref(), Ok(&original), "{name}");
    }
}

#[test]
fn two_requests_are_refused() {
    let pem = fixture_text("rsa2048-sha256.csr.pem");
    let other = fixture_text("ed25519.csr.pem");
    let error = error_of(&format!("{pem}\n{other}"));
    assert_eq!(error.code(), "csr_not_pem");
    assert!(error.to_string().contains("holds 2 certificate signing requests"), "{error}");
}

#[test]
fn der_input_matches_pem_input() {
    let der = fixture_bytes("rsa2048-sha256.csr.der");
    let from_der = ParsedCsr::from_der(&der).expect("DER fixture parses");
    let from_pem = ParsedCsr::from_pem(&fixture_text("rsa2048-sha256.csr.pem")).expect("PEM fixture parses");
    assert_eq!(from_der, from_pem);
    assert_eq!(from_der.der(), der.as_slice());
}

#[test]
fn broken_der_is_malformed() {
    let der = fixture_bytes("rsa2048-sha256.csr.der");
    let mut trailing = der.clone();
    trailing.push(0);
    let cases = [("empty", Vec::new()), ("truncated", der[..der.len() - 1].to_vec()), ("trailing byte", trailing)];
    for (name, input) in cases {
        let error = ParsedCsr::from_der(&input).expect_err(name);
        assert_eq!(error.code(), "csr_malformed", "{name}: {error}");
    }
}

/// Re-encodes the RSA 2048 request after `change`; the signature is left as it was.
fn altered_request(change: impl FnOnce(&mut CertReq)) -> Vec<u8> {
    let mut request = CertReq::from_der(&fixture_bytes("rsa2048-sha256.csr.der")).expect("fixture decodes");
    change(&mut request);
    request.to_der().expect("re-encodes")
}

#[test]
fn algorithm_identifiers_are_checked() {
    use der::asn1::{Any, BitString, ObjectIdentifier};
    let ecdsa_with_sha256 = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "ECDSA signature algorithm on an RSA key",
            altered_request(|request| {
                request.algorithm.oid = ecdsa_with_sha256;
                request.algorithm.parameters = None;
            }),
            "csr_signature_algorithm_unsupported",
        ),
        (
            "RSA signature algorithm with non-NULL parameters",
            altered_request(|request| request.algorithm.parameters = Some(Any::from(ecdsa_with_sha256))),
            "csr_malformed",
        ),
        (
            // RFC 4055 wants NULL, but an absent parameter carries nothing either: the signature still verifies.
            "RSA signature algorithm without parameters",
            altered_request(|request| request.algorithm.parameters = None),
            "",
        ),
        (
            "signature with unused bits",
            altered_request(|request| {
                let bytes = request.signature.raw_bytes().to_vec();
                request.signature = BitString::new(1, bytes).expect("bit string");
            }),
            "csr_malformed",
        ),
        (
            "unknown signature algorithm",
            altered_request(|request| request.algorithm.oid = ObjectIdentifier::new_unwrap("1.2.3.4")),
            "csr_signature_algorithm_unsupported",
        ),
    ];
    for (name, der, code) in cases {
        match ParsedCsr::from_der(&der) {
            Ok(parsed) => assert_eq!(code, "", "{name}: parsed as {:?}", parsed.signature_algorithm()),
            Err(error) => assert_eq!(error.code(), code, "{name}: {error}"),
        }
    }
    let unknown = altered_request(|request| request.algorithm.oid = ObjectIdentifier::new_unwrap("1.2.3.4"));
    let message = ParsedCsr::from_der(&unknown).expect_err("unknown algorithm").to_string();
    assert!(message.contains("signature algorithm 1.2.3.4"), "{message}");
}

/// The browser's pre-check reads the key without verifying the signature (the Worker does that), and refuses
/// what is not a request as `from_pem` does.
#[test]
fn requested_key_reads_the_key_of_a_request_without_verifying_it() {
    let flipped = fixture_text("rsa2048-sha256-signature-flipped.csr.pem");
    assert!(matches!(shared::csr::requested_key(&flipped), Ok(PublicKey::Rsa { modulus_bits: 2048, .. })));
    assert_eq!(ParsedCsr::from_pem(&flipped).map(|_| ()).unwrap_err().code(), "csr_signature_invalid");
    assert_eq!(shared::csr::requested_key(&fixture_text("ed25519.csr.pem")), Ok(PublicKey::Ed25519));
    for (text, code) in [(fixture_text("garbage.txt"), "csr_not_pem"), (fixture_text("certificate.pem"), "csr_not_pem")]
    {
        assert_eq!(shared::csr::requested_key(&text).unwrap_err().code(), code);
    }
}
