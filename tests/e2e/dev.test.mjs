// `cargo xtask dev` runs like production: it is started here as a person starts it (on a free port, with its own
// database directory, without rebuilding: `cargo xtask test` has just built), prints one banner once the Worker
// answers (wrangler's output goes to a log file), then a line per request and per email, and it ticks the
// scheduled handler every minute. The proof of the tick: an order whose CSR waits for a mailbox validation is
// validated while the recipient's DNS answers SERVFAIL, so the validation's own attempt to issue waits (a failed
// CAA lookup is retried, never recorded as a refusal); DNS is then mended and no request reaches the Worker any
// more: the certificate appears within two minutes all the same. The test reads the database directly (SQLite
// on the local D1 file, `queryD1`, not through the Worker); `GET /api/v1/orders/{id}` would have done too (it
// only reads), but reading outside the Worker leaves no doubt. The resolver is the test's own
// (`KEYWARD_DOH_URL`); pkilint is the suite's (`KEYWARD_LINT_URL`) when `cargo xtask test` runs it, else the
// xtask's. At the end the dev process group is stopped and found empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePorts, http, login, openssl, queryD1, scratch, vetOrganization } from './harness.mjs';
import { startDohResponder } from './doh-responder.mjs';

/** The recipient: an address at a public mail provider, so the order waits for its mailbox validation. */
const RECIPIENT = 'dev.recipient@gmail.com';

let resolver;
let state;
let directory;
let child;
let url;
let appUrl;
let stdout = '';
let stderr = '';
let exited = false;

/** Resolves when `predicate(stdout)` holds; rejects when the process exits first or at the deadline. */
async function output(predicate, what, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (predicate(stdout)) return stdout;
    if (exited) throw new Error(`cargo xtask dev exited before ${what}:\n${stdout}\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${seconds} s:\n${stdout}\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The rows of one SQL statement, read from the dev database's SQLite file (not through the Worker). */
async function query(sql) {
  return (await queryD1(state, sql))[0];
}

/** Whether any process of the group led by `pid` is alive. */
function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
}

before(async () => {
  resolver = await startDohResponder();
  state = scratch('dev-state');
  directory = scratch('dev');
  const [port] = await freePorts(1);
  url = `http://127.0.0.1:${port}`;
  // The app's URL (KEYWARD_APP_URL, what the banner shows): localhost, since WebAuthn refuses an IP address as RP ID.
  appUrl = `http://localhost:${port}`;
  // Its own process group (detached), so that stopping it stops wrangler, workerd and pkilint with it.
  child = spawn('cargo', ['xtask', 'dev'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYWARD_DEV_PORT: String(port), KEYWARD_DEV_STATE: state, KEYWARD_DEV_BUILD: 'never', KEYWARD_DOH_URL: resolver.url },
  });
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.once('exit', () => { exited = true; });
});

after(async () => {
  if (child && !exited) {
    process.kill(-child.pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (groupAlive(child.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  }
  await resolver?.stop();
  rmSync(state, { recursive: true, force: true });
  rmSync(directory, { recursive: true, force: true });
});

let banner;
let admin;
let caAdmin;

test('one banner once the Worker answers: the URL, the demo users, the mailbox, the log, how to stop; no wrangler noise', async () => {
  banner = await output((text) => text.includes('Press Ctrl-C to stop'), 'banner', 300);
  assert.equal(banner.match(/Keyward is running/g).length, 1, banner);
  assert.ok(banner.includes(`App:                     ${appUrl}/`), banner);
  assert.ok(banner.includes(`Development mailbox:     ${appUrl}/dev/mailbox`), banner);
  assert.match(banner, /then a passkey: the first login registers one/);
  assert.match(banner, /Scheduled handler: +run by this command at the start of every minute/);
  const log = banner.match(/wrangler's output: +(\S+)/)[1];
  assert.ok(existsSync(log), `the log ${log} exists`);
  assert.match(readFileSync(log, 'utf8'), new RegExp(`Ready on ${url}`), "wrangler's output is in the log");
  assert.ok(!/\[wrangler:|⎔|Your Worker has access|env\.KEYWARD/.test(banner), `wrangler's output stays off the terminal:\n${banner}`);
  assert.equal(log, join(state, 'wrangler.log'), 'a dev run with its own state keeps its log there');
  admin = banner.match(/Organization admin: +(\S+) \/ (.+)\n/).slice(1);
  caAdmin = banner.match(/CA administrator: +(\S+) \/ (.+)\n/).slice(1);
  assert.deepEqual(admin, ['admin@example.com', 'keyward demo password']);
  // The banner's way to run the scheduled handler now works (the test makes no other use of it).
  const now = banner.match(/curl (\S+\/__scheduled)/)[1];
  const ran = await http(now);
  assert.equal(ran.status, 200, ran.text());
  assert.match(ran.text(), /Ran scheduled event/);
  // The demo enrollment link is open.
  const link = banner.match(/Demo enrollment link: +(\S+)/)[1];
  const token = link.split('/enroll/')[1];
  const view = await http(`${url}/api/v1/enrollments/${token}`);
  assert.equal(view.status, 200, view.text());
  assert.equal(view.json().status.state, 'open', view.text());
});

test('a CSR order waiting for a mailbox validation is issued by the scheduled tick, with no request after the validation', async () => {
  assert.ok(admin, 'the banner test ran');
  // The CA administrator's login registers a passkey with the harness's software authenticator for the app's origin.
  const worker = { url, appUrl, authenticators: new Map() };
  const api = (path, options = {}) => http(`${url}/api/v1${path}`, options);
  const post = (path, headers, body) => api(path, { method: 'POST', headers, body: JSON.stringify(body) });
  // The banner's credentials sign in.
  const orgAdmin = await login(worker, ...admin);
  const ca = await login(worker, ...caAdmin);
  const organization = await post('/organizations', orgAdmin, {
    name: 'Dev Test Ltd', registration_identifier: 'NTRGB-87654321', country: 'GB',
    address: { street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' },
    phone: '+44 20 7946 0000', contacts: [{ name: 'Dora Contact', email: 'dora@devtest.example', phone: '+44 20 7946 0001' }],
  });
  assert.equal(organization.status, 201, organization.text());
  const organizationId = organization.json().id;
  await vetOrganization(worker, organizationId, { ca });

  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, 'key.pem'), '-subj', '/CN=ignored']);
  const placed = await post('/orders', orgAdmin, {
    profile: 'smime_organization_multipurpose', organization_id: organizationId, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email: RECIPIENT, csr }],
    notification_emails: [], payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `dev-${Date.now()}`,
  });
  assert.equal(placed.status, 201, placed.text());
  assert.equal(placed.json().state, 'awaiting_validation');
  const orderId = placed.json().id;
  const issued = async () => query(`SELECT c.serial FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.order_id = '${orderId}'`);

  // The validation's own attempt to issue meets a failing resolver: the order waits for the next run.
  resolver.servfail('gmail.com');
  const { messages } = (await api('/dev/mailbox')).json();
  const validationMail = messages.find((message) => message.to === RECIPIENT && /\/validate\//.test(message.body));
  assert.ok(validationMail, JSON.stringify(messages.map((message) => [message.to, message.subject])));
  const validationToken = validationMail.body.match(/\/validate\/([A-Za-z0-9_-]{43})/)[1];
  const asked = resolver.questions.length;
  const validated = await api(`/validations/${validationToken}`, { method: 'POST', body: '{}' });
  assert.equal(validated.status, 200, validated.text());
  const validatedAt = Date.now();
  assert.ok(resolver.questions.slice(asked).some((question) => question.name === 'gmail.com' && question.type === 'CAA'),
    'the validation tried to issue, and asked the CAA record');
  assert.deepEqual(await issued(), [], 'not issued while DNS fails');
  const [{ state: waiting }] = await query(`SELECT state FROM orders WHERE id = '${orderId}'`);
  assert.equal(waiting, 'awaiting_validation');
  const [{ refusals }] = await query(`SELECT COUNT(*) AS refusals FROM recipients WHERE order_id = '${orderId}' AND issuance_refusal IS NOT NULL`);
  assert.equal(refusals, 0, 'a failed lookup is not recorded as a refusal');

  // DNS mended; from here on no request reaches the Worker but the xtask's own ticks.
  resolver.remove('gmail.com');
  const mended = resolver.questions.length;
  let serials = [];
  while (serials.length === 0) {
    assert.ok(Date.now() - validatedAt < 120_000, `issued within two minutes of the validation; the terminal:\n${stdout.slice(banner.length)}\n`
      + `the log's end:\n${readFileSync(join(state, 'wrangler.log'), 'utf8').split('\n').slice(-60).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    serials = await issued();
  }
  assert.match(serials[0].serial, /^[0-9a-f]{32}$/);
  assert.ok(resolver.questions.slice(mended).some((question) => question.name === 'gmail.com' && question.type === 'CAA'),
    'the tick looked the CAA record up again');
  const [{ state: done }] = await query(`SELECT state FROM orders WHERE id = '${orderId}'`);
  assert.equal(done, 'completed');

  // The terminal told the story: the requests and the emails, each on its line.
  await output((text) => text.includes(`mail → ${RECIPIENT}`), 'the validation email line', 10);
  const lines = stdout.slice(banner.length);
  assert.match(lines, /^\d\d:\d\d:\d\d {2}POST \/api\/v1\/orders → 201 {2}\(\d+ ms\)$/m, lines);
  assert.match(lines, /^\d\d:\d\d:\d\d {2}POST \/api\/v1\/validations\/[A-Za-z0-9_-]+ → 200 {2}\(\d+ ms\)$/m, lines);
  assert.match(lines, new RegExp(`^\\d\\d:\\d\\d:\\d\\d {2}mail → ${RECIPIENT.replace('.', '\\.')}: "`, 'm'), lines);
  assert.ok(!/GET \/api\/v1\/dev\/mailbox|__scheduled|\/pkg\//.test(lines), `no mailbox reads, ticks or assets:\n${lines}`);
});

test('stopping the process group stops everything it started', async () => {
  assert.ok(!exited, `still running:\n${stderr}`);
  process.kill(-child.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (groupAlive(child.pid)) {
    assert.ok(Date.now() < deadline, 'the process group is gone within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Nothing listens on its port any more.
  await assert.rejects(http(`${url}/api/v1/policy`));
});
