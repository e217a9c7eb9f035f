// The API contract, fuzzed from outside: schemathesis (pinned in tests/requirements.txt) reads edge/openapi.json
// and sends the Worker in workerd what the document allows and what it forbids, authenticated with an account's
// API key (the document's `apiKey` scheme), with every check on: no 5xx; every status, content type, header and
// body as documented; every schema-valid request accepted; every request the schema forbids refused; a 405, with
// the `Allow` header naming the methods the path takes, for a method it does not; no operation that declares a
// credential answering without it. A fixed seed, one worker and bounded examples make the run repeatable; the
// test asserts schemathesis's exit status and prints its report when it fails.
//
// "Accepted" is schemathesis's default: 2xx, or 401/403/404/409/429 (who may call, what exists and what state
// it is in are not the schema's to say). An operation whose document declares a 422 (a form's rules that no
// schema can hold: a CSR's signature, a domain's public suffix, an order's organization and balance) may also
// answer a schema-valid request with it; that list is read from the document, so a 422 appears only where it is
// documented, and a 400 (a body the Worker could not read) never counts as accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { startWorker, http, createAccount, login, seed, scratch, ROOT, keywardPython } from './harness.mjs';

// The development routes (tag `development`) are left out: the build that is deployed has none of them (the
// production suite proves it), and making accounts and orders at will is what they are for, not a contract.
// Nothing else is: logging out with an API key ends no key, and revoking one needs a browser session.
const EXCLUDED_TAGS = ['development'];
// Cases per operation and phase, and the seed: enough to find a loose bound, within a few minutes on 2 cores.
const MAX_EXAMPLES = 25;
const SEED = 20261206;
const DOCUMENT = join(ROOT, 'edge', 'openapi.json');
// schemathesis's own list of statuses that accept a schema-valid request (`positive_data_acceptance`).
const ACCEPTING = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];

let worker;
let directory;
let key;
const seeded = {};
before(async () => {
  worker = await startWorker();
  directory = scratch('schemathesis');
  const api = (path, options) => http(`${worker.url}/api/v1${path}`, options);
  const password = 'schemathesis fuzzing password';
  await createAccount(worker, { name: 'Fuzzed Account', users: [{ email: 'fay@fuzz.example.com', name: 'Fay Admin', role: 'org_admin', password }] });
  const admin = await login(worker, 'fay@fuzz.example.com', password);
  const created = await api('/api-keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'schemathesis' }) });
  assert.equal(created.status, 201, created.text());
  key = created.json().key;
  // What the operations' paths name, made through the API, so schemathesis reaches more than 404s: the
  // account's organization and domain, the domain's validation link, and an enrollment link.
  const organization = await api('/organizations', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      name: 'Fuzz Ltd', registration_identifier: 'NTRGB-22222222', country: 'GB',
      address: { street: '2 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' },
      phone: '+44 20 7946 0000', contacts: [{ name: 'Fay', email: 'fay@fuzz.example.com', phone: '+44 20 7946 0002' }],
    }),
  });
  assert.equal(organization.status, 201, organization.text());
  seeded.organization = organization.json().id;
  const domain = await api('/domains', {
    method: 'POST', headers: admin, body: JSON.stringify({ name: 'fuzz.example.com', method: 'constructed_email', address: 'admin' }),
  });
  assert.equal(domain.status, 201, domain.text());
  seeded.domain = domain.json().id;
  const { messages } = (await api('/dev/mailbox')).json();
  const link = messages.map((message) => message.body.match(/\/validate\/([A-Za-z0-9_-]{43})/)).find(Boolean);
  assert.ok(link, 'the domain validation email has its link');
  seeded.validation = link[1];
  seeded.enrollment = new URL(await seed(worker, 'Sam Seed', 'sam@fuzz.example.com')).pathname.split('/').pop();
});
after(async () => {
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** TOML's basic string: JSON's escapes are TOML's. */
const toml = (value) => JSON.stringify(value);

/**
 * schemathesis's configuration: the API key as the `apiKey` scheme's bearer token; the seeded identifiers, for
 * the path parameters of the operations that read them; and, for the operations whose document declares a 422,
 * that answer among those accepting a schema-valid request.
 */
function configuration() {
  const document = JSON.parse(readFileSync(DOCUMENT, 'utf8'));
  const lines = ['[auth.openapi.apiKey]', `bearer = ${toml(key)}`, ''];
  const parameters = [
    ['^/api/v1/organizations/\\{id\\}', { 'path.id': seeded.organization }],
    ['^/api/v1/domains/\\{id\\}', { 'path.id': seeded.domain }],
    ['^/api/v1/validations/\\{token\\}$', { 'path.token': seeded.validation }],
    ['^/api/v1/enrollments/\\{token\\}$', { 'path.token': seeded.enrollment }],
  ];
  for (const [path, values] of parameters) {
    lines.push('[[operations]]', `include-path-regex = ${toml(path)}`);
    lines.push(`parameters = { ${Object.entries(values).map(([name, value]) => `${toml(name)} = ${toml(value)}`).join(', ')} }`, '');
  }
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (!operation.responses?.['422']) continue;
      lines.push('[[operations]]', `include-operation-id = ${toml(operation.operationId)}`);
      lines.push(`checks.positive_data_acceptance.expected-statuses = ${toml([...ACCEPTING, '422'])}`, '');
    }
  }
  const path = join(directory, 'schemathesis.toml');
  writeFileSync(path, lines.join('\n'));
  return path;
}

// What schemathesis found first, held here by name: the router answered a method it does not know as GET, and its
// 405 named no allowed method.
test('a method a path does not take is a JSON 405 whose Allow names those it does; an unknown method too', async () => {
  const cases = [
    ['PUT', '/api/v1/orders', 'GET, POST'],
    ['PATCH', '/api/v1/session', 'DELETE, GET, POST'],
    ['QUERY', '/api/v1/ledger', 'GET'],
    ['QUERY', '/api/v1/policy', 'GET'],
    // The most specific path's methods: not also GET from /certificates/{serial}/{format}.
    ['OPTIONS', '/api/v1/certificates/00/revocation', 'POST'],
    ['PUT', '/api/v1/certificates/00/revocation-challenge', 'POST'],
    ['DELETE', '/crl/issuing.crl', 'GET'],
    ['GET', '/ocsp', 'POST'],
    ['QUERY', '/ocsp/MAA', 'GET'],
  ];
  for (const [method, path, allowed] of cases) {
    const response = await http(`${worker.url}${path}`, { method });
    assert.equal(response.status, 405, `${method} ${path}: ${response.text()}`);
    assert.equal(response.headers.allow, allowed, `${method} ${path}`);
    assert.equal(response.json().error.code, 'method_not_allowed', `${method} ${path}`);
  }
  const nowhere = await http(`${worker.url}/api/v1/nowhere`, { method: 'QUERY' });
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.json().error.code, 'route_not_found');
});

test('schemathesis finds the Worker true to its OpenAPI document', { timeout: 15 * 60_000 }, async () => {
  const schemathesis = join(dirname(keywardPython()), 'schemathesis');
  const args = [
    '--config-file', configuration(),
    'run', DOCUMENT,
    '--url', worker.url,
    '--checks', 'all',
    '--seed', String(SEED),
    '--max-examples', String(MAX_EXAMPLES),
    '--workers', '1',
    '--generation-database', 'none',
    '--no-color',
    '--output-sanitize', 'false',
    '--report-dir', join(directory, 'report'),
    ...EXCLUDED_TAGS.flatMap((tag) => ['--exclude-tag', tag]),
  ];
  const started = Date.now();
  // Run in the scratch directory: schemathesis writes nothing into the repository.
  const result = await new Promise((resolve, reject) => {
    const child = spawn(schemathesis, args, { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  assert.equal(result.status, 0, `schemathesis exited ${result.status} after ${seconds} s:\n${result.output}`);
  const summary = result.output.slice(result.output.lastIndexOf('SUMMARY'));
  console.log(`schemathesis passed in ${seconds} s\n${summary}`);
});
