// The preload hints of public/_headers (issue 16, item 2): each page's HTML names, in a `Link` header, the
// WebAssembly and JavaScript glue that boot.js then loads for it, so their download starts with the HTML. A hint
// that names another bundle than boot.js picks (a path moved to another bundle in one file and not the other), or
// whose request mode differs from boot.js's fetch() or import(), costs a download: the browser fetches the
// preloaded file and then the one the page uses, or the same one twice. For each page of both apps, in headless
// Chromium against the Worker in workerd: every preloaded file is requested exactly once, and every WebAssembly
// module and glue the page requested before it rendered was preloaded.
// The enrollment page's hint also names its link's state (`/api/v1/enrollments/<token>`), which the page asks for
// as it starts: that request too must be answered by the preload, not sent again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, launchBrowser, seed, createAccount, login, addSession } from './harness.mjs';

let worker;
let browser;
before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** The paths a `Link` header preloads (`rel=preload` or `rel=modulepreload`). */
function preloaded(link) {
  return (link ?? '').split(/,(?=\s*<)/).filter((part) => /;\s*rel=(preload|modulepreload)\b/.test(part))
    .map((part) => part.match(/<([^>]+)>/)[1]);
}

/** `session`: the headers of a login (`login`), for the logged-in pages. */
async function check(path, session) {
  const context = await browser.newContext();
  if (session) await addSession(context, worker, session);
  const page = await context.newPage();
  const requested = [];
  page.on('request', (request) => {
    const { origin, pathname } = new URL(request.url());
    if (origin === worker.url && !request.isNavigationRequest()) requested.push(pathname);
  });
  const response = await page.goto(`${worker.url}${path}`, { waitUntil: 'commit', timeout: 90_000 });
  const hints = preloaded(response.headers().link);
  // The app rendered and its first requests (the enrollment link's state) were answered: the network is quiet.
  await page.locator('main').first().waitFor({ timeout: 90_000 });
  await page.waitForLoadState('networkidle', { timeout: 90_000 });
  const beforeRender = [...requested];
  await context.close();
  assert.notEqual(hints.length, 0, `${path}: no preload hint in ${JSON.stringify(response.headers().link)}`);
  assert.ok(hints.some((hint) => hint.endsWith('.wasm')), `${path}: the WebAssembly is preloaded (${hints})`);
  for (const hint of hints) {
    assert.equal(beforeRender.filter((request) => request === hint).length, 1, `${path}: ${hint} requested once (${beforeRender})`);
  }
  for (const request of beforeRender.filter((name) => name.startsWith('/pkg/'))) {
    assert.ok(hints.includes(request), `${path}: ${request} was loaded before the first render but not preloaded (${hints})`);
  }
}

test('each recipient page preloads exactly the bundle boot.js loads', async () => {
  const link = new URL(await seed(worker, 'Ada Lovelace', 'ada.preload@example.com'));
  for (const path of ['/', link.pathname, '/revoke', '/repackage', '/test-enrollment']) await check(path);
});

test('each console page preloads exactly the bundle boot.js loads', async () => {
  // Pages a visitor without a session sees (the console's other pages send them on to /login: a second load).
  for (const path of ['/login', '/signup', '/reset']) await check(path);
});

test('each logged-in console page of each bundle preloads exactly the bundle boot.js loads', async () => {
  const email = 'grace.preload@example.com';
  const password = 'preload password 1';
  await createAccount(worker, { users: [{ email, password, name: 'Grace Hopper' }] });
  const session = await login(worker, email, password);
  for (const path of ['/console', '/console/certificates', '/console/orders', '/console/orders/new', '/console/domains',
    '/console/device-requests']) {
    await check(path, session);
  }
});
