//! What a certificate will say, decided from the order and the profile only. The CSR contributes its public
//! key and nothing else: its subject and requested extensions are ignored (the enrollment page says so).
//!
//! The edge turns a [`CertificateTemplate`] into DER with rcgen and signs it with the issuing CA.

use crate::profile::{CertifiedKey, ExtendedKeyUsage, Profile};

/// How far `notBefore` is set before the moment of issuance, to tolerate clients whose clock is slightly
/// behind (seconds).
pub const BACKDATE_SECONDS: i64 = 60;

/// The facts of an order that a certificate states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFacts {
    /// Recipient's given name: subject givenName.
    pub recipient_given_name: String,
    /// Recipient's surname: subject surname.
    pub recipient_surname: String,
    /// Recipient's mailbox: the rfc822Name subject alternative name.
    pub recipient_email: String,
    /// Validated organization's name: subject organizationName.
    pub organization_name: String,
    /// Validated organization's registration reference (S/MIME BR 7.1.4.2.2 d, e.g. `NTRGB-12345678`):
    /// subject organizationIdentifier.
    pub organization_identifier: String,
    /// Validated organization's ISO 3166 country code: subject countryName.
    pub organization_country: String,
    /// Validity ordered, in days; capped by the profile.
    pub validity_days: u32,
}

impl OrderFacts {
    /// The recipient's personal name as the subject's common name states it: given name, then surname.
    pub fn recipient_name(&self) -> String {
        format!("{} {}", self.recipient_given_name, self.recipient_surname)
    }
}

/// Where relying parties find the issuing CA's certificate and its CRL: deployment facts, stated in every
/// certificate (S/MIME BR 7.1.2.3 b and c).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaLocations {
    /// HTTP URL of the issuing CA's CRL (cRLDistributionPoints).
    pub crl_url: String,
    /// HTTP URL of the issuing CA's certificate, DER (authorityInformationAccess caIssuers).
    pub ca_issuers_url: String,
    /// HTTP URL of the issuing CA's OCSP responder (authorityInformationAccess ocsp).
    pub ocsp_url: String,
}

/// Subject attributes, in the order they are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectAttribute {
    /// countryName (2.5.4.6), PrintableString.
    Country,
    /// organizationName (2.5.4.10).
    Organization,
    /// organizationIdentifier (2.5.4.97).
    OrganizationIdentifier,
    /// givenName (2.5.4.42).
    GivenName,
    /// surname (2.5.4.4).
    Surname,
    /// commonName (2.5.4.3).
    CommonName,
}

/// Key usage bits asserted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    /// digitalSignature.
    pub digital_signature: bool,
    /// keyEncipherment (RSA only).
    pub key_encipherment: bool,
    /// keyAgreement (ECDH, elliptic-curve keys only).
    pub key_agreement: bool,
}

/// Everything the certificate says except the issuer and the public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateTemplate {
    /// Serial number, big-endian, positive, 16 bytes of which 126 bits are random.
    pub serial: [u8; 16],
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity (inclusive, RFC 5280 4.1.2.5), seconds since the Unix epoch.
    pub not_after: i64,
    /// Subject distinguished name.
    pub subject: Vec<(SubjectAttribute, String)>,
    /// rfc822Name subject alternative names.
    pub email_addresses: Vec<String>,
    /// Key usage (critical).
    pub key_usage: KeyUsage,
    /// Extended key usages.
    pub extended_key_usages: Vec<ExtendedKeyUsage>,
    /// Certificate policy OIDs, dotted.
    pub policy_oids: Vec<&'static str>,
    /// CRL distribution point URLs.
    pub crl_distribution_points: Vec<String>,
    /// Authority information access: CA issuers URLs.
    pub ca_issuers: Vec<String>,
    /// Authority information access: OCSP responder URLs.
    pub ocsp_responders: Vec<String>,
}

impl CertificateTemplate {
    /// Days of validity the template gives, counted as RFC 5280 does (both ends inclusive).
    pub fn validity_days(&self) -> i64 {
        (self.not_after - self.not_before + 1) / 86_400
    }
}

/// Builds the template. `now` is the issuance instant and `serial_random` 16 bytes fresh from the CSPRNG.
pub fn certificate_template(
    profile: &Profile,
    order: &OrderFacts,
    locations: &CaLocations,
    key: CertifiedKey,
    now: i64,
    serial_random: [u8; 16],
) -> CertificateTemplate {
    let mut serial = serial_random;
    // Positive (top bit clear) and always 16 bytes long (second bit set): 126 random bits, over the 64 required.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let days = order.validity_days.clamp(1, profile.max_validity_days);
    let not_before = now - BACKDATE_SECONDS;
    let not_after = not_before + i64::from(days) * 86_400 - 1;
    let key_usage = match key {
        CertifiedKey::Rsa { .. } => KeyUsage { digital_signature: true, key_encipherment: true, key_agreement: false },
        CertifiedKey::EcdsaP256 | CertifiedKey::EcdsaP384 => {
            KeyUsage { digital_signature: true, key_encipherment: false, key_agreement: true }
        }
    };
    CertificateTemplate {
        serial,
        not_before,
        not_after,
        subject: vec![
            (SubjectAttribute::Country, order.organization_country.clone()),
            (SubjectAttribute::Organization, order.organization_name.clone()),
            (SubjectAttribute::OrganizationIdentifier, order.organization_identifier.clone()),
            (SubjectAttribute::GivenName, order.recipient_given_name.clone()),
            (SubjectAttribute::Surname, order.recipient_surname.clone()),
            (SubjectAttribute::CommonName, order.recipient_name()),
        ],
        email_addresses: vec![order.recipient_email.clone()],
        key_usage,
        extended_key_usages: profile.extended_key_usages.to_vec(),
        policy_oids: vec![profile.policy_oid],
        crl_distribution_points: vec![locations.crl_url.clone()],
        ca_issuers: vec![locations.ca_issuers_url.clone()],
        ocsp_responders: vec![locations.ocsp_url.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileId;

    fn order(validity_days: u32) -> OrderFacts {
        OrderFacts {
            recipient_given_name: "Ada".into(),
            recipient_surname: "Lovelace".into(),
            recipient_email: "ada@example.com".into(),
            organization_name: "Example Org".into(),
            organization_identifier: "NTRGB-12345678".into(),
            organization_country: "GB".into(),
            validity_days,
        }
    }

    fn locations() -> CaLocations {
        CaLocations {
            crl_url: "http://ca.example.com/crl/issuing.crl".into(),
            ca_issuers_url: "http://ca.example.com/ca/issuing.crt".into(),
            ocsp_url: "http://ca.example.com/ocsp".into(),
        }
    }

    #[test]
    fn the_subject_comes_from_the_order() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let template =
            certificate_template(profile, &order(365), &locations(), CertifiedKey::EcdsaP256, 1_000_000, [0xff; 16]);
        assert_eq!(template.subject[5], (SubjectAttribute::CommonName, "Ada Lovelace".to_owned()));
        assert_eq!(template.subject[3], (SubjectAttribute::GivenName, "Ada".to_owned()));
        assert_eq!(template.crl_distribution_points, ["http://ca.example.com/crl/issuing.crl"]);
        assert_eq!(template.email_addresses, ["ada@example.com"]);
        assert_eq!(template.policy_oids, ["2.23.140.1.5.3.2"]);
        assert!(template.key_usage.key_agreement && !template.key_usage.key_encipherment);
    }

    #[test]
    fn validity_is_the_ordered_days_capped_by_the_profile() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let key = CertifiedKey::Rsa { bits: 2048 };
        assert_eq!(certificate_template(profile, &order(365), &locations(), key, 0, [0; 16]).validity_days(), 365);
        assert_eq!(certificate_template(profile, &order(3 * 365), &locations(), key, 0, [0; 16]).validity_days(), 825);
        assert_eq!(certificate_template(profile, &order(0), &locations(), key, 0, [0; 16]).validity_days(), 1);
    }

    #[test]
    fn serials_are_positive_and_sixteen_bytes() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        let key = CertifiedKey::EcdsaP256;
        for first in [0x00, 0x7f, 0x80, 0xff] {
            let mut random = [0x5a; 16];
            random[0] = first;
            let serial = certificate_template(profile, &order(1), &locations(), key, 0, random).serial;
            assert_eq!(serial[0] & 0xc0, 0x40, "{first:#x}");
            assert_eq!(serial[1..], random[1..]);
        }
    }
}
