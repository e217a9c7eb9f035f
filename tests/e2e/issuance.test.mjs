// The one issuance pipeline, against the real Worker: every path re-checks at the moment of issuance what an
// order placed earlier relied on (the key's holder and compromise, the organization's and the mailbox's
// validations), the database refuses a key to a second holder however the requests race, and a keyCompromise
// revocation reaches every certificate of the key (CRL and OCSP, read by OpenSSL). Nothing here is mocked: the
// state is changed with SQL only to make time pass (a validation that lapsed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
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
  const account = await createAccount(worker, { name: 'Acme', users: [{ email: 'ada@acme.example.com', password: PASSWORD }] });
  acmeOrganization = 'org-acme';
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, validated_at, created_at, account_id)
    VALUES ('${acmeOrganization}', 'Acme', 'NTRGB-00001234', 'GB', ${now() - DAY}, ${now() - DAY}, '${account.accountId}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-acme', '${account.accountId}', 'domain', 'acme.example.com', 'dns_txt', ${now() - DAY}, ${now()}, ${now() - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-acme', '${account.accountId}', ${now() - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  acme = await login(worker, 'ada@acme.example.com', PASSWORD);
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
  const tokens = messages.map((message) => message.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)?.[1]).filter(Boolean);
  const newest = tokens.find((each) => each !== token);
  assert.ok(newest, 'the second order sent a new mailbox link');
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

test('one order that cannot be moved on does not stop the others: it is audited and stays for the next run', async () => {
  // Two CSR orders, each waiting for its own mailbox's validation; the first one's stored recipient is broken.
  const place = async (email, label) => {
    const answer = await api('/orders', { method: 'POST', headers: acme, body: JSON.stringify({
      profile: 'smime_organization_multipurpose', organization_id: acmeOrganization, signature_hash: 'sha256',
      validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email, csr: newKey().csr }], notification_emails: [],
      payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `sweep-${label}-${Date.now()}`,
    }) });
    assert.equal(answer.status, 201, answer.text());
    assert.equal(answer.json().state, 'awaiting_validation');
    return answer.json().id;
  };
  const broken = await place('sweep.broken@gmail.com', 'broken');
  const sound = await place('sweep.sound@gmail.com', 'sound');
  await worker.query(`UPDATE recipients SET dns_names = 'not a JSON array' WHERE order_id = '${broken}'`);
  const validate = async (email) => {
    const message = (await api('/dev/mailbox')).json().messages.find((each) => each.to === email);
    const token = message.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
    assert.equal((await api(`/validations/${token}`, { method: 'POST', body: '{}' })).status, 200);
  };
  await validate('sweep.broken@gmail.com');
  await validate('sweep.sound@gmail.com');
  // The older, broken order comes first in the sweep: the sound one is issued all the same.
  const issued = (await api(`/orders/${sound}`, { headers: acme })).json();
  assert.match(issued.recipients[0].certificate_serial ?? '', /^[0-9a-f]{32}$/, JSON.stringify(issued));
  const failed = async () => (await worker.query(`SELECT detail FROM audit_log WHERE action = 'order.advance_failed' AND subject_id = '${broken}'`));
  const before = (await failed()).length;
  assert.ok(before >= 1, 'the broken order is audited');
  assert.equal(JSON.parse((await failed())[0].detail).code, 'internal');
  // The scheduled handler tries it again (and audits again), and still serves.
  const scheduled = await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(scheduled.status, 200);
  assert.ok((await failed()).length > before, 'the next run tried it again');
  const [{ state }] = await worker.query(`SELECT state FROM orders WHERE id = '${broken}'`);
  assert.equal(state, 'awaiting_validation', 'it stays where it was');
});

test('a request pasted with its private key is refused, and that key is never certified, on any path', async () => {
  const link = await seed(worker, 'Pat Pasted', 'pat.pasted@example.com');
  const { csr, keyPath } = newKey();
  const privateKey = readFileSync(keyPath, 'utf8');
  const pasted = await submit(link, `${csr}\n${privateKey}`);
  assert.equal(pasted.status, 422, pasted.text());
  assert.deepEqual([pasted.json().error.code, pasted.json().error.field], ['csr_private_key_included', 'csr']);
  assert.match(pasted.json().error.message, /now exposed/);
  assert.ok(!pasted.text().includes(privateKey.split('\n')[1]), 'the answer echoes nothing of the key');
  // The same request alone is refused: the key is recorded as compromised.
  const alone = await submit(link, csr);
  assert.equal(alone.status, 409, alone.text());
  assert.equal(alone.json().error.code, 'key_compromised');
  assert.equal((await linkStatus(link)).state, 'open', 'the link stays open for a new key');
  // Nothing of the private block is stored: only the public key's hash is, in key_holders and the audit record.
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'key.exposed_in_request' AND detail NOT LIKE '%PRIVATE%'`);
  assert.equal(n, 1);
  const [{ compromised }] = await worker.query('SELECT COUNT(*) AS compromised FROM key_holders WHERE compromised_at IS NOT NULL AND holder = \'\'');
  assert.ok(compromised >= 1);
  // An order bringing the same pasted text is refused at its field, and a fresh key still enrolls the link.
  const ordered = await api('/orders', { method: 'POST', headers: acme, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: acmeOrganization, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email: 'pat@acme.example.com', csr: `${privateKey}${csr}` }],
    notification_emails: [], payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `pasted-${Date.now()}`,
  }) });
  assert.equal(ordered.status, 422, ordered.text());
  assert.ok(ordered.json().errors.some((error) => error.code === 'csr_private_key_included' && error.field === 'recipients[0].csr'), ordered.text());
  assert.equal((await submit(link, newKey().csr)).status, 201);
});

/** Seeds a mailbox-validated S/MIME link for `email` and submits a new key; resolves to { link, answer }. */
async function enrollAt(email, options = {}) {
  const link = await seed(worker, null, email, { profile: 'smime_mailbox_multipurpose', ...options });
  return { link, answer: await submit(link, newKey().csr) };
}

test('CAA: no record, or a record naming Keyward, allows issuance; the permit is in the audit record', async () => {
  const none = await enrollAt('caa@caa-none.example.com');
  assert.equal(none.answer.status, 201, none.answer.text());
  worker.resolver.publishCaa('caa-ours.example.com', ['0 issuemail "keyward.example"', '0 issue "otherca.example"']);
  const ours = await enrollAt('caa@caa-ours.example.com');
  assert.equal(ours.answer.status, 201, ours.answer.text());
  const [{ detail }] = await worker.query(`SELECT detail FROM audit_log WHERE action = 'certificate.issued' AND subject_id = '${ours.answer.json().serial}'`);
  const [permit] = JSON.parse(detail).caa;
  assert.deepEqual([permit.domain, permit.property, permit.basis, permit.owner], ['caa-ours.example.com', 'issuemail', 'authorized', 'caa-ours.example.com']);
  assert.ok(worker.resolver.questions.some((question) => question.name === 'caa-ours.example.com' && question.type === 'CAA'));
});

test('CAA: a record naming another CA, issuemail ";" and a record on the parent domain refuse, named, and change nothing', async () => {
  worker.resolver.publishCaa('caa-theirs.example.com', ['0 issuemail "otherca.example"']);
  worker.resolver.publishCaa('caa-nobody.example.com', ['0 issuemail ";"']);
  worker.resolver.publishCaa('caa-parent.example.com', ['0 issuemail "otherca.example"']);
  for (const [email, owner] of [
    ['caa@caa-theirs.example.com', 'caa-theirs.example.com'],
    ['caa@caa-nobody.example.com', 'caa-nobody.example.com'],
    ['caa@mail.caa-parent.example.com', 'caa-parent.example.com'],
  ]) {
    const { link, answer } = await enrollAt(email);
    assert.equal(answer.status, 409, `${email}: ${answer.text()}`);
    const { error } = answer.json();
    assert.deepEqual([error.code, error.field], ['caa_forbids', 'recipient_email'], email);
    assert.ok(error.message.includes(owner), `${email}: the refusal names where the record is: ${error.message}`);
    assert.match(error.message, /issuemail/, 'the refusal names the record');
    assert.equal((await linkStatus(link)).state, 'open', `${email}: the link stays open`);
    const refusals = await worker.query(`SELECT detail FROM audit_log WHERE action = 'certificate.refused' AND detail LIKE '%${owner}%'`);
    assert.ok(refusals.length >= 1, `${email}: the refusal is audited`);
    assert.equal(JSON.parse(refusals.at(-1).detail).step, 'caa');
  }
  const [{ n }] = await worker.query("SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email LIKE 'caa@%caa-%' AND r.email NOT LIKE '%caa-none%' AND r.email NOT LIKE '%caa-ours%'");
  assert.equal(n, 0);
});

test('CAA: an issue record governs host names: a workstation certificate for another CA\'s domain is refused', async () => {
  worker.resolver.publishCaa('caa-hosts.example.com', ['0 issue "otherca.example"', '0 issuemail "keyward.example"']);
  const link = await seed(worker, null, 'it@example.com', { profile: 'client_auth_workstation', dnsNames: ['ws-1.caa-hosts.example.com'] });
  const answer = await submit(link, newKey().csr);
  assert.equal(answer.status, 409, answer.text());
  assert.deepEqual([answer.json().error.code, answer.json().error.field], ['caa_forbids', 'dns_names']);
});

test('CAA: a lookup that fails (SERVFAIL) refuses with a retryable error, and the link works once DNS answers', async () => {
  worker.resolver.servfail('caa-broken.example.com');
  const { link, answer } = await enrollAt('caa@caa-broken.example.com');
  assert.equal(answer.status, 503, answer.text());
  assert.deepEqual([answer.json().error.code, answer.json().error.field], ['caa_lookup_failed', 'recipient_email']);
  assert.equal((await linkStatus(link)).state, 'open');
  worker.resolver.remove('caa-broken.example.com');
  assert.equal((await submit(link, newKey().csr)).status, 201);
});
