//! Certificate profiles as data (S/MIME Baseline Requirements 7.1.2.3), and the key policy of 6.1.5, 6.1.6 and
//! 6.1.1.3: which public keys a profile certifies.
//!
//! The walking skeleton ships one profile, sponsor-validated multipurpose S/MIME; the rest of the catalogue
//! (mailbox- and organization-validated, strict, client and server authentication) is listed as not built yet
//! in the README.

use serde::{Deserialize, Serialize};

use crate::csr::PublicKey;
use crate::weak_key::{self, WeakKey};

/// A certificate profile's stable identifier, as stored with an order and sent to the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProfileId {
    /// S/MIME, sponsor-validated, multipurpose: a person (name) in a validated organization, with their
    /// mailbox; email protection and client authentication. Policy OID 2.23.140.1.5.3.2.
    SmimeSponsorMultipurpose,
}

impl ProfileId {
    /// The identifier as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmimeSponsorMultipurpose => "smime_sponsor_multipurpose",
        }
    }

    /// Reads a stored identifier.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "smime_sponsor_multipurpose" => Some(Self::SmimeSponsorMultipurpose),
            _ => None,
        }
    }

    /// The profile's rules.
    pub fn profile(self) -> &'static Profile {
        match self {
            Self::SmimeSponsorMultipurpose => &SMIME_SPONSOR_MULTIPURPOSE,
        }
    }
}

/// A key the browser can generate: what the enrollment page offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// RSA 2048 with SHA-256: the default, accepted everywhere.
    Rsa2048,
    /// RSA 3072 with SHA-256.
    Rsa3072,
    /// RSA 4096 with SHA-256.
    Rsa4096,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
}

impl KeyType {
    /// The name a person sees.
    pub fn label(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA 2048 (recommended: works everywhere)",
            Self::Rsa3072 => "RSA 3072",
            Self::Rsa4096 => "RSA 4096 (slow to generate)",
            Self::EcdsaP256 => "ECDSA P-256 (small and fast; not for very old systems)",
            Self::EcdsaP384 => "ECDSA P-384",
        }
    }
}

/// Extended key usages a profile can assert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendedKeyUsage {
    /// id-kp-emailProtection (1.3.6.1.5.5.7.3.4).
    EmailProtection,
    /// id-kp-clientAuth (1.3.6.1.5.5.7.3.2).
    ClientAuth,
}

/// A profile's rules.
#[derive(Debug)]
pub struct Profile {
    /// Identifier.
    pub id: ProfileId,
    /// Name shown to people.
    pub name: &'static str,
    /// Key types offered by KeyGen, the default first.
    pub key_types: &'static [KeyType],
    /// Longest validity, in days (S/MIME BR 6.3.2: 825).
    pub max_validity_days: u32,
    /// Certificate policy OID (S/MIME BR 7.1.6.1), dotted.
    pub policy_oid: &'static str,
    /// Extended key usages, in order.
    pub extended_key_usages: &'static [ExtendedKeyUsage],
}

static SMIME_SPONSOR_MULTIPURPOSE: Profile = Profile {
    id: ProfileId::SmimeSponsorMultipurpose,
    name: "Secure Email (S/MIME), sponsor-validated",
    key_types: &[KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::EcdsaP256, KeyType::EcdsaP384],
    max_validity_days: 825,
    policy_oid: "2.23.140.1.5.3.2",
    extended_key_usages: &[ExtendedKeyUsage::EmailProtection, ExtendedKeyUsage::ClientAuth],
};

/// A public key that passed the key policy, with what the certificate's key usage depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertifiedKey {
    /// RSA of this many bits, exponent 65537.
    Rsa {
        /// Modulus size.
        bits: u32,
    },
    /// ECDSA P-256.
    EcdsaP256,
    /// ECDSA P-384.
    EcdsaP384,
}

/// Smallest RSA modulus certified (S/MIME BR 6.1.5).
pub const RSA_MINIMUM_BITS: u32 = 2048;
/// Largest RSA modulus certified: the signature check in `csr` verifies up to 8192 bits.
pub const RSA_MAXIMUM_BITS: u32 = 8192;

impl Profile {
    /// The key policy: RSA of at least 2048 bits, a multiple of 8, with exponent 65537, and not known to be weak
    /// ([`weak_key::check_rsa_modulus`]: small factors, ROCA, close primes); ECDSA on P-256 or P-384; and only key
    /// families the profile offers.
    pub fn check_key(&self, key: &PublicKey) -> Result<CertifiedKey, KeyError> {
        let certified = match key {
            PublicKey::Rsa { modulus_bits, public_exponent, modulus } => {
                let bits = *modulus_bits;
                if bits < RSA_MINIMUM_BITS {
                    return Err(KeyError::RsaTooSmall { bits });
                }
                if bits > RSA_MAXIMUM_BITS {
                    return Err(KeyError::RsaTooLarge { bits });
                }
                if !bits.is_multiple_of(8) {
                    return Err(KeyError::RsaSizeNotByteMultiple { bits });
                }
                if *public_exponent != 65_537 {
                    return Err(KeyError::RsaExponent { exponent: *public_exponent });
                }
                weak_key::check_rsa_modulus(modulus).map_err(KeyError::Weak)?;
                CertifiedKey::Rsa { bits }
            }
            PublicKey::EcP256 => CertifiedKey::EcdsaP256,
            PublicKey::EcP384 => CertifiedKey::EcdsaP384,
            PublicKey::Ed25519 => {
                return Err(KeyError::NotAllowed { key: "Ed25519", profile: self.name });
            }
        };
        let offered = self.key_types.iter().any(|offered| {
            matches!(
                (offered, certified),
                (KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096, CertifiedKey::Rsa { .. })
                    | (KeyType::EcdsaP256, CertifiedKey::EcdsaP256)
                    | (KeyType::EcdsaP384, CertifiedKey::EcdsaP384)
            )
        });
        if !offered {
            let key = match certified {
                CertifiedKey::Rsa { .. } => "RSA",
                CertifiedKey::EcdsaP256 => "ECDSA P-256",
                CertifiedKey::EcdsaP384 => "ECDSA P-384",
            };
            return Err(KeyError::NotAllowed { key, profile: self.name });
        }
        Ok(certified)
    }
}

/// Why a public key is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// RSA modulus below 2048 bits.
    RsaTooSmall {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA modulus above 8192 bits.
    RsaTooLarge {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA modulus size not divisible by 8.
    RsaSizeNotByteMultiple {
        /// The modulus size found.
        bits: u32,
    },
    /// RSA public exponent other than 65537.
    RsaExponent {
        /// The exponent found.
        exponent: u64,
    },
    /// An RSA key whose private key can be computed from its public key (S/MIME BR 6.1.1.3).
    Weak(WeakKey),
    /// A key family the profile does not offer.
    NotAllowed {
        /// The key family found.
        key: &'static str,
        /// The profile's name.
        profile: &'static str,
    },
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RsaTooSmall { .. } => "key_too_small",
            Self::RsaTooLarge { .. } => "key_too_large",
            Self::RsaSizeNotByteMultiple { .. } => "key_size_invalid",
            Self::RsaExponent { .. } => "key_exponent_invalid",
            Self::Weak(weak) => weak.code(),
            Self::NotAllowed { .. } => "key_type_not_allowed",
        }
    }
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::RsaTooSmall { bits } => write!(
                formatter,
                "The RSA key has {bits} bits; at least {RSA_MINIMUM_BITS} are required. Generate a new key of 2048 bits or more."
            ),
            Self::RsaTooLarge { bits } => {
                write!(formatter, "The RSA key has {bits} bits; at most {RSA_MAXIMUM_BITS} are accepted.")
            }
            Self::RsaSizeNotByteMultiple { bits } => {
                write!(formatter, "The RSA key has {bits} bits, which is not a multiple of 8.")
            }
            Self::RsaExponent { exponent } => {
                write!(formatter, "The RSA public exponent is {exponent}; only 65537 is accepted.")
            }
            Self::Weak(weak) => core::fmt::Display::fmt(weak, formatter),
            Self::NotAllowed { key, profile } => {
                write!(formatter, "{key} keys are not offered for the profile \"{profile}\".")
            }
        }
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A modulus recorded by `openssl ... -noout -modulus` ("Modulus=HEX") in `shared/tests/fixtures`.
    fn modulus(recorded: &str) -> Vec<u8> {
        let hex = recorded.trim().strip_prefix("Modulus=").expect("openssl -modulus output");
        (0..hex.len()).step_by(2).map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex")).collect()
    }

    /// OpenSSL keys (`genrsa`), sound.
    const RSA_2048: &str = include_str!("../tests/fixtures/weak_key/rsa2048.modulus.txt");
    const RSA_2056: &str = include_str!("../tests/fixtures/weak_key/rsa2056.modulus.txt");
    const RSA_4096: &str = include_str!("../tests/fixtures/weak_key/rsa4096.modulus.txt");
    /// A 2048-bit ROCA modulus from the reference detector's tests (crocs-muni/roca,
    /// `roca/tests/data/mod03.txt`).
    const ROCA_2048: &str = include_str!("../tests/fixtures/weak_key/roca-positive-mod03.modulus.txt");
    /// p · q with adjacent 1024-bit primes (`fixtures/weak_key/README.md`).
    const CLOSE_2048: &str = include_str!("../tests/fixtures/weak_key/close-round-0.modulus.txt");

    fn rsa(bits: u32, exponent: u64, recorded: &str) -> PublicKey {
        PublicKey::Rsa { modulus_bits: bits, public_exponent: exponent, modulus: modulus(recorded) }
    }

    /// The 2048-bit OpenSSL modulus with its last byte changed so that it is 7 modulo 2 · 3 · 5 · 7: divisible by
    /// 7 and by no smaller prime.
    fn rsa_with_factor_7() -> PublicKey {
        let mut bytes = modulus(RSA_2048);
        let remainder = |bytes: &[u8]| bytes.iter().fold(0u32, |value, &byte| (value * 256 + u32::from(byte)) % 210);
        while remainder(&bytes) != 7 {
            let last = bytes.len() - 1;
            bytes[last] = bytes[last].wrapping_add(1);
        }
        PublicKey::Rsa { modulus_bits: 2048, public_exponent: 65_537, modulus: bytes }
    }

    fn check(key: PublicKey, expected: Result<CertifiedKey, &str>) {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let actual = profile.check_key(&key).map_err(|error| error.code());
        assert_eq!(actual, expected, "{key:?}");
    }

    #[test]
    fn key_policy() {
        check(rsa(2048, 65_537, RSA_2048), Ok(CertifiedKey::Rsa { bits: 2048 }));
        check(rsa(4096, 65_537, RSA_4096), Ok(CertifiedKey::Rsa { bits: 4096 }));
        check(rsa(2056, 65_537, RSA_2056), Ok(CertifiedKey::Rsa { bits: 2056 }));
        // Size and exponent come first: the policy reads the stated size, and these moduli are 2048-bit sound or ROCA.
        check(rsa(1024, 65_537, RSA_2048), Err("key_too_small"));
        check(rsa(2047, 65_537, RSA_2048), Err("key_too_small"));
        check(rsa(2049, 65_537, RSA_2048), Err("key_size_invalid"));
        check(rsa(16_384, 65_537, RSA_2048), Err("key_too_large"));
        check(rsa(2048, 3, RSA_2048), Err("key_exponent_invalid"));
        check(rsa(2048, 3, ROCA_2048), Err("key_exponent_invalid"));
        // Known-weak moduli (`weak_key`).
        check(rsa_with_factor_7(), Err("key_weak_small_factor"));
        check(rsa(2048, 65_537, ROCA_2048), Err("key_weak_roca"));
        check(rsa(2048, 65_537, CLOSE_2048), Err("key_weak_close_primes"));
        check(PublicKey::EcP256, Ok(CertifiedKey::EcdsaP256));
        check(PublicKey::EcP384, Ok(CertifiedKey::EcdsaP384));
        check(PublicKey::Ed25519, Err("key_type_not_allowed"));
    }

    #[test]
    fn weak_key_errors_carry_the_reason() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let error = profile.check_key(&rsa_with_factor_7()).expect_err("divisible by 7");
        assert_eq!(error, KeyError::Weak(WeakKey::SmallFactor { prime: 7 }));
        assert!(error.to_string().contains("divisible by 7"), "{error}");
        assert!(error.to_string().contains("Generate a new key pair"), "{error}");
    }

    #[test]
    fn stored_identifiers_round_trip() {
        let id = ProfileId::SmimeSponsorMultipurpose;
        assert_eq!(ProfileId::parse(id.as_str()), Some(id));
        assert_eq!(ProfileId::parse("smime"), None);
    }
}
