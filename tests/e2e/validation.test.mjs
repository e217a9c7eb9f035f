// Organizations, domains and mailboxes and their validation against the Worker in workerd, with a local
// DNS-over-HTTPS responder as the resolver: an organization's contact confirmed by an emailed code and validated by a CA
// administrator's vetting; a domain by a constructed-address link (which reading never spends) and by a DNS
// TXT record; a mailbox at a public provider by a link to itself; tenancy (another account's identifiers answer
// 404); and bad input on every field, which gets a named error and writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, http, createAccount, login } from './harness.mjs';
import { startDohResponder } from './doh-responder.mjs';

let worker;
let resolver;
let alice; // org_admin of account A
let bob; // org_admin of account B
let carol; // ca_admin
const PASSWORD = 'correct horse battery staple';

before(async () => {
  resolver = await startDohResponder();
  worker = await startWorker({ vars: { KEYWARD_DOH_URL: resolver.url } });
  await createAccount(worker, { name: 'Acme', users: [{ email: 'alice@acme.example', role: 'org_admin', password: PASSWORD }] });
  await createAccount(worker, { name: 'Globex', users: [{ email: 'bob@globex.example', role: 'org_admin', password: PASSWORD }] });
  await createAccount(worker, { name: 'Keyward CA', users: [{ email: 'carol@keyward.example', role: 'ca_admin', password: PASSWORD }] });
  alice = await login(worker, 'alice@acme.example', PASSWORD);
  bob = await login(worker, 'bob@globex.example', PASSWORD);
  carol = await login(worker, 'carol@keyward.example', PASSWORD);
});
after(async () => {
  await worker?.stop();
  await resolver?.stop();
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const post = (path, headers, body) => api(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
async function mailTo(address) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages.filter((message) => message.to === address);
}
async function counts() {
  const [rows] = await worker.queryAll(
    'SELECT (SELECT COUNT(*) FROM organizations) AS organizations, (SELECT COUNT(*) FROM validations) AS validations, '
    + '(SELECT COUNT(*) FROM mail_outbox) AS outbox, (SELECT COUNT(*) FROM audit_log) AS audit');
  return rows[0];
}
const DAY = 86_400;

function organization(overrides = {}) {
  return {
    name: 'Acme Widgets Ltd',
    registration_identifier: 'NTRGB-12345678',
    country: 'GB',
    address: { street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' },
    phone: '+44 20 7946 0000',
    contacts: [{ name: 'Dora Contact', email: 'dora@acme.example', phone: '+44 20 7946 0001' }],
    ...overrides,
  };
}

let organizationId;

test('an organization admin creates an organization; the emailed code confirms the contact and validates nothing', async () => {
  const created = await post('/organizations', alice, organization());
  assert.equal(created.status, 201, created.text());
  const view = created.json();
  organizationId = view.id;
  assert.equal(view.validation, 'not_started');
  assert.equal(view.phone, '+442079460000');
  const listed = (await api('/organizations', { headers: alice })).json().organizations;
  assert.deepEqual(listed.map((entry) => entry.id), [organizationId]);
  // The city and the state or province (the localityName and stateOrProvinceName of TLS server certificates) are
  // the address's, stored trimmed, and shown as stored.
  const regional = await post('/organizations', alice, organization({
    name: 'Acme North Ltd', registration_identifier: 'NTRGB-87654321',
    address: { street: '2 Deansgate', city: '  Manchester ', postal_code: 'M3 1AA', region: ' Greater Manchester ' },
  }));
  assert.equal(regional.status, 201, regional.text());
  assert.deepEqual(regional.json().address,
    { street: '2 Deansgate', city: 'Manchester', postal_code: 'M3 1AA', region: 'Greater Manchester' });
  assert.deepEqual((await api(`/organizations/${regional.json().id}`, { headers: alice })).json().address, regional.json().address);
  const [stored] = await worker.query(`SELECT json_extract(address, '$.city') AS city, json_extract(address, '$.region') AS region
    FROM organizations WHERE id = '${regional.json().id}'`);
  assert.deepEqual({ ...stored }, { city: 'Manchester', region: 'Greater Manchester' });
  assert.equal(view.address.region, '', 'no region where there is none');

  // A first code, then a resend: only the newest works.
  const first = await post(`/organizations/${organizationId}/verification-code`, alice);
  assert.equal(first.status, 200, first.text());
  assert.equal(first.json().sent_to, 'dora@acme.example');
  const second = await post(`/organizations/${organizationId}/verification-code`, alice);
  assert.equal(second.status, 200, second.text());
  const mails = await mailTo('dora@acme.example');
  assert.equal(mails.length, 2);
  const codeOf = (mail) => mail.body.match(/\n {4}(\d{8})\n/)[1];
  const [newest, oldest] = mails.map(codeOf);
  assert.notEqual(newest, oldest);
  assert.ok(!JSON.stringify(await worker.query('SELECT * FROM validations')).includes(newest), 'the code is stored hashed');

  const pending = (await api(`/organizations/${organizationId}`, { headers: alice })).json();
  assert.equal(pending.validation, 'pending');
  assert.ok(pending.code_expires_at > Date.now() / 1000);
  assert.equal(pending.code_attempts_left, 5);

  {
    const stale = await post(`/organizations/${organizationId}/verification-code/check`, alice, { code: oldest });
    assert.equal(stale.status, 422, stale.text());
    assert.deepEqual([stale.json().error.code, stale.json().error.field], ['verification_code_wrong', 'code']);
    assert.match(stale.json().error.message, /4 tries left/);
  }
  const malformed = await post(`/organizations/${organizationId}/verification-code/check`, alice, { code: '12ab' });
  assert.deepEqual([malformed.status, malformed.json().error.code], [422, 'verification_code_malformed']);

  const right = await post(`/organizations/${organizationId}/verification-code/check`, alice, { code: `${newest.slice(0, 4)} ${newest.slice(4)}` });
  assert.equal(right.status, 200, right.text());
  // The code is the contact's confirmation, recorded and shown; it validates nothing (only the CA's staff do).
  const confirmed = right.json();
  assert.notEqual(confirmed.validation, 'validated');
  assert.deepEqual([confirmed.validated_at, confirmed.validated_until], [null, null]);
  assert.equal(confirmed.contact_confirmed_by, 'dora@acme.example');
  assert.ok(confirmed.contact_confirmed_at > 0);
  assert.equal(confirmed.vetting.status, 'waiting');
  const [row] = await worker.query(`SELECT validated_at, validated_until FROM organizations WHERE id = '${organizationId}'`);
  assert.deepEqual([row.validated_at, row.validated_until], [null, null]);
  const audit = await worker.query(`SELECT action FROM audit_log WHERE subject_id = '${organizationId}' ORDER BY id`);
  assert.deepEqual(audit.map((entry) => entry.action).filter((action) => action !== 'organization.code_entered'),
    ['organization.created', 'organization.code_sent', 'organization.code_sent', 'organization.contact_confirmed']);
});

test('five wrong codes spend the code; a resend makes a fresh one', async () => {
  const created = (await post('/organizations', alice, organization({ name: 'Acme Second Ltd' }))).json();
  assert.equal((await post(`/organizations/${created.id}/verification-code`, alice)).status, 200);
  const code = (await mailTo('dora@acme.example'))[0].body.match(/\n {4}(\d{8})\n/)[1];
  const wrong = code === '00000000' ? '11111111' : '00000000';
  const answers = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const response = await post(`/organizations/${created.id}/verification-code/check`, alice, { code: wrong });
    answers.push([response.status, response.json().error.code]);
  }
  assert.deepEqual(answers, [...Array(4).fill([422, 'verification_code_wrong']), [409, 'verification_code_locked']]);
  const locked = await post(`/organizations/${created.id}/verification-code/check`, alice, { code });
  assert.deepEqual([locked.status, locked.json().error.code], [409, 'verification_code_locked']);
  assert.equal((await post(`/organizations/${created.id}/verification-code`, alice)).status, 200);
  const fresh = (await mailTo('dora@acme.example'))[0].body.match(/\n {4}(\d{8})\n/)[1];
  const right = await post(`/organizations/${created.id}/verification-code/check`, alice, { code: fresh });
  assert.equal(right.status, 200, right.text());
});

test('parallel guesses get five tries at a code, no more', async () => {
  const created = (await post('/organizations', alice, organization({ name: 'Acme Parallel Ltd' }))).json();
  assert.equal((await post(`/organizations/${created.id}/verification-code`, alice)).status, 200);
  const code = (await mailTo('dora@acme.example'))[0].body.match(/\n {4}(\d{8})\n/)[1];
  const guesses = Array.from({ length: 12 }, (_, index) => String((Number(code) + 1 + index) % 100_000_000).padStart(8, '0'));
  const answers = await Promise.all(guesses.map((guess) => post(`/organizations/${created.id}/verification-code/check`, alice, { code: guess })));
  assert.ok(answers.every((answer) => [409, 422].includes(answer.status)), answers.map((answer) => answer.status).join());
  const [row] = await worker.query(`SELECT attempts FROM validations WHERE subject = '${created.id}' AND superseded_at IS NULL`);
  assert.equal(row.attempts, 5);
  const [entered] = await worker.query(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'organization.code_entered' AND subject_id = '${created.id}'`);
  assert.equal(entered.n, 5);
  const right = await post(`/organizations/${created.id}/verification-code/check`, alice, { code });
  assert.deepEqual([right.status, right.json().error.code], [409, 'verification_code_locked']);
  const locked = (await api(`/organizations/${created.id}`, { headers: alice })).json();
  assert.deepEqual([locked.validation, locked.code_attempts_left], ['pending', 0]);
});

test('a CA administrator validates an organization by recording the vetting', async () => {
  const created = (await post('/organizations', alice, organization({ name: 'Acme Called Ltd' }))).json();
  const vetting = {
    decision: 'validated', source_name: 'Companies House',
    source_reference: 'https://find-and-update.company-information.service.gov.uk/company/12345678',
    registration_number: '12345678', call_phone: '+44 20 7946 0999', call_phone_source: 'Companies House filing',
    call_spoke_with: 'Dora Contact, company secretary', call_at: Math.floor(Date.now() / 1000),
  };
  const byOrgAdmin = await post(`/admin/organizations/${created.id}/vetting`, alice, vetting);
  assert.equal(byOrgAdmin.status, 403, byOrgAdmin.text());
  const incomplete = await post(`/admin/organizations/${created.id}/vetting`, carol, { ...vetting, call_spoke_with: ' ' });
  assert.deepEqual([incomplete.status, incomplete.json().error.field], [422, 'call_spoke_with']);
  const unknown = await post('/admin/organizations/0123456789abcdef0123456789abcdef/vetting', carol, vetting);
  assert.equal(unknown.status, 404);
  const recorded = await post(`/admin/organizations/${created.id}/vetting`, carol, vetting);
  assert.equal(recorded.status, 200, recorded.text());
  assert.equal(recorded.json().organization.validation, 'validated');
  assert.deepEqual(recorded.json().records.map((record) => [record.decision, record.recorded_by_name, record.call_spoke_with]),
    [['validated', 'carol@keyward.example', vetting.call_spoke_with]]);
  const view = (await api(`/organizations/${created.id}`, { headers: alice })).json();
  assert.equal(view.validation, 'validated');
  assert.equal(view.vetting.status, 'validated');
  assert.equal(view.validated_until - view.validated_at, 825 * DAY);
});

test('a domain by constructed email: GET and HEAD spend nothing, POST validates, a second POST says already used', async () => {
  const created = await post('/domains', alice, { name: 'Acme.Example', method: 'constructed_email', address: 'hostmaster' });
  assert.equal(created.status, 201, created.text());
  assert.deepEqual([created.json().id, created.json().sent_to, created.json().validation], ['acme.example', 'hostmaster@acme.example', 'pending']);
  const [mail] = await mailTo('hostmaster@acme.example');
  const url = mail.body.match(/(http\S+\/validate\/([A-Za-z0-9_-]{43}))\n/);
  assert.ok(url, mail.body);
  const token = url[2];
  for (let round = 0; round < 3; round += 1) {
    const shown = await api(`/validations/${token}`);
    assert.equal(shown.status, 200, shown.text());
    assert.deepEqual([shown.json().state, shown.json().subject, shown.json().kind], ['pending', 'acme.example', 'domain']);
    const head = await api(`/validations/${token}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  }
  assert.equal((await api('/domains/acme.example', { headers: alice })).json().validation, 'pending');
  const notDns = await post('/domains/acme.example/check', alice);
  assert.deepEqual([notDns.status, notDns.json().error.code, notDns.json().error.field], [422, 'validation_not_dns', 'method']);
  const confirmed = await post(`/validations/${token}`, {});
  assert.equal(confirmed.status, 200, confirmed.text());
  assert.equal(confirmed.json().state, 'used');
  const second = await post(`/validations/${token}`, {});
  assert.equal(second.status, 409);
  assert.equal(second.json().error.code, 'link_spent');
  assert.match(second.json().error.message, /already used on \d{4}-\d\d-\d\d \d\d:\d\d UTC.*Nothing more is needed/);
  const view = (await api('/domains/acme.example', { headers: alice })).json();
  assert.equal(view.validation, 'validated');
  assert.equal(view.validated_until - view.validated_at, 398 * DAY);
  const unknown = await api(`/validations/${'A'.repeat(43)}`);
  assert.equal(unknown.status, 404);
});

test('a resend or a change of method replaces the link, which then says so', async () => {
  const created = await post('/domains', alice, { name: 'widgets.example', method: 'constructed_email', address: 'admin@widgets.example' });
  assert.equal(created.status, 201, created.text());
  const [first] = await mailTo('admin@widgets.example');
  const firstToken = first.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  const resent = await post('/domains/widgets.example/resend', alice);
  assert.equal(resent.status, 200, resent.text());
  const replaced = await api(`/validations/${firstToken}`);
  assert.equal(replaced.json().state, 'replaced');
  const refused = await post(`/validations/${firstToken}`, {});
  assert.deepEqual([refused.status, refused.json().error.code], [410, 'link_replaced']);
  assert.match(refused.json().error.message, /newer email replaced this link/);
  const changed = await post('/domains/widgets.example/method', alice, { method: 'dns_txt' });
  assert.equal(changed.status, 200, changed.text());
  assert.equal(changed.json().method, 'dns_txt');
  assert.equal(changed.json().dns_record.name, '_keyward-challenge.widgets.example');
  const [second] = await mailTo('admin@widgets.example');
  const secondToken = second.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  assert.notEqual(secondToken, firstToken);
  assert.equal((await api(`/validations/${secondToken}`)).json().state, 'replaced');
  const emailCheck = await post('/domains/acme.example/check', alice);
  assert.equal(emailCheck.status, 409, 'acme.example is validated already');
});

test('five sends a day per subject: the sixth is refused with when to try again, and writes nothing', async () => {
  assert.equal((await post('/domains', alice, { name: 'limits.example', method: 'constructed_email', address: 'postmaster' })).status, 201);
  for (let resend = 0; resend < 4; resend += 1) {
    const response = await post('/domains/limits.example/resend', alice);
    assert.equal(response.status, 200, response.text());
  }
  const before = await counts();
  const sixth = await post('/domains/limits.example/resend', alice);
  assert.deepEqual([sixth.status, sixth.json().error.code, sixth.json().error.field], [429, 'validation_sends_limited', 'id']);
  assert.match(sixth.json().error.message, /try again after \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  const change = await post('/domains/limits.example/method', alice, { method: 'dns_txt' });
  assert.equal(change.status, 429);
  assert.deepEqual(await counts(), before);
  assert.equal((await mailTo('postmaster@limits.example')).length, 5);
});

test('concurrent resends cannot pass the five-a-day cap: the database refuses the extra sends with their emails', async () => {
  assert.equal((await post('/domains', alice, { name: 'burst.example', method: 'constructed_email', address: 'postmaster' })).status, 201);
  // Eight resends at once all read the one earlier send; without the database's own check all eight would land.
  const answers = await Promise.all(Array.from({ length: 8 }, () => post('/domains/burst.example/resend', alice)));
  const statuses = answers.map((answer) => answer.status);
  assert.equal(statuses.filter((status) => status === 200).length, 4, `statuses: ${statuses}`);
  for (const answer of answers.filter((answer) => answer.status !== 200)) {
    assert.deepEqual([answer.status, answer.json().error.code, answer.json().error.field], [429, 'validation_sends_limited', 'id'], answer.text());
  }
  const [rows] = await worker.queryAll("SELECT COUNT(*) AS n FROM validations WHERE subject = 'burst.example'");
  assert.equal(rows[0].n, 5);
  assert.equal((await mailTo('postmaster@burst.example')).length, 5);
});

test('a domain by DNS TXT: checking before publishing names the reason; after publishing it validates', async () => {
  const created = await post('/domains', alice, { name: 'dns.example', method: 'dns_txt' });
  assert.equal(created.status, 201, created.text());
  const record = created.json().dns_record;
  assert.equal(record.name, '_keyward-challenge.dns.example');
  assert.match(record.value, /^keyward-domain-verification=[A-Za-z0-9_-]{22}$/);
  assert.equal(record.record_type, 'TXT');

  const missing = await post('/domains/dns.example/check', alice);
  assert.equal(missing.status, 422, missing.text());
  assert.deepEqual([missing.json().error.code, missing.json().error.field], ['dns_record_not_found', 'name']);
  assert.ok(missing.json().error.message.includes(record.name) && missing.json().error.message.includes(record.value));

  resolver.publish(record.name, ['v=spf1 -all', 'keyward-domain-verification=stale']);
  const wrongValue = await post('/domains/dns.example/check', alice);
  assert.deepEqual([wrongValue.status, wrongValue.json().error.code], [422, 'dns_record_not_found']);
  assert.match(wrongValue.json().error.message, /2 TXT records were found/);

  resolver.publish(record.name, ['v=spf1 -all', record.value]);
  const found = await post('/domains/dns.example/check', alice);
  assert.equal(found.status, 200, found.text());
  assert.equal(found.json().validation, 'validated');
  assert.equal(found.json().validated_until - found.json().validated_at, 398 * DAY);
  assert.ok(resolver.queries.filter((name) => name === record.name).length >= 3);
  const [audit] = await worker.query("SELECT detail FROM audit_log WHERE action = 'domain.validated' AND subject_id = 'dns.example'");
  assert.equal(JSON.parse(audit.detail).value, record.value);
});

test('a resolver that hangs, truncates, fails or answers a web page gives a named answer and changes nothing', async () => {
  const created = await post('/domains', alice, { name: 'flaky.example', method: 'dns_txt' });
  assert.equal(created.status, 201, created.text());
  resolver.publish(created.json().dns_record.name, [created.json().dns_record.value]);
  for (const [mode, status, code, message] of [
    ['hang', 503, 'dns_unavailable', /did not answer within 5 seconds.*could not check DNS/],
    ['truncated', 502, 'dns_response_truncated', /truncated.*could not check DNS/],
    ['servfail', 502, 'dns_server_failure', /response code 2.*could not check DNS/],
    ['html', 503, 'dns_unavailable', /did not answer with a DNS message.*could not check DNS/],
  ]) {
    resolver.fail(mode);
    const started = Date.now();
    const response = await post('/domains/flaky.example/check', alice);
    resolver.fail(null);
    assert.deepEqual([response.status, response.json().error.code, response.json().error.field], [status, code, 'name'], `${mode}: ${response.text()}`);
    assert.match(response.json().error.message, message);
    if (mode === 'hang') assert.ok(Date.now() - started < 15_000, 'the timeout bounds the wait');
  }
  assert.equal((await api('/domains/flaky.example', { headers: alice })).json().validation, 'pending');
  const found = await post('/domains/flaky.example/check', alice);
  assert.equal(found.status, 200, found.text());
});

test('eight concurrent confirmations of one link validate once; the others are told', async () => {
  assert.equal((await post('/mailboxes', alice, { email: 'race@gmail.com' })).status, 201);
  const token = (await mailTo('race@gmail.com'))[0].body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  const auditBefore = (await worker.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'mailbox.validated'"))[0].n;
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(`/validations/${token}`, {})));
  const statuses = answers.map((answer) => answer.status).sort();
  assert.equal(statuses.filter((status) => status === 200).length, 1, JSON.stringify(statuses));
  assert.ok(answers.every((answer) => answer.status === 200 || answer.status === 409), JSON.stringify(statuses));
  const auditAfter = (await worker.query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'mailbox.validated'"))[0].n;
  assert.equal(auditAfter - auditBefore, 1);
});

test('a resolver that is down gives a clear "could not check DNS" answer and changes nothing', async () => {
  const down = await startWorker({ vars: { KEYWARD_DOH_URL: 'http://127.0.0.1:9/dns-query' } });
  try {
    await createAccount(down, { name: 'Initech', users: [{ email: 'ian@initech.example', role: 'org_admin', password: PASSWORD }] });
    const ian = await login(down, 'ian@initech.example', PASSWORD);
    const created = await http(`${down.url}/api/v1/domains`, { method: 'POST', headers: ian, body: JSON.stringify({ name: 'initech.example', method: 'dns_txt' }) });
    assert.equal(created.status, 201, created.text());
    const checked = await http(`${down.url}/api/v1/domains/initech.example/check`, { method: 'POST', headers: ian });
    assert.equal(checked.status, 503, checked.text());
    assert.equal(checked.json().error.code, 'dns_unavailable');
    assert.match(checked.json().error.message, /could not check DNS/);
    const [row] = await down.query("SELECT validated_at FROM validations WHERE subject = 'initech.example'");
    assert.equal(row.validated_at, null);
  } finally {
    await down.stop();
  }
});

test('a mailbox at a public provider is validated by a link to the address itself', async () => {
  const refused = await post('/mailboxes', alice, { email: 'someone@acme.example' });
  assert.deepEqual([refused.status, refused.json().error.code, refused.json().error.field], [422, 'mailbox_not_public_provider', 'email']);
  const created = await post('/mailboxes', alice, { email: 'Dora.Contact@GMAIL.com' });
  assert.equal(created.status, 201, created.text());
  assert.equal(created.json().email, 'Dora.Contact@gmail.com');
  assert.equal(created.json().expires_at - created.json().created_at, DAY);
  const [mail] = await mailTo('Dora.Contact@gmail.com');
  const token = mail.body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  assert.equal((await api(`/validations/${token}`)).json().kind, 'mailbox');
  assert.equal((await api(`/validations/${token}`, { method: 'HEAD' })).status, 200);
  const confirmed = await post(`/validations/${token}`, {});
  assert.equal(confirmed.status, 200, confirmed.text());
  const { mailboxes } = (await api('/mailboxes', { headers: alice })).json();
  const dora = mailboxes.find((mailbox) => mailbox.email === 'Dora.Contact@gmail.com');
  assert.equal(dora.validation, 'validated');
  // S/MIME BR 4.2.1: a mailbox confirmed by its emailed link is relied on for 30 days, not a domain's 398.
  assert.equal(dora.validated_until - dora.validated_at, 30 * DAY);
  // An expired link says when it expired and what to do, and cannot be used.
  assert.equal((await post('/mailboxes', alice, { email: 'late@gmail.com' })).status, 201);
  const late = (await mailTo('late@gmail.com'))[0].body.match(/\/validate\/([A-Za-z0-9_-]{43})\n/)[1];
  await worker.query("UPDATE validations SET expires_at = created_at - 1, version = version + 1 WHERE subject = 'late@gmail.com'");
  const expired = await api(`/validations/${late}`);
  assert.deepEqual([expired.status, expired.json().state], [200, 'expired']);
  const lateConfirm = await post(`/validations/${late}`, {});
  assert.deepEqual([lateConfirm.status, lateConfirm.json().error.code], [410, 'link_expired']);
  assert.match(lateConfirm.json().error.message, /expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC.*send a new one/);
  const publicDomain = await post('/domains', alice, { name: 'gmail.com', method: 'dns_txt' });
  assert.deepEqual([publicDomain.status, publicDomain.json().error.code], [422, 'domain_public_mail_provider']);
});

test("a user of another account gets 404 on every one of account A's organization, domain and mailbox endpoints", async () => {
  assert.ok(organizationId, 'the organization test ran first');
  const before = await counts();
  const requests = [
    ['GET', `/organizations/${organizationId}`],
    ['POST', `/organizations/${organizationId}/verification-code`],
    ['POST', `/organizations/${organizationId}/verification-code/check`, { code: '12345678' }],
    ['GET', '/domains/acme.example'],
    ['GET', '/domains/dns.example'],
    ['POST', '/domains/dns.example/check'],
    ['POST', '/domains/widgets.example/resend'],
    ['POST', '/domains/widgets.example/method', { method: 'constructed_email', address: 'admin' }],
  ];
  for (const [method, path, body] of requests) {
    const response = await api(path, { method, headers: bob, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.equal(response.status, 404, `${method} ${path}: ${response.text()}`);
  }
  assert.deepEqual((await api('/organizations', { headers: bob })).json().organizations, []);
  assert.deepEqual((await api('/domains', { headers: bob })).json().domains, []);
  assert.deepEqual((await api('/mailboxes', { headers: bob })).json().mailboxes, []);
  assert.deepEqual(await counts(), before);
  // Without a session, nothing at all.
  for (const path of ['/organizations', '/domains', '/mailboxes', `/organizations/${organizationId}`]) {
    assert.equal((await api(path)).status, 401, path);
  }
});

test('bad input on every field gets a named error and writes no row', async () => {
  const before = await counts();
  const cases = [
    [{ name: '' }, 'name', 'value_blank'],
    [{ name: 'x'.repeat(65) }, 'name', 'value_too_long'],
    [{ name: "Robert'); DROP TABLE organizations;--" }, 'name', 'value_refused_character'],
    [{ name: '<img src=x onerror=alert(1)>' }, 'name', 'value_refused_character'],
    [{ name: 'Acme\u202eLtd' }, 'name', 'value_invisible_character'],
    [{ registration_identifier: '' }, 'registration_identifier', 'value_blank'],
    [{ registration_identifier: '12345678' }, 'registration_identifier', 'registration_identifier_malformed'],
    [{ registration_identifier: "NTRGB-1' OR '1'='1" }, 'registration_identifier', 'registration_identifier_malformed'],
    [{ registration_identifier: 'ABCGB-1234' }, 'registration_identifier', 'registration_scheme_unknown'],
    [{ registration_identifier: 'NTRFR-1234' }, 'registration_identifier', 'registration_country_mismatch'],
    [{ country: '' }, 'country', 'value_blank'],
    [{ country: 'GBR' }, 'country', 'country_malformed'],
    [{ address: { street: '', city: 'London', postal_code: 'SW1A 1AA' } }, 'address.street', 'value_blank'],
    [{ address: { street: '1 High St', city: 'L'.repeat(129), postal_code: 'SW1A 1AA' } }, 'address.city', 'value_too_long'],
    [{ address: { street: '1 High St', city: 'London', postal_code: 'SW1A_1AA' } }, 'address.postal_code', 'postal_code_malformed'],
    [{ address: { street: '1 High St', city: 'London', postal_code: 'SW1A 1AA', region: '{{7*7}}' } }, 'address.region', 'value_refused_character'],
    // What TLS server certificates state as localityName and stateOrProvinceName: no placeholder, nothing hidden.
    [{ address: { street: '1 High St', city: ' - ', postal_code: 'SW1A 1AA' } }, 'address.city', 'value_placeholder'],
    [{ address: { street: '1 High St', city: 'Lon\u0007don', postal_code: 'SW1A 1AA' } }, 'address.city', 'value_invisible_character'],
    [{ address: { street: '1 High St', city: 'London', postal_code: 'SW1A 1AA', region: '.' } }, 'address.region', 'value_placeholder'],
    [{ address: { street: '1 High St', city: 'London', postal_code: 'SW1A 1AA', region: 'R'.repeat(129) } }, 'address.region', 'value_too_long'],
    [{ address: { street: '1 High St', city: 'London', postal_code: 'SW1A 1AA', region: 'Greater\u200bLondon' } }, 'address.region', 'value_invisible_character'],
    [{ phone: '' }, 'phone', 'phone_empty'],
    [{ phone: '020 7946 0000' }, 'phone', 'phone_not_international'],
    [{ contacts: [] }, 'contacts', 'contacts_missing'],
    [{ contacts: [{ name: '', email: 'dora@acme.example', phone: '+442079460001' }] }, 'contacts.name', 'value_blank'],
    [{ contacts: [{ name: 'Dora', email: 'dora@acmе.example', phone: '+442079460001' }] }, 'contacts.email', 'email_not_ascii'],
    [{ contacts: [{ name: 'Dora', email: 'dora\u200b@acme.example', phone: '+442079460001' }] }, 'contacts.email', 'email_not_ascii'],
    [{ contacts: [{ name: 'Dora', email: 'dora＠acme.example', phone: '+442079460001' }] }, 'contacts.email', 'email_not_ascii'],
    [{ contacts: [{ name: 'Dora', email: '"dora"@acme.example', phone: '+442079460001' }] }, 'contacts.email', 'email_quoted'],
    [{ contacts: [{ name: 'Dora', email: 'dora@acme.example', phone: 'call me' }] }, 'contacts.phone', 'phone_not_international'],
  ];
  for (const [overrides, field, code] of cases) {
    const response = await post('/organizations', alice, organization(overrides));
    assert.equal(response.status, 422, `${JSON.stringify(overrides)}: ${response.text()}`);
    assert.deepEqual([response.json().error.field, response.json().error.code], [field, code], JSON.stringify(overrides));
    assert.ok(response.json().error.message.length > 10);
  }
  // Many problems at once: every one is listed, in form order, each naming its field.
  const many = await post('/organizations', alice, organization({
    name: '', country: 'GBR', phone: '', contacts: [{ name: '', email: 'x', phone: '+442079460001' }],
  }));
  assert.equal(many.status, 422, many.text());
  assert.deepEqual(many.json().errors.map((error) => error.field), ['name', 'country', 'phone', 'contacts.name', 'contacts.email']);
  assert.equal(many.json().error.field, 'name');
  // The first test's organization, confirmed by its contact but never vetted.
  const vetting = await post(`/admin/organizations/${organizationId}/vetting`, carol, { decision: 'validated' });
  assert.equal(vetting.status, 422, vetting.text());
  assert.deepEqual(vetting.json().errors.map((error) => error.field),
    ['source_name', 'source_reference', 'registration_number', 'call_phone', 'call_phone_source', 'call_spoke_with', 'call_at']);
  const domainCases = [
    [{ name: '', method: 'dns_txt' }, 'name', 'domain_empty'],
    [{ name: `${'a'.repeat(64)}.example`, method: 'dns_txt' }, 'name', 'domain_label_too_long'],
    [{ name: `${'a.'.repeat(130)}example`, method: 'dns_txt' }, 'name', 'domain_too_long'],
    [{ name: "example.com'; DROP TABLE validations;--", method: 'dns_txt' }, 'name', 'domain_label_character'],
    [{ name: 'exаmple.com', method: 'dns_txt' }, 'name', 'domain_not_ascii'],
    [{ name: 'localhost', method: 'dns_txt' }, 'name', 'domain_not_fully_qualified'],
    [{ name: 'example.com', method: 'carrier_pigeon' }, 'method', 'validation_method_unknown'],
    [{ name: 'example.com', method: 'constructed_email' }, 'address', 'constructed_address_missing'],
    [{ name: 'example.com', method: 'constructed_email', address: 'ceo' }, 'address', 'constructed_address_invalid'],
    [{ name: 'example.com', method: 'constructed_email', address: 'admin@evil.example' }, 'address', 'constructed_address_invalid'],
  ];
  for (const [body, field, code] of domainCases) {
    const response = await post('/domains', alice, body);
    assert.equal(response.status, 422, `${JSON.stringify(body)}: ${response.text()}`);
    assert.deepEqual([response.json().error.field, response.json().error.code], [field, code], JSON.stringify(body));
  }
  const mailboxCases = [
    [{ email: '' }, 'email', 'email_empty'],
    [{ email: `${'a'.repeat(65)}@gmail.com` }, 'email', 'email_local_part_too_long'],
    [{ email: 'dora@gmаil.com' }, 'email', 'email_not_ascii'],
    [{ email: 'dora\u202e@gmail.com' }, 'email', 'email_not_ascii'],
    [{ email: "dora'--@gmail.com; DROP TABLE x" }, 'email', 'domain_label_character'],
  ];
  for (const [body, field, code] of mailboxCases) {
    const response = await post('/mailboxes', alice, body);
    assert.equal(response.status, 422, `${JSON.stringify(body)}: ${response.text()}`);
    assert.deepEqual([response.json().error.field, response.json().error.code], [field, code], JSON.stringify(body));
  }
  const notJson = await post('/organizations', alice);
  assert.deepEqual([notJson.status, notJson.json().error.field], [400, 'body']);
  const huge = await api('/organizations', { method: 'POST', headers: alice, body: JSON.stringify(organization({ name: 'x'.repeat(20_000) })) });
  assert.deepEqual([huge.status, huge.json().error.code], [413, 'body_too_large']);
  const badCode = await post(`/organizations/${organizationId}/verification-code/check`, alice, { code: "1' OR 1=1" });
  assert.ok(badCode.status >= 400 && badCode.status < 500);
  assert.deepEqual(await counts(), before);
});
