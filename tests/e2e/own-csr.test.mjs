// The enrollment page's other path (issue 16): the recipient brings a certificate request made by `openssl req`,
// pastes or uploads it, the page pre-checks it in the packaging module (loaded only then, never on the first
// load), sends only the request, and offers the certificate and its chain as PEM. Refusals name the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, seed, launchBrowser, developmentRootPem, openssl, scratch, writeTemp, http } from './harness.mjs';

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

/** A key and its request made by `openssl req` in `directory`: `newkey` as openssl takes it, `subject` as -subj. */
function request(directory, name, newkey, subject) {
  const keyPath = join(directory, `${name}.key`);
  const requestPath = join(directory, `${name}.csr`);
  openssl(['req', '-new', '-newkey', ...newkey, '-nodes', '-keyout', keyPath, '-subj', subject, '-out', requestPath]);
  return { keyPath, requestPath, text: readFileSync(requestPath, 'utf8') };
}

/** A page on a fresh link, with every request it sends recorded. */
async function openLink(email) {
  const link = await seed(worker, 'Ada Lovelace', email);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const sent = [];
  page.on('request', (request) => sent.push({ url: request.url(), method: request.method(), body: request.postData() }));
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(link);
  await page.locator('[data-testid=generate]').waitFor();
  return { page, sent, errors, context, token: link.split('/enroll/')[1] };
}

const posts = (sent) => sent.filter((entry) => entry.method === 'POST');

test('a request made by openssl req, pasted, is pre-checked, issued, and its certificate matches the key', async () => {
  const directory = scratch('own-csr');
  const { page, sent, errors, context } = await openLink('ada.own-csr@example.com');
  // The first load carries no PKCS#12 nor request parser: the packaging module is not fetched.
  assert.ok(!sent.some((entry) => entry.url.includes('/pkg/package')), 'the first load fetched the packaging module');
  const brought = request(directory, 'p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Ada Lovelace');

  await page.locator('[data-testid=own-csr-open]').click();
  assert.equal(await page.locator('[data-testid=generate]').isVisible(), false, 'the key generation is hidden on this path');
  await page.locator('[data-testid=own-csr-text]').fill(brought.text);
  await page.locator('[data-testid=own-csr-submit]').click();
  const certificateLink = page.locator('[data-testid=own-csr-certificate]');
  await certificateLink.waitFor({ timeout: 60_000 });
  assert.ok(sent.some((entry) => entry.url.endsWith('/pkg/package_bg.wasm')), 'the pre-check ran in the packaging module');

  const [certificateDownload] = await Promise.all([page.waitForEvent('download'), certificateLink.click()]);
  const certificatePath = join(directory, 'certificate.pem');
  await certificateDownload.saveAs(certificatePath);
  const [chainDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=own-csr-chain]').click()]);
  const chainPath = join(directory, 'chain.pem');
  await chainDownload.saveAs(chainPath);

  // The certificate is for the key the recipient kept, and verifies against the development root and the chain.
  assert.equal(openssl(['x509', '-in', certificatePath, '-noout', '-pubkey']), openssl(['pkey', '-in', brought.keyPath, '-pubout']));
  const rootPath = writeTemp(directory, 'root.pem', developmentRootPem());
  assert.match(openssl(['verify', '-CAfile', rootPath, '-untrusted', chainPath, certificatePath]), /: OK/);
  const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
  assert.equal(openssl(['x509', '-in', certificatePath, '-noout', '-serial']).trim().toLowerCase(), `serial=${serial}`);
  assert.match(openssl(['x509', '-in', certificatePath, '-noout', '-subject']), /CN ?= ?Ada Lovelace/);

  // One POST: the request as pasted, nothing else (no key ever was in the page).
  const submissions = posts(sent);
  assert.equal(submissions.length, 1);
  assert.equal(JSON.parse(submissions[0].body).csr, brought.text);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a request with a key type the link does not take, or naming someone else, is refused in the page with the field named', async () => {
  const directory = scratch('own-csr-refused');
  const { page, sent, context, token } = await openLink('ada.own-csr-refused@example.com');
  await page.locator('[data-testid=own-csr-open]').click();
  const cases = [
    // Uploaded as a file: RSA 1024, a key type no profile takes.
    { brought: request(directory, 'rsa1024', ['rsa:1024'], '/CN=Ada Lovelace'), upload: true, code: 'csr_key_type_not_accepted', says: /RSA 1024/ },
    // Pasted: the right key type, someone else's name.
    { brought: request(directory, 'grace', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Grace Hopper'), upload: false, code: 'csr_name_mismatch', says: /Grace Hopper/ },
  ];
  for (const { brought, upload, code, says } of cases) {
    if (upload) {
      await page.locator('[data-testid=own-csr-file]').setInputFiles(brought.requestPath);
      await page.waitForFunction((text) => document.querySelector('[data-testid=own-csr-text]')?.value === text, brought.text);
    } else {
      await page.locator('[data-testid=own-csr-text]').fill(brought.text);
    }
    await page.locator('[data-testid=own-csr-submit]').click();
    const error = page.locator(`[data-testid=error][data-code=${code}]`);
    await error.waitFor({ timeout: 60_000 });
    assert.equal(await error.getAttribute('data-field'), 'csr');
    assert.match(await error.textContent(), says);
  }
  assert.deepEqual(posts(sent), [], 'a refused request is not sent');

  // The Worker applies its own policy to a request sent without the page: the RSA-1024 key is refused at `csr`.
  const response = await http(`${worker.url}/api/v1/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: cases[0].brought.text }) });
  assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
  assert.equal(response.json().error.field, 'csr', JSON.stringify(response.json()));
  await context.close();
});
