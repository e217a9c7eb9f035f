//! A public key certified once stays with its subject: Keyward refuses to certify a key that it already
//! certified for a different subject or organization (a second party would share the first one's key, or one
//! of them does not hold it), and a key whose certificate was revoked for key compromise, whoever asks (S/MIME
//! BR 6.1.1.3 and 4.9.1.1 (3): a compromised key is never certified again).
//!
//! The same subject may certify the same key again (a renewal that keeps its key).

use core::fmt;

/// Who a certificate is for, as far as key reuse is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHolder {
    /// The ordering organization's identifier.
    pub organization_id: String,
    /// The recipient's mailbox (compared without regard to ASCII case).
    pub email: String,
    /// The host names certified (device profiles), in order.
    pub dns_names: Vec<String>,
}

impl KeyHolder {
    fn same_as(&self, other: &Self) -> bool {
        self.organization_id == other.organization_id
            && self.email.eq_ignore_ascii_case(&other.email)
            && self.dns_names == other.dns_names
    }
}

/// A certificate Keyward issued earlier for the same public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorCertificate {
    /// Its holder.
    pub holder: KeyHolder,
    /// Whether it was revoked for key compromise.
    pub revoked_for_key_compromise: bool,
}

/// Why a key cannot be certified again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyReuseError {
    /// A certificate for this key was revoked because the key was compromised. Code `key_compromised`.
    Compromised,
    /// The key is certified for another subject or organization. Code `key_already_certified`.
    CertifiedForAnotherSubject,
}

impl KeyReuseError {
    /// Stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Compromised => "key_compromised",
            Self::CertifiedForAnotherSubject => "key_already_certified",
        }
    }
}

impl fmt::Display for KeyReuseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Compromised => {
                "This public key was reported compromised and can never be certified again: generate a new key pair."
            }
            Self::CertifiedForAnotherSubject => {
                "This public key is already certified for someone else: generate a new key pair for this certificate."
            }
        })
    }
}

/// Checks `holder`'s request against every earlier certificate of the same public key.
pub fn check_key_reuse(holder: &KeyHolder, prior: &[PriorCertificate]) -> Result<(), KeyReuseError> {
    if prior.iter().any(|certificate| certificate.revoked_for_key_compromise) {
        return Err(KeyReuseError::Compromised);
    }
    if prior.iter().any(|certificate| !certificate.holder.same_as(holder)) {
        return Err(KeyReuseError::CertifiedForAnotherSubject);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(organization: &str, email: &str) -> KeyHolder {
        KeyHolder { organization_id: organization.into(), email: email.into(), dns_names: Vec::new() }
    }

    fn prior(holder: KeyHolder, compromised: bool) -> PriorCertificate {
        PriorCertificate { holder, revoked_for_key_compromise: compromised }
    }

    #[test]
    fn a_new_key_or_the_same_holder_again_is_fine() {
        let ada = holder("org1", "ada@example.com");
        assert_eq!(check_key_reuse(&ada, &[]), Ok(()));
        assert_eq!(check_key_reuse(&ada, &[prior(holder("org1", "Ada@Example.com"), false)]), Ok(()));
    }

    #[test]
    fn another_subject_or_organization_is_refused() {
        let ada = holder("org1", "ada@example.com");
        for other in [holder("org1", "grace@example.com"), holder("org2", "ada@example.com")] {
            assert_eq!(check_key_reuse(&ada, &[prior(other, false)]), Err(KeyReuseError::CertifiedForAnotherSubject));
        }
        let mut host = ada.clone();
        host.dns_names = vec!["a.example.com".into()];
        assert_eq!(
            check_key_reuse(&host, &[prior(ada.clone(), false)]),
            Err(KeyReuseError::CertifiedForAnotherSubject)
        );
    }

    #[test]
    fn a_compromised_key_is_refused_even_to_its_holder() {
        let ada = holder("org1", "ada@example.com");
        let error = check_key_reuse(&ada, &[prior(ada.clone(), true)]).unwrap_err();
        assert_eq!(error, KeyReuseError::Compromised);
        assert_eq!(error.code(), "key_compromised");
    }
}
