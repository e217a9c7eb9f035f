//! PKCS#12 (`.p12`, `.pfx`) bundles: builds a password-protected bundle of a private key, its certificate and
//! the CA chain, and reads one back.
//!
//! [`build`] writes a version 3 PFX whose authenticated safe holds
//!
//! 1. an `encryptedData` content with one certificate bag per certificate, end-entity first, then the chain;
//! 2. a `data` content with one `pkcs8ShroudedKeyBag`;
//!
//! and a MAC keyed with the RFC 7292 appendix B KDF. The key bag and the end-entity certificate bag carry a
//! `friendlyName` and a `localKeyId` (the SHA-256 of the end-entity certificate). The [`Profile`] chooses the
//! algorithms:
//!
//! - [`Profile::Modern`], what OpenSSL 3 `openssl pkcs12 -export` writes by default: PBES2 (PBKDF2-HMAC-SHA256
//!   and AES-256-CBC) for the certificates and the key, an HMAC-SHA256 MAC;
//! - [`Profile::Compatible`], for importers that predate PBES2 in PKCS#12 (older Windows and macOS, Java 8,
//!   older Android): `pbeWithSHAAnd3-KeyTripleDES-CBC` (RFC 7292 appendix C, keyed by the appendix B KDF with
//!   SHA-1) for the certificates and the key, an HMAC-SHA1 MAC. It is what `openssl pkcs12 -export -legacy`
//!   writes, except that the certificates are encrypted with 3DES rather than 40-bit RC2, which OpenSSL 3
//!   refuses without its legacy provider.
//!
//! [`open`] reads both, what `openssl pkcs12 -export` writes with OpenSSL 3 defaults, and the 3DES and SHA-1
//! MAC bundles older tools write; RC2 and RC4 encryption, and anything else exotic, is refused with
//! [`Pkcs12Error::Unsupported`] naming the algorithm.
//!
//! Passwords follow OpenSSL 3: PBES2 takes the UTF-8 bytes of the password, the appendix B KDF (MAC keys, and
//! the compatible profile's encryption keys and IVs) takes it as a BMPString (UTF-16BE with a two-byte
//! terminator; characters outside the Basic Multilingual Plane become surrogate pairs, as OpenSSL's
//! `OPENSSL_utf82uni` writes them).
//!
//! Like the rest of the crate, this module does no I/O, reads no clock and draws no random numbers: the
//! caller supplies the salts and IVs in [`BundleSalts`].

use crate::lang::Lang;
use core::fmt;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use der::asn1::{Any, AnyRef, BitStringRef, ObjectIdentifier, OctetString, OctetStringRef, SetOfVec, UintRef};
use der::zeroize::Zeroizing;
use der::{Decode, Encode, Sequence, Tag, Tagged};
use des::TdesEde3;
use hmac::digest::FixedOutputReset;
use hmac::digest::block_api::BlockSizeUser;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use pkcs5::pbes2;
use pkcs8::PrivateKeyInfoRef;
use pkcs12::cms::content_info::{CmsVersion, ContentInfo};
use pkcs12::cms::encrypted_data::EncryptedData;
use pkcs12::cms::enveloped_data::EncryptedContentInfo;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use pkcs12::pbe_params::Pkcs12PbeParams;
use pkcs12::pfx::Version;
use pkcs12::{CertBag, DigestInfo, MacData, Pfx};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, Attributes};

/// The iteration count for [`Profile::Modern`] (PBKDF2 and the MAC KDF) when the caller has no reason to
/// choose another: about a tenth of a second in a browser, and what current importers accept.
pub const DEFAULT_ITERATIONS: u32 = 100_000;

/// The iteration count for [`Profile::Compatible`] (every use of the RFC 7292 appendix B KDF: the two
/// encryption keys, the two IVs and the MAC key) when the caller has no reason to choose another.
///
/// 2048 is what OpenSSL writes (`PKCS12_DEFAULT_ITER`, also with `-legacy`) and about what Windows writes
/// when it exports a PFX with TripleDES-SHA1 (2000 on a fresh Windows 7). Not more, because the profile
/// exists for old importers, written for counts in the low thousands: Windows refuses a PFX with more than
/// 600,000 iterations ("Maximum permissible value: 600000"); .NET's June 2023 update (KB5025823) refuses
/// "uncommonly high" counts, noting that most exporters use 2,000 to 10,000; and, an assumption we could not
/// measure, the SHA-1 code of the oldest importers (Windows 7/8 CryptoAPI, Java 8, old Android) is slow, and a
/// bundle runs the KDF five times. A count far above 2048 would buy little against guessing a weak password
/// with SHA-1 anyway: this profile's protection rests on the password, so prefer [`Profile::Modern`]
/// wherever the importer reads it.
pub const COMPATIBLE_ITERATIONS: u32 = 2048;

/// The highest iteration count [`build`] writes and [`open`] accepts (RFC 8018 section 4.2's figure for
/// especially critical keys); a bundle asking for more would freeze the page that opens it.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Everything the bundle holds, borrowed.
#[derive(Clone, Copy)]
pub struct BundleContents<'a> {
    /// The private key as a PKCS#8 `PrivateKeyInfo` in DER (as WebCrypto exports it): RSA, EC on P-256 or
    /// P-384 with the public key included, or Ed25519.
    pub private_key_pkcs8_der: &'a [u8],
    /// The end-entity certificate (DER), whose public key is the private key's.
    pub certificate_der: &'a [u8],
    /// The CA certificates (DER), issuing CA first, then up to the root.
    pub chain_der: &'a [Vec<u8>],
    /// The name importers show for the key and certificate, e.g. "Ada Lovelace (Example Org)"; an empty
    /// name writes no `friendlyName` attribute.
    pub friendly_name: &'a str,
}

impl fmt::Debug for BundleContents<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BundleContents")
            .field("private_key_pkcs8_der", &Redacted(self.private_key_pkcs8_der.len()))
            .field("certificate_der", &self.certificate_der.len())
            .field("chain_der", &self.chain_der.len())
            .field("friendly_name", &self.friendly_name)
            .finish()
    }
}

/// The random values a bundle needs; the caller draws them (WebCrypto `getRandomValues` in the browser), fresh
/// for every bundle, whatever the profile.
///
/// Every profile takes the same 16-byte salts. [`Profile::Compatible`] writes them as they are: the RFC 7292
/// appendix B KDF takes salts of any length (OpenSSL writes 8 bytes, Java 20), and every importer the
/// profile is for reads them. It does not use the IVs: its PKCS#12 password-based encryption derives each IV
/// from the password and the salt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSalts {
    /// Salt for the key bag's encryption key: PBKDF2's ([`Profile::Modern`]) or the PKCS#12 KDF's
    /// ([`Profile::Compatible`]).
    pub key_salt: [u8; 16],
    /// AES-256-CBC IV for the key bag ([`Profile::Modern`] only).
    pub key_iv: [u8; 16],
    /// Salt for the certificates' encryption key: PBKDF2's ([`Profile::Modern`]) or the PKCS#12 KDF's
    /// ([`Profile::Compatible`]).
    pub certificates_salt: [u8; 16],
    /// AES-256-CBC IV for the certificates ([`Profile::Modern`] only).
    pub certificates_iv: [u8; 16],
    /// Salt for the MAC key.
    pub mac_salt: [u8; 16],
}

/// The algorithms a bundle is protected with, named after the importers that read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256 for key and certificates, HMAC-SHA256 MAC. Windows 10 1709+/Server
    /// 2019+, macOS 14+, Java 11+, Android 14+, OpenSSL 3 without -legacy. Use with [`DEFAULT_ITERATIONS`].
    #[default]
    Modern,
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC` (PKCS#12 KDF with SHA-1) for key and certificates, HMAC-SHA1 MAC.
    /// Older Windows (7, 8, Server 2016), older macOS, Java 8, older Android; OpenSSL 3 reads it without
    /// -legacy. Use with [`COMPATIBLE_ITERATIONS`].
    Compatible,
}

impl Profile {
    /// Every profile, the recommended one first, for a user interface to offer.
    pub const ALL: &'static [Self] = &[Self::Modern, Self::Compatible];

    /// Which systems import a bundle of this profile, in plain language for the person choosing.
    #[must_use]
    pub const fn description(self, lang: Lang) -> &'static str {
        match self {
            Self::Modern => "Windows 10 1709+/Server 2019+, macOS 14+, Java 11+, Android 14+",
            Self::Compatible => lang.pick(
                "older Windows, macOS, Java 8, Android",
                "versions plus anciennes de Windows, macOS et Android, Java 8",
            ),
        }
    }

    /// The iteration count to pass to [`build`] with this profile unless there is a reason to choose another:
    /// [`DEFAULT_ITERATIONS`] or [`COMPATIBLE_ITERATIONS`].
    #[must_use]
    pub const fn recommended_iterations(self) -> u32 {
        match self {
            Self::Modern => DEFAULT_ITERATIONS,
            Self::Compatible => COMPATIBLE_ITERATIONS,
        }
    }
}

/// What a bundle holds, owned.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenedBundle {
    /// The private key as a PKCS#8 `PrivateKeyInfo` in DER.
    pub private_key_pkcs8_der: Vec<u8>,
    /// The certificates (DER): the private key's certificate first, then the others in bundle order.
    pub certificates_der: Vec<Vec<u8>>,
    /// The key's `friendlyName` (or else its certificate's), if the bundle names it.
    pub friendly_name: Option<String>,
}

impl fmt::Debug for OpenedBundle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("OpenedBundle")
            .field("private_key_pkcs8_der", &Redacted(self.private_key_pkcs8_der.len()))
            .field("certificates_der", &self.certificates_der.len())
            .field("friendly_name", &self.friendly_name)
            .finish()
    }
}

/// Shows a secret's length, never its bytes.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "<{} bytes, redacted>", self.0)
    }
}

/// Why a bundle could not be built or opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs12Error {
    /// `build` was given an empty password: a private key must not leave the browser unprotected.
    PasswordEmpty,
    /// The iteration count is zero or above [`MAX_ITERATIONS`].
    IterationsOutOfRange {
        /// The iteration count asked for, or found in the bundle.
        iterations: i64,
    },
    /// The private key given to `build` is not a PKCS#8 `PrivateKeyInfo` this module can read.
    InvalidPrivateKey {
        /// What is wrong with it.
        detail: String,
    },
    /// A certificate given to `build` is not a DER X.509 certificate.
    InvalidCertificate {
        /// Which certificate, and what is wrong with it.
        detail: String,
    },
    /// The private key does not belong to the certificate (`build`), or to any certificate in the bundle
    /// (`open`).
    KeyCertificateMismatch,
    /// The MAC does not verify: the password is wrong, or the bundle was altered.
    BadPassword,
    /// The bundle is not well-formed PKCS#12, or lacks a private key or a certificate.
    Malformed {
        /// What is wrong with it.
        detail: String,
    },
    /// The bundle or the key uses an algorithm or a structure this module does not support (RC2, RC4, DES
    /// and two-key 3DES encryption, MD5 MACs, public-key protection, ...).
    Unsupported {
        /// What is not supported, naming the algorithm's OID.
        detail: String,
    },
    /// The bundle could not be encoded (an input too large for DER lengths).
    EncodingFailed {
        /// What failed.
        detail: String,
    },
}

impl Pkcs12Error {
    /// A stable snake_case code for the error, for APIs and translations.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::PasswordEmpty => "pkcs12_password_empty",
            Self::IterationsOutOfRange { .. } => "pkcs12_iterations_out_of_range",
            Self::InvalidPrivateKey { .. } => "pkcs12_invalid_private_key",
            Self::InvalidCertificate { .. } => "pkcs12_invalid_certificate",
            Self::KeyCertificateMismatch => "pkcs12_key_certificate_mismatch",
            Self::BadPassword => "pkcs12_bad_password",
            Self::Malformed { .. } => "pkcs12_malformed",
            Self::Unsupported { .. } => "pkcs12_unsupported",
            Self::EncodingFailed { .. } => "pkcs12_encoding_failed",
        }
    }

    fn invalid_private_key(detail: impl fmt::Display) -> Self {
        Self::InvalidPrivateKey { detail: detail.to_string() }
    }

    fn malformed(detail: impl fmt::Display) -> Self {
        Self::Malformed { detail: detail.to_string() }
    }

    fn unsupported(detail: impl fmt::Display) -> Self {
        Self::Unsupported { detail: detail.to_string() }
    }

    fn unsupported_algorithm(role: &str, oid: ObjectIdentifier) -> Self {
        Self::unsupported(format_args!("{role} {}", describe(oid)))
    }

    fn encoding_failed(detail: impl fmt::Display) -> Self {
        Self::EncodingFailed { detail: detail.to_string() }
    }
}

impl fmt::Display for Pkcs12Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PasswordEmpty => formatter.write_str("the bundle password is empty"),
            Self::IterationsOutOfRange { iterations } => {
                write!(formatter, "iteration count {iterations} is outside 1 to {MAX_ITERATIONS}")
            }
            Self::InvalidPrivateKey { detail } => {
                write!(formatter, "the private key is not usable PKCS#8: {detail}")
            }
            Self::InvalidCertificate { detail } => formatter.write_str(detail),
            Self::KeyCertificateMismatch => formatter.write_str("the private key does not belong to the certificate"),
            Self::BadPassword => {
                formatter.write_str("wrong password, or the bundle was altered (its MAC does not verify)")
            }
            Self::Malformed { detail } => write!(formatter, "malformed PKCS#12 bundle: {detail}"),
            Self::Unsupported { detail } => write!(formatter, "unsupported in PKCS#12: {detail}"),
            Self::EncodingFailed { detail } => {
                write!(formatter, "could not encode the PKCS#12 bundle: {detail}")
            }
        }
    }
}

impl std::error::Error for Pkcs12Error {}

/// Builds a PKCS#12 bundle of `contents`, protected with `password` as `profile` says, with `iterations`
/// rounds of each password-based KDF ([`Profile::recommended_iterations`] unless there is a reason) and the
/// caller's random `salts`.
///
/// Checks that the private key belongs to the certificate (same RSA modulus and exponent, or same EC curve
/// and point; an EC key must carry its public key, as WebCrypto and OpenSSL export it).
///
/// # Errors
///
/// [`Pkcs12Error::PasswordEmpty`], [`Pkcs12Error::IterationsOutOfRange`], [`Pkcs12Error::InvalidPrivateKey`]
/// and [`Pkcs12Error::InvalidCertificate`] for unusable arguments; [`Pkcs12Error::KeyCertificateMismatch`]
/// if the key is not the certificate's; [`Pkcs12Error::Unsupported`] for a key algorithm other than RSA and
/// EC, or an EC key without its public key.
pub fn build(
    contents: &BundleContents<'_>,
    password: &str,
    profile: Profile,
    iterations: u32,
    salts: &BundleSalts,
) -> Result<Vec<u8>, Pkcs12Error> {
    if password.is_empty() {
        return Err(Pkcs12Error::PasswordEmpty);
    }
    let mac_iterations = checked_iterations(iterations)?;

    let private_key =
        PrivateKeyInfoRef::from_der(contents.private_key_pkcs8_der).map_err(Pkcs12Error::invalid_private_key)?;
    let certificate = parse_certificate(contents.certificate_der, "the certificate")?;
    for (position, chain_certificate) in contents.chain_der.iter().enumerate() {
        let name = format!("chain certificate {}", position + 1);
        parse_certificate(chain_certificate, &name)?;
    }
    verify_key_matches(&private_key, certificate.tbs_certificate().subject_public_key_info())?;

    let local_key_id = Sha256::digest(contents.certificate_der);
    let attributes = bag_attributes(contents.friendly_name, &local_key_id).map_err(Pkcs12Error::encoding_failed)?;

    let certificates_content = {
        let mut bags = Vec::with_capacity(1 + contents.chain_der.len());
        bags.push(certificate_bag(contents.certificate_der, Some(attributes.clone()))?);
        for chain_certificate in contents.chain_der {
            bags.push(certificate_bag(chain_certificate, None)?);
        }
        let plaintext = bags.to_der().map_err(Pkcs12Error::encoding_failed)?;
        let (algorithm, ciphertext) =
            encrypt(profile, &plaintext, password, iterations, &salts.certificates_salt, salts.certificates_iv)?;
        let encrypted_data = EncryptedData {
            version: CmsVersion::V0,
            enc_content_info: EncryptedContentInfo {
                content_type: oid::DATA,
                content_enc_alg: algorithm,
                encrypted_content: Some(ciphertext),
            },
            unprotected_attrs: None,
        };
        ContentInfo {
            content_type: oid::ENCRYPTED_DATA,
            content: Any::encode_from(&encrypted_data).map_err(Pkcs12Error::encoding_failed)?,
        }
    };

    let key_content = {
        let shrouded_key = shroud_private_key(
            profile,
            contents.private_key_pkcs8_der,
            password,
            iterations,
            &salts.key_salt,
            salts.key_iv,
        )?;
        let bags = vec![SafeBag {
            bag_id: pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
            bag_value: Any::encode_from(&shrouded_key).map_err(Pkcs12Error::encoding_failed)?,
            bag_attributes: Some(attributes),
        }];
        data_content(&bags.to_der().map_err(Pkcs12Error::encoding_failed)?)?
    };

    let authenticated_safe = vec![certificates_content, key_content].to_der().map_err(Pkcs12Error::encoding_failed)?;
    let password_bmp = bmp_password(password);
    let (mac_digest, mac) = match profile {
        Profile::Modern => {
            let mac = pkcs12_hmac::<Sha256>(&password_bmp, &salts.mac_salt, mac_iterations, &authenticated_safe);
            (oid::SHA256, mac.finalize().into_bytes().to_vec())
        }
        Profile::Compatible => {
            let mac = pkcs12_hmac::<Sha1>(&password_bmp, &salts.mac_salt, mac_iterations, &authenticated_safe);
            (oid::SHA1, mac.finalize().into_bytes().to_vec())
        }
    };

    let pfx = Pfx {
        version: Version::V3,
        auth_safe: data_content(&authenticated_safe)?,
        mac_data: Some(MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned { oid: mac_digest, parameters: Some(Any::null()) },
                digest: OctetString::new(mac).map_err(Pkcs12Error::encoding_failed)?,
            },
            mac_salt: OctetString::new(salts.mac_salt).map_err(Pkcs12Error::encoding_failed)?,
            iterations: mac_iterations,
        }),
    };
    pfx.to_der().map_err(Pkcs12Error::encoding_failed)
}

/// Encrypts a private key (PKCS#8 `PrivateKeyInfo`, DER) as an `EncryptedPrivateKeyInfo` (RFC 5208 section 6,
/// RFC 5958), DER: PBES2 with PBKDF2-HMAC-SHA256 over the password's UTF-8 bytes (`iterations` rounds,
/// [`DEFAULT_ITERATIONS`] unless there is a reason) and AES-256-CBC, with the caller's random `salt` and `iv`.
///
/// It is exactly the content of the key bag [`build`] writes in a [`Profile::Modern`] bundle; PEM-encoded with
/// the label `ENCRYPTED PRIVATE KEY`, it is what `openssl pkey -in key.pem -passin pass:...` opens.
///
/// # Errors
///
/// [`Pkcs12Error::PasswordEmpty`], [`Pkcs12Error::IterationsOutOfRange`], [`Pkcs12Error::InvalidPrivateKey`]
/// if the key is not a PKCS#8 `PrivateKeyInfo`, [`Pkcs12Error::EncodingFailed`].
pub fn encrypt_private_key(
    private_key_pkcs8_der: &[u8],
    password: &str,
    iterations: u32,
    salt: &[u8; 16],
    iv: [u8; 16],
) -> Result<Vec<u8>, Pkcs12Error> {
    if password.is_empty() {
        return Err(Pkcs12Error::PasswordEmpty);
    }
    checked_iterations(iterations)?;
    PrivateKeyInfoRef::from_der(private_key_pkcs8_der).map_err(Pkcs12Error::invalid_private_key)?;
    let shrouded_key = shroud_private_key(Profile::Modern, private_key_pkcs8_der, password, iterations, salt, iv)?;
    shrouded_key.to_der().map_err(Pkcs12Error::encoding_failed)
}

/// Decrypts an `EncryptedPrivateKeyInfo` (DER) encrypted with PBES2 (PBKDF2-HMAC-SHA-2, AES-CBC) or
/// `pbeWithSHAAnd3-KeyTripleDES-CBC`, and returns the PKCS#8 `PrivateKeyInfo` (DER).
///
/// # Errors
///
/// [`Pkcs12Error::BadPassword`] if it does not decrypt to a `PrivateKeyInfo` (there is no MAC: a wrong
/// password shows as bad padding or garbage), [`Pkcs12Error::Malformed`], [`Pkcs12Error::Unsupported`] naming
/// any other algorithm, [`Pkcs12Error::IterationsOutOfRange`].
pub fn decrypt_private_key(encrypted_private_key_der: &[u8], password: &str) -> Result<Vec<u8>, Pkcs12Error> {
    let shrouded = EncryptedPrivateKeyInfo::from_der(encrypted_private_key_der).map_err(Pkcs12Error::malformed)?;
    let private_key =
        decrypt(&shrouded.encryption_algorithm, shrouded.encrypted_data.as_bytes(), password).map_err(|error| {
            match error {
                // Without a MAC, a padding failure is what a wrong password looks like.
                Pkcs12Error::Malformed { detail } if detail == NOT_DECRYPTED => Pkcs12Error::BadPassword,
                other => other,
            }
        })?;
    PrivateKeyInfoRef::from_der(&private_key).map_err(|_| Pkcs12Error::BadPassword)?;
    Ok(private_key)
}

/// Opens a PKCS#12 bundle: verifies the MAC (a wrong password gives [`Pkcs12Error::BadPassword`], never a
/// panic), decrypts, and returns the private key and the certificates, the key's certificate first.
///
/// Reads bundles of either [`Profile`], OpenSSL 3's defaults, and the older algorithms many tools still
/// write: encryption with PBES2 (PBKDF2-HMAC-SHA-2 and AES-CBC) or `pbeWithSHAAnd3-KeyTripleDES-CBC`, an
/// HMAC-SHA-1 or HMAC-SHA-2 MAC. Anything else (notably the 40-bit RC2 that `openssl pkcs12 -export -legacy`
/// encrypts certificates with) is [`Pkcs12Error::Unsupported`], naming the algorithm's OID. The bundle must
/// hold exactly one private key and a certificate for it (found by `localKeyId`, or else by public key).
///
/// # Errors
///
/// [`Pkcs12Error::BadPassword`] if the MAC does not verify; [`Pkcs12Error::Malformed`] for anything that is
/// not a complete PKCS#12 bundle (including a truncated one); [`Pkcs12Error::Unsupported`] for legacy or
/// exotic algorithms; [`Pkcs12Error::KeyCertificateMismatch`] if no certificate belongs to the key;
/// [`Pkcs12Error::IterationsOutOfRange`] if the bundle asks for more than [`MAX_ITERATIONS`].
pub fn open(bundle_der: &[u8], password: &str) -> Result<OpenedBundle, Pkcs12Error> {
    let pfx = Pfx::from_der(bundle_der).map_err(Pkcs12Error::malformed)?;
    if pfx.auth_safe.content_type != oid::DATA {
        return Err(Pkcs12Error::unsupported_algorithm("integrity mode", pfx.auth_safe.content_type));
    }
    let authenticated_safe = data_octets(&pfx.auth_safe)?;
    let mac_data = pfx.mac_data.as_ref().ok_or_else(|| Pkcs12Error::unsupported("a bundle without a password MAC"))?;
    verify_mac(mac_data, password, authenticated_safe)?;

    let contents = Vec::<ContentInfo>::from_der(authenticated_safe).map_err(Pkcs12Error::malformed)?;
    let mut found = FoundItems::default();
    for content in &contents {
        match content.content_type {
            oid::DATA => found.collect(data_octets(content)?, password)?,
            oid::ENCRYPTED_DATA => {
                let encrypted_data = content.content.decode_as::<EncryptedData>().map_err(Pkcs12Error::malformed)?;
                let encrypted = &encrypted_data.enc_content_info;
                let ciphertext = encrypted
                    .encrypted_content
                    .as_ref()
                    .ok_or_else(|| Pkcs12Error::malformed("encrypted data without content"))?;
                let plaintext = Zeroizing::new(decrypt(&encrypted.content_enc_alg, ciphertext.as_bytes(), password)?);
                found.collect(&plaintext, password)?;
            }
            other => return Err(Pkcs12Error::unsupported_algorithm("content type", other)),
        }
    }
    found.into_opened_bundle()
}

/// The OIDs this module writes or recognises, beyond the bag types the `pkcs12` crate names.
mod oid {
    use der::asn1::ObjectIdentifier;

    /// PKCS#7 `data`.
    pub const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    /// PKCS#7 `encryptedData`.
    pub const ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
    /// PKCS#9 `friendlyName`.
    pub const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
    /// PKCS#9 `localKeyId`.
    pub const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
    /// PKCS#12 `pbeWithSHAAnd3-KeyTripleDES-CBC`.
    pub const PBE_SHA1_3DES: ObjectIdentifier = pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC;
    /// `id-sha1`.
    pub const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    /// `id-sha256`.
    pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// `id-sha384`.
    pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// `id-sha512`.
    pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// `rsaEncryption`.
    pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    /// `id-ecPublicKey`.
    pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// `id-Ed25519` (RFC 8410).
    pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
}

/// Names an OID for error messages: its usual name where it is one a PKCS#12 bundle is likely to hold,
/// always its dotted form.
fn describe(oid: ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "1.2.840.113549.1.12.1.1" => "pbeWithSHAAnd128BitRC4",
        "1.2.840.113549.1.12.1.2" => "pbeWithSHAAnd40BitRC4",
        "1.2.840.113549.1.12.1.3" => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        "1.2.840.113549.1.12.1.4" => "pbeWithSHAAnd2-KeyTripleDES-CBC",
        "1.2.840.113549.1.12.1.5" => "pbeWithSHAAnd128BitRC2-CBC",
        "1.2.840.113549.1.12.1.6" => "pbeWithSHAAnd40BitRC2-CBC",
        "1.2.840.113549.1.5.3" => "pbeWithMD5AndDES-CBC",
        "1.2.840.113549.1.5.10" => "pbeWithSHA1AndDES-CBC",
        "1.2.840.113549.1.5.14" => "PBMAC1",
        "1.2.840.113549.2.7" => "hmacWithSHA1",
        "1.2.840.113549.3.7" => "des-ede3-cbc",
        "1.2.840.113549.3.2" => "rc2-cbc",
        "1.3.14.3.2.26" => "sha1",
        "1.3.6.1.4.1.11591.4.11" => "scrypt",
        "1.2.840.113549.1.7.2" => "signedData (public-key integrity)",
        "1.2.840.113549.1.7.3" => "envelopedData (public-key privacy)",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return oid.to_string(),
    };
    format!("{name} ({oid})")
}

/// `SafeBag` (RFC 7292 section 4.2). The `pkcs12` crate's `SafeBag` decodes `bagValue` with its `[0]`
/// wrapper but encodes it without, so this module keeps its own.
#[derive(Clone, Debug, Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    #[asn1(optional = "true")]
    bag_attributes: Option<Attributes>,
}

/// `EncryptedPrivateKeyInfo` (RFC 5208 section 6) with the algorithm left undecoded, so that an unsupported
/// algorithm is reported by OID rather than as a decoding error.
#[derive(Clone, Debug, Sequence)]
struct EncryptedPrivateKeyInfo {
    encryption_algorithm: AlgorithmIdentifierOwned,
    encrypted_data: OctetString,
}

/// `RSAPrivateKey` (RFC 8017 appendix A.1.2); only the public part is used.
#[derive(Sequence)]
struct RsaPrivateKey<'a> {
    version: u8,
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
    private_exponent: UintRef<'a>,
    prime1: UintRef<'a>,
    prime2: UintRef<'a>,
    exponent1: UintRef<'a>,
    exponent2: UintRef<'a>,
    coefficient: UintRef<'a>,
    #[asn1(optional = "true")]
    other_prime_infos: Option<AnyRef<'a>>,
}

/// `RSAPublicKey` (RFC 8017 appendix A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// `ECPrivateKey` (RFC 5915 section 3); only the curve and the public key are used.
#[derive(Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<AnyRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// The iteration count as the MAC stores it, if it is within bounds.
fn checked_iterations(iterations: u32) -> Result<i32, Pkcs12Error> {
    match i32::try_from(iterations) {
        Ok(count) if (1..=MAX_ITERATIONS).contains(&iterations) => Ok(count),
        _ => Err(Pkcs12Error::IterationsOutOfRange { iterations: i64::from(iterations) }),
    }
}

/// An iteration count read from a bundle, if it is within bounds.
fn stored_iterations(iterations: i32) -> Result<i32, Pkcs12Error> {
    if (1..=i64::from(MAX_ITERATIONS)).contains(&i64::from(iterations)) {
        Ok(iterations)
    } else {
        Err(Pkcs12Error::IterationsOutOfRange { iterations: i64::from(iterations) })
    }
}

fn parse_certificate(der: &[u8], name: &str) -> Result<Certificate, Pkcs12Error> {
    Certificate::from_der(der).map_err(|error| Pkcs12Error::InvalidCertificate {
        detail: format!("{name} is not a DER X.509 certificate: {error}"),
    })
}

/// Checks that `private_key` is the private half of `certificate_key`.
fn verify_key_matches(
    private_key: &PrivateKeyInfoRef<'_>,
    certificate_key: &SubjectPublicKeyInfoOwned,
) -> Result<(), Pkcs12Error> {
    let key_algorithm = private_key.algorithm.oid;
    if key_algorithm != certificate_key.algorithm.oid {
        return Err(Pkcs12Error::KeyCertificateMismatch);
    }
    let unreadable_certificate_key = |detail: String| Pkcs12Error::InvalidCertificate {
        detail: format!("the certificate's public key is unreadable: {detail}"),
    };
    let certificate_public_key = certificate_key
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| unreadable_certificate_key("its BIT STRING has unused bits".into()))?;

    let matches = match key_algorithm {
        oid::RSA_ENCRYPTION => {
            let private = RsaPrivateKey::from_der(private_key.private_key.as_bytes())
                .map_err(Pkcs12Error::invalid_private_key)?;
            let public = RsaPublicKey::from_der(certificate_public_key)
                .map_err(|error| unreadable_certificate_key(error.to_string()))?;
            private.modulus.as_bytes() == public.modulus.as_bytes()
                && private.public_exponent.as_bytes() == public.public_exponent.as_bytes()
        }
        oid::EC_PUBLIC_KEY => {
            let private =
                EcPrivateKey::from_der(private_key.private_key.as_bytes()).map_err(Pkcs12Error::invalid_private_key)?;
            let key_curve = named_curve(private_key.algorithm.parameters.or(private.parameters))?;
            let certificate_curve = named_curve(certificate_key.algorithm.parameters.as_ref().map(Any::to_ref))?;
            let key_point = private
                .public_key
                .or(private_key.public_key)
                .ok_or_else(|| Pkcs12Error::unsupported("an EC private key without its public key"))?;
            key_curve == certificate_curve && key_point.as_bytes() == Some(certificate_public_key)
        }
        oid::ED25519 => {
            // CurvePrivateKey ::= OCTET STRING, the 32-byte seed (RFC 8410 section 7); the public key is derived
            // from it, since WebCrypto's export leaves the optional public key out.
            let seed = <&der::asn1::OctetStringRef>::from_der(private_key.private_key.as_bytes())
                .map_err(Pkcs12Error::invalid_private_key)?;
            let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.as_bytes())
                .map_err(|_| Pkcs12Error::unsupported("an Ed25519 private key that is not 32 bytes"))?;
            use ring::signature::KeyPair;
            pair.public_key().as_ref() == certificate_public_key
        }
        other => {
            return Err(Pkcs12Error::unsupported_algorithm("private key algorithm", other));
        }
    };
    if matches { Ok(()) } else { Err(Pkcs12Error::KeyCertificateMismatch) }
}

/// The named curve of EC `parameters`; explicit curve parameters are not supported.
fn named_curve(parameters: Option<AnyRef<'_>>) -> Result<ObjectIdentifier, Pkcs12Error> {
    parameters
        .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| Pkcs12Error::unsupported("an EC key without a named curve"))
}

/// `friendlyName` (unless `friendly_name` is empty) and `localKeyId`.
fn bag_attributes(friendly_name: &str, local_key_id: &[u8]) -> der::Result<Attributes> {
    let mut attributes = Vec::with_capacity(2);
    if !friendly_name.is_empty() {
        let utf16: Vec<u8> = friendly_name.encode_utf16().flat_map(u16::to_be_bytes).collect();
        attributes.push(Attribute {
            oid: oid::FRIENDLY_NAME,
            values: SetOfVec::try_from(vec![Any::new(Tag::BmpString, utf16)?])?,
        });
    }
    attributes.push(Attribute {
        oid: oid::LOCAL_KEY_ID,
        values: SetOfVec::try_from(vec![Any::encode_from(&OctetStringRef::new(local_key_id)?)?])?,
    });
    SetOfVec::try_from(attributes)
}

fn certificate_bag(certificate_der: &[u8], attributes: Option<Attributes>) -> Result<SafeBag, Pkcs12Error> {
    let bag = CertBag {
        cert_id: pkcs12::PKCS_12_X509_CERT_OID,
        cert_value: OctetString::new(certificate_der).map_err(Pkcs12Error::encoding_failed)?,
    };
    Ok(SafeBag {
        bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
        bag_value: Any::encode_from(&bag).map_err(Pkcs12Error::encoding_failed)?,
        bag_attributes: attributes,
    })
}

/// A `data` ContentInfo holding `content`.
fn data_content(content: &[u8]) -> Result<ContentInfo, Pkcs12Error> {
    let octets = OctetStringRef::new(content).map_err(Pkcs12Error::encoding_failed)?;
    Ok(ContentInfo {
        content_type: oid::DATA,
        content: Any::encode_from(&octets).map_err(Pkcs12Error::encoding_failed)?,
    })
}

/// The octets of a `data` ContentInfo.
fn data_octets(content: &ContentInfo) -> Result<&[u8], Pkcs12Error> {
    content.content.decode_as::<&OctetStringRef>().map(OctetStringRef::as_bytes).map_err(Pkcs12Error::malformed)
}

/// The `EncryptedPrivateKeyInfo` of a key bag: the PKCS#8 key encrypted as `profile` says.
fn shroud_private_key(
    profile: Profile,
    private_key_pkcs8_der: &[u8],
    password: &str,
    iterations: u32,
    salt: &[u8; 16],
    iv: [u8; 16],
) -> Result<EncryptedPrivateKeyInfo, Pkcs12Error> {
    let (encryption_algorithm, encrypted_data) =
        encrypt(profile, private_key_pkcs8_der, password, iterations, salt, iv)?;
    Ok(EncryptedPrivateKeyInfo { encryption_algorithm, encrypted_data })
}

/// Encrypts `plaintext` as `profile` says; `iv` is used by [`Profile::Modern`] only.
fn encrypt(
    profile: Profile,
    plaintext: &[u8],
    password: &str,
    iterations: u32,
    salt: &[u8; 16],
    iv: [u8; 16],
) -> Result<(AlgorithmIdentifierOwned, OctetString), Pkcs12Error> {
    match profile {
        Profile::Modern => encrypt_pbes2(plaintext, password, iterations, salt, iv),
        Profile::Compatible => encrypt_pkcs12_triple_des(plaintext, password, iterations, salt),
    }
}

/// PBES2-encrypts `plaintext`: PBKDF2-HMAC-SHA256 over the password's UTF-8 bytes, AES-256-CBC.
fn encrypt_pbes2(
    plaintext: &[u8],
    password: &str,
    iterations: u32,
    salt: &[u8; 16],
    iv: [u8; 16],
) -> Result<(AlgorithmIdentifierOwned, OctetString), Pkcs12Error> {
    let parameters = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, salt, iv)
        .map_err(Pkcs12Error::encoding_failed)?;
    let ciphertext = parameters.encrypt(password.as_bytes(), plaintext).map_err(Pkcs12Error::encoding_failed)?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: pbes2::PBES2_OID,
        parameters: Some(Any::encode_from(&parameters).map_err(Pkcs12Error::encoding_failed)?),
    };
    let ciphertext = OctetString::new(ciphertext).map_err(Pkcs12Error::encoding_failed)?;
    Ok((algorithm, ciphertext))
}

/// Encrypts `plaintext` with `pbeWithSHAAnd3-KeyTripleDES-CBC` (RFC 7292 appendix C): three-key 3DES in CBC
/// mode with PKCS#7 padding, key and IV from the appendix B KDF with SHA-1.
fn encrypt_pkcs12_triple_des(
    plaintext: &[u8],
    password: &str,
    iterations: u32,
    salt: &[u8],
) -> Result<(AlgorithmIdentifierOwned, OctetString), Pkcs12Error> {
    let iterations = checked_iterations(iterations)?;
    let parameters =
        Pkcs12PbeParams { salt: OctetString::new(salt).map_err(Pkcs12Error::encoding_failed)?, iterations };
    let (key, iv) = triple_des_key_and_iv(password, salt, iterations);
    // Invariant: `triple_des_key_and_iv` derives exactly 24 key bytes and 8 IV bytes.
    let encryptor = cbc::Encryptor::<TdesEde3>::new_from_slices(&key, &iv).expect("3DES takes a 24-byte key");
    let ciphertext = encryptor.encrypt_padded_vec::<Pkcs7>(plaintext);
    let algorithm = AlgorithmIdentifierOwned {
        oid: oid::PBE_SHA1_3DES,
        parameters: Some(Any::encode_from(&parameters).map_err(Pkcs12Error::encoding_failed)?),
    };
    let ciphertext = OctetString::new(ciphertext).map_err(Pkcs12Error::encoding_failed)?;
    Ok((algorithm, ciphertext))
}

/// The 24-byte 3DES key (ID 1) and the 8-byte IV (ID 2) the appendix B KDF with SHA-1 derives from the
/// password and `salt`.
fn triple_des_key_and_iv(password: &str, salt: &[u8], iterations: i32) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let password_bmp = bmp_password(password);
    let key = derive_key::<Sha1>(&password_bmp, salt, Pkcs12KeyType::EncryptionKey, iterations, 24);
    let iv = derive_key::<Sha1>(&password_bmp, salt, Pkcs12KeyType::Iv, iterations, 8);
    (Zeroizing::new(key), Zeroizing::new(iv))
}

/// What [`decrypt`] reports when the padding is wrong: in a bundle whose MAC verified, the writer encrypted
/// with something else; in a lone `EncryptedPrivateKeyInfo`, the password is wrong.
const NOT_DECRYPTED: &str = "content does not decrypt although the MAC verifies";

/// Decrypts PBES2 (PBKDF2, AES) or `pbeWithSHAAnd3-KeyTripleDES-CBC` content; anything else is unsupported.
fn decrypt(algorithm: &AlgorithmIdentifierOwned, ciphertext: &[u8], password: &str) -> Result<Vec<u8>, Pkcs12Error> {
    match algorithm.oid {
        pbes2::PBES2_OID => decrypt_pbes2(algorithm, ciphertext, password),
        oid::PBE_SHA1_3DES => decrypt_pkcs12_triple_des(algorithm, ciphertext, password),
        other => Err(Pkcs12Error::unsupported_algorithm("encryption algorithm", other)),
    }
}

/// Decrypts `pbeWithSHAAnd3-KeyTripleDES-CBC` content.
fn decrypt_pkcs12_triple_des(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &str,
) -> Result<Vec<u8>, Pkcs12Error> {
    let parameters = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| Pkcs12Error::malformed("pbeWithSHAAnd3-KeyTripleDES-CBC without parameters"))?;
    let parameters = parameters.decode_as::<Pkcs12PbeParams>().map_err(Pkcs12Error::malformed)?;
    let iterations = stored_iterations(parameters.iterations)?;
    let (key, iv) = triple_des_key_and_iv(password, parameters.salt.as_bytes(), iterations);
    // Invariant: `triple_des_key_and_iv` derives exactly 24 key bytes and 8 IV bytes.
    let decryptor = cbc::Decryptor::<TdesEde3>::new_from_slices(&key, &iv).expect("3DES takes a 24-byte key");
    decryptor
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        // The MAC verified, so the password is right: the writer encrypted with something else.
        .map_err(|_| Pkcs12Error::malformed(NOT_DECRYPTED))
}

/// Decrypts PBES2 (PBKDF2, AES) content.
fn decrypt_pbes2(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &str,
) -> Result<Vec<u8>, Pkcs12Error> {
    let parameters = algorithm.parameters.as_ref().ok_or_else(|| Pkcs12Error::malformed("PBES2 without parameters"))?;
    let parameters = pbes2::Parameters::try_from(parameters.to_ref()).map_err(|error| match error.kind() {
        der::ErrorKind::OidUnknown { oid } => Pkcs12Error::unsupported_algorithm("PBES2 algorithm", oid),
        _ => Pkcs12Error::malformed(error),
    })?;
    let Some(pbkdf2) = parameters.kdf.pbkdf2() else {
        return Err(Pkcs12Error::unsupported_algorithm("key derivation function", parameters.kdf.oid()));
    };
    if pbkdf2.iteration_count > MAX_ITERATIONS {
        return Err(Pkcs12Error::IterationsOutOfRange { iterations: i64::from(pbkdf2.iteration_count) });
    }
    parameters.decrypt(password.as_bytes(), ciphertext).map_err(|error| match error {
        pkcs5::Error::UnsupportedAlgorithm { oid } => Pkcs12Error::unsupported_algorithm("PBES2 algorithm", oid),
        // The MAC verified, so the password is right: the writer encrypted with something else.
        pkcs5::Error::DecryptFailed => Pkcs12Error::malformed(NOT_DECRYPTED),
        other => Pkcs12Error::malformed(other),
    })
}

/// The password as the PKCS#12 KDF takes it: UTF-16BE (a BMPString, with surrogate pairs for characters
/// beyond the BMP, as OpenSSL writes them) and a two-byte zero terminator.
fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    // UTF-16 never takes more code units than UTF-8 takes bytes: no reallocation leaves a copy behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(2 * password.len() + 2));
    for unit in password.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    bytes.extend_from_slice(&[0, 0]);
    bytes
}

/// An HMAC over `data` keyed with the PKCS#12 KDF (RFC 7292 appendix B, ID 3) over digest `D`.
fn pkcs12_hmac<D>(password_bmp: &[u8], salt: &[u8], iterations: i32, data: &[u8]) -> Hmac<D>
where
    D: EagerHash + FixedOutputReset + BlockSizeUser,
{
    let key = Zeroizing::new(derive_key::<D>(
        password_bmp,
        salt,
        Pkcs12KeyType::Mac,
        iterations,
        <D as Digest>::output_size(),
    ));
    // Invariant: HMAC takes keys of any length (RFC 2104 hashes long ones), so this cannot fail.
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(&key).expect("HMAC accepts any key length");
    mac.update(data);
    mac
}

/// Verifies the bundle's MAC over the authenticated safe, in constant time.
fn verify_mac(mac_data: &MacData, password: &str, authenticated_safe: &[u8]) -> Result<(), Pkcs12Error> {
    let iterations = stored_iterations(mac_data.iterations)?;
    let password_bmp = bmp_password(password);
    let salt = mac_data.mac_salt.as_bytes();
    let expected = mac_data.mac.digest.as_bytes();
    let verified = match mac_data.mac.algorithm.oid {
        oid::SHA1 => pkcs12_hmac::<Sha1>(&password_bmp, salt, iterations, authenticated_safe).verify_slice(expected),
        oid::SHA256 => {
            pkcs12_hmac::<Sha256>(&password_bmp, salt, iterations, authenticated_safe).verify_slice(expected)
        }
        oid::SHA384 => {
            pkcs12_hmac::<Sha384>(&password_bmp, salt, iterations, authenticated_safe).verify_slice(expected)
        }
        oid::SHA512 => {
            pkcs12_hmac::<Sha512>(&password_bmp, salt, iterations, authenticated_safe).verify_slice(expected)
        }
        other => return Err(Pkcs12Error::unsupported_algorithm("MAC digest", other)),
    };
    verified.map_err(|_| Pkcs12Error::BadPassword)
}

/// The `friendlyName` and `localKeyId` of a bag.
#[derive(Default)]
struct BagAttributes {
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

impl BagAttributes {
    /// Reads the two attributes; a friendly name that is not a well-formed BMPString is ignored, as it is
    /// only shown to people.
    fn read(attributes: Option<&Attributes>) -> Result<Self, Pkcs12Error> {
        let mut read = Self::default();
        for attribute in attributes.into_iter().flat_map(SetOfVec::iter) {
            let Some(value) = attribute.values.get(0) else {
                continue;
            };
            match attribute.oid {
                oid::FRIENDLY_NAME => read.friendly_name = decode_bmp_string(value),
                oid::LOCAL_KEY_ID => {
                    let id = value.decode_as::<&OctetStringRef>().map_err(Pkcs12Error::malformed)?;
                    read.local_key_id = Some(id.as_bytes().to_vec());
                }
                _ => {}
            }
        }
        Ok(read)
    }
}

/// A BMPString's text, UTF-16 surrogate pairs included.
fn decode_bmp_string(value: &Any) -> Option<String> {
    if value.tag() != Tag::BmpString {
        return None;
    }
    let (pairs, remainder) = value.value().as_chunks::<2>();
    if !remainder.is_empty() {
        return None;
    }
    let units: Vec<u16> = pairs.iter().copied().map(u16::from_be_bytes).collect();
    String::from_utf16(&units).ok()
}

/// A private key found in a bundle.
struct FoundKey {
    pkcs8_der: Vec<u8>,
    attributes: BagAttributes,
}

/// A certificate found in a bundle.
struct FoundCertificate {
    der: Vec<u8>,
    attributes: BagAttributes,
}

/// What `open` has found so far in the bundle's safe contents.
#[derive(Default)]
struct FoundItems {
    keys: Vec<FoundKey>,
    certificates: Vec<FoundCertificate>,
}

impl FoundItems {
    /// Reads the bags of one `SafeContents`; CRL and secret bags are skipped.
    fn collect(&mut self, safe_contents: &[u8], password: &str) -> Result<(), Pkcs12Error> {
        let bags = Vec::<SafeBag>::from_der(safe_contents).map_err(Pkcs12Error::malformed)?;
        for bag in bags {
            let attributes = BagAttributes::read(bag.bag_attributes.as_ref())?;
            match bag.bag_id {
                pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                    let shrouded =
                        bag.bag_value.decode_as::<EncryptedPrivateKeyInfo>().map_err(Pkcs12Error::malformed)?;
                    let pkcs8_der =
                        decrypt(&shrouded.encryption_algorithm, shrouded.encrypted_data.as_bytes(), password)?;
                    self.keys.push(FoundKey { pkcs8_der, attributes });
                }
                pkcs12::PKCS_12_KEY_BAG_OID => {
                    let pkcs8_der = bag.bag_value.to_der().map_err(Pkcs12Error::malformed)?;
                    self.keys.push(FoundKey { pkcs8_der, attributes });
                }
                pkcs12::PKCS_12_CERT_BAG_OID => {
                    let certificate = bag.bag_value.decode_as::<CertBag>().map_err(Pkcs12Error::malformed)?;
                    if certificate.cert_id != pkcs12::PKCS_12_X509_CERT_OID {
                        return Err(Pkcs12Error::unsupported_algorithm("certificate type", certificate.cert_id));
                    }
                    self.certificates
                        .push(FoundCertificate { der: certificate.cert_value.into_bytes().into_vec(), attributes });
                }
                pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID => {
                    return Err(Pkcs12Error::unsupported("nested safe contents bags"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The one private key and its certificate first.
    fn into_opened_bundle(self) -> Result<OpenedBundle, Pkcs12Error> {
        let mut keys = self.keys.into_iter();
        let key = keys.next().ok_or_else(|| Pkcs12Error::malformed("the bundle holds no private key"))?;
        if keys.next().is_some() {
            return Err(Pkcs12Error::unsupported("a bundle with more than one private key"));
        }
        let private_key = PrivateKeyInfoRef::from_der(&key.pkcs8_der)
            .map_err(|error| Pkcs12Error::malformed(format_args!("private key: {error}")))?;
        let mut certificates = self.certificates;
        if certificates.is_empty() {
            return Err(Pkcs12Error::malformed("the bundle holds no certificate"));
        }
        let by_local_key_id = key.attributes.local_key_id.as_ref().and_then(|id| {
            certificates.iter().position(|certificate| certificate.attributes.local_key_id.as_ref() == Some(id))
        });
        let end_entity = by_local_key_id
            .or_else(|| {
                certificates.iter().position(|certificate| {
                    Certificate::from_der(&certificate.der).is_ok_and(|parsed| {
                        verify_key_matches(&private_key, parsed.tbs_certificate().subject_public_key_info()).is_ok()
                    })
                })
            })
            .ok_or(Pkcs12Error::KeyCertificateMismatch)?;
        let end_entity = certificates.remove(end_entity);
        let friendly_name = key.attributes.friendly_name.or(end_entity.attributes.friendly_name);
        let certificates_der = core::iter::once(end_entity.der)
            .chain(certificates.into_iter().map(|certificate| certificate.der))
            .collect();
        Ok(OpenedBundle { private_key_pkcs8_der: key.pkcs8_der, certificates_der, friendly_name })
    }
}
