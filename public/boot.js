// Loads one of Keyward's two web apps (kept out of index.html so the Content-Security-Policy needs no inline
// script): the organizations' console for its paths, the recipient's pages (enrollment, revocation, repackaging)
// for every other. The recipient's bundle stays small because the console's code is in the other one.
const CONSOLE = /^\/(login|signup|reset|validate|console)(\/|$)/;
const name = CONSOLE.test(location.pathname) ? "console" : "keyward";
// The WebAssembly download starts now, beside the JavaScript glue's, rather than after it.
const wasm = fetch(`/pkg/${name}_bg.wasm`);
const { default: init } = await import(`/pkg/${name}.js`);
init({ module_or_path: wasm });
