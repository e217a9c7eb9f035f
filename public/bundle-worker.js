// The packaging worker: the packaging WebAssembly module (frontend/src/bin/package.rs, frontend/src/offload.rs),
// used off the page's main thread to build and check the .p12 and the encrypted key (a few hundred milliseconds
// of PBKDF2), or to open a .p12 the recipient chose, or to pre-check a certificate request the recipient brought. It is loaded only when one of these is asked for, so that
// the recipient's first load does not carry the PKCS#12 code. Messages come only from the page that started it;
// nothing here talks to the network.
// The console's order form has it read the requests pasted there (read_order_csr), so that the form's bundle does
// not carry the request decoders.
import init, { open_in_worker, package_in_worker, precheck_in_worker, read_order_csr_in_worker } from "/pkg/package.js";

const ready = init({ module_or_path: "/pkg/package_bg.wasm" });

self.onmessage = async ({ data }) => {
  try {
    await ready;
    if (data.operation === "open") {
      self.postMessage(open_in_worker(data));
    } else if (data.operation === "precheck") {
      self.postMessage(precheck_in_worker(data));
    } else if (data.operation === "read_order_csr") {
      self.postMessage(read_order_csr_in_worker(data));
    } else {
      self.postMessage({ ok: true, ...package_in_worker(data) });
    }
  } catch (error) {
    self.postMessage({ ok: false, message: String(error?.message ?? error) });
  }
};
