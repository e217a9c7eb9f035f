// Accessibility of every page and state the suites visit, checked by axe-core (`@axe-core/playwright`) in real
// headless Chromium against the Worker in workerd: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
// No rule is disabled. The recipient's pages (home, an enrollment link ready, working, issued with the password
// form, with a password error, done with the install guidance, finished, spent, unknown; /revoke and /repackage
// with a form error), the console's (login with a wrong password, reset, the attention page empty and with a
// line, the account with the reminder settings and a refusal beside the thresholds, users, API keys, password,
// orders, the order form with its errors, an order with its pipeline, organizations, domains, mailboxes), the
// public validation link page and the development mailbox; /signup (empty, with its errors, sent, and the emailed
// link's password form with its error), the passkeys, activity and certificates pages, and the CA administrators'
// pages under /console/admin/ (accounts with one opened, vetting with a case and its error, billing of an account
// with a contract and a deposit error, certificates with a search, audit). Where a form is submitted with errors, the test also
// checks that the focus moved to the first error's field (frontend/src/focus.rs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { startWorker, http, createAccount, login, launchBrowser, seed, caAdministrator, signedInPage } from './harness.mjs';

let worker;
let browser;
let account;
let headers;
let orderId;
const ADMIN = 'ada@acme.example.com';
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;
/** Every WCAG 2.0/2.1 A and AA rule, and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  account = await createAccount(worker, { name: 'Acme', users: [{ email: ADMIN, name: 'Ada Admin', role: 'org_admin', password: PASSWORD }] });
  // A validated organization and domain, and a balance (the order suites' preconditions, written with SQL).
  const now = Math.floor(Date.now() / 1000);
  const id = account.accountId;
  await worker.queryAll(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, validated_until, created_at, account_id)
      VALUES ('org-acme', 'Acme', 'NTRGB-00004', 'GB', '{"street":"1 High Street","city":"London","postal_code":"SW1A 1AA","region":""}', ${now - DAY}, ${now + 800 * DAY}, ${now - DAY}, '${id}');
    INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at, validated_until)
      VALUES ('val-acme', '${id}', 'domain', 'acme.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY}, ${now + 390 * DAY});
    INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-acme', '${id}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  headers = await login(worker, ADMIN, PASSWORD);
  const placed = await http(`${worker.url}/api/v1/orders`, { method: 'POST', headers, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: 'org-acme', signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0,
    recipients: [{ email: 'grace@acme.example.com' }, { email: 'linus@acme.example.com' }], notification_emails: [],
    payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `a11y-${Date.now()}` }) });
  assert.equal(placed.status, 201, placed.text());
  orderId = placed.json().id;
  // A pending domain (its emailed link opens the public validation page) and a mailbox at a public provider.
  const domain = await http(`${worker.url}/api/v1/domains`, { method: 'POST', headers,
    body: JSON.stringify({ name: 'widgets.example', method: 'constructed_email', address: 'hostmaster' }) });
  assert.equal(domain.status, 201, domain.text());
  const mailbox = await http(`${worker.url}/api/v1/mailboxes`, { method: 'POST', headers, body: JSON.stringify({ email: 'ada.acme@gmail.com' }) });
  assert.equal(mailbox.status, 201, mailbox.text());
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** A fresh browser profile; page errors fail the test that made it. */
async function newPage(errors) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page };
}

/**
 * Runs axe on the page as it is now and adds each violation, with its elements, to `problems` (the test asserts
 * the list empty at its end, so one run names every page's violations).
 */
async function noViolations(page, state, problems) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  for (const violation of results.violations) {
    problems.push(`${state}: ${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes
      .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary.replaceAll('\n', ' ')}`).join('\n')}`);
  }
  // The check can fail: axe ran its rules on this page.
  assert.ok(results.passes.length > 10, `axe ran only ${results.passes.length} passing rules on ${state}`);
}

/** Asserts that axe found nothing on any page the test checked. */
function assertNone(problems) {
  assert.deepEqual(problems, [], `axe found:\n${problems.join('\n')}`);
}

/** What has the focus: its test id, tag, and name attribute. */
function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    return { testid: element?.getAttribute('data-testid') ?? null, tag: element?.tagName.toLowerCase(), name: element?.getAttribute('name') ?? null };
  });
}

async function mailTo(address) {
  const { messages } = (await http(`${worker.url}/api/v1/dev/mailbox`)).json();
  return messages.filter((message) => message.to === address);
}

test('the home page, an unknown link and the development mailbox', async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  await page.goto(`${worker.url}/`, { timeout: 90_000 });
  await page.locator('[data-testid=revoke-link]').waitFor({ timeout: 90_000 });
  await noViolations(page, 'the home page', problems);
  await page.goto(`${worker.url}/enroll/${'A'.repeat(43)}`);
  await page.locator('[data-testid=link-unavailable]').waitFor();
  await noViolations(page, 'an unknown enrollment link', problems);
  await page.goto(`${worker.url}/dev/mailbox`);
  await page.locator('[data-testid=mail]').first().waitFor();
  await noViolations(page, 'the development mailbox', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an enrollment link in each of its states: ready, working, issued, a password error, done, finished, spent', { timeout: 180_000 }, async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  const link = await seed(worker, 'Ada Lovelace', 'ada.a11y@example.com');
  await page.goto(link);
  await page.locator('[data-testid=generate]').waitFor({ timeout: 90_000 });
  await noViolations(page, 'a ready enrollment link', problems);
  // Working: the request is held until axe has seen the progress.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/v1/enrollments/*', async (route) => {
    if (route.request().method() === 'POST') await held;
    await route.continue();
  });
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=progress]').waitFor();
  await noViolations(page, 'the enrollment page while it works', problems);
  release();
  await page.locator('[data-testid=password]').waitFor({ timeout: 120_000 });
  await noViolations(page, 'the password form after issuance', problems);
  // A password too short: the error is announced and the focus moves to the password field.
  await page.locator('[data-testid=password]').fill('short');
  await page.locator('[data-testid=build-bundle]').click();
  await page.locator('[data-testid=error][data-code=password_too_short]').waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'password');
  await noViolations(page, 'the password form with an error', problems);
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
  await page.locator('[data-testid=build-bundle]').click();
  await page.locator('[data-testid=download]').waitFor({ timeout: 120_000 });
  await noViolations(page, 'the done page with its install guidance', problems);
  await page.locator('[data-testid=confirm-saved]').click();
  await page.locator('[data-testid=forgotten]').waitFor();
  await noViolations(page, 'the finished page', problems);
  // Opened again in another browser: spent.
  const other = await newPage(errors);
  await other.page.goto(link);
  // A first load in a fresh context, as the first page's above: the same allowance (the default 30 s ran out once
  // in a CI precheck, cause not found).
  await other.page.locator('[data-testid=link-closed]').waitFor({ timeout: 90_000 });
  await noViolations(other.page, 'a spent enrollment link', problems);
  await other.context.close();
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('/revoke and /repackage with a form error: announced, and the focus on the field', async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  await page.goto(`${worker.url}/revoke`);
  await page.locator('[data-testid=revoke-submit]').click();
  await page.locator('[data-testid=error][data-code=file_missing]').waitFor();
  assert.equal(await page.locator('[data-testid=error]').getAttribute('role'), 'alert');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'revoke-file');
  await noViolations(page, '/revoke with a form error', problems);
  await page.goto(`${worker.url}/repackage`);
  await page.locator('[data-testid=repackage-submit]').click();
  await page.locator('[data-testid=error][data-code=file_missing]').waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'repackage-file');
  await noViolations(page, '/repackage with a form error', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the login page with a wrong password, the reset page, and every console page', { timeout: 180_000 }, async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  await page.locator('[data-testid=email]').waitFor({ timeout: 90_000 });
  await noViolations(page, 'the login page', problems);
  await page.locator('[data-testid=email]').fill(ADMIN);
  await page.locator('[data-testid=password]').fill('not the password');
  await page.locator('[data-testid=login-submit]').click();
  const refusal = page.locator('[role=alert]').first();
  await refusal.waitFor();
  // The focus left the button for the error's field (or the error itself when it names none).
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') !== 'login-submit' && document.activeElement !== document.body);
  await noViolations(page, 'the login page with a wrong password', problems);
  await page.goto(`${worker.url}/reset`);
  await page.locator('[data-testid=reset-request-form]').waitFor();
  await noViolations(page, 'the reset page', problems);
  await page.goto(`${worker.url}/login`);
  await page.locator('[data-testid=email]').fill(ADMIN);
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=login-submit]').click();
  await page.locator('[data-testid=nav-orders]').waitFor();
  // The landing page: nothing needs attention yet, then an email given up to a recipient (a line and its link).
  await page.locator('[data-testid=attention-empty]').waitFor();
  await noViolations(page, 'the attention page, empty', problems);
  const now = Math.floor(Date.now() / 1000);
  await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, last_error)
    VALUES ('a11y-failed', 'linus@acme.example.com', 'Your certificate is ready', 'x', 'failed', 8, ${now}, 'en', '550 mailbox unavailable')`);
  await page.reload();
  await page.locator('[data-testid=attention-line][data-key=a11y-failed] [data-testid=attention-fix]').waitFor();
  await noViolations(page, 'the attention page with a line', problems);
  // The account page with the reminder settings, then a refusal shown beside the thresholds (the page only sends
  // the nine known codes, so the refusal is the Worker's answer to an unknown one, given to the page here).
  await page.goto(`${worker.url}/console/account`);
  await page.locator('[data-testid=reminder-settings]').waitFor();
  await noViolations(page, 'the account page with the reminder settings', problems);
  await page.route('**/api/v1/reminder-settings', (route) => route.request().method() === 'POST'
    ? route.fulfill({ status: 422, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unknown_threshold', field: 'thresholds', message: '"2_days_before" is not a reminder threshold.' } }) })
    : route.continue());
  await page.locator('[data-testid=reminder-settings-save]').click();
  await page.locator('[data-testid=error-thresholds][data-code=unknown_threshold]').waitFor();
  await noViolations(page, 'the reminder settings with an error', problems);
  await page.unroute('**/api/v1/reminder-settings');
  const pages = [
    ['/console/users', '[data-testid=invite-form]', 'the users page'],
    ['/console/api-keys', '[data-testid=api-key-form]', 'the API keys page'],
    ['/console/password', '[data-testid=change-password-form]', 'the password page'],
    ['/console/orders', `[data-testid=order-row][data-id="${orderId}"]`, 'the order history'],
    [`/console/orders/${orderId}`, '.pipeline', 'an order with its pipeline'],
    ['/console/organizations', '[data-testid=organization]', 'the organizations page'],
    ['/console/domains', '[data-testid=domain-form]', 'the domains page'],
    ['/console/mailboxes', '[data-testid=mailbox-form]', 'the mailboxes page'],
  ];
  for (const [path, ready, state] of pages) {
    await page.goto(`${worker.url}${path}`);
    await page.locator(ready).first().waitFor();
    await noViolations(page, state, problems);
  }
  // The order form, then submitted empty: every problem beside its field, the focus on the first one's field.
  await page.goto(`${worker.url}/console/orders/new`);
  await page.locator('[data-testid=order-form]').waitFor();
  await noViolations(page, 'the order form', problems);
  await page.locator('[data-testid=order-submit]').click();
  await page.locator('[data-testid=order-problems]').waitFor();
  await page.waitForFunction(() => {
    const first = document.querySelector('.field-error');
    const active = document.activeElement;
    return first && active && ['INPUT', 'SELECT', 'TEXTAREA'].includes(active.tagName)
      && (active.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  });
  // No control between the focused one and the first error: the focus is on that error's field.
  const between = await page.evaluate(() => {
    const first = document.querySelector('.field-error');
    return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((control) => control !== document.activeElement
      && (document.activeElement.compareDocumentPosition(control) & Node.DOCUMENT_POSITION_FOLLOWING)
      && (control.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)).map((control) => control.getAttribute('data-testid'));
  });
  const shown = await page.locator('.field-error').evaluateAll((errors) => errors.map((error) => `${error.dataset.field}: ${error.dataset.code}`));
  assert.deepEqual(between, [], `the focus is on ${JSON.stringify(await focused(page))}; errors: ${shown.join(', ')}`);
  await noViolations(page, 'the order form with its errors', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the public validation link page', async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  const [mail] = await mailTo('hostmaster@widgets.example');
  const link = mail.body.match(/(http\S+\/validate\/[A-Za-z0-9_-]{43})\n/)[1];
  await page.goto(link, { timeout: 90_000 });
  await page.locator('[data-testid=validation-link][data-state=pending]').waitFor({ timeout: 90_000 });
  await noViolations(page, 'the public validation link page', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('/signup: the form, its errors, the link sent, and the emailed link\'s password form with its error', { timeout: 180_000 }, async () => {
  const errors = [];
  const problems = [];
  const { context, page } = await newPage(errors);
  await page.goto(`${worker.url}/signup`, { timeout: 90_000 });
  await page.locator('[data-testid=signup-form]').waitFor({ timeout: 90_000 });
  await noViolations(page, 'the signup form', problems);
  // Submitted empty: each refusal beside its field, announced, the focus on the first one's field.
  await page.locator('[data-testid=signup-submit]').click();
  await page.locator('[role=alert]').first().waitFor();
  await page.waitForFunction(() => ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName));
  await noViolations(page, 'the signup form with its errors', problems);
  const email = 'hedy@a11y-signup.example';
  await page.locator('[data-testid=organization-name]').fill('A11y Signup Ltd');
  await page.locator('[data-testid=name]').fill('Hedy Lamarr');
  await page.locator('[data-testid=email]').fill(email);
  await page.locator('[data-testid=signup-submit]').click();
  await page.locator('[data-testid=signup-sent]').waitFor();
  await noViolations(page, 'the signup form, link sent', problems);
  let link;
  for (const deadline = Date.now() + 30_000; !link && Date.now() < deadline;) {
    link = (await mailTo(email)).map((message) => message.body.match(/http:\/\/\S+\/signup\/[A-Za-z0-9_-]{43}/)).find(Boolean)?.[0];
    if (!link) await new Promise((resolve) => setTimeout(resolve, 100)); // polling the mailbox until the link arrives
  }
  assert.ok(link, 'the signup link was emailed');
  await page.goto(link);
  await page.locator('[data-testid=signup-link-form]').waitFor();
  await noViolations(page, 'the signup link\'s password form', problems);
  // Two different passwords: refused in the page, announced, the focus on a field.
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(`${PASSWORD} but different`);
  await page.locator('[data-testid=signup-link-submit]').click();
  await page.locator('[role=alert]').first().waitFor();
  await noViolations(page, 'the signup link\'s password form with an error', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the passkeys, activity and certificates pages', { timeout: 180_000 }, async () => {
  const errors = [];
  const problems = [];
  const page = await signedInPage(worker, browser, await login(worker, ADMIN, PASSWORD));
  page.on('pageerror', (error) => errors.push(String(error)));
  const pages = [
    ['/console/passkeys', '[data-testid=passkeys]', 'the passkeys page'],
    ['/console/activity', '[data-testid=audit-row]', 'the activity page'],
    ['/console/certificates', '[data-testid=certificates]', 'the certificates page'],
  ];
  for (const [path, ready, state] of pages) {
    await page.goto(`${worker.url}${path}`);
    await page.locator(ready).first().waitFor();
    await noViolations(page, state, problems);
  }
  // A search that finds nothing.
  await page.locator('[data-testid=search]').fill('nobody@nowhere.example');
  await page.locator('[data-testid=search-submit]').click();
  await page.locator('[data-testid=no-certificates]').waitFor();
  await noViolations(page, 'the certificates page, nothing found', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the CA administrators\' pages: accounts, vetting, billing, certificates, audit', { timeout: 180_000 }, async () => {
  const errors = [];
  const problems = [];
  // An organization waiting for vetting: its code entered by its own contact.
  const created = await http(`${worker.url}/api/v1/organizations`, { method: 'POST', headers, body: JSON.stringify({
    name: 'Acme Vetting', registration_identifier: 'NTRGB-00099', country: 'GB',
    address: { street: '1 High Street', city: 'London', postal_code: 'SW1A 1AA', region: '' },
    phone: '+44 20 7946 0100', contacts: [{ name: 'Ada Admin', email: ADMIN, phone: '+44 20 7946 0101' }] }) });
  assert.equal(created.status, 201, created.text());
  const organizationId = created.json().id;
  const sent = await http(`${worker.url}/api/v1/organizations/${organizationId}/verification-code`, { method: 'POST', headers });
  assert.equal(sent.status, 200, sent.text());
  const code = (await mailTo(ADMIN)).map((message) => message.body.match(/\n {4}(\d{8})\n/)).filter(Boolean).at(-1)[1];
  const entered = await http(`${worker.url}/api/v1/organizations/${organizationId}/verification-code/check`, { method: 'POST', headers,
    body: JSON.stringify({ code }) });
  assert.equal(entered.status, 200, entered.text());

  const page = await signedInPage(worker, browser, await caAdministrator(worker));
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${worker.url}/console/admin/accounts`);
  await page.locator('[data-testid=account-row]').first().waitFor();
  await noViolations(page, 'the accounts page', problems);
  await page.locator(`[data-testid=account-row]:has-text("Acme") [data-testid=account-manage]`).first().click();
  await page.locator('[data-testid=status-form], [data-testid=administrator-form]').first().waitFor();
  await noViolations(page, 'the accounts page with an account opened', problems);
  await page.goto(`${worker.url}/console/admin/vetting`);
  const waiting = page.locator(`[data-testid=vetting-row][data-id="${organizationId}"]`);
  await waiting.waitFor();
  await noViolations(page, 'the vetting queue', problems);
  await waiting.locator('[data-testid=open-case]').click();
  await page.locator(`[data-testid=vetting-case][data-id="${organizationId}"]`).waitFor();
  await noViolations(page, 'a vetting case', problems);
  // Rejected without the reason it needs: the error beside its field.
  await page.selectOption('[data-testid=vetting-decision]', 'rejected');
  await page.locator('[data-testid=record-vetting]').click();
  await page.locator('[data-testid=error-message][data-code=value_blank]').waitFor();
  await noViolations(page, 'a vetting case with an error', problems);
  await page.goto(`${worker.url}/console/admin/billing`);
  await page.locator('[data-testid=billing-account-form]').waitFor();
  await noViolations(page, 'the billing page', problems);
  await page.goto(`${worker.url}/console/admin/billing?account=${account.accountId}`);
  await page.locator('[data-testid=billing-balance]').waitFor();
  await noViolations(page, 'the billing page of an account', problems);
  // With a contract in its table, and a deposit refused beside its field.
  const day = (offset) => new Date(Date.now() + offset * DAY * 1000).toISOString().slice(0, 10);
  await page.fill('[data-testid=contract-reference]', 'PO-A11Y');
  await page.fill('[data-testid=contract-limit]', '250.00');
  await page.fill('[data-testid=contract-starts]', day(-1));
  await page.fill('[data-testid=contract-ends]', day(30));
  await page.click('[data-testid=contract-submit]');
  await page.locator('[data-testid=contract][data-reference="PO-A11Y"]').waitFor();
  await page.fill('[data-testid=deposit-reference]', 'SEPA A11Y');
  await page.click('[data-testid=deposit-submit]');
  await page.locator('[data-testid=error-amount_cents]').waitFor();
  await noViolations(page, 'the billing page with a contract and a deposit error', problems);
  await page.goto(`${worker.url}/console/admin/certificates`);
  await page.locator('[data-testid=admin-certificate-search]').waitFor();
  await noViolations(page, 'the CA\'s certificate search', problems);
  await page.locator('[data-testid=search]').fill('nobody@nowhere.example');
  await page.locator('[data-testid=search-submit]').click();
  await page.locator('[data-testid=no-certificates]').waitFor();
  await noViolations(page, 'the CA\'s certificate search, nothing found', problems);
  await page.goto(`${worker.url}/console/admin/audit`);
  await page.locator('[data-testid=audit-row]').first().waitFor();
  await noViolations(page, 'the CA\'s audit log', problems);
  assertNone(problems);
  assert.deepEqual(errors, []);
  await page.context().close();
});
