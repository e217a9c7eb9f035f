//! Parsing of PKCS#10 certificate signing requests (RFC 2986) and verification of their self-signature.
//!
//! Parse, don't validate: [`ParsedCsr::from_pem`] and [`ParsedCsr::from_der`] are the only ways to build a
//! [`ParsedCsr`], and they succeed only when the request decodes as strict DER, its public key and signature
//! algorithm are ones Keyward supports, and its signature verifies with its own public key over the exact
//! `CertificationRequestInfo` bytes of the input. Holding a `ParsedCsr` is the proof of all three.
//!
//! No policy is applied here (for example RSA key sizes, or which subject is asked for): callers read
//! [`ParsedCsr::public_key`] and decide. Pure code: no I/O, no clock, no randomness, so it runs unchanged in the
//! Worker and in the browser (wasm32-unknown-unknown).
//!
//! Supported public keys and self-signatures:
//!
//! | Public key                     | Signature algorithms                                        |
//! |--------------------------------|-------------------------------------------------------------|
//! | RSA, 1024 to 8192 bits         | PKCS#1 v1.5 with SHA-256 or SHA-512                         |
//! | RSA, 2048 to 8192 bits         | PKCS#1 v1.5 with SHA-384 (ring has no 1024-bit SHA-384 form) |
//! | ECDSA P-256 (uncompressed)     | ECDSA with SHA-256 or SHA-384                               |
//! | ECDSA P-384 (uncompressed)     | ECDSA with SHA-384 or SHA-256                               |
//! | Ed25519                        | Ed25519                                                     |
//!
//! RSASSA-PSS, SHA-1, MD5, SHA-224, ECDSA with SHA-512, Ed448 and DSA signatures are rejected as
//! [`CsrError::UnsupportedSignatureAlgorithm`]; P-521, secp256k1, Ed448, X25519, DSA and RSASSA-PSS keys as
//! [`CsrError::UnsupportedKey`].

use core::fmt;

use der::asn1::{BitStringRef, ObjectIdentifier, UintRef};
use der::{AnyRef, Decode, Reader, SliceReader, Tag, Tagged};
use ring::signature::{self as ring_signature, UnparsedPublicKey, VerificationAlgorithm};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use x509_cert::request::CertReq;

/// The PEM labels accepted around a request: the standard one and Microsoft's (certreq, IIS).
const REQUEST_LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/// How a PEM pre-encapsulation boundary starts.
const BEGIN_PREFIX: &str = "-----BEGIN ";

/// Longest PEM label looked at; longer "labels" are not boundaries (and are never echoed in messages).
const MAXIMUM_LABEL_LENGTH: usize = 64;

/// Most `-----BEGIN ` boundaries looked at in one text. Each is followed by a search for its END line, so this
/// keeps the scan linear in the text's length whatever the text holds.
const MAXIMUM_BEGIN_BOUNDARIES: usize = 16;

/// Smallest RSA modulus ring verifies with the `*_1024_8192_*` algorithms.
const RSA_MINIMUM_BITS: u32 = 1024;
/// Smallest RSA modulus ring verifies SHA-384 signatures for (`RSA_PKCS1_2048_8192_SHA384`).
const RSA_SHA384_MINIMUM_BITS: u32 = 2048;
/// Largest RSA modulus ring verifies with.
const RSA_MAXIMUM_BITS: u32 = 8192;
/// Largest RSA public exponent ring verifies with: 2^33 - 1.
const RSA_MAXIMUM_EXPONENT: u64 = (1 << 33) - 1;

// Object identifiers. `ObjectIdentifier::new_unwrap` is a `const fn`: an invalid literal fails the build, never at
// run time.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const MD2_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2");
const MD5_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const SHA224_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const BRAINPOOL_P256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
const BRAINPOOL_P384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
const BRAINPOOL_P512R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.13");
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const ECDSA_WITH_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const DSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.3");
const DSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.2");

/// Key algorithms recognised only to be named in [`CsrError::UnsupportedKey`].
const UNSUPPORTED_KEY_ALGORITHMS: [(ObjectIdentifier, &str); 5] = [
    (RSASSA_PSS, "RSASSA-PSS key (an RSA key restricted to PSS signatures; use a plain rsaEncryption key)"),
    (ED448, "Ed448"),
    (X25519, "X25519 (a key-agreement key, it cannot sign)"),
    (X448, "X448 (a key-agreement key, it cannot sign)"),
    (DSA, "DSA"),
];

/// Elliptic curves recognised only to be named in [`CsrError::UnsupportedKey`].
const UNSUPPORTED_CURVES: [(ObjectIdentifier, &str); 5] = [
    (SECP521R1, "P-521 (secp521r1)"),
    (SECP256K1, "secp256k1"),
    (BRAINPOOL_P256R1, "brainpoolP256r1"),
    (BRAINPOOL_P384R1, "brainpoolP384r1"),
    (BRAINPOOL_P512R1, "brainpoolP512r1"),
];

/// Signature algorithms recognised only to be named in [`CsrError::UnsupportedSignatureAlgorithm`].
const UNSUPPORTED_SIGNATURE_ALGORITHMS: [(ObjectIdentifier, &str); 11] = [
    (MD2_WITH_RSA, "MD2 with RSA"),
    (MD5_WITH_RSA, "MD5 with RSA"),
    (SHA1_WITH_RSA, "SHA-1 with RSA"),
    (SHA224_WITH_RSA, "SHA-224 with RSA"),
    (RSASSA_PSS, "RSASSA-PSS (not supported yet; sign with PKCS#1 v1.5 padding instead)"),
    (ECDSA_WITH_SHA1, "ECDSA with SHA-1"),
    (ECDSA_WITH_SHA224, "ECDSA with SHA-224"),
    (ECDSA_WITH_SHA512, "ECDSA with SHA-512"),
    (ED448, "Ed448"),
    (DSA_WITH_SHA1, "DSA with SHA-1"),
    (DSA_WITH_SHA256, "DSA with SHA-256"),
];

/// A PKCS#10 request whose structure was decoded and whose self-signature verified.
///
/// Built only by [`ParsedCsr::from_pem`] and [`ParsedCsr::from_der`]; see the module documentation for what
/// that proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCsr {
    /// The whole request, DER, exactly as given.
    der: Vec<u8>,
    /// The request's `SubjectPublicKeyInfo`, DER, exactly as it appears in `der`.
    subject_public_key_info_der: Vec<u8>,
    /// The decoded public key.
    public_key: PublicKey,
    /// The algorithm of the verified self-signature.
    signature_algorithm: SignatureAlgorithm,
}

/// The requested public key, with what policy checks need. Serializable for the order form, which receives it
/// from the packaging worker ([`crate::csr_explain::CsrContents`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublicKey {
    /// An RSA key (`rsaEncryption`). Only keys of 1024 to 8192 bits with an odd public exponent from 3 to
    /// 2^33 - 1 get this far: the rest cannot be verified and are [`CsrError::UnsupportedKey`].
    Rsa {
        /// The size of the modulus in bits (the position of its highest set bit), e.g. 2048.
        modulus_bits: u32,
        /// The public exponent `e`, usually 65537.
        public_exponent: u64,
        /// The modulus `n`, big-endian, without leading zero bytes.
        modulus: Vec<u8>,
    },
    /// An ECDSA key on NIST P-256 (secp256r1, prime256v1).
    EcP256,
    /// An ECDSA key on NIST P-384 (secp384r1).
    EcP384,
    /// An Ed25519 key (RFC 8410).
    Ed25519,
}

/// The algorithm of a request's self-signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (`sha256WithRSAEncryption`).
    RsaPkcs1Sha256,
    /// RSA PKCS#1 v1.5 with SHA-384 (`sha384WithRSAEncryption`).
    RsaPkcs1Sha384,
    /// RSA PKCS#1 v1.5 with SHA-512 (`sha512WithRSAEncryption`).
    RsaPkcs1Sha512,
    /// ECDSA with SHA-256 (`ecdsa-with-SHA256`), with a P-256 or a P-384 key.
    EcdsaSha256,
    /// ECDSA with SHA-384 (`ecdsa-with-SHA384`), with a P-256 or a P-384 key.
    EcdsaSha384,
    /// Ed25519 (RFC 8410).
    Ed25519,
}

/// Why a text or DER could not become a [`ParsedCsr`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrError {
    /// The text holds no single certificate request PEM block: it is empty, has no PEM block, has only blocks
    /// with other labels (such as a certificate or a key, said in the detail), has a BEGIN line without its END
    /// line, holds more than one request, or the block's content is not base64. Only the labels
    /// `CERTIFICATE REQUEST` and `NEW CERTIFICATE REQUEST` are accepted. Code `csr_not_pem`.
    NotPem(String),
    /// The bytes are not a DER-encoded PKCS#10 request (for example a certificate under the request label,
    /// truncated or trailing data, non-DER encoding), or one of its fields is invalid (an RSA key with an even
    /// modulus, an EC point of the wrong length, unexpected algorithm parameters). The detail says what failed.
    /// Code `csr_malformed`.
    Malformed(String),
    /// The public key is not RSA, P-256, P-384 or Ed25519 (the detail names the algorithm or curve), or it is
    /// an RSA key that cannot be verified: below 1024 bits, above 8192 bits, below 2048 bits with a SHA-384
    /// signature, or with an unusable public exponent; or an Ed25519 key of small order, which no private key
    /// belongs to. Code `csr_key_unsupported`.
    UnsupportedKey(String),
    /// The self-signature uses an algorithm Keyward does not accept (SHA-1, MD5, RSASSA-PSS, ECDSA with SHA-512,
    /// ...; the detail names it), or one that does not fit the request's key (say ECDSA with an RSA key).
    /// Code `csr_signature_algorithm_unsupported`.
    UnsupportedSignatureAlgorithm(String),
    /// The self-signature does not verify with the request's own public key: the request was altered after it
    /// was signed, or was not signed by the holder of the key. Code `csr_signature_invalid`.
    BadSignature,
    /// The text holds a private key block beside (or instead of) the request: whoever saw the text has the key,
    /// so it is exposed for good and must be replaced. `exposed_key_sha256` is the SHA-256 (hex) of the
    /// request's SubjectPublicKeyInfo when the text also held a valid request, so the issuer can record that key
    /// as compromised and never certify it. Nothing of the private block is kept, in this error or elsewhere.
    /// Code `csr_private_key_included`.
    PrivateKeyIncluded {
        /// The request's key, when there was a request beside the private key.
        exposed_key_sha256: Option<String>,
    },
}

impl CsrError {
    /// A stable `snake_case` code for APIs and logs; it never changes for a given variant.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPem(_) => "csr_not_pem",
            Self::Malformed(_) => "csr_malformed",
            Self::UnsupportedKey(_) => "csr_key_unsupported",
            Self::UnsupportedSignatureAlgorithm(_) => "csr_signature_algorithm_unsupported",
            Self::BadSignature => "csr_signature_invalid",
            Self::PrivateKeyIncluded { .. } => "csr_private_key_included",
        }
    }
}

impl fmt::Display for CsrError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPem(detail) => write!(
                formatter,
                "not a PEM certificate signing request: {detail}; expected one block starting with \
                 -----BEGIN CERTIFICATE REQUEST----- or -----BEGIN NEW CERTIFICATE REQUEST-----"
            ),
            Self::Malformed(detail) => write!(formatter, "malformed certificate signing request: {detail}"),
            Self::UnsupportedKey(detail) => write!(
                formatter,
                "unsupported public key in the certificate signing request: {detail} \
                 (supported: RSA, ECDSA P-256, ECDSA P-384, Ed25519)"
            ),
            Self::UnsupportedSignatureAlgorithm(detail) => write!(
                formatter,
                "unsupported signature algorithm in the certificate signing request: {detail} (supported: RSA \
                 PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512; ECDSA with SHA-256 or SHA-384; Ed25519)"
            ),
            Self::BadSignature => formatter.write_str(
                "the certificate signing request's signature does not verify with its own public key \
                 (the request was changed after it was signed)",
            ),
            Self::PrivateKeyIncluded { .. } => formatter.write_str(
                "the text holds a private key: it is now exposed, and anyone who saw the text can use it. This key \
                 will never be certified; make a new key pair and send only its certificate signing request",
            ),
        }
    }
}

impl std::error::Error for CsrError {}

impl ParsedCsr {
    /// Parses a PEM request and verifies its self-signature.
    ///
    /// Accepts `-----BEGIN CERTIFICATE REQUEST-----` and `-----BEGIN NEW CERTIFICATE REQUEST-----` (Microsoft),
    /// with surrounding whitespace/CRLF, and text before/after the block (e.g. a pasted email) ignored. Exactly
    /// one block. Inside the block, any whitespace (line breaks at any width, CRLF, indentation) is ignored;
    /// PEM headers are not accepted. Blocks with other labels are ignored when a request block is present; at
    /// most 16 `-----BEGIN ` lines are looked at.
    ///
    /// # Errors
    ///
    /// [`CsrError::NotPem`] when there is not exactly one request block or its content is not base64 (for
    /// example a certificate, whose label the message names); otherwise as [`ParsedCsr::from_der`], so valid
    /// base64 that is not a request is [`CsrError::Malformed`].
    pub fn from_pem(text: &str) -> Result<Self, CsrError> {
        if holds_private_key(text) {
            // The request beside it, if valid, names the exposed key; the private block is never read.
            let exposed_key_sha256 = decode_request_pem(text)
                .ok()
                .and_then(|der| Self::from_der(&der).ok())
                .map(|csr| crate::encoding::hex(&sha2::Sha256::digest(csr.subject_public_key_info_der())));
            return Err(CsrError::PrivateKeyIncluded { exposed_key_sha256 });
        }
        let der = decode_request_pem(text)?;
        Self::from_der(&der)
    }

    /// Parses a DER request and verifies its self-signature.
    ///
    /// The signature is verified over the `CertificationRequestInfo` bytes exactly as they appear in `der`
    /// (never re-encoded).
    ///
    /// # Errors
    ///
    /// - [`CsrError::Malformed`]: not strict DER PKCS#10, trailing bytes, or invalid key or algorithm fields.
    /// - [`CsrError::UnsupportedKey`]: a key type or curve other than RSA, P-256, P-384 and Ed25519; an RSA key
    ///   below 1024 bits (reported as unsupported, not as a bad signature), above 8192 bits, or with a public
    ///   exponent that is even, below 3 or above 2^33 - 1; an RSA key below 2048 bits signed with SHA-384 (ring
    ///   verifies RSA SHA-384 only from 2048 bits).
    /// - [`CsrError::UnsupportedSignatureAlgorithm`]: RSASSA-PSS (not supported yet), SHA-1, MD5, SHA-224,
    ///   ECDSA with SHA-512, or an algorithm that does not fit the key.
    /// - [`CsrError::BadSignature`]: the signature does not verify (also for an EC point that is not on its
    ///   curve, which ring only finds out while verifying).
    pub fn from_der(der: &[u8]) -> Result<Self, CsrError> {
        if der.is_empty() {
            return Err(CsrError::Malformed("the request is empty".into()));
        }
        // Full structural decode (subject, attributes, ...): strict DER and no trailing data.
        CertReq::from_der(der).map_err(|error| {
            CsrError::Malformed(format!("the data is not a DER PKCS#10 certification request ({error})"))
        })?;
        // The raw spans the signature and the certificate are made from, borrowed from the input.
        let parts = RequestParts::split(der)
            .map_err(|error| CsrError::Malformed(format!("the request's parts could not be located ({error})")))?;
        let subject_public_key_info = SubjectPublicKeyInfoRef::from_der(parts.subject_public_key_info)
            .map_err(|error| CsrError::Malformed(format!("the subject public key info is invalid ({error})")))?;

        let (public_key, public_key_bytes) = decode_public_key(&subject_public_key_info)?;
        let signature_algorithm = decode_signature_algorithm(&parts.signature_algorithm)?;
        let verification_algorithm = verification_algorithm(&public_key, signature_algorithm)?;
        let signature = parts.signature.as_bytes().ok_or_else(|| {
            CsrError::Malformed("the signature BIT STRING does not hold a whole number of bytes".into())
        })?;
        UnparsedPublicKey::new(verification_algorithm, public_key_bytes)
            .verify(parts.certification_request_info, signature)
            .map_err(|_| CsrError::BadSignature)?;

        Ok(Self {
            der: der.to_vec(),
            subject_public_key_info_der: parts.subject_public_key_info.to_vec(),
            public_key,
            signature_algorithm,
        })
    }

    /// The requested public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The `SubjectPublicKeyInfo`, DER: what the certificate will certify.
    ///
    /// These are the bytes of the request, not a re-encoding.
    #[must_use]
    pub fn subject_public_key_info_der(&self) -> &[u8] {
        &self.subject_public_key_info_der
    }

    /// The algorithm of the verified self-signature.
    #[must_use]
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    /// The whole request, DER, exactly as given (from PEM: as decoded from base64).
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// The public key a PEM request asks to certify, read without verifying the request's signature: the browser's
/// pre-check before it sends a request the recipient brought (the Worker verifies everything again, signature
/// included). It links no signature verification code into the web app.
///
/// # Errors
///
/// As [`ParsedCsr::from_pem`], except that a bad signature, and damage outside the request's outer structure
/// and its key, are not detected.
pub fn requested_key(text: &str) -> Result<PublicKey, CsrError> {
    let der = decode_request_pem(text)?;
    requested_key_der(&der)
}

/// As [`requested_key`], from the request's DER.
pub(crate) fn requested_key_der(der: &[u8]) -> Result<PublicKey, CsrError> {
    // Only the outer structure and the key: the full decode (names, attributes) would weigh on the web app for
    // nothing, since the Worker decodes and verifies everything anyway.
    let parts = RequestParts::split(der)
        .map_err(|error| CsrError::Malformed(format!("the request's parts could not be located ({error})")))?;
    let subject_public_key_info = SubjectPublicKeyInfoRef::from_der(parts.subject_public_key_info)
        .map_err(|error| CsrError::Malformed(format!("the subject public key info is invalid ({error})")))?;
    Ok(decode_public_key(&subject_public_key_info)?.0)
}

/// The pieces of a request, borrowed from its DER.
struct RequestParts<'a> {
    /// `certificationRequestInfo`, the signed bytes, header included.
    certification_request_info: &'a [u8],
    /// `subjectPKInfo` inside `certificationRequestInfo`, header included.
    subject_public_key_info: &'a [u8],
    /// `signatureAlgorithm`.
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    /// `signature`.
    signature: BitStringRef<'a>,
}

impl<'a> RequestParts<'a> {
    /// Walks `CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }` and
    /// `CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, attributes }` without decoding
    /// what the signature does not need; [`CertReq::from_der`] has checked the structure already.
    fn split(der: &'a [u8]) -> der::Result<Self> {
        let mut reader = SliceReader::new(der)?;
        let (certification_request_info, signature_algorithm, signature) = reader.sequence(|fields| {
            let certification_request_info = fields.tlv_bytes()?;
            let signature_algorithm = AlgorithmIdentifierRef::decode(fields)?;
            let signature = BitStringRef::decode(fields)?;
            Ok::<_, der::Error>((certification_request_info, signature_algorithm, signature))
        })?;
        reader.finish()?;

        let mut reader = SliceReader::new(certification_request_info)?;
        let subject_public_key_info = reader.sequence(|fields| {
            fields.tlv_bytes()?; // version
            fields.tlv_bytes()?; // subject
            let subject_public_key_info = fields.tlv_bytes()?;
            fields.tlv_bytes()?; // attributes
            Ok::<_, der::Error>(subject_public_key_info)
        })?;
        reader.finish()?;

        Ok(Self { certification_request_info, subject_public_key_info, signature_algorithm, signature })
    }
}

/// Identifies the key and returns it with the `subjectPublicKey` bytes ring verifies with.
pub(crate) fn decode_public_key<'a>(
    subject_public_key_info: &SubjectPublicKeyInfoRef<'a>,
) -> Result<(PublicKey, &'a [u8]), CsrError> {
    let algorithm = &subject_public_key_info.algorithm;
    let key_bytes = subject_public_key_info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CsrError::Malformed("the public key BIT STRING does not hold a whole number of bytes".into()))?;
    let public_key = if algorithm.oid == RSA_ENCRYPTION {
        expect_null_or_absent(algorithm.parameters, "the RSA public key algorithm")?;
        decode_rsa_public_key(key_bytes)?
    } else if algorithm.oid == EC_PUBLIC_KEY {
        decode_ec_public_key(algorithm.parameters, key_bytes)?
    } else if algorithm.oid == ED25519 {
        expect_absent(algorithm.parameters, "the Ed25519 public key algorithm")?;
        if key_bytes.len() != ring_signature::ED25519_PUBLIC_KEY_LEN {
            return Err(CsrError::Malformed(format!(
                "the Ed25519 public key has {} bytes instead of 32",
                key_bytes.len()
            )));
        }
        if has_small_order(key_bytes) {
            return Err(CsrError::UnsupportedKey(
                "an Ed25519 public key of small order: no private key belongs to it, and anyone can make signatures \
                 that verify with it"
                    .into(),
            ));
        }
        PublicKey::Ed25519
    } else {
        return Err(CsrError::UnsupportedKey(name_of(&algorithm.oid, &UNSUPPORTED_KEY_ALGORITHMS, "key algorithm")));
    };
    Ok((public_key, key_bytes))
}

/// Whether an Ed25519 public key is a point of small order (order 1, 2, 4 or 8), in any encoding: ring (like RFC
/// 8032's verification equation) accepts such keys, and with one of them a signature such as 64 zero octets verifies
/// for a good share of messages, so a request or a proof of possession would prove nothing. libsodium's list
/// (`ge25519_has_small_order`): the canonical encodings of the eight points, the sign bit ignored, and the
/// non-canonical encodings p and p + 1 of y = 0 and y = 1. Found by the `revocation_proof` fuzz target.
fn has_small_order(key_bytes: &[u8]) -> bool {
    const SMALL_ORDER: [[u8; 32]; 7] = [
        // y = 0 (order 4).
        [0; 32],
        // y = 1, the neutral element (order 1).
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        // The two y of the points of order 8.
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
            0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
            0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
        ],
        // y = p - 1 (order 2), then p and p + 1: y = 0 and y = 1 again, not reduced.
        [
            0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ],
        [
            0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ],
        [
            0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ],
    ];
    let Some((last, rest)) = key_bytes.split_last() else {
        return false;
    };
    SMALL_ORDER.iter().any(|point| point[..31] == *rest && point[31] == last & 0x7f)
}

/// Decodes `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017) and checks that
/// ring can verify with it.
fn decode_rsa_public_key(key_bytes: &[u8]) -> Result<PublicKey, CsrError> {
    let invalid =
        |error: der::Error| CsrError::Malformed(format!("the RSA public key is not a valid RSAPublicKey ({error})"));
    let mut reader = SliceReader::new(key_bytes).map_err(invalid)?;
    let (modulus, public_exponent) = reader
        .sequence(|fields| Ok::<_, der::Error>((UintRef::decode(fields)?, UintRef::decode(fields)?)))
        .map_err(invalid)?;
    reader.finish().map_err(invalid)?;

    let modulus = strip_leading_zeros(modulus.as_bytes());
    let modulus_bits = bit_length(modulus).filter(|bits| *bits <= RSA_MAXIMUM_BITS).ok_or_else(|| {
        CsrError::UnsupportedKey(format!(
            "an RSA key of more than {RSA_MAXIMUM_BITS} bits ({} bytes) cannot be verified",
            modulus.len()
        ))
    })?;
    if modulus_bits < RSA_MINIMUM_BITS {
        return Err(CsrError::UnsupportedKey(format!(
            "an RSA key of {modulus_bits} bits is too small: at least {RSA_MINIMUM_BITS} bits are needed to verify it"
        )));
    }
    if modulus.last().is_some_and(|byte| byte & 1 == 0) {
        return Err(CsrError::Malformed("the RSA modulus is even".into()));
    }

    let public_exponent = strip_leading_zeros(public_exponent.as_bytes());
    let exponent_bytes: [u8; 8] = left_pad(public_exponent).ok_or_else(|| {
        CsrError::UnsupportedKey(format!(
            "the RSA public exponent has {} bytes; exponents above 2^33 - 1 are not supported",
            public_exponent.len()
        ))
    })?;
    let public_exponent = u64::from_be_bytes(exponent_bytes);
    if !(3..=RSA_MAXIMUM_EXPONENT).contains(&public_exponent) || public_exponent & 1 == 0 {
        return Err(CsrError::UnsupportedKey(format!(
            "the RSA public exponent {public_exponent} is not supported: it must be odd, from 3 to 2^33 - 1 \
             (usually 65537)"
        )));
    }

    Ok(PublicKey::Rsa { modulus_bits, public_exponent, modulus: modulus.to_vec() })
}

/// Identifies the curve of an `id-ecPublicKey` key and checks the point's form.
fn decode_ec_public_key(parameters: Option<AnyRef<'_>>, key_bytes: &[u8]) -> Result<PublicKey, CsrError> {
    let parameters = parameters.ok_or_else(|| CsrError::Malformed("the EC public key names no curve".into()))?;
    if parameters.tag() != Tag::ObjectIdentifier {
        return Err(CsrError::UnsupportedKey(
            "an EC key with explicit or implicit curve parameters (only named curves are supported)".into(),
        ));
    }
    let curve = ObjectIdentifier::try_from(parameters)
        .map_err(|error| CsrError::Malformed(format!("the EC public key's curve is not a valid OID ({error})")))?;
    let (public_key, curve_name, coordinate_length) = if curve == SECP256R1 {
        (PublicKey::EcP256, "P-256", 32)
    } else if curve == SECP384R1 {
        (PublicKey::EcP384, "P-384", 48)
    } else {
        return Err(CsrError::UnsupportedKey(format!("ECDSA on {}", name_of(&curve, &UNSUPPORTED_CURVES, "curve"))));
    };
    match key_bytes.first() {
        Some(0x04) if key_bytes.len() == 1 + 2 * coordinate_length => Ok(public_key),
        Some(0x02 | 0x03) if key_bytes.len() == 1 + coordinate_length => Err(CsrError::UnsupportedKey(format!(
            "a compressed {curve_name} point (only uncompressed points are supported)"
        ))),
        _ => Err(CsrError::Malformed(format!(
            "the {curve_name} public key is not an uncompressed point ({} bytes, expected {} starting with 0x04)",
            key_bytes.len(),
            1 + 2 * coordinate_length
        ))),
    }
}

/// Identifies the self-signature's algorithm and checks its parameters.
fn decode_signature_algorithm(identifier: &AlgorithmIdentifierRef<'_>) -> Result<SignatureAlgorithm, CsrError> {
    let oid = identifier.oid;
    let signature_algorithm = if oid == SHA256_WITH_RSA {
        SignatureAlgorithm::RsaPkcs1Sha256
    } else if oid == SHA384_WITH_RSA {
        SignatureAlgorithm::RsaPkcs1Sha384
    } else if oid == SHA512_WITH_RSA {
        SignatureAlgorithm::RsaPkcs1Sha512
    } else if oid == ECDSA_WITH_SHA256 {
        SignatureAlgorithm::EcdsaSha256
    } else if oid == ECDSA_WITH_SHA384 {
        SignatureAlgorithm::EcdsaSha384
    } else if oid == ED25519 {
        SignatureAlgorithm::Ed25519
    } else {
        return Err(CsrError::UnsupportedSignatureAlgorithm(name_of(
            &oid,
            &UNSUPPORTED_SIGNATURE_ALGORITHMS,
            "signature algorithm",
        )));
    };
    let context = format!("the {} signature algorithm", signature_algorithm.name());
    match signature_algorithm {
        // RFC 4055 says NULL; some encoders omit it. Either way the parameters carry nothing.
        SignatureAlgorithm::RsaPkcs1Sha256
        | SignatureAlgorithm::RsaPkcs1Sha384
        | SignatureAlgorithm::RsaPkcs1Sha512 => {
            expect_null_or_absent(identifier.parameters, &context)?;
        }
        // RFC 5758 and RFC 8410: absent.
        SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::EcdsaSha384 | SignatureAlgorithm::Ed25519 => {
            expect_absent(identifier.parameters, &context)?;
        }
    }
    Ok(signature_algorithm)
}

/// The ring algorithm that verifies `signature_algorithm` with `public_key`.
fn verification_algorithm(
    public_key: &PublicKey,
    signature_algorithm: SignatureAlgorithm,
) -> Result<&'static dyn VerificationAlgorithm, CsrError> {
    match (public_key, signature_algorithm) {
        // The *_1024_8192_* forms, so that 1024-bit keys verify here and the key-size policy rejects them
        // with a clear message.
        (PublicKey::Rsa { .. }, SignatureAlgorithm::RsaPkcs1Sha256) => {
            Ok(&ring_signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY)
        }
        (PublicKey::Rsa { .. }, SignatureAlgorithm::RsaPkcs1Sha512) => {
            Ok(&ring_signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY)
        }
        // ring 0.17 has no RSA_PKCS1_1024_8192_SHA384_FOR_LEGACY_USE_ONLY.
        (PublicKey::Rsa { modulus_bits, .. }, SignatureAlgorithm::RsaPkcs1Sha384) => {
            if *modulus_bits < RSA_SHA384_MINIMUM_BITS {
                return Err(CsrError::UnsupportedKey(format!(
                    "an RSA key of {modulus_bits} bits is too small: with SHA-384 signatures at least \
                     {RSA_SHA384_MINIMUM_BITS} bits are needed to verify it"
                )));
            }
            Ok(&ring_signature::RSA_PKCS1_2048_8192_SHA384)
        }
        (PublicKey::EcP256, SignatureAlgorithm::EcdsaSha256) => Ok(&ring_signature::ECDSA_P256_SHA256_ASN1),
        (PublicKey::EcP256, SignatureAlgorithm::EcdsaSha384) => Ok(&ring_signature::ECDSA_P256_SHA384_ASN1),
        (PublicKey::EcP384, SignatureAlgorithm::EcdsaSha256) => Ok(&ring_signature::ECDSA_P384_SHA256_ASN1),
        (PublicKey::EcP384, SignatureAlgorithm::EcdsaSha384) => Ok(&ring_signature::ECDSA_P384_SHA384_ASN1),
        (PublicKey::Ed25519, SignatureAlgorithm::Ed25519) => Ok(&ring_signature::ED25519),
        (public_key, signature_algorithm) => Err(CsrError::UnsupportedSignatureAlgorithm(format!(
            "{} cannot be used with {}",
            signature_algorithm.name(),
            public_key.name()
        ))),
    }
}

impl PublicKey {
    /// The key's kind, for messages ("an RSA key").
    fn name(&self) -> &'static str {
        match self {
            Self::Rsa { .. } => "an RSA key",
            Self::EcP256 => "a P-256 key",
            Self::EcP384 => "a P-384 key",
            Self::Ed25519 => "an Ed25519 key",
        }
    }
}

impl SignatureAlgorithm {
    /// The algorithm's name, for messages.
    fn name(self) -> &'static str {
        match self {
            Self::RsaPkcs1Sha256 => "RSA PKCS#1 v1.5 with SHA-256",
            Self::RsaPkcs1Sha384 => "RSA PKCS#1 v1.5 with SHA-384",
            Self::RsaPkcs1Sha512 => "RSA PKCS#1 v1.5 with SHA-512",
            Self::EcdsaSha256 => "ECDSA with SHA-256",
            Self::EcdsaSha384 => "ECDSA with SHA-384",
            Self::Ed25519 => "Ed25519",
        }
    }
}

/// Algorithm parameters that must be NULL or absent.
fn expect_null_or_absent(parameters: Option<AnyRef<'_>>, context: &str) -> Result<(), CsrError> {
    match parameters {
        Some(parameters) if !parameters.is_null() => {
            Err(CsrError::Malformed(format!("{context} has parameters where NULL or none are expected")))
        }
        _ => Ok(()),
    }
}

/// Algorithm parameters that must be absent.
fn expect_absent(parameters: Option<AnyRef<'_>>, context: &str) -> Result<(), CsrError> {
    match parameters {
        Some(_) => Err(CsrError::Malformed(format!("{context} has parameters where none are expected"))),
        None => Ok(()),
    }
}

/// A known name for `oid` from `known`, or "<kind> <dotted OID>".
fn name_of(oid: &ObjectIdentifier, known: &[(ObjectIdentifier, &str)], kind: &str) -> String {
    match known.iter().find(|(known_oid, _)| known_oid == oid) {
        Some((_, name)) => format!("{name} ({oid})"),
        None => format!("{kind} {oid}"),
    }
}

/// `bytes` without its leading zero bytes (empty for zero).
fn strip_leading_zeros(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// The bit length of a big-endian number without leading zero bytes (0 for zero), or `None` if it does not fit
/// a `u32`.
fn bit_length(number: &[u8]) -> Option<u32> {
    let Some(first) = number.first() else {
        return Some(0);
    };
    let whole_bytes = u32::try_from(number.len() - 1).ok()?;
    whole_bytes.checked_mul(8)?.checked_add(u8::BITS - first.leading_zeros())
}

/// `bytes` right-aligned in an `N`-byte array, or `None` if longer than `N`.
fn left_pad<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    let mut padded = [0; N];
    let start = N.checked_sub(bytes.len())?;
    padded[start..].copy_from_slice(bytes);
    Some(padded)
}

/// Finds the single request PEM block in `text` and decodes its base64 content.
pub(crate) fn decode_request_pem(text: &str) -> Result<Vec<u8>, CsrError> {
    let mut requests: Vec<(&str, &str)> = Vec::new();
    let mut other_label: Option<&str> = None;
    let mut rest = text;
    let mut boundaries = 0;
    while let Some((_, after_begin)) = rest.split_once(BEGIN_PREFIX) {
        boundaries += 1;
        if boundaries > MAXIMUM_BEGIN_BOUNDARIES {
            return Err(CsrError::NotPem(format!(
                "the text holds more than {MAXIMUM_BEGIN_BOUNDARIES} PEM BEGIN lines"
            )));
        }
        let Some((label, after_boundary)) = after_begin.split_once("-----") else {
            break;
        };
        if !is_plausible_label(label) {
            rest = after_begin;
            continue;
        }
        let is_request = REQUEST_LABELS.contains(&label);
        let end_boundary = format!("-----END {label}-----");
        match after_boundary.split_once(end_boundary.as_str()) {
            Some((body, after_end)) => {
                if is_request {
                    requests.push((label, body));
                } else {
                    other_label.get_or_insert(label);
                }
                rest = after_end;
            }
            None if is_request => {
                return Err(CsrError::NotPem(format!(
                    "the -----BEGIN {label}----- line has no matching {end_boundary} line"
                )));
            }
            None => {
                other_label.get_or_insert(label);
                rest = after_boundary;
            }
        }
    }

    match requests.as_slice() {
        [(label, body)] => decode_base64_body(label, body),
        [] => Err(CsrError::NotPem(match other_label {
            Some(label) => describe_other_label(label),
            None if text.trim().is_empty() => "the text is empty".into(),
            None => "the text holds no PEM block".into(),
        })),
        several => Err(CsrError::NotPem(format!(
            "the text holds {} certificate signing requests; give exactly one",
            several.len()
        ))),
    }
}

/// Whether `label` can be a PEM label (RFC 7468 allows more, but real labels are short and upper-case).
fn is_plausible_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAXIMUM_LABEL_LENGTH
        && label.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || b" -_".contains(&byte))
}

/// What to tell someone who gave a PEM block of another kind.
/// Whether the text holds a PEM private key block: a BEGIN line whose label ends in `PRIVATE KEY` (the PKCS#8,
/// RSA, EC, encrypted and OpenSSH labels among them), complete or not: only its BEGIN line is looked at.
fn holds_private_key(text: &str) -> bool {
    text.split(BEGIN_PREFIX)
        .skip(1)
        .filter_map(|after_begin| after_begin.split_once("-----").map(|(label, _)| label))
        .any(|label| is_plausible_label(label) && label.ends_with("PRIVATE KEY"))
}

fn describe_other_label(label: &str) -> String {
    if matches!(label, "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE") {
        format!("this is a certificate (-----BEGIN {label}-----), not a certificate signing request")
    } else if label.contains("PRIVATE KEY") {
        format!(
            "this is a private key (-----BEGIN {label}-----), not a certificate signing request; \
             a private key must never be sent to anyone"
        )
    } else if label.ends_with("PUBLIC KEY") {
        format!(
            "this is a bare public key (-----BEGIN {label}-----), not a certificate signing request \
             (a request is signed with the private key)"
        )
    } else {
        format!("the text holds a -----BEGIN {label}----- block, not a certificate signing request")
    }
}

/// Decodes a block's base64 content, ignoring all whitespace in it.
fn decode_base64_body(label: &str, body: &str) -> Result<Vec<u8>, CsrError> {
    let compact: String = body.chars().filter(|character| !character.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(CsrError::NotPem(format!("the {label} block is empty")));
    }
    // Rebuild a strict RFC 7468 document (64-character lines) for the pem-rfc7468 / base64ct decoder behind
    // `der::pem`, which rejects bad characters, bad padding and non-canonical trailing bits.
    let mut canonical = String::with_capacity(compact.len() + compact.len() / 64 + 80);
    canonical.push_str("-----BEGIN CERTIFICATE REQUEST-----\n");
    for (index, character) in compact.chars().enumerate() {
        if index > 0 && index % 64 == 0 {
            canonical.push('\n');
        }
        canonical.push(character);
    }
    canonical.push_str("\n-----END CERTIFICATE REQUEST-----\n");
    let (_, der) = der::pem::decode_vec(canonical.as_bytes())
        .map_err(|_| CsrError::NotPem(format!("the content of the {label} block is not valid base64")))?;
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let errors = [
            (CsrError::NotPem(String::new()), "csr_not_pem"),
            (CsrError::Malformed(String::new()), "csr_malformed"),
            (CsrError::UnsupportedKey(String::new()), "csr_key_unsupported"),
            (CsrError::UnsupportedSignatureAlgorithm(String::new()), "csr_signature_algorithm_unsupported"),
            (CsrError::BadSignature, "csr_signature_invalid"),
        ];
        for (error, code) in errors {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    /// SubjectPublicKeyInfo of an Ed25519 key.
    fn ed25519_spki(key: &[u8; 32]) -> Vec<u8> {
        let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
        spki.extend_from_slice(key);
        spki
    }

    /// Whether an Ed25519 key is refused as one of small order.
    fn check_ed25519(key: [u8; 32], refused: bool) {
        let spki = ed25519_spki(&key);
        let info = SubjectPublicKeyInfoRef::from_der(&spki).unwrap();
        match decode_public_key(&info) {
            Err(CsrError::UnsupportedKey(detail)) if refused => assert!(detail.contains("small order"), "{detail}"),
            Ok((PublicKey::Ed25519, _)) if !refused => {}
            other => panic!("{key:02x?}: {other:?}, expected refused: {refused}"),
        }
    }

    /// Every point of small order is refused, whatever its sign bit and however y is written; keys next to them
    /// and a real key are not. (Python over the curve's equations confirmed that these seven encodings, sign bit
    /// aside, are all eight points of order 1, 2, 4 and 8.)
    #[test]
    fn ed25519_keys_of_small_order_are_refused() {
        let mut order_8 = [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
            0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ];
        let mut p_minus_1 = [0xff; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        let mut p = p_minus_1;
        p[0] = 0xed;
        let mut p_plus_1 = p_minus_1;
        p_plus_1[0] = 0xee;
        let mut one = [0; 32];
        one[0] = 1;
        for key in [[0; 32], one, order_8, p_minus_1, p, p_plus_1] {
            check_ed25519(key, true);
            let mut negative = key;
            negative[31] |= 0x80;
            check_ed25519(negative, true);
        }
        let real: [u8; 32] = include_bytes!("../tests/fixtures/csr/ed25519.spki.der")[12..].try_into().unwrap();
        check_ed25519(real, false);
        let mut two = [0; 32];
        two[0] = 2;
        check_ed25519(two, false);
        order_8[0] ^= 1;
        check_ed25519(order_8, false);
    }

    /// DER element: tag, minimal length (contents under 64 KiB), content.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let length = u16::try_from(content.len()).unwrap().to_be_bytes();
        match length {
            [0, short] if short < 0x80 => out.push(short),
            [0, long] => out.extend([0x81, long]),
            [high, low] => out.extend([0x82, high, low]),
        }
        out.extend_from_slice(content);
        out
    }

    /// The forgery the fuzzer's finding allows, as a request: the all-zero Ed25519 key (order 4) and the
    /// all-zero signature, over a subject chosen so that ring verifies it. The request is refused for its key.
    #[test]
    fn a_request_signed_for_a_small_order_key_is_refused() {
        let key = ed25519_spki(&[0; 32]);
        let signature_algorithm = tlv(0x30, &tlv(0x06, &[0x2b, 0x65, 0x70]));
        let signature = tlv(0x03, &[0; 65]);
        let forged = (0..64)
            .map(|attempt| {
                let common_name = format!("forged {attempt}");
                let attribute =
                    tlv(0x30, &[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, common_name.as_bytes())].concat());
                let subject = tlv(0x30, &tlv(0x31, &attribute));
                tlv(0x30, &[tlv(0x02, &[0]), subject, key.clone(), vec![0xa0, 0x00]].concat())
            })
            .find(|info| UnparsedPublicKey::new(&ring_signature::ED25519, [0; 32]).verify(info, &[0; 64]).is_ok())
            .expect("about one subject in four verifies");
        let request = tlv(0x30, &[forged, signature_algorithm, signature].concat());
        match ParsedCsr::from_der(&request) {
            Err(CsrError::UnsupportedKey(detail)) => assert!(detail.contains("small order"), "{detail}"),
            other => panic!("a forged request: {other:?}"),
        }
    }

    #[test]
    fn bit_length_counts_from_the_highest_set_bit() {
        for (number, bits) in [
            (&[][..], 0),
            (&[0x01][..], 1),
            (&[0x80][..], 8),
            (&[0x01, 0x00][..], 9),
            (&[0x7f, 0xff, 0xff][..], 23),
            (&[0xff; 1024][..], 8192),
        ] {
            assert_eq!(bit_length(number), Some(bits), "{number:02x?}");
        }
    }

    #[test]
    fn strip_leading_zeros_keeps_the_significant_bytes() {
        assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(strip_leading_zeros(&[0, 0]), &[] as &[u8]);
        assert_eq!(left_pad::<4>(&[1, 2]), Some([0, 0, 1, 2]));
        assert_eq!(left_pad::<1>(&[1, 2]), None);
    }
}
