// Device requests (issue 13.1 and 13.2) against the Worker in workerd: the approval matrix as a table (role ×
// kind × action, every cell asserted, the request's rows read back unchanged wherever the action is refused), the
// pending request a newer one for the same machine cancels (also under ten concurrent requests), the requester's
// edit kept as a version, the account's kinds setting, the decision email in the requester's language, and, in
// Chromium, a workstation request approved by its enrollment manager whose KeyGen link makes the .p12 (the request
// moves to issued, then downloaded), and a rejected request showing its reason. Each request's page (its versions
// with what each changed, its timeline, its actions, axe-clean), refused to callers who may not see the request, and
// the organization admin removing an enrollment manager from the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync, readFileSync } from 'node:fs';
import { createPrivateKey, sign } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { startWorker, http, createAccount, caAdministrator, login, openssl, scratch, launchBrowser, signedInPage } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
let worker;
let browser;
let directory;
const ids = {};
const who = {};

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

/** An organization of an account, prevalidated with SQL (vetting has its own suite). */
async function validatedOrganization(accountId, id, name) {
  const now = Math.floor(Date.now() / 1000);
  const address = JSON.stringify({ street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' });
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('${id}', '${name}', 'NTRGB-0000${name.length}', 'GB', '${address}', ${now - DAY}, ${now - DAY}, '${accountId}')`);
}

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('device');
  const alpha = await createAccount(worker, { name: 'Alpha', users: [
    { email: 'alice@alpha.example.com', password: PASSWORD },
    { email: 'rita@alpha.example.com', role: 'org_user', password: PASSWORD },
    { email: 'mona@alpha.example.com', role: 'org_user', password: PASSWORD },
    { email: 'otto@alpha.example.com', role: 'org_user', password: PASSWORD },
  ] });
  const beta = await createAccount(worker, { name: 'Beta', users: [{ email: 'bob@beta.example.com', password: PASSWORD }] });
  ids.alpha = alpha.accountId;
  [ids.alice, ids.rita, ids.mona, ids.otto] = alpha.userIds;
  await validatedOrganization(alpha.accountId, 'org-alpha-one', 'Alpha One');
  await validatedOrganization(alpha.accountId, 'org-alpha-two', 'Alpha Two');
  await validatedOrganization(beta.accountId, 'org-beta', 'Beta Org');
  const now = Math.floor(Date.now() / 1000);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-alpha', '${ids.alpha}', 'domain', 'alpha.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-alpha', '${ids.alpha}', ${now - DAY}, 100000000, 'deposit', 'wire 1', 'test')`);
  // Rita reads her email in French.
  await worker.query(`UPDATE users SET lang = 'fr', version = version + 1 WHERE id = '${ids.rita}'`);
  who.requester = await login(worker, 'rita@alpha.example.com', PASSWORD);
  who.managerHere = await login(worker, 'mona@alpha.example.com', PASSWORD);
  who.managerElsewhere = await login(worker, 'otto@alpha.example.com', PASSWORD);
  who.organizationAdmin = await login(worker, 'alice@alpha.example.com', PASSWORD);
  who.caAdministrator = await caAdministrator(worker);
  who.otherAccount = await login(worker, 'bob@beta.example.com', PASSWORD);
  const key = await api('/api-keys', { method: 'POST', headers: who.organizationAdmin, body: JSON.stringify({ name: 'alpha script' }) });
  assert.equal(key.status, 201, key.text());
  who.apiKey = { authorization: `Bearer ${key.json().key}`, 'content-type': 'application/json' };
  // The organization admin names Mona for Alpha One and Otto for Alpha Two.
  for (const [user, organization] of [[ids.mona, 'org-alpha-one'], [ids.otto, 'org-alpha-two']]) {
    const granted = await api('/enrollment-managers', { method: 'POST', headers: who.organizationAdmin, body: JSON.stringify({ user_id: user, organization_id: organization }) });
    assert.equal(granted.status, 201, granted.text());
  }
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

let machines = 0;
/** A request form for a fresh machine of Alpha One (or `overrides`). */
function form(kind, overrides = {}) {
  machines += 1;
  return {
    kind, organization_id: 'org-alpha-one', host_name: `${kind}-${machines}.alpha.example.com`, dns_names: [],
    locality: 'Lyon', region: 'Auvergne-Rhône-Alpes', phone: '+33 4 72 00 00 00',
    description: 'Accounting office, 3rd floor', ...overrides,
  };
}

async function request(kind, overrides = {}, headers = who.requester) {
  const made = await api('/device-requests', { method: 'POST', headers, body: JSON.stringify(form(kind, overrides)) });
  assert.equal(made.status, 201, made.text());
  return made.json();
}

/** The request's rows as stored (the request and its versions): compared before and after a refused action. */
async function rowsOf(id) {
  return JSON.stringify(await worker.queryAll(`SELECT * FROM device_requests WHERE id = '${id}'; SELECT * FROM device_request_versions WHERE request_id = '${id}' ORDER BY version; SELECT COUNT(*) AS n FROM orders`));
}

const ROLES = ['requester', 'managerHere', 'managerElsewhere', 'organizationAdmin', 'caAdministrator', 'otherAccount', 'apiKey'];
const KINDS = ['workstation', 'server'];

/** What each role may do with a request of each kind: the HTTP status each action answers (see: 200 when seen). */
const MATRIX = {
  requester: { workstation: { see: 200, approve: 403, reject: 403, cancel: 200 }, server: { see: 200, approve: 403, reject: 403, cancel: 200 } },
  managerHere: { workstation: { see: 200, approve: 200, reject: 200, cancel: 403 }, server: { see: 404, approve: 404, reject: 404, cancel: 404 } },
  managerElsewhere: { workstation: { see: 404, approve: 404, reject: 404, cancel: 404 }, server: { see: 404, approve: 404, reject: 404, cancel: 404 } },
  organizationAdmin: { workstation: { see: 200, approve: 403, reject: 403, cancel: 403 }, server: { see: 200, approve: 403, reject: 403, cancel: 403 } },
  // A CA administrator sees server requests in their queue and decides them there; the account's endpoints refuse
  // them (403), and a workstation request is unknown to their decision endpoint.
  caAdministrator: { workstation: { see: 404, approve: 404, reject: 404, cancel: 403 }, server: { see: 200, approve: 200, reject: 200, cancel: 403 } },
  otherAccount: { workstation: { see: 404, approve: 404, reject: 404, cancel: 404 }, server: { see: 404, approve: 404, reject: 404, cancel: 404 } },
  // Alice's key acts as an organization user (not an admin): Rita's requests are not its own.
  apiKey: { workstation: { see: 404, approve: 404, reject: 404, cancel: 404 }, server: { see: 404, approve: 404, reject: 404, cancel: 404 } },
};
const RESULT = { approve: 'approved', reject: 'rejected', cancel: 'cancelled' };

/** Sees the request `id` as `role`: the status of reading it, and whether the role's list holds it. */
async function see(role, id) {
  if (role === 'caAdministrator') {
    const queue = await api('/admin/device-requests', { headers: who[role] });
    assert.equal(queue.status, 200, queue.text());
    const listed = queue.json().requests.some((request) => request.id === id);
    assert.equal((await api(`/device-requests/${id}`, { headers: who[role] })).status, 403, 'the account endpoint refuses a CA administrator');
    return listed ? 200 : 404;
  }
  const shown = await api(`/device-requests/${id}`, { headers: who[role] });
  const list = await api('/device-requests', { headers: who[role] });
  assert.equal(list.status, 200, list.text());
  const listed = list.json().requests.some((request) => request.id === id);
  assert.equal(listed, shown.status === 200, `${role}: the list and the request agree`);
  if (shown.status !== 200) assert.ok(!shown.text().includes('Accounting office'), `${role}: a refusal leaks nothing`);
  return shown.status;
}

async function act(role, action, id) {
  if (action === 'cancel') return api(`/device-requests/${id}/cancel`, { method: 'POST', headers: who[role] });
  const body = JSON.stringify({ decision: action, reason: action === 'reject' ? 'Not one of our machines.' : '' });
  const path = role === 'caAdministrator' ? `/admin/device-requests/${id}/decision` : `/device-requests/${id}/decision`;
  return api(path, { method: 'POST', headers: who[role], body });
}

test('the approval matrix: every role × kind × action, rows unchanged wherever refused', async () => {
  const cells = [];
  for (const role of ROLES) {
    for (const kind of KINDS) {
      const expected = MATRIX[role][kind];
      const seen = await request(kind);
      assert.match(seen.id, /^DR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$/);
      assert.equal(await see(role, seen.id), expected.see, `${role} × ${kind} × see`);
      cells.push(`${role}/${kind}/see`);
      for (const action of ['approve', 'reject', 'cancel']) {
        const { id } = await request(kind);
        const before = await rowsOf(id);
        const response = await act(role, action, id);
        assert.equal(response.status, expected[action], `${role} × ${kind} × ${action}: ${response.status} ${response.text()}`);
        if (expected[action] === 200) {
          const [row] = await worker.query(`SELECT status, reason, order_id FROM device_requests WHERE id = '${id}'`);
          assert.equal(row.status, RESULT[action], `${role} × ${kind} × ${action}`);
          assert.equal(response.json().status, RESULT[action]);
          if (action === 'approve') assert.ok(row.order_id, 'an approval places the order');
          if (action === 'reject') assert.equal(row.reason, 'Not one of our machines.');
        } else {
          assert.equal(await rowsOf(id), before, `${role} × ${kind} × ${action}: refused, and nothing changed`);
          assert.ok(!response.text().includes('Accounting office'), `${role} × ${kind} × ${action} leaks`);
        }
        cells.push(`${role}/${kind}/${action}`);
      }
    }
  }
  assert.equal(cells.length, ROLES.length * KINDS.length * 4);
});

test('no one decides their own request, and an approver decides only a waiting one', async () => {
  const own = await request('workstation', {}, who.managerHere);
  const before = await rowsOf(own.id);
  const refused = await act('managerHere', 'approve', own.id);
  assert.equal(refused.status, 403, refused.text());
  assert.equal(refused.json().error.code, 'device_request_not_yours_to_decide');
  assert.equal(await rowsOf(own.id), before);
  // A rejection needs its reason; a decided request cannot be decided again, nor cancelled.
  const { id } = await request('workstation');
  const bare = await api(`/device-requests/${id}/decision`, { method: 'POST', headers: who.managerHere, body: JSON.stringify({ decision: 'reject', reason: ' ' }) });
  assert.equal(bare.status, 422, bare.text());
  assert.equal(bare.json().error.field, 'reason');
  assert.equal((await act('managerHere', 'approve', id)).status, 200);
  const after = await rowsOf(id);
  for (const [role, action] of [['managerHere', 'reject'], ['managerHere', 'approve'], ['requester', 'cancel']]) {
    const again = await act(role, action, id);
    assert.equal(again.status, 409, again.text());
    assert.deepEqual([again.json().error.code, again.json().error.field], ['device_request_not_pending', 'status']);
  }
  assert.equal(await rowsOf(id), after);
  // The approval's order: one recipient, the requester, for the machine's names, with the workstation profile.
  const [row] = await worker.query(`SELECT order_id, host_name FROM device_requests WHERE id = '${id}'`);
  const [order] = await worker.query(`SELECT o.profile, r.email, r.dns_names FROM orders o JOIN recipients r ON r.order_id = o.id WHERE o.id = '${row.order_id}'`);
  assert.deepEqual([order.profile, order.email, JSON.parse(order.dns_names)], ['client_auth_workstation', 'rita@alpha.example.com', [row.host_name]]);
});

test('the requester is emailed the decision in their language, with the request ID and the reason', async () => {
  const { id, latest } = await request('workstation');
  assert.equal((await act('managerHere', 'reject', id)).status, 200);
  const messages = (await api('/dev/mailbox')).json().messages.filter((message) => message.to === 'rita@alpha.example.com' && message.subject.includes(id));
  assert.equal(messages.length, 1, JSON.stringify(messages.map((message) => message.subject)));
  assert.match(messages[0].subject, /refusée/);
  assert.ok(messages[0].body.includes('Not one of our machines.') && messages[0].body.includes(latest.host_name), messages[0].body);
  // The requester sees the reason.
  const shown = (await api(`/device-requests/${id}`, { headers: who.requester })).json();
  assert.deepEqual([shown.status, shown.reason], ['rejected', 'Not one of our machines.']);
});

test('a new request for the same machine cancels the pending one, which names it', async () => {
  const first = await request('workstation', { machine_id: 'SN-1' });
  const second = await request('workstation', { host_name: first.latest.host_name });
  const [old] = await worker.query(`SELECT status, cancelled_by FROM device_requests WHERE id = '${first.id}'`);
  assert.deepEqual([old.status, old.cancelled_by], ['cancelled', second.id]);
  assert.equal((await api(`/device-requests/${first.id}`, { headers: who.requester })).json().cancelled_by, second.id);
  // The same machine identifier under another host name is the same machine too.
  const third = await request('workstation', { machine_id: 'sn-1' });
  const fourth = await request('workstation', { machine_id: 'SN-1' });
  const [replaced] = await worker.query(`SELECT status, cancelled_by FROM device_requests WHERE id = '${third.id}'`);
  assert.deepEqual([replaced.status, replaced.cancelled_by], ['cancelled', fourth.id]);
  // Another requester's request for the machine is theirs: it cancels nothing of Rita's.
  await request('workstation', { host_name: second.latest.host_name }, who.managerHere);
  assert.equal((await worker.query(`SELECT status FROM device_requests WHERE id = '${second.id}'`))[0].status, 'requested');
  // The database itself refuses a second pending request for the machine (the partial unique index).
  await assert.rejects(worker.query(`INSERT INTO device_requests (id, account_id, organization_id, requester_id, kind, host_name, dns_names, locality, region, phone, description, created_at, updated_at)
    VALUES ('DR-TEST-00', '${ids.alpha}', 'org-alpha-one', '${ids.rita}', 'workstation', '${second.latest.host_name}', '[]', 'x', '', '+1 555 0100', 'x', 0, 0)`));
  assert.equal((await worker.query("SELECT COUNT(*) AS n FROM device_requests WHERE id = 'DR-TEST-00'"))[0].n, 0);
});

test('ten concurrent requests for one machine leave exactly one pending', async () => {
  const host = 'race.alpha.example.com';
  const answers = await Promise.all(Array.from({ length: 10 }, () => api('/device-requests', { method: 'POST', headers: who.requester, body: JSON.stringify(form('workstation', { host_name: host })) })));
  for (const answer of answers) assert.equal(answer.status, 201, answer.text());
  const rows = await worker.query(`SELECT id, status, cancelled_by FROM device_requests WHERE host_name = '${host}'`);
  assert.equal(rows.length, 10);
  const pending = rows.filter((row) => row.status === 'requested');
  assert.equal(pending.length, 1, JSON.stringify(rows));
  const made = new Set(rows.map((row) => row.id));
  for (const row of rows.filter((row) => row.status !== 'requested')) {
    assert.equal(row.status, 'cancelled');
    assert.ok(made.has(row.cancelled_by) && row.cancelled_by !== row.id, JSON.stringify(row));
  }
});

test('the requester edits a waiting request: a new version the approver sees', async () => {
  const made = await request('workstation');
  const edited = await api(`/device-requests/${made.id}/versions`, { method: 'POST', headers: who.requester,
    body: JSON.stringify(form('workstation', { host_name: made.latest.host_name, description: 'Moved to the 4th floor' })) });
  assert.equal(edited.status, 200, edited.text());
  const seen = (await api(`/device-requests/${made.id}`, { headers: who.managerHere })).json();
  assert.deepEqual(seen.versions.map((version) => [version.version, version.description]), [[1, 'Accounting office, 3rd floor'], [2, 'Moved to the 4th floor']]);
  assert.equal(seen.latest.description, 'Moved to the 4th floor');
  // No one else edits it.
  const before = await rowsOf(made.id);
  const other = await api(`/device-requests/${made.id}/versions`, { method: 'POST', headers: who.organizationAdmin, body: JSON.stringify(form('workstation')) });
  assert.equal(other.status, 403, other.text());
  assert.equal(await rowsOf(made.id), before);
});

test("the account's setting refuses a kind its requesters may not ask for, and names it", async () => {
  const set = (kinds, headers = who.organizationAdmin) => api('/device-settings', { method: 'POST', headers, body: JSON.stringify({ kinds }) });
  assert.equal((await set(['workstation'], who.requester)).status, 403, 'only the organization admin sets it');
  assert.equal((await set(['workstation'], who.apiKey)).status, 403);
  assert.equal((await set(['workstation'])).status, 200);
  const [{ n }] = await worker.query('SELECT COUNT(*) AS n FROM device_requests');
  const refused = await api('/device-requests', { method: 'POST', headers: who.requester, body: JSON.stringify(form('server')) });
  assert.equal(refused.status, 422, refused.text());
  assert.deepEqual([refused.json().error.field, refused.json().error.code], ['kind', 'device_kind_refused']);
  assert.equal((await worker.query('SELECT COUNT(*) AS n FROM device_requests'))[0].n, n);
  assert.deepEqual((await api('/device-settings', { headers: who.requester })).json().kinds, ['workstation']);
  assert.equal((await set(['workstation', 'server'])).status, 200);
});

test('enrollment managers are named by the organization admin only, within the account', async () => {
  const grant = (headers, body) => api('/enrollment-managers', { method: 'POST', headers, body: JSON.stringify(body) });
  const before = JSON.stringify(await worker.query('SELECT * FROM enrollment_managers ORDER BY user_id, organization_id'));
  assert.equal((await grant(who.requester, { user_id: ids.rita, organization_id: 'org-alpha-one' })).status, 403);
  assert.equal((await grant(who.apiKey, { user_id: ids.rita, organization_id: 'org-alpha-one' })).status, 403);
  const foreign = await grant(who.otherAccount, { user_id: ids.rita, organization_id: 'org-alpha-one' });
  assert.deepEqual([foreign.status, foreign.json().error.field], [404, 'user_id']);
  const foreignOrganization = await grant(who.organizationAdmin, { user_id: ids.rita, organization_id: 'org-beta' });
  assert.deepEqual([foreignOrganization.status, foreignOrganization.json().error.field], [404, 'organization_id']);
  assert.equal(JSON.stringify(await worker.query('SELECT * FROM enrollment_managers ORDER BY user_id, organization_id')), before);
});

test('a server request with a CSR: pre-checked, issued from it on approval, then picked up and revoked with it', async () => {
  const keyPath = join(directory, 'server.key.pem');
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-subj', '/CN=whatever']);
  const bad = await api('/device-requests', { method: 'POST', headers: who.requester, body: JSON.stringify(form('server', { csr: csr.replace(/[A-Za-z0-9+/]{20}\n/, 'AAAAAAAAAAAAAAAAAAAA\n') })) });
  assert.equal(bad.status, 422, bad.text());
  assert.equal(bad.json().error.field, 'csr');
  const made = await request('server', { csr });
  assert.equal(made.latest.has_csr, true);
  assert.deepEqual(made.preview.extended_key_usages, ['serverAuth']);
  const approved = await act('caAdministrator', 'approve', made.id);
  assert.equal(approved.status, 200, approved.text());
  // Issued in the approval's own batch, from the request's CSR.
  const [row] = await worker.query(`SELECT status, serial FROM device_requests WHERE id = '${made.id}'`);
  assert.equal(row.status, 'issued');
  assert.match(row.serial, /^[0-9a-f]{32}$/);
  const pem = (await api(`/certificates/${row.serial}/pem`)).text();
  const serverExtensions = openssl(['x509', '-noout', '-ext', 'extendedKeyUsage,subjectAltName'], pem);
  assert.match(serverExtensions, /TLS Web Server Authentication/);
  assert.match(serverExtensions, /DNS:server-\d+\.alpha\.example\.com/);
  // An API key of the account fetching it is a pickup: downloaded.
  const fetched = await api(`/certificates/${row.serial}/pem`, { headers: who.apiKey });
  assert.equal(fetched.status, 200, fetched.text());
  assert.equal(await statusOf(made.id), 'downloaded');
  // A test enrollment (the machine signs a single-use challenge with the certificate's key): Installed.
  const { challenge } = (await api(`/certificates/${row.serial}/installation-challenge`, { method: 'POST', body: '{}' })).json();
  const message = Buffer.from(`Keyward test enrollment v1\nserial: ${row.serial}\nchallenge: ${challenge}\n`);
  const key = createPrivateKey(readFileSync(keyPath));
  const signature = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const installed = await api(`/certificates/${row.serial}/installation`, { method: 'POST', body: JSON.stringify({ challenge, signature, by: 'native_client' }) });
  assert.equal(installed.status, 201, installed.text());
  assert.equal(await statusOf(made.id), 'installed');
  // Revoked with its certificate.
  const revoked = await api(`/certificates/${row.serial}/revocation`, { method: 'POST', headers: who.organizationAdmin, body: JSON.stringify({ reason: 'superseded' }) });
  assert.equal(revoked.status, 200, revoked.text());
  assert.equal(await statusOf(made.id), 'revoked');
});

/** The enrollment link the requester was emailed for the order of request `id`. */
async function enrollmentLink(host) {
  const messages = (await api('/dev/mailbox')).json().messages.filter((message) => message.to === 'rita@alpha.example.com' && message.body.includes('/enroll/') && message.body.includes(host));
  assert.equal(messages.length, 1, JSON.stringify(messages.map((message) => message.subject)));
  return messages[0].body.match(/https?:\/\/\S+\/enroll\/[A-Za-z0-9_-]{43}/)[0];
}

async function statusOf(id) {
  return (await worker.query(`SELECT status FROM device_requests WHERE id = '${id}'`))[0].status;
}

test('in Chromium: a workstation request approved by its enrollment manager, enrolled with KeyGen, the .p12 downloaded, the test enrollment passing', async () => {
  // The requester's form: the certificate preview, then the request with its ID.
  const requester = await signedInPage(worker, browser, who.requester);
  await requester.goto(`${worker.url}/console/device-requests`);
  await requester.locator('[data-testid=device-request-form]').waitFor({ timeout: 90_000 });
  await requester.locator('[data-testid=device-kind]').selectOption('workstation');
  await requester.locator('[data-testid=device-organization] option[value=org-alpha-one]').waitFor({ state: 'attached' });
  await requester.locator('[data-testid=device-organization]').selectOption('org-alpha-one');
  assert.equal(await requester.locator('[data-testid=preview-eku]').textContent(), 'clientAuth');
  assert.equal(await requester.locator('[data-testid=preview-organization]').textContent(), 'Alpha One');
  const host = 'ws-browser.alpha.example.com';
  await requester.locator('[data-testid=device-host]').fill(host);
  await requester.locator('[data-testid=device-locality]').fill('Lyon');
  await requester.locator('[data-testid=device-phone]').fill('+33 4 72 00 00 00');
  await requester.locator('[data-testid=device-description]').fill('Reception desk');
  await requester.locator('[data-testid=device-submit]').click();
  const id = (await requester.locator('[data-testid=device-made] strong').textContent()).trim();
  assert.match(id, /^DR-/);
  await requester.locator(`[data-testid=device-request][data-id="${id}"][data-status=requested]`).waitFor();
  await requester.context().close();
  // The enrollment manager's queue.
  const manager = await signedInPage(worker, browser, who.managerHere);
  await manager.goto(`${worker.url}/console/device-requests`);
  const card = manager.locator(`[data-testid=manager-queue] [data-testid=device-request][data-id="${id}"]`);
  await card.waitFor({ timeout: 90_000 });
  await card.locator('[data-testid=approve]').click();
  await manager.locator(`[data-testid=device-requests] [data-testid=device-request][data-id="${id}"][data-status=approved]`).waitFor();
  await manager.context().close();
  assert.equal(await statusOf(id), 'approved');
  // The KeyGen link, opened on the workstation.
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(await enrollmentLink(host), { timeout: 90_000 });
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256', { timeout: 90_000 });
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  assert.equal(await statusOf(id), 'issued');
  await page.locator('[data-testid=password]').fill('a long enough bundle password 4 device');
  await page.locator('[data-testid=password-confirm]').fill('a long enough bundle password 4 device');
  await page.locator('[data-testid=build-bundle]').click();
  await page.locator('[data-testid=download]').waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download]').click()]);
  const path = join(directory, 'workstation.p12');
  await download.saveAs(path);
  const certificate = openssl(['pkcs12', '-in', path, '-nokeys', '-clcerts', '-passin', 'pass:a long enough bundle password 4 device']);
  const clientExtensions = openssl(['x509', '-noout', '-ext', 'extendedKeyUsage,subjectAltName'], certificate);
  assert.match(clientExtensions, /TLS Web Client Authentication/);
  assert.match(clientExtensions, /DNS:ws-browser\.alpha\.example\.com/);
  await page.locator('[data-testid=confirm-saved]').click();
  await page.locator('[data-testid=forgotten]').waitFor();
  assert.equal(await statusOf(id), 'downloaded');
  // The test enrollment on the workstation: the .p12 opened in the page signs the challenge; Installed.
  await page.goto(`${worker.url}/test-enrollment`);
  await page.locator('[data-testid=test-file]').setInputFiles(path);
  await page.locator('[data-testid=test-password]').fill('a long enough bundle password 4 device');
  await page.locator('[data-testid=test-submit]').click();
  await page.locator('[data-testid=installed]').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('[data-testid=installed]').textContent(), /Installed on .* by this browser/);
  assert.equal(await statusOf(id), 'installed');
  await context.close();
});

test('in Chromium: a rejected request shows its reason to the requester', async () => {
  const { id } = await request('workstation');
  const manager = await signedInPage(worker, browser, who.managerHere);
  await manager.goto(`${worker.url}/console/device-requests`);
  const card = manager.locator(`[data-testid=manager-queue] [data-testid=device-request][data-id="${id}"]`);
  await card.waitFor({ timeout: 90_000 });
  await card.locator('[data-testid=decision-reason]').fill('This machine is being decommissioned.');
  await card.locator('[data-testid=reject]').click();
  await manager.locator(`[data-testid=device-requests] [data-testid=device-request][data-id="${id}"][data-status=rejected]`).waitFor();
  await manager.context().close();
  const requester = await signedInPage(worker, browser, who.requester);
  await requester.goto(`${worker.url}/console/device-requests`);
  const shown = requester.locator(`[data-testid=device-request][data-id="${id}"][data-status=rejected] [data-testid=request-reason]`);
  await shown.waitFor({ timeout: 90_000 });
  assert.match(await shown.textContent(), /This machine is being decommissioned\./);
  await requester.context().close();
});

/** Every WCAG 2.0/2.1 A and AA rule, and axe's best practices (as the a11y suite checks). */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** Asserts that axe finds no violation on the page as it is now, and that it ran its rules. */
async function axeClean(page, state) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const problems = results.violations.map((violation) => `${violation.id}: ${violation.help}\n${violation.nodes
    .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary.replaceAll('\n', ' ')}`).join('\n')}`);
  assert.deepEqual(problems, [], `axe on ${state}:\n${problems.join('\n')}`);
  assert.ok(results.passes.length > 10, `axe ran only ${results.passes.length} passing rules on ${state}`);
}

/** Opens the request page `path` as the session `headers`, waiting for it to show the request or refuse it. */
/** Opens the console page `path` as the session `headers`. */
async function openPage(headers, path) {
  const page = await signedInPage(worker, browser, headers);
  await page.goto(`${worker.url}${path}`);
  return page;
}

async function requestPage(headers, path) {
  const page = await openPage(headers, path);
  await page.locator('[data-testid=request-page-id], [data-testid=request-not-found]').first().waitFor({ timeout: 90_000 });
  return page;
}

/** The timeline as shown: each event's kind. */
async function timelineKinds(page) {
  return page.locator('[data-testid=timeline-event]').evaluateAll((events) => events.map((event) => event.dataset.kind));
}

test("in Chromium: a request's page, edited twice by its requester, seen and approved by its manager, with its timeline", async () => {
  const made = await request('workstation');
  // The list links the request's ID to its page.
  const requester = await openPage(who.requester, '/console/device-requests');
  const link = requester.locator(`[data-testid=device-request][data-id="${made.id}"] a[data-testid=request-id]`);
  await link.waitFor({ timeout: 90_000 });
  assert.equal(new URL(await link.getAttribute('href'), worker.url).pathname, `/console/device-requests/${made.id}`);
  await link.click();
  await requester.locator('[data-testid=request-page-id]').waitFor({ timeout: 90_000 });
  assert.equal((await requester.locator('[data-testid=request-page-id]').textContent()).trim(), made.id);
  assert.equal(await requester.locator('[data-testid=request-page-status]').getAttribute('data-status'), 'requested');
  assert.equal(await requester.locator('[data-testid=nav-device-requests]').getAttribute('aria-current'), 'page',
    'the navigation marks Device requests on a request\'s page');
  assert.equal(await requester.locator('[data-testid=request-decision]').count(), 0, 'the requester does not decide');
  assert.equal(await requester.locator('[data-testid=request-preview-eku]').textContent(), 'clientAuth');
  // Two edits, from the page: the town, then the description.
  for (const [number, field, value] of [[2, 'edit-locality', 'Grenoble'], [3, 'edit-description', 'Moved to the 4th floor']]) {
    // The form stays open after a save (the page keeps its elements as it reads the request again).
    const edit = requester.locator('[data-testid=request-edit]');
    if (!(await edit.evaluate((element) => element.open))) await edit.locator('summary').click();
    await requester.locator(`[data-testid=${field}]`).fill(value);
    await requester.locator('[data-testid=edit-submit]').click();
    await requester.locator(`[data-testid=request-version][data-version="${number}"]`).waitFor();
  }
  await axeClean(requester, 'the request page, its requester, waiting');
  await requester.context().close();
  assert.equal((await worker.query(`SELECT form_version FROM device_requests WHERE id = '${made.id}'`))[0].form_version, 3);
  // The enrollment manager sees the three versions and what each changed.
  const manager = await requestPage(who.managerHere, `/console/device-requests/${made.id}`);
  assert.equal(await manager.locator('[data-testid=request-version]').count(), 3);
  const second = manager.locator('[data-testid=request-version][data-version="2"] [data-testid=version-changes] li');
  assert.deepEqual(await second.evaluateAll((items) => items.map((item) => item.dataset.field)), ['locality']);
  assert.match(await second.textContent(), /Lyon.*Grenoble/);
  const third = manager.locator('[data-testid=request-version][data-version="3"] [data-testid=version-changes] li');
  assert.deepEqual(await third.evaluateAll((items) => items.map((item) => item.dataset.field)), ['description']);
  assert.match(await third.textContent(), /Accounting office, 3rd floor.*Moved to the 4th floor/);
  assert.deepEqual(await timelineKinds(manager), ['requested', 'edited', 'edited']);
  assert.equal(await manager.locator('[data-testid=request-edit]').count(), 0, 'the manager does not edit');
  await axeClean(manager, 'the request page, its enrollment manager, deciding');
  // Approved from the page: the timeline says by whom.
  await manager.locator('[data-testid=page-approve]').click();
  await manager.locator('[data-testid=request-page-status][data-status=approved]').waitFor();
  assert.deepEqual(await timelineKinds(manager), ['requested', 'edited', 'edited', 'approved']);
  assert.match(await manager.locator('[data-testid=timeline-event][data-kind=approved]').textContent(), /mona@alpha\.example\.com/);
  assert.equal(await manager.locator('[data-testid=request-decision]').count(), 0, 'decided: no more decision');
  await manager.context().close();
  assert.equal(await statusOf(made.id), 'approved');
  // The requester's page shows the same timeline.
  const after = await requestPage(who.requester, `/console/device-requests/${made.id}`);
  assert.deepEqual(await timelineKinds(after), ['requested', 'edited', 'edited', 'approved']);
  assert.equal(await after.locator('[data-testid=request-edit]').count(), 0, 'decided: no more edit');
  await after.context().close();
});

test("in Chromium: a rejected request's page shows the reason to its requester", async () => {
  const { id } = await request('workstation');
  assert.equal((await act('managerHere', 'reject', id)).status, 200);
  const requester = await requestPage(who.requester, `/console/device-requests/${id}`);
  assert.equal(await requester.locator('[data-testid=request-page-status]').getAttribute('data-status'), 'rejected');
  assert.match(await requester.locator('[data-testid=request-page-reason]').textContent(), /Not one of our machines\./);
  const rejected = await requester.locator('[data-testid=timeline-event][data-kind=rejected]').textContent();
  assert.match(rejected, /Not one of our machines\./);
  assert.match(rejected, /mona@alpha\.example\.com/);
  await axeClean(requester, 'the request page, rejected');
  await requester.context().close();
});

test("in Chromium: a request's page is refused to whoever may not see the request", async () => {
  const { id, latest } = await request('workstation');
  const server = await request('server');
  const cases = [
    ['otherAccount', `/console/device-requests/${id}`],
    ['managerElsewhere', `/console/device-requests/${id}`],
    ['otherAccount', '/console/device-requests/DR-0000-00'],
    // A CA administrator reads requests in their own console, and only server requests there.
    ['caAdministrator', `/console/device-requests/${server.id}`],
    ['caAdministrator', `/console/admin/device-requests/${id}`],
    // An organization's user does not open the CA administrators' page.
    ['requester', `/console/admin/device-requests/${server.id}`],
  ];
  for (const [role, path] of cases) {
    const page = await requestPage(who[role], path);
    assert.equal(await page.locator('[data-testid=request-not-found]').count(), 1, `${role} ${path}`);
    const body = await page.locator('body').textContent();
    assert.ok(!body.includes('Accounting office') && !body.includes(latest.host_name) && !body.includes(server.latest.host_name), `${role} ${path} leaks`);
    await page.context().close();
  }
  // The API answers the same: unknown.
  assert.equal((await api(`/admin/device-requests/${id}`, { headers: who.caAdministrator })).status, 404);
  assert.equal((await api(`/admin/device-requests/${server.id}`, { headers: who.requester })).status, 403);
});

test("in Chromium: a CA administrator's page of a server request with a CSR: explained, approved, its subject name", async () => {
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(directory, 'page.key.pem'),
    '-subj', '/CN=whatever', '-addext', 'extendedKeyUsage=clientAuth']);
  const made = await request('server', { csr });
  const queue = await openPage(who.caAdministrator, '/console/admin/device-requests');
  const link = queue.locator(`[data-testid=device-request][data-id="${made.id}"] a[data-testid=request-id]`);
  await link.waitFor({ timeout: 90_000 });
  await link.click();
  await queue.locator('[data-testid=request-page-id]').waitFor({ timeout: 90_000 });
  assert.equal(new URL(queue.url()).pathname, `/console/admin/device-requests/${made.id}`);
  const codes = await queue.locator('[data-testid=request-csr-explanations] li').evaluateAll((items) => items.map((item) => item.dataset.code));
  assert.ok(codes.length > 0, 'the CSR asks for clientAuth: explained');
  assert.match(await queue.locator('[data-testid=request-csr-explanations]').textContent(), /clientAuth/);
  await axeClean(queue, 'the request page, a CA administrator, deciding');
  await queue.locator('[data-testid=page-approve]').click();
  await queue.locator('[data-testid=request-page-status][data-status=issued]').waitFor();
  assert.deepEqual(await timelineKinds(queue), ['requested', 'approved', 'issued']);
  assert.match(await queue.locator('[data-testid=timeline-event][data-kind=approved]').textContent(), /CA administrator/);
  const [{ serial }] = await worker.query(`SELECT serial FROM device_requests WHERE id = '${made.id}'`);
  await queue.locator(`[data-testid=subject-name-${serial}] summary`).click();
  const pem = (await api(`/certificates/${serial}/pem`)).text();
  const expected = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).trim().replace(/^subject=/, '');
  await queue.locator('[data-testid=subject-rfc4514]').waitFor({ timeout: 30_000 });
  assert.equal(await queue.locator('[data-testid=subject-rfc4514]').textContent(), expected);
  await queue.context().close();
});

test('in Chromium: the organization admin removes an enrollment manager, who then sees none of its requests', async () => {
  const granted = await api('/enrollment-managers', { method: 'POST', headers: who.organizationAdmin, body: JSON.stringify({ user_id: ids.otto, organization_id: 'org-alpha-one' }) });
  assert.equal(granted.status, 201, granted.text());
  const { id } = await request('workstation');
  assert.equal((await api(`/device-requests/${id}`, { headers: who.managerElsewhere })).status, 200, 'a manager of Alpha One now');
  const admin = await openPage(who.organizationAdmin, '/console/device-requests');
  const row = admin.locator(`[data-testid=enrollment-manager][data-user="${ids.otto}"][data-organization=org-alpha-one]`);
  await row.waitFor({ timeout: 90_000 });
  // Dismissing the confirmation removes nothing (the page asks before it sends anything).
  const dismissed = new Promise((resolve) => admin.once('dialog', (dialog) => dialog.dismiss().then(resolve)));
  await row.locator('[data-testid=remove-manager]').click();
  await dismissed;
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM enrollment_managers WHERE user_id = '${ids.otto}' AND organization_id = 'org-alpha-one'`))[0].n, 1);
  // Accepting it removes the role, and the list shows it gone; Otto's other organization stays.
  admin.once('dialog', (dialog) => dialog.accept());
  await row.locator('[data-testid=remove-manager]').click();
  await row.waitFor({ state: 'detached' });
  await admin.locator(`[data-testid=enrollment-manager][data-user="${ids.otto}"][data-organization=org-alpha-two]`).waitFor();
  await admin.context().close();
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM enrollment_managers WHERE user_id = '${ids.otto}' AND organization_id = 'org-alpha-one'`))[0].n, 0);
  assert.equal((await api(`/device-requests/${id}`, { headers: who.managerElsewhere })).status, 404);
  const list = (await api('/device-requests', { headers: who.managerElsewhere })).json();
  assert.ok(!list.requests.some((request) => request.id === id) && !list.managed_organizations.includes('org-alpha-one'));
  const decided = await act('managerElsewhere', 'approve', id);
  assert.equal(decided.status, 404, decided.text());
  assert.equal(await statusOf(id), 'requested');
});
