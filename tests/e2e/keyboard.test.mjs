// Keyboard only, in real headless Chromium against the Worker in workerd: the recipient's whole journey (open the
// link, choose the key type, generate, set the password, download, confirm it was saved) and the order form (log
// in, fill, submit with a missing agreement, fix it, submit, see the order page), driven with Tab, Shift+Tab,
// arrows, Space, Enter and typing only (`page.keyboard`): no click, no `fill`, no `focus`. At each step the test
// asserts where the focus is and that it is visible (`:focus-visible` with an outline, public/style.css), and at the
// end that the result is the one the mouse gets: a certificate issued (read from D1, and the downloaded bundle
// opened by pyca/cryptography), an order placed like the one the API places from the same values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, http, createAccount, login, launchBrowser, seed, checkWithPython } from './harness.mjs';

let worker;
let browser;
let headers;
const ADMIN = 'ada@acme.example.com';
const PASSWORD = 'correct horse battery staple';
const BUNDLE_PASSWORD = 'seven orange kites over a quiet harbour';
const DAY = 86_400;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  const { accountId } = await createAccount(worker, { name: 'Acme', users: [{ email: ADMIN, name: 'Ada Admin', role: 'org_admin', password: PASSWORD }] });
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, validated_until, created_at, account_id)
      VALUES ('org-acme', 'Acme', 'NTRGB-00004', 'GB', '{"street":"1 High Street","city":"London","postal_code":"SW1A 1AA","region":""}', ${now - DAY}, ${now + 800 * DAY}, ${now - DAY}, '${accountId}');
    INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at, validated_until)
      VALUES ('val-acme', '${accountId}', 'domain', 'acme.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY}, ${now + 390 * DAY});
    INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-acme', '${accountId}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  headers = await login(worker, ADMIN, PASSWORD);
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** The focused element: test id (or tag and text), and whether its focus shows (`:focus-visible`, an outline). */
function active(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    const style = element ? getComputedStyle(element) : null;
    return {
      id: element?.getAttribute('data-testid') ?? `${element?.tagName.toLowerCase()}:${(element?.textContent ?? '').trim().slice(0, 30)}`,
      shown: Boolean(element?.matches(':focus-visible')) && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  });
}

/**
 * Presses Tab (Shift+Tab with `back`) until `id` has the focus, at most `max` times; asserts that every element
 * reached shows its focus. Resolves to the path, the elements focused in order.
 */
async function tabTo(page, id, { back = false, max = 60 } = {}) {
  const path = [];
  for (let press = 0; press < max; press += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const now = await active(page);
    path.push(now.id);
    if (!now.id.startsWith('body:')) assert.ok(now.shown, `the focus on ${now.id} is not visible (path: ${path.join(' → ')})`);
    if (now.id === id) return path;
  }
  throw new Error(`${back ? 'Shift+Tab' : 'Tab'} did not reach ${id} in ${max} presses: ${path.join(' → ')}`);
}

/** Moves a focused `<select>` to the option with `value` by arrow keys (the closed select's keyboard behaviour). */
async function chooseByArrows(page, value) {
  const { values, index } = await page.evaluate(() => ({
    values: [...document.activeElement.options].map((option) => option.value), index: document.activeElement.selectedIndex }));
  const target = values.indexOf(value);
  assert.ok(target >= 0, `no option ${value} among ${values.join(', ')}`);
  for (let step = index; step !== target; step += Math.sign(target - index)) {
    await page.keyboard.press(target > index ? 'ArrowDown' : 'ArrowUp');
  }
  assert.equal(await page.evaluate(() => document.activeElement.value), value);
}

/** Waits until the focused element is `id`. */
async function focusIs(page, id) {
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === id, id);
}

test('the recipient journey with the keyboard alone ends with the certificate issued and its bundle downloaded', { timeout: 240_000 }, async () => {
  const errors = [];
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  const email = 'kim.keyboard@example.com';
  const link = await seed(worker, 'Kim Keyboard', email);
  await page.goto(link, { timeout: 90_000 });
  await page.locator('[data-testid=generate]').waitFor({ timeout: 90_000 });
  // The page's order: the home link, the two languages, the key type, the button.
  assert.deepEqual(await tabTo(page, 'key-type'), ['a:Keyward', 'lang-en', 'lang-fr', 'key-type']);
  await chooseByArrows(page, 'ecdsa_p256');
  assert.deepEqual(await tabTo(page, 'generate'), ['generate']);
  assert.deepEqual(await tabTo(page, 'key-type', { back: true }), ['key-type']);
  assert.equal(await page.evaluate(() => document.activeElement.value), 'ecdsa_p256', 'leaving the select changed it');
  await tabTo(page, 'generate');
  await page.keyboard.press('Enter');
  // Issued: the password form; the focus is reached from where the button was.
  await page.locator('[data-testid=password]').waitFor({ timeout: 120_000 });
  await tabTo(page, 'password', { max: 10 });
  // A password too short first, submitted from the button: the error moves the focus back to the field.
  await page.keyboard.type('short');
  assert.deepEqual(await tabTo(page, 'build-bundle'), ['password-confirm', 'bundle-profile', 'build-bundle']);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=error][data-code=password_too_short]').waitFor();
  await focusIs(page, 'password');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(BUNDLE_PASSWORD);
  assert.deepEqual(await tabTo(page, 'password-confirm'), ['password-confirm']);
  await page.keyboard.type(BUNDLE_PASSWORD);
  assert.deepEqual(await tabTo(page, 'build-bundle'), ['bundle-profile', 'build-bundle']);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=download]').waitFor({ timeout: 120_000 });
  await tabTo(page, 'download', { max: 10 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const bundle = await download.path();
  await tabTo(page, 'confirm-saved');
  await page.keyboard.press('Space');
  await page.locator('[data-testid=forgotten]').waitFor();

  // What the mouse gets: the certificate in D1 for this recipient, the same one the bundle holds.
  const rows = await worker.query(`SELECT c.serial FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE r.email = '${email}'`);
  assert.equal(rows.length, 1, 'one certificate issued for the recipient');
  const opened = await checkWithPython(bundle, BUNDLE_PASSWORD);
  assert.equal(opened.serial.replace(/^0+/, ''), rows[0].serial.replace(/^0+/, ''));
  assert.deepEqual([opened.key.type, opened.key.curve], ['EC', 'secp256r1'], `the key type chosen with the arrows: ${JSON.stringify(opened.key)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the order form with the keyboard alone: log in, fill, a missing agreement focused, submit, the order page', { timeout: 180_000 }, async () => {
  const errors = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  // Once in the full run (2026-12-06) the login form did not appear within 90 s after the recipient journey, and
  // not locally: say what the page showed, then load it once more, so a second failure is a real one.
  try {
    await page.locator('[data-testid=email]').waitFor({ timeout: 60_000 });
  } catch (error) {
    console.log(`the login form did not appear: ${errors.join('; ') || 'no page error'}; body: ${(await page.content()).slice(0, 500)}`);
    await page.reload({ timeout: 90_000 });
    await page.locator('[data-testid=email]').waitFor({ timeout: 60_000 });
  }
  assert.deepEqual(await tabTo(page, 'email'), ['a:Keyward', 'lang-en', 'lang-fr', 'email']);
  await page.keyboard.type(ADMIN);
  assert.deepEqual(await tabTo(page, 'password'), ['password']);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=nav-new-order]').waitFor();
  await tabTo(page, 'nav-new-order');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=order-form]').waitFor();
  await tabTo(page, 'profile');
  await chooseByArrows(page, 'smime_organization_multipurpose');
  await tabTo(page, 'recipients[0].email');
  await page.keyboard.type('kim@acme.example.com');
  // Submitted without the agreement: the error shows and the focus goes to the agreement's box.
  await tabTo(page, 'order-submit');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=error-subscriber_agreement]').waitFor();
  await focusIs(page, 'agreement');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.activeElement.checked), true);
  await tabTo(page, 'order-submit');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/orders\/[0-9a-f]+$/);
  const id = new URL(page.url()).pathname.split('/').pop();
  await page.locator('.pipeline').waitFor();

  // What the mouse (or the API) gets from the same values: the same order.
  const byKeyboard = (await http(`${worker.url}/api/v1/orders/${id}`, { headers })).json();
  const placed = await http(`${worker.url}/api/v1/orders`, { method: 'POST', headers, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: 'org-acme', signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0, recipients: [{ email: 'kim.api@acme.example.com' }],
    notification_emails: [], payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `keyboard-${Date.now()}` }) });
  assert.equal(placed.status, 201, placed.text());
  const byApi = placed.json();
  const shape = (order) => ({ state: order.state, profile: order.profile, organization: order.organization_id,
    validity: order.validity_days, renewals: order.auto_renewals, hash: order.signature_hash, price: order.price_cents,
    recipients: order.recipients.length, steps: order.steps.map((step) => `${step.subject.kind}:${step.state.state}`) });
  assert.deepEqual(shape(byKeyboard), shape(byApi));
  assert.equal(byKeyboard.recipients[0].email, 'kim@acme.example.com');
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM orders WHERE id = '${id}'`);
  assert.equal(n, 1);
  assert.deepEqual(errors, []);
  await context.close();
});
