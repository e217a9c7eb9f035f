//! Pre-issuance linting (S/MIME BR 4.3.1.2; TLS BR 4.3.1.2): every to-be-signed certificate is re-read from its
//! DER and checked against its profile and the Baseline Requirements' profile tables before the real issuing key
//! signs anything. Any error-level [`Finding`] refuses the issuance.
//!
//! Two linters feed the same [`Finding`] list: Keyward's own lint set here (always on), and pkilint's REST API
//! when the deployment configures one (the edge's adapter turns its report into findings).
//!
//! Keyward's lint set is [`lint_certificate`]: the edge signs the certificate with a throwaway lint key under the
//! issuing CA's name and key identifier, this module reads it back and checks it, and [`same_to_be_signed`]
//! proves that what the real key signed afterwards is what was linted. The rules come from two places and both
//! are checked: the profile (the certificate says exactly what the profile says: extended key usages, policies,
//! key usage by key family, subject attributes in order, the kind of alternative names, the validity cap, the
//! CA's published locations) and the Baseline Requirements' tables (S/MIME BR 7.1.2.3, 7.1.3, 7.1.4 and 7.1.6
//! for S/MIME profiles, TLS BR 7.1.2.7 for the server profile, RFC 5280 and RFC 5480 for the workstation
//! profile), so that a wrong profile is caught as well as a wrong encoding ([`BROKEN_PROFILE`] proves it).
//! Each check is one small named function in `certificate`, `extensions` or `subject`; every finding's code is
//! stable (`keyward.eku_prohibited`) and its message names the certificate field.

pub mod pkilint;

use der::Decode;
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;
use x509_cert::ext::Extension;

use crate::issuance::CaLocations;
#[cfg(any(test, feature = "test-profiles"))]
use crate::profile::{
    AlternativeNames, CommonName, ExtendedKeyUsage, KeyType, KeyUsage, ProfileId, SubjectAttribute, ValidityCap,
};
use crate::profile::{Profile, ProfileKind};

mod certificate;
mod extensions;
mod subject;
#[cfg(test)]
mod tests;

/// Which linter reported a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Linter {
    /// Keyward's own lint set (this module).
    Keyward,
    /// pkilint, through its REST API.
    Pkilint,
}

/// How serious a finding is. Only [`Severity::Error`] refuses an issuance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Notice,
    /// Not forbidden, but not recommended.
    Warning,
    /// A requirement is broken: the certificate must not be signed.
    Error,
}

/// One thing a linter found in a to-be-signed certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Who found it.
    pub linter: Linter,
    /// How serious it is.
    pub severity: Severity,
    /// Stable code (Keyward's own, or pkilint's validator code as it reports it).
    pub code: String,
    /// What is wrong, in plain words; for pkilint, where in the certificate as well.
    pub message: String,
}

/// Whether any finding refuses the issuance.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|finding| finding.severity == Severity::Error)
}

/// The `AlgorithmIdentifier` every certificate's signature must carry, DER: ecdsa-with-SHA256 without parameters,
/// the one encoding S/MIME BR 7.1.3.2.2 and TLS BR 7.1.3.2.2 allow for a P-256 key, the issuing CA's key type
/// (`edge/src/ca.rs` reads it as P-256, and the lint key is P-256 too).
pub const ISSUER_SIGNATURE_ALGORITHM: &[u8] = &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// Keyward's own lint set: every finding about the certificate `certificate_der` (any signature: the lint copy's
/// is not verified), issued under `profile` with the CA's published `locations` at `now` (seconds since the Unix
/// epoch). Each finding is [`Linter::Keyward`]; an empty list means nothing to report.
pub fn lint_certificate(profile: &Profile, locations: &CaLocations, certificate_der: &[u8], now: i64) -> Vec<Finding> {
    let mut report = Report::default();
    match Certificate::from_der(certificate_der) {
        Ok(certificate) => {
            let context = Context::new(profile, locations, &certificate, now);
            for check in CHECKS {
                check(&context, &mut report);
            }
        }
        Err(error) => {
            report.error("keyward.certificate_unreadable", format!("The certificate is not X.509 DER: {error}."))
        }
    }
    report.findings
}

/// Every check, in the order of the certificate's fields.
const CHECKS: &[fn(&Context<'_>, &mut Report)] = &[
    certificate::version,
    certificate::serial_number,
    certificate::signature_algorithm,
    certificate::validity,
    certificate::public_key,
    certificate::unique_identifiers,
    subject::subject,
    subject::common_name,
    subject::locality,
    extensions::extension_set,
    extensions::key_usage,
    extensions::extended_key_usage,
    extensions::certificate_policies,
    extensions::basic_constraints,
    extensions::authority_key_identifier,
    extensions::subject_key_identifier,
    extensions::subject_alternative_names,
    extensions::authority_information_access,
    extensions::crl_distribution_points,
];

/// Whether two certificates have byte-identical `tbsCertificate`s: what the lint key signed is what the issuing
/// key signed. False when either is not a certificate.
pub fn same_to_be_signed(linted_der: &[u8], signed_der: &[u8]) -> bool {
    match (to_be_signed(linted_der), to_be_signed(signed_der)) {
        (Some(linted), Some(signed)) => linted == signed,
        _ => false,
    }
}

/// The `tbsCertificate` of `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`,
/// header included, exactly as encoded.
fn to_be_signed(certificate_der: &[u8]) -> Option<&[u8]> {
    use der::Reader;
    let mut reader = der::SliceReader::new(certificate_der).ok()?;
    let to_be_signed = reader
        .sequence(|fields| {
            let to_be_signed = fields.tlv_bytes()?;
            fields.tlv_bytes()?;
            fields.tlv_bytes()?;
            Ok::<_, der::Error>(to_be_signed)
        })
        .ok()?;
    reader.finish().ok()?;
    Some(to_be_signed)
}

/// What every check reads: the rules and the certificate.
struct Context<'a> {
    /// The profile the certificate was issued under.
    profile: &'a Profile,
    /// The CA's published locations.
    locations: &'a CaLocations,
    /// The issuance instant.
    now: i64,
    /// The certificate, decoded.
    certificate: &'a Certificate,
    /// The subject public key's family, from its algorithm.
    key: KeyFamily,
    /// The Baseline Requirements that govern the profile.
    rules: Rules,
}

impl<'a> Context<'a> {
    fn new(profile: &'a Profile, locations: &'a CaLocations, certificate: &'a Certificate, now: i64) -> Self {
        let algorithm = certificate.tbs_certificate().subject_public_key_info().algorithm.oid.to_string();
        let key = match algorithm.as_str() {
            "1.2.840.113549.1.1.1" => KeyFamily::Rsa,
            "1.2.840.10045.2.1" => KeyFamily::EllipticCurve,
            "1.3.101.112" => KeyFamily::Ed25519,
            _ => KeyFamily::Other,
        };
        Self { profile, locations, now, certificate, key, rules: Rules::of(profile) }
    }

    /// The certificate's extensions (none for a version 1 certificate).
    fn extensions(&self) -> &'a [Extension] {
        self.certificate.tbs_certificate().extensions().map_or(&[], |extensions| extensions.as_slice())
    }

    /// The first extension with this OID.
    fn extension(&self, oid: &str) -> Option<&'a Extension> {
        self.extensions().iter().find(|extension| extension.extn_id.to_string() == oid)
    }

    /// The extension's value decoded as `T`, or nothing when it is absent ([`extensions::extension_set`] reports
    /// that) or malformed (reported here).
    fn decode<T: der::DecodeOwned>(&self, report: &mut Report, oid: &str, name: &str) -> Option<T> {
        let extension = self.extension(oid)?;
        match T::from_der(extension.extn_value.as_bytes()) {
            Ok(value) => Some(value),
            Err(error) => {
                report.error("keyward.extension_malformed", format!("The {name} extension does not decode: {error}."));
                None
            }
        }
    }
}

/// A subject public key's family: what the key usage depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyFamily {
    /// rsaEncryption.
    Rsa,
    /// id-ecPublicKey.
    EllipticCurve,
    /// id-Ed25519.
    Ed25519,
    /// Anything else (refused by [`certificate::public_key`]).
    Other,
}

/// Which Baseline Requirements govern a profile, and the S/MIME certificate type and generation its reserved
/// policy identifier states (S/MIME BR 7.1.6.1: `2.23.140.1.5.<type>.<generation>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rules {
    /// S/MIME BR.
    Smime {
        /// Mailbox-, organization-, sponsor- or individual-validated.
        validation: SmimeValidation,
        /// The strict generation (else multipurpose; legacy is refused by the policy check).
        strict: bool,
    },
    /// TLS BR (server authentication).
    Server,
    /// RFC 5280 and RFC 5480 only (workstation client authentication).
    Workstation,
}

/// An S/MIME certificate type (S/MIME BR 7.1.6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SmimeValidation {
    /// `2.23.140.1.5.1.*`.
    Mailbox,
    /// `2.23.140.1.5.2.*`.
    Organization,
    /// `2.23.140.1.5.3.*`.
    Sponsor,
    /// `2.23.140.1.5.4.*`.
    Individual,
}

impl Rules {
    /// The rules of a profile. An S/MIME profile without a reserved policy is judged as strict sponsor-validated,
    /// the generation that allows the least (its policies are refused anyway).
    fn of(profile: &Profile) -> Self {
        match profile.kind {
            ProfileKind::Smime => {
                let reserved = profile.policy_oids.iter().find_map(|oid| oid.strip_prefix("2.23.140.1.5."));
                let (validation, generation) = reserved.and_then(|rest| rest.split_once('.')).unwrap_or(("3", "3"));
                let validation = match validation {
                    "1" => SmimeValidation::Mailbox,
                    "2" => SmimeValidation::Organization,
                    "4" => SmimeValidation::Individual,
                    _ => SmimeValidation::Sponsor,
                };
                Self::Smime { validation, strict: generation != "2" }
            }
            ProfileKind::ServerAuthentication => Self::Server,
            ProfileKind::ClientAuthentication => Self::Workstation,
        }
    }
}

/// The findings so far.
#[derive(Default)]
struct Report {
    findings: Vec<Finding>,
}

impl Report {
    /// A broken requirement: the certificate must not be signed. (Every rule of Keyward's own set is one; pkilint's
    /// warnings and notices come from its report.)
    fn error(&mut self, code: &'static str, message: String) {
        self.findings.push(Finding {
            linter: Linter::Keyward,
            severity: Severity::Error,
            code: code.to_owned(),
            message,
        });
    }
}

/// A profile both linters must refuse, for tests only (never in [`ProfileId::ALL`], never shipped): the
/// mailbox-validated strict S/MIME profile with two defects, serverAuth in its extended key usages (S/MIME BR
/// 7.1.2.3 f) and keyEncipherment for elliptic-curve keys (S/MIME BR 7.1.2.3 e, RFC 5480 section 3).
#[cfg(any(test, feature = "test-profiles"))]
pub static BROKEN_PROFILE: Profile = Profile {
    id: ProfileId::SmimeMailboxStrict,
    name: "Broken (tests only): mailbox-validated strict S/MIME with serverAuth and keyEncipherment for EC keys",
    kind: ProfileKind::Smime,
    key_types: &[KeyType::Rsa2048, KeyType::EcdsaP256],
    validity_caps: &[ValidityCap { from: i64::MIN, days: 825 }],
    policy_oids: &["2.23.140.1.5.1.3"],
    extended_key_usages: &[ExtendedKeyUsage::EmailProtection, ExtendedKeyUsage::ServerAuth],
    rsa_key_usage: KeyUsage::SIGNATURE_AND_KEY_ENCIPHERMENT,
    ec_key_usage: KeyUsage {
        digital_signature: true,
        key_encipherment: true,
        data_encipherment: false,
        key_agreement: true,
    },
    subject: &[SubjectAttribute::CommonName],
    common_name: CommonName::Mailbox,
    alternative_names: AlternativeNames::Mailbox,
};
