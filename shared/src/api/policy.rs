//! `GET /api/v1/policy`: the certificate profiles in force, as data, for forms and scripts: which key types
//! each accepts, its validity cap today, its policy identifiers and usages, and what names it states. Built by
//! [`policy`] from the same [`crate::profile`] catalogue the Worker issues from, so the two cannot disagree.

use serde::{Deserialize, Serialize};

use super::endpoint::{Access, Body, Endpoint, Method};
use crate::csr::PublicKey;
pub use crate::order::OFFERED_SIGNATURE_HASHES;
use crate::order::SignatureHash;
use crate::profile::{
    AlternativeNames, ExtendedKeyUsage, KeyError, KeyType, ProfileId, ProfileKind, RSA_MAXIMUM_BITS, RSA_MINIMUM_BITS,
};
use crate::weak_key;

/// The profiles, key types and validity caps in force ([`Policy`]).
pub const SHOW_POLICY: Endpoint = Endpoint {
    method: Method::Get,
    path: "/api/v1/policy",
    access: Access::Public,
    summary: "The certificate profiles, key types and validity caps",
    body: Body::None,
};

/// The whole policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Policy {
    /// Every profile, in catalogue order.
    pub profiles: Vec<ProfilePolicy>,
    /// The key rules every profile shares.
    pub keys: KeyRules,
    /// The hashes the CA signs certificates with: what an order's `signature_hash` may be.
    #[serde(default)]
    pub signature_hashes: Vec<SignatureHash>,
}

/// One profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProfilePolicy {
    /// Identifier, as orders name it.
    pub id: ProfileId,
    /// Name shown to people.
    pub name: String,
    /// `smime`, `client_authentication` or `server_authentication`.
    pub kind: String,
    /// Key types accepted (and offered by KeyGen), the default first.
    pub key_types: Vec<KeyType>,
    /// Longest validity for a certificate issued now, in days.
    pub max_validity_days: u32,
    /// Certificate policy OIDs, dotted.
    pub policy_oids: Vec<String>,
    /// Extended key usages: `email_protection`, `client_auth`, `server_auth`.
    pub extended_key_usages: Vec<String>,
    /// The subject alternative names stated: `mailbox` (one rfc822Name) or `dns_names`.
    pub alternative_names: String,
}

/// Key rules of every profile (S/MIME BR 6.1.5, 6.1.6; TLS BR 6.1.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyRules {
    /// Smallest RSA modulus, bits.
    pub rsa_minimum_bits: u32,
    /// Largest RSA modulus, bits.
    pub rsa_maximum_bits: u32,
    /// RSA modulus sizes must be a multiple of this.
    pub rsa_bits_multiple_of: u32,
    /// The only RSA public exponent accepted.
    pub rsa_public_exponent: u64,
    /// Every RSA modulus with a prime factor below this bound is refused (`small_factor`): every prime below it is
    /// tried, exactly. 65536 (2^16): S/MIME BR 6.1.6 asks for none below 752.
    pub rsa_small_factor_bound: u32,
    /// Above `rsa_small_factor_bound`, a search for larger prime factors within a fixed budget: a factor it finds
    /// is refused (`small_factor`), one it misses is not.
    pub rsa_small_factor_search: FactorSearch,
    /// Elliptic curves accepted.
    pub curves: Vec<String>,
    /// Known-weak keys refused, by check: `small_factor`, `roca`, `close_primes`; and a key already certified
    /// for another subject or revoked for key compromise.
    pub refused: Vec<String>,
}

/// The probabilistic search for prime factors above the exact bound ([`weak_key::rho`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FactorSearch {
    /// `pollard_rho_brent`: Pollard's rho method in Brent's variant.
    pub method: String,
    /// The primes sought lie below this bound, 4294967296 (2^32); only some are found (`found_per_thousand`).
    pub bound: u64,
    /// Steps of the walk for a modulus of up to `steps_for_bits` bits. Larger moduli get fewer, scaled by
    /// (`steps_for_bits` / bits)², so each costs about the same: 256 steps for 4096 bits.
    pub steps: u32,
    /// The modulus size `steps` is for: 2048.
    pub steps_for_bits: u32,
    /// How many of 1,000 primes of each size (drawn at random from a fixed seed) the search finds within `steps`.
    pub found_per_thousand: Vec<FactorSearchSuccess>,
}

/// One row of [`FactorSearch::found_per_thousand`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FactorSearchSuccess {
    /// The size of the primes, in bits.
    pub bits: u32,
    /// How many of 1,000 such primes are found.
    pub found: u32,
}

impl Policy {
    /// Whether the profile `id` accepts `key`, by this policy's data: what a form checks before it sends a
    /// request. The Worker's full check adds the weak-key tests and verifies the request's signature.
    pub fn precheck(&self, id: ProfileId, key: &PublicKey) -> Result<(), KeyError> {
        let profile = self.profiles.iter().find(|profile| profile.id == id);
        let offers = |wanted: &[KeyType]| {
            profile.is_some_and(|profile| profile.key_types.iter().any(|key_type| wanted.contains(key_type)))
        };
        let refused = |key: &'static str| KeyError::NotAllowed { key, profile: id.profile().name };
        match key {
            PublicKey::Rsa { modulus_bits, public_exponent, .. } => {
                let bits = *modulus_bits;
                if bits < self.keys.rsa_minimum_bits {
                    return Err(KeyError::RsaTooSmall { bits });
                }
                if bits > self.keys.rsa_maximum_bits {
                    return Err(KeyError::RsaTooLarge { bits });
                }
                if bits % self.keys.rsa_bits_multiple_of != 0 {
                    return Err(KeyError::RsaSizeNotByteMultiple { bits });
                }
                if *public_exponent != self.keys.rsa_public_exponent {
                    return Err(KeyError::RsaExponent { exponent: *public_exponent });
                }
                if !offers(&[KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096]) {
                    return Err(refused("RSA"));
                }
            }
            PublicKey::EcP256 if !offers(&[KeyType::EcdsaP256]) => return Err(refused("ECDSA P-256")),
            PublicKey::EcP384 if !offers(&[KeyType::EcdsaP384]) => return Err(refused("ECDSA P-384")),
            PublicKey::Ed25519 if !offers(&[KeyType::Ed25519]) => return Err(refused("Ed25519")),
            _ => {}
        }
        Ok(())
    }
}

/// The policy in force at `now` (validity caps change on dated ballots).
pub fn policy(now: i64) -> Policy {
    let profiles = ProfileId::ALL
        .iter()
        .map(|id| {
            let profile = id.profile();
            ProfilePolicy {
                id: *id,
                name: profile.name.to_owned(),
                kind: match profile.kind {
                    ProfileKind::Smime => "smime",
                    ProfileKind::ClientAuthentication => "client_authentication",
                    ProfileKind::ServerAuthentication => "server_authentication",
                }
                .to_owned(),
                key_types: profile.key_types.to_vec(),
                max_validity_days: profile.max_validity_days(now),
                policy_oids: profile.policy_oids.iter().map(|oid| (*oid).to_owned()).collect(),
                extended_key_usages: profile
                    .extended_key_usages
                    .iter()
                    .map(|usage| {
                        match usage {
                            ExtendedKeyUsage::EmailProtection => "email_protection",
                            ExtendedKeyUsage::ClientAuth => "client_auth",
                            ExtendedKeyUsage::ServerAuth => "server_auth",
                        }
                        .to_owned()
                    })
                    .collect(),
                alternative_names: match profile.alternative_names {
                    AlternativeNames::Mailbox => "mailbox",
                    AlternativeNames::DnsNames => "dns_names",
                }
                .to_owned(),
            }
        })
        .collect();
    Policy {
        profiles,
        keys: KeyRules {
            rsa_minimum_bits: RSA_MINIMUM_BITS,
            rsa_maximum_bits: RSA_MAXIMUM_BITS,
            rsa_bits_multiple_of: 8,
            rsa_public_exponent: 65_537,
            rsa_small_factor_bound: weak_key::SMALL_PRIME_BOUND,
            rsa_small_factor_search: FactorSearch {
                method: "pollard_rho_brent".into(),
                bound: weak_key::rho::RHO_SEARCH_BOUND,
                steps: weak_key::RHO_STEPS,
                steps_for_bits: weak_key::rho::RHO_STEPS_BITS as u32,
                found_per_thousand: weak_key::rho::RHO_FOUND_PER_THOUSAND
                    .iter()
                    .map(|&(bits, found)| FactorSearchSuccess { bits, found })
                    .collect(),
            },
            curves: vec!["P-256".into(), "P-384".into()],
            refused: ["small_factor", "roca", "close_primes", "already_certified_for_another_subject", "compromised"]
                .map(String::from)
                .to_vec(),
        },
        signature_hashes: OFFERED_SIGNATURE_HASHES.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_is_listed_with_todays_cap() {
        // 2026-12-02: server certificates are capped at 199 days since 2026-03-15, S/MIME at 825.
        let policy = policy(1_796_169_600);
        assert_eq!(policy.profiles.len(), ProfileId::ALL.len());
        let server = policy.profiles.iter().find(|profile| profile.id == ProfileId::ServerAuth).unwrap();
        assert_eq!(server.max_validity_days, 199);
        assert_eq!(server.extended_key_usages, ["server_auth"]);
        assert_eq!(server.alternative_names, "dns_names");
        let sponsor = policy.profiles.iter().find(|profile| profile.id == ProfileId::SmimeSponsorMultipurpose).unwrap();
        assert_eq!(sponsor.max_validity_days, 825);
        assert_eq!(sponsor.policy_oids, ["2.23.140.1.5.3.2"]);
        assert_eq!(sponsor.key_types.first(), Some(&KeyType::Rsa2048));
        // The form's pre-check agrees with the Worker's key policy, weak-key tests aside.
        let rsa =
            |bits, exponent| PublicKey::Rsa { modulus_bits: bits, public_exponent: exponent, modulus: Vec::new() };
        for (id, key) in [
            (ProfileId::SmimeSponsorMultipurpose, rsa(2048, 65_537)),
            (ProfileId::SmimeSponsorMultipurpose, rsa(1024, 65_537)),
            (ProfileId::SmimeSponsorMultipurpose, rsa(2056, 3)),
            (ProfileId::SmimeSponsorMultipurpose, PublicKey::Ed25519),
            (ProfileId::ServerAuth, PublicKey::Ed25519),
            (ProfileId::ServerAuth, PublicKey::EcP384),
        ] {
            let expected = match id.profile().check_key(&key) {
                // The weak-key tests are the Worker's alone (and the empty modulus here is "divisible" by 2).
                Err(error) if !error.code().starts_with("key_weak") => Err(error.code()),
                _ => Ok(()),
            };
            assert_eq!(policy.precheck(id, &key).map_err(|error| error.code()), expected, "{id:?} {key:?}");
        }
        assert_eq!(policy.signature_hashes, [SignatureHash::Sha256]);
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(json["signature_hashes"], serde_json::json!(["sha256"]));
        assert_eq!(json["profiles"][0]["id"], serde_json::json!(ProfileId::ALL[0].as_str()));
        // The small-factor bound stated is the one the key check applies: the largest prime below it is found (a
        // prime divides itself), the first prime from it on is not.
        assert_eq!(json["keys"]["rsa_small_factor_bound"], serde_json::json!(65_536));
        let bound = policy.keys.rsa_small_factor_bound;
        let is_prime = |n: &u32| (2..*n).take_while(|d| d * d <= *n).all(|d| !n.is_multiple_of(d));
        let below = (2..bound).rev().find(is_prime).unwrap();
        let above = (bound..).find(is_prime).unwrap();
        assert_eq!(weak_key::small_prime_factor(&below.to_be_bytes()), Some(below));
        assert_eq!(weak_key::small_prime_factor(&above.to_be_bytes()), None);
        // Above it, the search states its bound, budget and measured success, the figures the search runs with.
        let search = &json["keys"]["rsa_small_factor_search"];
        assert_eq!(search["method"], "pollard_rho_brent");
        assert_eq!(search["bound"], serde_json::json!(1u64 << 32));
        assert_eq!(search["steps"], serde_json::json!(weak_key::rho_steps(2048)));
        assert_eq!(search["steps_for_bits"], serde_json::json!(2048));
        assert_eq!(search["found_per_thousand"][0], serde_json::json!({ "bits": 17, "found": 898 }));
        assert_eq!(search["found_per_thousand"].as_array().map(Vec::len), Some(8));
    }
}
