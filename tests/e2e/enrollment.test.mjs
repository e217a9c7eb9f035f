// The walking skeleton's journey, end to end, once for every key type the enrollment page offers: development
// mailbox → single-use link → key pair and CSR in the browser (WebAssembly + WebCrypto) → issuance by the Worker
// in workerd → PKCS#12 built in the browser → checked with OpenSSL, pyca/cryptography, NSS (pk12util, certutil)
// and Java's keytool. Every request the page sends is recorded and searched for the private key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, launchBrowser, developmentRootPem, openssl, opensslStatus, scratch, writeTemp, privateKeyForms,
  certificateFingerprints, keywardPython, checkWithPython, checkWithNss, checkWithKeytool,
} from './harness.mjs';

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

const PASSWORD = 'correct horse battery staple';
// The seeded order's recipient and organization, as the bundle names them.
const FRIENDLY_NAME = 'Ada Lovelace (Example Org)';

/**
 * Every key type the enrollment page offers (`<select data-testid=key-type>`, in its order), and what each tool
 * should say about such a key.
 */
const KEY_TYPES = [
  { keyType: 'rsa2048', openssl: /Public Key Algorithm: rsaEncryption\s+Public-Key: \(2048 bit\)/, csrSignature: 'sha256WithRSAEncryption',
    python: { type: 'RSA', bits: 2048, exponent: 65537 }, nss: 'rsa', keytool: '2048-bit RSA key' },
  { keyType: 'rsa3072', openssl: /Public Key Algorithm: rsaEncryption\s+Public-Key: \(3072 bit\)/, csrSignature: 'sha256WithRSAEncryption',
    python: { type: 'RSA', bits: 3072, exponent: 65537 }, nss: 'rsa', keytool: '3072-bit RSA key' },
  { keyType: 'rsa4096', openssl: /Public Key Algorithm: rsaEncryption\s+Public-Key: \(4096 bit\)/, csrSignature: 'sha256WithRSAEncryption',
    python: { type: 'RSA', bits: 4096, exponent: 65537 }, nss: 'rsa', keytool: '4096-bit RSA key' },
  { keyType: 'ecdsa_p256', openssl: /Public Key Algorithm: id-ecPublicKey\s+Public-Key: \(256 bit\)[\s\S]+ASN1 OID: prime256v1/,
    csrSignature: 'ecdsa-with-SHA256', python: { type: 'EC', bits: 256, curve: 'secp256r1' }, nss: 'ec', keytool: '256-bit EC (secp256r1) key' },
  { keyType: 'ecdsa_p384', openssl: /Public Key Algorithm: id-ecPublicKey\s+Public-Key: \(384 bit\)[\s\S]+ASN1 OID: secp384r1/,
    csrSignature: 'ecdsa-with-SHA384', python: { type: 'EC', bits: 384, curve: 'secp384r1' }, nss: 'ec', keytool: '384-bit EC (secp384r1) key' },
  // NSS 3.87 (Debian 12's) imports no Ed25519 private key from any PKCS#12, OpenSSL's included
  // (SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY): that check is left out for Ed25519, and the page says so.
  { keyType: 'ed25519', openssl: /Public Key Algorithm: ED25519/, csrSignature: 'ED25519',
    python: { type: 'Ed25519' }, nss: null, keytool: '255-bit Ed25519 key' },
];

/** The bundle profiles the page offers (`<select data-testid=bundle-profile>`), and what `openssl pkcs12 -info` says. */
const BUNDLE_PROFILES = {
  modern: [/PBES2, PBKDF2, AES-256-CBC/, /MAC: sha256/],
  compatible: [/pbeWithSHA1And3-KeyTripleDES-CBC/, /MAC: sha1/],
};

// Every key type with the modern bundle; the compatible bundle with one RSA and one elliptic-curve key.
const CASES = [
  ...KEY_TYPES.map((expected) => [expected, 'modern']),
  ...KEY_TYPES.filter(({ keyType }) => ['rsa2048', 'ecdsa_p256'].includes(keyType)).map((expected) => [expected, 'compatible']),
];

for (const [expected, bundleProfile] of CASES) {
  const { keyType } = expected;
  const tools = expected.nss === null ? 'OpenSSL, cryptography and keytool (NSS 3.87 has no Ed25519)' : 'OpenSSL, cryptography, NSS and keytool';
  test(`a recipient enrolls with ${keyType} and gets a ${bundleProfile} .p12 that ${tools} accept`, async () => {
    keywardPython(); // fails at once, not after the journey, when the suite was not started by `cargo xtask test`
    const email = `ada.${keyType}.${bundleProfile}@example.com`;
    const link = await seed(worker, 'Ada Lovelace', email);
    const token = link.split('/enroll/')[1];
    const directory = scratch(`journey-${keyType}-${bundleProfile}`);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const sent = [];
    page.on('request', async (request) => {
      sent.push({ url: request.url(), method: request.method(), headers: await request.allHeaders(), body: request.postDataBuffer() });
    });
    const consoleErrors = [];
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    // Content-Security-Policy violations are reported as console errors.
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });

    // Step 2: the enrollment email sits in the outbox and shows on the development mailbox page.
    await page.goto(`${worker.url}/dev/mailbox`);
    const mail = page.locator('[data-testid=mail]', { has: page.locator(`[data-testid=mail-to]:text-is("${email}")`) });
    await mail.waitFor();
    const href = await mail.locator('[data-testid=mail-link]').getAttribute('href');
    assert.equal(href, link);

    // Step 3: opening the link shows the page and spends nothing (nor does a scanner's GET or HEAD).
    await fetch(link, { method: 'HEAD' });
    await fetch(`${worker.url}/api/v1/enrollments/${token}`);
    await mail.locator('[data-testid=mail-link]').click();
    await page.locator('[data-testid=generate]').waitFor();
    assert.equal(await page.locator('[data-testid=recipient-email]').textContent(), email);
    const unspent = await worker.query(`SELECT spent_at FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id WHERE r.email = '${email}'`);
    assert.deepEqual(unspent, [{ spent_at: null }]);

    // Steps 4-5: key pair and CSR in the browser; only the CSR goes out; the Worker issues. The page offers
    // exactly the key types this suite covers.
    const offered = await page.locator('[data-testid=key-type] option').evaluateAll((options) => options.map((option) => option.value));
    assert.deepEqual(offered, KEY_TYPES.map((type) => type.keyType), 'the key types offered are the ones this suite covers');
    await page.locator('[data-testid=key-type]').selectOption(keyType);
    await page.locator('[data-testid=generate]').click();
    // RSA-4096 generation can take seconds, more on a busy machine.
    await page.locator('[data-testid=password]').waitFor({ timeout: 120_000 });
    const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
    assert.match(serial, /^[0-9a-f]{32}$/);

    // Step 6: a password typed twice, the bundle built and re-read in the browser, offered as a download.
    await page.locator('[data-testid=password]').fill(PASSWORD);
    await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
    const profiles = await page.locator('[data-testid=bundle-profile] option').evaluateAll((options) => options.map((option) => option.value));
    assert.deepEqual(profiles, Object.keys(BUNDLE_PROFILES), 'the bundle profiles offered are the ones this suite covers');
    await page.locator('[data-testid=bundle-profile]').selectOption(bundleProfile);
    await page.locator('[data-testid=build-bundle]').click();
    const downloadLink = page.locator('[data-testid=download]');
    await downloadLink.waitFor({ timeout: 60_000 });
    assert.match(await downloadLink.getAttribute('download'), /\.p12$/);
    const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
    const bundlePath = join(directory, 'bundle.p12');
    await download.saveAs(bundlePath);
    // The file is saved: the recipient says so, and the copy this browser kept for a resume is erased.
    // Saying so also tells the Worker (the inventory's "downloaded"), with an empty request.
    await Promise.all([
      page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/saved')),
      page.locator('[data-testid=confirm-saved]').click(),
    ]);
    await page.locator('[data-testid=forgotten]').waitFor();
    // pyca/cryptography, NSS and keytool start on the file now (JVMs start slowly) and are judged at the end.
    const otherTools = Promise.all([
      checkWithPython(bundlePath, PASSWORD),
      expected.nss === null ? Promise.resolve(null) : checkWithNss(bundlePath, PASSWORD, FRIENDLY_NAME),
      checkWithKeytool(bundlePath, PASSWORD),
    ]);
    otherTools.catch(() => { /* awaited below; this only keeps an early failure from going unhandled meanwhile */ });

    // OpenSSL opens it with the password and no -legacy flag.
    const pass = `pass:${PASSWORD}`;
    const keyPem = openssl(['pkcs12', '-in', bundlePath, '-passin', pass, '-nocerts', '-nodes']);
    const leafPem = openssl(['pkcs12', '-in', bundlePath, '-passin', pass, '-nokeys', '-clcerts']);
    const caPem = openssl(['pkcs12', '-in', bundlePath, '-passin', pass, '-nokeys', '-cacerts']);
    assert.equal(opensslStatus(['pkcs12', '-in', bundlePath, '-passin', 'pass:wrong password', '-nodes']).ok, false,
      'a wrong password must not open the bundle');
    const info = opensslStatus(['pkcs12', '-in', bundlePath, '-passin', pass, '-info', '-noout']).output;
    for (const algorithm of BUNDLE_PROFILES[bundleProfile]) assert.match(info, algorithm);

    // The certificate verifies against the development root (from .dev.vars) and the chain.
    const rootPath = writeTemp(directory, 'root.pem', developmentRootPem());
    const leafPath = writeTemp(directory, 'leaf.pem', leafPem);
    const caPath = writeTemp(directory, 'ca.pem', caPem);
    assert.match(openssl(['verify', '-CAfile', rootPath, '-untrusted', caPath, leafPath]), /: OK/);
    const text = openssl(['x509', '-in', leafPath, '-noout', '-text']);
    assert.match(text, /Subject: C ?= ?GB, O ?= ?Example Org, (?:.+, )?CN ?= ?Ada Lovelace$/m);
    assert.match(text, new RegExp(`email:${email.replaceAll('.', '\\.')}`));
    assert.match(text, /E-mail Protection, TLS Web Client Authentication/);
    assert.match(text, expected.openssl);
    assert.equal(openssl(['x509', '-in', leafPath, '-noout', '-serial']).trim().toLowerCase(), `serial=${serial}`);
    assert.match(leafPem, new RegExp(`friendlyName: ${FRIENDLY_NAME.replace(/[()]/g, '\\$&')}\n`));

    // The key matches the certificate.
    const keyPath = writeTemp(directory, 'key.pem', keyPem);
    const certificatePublicKey = openssl(['x509', '-in', leafPath, '-noout', '-pubkey']);
    assert.equal(openssl(['pkey', '-in', keyPath, '-pubout']), certificatePublicKey);

    // No request carried the private key, in any form.
    const pkcs8Der = derOf(keyPath);
    const pkcs8Pem = openssl(['pkey', '-in', keyPath]);
    const leaks = privateKeyForms(pkcs8Der, pkcs8Pem);
    assert.deepEqual(leaks(Buffer.concat([Buffer.from('x'), pkcs8Der])), ['DER bytes'], 'the detector must find a planted key');
    assert.deepEqual(leaks(Buffer.from(`x${pkcs8Der.toString('base64')}`)).slice(0, 1), ['base64 DER'], 'and a planted base64 key');
    assert.ok(sent.some((request) => request.url.endsWith('/bundle-worker.js')), 'the bundle was made in the packaging worker');
    // Two POSTs: the CSR, then (after "I have saved the file") the empty confirmation the inventory records as
    // a pickup. Every request is searched for the key below.
    const submissions = sent.filter((request) => request.method === 'POST');
    assert.deepEqual(submissions.map((request) => new URL(request.url).pathname.replace(/^\/api\/v1\/enrollments\/[^/]+/, '/api/v1/enrollments/{token}')),
      ['/api/v1/enrollments/{token}', '/api/v1/enrollments/{token}/saved'], 'exactly two POSTs: the CSR, then the saved confirmation');
    assert.ok((submissions[1].body ?? Buffer.alloc(0)).length <= 2, 'the saved confirmation carries nothing');
    assert.match(submissions[0].body.toString(), /BEGIN CERTIFICATE REQUEST/);
    // The request the page sent is signed by the new key with the key type's algorithm, and carries its public key.
    const csrPath = writeTemp(directory, 'request.pem', JSON.parse(submissions[0].body.toString()).csr);
    assert.match(opensslStatus(['req', '-in', csrPath, '-noout', '-verify']).output, /verify OK/);
    assert.match(openssl(['req', '-in', csrPath, '-noout', '-text']), new RegExp(`Signature Algorithm: ${expected.csrSignature}\\b`));
    assert.equal(openssl(['req', '-in', csrPath, '-noout', '-pubkey']), certificatePublicKey);
    for (const request of sent) {
      const found = [...leaks(request.body ?? Buffer.alloc(0)), ...leaks(Buffer.from(JSON.stringify(request.headers))), ...leaks(Buffer.from(request.url))];
      assert.deepEqual(found, [], `${request.method} ${request.url} carried the private key`);
    }

    // The database holds one certificate for this link, its public key hash, and no key material.
    const rows = await worker.query(`SELECT c.serial FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = '${email}'`);
    assert.deepEqual(rows, [{ serial }]);

    // Step 7: the link again shows a clear "already used" page and offers nothing that spends.
    // Wait for the document, not for every subresource: the locators below wait for the page itself, and a
    // machine busy with the JVM and NSS checks started above can take long over the preloaded WebAssembly.
    const reopened = await page.goto(link, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    assert.match(reopened.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'; /);
    await page.locator('[data-testid=link-closed]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid=link-closed]').textContent(), 'This link was already used');
    assert.match(await page.locator('[data-testid=link-closed-detail]').textContent(), /^It was used on .+ to request your certificate/);
    assert.equal(await page.locator('[data-testid=generate]').count(), 0);
    assert.equal(await page.locator('[data-testid=download-pem]').getAttribute('href'), `/api/v1/certificates/${serial}/pem`,
      'the used-link page offers the issued certificate again');
    assert.deepEqual(consoleErrors, []);
    await context.close();

    // Three more tools no one here wrote (started above) opened the same file, each also refusing a wrong
    // password; all see the certificate, key and chain that OpenSSL saw.
    const [leafFingerprint] = certificateFingerprints(leafPem);
    const [rootFingerprint] = certificateFingerprints(developmentRootPem());
    const [python, nss, keytool] = await otherTools;
    assert.deepEqual(python.key, expected.python);
    assert.equal(BigInt(`0x${python.serial}`), BigInt(`0x${serial}`), 'cryptography reads the serial the page showed');
    assert.equal(python.friendlyName, FRIENDLY_NAME);
    assert.equal(python.fingerprint, leafFingerprint);
    assert.deepEqual(python.chainFingerprints, certificateFingerprints(caPem), 'the additional certificates are the chain OpenSSL saw');
    assert.equal(python.chainFingerprints[1], rootFingerprint, 'the chain ends at the development root');
    if (expected.nss !== null) assert.deepEqual(nss, { keyAlgorithm: expected.nss, fingerprint: leafFingerprint });
    assert.deepEqual(keytool, { alias: FRIENDLY_NAME.toLowerCase(), fingerprint: leafFingerprint, serial: python.serial, publicKey: expected.keytool });
    // The extracted private key stays on this machine only as long as the test needs it.
    rmSync(directory, { recursive: true, force: true });
  });
}

/** The PKCS#8 DER of a PEM private key. */
function derOf(keyPath) {
  const out = `${keyPath}.der`;
  openssl(['pkey', '-in', keyPath, '-outform', 'DER', '-out', out]);
  return readFileSync(out);
}
