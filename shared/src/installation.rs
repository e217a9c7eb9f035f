//! Test enrollment (issue 13.4): a machine proves that it holds a certificate's private key and that the certificate
//! is valid now, and the certificate becomes *installed*.
//!
//! The proof reuses the holder's revocation proof (`revocation.rs`): a stateless challenge (`revocation::challenge`,
//! under its own key: [`INSTALLATION_CHALLENGE_KEY_LABEL`], so a revocation challenge is never an installation one
//! and the reverse), signed over [`installation_message`] (its own first line, so a signature made to revoke never
//! counts as a test, nor the reverse) and verified by [`crate::revocation::verify_possession`]. What this module adds
//! is the certificate's side ([`check_installable`]): issued by Keyward's issuing CA (its signature verified with
//! the CA's key, the issuer named byte for byte), inside its validity at this instant, and not revoked. Through
//! Cloudflare's mTLS the handshake was the proof, and the same certificate checks apply
//! ([`InstalledBy::Mtls`]).

use core::fmt;

use der::{Decode, Encode};
use ring::signature::{self as ring_signature, UnparsedPublicKey, VerificationAlgorithm};
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use crate::revocation::Status;

/// What the installation challenge key is derived with (`ChallengeKey::derive_labelled`); not the revocation label.
pub const INSTALLATION_CHALLENGE_KEY_LABEL: &[u8] = b"keyward installation challenge v1";

/// The longest user agent kept with an installation, in characters (the rest is cut).
pub const USER_AGENT_MAXIMUM_CHARACTERS: usize = 256;

/// What proved the installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstalledBy {
    /// The `/test-enrollment` page: the `.p12` opened in the browser signed the challenge.
    Browser,
    /// The native client (`keyward test`) signed the challenge with the key file on the machine.
    NativeClient,
    /// A TLS handshake with the certificate that Cloudflare verified (`request.cf.tlsClientAuth`).
    Mtls,
}

impl InstalledBy {
    /// Every method, in declaration order.
    pub const ALL: [Self; 3] = [Self::Browser, Self::NativeClient, Self::Mtls];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::NativeClient => "native_client",
            Self::Mtls => "mtls",
        }
    }

    /// The method stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.as_str() == text)
    }
}

/// The bytes the machine signs to prove possession for a test enrollment: purpose, serial (lowercase hex) and
/// challenge, one per line.
pub fn installation_message(serial_hex: &str, challenge: &str) -> Vec<u8> {
    format!("Keyward test enrollment v1\nserial: {}\nchallenge: {}\n", serial_hex.to_ascii_lowercase(), challenge)
        .into_bytes()
}

/// Why a certificate cannot be reported installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallationError {
    /// Revoked at this instant (Unix seconds).
    Revoked {
        /// When.
        at: i64,
    },
    /// Its validity ended at this instant.
    Expired {
        /// Its notAfter.
        at: i64,
    },
    /// Its validity has not begun.
    NotYetValid {
        /// Its notBefore.
        at: i64,
    },
    /// Not issued by Keyward's issuing CA: another issuer name, or a signature the CA's key does not verify.
    NotIssuedByCa,
    /// The certificate or the CA certificate could not be read (the detail says which).
    Unreadable(String),
}

impl InstallationError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Revoked { .. } => "certificate_revoked",
            Self::Expired { .. } => "certificate_expired",
            Self::NotYetValid { .. } => "certificate_not_yet_valid",
            Self::NotIssuedByCa => "certificate_chain_invalid",
            Self::Unreadable(_) => "certificate_unreadable",
        }
    }
}

impl fmt::Display for InstallationError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Revoked { .. } => formatter.write_str("The certificate is revoked: it cannot be installed."),
            Self::Expired { .. } => formatter.write_str("The certificate has expired: enroll for a new one."),
            Self::NotYetValid { .. } => formatter.write_str("The certificate is not valid yet: check the clock."),
            Self::NotIssuedByCa => formatter.write_str("The certificate does not chain to this service's issuing CA."),
            Self::Unreadable(detail) => write!(formatter, "The certificate could not be read: {detail}"),
        }
    }
}

/// Checks the certificate's side of a test enrollment at `now`: `certificate_der` was signed by the issuing CA
/// `issuing_der` (issuer name equal to the CA's subject, signature verified with the CA's key: ECDSA P-256 SHA-256
/// or P-384 SHA-384), its validity holds `now` (both ends included, RFC 5280 4.1.2.5), and `status` is not revoked.
/// Revocation is told first: a revoked certificate is refused whatever else holds.
pub fn check_installable(
    certificate_der: &[u8],
    issuing_der: &[u8],
    status: Status,
    now: i64,
) -> Result<(), InstallationError> {
    if let Status::Revoked { at, .. } = status {
        return Err(InstallationError::Revoked { at });
    }
    let certificate = Certificate::from_der(certificate_der)
        .map_err(|error| InstallationError::Unreadable(format!("the certificate: {error}")))?;
    let issuing = Certificate::from_der(issuing_der)
        .map_err(|error| InstallationError::Unreadable(format!("the issuing CA certificate: {error}")))?;
    verify_issued_by(&certificate, &issuing)?;
    let validity = certificate.tbs_certificate().validity();
    let seconds = |time: x509_cert::time::Time| i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    let (not_before, not_after) = (seconds(validity.not_before), seconds(validity.not_after));
    if now < not_before {
        return Err(InstallationError::NotYetValid { at: not_before });
    }
    if now > not_after {
        return Err(InstallationError::Expired { at: not_after });
    }
    Ok(())
}

/// The ECDSA signature algorithms Keyward's CAs sign with, by OID.
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// ecdsa-with-SHA384.
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";

/// `certificate` names `issuing`'s subject as its issuer and carries a signature `issuing`'s key verifies.
fn verify_issued_by(certificate: &Certificate, issuing: &Certificate) -> Result<(), InstallationError> {
    if certificate.tbs_certificate().issuer() != issuing.tbs_certificate().subject() {
        return Err(InstallationError::NotIssuedByCa);
    }
    let algorithm: &'static dyn VerificationAlgorithm = match certificate.signature_algorithm().oid.to_string().as_str()
    {
        ECDSA_WITH_SHA256 => &ring_signature::ECDSA_P256_SHA256_ASN1,
        ECDSA_WITH_SHA384 => &ring_signature::ECDSA_P384_SHA384_ASN1,
        _ => return Err(InstallationError::NotIssuedByCa),
    };
    let to_be_signed = certificate
        .tbs_certificate()
        .to_der()
        .map_err(|error| InstallationError::Unreadable(format!("re-encoding the certificate: {error}")))?;
    let signature = certificate.signature().as_bytes().ok_or(InstallationError::NotIssuedByCa)?;
    let issuer_key = issuing.tbs_certificate().subject_public_key_info().subject_public_key.as_bytes();
    let issuer_key = issuer_key.ok_or(InstallationError::NotIssuedByCa)?;
    UnparsedPublicKey::new(algorithm, issuer_key)
        .verify(&to_be_signed, signature)
        .map_err(|_| InstallationError::NotIssuedByCa)
}

/// A user agent as stored: control characters dropped, at most [`USER_AGENT_MAXIMUM_CHARACTERS`].
pub fn stored_user_agent(header: &str) -> String {
    header.chars().filter(|character| !character.is_control()).take(USER_AGENT_MAXIMUM_CHARACTERS).collect()
}

/// What Cloudflare says about the TLS client certificate of a request (`request.cf.tlsClientAuth`), as given: on a
/// host with mTLS enabled, every field is a string, empty when no certificate was presented.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientAuth {
    /// `certPresented`: `"1"` when the client sent a certificate.
    pub presented: String,
    /// `certVerified`: `"SUCCESS"` when it chains to a CA uploaded to the zone, else the reason (`FAILED:…`, `NONE`).
    pub verified: String,
    /// `certSerial`: the serial in hex, as Cloudflare writes it (upper case, leading zeros perhaps dropped).
    pub serial: String,
    /// `certFingerprintSHA256`: SHA-256 of the certificate's DER, hex.
    pub fingerprint_sha256: String,
}

/// Why a request's client certificate cannot be reported installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MtlsError {
    /// The request carried no Cloudflare client-certificate report at all: the host has no mTLS rule, or the request
    /// did not come through Cloudflare.
    NoReport,
    /// No client certificate was presented in the handshake.
    NotPresented,
    /// Cloudflare did not verify it (its `certVerified`, kept).
    NotVerified(String),
    /// The serial Cloudflare reports is not one Keyward writes.
    SerialMalformed,
    /// The certificate with that serial is not the one presented (the fingerprints differ).
    FingerprintMismatch,
}

impl MtlsError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoReport => "client_certificate_unavailable",
            Self::NotPresented => "client_certificate_missing",
            Self::NotVerified(_) => "client_certificate_unverified",
            Self::SerialMalformed => "certificate_unknown",
            Self::FingerprintMismatch => "client_certificate_mismatch",
        }
    }
}

impl fmt::Display for MtlsError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoReport => formatter.write_str(
                "No client certificate report came with the request: call this path on the host where Cloudflare \
                 requires client certificates.",
            ),
            Self::NotPresented => {
                formatter.write_str("No client certificate was presented: pass it (curl --cert --key).")
            }
            Self::NotVerified(verdict) => {
                write!(formatter, "Cloudflare did not verify the client certificate ({verdict}).")
            }
            Self::SerialMalformed => formatter.write_str("No certificate of this service has the presented serial."),
            Self::FingerprintMismatch => {
                formatter.write_str("The presented certificate is not the one this service issued with its serial.")
            }
        }
    }
}

impl ClientAuth {
    /// The serial to look up (lowercase hex, 32 digits as Keyward stores them) when Cloudflare says a certificate
    /// was presented and verified.
    pub fn verified_serial(&self) -> Result<String, MtlsError> {
        if self.presented != "1" {
            return Err(MtlsError::NotPresented);
        }
        if self.verified != "SUCCESS" {
            return Err(MtlsError::NotVerified(self.verified.chars().take(64).collect()));
        }
        let digits: String = self.serial.chars().filter(|character| *character != ':').collect();
        if digits.is_empty() || digits.len() > 32 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(MtlsError::SerialMalformed);
        }
        Ok(format!("{:0>32}", digits.to_ascii_lowercase()))
    }

    /// Whether the reported fingerprint is the SHA-256 of `certificate_der` (hex, any case, colons allowed).
    pub fn presented(&self, certificate_der: &[u8]) -> Result<(), MtlsError> {
        use sha2::{Digest, Sha256};
        let reported: String = self
            .fingerprint_sha256
            .chars()
            .filter(|character| *character != ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if reported == crate::encoding::hex(&Sha256::digest(certificate_der)) {
            Ok(())
        } else {
            Err(MtlsError::FingerprintMismatch)
        }
    }
}

#[cfg(test)]
mod tests;
