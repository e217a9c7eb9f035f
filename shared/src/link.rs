//! Single-use links (enrollment now; validation and reset later): the token, its stored hash, and the state
//! machine `open → spent` / `open → expired`.
//!
//! A link is spent only by the explicit submission from the page, never by reading it: GET and HEAD show it,
//! mail scanners follow them freely. Time is an argument: nothing here reads a clock.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{base64url_decode, base64url_encode, hex};

/// Random bytes in a token: 256 bits, well above the 128 the design asks for.
pub const TOKEN_BYTES: usize = 32;

/// How long an enrollment link stays usable after it is sent, in seconds (30 days).
pub const ENROLLMENT_LINK_LIFETIME_SECONDS: i64 = 30 * 24 * 60 * 60;

/// The secret part of a link, as it appears in the emailed URL (base64url, no padding). Only its SHA-256 hash
/// is stored, so a copy of the database cannot be turned into working links.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Encodes freshly drawn random bytes (the caller draws them: `getrandom` on the Worker).
    pub fn from_random(random: [u8; TOKEN_BYTES]) -> Self {
        Self(base64url_encode(&random))
    }

    /// Accepts what a link can carry: exactly the base64url encoding of [`TOKEN_BYTES`] bytes.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        match base64url_decode(text) {
            Some(bytes) if bytes.len() == TOKEN_BYTES => Ok(Self(text.to_owned())),
            _ => Err(LinkError::Malformed),
        }
    }

    /// The token as it goes in a URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up: lowercase hex of SHA-256 over the token text. Lookup by an
    /// indexed hash is not a secret-dependent comparison, so no constant-time compare is needed.
    pub fn hash_hex(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

impl core::fmt::Debug for Token {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("Token(…)")
    }
}

/// Where a link stands, as the page shows it. Instants are seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkStatus {
    /// Usable until `expires_at`.
    Open {
        /// When it stops working.
        expires_at: i64,
    },
    /// Used once already, at `spent_at`; it will never work again.
    Spent {
        /// When it was used.
        spent_at: i64,
    },
    /// Never used, and now too old.
    Expired {
        /// When it stopped working.
        expired_at: i64,
    },
}

/// A link as stored: the facts from which its status follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// When it was created (and sent).
    pub created_at: i64,
    /// When it stops working if unused.
    pub expires_at: i64,
    /// When it was spent, if it was.
    pub spent_at: Option<i64>,
    /// Optimistic-concurrency version: every write sets it to the read value plus one, and the database
    /// refuses a write whose version is not exactly one more than the stored one.
    pub version: i64,
}

impl Link {
    /// A new, open link created at `now`.
    pub fn new(now: i64, lifetime_seconds: i64) -> Self {
        Self { created_at: now, expires_at: now + lifetime_seconds, spent_at: None, version: 0 }
    }

    /// The status at `now`. Spent wins over expired: a link used in time stays "used", not "expired".
    pub fn status(&self, now: i64) -> LinkStatus {
        match self.spent_at {
            Some(spent_at) => LinkStatus::Spent { spent_at },
            None if now >= self.expires_at => LinkStatus::Expired { expired_at: self.expires_at },
            None => LinkStatus::Open { expires_at: self.expires_at },
        }
    }

    /// The transition `open → spent` at `now`: the link to persist, with its version bumped. A spent or
    /// expired link refuses, saying which and when.
    pub fn spend(&self, now: i64) -> Result<Link, LinkError> {
        match self.status(now) {
            LinkStatus::Open { .. } => Ok(Link { spent_at: Some(now), version: self.version + 1, ..*self }),
            LinkStatus::Spent { spent_at } => Err(LinkError::Spent { spent_at }),
            LinkStatus::Expired { expired_at } => Err(LinkError::Expired { expired_at }),
        }
    }
}

/// Why a link cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The token in the URL is not one Keyward could have made (truncated or altered when copied).
    Malformed,
    /// No link has this token.
    Unknown,
    /// The link was used already.
    Spent {
        /// When it was used.
        spent_at: i64,
    },
    /// The link expired unused.
    Expired {
        /// When it stopped working.
        expired_at: i64,
    },
}

impl LinkError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "link_malformed",
            Self::Unknown => "link_unknown",
            Self::Spent { .. } => "link_spent",
            Self::Expired { .. } => "link_expired",
        }
    }
}

impl core::fmt::Display for LinkError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(match self {
            Self::Malformed => {
                "This link is incomplete or altered. Open it again from the email, or copy the whole address."
            }
            Self::Unknown => {
                "This link is not known. It may have been replaced by a newer email: use the most recent one."
            }
            Self::Spent { .. } => {
                "This link was already used to request a certificate, and a link works only once. The certificate \
                 was issued: if you kept your .p12 file, nothing more is needed. If the key was lost, ask your \
                 organization to request a reissue."
            }
            Self::Expired { .. } => {
                "This link expired before it was used. Ask your organization to send a new enrollment email."
            }
        })
    }
}

impl std::error::Error for LinkError {}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn an_open_link_spends_once_and_bumps_its_version() {
        let link = Link::new(1_000, 30 * DAY);
        assert_eq!(link.status(1_000), LinkStatus::Open { expires_at: 1_000 + 30 * DAY });
        let spent = link.spend(2_000).expect("an open link spends");
        assert_eq!(spent.spent_at, Some(2_000));
        assert_eq!(spent.version, link.version + 1);
        assert_eq!(spent.status(3_000), LinkStatus::Spent { spent_at: 2_000 });
        assert_eq!(spent.spend(3_000), Err(LinkError::Spent { spent_at: 2_000 }));
    }

    #[test]
    fn a_link_expires_at_its_deadline_not_a_second_later() {
        let link = Link::new(0, DAY);
        assert!(matches!(link.status(DAY - 1), LinkStatus::Open { .. }));
        assert_eq!(link.status(DAY), LinkStatus::Expired { expired_at: DAY });
        assert_eq!(link.spend(DAY), Err(LinkError::Expired { expired_at: DAY }));
    }

    #[test]
    fn a_spent_link_stays_spent_after_its_expiry() {
        let spent = Link::new(0, DAY).spend(10).expect("open");
        assert_eq!(spent.status(5 * DAY), LinkStatus::Spent { spent_at: 10 });
    }

    #[test]
    fn tokens_round_trip_and_hash_stably() {
        let token = Token::from_random([7; TOKEN_BYTES]);
        assert_eq!(token.as_str().len(), 43);
        assert_eq!(Token::parse(token.as_str()), Ok(token.clone()));
        assert_eq!(token.hash_hex().len(), 64);
        assert_ne!(token.hash_hex(), Token::from_random([8; TOKEN_BYTES]).hash_hex());
        // The hash is over the token text; a known vector pins the algorithm (SHA-256 of the 43 characters).
        assert_eq!(token.hash_hex(), hex(&Sha256::digest(token.as_str().as_bytes())));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for text in ["", "abc", "!!!!", &"A".repeat(42), &"A".repeat(44), &"+".repeat(43)] {
            assert_eq!(Token::parse(text), Err(LinkError::Malformed), "{text:?}");
        }
    }
}
