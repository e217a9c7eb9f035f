//! The WebAuthn challenge, stateless as the revocation challenge (`revocation/challenge.rs`): a text carrying the
//! ceremony, the session it was issued to, its expiry and a random nonce, authenticated with HMAC-SHA-256 under a
//! key only the Worker holds. Its bytes are what the authenticator signs over (the `challenge` of the options);
//! the wire carries them in base64url.
//!
//! Issuing one writes nothing. Verification is pure (the key and the clock are arguments) and binds the challenge
//! to its session and ceremony, so a challenge issued to one session or for a registration cannot serve another
//! session or a login. Single use is the database's: the batch that uses a challenge inserts its
//! [`Challenge::hash_hex`] under a primary key (`webauthn_challenges_spent`), so a replayed answer fails whole.
//!
//! The text is `v1.<ceremony>.<session>.<expires_at>.<nonce>.<mac>`, the nonce (16 bytes) and MAC (32 bytes)
//! unpadded base64url, the MAC over everything before its dot and canonically encoded (one challenge, one text).

use core::fmt;

use ring::hmac;
use sha2::{Digest, Sha256};

use crate::encoding::{base64url_decode, base64url_encode, hex};

/// What the challenge key is derived with from the Worker's secret; a new label is a new key.
pub const CHALLENGE_KEY_LABEL: &[u8] = b"keyward webauthn challenge v1";

/// How long a challenge may be answered: five minutes.
pub const CHALLENGE_LIFETIME_SECONDS: i64 = 5 * 60;

/// Random bytes in a challenge's nonce.
pub const CHALLENGE_NONCE_BYTES: usize = 16;

/// The longest text accepted; anything longer is refused before a MAC is computed.
pub const MAX_CHALLENGE_CHARACTERS: usize = 256;

const MAC_BYTES: usize = 32;
const VERSION: &str = "v1";

/// The ceremony a challenge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceremony {
    /// Registering a new passkey (`navigator.credentials.create`).
    Register,
    /// Confirming a login with a passkey (`navigator.credentials.get`).
    Login,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
        }
    }
}

/// The key challenges are authenticated with: HMAC-SHA-256 of [`CHALLENGE_KEY_LABEL`] under a secret the Worker
/// holds (the issuing CA's private key), as the revocation challenge's key with another label.
pub struct ChallengeKey(hmac::Key);

impl ChallengeKey {
    /// The key derived from `secret`.
    pub fn derive(secret: &[u8]) -> Self {
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), CHALLENGE_KEY_LABEL);
        Self(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
    }
}

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ChallengeKey(…)")
    }
}

/// A challenge this service issued: made by [`Challenge::issue`] or a text that passed [`Challenge::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    text: String,
    expires_at: i64,
}

impl Challenge {
    /// A new challenge for `ceremony` in the session `session_id`, usable until `now` plus five minutes; `nonce` is
    /// fresh random bytes.
    pub fn issue(
        key: &ChallengeKey,
        ceremony: Ceremony,
        session_id: &str,
        now: i64,
        nonce: [u8; CHALLENGE_NONCE_BYTES],
    ) -> Self {
        let expires_at = now + CHALLENGE_LIFETIME_SECONDS;
        let session = session_label(session_id);
        let body = format!("{VERSION}.{}.{session}.{expires_at}.{}", ceremony.as_str(), base64url_encode(&nonce));
        let mac = hmac::sign(&key.0, body.as_bytes());
        Self { text: format!("{body}.{}", base64url_encode(mac.as_ref())), expires_at }
    }

    /// Checks the challenge whose base64url form is `encoded` for `ceremony` in `session_id` at `now`.
    pub fn verify(
        key: &ChallengeKey,
        encoded: &str,
        ceremony: Ceremony,
        session_id: &str,
        now: i64,
    ) -> Result<Self, ChallengeError> {
        if encoded.len() > MAX_CHALLENGE_CHARACTERS * 4 / 3 + 4 {
            return Err(ChallengeError::Malformed);
        }
        let bytes = base64url_decode(encoded).ok_or(ChallengeError::Malformed)?;
        let text = String::from_utf8(bytes).map_err(|_| ChallengeError::Malformed)?;
        if text.len() > MAX_CHALLENGE_CHARACTERS {
            return Err(ChallengeError::Malformed);
        }
        let (body, mac_text) = text.rsplit_once('.').ok_or(ChallengeError::Malformed)?;
        let mac = base64url_decode(mac_text).ok_or(ChallengeError::Malformed)?;
        if mac.len() != MAC_BYTES || base64url_encode(&mac) != mac_text {
            return Err(ChallengeError::Malformed);
        }
        hmac::verify(&key.0, body.as_bytes(), &mac).map_err(|_| ChallengeError::Forged)?;
        let mut fields = body.split('.');
        let (Some(VERSION), Some(kind), Some(session), Some(expires_at), Some(_nonce), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(ChallengeError::Malformed);
        };
        let expires_at: i64 = expires_at.parse().map_err(|_| ChallengeError::Malformed)?;
        if kind != ceremony.as_str() || session != session_label(session_id) {
            return Err(ChallengeError::OtherCeremony);
        }
        if now > expires_at {
            return Err(ChallengeError::Expired);
        }
        Ok(Self { text, expires_at })
    }

    /// The bytes the authenticator signs over (`clientDataJSON.challenge` decodes to them).
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The base64url form the options carry.
    pub fn encoded(&self) -> String {
        base64url_encode(self.text.as_bytes())
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

/// The session as the challenge names it: the first 128 bits of SHA-256 of its id, in hex (no `.` whatever the id).
fn session_label(session_id: &str) -> String {
    hex(&Sha256::digest(session_id.as_bytes())[..16])
}

/// Why a challenge is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeError {
    /// Not in the challenge format.
    Malformed,
    /// Its MAC is not ours.
    Forged,
    /// Ours, but for another ceremony or session.
    OtherCeremony,
    /// Ours, but expired.
    Expired,
    /// Used already (the database holds its hash).
    Used,
}

impl ChallengeError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed | Self::Forged | Self::OtherCeremony => "webauthn_challenge_invalid",
            Self::Expired => "webauthn_challenge_expired",
            Self::Used => "webauthn_challenge_used",
        }
    }

    /// The request field.
    pub fn field(&self) -> &'static str {
        "challenge"
    }
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Malformed => "This is not a passkey challenge Keyward issued.",
            Self::Forged => "This passkey challenge was not issued by Keyward, or was changed.",
            Self::OtherCeremony => "This passkey challenge was issued for another session or ceremony.",
            Self::Expired => "This passkey challenge expired (after 5 minutes): start again.",
            Self::Used => "This passkey challenge was used already: start again.",
        })
    }
}
