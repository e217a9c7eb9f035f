// The organizations' console in real headless Chromium against the Worker in workerd: login (a chosen password
// sent only as its PBKDF2 key, a temporary one as typed), the first-login password change, logout, a wrong
// password's message next to its field, a reset by emailed link that opening does not spend, users invited by an
// administrator, and an API key shown once. Every request the pages send is recorded, and none may carry a
// password a person chose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, http, createAccount, passwordKey, launchBrowser } from './harness.mjs';

let worker;
let browser;
const ADMIN = 'ada@acme.example';
const ADMIN_PASSWORD = 'correct horse battery staple';
// Every password a person types into a page; none may leave it.
const chosenPasswords = [ADMIN_PASSWORD];
const recorded = [];
// What Chromium reports the Content-Security-Policy (public/_headers) refused.
const refusedByPolicy = [];

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  await createAccount(worker, { name: 'Acme', users: [{ email: ADMIN, name: 'Ada Admin', role: 'org_admin', password: ADMIN_PASSWORD }] });
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** A fresh browser profile (no cookie) whose every request is recorded. */
async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('request', (request) => {
    recorded.push((async () => ({
      url: request.url(), method: request.method(), headers: await request.allHeaders(), body: request.postDataBuffer(),
    }))());
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refusedByPolicy.push(message.text());
  });
  return page;
}

async function mailTo(address) {
  const { messages } = (await http(`${worker.url}/api/v1/dev/mailbox`)).json();
  return messages.filter((message) => message.to === address);
}

async function logIn(page, email, password) {
  await page.goto(`${worker.url}/login`);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login-submit]');
}

async function logOut(page) {
  await page.click('[data-testid=logout]');
  await page.waitForURL(`${worker.url}/login`);
}

/** The forms in which a typed password could travel. */
function passwordForms(password) {
  return [password, encodeURIComponent(password), Buffer.from(password).toString('base64'),
    Buffer.from(password).toString('base64url'), Buffer.from(password).toString('hex'), JSON.stringify(password)];
}

/** Asserts that no recorded request carried any chosen password, in its URL, headers or body. */
async function assertNoPasswordSent() {
  assert.deepEqual(refusedByPolicy, []);
  const requests = await Promise.all(recorded);
  assert.ok(requests.length > 0);
  for (const request of requests) {
    const haystack = `${request.url}\n${JSON.stringify(request.headers)}\n${request.body?.toString('latin1') ?? ''}`;
    for (const password of chosenPasswords) {
      for (const form of passwordForms(password)) {
        assert.ok(!haystack.includes(form), `${request.method} ${request.url} carried a password (${form})`);
      }
    }
  }
  return requests;
}

test('an administrator logs in, invites a user, who logs in with the temporary password, must choose one, and logs out and in again', async () => {
  const admin = await newPage();
  await logIn(admin, ADMIN, ADMIN_PASSWORD);
  await admin.waitForURL(`${worker.url}/console`);
  assert.equal(await admin.textContent('[data-testid=who]'), ADMIN);
  // The login lands on what needs attention; the account is one click away.
  await admin.locator('[data-testid=nav-attention][aria-current=page]').waitFor();
  await admin.click('[data-testid=nav-account]');
  await admin.waitForURL(`${worker.url}/console/account`);
  assert.equal(await admin.getAttribute('[data-testid=account-role]', 'data-role'), 'org_admin');
  assert.equal(await admin.textContent('[data-testid=account-organization]'), 'Acme');

  // The login sent the key the harness derives the same way, not the password.
  const requests = await Promise.all(recorded);
  const login = requests.find((request) => request.method === 'POST' && request.url.endsWith('/api/v1/session'));
  assert.deepEqual(JSON.parse(login.body.toString()), { email: ADMIN, password_key: await passwordKey(ADMIN, ADMIN_PASSWORD), temporary_password: null });
  // The console's bundles were loaded (the login's, then the everyday pages'), not the recipient's.
  const bundles = requests.filter((request) => request.url.includes('/pkg/')).map((request) => new URL(request.url).pathname);
  assert.ok(bundles.includes('/pkg/console-login_bg.wasm'), bundles.join(', '));
  assert.ok(bundles.includes('/pkg/console-home_bg.wasm'), bundles.join(', '));
  assert.ok(!bundles.some((path) => path.startsWith('/pkg/keyward')), bundles.join(', '));

  await admin.click('[data-testid=nav-users]');
  await admin.waitForURL(`${worker.url}/console/users`);
  await admin.fill('[data-testid=invite-email]', 'Bob@Acme.example');
  await admin.fill('[data-testid=invite-name]', 'Bob Builder');
  await admin.selectOption('[data-testid=invite-role]', 'org_user');
  await admin.click('[data-testid=invite-submit]');
  await admin.locator('[data-testid=invited]').waitFor();
  const bobRow = admin.locator('[data-testid=user-row][data-email="bob@acme.example"]');
  await bobRow.waitFor();
  assert.match(await bobRow.textContent(), /Invited: temporary password not replaced yet/);
  // A second invitation of the same address: the API's message next to the email field.
  await admin.fill('[data-testid=invite-email]', 'bob@acme.example');
  await admin.fill('[data-testid=invite-name]', 'Bob again');
  await admin.click('[data-testid=invite-submit]');
  assert.equal(await admin.getAttribute('[data-testid=error-email]', 'data-code'), 'email_taken');
  await logOut(admin);

  const [mail] = await mailTo('bob@acme.example');
  const temporary = mail.body.match(/KWT(-[A-Z2-7]{4}){8}/)[0];
  const bob = await newPage();
  // Typed carelessly: lower case, spaces for hyphens. The page recognizes the temporary form.
  await logIn(bob, ' bob@acme.example', temporary.toLowerCase().replaceAll('-', ' '));
  await bob.locator('[data-testid=change-password-form]').waitFor();
  assert.equal(await bob.locator('[data-testid=current-password]').count(), 0, 'the temporary password is not asked again');
  // A weak password is refused in the page, next to the field, before anything is sent.
  const before = recorded.length;
  await bob.fill('[data-testid=password]', 'password1234');
  await bob.fill('[data-testid=password-confirm]', 'password1234');
  await bob.click('[data-testid=change-password-submit]');
  assert.equal(await bob.getAttribute('[data-testid=error-password]', 'data-code'), 'password_too_weak');
  assert.equal(recorded.length, before, 'a refused password sent a request');

  // Until the password is changed, every console page leads to the change form, which then asks for the current
  // (temporary) password.
  await bob.goto(`${worker.url}/console/users`);
  await bob.waitForURL(`${worker.url}/console/password`);
  assert.equal(await bob.locator('[data-testid=nav-users]').count(), 0);
  const bobPassword = 'a password Bob chose himself';
  chosenPasswords.push(bobPassword);
  await bob.fill('[data-testid=current-password]', temporary);
  await bob.fill('[data-testid=password]', bobPassword);
  await bob.fill('[data-testid=password-confirm]', 'a password Bob chose himselF');
  await bob.click('[data-testid=change-password-submit]');
  assert.equal(await bob.getAttribute('[data-testid=error-password]', 'data-code'), 'password_mismatch');
  await bob.fill('[data-testid=password-confirm]', bobPassword);
  await bob.click('[data-testid=change-password-submit]');
  await bob.waitForURL(`${worker.url}/console`);
  assert.equal(await bob.textContent('[data-testid=who]'), 'bob@acme.example');
  await bob.locator('[data-testid=nav-attention][aria-current=page]').waitFor();
  await bob.goto(`${worker.url}/console/account`);
  assert.equal(await bob.getAttribute('[data-testid=account-role]', 'data-role'), 'org_user');
  // An organization user is offered only what they may use.
  assert.equal(await bob.locator('[data-testid=nav-users]').count(), 0);
  assert.equal(await bob.locator('[data-testid=nav-api-keys]').count(), 0);
  await logOut(bob);
  // Logged out on the server too: the console sends the visitor to the login.
  await bob.goto(`${worker.url}/console`);
  await bob.waitForURL(`${worker.url}/login`);

  await logIn(bob, 'Bob@Acme.example', bobPassword);
  await bob.waitForURL(`${worker.url}/console`);
  assert.equal(await bob.textContent('[data-testid=who]'), 'bob@acme.example');
  // The temporary password no longer works.
  await logIn(bob, 'bob@acme.example', temporary);
  assert.equal(await bob.getAttribute('[data-testid=error-password]', 'data-code'), 'credentials_invalid');
  await logIn(bob, 'bob@acme.example', bobPassword);
  await bob.waitForURL(`${worker.url}/console`);

  // The administrator disables Bob on the Users page (there is no button to disable oneself): Bob's open session
  // ends at once, and the administrator can enable him again.
  const again = await newPage();
  await logIn(again, ADMIN, ADMIN_PASSWORD);
  await again.waitForURL(`${worker.url}/console`);
  await again.click('[data-testid=nav-users]');
  const bobListed = again.locator('[data-testid=user-row][data-email="bob@acme.example"]');
  await bobListed.waitFor();
  assert.equal(await again.locator(`[data-testid=user-row][data-email="${ADMIN}"] [data-testid=disable-user]`).count(), 0);
  await bobListed.locator('[data-testid=disable-user]').click();
  await again.locator('[data-testid=user-row][data-email="bob@acme.example"][data-disabled=true]').waitFor();
  assert.match(await bobListed.textContent(), /Disabled: cannot log in/);
  await bob.goto(`${worker.url}/console`);
  await bob.waitForURL(`${worker.url}/login`);
  await again.locator('[data-testid=user-row][data-email="bob@acme.example"] [data-testid=enable-user]').click();
  await again.locator('[data-testid=user-row][data-email="bob@acme.example"][data-disabled=false]').waitFor();
  await assertNoPasswordSent();
});

test('the account page lists where one is logged in and logs out another browser', async () => {
  const here = await newPage();
  const there = await newPage();
  await logIn(there, ADMIN, ADMIN_PASSWORD);
  await there.waitForURL(`${worker.url}/console`);
  await logIn(here, ADMIN, ADMIN_PASSWORD);
  await here.waitForURL(`${worker.url}/console`);
  await here.click('[data-testid=nav-account]');
  await here.locator('[data-testid=session-row]').nth(1).waitFor();
  assert.equal(await here.locator('[data-testid=session-row][data-current=true]').count(), 1);
  assert.match(await here.locator('[data-testid=session-row][data-current=true]').textContent(), /HeadlessChrome|Chrome/);
  // Earlier tests left other sessions of this user open: log out every other one, one click each.
  for (let count = await here.locator('[data-testid=session-row]').count(); count > 1; count -= 1) {
    await here.locator('[data-testid=session-row][data-current=false] [data-testid=end-session]').first().click();
    await here.waitForFunction((left) => document.querySelectorAll('[data-testid=session-row]').length === left, count - 1);
  }
  assert.equal(await here.locator('[data-testid=session-row][data-current=true]').count(), 1);
  // The other browser is logged out on the server: its next page leads to the login; this one is not.
  await there.goto(`${worker.url}/console`);
  await there.waitForURL(`${worker.url}/login`);
  await here.reload();
  await here.locator('[data-testid=session-row][data-current=true]').waitFor();
});

test('a wrong password shows the API message next to the password field, in the page language', async () => {
  const headers = (await http(`${worker.url}/login`)).headers;
  assert.match(headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/, 'the console is served under the policy');
  const page = await newPage();
  // The recipient's home page leads to the console.
  await page.goto(`${worker.url}/`);
  await page.click('[data-testid=console-link]');
  await page.locator('[data-testid=login-form]').waitFor();
  await logIn(page, ADMIN, 'not the password at all');
  const error = page.locator('[data-testid=error-password]');
  await error.waitFor();
  assert.equal(await error.getAttribute('data-code'), 'credentials_invalid');
  assert.match(await error.textContent(), /The email address or the password is not right/);
  assert.equal(page.url(), `${worker.url}/login`);
  chosenPasswords.push('not the password at all');
  // The address is checked by the Worker, and its refusal shows next to the address field.
  await page.fill('[data-testid=email]', 'not-an-address');
  await page.click('[data-testid=login-submit]');
  await page.locator('[data-testid=error-email][data-code=email_invalid]').waitFor();
  assert.equal(await page.locator('[data-testid=error-password]').count(), 0);
  // The page's own texts follow the language switch.
  await page.click('[data-testid=lang-fr]');
  assert.equal(await page.textContent('h1'), 'Connexion à Keyward');
  await page.click('[data-testid=lang-en]');
  // Five failures lock the address: the page shows until when, next to the password.
  for (let attempt = 0; attempt < 6; attempt += 1) {
    await logIn(page, 'ghost@acme.example', 'not the password at all');
    await page.locator('[data-testid=error-password]').waitFor();
  }
  const locked = page.locator('[data-testid=error-password][data-code=login_locked]');
  await locked.waitFor();
  assert.match(await locked.textContent(), /Too many failed logins for this address\. Try again after \d{4}-\d{2}-\d{2}/);
  await assertNoPasswordSent();
});

test('a password reset by emailed link: opening it spends nothing, the explicit submit does, once', async () => {
  const email = 'carol@acme.example';
  const old = 'carol old password here';
  chosenPasswords.push(old);
  await createAccount(worker, { name: 'Carol Co', users: [{ email, name: 'Carol', role: 'org_admin', password: old }] });
  const page = await newPage();
  await page.goto(`${worker.url}/login`);
  await page.click('[data-testid=forgot]');
  await page.waitForURL(`${worker.url}/reset`);
  await page.fill('[data-testid=email]', email);
  await page.click('[data-testid=reset-request-submit]');
  await page.locator('[data-testid=reset-sent]').waitFor();
  const [mail] = await mailTo(email);
  const link = mail.body.match(/http:\/\/\S+\/reset\/([A-Za-z0-9_-]{43})/);

  for (let visit = 0; visit < 2; visit += 1) {
    await page.goto(link[0]);
    await page.locator('[data-testid=reset-open]').waitFor();
  }
  assert.equal((await http(`${worker.url}/api/v1/password-resets/${link[1]}`)).json().state, 'open', 'opening the page spent the link');

  const chosen = 'carol new reset password';
  chosenPasswords.push(chosen);
  // The address comes with the open link (it salts the new key) and cannot be changed on the page.
  assert.equal(await page.inputValue('[data-testid=email]'), email);
  assert.equal(await page.getAttribute('[data-testid=email]', 'readonly'), '');
  await page.fill('[data-testid=password]', chosen);
  await page.fill('[data-testid=password-confirm]', chosen);
  await page.click('[data-testid=reset-submit]');
  await page.waitForURL(`${worker.url}/console`);
  assert.equal(await page.textContent('[data-testid=who]'), email);

  // The link is spent: the page says so and offers a new one.
  await page.goto(link[0]);
  await page.locator('[data-testid=reset-spent]').waitFor();
  assert.match(await page.textContent('[data-testid=reset-spent]'), /It was used on .+ and a link works only once/);
  assert.equal(await page.getAttribute('[data-testid=reset-again]', 'href'), '/reset');

  const attempt = async (password) => (await http(`${worker.url}/api/v1/session`, {
    method: 'POST', body: JSON.stringify({ email, password_key: await passwordKey(email, password) }), headers: { origin: worker.url },
  })).status;
  assert.equal(await attempt(old), 401);
  assert.equal(await attempt(chosen), 200);
  await assertNoPasswordSent();
});

test('an API key is shown once, with a copy button, listed without it, and revoked', async () => {
  const page = await newPage();
  await logIn(page, ADMIN, ADMIN_PASSWORD);
  await page.waitForURL(`${worker.url}/console`);
  await page.click('[data-testid=nav-api-keys]');
  await page.waitForURL(`${worker.url}/console/api-keys`);
  await page.fill('[data-testid=api-key-name]', 'deploy script');
  await page.click('[data-testid=api-key-submit]');
  const key = (await page.textContent('[data-testid=api-key-value]')).trim();
  assert.match(key, /^kw_[A-Za-z0-9_-]{43}$/);
  assert.match(await page.textContent('[data-testid=api-key-created]'), /shown only this once/);
  await page.locator('[data-testid=api-key-copy]').waitFor();
  const row = page.locator('[data-testid=api-key-row][data-name="deploy script"]');
  await row.waitFor();
  assert.ok((await row.textContent()).includes(key.slice(0, 10)));
  const bearer = async () => (await http(`${worker.url}/api/v1/session`, { headers: { authorization: `Bearer ${key}` } })).status;
  assert.equal(await bearer(), 200);

  // Shown once: after a reload the page holds only its first characters.
  await page.reload();
  await row.waitFor();
  assert.equal(await page.locator('[data-testid=api-key-value]').count(), 0);
  assert.ok(!(await page.content()).includes(key));

  await row.locator('[data-testid=api-key-revoke]').click();
  await page.locator('[data-testid=api-key-row][data-name="deploy script"][data-revoked=true]').waitFor();
  assert.equal(await bearer(), 401);
  await assertNoPasswordSent();
});

test('a reset for an address typed in capitals: the key is salted with the address as accounts are looked up', async () => {
  const email = 'dave@acme.example';
  const old = 'dave old password here';
  chosenPasswords.push(old);
  await createAccount(worker, { name: 'Dave Co', users: [{ email, name: 'Dave', role: 'org_user', password: old }] });
  assert.equal((await http(`${worker.url}/api/v1/password-resets`, { method: 'POST', body: JSON.stringify({ email: ' Dave@ACME.example ' }) })).status, 202);
  const [mail] = await mailTo(email);
  const link = mail.body.match(/http:\/\/\S+\/reset\/([A-Za-z0-9_-]{43})/);
  const page = await newPage();
  await page.goto(link[0]);
  const chosen = 'dave chose this one';
  chosenPasswords.push(chosen);
  assert.equal(await page.inputValue('[data-testid=email]'), email);
  await page.fill('[data-testid=password]', chosen);
  await page.fill('[data-testid=password-confirm]', chosen);
  await page.click('[data-testid=reset-submit]');
  await page.waitForURL(`${worker.url}/console`);
  // The same key whatever the case typed at login.
  await page.goto(`${worker.url}/login`);
  const login = await http(`${worker.url}/api/v1/session`, {
    method: 'POST', body: JSON.stringify({ email: 'DAVE@acme.example', password_key: await passwordKey('DAVE@acme.example', chosen) }), headers: { origin: worker.url },
  });
  assert.equal(login.status, 200, login.text());
  await assertNoPasswordSent();
});
