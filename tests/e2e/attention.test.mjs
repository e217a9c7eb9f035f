// The console's landing page, what needs attention (issue 14.7), and the account page's reminder settings (issue
// 14.5), in headless Chromium against the Worker in workerd. An organization user logs in and lands on the page,
// which says plainly that nothing needs attention; then each of the four kinds is seeded (orders through the API,
// dates, states, a replacement and a failed email with SQL, as reminders.test.mjs does), each line is shown with
// its link, one link is followed, and a fixed line is gone on reload. An administrator turns a threshold and the
// administrators' copies off, saves, and finds them kept after a reload and in the API; an organization user is
// not offered the settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startWorker, http, createAccount, login, launchBrowser, signedInPage, caAdministrator, openssl, scratch } from './harness.mjs';

const DAY = 86_400;
const PASSWORD = 'correct horse battery staple';
const ADMIN = 'ada@acme.example.com';
const USER = 'bea@acme.example.com';

let worker;
let browser;
let directory;
let ada;
let bea;
let accountId;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('attention');
  const created = await createAccount(worker, { name: 'Acme', users: [
    { email: ADMIN, password: PASSWORD, role: 'org_admin' },
    { email: USER, password: PASSWORD, role: 'org_user' },
  ] });
  accountId = created.accountId;
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
      VALUES ('org-acme', 'Acme', 'NTRGB-00004', 'GB', '{}', ${now - DAY}, ${now - DAY}, '${accountId}');
    INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
      VALUES ('val-acme', '${accountId}', 'domain', 'acme.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY});
    INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-acme', '${accountId}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  ada = await login(worker, ADMIN, PASSWORD);
  bea = await login(worker, USER, PASSWORD);
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

/** Bea's order of one CSR recipient `email` (issued at once): its number and its certificate's serial. */
async function placeOrder(email) {
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, 'key.pem'), '-subj', '/CN=ignored']);
  const placed = await api('/orders', { method: 'POST', headers: bea, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: 'org-acme', signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email, csr }], notification_emails: [],
    payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `attention-${email.split("@")[0]}-${Date.now()}`,
  }) });
  assert.equal(placed.status, 201, placed.text());
  return { orderId: placed.json().id, serial: placed.json().recipients[0].certificate_serial };
}

/** A browser page whose errors fail the test that reads `errors`. */
async function newPage(errors) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page };
}

test('an organization user logs in and lands on the attention page, which says when nothing needs attention', { timeout: 180_000 }, async () => {
  const errors = [];
  const { context, page } = await newPage(errors);
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  await page.locator('[data-testid=email]').waitFor({ timeout: 90_000 });
  await page.fill('[data-testid=email]', USER);
  await page.fill('[data-testid=password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(`${worker.url}/console`);
  await page.locator('[data-testid=nav-attention][aria-current=page]').waitFor();
  assert.equal(await page.textContent('[data-testid=attention-empty]'), 'Nothing needs your attention.');
  assert.equal(await page.locator('[data-testid=attention-line]').count(), 0);
  assert.equal(await page.textContent('h1'), 'Needs attention');
  // The account page moved one click away.
  await page.click('[data-testid=nav-account]');
  await page.waitForURL(`${worker.url}/console/account`);
  assert.equal(await page.getAttribute('[data-testid=account-role]', 'data-role'), 'org_user');
  assert.deepEqual(errors, []);
  await context.close();

  // A CA administrator keeps the account page as the landing page, with no attention entry.
  const ca = await signedInPage(worker, browser, await caAdministrator(worker));
  await ca.locator('[data-testid=account-role][data-role=ca_admin]').waitFor();
  assert.equal(await ca.locator('[data-testid=nav-attention]').count(), 0);
  await ca.context().close();
});

test('each kind of line says what it is and links to where it is fixed; a fixed one is gone on reload', { timeout: 180_000 }, async () => {
  const ending = await placeOrder('ending@acme.example.com');
  const old = await placeOrder('old@acme.example.com');
  const renewed = await placeOrder('renewed@acme.example.com');
  const blocked = await placeOrder('blocked@acme.example.com');
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`UPDATE certificates SET not_before = ${now - 300 * DAY}, not_after = ${now + 10 * DAY}, version = version + 1 WHERE serial IN ('${ending.serial}', '${old.serial}');
    UPDATE certificates SET replaced_by = '${renewed.serial}', version = version + 1 WHERE serial = '${old.serial}';
    UPDATE orders SET state = 'awaiting_validation', version = version + 1 WHERE id = '${blocked.orderId}';
    INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, last_error)
      VALUES ('failed-1', 'ending@acme.example.com', 'Your certificate is ready', 'x', 'failed', 8, ${now}, 'en', '550 mailbox unavailable')`);
  const lists = (await api('/attention', { headers: bea })).json();

  const errors = [];
  const page = await signedInPage(worker, browser, bea);
  page.on('pageerror', (error) => errors.push(String(error)));
  const line = (kind, key) => page.locator(`[data-testid=attention-line][data-kind=${kind}][data-key="${key}"]`);
  const expected = [
    ['blocked_order', blocked.orderId, [`Order ${blocked.orderId}`, 'waits for validations'], 'Complete the validations',
      lists.blocked_orders.find((entry) => entry.order_id === blocked.orderId)],
    ['ending_soon', ending.serial, [ending.serial, 'ending@acme.example.com', ending.orderId, 'ends on'], 'Renew or order again',
      lists.ending_soon.find((entry) => entry.serial === ending.serial)],
    ['not_picked_up', old.serial, [old.serial, renewed.serial, 'has not been downloaded'], 'Send or install the new certificate',
      lists.not_picked_up.find((entry) => entry.serial === old.serial)],
    ['failed_email', 'failed-1', ['“Your certificate is ready”', 'ending@acme.example.com', '550 mailbox unavailable'], 'Correct the address',
      lists.failed_emails.find((entry) => entry.id === 'failed-1')],
  ];
  for (const [kind, key, words, fix, entry] of expected) {
    assert.ok(entry, `${kind} ${key} is in the API's answer: ${JSON.stringify(lists)}`);
    await line(kind, key).waitFor();
    const text = await line(kind, key).locator('[data-testid=attention-text]').textContent();
    for (const word of words) assert.ok(text.includes(word), `${kind}: ${JSON.stringify(text)} names ${word}`);
    assert.equal(await line(kind, key).locator('[data-testid=attention-fix]').textContent(), fix);
    assert.equal(await line(kind, key).locator('[data-testid=attention-fix]').getAttribute('href'), entry.fix_path);
  }
  assert.equal(await page.locator('[data-testid=attention-empty]').count(), 0);
  // In French too.
  await page.click('[data-testid=lang-fr]');
  await page.locator('h1', { hasText: 'À traiter' }).waitFor();
  assert.match(await line('ending_soon', ending.serial).textContent(), /expire le .*Renouveler ou commander à nouveau/);
  await page.click('[data-testid=lang-en]');
  await page.locator('h1', { hasText: 'Needs attention' }).waitFor();

  // The blocked order's link opens its page.
  await line('blocked_order', blocked.orderId).locator('[data-testid=attention-fix]').click();
  await page.waitForURL(`${worker.url}/console/orders/${blocked.orderId}`);
  await page.locator('.pipeline').waitFor();
  // Its validations done (the order moves on), the line is gone on the next load; the others stay.
  await worker.query(`UPDATE orders SET state = 'awaiting_enrollment', version = version + 1 WHERE id = '${blocked.orderId}'`);
  await page.goto(`${worker.url}/console`);
  await line('ending_soon', ending.serial).waitFor();
  assert.equal(await line('blocked_order', blocked.orderId).count(), 0);
  assert.equal(await page.locator('[data-testid=attention-group][data-kind=blocked_order]').count(), 0);
  assert.equal(await line('not_picked_up', old.serial).count(), 1);
  assert.equal(await line('failed_email', 'failed-1').count(), 1);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a failed email to a user is listed to administrators, who can correct the address, and not to organization users, who cannot', async () => {
  await placeOrder('gone@acme.example.com');
  const now = Math.floor(Date.now() / 1000) + 1;
  await worker.queryAll(`INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, last_error)
      VALUES ('failed-to-user', '${USER}', 'Your order is waiting', 'x', 'failed', 8, ${now}, 'en', '550 no such user');
    INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, last_error)
      VALUES ('failed-to-recipient', 'gone@acme.example.com', 'Your certificate is ready', 'x', 'failed', 8, ${now}, 'en', '550 gone')`);
  const asAdministrator = (await api('/attention', { headers: ada })).json().failed_emails;
  assert.equal(asAdministrator.find((entry) => entry.id === 'failed-to-user')?.fix_path, '/console/users', JSON.stringify(asAdministrator));
  assert.equal(asAdministrator.find((entry) => entry.id === 'failed-to-recipient')?.fix_path, '/console/orders');
  const asUser = (await api('/attention', { headers: bea })).json().failed_emails;
  assert.equal(asUser.find((entry) => entry.id === 'failed-to-user'), undefined, JSON.stringify(asUser));
  assert.equal(asUser.find((entry) => entry.id === 'failed-to-recipient')?.fix_path, '/console/orders', 'a recipient\'s address is theirs to fix from the order');
});

test('an administrator turns a threshold and the copies off, and they are kept; an organization user is not offered them', { timeout: 180_000 }, async () => {
  const errors = [];
  const page = await signedInPage(worker, browser, ada);
  page.on('pageerror', (error) => errors.push(String(error)));
  // The administrator also lands on the attention page.
  await page.locator('[data-testid=nav-attention][aria-current=page]').waitFor();
  await page.goto(`${worker.url}/console/account`);
  const form = page.locator('[data-testid=reminder-settings]');
  await form.waitFor();
  // Nobody chose yet: everything on.
  await page.locator('[data-testid=reminder-defaults]').waitFor();
  const codes = ['90_days_before', '60_days_before', '30_days_before', '14_days_before', '7_days_before', '3_days_before',
    '1_days_before', 'day_of', '7_days_after'];
  const checked = () => Promise.all(codes.map((code) => page.isChecked(`[data-testid=threshold-${code}]`)));
  assert.deepEqual(await checked(), codes.map(() => true));
  assert.ok(await page.isChecked('[data-testid=reminders-enabled]'));
  assert.ok(await page.isChecked('[data-testid=reminders-administrators]'));
  assert.equal(await page.textContent('label:has([data-testid=threshold-1_days_before])'), '1 day before');
  assert.equal(await page.textContent('[data-testid=reminder-settings-status]'), '');

  await page.uncheck('[data-testid=threshold-30_days_before]');
  await page.uncheck('[data-testid=reminders-administrators]');
  await page.click('[data-testid=reminder-settings-save]');
  await page.locator('[data-testid=reminder-settings-status]', { hasText: 'Reminder settings saved.' }).waitFor();
  assert.equal(await page.getAttribute('[data-testid=reminder-settings-status]', 'aria-live'), 'polite');
  assert.equal(await page.locator('[data-testid=reminder-defaults]').count(), 0);

  await page.reload();
  await form.waitFor();
  assert.deepEqual(await checked(), codes.map((code) => code !== '30_days_before'));
  assert.ok(await page.isChecked('[data-testid=reminders-enabled]'));
  assert.ok(!(await page.isChecked('[data-testid=reminders-administrators]')));
  assert.equal(await page.locator('[data-testid=reminder-defaults]').count(), 0);
  const settings = (await api('/reminder-settings', { headers: ada })).json();
  assert.deepEqual([settings.enabled, settings.thresholds, settings.administrators],
    [true, codes.filter((code) => code !== '30_days_before'), false]);
  assert.equal(typeof settings.updated_at, 'number');
  assert.deepEqual(errors, []);
  await page.context().close();

  // An organization user reads their account page without the settings (the Worker refuses them both ways).
  const user = await signedInPage(worker, browser, bea);
  await user.goto(`${worker.url}/console/account`);
  await user.locator('[data-testid=account-role][data-role=org_user]').waitFor();
  await user.locator('[data-testid=sessions]').waitFor();
  assert.equal(await user.locator('[data-testid=reminder-settings]').count(), 0);
  assert.equal((await api('/reminder-settings', { headers: bea })).status, 403);
  await user.context().close();
});
