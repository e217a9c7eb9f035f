//! The packaging module (`/pkg/package.js`), loaded by the packaging worker (`public/bundle-worker.js`) only when
//! a bundle is built or opened: the PKCS#12 builder and reader with their KDFs and ciphers, kept out of the
//! recipient's first load (issue 16). It mounts no page.

use wasm_bindgen::prelude::*;

fn main() {}

/// Builds and checks a bundle: see [`keyward_frontend::offload::package_in_worker`].
#[wasm_bindgen]
pub fn package_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    keyward_frontend::offload::package_in_worker(request)
}

/// Opens a bundle: see [`keyward_frontend::offload::open_in_worker`].
#[wasm_bindgen]
pub fn open_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    keyward_frontend::offload::open_in_worker(request)
}

/// Pre-checks a request the recipient brought: see [`keyward_frontend::offload::precheck_in_worker`].
#[wasm_bindgen]
pub fn precheck_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    keyward_frontend::offload::precheck_in_worker(request)
}

/// Reads a request pasted on the order form: see [`keyward_frontend::offload::read_order_csr_in_worker`].
#[wasm_bindgen]
pub fn read_order_csr_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    keyward_frontend::offload::read_order_csr_in_worker(request)
}
