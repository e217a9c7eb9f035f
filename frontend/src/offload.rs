//! The slow, synchronous key packaging (PBKDF2 and the PKCS#12 MAC key derivation at 100,000 iterations, then
//! the re-open check: about 0.3 s of CPU) runs in a dedicated Web Worker, so the page stays responsive.
//!
//! The worker (`public/bundle-worker.js`) loads this same WebAssembly module (the browser has it cached) and
//! calls [`package_in_worker`]; `main` mounts nothing there. The key, the certificate and the password travel
//! by `postMessage` to a worker of this origin, inside this browser, and nowhere else. Where a worker cannot be
//! started, the page does the work itself, as before.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use shared::api::ApiError;
use shared::pkcs12::Profile;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::api::{js_error, local_error};
use crate::enroll::{profile_name, profile_named};
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

/// Packages in a worker; falls back to this thread where no worker can be started.
pub async fn package(package: &Package<'_>) -> Result<Packaged, ApiError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let Ok(worker) = Worker::new_with_options("/bundle-worker.js", &options) else {
        return run(package);
    };
    let chain = Array::new();
    for certificate in package.chain_der {
        chain.push(&Uint8Array::from(certificate.as_slice()));
    }
    let message = keys::object(&[
        ("key", Uint8Array::from(package.private_key_pkcs8).into()),
        ("certificate", Uint8Array::from(package.certificate_der).into()),
        ("chain", chain.into()),
        ("friendlyName", package.friendly_name.into()),
        ("password", package.password.into()),
        ("profile", profile_name(package.profile).into()),
        ("withKeyPem", package.with_key_pem.into()),
    ])?;
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
    if worker.post_message(&message).is_err() {
        worker.terminate();
        return run(package);
    }
    let answer = JsFuture::from(answered).await;
    worker.terminate();
    let answer = match answer {
        Ok(answer) => answer,
        // The worker script or module could not load (an old browser without module workers): do it here.
        Err(_) => return run(package),
    };
    if get(&answer, "ok").map_err(js_error)?.as_bool() != Some(true) {
        return Err(local_error(&text(&answer, "message").unwrap_or_else(|_| "packaging failed".into())));
    }
    let key_pem = get(&answer, "keyPem").map_err(js_error)?.as_string();
    Ok(Packaged { bundle: bytes(&answer, "bundle").map_err(js_error)?, key_pem })
}

/// The worker's entry point (called by `public/bundle-worker.js`, exported by the recipient's binary
/// `src/main.rs` so that the console's bundle does not carry the packaging code): `request` carries `key`,
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
