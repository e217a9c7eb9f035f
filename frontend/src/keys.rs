//! The key module: key pairs from WebCrypto (native speed: RSA-2048 in about 80 ms instead of about 800 ms in
//! pure-Rust WebAssembly), the PKCS#10 request assembled and encoded in Rust, and the PKCS#12 bundle built and
//! re-read in Rust (`shared::pkcs12`). Keys are generated extractable only so that the bundle can hold them;
//! the PKCS#8 bytes live in this page's memory and in the file the user downloads, nowhere else.

use der::asn1::{BitString, Null};
use der::{Any, Decode, Encode};
use js_sys::{Array, Object, Reflect, Uint8Array};
use shared::api::ApiError;
use shared::encoding::pem_encode;
use shared::pkcs12::{self, BundleContents, BundleSalts, Profile};
use shared::profile::KeyType;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, Version};

use crate::api::{js_error, local_error};

const SHA256_WITH_RSA: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ECDSA_WITH_SHA256: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ED25519: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-at-commonName (X.520).
const COMMON_NAME: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");

/// A key pair made in this browser: the WebCrypto handle for signing, and the PKCS#8 export for the bundle.
pub struct GeneratedKey {
    key_type: KeyType,
    private_key: CryptoKey,
    /// The private key, PKCS#8 DER. Never serialized, never sent.
    pub private_key_pkcs8: Vec<u8>,
    /// The public key, SubjectPublicKeyInfo DER.
    pub public_key_spki: Vec<u8>,
}

/// The page's (or worker's) WebCrypto.
pub(crate) fn subtle() -> Result<SubtleCrypto, ApiError> {
    let crypto = leptos::prelude::window().crypto().map_err(js_error)?;
    Ok(crypto.subtle())
}

/// A JavaScript object with these properties, as WebCrypto parameters and messages are passed.
pub(crate) fn object(entries: &[(&str, JsValue)]) -> Result<Object, ApiError> {
    let object = Object::new();
    for (name, value) in entries {
        Reflect::set(&object, &JsValue::from_str(name), value).map_err(js_error)?;
    }
    Ok(object)
}

fn generation_parameters(key_type: KeyType) -> Result<Object, ApiError> {
    let rsa = |bits: u32| {
        object(&[
            ("name", "RSASSA-PKCS1-v1_5".into()),
            ("modulusLength", bits.into()),
            ("publicExponent", Uint8Array::from(&[1u8, 0, 1][..]).into()),
            ("hash", "SHA-256".into()),
        ])
    };
    match key_type {
        KeyType::Rsa2048 => rsa(2048),
        KeyType::Rsa3072 => rsa(3072),
        KeyType::Rsa4096 => rsa(4096),
        KeyType::EcdsaP256 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]),
        KeyType::EcdsaP384 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-384".into())]),
        KeyType::Ed25519 => object(&[("name", "Ed25519".into())]),
    }
}

fn signature_parameters(key_type: KeyType) -> Result<Object, ApiError> {
    match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => object(&[("name", "RSASSA-PKCS1-v1_5".into())]),
        KeyType::EcdsaP256 => object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]),
        KeyType::EcdsaP384 => object(&[("name", "ECDSA".into()), ("hash", "SHA-384".into())]),
        KeyType::Ed25519 => object(&[("name", "Ed25519".into())]),
    }
}

/// The bytes a WebCrypto promise resolves to (an `ArrayBuffer`).
pub(crate) async fn promise_bytes(promise: Result<js_sys::Promise, JsValue>) -> Result<Vec<u8>, ApiError> {
    let value = JsFuture::from(promise.map_err(js_error)?).await.map_err(js_error)?;
    Ok(Uint8Array::new(&value).to_vec())
}

/// Generates a key pair of the given type with WebCrypto, off the page's main thread (WebCrypto runs key
/// generation on its own threads), and exports it.
pub async fn generate(key_type: KeyType) -> Result<GeneratedKey, ApiError> {
    let subtle = subtle()?;
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let promise = subtle.generate_key_with_object(&generation_parameters(key_type)?, true, &usages);
    let pair = JsFuture::from(promise.map_err(js_error)?).await.map_err(js_error)?;
    let private_key: CryptoKey = Reflect::get(&pair, &"privateKey".into()).map_err(js_error)?.unchecked_into();
    let public_key: CryptoKey = Reflect::get(&pair, &"publicKey".into()).map_err(js_error)?.unchecked_into();
    let private_key_pkcs8 = promise_bytes(subtle.export_key("pkcs8", &private_key)).await?;
    let public_key_spki = promise_bytes(subtle.export_key("spki", &public_key)).await?;
    Ok(GeneratedKey { key_type, private_key, private_key_pkcs8, public_key_spki })
}

/// Builds and signs the PKCS#10 request, PEM. Its subject is informative only: the CA takes the subject and
/// every extension from the order, and uses just the public key.
pub async fn certificate_request(key: &GeneratedKey, common_name: &str) -> Result<String, ApiError> {
    let subject = common_name_only(common_name).map_err(|error| local_error(&format!("subject: {error}")))?;
    let public_key = SubjectPublicKeyInfoOwned::from_der(&key.public_key_spki)
        .map_err(|error| local_error(&format!("public key: {error}")))?;
    let info = CertReqInfo { version: Version::V1, subject, public_key, attributes: Default::default() };
    let to_be_signed = info.to_der().map_err(|error| local_error(&format!("request: {error}")))?;
    let signature = sign(key, &to_be_signed).await?;
    let request = CertReq {
        info,
        algorithm: signature_algorithm(key.key_type)?,
        signature: BitString::from_bytes(&signature).map_err(|error| local_error(&error.to_string()))?,
    };
    let der = request.to_der().map_err(|error| local_error(&format!("request: {error}")))?;
    Ok(pem_encode("CERTIFICATE REQUEST", &der))
}

/// The name `CN=<common_name>`, the value a UTF8String as written: what `Name::from_str` makes of the RFC 4514
/// escaped string, built directly. `from_str` looks the attribute's short name up in `const-oid`'s database of
/// every named OID, which would put that whole table (about 15 KB gzip) into the enrollment bundle.
fn common_name_only(common_name: &str) -> der::Result<Name> {
    let value = Any::new(der::Tag::Utf8String, common_name.as_bytes())?;
    let attribute = AttributeTypeAndValue { oid: COMMON_NAME, value };
    let names = RdnSequence::from(vec![RelativeDistinguishedName::try_from(vec![attribute])?]);
    Name::from_der(&names.to_der()?)
}

/// The X.509 signature algorithm [`sign`] uses for a key type (as a request or a certificate names it).
fn signature_algorithm(key_type: KeyType) -> Result<AlgorithmIdentifierOwned, ApiError> {
    Ok(match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => AlgorithmIdentifierOwned {
            oid: SHA256_WITH_RSA,
            parameters: Some(Any::encode_from(&Null).map_err(|error| local_error(&error.to_string()))?),
        },
        KeyType::EcdsaP256 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
        KeyType::EcdsaP384 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA384, parameters: None },
        // RFC 8410 section 3: the parameters are absent.
        KeyType::Ed25519 => AlgorithmIdentifierOwned { oid: ED25519, parameters: None },
    })
}

/// Signs `message` with the key's private key in WebCrypto, and returns the signature as X.509 carries it in a
/// BIT STRING: RSA's as it is, ECDSA's converted to DER.
async fn sign(key: &GeneratedKey, message: &[u8]) -> Result<Vec<u8>, ApiError> {
    let promise =
        subtle()?.sign_with_object_and_u8_array(&signature_parameters(key.key_type)?, &key.private_key, message);
    let signature = promise_bytes(promise).await?;
    match key.key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 | KeyType::Ed25519 => Ok(signature),
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => ecdsa_signature_der(&signature),
    }
}

/// WebCrypto's ECDSA signatures are `r || s` (IEEE P1363); X.509 wants `SEQUENCE { INTEGER r, INTEGER s }`.
fn ecdsa_signature_der(raw: &[u8]) -> Result<Vec<u8>, ApiError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(local_error("unexpected ECDSA signature length"));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let integer = |bytes| der::asn1::UintRef::new(bytes).map_err(|error| local_error(&error.to_string()));
    EcdsaSignature { r: integer(r)?, s: integer(s)? }.to_der().map_err(|error| local_error(&error.to_string()))
}

/// `Ecdsa-Sig-Value` (RFC 3279 2.2.3).
#[derive(der::Sequence)]
struct EcdsaSignature<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// Random bytes from the browser's CSPRNG.
fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|error| local_error(&error.to_string()))?;
    Ok(bytes)
}

/// Builds the PKCS#12 bundle of a private key (PKCS#8 DER) and its certificate in the chosen profile (modern:
/// AES-256-CBC, PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC; compatible: PBE-SHA1-3DES, HMAC-SHA1 MAC), then re-reads it
/// with the same password and checks that the key, the certificate, the chain and the friendly name came back
/// intact.
pub fn bundle(
    private_key_pkcs8: &[u8],
    certificate_der: &[u8],
    chain_der: &[Vec<u8>],
    friendly_name: &str,
    password: &str,
    profile: Profile,
) -> Result<Vec<u8>, ApiError> {
    let salts = BundleSalts {
        key_salt: random()?,
        key_iv: random()?,
        certificates_salt: random()?,
        certificates_iv: random()?,
        mac_salt: random()?,
    };
    let contents =
        BundleContents { private_key_pkcs8_der: private_key_pkcs8, certificate_der, chain_der, friendly_name };
    let bundle = pkcs12::build(&contents, password, profile, profile.recommended_iterations(), &salts)
        .map_err(|error| local_error(&format!("building the bundle: {error}")))?;
    let reopened = pkcs12::open(&bundle, password)
        .map_err(|error| local_error(&format!("the bundle did not re-open: {error}")))?;
    let intact = reopened.private_key_pkcs8_der == private_key_pkcs8
        && reopened.certificates_der.first().map(Vec::as_slice) == Some(certificate_der)
        && reopened.certificates_der.get(1..) == Some(chain_der)
        && reopened.friendly_name.as_deref().unwrap_or_default() == friendly_name;
    if !intact {
        return Err(local_error("the bundle re-opened with different contents; it was not offered"));
    }
    Ok(bundle)
}

/// The private key (PKCS#8 DER) as `ENCRYPTED PRIVATE KEY` PEM under `password`: PBES2 with
/// PBKDF2-HMAC-SHA256 ([`pkcs12::DEFAULT_ITERATIONS`]) and AES-256-CBC, what OpenSSL 3 writes and reads. It is
/// decrypted again and compared before it is returned.
pub fn encrypted_private_key_pem(private_key_pkcs8: &[u8], password: &str) -> Result<String, ApiError> {
    let encrypted =
        pkcs12::encrypt_private_key(private_key_pkcs8, password, pkcs12::DEFAULT_ITERATIONS, &random()?, random()?)
            .map_err(|error| local_error(&format!("encrypting the key: {error}")))?;
    let decrypted = pkcs12::decrypt_private_key(&encrypted, password)
        .map_err(|error| local_error(&format!("the encrypted key did not decrypt: {error}")))?;
    if decrypted != private_key_pkcs8 {
        return Err(local_error("the encrypted key decrypted to another key; it was not offered"));
    }
    Ok(pem_encode("ENCRYPTED PRIVATE KEY", &encrypted))
}

/// The key type of a certificate's public key, as far as signing needs it (every RSA size signs the same way).
pub fn key_type_of_certificate(certificate_der: &[u8]) -> Result<KeyType, ApiError> {
    const RSA_ENCRYPTION: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    const P256: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let certificate = x509_cert::Certificate::from_der(certificate_der)
        .map_err(|error| local_error(&format!("the certificate cannot be read: {error}")))?;
    let algorithm = &certificate.tbs_certificate().subject_public_key_info().algorithm;
    let curve =
        algorithm.parameters.as_ref().and_then(|parameters| parameters.decode_as::<der::oid::ObjectIdentifier>().ok());
    match (algorithm.oid, curve) {
        (RSA_ENCRYPTION, _) => Ok(KeyType::Rsa2048),
        (_, Some(P256)) => Ok(KeyType::EcdsaP256),
        (_, Some(P384)) => Ok(KeyType::EcdsaP384),
        (ED25519, _) => Ok(KeyType::Ed25519),
        _ => Err(local_error("this certificate's key type is not one Keyward issues")),
    }
}

/// Signs `message` with a PKCS#8 private key imported into WebCrypto (not extractable, used once), for the
/// holder's proof of possession: RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA with SHA-256 (P-256) or SHA-384
/// (P-384) as WebCrypto returns it (`r || s`).
pub async fn sign_with_private_key(
    private_key_pkcs8: &[u8],
    key_type: KeyType,
    message: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let import = match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
            object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())])?
        }
        KeyType::EcdsaP256 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])?,
        KeyType::EcdsaP384 => object(&[("name", "ECDSA".into()), ("namedCurve", "P-384".into())])?,
        KeyType::Ed25519 => object(&[("name", "Ed25519".into())])?,
    };
    let subtle = subtle()?;
    let usages = Array::of1(&"sign".into());
    let key_data = Uint8Array::from(private_key_pkcs8);
    let promise = subtle.import_key_with_object("pkcs8", &key_data, &import, false, &usages).map_err(js_error)?;
    let private_key: CryptoKey = JsFuture::from(promise).await.map_err(js_error)?.unchecked_into();
    promise_bytes(subtle.sign_with_object_and_u8_array(&signature_parameters(key_type)?, &private_key, message)).await
}

#[cfg(test)]
mod tests;
