// Tenancy, table-driven over the OpenAPI description: for every account operation that names a resource in its
// path, a user of account B, using account A's identifiers, gets 404 (or 403 where only a CA administrator may
// act) and changes nothing of A's; every collection B lists holds none of A's identifiers; B's API key is refused
// the same way wherever an API key is accepted. Who may call an operation is its endpoint's declaration in
// shared::api (`x-keyward-access`, which has no default): an operation without a known access fails the suite, as
// does an account operation with a path parameter the table does not know, so a new endpoint cannot skip the check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, http, createAccount, login, openssl, passPasskeyStep, vetOrganization, ROOT } from './harness.mjs';

const openApi = JSON.parse(readFileSync(join(ROOT, 'edge', 'openapi.json'), 'utf8'));
const PASSWORD = 'correct horse battery staple';
let worker;
let alice;
let bob;
const ids = {};

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

/** Everything account A owns, as rows: compared before and after B's attempts. */
async function snapshotOfA() {
  const account = ids.accountA;
  const tables = [
    `SELECT * FROM organizations WHERE account_id = '${account}' ORDER BY id`,
    `SELECT * FROM validations WHERE account_id = '${account}' ORDER BY id`,
    `SELECT * FROM orders WHERE account_id = '${account}' ORDER BY id`,
    `SELECT r.* FROM recipients r JOIN orders o ON o.id = r.order_id WHERE o.account_id = '${account}' ORDER BY r.id`,
    `SELECT l.id, l.expires_at, l.spent_at, l.version FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id JOIN orders o ON o.id = r.order_id WHERE o.account_id = '${account}' ORDER BY l.id`,
    `SELECT id, name, revoked_at FROM api_keys WHERE account_id = '${account}' ORDER BY id`,
    `SELECT c.serial, c.revoked_at, c.version FROM certificates c JOIN recipients r ON r.id = c.recipient_id JOIN orders o ON o.id = r.order_id WHERE o.account_id = '${account}' ORDER BY c.serial`,
    `SELECT id, email, role, version FROM users WHERE account_id = '${account}' ORDER BY id`,
    `SELECT * FROM ledger WHERE account_id = '${account}' ORDER BY id`,
    `SELECT * FROM contracts WHERE account_id = '${account}' ORDER BY id`,
    `SELECT l.* FROM contract_ledger l JOIN contracts c ON c.id = l.contract_id WHERE c.account_id = '${account}' ORDER BY l.id`,
    `SELECT * FROM vettings WHERE account_id = '${account}' ORDER BY id`,
    `SELECT * FROM vetting_answers WHERE account_id = '${account}' ORDER BY id`,
    `SELECT id, sign_count FROM passkeys WHERE user_id = '${ids.user}' ORDER BY id`,
    `SELECT * FROM device_requests WHERE account_id = '${account}' ORDER BY id`,
    `SELECT v.* FROM device_request_versions v JOIN device_requests d ON d.id = v.request_id WHERE d.account_id = '${account}' ORDER BY v.request_id, v.version`,
    `SELECT m.* FROM enrollment_managers m JOIN organizations o ON o.id = m.organization_id WHERE o.account_id = '${account}' ORDER BY m.user_id, m.organization_id`,
    `SELECT device_kinds FROM accounts WHERE id = '${account}'`,
  ];
  return JSON.stringify(await worker.queryAll(tables.join('; ')));
}

before(async () => {
  worker = await startWorker();
  const a = await createAccount(worker, { name: 'Alpha', users: [{ email: 'alice@alpha.example.com', password: PASSWORD }] });
  await createAccount(worker, { name: 'Beta', users: [
    { email: 'bob@beta.example.com', password: PASSWORD },
    { email: 'bert@beta.example.com', role: 'org_user', password: PASSWORD },
  ] });
  ids.accountA = a.accountId;
  ids.user = a.userIds[0];
  alice = await login(worker, 'alice@alpha.example.com', PASSWORD);
  ids.session = (await api('/sessions', { headers: alice })).json().sessions[0].id;
  // A's passkey (an organization user's is optional; alice's session stays the one she has).
  await passPasskeyStep(worker, 'alice@alpha.example.com', alice, 'register');
  ids.passkey = (await api('/passkeys', { headers: alice })).json().passkeys[0].id;
  bob = await login(worker, 'bob@beta.example.com', PASSWORD);
  // Account A's resources, made through the API.
  const organization = await api('/organizations', {
    method: 'POST',
    headers: alice,
    body: JSON.stringify({
      name: 'Alpha Ltd', registration_identifier: 'NTRGB-11111111', country: 'GB',
      address: { street: '1 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' },
      phone: '+44 20 7946 0000', contacts: [{ name: 'Alice', email: 'alice@alpha.example.com', phone: '+44 20 7946 0001' }],
    }),
  });
  assert.equal(organization.status, 201, organization.text());
  ids.organization = organization.json().id;
  const domain = await api('/domains', { method: 'POST', headers: alice, body: JSON.stringify({ name: 'alpha.example.com', method: 'dns_txt' }) });
  assert.equal(domain.status, 201, domain.text());
  ids.domain = domain.json().id;
  const key = await api('/api-keys', { method: 'POST', headers: alice, body: JSON.stringify({ name: 'alpha script' }) });
  ids.apiKey = key.json().id;
  // An order needs a vetted organization (a CA administrator's vetting, through the API) and a validated domain
  // (granted here with SQL: its validation has its suite).
  await vetOrganization(worker, ids.organization);
  const now = Math.floor(Date.now() / 1000);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('tenancy-domain', '${ids.accountA}', 'domain', 'alpha.example.com', 'dns_txt', ${now}, ${now + 86400}, ${now})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) VALUES ('tenancy-deposit', '${ids.accountA}', ${now}, 100000, 'deposit', 'wire', 'test')`);
  ids.contract = 'tenancy-contract';
  await worker.query(`INSERT INTO contracts (id, account_id, reference, credit_limit_cents, starts_at, ends_at, created_at, created_by)
    VALUES ('${ids.contract}', '${ids.accountA}', 'PO-ALPHA', 100000, ${now - 86400}, ${now + 86400}, ${now}, 'test')`);
  const order = await api('/orders', {
    method: 'POST',
    headers: alice,
    body: JSON.stringify({
      profile: 'smime_organization_multipurpose', organization_id: ids.organization, signature_hash: 'sha256',
      validity: { kind: 'years', years: 1 }, recipients: [{ email: 'carol@alpha.example.com' }, { email: 'dave@alpha.example.com', csr: openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=x']) }], payment: { kind: 'balance' },
      subscriber_agreement: '2026-12-01', idempotency_key: 'tenancy-order-0001',
    }),
  });
  assert.equal(order.status, 201, order.text());
  ids.order = order.json().id;
  ids.certificate = order.json().recipients[1].certificate_serial;
  // A's device request (a server, made by its organization admin) and an enrollment manager.
  const device = await api('/device-requests', { method: 'POST', headers: alice, body: JSON.stringify({ ...DEVICE_FORM, organization_id: ids.organization }) });
  assert.equal(device.status, 201, device.text());
  ids.deviceRequest = device.json().id;
  const manager = await api('/enrollment-managers', { method: 'POST', headers: alice, body: JSON.stringify({ user_id: ids.user, organization_id: ids.organization }) });
  assert.equal(manager.status, 201, manager.text());
  assert.match(ids.certificate, /^[0-9a-f]{32}$/);
});
after(async () => { await worker?.stop(); });

/** Account A's identifier for a path parameter, by the resource the path names. */
function identifierFor(path, parameter) {
  const table = [
    // The recipient with a certificate (issued from the order's CSR), so A itself gets 200 where one is read.
    [/^\/api\/v1\/orders\/\{id\}\/recipients\/\{position\}\/certificate/, { id: () => ids.order, position: () => '1' }],
    [/^\/api\/v1\/orders\/\{id\}\/recipients\/\{position\}/, { id: () => ids.order, position: () => '0' }],
    [/^\/api\/v1\/orders\/\{id\}/, { id: () => ids.order }],
    [/^\/api\/v1\/api-keys\/\{id\}/, { id: () => ids.apiKey }],
    [/^\/api\/v1\/organizations\/\{id\}/, { id: () => ids.organization }],
    [/^\/api\/v1\/admin\/organizations\/\{id\}/, { id: () => ids.organization }],
    [/^\/api\/v1\/admin\/accounts\/\{id\}/, { id: () => ids.accountA, contract: () => ids.contract }],
    [/^\/api\/v1\/domains\/\{id\}/, { id: () => ids.domain }],
    [/^\/api\/v1\/certificates\/\{serial\}/, { serial: () => ids.certificate }],
    [/^\/api\/v1\/users\/\{id\}/, { id: () => ids.user }],
    [/^\/api\/v1\/sessions\/\{id\}/, { id: () => ids.session }],
    [/^\/api\/v1\/admin\/accounts\/\{id\}/, { id: () => ids.accountA }],
    [/^\/api\/v1\/passkeys\/\{id\}/, { id: () => ids.passkey }],
    [/^\/api\/v1\/device-requests\/\{id\}/, { id: () => ids.deviceRequest }],
    [/^\/api\/v1\/admin\/device-requests\/\{id\}/, { id: () => ids.deviceRequest }],
    [/^\/api\/v1\/enrollment-managers\/\{user\}/, { user: () => ids.user, organization: () => ids.organization }],
  ];
  const row = table.find(([pattern]) => pattern.test(path));
  const value = row?.[1][parameter];
  if (!value) throw new Error(`tenancy.test.mjs does not know ${parameter} in ${path}: add the resource to the table`);
  return value();
}

/** A device request of A's organization. */
const DEVICE_FORM = {
  kind: 'server', organization_id: '', host_name: 'srv.alpha.example.com', locality: 'London', region: '',
  phone: '+44 20 7946 0000', description: 'Alpha web server',
};

/** Plausible bodies, so a refusal is about tenancy and not about a malformed request. */
const BODIES = {
  '/api/v1/device-requests/{id}/versions': DEVICE_FORM,
  '/api/v1/device-requests/{id}/decision': { decision: 'reject', reason: 'Not ours.' },
  '/api/v1/admin/device-requests/{id}/decision': { decision: 'reject', reason: 'Not ours.' },
  '/api/v1/organizations/{id}/verification-code/check': { code: '12345678' },
  '/api/v1/admin/organizations/{id}/vetting': { decision: 'rejected', message: 'Not found in the register.' },
  '/api/v1/organizations/{id}/vetting/answers': { text: 'Here is our registration extract.' },
  '/api/v1/domains/{id}/method': { method: 'constructed_email', address: 'admin@alpha.example.com' },
  '/api/v1/certificates/{serial}/revocation': { reason: 'superseded' },
};

/** What each `x-keyward-access` means here: whether the operation acts on an account's data (walked), and what
 * another account's user gets when it names A's resources. */
const ACCESS = {
  public: { walked: false },
  development: { walked: false },
  holder_or_account: { walked: true, refusal: 404 },
  account: { walked: true, refusal: 404 },
  account_admin: { walked: true, refusal: 404 },
  signed_in: { walked: true, refusal: 404 },
  session: { walked: true, refusal: 404 },
  ca_admin: { walked: true, refusal: 403 },
};

const operations = Object.entries(openApi.paths).flatMap(([path, item]) => Object.entries(item)
  .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation, access: operation['x-keyward-access'] })));
const accountOperations = operations.filter(({ access }) => ACCESS[access]?.walked);

test('every operation declares who may call it', () => {
  assert.ok(operations.length >= 40, `only ${operations.length} operations`);
  for (const { path, method, access, operation } of operations) {
    assert.ok(access in ACCESS, `${method} ${path}: x-keyward-access is ${JSON.stringify(access)}, not one of ${Object.keys(ACCESS).join(', ')}`);
    const anonymous = operation.security?.some((scheme) => Object.keys(scheme).length === 0) || operation.security?.length === 0;
    assert.equal(anonymous, !ACCESS[access].walked || access === 'holder_or_account', `${method} ${path}: security ${JSON.stringify(operation.security)} for ${access}`);
  }
  // Every kind of account access is present, so the walk below covers each.
  for (const access of ['account', 'account_admin', 'ca_admin', 'session', 'signed_in', 'holder_or_account']) {
    assert.ok(accountOperations.some((operation) => operation.access === access), `no ${access} operation`);
  }
});

test('every account operation with a resource in its path refuses another account, and changes nothing', async () => {
  const withParameters = accountOperations.filter(({ path }) => path.includes('{'));
  assert.ok(withParameters.length >= 8, `only ${withParameters.length} operations`);
  const before = await snapshotOfA();
  const checked = [];
  for (const { path, method, access } of withParameters) {
    const concrete = path.replace(/\{([^}]+)\}/g, (_, name) => identifierFor(path, name));
    const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(BODIES[path] ?? {});
    const response = await api(concrete.replace('/api/v1', ''), { method, headers: bob, body });
    const expected = ACCESS[access].refusal;
    assert.equal(response.status, expected, `${method} ${path} (${access}) as another account: ${response.status} ${response.text()}`);
    assert.ok(!response.text().includes('Alpha Ltd') && !response.text().includes('carol@alpha.example.com'), `${method} ${path} leaks`);
    checked.push(`${method} ${path}`);
  }
  assert.equal(await snapshotOfA(), before, 'account A changed');
  // The same requests from A itself are not refused for tenancy (the table's identifiers are right); a CA
  // administrator's operation is refused to A as well.
  for (const { path, method } of withParameters.filter(({ method, access }) => method === 'GET' && access !== 'ca_admin')) {
    const concrete = path.replace(/\{([^}]+)\}/g, (_, name) => identifierFor(path, name));
    assert.equal((await api(concrete.replace('/api/v1', ''), { headers: alice })).status, 200, `${method} ${path} as A`);
  }
  console.log(`tenancy checked on ${checked.length} operations: ${checked.join(', ')}`);
});

test("no collection another account lists holds one of A's identifiers", async () => {
  // CA administrators' collections refuse everyone else (the next test).
  const collections = accountOperations.filter(({ path, method, access }) => method === 'GET' && !path.includes('{') && access !== 'ca_admin');
  assert.ok(collections.length >= 4);
  for (const { path, access } of collections) {
    const response = await api(path.replace('/api/v1', ''), { headers: bob });
    // A CA administrators' collection (any account's rows) is refused to an account's user outright.
    assert.equal(response.status, access === 'ca_admin' ? 403 : 200, `${path}: ${response.text()}`);
    for (const [name, value] of Object.entries(ids)) {
      assert.ok(!response.text().includes(value), `${path} lists A's ${name}`);
    }
  }
});

test('an API key of account B cannot reach A either', async () => {
  const created = await api('/api-keys', { method: 'POST', headers: bob, body: JSON.stringify({ name: 'beta script' }) });
  assert.equal(created.status, 201, created.text());
  const bearer = { authorization: `Bearer ${created.json().key}`, 'content-type': 'application/json' };
  // Every operation that accepts an API key and names a resource: refused as unknown; the others refuse the key.
  const withParameters = accountOperations.filter(({ path }) => path.includes('{'));
  const before = await snapshotOfA();
  const checked = [];
  for (const { path, method, access, operation } of withParameters) {
    const concrete = path.replace(/\{([^}]+)\}/g, (_, name) => identifierFor(path, name));
    const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(BODIES[path] ?? {});
    const response = await api(concrete.replace('/api/v1', ''), { method, headers: bearer, body });
    const acceptsKey = operation.security.some((scheme) => 'apiKey' in scheme);
    const expected = acceptsKey ? ACCESS[access].refusal : 403;
    assert.equal(response.status, expected, `${method} ${path} (${access}) with another account's API key: ${response.status} ${response.text()}`);
    if (acceptsKey) checked.push(`${method} ${path}`);
  }
  assert.equal(await snapshotOfA(), before, 'account A changed');
  assert.ok(checked.length >= 5, `only ${checked.length} operations take an API key`);
  console.log(`API key tenancy checked on ${checked.length} operations: ${checked.join(', ')}`);
});

test("every CA administrator's operation is refused to organization admins, organization users and API keys, and changes nothing", async () => {
  const bert = await login(worker, 'bert@beta.example.com', PASSWORD);
  const aliceKey = await api('/api-keys', { method: 'POST', headers: alice, body: JSON.stringify({ name: 'alpha ca probe' }) });
  assert.equal(aliceKey.status, 201, aliceKey.text());
  const bearer = { authorization: `Bearer ${aliceKey.json().key}`, 'content-type': 'application/json' };
  const caOperations = operations.filter(({ access }) => access === 'ca_admin');
  assert.ok(caOperations.length >= 3, `only ${caOperations.length} CA administrator operations`);
  const before = await snapshotOfA();
  // A's own organization admin too: CA administrators' operations are not an account's, whoever owns the resource.
  for (const [who, headers] of [['organization admin of A', alice], ['organization admin of B', bob], ['organization user of B', bert], ["A's API key", bearer]]) {
    for (const { path, method } of caOperations) {
      const concrete = path.replace(/\{([^}]+)\}/g, (_, name) => identifierFor(path, name));
      const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(BODIES[path] ?? {});
      const response = await api(concrete.replace('/api/v1', ''), { method, headers, body });
      assert.equal(response.status, 403, `${method} ${path} as ${who}: ${response.status} ${response.text()}`);
      assert.ok(!response.text().includes('Alpha Ltd'), `${method} ${path} leaks to ${who}`);
    }
  }
  assert.equal(await snapshotOfA(), before, 'account A changed');
});
