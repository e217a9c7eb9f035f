// Automatic renewal (issue 14.1) against the Worker in workerd. The clock cannot move in workerd, so the
// certificates' ends move instead (as the reminders' suite does): a certificate "ending in 30 days" is one whose
// `not_after` the test set 30 days from now. Expected answers come from D1's rows, read through the harness.
//
// (a) In Chromium: an order with one renewal; at 30 days before the end the scheduled handler places the renewal
//     order, the new enrollment link arrives, the enrollment page says what it renews, a new key is made in the
//     browser, the new certificate differs in key and serial, the count is 0, and the next run places nothing.
// (b) Two scheduled runs at once, and two "renew now" at once, place exactly one renewal.
// (c) "Renew now": the endpoint (roles, tenancy, refusals) and the order page's button.
// (e) A renewal due whose domain validation lapsed is placed and waits: the domain validation email goes out again,
//     the order page says what it waits for, and once validated through the link the new enrollment link goes out.
// (d) The README sync recipe (`docs/keyward-sync.sh`) against a real nginx: after a renewal that keeps the server's
//     key, the original order's URL serves the new certificate and nginx serves it; unchanged, nothing happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, http, createAccount, login, openssl, scratch, launchBrowser, signedInPage, ROOT } from './harness.mjs';
import { servedSerial, serving } from './nginx.mjs';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
let worker;
let directory;
let browser;
let alice; // org admin of Alpha
let carol; // org user of Alpha
let bob; // org admin of Beta
let keyA; // API key of Alpha
let accountA;
let keys = 0;

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const bearer = (key, extra = {}) => ({ authorization: `Bearer ${key}`, ...extra });
const scheduled = async () => {
  const response = await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(response.status, 200, response.text());
};
const mailTo = async (address) => (await api('/dev/mailbox')).json().messages.filter((message) => message.to === address);
const invitations = async (address) => (await mailTo(address)).filter((mail) => /\/enroll\/[A-Za-z0-9_-]{43}/.test(mail.body));
const tokenOf = (mail) => mail.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];

function csr(name = 'key') {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `${name}.key`), '-subj', '/CN=ignored']);
}

async function place(name, body, headers = alice) {
  const response = await api('/orders', {
    method: 'POST',
    headers,
    body: JSON.stringify({
      organization_id: 'org-alpha', signature_hash: 'sha256', auto_renewals: 1, notification_emails: ['pki@alpha.example.com'],
      payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `renewal-test-${name}-${Date.now()}`,
      profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 200 }, ...body,
    }),
  });
  assert.equal(response.status, 201, `${name}: ${response.text()}`);
  return response.json();
}

/** The certificate `serial` now ends in `days` (issued a year before): the clock moved, as workerd's cannot. */
async function endIn(serial, days) {
  const end = Math.floor(Date.now() / 1000) + days * DAY - 60;
  await worker.query(`UPDATE certificates SET not_after = ${end}, not_before = ${end - 365 * DAY}, version = version + 1 WHERE serial = '${serial}'`);
}

const renewalsOf = (orderId) => worker.query(`SELECT id, renewals_left FROM orders WHERE renewal_of = '${orderId}'`);
const orderCount = async () => (await worker.query('SELECT COUNT(*) AS n FROM orders'))[0].n;
const certificate = async (serial) => (await worker.query(`SELECT serial, spki_sha256, replaced_by, not_after FROM certificates WHERE serial = '${serial}'`))[0];

before(async () => {
  worker = await startWorker();
  directory = scratch('renewal');
  const a = await createAccount(worker, {
    name: 'Alpha',
    users: [{ email: 'alice@alpha.example.com', password: PASSWORD },
      { email: 'carol@alpha.example.com', password: PASSWORD, role: 'org_user' }],
  });
  await createAccount(worker, { name: 'Beta', users: [{ email: 'bob@beta.example.com', password: PASSWORD }] });
  accountA = a.accountId;
  alice = await login(worker, 'alice@alpha.example.com', PASSWORD);
  carol = await login(worker, 'carol@alpha.example.com', PASSWORD);
  bob = await login(worker, 'bob@beta.example.com', PASSWORD);
  // A validated organization and domain and a balance, written with SQL (their own suites test how they are got).
  const now = Math.floor(Date.now() / 1000);
  const address = JSON.stringify({ street: '1 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' });
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('org-alpha', 'Alpha Ltd', 'NTRGB-11111111', 'GB', '${address}', ${now - DAY}, ${now - DAY}, '${accountA}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-alpha', '${accountA}', 'domain', 'alpha.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-alpha', '${accountA}', ${now - DAY}, 10000000, 'deposit', 'wire', 'test')`);
  const created = await api('/api-keys', { method: 'POST', headers: alice, body: JSON.stringify({ name: 'nginx sync' }) });
  assert.equal(created.status, 201, created.text());
  keyA = created.json().key;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

test('(a) 30 days before the end the renewal is placed, its new link arrives, a new key is made in Chromium, the count is 0, and nothing more is placed', async () => {
  const email = 'rita@alpha.example.com';
  const order = await place('keygen', { recipients: [{ name: 'Rita Renew', email }] });
  const [first] = await invitations(email);
  const enrolled = await api(`/enrollments/${tokenOf(first)}`, { method: 'POST', body: JSON.stringify({ csr: csr('rita-first') }) });
  assert.equal(enrolled.status, 201, enrolled.text());
  const oldSerial = enrolled.json().serial;

  // 31 days left: not due; the handler places nothing.
  await endIn(oldSerial, 31);
  const before = await orderCount();
  await scheduled();
  assert.equal(await orderCount(), before, 'not due 31 days before the end');

  await endIn(oldSerial, 30);
  await scheduled();
  const renewals = await renewalsOf(order.id);
  assert.equal(renewals.length, 1, 'one renewal order');
  const renewalId = renewals[0].id;
  const renewal = (await api(`/orders/${renewalId}`, { headers: alice })).json();
  assert.equal(renewal.renewal_of, order.id);
  assert.equal(renewal.auto_renewals, 0, 'the renewal order carries the renewals left after it');
  assert.deepEqual(renewal.recipients.map((recipient) => [recipient.common_name, recipient.email, recipient.renews_serial]),
    [['Rita Renew', email, oldSerial]]);
  assert.equal(renewal.profile, order.profile);
  assert.equal(renewal.validity_days, order.validity_days);
  assert.deepEqual(renewal.notification_emails, ['pki@alpha.example.com']);
  const renewed = (await api(`/orders/${order.id}`, { headers: alice })).json();
  assert.equal(renewed.auto_renewals, 0, 'the count went down by one');
  assert.equal(renewed.renewed_by, renewalId);
  const charges = await worker.query(`SELECT amount FROM ledger WHERE reference = '${renewalId}'`);
  assert.equal(charges.length, 1, 'the renewal is charged like a placed order');

  // A new link, in a new invitation; the old link stays spent.
  const all = await invitations(email);
  assert.equal(all.length, 2, 'a new enrollment link arrived');
  const token = all.map(tokenOf).find((candidate) => candidate !== tokenOf(first));
  assert.notEqual(token, tokenOf(first));

  // The enrollment page says what it renews; a new key is made in the browser.
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${worker.url}/enroll/${token}`, { timeout: 90_000 });
  const notice = page.locator('[data-testid=renewal-of]');
  await notice.waitFor({ timeout: 90_000 });
  assert.equal(await notice.getAttribute('data-serial'), oldSerial);
  assert.match(await notice.textContent(), new RegExp(`^Renewal of certificate ${oldSerial}, ending `));
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=serial]').waitFor({ timeout: 60_000 });
  const newSerial = (await page.locator('[data-testid=serial]').textContent()).trim();
  await page.context().close();

  const [oldCertificate, newCertificate] = [await certificate(oldSerial), await certificate(newSerial)];
  assert.notEqual(newSerial, oldSerial, 'a new serial');
  assert.notEqual(newCertificate.spki_sha256, oldCertificate.spki_sha256, 'a new key');
  assert.equal(oldCertificate.replaced_by, newSerial, 'the issuing batch recorded what replaced it');
  assert.equal(newCertificate.replaced_by, null);
  const inventory = (await api(`/certificates?q=${oldSerial}`, { headers: alice })).json().certificates;
  assert.equal(inventory.find((entry) => entry.serial === oldSerial)?.replaced_by, newSerial, 'the inventory shows it');

  // The original order's sync URL now serves the renewal's certificate.
  const current = await api(`/orders/${order.id}/recipients/0/certificate/current`, { headers: bearer(keyA, { accept: 'application/json' }) });
  assert.equal(current.status, 200, current.text());
  assert.equal(current.json().serial, newSerial);

  // Runs after: the count is 0 and the renewal's certificate is a year away: nothing is placed.
  const count = await orderCount();
  await endIn(oldSerial, 5);
  await scheduled();
  await scheduled();
  assert.equal(await orderCount(), count, 'nothing more is placed');
  assert.equal((await invitations(email)).length, 2, 'no further link');
});

test('(b) two scheduled runs at once, and two "renew now" at once, place exactly one renewal; the count goes down once', async () => {
  const scheduledOrder = await place('concurrent-scheduled', { auto_renewals: 2, recipients: [{ email: 'sam@alpha.example.com', csr: csr('sam') }] });
  await endIn(scheduledOrder.recipients[0].certificate_serial, 10);
  await Promise.all([scheduled(), scheduled(), scheduled()]);
  const renewals = await renewalsOf(scheduledOrder.id);
  assert.equal(renewals.length, 1, 'exactly one renewal');
  assert.equal((await api(`/orders/${scheduledOrder.id}`, { headers: alice })).json().auto_renewals, 1, 'down once, not twice');
  assert.equal(renewals[0].renewals_left, null, 'the renewal order counts from its own request');
  assert.equal((await api(`/orders/${renewals[0].id}`, { headers: alice })).json().auto_renewals, 1);

  const manual = await place('concurrent-manual', { auto_renewals: 1, recipients: [{ email: 'max@alpha.example.com', csr: csr('max') }] });
  const answers = await Promise.all([1, 2, 3].map(() => api(`/orders/${manual.id}/renew`, { method: 'POST', headers: alice })));
  const statuses = answers.map((answer) => answer.status).sort();
  assert.deepEqual(statuses, [201, 409, 409], answers.map((answer) => answer.text()).join('\n'));
  for (const answer of answers.filter((answer) => answer.status === 409)) {
    assert.deepEqual([answer.json().error.code, answer.json().error.field], ['order_already_renewed', 'id']);
  }
  assert.equal((await renewalsOf(manual.id)).length, 1);
  assert.equal((await api(`/orders/${manual.id}`, { headers: alice })).json().auto_renewals, 0);
});

test('(c) "renew now": the account\'s users may, others not; refusals name the reason; the order page\'s button places it', async () => {
  const none = await place('no-renewals', { auto_renewals: 0, recipients: [{ email: 'nora@alpha.example.com', csr: csr('nora') }] });
  const exhausted = await api(`/orders/${none.id}/renew`, { method: 'POST', headers: alice });
  assert.equal(exhausted.status, 409);
  assert.deepEqual([exhausted.json().error.code, exhausted.json().error.field], ['renewals_exhausted', 'id']);

  const pending = await place('pending', { recipients: [{ email: 'pat@alpha.example.com' }] });
  const notCompleted = await api(`/orders/${pending.id}/renew`, { method: 'POST', headers: alice });
  assert.equal(notCompleted.status, 409);
  assert.equal(notCompleted.json().error.code, 'order_not_completed');

  const order = await place('manual', { auto_renewals: 2, recipients: [{ email: 'una@alpha.example.com', csr: csr('una') }] });
  const foreign = await api(`/orders/${order.id}/renew`, { method: 'POST', headers: bob });
  assert.equal(foreign.status, 404, "another account's order reads as unknown");
  const byUser = await api(`/orders/${order.id}/renew`, { method: 'POST', headers: carol });
  assert.equal(byUser.status, 201, byUser.text());
  const renewal = byUser.json();
  assert.equal(renewal.renewal_of, order.id);
  assert.equal(renewal.auto_renewals, 1);
  // The CSR order's key is certified again (the profile allows key reuse): issued at placement.
  const [renewedSerial] = order.recipients.map((recipient) => recipient.certificate_serial);
  const newSerial = renewal.recipients[0].certificate_serial;
  assert.ok(newSerial && newSerial !== renewedSerial, renewal.recipients[0]);
  assert.equal((await certificate(renewedSerial)).replaced_by, newSerial);
  assert.equal((await certificate(newSerial)).spki_sha256, (await certificate(renewedSerial)).spki_sha256, 'the same key');

  // The button, on the renewal order (one renewal left): it places the next and the page moves to it.
  const page = await signedInPage(worker, browser, alice);
  await page.goto(`${worker.url}/console/orders/${renewal.id}`);
  await page.locator('[data-testid=renewal-of]').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=renewal-of]').getAttribute('data-id'), order.id);
  assert.match(await page.locator('[data-testid=renewal-of]').textContent(), new RegExp(`^This order is a renewal of order ${order.id}`));
  assert.equal(await page.locator('[data-testid=renewals-left]').getAttribute('data-left'), '1');
  await page.locator('[data-testid=renew-now]').click();
  await page.waitForURL((url) => url.pathname.startsWith('/console/orders/') && !url.pathname.endsWith(renewal.id), { timeout: 60_000 });
  await page.locator(`[data-testid=renewal-of][data-id="${renewal.id}"]`).waitFor({ timeout: 60_000 });
  const [next] = await renewalsOf(renewal.id);
  assert.ok(page.url().endsWith(`/console/orders/${next.id}`), page.url());
  assert.equal(await page.locator('[data-testid=renew-now]').count(), 0, 'no renewal left: no button');
  await page.context().close();
  // The chain: the first order's URL follows two renewals.
  const current = await api(`/orders/${order.id}/recipients/0/certificate/current`, { headers: bearer(keyA, { accept: 'application/json' }) });
  const nextOrder = (await api(`/orders/${next.id}`, { headers: alice })).json();
  assert.equal(current.json().serial, nextOrder.recipients[0].certificate_serial);
});

test('(e) a due renewal whose domain validation lapsed is placed, waits for the validation asked again, then sends its link; the count goes down once', async () => {
  const now = Math.floor(Date.now() / 1000);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, target, created_at, expires_at, validated_at)
    VALUES ('val-gamma', '${accountA}', 'domain', 'gamma.example.com', 'constructed_email', 'admin@gamma.example.com', ${now - DAY}, ${now}, ${now - DAY})`);
  const email = 'gil@gamma.example.com';
  const order = await place('lapsing', { recipients: [{ name: 'Gil Gamma', email }] });
  const [first] = await invitations(email);
  const enrolled = await api(`/enrollments/${tokenOf(first)}`, { method: 'POST', body: JSON.stringify({ csr: csr('gil-first') }) });
  assert.equal(enrolled.status, 201, enrolled.text());
  const oldSerial = enrolled.json().serial;
  // The domain's validation passes its 398-day reuse window; the certificate is 30 days from its end.
  await worker.query(`UPDATE validations SET validated_at = ${now - 500 * DAY}, validated_until = ${now - 102 * DAY},
    created_at = ${now - 501 * DAY}, version = version + 1 WHERE id = 'val-gamma'`);
  const validationMails = async () => (await mailTo('admin@gamma.example.com')).filter((mail) => /\/validate\/[A-Za-z0-9_-]{43}/.test(mail.body));
  assert.equal((await validationMails()).length, 0);
  await endIn(oldSerial, 30);
  await scheduled();
  await scheduled();

  const renewals = await renewalsOf(order.id);
  assert.equal(renewals.length, 1, 'the renewal is placed, not refused, and once');
  const renewed = (await api(`/orders/${order.id}`, { headers: alice })).json();
  assert.equal(renewed.auto_renewals, 0, 'the count went down once');
  assert.equal(renewed.renewed_by, renewals[0].id);
  const renewal = (await api(`/orders/${renewals[0].id}`, { headers: alice })).json();
  assert.equal(renewal.state, 'awaiting_validation');
  const domainStep = renewal.steps.find((step) => step.subject.kind === 'domain' && step.subject.domain === 'gamma.example.com');
  assert.deepEqual([domainStep?.state.state, domainStep?.state.who], ['waiting', 'domain_contact'], JSON.stringify(renewal.steps));
  assert.equal((await invitations(email)).length, 1, 'no enrollment link before the domain is validated again');

  // The domain validation email went out again, to the address used last time.
  const [validationMail] = await validationMails();
  assert.ok(validationMail, 'a new domain validation email');
  const token = validationMail.body.match(/\/validate\/([A-Za-z0-9_-]{43})/)[1];

  // The renewal's order page says what it waits for.
  const page = await signedInPage(worker, browser, alice);
  await page.goto(`${worker.url}/console/orders/${renewal.id}`);
  const waiting = page.locator('[data-testid=step][data-state=waiting]', { hasText: /^Domain gamma\.example\.com/ });
  await waiting.waitFor({ timeout: 60_000 });
  assert.match(await waiting.textContent(), /domain/i, 'the step names who must act');
  await page.context().close();

  const validated = await api(`/validations/${token}`, { method: 'POST', body: '{}' });
  assert.equal(validated.status, 200, validated.text());
  // The validation moved the renewal on; the handler's delivery sends the new link (waited on, not slept).
  let links = await invitations(email);
  for (let run = 0; links.length < 2 && run < 30; run += 1) {
    await scheduled();
    links = await invitations(email);
  }
  assert.equal(links.length, 2, 'the renewal\'s enrollment link went out once validated');
  const after = (await api(`/orders/${renewal.id}`, { headers: alice })).json();
  assert.equal(after.state, 'awaiting_enrollment');
  assert.equal(after.recipients[0].renews_serial, oldSerial);
  await scheduled();
  assert.equal((await renewalsOf(order.id)).length, 1, 'still one renewal');
  assert.equal((await api(`/orders/${order.id}`, { headers: alice })).json().auto_renewals, 0, 'down once, not twice');
});

// --- The README recipe against a real nginx ---------------------------------------------------------------------

let nginx;
after(() => nginx?.kill('SIGTERM'));

test('(d) the README recipe swaps the certificate nginx serves after a renewal, and does nothing while the ETag is unchanged', async () => {
  const order = await place('server', {
    profile: 'server_auth', validity: { kind: 'days', days: 60 },
    recipients: [{ email: 'ops@alpha.example.com', dns_names: ['www.alpha.example.com'], csr: csr('server') }],
  });
  const firstSerial = order.recipients[0].certificate_serial;
  const site = join(directory, 'nginx');
  for (const name of ['logs', 'temp', 'state']) mkdirSync(join(site, name), { recursive: true });
  const key = join(directory, 'server.key');
  const certificateFile = join(site, 'server.pem');
  openssl(['req', '-x509', '-key', key, '-days', '1', '-subj', '/CN=placeholder', '-out', certificateFile]);
  const placeholderSerial = openssl(['x509', '-noout', '-serial', '-in', certificateFile]).trim().replace('serial=', '').toLowerCase();
  const port = 24000 + Math.floor(Math.random() * 2000);
  writeFileSync(join(site, 'nginx.conf'), `
daemon off;
pid ${join(site, 'nginx.pid')};
error_log ${join(site, 'logs', 'error.log')} info;
events {}
http {
  access_log off;
  client_body_temp_path ${site}/temp/body; proxy_temp_path ${site}/temp/proxy; fastcgi_temp_path ${site}/temp/fastcgi;
  uwsgi_temp_path ${site}/temp/uwsgi; scgi_temp_path ${site}/temp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certificateFile};
    ssl_certificate_key ${key};
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`);
  nginx = spawn('nginx', ['-p', site, '-c', join(site, 'nginx.conf'), '-e', join(site, 'logs', 'error.log')], { stdio: 'ignore' });
  await serving(site, port, placeholderSerial);

  const reloads = join(site, 'reloads');
  const reloadCount = () => { try { return readFileSync(reloads, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
  const run = () => {
    const result = spawnSync('sh', [join(ROOT, 'docs', 'keyward-sync.sh')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH, KEYWARD_URL: worker.url, KEYWARD_API_KEY: keyA, KEYWARD_ORDER: order.id,
        KEYWARD_POSITION: '0', CERTIFICATE_FILE: certificateFile, STATE_DIRECTORY: join(site, 'state'),
        RELOAD: `echo reload >> ${reloads} && nginx -p ${site} -c ${join(site, 'nginx.conf')} -t -q && kill -HUP $(cat ${join(site, 'nginx.pid')})`,
      },
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  };
  const etag = () => readFileSync(join(site, 'state', 'etag'), 'utf8');

  run();
  await serving(site, port, firstSerial);
  assert.equal(reloadCount(), 1);
  const firstTag = etag();
  run();
  assert.equal(reloadCount(), 1, 'unchanged: no reload');
  assert.equal(etag(), firstTag);

  // The renewal, 30 days before the end, by the scheduled handler: the server's key is certified again.
  await endIn(firstSerial, 29);
  await scheduled();
  const [renewal] = await renewalsOf(order.id);
  assert.ok(renewal, 'the renewal was placed');
  const renewedSerial = (await api(`/orders/${renewal.id}`, { headers: alice })).json().recipients[0].certificate_serial;
  assert.ok(renewedSerial && renewedSerial !== firstSerial);

  run();
  await serving(site, port, renewedSerial);
  assert.equal(reloadCount(), 2, 'one reload for the new certificate');
  assert.notEqual(etag(), firstTag, 'the ETag changed with the certificate');
  const secondTag = etag();
  run();
  assert.equal(reloadCount(), 2, 'then nothing again');
  assert.equal(etag(), secondTag);
  assert.equal(servedSerial(port), renewedSerial);
  // A 304 for the kept ETag, straight from the endpoint.
  const unchanged = await api(`/orders/${order.id}/recipients/0/certificate/current`, { headers: bearer(keyA, { 'if-none-match': secondTag.trim() }) });
  assert.equal(unchanged.status, 304);
});
