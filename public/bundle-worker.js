// The packaging worker: the same Keyward WebAssembly module (frontend/src/offload.rs), used off the page's main
// thread to build and check the .p12 and the encrypted key, which takes a few hundred milliseconds of PBKDF2.
// Messages come only from the page that started it; nothing here talks to the network.
import init, { package_in_worker } from "/pkg/keyward.js";

const ready = init({ module_or_path: "/pkg/keyward_bg.wasm" });

self.onmessage = async ({ data }) => {
  await ready;
  try {
    self.postMessage({ ok: true, ...package_in_worker(data) });
  } catch (error) {
    self.postMessage({ ok: false, message: String(error?.message ?? error) });
  }
};
