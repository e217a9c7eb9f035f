//! What a certificate will say, decided from the order and the profile only. The CSR contributes its public
//! key and nothing else: its subject and requested extensions are ignored (the enrollment page says so).
//!
//! [`check_order`] says whether an order holds what its profile states (a pure check, every refusal naming the
//! field); [`certificate_template`] runs it and builds the template. [`encode`] turns a [`CertificateTemplate`]
//! into rcgen's parameters, which the edge signs with the issuing CA (after `crate::lint` checked a copy signed
//! by a throwaway key).

use crate::address::EmailAddress;
use crate::profile::{
    AlternativeNames, COMMON_NAME_MAXIMUM_LENGTH, CertifiedKey, CommonName, ExtendedKeyUsage, Profile,
};
pub use crate::profile::{KeyUsage, SubjectAttribute};

/// The template as rcgen's certificate parameters (feature `certificate-encoding`; built by the host tests too).
#[cfg(any(test, feature = "certificate-encoding"))]
pub mod encode;

/// The one issuance pipeline: every path that issues goes through its ordered steps.
pub mod pipeline;

/// How far `notBefore` is set before the moment of issuance, to tolerate clients whose clock is slightly
/// behind (seconds).
pub const BACKDATE_SECONDS: i64 = 60;

/// Most DNS names one certificate states.
pub const MAXIMUM_DNS_NAMES: usize = 100;

/// The facts of an order that a certificate states. Which of them a certificate uses depends on the profile:
/// the personal name only in sponsor-validated S/MIME, the mailbox only in S/MIME, the DNS names only in the
/// workstation and server profiles, the organization everywhere except mailbox-validated S/MIME, and where the
/// organization is (its address's city and state or province) only in the server profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFacts {
    /// Recipient's given name: subject givenName (sponsor-validated; optional, a person with a single name has
    /// only a surname).
    pub recipient_given_name: Option<String>,
    /// Recipient's surname: subject surname (sponsor-validated: required).
    pub recipient_surname: Option<String>,
    /// Recipient's mailbox: where the enrollment link goes; for S/MIME also the rfc822Name subject alternative
    /// name.
    pub recipient_email: String,
    /// Host names (lower-case LDH, fully qualified) of a workstation or server: the dNSName subject alternative
    /// names, the first also the common name.
    pub dns_names: Vec<String>,
    /// Validated organization's name: subject organizationName.
    pub organization_name: String,
    /// Validated organization's registration reference (S/MIME BR 7.1.4.2.2 d, e.g. `NTRGB-12345678`):
    /// subject organizationIdentifier.
    pub organization_identifier: String,
    /// Validated organization's ISO 3166 country code: subject countryName.
    pub organization_country: String,
    /// The city of the validated organization's address: subject localityName (TLS server), when recorded.
    pub organization_locality: Option<String>,
    /// The state, province or region of the validated organization's address: subject stateOrProvinceName (TLS
    /// server), when it has one.
    pub organization_state_or_province: Option<String>,
    /// Validity ordered, in days; capped by the profile.
    pub validity_days: u32,
}

impl OrderFacts {
    /// The recipient's personal name, when they gave one: given name, then surname.
    pub fn recipient_name(&self) -> Option<String> {
        let parts: Vec<&str> =
            [&self.recipient_given_name, &self.recipient_surname].into_iter().flatten().map(String::as_str).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// What the certificate names its subject by: the value of the profile's common name (even when it is too
    /// long to be encoded as one). For the enrollment page and the bundle's friendly name.
    pub fn subject_name(&self, profile: &Profile) -> String {
        match profile.common_name {
            CommonName::Mailbox => self.recipient_email.clone(),
            CommonName::OrganizationName => self.organization_name.clone(),
            CommonName::PersonalName => self.recipient_name().unwrap_or_default(),
            CommonName::FirstDnsName => self.dns_names.first().cloned().unwrap_or_default(),
        }
    }

    /// How emails greet the recipient: their personal name, else their address.
    pub fn greeting(&self) -> String {
        self.recipient_name().unwrap_or_else(|| self.recipient_email.clone())
    }

    /// What emails say the certificate is for: the mailbox (S/MIME), else the host name the subject states.
    pub fn certified(&self, profile: &Profile) -> String {
        match profile.kind {
            crate::profile::ProfileKind::Smime => self.recipient_email.clone(),
            crate::profile::ProfileKind::ClientAuthentication | crate::profile::ProfileKind::ServerAuthentication => {
                self.subject_name(profile)
            }
        }
    }
}

/// Why an order cannot be issued under its profile. Every variant names the order's field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrderError {
    /// A sponsor-validated certificate names a person: a surname is required (a person with a single legal name
    /// gives it as the surname, S/MIME BR 7.1.4.2.2 e).
    SurnameMissing,
    /// A name attribute that is empty or holds only metadata such as `.`, `-` or spaces (S/MIME BR 7.1.4.2).
    Blank {
        /// The field.
        field: &'static str,
    },
    /// The mailbox is not an ASCII `local@domain` address.
    EmailInvalid {
        /// Why.
        reason: &'static str,
    },
    /// The profile states host names and the order has none.
    DnsNameMissing,
    /// The profile states no host name and the order has some.
    DnsNamesNotAllowed,
    /// More than [`MAXIMUM_DNS_NAMES`] host names.
    TooManyDnsNames {
        /// How many the order has.
        count: usize,
    },
    /// A host name that is not a fully qualified, lower-case LDH name.
    DnsNameInvalid {
        /// The name as ordered.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A host name that is a public suffix (`co.uk`, `github.io`): no one controls it, so no certificate names
    /// it ([`crate::public_suffix`], feature `public-suffix`: the edge refuses it at order and at issuance).
    DnsNamePublicSuffix {
        /// The name.
        name: String,
    },
    /// The same host name twice.
    DnsNameRepeated {
        /// The name.
        name: String,
    },
    /// The organization's country is not two upper-case letters.
    CountryInvalid,
    /// The profile states where the organization is (TLS BR 7.1.2.7.4: localityName and/or stateOrProvinceName)
    /// and the organization's address records neither a city nor a state or province.
    PlaceMissing,
}

impl OrderError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SurnameMissing => "surname_missing",
            Self::Blank { .. } => "value_blank",
            Self::EmailInvalid { .. } => "email_invalid",
            Self::DnsNameMissing => "dns_name_missing",
            Self::DnsNamesNotAllowed => "dns_names_not_allowed",
            Self::TooManyDnsNames { .. } => "dns_names_too_many",
            Self::DnsNameInvalid { .. } => "dns_name_invalid",
            Self::DnsNameRepeated { .. } => "dns_name_repeated",
            Self::DnsNamePublicSuffix { .. } => "dns_name_public_suffix",
            Self::CountryInvalid => "country_invalid",
            Self::PlaceMissing => "organization_place_missing",
        }
    }

    /// The order field at fault, as the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            Self::SurnameMissing => "recipient_surname",
            Self::Blank { field } => field,
            Self::EmailInvalid { .. } => "recipient_email",
            Self::DnsNameMissing
            | Self::DnsNamesNotAllowed
            | Self::TooManyDnsNames { .. }
            | Self::DnsNameInvalid { .. }
            | Self::DnsNamePublicSuffix { .. }
            | Self::DnsNameRepeated { .. } => "dns_names",
            Self::CountryInvalid => "organization_country",
            Self::PlaceMissing => "organization_locality",
        }
    }
}

impl core::fmt::Display for OrderError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SurnameMissing => formatter.write_str(
                "A sponsor-validated certificate names a person: give the recipient's surname (a person with a \
                 single name gives it as the surname).",
            ),
            Self::Blank { field } => write!(formatter, "The {field} is empty or holds only punctuation or spaces."),
            Self::EmailInvalid { reason } => write!(formatter, "The email address is not valid: {reason}."),
            Self::DnsNameMissing => {
                formatter.write_str("This certificate names hosts: give at least one DNS name (dns_names).")
            }
            Self::DnsNamesNotAllowed => {
                formatter.write_str("This certificate states no DNS name: leave dns_names empty.")
            }
            Self::TooManyDnsNames { count } => {
                write!(formatter, "{count} DNS names were given; at most {MAXIMUM_DNS_NAMES} are accepted.")
            }
            Self::DnsNameInvalid { name, reason } => {
                write!(formatter, "The DNS name \"{name}\" is not valid: {reason}.")
            }
            Self::DnsNameRepeated { name } => write!(formatter, "The DNS name \"{name}\" is given twice."),
            Self::DnsNamePublicSuffix { name } => write!(
                formatter,
                "The DNS name \"{name}\" is a public suffix: anyone can register a name under it, so no one \
                 controls it and no certificate can name it. Give a host name under your own domain."
            ),
            Self::CountryInvalid => formatter.write_str("The organization's country is not an ISO 3166 code."),
            Self::PlaceMissing => formatter.write_str(
                "A TLS server certificate states where the organization is (its city, or its state or province), \
                 and this organization's address records neither. An organization cannot be edited: create it \
                 again with its address's city (address.city) and, where there is one, its state or province \
                 (address.region), have it validated, and order for it.",
            ),
        }
    }
}

impl std::error::Error for OrderError {}

/// Whether the order holds what the profile states, each value well formed. Facts the profile does not state
/// are not checked (a device order may carry the requester's name for the invitation), except DNS names, which
/// only device profiles accept.
pub fn check_order(profile: &Profile, order: &OrderFacts) -> Result<(), OrderError> {
    check_email(&order.recipient_email)?;
    if profile.states_personal_name() {
        for (field, value) in
            [("recipient_given_name", &order.recipient_given_name), ("recipient_surname", &order.recipient_surname)]
        {
            if value.as_deref().is_some_and(is_blank) {
                return Err(OrderError::Blank { field });
            }
        }
        if order.recipient_surname.is_none() {
            return Err(OrderError::SurnameMissing);
        }
    }
    if profile.states_organization() {
        if is_blank(&order.organization_name) {
            return Err(OrderError::Blank { field: "organization_name" });
        }
        if profile.subject.contains(&SubjectAttribute::OrganizationIdentifier)
            && is_blank(&order.organization_identifier)
        {
            return Err(OrderError::Blank { field: "organization_identifier" });
        }
        let country = order.organization_country.as_bytes();
        if country.len() != 2 || !country.iter().all(u8::is_ascii_uppercase) {
            return Err(OrderError::CountryInvalid);
        }
    }
    if profile.states_place() {
        for (field, value) in [
            ("organization_state_or_province", &order.organization_state_or_province),
            ("organization_locality", &order.organization_locality),
        ] {
            if value.as_deref().is_some_and(is_blank) {
                return Err(OrderError::Blank { field });
            }
        }
        if order.organization_locality.is_none() && order.organization_state_or_province.is_none() {
            return Err(OrderError::PlaceMissing);
        }
    }
    match profile.alternative_names {
        AlternativeNames::Mailbox if !order.dns_names.is_empty() => return Err(OrderError::DnsNamesNotAllowed),
        AlternativeNames::Mailbox => {}
        AlternativeNames::DnsNames => {
            if order.dns_names.is_empty() {
                return Err(OrderError::DnsNameMissing);
            }
            if order.dns_names.len() > MAXIMUM_DNS_NAMES {
                return Err(OrderError::TooManyDnsNames { count: order.dns_names.len() });
            }
            for (index, name) in order.dns_names.iter().enumerate() {
                check_dns_name(name).map_err(|reason| OrderError::DnsNameInvalid { name: name.clone(), reason })?;
                #[cfg(any(test, feature = "public-suffix"))]
                if crate::public_suffix::is_public_suffix(name) {
                    return Err(OrderError::DnsNamePublicSuffix { name: name.clone() });
                }
                if order.dns_names[..index].contains(name) {
                    return Err(OrderError::DnsNameRepeated { name: name.clone() });
                }
            }
        }
    }
    Ok(())
}

/// Empty, or only metadata characters (S/MIME BR 7.1.4.2: '.', '-', ' ').
fn is_blank(value: &str) -> bool {
    value.chars().all(|character| matches!(character, '.' | '-' | ' ') || character.is_whitespace())
}

/// An ASCII mailbox `local@domain` whose domain is a host name (S/MIME BR 7.1.4.2.1: an rfc822Name; Keyward
/// does not yet issue SmtpUTF8Mailbox names): [`EmailAddress::parse`]'s rules, on a value already trimmed.
/// Every refusal keeps the one code `email_invalid`, with the reason.
fn check_email(email: &str) -> Result<(), OrderError> {
    if email.trim() != email {
        return Err(OrderError::EmailInvalid { reason: "it has spaces around it" });
    }
    EmailAddress::parse(email).map(drop).map_err(|error| OrderError::EmailInvalid { reason: error.reason() })
}

/// A fully qualified host name in lower-case LDH form (RFC 1034 3.5, RFC 5890 A-labels): at least two labels
/// of 1 to 63 letters, digits and hyphens, no hyphen first or last, at most 253 characters, no trailing dot, a
/// top-level label that is not all digits (not an IP address), no wildcard. Returns why not.
pub fn check_dns_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 253 {
        return Err("a host name has 1 to 253 characters");
    }
    if name.starts_with("*.") {
        return Err("wildcard names are not issued");
    }
    if name.ends_with('.') {
        return Err("write it without the trailing dot");
    }
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Err("write it in lower case");
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("give the fully qualified name (host.example.com), not a single label");
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err("each label (between dots) has 1 to 63 characters");
        }
        if !label.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-') {
            return Err("only letters a-z, digits and hyphens are allowed (internationalized names as xn-- A-labels)");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label cannot start or end with a hyphen");
        }
        if label.get(2..4) == Some("--") && !label.starts_with("xn--") {
            return Err("hyphens in the third and fourth positions are reserved for xn-- A-labels");
        }
    }
    if labels.last().is_some_and(|label| label.bytes().all(|byte| byte.is_ascii_digit())) {
        return Err("IP addresses are not issued");
    }
    Ok(())
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
    /// dNSName subject alternative names.
    pub dns_names: Vec<String>,
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

/// Builds the template, after [`check_order`]. `now` is the issuance instant and `serial_random` 16 bytes fresh
/// from the CSPRNG.
pub fn certificate_template(
    profile: &Profile,
    order: &OrderFacts,
    locations: &CaLocations,
    key: CertifiedKey,
    now: i64,
    serial_random: [u8; 16],
) -> Result<CertificateTemplate, OrderError> {
    check_order(profile, order)?;
    let mut serial = serial_random;
    // Positive (top bit clear) and always 16 bytes long (second bit set): 126 random bits, over the 64 required.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let days = order.validity_days.clamp(1, profile.max_validity_days(now));
    let not_before = now - BACKDATE_SECONDS;
    let not_after = not_before + i64::from(days) * 86_400 - 1;
    let key_usage = match key {
        CertifiedKey::Rsa { .. } => profile.rsa_key_usage,
        CertifiedKey::EcdsaP256 | CertifiedKey::EcdsaP384 => profile.ec_key_usage,
        CertifiedKey::Ed25519 => KeyUsage::SIGNATURE,
    };
    let common_name = order.subject_name(profile);
    let subject = profile
        .subject
        .iter()
        .filter_map(|attribute| {
            let value = match attribute {
                SubjectAttribute::Country => Some(order.organization_country.clone()),
                SubjectAttribute::StateOrProvince => order.organization_state_or_province.clone(),
                SubjectAttribute::Locality => order.organization_locality.clone(),
                SubjectAttribute::Organization => Some(order.organization_name.clone()),
                SubjectAttribute::OrganizationIdentifier => Some(order.organization_identifier.clone()),
                SubjectAttribute::GivenName => order.recipient_given_name.clone(),
                SubjectAttribute::Surname => order.recipient_surname.clone(),
                SubjectAttribute::CommonName => {
                    (common_name.chars().count() <= COMMON_NAME_MAXIMUM_LENGTH).then(|| common_name.clone())
                }
            };
            value.map(|value| (*attribute, value))
        })
        .collect();
    let (email_addresses, dns_names) = match profile.alternative_names {
        AlternativeNames::Mailbox => (vec![order.recipient_email.clone()], Vec::new()),
        AlternativeNames::DnsNames => (Vec::new(), order.dns_names.clone()),
    };
    Ok(CertificateTemplate {
        serial,
        not_before,
        not_after,
        subject,
        email_addresses,
        dns_names,
        key_usage,
        extended_key_usages: profile.extended_key_usages.to_vec(),
        policy_oids: profile.policy_oids.to_vec(),
        crl_distribution_points: vec![locations.crl_url.clone()],
        ca_issuers: vec![locations.ca_issuers_url.clone()],
        ocsp_responders: vec![locations.ocsp_url.clone()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileId;
    use ExtendedKeyUsage::{ClientAuth, EmailProtection, ServerAuth};
    use SubjectAttribute::{
        CommonName, Country, GivenName, Locality, Organization, OrganizationIdentifier, StateOrProvince, Surname,
    };

    /// 2026-11-30 00:00 UTC: the TLS server cap is 199 days then.
    const NOW: i64 = 1_795_996_800;

    fn order(validity_days: u32) -> OrderFacts {
        OrderFacts {
            recipient_given_name: Some("Ada".into()),
            recipient_surname: Some("Lovelace".into()),
            recipient_email: "ada@example.com".into(),
            dns_names: Vec::new(),
            organization_name: "Example Org".into(),
            organization_identifier: "NTRGB-12345678".into(),
            organization_country: "GB".into(),
            organization_locality: Some("London".into()),
            organization_state_or_province: None,
            validity_days,
        }
    }

    /// A device order: no personal name, two host names.
    fn device_order() -> OrderFacts {
        OrderFacts {
            recipient_given_name: None,
            recipient_surname: None,
            dns_names: vec!["ws-042.corp.example.com".into(), "ws-042.example.com".into()],
            ..order(365)
        }
    }

    fn locations() -> CaLocations {
        CaLocations {
            crl_url: "http://ca.example.com/crl/issuing.crl".into(),
            ca_issuers_url: "http://ca.example.com/ca/issuing.crt".into(),
            ocsp_url: "http://ca.example.com/ocsp".into(),
        }
    }

    fn template(id: ProfileId, order: &OrderFacts, key: CertifiedKey) -> CertificateTemplate {
        certificate_template(id.profile(), order, &locations(), key, NOW, [0xff; 16]).expect("a valid order")
    }

    fn subject(pairs: &[(SubjectAttribute, &str)]) -> Vec<(SubjectAttribute, String)> {
        pairs.iter().map(|(attribute, value)| (*attribute, (*value).to_owned())).collect()
    }

    const RSA: CertifiedKey = CertifiedKey::Rsa { bits: 2048 };
    const EC: CertifiedKey = CertifiedKey::EcdsaP256;

    #[test]
    fn sponsor_validated_names_the_person_in_the_organization() {
        for (id, policy, usages) in [
            (ProfileId::SmimeSponsorMultipurpose, "2.23.140.1.5.3.2", &[EmailProtection, ClientAuth][..]),
            (ProfileId::SmimeSponsorStrict, "2.23.140.1.5.3.3", &[EmailProtection][..]),
        ] {
            let template = template(id, &order(365), EC);
            let expected = subject(&[
                (Country, "GB"),
                (Organization, "Example Org"),
                (OrganizationIdentifier, "NTRGB-12345678"),
                (GivenName, "Ada"),
                (Surname, "Lovelace"),
                (CommonName, "Ada Lovelace"),
            ]);
            assert_eq!(template.subject, expected, "{id:?}");
            assert_eq!(template.email_addresses, ["ada@example.com"]);
            assert!(template.dns_names.is_empty());
            assert_eq!(template.policy_oids, [policy]);
            assert_eq!(template.extended_key_usages, usages);
            assert_eq!(template.key_usage, KeyUsage::SIGNATURE_AND_KEY_AGREEMENT);
            assert_eq!(template.crl_distribution_points, ["http://ca.example.com/crl/issuing.crl"]);
            assert_eq!(template.ca_issuers, ["http://ca.example.com/ca/issuing.crt"]);
        }
    }

    #[test]
    fn a_person_with_a_single_name_has_a_surname_only() {
        let single = OrderFacts { recipient_given_name: None, recipient_surname: Some("Teller".into()), ..order(365) };
        let template = template(ProfileId::SmimeSponsorStrict, &single, RSA);
        assert!(!template.subject.iter().any(|(attribute, _)| *attribute == GivenName));
        assert_eq!(template.subject.last(), Some(&(CommonName, "Teller".to_owned())));
    }

    #[test]
    fn mailbox_validated_states_the_mailbox_only() {
        // The order's organization and the recipient's name are not validated facts of this profile: left out.
        for (id, policy, usages) in [
            (ProfileId::SmimeMailboxStrict, "2.23.140.1.5.1.3", &[EmailProtection][..]),
            (ProfileId::SmimeMailboxMultipurpose, "2.23.140.1.5.1.2", &[EmailProtection, ClientAuth][..]),
        ] {
            let template = template(id, &order(365), RSA);
            assert_eq!(template.subject, subject(&[(CommonName, "ada@example.com")]), "{id:?}");
            assert_eq!(template.email_addresses, ["ada@example.com"]);
            assert_eq!(template.policy_oids, [policy]);
            assert_eq!(template.extended_key_usages, usages);
            assert_eq!(template.key_usage, KeyUsage::SIGNATURE_AND_KEY_ENCIPHERMENT);
        }
        let anonymous = OrderFacts { recipient_given_name: None, recipient_surname: None, ..order(365) };
        assert!(check_order(ProfileId::SmimeMailboxStrict.profile(), &anonymous).is_ok());
    }

    #[test]
    fn organization_validated_states_no_personal_name() {
        for (id, policy, usages) in [
            (ProfileId::SmimeOrganizationStrict, "2.23.140.1.5.2.3", &[EmailProtection][..]),
            (ProfileId::SmimeOrganizationMultipurpose, "2.23.140.1.5.2.2", &[EmailProtection, ClientAuth][..]),
        ] {
            let template = template(id, &order(365), EC);
            let expected = subject(&[
                (Country, "GB"),
                (Organization, "Example Org"),
                (OrganizationIdentifier, "NTRGB-12345678"),
                (CommonName, "Example Org"),
            ]);
            assert_eq!(template.subject, expected, "{id:?}");
            assert_eq!(template.email_addresses, ["ada@example.com"]);
            assert_eq!(template.policy_oids, [policy]);
            assert_eq!(template.extended_key_usages, usages);
            assert_eq!(template.key_usage, KeyUsage::SIGNATURE_AND_KEY_AGREEMENT);
        }
    }

    #[test]
    fn device_profiles_name_the_host() {
        let host = "ws-042.corp.example.com";
        for (id, policy, usage, rsa_usage, expected) in [
            (
                ProfileId::ClientAuthWorkstation,
                "1.3.6.1.4.1.32473.1.1.1",
                ClientAuth,
                KeyUsage {
                    digital_signature: true,
                    key_encipherment: true,
                    data_encipherment: true,
                    key_agreement: false,
                },
                subject(&[(Country, "GB"), (Organization, "Example Org"), (CommonName, host)]),
            ),
            (
                ProfileId::ServerAuth,
                "2.23.140.1.2.2",
                ServerAuth,
                KeyUsage {
                    digital_signature: true,
                    key_encipherment: true,
                    data_encipherment: false,
                    key_agreement: false,
                },
                subject(&[(Country, "GB"), (Locality, "London"), (Organization, "Example Org"), (CommonName, host)]),
            ),
        ] {
            let rsa = template(id, &device_order(), RSA);
            assert_eq!(rsa.subject, expected, "{id:?}");
            assert_eq!(rsa.dns_names, ["ws-042.corp.example.com", "ws-042.example.com"]);
            assert!(rsa.email_addresses.is_empty(), "the requester's mailbox is not a device name");
            assert_eq!(rsa.policy_oids, [policy]);
            assert_eq!(rsa.extended_key_usages, [usage]);
            assert_eq!(rsa.key_usage, rsa_usage);
            assert_eq!(template(id, &device_order(), EC).key_usage, KeyUsage::SIGNATURE, "{id:?}");
            // A name given for the invitation is not stated.
            let named = template(id, &OrderFacts { dns_names: device_order().dns_names, ..order(365) }, EC);
            assert_eq!(named.subject, expected);
        }
    }

    #[test]
    fn the_server_subject_states_the_place_recorded_in_tls_br_order() {
        let place = |locality: Option<&str>, state: Option<&str>| OrderFacts {
            organization_locality: locality.map(str::to_owned),
            organization_state_or_province: state.map(str::to_owned),
            ..device_order()
        };
        let host = "ws-042.corp.example.com";
        for (locality, state, expected) in [
            (Some("London"), None, vec![(Country, "GB"), (Locality, "London"), (Organization, "Example Org")]),
            (
                None,
                Some("Île-de-France"),
                vec![(Country, "GB"), (StateOrProvince, "Île-de-France"), (Organization, "Example Org")],
            ),
            (
                Some("Manchester"),
                Some("Greater Manchester"),
                vec![
                    (Country, "GB"),
                    (StateOrProvince, "Greater Manchester"),
                    (Locality, "Manchester"),
                    (Organization, "Example Org"),
                ],
            ),
        ] {
            let mut expected = expected;
            expected.push((CommonName, host));
            let server = template(ProfileId::ServerAuth, &place(locality, state), EC);
            assert_eq!(server.subject, subject(&expected), "{locality:?} {state:?}");
            // Only the server profile states where the organization is.
            for id in [ProfileId::ClientAuthWorkstation, ProfileId::SmimeOrganizationStrict] {
                let order = if id == ProfileId::ClientAuthWorkstation {
                    place(locality, state)
                } else {
                    OrderFacts { dns_names: Vec::new(), ..place(locality, state) }
                };
                let stated = template(id, &order, EC).subject;
                assert!(!stated.iter().any(|(attribute, _)| matches!(attribute, Locality | StateOrProvince)), "{id:?}");
            }
        }
    }

    #[test]
    fn a_common_name_too_long_for_rfc_5280_is_left_out() {
        let host = format!("{}.example.com", "a".repeat(52));
        assert_eq!(host.len(), 64);
        let longer = format!("{}.example.com", "a".repeat(53));
        for (name, stated) in [(host, true), (longer, false)] {
            let order = OrderFacts { dns_names: vec![name.clone()], ..device_order() };
            let template = template(ProfileId::ServerAuth, &order, EC);
            assert_eq!(template.subject.contains(&(CommonName, name.clone())), stated, "{name}");
            assert_eq!(template.subject.len(), if stated { 4 } else { 3 });
            assert_eq!(template.dns_names, [name]);
        }
    }

    #[test]
    fn validity_is_the_ordered_days_capped_by_the_profile() {
        let days = |id: ProfileId, ordered: u32| template(id, &orders(id, ordered), RSA).validity_days();
        for id in [ProfileId::SmimeSponsorMultipurpose, ProfileId::SmimeMailboxStrict, ProfileId::ClientAuthWorkstation]
        {
            assert_eq!(days(id, 365), 365, "{id:?}");
            assert_eq!(days(id, 3 * 365), 825, "{id:?}");
            assert_eq!(days(id, 0), 1, "{id:?}");
        }
        assert_eq!(days(ProfileId::ServerAuth, 365), 199, "TLS BR 6.3.2 in December 2026, less a day");
        assert_eq!(days(ProfileId::ServerAuth, 90), 90);
        let early =
            certificate_template(ProfileId::ServerAuth.profile(), &device_order(), &locations(), RSA, 0, [0; 16]);
        assert_eq!(early.expect("valid").validity_days(), 365, "397 before 2026-03-15");
    }

    /// An order that suits the profile, for `validity_days`.
    fn orders(id: ProfileId, validity_days: u32) -> OrderFacts {
        match id.profile().alternative_names {
            AlternativeNames::Mailbox => order(validity_days),
            AlternativeNames::DnsNames => OrderFacts { validity_days, ..device_order() },
        }
    }

    #[test]
    fn every_profile_builds_from_a_suitable_order() {
        for id in ProfileId::ALL {
            for key in [RSA, EC, CertifiedKey::EcdsaP384] {
                let template = template(id, &orders(id, 365), key);
                assert!(!template.subject.is_empty(), "{id:?}");
                assert_eq!(
                    template.email_addresses.is_empty(),
                    !template.dns_names.is_empty(),
                    "{id:?}: one kind of SAN"
                );
                assert_eq!(template.policy_oids, id.profile().policy_oids);
            }
        }
    }

    /// Checks one order against one profile: `Ok` or the error's (code, field).
    fn check(id: ProfileId, order: OrderFacts, expected: Result<(), (&str, &str)>) {
        let actual = check_order(id.profile(), &order);
        if let Err(error) = &actual {
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(actual.map_err(|error| (error.code(), error.field())), expected, "{id:?}: {order:?}");
    }

    fn with_dns(names: &[&str]) -> OrderFacts {
        OrderFacts { dns_names: names.iter().map(|name| (*name).to_owned()).collect(), ..device_order() }
    }

    #[test]
    fn emails_greet_by_name_and_say_what_is_certified() {
        let smime = ProfileId::SmimeSponsorMultipurpose.profile();
        assert_eq!(
            (order(365).greeting(), order(365).certified(smime)),
            ("Ada Lovelace".into(), "ada@example.com".into())
        );
        let device = device_order();
        assert_eq!(device.greeting(), "ada@example.com");
        assert_eq!(device.certified(ProfileId::ServerAuth.profile()), "ws-042.corp.example.com");
    }

    #[test]
    fn order_errors_name_the_field() {
        let sponsor = ProfileId::SmimeSponsorMultipurpose;
        let server = ProfileId::ServerAuth;
        let workstation = ProfileId::ClientAuthWorkstation;
        check(sponsor, order(1), Ok(()));
        check(
            sponsor,
            OrderFacts { recipient_surname: None, ..order(1) },
            Err(("surname_missing", "recipient_surname")),
        );
        check(
            ProfileId::SmimeSponsorStrict,
            OrderFacts { recipient_given_name: None, recipient_surname: None, ..order(1) },
            Err(("surname_missing", "recipient_surname")),
        );
        check(
            sponsor,
            OrderFacts { recipient_given_name: Some(" . ".into()), ..order(1) },
            Err(("value_blank", "recipient_given_name")),
        );
        check(
            sponsor,
            OrderFacts { recipient_surname: Some("-".into()), ..order(1) },
            Err(("value_blank", "recipient_surname")),
        );
        check(
            ProfileId::SmimeOrganizationStrict,
            OrderFacts { organization_identifier: String::new(), ..order(1) },
            Err(("value_blank", "organization_identifier")),
        );
        check(
            server,
            OrderFacts { organization_name: " ".into(), ..device_order() },
            Err(("value_blank", "organization_name")),
        );
        check(
            server,
            OrderFacts { organization_country: "gb".into(), ..device_order() },
            Err(("country_invalid", "organization_country")),
        );
        // A TLS server certificate states where the organization is: its city, or its state or province.
        let place = |locality: Option<&str>, state: Option<&str>| OrderFacts {
            organization_locality: locality.map(str::to_owned),
            organization_state_or_province: state.map(str::to_owned),
            ..device_order()
        };
        check(server, place(None, None), Err(("organization_place_missing", "organization_locality")));
        check(server, place(None, Some("Ontario")), Ok(()));
        check(server, place(Some("Toronto"), Some("Ontario")), Ok(()));
        check(server, place(Some(" - "), None), Err(("value_blank", "organization_locality")));
        check(server, place(Some("Toronto"), Some(".")), Err(("value_blank", "organization_state_or_province")));
        // The other profiles state no place, and need none.
        check(workstation, place(None, None), Ok(()));
        check(sponsor, OrderFacts { organization_locality: None, ..order(1) }, Ok(()));
        // Mailbox-validated certificates state no organization: its facts are not required.
        check(
            ProfileId::SmimeMailboxMultipurpose,
            OrderFacts { organization_identifier: String::new(), ..order(1) },
            Ok(()),
        );
        for email in
            ["ada", "@example.com", "ada@", "ada@localhost", "ada lovelace@example.com", "adä@example.com", "a@b@c"]
                .into_iter()
                // `address::EmailAddress`'s rules, under the same code.
                .chain(["ada..l@example.com", "\"ada\"@example.com", "ada@ex\u{430}mple.com", " ada@example.com"])
        {
            check(
                sponsor,
                OrderFacts { recipient_email: email.into(), ..order(1) },
                Err(("email_invalid", "recipient_email")),
            );
        }
        check(sponsor, OrderFacts { recipient_email: "Ada.Lovelace+smime@Example.COM".into(), ..order(1) }, Ok(()));
        check(
            sponsor,
            OrderFacts { dns_names: vec!["ws.example.com".into()], ..order(1) },
            Err(("dns_names_not_allowed", "dns_names")),
        );
        check(server, with_dns(&[]), Err(("dns_name_missing", "dns_names")));
        check(workstation, with_dns(&[]), Err(("dns_name_missing", "dns_names")));
        check(server, with_dns(&["www.example.com", "www.example.com"]), Err(("dns_name_repeated", "dns_names")));
        let many: Vec<String> = (0..=MAXIMUM_DNS_NAMES).map(|index| format!("h{index}.example.com")).collect();
        check(server, OrderFacts { dns_names: many, ..device_order() }, Err(("dns_names_too_many", "dns_names")));
        check(server, with_dns(&["www.example.com", "xn--bcher-kva.example.com", "a-b.c1.example.org"]), Ok(()));
        // A public suffix is no one's host: refused in any position, for both device profiles.
        for suffix in ["co.uk", "github.io", "s3.amazonaws.com", "anything.ck", "xn--55qx5d.cn"] {
            for profile in [server, workstation] {
                check(profile, with_dns(&["www.example.com", suffix]), Err(("dns_name_public_suffix", "dns_names")));
            }
        }
        check(server, with_dns(&["www.example.co.uk", "ada.github.io", "example.co.uk"]), Ok(()));
    }

    #[test]
    fn dns_names_are_fully_qualified_lower_case_ldh() {
        let invalid = |name: &str, reason: &str| {
            assert_eq!(check_dns_name(name), Err(reason), "{name}");
            check(ProfileId::ServerAuth, with_dns(&[name]), Err(("dns_name_invalid", "dns_names")));
        };
        assert_eq!(check_dns_name("ws-042.corp.example.com"), Ok(()));
        assert_eq!(check_dns_name(&format!("{}.example.com", "a".repeat(63))), Ok(()));
        invalid("", "a host name has 1 to 253 characters");
        invalid(&format!("{}.com", "a.".repeat(125)), "a host name has 1 to 253 characters");
        invalid("workstation", "give the fully qualified name (host.example.com), not a single label");
        invalid("WS.example.com", "write it in lower case");
        invalid("www.example.com.", "write it without the trailing dot");
        invalid("*.example.com", "wildcard names are not issued");
        invalid("a..example.com", "each label (between dots) has 1 to 63 characters");
        invalid(&format!("{}.example.com", "a".repeat(64)), "each label (between dots) has 1 to 63 characters");
        let characters = "only letters a-z, digits and hyphens are allowed (internationalized names as xn-- A-labels)";
        invalid("ws_1.example.com", characters);
        invalid("bücher.example.com", characters);
        invalid("ws 1.example.com", characters);
        invalid("-ws.example.com", "a label cannot start or end with a hyphen");
        invalid("ws-.example.com", "a label cannot start or end with a hyphen");
        invalid("ab--c.example.com", "hyphens in the third and fourth positions are reserved for xn-- A-labels");
        invalid("192.168.0.1", "IP addresses are not issued");
    }

    #[test]
    fn serials_are_positive_and_sixteen_bytes() {
        let profile = ProfileId::SmimeSponsorMultipurpose.profile();
        for first in [0x00, 0x7f, 0x80, 0xff] {
            let mut random = [0x5a; 16];
            random[0] = first;
            let serial = certificate_template(profile, &order(1), &locations(), EC, 0, random).expect("valid").serial;
            assert_eq!(serial[0] & 0xc0, 0x40, "{first:#x}");
            assert_eq!(serial[1..], random[1..]);
        }
    }

    #[test]
    fn subject_names() {
        assert_eq!(order(1).subject_name(ProfileId::SmimeSponsorStrict.profile()), "Ada Lovelace");
        assert_eq!(order(1).subject_name(ProfileId::SmimeMailboxStrict.profile()), "ada@example.com");
        assert_eq!(order(1).subject_name(ProfileId::SmimeOrganizationStrict.profile()), "Example Org");
        assert_eq!(device_order().subject_name(ProfileId::ServerAuth.profile()), "ws-042.corp.example.com");
        assert_eq!(device_order().recipient_name(), None);
    }
}
