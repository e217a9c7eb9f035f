// The certificate inventory, the sync endpoint and its README recipe, and the CA administrators' certificate
// search, against the Worker in workerd. Expected answers are computed here from D1's rows (read through the
// harness, not through Keyward's code): the inventory's search, filters and CSV must match them. The recipe
// (`docs/keyward-sync.sh`, the very file the README shows) runs against a real nginx: its first run installs the
// certificate nginx then serves (checked with `openssl s_client`), its second does nothing. Renewal does not exist
// yet, so "the recipe swaps the certificate after a renewal" waits for it: no certificate of the same recipient
// can change today.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, http, createAccount, login, openssl, scratch, launchBrowser, caAdministrator, signedInPage, ROOT,
} from './harness.mjs';
import { servedSerial, serving } from './nginx.mjs';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
let worker;
let directory;
let browser;
let alice; // org admin of account A (session headers)
let bob; // org admin of account B
let carol; // org user of account A
let keyA; // API key of A, named "nginx sync"
let keyB; // API key of B
let accountA;
const orders = {}; // name -> { id, serials }
let keys = 0;

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const bearer = (key, extra = {}) => ({ authorization: `Bearer ${key}`, ...extra });

function csr(name = 'key') {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `${name}-${keys}.key`), '-subj', '/CN=ignored']);
}

async function place(name, body) {
  const response = await api('/orders', {
    method: 'POST',
    headers: alice,
    body: JSON.stringify({
      organization_id: 'org-alpha', signature_hash: 'sha256', auto_renewals: 0, notification_emails: [],
      payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `inventory-order-${name}`, ...body,
    }),
  });
  assert.equal(response.status, 201, `${name}: ${response.text()}`);
  const order = response.json();
  orders[name] = { id: order.id, serials: order.recipients.map((recipient) => recipient.certificate_serial) };
  return order;
}

before(async () => {
  worker = await startWorker();
  directory = scratch('inventory');
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
  // A validated organization (with the place a TLS server certificate states) and domain, and a balance: written
  // with SQL, as their own suites test how they are obtained.
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
  const createdB = await api('/api-keys', { method: 'POST', headers: bob, body: JSON.stringify({ name: 'beta script' }) });
  keyB = createdB.json().key;

  // Certificates from CSRs given with the orders (issued at placement), ending in 5, 20, 60 and 200 days.
  await place('server', {
    profile: 'server_auth', validity: { kind: 'days', days: 60 },
    recipients: [{ email: 'ops@alpha.example.com', dns_names: ['www.alpha.example.com'], csr: csr('server') },
      { email: 'ops@alpha.example.com', dns_names: ['api.alpha.example.com'], csr: csr('api') },
      { email: 'web@alpha.example.com', dns_names: ['shop.alpha.example.com'] }],
  });
  await place('week', {
    profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 5 },
    recipients: [{ email: 'dan@alpha.example.com', csr: csr() }],
  });
  await place('month', {
    profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 20 },
    recipients: [{ email: 'erin@alpha.example.com', csr: csr() }, { email: 'frank@alpha.example.com', csr: csr() }],
  });
  await place('long', {
    profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 200 },
    recipients: [{ email: 'grace@alpha.example.com', csr: csr() }],
  });
  // One revoked: listed as revoked, never "expiring".
  const revoked = await api(`/certificates/${orders.month.serials[1]}/revocation`, {
    method: 'POST', headers: alice, body: JSON.stringify({ reason: 'cessation_of_operation' }),
  });
  assert.equal(revoked.status, 200, revoked.text());
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Account A's certificates as D1 holds them (not through Keyward's code). */
async function rowsOfA() {
  return worker.query(`SELECT c.serial, c.not_after, c.revoked_at, c.revocation_reason, r.email, r.dns_names, r.position,
      o.id AS order_id, o.profile FROM certificates c JOIN recipients r ON r.id = c.recipient_id
      JOIN orders o ON o.id = r.order_id WHERE o.account_id = '${accountA}' ORDER BY c.not_after, c.serial`);
}

async function inventory(query = '', headers = alice) {
  const response = await api(`/certificates${query}`, { headers });
  assert.equal(response.status, 200, response.text());
  return response.json();
}

const serialsOf = (list) => list.map((entry) => entry.serial).sort();

/** RFC 4180 CSV, parsed: quoted fields with doubled quotes, commas and line breaks inside. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') { field += '"'; index += 1; } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') { row.push(field); field = ''; } else if (character === '\r' && text[index + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; index += 1;
    } else field += character;
  }
  assert.equal(field, '', 'the document ends with CRLF');
  return rows;
}

test('the inventory lists every certificate of the account, as D1 holds them, with its state', async () => {
  const rows = await rowsOfA();
  assert.equal(rows.length, 6, 'six certificates were issued (the server order\'s third recipient has none yet)');
  const listed = await inventory();
  assert.equal(listed.has_more, false);
  assert.deepEqual(listed.certificates.map((entry) => entry.serial), rows.map((row) => row.serial), 'soonest end first');
  for (const [index, entry] of listed.certificates.entries()) {
    const row = rows[index];
    const dnsNames = JSON.parse(row.dns_names);
    assert.deepEqual(
      [entry.not_after, entry.order_id, entry.profile, entry.recipient_email, entry.recipient_position, entry.dns_names, entry.subject],
      [row.not_after, row.order_id, row.profile, row.email, row.position, dnsNames, dnsNames[0] ?? row.email],
    );
    assert.equal(entry.state, row.revoked_at ? 'revoked' : 'issued', entry.serial);
    assert.equal(entry.revocation_reason, row.revocation_reason);
    assert.equal(entry.replaced_by, null, 'nothing replaces a certificate before renewal and reissue exist');
    assert.equal(entry.last_pickup, null);
  }
  // Another account sees none of them, by session or by API key; a CA administrator is not an account member.
  assert.deepEqual((await inventory('', bob)).certificates, []);
  assert.deepEqual((await inventory('', bearer(keyB))).certificates, []);
  assert.equal((await api('/certificates', { headers: await caAdministrator(worker) })).status, 403);
  // An organization user and the account's API key see the same list as the administrator.
  assert.deepEqual(serialsOf((await inventory('', carol)).certificates), serialsOf(listed.certificates));
  assert.deepEqual(serialsOf((await inventory('', bearer(keyA))).certificates), serialsOf(listed.certificates));
});

test('search by serial, address, domain, DNS name and order number, and the expiry filters, match the rows', async () => {
  const rows = await rowsOfA();
  const expect = (predicate) => rows.filter(predicate).map((row) => row.serial).sort();
  const serial = orders.month.serials[0];
  const colons = serial.toUpperCase().match(/../g).join(':');
  const cases = [
    [serial, expect((row) => row.serial === serial)],
    [colons, expect((row) => row.serial === serial)],
    [serial.slice(0, 12), expect((row) => row.serial.startsWith(serial.slice(0, 12)))],
    ['ERIN@alpha.example.com', expect((row) => row.email === 'erin@alpha.example.com')],
    ['ops@alpha.example.com', expect((row) => row.email === 'ops@alpha.example.com')],
    ['alpha.example.com', expect(() => true)],
    ['www.alpha.example.com', expect((row) => JSON.parse(row.dns_names).includes('www.alpha.example.com'))],
    [orders.long.id, expect((row) => row.order_id === orders.long.id)],
    [orders.server.id.slice(0, 10), expect((row) => row.order_id.startsWith(orders.server.id.slice(0, 10)))],
    ['nobody@nowhere.example', []],
    ['%', []],
  ];
  for (const [query, expected] of cases) {
    assert.ok(query === 'nobody@nowhere.example' || query === '%' || expected.length > 0, `${query} finds something`);
    const found = await inventory(`?q=${encodeURIComponent(query)}`);
    assert.deepEqual(serialsOf(found.certificates), expected, `q=${query}`);
  }
  const now = Math.floor(Date.now() / 1000);
  for (const days of [7, 30, 90]) {
    const expected = expect((row) => !row.revoked_at && row.not_after >= now && row.not_after <= now + days * DAY);
    assert.ok(expected.length > 0);
    const found = await inventory(`?expiring_within=${days}`);
    assert.deepEqual(serialsOf(found.certificates), expected, `expiring within ${days} days`);
  }
  assert.deepEqual(serialsOf((await inventory('?expiring_within=30&q=erin%40alpha.example.com')).certificates),
    expect((row) => row.email === 'erin@alpha.example.com'));
  assert.deepEqual(serialsOf((await inventory('?expiring_within=30&q=frank%40alpha.example.com')).certificates), [], 'revoked: not expiring');
  // Pages: all seven fit on the first; the second is empty.
  const second = await inventory('?page=2');
  assert.deepEqual([second.page, second.certificates.length, second.has_more], [2, 0, false]);
  for (const [query, field, code] of [
    ['?expiring_within=14', 'expiring_within', 'expiring_within_invalid'],
    ['?page=0', 'page', 'page_invalid'],
    ['?format=xml', 'format', 'format_unknown'],
    [`?q=${'a'.repeat(255)}`, 'q', 'query_too_long'],
  ]) {
    const refused = await api(`/certificates${query}`, { headers: alice });
    assert.deepEqual([refused.status, refused.json().error.field, refused.json().error.code], [422, field, code], query);
  }
});

test('the CSV export has the same columns and rows as the listing, whichever way it is asked for', async () => {
  const listed = (await inventory()).certificates;
  for (const [query, headers] of [['?format=csv', alice], ['', { ...alice, accept: 'text/csv' }]]) {
    const response = await api(`/certificates${query}`, { headers });
    assert.equal(response.status, 200, response.text());
    assert.match(response.headers['content-type'], /^text\/csv/);
    assert.match(response.headers['content-disposition'], /attachment; filename="certificates\.csv"/);
    const [header, ...lines] = parseCsv(response.text());
    assert.deepEqual(header, ['serial', 'subject', 'profile', 'order', 'recipient_position', 'recipient_email',
      'recipient_name', 'dns_names', 'not_after', 'state', 'revocation_reason', 'replaced_by', 'last_pickup_at', 'last_pickup_by']);
    assert.equal(lines.length, listed.length);
    for (const [index, line] of lines.entries()) {
      const entry = listed[index];
      const notAfter = new Date(entry.not_after * 1000).toISOString().slice(0, 16).replace('T', ' ');
      assert.deepEqual(
        [line[0], line[1], line[2], line[3], line[4], line[5], line[7], line[8], line[9], line[10], line[11]],
        [entry.serial, entry.subject, entry.profile, entry.order_id, String(entry.recipient_position), entry.recipient_email,
          entry.dns_names.join(' '), notAfter, entry.state, entry.revocation_reason ?? '', ''],
      );
    }
  }
  // The export follows the search and the filters.
  const filtered = await api('/certificates?format=csv&expiring_within=7', { headers: alice });
  const [, ...weekLines] = parseCsv(filtered.text());
  assert.deepEqual(weekLines.map((line) => line[0]), orders.week.serials);
});

test('the sync endpoint: PEM or JSON by Accept, a stable strong ETag, 304, pickups, and 404 for another account', async () => {
  const path = `/orders/${orders.server.id}/recipients/0/certificate/current`;
  const serial = orders.server.serials[0];
  const pem = await api(path, { headers: bearer(keyA) });
  assert.equal(pem.status, 200, pem.text());
  assert.equal(pem.headers['content-type'], 'application/pem-certificate-chain');
  assert.equal(pem.headers['cache-control'], 'no-store');
  assert.match(pem.headers.vary, /Accept/);
  const tag = pem.headers.etag;
  assert.match(tag, /^"[0-9a-f]{64}-pem"$/, 'a strong tag');
  const certificates = pem.text().match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  assert.equal(certificates.length, 3, 'the certificate, then the issuing CA and the root');
  const served = openssl(['x509', '-noout', '-serial'], certificates[0]).trim();
  assert.equal(served.replace('serial=', '').toLowerCase(), serial);
  const stored = (await api(`/certificates/${serial}/pem`)).text();
  assert.equal(`${certificates[0]}\n`, stored);

  const again = await api(path, { headers: bearer(keyA) });
  assert.equal(again.headers.etag, tag, 'stable while the certificate is unchanged');
  assert.equal(again.text(), pem.text());
  for (const match of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
    const unchanged = await api(path, { headers: bearer(keyA, { 'if-none-match': match }) });
    assert.equal(unchanged.status, 304, match);
    assert.equal(unchanged.body.length, 0);
    assert.equal(unchanged.headers.etag, tag);
  }
  assert.equal((await api(path, { headers: bearer(keyA, { 'if-none-match': '"other"' }) })).status, 200);

  const json = await api(path, { headers: bearer(keyA, { accept: 'application/json' }) });
  assert.equal(json.status, 200);
  const body = json.json();
  assert.equal(body.serial, serial);
  assert.equal(`${body.certificate}${body.chain}`, pem.text());
  const [row] = await worker.query(`SELECT not_after FROM certificates WHERE serial = '${serial}'`);
  assert.equal(body.not_after, row.not_after);
  assert.notEqual(json.headers.etag, tag, 'another representation, another strong tag');
  assert.equal((await api(path, { headers: bearer(keyA, { accept: 'application/json', 'if-none-match': json.headers.etag }) })).status, 304);

  // Another account's key or session: 404, and nothing recorded. A recipient without a certificate: 404.
  const [{ n: before }] = await worker.query('SELECT COUNT(*) AS n FROM pickups');
  for (const headers of [bearer(keyB), bob]) {
    const refused = await api(path, { headers });
    assert.equal(refused.status, 404, refused.text());
    assert.doesNotMatch(refused.text(), /BEGIN CERTIFICATE/);
  }
  assert.equal((await worker.query('SELECT COUNT(*) AS n FROM pickups'))[0].n, before);
  const none = await api(`/orders/${orders.server.id}/recipients/2/certificate/current`, { headers: bearer(keyA) });
  assert.deepEqual([none.status, none.json().error.code], [404, 'certificate_not_issued']);
  assert.equal((await api(`/orders/${orders.server.id}/recipients/x/certificate/current`, { headers: bearer(keyA) })).status, 404);

  // Each fetch by the key is its pickup: one row, counted; a session's fetch is not a pickup.
  await api(path, { headers: alice });
  const pickups = await worker.query(`SELECT p.kind, p.api_key_id, p.fetches, k.name FROM pickups p
    JOIN api_keys k ON k.id = p.api_key_id WHERE p.serial = '${serial}'`);
  assert.deepEqual(pickups.map(({ kind, fetches, name }) => [kind, fetches, name]), [['api_key', 9, 'nginx sync']]);
  const entry = (await inventory(`?q=${serial}`)).certificates[0];
  assert.equal(entry.state, 'downloaded');
  assert.deepEqual([entry.last_pickup.kind, entry.last_pickup.api_key_name, entry.last_pickup.api_key_id],
    ['api_key', 'nginx sync', pickups[0].api_key_id]);
});

test('a download with the account\'s API key is a pickup; with a session, no key or another account\'s key it is not', async () => {
  const serial = orders.long.serials[0];
  const count = async () => (await worker.query(`SELECT COUNT(*) AS n FROM pickups WHERE serial = '${serial}'`))[0].n;
  for (const headers of [{}, alice, bearer(keyB)]) {
    assert.equal((await api(`/certificates/${serial}/pem`, { headers })).status, 200);
  }
  assert.equal(await count(), 0);
  assert.equal((await api(`/certificates/${serial}/pem`, { headers: bearer('kw_not_a_key') })).status, 401);
  assert.equal((await api(`/certificates/${serial}/chain.pem`, { headers: bearer(keyA) })).status, 200);
  assert.equal(await count(), 1);
  assert.equal((await inventory(`?q=${serial}`)).certificates[0].state, 'downloaded');
});

test('the recipient\'s "saved" confirmation is recorded once, and only for an issued link', async () => {
  const { messages } = (await api('/dev/mailbox')).json();
  const invitation = messages.find((message) => message.to === 'web@alpha.example.com');
  const token = invitation.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  const early = await api(`/enrollments/${token}/saved`, { method: 'POST' });
  assert.deepEqual([early.status, early.json().error.code], [409, 'certificate_not_issued']);
  assert.equal((await api(`/enrollments/${'A'.repeat(43)}/saved`, { method: 'POST' })).status, 404);
  const enrolled = await api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: csr('shop') }) });
  assert.equal(enrolled.status, 201, enrolled.text());
  const { serial } = enrolled.json();
  const recorded = async () => worker.query(`SELECT kind, api_key_id, first_at, last_at, fetches FROM pickups WHERE serial = '${serial}'`);
  assert.equal((await api(`/enrollments/${token}/saved`, { method: 'POST' })).status, 204);
  const first = await recorded();
  assert.deepEqual(first.map(({ kind, api_key_id, fetches }) => [kind, api_key_id, fetches]), [['recipient_confirmed', '', 1]]);
  assert.equal((await api(`/enrollments/${token}/saved`, { method: 'POST' })).status, 204);
  assert.deepEqual(await recorded(), first, 'a repeat writes nothing');
  const entry = (await inventory(`?q=${serial}`)).certificates[0];
  assert.deepEqual([entry.state, entry.last_pickup.kind, entry.last_pickup.api_key_name], ['downloaded', 'recipient_confirmed', null]);
});

test('confirming the saved bundle on the done page, in Chromium, records the pickup', async () => {
  const order = await place('browser', {
    profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 100 },
    recipients: [{ email: 'heidi@alpha.example.com' }],
  });
  const { messages } = (await api('/dev/mailbox')).json();
  const link = messages.find((message) => message.to === 'heidi@alpha.example.com').body.match(/http:\/\/\S+\/enroll\/[A-Za-z0-9_-]{43}/)[0];
  browser ??= await launchBrowser();
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(link);
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
  const password = 'a saved bundle, confirmed';
  await page.locator('[data-testid=password]').fill(password);
  await page.locator('[data-testid=password-confirm]').fill(password);
  await page.locator('[data-testid=build-bundle]').click();
  const download = page.locator('[data-testid=download]');
  await download.waitFor({ timeout: 60_000 });
  await Promise.all([page.waitForEvent('download'), download.click()]);
  assert.equal((await inventory(`?q=${serial}`)).certificates[0].state, 'issued', 'not picked up before the confirmation');
  await page.locator('[data-testid=confirm-saved]').click();
  await page.locator('[data-testid=forgotten]').waitFor();
  const recorded = await worker.query(`SELECT kind FROM pickups WHERE serial = '${serial}'`);
  assert.deepEqual(recorded.map(({ kind }) => kind), ['recipient_confirmed']);
  const entry = (await inventory(`?q=${serial}`)).certificates[0];
  assert.deepEqual([entry.order_id, entry.state], [order.id, 'downloaded']);
  await context.close();
});

// --- The README recipe against a real nginx ---------------------------------------------------------------------

let nginx;
after(() => nginx?.kill('SIGTERM'));

async function eventually(condition, what, milliseconds = 10_000) {
  const deadline = Date.now() + milliseconds;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the README recipe installs the certificate nginx serves on its first run, and does nothing on the second', async () => {
  const site = join(directory, 'nginx');
  for (const name of ['logs', 'temp', 'state']) mkdirSync(join(site, name), { recursive: true });
  // The server's key is the one its CSR was made with; until the recipe runs, nginx serves a self-signed
  // placeholder with the same key.
  const key = join(directory, 'server-1.key');
  const certificateFile = join(site, 'server.pem');
  openssl(['req', '-x509', '-key', key, '-days', '1', '-subj', '/CN=placeholder', '-out', certificateFile]);
  const placeholderSerial = openssl(['x509', '-noout', '-serial', '-in', certificateFile]).trim().replace('serial=', '').toLowerCase();
  const port = 22000 + Math.floor(Math.random() * 2000);
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

  // The recipe as the README shows it, with a reload that nginx's own log confirms and a count of reloads.
  const reloads = join(site, 'reloads');
  const run = () => spawnSync('sh', [join(ROOT, 'docs', 'keyward-sync.sh')], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH, KEYWARD_URL: worker.url, KEYWARD_API_KEY: keyA, KEYWARD_ORDER: orders.server.id,
      KEYWARD_POSITION: '0', CERTIFICATE_FILE: certificateFile, STATE_DIRECTORY: join(site, 'state'),
      RELOAD: `echo reload >> ${reloads} && nginx -p ${site} -c ${join(site, 'nginx.conf')} -t -q && kill -HUP $(cat ${join(site, 'nginx.pid')})`,
    },
  });
  const serial = orders.server.serials[0];
  const first = run();
  assert.equal(first.status, 0, `${first.stdout}${first.stderr}`);
  assert.equal(readFileSync(reloads, 'utf8'), 'reload\n', 'one reload');
  await serving(site, port, serial);
  const installed = readFileSync(certificateFile, 'utf8');
  assert.equal(installed, (await api(`/orders/${orders.server.id}/recipients/0/certificate/current`, { headers: bearer(keyA) })).text());
  assert.match(readFileSync(join(site, 'state', 'etag'), 'utf8'), /^"[0-9a-f]{64}-pem"\n$/);
  assert.deepEqual(readdirWithoutTemporaries(site), [], 'no temporary file left beside the certificate');

  const { mtimeMs } = statSync(certificateFile);
  const [{ fetches }] = await worker.query(`SELECT fetches FROM pickups WHERE serial = '${serial}' AND kind = 'api_key'`);
  const second = run();
  assert.equal(second.status, 0, `${second.stdout}${second.stderr}`);
  assert.equal(readFileSync(reloads, 'utf8'), 'reload\n', 'no second reload');
  assert.equal(readFileSync(certificateFile, 'utf8'), installed, 'the file is unchanged');
  assert.equal(statSync(certificateFile).mtimeMs, mtimeMs, 'and untouched');
  assert.equal(servedSerial(port), serial);
  const [{ fetches: after }] = await worker.query(`SELECT fetches FROM pickups WHERE serial = '${serial}' AND kind = 'api_key'`);
  assert.equal(after, fetches + 1, 'the 304 fetch is still a pickup');
  // A wrong key: the recipe fails loudly and leaves the installed certificate alone.
  const refused = spawnSync('sh', [join(ROOT, 'docs', 'keyward-sync.sh')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, KEYWARD_URL: worker.url, KEYWARD_API_KEY: keyB, KEYWARD_ORDER: orders.server.id,
      CERTIFICATE_FILE: certificateFile, STATE_DIRECTORY: join(site, 'state-b'), RELOAD: `echo reload >> ${reloads}` },
  });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /HTTP 404/);
  assert.equal(readFileSync(certificateFile, 'utf8'), installed);
  assert.equal(readFileSync(reloads, 'utf8'), 'reload\n');
  // "Swaps the certificate after a renewal" waits for renewal: the same recipient cannot get another certificate today.
});

function readdirWithoutTemporaries(site) {
  return spawnSync('sh', ['-c', `ls ${site} | grep '^server.pem.' || true`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

// --- CA administrators ------------------------------------------------------------------------------------------

test('a CA administrator finds any account\'s certificate by serial or address and revokes it, in Chromium', async () => {
  browser ??= await launchBrowser();
  const page = await signedInPage(worker, browser, await caAdministrator(worker));
  await page.goto(`${worker.url}/console/admin/certificates`);
  const serial = orders.long.serials[0];
  await page.fill('[data-testid=search]', serial.toUpperCase().match(/../g).join(':'));
  await page.click('[data-testid=search-submit]');
  const row = page.locator(`[data-testid=admin-certificate-row][data-serial="${serial}"]`);
  await row.waitFor();
  assert.match(await row.locator('[data-testid=account]').textContent(), new RegExp(`Alpha \\(${accountA}\\)`));
  assert.match(await row.locator('[data-testid=order]').textContent(), new RegExp(orders.long.id));
  assert.equal(await row.getAttribute('data-state'), 'downloaded');
  await row.locator('[data-testid=revoke]').click();
  await row.locator('[data-testid=revoke-reason]').selectOption('privilege_withdrawn');
  await row.locator('[data-testid=revoke-confirm]').click();
  await page.locator(`[data-testid=admin-certificate-row][data-serial="${serial}"][data-state=revoked]`).waitFor();
  const [stored] = await worker.query(`SELECT revocation_reason FROM certificates WHERE serial = '${serial}'`);
  assert.equal(stored.revocation_reason, 'privilege_withdrawn', 'a reason only the CA may give');
  const [audit] = await worker.query(`SELECT actor FROM audit_log WHERE action = 'certificate.revoked' AND subject_id = '${serial}'`);
  assert.match(audit.actor, /^user:/);

  // By address: every certificate of that recipient, any account.
  await page.fill('[data-testid=search]', 'ops@alpha.example.com');
  await page.click('[data-testid=search-submit]');
  await page.locator(`[data-testid=admin-certificate-row][data-serial="${orders.server.serials[1]}"]`).waitFor();
  assert.equal(await page.locator('[data-testid=admin-certificate-row]').count(), 2);
  await page.fill('[data-testid=search]', 'nobody@nowhere.example');
  await page.click('[data-testid=search-submit]');
  await page.locator('[data-testid=no-certificates]').waitFor();
  await page.close();
});

test('the CA administrators\' search: rows as D1 holds them; refused to organization admins, users and API keys', async () => {
  const admin = await caAdministrator(worker);
  const serial = orders.week.serials[0];
  const found = await api(`/admin/certificates?q=${serial}`, { headers: admin });
  assert.equal(found.status, 200, found.text());
  const [entry] = found.json().certificates;
  const [row] = await worker.query(`SELECT c.serial, c.not_after, o.id AS order_id, o.account_id FROM certificates c
    JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id WHERE c.serial = '${serial}'`);
  assert.deepEqual([entry.serial, entry.not_after, entry.order_id, entry.account_id, entry.account_name, entry.state],
    [row.serial, row.not_after, row.order_id, row.account_id, 'Alpha', 'issued']);
  const missing = await api('/admin/certificates?q=%20', { headers: admin });
  assert.deepEqual([missing.status, missing.json().error.code, missing.json().error.field], [422, 'query_missing', 'q']);
  for (const [who, headers] of [['org admin', alice], ['org user', carol], ['API key', bearer(keyA)], ['another account', bob]]) {
    const refused = await api(`/admin/certificates?q=${serial}`, { headers });
    assert.equal(refused.status, 403, `${who}: ${refused.text()}`);
    assert.doesNotMatch(refused.text(), new RegExp(serial));
  }
  assert.equal((await api(`/admin/certificates?q=${serial}`)).status, 401);
  // The admin page itself shows nothing to an organization admin.
  const page = await browser.newPage();
  await page.goto(`${worker.url}/login`);
  await page.fill('[data-testid=email]', 'alice@alpha.example.com');
  await page.fill('[data-testid=password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(/\/console/);
  await page.goto(`${worker.url}/console/admin/certificates`);
  await page.locator('[data-testid=console-nav]').waitFor();
  assert.equal(await page.locator('[data-testid=admin-certificate-search]').count(), 0);
  assert.equal(await page.locator('[data-testid=nav-admin-certificates]').count(), 0);
  // Her inventory page lists the account's certificates and offers the CSV of the same search.
  await page.goto(`${worker.url}/console/certificates`);
  await page.locator('[data-testid=certificate-row]').first().waitFor();
  assert.equal(await page.locator('[data-testid=certificate-row]').count(), (await inventory()).certificates.length);
  await page.selectOption('[data-testid=expiring-filter]', '7');
  await page.locator(`[data-testid=certificate-row][data-serial="${serial}"]`).waitFor();
  await eventually(async () => (await page.locator('[data-testid=certificate-row]').count()) === 1, 'the 7-day filter');
  assert.match(await page.locator('[data-testid=csv]').getAttribute('href'), /format=csv/);
  assert.match(await page.locator('[data-testid=csv]').getAttribute('href'), /expiring_within=7/);
  // The order page shows the certificates' end dates.
  await page.goto(`${worker.url}/console/orders/${orders.week.id}`);
  const ends = page.locator('[data-testid=not-after-0]');
  await ends.waitFor();
  const [{ not_after: notAfter }] = await worker.query(`SELECT not_after FROM certificates WHERE serial = '${serial}'`);
  assert.equal(await ends.getAttribute('data-not-after'), String(notAfter));
  await page.close();
});
