// Bad input against the real Worker in workerd: each rejection is a 4xx whose JSON error names the field and
// the reason, and leaves no row behind (checked on the D1 file itself, not through Keyward's code).
// Also: spent, expired, unknown links, and N concurrent submissions on one link giving one certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ROOT, startWorker, seed, openssl } from './harness.mjs';

const FIXTURES = join(ROOT, 'shared', 'tests', 'fixtures', 'csr');
const fixture = (name) => readFileSync(join(FIXTURES, name), 'utf8');
const GOOD_CSR = fixture('rsa2048-sha256.csr.pem');
/** A request for a new key: Keyward certifies a key for one subject only, so each new recipient needs its own. */
const freshCsr = () => openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-keyout', '/dev/null', '-subj', '/CN=fresh']);

let worker;
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

function tokenOf(link) {
  return link.split('/enroll/')[1];
}

async function submit(token, body) {
  const response = await fetch(`${worker.url}/api/v1/enrollments/${token}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Everything a submission could write, for one link; read once the Worker's delivery of the mail queued so far
 * (which records an audit record after its answer) is done, so that only the request under test can change it.
 */
async function footprint() {
  await worker.mailSettled();
  const [links, certificates, audit, outbox] = await worker.queryAll(
    'SELECT id, spent_at, version FROM enrollment_links ORDER BY id; SELECT serial FROM certificates ORDER BY serial; '
    + 'SELECT id FROM audit_log ORDER BY id; SELECT id FROM mail_outbox ORDER BY id;');
  return { links, certificates, audit, outbox };
}

function assertRejected(result, status, code, field) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.error.code, code);
  assert.equal(result.body.error.field, field);
  assert.ok(result.body.error.message.length > 20, `a sentence a person can act on: ${result.body.error.message}`);
}

const CASES = [
  ['a CSR with a broken signature', { csr: fixture('rsa2048-sha256-signature-flipped.csr.pem') }, 422, 'csr_signature_invalid', 'csr'],
  ['a CSR whose subject was altered after signing', { csr: fixture('rsa2048-sha256-subject-changed.csr.pem') }, 422, 'csr_signature_invalid', 'csr'],
  ['an RSA 1024 key', { csr: fixture('rsa1024-sha256.csr.pem') }, 422, 'key_too_small', 'csr'],
  ['a SHA-1 signature', { csr: fixture('rsa2048-sha1.csr.pem') }, 422, 'csr_signature_algorithm_unsupported', 'csr'],
  ['garbage instead of PEM', { csr: fixture('garbage.txt') }, 422, 'csr_not_pem', 'csr'],
  ['a certificate instead of a CSR', { csr: fixture('certificate.pem') }, 422, 'csr_not_pem', 'csr'],
  ['an RSA key with close primes (Fermat)', { csr: fixture('rsa2048-close-primes.csr.pem') }, 422, 'key_weak_close_primes', 'csr'],
  ['a body that is not JSON', 'csr=hello', 400, 'body_invalid', 'body'],
  ['JSON without the csr field', { certificate: GOOD_CSR }, 400, 'body_invalid', 'body'],
];

for (const [name, body, status, code, field] of CASES) {
  test(`${name} is refused with ${code} and changes nothing`, async () => {
    const token = tokenOf(await seed(worker, 'Bad Input', 'bad.input@example.com'));
    const before = await footprint();
    assertRejected(await submit(token, body), status, code, field);
    assert.deepEqual(await footprint(), before);
    // The link is still usable afterwards: a rejection spends nothing.
    assert.equal((await submit(token, { csr: GOOD_CSR })).status, 201);
  });
}

test('an Ed25519 key on a TLS server order (S/MIME profiles only offer it) is refused with key_type_not_allowed', async () => {
  const token = tokenOf(await seed(worker, 'Web Server', 'webmaster@example.com', { profile: 'server_auth', dnsNames: ['www.example.com'] }));
  const before = await footprint();
  assertRejected(await submit(token, { csr: fixture('ed25519.csr.pem') }), 422, 'key_type_not_allowed', 'csr');
  assert.deepEqual(await footprint(), before);
});

test('a spent link is refused with link_spent, saying when, and changes nothing', async () => {
  const token = tokenOf(await seed(worker, 'Spent Link', 'spent@example.com'));
  assert.equal((await submit(token, { csr: freshCsr() })).status, 201);
  const before = await footprint();
  const again = await submit(token, { csr: GOOD_CSR });
  assertRejected(again, 409, 'link_spent', 'token');
  assert.deepEqual(await footprint(), before);
  const view = await (await fetch(`${worker.url}/api/v1/enrollments/${token}`)).json();
  assert.equal(view.status.state, 'spent');
  assert.equal(typeof view.status.spent_at, 'number');
  assert.match(view.certificate_serial, /^[0-9a-f]{32}$/);
});

test('an expired link is refused with link_expired and changes nothing', async () => {
  const token = tokenOf(await seed(worker, 'Late Comer', 'late@example.com'));
  const hash = createHash('sha256').update(token).digest('hex');
  await worker.query(`UPDATE enrollment_links SET expires_at = 1000, version = version + 1 WHERE token_hash = '${hash}'`);
  const before = await footprint();
  assertRejected(await submit(token, { csr: GOOD_CSR }), 410, 'link_expired', 'token');
  assert.deepEqual(await footprint(), before);
  const view = await (await fetch(`${worker.url}/api/v1/enrollments/${token}`)).json();
  assert.deepEqual(view.status, { state: 'expired', expired_at: 1000 });
});

test('unknown and malformed tokens are refused without touching anything', async () => {
  const unknown = 'A'.repeat(43);
  assertRejected(await submit(unknown, { csr: GOOD_CSR }), 404, 'link_unknown', 'token');
  assertRejected(await submit('not-a-token', { csr: GOOD_CSR }), 404, 'link_malformed', 'token');
  const response = await fetch(`${worker.url}/api/v1/enrollments/${unknown}`);
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error.code, 'link_unknown');
});

test('50 concurrent submissions on one link give exactly one certificate; the others a 409 that explains', async () => {
  const token = tokenOf(await seed(worker, 'Double Click', 'double.click@example.com'));
  const csr = freshCsr();
  const results = await Promise.all(Array.from({ length: 50 }, () => submit(token, { csr })));
  const statuses = results.map((result) => result.status).sort();
  assert.deepEqual(statuses, [201, ...Array(49).fill(409)]);
  for (const result of results.filter((result) => result.status === 409)) {
    assert.equal(result.body.error.code, 'link_spent');
    assert.match(result.body.error.message, /already used/);
  }
  const issued = results.find((result) => result.status === 201).body;
  const rows = await worker.query(`SELECT c.serial FROM certificates c JOIN enrollment_links l ON l.id = c.enrollment_link_id JOIN recipients r ON r.id = l.recipient_id WHERE r.email = 'double.click@example.com'`);
  assert.deepEqual(rows, [{ serial: issued.serial }]);
  const audit = await worker.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'certificate.issued' AND detail LIKE '%${issued.serial}%'`);
  assert.deepEqual(audit, [{ n: 1 }]);
});
