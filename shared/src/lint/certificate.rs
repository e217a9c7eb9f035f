//! The lint checks of the certificate's own fields: version, serial number, signature algorithm, validity,
//! subject public key and unique identifiers (RFC 5280 4.1, S/MIME BR 7.1 and 7.1.3, TLS BR 7.1.2.7 and 7.1.3).

use der::Encode;
use x509_cert::certificate::Version;
use x509_cert::time::Time;

use super::{Context, ISSUER_SIGNATURE_ALGORITHM, KeyFamily, Report};
use crate::csr::{self, PublicKey};
use crate::profile::{KeyType, RSA_MAXIMUM_BITS, RSA_MINIMUM_BITS};

/// Fewest octets of a serial number: at least 64 random bits (S/MIME BR 7.1, TLS BR 7.1) cannot fit in fewer
/// than 9 octets of a positive INTEGER once its top bit may be set. Keyward's are 16.
pub const SERIAL_MINIMUM_OCTETS: usize = 9;
/// Most octets of a serial number (RFC 5280 4.1.2.2).
pub const SERIAL_MAXIMUM_OCTETS: usize = 20;
/// Furthest `notBefore` may lie before the signing: TLS BR 7.1.2.7 ("within 48 hours of the signing operation"),
/// applied to every profile.
pub const BACKDATE_LIMIT_SECONDS: i64 = 48 * 3_600;

/// RFC 5280 4.1.2.1: version 3, since there are extensions.
pub(super) fn version(context: &Context<'_>, report: &mut Report) {
    let version = context.certificate.tbs_certificate().version();
    if version != Version::V3 {
        report.error("keyward.version_not_v3", format!("The version is {version:?}; certificates are X.509 v3."));
    }
}

/// RFC 5280 4.1.2.2 and S/MIME BR 7.1: positive, at most 20 octets, at least 64 random bits.
pub(super) fn serial_number(context: &Context<'_>, report: &mut Report) {
    let Ok(encoded) = context.certificate.tbs_certificate().serial_number().to_der() else {
        report.error("keyward.serial_unreadable", "The serialNumber does not re-encode.".to_owned());
        return;
    };
    // A short INTEGER: tag, one length octet (the serial is at most 21 octets), then the content.
    let content = encoded.get(2..).unwrap_or_default();
    if content.first().is_none_or(|first| first & 0x80 != 0) || content.iter().all(|octet| *octet == 0) {
        report.error("keyward.serial_not_positive", "The serialNumber is zero or negative.".to_owned());
    }
    if content.len() > SERIAL_MAXIMUM_OCTETS {
        report.error(
            "keyward.serial_too_long",
            format!("The serialNumber has {} octets; at most {SERIAL_MAXIMUM_OCTETS} are allowed.", content.len()),
        );
    }
    if content.len() < SERIAL_MINIMUM_OCTETS {
        report.error(
            "keyward.serial_too_short",
            format!(
                "The serialNumber has {} octets, too few for 64 random bits (at least {SERIAL_MINIMUM_OCTETS}).",
                content.len()
            ),
        );
    }
}

/// S/MIME BR 7.1.3.2 and RFC 5280 4.1.1.2: the signature algorithm inside and outside the `tbsCertificate` is the
/// same, and it is the issuing key's ([`ISSUER_SIGNATURE_ALGORITHM`]), byte for byte.
pub(super) fn signature_algorithm(context: &Context<'_>, report: &mut Report) {
    let inner = context.certificate.tbs_certificate().signature().to_der().unwrap_or_default();
    let outer = context.certificate.signature_algorithm().to_der().unwrap_or_default();
    if inner != outer {
        report.error(
            "keyward.signature_algorithm_mismatch",
            "The tbsCertificate signature and the signatureAlgorithm differ.".to_owned(),
        );
    }
    if outer != ISSUER_SIGNATURE_ALGORITHM {
        report.error(
            "keyward.signature_algorithm_unexpected",
            format!(
                "The signatureAlgorithm is {}, not ecdsa-with-SHA256 encoded as S/MIME BR 7.1.3.2.2 requires for \
                 the issuing CA's P-256 key.",
                context.certificate.signature_algorithm().oid
            ),
        );
    }
}

/// The validity: not reversed, within the profile's cap at `now` (counted as RFC 5280 4.1.2.5 does, both ends
/// included), `notBefore` neither in the future nor more than [`BACKDATE_LIMIT_SECONDS`] back, and each date
/// encoded as UTCTime through 2049 and GeneralizedTime from 2050.
pub(super) fn validity(context: &Context<'_>, report: &mut Report) {
    let validity = context.certificate.tbs_certificate().validity();
    for (name, time) in [("notBefore", validity.not_before), ("notAfter", validity.not_after)] {
        let utc = matches!(time, Time::UtcTime(_));
        if utc != (time.to_date_time().year() < 2050) {
            report.error(
                "keyward.time_encoding",
                format!("The {name} is not encoded as RFC 5280 4.1.2.5 requires (UTCTime through 2049, else GeneralizedTime)."),
            );
        }
    }
    let seconds = |time: Time| i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    let (not_before, not_after) = (seconds(validity.not_before), seconds(validity.not_after));
    if not_after < not_before {
        report.error("keyward.validity_reversed", "The notAfter is before the notBefore.".to_owned());
    }
    let cap_days = context.profile.max_validity_days(context.now);
    let period = not_after.saturating_sub(not_before).saturating_add(1);
    if period > i64::from(cap_days) * 86_400 {
        report.error(
            "keyward.validity_too_long",
            format!(
                "The validity lasts {period} seconds, over the profile's {cap_days} days ({} seconds).",
                i64::from(cap_days) * 86_400
            ),
        );
    }
    if not_before > context.now {
        report.error("keyward.not_before_in_future", "The notBefore is after the signing instant.".to_owned());
    }
    if context.now - not_before > BACKDATE_LIMIT_SECONDS {
        report.error(
            "keyward.not_before_backdated",
            "The notBefore is more than 48 hours before the signing instant (TLS BR 7.1.2.7).".to_owned(),
        );
    }
}

/// The subject public key: a family the profile offers, its `AlgorithmIdentifier` byte for byte as S/MIME BR
/// 7.1.3.1 (and TLS BR 7.1.3.1) encode it, and for RSA the key policy's size and exponent
/// ([`crate::profile::Profile::check_key`], whose weak-key search already ran on the request and is not repeated).
pub(super) fn public_key(context: &Context<'_>, report: &mut Report) {
    let info = context.certificate.tbs_certificate().subject_public_key_info();
    let encoded = info.algorithm.to_der().unwrap_or_default();
    let expected: &[&[u8]] = match context.key {
        KeyFamily::Rsa => &[&RSA_ENCRYPTION],
        KeyFamily::EllipticCurve => &[&EC_P256, &EC_P384],
        KeyFamily::Ed25519 => &[&ED25519],
        KeyFamily::Other => &[],
    };
    if !expected.contains(&encoded.as_slice()) {
        report.error(
            "keyward.public_key_algorithm",
            format!(
                "The subjectPublicKeyInfo algorithm {} is not one S/MIME BR 7.1.3.1 allows, encoded as it requires.",
                info.algorithm.oid
            ),
        );
        return;
    }
    let offered = context.profile.key_types.iter().any(|offered| {
        matches!(
            (offered, context.key),
            (KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096, KeyFamily::Rsa)
                | (KeyType::EcdsaP256 | KeyType::EcdsaP384, KeyFamily::EllipticCurve)
                | (KeyType::Ed25519, KeyFamily::Ed25519)
        )
    });
    let curve_offered = |key_type: KeyType| context.profile.key_types.contains(&key_type);
    let offered = offered
        && match encoded.as_slice() {
            encoding if encoding == EC_P256 => curve_offered(KeyType::EcdsaP256),
            encoding if encoding == EC_P384 => curve_offered(KeyType::EcdsaP384),
            _ => true,
        };
    if !offered {
        report.error(
            "keyward.key_type_not_allowed",
            format!("The profile \"{}\" does not offer this key type ({}).", context.profile.name, info.algorithm.oid),
        );
    }
    let Ok(der) = info.to_der() else { return };
    let decoded = spki::SubjectPublicKeyInfoRef::try_from(der.as_slice())
        .ok()
        .and_then(|info| csr::decode_public_key(&info).ok().map(|(key, _)| key));
    match decoded {
        None => report.error("keyward.public_key_unreadable", "The subjectPublicKey does not decode.".to_owned()),
        Some(PublicKey::Rsa { modulus_bits, public_exponent, .. }) => {
            if !(RSA_MINIMUM_BITS..=RSA_MAXIMUM_BITS).contains(&modulus_bits) || !modulus_bits.is_multiple_of(8) {
                report.error(
                    "keyward.rsa_key_size",
                    format!(
                        "The RSA modulus has {modulus_bits} bits; {RSA_MINIMUM_BITS} to {RSA_MAXIMUM_BITS}, a multiple \
                         of 8, are certified."
                    ),
                );
            }
            if public_exponent != 65_537 {
                report.error(
                    "keyward.rsa_exponent",
                    format!("The RSA public exponent is {public_exponent}; only 65537 is certified."),
                );
            }
        }
        Some(PublicKey::EcP256 | PublicKey::EcP384 | PublicKey::Ed25519) => {}
    }
}

/// RFC 5280 4.1.2.8: CAs conforming to the profile do not write unique identifiers.
pub(super) fn unique_identifiers(context: &Context<'_>, report: &mut Report) {
    let tbs = context.certificate.tbs_certificate();
    if tbs.issuer_unique_id().is_some() || tbs.subject_unique_id().is_some() {
        report.error(
            "keyward.unique_identifier_present",
            "The issuerUniqueID or subjectUniqueID is present (RFC 5280 4.1.2.8).".to_owned(),
        );
    }
}

/// rsaEncryption with NULL parameters (S/MIME BR 7.1.3.1.1).
const RSA_ENCRYPTION: [u8; 15] =
    [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
/// id-ecPublicKey on secp256r1 (S/MIME BR 7.1.3.1.2).
const EC_P256: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
    0x01, 0x07,
];
/// id-ecPublicKey on secp384r1 (S/MIME BR 7.1.3.1.2).
const EC_P384: [u8; 18] =
    [0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
/// id-Ed25519 without parameters (S/MIME BR 7.1.3.1.3).
const ED25519: [u8; 7] = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
