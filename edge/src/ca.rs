//! The CA signer adapter: the issuing CA's key and certificates from Worker secrets, and rcgen to turn a
//! `shared` certificate template into a signed certificate.
//!
//! Secrets (base64 DER, one line each): `CA_ISSUING_KEY` (PKCS#8, ECDSA P-256), `CA_ISSUING_CERT`,
//! `CA_ROOT_CERT`. Locally they come from `.dev.vars`, written by `cargo xtask dev`; in production from
//! `wrangler secret put`. The keys are never in D1 or in git.

use std::cell::RefCell;
use std::rc::Rc;

use base64ct::{Base64, Encoding};
use der::{Decode, Encode, Tag, Tagged};
use rcgen::{
    CertificateParams, CertificateRevocationListParams, CrlDistributionPoint, CrlIssuingDistributionPoint,
    CustomExtension, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, PKCS_RSA_SHA256, PublicKeyData,
    RevokedCertParams, SanType, SerialNumber, SignatureAlgorithm, SigningKey,
};
use shared::csr::{ParsedCsr, PublicKey};
use shared::encoding::pem_encode;
use shared::issuance::{CertificateTemplate, SubjectAttribute};
use shared::profile::ExtendedKeyUsage;
use shared::revocation::RevocationReason;
use x509_cert::Certificate;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax, CertificatePolicies, SubjectKeyIdentifier};

use crate::error::AppError;

thread_local! {
    /// The CA this isolate parsed last, with the secrets it was parsed from. A Worker isolate runs one thread.
    static LOADED: RefCell<Option<([String; 3], Rc<CertificateAuthority>)>> = const { RefCell::new(None) };
}

/// The issuing CA, ready to sign.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    issuing_not_after: i64,
    key_identifier: Vec<u8>,
    /// The issuing CA's certificate, DER.
    pub issuing_der: Vec<u8>,
    /// The root CA's certificate, DER.
    pub root_der: Vec<u8>,
}

/// How long a CRL is valid: S/MIME BR 4.9.7 allows at most ten days between thisUpdate and nextUpdate.
pub const CRL_VALIDITY_SECONDS: i64 = 7 * 86_400;

/// `AlgorithmIdentifier` of ecdsa-with-SHA256 (no parameters, RFC 5758), DER: what [`CertificateAuthority::sign`]
/// signs with.
pub const OCSP_SIGNATURE_ALGORITHM: &[u8] = &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// A revoked certificate, as a CRL lists it.
pub struct RevokedEntry {
    /// Serial number, big-endian.
    pub serial: Vec<u8>,
    /// Revocation instant, seconds since the Unix epoch.
    pub revoked_at: i64,
    /// Why.
    pub reason: RevocationReason,
}

impl CertificateAuthority {
    /// The CA from the Worker's secrets, parsed once per isolate: parsing the issuing key checks the key pair
    /// (a scalar multiplication), which is most of an issuance's CPU. The cache is keyed by the secrets' text, so
    /// a rotated secret (a new deployment, and usually a new isolate anyway) is parsed afresh.
    pub fn from_env(env: &worker::Env) -> Result<Rc<Self>, AppError> {
        let secret = |name: &str| -> Result<String, AppError> {
            env.secret(name)
                .map(|value| value.to_string())
                .map_err(|_| AppError::internal(&format!("the secret {name} is not set (run `cargo xtask dev`)")))
        };
        let secrets = [secret("CA_ISSUING_KEY")?, secret("CA_ISSUING_CERT")?, secret("CA_ROOT_CERT")?];
        LOADED.with(|loaded| {
            if let Some((cached, authority)) = loaded.borrow().as_ref()
                && *cached == secrets
            {
                return Ok(authority.clone());
            }
            let authority = Rc::new(Self::parse(&secrets)?);
            *loaded.borrow_mut() = Some((secrets, authority.clone()));
            Ok(authority)
        })
    }

    /// Parses the CA from its three secrets: the issuing key, the issuing certificate and the root certificate.
    fn parse([key, issuing, root]: &[String; 3]) -> Result<Self, AppError> {
        let decode = |name: &str, value: &str| -> Result<Vec<u8>, AppError> {
            Base64::decode_vec(value.trim()).map_err(|_| AppError::internal(&format!("{name} is not base64")))
        };
        let key_der = decode("CA_ISSUING_KEY", key)?;
        let issuing_der = decode("CA_ISSUING_CERT", issuing)?;
        let root_der = decode("CA_ROOT_CERT", root)?;
        let issuing = Certificate::from_der(&issuing_der)
            .map_err(|error| AppError::internal(&format!("CA_ISSUING_CERT: {error}")))?;
        let key = KeyPair::from_pkcs8_der_and_sign_algo(&key_der.as_slice().into(), &PKCS_ECDSA_P256_SHA256)
            .map_err(|error| AppError::internal(&format!("CA_ISSUING_KEY: {error}")))?;
        let key_identifier = subject_key_identifier(&issuing)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(issuing.tbs_certificate().subject())?;
        params.key_identifier_method = KeyIdMethod::PreSpecified(key_identifier.clone());
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        let issuing_not_after = issuing.tbs_certificate().validity().not_after.to_unix_duration().as_secs() as i64;
        Ok(Self { issuer: Issuer::new(params, key), issuing_not_after, key_identifier, issuing_der, root_der })
    }

    /// The CA certificates, PEM: issuing first, root last.
    pub fn chain_pem(&self) -> Vec<String> {
        vec![pem_encode("CERTIFICATE", &self.issuing_der), pem_encode("CERTIFICATE", &self.root_der)]
    }

    /// A CRL for the issuing CA numbered `number`, signed now, valid [`CRL_VALIDITY_SECONDS`], listing
    /// `revoked` (the reasonCode entry extension is left out for unspecified, as S/MIME BR 7.2.2 requires).
    pub fn certificate_revocation_list(
        &self,
        now: i64,
        number: u64,
        crl_url: &str,
        revoked: &[RevokedEntry],
    ) -> Result<Vec<u8>, AppError> {
        let revoked_certs = revoked
            .iter()
            .map(|entry| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&entry.serial),
                    revocation_time: timestamp(entry.revoked_at)?,
                    reason_code: entry.reason.stated_code().map(crl_reason),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let params = CertificateRevocationListParams {
            this_update: timestamp(now)?,
            next_update: timestamp(now + CRL_VALIDITY_SECONDS)?,
            crl_number: SerialNumber::from_slice(&positive_integer(number)),
            issuing_distribution_point: Some(CrlIssuingDistributionPoint {
                distribution_point: CrlDistributionPoint { uris: vec![crl_url.to_owned()] },
                scope: Some(rcgen::CrlScope::UserCertsOnly),
            }),
            revoked_certs,
            key_identifier_method: KeyIdMethod::PreSpecified(self.key_identifier.clone()),
        };
        let crl =
            params.signed_by(&self.issuer).map_err(|error| AppError::internal(&format!("signing the CRL: {error}")))?;
        Ok(crl.der().to_vec())
    }

    /// Signs `message` with the issuing CA's key (ECDSA P-256 with SHA-256, DER signature), as an OCSP response
    /// needs. [`OCSP_SIGNATURE_ALGORITHM`] names the algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AppError> {
        self.issuer.key().sign(message).map_err(|error| AppError::internal(&format!("signing: {error}")))
    }

    /// Signs a certificate for the CSR's public key, saying what the template says and nothing from the CSR.
    /// Refuses to issue past the issuing CA's own expiry.
    pub fn issue(&self, template: &CertificateTemplate, csr: &ParsedCsr) -> Result<Vec<u8>, AppError> {
        if template.not_after > self.issuing_not_after {
            return Err(AppError::field(
                409,
                "ca_expires_first",
                "validity",
                "The issuing CA expires before this certificate would; the CA administrator must renew it first.",
            ));
        }
        let mut params = CertificateParams::default();
        params.serial_number = Some(SerialNumber::from_slice(&template.serial));
        params.not_before = timestamp(template.not_before)?;
        params.not_after = timestamp(template.not_after)?;
        let mut subject = DistinguishedName::new();
        for (attribute, value) in &template.subject {
            let (kind, value) = match attribute {
                SubjectAttribute::Country => (DnType::CountryName, printable(value)?),
                SubjectAttribute::StateOrProvince => (DnType::StateOrProvinceName, DnValue::Utf8String(value.clone())),
                SubjectAttribute::Locality => (DnType::LocalityName, DnValue::Utf8String(value.clone())),
                SubjectAttribute::Organization => (DnType::OrganizationName, DnValue::Utf8String(value.clone())),
                SubjectAttribute::OrganizationIdentifier => {
                    (DnType::CustomDnType(vec![2, 5, 4, 97]), DnValue::Utf8String(value.clone()))
                }
                SubjectAttribute::GivenName => {
                    (DnType::CustomDnType(vec![2, 5, 4, 42]), DnValue::Utf8String(value.clone()))
                }
                SubjectAttribute::Surname => {
                    (DnType::CustomDnType(vec![2, 5, 4, 4]), DnValue::Utf8String(value.clone()))
                }
                SubjectAttribute::CommonName => (DnType::CommonName, DnValue::Utf8String(value.clone())),
            };
            subject.push(kind, value);
        }
        params.distinguished_name = subject;
        let emails = template.email_addresses.iter().map(|email| {
            email.clone().try_into().map(SanType::Rfc822Name).map_err(|_| {
                AppError::field(422, "email_invalid", "recipient_email", "The email address is not ASCII.")
            })
        });
        let hosts = template.dns_names.iter().map(|name| {
            name.clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| AppError::field(422, "dns_name_invalid", "dns_names", "The DNS name is not ASCII."))
        });
        params.subject_alt_names = emails.chain(hosts).collect::<Result<_, _>>()?;
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
        params.crl_distribution_points = template
            .crl_distribution_points
            .iter()
            .map(|uri| CrlDistributionPoint { uris: vec![uri.clone()] })
            .collect();
        params.custom_extensions.push(certificate_policies(&template.policy_oids)?);
        params.custom_extensions.push(authority_information_access(&template.ca_issuers, &template.ocsp_responders)?);
        let public_key = CsrPublicKey::new(csr)?;
        let certificate = params
            .signed_by(&public_key, &self.issuer)
            .map_err(|error| AppError::internal(&format!("signing: {error}")))?;
        Ok(certificate.der().to_vec())
    }
}

/// The CSR's public key as rcgen wants it: the algorithm (which selects the SubjectPublicKeyInfo's
/// algorithm identifier) and the key bits.
struct CsrPublicKey {
    algorithm: &'static SignatureAlgorithm,
    key: Vec<u8>,
}

impl CsrPublicKey {
    fn new(csr: &ParsedCsr) -> Result<Self, AppError> {
        let algorithm = match csr.public_key() {
            PublicKey::Rsa { .. } => &PKCS_RSA_SHA256,
            PublicKey::EcP256 => &PKCS_ECDSA_P256_SHA256,
            PublicKey::EcP384 => &PKCS_ECDSA_P384_SHA384,
            PublicKey::Ed25519 => &PKCS_ED25519,
        };
        let spki = spki::SubjectPublicKeyInfoRef::from_der(csr.subject_public_key_info_der())
            .map_err(|error| AppError::internal(&format!("re-reading a parsed SPKI: {error}")))?;
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

/// The issuing CA's subject, attribute by attribute with its string type kept, so the issuer name of every
/// certificate is byte-for-byte the CA certificate's subject.
fn distinguished_name(name: &x509_cert::name::Name) -> Result<DistinguishedName, AppError> {
    let mut distinguished_name = DistinguishedName::new();
    for attribute in name.iter() {
        let kind = match attribute.oid.to_string().as_str() {
            "2.5.4.3" => DnType::CommonName,
            "2.5.4.6" => DnType::CountryName,
            "2.5.4.7" => DnType::LocalityName,
            "2.5.4.8" => DnType::StateOrProvinceName,
            "2.5.4.10" => DnType::OrganizationName,
            "2.5.4.11" => DnType::OrganizationalUnitName,
            other => DnType::CustomDnType(other.split('.').map(|arc| arc.parse().unwrap_or_default()).collect()),
        };
        let bytes = attribute.value.value();
        let text = || String::from_utf8(bytes.to_vec()).map_err(|_| AppError::internal("CA name is not UTF-8"));
        let value = match attribute.value.tag() {
            Tag::PrintableString => printable(&text()?)?,
            Tag::Utf8String => DnValue::Utf8String(text()?),
            other => {
                return Err(AppError::internal(&format!("CA name uses an unsupported string type {other}")));
            }
        };
        distinguished_name.push(kind, value);
    }
    Ok(distinguished_name)
}

fn printable(value: &str) -> Result<DnValue, AppError> {
    value
        .to_owned()
        .try_into()
        .map(DnValue::PrintableString)
        .map_err(|_| AppError::field(422, "country_invalid", "organization_country", "Not a printable string."))
}

fn subject_key_identifier(certificate: &Certificate) -> Result<Vec<u8>, AppError> {
    match certificate.tbs_certificate().get_extension::<SubjectKeyIdentifier>() {
        Ok(Some((_, identifier))) => Ok(identifier.0.as_bytes().to_vec()),
        _ => Err(AppError::internal("the issuing CA certificate has no subject key identifier")),
    }
}

fn certificate_policies(oids: &[&str]) -> Result<CustomExtension, AppError> {
    let policies = oids
        .iter()
        .map(|oid| {
            Ok(PolicyInformation {
                policy_identifier: oid.parse().map_err(|_| AppError::internal("bad policy OID"))?,
                policy_qualifiers: None,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let der = CertificatePolicies(policies).to_der().map_err(|_| AppError::internal("encoding policies"))?;
    Ok(CustomExtension::from_oid_content(&[2, 5, 29, 32], der))
}

fn authority_information_access(ca_issuers: &[String], ocsp: &[String]) -> Result<CustomExtension, AppError> {
    const CA_ISSUERS: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
    const OCSP: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    // OCSP first: relying parties try the access descriptions in order, and status matters most.
    let entries = ocsp.iter().map(|url| (OCSP, url)).chain(ca_issuers.iter().map(|url| (CA_ISSUERS, url)));
    let descriptions = entries
        .map(|(access_method, url)| {
            let location = der::asn1::Ia5String::new(url).map_err(|_| AppError::internal("an AIA URL is not ASCII"))?;
            Ok(AccessDescription { access_method, access_location: GeneralName::UniformResourceIdentifier(location) })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let der = AuthorityInfoAccessSyntax(descriptions).to_der().map_err(|_| AppError::internal("encoding AIA"))?;
    Ok(CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], der))
}

fn timestamp(seconds: i64) -> Result<time::OffsetDateTime, AppError> {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| AppError::internal("timestamp out of range"))
}

/// The rcgen reason for a stated CRLReason code.
fn crl_reason(code: u8) -> rcgen::RevocationReason {
    match code {
        1 => rcgen::RevocationReason::KeyCompromise,
        3 => rcgen::RevocationReason::AffiliationChanged,
        4 => rcgen::RevocationReason::Superseded,
        5 => rcgen::RevocationReason::CessationOfOperation,
        9 => rcgen::RevocationReason::PrivilegeWithdrawn,
        _ => rcgen::RevocationReason::Unspecified,
    }
}

/// A positive INTEGER's content octets: big-endian, minimal, with a leading zero when the top bit is set.
fn positive_integer(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let start = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len() - 1);
    let mut integer = bytes[start..].to_vec();
    if integer[0] & 0x80 != 0 {
        integer.insert(0, 0);
    }
    integer
}
