//! The slow, synchronous key packaging (PBKDF2 and the PKCS#12 MAC key derivation at 100,000 iterations, then
//! the re-open check: about 0.3 s of CPU) runs in a dedicated Web Worker, so the page stays responsive.
//!
//! The worker (`public/bundle-worker.js`) loads the packaging module (`/pkg/package.js`, the binary
//! `src/bin/package.rs`), which alone carries the PKCS#12 builder and reader and their KDFs and ciphers: the
//! recipient's first load does not (issue 16). The page asks the worker to build ([`package`]) or to open
//! ([`open`]) a bundle; the worker calls [`package_in_worker`] or [`open_in_worker`]. The key, the certificate
//! and the password travel by `postMessage` to a worker of this origin, inside this browser, and nowhere else.
//! Every browser Keyward supports runs module workers; where one cannot be started, the page says so.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use shared::api::ApiError;
use shared::lang::Lang;
use shared::pkcs12::{self, OpenedBundle, Pkcs12Error, Profile};
use shared::profile::KeyType;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::api::{js_error, local_error};
use crate::enroll::{profile_name, profile_named};
use crate::i18n::field_error;
use crate::keys;

/// What to package.
pub struct Package<'a> {
    /// The private key, PKCS#8 DER.
    pub private_key_pkcs8: &'a [u8],
    /// The certificate, DER.
    pub certificate_der: &'a [u8],
    /// The CA certificates, DER, issuing CA first.
    pub chain_der: &'a [Vec<u8>],
    /// The bundle's friendly name.
    pub friendly_name: &'a str,
    /// The new password.
    pub password: &'a str,
    /// The bundle profile.
    pub profile: Profile,
    /// Whether to make the encrypted PEM key too.
    pub with_key_pem: bool,
}

/// The packaged files.
pub struct Packaged {
    /// The `.p12`, checked.
    pub bundle: Vec<u8>,
    /// The `ENCRYPTED PRIVATE KEY` PEM, checked, when asked for.
    pub key_pem: Option<String>,
}

fn run(package: &Package<'_>) -> Result<Packaged, ApiError> {
    let bundle = keys::bundle(
        package.private_key_pkcs8,
        package.certificate_der,
        package.chain_der,
        package.friendly_name,
        package.password,
        package.profile,
    )?;
    let key_pem = if package.with_key_pem {
        Some(keys::encrypted_private_key_pem(package.private_key_pkcs8, package.password)?)
    } else {
        None
    };
    Ok(Packaged { bundle, key_pem })
}

fn get(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(object, &JsValue::from_str(name))
}

fn bytes(object: &JsValue, name: &str) -> Result<Vec<u8>, JsValue> {
    Ok(Uint8Array::new(&get(object, name)?).to_vec())
}

fn text(object: &JsValue, name: &str) -> Result<String, JsValue> {
    get(object, name)?.as_string().ok_or_else(|| JsValue::from_str(&format!("{name} is not a string")))
}

/// Sends `message` to a new packaging worker and waits for its answer (`ok` true, or `code`, `detail` and
/// `message`).
async fn ask(message: &JsValue) -> Result<JsValue, ApiError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("/bundle-worker.js", &options)
        .map_err(|_| local_error("this browser cannot start the packaging worker"))?;
    let answered = Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |event: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        let on_error = Closure::once_into_js(move |_: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("the packaging worker failed to start"));
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        worker.set_onerror(Some(on_error.unchecked_ref()));
    });
    if let Err(error) = worker.post_message(message) {
        worker.terminate();
        return Err(js_error(error));
    }
    let answer = JsFuture::from(answered).await;
    worker.terminate();
    answer.map_err(js_error)
}

/// Whether the worker's answer is a success.
fn succeeded(answer: &JsValue) -> Result<bool, ApiError> {
    Ok(get(answer, "ok").map_err(js_error)?.as_bool() == Some(true))
}

/// Packages in the packaging worker.
pub async fn package(package: &Package<'_>) -> Result<Packaged, ApiError> {
    let chain = Array::new();
    for certificate in package.chain_der {
        chain.push(&Uint8Array::from(certificate.as_slice()));
    }
    let message = keys::object(&[
        ("operation", "package".into()),
        ("key", Uint8Array::from(package.private_key_pkcs8).into()),
        ("certificate", Uint8Array::from(package.certificate_der).into()),
        ("chain", chain.into()),
        ("friendlyName", package.friendly_name.into()),
        ("password", package.password.into()),
        ("profile", profile_name(package.profile).into()),
        ("withKeyPem", package.with_key_pem.into()),
    ])?;
    let answer = ask(&message).await?;
    if !succeeded(&answer)? {
        return Err(local_error(&text(&answer, "message").unwrap_or_else(|_| "packaging failed".into())));
    }
    let key_pem = get(&answer, "keyPem").map_err(js_error)?.as_string();
    Ok(Packaged { bundle: bytes(&answer, "bundle").map_err(js_error)?, key_pem })
}

/// Opens a bundle in the packaging worker ([`pkcs12::open`] there): its key, certificates and friendly name, or
/// why it could not be opened.
pub async fn open(bundle: &[u8], password: &str) -> Result<Result<OpenedBundle, Pkcs12Error>, ApiError> {
    let message = keys::object(&[
        ("operation", "open".into()),
        ("bundle", Uint8Array::from(bundle).into()),
        ("password", password.into()),
    ])?;
    let answer = ask(&message).await?;
    if !succeeded(&answer)? {
        let code = text(&answer, "code").unwrap_or_default();
        let detail = text(&answer, "detail").unwrap_or_default();
        let message = text(&answer, "message").unwrap_or_else(|_| "the bundle could not be opened".into());
        return Ok(Err(pkcs12_error(&code, detail, message)));
    }
    let certificates_der = Array::from(&get(&answer, "certificates").map_err(js_error)?)
        .iter()
        .map(|entry| Uint8Array::new(&entry).to_vec())
        .collect();
    Ok(Ok(OpenedBundle {
        private_key_pkcs8_der: bytes(&answer, "key").map_err(js_error)?,
        certificates_der,
        friendly_name: get(&answer, "friendlyName").map_err(js_error)?.as_string(),
    }))
}

/// The reader's error again, from the code and detail the worker sent: the variants the pages tell apart keep
/// their kind, the others keep their words.
fn pkcs12_error(code: &str, detail: String, message: String) -> Pkcs12Error {
    match code {
        "pkcs12_bad_password" => Pkcs12Error::BadPassword,
        "pkcs12_key_certificate_mismatch" => Pkcs12Error::KeyCertificateMismatch,
        "pkcs12_unsupported" => Pkcs12Error::Unsupported { detail },
        "pkcs12_malformed" => Pkcs12Error::Malformed { detail },
        _ => Pkcs12Error::Malformed { detail: message },
    }
}

/// The detail an error carries, for [`pkcs12_error`] on the other side.
fn pkcs12_detail(error: &Pkcs12Error) -> String {
    match error {
        Pkcs12Error::InvalidPrivateKey { detail }
        | Pkcs12Error::InvalidCertificate { detail }
        | Pkcs12Error::Malformed { detail }
        | Pkcs12Error::Unsupported { detail }
        | Pkcs12Error::EncodingFailed { detail } => detail.clone(),
        _ => String::new(),
    }
}

/// The worker's entry point for opening (called by `public/bundle-worker.js`, exported by the packaging module
/// `src/bin/package.rs`): `request` carries `bundle` and `password`; the answer `ok`, then `key`,
/// `certificates` and `friendlyName`, or `code`, `detail` and `message`.
pub fn open_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    let bundle = bytes(&request, "bundle")?;
    let password = text(&request, "password")?;
    let answer = Object::new();
    let put = |name: &str, value: &JsValue| Reflect::set(&answer, &JsValue::from_str(name), value);
    match pkcs12::open(&bundle, &password) {
        Ok(opened) => {
            let certificates = Array::new();
            for certificate in &opened.certificates_der {
                certificates.push(&Uint8Array::from(certificate.as_slice()));
            }
            put("ok", &true.into())?;
            put("key", &Uint8Array::from(opened.private_key_pkcs8_der.as_slice()).into())?;
            put("certificates", &certificates.into())?;
            if let Some(friendly_name) = opened.friendly_name {
                put("friendlyName", &friendly_name.into())?;
            }
        }
        Err(error) => {
            put("ok", &false.into())?;
            put("code", &error.code().into())?;
            put("detail", &pkcs12_detail(&error).into())?;
            put("message", &error.to_string().into())?;
        }
    }
    Ok(answer.into())
}

/// The worker's entry point for packaging (called by `public/bundle-worker.js`, exported by the packaging module
/// `src/bin/package.rs`, so that neither first-load bundle carries the packaging code): `request` carries `key`,
/// `certificate`, `chain`, `friendlyName`, `password`, `profile` and `withKeyPem`; the answer `bundle` and
/// `keyPem`.
pub fn package_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    let chain: Vec<Vec<u8>> = Array::from(&get(&request, "chain")?)
        .iter()
        .map(|certificate| Uint8Array::new(&certificate).to_vec())
        .collect();
    let private_key_pkcs8 = bytes(&request, "key")?;
    let certificate_der = bytes(&request, "certificate")?;
    let friendly_name = text(&request, "friendlyName")?;
    let password = text(&request, "password")?;
    let profile = profile_named(&text(&request, "profile")?).unwrap_or(Profile::Modern);
    let with_key_pem = get(&request, "withKeyPem")?.as_bool().unwrap_or(false);
    let packaged = run(&Package {
        private_key_pkcs8: &private_key_pkcs8,
        certificate_der: &certificate_der,
        chain_der: &chain,
        friendly_name: &friendly_name,
        password: &password,
        profile,
        with_key_pem,
    })
    .map_err(|error| JsValue::from_str(&error.message))?;
    let answer = Object::new();
    let put = |name: &str, value: &JsValue| Reflect::set(&answer, &JsValue::from_str(name), value);
    put("bundle", &Uint8Array::from(packaged.bundle.as_slice()).into())?;
    if let Some(key_pem) = packaged.key_pem {
        put("keyPem", &key_pem.into())?;
    }
    Ok(answer.into())
}

/// Pre-checks a request the recipient brought, in the packaging worker ([`crate::csr_precheck`] there): the key
/// name, or the refusal naming the field `csr`.
pub async fn precheck(
    csr: &str,
    accepted: &[KeyType],
    expected_name: &str,
    lang: Lang,
) -> Result<Result<String, ApiError>, ApiError> {
    let accepted = serde_json::to_string(accepted).map_err(|error| local_error(&error.to_string()))?;
    let message = keys::object(&[
        ("operation", "precheck".into()),
        ("csr", csr.into()),
        ("accepted", accepted.into()),
        ("name", expected_name.into()),
        ("lang", lang.tag().into()),
    ])?;
    let answer = ask(&message).await?;
    if succeeded(&answer)? {
        return Ok(Ok(text(&answer, "key").map_err(js_error)?));
    }
    let message = text(&answer, "message").unwrap_or_else(|_| "the request could not be checked".into());
    let code = text(&answer, "code").unwrap_or_else(|_| "csr_unreadable".into());
    Ok(Err(field_error(&code, "csr", message)))
}

/// The worker's entry point for the pre-check (called by `public/bundle-worker.js`, exported by the packaging
/// module): `request` carries `csr`, `accepted` (the key types, JSON), `name` and `lang`; the answer `ok`, then
/// `key`, or `code`, `field` and `message`.
pub fn precheck_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    let csr = text(&request, "csr")?;
    let accepted: Vec<KeyType> = serde_json::from_str(&text(&request, "accepted")?)
        .map_err(|error| JsValue::from_str(&format!("accepted: {error}")))?;
    let name = text(&request, "name")?;
    let lang = Lang::from_tag(&text(&request, "lang")?).unwrap_or(Lang::En);
    let answer = Object::new();
    let put = |name: &str, value: &JsValue| Reflect::set(&answer, &JsValue::from_str(name), value);
    match crate::csr_precheck::precheck(&csr, &accepted, &name) {
        Ok(key) => {
            put("ok", &true.into())?;
            put("key", &key.into())?;
        }
        Err(error) => {
            put("ok", &false.into())?;
            put("code", &error.code().into())?;
            put("field", &error.field().into())?;
            put("message", &error.message(lang).into())?;
        }
    }
    Ok(answer.into())
}

// The order form's requests (issue 16): read in the packaging worker, so that the form's bundle does not carry the
// request decoders.

/// Reads a request pasted on the order form in the packaging worker
/// ([`crate::console::order_csr::OrderCsrReading::of`] there): the key it asks for and what it carries.
pub async fn read_order_csr(csr: &str) -> Result<crate::console::order_csr::OrderCsrReading, ApiError> {
    let message = keys::object(&[("operation", "read_order_csr".into()), ("csr", csr.into())])?;
    let answer = ask(&message).await?;
    if !succeeded(&answer)? {
        return Err(local_error(&text(&answer, "message").unwrap_or_else(|_| "the request could not be read".into())));
    }
    serde_json::from_str(&text(&answer, "reading").map_err(js_error)?)
        .map_err(|error| local_error(&format!("the packaging worker's reading: {error}")))
}

/// The worker's entry point for the order form's requests (called by `public/bundle-worker.js`, exported by the
/// packaging module): `request` carries `csr`; the answer `ok` and `reading`, the reading as JSON.
pub fn read_order_csr_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    let reading = crate::console::order_csr::OrderCsrReading::of(&text(&request, "csr")?);
    let reading = serde_json::to_string(&reading).map_err(|error| JsValue::from_str(&error.to_string()))?;
    let answer = Object::new();
    Reflect::set(&answer, &JsValue::from_str("ok"), &true.into())?;
    Reflect::set(&answer, &JsValue::from_str("reading"), &reading.into())?;
    Ok(answer.into())
}
