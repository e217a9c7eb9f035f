// Loads the Keyward web app (kept out of index.html so the Content-Security-Policy needs no inline script).
import init from "/pkg/keyward.js";

init({ module_or_path: "/pkg/keyward_bg.wasm" });
