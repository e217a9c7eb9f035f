// External CSRs explained, and issuance ignoring what they ask (issue 13 items 3 and 4's subject name). A corpus of
// requests made by `openssl req -addext` (wrong key usages, wrong EKUs, extra names, CA:TRUE, unknown extensions,
// nothing at all) is pasted in the order form in Chromium: the form prefills the names it carries and shows the
// expected explanations; the order is placed, and each issued certificate carries exactly the extensions of a
// certificate issued for a request that asks for nothing (OpenSSL `x509 -text`), and passes pkilint. Then the
// order page's subject name panel is compared with what OpenSSL prints and with what nginx logs as
// `$ssl_client_s_dn` for that client certificate (an organization name with a comma, a plus, quotes and accents).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, http, createAccount, login, openssl, scratch, launchBrowser, signedInPage, pkilint, pkilintFindings,
  writeTemp,
} from './harness.mjs';
import { startMtlsNginx } from './nginx.mjs';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
const ORGANIZATION = 'Dupont, Fils + Cie "Élan" <Nord>; Sàrl';
let worker;
let browser;
let directory;
let alice;
let page;
let nginx;

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

async function eventually(condition, what, milliseconds = 30_000) {
  const deadline = Date.now() + milliseconds;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('csr-explain');
  const account = await createAccount(worker, { name: 'Dupont', users: [{ email: 'alice@csr.example.com', password: PASSWORD }] });
  alice = await login(worker, 'alice@csr.example.com', PASSWORD);
  // A validated organization (its name needs escaping in every subject form), a validated domain and a balance,
  // written with SQL: their own suites test how they are obtained.
  const now = Math.floor(Date.now() / 1000);
  const address = JSON.stringify({ street: '1 rue de la Paix', city: 'Lille', postal_code: '59000', region: '' });
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, validated_until, created_at, account_id)
    VALUES ('org-csr', '${ORGANIZATION.replaceAll("'", "''")}', 'NTRFR-12345678', 'FR', '${address}', ${now - DAY}, ${now + 300 * DAY}, ${now - DAY}, '${account.accountId}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at, validated_until)
    VALUES ('val-csr', '${account.accountId}', 'domain', 'csr.example.com', 'dns_txt', ${now - DAY}, ${now + 300 * DAY}, ${now - DAY}, ${now + 300 * DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-csr', '${account.accountId}', ${now - DAY}, 10000000, 'deposit', 'wire', 'test')`);
  page = await signedInPage(worker, browser, alice);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: worker.url });
});

after(async () => {
  nginx?.stop();
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** A P-256 request made by OpenSSL with these `-addext` values; its key is written beside it. */
function request(name, subject, extensions) {
  const args = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `${name}.key`), '-subj', subject];
  for (const extension of extensions) args.push('-addext', extension);
  return openssl(args);
}

const HOST = 'www.csr.example.com';
// name, profile, subject, -addext values, names typed (when the request carries none), the DNS names the form must
// prefill, the explanation codes in order.
const CORPUS = [
  ['nothing', 'server_auth', `/CN=${HOST}`, [], [HOST], '', ['no_extensions']],
  ['key-usage', 'server_auth', `/CN=${HOST}`, [`subjectAltName=DNS:${HOST}`, 'keyUsage=critical,keyEncipherment,dataEncipherment'],
    null, HOST, ['key_usage_not_for_key', 'key_usage_added']],
  ['client-for-server', 'server_auth', `/CN=${HOST}`, [`subjectAltName=DNS:${HOST}`, 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'],
    null, HOST, ['extended_key_usage_not_in_profile', 'extended_key_usage_added']],
  ['extra-names', 'server_auth', `/CN=${HOST}`, [`subjectAltName=DNS:${HOST},DNS:evil.example.net,DNS:other.example.org,DNS:mail.example.net`],
    null, HOST, ['names_not_on_order']],
  ['certificate-authority', 'server_auth', `/CN=${HOST}`,
    [`subjectAltName=DNS:${HOST}`, 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign', '1.2.3.4=ASN1:UTF8String:obey me'],
    null, HOST, ['key_usage_not_in_profile', 'asks_to_be_ca', 'extensions_ignored']],
  ['other-organization', 'server_auth', `/C=US/O=Evil Corp/OU=IT/CN=${HOST}`, [`subjectAltName=DNS:${HOST},IP:192.0.2.1`],
    null, HOST, ['name_kinds_not_in_profile', 'subject_field_differs', 'subject_field_differs', 'subject_fields_dropped']],
  ['workstation', 'client_auth_workstation', '/CN=pc1.csr.example.com',
    ['subjectAltName=DNS:pc1.csr.example.com', 'extendedKeyUsage=serverAuth,clientAuth,codeSigning'],
    null, 'pc1.csr.example.com', ['extended_key_usage_not_in_profile']],
];

/** What `openssl x509 -text` says of a certificate's extensions: each heading with its value lines. */
function extensions(text) {
  const section = text.split('X509v3 extensions:')[1].split('Signature Algorithm:')[0];
  const found = {};
  let heading = null;
  for (const line of section.split('\n')) {
    if (/^ {12}\S/.test(line)) {
      heading = line.trim().replace(/: critical$/, ' (critical)').replace(/:$/, '');
      found[heading] = [];
    } else if (heading && line.trim()) {
      found[heading].push(line.trim());
    }
  }
  return found;
}

const issued = {};

test('each request of the corpus is explained in the order form, and its certificate carries the profile\'s extensions only', { timeout: 600_000 }, async () => {
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  for (const [name, profile, subject, addext, typed, prefilled, codes] of CORPUS) {
    const pem = request(name, subject, addext);
    await page.goto(`${worker.url}/console/orders/new`);
    await page.locator('[data-testid=order-form]').waitFor({ timeout: 60_000 });
    await page.selectOption('[data-testid=profile]', profile);
    await page.check('[data-testid=validity-days]');
    await page.fill('[data-testid=days]', '90');
    await page.fill('[data-testid="recipients[0].email"]', 'ops@csr.example.com');
    await page.check('[data-testid=csr-now-0]');
    await page.fill('[data-testid="recipients[0].csr"]', pem);
    const list = page.locator('[data-testid=csr-explanations-0]');
    await list.locator('p').waitFor();
    const dnsNames = page.locator('[data-testid="recipients[0].dns_names"]');
    if (typed) {
      assert.equal(await dnsNames.evaluate((element) => element.readOnly), false, `${name}: nothing to prefill`);
      await dnsNames.fill(typed.join('\n'));
    } else {
      await eventually(async () => (await dnsNames.inputValue()) === prefilled, `${name}: the DNS names prefilled`);
      assert.equal(await dnsNames.evaluate((element) => element.readOnly), true, `${name}: prefilled names are read-only`);
    }
    const found = await list.locator('li').evaluateAll((items) => items.map((item) => item.dataset.code));
    assert.deepEqual(found, codes, `${name}: ${await list.textContent()}`);
    assert.equal(await list.getAttribute('aria-live'), 'polite');
    if (name === 'key-usage') {
      assert.match(await list.textContent(), /Asks for keyEncipherment and dataEncipherment; a P-256 key cannot use them; the certificate will carry digitalSignature only\./);
    }
    if (name === 'extra-names') {
      assert.match(await list.textContent(), /Names 3 DNS names not on the order \(evil\.example\.net, other\.example\.org and mail\.example\.net\): they will not be in the certificate\./);
    }
    if (name === 'certificate-authority') {
      await page.click('[data-testid=lang-fr]');
      await eventually(async () => /Keyward n’émet que des certificats d’entité finale/.test(await list.textContent()), 'the French explanation');
      await page.click('[data-testid=lang-en]');
      await eventually(async () => /Keyward issues end-entity certificates only/.test(await list.textContent()), 'the English explanation');
    }
    await page.check('[data-testid=agreement]');
    await page.click('[data-testid=order-submit]');
    await eventually(async () => /\/console\/orders\/(?!new$)[^/]+$/.test(page.url())
      || (await page.locator('[data-testid=order-problems]').count()) > 0, `${name}: the order placed or refused`);
    const problems = await page.locator('.error').allTextContents();
    assert.ok(/\/console\/orders\/(?!new$)[^/]+$/.test(page.url()), `${name}: ${problems.join(' | ')}`);
    const orderId = new URL(page.url()).pathname.split('/').pop();
    const serial = await eventually(async () => (await api(`/orders/${orderId}`, { headers: alice })).json().recipients[0].certificate_serial,
      `${name}: the certificate`);
    const certificate = await api(`/certificates/${serial}/pem`);
    assert.equal(certificate.status, 200);
    const path = writeTemp(directory, `${name}.pem`, certificate.body);
    issued[name] = { serial, path, orderId, profile };
  }
  assert.deepEqual(errors, []);

  // Every certificate of a profile carries exactly what the one for a request asking nothing carries.
  for (const [name, profile] of CORPUS) {
    const text = openssl(['x509', '-in', issued[name].path, '-noout', '-text']);
    const found = extensions(text);
    delete found['X509v3 Subject Key Identifier'];
    delete found['X509v3 Authority Key Identifier'];
    if (profile === 'server_auth') {
      const baseline = extensions(openssl(['x509', '-in', issued.nothing.path, '-noout', '-text']));
      delete baseline['X509v3 Subject Key Identifier'];
      delete baseline['X509v3 Authority Key Identifier'];
      assert.deepEqual(found, baseline, `${name}: the profile's extensions only`);
      assert.deepEqual(found['X509v3 Key Usage (critical)'], ['Digital Signature'], name);
      assert.deepEqual(found['X509v3 Extended Key Usage'], ['TLS Web Server Authentication'], name);
      assert.deepEqual(found['X509v3 Subject Alternative Name'], [`DNS:${HOST}`], name);
      assert.match(text, new RegExp(`Subject: C ?= ?FR, L ?= ?Lille, O ?= ?"?Dupont`), name);
      const report = pkilint('lint_cabf_serverauth_cert', ['lint', '-d', issued[name].path]);
      assert.deepEqual(pkilintFindings(report, ['FATAL', 'ERROR']), [], `${name}: pkilint TLS BR`);
    } else {
      assert.deepEqual(found['X509v3 Key Usage (critical)'], ['Digital Signature'], name);
      assert.deepEqual(found['X509v3 Extended Key Usage'], ['TLS Web Client Authentication'], name);
      assert.deepEqual(found['X509v3 Subject Alternative Name'], ['DNS:pc1.csr.example.com'], name);
      const report = pkilint('lint_pkix_cert', ['lint', issued[name].path]);
      assert.deepEqual(pkilintFindings(report, ['FATAL', 'ERROR']), [], `${name}: pkilint PKIX`);
    }
    assert.deepEqual(found['X509v3 Basic Constraints (critical)'], ['CA:FALSE'], name);
    assert.doesNotMatch(text, /1\.2\.3\.4|obey me|Evil Corp|evil\.example|192\.0\.2\.1|Code Signing|OU ?=/, name);
  }
});

/** Keyward's chain (issuing CA, root) as PEM, from the Worker's repository. */
async function chainPem() {
  const chain = await Promise.all(['/ca/issuing.crt', '/ca/root.crt'].map(async (path) => {
    const response = await http(`${worker.url}${path}`);
    assert.equal(response.status, 200, path);
    return openssl(['x509', '-inform', 'DER', '-in', writeTemp(directory, path.replaceAll('/', '_'), response.body)]);
  }));
  return chain.join('');
}

test('the subject name panel shows what OpenSSL prints and what nginx logs, and copies it', { timeout: 180_000 }, async () => {
  const { serial, path, orderId } = issued.workstation;
  await page.goto(`${worker.url}/console/orders/${orderId}`);
  const panel = page.locator(`[data-testid=subject-name-${serial}]`);
  await panel.locator('summary').click();
  const shown = async (form) => (await panel.locator(`[data-testid=subject-${form}]`).textContent());
  await panel.locator('[data-testid=subject-rfc4514]').waitFor();
  const rfc2253 = openssl(['x509', '-in', path, '-noout', '-subject', '-nameopt', 'RFC2253']).trim().replace(/^subject=/, '');
  const oneLine = openssl(['x509', '-in', path, '-noout', '-subject']).trim().replace(/^subject=/, '');
  assert.match(rfc2253, /Dupont\\, Fils \\\+ Cie \\"\\C3\\89lan\\" \\<Nord\\>\\; S\\C3\\A0rl/, 'the name needs escaping');
  assert.equal(await shown('rfc4514'), rfc2253);
  assert.equal(await shown('openssl'), oneLine);
  assert.equal(await shown('nginx'), rfc2253);
  assert.equal(await shown('windows'), `CN=pc1.csr.example.com, O="${ORGANIZATION.replaceAll('"', '""')}", C=FR`);

  await panel.locator('[data-testid=copy-subject-rfc4514]').click();
  await eventually(async () => (await panel.locator('[data-testid=copy-subject-rfc4514]').textContent()) === 'Copied', 'copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), rfc2253);

  // nginx, handed this certificate and its key by curl, logs and answers its `$ssl_client_s_dn`.
  nginx = await startMtlsNginx(join(directory, 'nginx'), { ca: await chainPem() });
  const result = nginx.curl({ cert: path, key: join(directory, 'workstation.key') });
  assert.equal(result.status, 200, `${result.body}${result.error}`);
  assert.equal(result.body, await shown('nginx'));
  const logged = await eventually(() => readFileSync(join(nginx.site, 'logs', 'access.log'), 'utf8').trim(), 'the access log');
  assert.equal(logged.split('\n').pop(), await shown('nginx').then((text) => text.replaceAll('\\', '\\x5C').replaceAll('"', '\\x22')));

  // The inventory offers the same panel.
  await page.goto(`${worker.url}/console/certificates`);
  const row = page.locator(`[data-testid=certificate-row][data-serial="${serial}"]`);
  await row.locator('summary').click();
  await row.locator('[data-testid=subject-nginx]').waitFor();
  assert.equal(await row.locator('[data-testid=subject-nginx]').textContent(), rfc2253);
});

test('the packaging worker reads the order form\'s request: a submission waits for its answer, and a late answer for an older text never shows', { timeout: 180_000 }, async () => {
  const errors = [];
  const form = await signedInPage(worker, browser, alice);
  form.on('pageerror', (error) => errors.push(String(error)));
  // The packaging worker is the real one; only its answers' delivery to the page can be held back and released
  // by the test, to put them in the order under test: while `holdAnswers` is set, each answer is queued.
  await form.addInitScript(() => {
    const RealWorker = window.Worker;
    window.heldAnswers = [];
    window.holdAnswers = false;
    window.Worker = class extends RealWorker {
      get onmessage() {
        return super.onmessage;
      }

      set onmessage(handler) {
        super.onmessage = handler && ((event) => {
          if (window.holdAnswers) window.heldAnswers.push(() => handler(event));
          else handler(event);
        });
      }
    };
  });
  const release = () => form.evaluate(() => {
    window.holdAnswers = false;
    const answers = window.heldAnswers.splice(0);
    for (const answer of answers) answer();
    return answers.length;
  });
  const held = () => form.evaluate(() => window.heldAnswers.length);
  const orderPosts = [];
  form.on('request', (sent) => {
    if (sent.method() === 'POST' && new URL(sent.url()).pathname === '/api/v1/orders') orderPosts.push(JSON.parse(sent.postData()));
  });
  await form.goto(`${worker.url}/console/orders/new`);
  await form.locator('[data-testid=order-form]').waitFor({ timeout: 60_000 });
  await form.selectOption('[data-testid=profile]', 'server_auth');
  await form.check('[data-testid=validity-days]');
  await form.fill('[data-testid=days]', '90');
  await form.fill('[data-testid="recipients[0].email"]', 'ops@csr.example.com');
  await form.fill('[data-testid="recipients[0].dns_names"]', HOST);
  await form.check('[data-testid=agreement]');
  await form.check('[data-testid=csr-now-0]');
  const refusal = form.locator('[data-testid="error-recipients[0].csr"]');
  const accepted = form.locator('[data-testid=csr-accepted-0]');
  const weak = (name) => openssl(['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-keyout', join(directory, `${name}.key`), '-subj', `/CN=${HOST}`]);

  // Submitted before the worker answered: nothing is sent while the answer is held; once it comes, the request is
  // refused beside its box, and still nothing is sent.
  await form.evaluate(() => { window.holdAnswers = true; });
  await form.fill('[data-testid="recipients[0].csr"]', weak('held-weak'));
  await form.click('[data-testid=order-submit]');
  await eventually(async () => (await held()) > 0, 'the worker\'s answer, held');
  assert.equal(await refusal.count(), 0, 'no verdict before the answer');
  assert.equal(await accepted.count(), 0, 'no verdict before the answer');
  assert.equal(orderPosts.length, 0, 'the submission waits for the answer');
  assert.ok(await release() > 0);
  await refusal.waitFor();
  assert.equal(await refusal.getAttribute('data-code'), 'csr_refused');
  assert.match(await refusal.textContent(), /1024/);
  await form.locator('[data-testid=order-problems]').waitFor();
  assert.equal(orderPosts.length, 0, 'no order leaves the page while its request is refused');

  // Another weak request, its answer held; then a good one, answered at once; then the weak one's answer comes:
  // it is for an older text, and changes nothing.
  await form.evaluate(() => { window.holdAnswers = true; });
  await form.fill('[data-testid="recipients[0].csr"]', weak('stale-weak'));
  await eventually(async () => (await held()) > 0, 'the older text\'s answer, held');
  await form.evaluate(() => { window.holdAnswers = false; });
  const good = request('late-good', `/CN=${HOST}`, [`subjectAltName=DNS:${HOST}`]);
  await form.fill('[data-testid="recipients[0].csr"]', good);
  await accepted.waitFor();
  assert.equal(await refusal.count(), 0);
  assert.ok(await release() > 0, 'the older text\'s answer delivered after the newer one');
  // Two frames: the page has handled the late answer and redrawn.
  await form.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  assert.equal(await accepted.count(), 1, 'the newer text\'s verdict stays');
  assert.equal(await refusal.count(), 0, 'the older text\'s refusal is not shown');
  assert.equal(await form.locator('[data-testid=csr-explanations-0] p').count(), 1);

  await form.click('[data-testid=order-submit]');
  await form.waitForURL(/\/console\/orders\/(?!new$)[^/]+$/, { timeout: 30_000 });
  assert.equal(orderPosts.length, 1);
  assert.equal(orderPosts[0].recipients[0].csr, good);
  assert.deepEqual(errors, []);
  await form.context().close();
});
