//! The pre-check of a certificate request the recipient brings to the enrollment page (issue 16): made and kept
//! elsewhere, with its private key, and pasted or uploaded here. It runs in the packaging module
//! (`src/bin/package.rs`, loaded by the packaging worker only when the recipient chooses this path), so that the
//! request parser and its signature verification do not weigh on the first load.
//!
//! What the page can know, it checks before anything is sent: the request is well-formed and its self-signature
//! verifies ([`shared::csr::ParsedCsr`], as the Worker's pipeline does), its key type is one the link's profile
//! accepts, and a common name, if the request states one, is the one the link is for. The Worker checks the key
//! again (policy, weak keys, signature) and names the certificate from the order whatever the request says.

use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use der::{Decode, Tag, Tagged};
use shared::csr::{ParsedCsr, PublicKey};
use shared::lang::Lang;
use shared::profile::KeyType;
use x509_cert::request::CertReq;

/// The `commonName` attribute type (2.5.4.3).
const COMMON_NAME: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");

/// Why a brought request is refused, before it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrecheckError {
    /// Not a readable PKCS#10 request, or its signature does not verify.
    Unreadable {
        /// What [`ParsedCsr`] said.
        detail: String,
    },
    /// The request's key type is not one the link's profile accepts.
    KeyTypeNotAccepted {
        /// The request's key, as a person names it.
        key: String,
        /// What the link accepts.
        accepted: Vec<KeyType>,
    },
    /// The request names a subject other than the one the link is for.
    NameMismatch {
        /// The request's common name.
        requested: String,
        /// The name the link is for.
        expected: String,
    },
}

impl PrecheckError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "csr_unreadable",
            Self::KeyTypeNotAccepted { .. } => "csr_key_type_not_accepted",
            Self::NameMismatch { .. } => "csr_name_mismatch",
        }
    }

    /// The request field the error is about, as the enrollment endpoint names it.
    #[must_use]
    pub fn field(&self) -> &'static str {
        "csr"
    }

    /// The reason, in plain words, in `lang`.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Self::Unreadable { detail } => {
                format!("{} {detail}", lang.pick("The request cannot be used:", "La demande est inutilisable :"))
            }
            Self::KeyTypeNotAccepted { key, accepted } => {
                let accepted: Vec<&str> = accepted.iter().map(|key_type| key_type_name(*key_type)).collect();
                let accepted = accepted.join(", ");
                match lang {
                    Lang::En => format!("The request's key is {key}; this certificate takes {accepted}."),
                    Lang::Fr => format!("La clé de la demande est {key} ; ce certificat accepte {accepted}."),
                }
            }
            Self::NameMismatch { requested, expected } => match lang {
                Lang::En => format!("The request names “{requested}”; this link is for “{expected}”."),
                Lang::Fr => format!("La demande nomme « {requested} » ; ce lien est pour « {expected} »."),
            },
        }
    }
}

/// The short name of a key type.
fn key_type_name(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Rsa2048 => "RSA 2048",
        KeyType::Rsa3072 => "RSA 3072",
        KeyType::Rsa4096 => "RSA 4096",
        KeyType::EcdsaP256 => "ECDSA P-256",
        KeyType::EcdsaP384 => "ECDSA P-384",
        KeyType::Ed25519 => "Ed25519",
    }
}

/// The key type of a request's key, and its name; `None` for an RSA size no profile offers.
fn key_type_of(key: &PublicKey) -> (Option<KeyType>, String) {
    match key {
        PublicKey::Rsa { modulus_bits, .. } => {
            let key_type = match modulus_bits {
                2048 => Some(KeyType::Rsa2048),
                3072 => Some(KeyType::Rsa3072),
                4096 => Some(KeyType::Rsa4096),
                _ => None,
            };
            (key_type, format!("RSA {modulus_bits}"))
        }
        PublicKey::EcP256 => (Some(KeyType::EcdsaP256), "ECDSA P-256".into()),
        PublicKey::EcP384 => (Some(KeyType::EcdsaP384), "ECDSA P-384".into()),
        PublicKey::Ed25519 => (Some(KeyType::Ed25519), "Ed25519".into()),
    }
}

/// The request's common names (UTF8String, PrintableString or IA5String), in subject order.
fn common_names(der: &[u8]) -> Result<Vec<String>, PrecheckError> {
    let request = CertReq::from_der(der).map_err(|error| PrecheckError::Unreadable { detail: error.to_string() })?;
    let mut names = Vec::new();
    for attribute in request.info.subject.iter() {
        if attribute.oid != COMMON_NAME {
            continue;
        }
        let value = &attribute.value;
        let text = match value.tag() {
            Tag::Utf8String => value.decode_as::<Utf8StringRef<'_>>().map(|text| text.as_str().to_owned()),
            Tag::PrintableString => value.decode_as::<PrintableStringRef<'_>>().map(|text| text.as_str().to_owned()),
            Tag::Ia5String => value.decode_as::<Ia5StringRef<'_>>().map(|text| text.as_str().to_owned()),
            other => {
                return Err(PrecheckError::Unreadable {
                    detail: format!("its common name is a {other}, not a text string"),
                });
            }
        };
        names.push(text.map_err(|error| PrecheckError::Unreadable { detail: error.to_string() })?);
    }
    Ok(names)
}

/// Checks a brought request against the link: returns the request's key name (for the page to show) or why it
/// is refused.
///
/// # Errors
///
/// [`PrecheckError`]: unreadable, a key type the link does not accept, or a common name other than `expected`.
pub fn precheck(text: &str, accepted: &[KeyType], expected: &str) -> Result<String, PrecheckError> {
    let parsed = ParsedCsr::from_pem(text).map_err(|error| PrecheckError::Unreadable { detail: error.to_string() })?;
    let (key_type, key) = key_type_of(parsed.public_key());
    if !key_type.is_some_and(|key_type| accepted.contains(&key_type)) {
        return Err(PrecheckError::KeyTypeNotAccepted { key, accepted: accepted.to_vec() });
    }
    for requested in common_names(parsed.der())? {
        if !requested.trim().eq_ignore_ascii_case(expected.trim()) {
            return Err(PrecheckError::NameMismatch { requested, expected: expected.to_owned() });
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests;
