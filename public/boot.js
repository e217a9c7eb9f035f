// Loads one of Keyward's web apps (kept out of index.html so the Content-Security-Policy needs no inline
// script): the organizations' console for its paths, the recipient's tools (revocation, repackaging, the test
// enrollment, the development mailbox) for theirs, the recipient's enrollment app (the home page, the emailed
// link) for every other. Each page loads only its own app's code: the pages link to each other by full loads.
const CONSOLE = /^\/(login|signup|reset|validate|console)(\/|$)/;
const TOOLS = /^\/(revoke|repackage|test-enrollment|dev\/mailbox)$/;
const name = CONSOLE.test(location.pathname) ? "console" : TOOLS.test(location.pathname) ? "tools" : "keyward";
// The WebAssembly download starts now, beside the JavaScript glue's, rather than after it.
const wasm = fetch(`/pkg/${name}_bg.wasm`);
const { default: init } = await import(`/pkg/${name}.js`);
init({ module_or_path: wasm });
