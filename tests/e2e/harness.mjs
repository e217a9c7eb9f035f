// Test harness for the end-to-end suites: a real Worker in workerd (`wrangler dev`) with a fresh local D1,
// real headless Chromium (Debian's, driven by playwright-core), and OpenSSL, pyca/cryptography, NSS and Java's
// keytool to check what comes out.
import { createServer as createNetServer } from 'node:net';
import { spawn, spawnSync, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { request as httpRequest } from 'node:http';
import { X509Certificate, createHash, pbkdf2 } from 'node:crypto';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import Ajv2020 from 'ajv/dist/2020.js';
import { startDohResponder } from './doh-responder.mjs';
import { SoftwareAuthenticator } from './authenticator.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EDGE = join(ROOT, 'edge');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

export function scratch(prefix) {
  return mkdtempSync(join(tmpdir(), `keyward-${prefix}-`));
}

/**
 * Starts the built Worker on a free port with an empty database; resolves when it answers. `vars` adds or
 * overrides Worker variables (`wrangler dev --var NAME:value`), e.g. a local DNS-over-HTTPS resolver's URL; a
 * variable given as null is left out. By default the Worker gets KEYWARD_LINT_URL (pkilint's REST API, which
 * `cargo xtask test` starts) when the environment has it, and, without `KEYWARD_DOH_URL` among `vars`, its own
 * local DNS-over-HTTPS responder (`resolver` on the returned object; empty zone: every name NXDOMAIN, so no CAA
 * record restricts issuance until a test publishes one), never the public resolver `wrangler.toml` names.
 */
/** `count` distinct ports of 127.0.0.1 that nothing listens on now (the system's choice for port 0). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const server = createNetServer();
      await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
      servers.push(server);
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * A local D1 with every migration applied by wrangler (`edge/migrations/`), made once per content of the
 * migrations and wrangler's version and kept under `target/e2e/`, that each Worker starts from a copy of:
 * applying them takes wrangler a workerd of its own, 5 s on an idle CI machine and over 20 s on a loaded one, for
 * each of some sixty Workers a test run starts.
 */
function migratedDatabase() {
  const migrations = join(EDGE, 'migrations');
  const digest = createHash('sha256');
  digest.update(readFileSync(join(ROOT, 'node_modules', 'wrangler', 'package.json')));
  for (const name of readdirSync(migrations).sort()) digest.update(name).update(readFileSync(join(migrations, name)));
  const template = join(ROOT, 'target', 'e2e', `d1-${digest.digest('hex').slice(0, 16)}`);
  if (!existsSync(template)) {
    const made = scratch('d1-template');
    execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', made], { cwd: EDGE, env: ENV, stdio: 'pipe' });
    mkdirSync(dirname(template), { recursive: true });
    // Moved into place whole, so a suite never copies a half-made one (another process may have won the race:
    // its copy is as good).
    try { renameSync(made, template); } catch (error) {
      if (!existsSync(template)) throw error;
      rmSync(made, { recursive: true, force: true });
    }
  }
  return template;
}

/** The SQLite file of a Worker's local D1 under its `--persist-to` directory `state`. */
export function d1File(state) {
  const directory = join(state, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(directory).filter((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database in ${directory}, found ${files.join(', ')}`);
  return join(directory, files[0]);
}

/**
 * Runs SQL against the local D1 kept under `state` (a `--persist-to` directory), not through Keyward's code;
 * resolves to one array of rows per statement. Straight on the SQLite file with Python's sqlite3 (`d1query.py`),
 * not `wrangler d1 execute`, which starts a workerd for each call (2-3 s in CI, for several hundred queries). A
 * Worker may be writing (a delivery after an answer): SQLite's lock is waited on. Asynchronous on purpose:
 * blocking the event loop would leave the test's kept-alive HTTP connections to the Worker unserviced.
 */
export async function queryD1(state, sql) {
  const { stdout } = await promisify(execFile)(keywardPython(), [join(ROOT, 'tests', 'e2e', 'd1query.py'), d1File(state), sql],
    // Larger than the 1 MiB default: the soak suite's reconciliation reads thousands of rows at once.
    { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout);
}

export async function startWorker({ vars = {}, script, persist, port: fixedPort } = {}) {
  // `persist`: a directory of the caller's that keeps the local D1 across Workers (the soak suite restarts one on
  // the same database); `stop()` then leaves it. `port`: the port to listen on instead of a free one.
  const state = persist ?? scratch('d1');
  if (existsSync(join(state, 'v3'))) {
    // A database kept from an earlier Worker (the soak suite's restart): brought up to date where it is.
    execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: EDGE, env: ENV, stdio: 'pipe' });
  } else {
    cpSync(migratedDatabase(), state, { recursive: true });
  }
  // Ports the system hands out now (bound to 0, then released), never a guess: a guessed port that another
  // suite's Worker already held once answered this Worker's readiness check, and the suite talked to the wrong one.
  const [freePort, inspectorPort] = await freePorts(2);
  const port = fixedPort ?? freePort;
  const resolver = vars.KEYWARD_DOH_URL === undefined ? await startDohResponder() : null;
  const defaults = { KEYWARD_APP_URL: `http://127.0.0.1:${port}`, ...(resolver && { KEYWARD_DOH_URL: resolver.url }) };
  if (process.env.KEYWARD_LINT_URL) defaults.KEYWARD_LINT_URL = process.env.KEYWARD_LINT_URL;
  vars = Object.fromEntries(Object.entries({ ...defaults, ...vars }).filter(([, value]) => value != null));
  // `script`: another build of the Worker than wrangler.toml's `main` (the production suite's `build-production/index.js`).
  const child = spawn(WRANGLER, ['dev', ...(script ? [script] : []), '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state,
    '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false', '--test-scheduled',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])], { cwd: EDGE, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) { await resolver?.stop(); throw new Error(`wrangler dev exited:\n${log}`); }
    try {
      // The policy: public and in every build (the production probe has no development route). Wrangler says
      // which port it bound: a Worker answering on the port is this one only once it has.
      const response = log.includes(`Ready on ${url}`) ? await fetch(`${url}/api/v1/policy`) : null;
      if (response?.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill(); await resolver?.stop(); throw new Error(`wrangler dev did not answer in 90 s:\n${log}`); }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    // The app's URL the Worker was given: its origin and host are the passkeys' origin and RP ID.
    appUrl: vars.KEYWARD_APP_URL,
    // The software authenticators of this Worker's users, by address (`login` registers one when asked to).
    authenticators: new Map(),
    /** wrangler's inspector proxy for this Worker's isolate (the benchmark's V8 profiler). */
    inspectorPort,
    /** The Worker's own local DNS-over-HTTPS responder (`doh-responder.mjs`), or null when `vars` named one. */
    resolver,
    log: () => log,
    /** The `wrangler dev` process (workerd is its child): the soak suite kills and measures it. */
    child,
    /** The local D1's directory (`--persist-to`). */
    state,
    /**
     * Runs SQL against the Worker's local D1 (`queryD1`); resolves to one array of rows per statement.
     */
    async queryAll(sql) {
      return queryD1(state, sql);
    },
    /**
     * Resolves once every email queued so far has had its first delivery attempt recorded (sent, or failed with
     * its error): the Worker delivers after its answer (`waitUntil`) and records each attempt with an audit
     * record, so a test that compares the database before and after a request waits for this first.
     */
    async mailSettled() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [{ waiting }] = await this.query("SELECT COUNT(*) AS waiting FROM mail_outbox WHERE status = 'pending' AND last_error IS NULL");
        if (waiting === 0) return;
        if (Date.now() > deadline) throw new Error(`${waiting} emails still without a recorded delivery attempt after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** The rows of a single statement. */
    async query(sql) {
      return (await this.queryAll(sql))[0];
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 5000); });
      }
      if (persist === undefined) rmSync(state, { recursive: true, force: true });
      await resolver?.stop();
    },
  };
}

/**
 * One HTTP request on a fresh connection (no keep-alive): suites that run slow synchronous tools (OpenSSL key
 * generation, pkilint) between requests would otherwise reuse a socket the server has closed meanwhile.
 * Resolves to { status, headers, body: Buffer, text(), json() }.
 */
export function http(url, { method = 'GET', body, headers = {} } = {}) {
  return rawHttp(url, { method, body, headers }).then((response) => {
    checkAgainstOpenApi(method, url, response);
    return response;
  });
}

/**
 * Every API answer the suites receive through `http()` is checked against the OpenAPI description the Worker
 * serves (`edge/openapi.json`, written from the Rust types): the operation and the status must be documented,
 * and a JSON body must validate against the documented schema (Ajv, JSON Schema 2020-12). A mismatch fails the
 * request, so a test that passes also proves the description true for what it did.
 */
const openApi = JSON.parse(readFileSync(join(ROOT, 'edge', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
// The integer formats schemars writes, checked for range (JSON Schema leaves `format` to the validator).
const integerIn = (low, high) => ({ type: 'number', validate: (value) => Number.isInteger(value) && value >= low && value <= high });
ajv.addFormat('int64', integerIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
ajv.addFormat('uint64', integerIn(0, Number.MAX_SAFE_INTEGER));
ajv.addFormat('uint', integerIn(0, Number.MAX_SAFE_INTEGER));
ajv.addFormat('uint32', integerIn(0, 2 ** 32 - 1));
ajv.addFormat('binary', true);
const validators = new Map();
const templates = Object.keys(openApi.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literals: template.split('/').filter((segment) => !segment.startsWith('{')).length,
})).sort((a, b) => b.literals - a.literals);

export function checkAgainstOpenApi(method, url, response) {
  const { pathname } = new URL(url);
  if (!pathname.startsWith('/api/') || method === 'HEAD') return;
  const where = `${method} ${pathname} -> ${response.status}`;
  const match = templates.find(({ pattern }) => pattern.test(pathname));
  const operation = match && openApi.paths[match.template][method.toLowerCase()];
  let documented;
  if (operation) {
    const { responses } = operation;
    documented = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`];
  } else if (match && response.status === 405) {
    return; // A documented path with a method it does not have: the router's bare 405.
  } else if (response.status === 404) {
    documented = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
  }
  if (!documented) throw new Error(`OpenAPI: ${where} is not documented in edge/openapi.json`);
  const content = documented.content ?? {};
  const type = String(response.headers['content-type'] ?? '').split(';')[0].trim();
  if (Object.keys(content).length === 0) {
    if (response.body.length !== 0) throw new Error(`OpenAPI: ${where} documents no body but got ${response.body.length} bytes`);
    return;
  }
  if (!content[type]) throw new Error(`OpenAPI: ${where} answered ${type}; documented: ${Object.keys(content).join(', ')}`);
  if (type !== 'application/json') return;
  const key = `${match?.template} ${method} ${response.status} ${JSON.stringify(content[type].schema)}`;
  if (!validators.has(key)) {
    validators.set(key, ajv.compile({ ...content[type].schema, components: openApi.components }));
  }
  const validate = validators.get(key);
  if (!validate(response.json())) {
    throw new Error(`OpenAPI: ${where} body does not match its schema: ${ajv.errorsText(validate.errors)}\n${response.text().slice(0, 500)}`);
  }
}

function rawHttp(url, { method, body, headers }) {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, agent: false, headers: body ? { 'content-type': 'application/json', ...headers } : headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: response.statusCode, headers: response.headers, body: bytes, text: () => bytes.toString(), json: () => JSON.parse(bytes.toString()) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Creates a demo order through the development endpoint; returns its enrollment URL. `recipientName` ("Given
 * Surname", or null for none) and `recipientEmail` are the recipient's; `options` may name the `profile`
 * (default: sponsor-validated multipurpose S/MIME), the `dnsNames` of a workstation or server, and the
 * `validityDays` ordered (default 365).
 */
export async function seed(worker, recipientName, recipientEmail, { profile, dnsNames, validityDays } = {}) {
  const body = { recipient_email: recipientEmail };
  if (recipientName != null) {
    const [givenName, ...surname] = recipientName.split(' ');
    // A person with a single name has a surname only (S/MIME BR 7.1.4.2.2 e).
    Object.assign(body, surname.length > 0
      ? { recipient_given_name: givenName, recipient_surname: surname.join(' ') }
      : { recipient_surname: givenName });
  }
  if (profile !== undefined) body.profile = profile;
  if (dnsNames !== undefined) body.dns_names = dnsNames;
  if (validityDays !== undefined) body.validity_days = validityDays;
  const response = await http(`${worker.url}/api/v1/dev/seed`, { method: 'POST', body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`seed: ${response.status} ${response.text()}`);
  return response.json().enrollment_url;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** The development root certificate, PEM, read from `.dev.vars` (what `cargo xtask` wrote), not from the API. */
export function developmentRootPem() {
  const vars = readFileSync(join(EDGE, '.dev.vars'), 'utf8');
  const base64 = vars.match(/^CA_ROOT_CERT=(.+)$/m)[1].trim();
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A pkilint console script from the pinned virtual environment (`cargo xtask test` sets KEYWARD_PYTHON); the
 * parsed JSON report of the findings at `severity` and above (pkilint's names; WARNING unless given). */
export function pkilint(tool, args, { severity = 'WARNING' } = {}) {
  const python = process.env.KEYWARD_PYTHON;
  if (!python) throw new Error('KEYWARD_PYTHON is not set: run the suites through `cargo xtask test`, which installs pkilint');
  const result = spawnSync(join(dirname(python), tool), [...args, '-f', 'JSON', '-s', severity], { encoding: 'utf8' });
  const output = result.stdout.trim();
  if (!output.startsWith('{') && !output.startsWith('[')) throw new Error(`${tool}: ${result.stdout}${result.stderr}`);
  return JSON.parse(output);
}

/** Findings of a pkilint JSON report at the given severities, one line each. */
export function pkilintFindings(report, severities) {
  const results = report.results ?? report;
  return results.flatMap((result) => (result.finding_descriptions ?? [])
    .filter((finding) => severities.includes(finding.severity))
    .map((finding) => `${result.validator} @ ${result.node_path}: ${finding.code} (${finding.severity}) ${finding.message ?? ''}`));
}

/** Runs openssl; returns stdout, throws with stderr on failure. */
export function openssl(args, input) {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** Like `openssl`, but returns { ok, output: stdout + stderr } instead of throwing. */
export function opensslStatus(args) {
  const result = spawnSync('openssl', args, { stdio: 'pipe' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

export function writeTemp(directory, name, contents) {
  const path = join(directory, name);
  writeFileSync(path, contents);
  return path;
}

/**
 * Every form in which a private key could travel: PKCS#8 DER (raw bytes, base64, base64url, hex) and the PEM
 * text. Returns the names of the forms found in `haystack` (a Buffer).
 */
export function privateKeyForms(pkcs8Der, pkcs8Pem) {
  const base64 = pkcs8Der.toString('base64');
  const forms = {
    'DER bytes': pkcs8Der,
    'base64 DER': Buffer.from(base64),
    // The second PEM line; an Ed25519 key's base64 (64 characters) is a single line, covered above.
    'base64 DER (a 64-character PEM line)': Buffer.from(base64.length > 64 ? base64.slice(64, 128) : base64),
    'base64url DER': Buffer.from(pkcs8Der.toString('base64url')),
    'hex DER': Buffer.from(pkcs8Der.toString('hex')),
    'PEM header': Buffer.from('PRIVATE KEY-----'),
    'PEM text': Buffer.from(pkcs8Pem.trim()),
  };
  return (haystack) => Object.entries(forms).filter(([, needle]) => haystack.includes(needle)).map(([name]) => name);
}

/** Runs a program without blocking the event loop; resolves to { ok, status, stdout, stderr, output } and never rejects on exit codes. */
export function run(command, args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    child.stdin.on('error', () => { /* the program may exit without reading its input */ });
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ ok: status === 0, status, signal, stdout, stderr, output: `${stdout}${stderr}` }));
    child.stdin.end(input ?? '');
  });
}

/** The SHA-256 fingerprints (lowercase hex) of every PEM certificate in `text`, in order; other text is ignored. */
export function certificateFingerprints(text) {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((pem) => new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase());
}

// What the three checks below try, each expecting a refusal; and the password the keytool copy gets.
const WRONG_PASSWORD = 'not the password';
const OTHER_PASSWORD = 'another password for the copy';

/**
 * The Python interpreter of the virtual environment with the pinned test tools (tests/requirements.txt).
 * `cargo xtask test` makes it and sets KEYWARD_PYTHON; without it the checks fail, never skip.
 */
export function keywardPython() {
  const python = process.env.KEYWARD_PYTHON;
  assert.ok(python, 'KEYWARD_PYTHON is not set: run the end-to-end suites with `cargo xtask test`, which installs '
    + 'the pinned Python tools (tests/requirements.txt) in a virtual environment and sets it (or set it yourself to '
    + "that environment's bin/python)");
  return python;
}

/** The version tests/requirements.txt pins for a Python package. */
function pinnedPythonVersion(name) {
  const requirements = readFileSync(join(ROOT, 'tests', 'requirements.txt'), 'utf8');
  return requirements.match(new RegExp(`^${name}==(\\S+)$`, 'm'))?.[1];
}

/**
 * Opens a PKCS#12 bundle with pyca/cryptography's `load_pkcs12` (tests/e2e/p12check.py) and asserts: a wrong
 * password is refused; with the right one there is a private key whose public key is the certificate's, a
 * certificate with a friendly name, and two additional certificates that are its chain (the certificate signed
 * by the first, the first by the second, the second by itself). Returns what the test compares with the page:
 * { key: { type, bits, exponent | curve }, serial (hex), friendlyName, fingerprint, chainFingerprints }.
 */
export async function checkWithPython(bundlePath, password) {
  assert.notEqual(password, WRONG_PASSWORD);
  const python = keywardPython();
  const open = async (attempt) => {
    const result = await run(python, [join(ROOT, 'tests', 'e2e', 'p12check.py'), bundlePath], { input: attempt });
    assert.ok(result.ok, `p12check.py failed (KEYWARD_PYTHON=${python}):\n${result.output}`);
    return JSON.parse(result.stdout);
  };
  const [refused, opened] = await Promise.all([open(WRONG_PASSWORD), open(password)]);
  const pinned = pinnedPythonVersion('cryptography');
  assert.equal(opened.cryptography, pinned, `KEYWARD_PYTHON has cryptography ${opened.cryptography}; tests/requirements.txt pins ${pinned}`);
  assert.equal(refused.opened, false, 'cryptography opened the bundle with a wrong password');
  assert.equal(opened.opened, true, `cryptography did not open the bundle: ${opened.error}`);
  assert.ok(opened.key, 'cryptography found no private key in the bundle');
  assert.ok(opened.certificate, 'cryptography found no certificate for the key in the bundle');
  assert.equal(opened.key_matches_certificate, true, "the bundle's private key does not belong to its certificate");
  assert.ok(opened.certificate.friendly_name, 'the certificate has no friendly name');
  assert.equal(opened.chain.length, 2, `expected the issuing CA and the root as additional certificates, got ${JSON.stringify(opened.chain)}`);
  assert.deepEqual(opened.chain_links, [true, true, true], 'certificate ← issuing CA ← root ← root: not a chain');
  return {
    key: opened.key,
    serial: opened.certificate.serial,
    friendlyName: opened.certificate.friendly_name,
    fingerprint: opened.certificate.sha256,
    chainFingerprints: opened.chain.map((certificate) => certificate.sha256),
  };
}

/** `certutil -L` rows: { nickname, trust }. */
function nssCertificates(listing) {
  return listing.split('\n').map((line) => line.match(/^(\S.*?)\s+([a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*)\s*$/))
    .filter(Boolean).map(([, nickname, trust]) => ({ nickname, trust }));
}

/** `certutil -K` rows: { algorithm, nickname }. */
function nssKeys(listing) {
  return listing.split('\n').map((line) => line.match(/^<\s*\d+>\s+(\S+)\s+[0-9a-f]+\s+(.*?)\s*$/))
    .filter(Boolean).map(([, algorithm, nickname]) => ({ algorithm, nickname }));
}

/**
 * Imports a PKCS#12 bundle with NSS's pk12util into a fresh database and asserts: a wrong password is refused
 * and imports nothing; the right one imports the certificate under `friendlyName` with its key (trust u,u,u),
 * its two CA certificates, and one private key with that nickname. Returns { keyAlgorithm ('rsa' | 'ec'),
 * fingerprint } of what NSS stored.
 */
export async function checkWithNss(bundlePath, password, friendlyName) {
  assert.notEqual(password, WRONG_PASSWORD);
  const directory = scratch('nss');
  try {
    const database = `sql:${directory}`;
    const created = await run('certutil', ['-N', '-d', database, '--empty-password']);
    assert.ok(created.ok, `certutil -N: ${created.output}`);
    const refused = await run('pk12util', ['-i', bundlePath, '-d', database, '-W', WRONG_PASSWORD]);
    assert.equal(refused.ok, false, 'pk12util imported the bundle with a wrong password');
    assert.match(refused.output, /SEC_ERROR_BAD_PASSWORD/);
    assert.deepEqual(nssCertificates((await run('certutil', ['-L', '-d', database])).stdout), [],
      'a refused import left certificates behind');

    const imported = await run('pk12util', ['-i', bundlePath, '-d', database, '-W', password]);
    assert.ok(imported.ok, `pk12util -i: ${imported.output}`);
    assert.match(imported.output, /PKCS12 IMPORT SUCCESSFUL/);
    const listing = await run('certutil', ['-L', '-d', database]);
    assert.ok(listing.ok, `certutil -L: ${listing.output}`);
    const certificates = nssCertificates(listing.stdout);
    assert.deepEqual(certificates.filter((certificate) => certificate.nickname === friendlyName),
      [{ nickname: friendlyName, trust: 'u,u,u' }], `certutil -L does not list "${friendlyName}" as a user certificate:\n${listing.stdout}`);
    assert.equal(certificates.length, 3, `expected the certificate and its two CA certificates:\n${listing.stdout}`);
    const keyListing = await run('certutil', ['-K', '-d', database]);
    assert.ok(keyListing.ok, `certutil -K: ${keyListing.output}`);
    const keys = nssKeys(keyListing.stdout);
    assert.equal(keys.length, 1, `expected one private key:\n${keyListing.output}`);
    assert.equal(keys[0].nickname, friendlyName, `the key is not attached to "${friendlyName}":\n${keyListing.output}`);
    const exported = await run('certutil', ['-L', '-d', database, '-n', friendlyName, '-a']);
    assert.ok(exported.ok, `certutil -L -n: ${exported.output}`);
    return { keyAlgorithm: keys[0].algorithm, fingerprint: certificateFingerprints(exported.stdout)[0] };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** English output, and a JVM that starts fast for a short run. */
const KEYTOOL_JVM = ['-J-Duser.language=en', '-J-Duser.country=US', '-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];

/** The first entry of `keytool -list -v`, and its first certificate. */
function keytoolEntry(listing) {
  const leaf = listing.split(/^Certificate\[2\]:$/m)[0];
  return {
    entries: Number(listing.match(/^Your keystore contains (\d+) entr/m)?.[1]),
    alias: listing.match(/^Alias name: (.*)$/m)?.[1],
    entryType: listing.match(/^Entry type: (.*)$/m)?.[1],
    chainLength: Number(listing.match(/^Certificate chain length: (\d+)$/m)?.[1]),
    fingerprint: leaf.match(/^\s*SHA256: ([0-9A-F:]+)$/m)?.[1].replaceAll(':', '').toLowerCase(),
    serial: leaf.match(/^Serial number: ([0-9a-f]+)$/m)?.[1],
    publicKey: leaf.match(/^Subject Public Key Algorithm: (.*)$/m)?.[1],
  };
}

/**
 * Opens a PKCS#12 bundle with Java's keytool and asserts: a wrong password is refused; with the right one it
 * holds exactly one PrivateKeyEntry with a chain of 3; `-importkeystore` copies it into a new PKCS#12 keystore
 * under another password, which opens with the same entry. Returns { alias, fingerprint, serial, publicKey }
 * (publicKey as keytool describes it, e.g. "2048-bit RSA key", "256-bit EC (secp256r1) key").
 */
export async function checkWithKeytool(bundlePath, password) {
  assert.notEqual(password, WRONG_PASSWORD);
  const directory = scratch('keytool');
  try {
    const copy = join(directory, 'copy.p12');
    const list = (path, storePassword) => run('keytool',
      [...KEYTOOL_JVM, '-list', '-keystore', path, '-storetype', 'PKCS12', '-storepass', storePassword, '-v']);
    const [refused, listed, imported] = await Promise.all([
      list(bundlePath, WRONG_PASSWORD),
      list(bundlePath, password),
      run('keytool', [...KEYTOOL_JVM, '-importkeystore', '-srckeystore', bundlePath, '-srcstoretype', 'PKCS12',
        '-srcstorepass', password, '-destkeystore', copy, '-deststoretype', 'PKCS12', '-deststorepass', OTHER_PASSWORD,
        '-noprompt']),
    ]);
    assert.equal(refused.ok, false, 'keytool opened the bundle with a wrong password');
    assert.match(refused.output, /keystore password was incorrect/);
    assert.ok(listed.ok, `keytool -list: ${listed.output}`);
    const entry = keytoolEntry(listed.stdout);
    assert.equal(entry.entries, 1, `keytool: expected one entry:\n${listed.stdout}`);
    assert.equal(entry.entryType, 'PrivateKeyEntry', `keytool: expected a PrivateKeyEntry:\n${listed.stdout}`);
    assert.equal(entry.chainLength, 3, `keytool: expected a chain of 3:\n${listed.stdout}`);
    assert.ok(imported.ok, `keytool -importkeystore: ${imported.output}`);
    assert.match(imported.output, /1 entries successfully imported, 0 entries failed or cancelled/);
    const relisted = await list(copy, OTHER_PASSWORD);
    assert.ok(relisted.ok, `keytool -list of the imported copy: ${relisted.output}`);
    assert.deepEqual(keytoolEntry(relisted.stdout), entry, 'the imported copy holds a different entry');
    return { alias: entry.alias, fingerprint: entry.fingerprint, serial: entry.serial, publicKey: entry.publicKey };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The password key the browser derives and sends instead of the password (shared/src/account.rs):
 * PBKDF2-HMAC-SHA256, 600,000 iterations, salt "keyward/password/v1\0" + the address trimmed and lower-cased;
 * base64url.
 */
export async function passwordKey(email, password) {
  const salt = Buffer.concat([Buffer.from('keyward/password/v1\0'), Buffer.from(email.trim().toLowerCase())]);
  const key = await promisify(pbkdf2)(password, salt, 600_000, 32, 'sha256');
  return key.toString('base64url');
}

/**
 * Creates an account and its users through the development endpoint. `users`: [{ email, name, role, password }]
 * (role `org_admin`, `org_user` or `ca_admin`). Resolves to { accountId, userIds }.
 */
export async function createAccount(worker, { name = 'Example Account', users }) {
  const body = {
    account_name: name,
    users: await Promise.all(users.map(async (user) => ({
      email: user.email, name: user.name ?? user.email, role: user.role ?? 'org_admin',
      password_key: await passwordKey(user.email, user.password),
    }))),
  };
  const response = await http(`${worker.url}/api/v1/dev/accounts`, {
    method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(response.status, 201, response.text());
  const created = response.json();
  return { accountId: created.account_id, userIds: created.user_ids };
}

/**
 * A CA administrator of this Worker's database, created on first use, signed in: resolves to the headers of
 * `login` (session cookie and same-origin `Origin`).
 */
export async function caAdministrator(worker) {
  const email = 'ca-admin@keyward.test';
  const password = 'ca administrator test password';
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM users WHERE email = '${email}'`);
  if (n === 0) await createAccount(worker, { name: 'Keyward CA', users: [{ email, role: 'ca_admin', password }] });
  return login(worker, email, password);
}

/**
 * Vets an organization as the CA's staff do, through the CA administrator's API (`caAdministrator(worker)`, or the
 * `ca` headers given): a `validated` decision with a register, the registration number found there (the
 * organization's own identifier) and a verification call. The only way an organization is validated; suites
 * that order organization-, sponsor-validated or OV certificates call it where they once entered the emailed
 * code. Resolves to the vetting case the Worker answers.
 */
export async function vetOrganization(worker, organizationId, { ca } = {}) {
  const headers = ca ?? await caAdministrator(worker);
  const url = `${worker.url}/api/v1/admin/organizations/${organizationId}/vetting`;
  const shown = await http(url, { headers });
  assert.equal(shown.status, 200, shown.text());
  const identifier = shown.json().organization.registration_identifier;
  const body = {
    decision: 'validated', source_name: 'Test register (e2e)',
    source_reference: `https://register.test/entities/${encodeURIComponent(identifier)}`,
    registration_number: identifier, call_phone: '+44 20 7946 0999', call_phone_source: "The register's filing",
    call_spoke_with: 'Test contact, company secretary', call_at: Math.floor(Date.now() / 1000),
  };
  const response = await http(url, { method: 'POST', headers, body: JSON.stringify(body) });
  assert.equal(response.status, 200, response.text());
  return response.json();
}

/**
 * Logs in as a browser would; resolves to the headers a logged-in page's requests carry (the session cookie and
 * the same-origin `Origin`), to spread into `http(..., { headers })`. When the password login asks for a passkey
 * (a CA administrator, or a user who registered one), the user's software authenticator (`authenticator.mjs`,
 * kept in `worker.authenticators`) registers one at the first login and confirms every login after.
 */
export async function login(worker, email, password) {
  const response = await http(`${worker.url}/api/v1/session`, {
    method: 'POST',
    body: JSON.stringify({ email, password_key: await passwordKey(email, password) }),
    headers: { 'content-type': 'application/json', origin: worker.url },
  });
  assert.equal(response.status, 200, response.text());
  const cookie = [response.headers['set-cookie']].flat()[0].split(';')[0];
  const headers = { cookie, origin: worker.url, 'content-type': 'application/json' };
  await passPasskeyStep(worker, email, headers, response.json().passkey);
  return headers;
}

/** Gives a browser context the session cookie of `headers` (from `login` or `caAdministrator`). */
export async function addSession(context, worker, headers) {
  const separator = headers.cookie.indexOf('=');
  await context.addCookies([{
    // By domain and path: Chromium refuses a `Secure` cookie given by an `http:` URL, though it keeps one for
    // 127.0.0.1 (a secure context) when the Worker sets it.
    name: headers.cookie.slice(0, separator), value: headers.cookie.slice(separator + 1),
    domain: new URL(worker.url).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Strict',
  }]);
}

/**
 * A browser page of a new context signed in with the session of `headers` (from `login` or `caAdministrator`, which
 * pass the passkey step with the software authenticator), opened on `/console` with its navigation shown. The UI's
 * own login with a passkey is `passkeys.test.mjs`'s, with Chromium's virtual authenticator; other suites that only
 * need a CA administrator's pages start from the session.
 */
export async function signedInPage(worker, browser, headers) {
  const context = await browser.newContext();
  await addSession(context, worker, headers);
  // The console's WebAssembly downloads and compiles on a machine other suites may be loading, and each group of
  // pages is a bundle of its own (`public/boot.js`): every navigation of the context, not only the first, may be
  // a first load. The default 30 s was seen to run out in CI on a second bundle (the device and audit suites).
  context.setDefaultNavigationTimeout(90_000);
  const page = await context.newPage();
  reportPendingOnTimeout(page);
  await page.goto(`${worker.url}/console`);
  await page.locator('[data-testid=console-nav]').waitFor({ timeout: 90_000 });
  return page;
}

/**
 * Makes `page.goto`'s failure name the requests still in flight when it gave up (a navigation waits for its
 * `load` event: the document and its subresources, the preloaded WebAssembly among them), so that a timeout says
 * what the page was waiting for.
 */
function reportPendingOnTimeout(page) {
  const pending = new Map();
  page.on('request', (request) => pending.set(request, Date.now()));
  for (const done of ['requestfinished', 'requestfailed']) page.on(done, (request) => pending.delete(request));
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    try {
      return await goto(url, options);
    } catch (error) {
      const now = Date.now();
      const waiting = [...pending].map(([request, since]) => `${request.method()} ${request.url()} (${now - since} ms)`);
      error.message += `\nrequests in flight: ${waiting.length === 0 ? 'none' : waiting.join(', ')}`;
      throw error;
    }
  };
}

/** The software authenticator of `email` on this Worker, made on first use. */
export function authenticatorOf(worker, email) {
  if (!worker.authenticators.has(email)) {
    const app = new URL(worker.appUrl ?? worker.url);
    worker.authenticators.set(email, new SoftwareAuthenticator({ origin: app.origin, rpId: app.hostname }));
  }
  return worker.authenticators.get(email);
}

/**
 * Takes a session at the passkey step `step` (`register`, `confirm`) to a full one with `email`'s software
 * authenticator; resolves to the recovery codes a registration returned (empty otherwise).
 */
export async function passPasskeyStep(worker, email, headers, step) {
  const api = (path, body) => http(`${worker.url}/api/v1${path}`, { method: 'POST', headers, body: body && JSON.stringify(body) });
  if (step === 'register') {
    const options = await api('/passkeys/registration-options');
    assert.equal(options.status, 200, options.text());
    const registered = await api('/passkeys', authenticatorOf(worker, email).register(options.json()));
    assert.equal(registered.status, 201, registered.text());
    return registered.json().recovery_codes;
  }
  if (step === 'confirm') {
    const options = await api('/session/passkey-options');
    assert.equal(options.status, 200, options.text());
    const confirmed = await api('/session/passkey', authenticatorOf(worker, email).assert(options.json()));
    assert.equal(confirmed.status, 200, confirmed.text());
  }
  return [];
}
