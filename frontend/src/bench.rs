//! Benchmark entry points, compiled only with the `bench` feature (`cargo xtask bench` builds them into
//! `target/bench/`; the release app does not carry them). Each runs the real key module or `shared::pkcs12`;
//! the benchmark page (`bench/page.js`) times them, and their phases from the WebCrypto calls they make.

use js_sys::{Array, Uint8Array};
use shared::pkcs12::{self, BundleContents, BundleSalts, Profile};
use shared::profile::KeyType;
use wasm_bindgen::prelude::*;

use crate::keys;

/// The subject the benchmark's requests carry (informative only, as in the app).
const COMMON_NAME: &str = "Ada Lovelace";

fn key_type(name: &str) -> Result<KeyType, JsValue> {
    match name {
        "rsa2048" => Ok(KeyType::Rsa2048),
        "rsa3072" => Ok(KeyType::Rsa3072),
        "rsa4096" => Ok(KeyType::Rsa4096),
        "ecdsa_p256" => Ok(KeyType::EcdsaP256),
        "ecdsa_p384" => Ok(KeyType::EcdsaP384),
        _ => Err(JsValue::from_str(&format!("unknown key type {name}"))),
    }
}

fn profile(name: &str) -> Result<Profile, JsValue> {
    match name {
        "modern" => Ok(Profile::Modern),
        "compatible" => Ok(Profile::Compatible),
        _ => Err(JsValue::from_str(&format!("unknown bundle profile {name}"))),
    }
}

fn error(error: impl std::fmt::Debug) -> JsValue {
    JsValue::from_str(&format!("{error:?}"))
}

/// What the enrollment page does before it sends anything: `keys::generate` (WebCrypto key pair, exported as
/// PKCS#8 and SPKI) then `keys::certificate_request` (built in Rust, signed by WebCrypto). Returns the PEM.
#[wasm_bindgen]
pub async fn bench_keygen_csr(key_type_name: String) -> Result<String, JsValue> {
    let key = keys::generate(key_type(&key_type_name)?).await.map_err(error)?;
    keys::certificate_request(&key, COMMON_NAME).await.map_err(error)
}

fn chain(chain_der: &Array) -> Vec<Vec<u8>> {
    chain_der.iter().map(|certificate| Uint8Array::new(&certificate).to_vec()).collect()
}

/// `shared::pkcs12::build` alone at a given iteration count (the same-iteration comparison with other
/// libraries); fresh salts from the browser's CSPRNG as in the app. Returns the bundle's DER.
#[wasm_bindgen]
pub fn bench_pkcs12_build(
    profile_name: &str,
    iterations: u32,
    private_key_pkcs8: &[u8],
    certificate_der: &[u8],
    chain_der: &Array,
    password: &str,
) -> Result<Vec<u8>, JsValue> {
    let chain_der = chain(chain_der);
    let contents = BundleContents {
        private_key_pkcs8_der: private_key_pkcs8,
        certificate_der,
        chain_der: &chain_der,
        friendly_name: COMMON_NAME,
    };
    let salts = BundleSalts {
        key_salt: random()?,
        key_iv: random()?,
        certificates_salt: random()?,
        certificates_iv: random()?,
        mac_salt: random()?,
    };
    pkcs12::build(&contents, password, profile(profile_name)?, iterations, &salts).map_err(error)
}

/// `keys::bundle`, exactly what the page runs: the profile's recommended iteration count, then the bundle
/// re-opened and compared. Returns the bundle's DER.
#[wasm_bindgen]
pub fn bench_pkcs12_app(
    profile_name: &str,
    private_key_pkcs8: &[u8],
    certificate_der: &[u8],
    chain_der: &Array,
    password: &str,
) -> Result<Vec<u8>, JsValue> {
    let chain_der = chain(chain_der);
    keys::bundle(private_key_pkcs8, certificate_der, &chain_der, COMMON_NAME, password, profile(profile_name)?)
        .map_err(error)
}

/// The recommended iteration count of a profile, for the report.
#[wasm_bindgen]
pub fn bench_recommended_iterations(profile_name: &str) -> Result<u32, JsValue> {
    Ok(profile(profile_name)?.recommended_iterations())
}

fn random<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(error)?;
    Ok(bytes)
}
