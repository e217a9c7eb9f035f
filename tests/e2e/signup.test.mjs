// Onboarding against the Worker in workerd (issue 12, item 1): public signup end to end in Chromium through the
// development mailbox, the link's rules (single use, 24 hours, a scanner's reads spend nothing), the same answer for
// a known address, the signup throttles per address and per client network, and the CA administrators' account
// operations (create, add or replace an administrator, disable and enable), each refused 403 to an organization
// administrator, an organization user and an API key.
//
// The client's network is the `CF-Connecting-IP` header, which wrangler dev keeps when the request carries it: each
// test that signs up through the API sends its own, so their counts do not add up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, http, createAccount, caAdministrator, login, passwordKey, launchBrowser, signedInPage, ROOT } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const CHOSEN = 'a long signup password, chosen well';
let worker;
let browser;
let ca;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  await createAccount(worker, {
    name: 'Acme',
    users: [
      { email: 'ada@acme.example', name: 'Ada Admin', role: 'org_admin', password: PASSWORD },
      { email: 'uma@acme.example', name: 'Uma User', role: 'org_user', password: PASSWORD },
    ],
  });
  ca = await caAdministrator(worker);
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const json = (headers = {}) => ({ 'content-type': 'application/json', ...headers });
const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const post = (path, body, headers = {}) => api(path, { method: 'POST', headers: json(headers), body: JSON.stringify(body) });
const signUp = (body, ip) => post('/signups', { lang: 'en', ...body }, { 'cf-connecting-ip': ip });

async function mailTo(address) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages.filter((message) => message.to === address);
}

/** Waits until `condition` resolves truthy (checked every 100 ms, at most `seconds`), and resolves to its value. */
async function eventually(condition, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not true within ${seconds} s: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The token of the latest signup link emailed to `address`. */
async function linkTokenOf(address) {
  return eventually(async () => {
    const links = (await mailTo(address)).map((message) => message.body.match(/http:\/\/\S+\/signup\/([A-Za-z0-9_-]{43})/));
    return links.filter(Boolean).at(-1)?.[1];
  });
}

test('signup end to end in Chromium: the form, the emailed link (scanned first), the password, logged in on /console', async () => {
  const email = 'grace@newco.example';
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${worker.url}/login`);
  await page.click('[data-testid=create-account]');
  await page.waitForURL(`${worker.url}/signup`);
  await page.fill('[data-testid=organization-name]', 'NewCo Ltd');
  await page.fill('[data-testid=name]', 'Grace Hopper');
  await page.fill('[data-testid=email]', email);
  await page.click('[data-testid=signup-submit]');
  await page.waitForSelector('[data-testid=signup-sent]');
  const token = await linkTokenOf(email);
  // Nothing exists yet but the signup: no account, no user.
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM users WHERE email = '${email}'`))[0].n, 0);
  const [stored] = await worker.query(`SELECT token_hash, spent_at FROM signups WHERE email = '${email}'`);
  assert.notEqual(stored.token_hash, token);
  assert.equal(stored.spent_at, null);

  // A mail scanner reads the page and the API (GET, HEAD) before the person: the link stays usable.
  const scannedPage = await fetch(`${worker.url}/signup/${token}`);
  assert.equal(scannedPage.status, 200);
  await fetch(`${worker.url}/signup/${token}`, { method: 'HEAD' });
  for (let read = 0; read < 3; read += 1) {
    const shown = await api(`/signups/${token}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.json().state, 'open');
    assert.equal(shown.json().email, email);
    assert.equal(shown.json().organization_name, 'NewCo Ltd');
  }

  await page.goto(`${worker.url}/signup/${token}`);
  await page.waitForSelector('[data-testid=signup-link-form]');
  assert.match(await page.textContent('[data-testid=signup-summary]'), /NewCo Ltd.*Grace Hopper/);
  await page.fill('[data-testid=password]', CHOSEN);
  await page.fill('[data-testid=password-confirm]', CHOSEN);
  await page.click('[data-testid=signup-link-submit]');
  // Two PBKDF2 derivations (600,000 iterations each) in the page, then the console: or the refusal it shows.
  const landed = await Promise.race([
    page.waitForURL(`${worker.url}/console`, { timeout: 120_000 }).then(() => 'console'),
    page.waitForSelector('[role=alert]', { timeout: 120_000 }).then((alert) => alert.textContent()),
  ]);
  assert.equal(landed, 'console');
  await page.waitForSelector('[data-testid=who]');
  assert.equal(await page.textContent('[data-testid=who]'), email);
  // The console opens on what needs attention; the account page is one click away.
  await page.click('[data-testid=nav-account]');
  await page.waitForURL(`${worker.url}/console/account`);
  assert.equal(await page.textContent('[data-testid=account-organization]'), 'NewCo Ltd');
  assert.equal(await page.getAttribute('[data-testid=account-role]', 'data-role'), 'org_admin');
  // The CA administrators' entry is not in an organization administrator's navigation.
  assert.equal(await page.locator('[data-testid=nav-admin-accounts]').count(), 0);

  // One batch made the account, its administrator (with the chosen password only as a verifier), spent the link
  // and wrote the audit record; no organization was created.
  const [user] = await worker.query(`SELECT id, account_id, role, name, password_hash FROM users WHERE email = '${email}'`);
  assert.equal(user.role, 'org_admin');
  assert.equal(user.name, 'Grace Hopper');
  const [account] = await worker.query(`SELECT name FROM accounts WHERE id = '${user.account_id}'`);
  assert.equal(account.name, 'NewCo Ltd');
  const [spent] = await worker.query(`SELECT spent_at, account_id FROM signups WHERE email = '${email}'`);
  assert.ok(spent.spent_at > 0);
  assert.equal(spent.account_id, user.account_id);
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM organizations WHERE account_id = '${user.account_id}'`))[0].n, 0);
  const audit = await worker.query(`SELECT actor, detail FROM audit_log WHERE action = 'account.created' AND subject_id = '${user.account_id}'`);
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor, `user:${user.id}`);

  // The link is spent: the API answers link_spent (whatever the key), and the page says so.
  const again = await post(`/signups/${token}`, { password_key: await passwordKey(email, 'another password entirely') });
  assert.equal(again.status, 409);
  assert.equal(again.json().error.code, 'link_spent');
  assert.equal(again.json().error.field, 'token');
  await page.goto(`${worker.url}/signup/${token}`);
  await page.waitForSelector('[data-testid=signup-spent]');
  // The first password still opens the account; the second never took.
  assert.equal((await post('/session', { email, password_key: await passwordKey(email, CHOSEN) }, { origin: worker.url })).status, 200);
});

test('an expired signup link is refused (link_expired) and creates nothing', async () => {
  const email = 'late@later.example';
  assert.equal((await signUp({ organization_name: 'Later', name: 'Lee Late', email }, '203.0.113.20')).status, 202);
  const token = await linkTokenOf(email);
  const now = Math.floor(Date.now() / 1000);
  // `signups_version` takes an update that moves the version on by one.
  await worker.query(`UPDATE signups SET expires_at = ${now - 1}, version = version + 1 WHERE email = '${email}'`);
  const shown = (await api(`/signups/${token}`)).json();
  assert.equal(shown.state, 'expired');
  assert.equal(shown.email, null);
  const used = await post(`/signups/${token}`, { password_key: await passwordKey(email, CHOSEN) });
  assert.equal(used.status, 410);
  assert.equal(used.json().error.code, 'link_expired');
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM users WHERE email = '${email}'`))[0].n, 0);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${worker.url}/signup/${token}`);
  await page.waitForSelector('[data-testid=signup-expired]');
  // An unknown or malformed token is not found.
  assert.equal((await api(`/signups/${'A'.repeat(43)}`)).status, 404);
  assert.equal((await api('/signups/not-a-token')).status, 404);
});

test('a known address gets the same answer as an unknown one, and an email instead of a link', async () => {
  const known = await signUp({ organization_name: 'Acme Again', name: 'Ada', email: 'ada@acme.example' }, '203.0.113.30');
  const unknown = await signUp({ organization_name: 'Fresh', name: 'Fay', email: 'fay@fresh.example' }, '203.0.113.30');
  assert.equal(known.status, 202);
  assert.equal(unknown.status, 202);
  assert.deepEqual(known.json(), unknown.json());
  const [mail] = await eventually(async () => {
    const messages = await mailTo('ada@acme.example');
    return messages.some((message) => /already/.test(message.subject)) && messages.filter((message) => /already/.test(message.subject));
  });
  assert.match(mail.body, /\/login/);
  assert.match(mail.body, /\/reset/);
  assert.doesNotMatch(mail.body, /\/signup\//);
  assert.equal((await worker.query("SELECT COUNT(*) AS n FROM signups WHERE email = 'ada@acme.example'"))[0].n, 0);
  assert.ok(await linkTokenOf('fay@fresh.example'));
});

test('every refused field is named, and nothing is counted or sent', async () => {
  const before = (await worker.query('SELECT COUNT(*) AS n FROM mail_outbox'))[0].n;
  const refused = await signUp({ organization_name: ' ', name: 'Eve\u202eliam', email: 'not an address', lang: 'de' }, '203.0.113.40');
  assert.equal(refused.status, 422);
  const named = refused.json().errors.map((error) => [error.field, error.code]);
  assert.deepEqual(named, [
    ['organization_name', 'value_missing'],
    ['name', 'value_invisible_character'],
    ['email', named[2][1]],
    ['lang', 'lang_unknown'],
  ]);
  assert.match(named[2][1], /^email_/);
  const long = await signUp({ organization_name: 'x'.repeat(65), name: 'Ok', email: 'ok@ok.example' }, '203.0.113.40');
  assert.equal(long.json().error.code, 'value_too_long');
  assert.equal(long.json().error.field, 'organization_name');
  assert.equal((await worker.query('SELECT COUNT(*) AS n FROM mail_outbox'))[0].n, before);
  assert.equal((await worker.query("SELECT COUNT(*) AS n FROM signup_throttle WHERE key = 'ip:203.0.113.40/32'"))[0].n, 0);
});

test('signups are throttled per address (3) and per client network (10), with Retry-After and the field named', async () => {
  const email = 'flood@target.example';
  for (let index = 0; index < 3; index += 1) {
    const accepted = await signUp({ organization_name: 'Target', name: 'Tim', email }, `198.51.100.${index + 1}`);
    assert.equal(accepted.status, 202, accepted.text());
  }
  const fourth = await signUp({ organization_name: 'Target', name: 'Tim', email }, '198.51.100.99');
  assert.equal(fourth.status, 429);
  assert.equal(fourth.json().error.code, 'too_many_signups');
  assert.equal(fourth.json().error.field, 'email');
  const retryAfter = Number(fourth.headers['retry-after']);
  assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM signups WHERE email = '${email}'`))[0].n, 3);
  // The refused signup's attempt on the network's count was given back: after one more signup it counts one.
  assert.equal((await signUp({ organization_name: 'Other', name: 'Ola', email: 'ola@other.example' }, '198.51.100.99')).status, 202);
  const [network] = await worker.query("SELECT attempts FROM signup_throttle WHERE key = 'ip:198.51.100.99/32'");
  assert.equal(network.attempts, 1);

  const ip = '192.0.2.77';
  for (let index = 0; index < 10; index += 1) {
    const accepted = await signUp({ organization_name: `Org ${index}`, name: 'Nat', email: `n${index}@net.example` }, ip);
    assert.equal(accepted.status, 202, accepted.text());
  }
  const eleventh = await signUp({ organization_name: 'Org 10', name: 'Nat', email: 'n10@net.example' }, ip);
  assert.equal(eleventh.status, 429);
  assert.equal(eleventh.json().error.code, 'too_many_signups');
  assert.equal(eleventh.json().error.field, 'client');
  assert.ok(Number(eleventh.headers['retry-after']) > 0);
  // A known address is throttled the same way (the answer never tells).
  const knownRefused = await signUp({ organization_name: 'Acme', name: 'Ada', email: 'ada@acme.example' }, ip);
  assert.equal(knownRefused.status, 429);
  assert.equal((await worker.query("SELECT COUNT(*) AS n FROM signups WHERE email = 'n10@net.example'"))[0].n, 0);
});

test('a CA administrator creates an account whose administrator is invited with a temporary password', async () => {
  const email = 'boss@initech.example';
  const created = await post('/admin/accounts', { name: 'Initech', administrator_name: 'Bill Lumbergh', administrator_email: email }, ca);
  assert.equal(created.status, 201, created.text());
  const detail = created.json();
  assert.equal(detail.account.name, 'Initech');
  assert.equal(detail.account.user_count, 1);
  assert.equal(detail.account.administrators[0].email, email);
  assert.equal(detail.users[0].must_change_password, true);
  const [mail] = await eventually(async () => (await mailTo(email)).length > 0 && mailTo(email));
  const temporary = mail.body.match(/KWT-[A-Za-z0-9-]+/)[0];
  const session = await post('/session', { email, temporary_password: temporary }, { origin: worker.url });
  assert.equal(session.status, 200);
  assert.equal(session.json().user.must_change_password, true);
  const audit = await worker.query(`SELECT actor FROM audit_log WHERE action = 'account.created' AND subject_id = '${detail.account.id}'`);
  assert.equal(audit.length, 1);
  assert.match(audit[0].actor, /^user:/);
  // Refusals name their field: a taken address, a missing name.
  const taken = await post('/admin/accounts', { name: 'Dup', administrator_name: 'Ada', administrator_email: 'ada@acme.example' }, ca);
  assert.equal(taken.status, 409);
  assert.equal(taken.json().error.field, 'administrator_email');
  const missing = await post('/admin/accounts', { name: '', administrator_name: '', administrator_email: 'x@y.example' }, ca);
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.json().errors.map((error) => error.field), ['name', 'administrator_name']);
  // Search by name and by a user's address.
  const byName = (await api('/admin/accounts?query=initech', { headers: ca })).json().accounts;
  assert.deepEqual(byName.map((account) => account.id), [detail.account.id]);
  const byAddress = (await api('/admin/accounts?query=uma%40acme.example', { headers: ca })).json().accounts;
  assert.deepEqual(byAddress.map((account) => account.name), ['Acme']);
  assert.equal(byAddress[0].user_count, 2);
  assert.deepEqual(byAddress[0].administrators.map((user) => user.email), ['ada@acme.example']);
});

test('replacing an administrator who left disables them (sessions and API keys end), with the reason audited', async () => {
  const { accountId, userIds } = await createAccount(worker, {
    name: 'Hooli', users: [{ email: 'gavin@hooli.example', name: 'Gavin', role: 'org_admin', password: PASSWORD }],
  });
  const gavin = await login(worker, 'gavin@hooli.example', PASSWORD);
  const key = (await post('/api-keys', { name: 'script' }, gavin)).json().key;
  const bearer = { authorization: `Bearer ${key}` };
  assert.equal((await api('/organizations', { headers: bearer })).status, 200);

  const noReason = await post(`/admin/accounts/${accountId}/administrators`,
    { email: 'jared@hooli.example', name: 'Jared', reason: ' ', replaces: userIds[0] }, ca);
  assert.equal(noReason.status, 422);
  assert.equal(noReason.json().error.field, 'reason');
  const replaced = await post(`/admin/accounts/${accountId}/administrators`,
    { email: 'jared@hooli.example', name: 'Jared', reason: 'Gavin left; the CEO asked by phone', replaces: userIds[0] }, ca);
  assert.equal(replaced.status, 201, replaced.text());
  const users = Object.fromEntries(replaced.json().users.map((user) => [user.email, user]));
  assert.ok(users['gavin@hooli.example'].disabled_at > 0);
  assert.equal(users['jared@hooli.example'].role, 'org_admin');
  assert.equal((await api('/session', { headers: gavin })).status, 401);
  assert.equal((await api('/organizations', { headers: bearer })).status, 401);
  const [audit] = await worker.query(`SELECT detail FROM audit_log WHERE action = 'administrator.added' AND subject_id = '${accountId}'`);
  assert.equal(JSON.parse(audit.detail).reason, 'Gavin left; the CEO asked by phone');
  assert.equal(JSON.parse(audit.detail).replaces, userIds[0]);
  // Replacing someone who is no longer an enabled administrator is refused, naming the field.
  const twice = await post(`/admin/accounts/${accountId}/administrators`,
    { email: 'dinesh@hooli.example', name: 'Dinesh', reason: 'again', replaces: userIds[0] }, ca);
  assert.equal(twice.status, 409);
  assert.equal(twice.json().error.field, 'replaces');
});

test('disabling an account ends its sessions and API keys and refuses its logins; enabling lets it log in again', async () => {
  const { accountId } = await createAccount(worker, {
    name: 'Umbrella', users: [{ email: 'alice@umbrella.example', name: 'Alice', role: 'org_admin', password: PASSWORD }],
  });
  const alice = await login(worker, 'alice@umbrella.example', PASSWORD);
  const key = (await post('/api-keys', { name: 'ci' }, alice)).json().key;
  const bearer = { authorization: `Bearer ${key}` };
  const disabled = await post(`/admin/accounts/${accountId}/disable`, { reason: 'Contract ended' }, ca);
  assert.equal(disabled.status, 200, disabled.text());
  assert.ok(disabled.json().account.disabled_at > 0);
  assert.equal(disabled.json().account.disabled_reason, 'Contract ended');
  assert.equal((await api('/session', { headers: alice })).status, 401);
  assert.equal((await api('/organizations', { headers: bearer })).status, 401);
  const refused = await post('/session', { email: 'alice@umbrella.example', password_key: await passwordKey('alice@umbrella.example', PASSWORD) }, { origin: worker.url });
  assert.equal(refused.status, 403);
  assert.equal(refused.json().error.code, 'account_disabled');
  const wrong = await post('/session', { email: 'alice@umbrella.example', password_key: await passwordKey('alice@umbrella.example', 'a wrong password here') }, { origin: worker.url });
  assert.equal(wrong.json().error.code, 'credentials_invalid', 'only the right password learns the account is disabled');
  assert.equal((await post(`/admin/accounts/${accountId}/disable`, { reason: 'again' }, ca)).json().error.code, 'account_already_disabled');
  const [audit] = await worker.query(`SELECT detail FROM audit_log WHERE action = 'account.disabled' AND subject_id = '${accountId}'`);
  assert.equal(JSON.parse(audit.detail).reason, 'Contract ended');

  const enabled = await post(`/admin/accounts/${accountId}/enable`, { reason: 'Renewed' }, ca);
  assert.equal(enabled.status, 200);
  assert.equal(enabled.json().account.disabled_at, null);
  assert.equal((await post('/session', { email: 'alice@umbrella.example', password_key: await passwordKey('alice@umbrella.example', PASSWORD) }, { origin: worker.url })).status, 200);
  assert.equal((await api('/organizations', { headers: bearer })).status, 401, 'an API key ended by the disabling stays ended');

  // A session or key made in a race with the disabling (read the account enabled, written after its batch) is
  // still refused: authentication reads the account's state, not only the ended rows.
  const late = await login(worker, 'alice@umbrella.example', PASSWORD);
  const lateKey = (await post('/api-keys', { name: 'late' }, late)).json().key;
  await worker.query(`UPDATE accounts SET disabled_at = ${Math.floor(Date.now() / 1000)}, disabled_reason = 'race' WHERE id = '${accountId}'`);
  assert.equal((await api('/session', { headers: late })).status, 401);
  assert.equal((await api('/organizations', { headers: { authorization: `Bearer ${lateKey}` } })).status, 401);
  await worker.query(`UPDATE accounts SET disabled_at = NULL, disabled_reason = NULL WHERE id = '${accountId}'`);
  assert.equal((await api('/session', { headers: late })).status, 200);
});

test('every CA-administrator account operation is refused to an organization admin, an organization user and an API key', async () => {
  const openApi = JSON.parse(readFileSync(join(ROOT, 'edge', 'openapi.json'), 'utf8'));
  const operations = Object.entries(openApi.paths)
    .filter(([path]) => path.startsWith('/api/v1/admin/accounts'))
    .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })))
    // The accounts' own operations (contracts, deposits and ledgers under the same path are the contracts suite's).
    .filter(({ operation }) => operation.tags.includes('admin'));
  assert.equal(operations.length, 6);
  const [{ id: acme }] = await worker.query("SELECT id FROM accounts WHERE name = 'Acme'");
  const admin = await login(worker, 'ada@acme.example', PASSWORD);
  const user = await login(worker, 'uma@acme.example', PASSWORD);
  const key = (await post('/api-keys', { name: 'probe' }, admin)).json().key;
  const callers = { organization_admin: admin, organization_user: user, api_key: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } };
  const before = JSON.stringify(await worker.queryAll('SELECT * FROM accounts ORDER BY id; SELECT id, role, disabled_at FROM users ORDER BY id'));
  const bodies = {
    post: { name: 'X', administrator_name: 'X', administrator_email: 'x@x.example', email: 'x@x.example', reason: 'x' },
  };
  for (const { path, method, operation } of operations) {
    assert.equal(operation['x-keyward-access'], 'ca_admin', `${method} ${path}`);
    const url = path.replace('{id}', acme).replace('/api/v1', '');
    for (const [who, headers] of Object.entries(callers)) {
      const response = await api(url, { method: method.toUpperCase(), headers, body: bodies[method] && JSON.stringify(bodies[method]) });
      assert.equal(response.status, 403, `${who}: ${method} ${path}: ${response.text()}`);
    }
    const anonymous = await api(url, { method: method.toUpperCase(), headers: json({ origin: worker.url }), body: bodies[method] && JSON.stringify(bodies[method]) });
    assert.equal(anonymous.status, 401, `anonymous: ${method} ${path}`);
  }
  assert.equal(JSON.stringify(await worker.queryAll('SELECT * FROM accounts ORDER BY id; SELECT id, role, disabled_at FROM users ORDER BY id')), before);
});

test('the CA administrators\' accounts page in Chromium: search, create, disable', async () => {
  const page = await signedInPage(worker, browser, await caAdministrator(worker));
  await page.click('[data-testid=nav-admin-accounts]');
  await page.waitForURL(`${worker.url}/console/admin/accounts`);
  await page.fill('[data-testid=accounts-query]', 'acme.example');
  await page.click('[data-testid=accounts-search-submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=account-row] [data-testid=account-name]')]
    .map((cell) => cell.textContent).join() === 'Acme');
  // Each account links to its contracts, deposits and ledger.
  const [{ id: acmeId }] = await worker.query("SELECT id FROM accounts WHERE name = 'Acme'");
  assert.equal(await page.locator('[data-testid=account-row] [data-testid=account-billing]').getAttribute('href'),
    `/console/admin/billing?account=${acmeId}`);

  await page.fill('[data-testid=create-name]', 'Page Made Ltd');
  await page.fill('[data-testid=create-administrator-name]', 'Pam Page');
  await page.fill('[data-testid=create-administrator-email]', 'pam@pagemade.example');
  await page.click('[data-testid=account-create-submit]');
  await page.waitForSelector('[data-testid=account-manager] [data-testid=account-user][data-role=org_admin]');
  await page.fill('[data-testid=status-reason]', 'Asked by the customer');
  await page.click('[data-testid=account-disable]');
  await page.waitForSelector('[data-testid=account-enable]');
  const [account] = await worker.query("SELECT disabled_at, disabled_reason FROM accounts WHERE name = 'Page Made Ltd'");
  assert.ok(account.disabled_at > 0);
  assert.equal(account.disabled_reason, 'Asked by the customer');
  // An organization administrator opening the page gets no page (and the API refuses them anyway).
  const other = await (await browser.newContext()).newPage();
  await other.goto(`${worker.url}/login`);
  await other.fill('[data-testid=email]', 'ada@acme.example');
  await other.fill('[data-testid=password]', PASSWORD);
  await other.click('[data-testid=login-submit]');
  await other.waitForURL(`${worker.url}/console`);
  await other.goto(`${worker.url}/console/admin/accounts`);
  await other.waitForSelector('[data-testid=console-nav]');
  assert.equal(await other.locator('[data-testid=accounts-search]').count(), 0);
});
