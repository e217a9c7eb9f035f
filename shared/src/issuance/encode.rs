//! A [`CertificateTemplate`] as rcgen's [`CertificateParams`]: what the certificate says, encoded, and nothing
//! signed. The edge signs the parameters twice with the same issuer name and key identifier: first with a
//! throwaway lint key (the copy `crate::lint` checks), then with the issuing CA's key.
//!
//! Pure like the rest of this crate: the serial number and the dates come from the template, the key identifier
//! of the subject is derived from its public key (SHA-256), and no signature is made here. Feature
//! `certificate-encoding` (the edge); the host tests build it too.
//!
//! The parameters always hold: the template's serial and validity; the subject in the template's order (country
//! as PrintableString, every other attribute as UTF8String, as [`crate::lint`] requires); the rfc822Name or
//! dNSName alternative names (rcgen marks the extension critical when the subject is empty); key usage
//! (critical), extended key usage, authority and subject key identifiers, basicConstraints with cA false, the
//! CRL distribution points, and two custom extensions: certificatePolicies and authorityInformationAccess.

use der::{Decode, Encode, Tag, Tagged};
use rcgen::{
    CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
    PKCS_ED25519, PKCS_RSA_SHA256, PublicKeyData, SanType, SerialNumber, SignatureAlgorithm,
};
use x509_cert::Certificate;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax, CertificatePolicies, SubjectKeyIdentifier};

use super::{CertificateTemplate, SubjectAttribute};
use crate::csr::{ParsedCsr, PublicKey};
use crate::profile::ExtendedKeyUsage;

/// id-ce-certificatePolicies.
const CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];
/// id-pe-authorityInfoAccess.
const AUTHORITY_INFORMATION_ACCESS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
/// id-ad-ocsp.
const OCSP: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers.
const CA_ISSUERS: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

/// Why a template or the issuing CA's certificate cannot be encoded. The first three are facts of the order that
/// [`super::check_order`] already refuses; the others are Keyward's own faults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A mailbox (rfc822Name) that is not ASCII.
    EmailNotAscii,
    /// A host name (dNSName) that is not ASCII.
    DnsNameNotAscii,
    /// A countryName that is not a PrintableString.
    CountryNotPrintable,
    /// A certificate policy that is not a dotted OID.
    PolicyOidInvalid {
        /// The policy as written.
        oid: &'static str,
    },
    /// A URL (CRL, OCSP, CA issuers) that is not ASCII.
    UrlNotAscii,
    /// A date rcgen cannot represent.
    TimestampOutOfRange {
        /// Seconds since the Unix epoch.
        seconds: i64,
    },
    /// The CSR's SubjectPublicKeyInfo could not be re-read.
    PublicKeyUnreadable,
    /// The issuing CA's subject uses an attribute type or string type this encoder does not copy.
    IssuerNameUnsupported {
        /// What is unsupported.
        detail: String,
    },
    /// The issuing CA's certificate has no subject key identifier (every certificate's authority key identifier
    /// repeats it).
    IssuerKeyIdentifierMissing,
    /// An extension failed to encode as DER.
    ExtensionEncoding {
        /// The extension.
        extension: &'static str,
    },
}

impl EncodeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmailNotAscii => "email_invalid",
            Self::DnsNameNotAscii => "dns_name_invalid",
            Self::CountryNotPrintable => "country_invalid",
            Self::PolicyOidInvalid { .. } => "policy_oid_invalid",
            Self::UrlNotAscii => "url_invalid",
            Self::TimestampOutOfRange { .. } => "timestamp_out_of_range",
            Self::PublicKeyUnreadable => "public_key_unreadable",
            Self::IssuerNameUnsupported { .. } => "issuer_name_unsupported",
            Self::IssuerKeyIdentifierMissing => "issuer_key_identifier_missing",
            Self::ExtensionEncoding { .. } => "extension_encoding_failed",
        }
    }

    /// The order field at fault, as the API names it, when the order is at fault (else the fault is Keyward's).
    pub fn order_field(&self) -> Option<&'static str> {
        match self {
            Self::EmailNotAscii => Some("recipient_email"),
            Self::DnsNameNotAscii => Some("dns_names"),
            Self::CountryNotPrintable => Some("organization_country"),
            Self::PolicyOidInvalid { .. }
            | Self::UrlNotAscii
            | Self::TimestampOutOfRange { .. }
            | Self::PublicKeyUnreadable
            | Self::IssuerNameUnsupported { .. }
            | Self::IssuerKeyIdentifierMissing
            | Self::ExtensionEncoding { .. } => None,
        }
    }
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::EmailNotAscii => formatter.write_str("The email address (rfc822Name) is not ASCII."),
            Self::DnsNameNotAscii => formatter.write_str("A DNS name (dNSName) is not ASCII."),
            Self::CountryNotPrintable => formatter.write_str("The country (countryName) is not a printable string."),
            Self::PolicyOidInvalid { oid } => write!(formatter, "The certificate policy {oid} is not a dotted OID."),
            Self::UrlNotAscii => {
                formatter.write_str("A URL of the CRL distribution point or authority information access is not ASCII.")
            }
            Self::TimestampOutOfRange { seconds } => {
                write!(formatter, "The instant {seconds} (validity) cannot be written in a certificate.")
            }
            Self::PublicKeyUnreadable => {
                formatter.write_str("The request's subjectPublicKeyInfo could not be re-read.")
            }
            Self::IssuerNameUnsupported { detail } => write!(formatter, "The issuing CA's subject name: {detail}."),
            Self::IssuerKeyIdentifierMissing => {
                formatter.write_str("The issuing CA's certificate has no subjectKeyIdentifier.")
            }
            Self::ExtensionEncoding { extension } => write!(formatter, "The {extension} extension failed to encode."),
        }
    }
}

impl std::error::Error for EncodeError {}

/// The certificate the template describes, as rcgen parameters ready to be signed by an issuer.
pub fn certificate_params(template: &CertificateTemplate) -> Result<CertificateParams, EncodeError> {
    let mut params = CertificateParams::default();
    params.serial_number = Some(SerialNumber::from_slice(&template.serial));
    params.not_before = timestamp(template.not_before)?;
    params.not_after = timestamp(template.not_after)?;
    params.distinguished_name = subject(&template.subject)?;
    params.subject_alt_names = alternative_names(template)?;
    let usage = template.key_usage;
    params.key_usages = [
        (usage.digital_signature, KeyUsagePurpose::DigitalSignature),
        (usage.key_encipherment, KeyUsagePurpose::KeyEncipherment),
        (usage.data_encipherment, KeyUsagePurpose::DataEncipherment),
        (usage.key_agreement, KeyUsagePurpose::KeyAgreement),
    ]
    .into_iter()
    .filter_map(|(asserted, purpose)| asserted.then_some(purpose))
    .collect();
    params.extended_key_usages = template
        .extended_key_usages
        .iter()
        .map(|usage| match usage {
            ExtendedKeyUsage::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
            ExtendedKeyUsage::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsage::ServerAuth => ExtendedKeyUsagePurpose::ServerAuth,
        })
        .collect();
    params.use_authority_key_identifier_extension = true;
    // Explicitly not a CA: rcgen then writes basicConstraints (cA false) and the subject key identifier.
    params.is_ca = IsCa::ExplicitNoCa;
    params.crl_distribution_points =
        template.crl_distribution_points.iter().map(|uri| CrlDistributionPoint { uris: vec![uri.clone()] }).collect();
    params.custom_extensions.push(certificate_policies(&template.policy_oids)?);
    params.custom_extensions.push(authority_information_access(&template.ca_issuers, &template.ocsp_responders)?);
    Ok(params)
}

/// The subject, attribute by attribute in the template's order.
fn subject(attributes: &[(SubjectAttribute, String)]) -> Result<DistinguishedName, EncodeError> {
    let mut name = DistinguishedName::new();
    for (attribute, value) in attributes {
        let (kind, value) = subject_attribute(*attribute, value)?;
        name.push(kind, value);
    }
    Ok(name)
}

/// One subject attribute with its type and string type: countryName is a PrintableString (RFC 5280), every
/// other attribute a UTF8String.
fn subject_attribute(attribute: SubjectAttribute, value: &str) -> Result<(DnType, DnValue), EncodeError> {
    let text = || DnValue::Utf8String(value.to_owned());
    Ok(match attribute {
        SubjectAttribute::Country => (DnType::CountryName, printable(value).ok_or(EncodeError::CountryNotPrintable)?),
        SubjectAttribute::StateOrProvince => (DnType::StateOrProvinceName, text()),
        SubjectAttribute::Locality => (DnType::LocalityName, text()),
        SubjectAttribute::Organization => (DnType::OrganizationName, text()),
        SubjectAttribute::OrganizationIdentifier => (DnType::CustomDnType(vec![2, 5, 4, 97]), text()),
        SubjectAttribute::GivenName => (DnType::CustomDnType(vec![2, 5, 4, 42]), text()),
        SubjectAttribute::Surname => (DnType::CustomDnType(vec![2, 5, 4, 4]), text()),
        SubjectAttribute::CommonName => (DnType::CommonName, text()),
    })
}

/// The rfc822Name then the dNSName alternative names.
fn alternative_names(template: &CertificateTemplate) -> Result<Vec<SanType>, EncodeError> {
    let emails = template
        .email_addresses
        .iter()
        .map(|email| email.clone().try_into().map(SanType::Rfc822Name).map_err(|_| EncodeError::EmailNotAscii));
    let hosts = template
        .dns_names
        .iter()
        .map(|name| name.clone().try_into().map(SanType::DnsName).map_err(|_| EncodeError::DnsNameNotAscii));
    emails.chain(hosts).collect()
}

fn printable(value: &str) -> Option<DnValue> {
    value.to_owned().try_into().map(DnValue::PrintableString).ok()
}

/// certificatePolicies (not critical): each policy OID, without qualifiers.
fn certificate_policies(oids: &[&'static str]) -> Result<CustomExtension, EncodeError> {
    let policies = oids
        .iter()
        .map(|oid| {
            Ok(PolicyInformation {
                policy_identifier: oid.parse().map_err(|_| EncodeError::PolicyOidInvalid { oid })?,
                policy_qualifiers: None,
            })
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let der = CertificatePolicies(policies)
        .to_der()
        .map_err(|_| EncodeError::ExtensionEncoding { extension: "certificatePolicies" })?;
    Ok(CustomExtension::from_oid_content(CERTIFICATE_POLICIES, der))
}

/// authorityInformationAccess (not critical): the OCSP responders first (relying parties try the access
/// descriptions in order, and status matters most), then the CA issuers.
fn authority_information_access(ca_issuers: &[String], ocsp: &[String]) -> Result<CustomExtension, EncodeError> {
    let entries = ocsp.iter().map(|url| (OCSP, url)).chain(ca_issuers.iter().map(|url| (CA_ISSUERS, url)));
    let descriptions = entries
        .map(|(access_method, url)| {
            let location = der::asn1::Ia5String::new(url).map_err(|_| EncodeError::UrlNotAscii)?;
            Ok(AccessDescription { access_method, access_location: GeneralName::UniformResourceIdentifier(location) })
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let der = AuthorityInfoAccessSyntax(descriptions)
        .to_der()
        .map_err(|_| EncodeError::ExtensionEncoding { extension: "authorityInformationAccess" })?;
    Ok(CustomExtension::from_oid_content(AUTHORITY_INFORMATION_ACCESS, der))
}

/// Seconds since the Unix epoch as the date type rcgen takes.
pub fn timestamp(seconds: i64) -> Result<time::OffsetDateTime, EncodeError> {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| EncodeError::TimestampOutOfRange { seconds })
}

/// The issuer parameters of the issuing CA whose certificate is `issuing`: its subject copied attribute by
/// attribute with each string type kept (so that every certificate's issuer name is byte for byte the CA
/// certificate's subject, S/MIME BR 7.1.4.1), its subject key identifier as the pre-specified key identifier
/// (every authority key identifier repeats it), and the CA key usages. Any key of the same type signs with
/// them: the issuing key, or the throwaway lint key.
pub fn issuer_params(issuing: &Certificate) -> Result<CertificateParams, EncodeError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = issuer_name(issuing.tbs_certificate().subject())?;
    params.key_identifier_method = KeyIdMethod::PreSpecified(issuer_key_identifier(issuing)?);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    Ok(params)
}

/// The issuing CA's subject key identifier.
pub fn issuer_key_identifier(issuing: &Certificate) -> Result<Vec<u8>, EncodeError> {
    match issuing.tbs_certificate().get_extension::<SubjectKeyIdentifier>() {
        Ok(Some((_, identifier))) => Ok(identifier.0.as_bytes().to_vec()),
        _ => Err(EncodeError::IssuerKeyIdentifierMissing),
    }
}

/// The issuing CA's subject, attribute by attribute with its string type kept.
fn issuer_name(name: &x509_cert::name::Name) -> Result<DistinguishedName, EncodeError> {
    let mut distinguished_name = DistinguishedName::new();
    for attribute in name.iter() {
        let kind =
            match attribute.oid.to_string().as_str() {
                "2.5.4.3" => DnType::CommonName,
                "2.5.4.6" => DnType::CountryName,
                "2.5.4.7" => DnType::LocalityName,
                "2.5.4.8" => DnType::StateOrProvinceName,
                "2.5.4.10" => DnType::OrganizationName,
                "2.5.4.11" => DnType::OrganizationalUnitName,
                other => {
                    DnType::CustomDnType(other.split('.').map(|arc| arc.parse()).collect::<Result<_, _>>().map_err(
                        |_| EncodeError::IssuerNameUnsupported { detail: format!("attribute type {other}") },
                    )?)
                }
            };
        let unsupported = |what: &str| EncodeError::IssuerNameUnsupported { detail: what.to_owned() };
        let text = String::from_utf8(attribute.value.value().to_vec()).map_err(|_| unsupported("a value not UTF-8"))?;
        let value = match attribute.value.tag() {
            Tag::PrintableString => printable(&text).ok_or_else(|| unsupported("a PrintableString out of range"))?,
            Tag::Utf8String => DnValue::Utf8String(text),
            other => return Err(unsupported(&format!("the string type {other}"))),
        };
        distinguished_name.push(kind, value);
    }
    Ok(distinguished_name)
}

/// The CSR's public key as rcgen wants it: the algorithm (which selects the SubjectPublicKeyInfo's algorithm
/// identifier, byte for byte the S/MIME BR 7.1.3.1 encodings) and the key bits.
pub struct CsrPublicKey {
    algorithm: &'static SignatureAlgorithm,
    key: Vec<u8>,
}

impl CsrPublicKey {
    /// The public key of a verified request.
    pub fn new(csr: &ParsedCsr) -> Result<Self, EncodeError> {
        let algorithm = match csr.public_key() {
            PublicKey::Rsa { .. } => &PKCS_RSA_SHA256,
            PublicKey::EcP256 => &PKCS_ECDSA_P256_SHA256,
            PublicKey::EcP384 => &PKCS_ECDSA_P384_SHA384,
            PublicKey::Ed25519 => &PKCS_ED25519,
        };
        let spki = spki::SubjectPublicKeyInfoRef::from_der(csr.subject_public_key_info_der())
            .map_err(|_| EncodeError::PublicKeyUnreadable)?;
        Ok(Self { algorithm, key: spki.subject_public_key.raw_bytes().to_vec() })
    }
}

impl PublicKeyData for CsrPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.algorithm
    }
}
