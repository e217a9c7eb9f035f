// The one issuance pipeline, against the real Worker: every path re-checks at the moment of issuance what an
// order placed earlier relied on (the key's holder and compromise, the organization's and the mailbox's
// validations), the database refuses a key to a second holder however the requests race, and a keyCompromise
// revocation reaches every certificate of the key (CRL and OCSP, read by OpenSSL). Nothing here is mocked: the
// state is changed with SQL only to make time pass (a validation that lapsed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, http, openssl, opensslStatus, scratch, writeTemp, createAccount, login, caAdministrator,
} from './harness.mjs';

let worker;
let directory;
let acme; // an organization administrator's headers
let acmeOrganization;
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  worker = await startWorker();
  directory = scratch('issuance');
  const account = await createAccount(worker, { name: 'Acme', users: [{ email: 'ada@acme.example', password: PASSWORD }] });
  acmeOrganization = 'org-acme';
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, validated_at, created_at, account_id)
    VALUES ('${acmeOrganization}', 'Acme', 'NTRGB-00001234', 'GB', ${now() - DAY}, ${now() - DAY}, '${account.accountId}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-acme', '${account.accountId}', 'domain', 'acme.example', 'dns_txt', ${now() - DAY}, ${now()}, ${now() - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-acme', '${account.accountId}', ${now() - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  acme = await login(worker, 'ada@acme.example', PASSWORD);
});
after(async () => {
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
let keys = 0;
/** A new P-256 key and its CSR, made by OpenSSL; returns { csr, keyPath }. */
function newKey() {
  keys += 1;
  const keyPath = join(directory, `key${keys}.pem`);
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath,
    '-subj', '/CN=ignored']);
  return { csr, keyPath };
}
const submit = (link, csr) => http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
const linkStatus = async (link) => (await http(link.replace('/enroll/', '/api/v1/enrollments/'))).json().status;

test('an enrollment link used after its organization validation lapsed is refused, named, and stays open', async () => {
  const link = await seed(worker, 'Ada Lovelace', 'ada.lapsed@example.com');
  // 826 days ago: past the 825 days S/MIME BR 4.2.1 allows.
  await worker.query(`UPDATE organizations SET validated_at = ${now() - 826 * DAY}, version = version + 1 WHERE id = 'demo-org'`);
  try {
    const { csr } = newKey();
    const refused = await submit(link, csr);
    assert.equal(refused.status, 409, refused.text());
    const { error } = refused.json();
    assert.equal(error.code, 'organization_validation_expired');
    assert.equal(error.field, 'organization_id');
    assert.match(error.message, /validate it again/);
    assert.equal((await linkStatus(link)).state, 'open', 'the link is not spent');
    const [{ n }] = await worker.query("SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = 'ada.lapsed@example.com'");
    assert.equal(n, 0);
    // Validated again: the same link issues.
    await worker.query(`UPDATE organizations SET validated_at = ${now() - DAY}, version = version + 1 WHERE id = 'demo-org'`);
    assert.equal((await submit(link, csr)).status, 201);
  } finally {
    await worker.query(`UPDATE organizations SET validated_at = ${now() - DAY}, version = version + 1 WHERE id = 'demo-org'`);
  }
});

test('a mailbox validated by its link 31 days ago is refused until validated again (S/MIME BR 4.2.1: 30 days)', async () => {
  const email = 'dora.thirty@gmail.com';
  const link = await seed(worker, null, email, { profile: 'smime_mailbox_multipurpose' });
  await worker.query(`UPDATE validations SET validated_at = ${now() - 31 * DAY}, version = version + 1 WHERE subject = '${email}'`);
  const { csr } = newKey();
  const refused = await submit(link, csr);
  assert.equal(refused.status, 409, refused.text());
  assert.deepEqual([refused.json().error.code, refused.json().error.field], ['mailbox_validation_expired', 'recipient_email']);
  assert.equal((await linkStatus(link)).state, 'open');
  await worker.query(`UPDATE validations SET validated_at = ${now() - 29 * DAY}, version = version + 1 WHERE subject = '${email}'`);
  const issued = await submit(link, csr);
  assert.equal(issued.status, 201, issued.text());
});

test('twenty subjects submitting one new key at the same instant get exactly one certificate', async () => {
  const links = [];
  for (let index = 0; index < 20; index += 1) links.push(await seed(worker, 'Race Runner', `racer${index}@example.com`));
  const { csr } = newKey();
  const answers = await Promise.all(links.map((link) => submit(link, csr)));
  const statuses = answers.map((answer) => answer.status);
  assert.equal(statuses.filter((status) => status === 201).length, 1, `statuses: ${statuses}`);
  for (const answer of answers.filter((each) => each.status !== 201)) {
    assert.equal(answer.status, 409, answer.text());
    assert.equal(answer.json().error.code, 'key_already_certified');
    assert.equal(answer.json().error.field, 'csr');
  }
  const [{ n }] = await worker.query("SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email LIKE 'racer%'");
  assert.equal(n, 1);
  const [{ open }] = await worker.query("SELECT COUNT(*) AS open FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id WHERE r.email LIKE 'racer%' AND l.spent_at IS NULL");
  assert.equal(open, 19, 'the refused links stay open for a new key');
});

test('a keyCompromise revocation revokes every certificate of the key: all on the CRL and revoked in OCSP', async () => {
  const administrator = await caAdministrator(worker);
  const { csr } = newKey();
  const issued = [];
  for (let index = 0; index < 3; index += 1) {
    const link = await seed(worker, 'Katherine Johnson', 'katherine@example.com');
    const answer = await submit(link, csr);
    assert.equal(answer.status, 201, answer.text());
    issued.push(answer.json());
  }
  const other = await submit(await seed(worker, 'Mary Jackson', 'mary@example.com'), newKey().csr);
  assert.equal(other.status, 201);
  const revoked = await api(`/certificates/${issued[1].serial}/revocation`, {
    method: 'POST', headers: administrator, body: JSON.stringify({ reason: 'key_compromise' }),
  });
  assert.equal(revoked.status, 200, revoked.text());
  for (const [name, path] of [['issuing', '/ca/issuing.crt'], ['root', '/ca/root.crt']]) {
    const response = await http(`${worker.url}${path}`);
    writeTemp(directory, `${name}.der`, response.body);
    openssl(['x509', '-inform', 'DER', '-in', join(directory, `${name}.der`), '-out', join(directory, `${name}.pem`)]);
  }
  const crl = await http(`${worker.url}/crl/issuing.crl`);
  writeTemp(directory, 'issuing.crl', crl.body);
  const listed = openssl(['crl', '-inform', 'DER', '-in', join(directory, 'issuing.crl'), '-noout', '-text']);
  for (const certificate of issued) {
    assert.match(listed, new RegExp(`Serial Number: ${certificate.serial.toUpperCase()}[\\s\\S]*?Key Compromise`), certificate.serial);
    const leaf = writeTemp(directory, `${certificate.serial}.pem`, certificate.certificate);
    const status = opensslStatus(['ocsp', '-issuer', join(directory, 'issuing.pem'), '-cert', leaf, '-url', `${worker.url}/ocsp`,
      '-CAfile', join(directory, 'root.pem'), '-no_nonce']);
    assert.match(status.output, new RegExp(`${leaf}: revoked[\\s\\S]*Reason: keyCompromise`), status.output);
  }
  assert.doesNotMatch(listed, new RegExp(other.json().serial.toUpperCase()), 'another key is untouched');
  // The key is never certified again, for anyone.
  const again = await submit(await seed(worker, 'Katherine Johnson', 'katherine@example.com'), csr);
  assert.deepEqual([again.status, again.json().error.code], [409, 'key_compromised']);
  const audit = await worker.query(`SELECT subject_id FROM audit_log WHERE action = 'certificate.revoked' ORDER BY subject_id`);
  assert.deepEqual(audit.map((row) => row.subject_id), issued.map((certificate) => certificate.serial).sort());
});

test('a CSR order waiting for its mailbox validation whose key is then revoked for compromise is refused at issuance', async () => {
  const email = 'grace.waiting@gmail.com';
  const { csr } = newKey();
  const order = (idempotency) => ({
    profile: 'smime_organization_multipurpose', organization_id: acmeOrganization, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email, csr }], notification_emails: [],
    payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `issuance-${idempotency}-${Date.now()}`,
  });
  // A first order certifies the key while the mailbox is validated...
  const first = await api('/orders', { method: 'POST', headers: acme, body: JSON.stringify(order('first')) });
  assert.equal(first.status, 201, first.text());
  const mailbox = (await api('/dev/mailbox')).json().messages.find((message) => message.to === email);
  const token = mailbox.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  assert.equal((await api(`/validations/${token}`, { method: 'POST', body: '{}' })).status, 200);
  const issuedFirst = (await api(`/orders/${first.json().id}`, { headers: acme })).json();
  const serial = issuedFirst.recipients[0].certificate_serial;
  assert.match(serial, /^[0-9a-f]{32}$/, JSON.stringify(issuedFirst));
  // ...then lapses (31 days), so a second order for the same holder and key waits for a new mailbox validation.
  await worker.query(`UPDATE validations SET validated_at = ${now() - 31 * DAY}, version = version + 1 WHERE subject = '${email}' AND validated_at IS NOT NULL`);
  const second = await api('/orders', { method: 'POST', headers: acme, body: JSON.stringify(order('second')) });
  assert.equal(second.status, 201, second.text());
  assert.equal(second.json().state, 'awaiting_validation');
  // The holder's key is reported compromised while the order waits.
  const revoked = await api(`/certificates/${serial}/revocation`, { method: 'POST', headers: acme, body: JSON.stringify({ reason: 'key_compromise' }) });
  assert.equal(revoked.status, 200, revoked.text());
  const messages = (await api('/dev/mailbox')).json().messages.filter((message) => message.to === email);
  const newest = messages.map((message) => message.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)?.[1]).filter(Boolean).at(-1);
  assert.notEqual(newest, token);
  assert.equal((await api(`/validations/${newest}`, { method: 'POST', body: '{}' })).status, 200);
  const view = (await api(`/orders/${second.json().id}`, { headers: acme })).json();
  const [recipient] = view.recipients;
  assert.equal(recipient.certificate_serial, null);
  assert.equal(recipient.issuance_refusal?.code, 'key_compromised', JSON.stringify(view));
  assert.equal(recipient.issuance_refusal.step, 'key_reuse');
  assert.match(recipient.issuance_refusal.message, /compromised/);
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = '${email}'`);
  assert.equal(n, 1, 'only the first certificate exists');
});
