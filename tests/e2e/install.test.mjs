// After the download: the done page's install guidance, in real headless Chromium with the user agents of other
// systems. The page opens the steps for the system its user agent names (Windows, macOS, iPhone, an iPad with its
// desktop-class agent, Android, Linux) and keeps the others one click away; a server certificate gets the PEM
// files and the nginx and Apache configuration. The Apple configuration profile is read by Python's plistlib: a
// property list whose PKCS#12 payload opens with the password (pyca/cryptography) and whose certificate payloads
// are the chain, with the password inside only when the recipient asks. Then two small faults of issue 16: the
// bundle-format select stays inside its card on a phone and on a wide screen, in both languages, and the order
// form counts "1 year", "2 years" ("1 an", "2 ans").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, launchBrowser, developmentRootPem, scratch, createAccount, checkWithPython, keywardPython, run,
} from './harness.mjs';

let worker;
let browser;
let directory;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('install');
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';

/** Real user agents; an iPad's Safari sends the Mac's, and only its touch screen tells it apart. */
const DEVICES = {
  windows: { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' },
  macos: { userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15' },
  iphone: {
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    hasTouch: true, viewport: { width: 390, height: 844 },
  },
  ipad: {
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    hasTouch: true, viewport: { width: 820, height: 1180 },
  },
  android: {
    userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    hasTouch: true, viewport: { width: 360, height: 780 },
  },
  linux: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' },
};

/**
 * Enrolls as `device` up to the done page: a P-256 key, the journey's password, the bundle format the page offers
 * first (returned as `offered`) unless `format` is given. Page errors are collected in `errors`.
 */
async function enrollAs(device, email, { profile, dnsNames, name = 'Grace Hopper', format } = {}) {
  const link = await seed(worker, name, email, { profile, dnsNames });
  const context = await browser.newContext({ acceptDownloads: true, ...DEVICES[device] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(link);
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  const offered = await page.locator('[data-testid=bundle-profile]').inputValue();
  if (format) await page.locator('[data-testid=bundle-profile]').selectOption(format);
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
  await page.locator('[data-testid=build-bundle]').click();
  await page.locator('[data-testid=download]').waitFor({ timeout: 60_000 });
  return { context, page, errors, offered };
}

/** The guides shown, in order: { name, open, own }. */
function guides(page) {
  return page.locator('[data-testid=install] details[data-testid^="install-"]').evaluateAll((list) => list.map((details) => ({
    name: details.dataset.testid.replace(/^install-/, ''), open: details.open, own: details.dataset.own === 'true',
  })));
}

/** What each system's own steps say, and that no other system's say. */
const OWN_STEPS = {
  windows: ['windows', /Certificate Import Wizard[\s\S]*certutil -importpfx "Grace-Hopper--Example-Org\.p12"/],
  macos: ['macos', /Keychain Access/],
  iphone: ['ios', /Profile Downloaded/],
  ipad: ['ios', /Profile Downloaded/],
  android: ['android', /Install a certificate/],
  linux: ['linux', /pk12util -d sql:\$HOME\/\.pki\/nssdb -i "Grace-Hopper--Example-Org\.p12"/],
};

test('the done page opens the steps for the system the user agent names, and the others are one click away', { timeout: 600_000 }, async () => {
  for (const [device, [guide, steps]] of Object.entries(OWN_STEPS)) {
    const { context, page, errors, offered } = await enrollAs(device, `${device}@example.com`);
    // iPhone and iPad get the Compatible format first, since they do not read the Modern one.
    assert.equal(offered, guide === 'ios' ? 'compatible' : 'modern', `${device}: the format offered first`);
    const install = page.locator('[data-testid=install]');
    await install.waitFor();
    const shown = await guides(page);
    const opened = shown.filter((entry) => entry.open);
    assert.deepEqual(opened.map((entry) => entry.name), [guide], `${device}: only its own steps are open`);
    assert.deepEqual(shown[0], { name: guide, open: true, own: true }, `${device}: its own steps come first`);
    assert.deepEqual(shown.map((entry) => entry.name).sort(),
      ['android', 'chromeos', 'firefox', 'ios', 'linux', 'macos', 'outlook', 'thunderbird', 'windows'],
      `${device}: every system and mail program of an S/MIME certificate, and no server`);
    const own = page.locator(`[data-testid=install-${guide}]`);
    assert.match(await own.innerText(), steps, `${device}: its steps`);
    assert.match(await own.locator('summary').innerText(), /\(this device\)$/);
    // Another program's steps: closed, one click opens them.
    const thunderbird = page.locator('[data-testid=install-thunderbird]');
    assert.equal(await thunderbird.locator('ol').isVisible(), false);
    await thunderbird.locator('summary').click();
    assert.equal(await thunderbird.evaluate((details) => details.open), true);
    assert.match(await thunderbird.locator('ol').innerText(), /End-To-End Encryption/);
    // The Apple profile: open on Apple devices, closed elsewhere.
    const apple = page.locator('[data-testid=apple-profile]');
    assert.equal(await apple.evaluate((details) => details.open), ['macos', 'ios'].includes(guide), `${device}: the Apple profile`);
    // A Modern bundle points to the Compatible copy; a Compatible one does not.
    assert.equal(await page.locator('[data-testid=compatible-copy] a[href="/repackage"]').count(), offered === 'modern' ? 1 : 0);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

/** English words of the install guidance, none of which may show on a French page (product names aside). */
const ENGLISH = ['Double-click', 'Choose', 'Open ', 'Settings', 'this device', 'password', 'Download the profile',
  'Install it', 'steps', 'Certificate authority', 'Compatible copy', 'under '];

test('in French, the guidance is French throughout', { timeout: 180_000 }, async () => {
  const link = await seed(worker, 'Ada Lovelace', 'ada.install.fr@example.com');
  const context = await browser.newContext({ acceptDownloads: true, locale: 'fr-FR', ...DEVICES.windows });
  const page = await context.newPage();
  await page.goto(link);
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
  await page.locator('[data-testid=build-bundle]').click();
  const install = page.locator('[data-testid=install]');
  await install.waitFor({ timeout: 60_000 });
  // Every disclosure open, so that every step is read.
  await install.locator('details').evaluateAll((list) => { for (const details of list) details.open = true; });
  const text = await install.innerText();
  assert.match(text, /Assistant Importation du certificat/);
  assert.match(text, /\(cet appareil\)/);
  const found = ENGLISH.filter((phrase) => text.includes(phrase));
  assert.deepEqual(found, [], `English on the French page: ${found.join(' | ')}\n${text}`);
  await context.close();
});

test('a server certificate gets the PEM files with nginx and Apache, and no mail program', { timeout: 180_000 }, async () => {
  const { context, page, errors } = await enrollAs('linux', 'ops@example.com',
    { profile: 'server_auth', dnsNames: ['www.example.com', 'example.com'], name: null });
  await page.locator('[data-testid=install]').waitFor();
  const shown = await guides(page);
  assert.deepEqual(shown.map(({ name, open }) => [name, open]), [['server', true], ['windows', false]]);
  const keyFile = await page.locator('[data-testid=download-key-pem]').getAttribute('download');
  const chainFile = await page.locator('[data-testid=download-certificates-pem]').getAttribute('download');
  const stem = keyFile.replace(/\.key\.pem$/, '');
  const server = page.locator('[data-testid=install-server]');
  assert.match(await server.innerText(), new RegExp(`openssl pkey -in ${keyFile.replaceAll('.', '\\.')} -out ${stem}\\.key`));
  const nginx = await server.locator('[data-testid=nginx]').innerText();
  assert.match(nginx, /server_name www\.example\.com example\.com;/);
  assert.ok(nginx.includes(`ssl_certificate     /etc/ssl/keyward/${chainFile};`), nginx);
  assert.ok(nginx.includes(`ssl_certificate_key /etc/ssl/keyward/${stem}.key;`), nginx);
  const apache = await server.locator('[data-testid=apache]').innerText();
  assert.match(apache, /ServerName www\.example\.com\n\s+ServerAlias example\.com\n/);
  assert.ok(apache.includes(`SSLCertificateFile    /etc/ssl/keyward/${chainFile}`), apache);
  assert.equal(await page.locator('[data-testid=apple-profile]').count(), 0, 'no Apple profile for a server certificate');
  assert.deepEqual(errors, []);
  await context.close();
});

/** plistlib's reading of a configuration profile; the PKCS#12 payload written to `bundlePath`. */
const READ_PROFILE = `
import hashlib, json, plistlib, sys
with open(sys.argv[1], 'rb') as source:
    profile = plistlib.load(source, fmt=plistlib.FMT_XML)
payloads = []
for payload in profile['PayloadContent']:
    content = payload['PayloadContent']
    if payload['PayloadType'] == 'com.apple.security.pkcs12':
        with open(sys.argv[2], 'wb') as bundle:
            bundle.write(content)
    payloads.append({'type': payload['PayloadType'], 'identifier': payload['PayloadIdentifier'],
        'uuid': payload['PayloadUUID'], 'version': payload['PayloadVersion'], 'password': payload.get('Password'),
        'sha256': hashlib.sha256(content).hexdigest()})
print(json.dumps({'type': profile['PayloadType'], 'identifier': profile['PayloadIdentifier'],
    'uuid': profile['PayloadUUID'], 'version': profile['PayloadVersion'], 'payloads': payloads}))
`;

async function readProfile(path, bundlePath) {
  const result = await run(keywardPython(), ['-c', READ_PROFILE, path, bundlePath]);
  assert.ok(result.ok, `plistlib could not read the profile:\n${result.output}`);
  return JSON.parse(result.stdout);
}

async function download(page, locator, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const path = join(directory, name);
  await file.saveAs(path);
  return { path, suggested: file.suggestedFilename() };
}

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
const derSha256 = (pem) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

test('the Apple configuration profile is a property list carrying the .p12, which opens with the password, and the chain', { timeout: 180_000 }, async () => {
  const { context, page, errors } = await enrollAs('iphone', 'grace.iphone@example.com');
  const link = page.locator('[data-testid=download-mobileconfig]');
  assert.equal(await link.getAttribute('data-format'), 'compatible');
  const bundle = await download(page, page.locator('[data-testid=download]'), 'offered.p12');
  const first = await download(page, link, 'first.mobileconfig');
  assert.equal(first.suggested, 'Grace-Hopper--Example-Org.mobileconfig');
  const read = await readProfile(first.path, join(directory, 'from-profile.p12'));
  assert.equal(read.type, 'Configuration');
  assert.equal(read.version, 1);
  const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
  assert.equal(read.identifier, `127.0.0.1.certificate.${serial}`);
  assert.deepEqual(read.payloads.map(({ type, identifier }) => [type, identifier]), [
    ['com.apple.security.pkcs12', `${read.identifier}.identity`],
    ['com.apple.security.pkcs1', `${read.identifier}.authority.1`],
    ['com.apple.security.root', `${read.identifier}.authority.2`],
  ]);
  assert.equal(read.payloads[0].password, null, 'no password in the profile unless asked');
  const uuids = [read.uuid, ...read.payloads.map((payload) => payload.uuid)];
  for (const uuid of uuids) assert.match(uuid, UUID);
  assert.equal(new Set(uuids).size, uuids.length, 'distinct UUIDs');
  // The PKCS#12 payload is the offered bundle, byte for byte, and pyca/cryptography opens it with the password
  // (and not without): a key for its certificate, the chain up to the root.
  const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
  assert.equal(read.payloads[0].sha256, sha256(bundle.path));
  const opened = await checkWithPython(join(directory, 'from-profile.p12'), PASSWORD);
  assert.equal(opened.serial, serial);
  // The certificate payloads are the issuing CA and the development root.
  assert.equal(read.payloads[2].sha256, derSha256(developmentRootPem()));
  assert.equal(read.payloads[1].sha256, opened.chainFingerprints[0]);

  // Asked for, the password goes in; the identifiers stay, the UUIDs are fresh.
  await page.locator('[data-testid=profile-with-password]').check();
  const second = await download(page, link, 'second.mobileconfig');
  const withPassword = await readProfile(second.path, join(directory, 'from-profile-2.p12'));
  assert.equal(withPassword.payloads[0].password, PASSWORD);
  assert.deepEqual(withPassword.payloads.map((payload) => payload.identifier), read.payloads.map((payload) => payload.identifier));
  assert.equal(withPassword.identifier, read.identifier);
  assert.ok(![withPassword.uuid, ...withPassword.payloads.map((payload) => payload.uuid)].some((uuid) => uuids.includes(uuid)),
    'fresh UUIDs for every profile');
  assert.deepEqual(errors, []);
  await context.close();
});

/** Where an element sits against the card (`main`) that holds it, in CSS pixels. */
function overflow(page, selector) {
  return page.evaluate((selector) => {
    const card = document.querySelector('main');
    const style = getComputedStyle(card);
    const inner = card.getBoundingClientRect();
    const element = document.querySelector(selector).getBoundingClientRect();
    return {
      left: inner.left + parseFloat(style.paddingLeft) - element.left,
      right: element.right - (inner.right - parseFloat(style.paddingRight)),
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  }, selector);
}

test('the bundle-format select stays inside its card, on a phone and on a wide screen, in both languages', { timeout: 120_000 }, async () => {
  for (const viewport of [{ width: 360, height: 740 }, { width: 1280, height: 800 }]) {
    for (const locale of ['en-US', 'fr-FR']) {
      const context = await browser.newContext({ viewport, locale });
      const page = await context.newPage();
      await page.goto(`${worker.url}/repackage`);
      await page.locator('[data-testid=bundle-profile]').waitFor();
      const where = await overflow(page, '[data-testid=bundle-profile]');
      const label = `${viewport.width}px, ${locale}`;
      assert.ok(where.left <= 0.5 && where.right <= 0.5, `${label}: the select runs out of its card by ${JSON.stringify(where)}`);
      assert.equal(where.page, 0, `${label}: the page scrolls sideways`);
      await context.close();
    }
  }
});

test('the order form counts one year and several years, in English and French', { timeout: 180_000 }, async () => {
  const email = 'ada.install@acme.example.com';
  await createAccount(worker, { name: 'Acme', users: [{ email, name: 'Ada Admin', role: 'org_admin', password: PASSWORD }] });
  const context = await browser.newContext();
  const page = await context.newPage();
  // The console's WebAssembly compiles on a machine other suites may be loading: give the first page time.
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  await page.locator('[data-testid=email]').waitFor({ timeout: 90_000 });
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.locator('[data-testid=nav-orders]').waitFor();
  await page.goto(`${worker.url}/console/orders/new`);
  const years = page.locator('[data-testid=years] option');
  await years.first().waitFor({ state: 'attached' });
  assert.deepEqual(await years.allTextContents(), ['1 year', '2 years', '3 years']);
  await page.locator('[data-testid=lang-fr]').click();
  await page.locator('[data-testid=lang-fr][aria-pressed=true]').waitFor();
  assert.deepEqual(await years.allTextContents(), ['1 an', '2 ans', '3 ans']);
  await context.close();
});
