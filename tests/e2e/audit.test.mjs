// The audit trail, hash-chained (issue 14, item 6). Activity in two accounts (logins, an invitation, an order with
// a CSR certificate, 30 API keys created at once), sealed a second after the answers and by two scheduled handlers
// run at once; then every chain is whole (sequences 1..n, the head at n), the account's export verifies with the real
// `cargo xtask audit-verify` and a tampered copy does not; D1 itself refuses to change a sealed record, to seal one
// out of its chain, or to fork a chain; another account, an organization user and an API key read nothing of it;
// CA administrators read any chain with filters; and the activity pages show the records and filter them in
// Chromium. Last, the Worker seals a burst of writes on its own, in one sealing per second (`edge/src/sealing.rs`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startWorker, http, createAccount, caAdministrator, login, launchBrowser, openssl, scratch, writeTemp, signedInPage, vetOrganization, ROOT } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const ALICE = 'alice@alpha.example.com';
let worker;
let browser;
let alice;
const ids = {};

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

/** Runs the scheduled handler once. */
async function scheduled() {
  const response = await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(response.status, 200);
}

/** Waits until every audit record is sealed, running the scheduled handler while some are not. */
async function allSealed() {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [{ n }] = await worker.query('SELECT COUNT(*) AS n FROM audit_log WHERE sequence IS NULL');
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} audit records still unsealed`);
    await scheduled();
  }
}

/** `cargo xtask audit-verify` on `text` (the real binary); resolves to { code, output }. */
async function auditVerify(text, extra = []) {
  const file = writeTemp(scratch('audit'), 'export.jsonl', text);
  try {
    const { stdout, stderr } = await promisify(execFile)('cargo', ['xtask', 'audit-verify', file, ...extra], { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    return { code: error.code, output: `${error.stdout}${error.stderr}` };
  }
}

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  const a = await createAccount(worker, { name: 'Alpha', users: [
    { email: ALICE, password: PASSWORD },
    { email: 'bob@alpha.example.com', password: PASSWORD, role: 'org_user' },
  ] });
  const b = await createAccount(worker, { name: 'Beta', users: [{ email: 'carol@beta.example.com', password: PASSWORD }] });
  Object.assign(ids, { accountA: a.accountId, alice: a.userIds[0], accountB: b.accountId, carol: b.userIds[0] });
  alice = await login(worker, ALICE, PASSWORD);
  // An order with a CSR recipient (certified at placement): the organization vetted through the CA administrators'
  // API, the domain validated with SQL (their validation has its own suites).
  const organization = await api('/organizations', { method: 'POST', headers: alice, body: JSON.stringify({
    name: 'Alpha Ltd', registration_identifier: 'NTRGB-11111111', country: 'GB',
    address: { street: '1 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' },
    phone: '+44 20 7946 0000', contacts: [{ name: 'Alice', email: ALICE, phone: '+44 20 7946 0001' }],
  }) });
  assert.equal(organization.status, 201, organization.text());
  const now = Math.floor(Date.now() / 1000);
  // Vetted by the CA's staff, the only way (a trigger refuses setting validated_at otherwise).
  await vetOrganization(worker, organization.json().id);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('audit-domain', '${ids.accountA}', 'domain', 'alpha.example.com', 'dns_txt', ${now}, ${now + 86400}, ${now})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by) VALUES ('audit-deposit', '${ids.accountA}', ${now}, 100000, 'deposit', 'wire', 'test')`);
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=x']);
  const order = await api('/orders', { method: 'POST', headers: alice, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: organization.json().id, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, recipients: [{ email: 'dave@alpha.example.com', csr }], payment: { kind: 'balance' },
    subscriber_agreement: '2026-12-01', idempotency_key: 'audit-order-0001',
  }) });
  assert.equal(order.status, 201, order.text());
  ids.order = order.json().id;
  ids.certificate = order.json().recipients[0].certificate_serial;
  const invited = await api('/users', { method: 'POST', headers: alice, body: JSON.stringify({ email: 'erin@alpha.example.com', name: 'Erin', role: 'org_user' }) });
  assert.equal(invited.status, 201, invited.text());
  // Account B's own activity.
  const carol = await login(worker, 'carol@beta.example.com', PASSWORD);
  for (const name of ['beta one', 'beta two']) {
    assert.equal((await api('/api-keys', { method: 'POST', headers: carol, body: JSON.stringify({ name }) })).status, 201);
  }
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

test('30 concurrent writes and two concurrent sealers leave every chain whole, and the export verifies', async () => {
  const created = await Promise.all(Array.from({ length: 30 }, (_, index) => api('/api-keys',
    { method: 'POST', headers: alice, body: JSON.stringify({ name: `concurrent ${index}` }) })));
  assert.deepEqual(created.map((response) => response.status), Array(30).fill(201));
  await Promise.all([scheduled(), scheduled()]);
  await allSealed();

  // Every chain: sequences 1..n without a gap or a repeat, the head at n, records of the right account.
  const chains = await worker.query('SELECT chain, COUNT(*) AS n, COUNT(DISTINCT sequence) AS distinct_sequences, MIN(sequence) AS low, MAX(sequence) AS high FROM audit_log GROUP BY chain');
  const heads = await worker.query('SELECT chain, sequence FROM audit_chain_heads');
  assert.ok(chains.length >= 3, JSON.stringify(chains));
  for (const chain of chains) {
    assert.deepEqual([chain.low, chain.high, chain.distinct_sequences], [1, chain.n, chain.n], JSON.stringify(chain));
    assert.equal(heads.find((head) => head.chain === chain.chain)?.sequence, chain.n, chain.chain);
  }
  const [{ keys }] = await worker.query(`SELECT COUNT(*) AS keys FROM audit_log WHERE chain = '${ids.accountA}' AND action = 'api_key.created'`);
  assert.equal(keys, 30);
  const [{ elsewhere }] = await worker.query(`SELECT COUNT(*) AS elsewhere FROM audit_log WHERE chain <> '${ids.accountA}' AND (actor = 'user:${ids.alice}' OR subject_id = '${ids.order}' OR subject_id = '${ids.certificate}')`);
  assert.equal(elsewhere, 0, "alice's, her order's and her certificate's records are on her account's chain");

  // The export, checked by the real command, also against the head the activity list shows.
  const list = (await api('/audit', { headers: alice })).json();
  const exported = await api('/audit/export', { headers: alice });
  assert.equal(exported.status, 200);
  assert.match(exported.headers['content-disposition'], /attachment/);
  const lines = exported.text().trim().split('\n');
  const total = chains.find((chain) => chain.chain === ids.accountA).n;
  assert.equal(lines.length, total + 1);
  assert.deepEqual(JSON.parse(lines[0]).head, list.head);
  const noted = `${list.head.sequence}:${list.head.hash}`;
  const valid = await auditVerify(exported.text(), ['--head', noted]);
  assert.equal(valid.code, 0, valid.output);
  assert.match(valid.output, new RegExp(`valid: chain ${ids.accountA}, ${total} records`));

  // Tampered copies are refused, naming the line.
  const record = JSON.parse(lines[5]);
  const edited = [...lines];
  edited[5] = JSON.stringify({ ...record, detail: '{"name":"someone else"}' });
  const swapped = [...lines];
  [swapped[3], swapped[7]] = [swapped[7], swapped[3]];
  const cases = [
    ['edited', edited, /audit_record_altered \(line 6\)/],
    ['deleted', lines.filter((_, index) => index !== 4), /audit_record_removed \(line 5\)/],
    ['swapped', swapped, /audit_record_reordered \(line 4\)/],
    ['cut off', lines.slice(0, -2), /audit_chain_truncated/],
  ];
  for (const [name, copy, expected] of cases) {
    const outcome = await auditVerify(copy.join('\n') + '\n');
    assert.notEqual(outcome.code, 0, `${name}: ${outcome.output}`);
    assert.match(outcome.output, expected, name);
  }
});

test('the database refuses to change a sealed record, to seal one out of its chain, or to move a head back', async () => {
  await allSealed();
  const chain = ids.accountA;
  // wrangler prints the database's refusal (the trigger's name) on its output, not in the error's message.
  const refused = async (sql, reason) => {
    const error = await worker.query(sql).then(() => null, (failure) => failure);
    assert.ok(error, `accepted: ${sql}`);
    assert.match(`${error.message}\n${error.stdout}\n${error.stderr}`, new RegExp(reason), sql);
  };
  await refused(`UPDATE audit_log SET detail = '{}' WHERE chain = '${chain}' AND sequence = 2`, 'audit_record_sealed');
  await refused(`UPDATE audit_log SET at = at + 1 WHERE chain = '${chain}' AND sequence = 1`, 'audit_record_sealed');
  await refused(`DELETE FROM audit_log WHERE chain = '${chain}' AND sequence = 3`, 'audit_record_sealed');
  await refused(`UPDATE audit_chain_heads SET sequence = 1, version = version + 1 WHERE chain = '${chain}'`, 'version_conflict');
  await refused(`DELETE FROM audit_chain_heads WHERE chain = '${chain}'`, 'audit_record_sealed');
  await refused(`INSERT INTO audit_log (at, actor, action, subject_type, subject_id, chain, sequence, previous_hash, hash)
    VALUES (1, 'forger', 'x', 'order', 'o', '${chain}', 999, 'aa', 'bb')`, 'audit_record_unsealed_only');
  // A record sealed by hand: after a previous hash that is not its predecessor's, or at a sequence already taken.
  // Both refused; the sealer then seals it in its place.
  await worker.query(`INSERT INTO audit_log (at, actor, action, subject_type, subject_id) VALUES (CAST(strftime('%s', 'now') AS INTEGER), 'user:${ids.alice}', 'test.forged', 'account', '${chain}')`);
  const [{ sequence, hash }] = await worker.query(`SELECT sequence, hash FROM audit_chain_heads WHERE chain = '${chain}'`);
  const forge = (at, previous) => `UPDATE audit_log SET chain = '${chain}', sequence = ${at}, previous_hash = '${previous}', hash = '${'2'.repeat(64)}' WHERE action = 'test.forged'`;
  await refused(forge(sequence + 1, '1'.repeat(64)), 'audit_chain_broken');
  await refused(forge(sequence, hash), 'audit_chain_broken|UNIQUE');
  await allSealed();
  const [forged] = await worker.query(`SELECT chain, sequence, previous_hash FROM audit_log WHERE action = 'test.forged'`);
  assert.deepEqual(forged, { chain, sequence: sequence + 1, previous_hash: hash });
});

test("another account, an organization user and an API key read nothing of an account's chain", async () => {
  const carol = await login(worker, 'carol@beta.example.com', PASSWORD);
  const theirs = await api('/audit', { headers: carol });
  assert.equal(theirs.status, 200);
  const records = theirs.json().records;
  assert.ok(records.length >= 2);
  assert.ok(records.every((record) => record.chain === ids.accountB), JSON.stringify(records.map((record) => record.chain)));
  for (const value of [ids.accountA, ids.alice, ids.order, ids.certificate]) assert.ok(!theirs.text().includes(value), value);
  // The account a query names is ignored: an organization administrator reads their own chain only.
  const named = (await api(`/audit?account=${ids.accountA}`, { headers: carol })).json().records;
  assert.ok(named.length >= 2 && named.every((record) => record.chain === ids.accountB));
  for (const query of [`?actor=user:${ids.alice}`, `?object=${ids.order}`, `?account=${ids.accountA}&object=${ids.order}`]) {
    assert.deepEqual((await api(`/audit${query}`, { headers: carol })).json().records, [], query);
  }
  const export_ = await api('/audit/export', { headers: carol });
  assert.equal(JSON.parse(export_.text().split('\n')[0]).head.chain, ids.accountB);
  assert.ok(!export_.text().includes(ids.accountA));
  // Organization users and API keys are not organization administrators; the CA's log is for CA administrators.
  const bob = await login(worker, 'bob@alpha.example.com', PASSWORD);
  const key = (await api('/api-keys', { method: 'POST', headers: alice, body: JSON.stringify({ name: 'reader' }) })).json().key;
  const bearer = { authorization: `Bearer ${key}` };
  for (const headers of [bob, bearer]) {
    for (const path of ['/audit', '/audit/export', '/admin/audit', `/admin/audit/export?account=${ids.accountA}`]) {
      assert.equal((await api(path, { headers })).status, 403, path);
    }
  }
  for (const path of ['/admin/audit', `/admin/audit/export?account=${ids.accountB}`]) {
    assert.equal((await api(path, { headers: alice })).status, 403, path);
  }
});

test('CA administrators read any chain, filtered by account, actor, object and action', async () => {
  await allSealed();
  const admin = await caAdministrator(worker);
  const byAccount = (await api(`/admin/audit?account=${ids.accountA}`, { headers: admin })).json();
  assert.ok(byAccount.records.length > 0 && byAccount.records.every((record) => record.chain === ids.accountA));
  assert.equal(byAccount.head.chain, ids.accountA);
  const byObject = (await api(`/admin/audit?object=${ids.order}`, { headers: admin })).json();
  assert.ok(byObject.records.some((record) => record.action === 'order_placed'), JSON.stringify(byObject.records));
  assert.ok(byObject.records.every((record) => record.object_id === ids.order));
  const family = (await api(`/admin/audit?actor=user:${ids.carol}&action=api_key.`, { headers: admin })).json();
  assert.equal(family.records.length, 2);
  assert.ok(family.records.every((record) => record.chain === ids.accountB && record.action === 'api_key.created'));
  const exported = await api(`/admin/audit/export?account=${ids.accountB}`, { headers: admin });
  assert.equal((await auditVerify(exported.text())).code, 0);
  assert.equal((await api('/admin/audit/export', { headers: admin })).status, 422);
  assert.equal((await api('/admin/audit?page=0', { headers: admin })).json().error.field, 'page');
  // Newest first, in pages of 50.
  const first = (await api(`/admin/audit?account=${ids.accountA}`, { headers: admin })).json();
  const ids_ = first.records.map((record) => record.id);
  assert.deepEqual(ids_, [...ids_].sort((x, y) => y - x));
  if (first.has_more) {
    const second = (await api(`/admin/audit?account=${ids.accountA}&page=2`, { headers: admin })).json();
    assert.ok(second.records.every((record) => record.id < ids_.at(-1)));
  }
});

test('the activity page shows the records and filters them; the CA administrators page filters by account', async () => {
  await allSealed();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${worker.url}/login`);
  await page.fill('[data-testid=email]', ALICE);
  await page.fill('[data-testid=password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(`${worker.url}/console`);
  await page.click('[data-testid=nav-activity]');
  await page.waitForSelector('[data-testid=audit-row]');
  const chainsShown = await page.$$eval('[data-testid=audit-row]', (rows) => [...new Set(rows.map((row) => row.dataset.chain))]);
  assert.deepEqual(chainsShown, [ids.accountA]);
  assert.match(await page.textContent('[data-testid=audit-head]'), /^\d+:[0-9a-f]{64}$/);
  assert.equal(await page.getAttribute('[data-testid=audit-export]', 'href'), '/api/v1/audit/export');

  await page.fill('[data-testid=audit-object]', ids.order);
  await page.click('[data-testid=audit-apply]');
  await page.waitForFunction((order) => {
    const rows = [...document.querySelectorAll('[data-testid=audit-row]')];
    return rows.length > 0 && rows.every((row) => row.dataset.object === order);
  }, ids.order);
  await page.fill('[data-testid=audit-object]', '');
  await page.fill('[data-testid=audit-action]', 'api_key.created');
  await page.click('[data-testid=audit-apply]');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=audit-row]')];
    return rows.length === 31 && rows.every((row) => row.dataset.action === 'api_key.created');
  });
  // A period that ended before anything happened.
  await page.fill('[data-testid=audit-action]', '');
  await page.fill('[data-testid=audit-until]', '2020-01-01');
  await page.click('[data-testid=audit-apply]');
  await page.waitForSelector('[data-testid=audit-none]');
  await context.close();

  // The CA administrators' page.
  const adminPage = await signedInPage(worker, browser, await caAdministrator(worker));
  const adminContext = adminPage.context();
  await adminPage.goto(`${worker.url}/console/admin/audit`);
  await adminPage.waitForSelector('[data-testid=audit-row]');
  await adminPage.fill('[data-testid=audit-account]', ids.accountB);
  await adminPage.click('[data-testid=audit-apply]');
  await adminPage.waitForFunction((chain) => {
    const rows = [...document.querySelectorAll('[data-testid=audit-row]')];
    return rows.length > 0 && rows.every((row) => row.dataset.chain === chain);
  }, ids.accountB);
  assert.equal(await adminPage.getAttribute('[data-testid=audit-export]', 'href'), `/api/v1/admin/audit/export?account=${ids.accountB}`);
  await adminContext.close();
});

test('a write answer\'s records are sealed within seconds without the scheduled handler, and a burst of writes in one sealing per second', async () => {
  await allSealed();
  const version = async () => (await worker.query(`SELECT version FROM audit_chain_heads WHERE chain = '${ids.accountA}'`))[0].version;
  const before = await version();
  // Eight writes one after another, each awaited; each leaves one record on account A's chain.
  const started = Date.now();
  for (let index = 0; index < 8; index += 1) {
    const created = await api('/api-keys', { method: 'POST', headers: alice, body: JSON.stringify({ name: `burst ${index}` }) });
    assert.equal(created.status, 201);
  }
  const seconds = (Date.now() - started) / 1000;
  // Sealed by the Worker on its own: this test never runs the scheduled handler here.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [{ n }] = await worker.query('SELECT COUNT(*) AS n FROM audit_log WHERE sequence IS NULL');
    if (n === 0) break;
    assert.ok(Date.now() < deadline, `${n} records still unsealed 20 s after the last answer`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Each sealing of the chain moves its head's version once. One sealing waits a second after the first answer and
  // takes every record committed by then, so the eight records took at most one sealing per started second of the
  // burst, and one more for a record that landed while a sealing was reading. Sealing after every answer took
  // eight (the test fails there whenever the burst lasts under six seconds).
  const sealings = (await version()) - before;
  assert.ok(sealings >= 1 && sealings <= Math.floor(seconds) + 2, `${sealings} sealings for 8 writes in ${seconds} s`);
});
