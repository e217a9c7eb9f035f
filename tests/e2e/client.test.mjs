// The native enrollment client `keyward` (client/), built here with cargo, against the Worker in workerd: enrollment
// with a link (the recipient's API) and with an API key (a server CSR order, fetched with the key), the test
// enrollment (Installed, in D1 and in the inventory), what it wrote checked with `openssl verify` against the
// development root and used in an nginx mTLS handshake (`curl --cert --key`), and the refusals: a spent challenge, a
// signature by another key, a revoked certificate, and the mTLS path without Cloudflare's report (wrangler dev sends
// none: the verified-certificate branch is covered by the host tests of `shared::installation`, not here). Then
// device requests: the client submits one with its CSR and waits while a CA administrator approves it through the
// API (server), or returns at once (--no-wait), shows Requested, and resumes once an enrollment manager approved
// (workstation, an RSA-2048 key, used for an nginx mTLS handshake); a rejected request ends non-zero with its reason;
// and a workstation request approved by its enrollment manager is enrolled with the KeyGen link emailed for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, startWorker, seed, http, openssl, scratch, createAccount, login, caAdministrator, developmentRootPem,
  launchBrowser,
} from './harness.mjs';
import { startMtlsNginx } from './nginx.mjs';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
let worker;
let directory;
let binary;
let nginx;
/** `curl` to the mTLS nginx with the certificate and key a keyward enrollment wrote in `out` (none: no certificate). */
const curlMtls = (out) => nginx.curl(out ? { cert: join(out, 'cert.pem'), key: join(out, 'key.pem') } : {});
/** The Alpha account's API key (made by Alice, its organization admin) and Mona's session (a user of Alpha). */
let apiKey;
let mona;

before(async () => {
  const build = spawnSync('cargo', ['build', '-p', 'keyward-client', '--bin', 'keyward'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  binary = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug', 'keyward');
  worker = await startWorker();
  directory = scratch('client');
});
after(async () => {
  nginx?.stop();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Runs `keyward ARGS --json`; its exit status and parsed JSON answer. Asynchronous: the Worker's DNS-over-HTTPS
 * responder runs in this process and must answer while keyward waits on the Worker. */
function keyward(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args, '--json'], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (status) => {
      let answer;
      try { answer = JSON.parse(stdout); } catch { answer = { unparsed: stdout }; }
      resolve({ status, answer, stderr });
    });
  });
}

/** The message a test enrollment signs (shared::installation::installation_message). */
const message = (serial, challenge) => Buffer.from(`Keyward test enrollment v1\nserial: ${serial}\nchallenge: ${challenge}\n`);

async function challengeFor(serial) {
  const response = await http(`${worker.url}/api/v1/certificates/${serial}/installation-challenge`, { method: 'POST' });
  assert.equal(response.status, 201, response.text());
  return response.json().challenge;
}

async function prove(serial, challenge, key) {
  const signature = sign('sha256', message(serial, challenge), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return http(`${worker.url}/api/v1/certificates/${serial}/installation`, {
    method: 'POST', body: JSON.stringify({ challenge, signature, by: 'native_client' }),
  });
}

let linkOut;
let linkSerial;

test('enroll with a link: the key stays here at 0600, the certificate verifies, the server records Downloaded', async () => {
  const link = await seed(worker, 'Barbara Liskov', 'barbara@example.com');
  linkOut = join(directory, 'link');
  const enrolled = await keyward(['enroll', '--link', link, '--out', linkOut]);
  assert.equal(enrolled.status, 0, `${JSON.stringify(enrolled.answer)} ${enrolled.stderr}`);
  assert.equal(enrolled.answer.state, 'downloaded');
  linkSerial = enrolled.answer.serial;
  assert.equal(statSync(join(linkOut, 'key.pem')).mode & 0o777, 0o600);
  writeFileSync(join(directory, 'root.pem'), developmentRootPem());
  const verified = spawnSync('openssl', ['verify', '-CAfile', join(directory, 'root.pem'), '-untrusted',
    join(linkOut, 'chain.pem'), join(linkOut, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  // The certificate is the key's: the public keys match.
  const fromKey = openssl(['pkey', '-in', join(linkOut, 'key.pem'), '-pubout']);
  const fromCertificate = openssl(['x509', '-in', join(linkOut, 'cert.pem'), '-noout', '-pubkey']);
  assert.equal(fromKey, fromCertificate);
  const pickups = await worker.query(`SELECT kind FROM pickups WHERE serial = '${linkSerial}'`);
  assert.deepEqual(pickups.map((row) => row.kind), ['recipient_confirmed']);
  // A second enrollment into the same directory is refused before anything is made.
  const again = await keyward(['enroll', '--link', link, '--out', linkOut]);
  assert.equal(again.status, 1);
  assert.equal(again.answer.error.field, '--out');
  // `keyward subject` is OpenSSL's RFC 2253 form.
  const subject = await keyward(['subject', '--out', linkOut]);
  const expected = openssl(['x509', '-in', join(linkOut, 'cert.pem'), '-noout', '-subject', '-nameopt', 'RFC2253']);
  assert.equal(`subject=${subject.answer.subject}`, expected.trim());
});

test('keyward test records the installation; a used challenge and another key are refused', async () => {
  const tested = await keyward(['test', '--out', linkOut]);
  assert.equal(tested.status, 0, `${JSON.stringify(tested.answer)} ${tested.stderr}`);
  assert.equal(tested.answer.state, 'installed');
  const rows = await worker.query(`SELECT method, user_agent FROM installations WHERE serial = '${linkSerial}'`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].method, 'native_client');
  assert.match(rows[0].user_agent, /^keyward\//);

  const key = createPrivateKey(readFileSync(join(linkOut, 'key.pem')));
  const challenge = await challengeFor(linkSerial);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const forged = await prove(linkSerial, challenge, other);
  assert.equal(forged.status, 422, forged.text());
  assert.equal(forged.json().error.code, 'proof_invalid');
  assert.equal(forged.json().error.field, 'signature');
  const first = await prove(linkSerial, challenge, key);
  assert.equal(first.status, 201, first.text());
  const replay = await prove(linkSerial, challenge, key);
  assert.equal(replay.status, 422, replay.text());
  assert.equal(replay.json().error.code, 'challenge_used');
  assert.equal(replay.json().error.field, 'challenge');
  const unknown = await http(`${worker.url}/api/v1/certificates/${'0'.repeat(32)}/installation-challenge`, { method: 'POST' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.code, 'certificate_unknown');
  const [{ n }] = await worker.query(`SELECT count(*) AS n FROM installations WHERE serial = '${linkSerial}'`);
  assert.equal(n, 2, 'the refused proofs wrote nothing');
});

test('what keyward wrote opens an nginx that requires a client certificate', async () => {
  nginx = await startMtlsNginx(join(directory, 'nginx'), { ca: readFileSync(join(linkOut, 'chain.pem'), 'utf8') });
  assert.equal(curlMtls(null).status, 400, 'no client certificate, no entry');
  const accepted = curlMtls(linkOut);
  assert.equal(accepted.status, 200, `${accepted.body}${accepted.error}`);
  assert.match(accepted.body, /CN=Barbara Liskov/);
});

test('enroll with an API key (a server CSR order): fetched with the key, tested, installed in the inventory', async () => {
  const account = await createAccount(worker, { name: 'Alpha', users: [
    { email: 'alice@alpha.example.com', password: PASSWORD },
    { email: 'mona@alpha.example.com', role: 'org_user', password: PASSWORD },
  ] });
  const alice = await login(worker, 'alice@alpha.example.com', PASSWORD);
  const now = Math.floor(Date.now() / 1000);
  const address = JSON.stringify({ street: '1 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' });
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('org-alpha', 'Alpha Ltd', 'NTRGB-11111111', 'GB', '${address}', ${now - DAY}, ${now - DAY}, '${account.accountId}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-alpha', '${account.accountId}', 'domain', 'alpha.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-alpha', '${account.accountId}', ${now - DAY}, 100000000, 'deposit', 'wire', 'test')`);
  const created = await http(`${worker.url}/api/v1/api-keys`, { method: 'POST', headers: alice, body: JSON.stringify({ name: 'keyward client' }) });
  assert.equal(created.status, 201, created.text());
  apiKey = created.json().key;
  // Mona decides the workstation requests of Alpha Ltd (the device request tests below).
  const granted = await http(`${worker.url}/api/v1/enrollment-managers`, { method: 'POST', headers: alice,
    body: JSON.stringify({ user_id: account.userIds[1], organization_id: 'org-alpha' }) });
  assert.equal(granted.status, 201, granted.text());
  mona = await login(worker, 'mona@alpha.example.com', PASSWORD);
  const orderFile = join(directory, 'order.json');
  writeFileSync(orderFile, JSON.stringify({
    organization_id: 'org-alpha', profile: 'server_auth', validity: { kind: 'days', days: 60 }, signature_hash: 'sha256',
    auto_renewals: 0, notification_emails: [], payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01',
    recipients: [{ email: 'ops@alpha.example.com', dns_names: ['www.alpha.example.com'] }],
  }));
  const out = join(directory, 'server');
  const enrolled = await keyward(['enroll', '--server', worker.url, '--order', orderFile, '--out', out], { KEYWARD_API_KEY: apiKey });
  assert.equal(enrolled.status, 0, `${JSON.stringify(enrolled.answer)} ${enrolled.stderr}`);
  assert.equal(enrolled.answer.state, 'downloaded');
  const serial = enrolled.answer.serial;
  assert.match(openssl(['x509', '-in', join(out, 'cert.pem'), '-noout', '-ext', 'subjectAltName']), /www\.alpha\.example\.com/);
  const verified = spawnSync('openssl', ['verify', '-CAfile', join(directory, 'root.pem'), '-untrusted',
    join(out, 'chain.pem'), join(out, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);

  const inventory = async () => {
    const response = await http(`${worker.url}/api/v1/certificates?q=${serial}`, { headers: alice });
    assert.equal(response.status, 200, response.text());
    return response.json().certificates.find((entry) => entry.serial === serial);
  };
  assert.equal((await inventory()).state, 'downloaded');
  const tested = await keyward(['test', '--out', out]);
  assert.equal(tested.status, 0, `${JSON.stringify(tested.answer)} ${tested.stderr}`);
  const entry = await inventory();
  assert.equal(entry.state, 'installed');
  assert.equal(entry.installed_at, tested.answer.installed_at);
  const status = await keyward(['status', '--out', out]);
  assert.equal(status.answer.state, 'valid');
});

/** Resolves with what `condition` returns once it is truthy, polling; fails after `timeout` ms naming `what`. */
async function until(condition, what, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The request for `host` once the client has submitted it, as `headers` sees it in the list at `path`. */
function submitted(path, headers, host) {
  return until(async () => {
    const list = await http(`${worker.url}/api/v1${path}`, { headers });
    assert.equal(list.status, 200, list.text());
    return list.json().requests.find((request) => request.latest.host_name === host);
  }, `the request for ${host}`);
}

/** A decision on request `id` at `path` (…/decision), answered 200. */
async function decide(path, headers, decision, reason = '') {
  const response = await http(`${worker.url}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify({ decision, reason }) });
  assert.equal(response.status, 200, response.text());
  return response.json();
}

/** `keyward enroll` for a device request of Alpha's only organization (the client finds it), for `host`. */
const deviceEnroll = (kind, host, out, more = []) => keyward(['enroll', '--server', worker.url, '--kind', kind,
  '--host-name', host, '--locality', 'Lyon', '--phone', '+33 4 72 00 00 00', '--description', 'Rack 4, web front',
  '--out', out, ...more], { KEYWARD_API_KEY: apiKey });

const statusOf = async (id) => (await worker.query(`SELECT status FROM device_requests WHERE id = '${id}'`))[0].status;

function verifies(out) {
  const verified = spawnSync('openssl', ['verify', '-CAfile', join(directory, 'root.pem'), '-untrusted',
    join(out, 'chain.pem'), join(out, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  const fromKey = openssl(['pkey', '-in', join(out, 'key.pem'), '-pubout']);
  assert.equal(fromKey, openssl(['x509', '-in', join(out, 'cert.pem'), '-noout', '-pubkey']), 'the certificate is the key\'s');
}

test('a device request with an API key: the client waits while a CA administrator approves it, then writes and tests it', async () => {
  const out = join(directory, 'device-server');
  const host = 'web1.alpha.example.com';
  const running = deviceEnroll('server', host, out, ['--dns-name', 'www1.alpha.example.com']);
  const administrator = await caAdministrator(worker);
  const waiting = await submitted('/admin/device-requests', administrator, host);
  assert.equal(waiting.status, 'requested');
  assert.equal(waiting.latest.has_csr, true, 'the request carries the CSR made on the machine');
  assert.equal(waiting.requester_email, 'alice@alpha.example.com', 'the API key acts as the user who made it');
  assert.equal(statSync(join(out, 'key.pem')).mode & 0o777, 0o600, 'the key is on disk while the client waits');
  await decide(`/admin/device-requests/${waiting.id}/decision`, administrator, 'approve');
  const enrolled = await running;
  assert.equal(enrolled.status, 0, `${JSON.stringify(enrolled.answer)} ${enrolled.stderr}`);
  assert.equal(enrolled.answer.state, 'downloaded');
  assert.equal(enrolled.answer.request_id, waiting.id);
  assert.equal(enrolled.answer.request_status, 'downloaded', 'the fetch with the API key is the pickup');
  verifies(out);
  const extensions = openssl(['x509', '-in', join(out, 'cert.pem'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage']);
  assert.match(extensions, /DNS:web1\.alpha\.example\.com/);
  assert.match(extensions, /DNS:www1\.alpha\.example\.com/);
  assert.match(extensions, /TLS Web Server Authentication/);
  const tested = await keyward(['test', '--out', out]);
  assert.equal(tested.status, 0, `${JSON.stringify(tested.answer)} ${tested.stderr}`);
  assert.equal(await statusOf(waiting.id), 'installed');
  const status = await keyward(['status', '--out', out], { KEYWARD_API_KEY: apiKey });
  assert.equal(status.status, 0, JSON.stringify(status.answer));
  assert.deepEqual([status.answer.request_id, status.answer.status, status.answer.certificate_serial],
    [waiting.id, 'installed', enrolled.answer.serial]);
});

test('a rejected device request: the client exits non-zero with the approver\'s reason', async () => {
  const out = join(directory, 'device-rejected');
  const host = 'db9.alpha.example.com';
  const running = deviceEnroll('server', host, out);
  const administrator = await caAdministrator(worker);
  const waiting = await submitted('/admin/device-requests', administrator, host);
  const reason = 'This server is not in our asset register';
  await decide(`/admin/device-requests/${waiting.id}/decision`, administrator, 'reject', reason);
  const ended = await running;
  assert.equal(ended.status, 1, JSON.stringify(ended.answer));
  assert.equal(ended.answer.error.code, 'device_request_rejected');
  assert.equal(ended.answer.error.field, 'reason');
  assert.ok(ended.answer.error.message.includes(reason), ended.answer.error.message);
  assert.ok(ended.answer.error.message.includes(waiting.id), ended.answer.error.message);
  const status = await keyward(['status', waiting.id, '--server', worker.url], { KEYWARD_API_KEY: apiKey });
  assert.deepEqual([status.answer.status, status.answer.reason], ['rejected', reason]);
  const resumed = await keyward(['resume', '--out', out], { KEYWARD_API_KEY: apiKey });
  assert.equal(resumed.status, 1);
  assert.equal(resumed.answer.error.code, 'device_request_rejected');
  assert.ok(!existsSync(join(out, 'cert.pem')), 'nothing written for a rejected request');
});

test('--no-wait, status Requested, then resume: an RSA-2048 workstation certificate for an nginx mTLS handshake', async () => {
  const out = join(directory, 'device-workstation');
  const host = 'pc-42.alpha.example.com';
  const started = await deviceEnroll('workstation', host, out, ['--key', 'rsa2048', '--no-wait', '--machine-id', 'SN-0042']);
  assert.equal(started.status, 0, `${JSON.stringify(started.answer)} ${started.stderr}`);
  assert.equal(started.answer.state, 'requested');
  const id = started.answer.request_id;
  assert.match(id, /^DR-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  assert.match(started.answer.resume, /keyward resume --out /);
  for (const args of [['status', '--out', out], ['status', id.toLowerCase(), '--server', worker.url]]) {
    const status = await keyward(args, { KEYWARD_API_KEY: apiKey });
    assert.equal(status.status, 0, JSON.stringify(status.answer));
    assert.deepEqual([status.answer.request_id, status.answer.status], [id, 'requested']);
  }
  const early = await keyward(['resume', '--out', out, '--no-wait'], { KEYWARD_API_KEY: apiKey });
  assert.deepEqual([early.status, early.answer.state], [0, 'requested']);
  // Mona, enrollment manager of Alpha Ltd, approves it in her session.
  const waiting = await submitted('/device-requests', mona, host);
  assert.equal(waiting.id, id);
  assert.equal(waiting.can_decide, true);
  await decide(`/device-requests/${id}/decision`, mona, 'approve');
  const resumed = await keyward(['resume', '--out', out], { KEYWARD_API_KEY: apiKey });
  assert.equal(resumed.status, 0, `${JSON.stringify(resumed.answer)} ${resumed.stderr}`);
  assert.equal(resumed.answer.request_status, 'downloaded');
  verifies(out);
  const text = openssl(['x509', '-in', join(out, 'cert.pem'), '-noout', '-text']);
  assert.match(text, /Public Key Algorithm: rsaEncryption/);
  assert.match(text, /Public-Key: \(2048 bit\)/);
  assert.match(text, /TLS Web Client Authentication/);
  const tested = await keyward(['test', '--out', out]);
  assert.equal(tested.status, 0, `${JSON.stringify(tested.answer)} ${tested.stderr}`);
  assert.equal(await statusOf(id), 'installed');
  const accepted = curlMtls(out);
  assert.equal(accepted.status, 200, `${accepted.body}${accepted.error}`);
  assert.match(accepted.body, /CN=pc-42\.alpha\.example\.com/);
});

test('a workstation request approved by its enrollment manager, enrolled by keyward with the KeyGen link emailed for it', async () => {
  const alice = await login(worker, 'alice@alpha.example.com', PASSWORD);
  const host = 'pc-7.alpha.example.com';
  const made = await http(`${worker.url}/api/v1/device-requests`, { method: 'POST', headers: alice, body: JSON.stringify({
    kind: 'workstation', organization_id: 'org-alpha', host_name: host, dns_names: [], locality: 'Lyon',
    region: 'Auvergne-Rhône-Alpes', phone: '+33 4 72 00 00 00', description: 'Reception desk' }) });
  assert.equal(made.status, 201, made.text());
  const { id } = made.json();
  await decide(`/device-requests/${id}/decision`, mona, 'approve');
  const link = await until(async () => {
    const { messages } = (await http(`${worker.url}/api/v1/dev/mailbox`)).json();
    const sent = messages.find((message) => message.to === 'alice@alpha.example.com' && message.body.includes('/enroll/') && message.body.includes(host));
    return sent?.body.match(/https?:\/\/\S+\/enroll\/[A-Za-z0-9_-]{43}/)[0];
  }, 'the KeyGen link emailed for the workstation');
  const out = join(directory, 'device-link');
  const enrolled = await keyward(['enroll', '--link', link, '--out', out]);
  assert.equal(enrolled.status, 0, `${JSON.stringify(enrolled.answer)} ${enrolled.stderr}`);
  assert.equal(enrolled.answer.state, 'downloaded');
  verifies(out);
  assert.match(openssl(['x509', '-in', join(out, 'cert.pem'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage']),
    /DNS:pc-7\.alpha\.example\.com[\s\S]*TLS Web Client Authentication|TLS Web Client Authentication[\s\S]*DNS:pc-7\.alpha\.example\.com/);
  assert.equal(await statusOf(id), 'downloaded');
  const tested = await keyward(['test', '--out', out]);
  assert.equal(tested.status, 0, `${JSON.stringify(tested.answer)} ${tested.stderr}`);
  assert.equal(await statusOf(id), 'installed');
});

test('/test-enrollment in Chromium: the .p12 opened in the page makes the certificate installed by this browser', async () => {
  // A bundle of what keyward wrote for the link enrollment, as OpenSSL 3 makes one (AES-256-CBC, PBKDF2).
  const password = 'test with this password';
  const bundle = join(directory, 'holder.p12');
  openssl(['pkcs12', '-export', '-in', join(linkOut, 'cert.pem'), '-inkey', join(linkOut, 'key.pem'),
    '-certfile', join(linkOut, 'chain.pem'), '-out', bundle, '-passout', `pass:${password}`]);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const sent = [];
    page.on('request', (request) => sent.push(request.postData() ?? ''));
    await page.goto(`${worker.url}/test-enrollment`);
    await page.locator('[data-testid=test-file]').setInputFiles(bundle);
    await page.locator('[data-testid=test-password]').fill('not the password');
    await page.locator('[data-testid=test-submit]').click();
    await page.locator('[data-testid=error][data-code=bundle_unreadable]').waitFor();
    await page.locator('[data-testid=test-password]').fill(password);
    await page.locator('[data-testid=test-submit]').click();
    await page.locator('[data-testid=installed]').waitFor({ timeout: 30_000 });
    assert.equal((await page.locator('[data-testid=installed-serial]').textContent()).trim(), linkSerial);
    assert.match(await page.locator('[data-testid=installed]').textContent(), /Installed on .* by this browser/);
    const rows = await worker.query(`SELECT method, user_agent FROM installations WHERE serial = '${linkSerial}' AND method = 'browser'`);
    assert.equal(rows.length, 1);
    assert.match(rows[0].user_agent, /Chrome/);
    // Only the signature went out: never the password or the key.
    const keyBody = readFileSync(join(linkOut, 'key.pem'), 'utf8').split('\n').slice(1, -2).join('');
    for (const body of sent) {
      assert.ok(!body.includes(password) && !body.includes(keyBody.slice(0, 40)), body);
    }
  } finally {
    await browser.close();
  }
});

test('a revoked certificate is refused its test, with its code', async () => {
  const revoked = await http(`${worker.url}/api/v1/certificates/${linkSerial}/revocation`, {
    method: 'POST', body: JSON.stringify({ reason: 'superseded' }), headers: await caAdministrator(worker),
  });
  assert.equal(revoked.status, 200, revoked.text());
  const tested = await keyward(['test', '--out', linkOut]);
  assert.equal(tested.status, 1);
  assert.equal(tested.answer.error.code, 'certificate_revoked');
  assert.equal(tested.answer.error.status, 422);
});

test('the mTLS path refuses a request that Cloudflare did not verify', async () => {
  const response = await http(`${worker.url}/api/v1/installations/mtls`, { method: 'POST' });
  assert.equal(response.status, 401, response.text());
  // wrangler dev reports no certificate presented (certPresented "0"): the report is read, the refusal names it.
  assert.equal(response.json().error.code, 'client_certificate_missing');
});
