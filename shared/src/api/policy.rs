//! `GET /api/v1/policy`: the certificate profiles in force, as data, for forms and scripts: which key types
//! each accepts, its validity cap today, its policy identifiers and usages, and what names it states. Built by
//! [`policy`] from the same [`crate::profile`] catalogue the Worker issues from, so the two cannot disagree.

use serde::{Deserialize, Serialize};

use crate::profile::{
    AlternativeNames, ExtendedKeyUsage, KeyType, ProfileId, ProfileKind, RSA_MAXIMUM_BITS, RSA_MINIMUM_BITS,
};

/// The whole policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Every profile, in catalogue order.
    pub profiles: Vec<ProfilePolicy>,
    /// The key rules every profile shares.
    pub keys: KeyRules,
}

/// One profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct KeyRules {
    /// Smallest RSA modulus, bits.
    pub rsa_minimum_bits: u32,
    /// Largest RSA modulus, bits.
    pub rsa_maximum_bits: u32,
    /// RSA modulus sizes must be a multiple of this.
    pub rsa_bits_multiple_of: u32,
    /// The only RSA public exponent accepted.
    pub rsa_public_exponent: u64,
    /// Elliptic curves accepted.
    pub curves: Vec<String>,
    /// Known-weak keys refused, by check: `small_factor`, `roca`, `close_primes`; and a key already certified
    /// for another subject or revoked for key compromise.
    pub refused: Vec<String>,
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
            curves: vec!["P-256".into(), "P-384".into()],
            refused: ["small_factor", "roca", "close_primes", "already_certified_for_another_subject", "compromised"]
                .map(String::from)
                .to_vec(),
        },
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
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(json["profiles"][0]["id"], serde_json::json!(ProfileId::ALL[0].as_str()));
    }
}
