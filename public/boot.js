// Loads one of Keyward's web apps (kept out of index.html so the Content-Security-Policy needs no inline
// script): the organizations' console for its paths, the recipient's tools (revocation, repackaging, the test
// enrollment, the development mailbox) for theirs, the recipient's enrollment app (the home page, the emailed
// link) for every other. Each page loads only its own bundle's code: the pages link to each other by full loads.
// The console is one bundle per group of pages (`frontend/src/console/pages.rs`), by path prefix: the path itself
// or whole segments below it, or for a prefix ending in `/` only what follows it; the longest match wins. A browser test (`frontend/src/console/tests.rs`) reads these lines: every console
// page's path must land on a bundle that renders it.
const CONSOLE = [
  ['/login', 'console-login'], ['/signup', 'console-login'], ['/reset', 'console-login'], ['/validate', 'console-login'],
  ['/console', 'console-home'],
  ['/console/orders', 'console-orders'], ['/console/orders/new', 'console-order-form'],
  ['/console/certificates', 'console-records'], ['/console/activity', 'console-records'],
  ['/console/admin/certificates', 'console-records'], ['/console/admin/audit', 'console-records'],
  ['/console/organizations', 'console-validation'], ['/console/domains', 'console-validation'],
  ['/console/mailboxes', 'console-validation'],
  ['/console/device-requests', 'console-devices'], ['/console/admin/device-requests', 'console-devices'],
  ['/console/device-requests/', 'console-device-request'], ['/console/admin/device-requests/', 'console-device-request'],
  ['/console/admin', 'console-admin'],
];
const path = location.pathname;
const below = (prefix) => (prefix.endsWith('/') ? path.length > prefix.length && path.startsWith(prefix)
  : path === prefix || path.startsWith(`${prefix}/`));
const chosen = CONSOLE.filter(([prefix]) => below(prefix))
  .reduce((best, entry) => (!best || entry[0].length > best[0].length ? entry : best), null);
const TOOLS = /^\/(revoke|repackage|test-enrollment|dev\/mailbox)$/;
const name = chosen ? chosen[1] : TOOLS.test(path) ? "tools" : "keyward";
// The WebAssembly download starts now, beside the JavaScript glue's, rather than after it.
const wasm = fetch(`/pkg/${name}_bg.wasm`);
const { default: init } = await import(`/pkg/${name}.js`);
init({ module_or_path: wasm });
