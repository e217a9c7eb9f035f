//! What the console sends instead of a password. A chosen password never leaves the page: WebCrypto derives the
//! 32-byte *password key* from it (PBKDF2-HMAC-SHA256, [`PASSWORD_KDF_ITERATIONS`] iterations, salt
//! [`password_salt`] of the address), and only that key, base64url, is sent. An emailed temporary password
//! (`KWT-XXXX-…`, 160 random bits) is sent as typed: it needs no slow KDF. See `shared::account`.

use js_sys::{Array, Uint8Array};
use shared::account::{PASSWORD_KDF_ITERATIONS, PASSWORD_KEY_BYTES, PasswordKey, TemporaryPassword, password_salt};
use shared::api::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use crate::api::{js_error, local_error};
use crate::keys::{object, promise_bytes, subtle};

/// A password as the person typed it: an emailed temporary one, or one they chose.
pub enum TypedPassword {
    /// Has the temporary form; sent as typed (the Worker recognizes it the same way).
    Temporary(String),
    /// Anything else; only its derived key is sent.
    Chosen(String),
}

impl TypedPassword {
    /// Tells the two apart by form ([`TemporaryPassword::recognize`]: case, spaces and hyphens do not matter).
    pub fn recognize(text: &str) -> Self {
        if TemporaryPassword::recognize(text).is_some() {
            Self::Temporary(text.to_owned())
        } else {
            Self::Chosen(text.to_owned())
        }
    }
}

/// The address as the Worker looks accounts up, and as the password key is salted with: trimmed and lower-cased
/// (the Worker's `normalized_email`), so `Ada@Example.com` and `ada@example.com` derive the same key.
pub fn account_address(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The password key for `password` at `email`, base64url, derived by WebCrypto (off the page's main thread).
pub async fn password_key(email: &str, password: &str) -> Result<String, ApiError> {
    let subtle = subtle()?;
    let password_bytes = Uint8Array::from(password.as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let base_key: CryptoKey =
        JsFuture::from(subtle.import_key_with_str("raw", &password_bytes, "PBKDF2", false, &usages).map_err(js_error)?)
            .await
            .map_err(js_error)?
            .dyn_into()
            .map_err(js_error)?;
    let salt = Uint8Array::from(password_salt(&account_address(email)).as_slice());
    let parameters = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", salt.into()),
        ("iterations", PASSWORD_KDF_ITERATIONS.into()),
    ])?;
    let bits = u32::try_from(PASSWORD_KEY_BYTES * 8).map_err(|_| local_error("key length"))?;
    let derived = promise_bytes(subtle.derive_bits_with_object(&parameters, &base_key, bits)).await?;
    let bytes = <[u8; PASSWORD_KEY_BYTES]>::try_from(derived.as_slice())
        .map_err(|_| local_error("WebCrypto derived a key of the wrong length"))?;
    Ok(PasswordKey::from_bytes(bytes).encode())
}
