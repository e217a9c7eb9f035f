// Test harness for the end-to-end suites: a real Worker in workerd (`wrangler dev`) with a fresh local D1,
// real headless Chromium (Debian's, driven by playwright-core), and OpenSSL to check what comes out.
import { spawn, spawnSync, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EDGE = join(ROOT, 'edge');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

export function scratch(prefix) {
  return mkdtempSync(join(tmpdir(), `keyward-${prefix}-`));
}

/** Starts the built Worker on a free port with an empty database; resolves when it answers. */
export async function startWorker() {
  const state = scratch('d1');
  execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: EDGE, env: ENV, stdio: 'pipe' });
  const port = 18000 + Math.floor(Math.random() * 2000);
  const child = spawn(WRANGLER, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state,
    '--inspector-port', String(port + 2000), '--show-interactive-dev-session=false'], { cwd: EDGE, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log}`);
    try {
      const response = await fetch(`${url}/api/v1/dev/mailbox`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill(); throw new Error(`wrangler dev did not answer in 90 s:\n${log}`); }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    log: () => log,
    /**
     * Runs SQL against the Worker's local D1 with wrangler itself (not through Keyward's code); resolves to one
     * array of rows per statement. Asynchronous on purpose: blocking the event loop would leave the test's
     * kept-alive HTTP connections to the Worker unserviced.
     */
    async queryAll(sql) {
      const { stdout } = await promisify(execFile)(WRANGLER,
        ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', sql], { cwd: EDGE, env: ENV });
      return JSON.parse(stdout).map((statement) => statement.results);
    },
    /** The rows of a single statement. */
    async query(sql) {
      return (await this.queryAll(sql))[0];
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 5000); });
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Creates a demo order through the development endpoint; returns its enrollment URL. */
export async function seed(worker, recipientName, recipientEmail) {
  const response = await fetch(`${worker.url}/api/v1/dev/seed`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ recipient_name: recipientName, recipient_email: recipientEmail }),
  });
  if (response.status !== 201) throw new Error(`seed: ${response.status} ${await response.text()}`);
  return (await response.json()).enrollment_url;
}

/** Headless Chromium from Debian with the flags this machine needs, in a fresh profile. */
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
    'base64 DER (a 64-character PEM line)': Buffer.from(base64.slice(64, 128)),
    'base64url DER': Buffer.from(pkcs8Der.toString('base64url')),
    'hex DER': Buffer.from(pkcs8Der.toString('hex')),
    'PEM header': Buffer.from('PRIVATE KEY-----'),
    'PEM text': Buffer.from(pkcs8Pem.trim()),
  };
  return (haystack) => Object.entries(forms).filter(([, needle]) => haystack.includes(needle)).map(([name]) => name);
}
