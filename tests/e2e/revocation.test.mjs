// Revocation reaches relying parties. The holder revokes in Chromium with their .p12 (proof of possession, the
// key never sent); a CA administrator revokes through the API. Afterwards OpenSSL refuses the certificate with
// the CRL fetched from the Worker, `openssl ocsp` reports it revoked (POST and GET), pkilint passes the CRL and
// the OCSP responses, and every refused request changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, sign as nodeSign } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, http, launchBrowser, openssl, opensslStatus, scratch, writeTemp, caAdministrator, pkilint,
  pkilintFindings, privateKeyForms, ROOT as REPOSITORY,
} from './harness.mjs';

let worker;
let directory;
let administrator; // a signed-in CA administrator's headers
before(async () => {
  worker = await startWorker();
  directory = scratch('revocation');
  administrator = await caAdministrator(worker);
  for (const [name, path] of [['issuing', '/ca/issuing.crt'], ['root', '/ca/root.crt']]) {
    const response = await http(`${worker.url}${path}`);
    writeFileSync(join(directory, `${name}.der`), response.body);
    openssl(['x509', '-inform', 'DER', '-in', join(directory, `${name}.der`), '-out', join(directory, `${name}.pem`)]);
  }
});
after(async () => {
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const ISSUING = () => join(directory, 'issuing.pem');
const ROOT = () => join(directory, 'root.pem');
let counter = 0;

/** Issues a certificate through the real enrollment API for a key OpenSSL makes here. */
async function issue(newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']) {
  counter += 1;
  const keyPath = join(directory, `key${counter}.pem`);
  const csr = openssl(['req', '-new', ...newKey, '-nodes', '-keyout', keyPath, '-subj', '/CN=revocation']);
  const link = await seed(worker, 'Rosalind Franklin', `rosalind${counter}@example.com`);
  const response = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
  assert.equal(response.status, 201, response.text());
  const issued = response.json();
  return { ...issued, keyPath, leafPath: writeTemp(directory, `leaf${counter}.pem`, issued.certificate) };
}

async function post(path, body, headers = {}) {
  const response = await http(`${worker.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  return { status: response.status, body: response.json() };
}

const challengeFor = async (serial) => (await post(`/api/v1/certificates/${serial}/revocation-challenge`, {})).body.challenge;

/** The proof the browser makes, made here with Node's crypto: ECDSA as WebCrypto signs it (r || s). */
function proof(keyPath, serial, reason, challenge) {
  const message = `Keyward certificate revocation v1\nserial: ${serial}\nreason: ${reason}\nchallenge: ${challenge}\n`;
  const signature = nodeSign('sha256', Buffer.from(message), { key: readFileSync(keyPath), dsaEncoding: 'ieee-p1363' });
  return { challenge, signature: signature.toString('base64url') };
}

async function freshCrlPem(name) {
  const response = await http(`${worker.url}/crl/issuing.crl`);
  assert.equal(response.status, 200);
  const der = writeTemp(directory, `${name}.crl`, response.body);
  const pem = join(directory, `${name}.crl.pem`);
  openssl(['crl', '-inform', 'DER', '-in', der, '-out', pem]);
  return { der, pem, text: openssl(['crl', '-in', pem, '-noout', '-text']) };
}

function verifyWithCrl(leafPath, crlPem) {
  return opensslStatus(['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', ROOT(), '-untrusted', ISSUING(), leafPath]);
}

/** `openssl ocsp` against the Worker (POST, with a nonce); returns the status line and the saved response. */
function ocsp(leafPath, name) {
  const respout = join(directory, `${name}.ocsp.der`);
  const result = opensslStatus(['ocsp', '-issuer', ISSUING(), '-cert', leafPath, '-url', `${worker.url}/ocsp`,
    '-CAfile', ROOT(), '-verify_other', ISSUING(), '-respout', respout, '-resp_text']);
  return { ...result, respout };
}

const unchanged = async (serial) => {
  const [row] = await worker.query(`SELECT revoked_at, version FROM certificates WHERE serial = '${serial}'`);
  assert.deepEqual(row, { revoked_at: null, version: 0 }, 'the certificate row is untouched');
};

test('the holder revokes in Chromium with their .p12; CRL and OCSP then refuse the certificate', async () => {
  const issued = await issue(['-newkey', 'rsa:2048']);
  const untouched = await issue();

  // Before: good everywhere.
  const before = await freshCrlPem('before');
  assert.match(verifyWithCrl(issued.leafPath, before.pem).output, /: OK/);
  const good = ocsp(issued.leafPath, 'good');
  assert.ok(good.ok, good.output);
  assert.match(good.output, /Response verify OK/);
  assert.match(good.output, new RegExp(`${issued.leafPath}: good`));
  assert.deepEqual(pkilintFindings(pkilint('lint_ocsp_response', ['lint', good.respout]), ['FATAL', 'ERROR']), []);

  // The holder's bundle, as OpenSSL 3 makes it by default (AES-256-CBC, PBKDF2, HMAC-SHA256).
  const password = 'revoke with this password';
  const bundle = join(directory, 'holder.p12');
  openssl(['pkcs12', '-export', '-in', issued.leafPath, '-inkey', issued.keyPath, '-certfile', ISSUING(), '-out', bundle,
    '-passout', `pass:${password}`]);

  const browser = await launchBrowser();
  const page = await browser.newPage();
  const sent = [];
  page.on('request', (request) => sent.push(`${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}`));
  // Each page loads its own bundle only (issue 16): the home page the enrollment app's, /revoke the tools'.
  const modules = (from) => sent.slice(from).map((entry) => new URL(entry.split('\n')[0]).pathname)
    .filter((path) => path.startsWith('/pkg/') && path.endsWith('_bg.wasm'));
  await page.goto(`${worker.url}/`);
  await page.locator('[data-testid=revoke-link]').waitFor();
  assert.deepEqual(modules(0), ['/pkg/keyward_bg.wasm']);
  const home = sent.length;
  await page.locator('[data-testid=revoke-link]').click();
  await page.locator('[data-testid=revoke-file]').waitFor();
  assert.deepEqual(modules(home), ['/pkg/tools_bg.wasm']);
  await page.locator('[data-testid=revoke-file]').setInputFiles(bundle);
  await page.locator('[data-testid=revoke-password]').fill('not the password');
  await page.locator('[data-testid=revoke-confirm]').check();
  await page.locator('[data-testid=revoke-submit]').click();
  await page.locator('[data-testid=error][data-code=bundle_unreadable]').waitFor();
  await page.locator('[data-testid=revoke-password]').fill(password);
  await page.locator('[data-testid=revoke-reason]').selectOption('key_compromise');
  await page.locator('[data-testid=revoke-submit]').click();
  await page.locator('[data-testid=revoked]').waitFor({ timeout: 30_000 });
  assert.equal((await page.locator('[data-testid=revoked-serial]').textContent()).trim(), issued.serial);
  await browser.close();

  // Only the proof went out: no form of the private key in any request.
  const pkcs8Pem = openssl(['pkey', '-in', issued.keyPath]);
  const pkcs8Der = Buffer.from(pkcs8Pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const leaks = privateKeyForms(pkcs8Der, pkcs8Pem);
  assert.ok(sent.some((request) => request.includes('/revocation')), 'the revocation was recorded');
  for (const request of sent) assert.deepEqual(leaks(Buffer.from(request)), [], `a request carried the private key: ${request}`);
  assert.ok(!sent.some((request) => request.includes(password)), 'a request carried the bundle password');

  const status = await http(`${worker.url}/api/v1/certificates/${issued.serial}/status`);
  assert.equal(status.json().revocation_reason, 'key_compromise');

  // After: the CRL lists it with its reason, OpenSSL refuses it, and pkilint passes the CRL.
  const after = await freshCrlPem('after');
  assert.match(after.text, new RegExp(`Serial Number: ${issued.serial.toUpperCase()}`));
  assert.match(after.text, /Key Compromise/);
  const refused = verifyWithCrl(issued.leafPath, after.pem);
  assert.ok(!refused.ok);
  assert.match(refused.output, /certificate revoked/);
  assert.match(verifyWithCrl(untouched.leafPath, after.pem).output, /: OK/, 'other certificates stay valid');
  assert.deepEqual(pkilintFindings(pkilint('lint_crl', ['lint', '-t', 'CRL', '-p', 'BR', after.der]), ['FATAL', 'ERROR']), []);

  // OCSP over POST says revoked, with the reason; the untouched certificate is still good.
  const revoked = ocsp(issued.leafPath, 'revoked');
  assert.match(revoked.output, /Response verify OK/);
  assert.match(revoked.output, new RegExp(`${issued.leafPath}: revoked`));
  assert.match(revoked.output, /Reason: keyCompromise/);
  assert.deepEqual(pkilintFindings(pkilint('lint_ocsp_response', ['lint', revoked.respout]), ['FATAL', 'ERROR']), []);
  assert.match(ocsp(untouched.leafPath, 'untouched').output, new RegExp(`${untouched.leafPath}: good`));

  // OCSP over GET (RFC 6960 A.1), as browsers and NSS ask; the answer may be cached.
  const requestDer = join(directory, 'get.req.der');
  openssl(['ocsp', '-issuer', ISSUING(), '-cert', issued.leafPath, '-no_nonce', '-reqout', requestDer]);
  const encoded = encodeURIComponent(readFileSync(requestDer).toString('base64'));
  const response = await http(`${worker.url}/ocsp/${encoded}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'application/ocsp-response');
  assert.match(response.headers['cache-control'], /max-age=/);
  const responseDer = writeTemp(directory, 'get.resp.der', response.body);
  const read = opensslStatus(['ocsp', '-respin', responseDer, '-issuer', ISSUING(), '-cert', issued.leafPath,
    '-CAfile', ROOT(), '-verify_other', ISSUING()]);
  assert.match(read.output, /Response verify OK/);
  assert.match(read.output, new RegExp(`${issued.leafPath}: revoked`));
});

test('OCSP: an unknown serial is never good, and another CA\'s certificate or garbage gets an error status', async () => {
  // A certificate Keyward never issued, with the issuing CA's name and key hashes (only the serial differs):
  // openssl ocsp asks by serial when given -serial.
  const result = opensslStatus(['ocsp', '-issuer', ISSUING(), '-serial', `0x${'4'.padEnd(32, '1')}`, '-url', `${worker.url}/ocsp`,
    '-CAfile', ROOT(), '-verify_other', ISSUING()]);
  assert.match(result.output, /: unknown/);
  const other = opensslStatus(['ocsp', '-issuer', ROOT(), '-serial', '0x42', '-url', `${worker.url}/ocsp`, '-CAfile', ROOT()]);
  assert.match(other.output, /unauthorized/i);
  const garbage = await http(`${worker.url}/ocsp`, { method: 'POST', body: 'not DER', headers: { 'content-type': 'application/ocsp-request' } });
  assert.equal(garbage.body.toString('hex'), '30030a0101', 'malformedRequest');
});

test('refused revocations name the field and the reason, and change nothing', async () => {
  const issued = await issue();
  const other = await issue();
  const path = `/api/v1/certificates/${issued.serial}/revocation`;
  const [{ count: crlsBefore }] = await worker.query('SELECT count(*) AS count FROM crls');
  const cases = [
    ['no proof and no administrator', async () => post(path, { reason: 'superseded' }), 401, 'proof_missing', 'proof'],
    ['a body that is not JSON', async () => post(path, 'reason=superseded'), 400, 'body_invalid', 'body'],
    ['an unknown reason', async () => post(path, { reason: 'certificate_hold' }), 400, 'body_invalid', 'body'],
    ['a signature by another key', async () => post(path, { reason: 'superseded',
      proof: proof(other.keyPath, issued.serial, 'superseded', await challengeFor(issued.serial)) }), 422, 'proof_invalid', 'proof.signature'],
    ['a signature made for another reason', async () => post(path, { reason: 'key_compromise',
      proof: proof(issued.keyPath, issued.serial, 'superseded', await challengeFor(issued.serial)) }), 422, 'proof_invalid', 'proof.signature'],
    ['a challenge issued for another certificate', async () => post(path, { reason: 'superseded',
      proof: proof(issued.keyPath, issued.serial, 'superseded', await challengeFor(other.serial)) }), 422, 'challenge_invalid', 'proof.challenge'],
    ['a challenge never issued', async () => post(path, { reason: 'superseded',
      proof: proof(issued.keyPath, issued.serial, 'superseded', 'A'.repeat(43)) }), 422, 'challenge_invalid', 'proof.challenge'],
    ['a reason only the CA gives', async () => post(path, { reason: 'privilege_withdrawn',
      proof: proof(issued.keyPath, issued.serial, 'privilege_withdrawn', await challengeFor(issued.serial)) }), 422, 'reason_not_allowed', 'reason'],
    ['a wrong API key', async () => post(path, { reason: 'superseded' }, { authorization: `Bearer kw_${'0'.repeat(43)}` }), 401, 'unauthenticated', 'authorization'],
    ['a signed-in CA administrator from another site', async () => post(path, { reason: 'superseded' }, { ...administrator, origin: 'https://evil.example' }), 403, 'cross_site_request', 'origin'],
    ['an unknown serial', async () => post(`/api/v1/certificates/${'4'.repeat(32)}/revocation`, { reason: 'superseded' }, administrator), 404, 'certificate_unknown', 'serial'],
  ];
  for (const [name, send, status, code, field] of cases) {
    const response = await send();
    assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.error.code, code, name);
    assert.equal(response.body.error.field, field, name);
    assert.ok(response.body.error.message.length > 10, name);
    await unchanged(issued.serial);
  }
  const [{ count: crlsAfter }] = await worker.query('SELECT count(*) AS count FROM crls');
  assert.equal(crlsAfter, crlsBefore, 'no CRL was signed for a refused request');
  const [{ used }] = await worker.query(
    `SELECT count(*) AS used FROM revocation_challenges WHERE used_at IS NOT NULL AND serial IN ('${issued.serial}', '${other.serial}')`);
  assert.equal(used, 0, 'no challenge was spent');

  // The right proof works once; the second attempt is told when it happened.
  const good = await post(path, { reason: 'superseded', proof: proof(issued.keyPath, issued.serial, 'superseded', await challengeFor(issued.serial)) });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.revocation_reason, 'superseded');
  const again = await post(path, { reason: 'superseded' }, administrator);
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'certificate_already_revoked');
  const challengeAgain = await post(`/api/v1/certificates/${issued.serial}/revocation-challenge`, {});
  assert.equal(challengeAgain.status, 409);
  const [audit] = await worker.query(`SELECT actor, detail FROM audit_log WHERE action = 'certificate.revoked' AND subject_id = '${issued.serial}'`);
  assert.deepEqual(audit, { actor: 'holder', detail: '{"reason":"superseded"}' });
});

test('concurrent administrator revocations each land, in one gapless run of CRL numbers', async () => {
  const certificates = [];
  for (let index = 0; index < 4; index += 1) certificates.push(await issue());
  const [{ top: before }] = await worker.query('SELECT coalesce(max(number), 0) AS top FROM crls');
  const responses = await Promise.all(certificates.map((certificate) =>
    post(`/api/v1/certificates/${certificate.serial}/revocation`, { reason: 'privilege_withdrawn' }, administrator)));
  for (const response of responses) assert.equal(response.status, 200, JSON.stringify(response.body));
  const numbers = (await worker.query(`SELECT number FROM crls WHERE number > ${before} ORDER BY number`)).map((row) => row.number);
  assert.deepEqual(numbers, [1, 2, 3, 4].map((step) => before + step), 'one new CRL per revocation, numbers without gaps');
  const crl = await freshCrlPem('concurrent');
  for (const certificate of certificates) {
    assert.match(crl.text, new RegExp(`Serial Number: ${certificate.serial.toUpperCase()}`), 'the latest CRL lists every revocation');
  }
  assert.match(crl.text, /Privilege Withdrawn/);
  const [audit] = await worker.query(`SELECT actor FROM audit_log WHERE action = 'certificate.revoked' AND subject_id = '${certificates[0].serial}'`);
  const [{ id }] = await worker.query("SELECT id FROM users WHERE role = 'ca_admin'");
  assert.equal(audit.actor, `user:${id}`, 'the audit record names the administrator');
});

test('the scheduled handler re-signs a day-old CRL and leaves a fresh one alone', async () => {
  await freshCrlPem('scheduled');
  const [{ top }] = await worker.query('SELECT max(number) AS top FROM crls');
  const scheduled = async () => {
    const response = await http(`${worker.url}/__scheduled?cron=17+*/6+*+*+*`);
    assert.equal(response.status, 200);
    assert.match(response.text(), /Ran scheduled event/);
  };
  await scheduled();
  assert.equal((await worker.query('SELECT max(number) AS top FROM crls'))[0].top, top, 'a fresh CRL stays');
  await worker.query(`UPDATE crls SET this_update = this_update - 2 * 86400 WHERE number = ${top}`);
  await scheduled();
  const [latest] = await worker.query('SELECT number, this_update, next_update FROM crls ORDER BY number DESC LIMIT 1');
  assert.equal(latest.number, top + 1);
  assert.ok(Math.abs(latest.this_update - Date.now() / 1000) < 300, 'signed just now');
  assert.equal(latest.next_update - latest.this_update, 7 * 86400);
});

test('a key certified for one subject is refused for another, and a compromised key for everyone', async () => {
  const first = await issue();
  const email = `rosalind${counter}@example.com`;
  const csr = openssl(['req', '-new', '-key', first.keyPath, '-subj', '/CN=again']);
  const submit = async (recipientEmail) => {
    const link = await seed(worker, 'Rosalind Franklin', recipientEmail);
    const response = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
    return { status: response.status, body: response.json() };
  };
  const countFor = async (recipientEmail) => (await worker.query(
    `SELECT count(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = '${recipientEmail}'`))[0].n;

  const stranger = await submit('someone.else@example.com');
  assert.equal(stranger.status, 409, JSON.stringify(stranger.body));
  assert.deepEqual([stranger.body.error.code, stranger.body.error.field], ['key_already_certified', 'csr']);
  assert.equal(await countFor('someone.else@example.com'), 0);

  // The same holder may certify the same key again (a renewal that keeps its key).
  assert.equal((await submit(email)).status, 201);
  assert.equal(await countFor(email), 2);

  const revoked = await post(`/api/v1/certificates/${first.serial}/revocation`, { reason: 'key_compromise' }, administrator);
  assert.equal(revoked.status, 200);
  const compromised = await submit(email);
  assert.equal(compromised.status, 409);
  assert.deepEqual([compromised.body.error.code, compromised.body.error.field], ['key_compromised', 'csr']);
  assert.equal(await countFor(email), 2, 'nothing written');
});

/** Runs the scheduled handler (as the cron would) and waits for its answer. */
async function runScheduled() {
  const response = await http(`${worker.url}/__scheduled?cron=17+*/6+*+*+*`);
  assert.equal(response.status, 200);
  assert.match(response.text(), /Ran scheduled event/);
}

test('50 anonymous challenge requests write nothing and leave the holder free to revoke; used challenges are cleared a day after expiry', async () => {
  const issued = await issue();
  const other = await issue();
  const ask = () => post(`/api/v1/certificates/${issued.serial}/revocation-challenge`, {});
  const count = async () => (await worker.query(`SELECT count(*) AS n FROM revocation_challenges WHERE serial = '${issued.serial}'`))[0].n;
  // A stranger who knows the public serial asks again and again (on main this refused the holder from the sixth).
  const strangers = await Promise.all(Array.from({ length: 50 }, ask));
  assert.deepEqual(strangers.map((answer) => answer.status), Array(50).fill(201), JSON.stringify(strangers.find((answer) => answer.status !== 201)));
  assert.equal(new Set(strangers.map((answer) => answer.body.challenge)).size, 50, 'each challenge is its own');
  assert.equal(await count(), 0, 'asking for a challenge writes nothing');
  const mine = await ask();
  assert.equal(mine.status, 201, JSON.stringify(mine.body));
  assert.ok(mine.body.expires_at > Date.now() / 1000);
  const revoked = await post(`/api/v1/certificates/${issued.serial}/revocation`,
    { reason: 'superseded', proof: proof(issued.keyPath, issued.serial, 'superseded', mine.body.challenge) });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal(await count(), 1, 'only the used challenge is recorded');
  // A used challenge is final: the database refuses to change it.
  await assert.rejects(worker.query(`UPDATE revocation_challenges SET used_at = 0 WHERE serial = '${issued.serial}'`),
    (error) => /revocation_challenge_final/.test(`${error.message}${error.stdout}${error.stderr}`));

  // The scheduled handler deletes used challenges expired more than a day ago, and keeps the recent one.
  await worker.query(`INSERT INTO revocation_challenges (challenge_hash, serial, expires_at, used_at)
    VALUES ('${'ab'.repeat(32)}', '${other.serial}', ${Math.floor(Date.now() / 1000) - 2 * 86400}, ${Math.floor(Date.now() / 1000) - 2 * 86400 - 60})`);
  await runScheduled();
  assert.equal((await worker.query(`SELECT count(*) AS n FROM revocation_challenges WHERE serial = '${other.serial}'`))[0].n, 0);
  assert.equal(await count(), 1);
});

/** The development CA's issuing key (`.dev.vars`, what `cargo xtask` wrote): to make a challenge the Worker would
 * have made at another instant, as only a holder of its key can. */
function developmentChallenge(serial, expiresAt) {
  const vars = readFileSync(join(REPOSITORY, 'edge', '.dev.vars'), 'utf8');
  const caKey = Buffer.from(vars.match(/^CA_ISSUING_KEY=(.+)$/m)[1].trim(), 'base64');
  const key = createHmac('sha256', caKey).update('keyward revocation challenge v1').digest();
  const body = `v1.${serial}.${expiresAt}.${randomBytes(16).toString('base64url')}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

test('a challenge that is altered, expired, for another certificate or spent is refused with its code, and a spent one once only', async () => {
  const issued = await issue();
  const other = await issue();
  const path = `/api/v1/certificates/${issued.serial}/revocation`;
  const revokeWith = (challenge, reason = 'superseded') => post(path, { reason, proof: proof(issued.keyPath, issued.serial, reason, challenge) });
  const fresh = await challengeFor(issued.serial);
  // One character changed in the nonce: the MAC no longer matches.
  const fields = fresh.split('.');
  fields[3] = `${fields[3][0] === 'A' ? 'B' : 'A'}${fields[3].slice(1)}`;
  const tampered = fields.join('.');
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    ['one character changed', tampered, 'challenge_invalid'],
    ['issued for another certificate', await challengeFor(other.serial), 'challenge_invalid'],
    ['expired a second ago', developmentChallenge(issued.serial, now - 1), 'challenge_expired'],
  ];
  for (const [name, challenge, code] of cases) {
    const response = await revokeWith(challenge);
    assert.equal(response.status, 422, `${name}: ${JSON.stringify(response.body)}`);
    assert.deepEqual([response.body.error.code, response.body.error.field], [code, 'proof.challenge'], name);
    await unchanged(issued.serial);
  }
  // The same construction with an expiry ahead is accepted: the expired case failed for its expiry alone.
  const ahead = developmentChallenge(issued.serial, now + 300);
  // Ten concurrent uses of one challenge: one revokes, every other is told the challenge is spent.
  const racing = await Promise.all(Array.from({ length: 10 }, () => revokeWith(ahead)));
  const outcomes = racing.map((response) => (response.status === 200 ? 'revoked' : response.body.error.code)).sort();
  assert.deepEqual(outcomes, ['challenge_used', ...Array(8).fill('challenge_used'), 'revoked'].sort(), JSON.stringify(racing.map((response) => response.body)));
  const [{ n: audits }] = await worker.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'certificate.revoked' AND subject_id = '${issued.serial}'`);
  assert.equal(audits, 1, 'one revocation recorded');
  // Replayed later, the spent challenge is refused as such (not merely as a revoked certificate's).
  const replay = await revokeWith(ahead);
  assert.equal(replay.status, 422);
  assert.deepEqual([replay.body.error.code, replay.body.error.field], ['challenge_used', 'proof.challenge']);
});

/** Sends the OCSP request in `requestDer` (a file) by POST or GET; resolves to the status, the cache header and the
 * response saved to a file for OpenSSL. */
let asked = 0;
async function askOcsp(requestDer, method) {
  const der = readFileSync(requestDer);
  const response = method === 'POST'
    ? await http(`${worker.url}/ocsp`, { method: 'POST', body: der, headers: { 'content-type': 'application/ocsp-request' } })
    : await http(`${worker.url}/ocsp/${encodeURIComponent(der.toString('base64'))}`);
  asked += 1;
  const respout = writeTemp(directory, `asked${asked}.ocsp.der`, response.body);
  return { status: response.status, cache: response.headers['keyward-cache'], respout, cacheControl: response.headers['cache-control'] };
}

/** What OpenSSL reads in a saved OCSP response about `leafPath`: verified, and its status line. */
function readOcsp(respout, leafPath) {
  const read = opensslStatus(['ocsp', '-respin', respout, '-issuer', ISSUING(), '-cert', leafPath, '-CAfile', ROOT(), '-verify_other', ISSUING()]);
  assert.match(read.output, /Response verify OK/);
  return read.output.match(new RegExp(`${leafPath}: (\\w+)`))?.[1];
}

async function fetchCrl(name) {
  const response = await http(`${worker.url}/crl/issuing.crl`);
  assert.equal(response.status, 200);
  const der = writeTemp(directory, `${name}.crl`, response.body);
  const pem = join(directory, `${name}.crl.pem`);
  openssl(['crl', '-inform', 'DER', '-in', der, '-out', pem]);
  return { cache: response.headers['keyward-cache'], pem, text: openssl(['crl', '-in', pem, '-noout', '-text']) };
}

test('OCSP answers and the CRL are cached: POST and GET share an answer, a revocation is visible at once, a flood is all hits', async () => {
  const issued = await issue();
  const withNonce = join(directory, 'cached-nonce.req.der');
  const withoutNonce = join(directory, 'cached.req.der');
  openssl(['ocsp', '-issuer', ISSUING(), '-cert', issued.leafPath, '-reqout', withNonce]);
  openssl(['ocsp', '-issuer', ISSUING(), '-cert', issued.leafPath, '-no_nonce', '-reqout', withoutNonce]);

  // The first question signs; the same question again, with or without a nonce, by POST or by GET, is the kept answer.
  const first = await askOcsp(withNonce, 'POST');
  assert.deepEqual([first.status, first.cache], [200, 'miss']);
  assert.equal(readOcsp(first.respout, issued.leafPath), 'good');
  for (const [file, method] of [[withNonce, 'POST'], [withoutNonce, 'POST'], [withoutNonce, 'GET']]) {
    const again = await askOcsp(file, method);
    assert.deepEqual([again.status, again.cache], [200, 'hit'], `${method} ${file}`);
    assert.match(again.cacheControl, /max-age=3600/);
    assert.equal(readOcsp(again.respout, issued.leafPath), 'good');
    assert.deepEqual(readFileSync(again.respout), readFileSync(first.respout), 'the very answer kept');
  }
  // OpenSSL's own client accepts an answer without its nonce.
  const client = ocsp(issued.leafPath, 'cached-client');
  assert.ok(client.ok, client.output);
  assert.match(client.output, new RegExp(`${issued.leafPath}: good`));

  const crlFirst = await fetchCrl('cached-first');
  const crlAgain = await fetchCrl('cached-again');
  assert.equal(crlAgain.cache, 'hit', `first: ${crlFirst.cache}`);
  assert.doesNotMatch(crlAgain.text, new RegExp(`Serial Number: ${issued.serial.toUpperCase()}`));

  // Revoked: the very next answers say so.
  const revoked = await post(`/api/v1/certificates/${issued.serial}/revocation`, { reason: 'superseded' }, administrator);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  const after = await askOcsp(withoutNonce, 'GET');
  assert.deepEqual([after.status, after.cache], [200, 'miss']);
  assert.equal(readOcsp(after.respout, issued.leafPath), 'revoked');
  const crlAfter = await fetchCrl('cached-after');
  assert.equal(crlAfter.cache, 'miss');
  assert.match(crlAfter.text, new RegExp(`Serial Number: ${issued.serial.toUpperCase()}`));
  assert.match(verifyWithCrl(issued.leafPath, crlAfter.pem).output, /certificate revoked/);

  // A flood of the same question: every answer is the kept one, and the Worker keeps serving.
  const flood = await Promise.all(Array.from({ length: 200 }, (_, index) => askOcsp(index % 2 ? withNonce : withoutNonce, index % 3 ? 'POST' : 'GET')));
  const tally = flood.reduce((counts, answer) => ({ ...counts, [`${answer.status} ${answer.cache}`]: (counts[`${answer.status} ${answer.cache}`] ?? 0) + 1 }), {});
  assert.deepEqual(tally, { '200 hit': 200 });
  assert.equal(readOcsp(flood[199].respout, issued.leafPath), 'revoked');
  assert.equal((await http(`${worker.url}/api/v1/policy`)).status, 200, 'still serving');
});

test('a holder\'s revocation is visible at once too, and answers the cache cannot forget are not kept', async () => {
  const issued = await issue();
  const request = join(directory, 'holder-cache.req.der');
  openssl(['ocsp', '-issuer', ISSUING(), '-cert', issued.leafPath, '-no_nonce', '-reqout', request]);
  assert.equal((await askOcsp(request, 'POST')).cache, 'miss');
  assert.equal((await askOcsp(request, 'GET')).cache, 'hit');
  const revoked = await post(`/api/v1/certificates/${issued.serial}/revocation`,
    { reason: 'key_compromise', proof: proof(issued.keyPath, issued.serial, 'key_compromise', await challengeFor(issued.serial)) });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  const after = await askOcsp(request, 'POST');
  assert.equal(after.cache, 'miss');
  assert.equal(readOcsp(after.respout, issued.leafPath), 'revoked');

  // Two certificates in one request: answered (with its nonce) and never kept, since no revocation could forget it.
  const other = await issue();
  const pair = join(directory, 'pair.req.der');
  openssl(['ocsp', '-issuer', ISSUING(), '-cert', issued.leafPath, '-cert', other.leafPath, '-reqout', pair]);
  for (let round = 0; round < 2; round += 1) assert.equal((await askOcsp(pair, 'POST')).cache, 'bypass');
});
