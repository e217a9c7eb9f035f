// Orders through the API against the Worker in workerd: an order for two recipients (one CSR now, one KeyGen
// link) that ends with both certificates, the pipeline, idempotent submission (a double submit is one order, a
// changed CSR under the same key is refused), every form problem at once, the balance that never overdraws under
// concurrency, cancellation, resending, history search, and tenancy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startWorker, http, createAccount, caAdministrator, login, openssl, opensslStatus, scratch, writeTemp } from './harness.mjs';

let worker;
let directory;
let acmeAccount;
let acme;
let globex;
let acmeOrganization;
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;

/** The address prevalidated organizations have: TLS server certificates state its city. */
const ADDRESS = { street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' };

/** A validated organization of an account, written with SQL; `address` null leaves the column's default ('{}'). */
async function validatedOrganization(accountId, id, name, address = ADDRESS) {
  const now = Math.floor(Date.now() / 1000);
  const json = address === null ? "'{}'" : `'${JSON.stringify(address)}'`;
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('${id}', '${name}', 'NTRGB-0000${name.length}', 'GB', ${json}, ${now - DAY}, ${now - DAY}, '${accountId}')`);
}

/**
 * An organization and a domain validated for an account, written with SQL: the validation endpoints have their
 * own suite (validation.test.mjs); here they are the precondition.
 */
async function prevalidated(accountId, name, domain) {
  const now = Math.floor(Date.now() / 1000);
  const id = `org-${name.toLowerCase()}`;
  await validatedOrganization(accountId, id, name);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-${name}', '${accountId}', 'domain', '${domain}', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-${name}', '${accountId}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  return id;
}

before(async () => {
  worker = await startWorker();
  directory = scratch('orders');
  const a = await createAccount(worker, { name: 'Acme', users: [{ email: 'ada@acme.example.com', password: PASSWORD }] });
  const g = await createAccount(worker, { name: 'Globex', users: [{ email: 'gus@globex.example.com', password: PASSWORD }] });
  acmeAccount = a.accountId;
  acmeOrganization = await prevalidated(a.accountId, 'Acme', 'acme.example.com');
  await prevalidated(g.accountId, 'Globex', 'globex.example.com');
  acme = await login(worker, 'ada@acme.example.com', PASSWORD);
  globex = await login(worker, 'gus@globex.example.com', PASSWORD);
});
after(async () => {
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
let keys = 0;
function csr(subject = '/CN=ignored') {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `key${keys}.pem`), '-subj', subject]);
}
let keyCounter = 0;
function orderBody(overrides = {}) {
  keyCounter += 1;
  return {
    profile: 'smime_organization_multipurpose',
    organization_id: acmeOrganization,
    signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 },
    auto_renewals: 0,
    recipients: [{ email: `r${keyCounter}@acme.example.com` }],
    notification_emails: [],
    payment: { kind: 'balance' },
    subscriber_agreement: '2026-12-01',
    idempotency_key: `test-order-key-${keyCounter}-${Date.now()}`,
    ...overrides,
  };
}
const place = (body, headers = acme) => api('/orders', { method: 'POST', headers, body: JSON.stringify(body) });
async function mailTo(address) {
  return (await api('/dev/mailbox')).json().messages.filter((message) => message.to === address);
}
async function counts() {
  const [[orders], [recipients], [ledger], [mail]] = await worker.queryAll(
    'SELECT COUNT(*) AS n FROM orders; SELECT COUNT(*) AS n FROM recipients; SELECT COUNT(*) AS n FROM ledger; SELECT COUNT(*) AS n FROM mail_outbox');
  return [orders.n, recipients.n, ledger.n, mail.n];
}

test("each recipient's emails are in the language the order gives them", async () => {
  const request = csr('/CN=language');
  const placed = await place(orderBody({
    recipients: [
      { email: 'lea@acme.example.com', lang: 'fr' },
      { email: 'luc@acme.example.com', lang: 'fr', csr: request },
      { email: 'lee@acme.example.com' },
    ],
  }));
  assert.equal(placed.status, 201, placed.text());
  const [invitation] = await mailTo('lea@acme.example.com');
  assert.match(invitation.subject, /a commandé un certificat pour vous/, 'the invitation in French');
  const [issued] = await mailTo('luc@acme.example.com');
  assert.match(issued.body, /^Bonjour /, `the "certificate issued" email in French: ${issued.body}`);
  const [english] = await mailTo('lee@acme.example.com');
  assert.match(english.subject, /ordered a certificate for you/, 'English without a language');
  const stored = await worker.query("SELECT email, lang FROM recipients WHERE email IN ('lea@acme.example.com', 'lee@acme.example.com') ORDER BY email");
  assert.deepEqual(stored.map((row) => [row.email, row.lang]), [['lea@acme.example.com', 'fr'], ['lee@acme.example.com', 'en']]);
});

test('an order for two recipients, one CSR now and one KeyGen link, ends with two certificates', async () => {
  const request = csr('/CN=whatever the CSR says is ignored');
  const body = orderBody({
    recipients: [
      { name: 'Grace Hopper', email: 'grace@acme.example.com', csr: request.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST') },
      { email: 'linus@mail.acme.example.com' },
    ],
    notification_emails: ['it@acme.example.com'],
  });
  const placed = await place(body);
  assert.equal(placed.status, 201, placed.text());
  const order = placed.json();
  assert.equal(order.state, 'awaiting_enrollment');
  assert.equal(order.price_cents, 2 * 2500);
  const [withCsr, keygen] = order.recipients;
  assert.match(withCsr.certificate_serial, /^[0-9a-f]{32}$/);
  assert.equal(keygen.certificate_serial, null);
  // The pipeline: validations done, the CSR recipient done, the KeyGen recipient waiting for the recipient.
  const recipientSteps = order.steps.filter((step) => step.subject.kind === 'recipient');
  assert.equal(recipientSteps[0].state.state, 'done');
  assert.deepEqual([recipientSteps[1].state.state, recipientSteps[1].state.who], ['waiting', 'recipient']);
  assert.ok(order.steps.some((step) => step.subject.kind === 'domain' && step.subject.domain === 'acme.example.com' && step.state.state === 'done'));
  // The CSR recipient got a "certificate issued" email (and the notification address a copy) with downloads.
  const [issuedMail] = await mailTo('grace@acme.example.com');
  assert.ok(issuedMail.body.includes(`/api/v1/certificates/${withCsr.certificate_serial}/pem`));
  // The order's name for the recipient: the page shows it and the email greets with it; without one, the address.
  assert.deepEqual(order.recipients.map((recipient) => recipient.common_name), ['Grace Hopper', 'linus@mail.acme.example.com']);
  assert.match(issuedMail.body, /^Hello Grace Hopper,\n/);
  assert.equal((await mailTo('it@acme.example.com')).length, 1);
  const pem = (await api(`/certificates/${withCsr.certificate_serial}/pem`)).text();
  const chain = (await api(`/certificates/${withCsr.certificate_serial}/chain.pem`)).text();
  const subject = openssl(['x509', '-noout', '-subject', '-ext', 'subjectAltName'], pem);
  assert.match(subject, /O\s*=\s*Acme/);
  assert.ok(!subject.includes('whatever the CSR says'), subject);
  assert.match(subject, /email:grace@acme\.example\.com/);
  const verified = opensslStatus(['verify', '-partial_chain', '-CAfile', writeTemp(directory, 'chain.pem', chain), writeTemp(directory, 'grace.pem', pem)]);
  assert.ok(verified.ok, verified.output);
  // The KeyGen recipient enrolls through the emailed link (with a CSR here; the browser journey is elsewhere).
  const [invitation] = await mailTo('linus@mail.acme.example.com');
  const token = invitation.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  const enrolled = await api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) });
  assert.equal(enrolled.status, 201, enrolled.text());
  const done = (await api(`/orders/${order.id}`, { headers: acme })).json();
  assert.equal(done.state, 'completed');
  assert.ok(done.recipients.every((recipient) => recipient.certificate_serial));
  const audit = await worker.query(`SELECT action FROM audit_log WHERE subject_id = '${order.id}' ORDER BY id`);
  assert.deepEqual(audit.map((row) => row.action), ['order_placed', 'order_validated', 'recipient_enrolled', 'order_completed']);
});

test('a double submission makes one order; a changed CSR under the same key is refused and writes nothing', async () => {
  const body = orderBody({ recipients: [{ email: 'double@acme.example.com', csr: csr() }] });
  const [first, second] = await Promise.all([place(body), place(body)]);
  assert.deepEqual([first.status, second.status].sort(), [200, 201]);
  assert.equal(first.json().id, second.json().id);
  const again = await place(body);
  assert.equal(again.status, 200);
  assert.equal(again.json().id, first.json().id);
  const rows = await worker.query(`SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = '${body.idempotency_key}'`);
  assert.equal(rows[0].n, 1);
  const before = await counts();
  const changed = await place({ ...body, recipients: [{ email: 'double@acme.example.com', csr: csr() }] });
  assert.equal(changed.status, 409);
  assert.deepEqual([changed.json().error.code, changed.json().error.field], ['idempotency_key_reused', 'idempotency_key']);
  assert.deepEqual(await counts(), before);
  const stored = await worker.query(`SELECT r.csr FROM recipients r JOIN orders o ON o.id = r.order_id WHERE o.idempotency_key = '${body.idempotency_key}'`);
  assert.equal(stored[0].csr, body.recipients[0].csr);
  // Nothing in the API changes an order's CSR, and the database refuses it too.
  assert.equal((await api(`/orders/${first.json().id}`, { method: 'PUT', headers: acme, body: '{}' })).status, 405);
  await assert.rejects(worker.query(`UPDATE recipients SET csr = 'x' WHERE order_id = '${first.json().id}'`),
    (error) => /csr_immutable/.test(`${error.message}${error.stdout}${error.stderr}`));
});

test('a form with many problems gets every one, each naming its field, and writes nothing', async () => {
  const before = await counts();
  const response = await place(orderBody({
    signature_hash: 'sha512',
    validity: { kind: 'days', days: 5000 },
    recipients: [{ email: 'eve@elsewhere.example.com' }, { email: 'bad address' }, { email: 'x@acme.example.com', csr: 'not a csr' }],
    notification_emails: ['nope'],
    subscriber_agreement: '2020-01-01',
    idempotency_key: 'short',
  }));
  assert.equal(response.status, 422, response.text());
  const { error, errors } = response.json();
  const fields = errors.map((problem) => problem.field);
  for (const field of ['signature_hash', 'validity.days', 'recipients[0].email', 'recipients[1].email', 'recipients[2].csr', 'notification_emails[0]', 'subscriber_agreement', 'idempotency_key']) {
    assert.ok(fields.includes(field), `${field} in ${fields.join(', ')}`);
  }
  assert.deepEqual(error, errors[0]);
  for (const problem of errors) assert.ok(problem.code && problem.message, JSON.stringify(problem));
  assert.ok(errors.find((problem) => problem.field === 'recipients[0].email').message.includes('elsewhere.example.com'));
  assert.deepEqual(await counts(), before);
});

test('the balance never goes below zero, even when two orders are placed at once', async () => {
  const g = await createAccount(worker, { name: 'Tight', users: [{ email: 'tom@tight.example.com', password: PASSWORD }] });
  const organization = await prevalidated(g.accountId, 'Tight', 'tight.example.com');
  await worker.query(`UPDATE ledger SET amount = 3000 WHERE id = 'dep-Tight'`);
  const tom = await login(worker, 'tom@tight.example.com', PASSWORD);
  const order = (email) => orderBody({ organization_id: organization, profile: 'smime_organization_strict', recipients: [{ email }] });
  const results = await Promise.all([place(order('a@tight.example.com'), tom), place(order('b@tight.example.com'), tom)]);
  assert.deepEqual(results.map((result) => result.status).sort(), [201, 422]);
  const refused = results.find((result) => result.status === 422).json().error;
  assert.equal(refused.field, 'payment');
  const [balance] = await worker.query(`SELECT SUM(amount) AS total FROM ledger WHERE account_id = '${g.accountId}'`);
  assert.equal(balance.total, 500);
  // A contract pays instead, once a CA administrator has set one on the account (contracts.test.mjs has the rest).
  const now = Math.floor(Date.now() / 1000);
  const terms = await api(`/admin/accounts/${g.accountId}/contracts`, { method: 'POST', headers: await caAdministrator(worker),
    body: JSON.stringify({ reference: 'PO-7', credit_limit_cents: 100000, starts_at: now - DAY, ends_at: now + DAY }) });
  assert.equal(terms.status, 201, terms.text());
  const contract = await place({ ...order('c@tight.example.com'), payment: { kind: 'contract', reference: 'PO-7' } }, tom);
  assert.equal(contract.status, 201, contract.text());
});

test('cancelling stops the open links; a completed or cancelled order cannot be cancelled', async () => {
  const placed = (await place(orderBody({ recipients: [{ email: 'cancel.me@acme.example.com' }] }))).json();
  const [invitation] = await mailTo('cancel.me@acme.example.com');
  const token = invitation.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  const cancelled = await api(`/orders/${placed.id}/cancel`, { method: 'POST', headers: acme });
  assert.equal(cancelled.status, 200, cancelled.text());
  assert.equal(cancelled.json().state, 'cancelled');
  const refused = await api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) });
  assert.equal(refused.status, 410);
  const twice = await api(`/orders/${placed.id}/cancel`, { method: 'POST', headers: acme });
  assert.equal(twice.status, 409);
});

test('resending makes a fresh link and the old one reads as replaced', async () => {
  const placed = (await place(orderBody({ recipients: [{ email: 'resend@acme.example.com' }] }))).json();
  const first = (await mailTo('resend@acme.example.com'))[0].body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  assert.equal((await api(`/orders/${placed.id}/recipients/0/resend`, { method: 'POST', headers: acme })).status, 204);
  const messages = await mailTo('resend@acme.example.com');
  assert.equal(messages.length, 2);
  const second = messages[0].body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  assert.notEqual(first, second);
  assert.equal((await api(`/enrollments/${first}`)).json().error.code, 'link_unknown');
  assert.equal((await api(`/enrollments/${second}`)).json().status.state, 'open');
  assert.equal((await api(`/orders/${placed.id}/recipients/7/resend`, { method: 'POST', headers: acme })).status, 404);
});

test('a resend racing an enrollment: never two certificates for one recipient, never a 5xx', async () => {
  // Twenty rounds: each places a one-recipient order, then sends its enrollment and a resend at the same instant.
  // Either the enrollment wins (the resend is refused: recipient_already_issued, by the read or by the database)
  // or the resend wins (the enrollment's link was replaced: refused as unknown, and the new link enrolls once).
  for (let round = 0; round < 20; round += 1) {
    const email = `race.resend${round}@acme.example.com`;
    const placed = (await place(orderBody({ recipients: [{ email }] }))).json();
    const token = (await mailTo(email))[0].body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
    const [enrolled, resent] = await Promise.all([
      api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) }),
      api(`/orders/${placed.id}/recipients/0/resend`, { method: 'POST', headers: acme }),
    ]);
    assert.ok(enrolled.status < 500 && resent.status < 500, `round ${round}: ${enrolled.status} ${enrolled.text()} / ${resent.status} ${resent.text()}`);
    if (enrolled.status === 201) {
      assert.equal(resent.status, 409, `round ${round}: ${resent.text()}`);
      assert.equal(resent.json().error.code, 'recipient_already_issued');
    } else {
      assert.equal(resent.status, 204, `round ${round}: ${resent.text()}`);
      assert.ok([404, 409].includes(enrolled.status), `round ${round}: ${enrolled.status} ${enrolled.text()}`);
      const newest = (await mailTo(email))[0].body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
      assert.equal((await api(`/enrollments/${newest}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) })).status, 201);
    }
    const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = '${email}'`);
    assert.equal(n, 1, `round ${round}: one certificate`);
    const [{ open }] = await worker.query(`SELECT COUNT(*) AS open FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id WHERE r.email = '${email}' AND l.spent_at IS NULL`);
    assert.equal(open, 0, `round ${round}: no open link left beside the certificate`);
  }
});

test('history: newest first, searched by number, address and domain, filtered by status, paginated', async () => {
  const a = (await place(orderBody({ recipients: [{ email: 'search.one@acme.example.com' }] }))).json();
  const b = (await place(orderBody({ recipients: [{ email: 'search.two@sub.acme.example.com' }] }))).json();
  const all = (await api('/orders', { headers: acme })).json();
  assert.deepEqual(all.orders.slice(0, 2).map((order) => order.id), [b.id, a.id]);
  const byNumber = (await api(`/orders?query=${a.id.slice(0, 10)}`, { headers: acme })).json();
  assert.deepEqual(byNumber.orders.map((order) => order.id), [a.id]);
  const byEmail = (await api('/orders?query=SEARCH.ONE@acme.example.com', { headers: acme })).json();
  assert.deepEqual(byEmail.orders.map((order) => order.id), [a.id]);
  const byDomain = (await api('/orders?query=sub.acme.example.com', { headers: acme })).json();
  assert.deepEqual(byDomain.orders.map((order) => order.id), [b.id]);
  const wildcard = (await api(`/orders?query=${encodeURIComponent('%')}`, { headers: acme })).json();
  assert.deepEqual(wildcard.orders, []);
  const cancelled = (await api('/orders?status=cancelled', { headers: acme })).json();
  assert.ok(cancelled.orders.length >= 1 && cancelled.orders.every((order) => order.state === 'cancelled'));
  assert.equal((await api('/orders?page=0', { headers: acme })).json().error.field, 'page');
  assert.equal((await api('/orders?status=lost', { headers: acme })).json().error.field, 'status');
  for (let index = 0; index < 20; index += 1) assert.equal((await place(orderBody())).status, 201);
  const first = (await api('/orders', { headers: acme })).json();
  const second = (await api('/orders?page=2', { headers: acme })).json();
  assert.equal(first.orders.length, 20);
  assert.equal(first.has_more, true);
  assert.ok(second.orders.length > 0);
  assert.ok(!second.orders.some((order) => first.orders.some((seen) => seen.id === order.id)));
});

test('another account can neither read nor act on an order, nor order for its organization', async () => {
  const placed = (await place(orderBody({ recipients: [{ email: 'private@acme.example.com' }] }))).json();
  for (const [method, path] of [['GET', `/orders/${placed.id}`], ['POST', `/orders/${placed.id}/cancel`], ['POST', `/orders/${placed.id}/recipients/0/resend`]]) {
    const response = await api(path, { method, headers: globex });
    assert.equal(response.status, 404, `${method} ${path}`);
  }
  assert.ok(!(await api(`/orders?query=${placed.id}`, { headers: globex })).text().includes(placed.id));
  const foreign = await place(orderBody({ recipients: [{ email: 'x@globex.example.com' }] }), globex);
  assert.equal(foreign.status, 404);
  assert.equal(foreign.json().error.field, 'organization_id');
  assert.equal((await api(`/orders/${placed.id}`, { headers: acme })).json().state, 'awaiting_enrollment');
  assert.equal((await api('/orders')).status, 401);
});

test('the ordering account revokes its certificates (session or API key); another account cannot; the CRL lists them', async () => {
  const placed = await place(orderBody({ recipients: [{ email: 'leaver@acme.example.com', csr: csr() }, { email: 'server@acme.example.com', csr: csr() }] }));
  assert.equal(placed.status, 201, placed.text());
  const [leaver, server] = placed.json().recipients.map((recipient) => recipient.certificate_serial);
  const revoke = (serial, headers, reason) => api(`/certificates/${serial}/revocation`, { method: 'POST', headers, body: JSON.stringify({ reason }) });
  const foreign = await revoke(leaver, globex, 'affiliation_changed');
  assert.deepEqual([foreign.status, foreign.json().error.code, foreign.json().error.field], [404, 'certificate_unknown', 'serial']);
  const caOnly = await revoke(leaver, acme, 'privilege_withdrawn');
  assert.deepEqual([caOnly.status, caOnly.json().error.code, caOnly.json().error.field], [422, 'reason_not_allowed', 'reason']);
  const anonymous = await revoke(leaver, { 'content-type': 'application/json' }, 'affiliation_changed');
  assert.deepEqual([anonymous.status, anonymous.json().error.code, anonymous.json().error.field], [401, 'proof_missing', 'proof']);
  assert.equal((await api(`/certificates/${leaver}/status`)).json().revoked_at, null, 'the refusals changed nothing');

  const byAdmin = await revoke(leaver, acme, 'affiliation_changed');
  assert.equal(byAdmin.status, 200, byAdmin.text());
  assert.equal(byAdmin.json().revocation_reason, 'affiliation_changed');
  // A script revokes with the account's API key (which acts as an organization user).
  const key = (await api('/api-keys', { method: 'POST', headers: acme, body: JSON.stringify({ name: 'revoker' }) })).json();
  const byKey = await revoke(server, { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' }, 'key_compromise');
  assert.equal(byKey.status, 200, byKey.text());
  const audit = await worker.query(`SELECT subject_id, actor FROM audit_log WHERE action = 'certificate.revoked' AND subject_id IN ('${leaver}', '${server}') ORDER BY id`);
  assert.deepEqual(audit.map((row) => row.subject_id), [leaver, server]);
  assert.match(audit[0].actor, /^user:/);
  assert.equal(audit[1].actor, `api_key:${key.id}`);

  const crl = openssl(['crl', '-inform', 'DER', '-noout', '-text'], (await http(`${worker.url}/crl/issuing.crl`)).body);
  assert.match(crl, new RegExp(`Serial Number: ${leaver.toUpperCase()}(?:(?!Serial Number)[\\s\\S])*Affiliation Changed`));
  assert.match(crl, new RegExp(`Serial Number: ${server.toUpperCase()}(?:(?!Serial Number)[\\s\\S])*Key Compromise`));
});

test('the ledger: the balance is the sum of the entries, a charge names its order, newest first; each account sees its own', async () => {
  const before = (await api('/ledger', { headers: acme })).json();
  const placed = await place(orderBody());
  assert.equal(placed.status, 201, placed.text());
  const order = placed.json();
  const after = (await api('/ledger', { headers: acme })).json();
  assert.equal(after.balance_cents, before.balance_cents - order.price_cents);
  assert.deepEqual(after.entries[0], { at: after.entries[0].at, amount_cents: -order.price_cents, kind: 'charge', reference: order.id });
  const [{ sum }] = await worker.query(`SELECT SUM(amount) AS sum FROM ledger WHERE account_id = (SELECT account_id FROM orders WHERE id = '${order.id}')`);
  assert.equal(after.balance_cents, sum);
  const times = after.entries.map((entry) => entry.at);
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  const theirs = (await api('/ledger', { headers: globex })).json();
  assert.ok(!JSON.stringify(theirs).includes(order.id), "another account's ledger does not list the order");
  assert.ok(theirs.entries.some((entry) => entry.kind === 'deposit' && entry.reference === 'wire 1'));
  assert.equal((await api('/ledger')).status, 401);
});

test('reminders: once per threshold passed (missed ones folded), to the recipient and the notified, the administrators from 7 days before, the day of and 7 days after; none for a revoked certificate', async () => {
  const placed = await place(orderBody({
    recipients: [{ name: 'Rita Renew', email: 'rita@acme.example.com', csr: csr() }, { email: 'gone@acme.example.com', csr: csr() }],
    notification_emails: ['pki@acme.example.com'],
  }));
  assert.equal(placed.status, 201, placed.text());
  const [rita, gone] = placed.json().recipients.map((recipient) => recipient.certificate_serial);
  const scheduled = async () => assert.equal((await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status, 200);
  const reminders = async (address) => (await mailTo(address)).filter((mail) => /expires in|expired/.test(mail.subject));
  // The end moved to `days` from now (negative: past), the start a year before it: issued long ago.
  const endIn = async (serial, days) => {
    const end = Math.floor(Date.now() / 1000) + days * DAY - 60;
    await worker.query(`UPDATE certificates SET not_after = ${end}, not_before = ${end - 365 * DAY}, version = version + 1 WHERE serial = '${serial}'`);
  };
  // A year left: nothing.
  await scheduled();
  assert.equal((await reminders('rita@acme.example.com')).length, 0);

  await endIn(rita, 20);
  await endIn(gone, 20);
  assert.equal((await api(`/certificates/${gone}/revocation`, { method: 'POST', headers: acme, body: JSON.stringify({ reason: 'cessation_of_operation' }) })).status, 200);
  await scheduled();
  await scheduled();
  const [first] = await reminders('rita@acme.example.com');
  assert.equal((await reminders('rita@acme.example.com')).length, 1, 'once, however often the handler runs');
  assert.match(first.subject, /^The certificate for rita@acme\.example\.com expires in 20 days$/);
  assert.match(first.body, /^Hello Rita Renew,/);
  assert.ok(first.body.includes(`Serial number: ${rita}`));
  assert.ok(first.body.includes('ask Acme to order a new certificate'), first.body);
  assert.ok(first.body.includes('Used for: signing and encrypting email as rita@acme.example.com'), first.body);
  assert.equal((await reminders('pki@acme.example.com')).length, 1, 'the notification address too');
  assert.equal((await reminders('gone@acme.example.com')).length, 0, 'a revoked certificate is not announced');
  assert.equal((await reminders('ada@acme.example.com')).length, 0, 'the administrators only from 7 days before');

  await endIn(rita, 5);
  await scheduled();
  await scheduled();
  const subjects = (await reminders('rita@acme.example.com')).map((mail) => mail.subject).sort();
  assert.deepEqual(subjects, ['The certificate for rita@acme.example.com expires in 20 days', 'The certificate for rita@acme.example.com expires in 5 days']);
  assert.equal((await reminders('ada@acme.example.com')).length, 1, "the account's administrator, from 7 days before");

  // The end passed a day ago, then 8 days ago.
  await endIn(rita, -1);
  await scheduled();
  await endIn(rita, -8);
  await scheduled();
  await scheduled();
  const after = (await reminders('rita@acme.example.com')).map((mail) => mail.subject).filter((subject) => /expired/.test(subject));
  assert.deepEqual(after.sort(), ['The certificate for rita@acme.example.com expired 7 days ago', 'The certificate for rita@acme.example.com has expired']);
  const audit = await worker.query(`SELECT detail FROM audit_log WHERE action = 'certificate.expiry_reminded' AND subject_id = '${rita}' ORDER BY id`);
  assert.deepEqual(audit.map((row) => [JSON.parse(row.detail).reminder, JSON.parse(row.detail).threshold]),
    [[3, '30_days_before'], [5, '7_days_before'], [8, 'day_of'], [9, '7_days_after']]);
});

test('bad input on every field of the order form gets a named error and writes nothing', async () => {
  const before = await counts();
  const long = (length) => 'x'.repeat(length);
  const cases = [
    // [overrides, field, code]
    [{ organization_id: '' }, 'organization_id', 'not_found'],
    [{ organization_id: "' OR 1=1 --" }, 'organization_id', 'not_found'],
    [{ signature_hash: 'sha384' }, 'signature_hash', 'signature_hash_not_offered'],
    [{ validity: { kind: 'years', years: 4 } }, 'validity.years', 'validity_years_invalid'],
    [{ validity: { kind: 'end_date', date: '2020-01-01' } }, 'validity.date', 'validity_date_not_future'],
    [{ validity: { kind: 'end_date', date: '31/12/2027' } }, 'validity.date', 'validity_date_malformed'],
    [{ validity: { kind: 'days', days: 0 } }, 'validity.days', 'validity_days_zero'],
    [{ validity: { kind: 'days', days: 826 } }, 'validity.days', 'validity_over_cap'],
    [{ auto_renewals: 6 }, 'auto_renewals', 'auto_renewals_too_many'],
    [{ recipients: [] }, 'recipients', 'recipients_empty'],
    [{ recipients: Array.from({ length: 51 }, (_, index) => ({ email: `n${index}@acme.example.com` })) }, 'recipients', 'recipients_too_many'],
    [{ recipients: [{ email: '' }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: `${long(65)}@acme.example.com` }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: 'ada＠acme.example.com' }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: 'аda@acme.example.com' }] }, 'recipients[0].email', null], // Cyrillic а
    [{ recipients: [{ email: 'ada\u200b@acme.example.com' }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: 'ada@acme.example.com\u202e' }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: '"ada"@acme.example.com' }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: "ada'--@evil.example" }] }, 'recipients[0].email', null],
    [{ recipients: [{ email: 'ada@acme.example.com', name: long(201) }] }, 'recipients[0].name', 'name_too_long'],
    [{ recipients: [{ email: 'ada@acme.example.com', lang: 'de' }] }, 'recipients[0].lang', 'lang_unknown'],
    [{ recipients: [{ email: 'ada@acme.example.com' }, { email: 'ADA@acme.example.com' }] }, 'recipients[1].email', 'recipient_repeated'],
    [{ recipients: [{ email: 'ada@acme.example.com', csr: '<script>alert(1)</script>' }] }, 'recipients[0].csr', null],
    [{ recipients: [{ email: 'ada@acme.example.com', dns_names: ['host.acme.example.com'] }] }, 'recipients[0].dns_names', null],
    [{ notification_emails: ['not an address'] }, 'notification_emails[0]', null],
    [{ notification_emails: ['it@acme.example.com', 'IT@acme.example.com'] }, 'notification_emails[1]', 'notification_email_repeated'],
    [{ notification_emails: Array.from({ length: 11 }, (_, index) => `n${index}@acme.example.com`) }, 'notification_emails', 'notification_emails_too_many'],
    [{ payment: { kind: 'contract', reference: '   ' } }, 'payment.reference', 'contract_reference_blank'],
    [{ payment: { kind: 'contract', reference: long(101) } }, 'payment.reference', 'contract_reference_too_long'],
    [{ subscriber_agreement: '' }, 'subscriber_agreement', 'subscriber_agreement_not_accepted'],
    [{ idempotency_key: 'has spaces in it!!' }, 'idempotency_key', 'idempotency_key_invalid'],
    [{ idempotency_key: long(65) }, 'idempotency_key', 'idempotency_key_invalid'],
  ];
  for (const [overrides, field, code] of cases) {
    const response = await place(orderBody(overrides));
    const label = `${JSON.stringify(overrides).slice(0, 80)} -> ${response.status} ${response.text().slice(0, 300)}`;
    assert.ok(response.status === 422 || response.status === 404, label);
    const errors = response.json().errors ?? [response.json().error];
    const problem = errors.find((error) => error.field === field);
    assert.ok(problem, `${label}: no error for ${field}`);
    if (code) assert.equal(problem.code, code, label);
    assert.ok(problem.message.length > 10, label);
  }
  const wrongType = await place({ ...orderBody(), validity: 'forever' });
  assert.deepEqual([wrongType.status, wrongType.json().error.field], [400, 'body']);
  assert.deepEqual(await counts(), before);
});

test('an address at a public mail provider: the order waits for its mailbox link, then sends the enrollment link', async () => {
  const placed = await place(orderBody({ recipients: [{ email: 'someone.private@gmail.com' }] }));
  assert.equal(placed.status, 201, placed.text());
  const order = placed.json();
  assert.equal(order.state, 'awaiting_validation');
  const mailbox = order.steps.find((step) => step.subject.kind === 'mailbox');
  assert.deepEqual([mailbox.subject.email, mailbox.state.state, mailbox.state.who], ['someone.private@gmail.com', 'waiting', 'recipient']);
  const recipientStep = order.steps.find((step) => step.subject.kind === 'recipient');
  assert.deepEqual(recipientStep.state.blocked_by, [{ kind: 'mailbox', email: 'someone.private@gmail.com' }]);
  const [validation] = await mailTo('someone.private@gmail.com');
  const url = validation.body.match(/http:\/\/\S+\/validate\/([A-Za-z0-9_-]{43})/);
  assert.ok(url, validation.body);
  assert.equal((await api(`/validations/${url[1]}`, { method: 'POST' })).status, 200);
  const advanced = (await api(`/orders/${order.id}`, { headers: acme })).json();
  assert.equal(advanced.state, 'awaiting_enrollment');
  const messages = await mailTo('someone.private@gmail.com');
  assert.equal(messages.length, 2);
  assert.match(messages[0].body, /\/enroll\/[A-Za-z0-9_-]{43}/);
});

test('a TLS server certificate states where the organization is; an organization whose address has no city nor state is refused at organization_id', async () => {
  const server = (organizationId, recipients) => orderBody({
    profile: 'server_auth', organization_id: organizationId, validity: { kind: 'days', days: 90 }, recipients,
  });
  // One certificate from the CSR given with the order, one through the emailed link: both state L=London.
  const placed = await place(server(acmeOrganization, [
    { email: 'ops@acme.example.com', dns_names: ['www.acme.example.com'], csr: csr() },
    { email: 'web@acme.example.com', dns_names: ['api.acme.example.com'] },
  ]));
  assert.equal(placed.status, 201, placed.text());
  const [invitation] = await mailTo('web@acme.example.com');
  const token = invitation.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1];
  const enrolled = await api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) });
  assert.equal(enrolled.status, 201, enrolled.text());
  const serials = [placed.json().recipients[0].certificate_serial, enrolled.json().serial];
  for (const [serial, host] of [[serials[0], 'www.acme.example.com'], [serials[1], 'api.acme.example.com']]) {
    const pem = (await api(`/certificates/${serial}/pem`)).text();
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).trim();
    assert.equal(subject, `subject=CN=${host},O=Acme,L=London,C=GB`);
  }

  // An organization whose address records neither (a row from before addresses were asked for).
  await validatedOrganization(acmeAccount, 'org-placeless', 'Placeless', null);
  const before = await counts();
  const refused = await place(server('org-placeless', [{ email: 'ops@acme.example.com', dns_names: ['www.acme.example.com'], csr: csr() }]));
  assert.equal(refused.status, 422, refused.text());
  const errors = refused.json().errors;
  assert.deepEqual(errors.map((error) => [error.field, error.code]), [['organization_id', 'organization_place_missing']]);
  assert.match(errors[0].message, /address\.city/);
  assert.match(errors[0].message, /address\.region/);
  assert.match(errors[0].message, /cannot be edited/);
  assert.deepEqual(await counts(), before, 'the refused order wrote nothing');
  // The other profiles state no place: the same organization orders S/MIME.
  const smime = await place(orderBody({ organization_id: 'org-placeless' }));
  assert.equal(smime.status, 201, smime.text());
});
