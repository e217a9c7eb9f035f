//! The holder's revocation challenge, stateless: a token that carries the certificate's serial, its expiry and a
//! random nonce, authenticated with HMAC-SHA-256 under a key only the Worker holds ([`ChallengeKey`]).
//!
//! Issuing one writes nothing, so a stranger who knows a public serial can ask for as many as they like without
//! taking anything from the holder (a stored challenge per request, capped per certificate, once let a stranger
//! hold every slot). Verification is pure: the key and the clock are arguments. Single use is the database's:
//! the revocation batch that uses a challenge inserts its [`Challenge::hash_hex`] under a primary key, so a
//! second use of the same challenge fails its batch whole.
//!
//! The text is `v1.<serial>.<expires_at>.<nonce>.<mac>`: the serial in lowercase hex, the expiry in decimal Unix
//! seconds, 16 random bytes and the 32-byte MAC over everything before its dot, both unpadded base64url. The MAC
//! covers the text byte for byte and its own encoding must be canonical, so one challenge has exactly one text
//! and one hash: a replay cannot slip past the single-use key by re-encoding a character. Only `.`, hex digits,
//! decimal digits and base64url appear, so it sits on one line of [`super::possession_message`].

use core::fmt;

use ring::hmac;
use sha2::{Digest, Sha256};

use crate::encoding::{base64url_decode, base64url_encode, hex};

/// What the challenge key is derived with from the Worker's secret; a new label is a new key.
pub const CHALLENGE_KEY_LABEL: &[u8] = b"keyward revocation challenge v1";

/// Random bytes in a challenge's nonce: 128 bits, so no two challenges are ever the same text.
pub const CHALLENGE_NONCE_BYTES: usize = 16;

/// The longest text accepted: the format's 3 + 41 + 13 + 23 + 43 characters, rounded up. Anything longer is not
/// one of ours and is refused before any MAC is computed.
pub const MAX_CHALLENGE_CHARACTERS: usize = 128;

/// Bytes in the MAC (HMAC-SHA-256).
const MAC_BYTES: usize = 32;

/// The format's version, its first field.
const VERSION: &str = "v1";

/// The key challenges are authenticated with: HMAC-SHA-256 of [`CHALLENGE_KEY_LABEL`] under a secret the Worker
/// already holds (the issuing CA's private key, DER), so a deployment configures nothing new. HMAC is a
/// pseudo-random function: the derived key says nothing about the secret, and no other use of the secret is
/// keyed with this label.
pub struct ChallengeKey(hmac::Key);

impl ChallengeKey {
    /// The revocation challenges' key derived from `secret`.
    pub fn derive(secret: &[u8]) -> Self {
        Self::derive_labelled(secret, CHALLENGE_KEY_LABEL)
    }

    /// The key derived from `secret` for the challenges of another purpose, named by `label` (the test
    /// enrollment's: `installation::INSTALLATION_CHALLENGE_KEY_LABEL`): a challenge made under one label is refused
    /// (`Forged`) under another.
    pub fn derive_labelled(secret: &[u8], label: &[u8]) -> Self {
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), label);
        Self(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
    }
}

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ChallengeKey(…)")
    }
}

/// A challenge this service issued: made by [`Challenge::issue`], or a text that passed [`Challenge::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    text: String,
    expires_at: i64,
}

impl Challenge {
    /// A new challenge for the certificate `serial_hex` (as stored: lowercase hex), usable until
    /// `now + CHALLENGE_LIFETIME_SECONDS`; `nonce` is fresh random bytes (the caller draws them).
    pub fn issue(key: &ChallengeKey, serial_hex: &str, now: i64, nonce: [u8; CHALLENGE_NONCE_BYTES]) -> Self {
        let expires_at = now + super::CHALLENGE_LIFETIME_SECONDS;
        let body = format!("{VERSION}.{}.{expires_at}.{}", serial_hex.to_ascii_lowercase(), base64url_encode(&nonce));
        let mac = hmac::sign(&key.0, body.as_bytes());
        Self { text: format!("{body}.{}", base64url_encode(mac.as_ref())), expires_at }
    }

    /// Checks `text` as a challenge for the certificate `serial_hex` at `now`: ours (the MAC, over the exact text),
    /// for this certificate, not expired (usable through its last second). Whether it was used already is the
    /// database's to say.
    pub fn verify(key: &ChallengeKey, text: &str, serial_hex: &str, now: i64) -> Result<Self, ChallengeError> {
        if text.len() > MAX_CHALLENGE_CHARACTERS {
            return Err(ChallengeError::Malformed);
        }
        let (body, mac_text) = text.rsplit_once('.').ok_or(ChallengeError::Malformed)?;
        let mac = base64url_decode(mac_text).ok_or(ChallengeError::Malformed)?;
        // The encoding must be the canonical one: a second spelling of the same MAC would be a second text, and
        // so a second single-use key, for the same challenge.
        if mac.len() != MAC_BYTES || base64url_encode(&mac) != mac_text {
            return Err(ChallengeError::Malformed);
        }
        hmac::verify(&key.0, body.as_bytes(), &mac).map_err(|_| ChallengeError::Forged)?;
        // Ours from here on: the fields are as `issue` wrote them.
        let mut fields = body.split('.');
        let (Some(VERSION), Some(serial), Some(expires_at), Some(_nonce), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(ChallengeError::Malformed);
        };
        let expires_at: i64 = expires_at.parse().map_err(|_| ChallengeError::Malformed)?;
        if serial != serial_hex.to_ascii_lowercase() {
            return Err(ChallengeError::OtherCertificate);
        }
        if now > expires_at {
            return Err(ChallengeError::Expired { at: expires_at });
        }
        Ok(Self { text: text.to_owned(), expires_at })
    }

    /// The text the holder receives and signs.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The last instant (Unix seconds) it may be used.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// Its single-use key in the database: lowercase hex of SHA-256 over the text.
    pub fn hash_hex(&self) -> String {
        hex(&Sha256::digest(self.text.as_bytes()))
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("Challenge").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// Why a challenge is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeError {
    /// Not in the challenge format (or longer than any challenge).
    Malformed,
    /// In the format, but its MAC is not ours: made up, or changed after it was issued.
    Forged,
    /// Ours, but issued for another certificate.
    OtherCertificate,
    /// Ours, but expired at this instant (Unix seconds).
    Expired {
        /// Its last usable second.
        at: i64,
    },
    /// A revocation used it already (the database holds its hash).
    Used,
}

impl ChallengeError {
    /// Stable error code. A made-up, altered or misplaced challenge is one answer, `challenge_invalid`: the
    /// message says which.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed | Self::Forged | Self::OtherCertificate => "challenge_invalid",
            Self::Expired { .. } => "challenge_expired",
            Self::Used => "challenge_used",
        }
    }
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Malformed => "The challenge is not one this service issued: send it exactly as received.",
            Self::Forged => "The challenge is not one this service issued, or it was changed: ask for a new one.",
            Self::OtherCertificate => "The challenge was issued for another certificate: ask for one for this one.",
            Self::Expired { .. } => "The challenge expired: ask for a new one.",
            Self::Used => "The challenge was used already: ask for a new one.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::CHALLENGE_LIFETIME_SECONDS;

    const NOW: i64 = 1_800_000_000;
    const SERIAL: &str = "4c0ffee0123456789abcdef012345678";
    const OTHER_SERIAL: &str = "4d0ffee0123456789abcdef012345678";

    fn key() -> ChallengeKey {
        ChallengeKey::derive(b"the issuing CA's private key, DER")
    }

    fn issued() -> Challenge {
        Challenge::issue(&key(), SERIAL, NOW, [7; CHALLENGE_NONCE_BYTES])
    }

    /// Verifies `text` for `serial` at `now` with the test key; the outcome as a code.
    fn check(text: &str, serial: &str, now: i64, expect: Result<(), ChallengeError>) {
        let outcome = Challenge::verify(&key(), text, serial, now).map(drop);
        assert_eq!(outcome, expect, "{text} for {serial} at {now}");
    }

    #[test]
    fn a_challenge_verifies_for_its_certificate_until_it_expires() {
        let challenge = issued();
        let text = challenge.as_str();
        assert_eq!(challenge.expires_at(), NOW + CHALLENGE_LIFETIME_SECONDS);
        let expired = Err(ChallengeError::Expired { at: NOW + CHALLENGE_LIFETIME_SECONDS });
        let cases: &[(&str, &str, i64, Result<(), ChallengeError>)] = &[
            ("fresh", SERIAL, NOW, Ok(())),
            ("the serial in capitals, as a URL may carry it", &SERIAL.to_ascii_uppercase(), NOW, Ok(())),
            ("its last second", SERIAL, NOW + CHALLENGE_LIFETIME_SECONDS, Ok(())),
            ("a second later", SERIAL, NOW + CHALLENGE_LIFETIME_SECONDS + 1, expired),
            ("another certificate's serial", OTHER_SERIAL, NOW, Err(ChallengeError::OtherCertificate)),
        ];
        for (name, serial, now, expect) in cases {
            println!("{name}");
            check(text, serial, *now, *expect);
        }
        assert_eq!(Challenge::verify(&key(), text, SERIAL, NOW).unwrap(), challenge);
    }

    #[test]
    fn the_text_has_the_documented_shape_and_fits_a_line() {
        let text = issued().as_str().to_owned();
        let fields: Vec<&str> = text.split('.').collect();
        assert_eq!(fields.len(), 5, "{text}");
        assert_eq!(fields[0], "v1");
        assert_eq!(fields[1], SERIAL);
        assert_eq!(fields[2], (NOW + CHALLENGE_LIFETIME_SECONDS).to_string());
        assert_eq!(fields[3], base64url_encode(&[7; CHALLENGE_NONCE_BYTES]));
        assert_eq!(fields[4].len(), 43);
        assert!(text.len() <= MAX_CHALLENGE_CHARACTERS);
        assert!(text.bytes().all(|byte| byte.is_ascii_alphanumeric() || b".-_".contains(&byte)), "{text}");
    }

    #[test]
    fn every_one_character_change_is_refused() {
        let text = issued().as_str().to_owned();
        for index in 0..text.len() {
            for replacement in ['A', 'B', 'f', '0', '1', '9', '-', '_', '.'] {
                let mut changed = text.clone().into_bytes();
                if changed[index] == replacement as u8 {
                    continue;
                }
                changed[index] = replacement as u8;
                let changed = String::from_utf8(changed).unwrap();
                let outcome = Challenge::verify(&key(), &changed, SERIAL, NOW);
                assert!(
                    matches!(outcome, Err(ChallengeError::Malformed | ChallengeError::Forged)),
                    "{changed}: {outcome:?}"
                );
            }
        }
    }

    #[test]
    fn what_the_key_did_not_make_is_refused() {
        let forged = |body: &str, with: &ChallengeKey| {
            let mac = hmac::sign(&with.0, body.as_bytes());
            format!("{body}.{}", base64url_encode(mac.as_ref()))
        };
        let body = format!("v1.{SERIAL}.{}.{}", NOW + 60, base64url_encode(&[1; 16]));
        let mut extended = issued().as_str().to_owned();
        extended.push_str(".more");
        let cases: &[(&str, String, ChallengeError)] = &[
            ("empty", String::new(), ChallengeError::Malformed),
            ("a link token's shape", "A".repeat(43), ChallengeError::Malformed),
            ("too long", "A".repeat(MAX_CHALLENGE_CHARACTERS + 1), ChallengeError::Malformed),
            ("padded MAC", format!("{}=", issued().as_str()), ChallengeError::Malformed),
            ("a field more", extended, ChallengeError::Malformed),
            ("another key's MAC", forged(&body, &ChallengeKey::derive(b"another secret")), ChallengeError::Forged),
            (
                "the label's key used as the secret",
                forged(&body, &ChallengeKey::derive(CHALLENGE_KEY_LABEL)),
                ChallengeError::Forged,
            ),
            (
                "a later expiry under the old MAC",
                {
                    let text = issued().as_str().to_owned();
                    let expiry = (NOW + CHALLENGE_LIFETIME_SECONDS).to_string();
                    text.replace(&expiry, &(NOW + 86_400).to_string())
                },
                ChallengeError::Forged,
            ),
            (
                "the right key, another version",
                forged(&body.replacen("v1", "v2", 1), &key()),
                ChallengeError::Malformed,
            ),
        ];
        for (name, text, expect) in cases {
            assert_eq!(Challenge::verify(&key(), text, SERIAL, NOW).map(drop), Err(*expect), "{name}: {text}");
        }
        // The right key accepts the same body: the cases above fail for their reason, not the body's.
        assert!(Challenge::verify(&key(), &forged(&body, &key()), SERIAL, NOW).is_ok());
    }

    #[test]
    fn each_challenge_is_its_own_text_and_hash() {
        let first = issued();
        let second = Challenge::issue(&key(), SERIAL, NOW, [8; CHALLENGE_NONCE_BYTES]);
        assert_ne!(first.as_str(), second.as_str());
        assert_ne!(first.hash_hex(), second.hash_hex());
        assert_eq!(first.hash_hex().len(), 64);
        assert_eq!(first.hash_hex(), hex(&Sha256::digest(first.as_str().as_bytes())));
        // Another key makes another MAC for the same serial, instant and nonce.
        let elsewhere = Challenge::issue(&ChallengeKey::derive(b"another secret"), SERIAL, NOW, [7; 16]);
        assert_ne!(first.as_str(), elsewhere.as_str());
    }

    #[test]
    fn errors_have_stable_codes_and_say_what_to_do() {
        let cases = [
            (ChallengeError::Malformed, "challenge_invalid"),
            (ChallengeError::Forged, "challenge_invalid"),
            (ChallengeError::OtherCertificate, "challenge_invalid"),
            (ChallengeError::Expired { at: NOW }, "challenge_expired"),
            (ChallengeError::Used, "challenge_used"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
            assert!(error.to_string().contains("challenge"), "{error}");
        }
    }
}
