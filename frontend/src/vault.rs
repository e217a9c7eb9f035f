//! Nothing lost between issuance and download: the issued certificate and the private key, kept in this
//! browser's IndexedDB until the recipient confirms the `.p12` was saved, then erased.
//!
//! The private key is stored encrypted with AES-256-GCM under a WebCrypto key that is generated
//! non-extractable and stored as a `CryptoKey` object: scripts of this origin can ask the browser to use it, but
//! nobody can read its bytes, and a copy of the database files alone does not reveal the private key. Records
//! are named by the SHA-256 of the link token, never by the token.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use shared::api::ApiError;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

use crate::api::{js_error, local_error};
use crate::keys::{object, subtle};

const DATABASE: &str = "keyward";
const PENDING: &str = "pending";
const WRAPPING: &str = "wrapping";
const WRAPPING_KEY_NAME: &str = "aes-gcm";

/// What the page needs to build the bundle again after the tab was closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingBundle {
    /// Serial number of the issued certificate, hex.
    pub serial: String,
    /// The private key, PKCS#8 DER (decrypted in memory only).
    pub private_key_pkcs8: Vec<u8>,
    /// The issued certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The CA certificates, DER, issuing CA first.
    pub chain_der: Vec<Vec<u8>>,
    /// The bundle's friendly name.
    pub friendly_name: String,
}

/// Resolves when an IndexedDB request succeeds, with its result.
async fn completion(request: &IdbRequest) -> Result<JsValue, ApiError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let finished = request.clone();
        let on_success = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &finished.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move |_: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("the browser's storage refused the request"));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(js_error)
}

async fn database() -> Result<IdbDatabase, ApiError> {
    let factory = leptos::prelude::window()
        .indexed_db()
        .map_err(js_error)?
        .ok_or_else(|| local_error("this browser keeps no local storage for the page"))?;
    let request = factory.open_with_u32(DATABASE, 1).map_err(js_error)?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move |_: JsValue| {
        if let Ok(result) = upgrading.result() {
            let database: IdbDatabase = result.unchecked_into();
            let _ = database.create_object_store(PENDING);
            let _ = database.create_object_store(WRAPPING);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(completion(&request).await?.unchecked_into())
}

fn store(database: &IdbDatabase, name: &str, mode: IdbTransactionMode) -> Result<IdbObjectStore, ApiError> {
    database
        .transaction_with_str_and_mode(name, mode)
        .and_then(|transaction| transaction.object_store(name))
        .map_err(js_error)
}

/// The non-extractable AES-GCM key, made on first use and kept as a `CryptoKey` object.
async fn wrapping_key(database: &IdbDatabase) -> Result<CryptoKey, ApiError> {
    let existing = completion(
        &store(database, WRAPPING, IdbTransactionMode::Readonly)?.get(&WRAPPING_KEY_NAME.into()).map_err(js_error)?,
    )
    .await?;
    if !existing.is_undefined() {
        return Ok(existing.unchecked_into());
    }
    let parameters = object(&[("name", "AES-GCM".into()), ("length", 256.into())])?;
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let promise = subtle()?.generate_key_with_object(&parameters, false, &usages).map_err(js_error)?;
    let key: CryptoKey = JsFuture::from(promise).await.map_err(js_error)?.unchecked_into();
    let request = store(database, WRAPPING, IdbTransactionMode::Readwrite)?
        .put_with_key(&key, &WRAPPING_KEY_NAME.into())
        .map_err(js_error)?;
    completion(&request).await?;
    Ok(key)
}

fn field(record: &JsValue, name: &str) -> Result<JsValue, ApiError> {
    Reflect::get(record, &JsValue::from_str(name)).map_err(js_error)
}

fn bytes(record: &JsValue, name: &str) -> Result<Vec<u8>, ApiError> {
    Ok(Uint8Array::new(&field(record, name)?).to_vec())
}

/// Keeps the pending bundle under `record_id` (the SHA-256 of the link token).
pub async fn keep(record_id: &str, pending: &PendingBundle) -> Result<(), ApiError> {
    let database = database().await?;
    let key = wrapping_key(&database).await?;
    let mut iv = [0u8; 12];
    getrandom::getrandom(&mut iv).map_err(|error| local_error(&error.to_string()))?;
    let parameters = object(&[("name", "AES-GCM".into()), ("iv", Uint8Array::from(&iv[..]).into())])?;
    let promise =
        subtle()?.encrypt_with_object_and_u8_array(&parameters, &key, &pending.private_key_pkcs8).map_err(js_error)?;
    let sealed = Uint8Array::new(&JsFuture::from(promise).await.map_err(js_error)?);
    let chain = Array::new();
    for certificate in &pending.chain_der {
        chain.push(&Uint8Array::from(certificate.as_slice()));
    }
    let record = object(&[
        ("serial", pending.serial.as_str().into()),
        ("iv", Uint8Array::from(&iv[..]).into()),
        ("sealedKey", sealed.into()),
        ("certificate", Uint8Array::from(pending.certificate_der.as_slice()).into()),
        ("chain", chain.into()),
        ("friendlyName", pending.friendly_name.as_str().into()),
    ])?;
    let request = store(&database, PENDING, IdbTransactionMode::Readwrite)?
        .put_with_key(&record, &record_id.into())
        .map_err(js_error)?;
    completion(&request).await.map(drop)
}

/// The pending bundle kept under `record_id`, decrypted, if this browser has one.
pub async fn recall(record_id: &str) -> Result<Option<PendingBundle>, ApiError> {
    let database = database().await?;
    let record =
        completion(&store(&database, PENDING, IdbTransactionMode::Readonly)?.get(&record_id.into()).map_err(js_error)?)
            .await?;
    if record.is_undefined() {
        return Ok(None);
    }
    let key = wrapping_key(&database).await?;
    let parameters = object(&[("name", "AES-GCM".into()), ("iv", field(&record, "iv")?)])?;
    let sealed = bytes(&record, "sealedKey")?;
    let promise = subtle()?.decrypt_with_object_and_u8_array(&parameters, &key, &sealed).map_err(js_error)?;
    let private_key_pkcs8 = Uint8Array::new(&JsFuture::from(promise).await.map_err(js_error)?).to_vec();
    let chain = Array::from(&field(&record, "chain")?)
        .iter()
        .map(|certificate| Uint8Array::new(&certificate).to_vec())
        .collect();
    Ok(Some(PendingBundle {
        serial: field(&record, "serial")?.as_string().unwrap_or_default(),
        private_key_pkcs8,
        certificate_der: bytes(&record, "certificate")?,
        chain_der: chain,
        friendly_name: field(&record, "friendlyName")?.as_string().unwrap_or_default(),
    }))
}

/// Erases the pending bundle kept under `record_id`.
pub async fn forget(record_id: &str) -> Result<(), ApiError> {
    let database = database().await?;
    let request =
        store(&database, PENDING, IdbTransactionMode::Readwrite)?.delete(&record_id.into()).map_err(js_error)?;
    completion(&request).await.map(drop)
}
