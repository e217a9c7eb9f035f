//! The ceremonies driven table-style with real keys: a software authenticator (ring's P-256, and the RSA-2048 key
//! of `tests/fixtures/webauthn/`) answers, each case changes one thing, and `check` compares the outcome with the
//! expected code. The CBOR reader, the COSE keys, the challenge and the counter rule have their own tables.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use sha2::{Digest, Sha256};

use super::cbor::{self, CborError, encode};
use super::*;
use crate::encoding::base64url_encode;

const ORIGIN: &str = "https://keyward.example.com";
const RSA_PKCS8: &[u8] = include_bytes!("../../tests/fixtures/webauthn/rsa-2048.pk8");

fn relying_party() -> RelyingParty {
    RelyingParty::from_app_url("https://keyward.example.com/app").expect("a valid URL")
}

/// A software authenticator: one credential, ES256 or RS256.
enum Authenticator {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
}

impl Authenticator {
    fn es256() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("keygen");
        Self::Es256(
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).expect("key"),
        )
    }

    fn rs256() -> Self {
        Self::Rs256(RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("the fixture's key"))
    }

    fn cose_key(&self) -> Vec<u8> {
        match self {
            Self::Es256(pair) => {
                let point = pair.public_key().as_ref();
                encode::map(&[
                    (encode::integer(1), encode::integer(2)),
                    (encode::integer(3), encode::integer(-7)),
                    (encode::integer(-1), encode::integer(1)),
                    (encode::integer(-2), encode::bytes(&point[1..33])),
                    (encode::integer(-3), encode::bytes(&point[33..65])),
                ])
            }
            Self::Rs256(pair) => {
                let components = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                encode::map(&[
                    (encode::integer(1), encode::integer(3)),
                    (encode::integer(3), encode::integer(-257)),
                    (encode::integer(-1), encode::bytes(&components.n)),
                    (encode::integer(-2), encode::bytes(&components.e)),
                ])
            }
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Es256(pair) => pair.sign(&rng, message).expect("sign").as_ref().to_vec(),
            Self::Rs256(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature).expect("sign");
                signature
            }
        }
    }
}

const CREDENTIAL_ID: &[u8] = b"credential-0001";
const CHALLENGE: &[u8] = b"the challenge the Worker issued";

fn client_data(kind: &str, challenge: &[u8], origin: &str, extra: &str) -> Vec<u8> {
    format!(r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}"{extra}}}"#, base64url_encode(challenge))
        .into_bytes()
}

fn authenticator_data(rp_id: &str, flags: u8, sign_count: u32, attested: Option<&[u8]>) -> Vec<u8> {
    let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
    data.push(flags);
    data.extend_from_slice(&sign_count.to_be_bytes());
    if let Some(key) = attested {
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(&(CREDENTIAL_ID.len() as u16).to_be_bytes());
        data.extend_from_slice(CREDENTIAL_ID);
        data.extend_from_slice(key);
    }
    data
}

/// One registration as an authenticator would send it; each field can be changed by a case.
struct Registration {
    kind: &'static str,
    challenge: &'static [u8],
    origin: &'static str,
    client_extra: &'static str,
    rp_id: &'static str,
    flags: u8,
    format: &'static str,
    /// `None`: an empty statement; `Some(alg)`: a packed self-attestation signed by the credential with `alg`.
    self_attestation: Option<i64>,
    cose_key: Option<Vec<u8>>,
    response_id: &'static [u8],
}

impl Default for Registration {
    fn default() -> Self {
        Self {
            kind: "webauthn.create",
            challenge: CHALLENGE,
            origin: ORIGIN,
            client_extra: "",
            rp_id: "keyward.example.com",
            flags: FLAG_UP | FLAG_AT,
            format: "none",
            self_attestation: None,
            cose_key: None,
            response_id: CREDENTIAL_ID,
        }
    }
}

impl Registration {
    fn run(&self, authenticator: &Authenticator) -> Result<NewCredential, WebauthnError> {
        let client_data_json = client_data(self.kind, self.challenge, self.origin, self.client_extra);
        let key = self.cose_key.clone().unwrap_or_else(|| authenticator.cose_key());
        let auth_data = authenticator_data(self.rp_id, self.flags, 0, Some(&key));
        let statement = match self.self_attestation {
            None => encode::map(&[]),
            Some(alg) => {
                let signature = authenticator.sign(&signed_message(&auth_data, &client_data_json));
                encode::map(&[
                    (encode::text("alg"), encode::integer(alg)),
                    (encode::text("sig"), encode::bytes(&signature)),
                ])
            }
        };
        let attestation_object = encode::map(&[
            (encode::text("fmt"), encode::text(self.format)),
            (encode::text("attStmt"), statement),
            (encode::text("authData"), encode::bytes(&auth_data)),
        ]);
        let response = RegistrationResponse {
            credential_id: self.response_id,
            client_data_json: &client_data_json,
            attestation_object: &attestation_object,
        };
        verify_registration(&relying_party(), CHALLENGE, &response)
    }
}

fn check<T: core::fmt::Debug>(name: &str, outcome: Result<T, WebauthnError>, expected: Result<(), &str>) {
    match (&outcome, expected) {
        (Ok(_), Ok(())) => {}
        (Err(error), Err(code)) => assert_eq!(error.code(), code, "{name}: {error}"),
        _ => panic!("{name}: expected {expected:?}, got {outcome:?}"),
    }
}

#[test]
fn registration() {
    let cases: &[(&str, Registration, Result<(), &str>)] = &[
        ("as a browser sends it", Registration::default(), Ok(())),
        ("user verified too", Registration { flags: FLAG_UP | FLAG_UV | FLAG_AT, ..Default::default() }, Ok(())),
        (
            "packed self-attestation",
            Registration { format: "packed", self_attestation: Some(-7), ..Default::default() },
            Ok(()),
        ),
        (
            "packed self-attestation naming another algorithm",
            Registration { format: "packed", self_attestation: Some(-257), ..Default::default() },
            Err("webauthn_attestation_signature_invalid"),
        ),
        (
            "a login's client data",
            Registration { kind: "webauthn.get", ..Default::default() },
            Err("webauthn_type_mismatch"),
        ),
        (
            "another challenge",
            Registration { challenge: b"another", ..Default::default() },
            Err("webauthn_challenge_mismatch"),
        ),
        (
            "another origin",
            Registration { origin: "https://evil.example", ..Default::default() },
            Err("webauthn_origin_mismatch"),
        ),
        (
            "a subdomain's origin",
            Registration { origin: "https://a.keyward.example.com", ..Default::default() },
            Err("webauthn_origin_mismatch"),
        ),
        (
            "plain HTTP",
            Registration { origin: "http://keyward.example.com", ..Default::default() },
            Err("webauthn_origin_mismatch"),
        ),
        (
            "cross-origin frame",
            Registration { client_extra: r#","crossOrigin":true"#, ..Default::default() },
            Err("webauthn_cross_origin"),
        ),
        ("crossOrigin false", Registration { client_extra: r#","crossOrigin":false"#, ..Default::default() }, Ok(())),
        (
            "a top origin",
            Registration { client_extra: r#","topOrigin":"https://evil.example""#, ..Default::default() },
            Err("webauthn_cross_origin"),
        ),
        ("another RP ID", Registration { rp_id: "evil.example", ..Default::default() }, Err("webauthn_rp_id_mismatch")),
        (
            "the parent domain as RP ID",
            Registration { rp_id: "example.com", ..Default::default() },
            Err("webauthn_rp_id_mismatch"),
        ),
        (
            "user not present",
            Registration { flags: FLAG_UV | FLAG_AT, ..Default::default() },
            Err("webauthn_user_not_present"),
        ),
        (
            "no attested credential",
            Registration { flags: FLAG_UP, ..Default::default() },
            Err("webauthn_authenticator_data_invalid"),
        ),
        (
            "backed up but not eligible",
            Registration { flags: FLAG_UP | FLAG_AT | FLAG_BS, ..Default::default() },
            Err("webauthn_authenticator_data_invalid"),
        ),
        (
            "another response id",
            Registration { response_id: b"other", ..Default::default() },
            Err("webauthn_credential_id_invalid"),
        ),
        ("fmt tpm", Registration { format: "tpm", ..Default::default() }, Err("webauthn_attestation_unsupported")),
        (
            "fmt packed without a signature",
            Registration { format: "packed", ..Default::default() },
            Err("webauthn_attestation_invalid"),
        ),
        (
            "an EdDSA key",
            Registration {
                cose_key: Some(encode::map(&[
                    (encode::integer(1), encode::integer(1)),
                    (encode::integer(3), encode::integer(-8)),
                    (encode::integer(-1), encode::integer(6)),
                    (encode::integer(-2), encode::bytes(&[7; 32])),
                ])),
                ..Default::default()
            },
            Err("webauthn_key_unsupported"),
        ),
        (
            "a P-384 key",
            Registration {
                cose_key: Some(encode::map(&[
                    (encode::integer(1), encode::integer(2)),
                    (encode::integer(3), encode::integer(-7)),
                    (encode::integer(-1), encode::integer(2)),
                    (encode::integer(-2), encode::bytes(&[7; 48])),
                    (encode::integer(-3), encode::bytes(&[7; 48])),
                ])),
                ..Default::default()
            },
            Err("webauthn_key_unsupported"),
        ),
        (
            "an RSA-1024 key",
            Registration {
                cose_key: Some(encode::map(&[
                    (encode::integer(1), encode::integer(3)),
                    (encode::integer(3), encode::integer(-257)),
                    (encode::integer(-1), encode::bytes(&[0xc5; 128])),
                    (encode::integer(-2), encode::bytes(&[1, 0, 1])),
                ])),
                ..Default::default()
            },
            Err("webauthn_key_invalid"),
        ),
        (
            "a key that is not CBOR",
            Registration { cose_key: Some(vec![0xff]), ..Default::default() },
            Err("webauthn_key_invalid"),
        ),
    ];
    for authenticator in [Authenticator::es256(), Authenticator::rs256()] {
        for (name, registration, expected) in cases {
            let mut registration_expected = *expected;
            // The packed cases sign with the authenticator's own algorithm: -7 is the RSA credential's mismatch.
            if let Authenticator::Rs256(_) = authenticator {
                if registration.self_attestation == Some(-7) {
                    registration_expected = Err("webauthn_attestation_signature_invalid");
                } else if registration.self_attestation == Some(-257) {
                    registration_expected = Ok(());
                }
            }
            check(name, registration.run(&authenticator), registration_expected);
        }
    }
}

#[test]
fn registration_keeps_the_credential() {
    let authenticator = Authenticator::es256();
    let credential = Registration { flags: FLAG_UP | FLAG_UV | FLAG_AT, ..Default::default() }
        .run(&authenticator)
        .expect("accepted");
    assert_eq!(credential.id, CREDENTIAL_ID);
    assert_eq!(credential.public_key_cose, authenticator.cose_key());
    assert_eq!(credential.algorithm, cose::ES256);
    assert!(credential.user_verified);
    assert_eq!(credential.attestation_format, "none");
    let rsa = Registration::default().run(&Authenticator::rs256()).expect("accepted");
    assert_eq!(rsa.algorithm, cose::RS256);
}

#[test]
fn malformed_attestation_objects() {
    let cases: &[(&str, Vec<u8>)] = &[
        ("empty", vec![]),
        ("not a map", encode::text("fmt")),
        (
            "no authData",
            encode::map(&[(encode::text("fmt"), encode::text("none")), (encode::text("attStmt"), encode::map(&[]))]),
        ),
        (
            "authData too short",
            encode::map(&[
                (encode::text("fmt"), encode::text("none")),
                (encode::text("attStmt"), encode::map(&[])),
                (encode::text("authData"), encode::bytes(&[0; 36])),
            ]),
        ),
        ("trailing bytes", [encode::map(&[]), vec![0]].concat()),
    ];
    let client_data_json = client_data("webauthn.create", CHALLENGE, ORIGIN, "");
    for (name, attestation_object) in cases {
        let response = RegistrationResponse {
            credential_id: CREDENTIAL_ID,
            client_data_json: &client_data_json,
            attestation_object,
        };
        let outcome = verify_registration(&relying_party(), CHALLENGE, &response);
        let code = outcome.expect_err(name).code();
        assert!(
            code == "webauthn_attestation_invalid" || code == "webauthn_authenticator_data_invalid",
            "{name}: {code}"
        );
    }
}

/// One assertion as an authenticator would send it; each field can be changed by a case.
struct Login {
    kind: &'static str,
    challenge: &'static [u8],
    origin: &'static str,
    rp_id: &'static str,
    flags: u8,
    stored_count: u32,
    new_count: u32,
    tamper_signature: bool,
    other_key: bool,
}

impl Default for Login {
    fn default() -> Self {
        Self {
            kind: "webauthn.get",
            challenge: CHALLENGE,
            origin: ORIGIN,
            rp_id: "keyward.example.com",
            flags: FLAG_UP,
            stored_count: 4,
            new_count: 5,
            tamper_signature: false,
            other_key: false,
        }
    }
}

impl Login {
    fn run(&self, authenticator: &Authenticator) -> Result<Assertion, WebauthnError> {
        let client_data_json = client_data(self.kind, self.challenge, self.origin, "");
        let auth_data = authenticator_data(self.rp_id, self.flags, self.new_count, None);
        let mut signature = authenticator.sign(&signed_message(&auth_data, &client_data_json));
        if self.tamper_signature {
            let last = signature.len() - 1;
            signature[last] ^= 1;
        }
        let stored_key = if self.other_key { Authenticator::es256().cose_key() } else { authenticator.cose_key() };
        let credential = StoredCredential { public_key_cose: &stored_key, sign_count: self.stored_count };
        let response = AuthenticationResponse {
            client_data_json: &client_data_json,
            authenticator_data: &auth_data,
            signature: &signature,
        };
        verify_authentication(&relying_party(), CHALLENGE, &credential, &response)
    }
}

#[test]
fn authentication() {
    let cases: &[(&str, Login, Result<(), &str>)] = &[
        ("as a browser sends it", Login::default(), Ok(())),
        ("no counter kept", Login { stored_count: 0, new_count: 0, ..Default::default() }, Ok(())),
        ("the first counted use", Login { stored_count: 0, new_count: 1, ..Default::default() }, Ok(())),
        (
            "a registration's client data",
            Login { kind: "webauthn.create", ..Default::default() },
            Err("webauthn_type_mismatch"),
        ),
        (
            "another challenge",
            Login { challenge: b"replayed", ..Default::default() },
            Err("webauthn_challenge_mismatch"),
        ),
        (
            "another origin",
            Login { origin: "https://keyward.example.com.evil.example", ..Default::default() },
            Err("webauthn_origin_mismatch"),
        ),
        ("another RP ID", Login { rp_id: "evil.example", ..Default::default() }, Err("webauthn_rp_id_mismatch")),
        ("user not present", Login { flags: FLAG_UV, ..Default::default() }, Err("webauthn_user_not_present")),
        (
            "attested data in an assertion",
            Login { flags: FLAG_UP | FLAG_AT, ..Default::default() },
            Err("webauthn_authenticator_data_invalid"),
        ),
        (
            "a changed signature",
            Login { tamper_signature: true, ..Default::default() },
            Err("webauthn_signature_invalid"),
        ),
        (
            "another credential's key",
            Login { other_key: true, ..Default::default() },
            Err("webauthn_signature_invalid"),
        ),
        (
            "the same counter",
            Login { stored_count: 5, new_count: 5, ..Default::default() },
            Err("webauthn_counter_regressed"),
        ),
        (
            "a lower counter",
            Login { stored_count: 9, new_count: 5, ..Default::default() },
            Err("webauthn_counter_regressed"),
        ),
        (
            "a counter dropped to zero",
            Login { stored_count: 3, new_count: 0, ..Default::default() },
            Err("webauthn_counter_regressed"),
        ),
    ];
    for authenticator in [Authenticator::es256(), Authenticator::rs256()] {
        for (name, login, expected) in cases {
            check(name, login.run(&authenticator), *expected);
        }
    }
}

#[test]
fn counter_rule() {
    let cases: &[(u32, u32, Option<u32>)] = &[
        (0, 0, Some(0)),
        (0, 1, Some(1)),
        (1, 2, Some(2)),
        (2, 2, None),
        (2, 1, None),
        (1, 0, None),
        (0, u32::MAX, Some(u32::MAX)),
    ];
    for (stored, received, expected) in cases {
        assert_eq!(check_counter(*stored, *received).ok(), *expected, "{stored} → {received}");
    }
}

#[test]
fn relying_party_from_app_url() {
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        ("https://keyward.example.com", Some(("https://keyward.example.com", "keyward.example.com"))),
        ("https://Keyward.Example.com/app/", Some(("https://keyward.example.com", "keyward.example.com"))),
        ("http://localhost:8787", Some(("http://localhost:8787", "localhost"))),
        ("http://127.0.0.1:8787/", Some(("http://127.0.0.1:8787", "127.0.0.1"))),
        ("ftp://keyward.example.com", None),
        ("https://user@keyward.example.com", None),
        ("https://[::1]:8787", None),
        ("https://keyward.example.com:port", None),
        ("keyward.example.com", None),
        ("https://", None),
    ];
    for (url, expected) in cases {
        let found = RelyingParty::from_app_url(url);
        assert_eq!(found.as_ref().map(|party| (party.origin.as_str(), party.id.as_str())), *expected, "{url}");
    }
}

#[test]
fn cbor_reader() {
    let cases: &[(&str, &[u8], Result<cbor::Value<'static>, CborError>)] = &[
        ("small unsigned", &[0x17], Ok(cbor::Value::Unsigned(23))),
        ("one-byte unsigned", &[0x18, 0x18], Ok(cbor::Value::Unsigned(24))),
        ("negative", &[0x38, 0x18], Ok(cbor::Value::Negative(-25))),
        (
            "largest negative",
            &[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            Ok(cbor::Value::Negative(-1 - i128::from(u64::MAX))),
        ),
        ("bytes", &[0x42, 1, 2], Ok(cbor::Value::Bytes(&[1, 2]))),
        ("text", &[0x62, b'o', b'k'], Ok(cbor::Value::Text("ok"))),
        ("true, false, null", &[0xf5], Ok(cbor::Value::Bool(true))),
        ("null", &[0xf6], Ok(cbor::Value::Null)),
        ("empty input", &[], Err(CborError::Truncated)),
        ("not shortest", &[0x18, 0x05], Err(CborError::NotWellFormed)),
        ("reserved information", &[0x1c], Err(CborError::NotWellFormed)),
        ("indefinite bytes", &[0x5f, 0xff], Err(CborError::Unsupported)),
        ("a tag", &[0xc0, 0x00], Err(CborError::Unsupported)),
        ("a float", &[0xf9, 0x00, 0x00], Err(CborError::Unsupported)),
        ("bytes past the end", &[0x45, 1, 2], Err(CborError::Truncated)),
        ("a huge length", &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Err(CborError::Truncated)),
        ("a huge array", &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Err(CborError::Truncated)),
        ("a huge map", &[0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Err(CborError::Truncated)),
        ("invalid UTF-8", &[0x61, 0xff], Err(CborError::InvalidText)),
        ("duplicate key", &[0xa2, 0x01, 0x02, 0x01, 0x03], Err(CborError::DuplicateKey)),
        ("trailing bytes", &[0x01, 0x02], Err(CborError::TrailingBytes)),
        ("too deep", &[0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00], Err(CborError::TooDeep)),
        (
            "as deep as allowed",
            &[0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00],
            Ok(cbor::Value::Array(vec![cbor::Value::Array(vec![cbor::Value::Array(vec![cbor::Value::Array(vec![
                cbor::Value::Array(vec![cbor::Value::Array(vec![cbor::Value::Array(vec![cbor::Value::Array(vec![
                    cbor::Value::Unsigned(0),
                ])])])]),
            ])])])])),
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(&cbor::decode(input), expected, "{name}");
    }
}

/// Every prefix and every one-byte change of a real attestation object is refused or accepted without a panic.
#[test]
fn cbor_reader_never_panics() {
    let authenticator = Authenticator::es256();
    let auth_data = authenticator_data("keyward.example.com", FLAG_UP | FLAG_AT, 0, Some(&authenticator.cose_key()));
    let object = encode::map(&[
        (encode::text("fmt"), encode::text("none")),
        (encode::text("attStmt"), encode::map(&[])),
        (encode::text("authData"), encode::bytes(&auth_data)),
    ]);
    let client_data_json = client_data("webauthn.create", CHALLENGE, ORIGIN, "");
    for end in 0..object.len() {
        assert!(cbor::decode(&object[..end]).is_err());
    }
    for position in 0..object.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut changed = object.clone();
            changed[position] ^= flip;
            let response = RegistrationResponse {
                credential_id: CREDENTIAL_ID,
                client_data_json: &client_data_json,
                attestation_object: &changed,
            };
            let _ = verify_registration(&relying_party(), CHALLENGE, &response);
        }
    }
}

#[test]
fn challenges() {
    let key = ChallengeKey::derive(b"the Worker's secret");
    let other_key = ChallengeKey::derive(b"another secret");
    let issued = Challenge::issue(&key, Ceremony::Login, "session-1", 1_000, [7; 16]);
    let encoded = issued.encoded();
    let tampered = {
        let mut text = String::from_utf8(issued.as_bytes().to_vec()).expect("ASCII");
        text = text.replacen(".login.", ".register.", 1);
        base64url_encode(text.as_bytes())
    };
    /// A case: its name, the key, the text, the ceremony and session it is checked for, the instant, the outcome.
    type Case<'a> = (&'a str, &'a ChallengeKey, &'a str, Ceremony, &'a str, i64, Result<(), &'a str>);
    let cases: &[Case<'_>] = &[
        ("as issued", &key, &encoded, Ceremony::Login, "session-1", 1_000, Ok(())),
        ("at its last second", &key, &encoded, Ceremony::Login, "session-1", 1_300, Ok(())),
        ("expired", &key, &encoded, Ceremony::Login, "session-1", 1_301, Err("webauthn_challenge_expired")),
        ("another session", &key, &encoded, Ceremony::Login, "session-2", 1_000, Err("webauthn_challenge_invalid")),
        ("another ceremony", &key, &encoded, Ceremony::Register, "session-1", 1_000, Err("webauthn_challenge_invalid")),
        ("another key", &other_key, &encoded, Ceremony::Login, "session-1", 1_000, Err("webauthn_challenge_invalid")),
        ("changed", &key, &tampered, Ceremony::Register, "session-1", 1_000, Err("webauthn_challenge_invalid")),
        ("not base64url", &key, "a+b", Ceremony::Login, "session-1", 1_000, Err("webauthn_challenge_invalid")),
        ("empty", &key, "", Ceremony::Login, "session-1", 1_000, Err("webauthn_challenge_invalid")),
    ];
    for (name, key, text, ceremony, session, now, expected) in cases {
        let outcome = Challenge::verify(key, text, *ceremony, session, *now);
        match (outcome, expected) {
            (Ok(challenge), Ok(())) => {
                assert_eq!(challenge.hash_hex(), issued.hash_hex(), "{name}");
                assert_eq!(challenge.as_bytes(), issued.as_bytes(), "{name}");
            }
            (Err(error), Err(code)) => assert_eq!(error.code(), *code, "{name}"),
            (outcome, expected) => panic!("{name}: expected {expected:?}, got {outcome:?}"),
        }
    }
    let second = Challenge::issue(&key, Ceremony::Login, "session-1", 1_000, [8; 16]);
    assert_ne!(second.hash_hex(), issued.hash_hex());
}

#[test]
fn recovery_codes() {
    let code = recovery_code([0xff; RECOVERY_CODE_BYTES]);
    assert_eq!(code, "zzzz-zzzz-zzzz-zzzz");
    assert_eq!(recovery_code([0; RECOVERY_CODE_BYTES]), "0000-0000-0000-0000");
    let code = recovery_code([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let hash = recovery_code_hash(&code).expect("its own form");
    let cases: &[(&str, bool)] = &[
        (&code, true),
        (&code.to_ascii_uppercase(), true),
        (&code.replace('-', ""), true),
        (&code.replace('-', " "), true),
        (&code[..18], false),
        ("", false),
        ("iiii-iiii-iiii-iiii", false),
    ];
    for (typed, same) in cases {
        assert_eq!(recovery_code_hash(typed).as_deref() == Some(hash.as_str()), *same, "{typed}");
    }
    assert_ne!(recovery_code_hash("0000-0000-0000-0001"), recovery_code_hash("0000-0000-0000-0000"));
}
