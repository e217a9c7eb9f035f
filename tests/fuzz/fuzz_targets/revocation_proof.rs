//! Fuzz target: the holder's revocation request with its proof of possession (`POST .../revocation`): serde into
//! `shared::api::revocation::RevokeRequest`, the challenge read as a token (`link::Token::parse`), the signature
//! as base64url, the signed message built (`revocation::possession_message`) and the signature checked
//! (`revocation::verify_possession`) against the keys of the fixtures (RSA, P-256, P-384, Ed25519). An input
//! that is not JSON is read as a key and a signature instead (two octets of length, a SubjectPublicKeyInfo, the
//! signature), so the key parsing is fuzzed too.
//!
//! Properties: never a panic; a request that deserializes round-trips through JSON; no fuzzed signature ever
//! verifies (a proof cannot be forged); the signed message names the reason and the challenge.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::api::revocation::RevokeRequest;
use shared::encoding::base64url_decode;
use shared::link::Token;
use shared::revocation::{possession_message, verify_possession};

/// The certificates' keys a proof is checked against.
const KEYS: &[&[u8]] = &[
    include_bytes!("../../../shared/tests/fixtures/csr/rsa2048-sha256.spki.der"),
    include_bytes!("../../../shared/tests/fixtures/csr/ec-p256-sha256.spki.der"),
    include_bytes!("../../../shared/tests/fixtures/csr/ec-p384-sha384.spki.der"),
    include_bytes!("../../../shared/tests/fixtures/csr/ed25519.spki.der"),
];
/// A serial number, as the path names it.
const SERIAL: &str = "4001ab";

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<RevokeRequest>(data) else {
        // Not a request: a key and a signature over a fixed message.
        if let Some((length, rest)) = data.split_first_chunk::<2>()
            && let Some((key, signature)) = rest.split_at_checked(usize::from(u16::from_be_bytes(*length)))
        {
            assert!(verify_possession(key, b"Keyward certificate revocation v1\n", signature).is_err());
        }
        return;
    };
    let json = serde_json::to_vec(&request).expect("a request serializes");
    assert_eq!(serde_json::from_slice::<RevokeRequest>(&json).ok().as_ref(), Some(&request), "JSON round trip");
    let Some(proof) = &request.proof else {
        return;
    };
    let _ = Token::parse(&proof.challenge);
    let Some(signature) = base64url_decode(&proof.signature) else {
        return;
    };
    let message = possession_message(SERIAL, request.reason, &proof.challenge);
    let text = String::from_utf8_lossy(&message);
    assert!(text.contains(&format!("\nreason: {}\n", request.reason.as_str())));
    assert!(text.ends_with(&format!("challenge: {}\n", proof.challenge)));
    for key in KEYS {
        assert!(verify_possession(key, &message, &signature).is_err(), "a fuzzed signature never verifies");
    }
});
