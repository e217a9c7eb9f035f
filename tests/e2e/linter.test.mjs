// pkilint's REST API, the second pre-issuance linter (`edge/src/lint.rs`, `shared/src/lint/pkilint.rs`), judged
// against pkilint's own command line on the same files: certificates the real Worker issues (one per linter: the
// S/MIME, TLS and RFC 5280 linters) and a deliberately bad one made with OpenSSL (an S/MIME policy with the
// serverAuth EKU). Each is POSTed as the adapter sends it ({"b64": DER}) to the route `shared::lint::pkilint::route`
// names for its profile; the report must equal the CLI's at the same severity threshold (INFO), finding for
// finding. The server is the one `cargo xtask test` started (KEYWARD_LINT_URL), or one started here the same way
// (`xtask/src/linter.rs`) from the pinned virtual environment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, startWorker, seed, http, openssl, scratch, writeTemp, pkilint, pkilintFindings, keywardPython,
} from './harness.mjs';

/** `shared::lint::pkilint::route` for the profiles issued here, and the CLI that runs the same linter. */
const LINTERS = {
  smime_mailbox_strict: { route: 'certificate/cabf-smime/MAILBOX-STRICT', cli: ['lint_cabf_smime_cert', ['-t', 'MAILBOX-STRICT']] },
  server_auth: { route: 'certificate/cabf-serverauth/OV-FINAL-CERTIFICATE', cli: ['lint_cabf_serverauth_cert', ['-t', 'OV-FINAL-CERTIFICATE']] },
  client_auth_workstation: { route: 'certificate/pkix/certificate', cli: ['lint_pkix_cert', []] },
};

/** What the Worker's certificates may show at error level: nothing (server certificates state the organization's
 * verified city and region, TLS BR 7.1.2.7.4). */
const KNOWN_ERRORS = {};

/** The REST server's start-up: pkilint builds every linter at import (about 30 s of CPU on a quiet machine). */
const START_TIMEOUT_MS = 240_000;

let worker;
let linter;
let directory;
/** Issued certificates: { profile, path (PEM), der }. */
const issued = [];

/** A port of 127.0.0.1 nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The REST server: KEYWARD_LINT_URL's, or uvicorn started here as xtask starts it; resolves when it answers. */
async function startLinter() {
  if (process.env.KEYWARD_LINT_URL) return { url: process.env.KEYWARD_LINT_URL.replace(/\/+$/, ''), stop: async () => {} };
  const port = await freePort();
  const child = spawn(keywardPython(), ['-m', 'uvicorn', 'pkilint.rest:app', '--host', '127.0.0.1', '--port', String(port),
    '--log-level', 'warning', '--no-access-log'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the pkilint REST server exited:\n${log}`);
    try {
      const response = await fetch(`${url}/version`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill(); throw new Error(`the pkilint REST server did not answer in ${START_TIMEOUT_MS / 1000} s:\n${log}`); }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 5000); });
    },
  };
}

/** POSTs a certificate's DER to a route as the adapter does; resolves to { status, json }. Each on a connection of
 * its own: between two calls the CLI's run (`lintCli`) can take longer than uvicorn keeps an idle connection (5 s)
 * on a loaded machine, and `fetch` would then reuse a socket the server has closed ("fetch failed"). */
function lintRest(route, der) {
  const body = JSON.stringify({ b64: der.toString('base64') });
  return new Promise((resolve, reject) => {
    const sent = httpRequest(`${linter.url}/${route}`, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** The CLI's report on a file for the same linter, every finding down to INFO (the REST API's threshold). */
function lintCli(profile, path) {
  const [tool, type] = LINTERS[profile].cli;
  return pkilint(tool, ['lint', ...type, path], { severity: 'INFO' });
}

/** DER of a PEM certificate file. */
function derOf(path) {
  return new X509Certificate(readFileSync(path)).raw;
}

/** Certificates the Worker issues: an S/MIME, a TLS server and a workstation certificate. */
const ORDERS = [
  { profile: 'smime_mailbox_strict', name: 'Grace Hopper', email: 'grace.lint@example.com' },
  { profile: 'server_auth', name: null, email: 'ops.lint@example.com', dnsNames: ['www.lint.example.com'] },
  { profile: 'client_auth_workstation', name: 'Grace Hopper', email: 'it.lint@example.com', dnsNames: ['ws-lint.corp.example.com'] },
];

before(async () => {
  directory = scratch('linter');
  // The server's start-up and the Worker's overlap.
  [linter, worker] = await Promise.all([startLinter(), startWorker()]);
  for (const order of ORDERS) {
    const key = join(directory, `${order.profile}.key`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const csr = openssl(['req', '-new', '-key', key, '-subj', '/CN=ignored by the CA']);
    const link = await seed(worker, order.name, order.email, { profile: order.profile, dnsNames: order.dnsNames });
    const response = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
    assert.equal(response.status, 201, response.text());
    const path = writeTemp(directory, `${order.profile}.pem`, response.json().certificate);
    issued.push({ profile: order.profile, path, der: derOf(path) });
  }
});
after(async () => {
  await worker?.stop();
  await linter?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

test('the REST API is pkilint 0.13.3, as tests/requirements.txt pins', async () => {
  const version = await (await fetch(`${linter.url}/version`)).json();
  const pinned = readFileSync(join(ROOT, 'tests', 'requirements.txt'), 'utf8').match(/^pkilint(?:\[[^\]]*\])?==(\S+)$/m)[1];
  assert.equal(version.version, pinned);
});

test("the Worker's certificates: the REST report equals the CLI's, and shows no unexpected error", async () => {
  for (const { profile, path, der } of issued) {
    const rest = await lintRest(LINTERS[profile].route, der);
    assert.equal(rest.status, 200, `${profile}: ${JSON.stringify(rest.json)}`);
    assert.deepEqual(rest.json, lintCli(profile, path), profile);
    const errors = rest.json.results.flatMap((result) => result.finding_descriptions)
      .filter((finding) => ['FATAL', 'ERROR'].includes(finding.severity)).map((finding) => finding.code);
    assert.deepEqual(errors, KNOWN_ERRORS[profile] ?? [], `${profile}: ${pkilintFindings(rest.json, ['FATAL', 'ERROR'])}`);
  }
});

test("the S/MIME linter named for the profile is the one pkilint detects from the certificate's policy OID", async () => {
  const smime = issued.find(({ profile }) => profile === 'smime_mailbox_strict');
  const response = await fetch(`${linter.url}/certificate/cabf-smime/determine-linter`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ b64: smime.der.toString('base64') }),
  });
  assert.equal(response.status, 200);
  assert.equal(`certificate/cabf-smime/${(await response.json()).name}`, LINTERS.smime_mailbox_strict.route);
});

test('a bad certificate (S/MIME policy, serverAuth EKU): both report the prohibited EKU as an error', async () => {
  const caKey = join(directory, 'bad-ca.key');
  const caPem = join(directory, 'bad-ca.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caPem,
    '-days', '30', '-subj', '/C=GB/O=Lint Test/CN=Lint Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leafKey = join(directory, 'bad.key');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', leafKey]);
  const path = join(directory, 'bad.pem');
  openssl(['req', '-x509', '-CA', caPem, '-CAkey', caKey, '-key', leafKey, '-days', '30', '-subj', '/CN=grace.bad@example.com',
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature',
    '-addext', 'extendedKeyUsage=emailProtection,serverAuth', '-addext', 'subjectAltName=email:grace.bad@example.com',
    '-addext', 'certificatePolicies=2.23.140.1.5.1.3',
    '-addext', 'authorityInfoAccess=caIssuers;URI:http://pki.keyward.example.com/ca/issuing.crt',
    '-addext', 'crlDistributionPoints=URI:http://pki.keyward.example.com/crl/issuing.crl', '-out', path]);
  const rest = await lintRest(LINTERS.smime_mailbox_strict.route, derOf(path));
  assert.equal(rest.status, 200, JSON.stringify(rest.json));
  const cli = lintCli('smime_mailbox_strict', path);
  assert.deepEqual(rest.json, cli);
  const errors = rest.json.results.flatMap((result) => result.finding_descriptions.filter((finding) => finding.severity === 'ERROR'));
  assert.ok(errors.some((finding) => finding.code === 'cabf.smime.prohibited_eku_present' && finding.message.includes('1.3.6.1.5.5.7.3.1')),
    pkilintFindings(rest.json, ['FATAL', 'ERROR']).join('\n'));
});

test('what pkilint cannot read answers 422, which the adapter takes as "linter unavailable", never as a report', async () => {
  const rest = await lintRest(LINTERS.client_auth_workstation.route, Buffer.from('not a certificate'));
  assert.equal(rest.status, 422);
  assert.equal(rest.json.results, undefined);
});
