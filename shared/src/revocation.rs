//! Revocation: the reasons (RFC 5280 5.3.1, as the S/MIME Baseline Requirements 7.2.2 allow them), who may give
//! which, the revoke transition of a certificate, and the holder's proof of possession.
//!
//! The holder revokes without an account by proving they hold the private key: the Worker hands out a
//! single-use challenge (`challenge.rs`: stateless, authenticated by the Worker's key, spent in the revocation's
//! batch), the browser signs [`possession_message`] with the key (read from the holder's own
//! `.p12`, in the page), and the Worker checks the signature against the certificate's public key with
//! [`verify_possession`]. The message names the purpose, the serial and the reason, so a signature made for one
//! certificate or one reason cannot be replayed for another.

use crate::lang::Lang;
use core::fmt;

pub mod challenge;

pub use challenge::{Challenge, ChallengeError, ChallengeKey};

use ring::signature::{self as ring_signature, UnparsedPublicKey, VerificationAlgorithm};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoRef;

use crate::csr::{self, PublicKey};
use der::Decode;

/// Why a certificate was revoked. Only the RFC 5280 reasons that make sense for a subscriber certificate of
/// this CA: no CA compromise, no certificate hold (suspension is not offered), no removeFromCRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// No reason given. The CRL entry then carries no reasonCode (S/MIME BR 7.2.2).
    Unspecified,
    /// The private key was (or may have been) disclosed, lost or stolen.
    KeyCompromise,
    /// The subject's name or other information changed (left the organization, changed name).
    AffiliationChanged,
    /// Replaced by a new certificate.
    Superseded,
    /// No longer needed.
    CessationOfOperation,
    /// Revoked by the CA: the subscriber broke the agreement or is no longer entitled. Not the holder's to give.
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// Every reason, in the order forms show them.
    pub const ALL: [Self; 6] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::PrivilegeWithdrawn,
    ];

    /// The CRLReason code (RFC 5280 5.3.1).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    /// The code a CRL entry or OCSP response states, or `None` for unspecified, which must be left out
    /// (S/MIME BR 7.2.2: the reasonCode SHALL NOT be unspecified; omit it instead).
    pub fn stated_code(self) -> Option<u8> {
        (self != Self::Unspecified).then_some(self.code())
    }

    /// The stable name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key_compromise",
            Self::AffiliationChanged => "affiliation_changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation_of_operation",
            Self::PrivilegeWithdrawn => "privilege_withdrawn",
        }
    }

    /// Reads a stored or sent name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }

    /// The reason's short name (RFC 5280's), for lists in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Self::Unspecified => lang.pick("Unspecified", "Non précisé"),
            Self::KeyCompromise => lang.pick("Key compromise", "Compromission de la clé"),
            Self::AffiliationChanged => lang.pick("Affiliation changed", "Changement d’affiliation"),
            Self::Superseded => lang.pick("Superseded", "Remplacé"),
            Self::CessationOfOperation => lang.pick("Cessation of operation", "Cessation d’activité"),
            Self::PrivilegeWithdrawn => lang.pick("Privilege withdrawn", "Privilège retiré"),
        }
    }

    /// What the reason means, for forms in `lang`.
    pub fn description(self, lang: Lang) -> &'static str {
        match self {
            Self::Unspecified => lang.pick("No particular reason", "Sans raison particulière"),
            Self::KeyCompromise => lang.pick(
                "The private key was lost, stolen or may have been seen by someone else",
                "La clé privée a été perdue, volée ou a pu être vue par quelqu’un d’autre",
            ),
            Self::AffiliationChanged => lang.pick(
                "My name or organization changed, or I left the organization",
                "Mon nom ou mon organisation a changé, ou j’ai quitté l’organisation",
            ),
            Self::Superseded => lang.pick(
                "I have a new certificate that replaces this one",
                "J’ai un nouveau certificat qui remplace celui-ci",
            ),
            Self::CessationOfOperation => {
                lang.pick("I no longer need this certificate", "Je n’ai plus besoin de ce certificat")
            }
            Self::PrivilegeWithdrawn => lang.pick(
                "Withdrawn by the CA (administrators only)",
                "Retiré par l’autorité de certification (administrateurs uniquement)",
            ),
        }
    }

    /// Whether the subscriber (the holder, or a member of the account that ordered the certificate) may give this
    /// reason. `privilegeWithdrawn` is the CA's decision.
    pub fn subscriber_may_give(self) -> bool {
        self != Self::PrivilegeWithdrawn
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A certificate's revocation state, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not revoked (it may still have expired: expiry is the validity period's business, not this one's).
    Valid,
    /// Revoked at this instant, for this reason.
    Revoked {
        /// Seconds since the Unix epoch.
        at: i64,
        /// The reason.
        reason: RevocationReason,
    },
}

/// Why a revocation cannot happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeError {
    /// It was revoked already, at this instant. Revocation is final; the first reason stands.
    AlreadyRevoked {
        /// Seconds since the Unix epoch.
        at: i64,
    },
    /// The certificate expired at this instant: relying parties reject it already, and CRLs drop expired entries.
    Expired {
        /// Seconds since the Unix epoch.
        at: i64,
    },
    /// The holder or the subscriber's account gave a reason only the CA may give.
    ReasonNotAllowed(RevocationReason),
}

impl RevokeError {
    /// Stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AlreadyRevoked { .. } => "certificate_already_revoked",
            Self::Expired { .. } => "certificate_expired",
            Self::ReasonNotAllowed(_) => "reason_not_allowed",
        }
    }
}

impl fmt::Display for RevokeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyRevoked { .. } => {
                formatter.write_str("This certificate was revoked already; nothing changed.")
            }
            Self::Expired { .. } => formatter
                .write_str("This certificate has expired: no one accepts it any more, so it needs no revocation."),
            Self::ReasonNotAllowed(reason) => {
                write!(formatter, "The reason {reason} is given by the CA only; choose another reason.")
            }
        }
    }
}

/// Who asks for the revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// The holder, who proved possession of the private key.
    Holder,
    /// A member (organization administrator, user or API key) of the account whose order the certificate was
    /// issued for.
    Account,
    /// A CA administrator.
    Administrator,
}

/// The revoke transition: from [`Status::Valid`] and before expiry, to [`Status::Revoked`] now.
pub fn revoke(
    status: Status,
    not_after: i64,
    reason: RevocationReason,
    requester: Requester,
    now: i64,
) -> Result<Status, RevokeError> {
    if requester != Requester::Administrator && !reason.subscriber_may_give() {
        return Err(RevokeError::ReasonNotAllowed(reason));
    }
    match status {
        Status::Revoked { at, .. } => Err(RevokeError::AlreadyRevoked { at }),
        Status::Valid if now > not_after => Err(RevokeError::Expired { at: not_after }),
        Status::Valid => Ok(Status::Revoked { at: now, reason }),
    }
}

/// How long a revocation challenge may be used, in seconds.
pub const CHALLENGE_LIFETIME_SECONDS: i64 = 600;

/// The bytes the holder signs to prove possession: purpose, serial (lowercase hex), reason and challenge
/// (base64url without padding), one per line.
pub fn possession_message(serial_hex: &str, reason: RevocationReason, challenge: &str) -> Vec<u8> {
    format!(
        "Keyward certificate revocation v1\nserial: {}\nreason: {}\nchallenge: {}\n",
        serial_hex.to_ascii_lowercase(),
        reason.as_str(),
        challenge
    )
    .into_bytes()
}

/// Why a proof of possession failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// The certificate's public key could not be read (the detail says why).
    Key(String),
    /// The signature does not verify with the certificate's public key.
    BadSignature,
}

impl ProofError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Key(_) => "certificate_key_unsupported",
            Self::BadSignature => "proof_invalid",
        }
    }
}

impl fmt::Display for ProofError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(detail) => write!(formatter, "The certificate's public key cannot be used: {detail}"),
            Self::BadSignature => formatter.write_str(
                "The signature was not made with this certificate's private key: open the .p12 file that holds it.",
            ),
        }
    }
}

/// Checks that `signature` over `message` was made with the private key of `subject_public_key_info_der`, as
/// WebCrypto signs: RSASSA-PKCS1-v1_5 with SHA-256; ECDSA with SHA-256 (P-256) or SHA-384 (P-384) in the fixed
/// `r || s` form; Ed25519.
pub fn verify_possession(
    subject_public_key_info_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), ProofError> {
    let info = SubjectPublicKeyInfoRef::from_der(subject_public_key_info_der)
        .map_err(|error| ProofError::Key(format!("not a SubjectPublicKeyInfo ({error})")))?;
    let (public_key, key_bytes) = csr::decode_public_key(&info).map_err(|error| ProofError::Key(error.to_string()))?;
    let algorithm: &'static dyn VerificationAlgorithm = match public_key {
        PublicKey::Rsa { .. } => &ring_signature::RSA_PKCS1_2048_8192_SHA256,
        PublicKey::EcP256 => &ring_signature::ECDSA_P256_SHA256_FIXED,
        PublicKey::EcP384 => &ring_signature::ECDSA_P384_SHA384_FIXED,
        PublicKey::Ed25519 => &ring_signature::ED25519,
    };
    UnparsedPublicKey::new(algorithm, key_bytes).verify(message, signature).map_err(|_| ProofError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_in_both_languages() {
        for reason in RevocationReason::ALL {
            assert_ne!(reason.description(Lang::En), reason.description(Lang::Fr), "{reason:?}");
        }
        assert!(RevocationReason::KeyCompromise.description(Lang::Fr).contains("clé privée"));
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn reasons_round_trip_and_unspecified_is_never_stated() {
        for reason in RevocationReason::ALL {
            assert_eq!(RevocationReason::parse(reason.as_str()), Some(reason));
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
        assert_eq!(RevocationReason::Unspecified.stated_code(), None);
        assert_eq!(RevocationReason::KeyCompromise.stated_code(), Some(1));
        assert_eq!(RevocationReason::PrivilegeWithdrawn.stated_code(), Some(9));
        assert_eq!(RevocationReason::parse("certificate_hold"), None);
    }

    #[test]
    fn revoke_moves_valid_to_revoked_once() {
        let revoked = revoke(Status::Valid, NOW + 10, RevocationReason::Superseded, Requester::Holder, NOW).unwrap();
        assert_eq!(revoked, Status::Revoked { at: NOW, reason: RevocationReason::Superseded });
        assert_eq!(
            revoke(revoked, NOW + 10, RevocationReason::KeyCompromise, Requester::Administrator, NOW + 5),
            Err(RevokeError::AlreadyRevoked { at: NOW })
        );
    }

    #[test]
    fn expired_certificates_and_ca_only_reasons_are_refused() {
        assert_eq!(
            revoke(Status::Valid, NOW - 1, RevocationReason::KeyCompromise, Requester::Administrator, NOW),
            Err(RevokeError::Expired { at: NOW - 1 })
        );
        // Still valid at its last second (notAfter is inclusive).
        assert!(revoke(Status::Valid, NOW, RevocationReason::KeyCompromise, Requester::Holder, NOW).is_ok());
        for requester in [Requester::Holder, Requester::Account] {
            assert_eq!(
                revoke(Status::Valid, NOW + 10, RevocationReason::PrivilegeWithdrawn, requester, NOW),
                Err(RevokeError::ReasonNotAllowed(RevocationReason::PrivilegeWithdrawn))
            );
        }
        assert!(revoke(Status::Valid, NOW + 10, RevocationReason::AffiliationChanged, Requester::Account, NOW).is_ok());
        assert!(
            revoke(Status::Valid, NOW + 10, RevocationReason::PrivilegeWithdrawn, Requester::Administrator, NOW)
                .is_ok()
        );
    }

    #[test]
    fn the_message_binds_serial_reason_and_challenge() {
        let message = possession_message("4ABC", RevocationReason::KeyCompromise, "q-_x");
        assert_eq!(
            String::from_utf8(message).unwrap(),
            "Keyward certificate revocation v1\nserial: 4abc\nreason: key_compromise\nchallenge: q-_x\n"
        );
        assert_ne!(
            possession_message("4abc", RevocationReason::KeyCompromise, "a"),
            possession_message("4abc", RevocationReason::Superseded, "a")
        );
    }

    #[test]
    fn possession_is_verified_with_the_certificates_key() {
        use ring::rand::SystemRandom;
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random).unwrap();
        let spki = p256_spki(key.public_key().as_ref());
        let message = possession_message("40ff", RevocationReason::Superseded, "challenge");
        let signature = key.sign(&random, &message).unwrap();
        assert_eq!(verify_possession(&spki, &message, signature.as_ref()), Ok(()));
        let other = possession_message("40ff", RevocationReason::KeyCompromise, "challenge");
        assert_eq!(verify_possession(&spki, &other, signature.as_ref()), Err(ProofError::BadSignature));
        assert!(matches!(verify_possession(b"\x30\x00", &message, signature.as_ref()), Err(ProofError::Key(_))));
    }

    /// Found by the `revocation_proof` fuzz target (tests/fuzz/corpus/revocation_proof/
    /// crash-small-order-ed25519): a certificate key that is an Ed25519 point of small order (here all zeros, of
    /// order 4) has no private key, yet ring verifies the all-zero signature with it for about one message in
    /// four, this one among them. Such a key proves no possession and is refused as a key.
    #[test]
    fn a_small_order_ed25519_key_proves_nothing() {
        // Two octets of length, the SubjectPublicKeyInfo (44 octets), then a signature of 64 zero octets.
        const CRASH: [u8; 110] = [
            0x00, 0x2c, 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00,
        ];
        let (key, signature) = CRASH[2..].split_at(usize::from(u16::from_be_bytes([CRASH[0], CRASH[1]])));
        let result = verify_possession(key, b"Keyward certificate revocation v1\n", signature);
        assert!(matches!(&result, Err(ProofError::Key(detail)) if detail.contains("small order")), "{result:?}");
    }

    /// SubjectPublicKeyInfo of an uncompressed P-256 point.
    fn p256_spki(point: &[u8]) -> Vec<u8> {
        let mut spki = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
            0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        spki.extend_from_slice(point);
        spki
    }
}
