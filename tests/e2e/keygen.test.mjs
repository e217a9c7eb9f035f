// Browser KeyGen, complete: the repackaging page (/repackage) turns a .p12 OpenSSL made into the other profile
// in the browser and sends nothing; the enrollment page also offers the private key as encrypted PKCS#8 PEM with
// the certificate chain; both pages show a password strength meter and refuse weak passwords, naming the field.
// OpenSSL checks every file that comes out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, launchBrowser, developmentRootPem, openssl, opensslStatus, scratch, writeTemp, privateKeyForms,
  certificateFingerprints,
} from './harness.mjs';

let worker;
let browser;
let directory;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('keygen');
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet kettle under seven bridges';
const WEAK_PASSWORD = 'password1234';
const FRIENDLY_NAME = 'Grace Hopper (Example Org)';

/** A root CA, an issuing CA and an RSA leaf made with OpenSSL here; returns the paths. */
function makePki() {
  const path = (name) => join(directory, name);
  writeTemp(directory, 'ca.ext', 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n');
  writeTemp(directory, 'leaf.ext', 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['req', '-x509', ...ec, '-nodes', '-keyout', path('root.key'), '-out', path('root.pem'), '-days', '2', '-subj', '/CN=Repackaging Test Root']);
  openssl(['req', '-new', ...ec, '-nodes', '-keyout', path('issuing.key'), '-out', path('issuing.csr'), '-subj', '/CN=Repackaging Test Issuing CA']);
  openssl(['x509', '-req', '-in', path('issuing.csr'), '-CA', path('root.pem'), '-CAkey', path('root.key'), '-set_serial', '2',
    '-days', '2', '-extfile', path('ca.ext'), '-out', path('issuing.pem')]);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('leaf.key'), '-out', path('leaf.csr'), '-subj', '/CN=Grace Hopper/O=Example Org']);
  openssl(['x509', '-req', '-in', path('leaf.csr'), '-CA', path('issuing.pem'), '-CAkey', path('issuing.key'), '-set_serial', '3',
    '-days', '2', '-extfile', path('leaf.ext'), '-out', path('leaf.pem')]);
  writeTemp(directory, 'chain.pem', readFileSync(path('issuing.pem'), 'utf8') + readFileSync(path('root.pem'), 'utf8'));
  return { key: path('leaf.key'), leaf: path('leaf.pem'), chain: path('chain.pem') };
}

/** `openssl pkcs12 -export` of the leaf with its chain, with extra options; returns the bundle's path. */
function exportBundle(pki, name, options) {
  const out = join(directory, name);
  openssl(['pkcs12', '-export', '-inkey', pki.key, '-in', pki.leaf, '-certfile', pki.chain, '-name', FRIENDLY_NAME,
    ...options, '-passout', `pass:${PASSWORD}`, '-out', out]);
  return out;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * What OpenSSL (no -legacy) reads from a bundle: the SHA-256 of its private key as PKCS#8 PEM, the fingerprints
 * of its certificates in order, the friendly name, and the `-info` text naming the algorithms.
 */
function readBundle(path, password) {
  const pass = `pass:${password}`;
  const keyPem = openssl(['pkey'], openssl(['pkcs12', '-in', path, '-passin', pass, '-nocerts', '-nodes']));
  const certificates = openssl(['pkcs12', '-in', path, '-passin', pass, '-nokeys']);
  return {
    key: sha256(keyPem),
    certificates: certificateFingerprints(certificates),
    friendlyName: certificates.match(/friendlyName: (.*)\n/)?.[1],
    info: opensslStatus(['pkcs12', '-in', path, '-passin', pass, '-info', '-noout']).output,
  };
}

/** A Chromium page that records every request, and whether it came after the app had rendered. */
async function recordingPage() {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  const state = { rendered: false };
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), body: request.postDataBuffer(),
    afterRender: state.rendered }));
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  return { context, page, requests, state, errors };
}

async function save(page, locator, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const path = join(directory, name);
  await download.saveAs(path);
  return { path, suggested: download.suggestedFilename() };
}

test('the repackaging page turns an OpenSSL bundle into the other profile in the browser, and sends nothing', async () => {
  const pki = makePki();
  const modern = exportBundle(pki, 'openssl-modern.p12', []);
  const compatible = exportBundle(pki, 'openssl-compatible.p12', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
  const legacy = exportBundle(pki, 'openssl-legacy.p12', ['-legacy']);
  const original = readBundle(modern, PASSWORD);
  assert.equal(original.certificates.length, 3);
  assert.equal(original.friendlyName, FRIENDLY_NAME);
  assert.match(original.info, /PBES2, PBKDF2, AES-256-CBC/);
  assert.deepEqual(readBundle(compatible, PASSWORD).certificates, original.certificates);

  const { context, page, requests, state, errors } = await recordingPage();
  await page.goto(`${worker.url}/`);
  await page.locator('[data-testid=repackage-link]').click();
  await page.locator('[data-testid=repackage-file]').waitFor();
  state.rendered = true;

  const fill = async (file, currentPassword, profile, newPassword, confirmation = newPassword) => {
    await page.locator('[data-testid=repackage-file]').setInputFiles(file);
    await page.locator('[data-testid=current-password]').fill(currentPassword);
    await page.locator('[data-testid=bundle-profile]').selectOption(profile);
    await page.locator('[data-testid=password]').fill(newPassword);
    await page.locator('[data-testid=password-confirm]').fill(confirmation);
    await page.locator('[data-testid=repackage-submit]').click();
  };
  const offered = async (name) => {
    const link = page.locator('[data-testid=download]');
    await link.waitFor({ timeout: 60_000 });
    return save(page, link, name);
  };
  const refused = async (code) => {
    const error = page.locator(`[data-testid=error][data-code=${code}]`);
    await error.waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid=download]').count(), 0, `${code}: no file is offered`);
    return { field: await error.getAttribute('data-field'), message: await error.textContent() };
  };

  // The profiles offered, with the enrollment page's hints.
  const profiles = await page.locator('[data-testid=bundle-profile] option').evaluateAll((options) => options.map((option) => option.value));
  assert.deepEqual(profiles, ['modern', 'compatible']);

  // OpenSSL 3's default bundle (AES-256-CBC, PBKDF2, HMAC-SHA256) → compatible: OpenSSL reads it without -legacy.
  await fill(modern, PASSWORD, 'compatible', NEW_PASSWORD);
  const toCompatible = await offered('to-compatible.p12');
  assert.equal(toCompatible.suggested, 'openssl-modern-compatible.p12');
  const compatibleCopy = readBundle(toCompatible.path, NEW_PASSWORD);
  assert.match(compatibleCopy.info, /MAC: sha1/);
  assert.match(compatibleCopy.info, /PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC/);
  assert.match(compatibleCopy.info, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
  assert.doesNotMatch(compatibleCopy.info, /PBES2|RC2/);
  assert.equal(compatibleCopy.key, original.key, 'the same private key');
  assert.deepEqual(compatibleCopy.certificates, original.certificates, 'the same certificate and chain, in order');
  assert.equal(compatibleCopy.friendlyName, FRIENDLY_NAME, 'the friendly name is kept');
  assert.equal(opensslStatus(['pkcs12', '-in', toCompatible.path, '-passin', `pass:${PASSWORD}`, '-noout']).ok, false,
    'the old password does not open the new file');

  // A compatible bundle (3DES, SHA-1 MAC) → modern.
  await fill(compatible, PASSWORD, 'modern', NEW_PASSWORD);
  const toModern = await offered('to-modern.p12');
  const modernCopy = readBundle(toModern.path, NEW_PASSWORD);
  assert.match(modernCopy.info, /MAC: sha256/);
  assert.match(modernCopy.info, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256/);
  assert.match(modernCopy.info, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256/);
  assert.equal(modernCopy.key, original.key);
  assert.deepEqual(modernCopy.certificates, original.certificates);
  assert.equal(modernCopy.friendlyName, FRIENDLY_NAME);

  // A wrong current password: refused, naming the field.
  await fill(modern, 'not the password', 'compatible', NEW_PASSWORD);
  const wrong = await refused('bundle_bad_password');
  assert.equal(wrong.field, 'current_password');
  assert.match(wrong.message, /^Current password: the file does not open with it/);

  // `-legacy` encrypts the certificates with 40-bit RC2, which the page does not read: it says so, by name.
  await fill(legacy, PASSWORD, 'modern', NEW_PASSWORD);
  const unsupported = await refused('bundle_unsupported');
  assert.equal(unsupported.field, 'file');
  assert.match(unsupported.message, /does not read: .*pbeWithSHAAnd40BitRC2-CBC \(1\.2\.840\.113549\.1\.12\.1\.6\)/);

  // A weak new password: the meter says so as it is typed, and the form refuses it, naming the field.
  await page.locator('[data-testid=password]').fill(WEAK_PASSWORD);
  assert.equal(await page.locator('[data-testid=password-strength]').getAttribute('data-acceptable'), 'false');
  assert.match(await page.locator('[data-testid=password-verdict]').textContent(), /^Very weak/);
  await fill(modern, PASSWORD, 'compatible', WEAK_PASSWORD);
  const weak = await refused('password_too_weak');
  assert.equal(weak.field, 'password');
  assert.match(weak.message, /^Password: too weak/);
  // And two different new passwords.
  await fill(modern, PASSWORD, 'compatible', NEW_PASSWORD, `${NEW_PASSWORD}!`);
  assert.equal((await refused('password_mismatch')).field, 'password_confirmation');

  // Nothing was sent once the page was there: no request at all, let alone one with the key or a password.
  // The packaging worker loads its script and the packaging module from the origin (static files, GET, no
  // body); nothing else goes out.
  const late = requests.filter((request) => request.afterRender);
  const workerLoads = late.filter(({ method, url, body }) => method === 'GET' && !body && /\/(bundle-worker\.js|pkg\/package(\.js|_bg\.wasm))$/.test(url));
  assert.ok(workerLoads.length > 0, 'the bundle was made in the packaging worker');
  assert.deepEqual(late.filter((request) => !workerLoads.includes(request)).map((request) => `${request.method} ${request.url}`), [],
    'requests after the page rendered, other than the worker loading');
  for (const request of requests) {
    assert.equal(request.method, 'GET', `${request.url}`);
    assert.doesNotMatch(new URL(request.url).pathname, /^\/api\//, `${request.url}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('enrollment refuses a weak password, and offers the key as encrypted PKCS#8 PEM that OpenSSL opens', async () => {
  const email = 'grace.pem@example.com';
  const link = await seed(worker, 'Grace Hopper', email);
  const { context, page, requests, errors } = await recordingPage();
  await page.goto(link);
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  const serial = (await page.locator('[data-testid=serial]').textContent()).trim();

  // The meter follows the typing; a weak password is refused with the field named, and no file is offered.
  await page.locator('[data-testid=password]').fill(WEAK_PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(WEAK_PASSWORD);
  const meter = page.locator('[data-testid=password-strength]');
  assert.equal(await meter.getAttribute('data-score'), '0');
  assert.match(await page.locator('[data-testid=password-verdict]').textContent(), /^Very weak/);
  assert.match(await meter.textContent(), /Avoid common passwords/);
  await page.locator('[data-testid=build-bundle]').click();
  const error = page.locator('[data-testid=error][data-code=password_too_weak]');
  await error.waitFor();
  assert.equal(await error.getAttribute('data-field'), 'password');
  assert.match(await error.textContent(), /^Password: too weak/);
  assert.equal(await page.locator('[data-testid=download]').count(), 0);

  // The journey's password passes.
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
  assert.equal(await meter.getAttribute('data-acceptable'), 'true');
  await page.locator('[data-testid=build-bundle]').click();
  await page.locator('[data-testid=download]').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=error]').count(), 0);
  const bundle = await save(page, page.locator('[data-testid=download]'), 'enrolled.p12');
  const key = await save(page, page.locator('[data-testid=download-key-pem]'), 'enrolled.key.pem');
  const chain = await save(page, page.locator('[data-testid=download-certificates-pem]'), 'enrolled.chain.pem');
  assert.equal(key.suggested, 'Grace-Hopper--Example-Org.key.pem');
  assert.equal(chain.suggested, 'Grace-Hopper--Example-Org.chain.pem');
  await page.locator('[data-testid=confirm-saved]').click();
  await page.locator('[data-testid=forgotten]').waitFor();

  // The key file is PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and `openssl pkey` opens it with the password only.
  const keyPem = readFileSync(key.path, 'utf8');
  assert.match(keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.doesNotMatch(keyPem, /BEGIN PRIVATE KEY/);
  const structure = openssl(['asn1parse', '-in', key.path]);
  for (const algorithm of ['PBES2', 'PBKDF2', 'hmacWithSHA256', 'aes-256-cbc']) assert.match(structure, new RegExp(`:${algorithm}`));
  assert.equal(opensslStatus(['pkey', '-in', key.path, '-passin', 'pass:wrong password', '-noout']).ok, false);
  const pass = `pass:${PASSWORD}`;
  const publicKey = openssl(['pkey', '-in', key.path, '-passin', pass, '-pubout']);

  // The chain file: the certificate shown, then the issuing CA and the root; the key is the certificate's.
  const chainPem = readFileSync(chain.path, 'utf8');
  const fingerprints = certificateFingerprints(chainPem);
  assert.equal(fingerprints.length, 3);
  assert.equal(fingerprints[2], certificateFingerprints(developmentRootPem())[0], 'the chain ends at the development root');
  const [leafPem, ...caPems] = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g);
  const leafPath = writeTemp(directory, 'enrolled-leaf.pem', leafPem);
  const caPath = writeTemp(directory, 'enrolled-ca.pem', caPems.join(''));
  const rootPath = writeTemp(directory, 'enrolled-root.pem', developmentRootPem());
  assert.equal(openssl(['x509', '-in', leafPath, '-noout', '-serial']).trim().toLowerCase(), `serial=${serial}`);
  assert.match(openssl(['verify', '-CAfile', rootPath, '-untrusted', caPath, leafPath]), /: OK/);
  assert.equal(publicKey, openssl(['x509', '-in', leafPath, '-noout', '-pubkey']), 'the key is the certificate\'s');
  // The same key and certificates as the .p12.
  const fromBundle = readBundle(bundle.path, PASSWORD);
  assert.equal(fromBundle.key, sha256(openssl(['pkey', '-in', key.path, '-passin', pass])));
  assert.deepEqual(fromBundle.certificates, fingerprints);

  // No request carried the private key (any form) or the password: one POST with a body, the CSR (the "saved"
  // confirmation, when the page sent it, is empty).
  const derPath = join(directory, 'enrolled.key.der');
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', key.path, '-passin', pass, '-outform', 'DER', '-out', derPath]);
  const leaks = privateKeyForms(readFileSync(derPath), openssl(['pkey', '-in', key.path, '-passin', pass]));
  const saved = requests.filter((request) => request.method === 'POST' && new URL(request.url).pathname.endsWith('/saved'));
  assert.ok(saved.every((request) => (request.body ?? Buffer.alloc(0)).length <= 2), 'the saved confirmation carries nothing');
  const posts = requests.filter((request) => request.method === 'POST' && !saved.includes(request));
  assert.equal(posts.length, 1);
  assert.match(posts[0].body.toString(), /BEGIN CERTIFICATE REQUEST/);
  for (const request of requests) {
    const body = request.body ?? Buffer.alloc(0);
    assert.deepEqual([...leaks(body), ...leaks(Buffer.from(request.url))], [], `${request.method} ${request.url} carried the private key`);
    assert.ok(!body.includes(PASSWORD) && !body.includes(keyPem.split('\n')[1]), `${request.url} carried the password or the encrypted key`);
  }
  assert.deepEqual(errors, []);
  await context.close();
  rmSync(derPath);
});
