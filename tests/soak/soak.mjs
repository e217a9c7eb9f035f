// The load and fault suite (issue 15, item 4), run by `cargo xtask soak [minutes]`: the development Worker in
// workerd (`wrangler dev`, through the end-to-end harness) on 127.0.0.1 with a persisted local D1, the HTTP mail
// adapter pointed at a local provider (faults.mjs) and a local DNS-over-HTTPS responder behind a switch. For the
// duration, a few virtual users run a realistic mix concurrently: logins, order placements (link recipients and
// CSR recipients), enrollments through the emailed links (keys made with node:crypto), certificate downloads,
// OCSP (GET and POST), CRL fetches, mailbox validation links clicked, and the scheduled handler every 15 s.
//
// Faults, each at a stated time: D1 busy (an exclusive write lock held from another process), the mail provider
// answering 503 then not answering at all, the DNS-over-HTTPS resolver down (connections refused), and workerd
// killed (SIGKILL) while an enrollment is in flight, then restarted on the same database and port. After each
// fault and at the end, reconcile.mjs checks that nothing was lost or duplicated.
//
// The report: throughput, p50/p99 latency per route, answers by status inside and outside the fault windows,
// workerd's resident memory over time with a verdict on growth, and every reconciliation; merged as `soak` into
// target/bench/report.json (the benchmark's rows stay), and target/bench/soak.md. Exit status 1 when a verdict
// fails. Environment: KEYWARD_LINT_URL (pkilint's REST API), KEYWARD_PYTHON (holds the D1 lock; python3 if unset).
import { request as httpRequest } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT, d1File, startWorker, freePorts, scratch, passwordKey, checkAgainstOpenApi } from '../e2e/harness.mjs';
import { startDohResponder } from '../e2e/doh-responder.mjs';
import { startMailProvider, startSwitch, holdWriteLock, workerdOf, residentKibibytes, killTree } from './faults.mjs';
import { makeRequest, ocspRequests, ocspStatus, certificateFacts } from './der.mjs';
import { reconcile } from './reconcile.mjs';

const MINUTES = Number(process.argv[2] ?? 15);
if (!(MINUTES > 0)) throw new Error(`usage: node tests/soak/soak.mjs [minutes] (got ${process.argv[2]})`);
const DURATION = MINUTES * 60_000;
const OUT = join(ROOT, 'target', 'bench');
const PYTHON = process.env.KEYWARD_PYTHON ?? 'python3';
const VIRTUAL_USERS = 5;
const ACCOUNTS = 4;
const PASSWORD = 'soak test password, long enough';
/** How long after a fault ends its window still covers requests (answers to requests sent during it, retries). */
const WINDOW_GRACE = 10_000;
/** A request that takes longer than this is given up (counted as 'timeout'). */
const REQUEST_TIMEOUT = 45_000;
/** How much the median resident memory of the last third of a workerd's life may exceed the second third's. */
const MEMORY_GROWTH_BOUND = 1.25;
const SECOND = 1000;
/** A fault's duration: the stated one in a full run, a proportion of a shorter run. */
const scaled = (stated, share) => Math.min(stated, Math.round(share * DURATION));

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const log = (message) => console.error(`[soak ${((Date.now() - begin) / 1000).toFixed(0).padStart(4)} s] ${message}`);

/** What else the machine runs (it is shared): load and the busiest processes. */
function machine() {
  let busiest = [];
  try {
    busiest = execFileSync('ps', ['-eo', 'pcpu,rss,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' })
      .split('\n').filter(Boolean).slice(0, 8).map((line) => line.trim().replace(/\s+/g, ' '));
  } catch { /* no ps: the load average alone */ }
  return { at: new Date().toISOString(), cores: cpus().length, loadAverage: loadavg().map((value) => Number(value.toFixed(2))), busiest };
}

// ---------------------------------------------------------------------------------------------------------------
// The Worker and its surroundings.

const provider = await startMailProvider();
const responder = await startDohResponder();
const resolverSwitch = await startSwitch(Number(new URL(responder.url).port));
const persist = scratch('soak-d1');
const [port] = await freePorts(1);
const VARS = {
  KEYWARD_MAIL: 'http', KEYWARD_MAIL_API_URL: provider.url, KEYWARD_MAIL_API_TOKEN: 'soak-mail-token',
  KEYWARD_MAIL_FROM: 'Keyward <no-reply@keyward.example.com>',
  KEYWARD_DOH_URL: `http://127.0.0.1:${resolverSwitch.port}/dns-query`,
};
const machineBefore = machine();
let worker = await startWorker({ vars: VARS, persist, port });
const BASE = worker.url;
let begin = Date.now();
log(`Worker on ${BASE}, D1 in ${persist}, ${MINUTES} min`);

// ---------------------------------------------------------------------------------------------------------------
// Requests, measured.

/** Every request: [route, started (ms since begin), milliseconds, status or 'network' | 'timeout'], and errors. */
const samples = [];
const problems = [];
const contract = [];

function send(path, { method = 'GET', body, headers = {} }) {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${BASE}${path}`, { method, agent: false, timeout: REQUEST_TIMEOUT, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: response.statusCode, headers: response.headers, body: bytes, text: () => bytes.toString(), json: () => JSON.parse(bytes.toString()) });
      });
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * One request on `route` (its name in the report); resolves to the response, or null when none came. API answers
 * are checked against the OpenAPI document as the end-to-end suites' are; a mismatch is recorded, not thrown.
 */
async function call(route, path, { method = 'GET', body, headers = {}, json } = {}) {
  const started = Date.now();
  const clock = performance.now();
  let response = null;
  let status;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers = { 'content-type': 'application/json', ...headers };
  }
  try {
    response = await send(path, { method, body, headers });
    status = response.status;
  } catch (error) {
    status = error.code === 'TIMEOUT' ? 'timeout' : 'network';
    problems.push({ route, at: started - begin, milliseconds: performance.now() - clock, status, detail: error.code ?? error.message });
  }
  const milliseconds = performance.now() - clock;
  samples.push([route, started - begin, milliseconds, status]);
  if (response) {
    if (response.status >= 400 && response.status !== 429) {
      let code = null;
      try { code = response.json().error?.code ?? null; } catch { /* not JSON */ }
      problems.push({ route, at: started - begin, milliseconds, status, detail: code ?? response.text().slice(0, 120) });
    }
    try {
      checkAgainstOpenApi(method, `${BASE}${path}`, response);
    } catch (error) {
      contract.push({ route, status, detail: error.message.slice(0, 300) });
    }
  }
  return response;
}

// ---------------------------------------------------------------------------------------------------------------
// The accounts: each with an organization and a domain validated and a balance, written with SQL (the validation
// endpoints have their own suite; here they are the precondition), and a signed-in session per account.

const DAY = 86_400;
const accounts = [];
{
  const now = Math.floor(Date.now() / 1000);
  const statements = [];
  for (let index = 1; index <= ACCOUNTS; index += 1) {
    const email = `admin@soak${index}.example.com`;
    const key = await passwordKey(email, PASSWORD);
    accounts.push({ index, email, key, domain: `soak${index}.example.com`, organization: `org-soak-${index}`, session: null });
    // The development endpoint makes accounts with a password key; its SQL is the Worker's.
    const response = await call('POST /api/v1/dev/accounts', '/api/v1/dev/accounts', {
      method: 'POST', json: { account_name: `Soak ${index}`, users: [{ email, name: `Admin ${index}`, role: 'org_admin', password_key: key }] },
    });
    if (response?.status !== 201) throw new Error(`creating account ${index}: ${response?.status} ${response?.text()}`);
    const created = response.json();
    accounts.at(-1).accountId = created.account_id;
    statements.push(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
      VALUES ('org-soak-${index}', 'Soak ${index}', 'NTRGB-5000000${index}', 'GB',
        '{"street":"1 High Street","city":"London","postal_code":"SW1A 1AA","region":""}', ${now - DAY}, ${now - DAY}, '${created.account_id}')`,
    `INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
      VALUES ('val-soak-${index}', '${created.account_id}', 'domain', 'soak${index}.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`,
    `INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-soak-${index}', '${created.account_id}', ${now - DAY}, 1000000000, 'deposit', 'soak', 'soak')`);
  }
  await worker.queryAll(statements.map((statement) => statement.replace(/\s+/g, ' ')).join('; '));
}
const issuerDer = (await call('GET /ca/issuing.crt', '/ca/issuing.crt')).body;
const ocspRequest = ocspRequests(issuerDer);

// ---------------------------------------------------------------------------------------------------------------
// The driver's ledger: what it was told, for the reconciliation.

const ledger = {
  /** idempotency key → { key, id, acknowledgedAt, answeredIds, recipients: [{ email, csr, spki }] } */
  orders: new Map(),
  /** serial → { serial, email, subjectEmail, spki, keyMatches, at } */
  certificates: new Map(),
  /** enrollment token → { email, csr, spki, done } */
  tokens: new Map(),
  /** validation token → { email, confirmed } */
  validations: new Map(),
};
const enrollQueue = [];
const clickQueue = [];
let providerRead = 0;
/** CSR recipients whose certificate the order's answer did not carry yet: { orderId, account, email, spki }. */
const awaitingCsr = [];
let inflightEnrollments = 0;
let counter = 0;

/** New emails at the provider: enrollment and validation links, as a recipient's mailbox would show them. */
function readMail() {
  for (; providerRead < provider.requests.length; providerRead += 1) {
    const request = provider.requests[providerRead];
    if (request.status !== 200) continue;
    const enroll = /\/enroll\/([A-Za-z0-9_-]{43})/.exec(request.text);
    if (enroll && !ledger.tokens.has(enroll[1])) {
      ledger.tokens.set(enroll[1], { email: request.to.toLowerCase(), csr: null, spki: null, done: false });
      enrollQueue.push(enroll[1]);
    }
    const validate = /\/validate\/([A-Za-z0-9_-]{43})/.exec(request.text);
    if (validate && !ledger.validations.has(validate[1])) {
      ledger.validations.set(validate[1], { email: request.to.toLowerCase(), confirmed: false });
      clickQueue.push(validate[1]);
    }
  }
}

/** Records a certificate the driver received (PEM), checking it names `email` and certifies `spki`. */
function received(pem, email, spki) {
  const facts = certificateFacts(pem);
  ledger.certificates.set(facts.serial, {
    serial: facts.serial, email, subjectEmail: facts.email, spki, keyMatches: facts.spki.equals(spki), at: Date.now(),
  });
  return facts.serial;
}

async function session(account) {
  if (account.session) return account.session;
  await login(account);
  return account.session;
}

// ---------------------------------------------------------------------------------------------------------------
// The operations of the mix.

async function login(account = pick(accounts)) {
  const response = await call('POST /api/v1/session', '/api/v1/session', {
    method: 'POST', json: { email: account.email, password_key: account.key }, headers: { origin: BASE },
  });
  if (response?.status === 200) {
    const cookie = [response.headers['set-cookie']].flat()[0].split(';')[0];
    account.session = { cookie, origin: BASE };
  }
}

async function placeOrder() {
  const account = pick(accounts);
  const headers = await session(account);
  if (!headers) return;
  counter += 1;
  const number = counter;
  const key = `soak-order-${number}-${begin}`;
  const recipients = [];
  const requested = [];
  for (let index = 0; index < 1 + Math.floor(Math.random() * 3); index += 1) {
    const email = `r${number}x${index}@${account.domain}`;
    const withCsr = Math.random() < 0.3;
    const made = withCsr ? await makeRequest(Math.random() < 0.15 ? 'rsa2048' : 'p256') : null;
    recipients.push({ email, csr: withCsr, spki: made?.spki ?? null });
    requested.push({ email, name: `Soak Recipient${index}`, ...(made && { csr: made.csr }) });
  }
  const order = { key, id: null, acknowledgedAt: null, answeredIds: new Set(), recipients };
  ledger.orders.set(key, order);
  const body = {
    profile: 'smime_organization_multipurpose', organization_id: account.organization, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: requested, notification_emails: [],
    payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: key,
  };
  // A client whose request failed sends it again under the same idempotency key, as the console does.
  for (let attempt = 1; attempt <= 6 && !stopping; attempt += 1) {
    const response = await call('POST /api/v1/orders', '/api/v1/orders', { method: 'POST', json: body, headers });
    if (response?.status === 201 || response?.status === 200) {
      const view = response.json();
      order.answeredIds.add(view.id);
      order.id = view.id;
      order.acknowledgedAt ??= Date.now();
      for (const [index, recipient] of recipients.entries()) {
        if (!recipient.csr) continue;
        const serial = view.recipients[index]?.certificate_serial;
        if (serial) await fetchIssued(serial, recipient);
        else awaitingCsr.push({ orderId: view.id, account, index, recipient });
      }
      return;
    }
    if (response && response.status < 500 && response.status !== 409 && response.status !== 429) return;
    await sleep(2000 * attempt);
  }
}

/** The certificate of a CSR recipient, downloaded and recorded. */
async function fetchIssued(serial, recipient) {
  const response = await call('GET /api/v1/certificates/{serial}/{format}', `/api/v1/certificates/${serial}/pem`);
  if (response?.status === 200) received(response.text(), recipient.email, recipient.spki);
}

/** A CSR recipient's order, asked again until its certificate is there (a CAA lookup failed at placement). */
async function showOrder() {
  const waiting = awaitingCsr.shift();
  if (!waiting) return;
  const response = await call('GET /api/v1/orders/{id}', `/api/v1/orders/${waiting.orderId}`, { headers: await session(waiting.account) });
  const serial = response?.status === 200 ? response.json().recipients[waiting.index]?.certificate_serial : null;
  if (serial) await fetchIssued(serial, waiting.recipient);
  else awaitingCsr.push(waiting);
}

async function enroll() {
  readMail();
  const token = enrollQueue.shift();
  if (!token) return;
  const link = ledger.tokens.get(token);
  const shown = await call('GET /api/v1/enrollments/{token}', `/api/v1/enrollments/${token}`);
  if (shown?.status !== 200) { enrollQueue.push(token); return; }
  if (shown.json().status.state !== 'open') { link.done = true; return; }
  // The key stays in the tab: a retry after a failure sends the same request.
  if (link.csr === null) {
    const made = await makeRequest(Math.random() < 0.15 ? 'rsa2048' : 'p256');
    link.csr = made.csr;
    link.spki = made.spki;
  }
  inflightEnrollments += 1;
  let response;
  try {
    response = await call('POST /api/v1/enrollments/{token}', `/api/v1/enrollments/${token}`, { method: 'POST', json: { csr: link.csr } });
  } finally {
    inflightEnrollments -= 1;
  }
  if (response?.status === 201) {
    received(response.json().certificate, link.email, link.spki);
    link.done = true;
  } else if (response?.status === 409 || response?.status === 410) {
    link.done = true; // spent meanwhile (an answer lost in a fault): the reconciliation asks the link
  } else {
    enrollQueue.push(token);
  }
}

async function download() {
  const certificate = pick([...ledger.certificates.values()]);
  if (!certificate) return;
  const format = pick(['pem', 'der', 'chain.pem', 'p7b']);
  const response = await call('GET /api/v1/certificates/{serial}/{format}', `/api/v1/certificates/${certificate.serial}/${format}`);
  if (response?.status === 200 && format === 'der') {
    const served = new X509Certificate(response.body).serialNumber.toLowerCase();
    if (served !== certificate.serial) problems.push({ route: 'download', at: Date.now() - begin, status: 'wrong', detail: `${certificate.serial} served ${served}` });
  }
}

/** OCSP answers whose responseStatus was not `successful`: { at, milliseconds, status, serial }. */
const ocspUnsuccessful = [];
async function ocsp() {
  const certificate = pick([...ledger.certificates.values()]);
  const serial = certificate?.serial ?? '0badc0ffee';
  const der = ocspRequest(serial);
  const started = Date.now();
  const response = Math.random() < 0.5
    ? await call('GET /ocsp/{request}', `/ocsp/${encodeURIComponent(der.toString('base64'))}`)
    : await call('POST /ocsp', '/ocsp', { method: 'POST', body: der, headers: { 'content-type': 'application/ocsp-request' } });
  const status = response?.status === 200 ? ocspStatus(response.body) : null;
  if (status !== null && status !== 'successful') {
    ocspUnsuccessful.push({ at: started - begin, milliseconds: Date.now() - started, status, serial, known: certificate !== undefined });
  }
}

async function crl() {
  await call('GET /crl/issuing.crl', '/crl/issuing.crl');
}

async function mailbox() {
  const account = pick(accounts);
  const headers = await session(account);
  if (!headers) return;
  counter += 1;
  await call('POST /api/v1/mailboxes', '/api/v1/mailboxes', { method: 'POST', json: { email: `soak.${counter}.${begin}@gmail.com` }, headers });
}

async function click() {
  readMail();
  const token = clickQueue.shift();
  if (!token) return;
  const shown = await call('GET /api/v1/validations/{token}', `/api/v1/validations/${token}`);
  if (shown?.status !== 200) { clickQueue.push(token); return; }
  if (shown.json().state !== 'pending') return;
  const confirmed = await call('POST /api/v1/validations/{token}', `/api/v1/validations/${token}`, { method: 'POST' });
  if (confirmed?.status === 200) ledger.validations.get(token).confirmed = true;
  else if (confirmed?.status === 409) ledger.validations.get(token).confirmed = true; // used meanwhile
  else clickQueue.push(token);
}

async function scheduled() {
  await call('GET /__scheduled', '/__scheduled?cron=*+*+*+*+*');
}

/** The mix: an operation drawn by weight among those that have something to work on. */
function nextOperation() {
  const weighted = [
    [login, 1], [placeOrder, 2], [crl, 1], [mailbox, 1],
    [enroll, enrollQueue.length > 0 ? 4 : 0], [click, clickQueue.length > 0 ? 2 : 0],
    [download, ledger.certificates.size > 0 ? 3 : 0], [ocsp, 3], [showOrder, awaitingCsr.length > 0 ? 1 : 0],
  ];
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = Math.random() * total;
  for (const [operation, weight] of weighted) {
    draw -= weight;
    if (draw < 0) return operation;
  }
  return crl;
}

let stopping = false;
async function virtualUser() {
  while (!stopping) {
    readMail();
    try {
      await nextOperation()();
    } catch (error) {
      problems.push({ route: 'driver', at: Date.now() - begin, status: 'driver', detail: error.stack?.slice(0, 300) ?? String(error) });
    }
    await sleep(100 + Math.random() * 200);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Memory: workerd's VmRSS every 5 s.

/** [seconds, KiB, pid, 'runtime' | 'proxy'] every 5 s, for both of wrangler's workerd processes. */
const memory = [];
const sampler = setInterval(() => {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const processes = workerdOf(worker.child.pid);
  for (const role of ['runtime', 'proxy']) {
    const kibibytes = processes[role] ? residentKibibytes(processes[role]) : null;
    if (kibibytes) memory.push([(Date.now() - begin) / 1000, kibibytes, processes[role], role]);
  }
}, 5 * SECOND);
const ticker = setInterval(() => { readMail(); void scheduled(); }, 15 * SECOND);

// ---------------------------------------------------------------------------------------------------------------
// Faults.

const windows = [];
/** The wrangler dev logs of the Workers killed, then of the last one. */
const wranglerLogs = [];
const reconciliations = [];
const at = async (share) => {
  const wait = begin + share * DURATION - Date.now();
  if (wait > 0) await sleep(wait);
};
function opened(name, note) {
  const window = { name, note, start: Date.now() - begin, end: null };
  windows.push(window);
  log(`fault: ${name} (${note})`);
  return window;
}
const closed = (window) => { window.end = Date.now() - begin; log(`fault over: ${window.name}`); };
/** Why a reconciliation failed: the end of the message (wrangler's error comes after the command it echoes). */
const reason = (error) => String(error.message).split('\n').filter(Boolean).slice(-3).join(' | ').slice(-500);

/**
 * Reconciles once the fault's window has passed and the scheduled handler has run, without holding up the next
 * fault: the reconciliations run one after another, beside the schedule.
 */
let reconciling = Promise.resolve();
function settleAndReconcile(label) {
  reconciling = reconciling.then(async () => {
    await sleep(WINDOW_GRACE + 5 * SECOND);
    await scheduled();
    const result = await reconcile(worker, ledger, provider, { label });
    reconciliations.push(result);
    log(`reconciliation after ${label}: ${result.ok ? 'ok' : 'FAILED'} ${JSON.stringify(result.checks.filter((check) => !check.ok))}`);
  }).catch((error) => {
    reconciliations.push({ at: Date.now(), label, ok: false, seconds: 0, checks: [{ name: 'the reconciliation ran', ok: false, problems: 1, detail: [reason(error)] }], counts: {} });
    log(`reconciliation after ${label} could not run: ${reason(error)}`);
  });
}

async function faults() {
  await at(0.12);
  {
    const seconds = scaled(10 * SECOND, 0.05) / SECOND;
    const window = opened('d1-busy', `an exclusive write lock on the D1 file for ${seconds} s (Python sqlite3, BEGIN EXCLUSIVE)`);
    const held = await holdWriteLock(PYTHON, d1File(persist), seconds);
    window.note += `; the lock was held from ${((held.started - begin) / SECOND).toFixed(1)} s to ${((held.ended - begin) / SECOND).toFixed(1)} s`;
    closed(window);
    await settleAndReconcile('D1 busy');
  }
  await at(0.22);
  {
    const failing = scaled(60 * SECOND, 0.07);
    const silent = scaled(120 * SECOND, 0.14);
    const window = opened('mail-down', `the mail provider answers 503 for ${failing / SECOND} s, then nothing at all for ${silent / SECOND} s`);
    provider.setMode('503');
    await sleep(failing);
    provider.setMode('silent');
    await sleep(silent);
    provider.setMode('ok');
    closed(window);
    await settleAndReconcile('mail provider down');
  }
  await at(0.5);
  {
    const seconds = scaled(60 * SECOND, 0.08);
    const window = opened('doh-down', `the DNS-over-HTTPS resolver refuses connections for ${seconds / SECOND} s`);
    await resolverSwitch.down();
    await sleep(seconds);
    await resolverSwitch.up();
    closed(window);
    await settleAndReconcile('resolver down');
  }
  await at(0.78);
  {
    // Mid-enrollment: wait (at most a minute) for a CSR submission in flight, then kill workerd and wrangler.
    const deadline = Date.now() + 60 * SECOND;
    while (inflightEnrollments === 0 && Date.now() < deadline) await sleep(5);
    const inFlight = inflightEnrollments;
    const wrangler = worker.child.pid;
    const workerd = workerdOf(wrangler).runtime;
    const window = opened('workerd-killed', `SIGKILL to workerd (the runtime, pid ${workerd}, then wrangler's proxy workerd and wrangler) with ${inFlight} enrollment(s) in flight, then a new wrangler dev on the same D1 and port`);
    wranglerLogs.push(worker.log());
    killTree(wrangler, workerd);
    await new Promise((resolve) => { if (worker.child.exitCode !== null || worker.child.signalCode !== null) resolve(); else worker.child.once('exit', resolve); });
    const restarting = Date.now();
    worker = await startWorker({ vars: VARS, persist, port });
    window.note += `; answering again after ${((Date.now() - restarting) / SECOND).toFixed(1)} s`;
    window.enrollmentsInFlight = inFlight;
    closed(window);
    await settleAndReconcile('workerd killed');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run.

begin = Date.now();
const users = Array.from({ length: VIRTUAL_USERS }, virtualUser);
const faulting = faults().catch((error) => { problems.push({ route: 'faults', at: Date.now() - begin, status: 'driver', detail: error.stack }); });
await at(1);
stopping = true;
await Promise.all(users);
const mixSeconds = (Date.now() - begin) / SECOND;
await faulting;
await reconciling;
clearInterval(ticker);
log(`mix over after ${mixSeconds.toFixed(0)} s: ${samples.length} requests; draining`);

// The drain: time passes for the outbox (pending messages made due, as their retry delays would), the scheduled
// handler runs, every recipient still holding a link enrolls, every validation link still pending is clicked,
// every CSR recipient's certificate is collected from its order.
const pendingBeforeDrain = (await worker.query("SELECT COUNT(*) AS n FROM mail_outbox WHERE status = 'pending'"))[0].n;
const drainStart = Date.now();
for (let round = 0; round < 12; round += 1) {
  await worker.query(`UPDATE mail_outbox SET next_attempt_at = ${Math.floor(Date.now() / 1000) - 1} WHERE status = 'pending'`);
  await scheduled();
  readMail();
  for (let index = enrollQueue.length; index > 0; index -= 1) await enroll();
  for (let index = clickQueue.length; index > 0; index -= 1) await click();
  for (let index = awaitingCsr.length; index > 0; index -= 1) await showOrder();
  readMail();
  const [{ n: pending }] = await worker.query("SELECT COUNT(*) AS n FROM mail_outbox WHERE status = 'pending'");
  if (pending === 0 && enrollQueue.length === 0 && clickQueue.length === 0 && awaitingCsr.length === 0) break;
  await sleep(2 * SECOND);
}
const drainSeconds = (Date.now() - drainStart) / SECOND;
clearInterval(sampler);
const final = await reconcile(worker, ledger, provider, { label: 'final', final: true }).catch((error) => ({
  at: Date.now(), label: 'final', ok: false, seconds: 0, counts: {},
  checks: [{ name: 'the reconciliation ran', ok: false, problems: 1, detail: [reason(error)] }],
}));
// After the drain, every acknowledged order is complete: each recipient enrolled or was issued from its CSR.
const [incomplete] = await worker.queryAll("SELECT id, state FROM orders WHERE state <> 'completed'");
const acknowledgedIds = new Set([...ledger.orders.values()].map((order) => order.id).filter(Boolean));
const stuck = incomplete.filter((order) => acknowledgedIds.has(order.id));
final.checks.push({ name: 'every acknowledged order is completed after the drain', ok: stuck.length === 0, problems: stuck.length, detail: stuck.slice(0, 5) });
final.ok = final.checks.every((check) => check.ok);
reconciliations.push(final);
log(`final reconciliation: ${final.ok ? 'ok' : 'FAILED'}`);
const machineAfter = machine();

// ---------------------------------------------------------------------------------------------------------------
// The report.

const percentile = (sorted, share) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
/** The fault window a request overlapped (sent before the window's end plus the grace, answered after its start). */
const inWindow = (startedAt, milliseconds = 0) => windows.find((window) => startedAt <= (window.end ?? Infinity) + WINDOW_GRACE
  && startedAt + milliseconds >= window.start);
const mixed = samples.filter(([, started]) => started >= 0 && started <= mixSeconds * SECOND);
const routes = {};
for (const [route, started, milliseconds, status] of mixed) {
  const entry = routes[route] ??= { requests: 0, latencies: [], statuses: {} };
  entry.requests += 1;
  if (typeof status === 'number' && status < 500) entry.latencies.push(milliseconds);
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  void started;
}
const routeTable = Object.fromEntries(Object.entries(routes).sort(([a], [b]) => a.localeCompare(b)).map(([route, entry]) => {
  const sorted = entry.latencies.sort((a, b) => a - b);
  return [route, {
    requests: entry.requests, perSecond: Number((entry.requests / mixSeconds).toFixed(3)),
    p50Milliseconds: sorted.length ? Number(percentile(sorted, 0.5).toFixed(1)) : null,
    p99Milliseconds: sorted.length ? Number(percentile(sorted, 0.99).toFixed(1)) : null,
    statuses: entry.statuses,
  }];
}));
// Errors: a status of 500 and above, no answer, or a refusal outside 429 that the mix does not expect. 4xx
// answers the mix causes on purpose (a link spent meanwhile, 409 after a kill) are counted by window too.
const isError = (status) => typeof status !== 'number' || (status >= 400 && status !== 429);
const outside = {};
const during = {};
for (const [route, started, milliseconds, status] of samples) {
  if (!isError(status)) continue;
  const window = inWindow(started, milliseconds);
  const table = window ? (during[window.name] ??= {}) : outside;
  const key = `${route} -> ${status}`;
  table[key] = (table[key] ?? 0) + 1;
}
const outsideProblems = problems.filter((problem) => !inWindow(problem.at, problem.milliseconds)).slice(0, 20);
const duringProblems = problems.filter((problem) => inWindow(problem.at, problem.milliseconds)).slice(0, 20);

/** Memory per workerd process: the second third's median against the last third's. */
const median = (values) => { const sorted = [...values].sort((a, b) => a - b); return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null; };
const segments = [];
for (const pid of [...new Set(memory.map(([, , pid]) => pid))]) {
  const values = memory.filter(([, , owner]) => owner === pid);
  const third = Math.floor(values.length / 3);
  const second = median(values.slice(third, 2 * third).map(([, kibibytes]) => kibibytes));
  const last = median(values.slice(2 * third).map(([, kibibytes]) => kibibytes));
  segments.push({
    pid, role: values[0][3], fromSeconds: values[0][0], toSeconds: values.at(-1)[0], samples: values.length,
    firstKibibytes: values[0][1], maximumKibibytes: Math.max(...values.map(([, kibibytes]) => kibibytes)),
    secondThirdMedianKibibytes: second, lastThirdMedianKibibytes: last,
    growth: second && last ? Number((last / second).toFixed(3)) : null,
    judged: values.length >= 12,
  });
}
// The verdict is on the Worker's runtime; wrangler's proxy (development tooling, not deployed) is reported only.
const judged = segments.filter((segment) => segment.judged && segment.role === 'runtime');
const memoryOk = judged.length > 0 && judged.every((segment) => segment.growth <= MEMORY_GROWTH_BOUND);
const errorsOk = Object.keys(outside).length === 0 && contract.length === 0;
const ocspOutside = ocspUnsuccessful.filter((answer) => !inWindow(answer.at, answer.milliseconds));
const reconciliationOk = reconciliations.every((result) => result.ok) && ocspOutside.length === 0;
const verdicts = {
  errors: { ok: errorsOk, rule: '0 errors (5xx, no answer, or a 4xx other than 429) outside the fault windows (each window plus 10 s), and every API answer as openapi.json documents it' },
  memory: { ok: memoryOk, rule: `per workerd runtime process (the Worker's; wrangler's proxy is reported, not judged) with at least 12 samples (1 min), the last third's median VmRSS at most ${MEMORY_GROWTH_BOUND}× the second third's` },
  reconciliation: { ok: reconciliationOk, rule: 'every reconciliation (after each fault, and the final one after the drain) passes every check; every OCSP answer outside the fault windows successful' },
};
const soak = {
  date: new Date(begin).toISOString(),
  minutes: MINUTES,
  quick: MINUTES < 15,
  mixSeconds: Number(mixSeconds.toFixed(1)),
  drainSeconds: Number(drainSeconds.toFixed(1)),
  virtualUsers: VIRTUAL_USERS,
  machine: { before: machineBefore, after: machineAfter },
  throughput: { requests: mixed.length, perSecond: Number((mixed.length / mixSeconds).toFixed(2)) },
  routes: routeTable,
  errors: { outsideFaults: outside, duringFaults: during, examplesOutside: outsideProblems, examplesDuring: duringProblems, contract: contract.slice(0, 20), ocspNotSuccessful: { outsideFaults: ocspOutside, duringFaults: ocspUnsuccessful.filter((answer) => !ocspOutside.includes(answer)).map((answer) => ({ ...answer, window: inWindow(answer.at, answer.milliseconds).name })) } },
  faults: windows.map((window) => ({ ...window, startSeconds: window.start / SECOND, endSeconds: window.end / SECOND, start: undefined, end: undefined })),
  mail: {
    pendingBeforeDrain, providerRequests: provider.requests.length,
    replays: provider.replays().map((request) => ({ key: request.key, atSeconds: (request.at - begin) / SECOND,
      earlier: provider.requests.filter((other) => other.key === request.key && other !== request).map((other) => [(other.at - begin) / SECOND, other.status]) })), providerStatuses: provider.requests.reduce((table, request) => ({ ...table, [request.status]: (table[request.status] ?? 0) + 1 }), {}),
  },
  memory: { samples: memory.map(([seconds, kibibytes, pid, role]) => [Number(seconds.toFixed(0)), kibibytes, pid, role]), segments },
  reconciliations,
  verdicts,
  ok: errorsOk && memoryOk && reconciliationOk,
};

mkdirSync(OUT, { recursive: true });
const reportPath = join(OUT, 'report.json');
let report = {};
if (existsSync(reportPath)) {
  try { report = JSON.parse(readFileSync(reportPath, 'utf8')); } catch { report = {}; }
}
report.soak = soak;
writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(OUT, 'soak.md'), markdown(soak));
writeFileSync(join(OUT, 'soak-wrangler.log'), [...wranglerLogs, worker.log()].join('\n----- restarted -----\n'));
log(`report: ${reportPath} (soak) and ${join(OUT, 'soak.md')}; verdict ${soak.ok ? 'PASS' : 'FAIL'}`);

clearInterval(sampler);
await worker.stop();
await provider.stop();
await resolverSwitch.stop();
await responder.stop();
rmSync(persist, { recursive: true, force: true });
process.exit(soak.ok ? 0 : 1);

/** The readable report. */
function markdown(result) {
  const lines = [];
  const pass = (ok) => (ok ? 'pass' : '**FAIL**');
  lines.push(`# Soak: ${result.minutes} min of mixed load with faults (${result.date})`, '');
  if (result.quick) lines.push('A short run (under 15 minutes): the faults are shortened in proportion; not a run to judge by.', '');
  lines.push(`Verdict: **${result.ok ? 'PASS' : 'FAIL'}**. Errors outside fault windows: ${pass(result.verdicts.errors.ok)}; memory: ${pass(result.verdicts.memory.ok)}; reconciliation: ${pass(result.verdicts.reconciliation.ok)}.`, '');
  lines.push(`Machine: ${result.machine.before.cores} cores, load ${result.machine.before.loadAverage.join(' / ')} before, ${result.machine.after.loadAverage.join(' / ')} after. Busiest processes before: ${result.machine.before.busiest.slice(0, 5).join('; ')}.`, '');
  lines.push(`Mix: ${result.virtualUsers} virtual users, ${result.mixSeconds} s, ${result.throughput.requests} requests (${result.throughput.perSecond}/s); drain ${result.drainSeconds} s.`, '');
  lines.push('| route | requests | per s | p50 ms | p99 ms | statuses |', '|---|---:|---:|---:|---:|---|');
  for (const [route, entry] of Object.entries(result.routes)) {
    lines.push(`| \`${route}\` | ${entry.requests} | ${entry.perSecond} | ${entry.p50Milliseconds ?? '–'} | ${entry.p99Milliseconds ?? '–'} | ${Object.entries(entry.statuses).map(([status, count]) => `${status}: ${count}`).join(', ')} |`);
  }
  lines.push('', '## Faults', '', '| fault | from s | to s | what |', '|---|---:|---:|---|');
  for (const window of result.faults) lines.push(`| ${window.name} | ${window.startSeconds.toFixed(0)} | ${window.endSeconds.toFixed(0)} | ${window.note} |`);
  lines.push('', '## Errors', '', `Outside fault windows: ${JSON.stringify(result.errors.outsideFaults)}`, '');
  for (const [name, table] of Object.entries(result.errors.duringFaults)) lines.push(`- during ${name}: ${JSON.stringify(table)}`);
  lines.push('', `OCSP answers not \`successful\`: outside fault windows ${JSON.stringify(result.errors.ocspNotSuccessful.outsideFaults)}; during them ${result.errors.ocspNotSuccessful.duringFaults.length} (${JSON.stringify(result.errors.ocspNotSuccessful.duringFaults.reduce((table, answer) => ({ ...table, [`${answer.window} ${answer.status}`]: (table[`${answer.window} ${answer.status}`] ?? 0) + 1 }), {}))})`);
  if (result.errors.contract.length) lines.push('', `OpenAPI mismatches: ${JSON.stringify(result.errors.contract.slice(0, 5))}`);
  lines.push('', `Mail: ${JSON.stringify(result.mail.providerStatuses)} at the provider; ${result.mail.pendingBeforeDrain} pending when the mix ended; ${result.mail.replays.length} sent again under an Idempotency-Key the provider had accepted (not delivered twice): ${JSON.stringify(result.mail.replays.slice(0, 5))}`);
  lines.push('', '## Memory (workerd VmRSS)', '', '| workerd | from s | to s | samples | first MiB | max MiB | 2nd third median MiB | last third median MiB | growth |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const mib = (kibibytes) => (kibibytes == null ? '–' : (kibibytes / 1024).toFixed(1));
  for (const segment of result.memory.segments) {
    lines.push(`| ${segment.role} (pid ${segment.pid}) | ${segment.fromSeconds.toFixed(0)} | ${segment.toSeconds.toFixed(0)} | ${segment.samples} | ${mib(segment.firstKibibytes)} | ${mib(segment.maximumKibibytes)} | ${mib(segment.secondThirdMedianKibibytes)} | ${mib(segment.lastThirdMedianKibibytes)} | ${segment.growth ?? '–'}${segment.judged ? '' : ' (too short to judge)'} |`);
  }
  lines.push('', '## Reconciliations', '');
  for (const entry of result.reconciliations) {
    lines.push(`### ${entry.label}: ${pass(entry.ok)} (${entry.seconds.toFixed(1)} s)`, '', `Counts: ${JSON.stringify(entry.counts)}`, '');
    for (const check of entry.checks) lines.push(`- ${check.ok ? 'ok' : '**FAIL**'}: ${check.name}${check.ok ? '' : ` (${check.problems}: ${JSON.stringify(check.detail)})`}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
