//! Browser tests of the key module, in real Chromium: `cargo xtask test` runs them with `wasm-bindgen-test-runner`
//! and ChromeDriver (the browser's flags are in `frontend/webdriver.json`). For every key type: WebCrypto's key
//! pair, the request built and signed here as the Worker reads it (`shared::csr`, ring compiled to WebAssembly),
//! and a bundle of each profile re-opened with the right password and refused with a wrong one.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{BitString, UtcTime};
use der::{Decode, Encode, Sequence};
use shared::csr::{CsrError, ParsedCsr, PublicKey, SignatureAlgorithm};
use shared::pkcs12::{self, Pkcs12Error, Profile};
use shared::profile::KeyType;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::{
    GeneratedKey, bundle, certificate_request, common_name_only, encrypted_private_key_pem, generate, sign,
    signature_algorithm,
};

wasm_bindgen_test_configure!(run_in_browser);

/// The bundle password; not ASCII, so the BMPString conversion of both profiles is exercised.
const PASSWORD: &str = "correct horse ✓ battery";
/// The same password with its last character changed.
const WRONG_PASSWORD: &str = "correct horse ✓ batterz";

#[wasm_bindgen_test]
async fn rsa_2048_request_verifies() {
    request_verifies(KeyType::Rsa2048).await;
}

#[wasm_bindgen_test]
async fn rsa_3072_request_verifies() {
    request_verifies(KeyType::Rsa3072).await;
}

#[wasm_bindgen_test]
async fn rsa_4096_request_verifies() {
    request_verifies(KeyType::Rsa4096).await;
}

#[wasm_bindgen_test]
async fn ecdsa_p256_request_verifies() {
    request_verifies(KeyType::EcdsaP256).await;
}

#[wasm_bindgen_test]
async fn ecdsa_p384_request_verifies() {
    request_verifies(KeyType::EcdsaP384).await;
}

#[wasm_bindgen_test]
async fn ed25519_request_verifies() {
    request_verifies(KeyType::Ed25519).await;
}

#[wasm_bindgen_test]
async fn ed25519_bundles_round_trip() {
    bundles_round_trip(KeyType::Ed25519).await;
}

#[wasm_bindgen_test]
async fn rsa_2048_bundles_round_trip() {
    bundles_round_trip(KeyType::Rsa2048).await;
}

#[wasm_bindgen_test]
async fn rsa_3072_bundles_round_trip() {
    bundles_round_trip(KeyType::Rsa3072).await;
}

#[wasm_bindgen_test]
async fn rsa_4096_bundles_round_trip() {
    bundles_round_trip(KeyType::Rsa4096).await;
}

#[wasm_bindgen_test]
async fn ecdsa_p256_bundles_round_trip() {
    bundles_round_trip(KeyType::EcdsaP256).await;
}

#[wasm_bindgen_test]
async fn ecdsa_p384_bundles_round_trip() {
    bundles_round_trip(KeyType::EcdsaP384).await;
}

/// Names with every character RFC 4514 escapes, leading `#` and spaces, and backslashes next to separators.
const SPECIAL_NAMES: &[&str] = &[
    "Zoë, \"Q\" + O'Brien; <x>",
    "#1 = the first",
    " spaces around ",
    " ",
    "back\\slash",
    "back\\, slash\\+ and\\; more\\",
    "",
];

#[wasm_bindgen_test]
async fn special_characters_in_the_name_make_a_valid_request() {
    let key = generate(KeyType::EcdsaP256).await.expect("a P-256 key pair");
    for &name in SPECIAL_NAMES {
        let pem = certificate_request(&key, name).await.unwrap_or_else(|error| panic!("{name:?}: {error:?}"));
        let request = ParsedCsr::from_pem(&pem).unwrap_or_else(|error| panic!("{name:?}: {error}"));
        assert_eq!(request_common_name(&request), name);
    }
}

#[wasm_bindgen_test]
fn the_subject_is_the_name_x509_cert_parses() {
    for name in ["Ada Lovelace", "Zoë O'Brien", "李小龍"] {
        let parsed = Name::from_str(&format!("CN={name}")).expect("a name");
        assert_eq!(common_name_only(name).expect("a name").to_der(), parsed.to_der(), "{name}");
    }
}

/// Generates a key pair, makes a request, and checks it as the Worker does: the self-signature verifies, the
/// public key is the generated one, of the expected type and size, signed with the expected algorithm. Then
/// checks that one changed byte of the signature makes the request fail to verify.
async fn request_verifies(key_type: KeyType) {
    let key = generate(key_type).await.unwrap_or_else(|error| panic!("{key_type:?}: {error:?}"));
    let pem = certificate_request(&key, "Ada Lovelace").await.unwrap_or_else(|error| panic!("{key_type:?}: {error:?}"));
    assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"), "{pem}");

    let request = ParsedCsr::from_pem(&pem).unwrap_or_else(|error| panic!("{key_type:?}: {error}"));
    assert_eq!(request.subject_public_key_info_der(), key.public_key_spki.as_slice(), "{key_type:?}");
    assert!(is_expected_public_key(key_type, request.public_key()), "{key_type:?}: {:?}", request.public_key());
    assert_eq!(request.signature_algorithm(), expected_signature_algorithm(key_type), "{key_type:?}");
    assert_eq!(request_common_name(&request), "Ada Lovelace");

    // The signature is the request's last field, so its last byte is the signature's.
    let mut altered = request.der().to_vec();
    if let Some(last) = altered.last_mut() {
        *last ^= 0x01;
    }
    assert_eq!(ParsedCsr::from_der(&altered), Err(CsrError::BadSignature), "{key_type:?}");
}

/// Generates a key pair, certifies it with a throwaway CA, and for every bundle profile: `bundle` succeeds (it
/// re-opens the bundle itself), `open` with the password returns the same key, certificates and friendly name,
/// and `open` with a wrong password is refused as such.
async fn bundles_round_trip(key_type: KeyType) {
    let key = generate(key_type).await.unwrap_or_else(|error| panic!("{key_type:?}: {error:?}"));
    let authority_key = generate(KeyType::EcdsaP256).await.expect("a P-256 key pair");
    let authority_certificate = issue_certificate(&authority_key, "Test CA", &authority_key, "Test CA").await;
    let certificate = issue_certificate(&key, "Ada Lovelace", &authority_key, "Test CA").await;
    let chain = [authority_certificate];

    for &profile in Profile::ALL {
        let bundle_der = bundle(&key.private_key_pkcs8, &certificate, &chain, "Ada Lovelace", PASSWORD, profile)
            .unwrap_or_else(|error| panic!("{key_type:?} {profile:?}: {error:?}"));

        let opened =
            pkcs12::open(&bundle_der, PASSWORD).unwrap_or_else(|error| panic!("{key_type:?} {profile:?}: {error}"));
        assert!(opened.private_key_pkcs8_der == key.private_key_pkcs8, "{key_type:?} {profile:?}: another key");
        assert_eq!(opened.certificates_der, [certificate.clone(), chain[0].clone()], "{key_type:?} {profile:?}");
        assert_eq!(opened.friendly_name.as_deref(), Some("Ada Lovelace"), "{key_type:?} {profile:?}");

        let refused = pkcs12::open(&bundle_der, WRONG_PASSWORD).err();
        assert_eq!(refused, Some(Pkcs12Error::BadPassword), "{key_type:?} {profile:?}");
        assert_eq!(refused.as_ref().map(Pkcs12Error::code), Some("pkcs12_bad_password"));
    }
}

fn is_expected_public_key(key_type: KeyType, public_key: &PublicKey) -> bool {
    matches!(
        (key_type, public_key),
        (KeyType::Rsa2048, PublicKey::Rsa { modulus_bits: 2048, public_exponent: 65_537, .. })
            | (KeyType::Rsa3072, PublicKey::Rsa { modulus_bits: 3072, public_exponent: 65_537, .. })
            | (KeyType::Rsa4096, PublicKey::Rsa { modulus_bits: 4096, public_exponent: 65_537, .. })
            | (KeyType::EcdsaP256, PublicKey::EcP256)
            | (KeyType::EcdsaP384, PublicKey::EcP384)
            | (KeyType::Ed25519, PublicKey::Ed25519)
    )
}

fn expected_signature_algorithm(key_type: KeyType) -> SignatureAlgorithm {
    match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => SignatureAlgorithm::RsaPkcs1Sha256,
        KeyType::EcdsaP256 => SignatureAlgorithm::EcdsaSha256,
        KeyType::EcdsaP384 => SignatureAlgorithm::EcdsaSha384,
        KeyType::Ed25519 => SignatureAlgorithm::Ed25519,
    }
}

/// The request's common name, decoded from its DER.
fn request_common_name(request: &ParsedCsr) -> String {
    let request = CertReq::from_der(request.der()).expect("a PKCS#10 request");
    match request.info.subject.common_name() {
        Ok(Some(DirectoryString::Utf8String(common_name))) => common_name,
        other => panic!("the subject's common name is not one UTF8String: {other:?}"),
    }
}

/// `TBSCertificate` (RFC 5280 4.1.2), version 3 without extensions.
#[derive(Sequence)]
struct TestTbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: x509_cert::Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
}

/// `Certificate` (RFC 5280 4.1.1).
#[derive(Sequence)]
struct TestCertificate {
    tbs_certificate: TestTbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// A throwaway certificate (DER) for `subject`'s public key, signed with WebCrypto by `issuer`'s key, like the
/// request: the tests reach no CA. Valid through 2026; nothing here checks dates.
async fn issue_certificate(
    subject: &GeneratedKey,
    subject_name: &str,
    issuer: &GeneratedKey,
    issuer_name: &str,
) -> Vec<u8> {
    let time = |seconds| Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(seconds)).expect("a UTCTime"));
    let algorithm = signature_algorithm(issuer.key_type).expect("a signature algorithm");
    let tbs_certificate = TestTbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&[0x01]).expect("a serial number"),
        signature: algorithm.clone(),
        issuer: Name::from_str(&format!("CN={issuer_name}")).expect("an issuer name"),
        validity: Validity::new(time(1_767_225_600), time(1_798_761_599)),
        subject: Name::from_str(&format!("CN={subject_name}")).expect("a subject name"),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&subject.public_key_spki).expect("an SPKI"),
    };
    let to_be_signed = tbs_certificate.to_der().expect("TBSCertificate DER");
    let signature = sign(issuer, &to_be_signed).await.expect("a WebCrypto signature");
    let certificate = TestCertificate {
        tbs_certificate,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).expect("a BIT STRING"),
    }
    .to_der()
    .expect("certificate DER");

    let parsed = Certificate::from_der(&certificate).expect("x509-cert reads the certificate");
    let certified_key = parsed.tbs_certificate().subject_public_key_info().to_der().expect("SPKI DER");
    assert_eq!(certified_key, subject.public_key_spki);
    certificate
}

#[wasm_bindgen_test]
async fn encrypted_private_key_pem_decrypts_with_the_password_only() {
    let key = generate(KeyType::EcdsaP256).await.expect("a key pair");
    let pem = encrypted_private_key_pem(&key.private_key_pkcs8, PASSWORD).expect("the encrypted key");
    let der = shared::encoding::pem_decode("ENCRYPTED PRIVATE KEY", &pem).expect("PEM with the PKCS#8 label");
    assert_eq!(pkcs12::decrypt_private_key(&der, PASSWORD), Ok(key.private_key_pkcs8.clone()));
    assert_eq!(pkcs12::decrypt_private_key(&der, WRONG_PASSWORD), Err(Pkcs12Error::BadPassword));
}
