//! A holder's proof of possession in the page, for `/revoke` and `/test-enrollment`: the `.p12` the holder chose is
//! opened with its password in the packaging worker ([`crate::offload::open`]), the certificate's serial and key
//! type are read, and the Worker's challenge message is signed with the key in WebCrypto. Only the signature
//! leaves the page; the file, its password and the key stay in it.

use der::Decode;
use shared::api::ApiError;
use shared::encoding::hex;
use shared::profile::KeyType;
use wasm_bindgen_futures::JsFuture;

use crate::api::{js_error, local_error};
use crate::i18n::{self, Lang, field_error};
use crate::keys;

/// A certificate and its private key, opened from the holder's file.
pub struct Held {
    /// The certificate's serial number, lowercase hex (the API's path parameter).
    pub serial: String,
    key_type: KeyType,
    private_key_pkcs8_der: Vec<u8>,
}

impl Held {
    /// Opens `file` with `password`: its first certificate and its key. A wrong password or an unreadable file is
    /// refused at `password` (`bundle_unreadable`), in `lang`.
    pub async fn open(file: web_sys::File, password: &str, lang: Lang) -> Result<Self, ApiError> {
        let buffer = JsFuture::from(file.array_buffer()).await.map_err(js_error)?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let opened = crate::offload::open(&bytes, password).await?.map_err(|error| {
            field_error("bundle_unreadable", "password", i18n::revoke_unopened(lang, &error.to_string()))
        })?;
        let certificate_der =
            opened.certificates_der.first().ok_or_else(|| local_error("the file holds no certificate"))?.clone();
        let certificate = x509_cert::Certificate::from_der(&certificate_der)
            .map_err(|error| local_error(&format!("the certificate cannot be read: {error}")))?;
        Ok(Self {
            serial: hex(certificate.tbs_certificate().serial_number().as_bytes()),
            key_type: keys::key_type_of_certificate(&certificate_der)?,
            private_key_pkcs8_der: opened.private_key_pkcs8_der,
        })
    }

    /// Signs `message` (a challenge's message) with the certificate's key.
    pub async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ApiError> {
        keys::sign_with_private_key(&self.private_key_pkcs8_der, self.key_type, message).await
    }
}
