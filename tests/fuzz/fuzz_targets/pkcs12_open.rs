//! Fuzz target: a PKCS#12 bundle opened with a password (`shared::pkcs12::open`), as the web app re-opens the
//! bundle it built and as a bundle a person brings is read.
//!
//! Each input is opened twice: as it is (the outer structure and the MAC check), and with its MAC recomputed
//! for the password, so that the fuzzer also reaches what lies behind the MAC (the authenticated safe, the bags,
//! decryption, the key and certificate matching), which it could never forge its way to. Inputs asking for
//! more than [`ITERATION_CAP`] iterations of a key derivation are skipped: `open` accepts up to 10 million by
//! design (`pkcs12::MAX_ITERATIONS`, a cost the bundle may ask of the page that opens it), and the fuzzer
//! would otherwise spend its time hashing.
//!
//! Properties: never a panic; a bundle that opens, built again from what came out (`build`, modern profile)
//! and opened, gives back the same key, certificates and name.

#![no_main]

use der::asn1::{ObjectIdentifier, OctetString, OctetStringRef};
use der::{Decode, Encode};
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use pkcs12::pfx::Pfx;
use sha2::Sha256;
use shared::pkcs12::{BundleContents, BundleSalts, Profile, build, open};

/// The password the seed bundles were exported with (`tests/fuzz/README.md`).
const PASSWORD: &str = "fuzz";
/// The largest INTEGER an input may hold (see the module comment).
const ITERATION_CAP: u32 = 64;
/// `id-sha256`.
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// Whether `data` holds a salt followed by an iteration count above the cap: an OCTET STRING (short or long
/// length form) followed at once by an INTEGER of one to four octets, as the MAC data, PBKDF2's parameters and
/// PKCS#12's PBE parameters all write them.
fn asks_for_many_iterations(data: &[u8]) -> bool {
    (0..data.len()).any(|start| {
        let Some(&[tag, first]) = data.get(start..start + 2) else {
            return false;
        };
        let (salt_length, header) = match first {
            0x81 => (data.get(start + 2).map(|length| usize::from(*length)), 3),
            0x82 => (
                data.get(start + 2..start + 4).map(|length| usize::from(u16::from_be_bytes([length[0], length[1]]))),
                4,
            ),
            short if short < 0x80 => (Some(usize::from(short)), 2),
            _ => (None, 0),
        };
        let Some(salt_length) = salt_length.filter(|_| tag == 0x04) else {
            return false;
        };
        let integer = start + header + salt_length;
        match data.get(integer..integer + 2) {
            Some(&[0x02, length @ 1..=4]) => {
                data.get(integer + 2..integer + 2 + usize::from(length)).is_some_and(|content| {
                    content.iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte)) > u64::from(ITERATION_CAP)
                })
            }
            _ => false,
        }
    })
}

/// `bundle` with a MAC over its authenticated safe that verifies with [`PASSWORD`] (HMAC-SHA-256, one
/// iteration), or `None` when it has no readable `data` content or MAC to replace.
fn with_valid_mac(bundle: &[u8]) -> Option<Vec<u8>> {
    let mut pfx = Pfx::from_der(bundle).ok()?;
    let safe = pfx.auth_safe.content.decode_as::<&OctetStringRef>().ok()?.as_bytes().to_vec();
    let mac_data = pfx.mac_data.as_mut()?;
    let key = derive_key_utf8::<Sha256>(PASSWORD, mac_data.mac_salt.as_bytes(), Pkcs12KeyType::Mac, 1, 32).ok()?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).ok()?;
    mac.update(&safe);
    mac_data.mac.algorithm.oid = SHA256;
    mac_data.mac.digest = OctetString::new(mac.finalize().into_bytes().to_vec()).ok()?;
    mac_data.iterations = 1;
    pfx.to_der().ok()
}

fuzz_target!(|data: &[u8]| {
    if asks_for_many_iterations(data) {
        return;
    }
    let _ = open(data, PASSWORD);
    let Some(fixed) = with_valid_mac(data) else {
        return;
    };
    let Ok(opened) = open(&fixed, PASSWORD) else {
        return;
    };
    assert!(!opened.certificates_der.is_empty(), "an opened bundle holds the key's certificate");
    let name = opened.friendly_name.clone().unwrap_or_default();
    let contents = BundleContents {
        private_key_pkcs8_der: &opened.private_key_pkcs8_der,
        certificate_der: &opened.certificates_der[0],
        chain_der: &opened.certificates_der[1..],
        friendly_name: &name,
    };
    let salts = BundleSalts {
        key_salt: [1; 16],
        key_iv: [2; 16],
        certificates_salt: [3; 16],
        certificates_iv: [4; 16],
        mac_salt: [5; 16],
    };
    let Ok(rebuilt) = build(&contents, PASSWORD, Profile::Modern, 1, &salts) else {
        return;
    };
    let reopened = open(&rebuilt, PASSWORD).expect("a bundle built from an opened one opens");
    assert_eq!(reopened.private_key_pkcs8_der, opened.private_key_pkcs8_der);
    assert_eq!(reopened.certificates_der, opened.certificates_der);
    assert_eq!(reopened.friendly_name, opened.friendly_name.filter(|name| !name.is_empty()));
});
