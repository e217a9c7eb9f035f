//! The recipient's bundle (`/pkg/keyward.js`): enrollment, revocation, repackaging and the development mailbox.

use wasm_bindgen::prelude::*;

fn main() {
    keyward_frontend::recipient::start();
}

/// The packaging worker's entry point (`public/bundle-worker.js` loads this bundle): see
/// [`keyward_frontend::recipient::package_in_worker`].
#[wasm_bindgen]
pub fn package_in_worker(request: JsValue) -> Result<JsValue, JsValue> {
    keyward_frontend::recipient::package_in_worker(request)
}
