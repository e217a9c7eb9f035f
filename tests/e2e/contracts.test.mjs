// Contracts, deposits and refunds through the API against the Worker in workerd: contract payment is refused
// without an active contract of the account (it used to be self-declared), accepted within the limit and refused
// past it; twenty concurrent contract orders never together pass the limit (the trigger, read back from D1); a
// deposit recorded by a CA administrator pays a balance order; cancelling refunds exactly the recipients not yet
// issued, once, even when an enrollment races the cancel; every CA-administrator operation is refused to an
// organization administrator, an organization user and an API key; and the billing page works in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startWorker, http, createAccount, caAdministrator, login, launchBrowser, openssl, scratch, signedInPage } from './harness.mjs';

let worker;
let directory;
let ca;
let acme;
let acmeUser;
let acmeAccount;
let globexAccount;
let globex;
let price;
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
const ADDRESS = { street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' };

/** An organization and a domain validated for an account, written with SQL (validation has its own suite). */
async function prevalidated(accountId, name, domain) {
  const now = Math.floor(Date.now() / 1000);
  const id = `org-${name.toLowerCase()}`;
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('${id}', '${name}', 'NTRGB-0000${name.length}', 'GB', '${JSON.stringify(ADDRESS)}', ${now - DAY}, ${now - DAY}, '${accountId}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-${name}', '${accountId}', 'domain', '${domain}', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  return id;
}

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const post = (path, headers, body) => api(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
let keys = 0;
function csr() {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `key${keys}.pem`), '-subj', '/CN=ignored']);
}
let counter = 0;
/** An order of Acme's for `count` recipients, paid as `payment`. */
function orderBody(payment, count = 1, organization = 'org-acme', domain = 'acme.example.com') {
  counter += 1;
  return {
    profile: 'smime_organization_multipurpose', organization_id: organization, signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0,
    recipients: Array.from({ length: count }, (_, index) => ({ email: `c${counter}-${index}@${domain}` })),
    notification_emails: [], payment, subscriber_agreement: '2026-12-01',
    idempotency_key: `contracts-order-${counter}-${Date.now()}`,
  };
}
const contract = (reference) => ({ kind: 'contract', reference });
/** Sets a contract on an account as the CA administrator; resolves to its view. */
async function setContract(accountId, reference, limit, { starts = -DAY, ends = 30 * DAY } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const answer = await post(`/admin/accounts/${accountId}/contracts`, ca,
    { reference, credit_limit_cents: limit, starts_at: now + starts, ends_at: now + ends });
  assert.equal(answer.status, 201, answer.text());
  return answer.json();
}
async function counts() {
  const [[orders], [recipients], [charges], [ledger]] = await worker.queryAll(
    'SELECT COUNT(*) AS n FROM orders; SELECT COUNT(*) AS n FROM recipients; SELECT COUNT(*) AS n FROM contract_ledger; SELECT COUNT(*) AS n FROM ledger');
  return { orders: orders.n, recipients: recipients.n, contractLedger: charges.n, ledger: ledger.n };
}
async function used(contractId) {
  const [row] = await worker.query(`SELECT -COALESCE(SUM(amount), 0) AS used, COUNT(*) AS entries FROM contract_ledger WHERE contract_id = '${contractId}'`);
  return row;
}
async function mailTo(address) {
  return (await api('/dev/mailbox')).json().messages.filter((message) => message.to === address);
}

before(async () => {
  worker = await startWorker();
  directory = scratch('contracts');
  const a = await createAccount(worker, { name: 'Acme', users: [
    { email: 'ada@acme.example.com', password: PASSWORD },
    { email: 'uma@acme.example.com', password: PASSWORD, role: 'org_user' },
  ] });
  const g = await createAccount(worker, { name: 'Globex', users: [{ email: 'gus@globex.example.com', password: PASSWORD }] });
  acmeAccount = a.accountId;
  globexAccount = g.accountId;
  await prevalidated(acmeAccount, 'Acme', 'acme.example.com');
  await prevalidated(globexAccount, 'Globex', 'globex.example.com');
  acme = await login(worker, 'ada@acme.example.com', PASSWORD);
  acmeUser = await login(worker, 'uma@acme.example.com', PASSWORD);
  globex = await login(worker, 'gus@globex.example.com', PASSWORD);
  ca = await caAdministrator(worker);
  // The price of one recipient of the orders below, as an order of Globex's states it (paid from a balance
  // written with SQL: deposits through the API are tested below).
  const now = Math.floor(Date.now() / 1000);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('dep-globex', '${globexAccount}', ${now - DAY}, 10000000, 'deposit', 'wire', 'test')`);
  const priced = await post('/orders', globex, orderBody({ kind: 'balance' }, 1, 'org-globex', 'globex.example.com'));
  assert.equal(priced.status, 201, priced.text());
  price = priced.json().price_cents;
  assert.ok(Number.isInteger(price) && price > 0, priced.text());
});
after(async () => {
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

test('contract payment is refused without an active contract of the account, and writes nothing', async () => {
  // The hole: a reference the account made up paid for the order.
  const selfDeclared = await post('/orders', acme, orderBody(contract('x')));
  assert.equal(selfDeclared.status, 422, `a self-declared contract: ${selfDeclared.status} ${selfDeclared.text()}`);
  await setContract(globexAccount, 'PO-GLOBEX', 100 * price);
  const ended = await setContract(acmeAccount, 'PO-ENDED', 100 * price);
  assert.equal((await post(`/admin/accounts/${acmeAccount}/contracts/${ended.id}/end`, ca)).status, 200);
  await setContract(acmeAccount, 'PO-LATER', 100 * price, { starts: 5 * DAY, ends: 30 * DAY });
  const before = await counts();
  for (const [reference, code] of [
    ['x', 'contract_not_found'],
    ['PO-GLOBEX', 'contract_not_found'], // another account's contract
    ['PO-ENDED', 'contract_inactive'],
    ['PO-LATER', 'contract_inactive'],
  ]) {
    const refused = await post('/orders', acme, orderBody(contract(reference)));
    assert.equal(refused.status, 422, `${reference}: ${refused.text()}`);
    const problem = refused.json().errors.find((error) => error.field === 'payment.reference');
    assert.equal(problem?.code, code, `${reference}: ${refused.text()}`);
    assert.ok(problem.message.includes(reference), problem.message);
  }
  assert.deepEqual(await counts(), before);
  // The order form's read: the account's own contracts only, with their status.
  const own = (await api('/contracts', { headers: acmeUser })).json().contracts;
  assert.deepEqual(own.map((entry) => [entry.reference, entry.status]).sort(), [['PO-ENDED', 'ended'], ['PO-LATER', 'upcoming']]);
});

test('a contract order is charged to the contract, accepted within its limit and refused past it', async () => {
  const terms = await setContract(acmeAccount, 'PO-LIMIT', 3 * price);
  const first = await post('/orders', acme, orderBody(contract('PO-LIMIT'), 2));
  assert.equal(first.status, 201, first.text());
  assert.deepEqual(await used(terms.id), { used: 2 * price, entries: 1 });
  const before = await counts();
  const tooMuch = await post('/orders', acme, orderBody(contract('PO-LIMIT'), 2));
  assert.equal(tooMuch.status, 422, tooMuch.text());
  assert.equal(tooMuch.json().errors.find((error) => error.field === 'payment.reference')?.code, 'contract_limit_exceeded');
  assert.deepEqual(await counts(), before);
  const last = await post('/orders', acmeUser, orderBody(contract('PO-LIMIT'), 1));
  assert.equal(last.status, 201, last.text());
  assert.deepEqual(await used(terms.id), { used: 3 * price, entries: 2 });
  const listed = (await api(`/admin/accounts/${acmeAccount}/contracts`, { headers: ca })).json().contracts;
  assert.equal(listed.find((entry) => entry.id === terms.id).used_cents, 3 * price);
  // The balance was not touched by contract orders.
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM ledger WHERE reference = '${first.json().id}'`);
  assert.equal(n, 0);
});

test('twenty concurrent contract orders never together pass the limit', { timeout: 180_000 }, async () => {
  const limit = 7 * price + Math.floor(price / 2);
  const terms = await setContract(acmeAccount, 'PO-RACE', limit);
  const before = await counts();
  const answers = await Promise.all(Array.from({ length: 20 }, () => post('/orders', acme, orderBody(contract('PO-RACE')))));
  const placed = answers.filter((answer) => answer.status === 201);
  const refused = answers.filter((answer) => answer.status !== 201);
  for (const answer of refused) {
    assert.equal(answer.status, 422, answer.text());
    const problem = answer.json().errors.find((error) => error.field === 'payment.reference');
    assert.equal(problem?.code, 'contract_limit_exceeded', answer.text());
  }
  const { used: charged, entries } = await used(terms.id);
  assert.ok(charged <= limit, `charged ${charged} > limit ${limit}`);
  assert.equal(placed.length, 7, 'every order the limit covers is placed');
  assert.equal(charged, placed.length * price);
  assert.equal(entries, placed.length);
  // Nothing half-written: one order, one recipient and one charge per accepted answer, none for a refused one.
  const after = await counts();
  assert.equal(after.orders - before.orders, placed.length);
  assert.equal(after.recipients - before.recipients, placed.length);
  assert.equal(after.contractLedger - before.contractLedger, placed.length);
  const ids = placed.map((answer) => `'${answer.json().id}'`).join(', ');
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM contract_ledger WHERE contract_id = '${terms.id}' AND order_id IN (${ids})`);
  assert.equal(n, placed.length);
});

test('a deposit recorded by a CA administrator appears in the ledger and pays a balance order', async () => {
  const b = await createAccount(worker, { name: 'Beta', users: [{ email: 'bo@beta.example.com', password: PASSWORD }] });
  await prevalidated(b.accountId, 'Beta', 'beta.example.com');
  const bo = await login(worker, 'bo@beta.example.com', PASSWORD);
  const order = () => orderBody({ kind: 'balance' }, 1, 'org-beta', 'beta.example.com');
  const poor = await post('/orders', bo, order());
  assert.equal(poor.status, 422, poor.text());
  assert.equal(poor.json().error.code, 'balance_insufficient');
  for (const [body, field, code] of [
    [{ amount_cents: 0, bank_reference: 'SEPA 1' }, 'amount_cents', 'amount_not_positive'],
    [{ amount_cents: -500, bank_reference: 'SEPA 1' }, 'amount_cents', 'amount_not_positive'],
    [{ amount_cents: price, bank_reference: '  ' }, 'bank_reference', 'reference_blank'],
  ]) {
    const refused = await post(`/admin/accounts/${b.accountId}/deposits`, ca, body);
    assert.equal(refused.status, 422, refused.text());
    assert.deepEqual([refused.json().error.field, refused.json().error.code], [field, code]);
  }
  assert.equal((await post('/admin/accounts/no-such-account/deposits', ca, { amount_cents: 1, bank_reference: 'x' })).status, 404);
  const deposit = await post(`/admin/accounts/${b.accountId}/deposits`, ca, { amount_cents: price, bank_reference: 'SEPA 2026-12-06 BETA' });
  assert.equal(deposit.status, 201, deposit.text());
  const ledger = (await api('/ledger', { headers: bo })).json();
  assert.equal(ledger.balance_cents, price);
  assert.deepEqual(ledger.entries.map((entry) => [entry.kind, entry.amount_cents, entry.reference]), [['deposit', price, 'SEPA 2026-12-06 BETA']]);
  const [audit] = await worker.query(`SELECT actor, detail FROM audit_log WHERE action = 'deposit_recorded' AND subject_id = '${b.accountId}'`);
  const [{ id: caUser }] = await worker.query("SELECT id FROM users WHERE email = 'ca-admin@keyward.test'");
  assert.equal(audit.actor, `user:${caUser}`);
  assert.equal(JSON.parse(audit.detail).recorded_by, caUser);
  const paid = await post('/orders', bo, order());
  assert.equal(paid.status, 201, paid.text());
  assert.equal((await api('/ledger', { headers: bo })).json().balance_cents, 0);
  // The CA administrator reads the same ledger.
  const seen = (await api(`/admin/accounts/${b.accountId}/ledger`, { headers: ca })).json();
  assert.deepEqual(seen.entries.map((entry) => entry.kind).sort(), ['charge', 'deposit']);
});

/** Places an order of two link recipients, enrolls the first, and answers { order, tokens }. */
async function orderWithOneEnrolled(payment, headers = acme) {
  const placed = await post('/orders', headers, orderBody(payment, 2));
  assert.equal(placed.status, 201, placed.text());
  const order = placed.json();
  const tokens = [];
  for (const recipient of order.recipients) {
    const [invitation] = await mailTo(recipient.email);
    tokens.push(invitation.body.match(/\/enroll\/([A-Za-z0-9_-]{43})/)[1]);
  }
  return { order, tokens };
}

test('cancelling refunds exactly the recipients not yet issued, to the balance or to the contract, once', { timeout: 180_000 }, async () => {
  await post(`/admin/accounts/${acmeAccount}/deposits`, ca, { amount_cents: 10 * price, bank_reference: 'SEPA refunds' });
  const terms = await setContract(acmeAccount, 'PO-REFUND', 10 * price);
  for (const payment of [{ kind: 'balance' }, contract('PO-REFUND')]) {
    const { order, tokens } = await orderWithOneEnrolled(payment);
    const enrolled = await api(`/enrollments/${tokens[0]}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) });
    assert.equal(enrolled.status, 201, enrolled.text());
    const cancelled = await post(`/orders/${order.id}/cancel`, acme);
    assert.equal(cancelled.status, 200, cancelled.text());
    const again = await post(`/orders/${order.id}/cancel`, acme);
    assert.equal(again.status, 409, again.text());
    const [balanceRefunds, contractRefunds] = await worker.queryAll(
      `SELECT amount, recipients FROM ledger WHERE kind = 'refund' AND reference = '${order.id}';
       SELECT amount, recipients FROM contract_ledger WHERE kind = 'refund' AND order_id = '${order.id}'`);
    const [expected, other] = payment.kind === 'balance' ? [balanceRefunds, contractRefunds] : [contractRefunds, balanceRefunds];
    assert.deepEqual(expected, [{ amount: price, recipients: 1 }], `${payment.kind}: one recipient refunded once`);
    assert.deepEqual(other, []);
  }
  assert.deepEqual(await used(terms.id), { used: price, entries: 2 });
  const refund = (await api('/ledger', { headers: acme })).json().entries.find((entry) => entry.kind === 'refund');
  assert.equal(refund.recipients, 1);
  assert.equal(refund.amount_cents, price);
});

test('a cancel racing an enrollment never refunds an issued recipient', { timeout: 300_000 }, async () => {
  for (let round = 0; round < 4; round += 1) {
    const { order, tokens } = await orderWithOneEnrolled({ kind: 'balance' });
    const [enrolled, cancelled] = await Promise.all([
      api(`/enrollments/${tokens[0]}`, { method: 'POST', body: JSON.stringify({ csr: csr() }) }),
      post(`/orders/${order.id}/cancel`, acme),
    ]);
    assert.equal(cancelled.status, 200, cancelled.text());
    assert.ok([201, 409, 410].includes(enrolled.status), enrolled.text());
    const [issued, refunds] = await worker.queryAll(
      `SELECT COUNT(*) AS n FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.order_id = '${order.id}';
       SELECT amount, recipients FROM ledger WHERE kind = 'refund' AND reference = '${order.id}'`);
    assert.equal(issued[0].n, enrolled.status === 201 ? 1 : 0);
    assert.deepEqual(refunds, [{ amount: (2 - issued[0].n) * price, recipients: 2 - issued[0].n }], `round ${round}`);
  }
});

test('every CA-administrator operation is refused to an organization administrator, a user and an API key', async () => {
  const terms = await setContract(acmeAccount, 'PO-GUARDED', 10 * price);
  const key = await post('/api-keys', acme, { name: 'contracts script' });
  assert.equal(key.status, 201, key.text());
  const bearer = { authorization: `Bearer ${key.json().key}`, 'content-type': 'application/json' };
  const now = Math.floor(Date.now() / 1000);
  const operations = [
    ['GET', `/admin/accounts/${acmeAccount}/contracts`],
    ['POST', `/admin/accounts/${acmeAccount}/contracts`, { reference: 'PO-SELF', credit_limit_cents: 1_000_000, starts_at: now - DAY, ends_at: now + DAY }],
    ['POST', `/admin/accounts/${acmeAccount}/contracts/${terms.id}/end`],
    ['POST', `/admin/accounts/${acmeAccount}/deposits`, { amount_cents: 1_000_000, bank_reference: 'self' }],
    ['GET', `/admin/accounts/${acmeAccount}/ledger`],
  ];
  const before = await counts();
  for (const [who, headers] of [['organization administrator', acme], ['organization user', acmeUser], ['API key', bearer], ['other account', globex]]) {
    for (const [method, path, body] of operations) {
      const answer = await api(path, { method, headers, body: body && JSON.stringify(body) });
      assert.equal(answer.status, 403, `${method} ${path} as ${who}: ${answer.status} ${answer.text()}`);
    }
  }
  assert.equal((await api(`/admin/accounts/${acmeAccount}/contracts`)).status, 401);
  assert.deepEqual(await counts(), before);
  const [{ ended }] = await worker.query(`SELECT ended_at IS NOT NULL AS ended FROM contracts WHERE id = '${terms.id}'`);
  assert.equal(ended, 0);
});

/** A logged-in console page of a fresh browser context; resolves to { context, page }. */
async function consolePage(browser, email, password, errors) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  // The console's WebAssembly compiles on a machine other suites may be loading: give the first page time.
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  await page.locator('[data-testid=email]').waitFor({ timeout: 90_000 });
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login-submit]');
  await page.locator('[data-testid=console-nav]').waitFor({ timeout: 60_000 });
  return { context, page };
}

test('the billing page: a CA administrator sets a contract, records a deposit, ends the contract; no one else has it', { timeout: 300_000 }, async () => {
  await caAdministrator(worker);
  const gamma = await createAccount(worker, { name: 'Gamma', users: [{ email: 'gil@gamma.example.com', password: PASSWORD }] });
  const browser = await launchBrowser();
  const errors = [];
  try {
    const page = await signedInPage(worker, browser, await caAdministrator(worker));
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.click('[data-testid=nav-admin-billing]');
    await page.fill('[data-testid=billing-account]', gamma.accountId);
    await page.click('[data-testid=billing-show]');
    await page.waitForURL(`${worker.url}/console/admin/billing?account=${gamma.accountId}`);
    await page.locator('[data-testid=no-contracts]').waitFor();
    const day = (offset) => new Date(Date.now() + offset * DAY * 1000).toISOString().slice(0, 10);
    await page.fill('[data-testid=contract-reference]', 'PO-PAGE');
    await page.fill('[data-testid=contract-limit]', '250.00');
    await page.fill('[data-testid=contract-starts]', day(-1));
    await page.fill('[data-testid=contract-ends]', day(30));
    await page.click('[data-testid=contract-submit]');
    await page.locator('[data-testid=contract][data-reference="PO-PAGE"][data-status=active]').waitFor();
    const [stored] = await worker.query(`SELECT credit_limit_cents FROM contracts WHERE account_id = '${gamma.accountId}'`);
    assert.equal(stored.credit_limit_cents, 25_000);
    // A deposit without an amount is refused beside its field; then recorded, it shows in the ledger.
    await page.fill('[data-testid=deposit-reference]', 'SEPA PAGE');
    await page.click('[data-testid=deposit-submit]');
    await page.locator('[data-testid=error-amount_cents]').waitFor();
    await page.fill('[data-testid=deposit-amount]', '120.50');
    await page.click('[data-testid=deposit-submit]');
    await page.locator('[data-testid=billing-ledger-entry][data-kind=deposit]').waitFor();
    assert.ok((await page.textContent('[data-testid=billing-ledger]')).includes('SEPA PAGE'));
    assert.ok((await page.textContent('[data-testid=billing-balance]')).includes('120.50'));
    await page.click('[data-testid=contract-end]');
    await page.locator('[data-testid=contract][data-reference="PO-PAGE"][data-status=ended]').waitFor();
    // The account's own order form offers no contract now, and says so.
    const { page: own } = await consolePage(browser, 'gil@gamma.example.com', PASSWORD, errors);
    assert.equal(await own.locator('[data-testid=nav-admin-billing]').count(), 0, 'no billing entry for an organization administrator');
    await own.goto(`${worker.url}/console/admin/billing?account=${gamma.accountId}`);
    await own.locator('[data-testid=console-nav]').waitFor();
    assert.equal(await own.locator('[data-testid=billing-account]').count(), 0);
    await own.goto(`${worker.url}/console/orders/new`);
    await own.locator('[data-testid=payment-contract]').click();
    await own.locator('[data-testid=no-contract]').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
