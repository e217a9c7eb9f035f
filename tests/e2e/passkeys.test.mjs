/**
 * Passkeys (issue 12.5): CA administrators log in with a password and then a passkey; the password alone opens
 * nothing. Chromium's virtual authenticator (the DevTools protocol's `WebAuthn` domain) registers and uses a real
 * browser credential; the answers a browser would never send (another origin, another RP ID, a replay, a lowered
 * counter) are forged with the software authenticator of `authenticator.mjs` over HTTP.
 *
 * The Worker's app URL is `http://localhost:<port>`: WebAuthn refuses an IP address as RP ID, and `localhost` is a
 * secure context.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  startWorker, createAccount, http, launchBrowser, passwordKey, login, authenticatorOf, passPasskeyStep,
} from './harness.mjs';
import { SoftwareAuthenticator } from './authenticator.mjs';

let worker;
let browser;
let appUrl;
const PASSWORD = 'a CA administrator password';

before(async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  appUrl = `http://localhost:${port}`;
  worker = await startWorker({ port, vars: { KEYWARD_APP_URL: appUrl } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const post = (path, headers, body) => api(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });

/** A password login only: the headers of its session and the passkey step it stands at. */
async function passwordLogin(email, password = PASSWORD) {
  const response = await post('/session', { 'content-type': 'application/json', origin: worker.url }, { email, password_key: await passwordKey(email, password) });
  assert.equal(response.status, 200, response.text());
  const cookie = [response.headers['set-cookie']].flat()[0].split(';')[0];
  return { headers: { cookie, origin: worker.url, 'content-type': 'application/json' }, step: response.json().passkey };
}

/** What a session at a passkey step gets from endpoints beyond the passkey ones: each refused with `code`. */
async function assertLockedOut(headers, code) {
  for (const [method, path] of [['GET', '/sessions'], ['GET', '/organizations'], ['GET', '/orders'], ['GET', '/users']]) {
    const answer = await api(path, { method, headers });
    assert.equal(answer.status, 403, `${method} ${path}: ${answer.text()}`);
    assert.equal(answer.json().error.code, code, `${method} ${path}`);
  }
}

test('in Chromium, a CA administrator registers a passkey (virtual authenticator), logs in with it, and the password alone opens nothing', async () => {
  const email = 'root@keyward.test';
  await createAccount(worker, { name: 'Keyward CA', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${appUrl}/`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const passwordKeyText = await passwordKey(email, PASSWORD);
  // The page's own fetches: its origin is the app's, its cookie the session's.
  const inPage = (script, argument) => page.evaluate(script, argument);
  const fetchJson = `async (path, method = 'GET', body) => {
      const response = await fetch('/api/v1' + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
  }`;
  await inPage(`window.api = ${fetchJson};
    window.fromB64 = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    window.toB64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');`);

  const first = await inPage(([email, key]) => window.api('/session', 'POST', { email, password_key: key }), [email, passwordKeyText]);
  assert.equal(first.status, 200);
  assert.equal(first.body.passkey, 'register');
  const refusedBeforeRegistration = await inPage(() => window.api('/sessions'));
  assert.deepEqual([refusedBeforeRegistration.status, refusedBeforeRegistration.body.error.code], [403, 'passkey_registration_required']);

  const registered = await inPage(async () => {
    const options = (await window.api('/passkeys/registration-options', 'POST')).body;
    const credential = await navigator.credentials.create({ publicKey: {
      challenge: window.fromB64(options.challenge),
      rp: { id: options.rp_id, name: options.rp_name },
      user: { id: window.fromB64(options.user_id), name: options.user_name, displayName: options.user_display_name },
      pubKeyCredParams: options.algorithms.map((alg) => ({ type: 'public-key', alg })),
      excludeCredentials: options.exclude_credentials.map((id) => ({ type: 'public-key', id: window.fromB64(id) })),
      timeout: options.timeout_ms,
      attestation: 'none',
    } });
    return window.api('/passkeys', 'POST', {
      name: 'Virtual authenticator',
      challenge: options.challenge,
      credential_id: window.toB64(credential.rawId),
      client_data_json: window.toB64(credential.response.clientDataJSON),
      attestation_object: window.toB64(credential.response.attestationObject),
    });
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  assert.equal(registered.body.recovery_codes.length, 10);
  assert.equal(registered.body.step, 'done');
  assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
  assert.equal((await inPage(() => window.api('/sessions'))).status, 200);

  // A new login: the password is right, and still nothing but the passkey step opens.
  assert.equal((await inPage(() => window.api('/session', 'DELETE'))).status, 204);
  const second = await inPage(([email, key]) => window.api('/session', 'POST', { email, password_key: key }), [email, passwordKeyText]);
  assert.equal(second.body.passkey, 'confirm');
  for (const path of ['/sessions', '/orders']) {
    const refused = await inPage((path) => window.api(path), path);
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'passkey_required'], path);
  }
  // The password alone does not add a passkey either.
  const addition = await inPage(() => window.api('/passkeys/registration-options', 'POST'));
  assert.deepEqual([addition.status, addition.body.error.code], [403, 'passkey_required']);

  const confirmed = await inPage(async () => {
    const options = (await window.api('/session/passkey-options', 'POST')).body;
    const assertion = await navigator.credentials.get({ publicKey: {
      challenge: window.fromB64(options.challenge),
      rpId: options.rp_id,
      allowCredentials: options.allow_credentials.map((id) => ({ type: 'public-key', id: window.fromB64(id) })),
      timeout: options.timeout_ms,
      userVerification: 'preferred',
    } });
    return window.api('/session/passkey', 'POST', {
      challenge: options.challenge,
      credential_id: window.toB64(assertion.rawId),
      client_data_json: window.toB64(assertion.response.clientDataJSON),
      authenticator_data: window.toB64(assertion.response.authenticatorData),
      signature: window.toB64(assertion.response.signature),
    });
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.passkey, 'done');
  assert.equal((await inPage(() => window.api('/sessions'))).status, 200);
  const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'session.confirmed'`);
  assert.equal(n, 1);
  await context.close();
});

test('forged answers are refused by name: another origin, another RP ID, another ceremony, another key, another session, a replay, a lowered counter', async () => {
  const email = 'operator@keyward.test';
  await createAccount(worker, { name: 'Keyward CA operators', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const registration = await passwordLogin(email);
  assert.equal(registration.step, 'register');
  await assertLockedOut(registration.headers, 'passkey_registration_required');
  const options = (await post('/passkeys/registration-options', registration.headers)).json();
  const authenticator = authenticatorOf(worker, email);
  for (const [label, answer, code] of [
    ['another origin', authenticator.register(options, { origin: 'http://evil.example' }), 'webauthn_origin_mismatch'],
    ['another RP ID', authenticator.register(options, { rpId: 'evil.example' }), 'webauthn_rp_id_mismatch'],
    ['a login\'s client data', authenticator.register(options, { type: 'webauthn.get' }), 'webauthn_type_mismatch'],
  ]) {
    const refused = await post('/passkeys', registration.headers, answer);
    assert.deepEqual([refused.status, refused.json().error.code], [422, code], `${label}: ${refused.text()}`);
  }
  const answer = authenticator.register(options);
  const registered = await post('/passkeys', registration.headers, answer);
  assert.equal(registered.status, 201, registered.text());
  // The same registration again: its challenge was spent in the batch that used it.
  const replayed = await post('/passkeys', registration.headers, answer);
  assert.deepEqual([replayed.status, replayed.json().error.code], [409, 'webauthn_challenge_used'], replayed.text());

  const pending = await passwordLogin(email);
  assert.equal(pending.step, 'confirm');
  await assertLockedOut(pending.headers, 'passkey_required');
  const other = await passwordLogin(email);
  const loginOptions = (await post('/session/passkey-options', pending.headers)).json();
  const impostor = new SoftwareAuthenticator({ origin: authenticator.origin, rpId: authenticator.rpId });
  impostor.credentialId = authenticator.credentialId;
  for (const [label, headers, answer, status, code] of [
    ['another origin', pending.headers, authenticator.assert(loginOptions, { origin: 'http://evil.example' }), 422, 'webauthn_origin_mismatch'],
    ['another RP ID', pending.headers, authenticator.assert(loginOptions, { rpId: 'evil.example' }), 422, 'webauthn_rp_id_mismatch'],
    ['a registration\'s client data', pending.headers, authenticator.assert(loginOptions, { type: 'webauthn.create' }), 422, 'webauthn_type_mismatch'],
    ['another key under the same credential id', pending.headers, impostor.assert(loginOptions), 422, 'webauthn_signature_invalid'],
    ['another session\'s challenge', other.headers, authenticator.assert(loginOptions), 422, 'webauthn_challenge_invalid'],
  ]) {
    const refused = await post('/session/passkey', headers, answer);
    assert.deepEqual([refused.status, refused.json().error.code], [status, code], `${label}: ${refused.text()}`);
  }
  // The right answer, sent twice at once: one confirms the login, the other is refused.
  const good = authenticator.assert(loginOptions);
  const both = await Promise.all([post('/session/passkey', pending.headers, good), post('/session/passkey', pending.headers, good)]);
  assert.deepEqual(both.map((answer) => answer.status).sort(), [200, 409], both.map((answer) => answer.text()).join('\n'));
  assert.ok(['webauthn_challenge_used', 'login_confirmed_already'].includes(both.find((answer) => answer.status === 409).json().error.code));
  assert.equal((await api('/sessions', { headers: pending.headers })).status, 200);
  // Replayed on the other pending session: bound to the first one's.
  const replay = await post('/session/passkey', other.headers, good);
  assert.deepEqual([replay.status, replay.json().error.code], [422, 'webauthn_challenge_invalid']);

  // A counter that does not go up: a possible clone.
  const options3 = (await post('/session/passkey-options', other.headers)).json();
  const stale = await post('/session/passkey', other.headers, authenticator.assert(options3, { signCount: authenticator.signCount }));
  assert.deepEqual([stale.status, stale.json().error.code], [422, 'webauthn_counter_regressed'], stale.text());
  const fresh = await post('/session/passkey', other.headers, authenticator.assert(options3));
  assert.equal(fresh.status, 200, fresh.text());

  // The harness's login takes both steps with the same authenticator.
  assert.equal((await api('/sessions', { headers: await login(worker, email, PASSWORD) })).status, 200);
  // A CA administrator keeps a passkey.
  const [{ passkeys }] = [(await api('/passkeys', { headers: pending.headers })).json()];
  const last = await api(`/passkeys/${passkeys[0].id}`, { method: 'DELETE', headers: pending.headers });
  assert.deepEqual([last.status, last.json().error.code], [409, 'passkey_last_one']);
});

test('recovery codes: shown once at the first passkey, each confirms one login, then never again', async () => {
  const email = 'recovery@keyward.test';
  await createAccount(worker, { name: 'Keyward CA recovery', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const first = await passwordLogin(email);
  const codes = await passPasskeyStep(worker, email, first.headers, first.step);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const [{ stored }] = await worker.query(`SELECT COUNT(*) AS stored FROM recovery_codes WHERE code_hash = '${codes[0]}'`);
  assert.equal(stored, 0, 'stored hashed only');
  assert.equal((await api('/passkeys', { headers: first.headers })).json().recovery_codes_left, 10);

  const pending = await passwordLogin(email);
  const wrong = await post('/session/recovery-code', pending.headers, { code: 'zzzz-zzzz-zzzz-zzzz' });
  assert.deepEqual([wrong.status, wrong.json().error.code], [422, 'recovery_code_invalid']);
  const used = await post('/session/recovery-code', pending.headers, { code: codes[0].toUpperCase() });
  assert.equal(used.status, 200, used.text());
  assert.equal(used.json().passkey, 'done');
  const again = await passwordLogin(email);
  const reused = await post('/session/recovery-code', again.headers, { code: codes[0] });
  assert.deepEqual([reused.status, reused.json().error.code], [422, 'recovery_code_invalid']);
  assert.equal((await api('/sessions', { headers: again.headers })).status, 403);
  assert.equal((await post('/session/recovery-code', again.headers, { code: codes[1] })).status, 200);
  assert.equal((await api('/passkeys', { headers: again.headers })).json().recovery_codes_left, 8);
  // A second passkey brings no new codes.
  const options = (await post('/passkeys/registration-options', again.headers)).json();
  const second = new SoftwareAuthenticator({ origin: authenticatorOf(worker, email).origin, rpId: authenticatorOf(worker, email).rpId });
  const added = await post('/passkeys', again.headers, second.register(options, { name: 'Spare key' }));
  assert.equal(added.status, 201, added.text());
  assert.deepEqual(added.json().recovery_codes, []);
});

test('failed second steps are throttled per user: past ten, even the right code or passkey waits; a confirmed login clears the count', async () => {
  const email = 'throttled@keyward.test';
  await createAccount(worker, { name: 'Keyward CA throttled', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const first = await passwordLogin(email);
  const codes = await passPasskeyStep(worker, email, first.headers, first.step);
  const [{ id }] = await worker.query(`SELECT id FROM users WHERE email = '${email}'`);
  // Ten wrong codes from two sessions the password opened: counted per user, not per session.
  const sessions = [await passwordLogin(email), await passwordLogin(email)];
  for (let attempt = 1; attempt <= 10; attempt += 1) {
    const wrong = await post('/session/recovery-code', sessions[attempt % 2].headers, { code: 'zzzz-zzzz-zzzz-zzzz' });
    assert.deepEqual([wrong.status, wrong.json().error.code], [422, 'recovery_code_invalid'], `attempt ${attempt}: ${wrong.text()}`);
  }
  // A third session, the right code: it waits, naming until when; so does the passkey.
  const fresh = await passwordLogin(email);
  const locked = await post('/session/recovery-code', fresh.headers, { code: codes[0] });
  assert.deepEqual([locked.status, locked.json().error.code, locked.json().error.field], [429, 'login_locked', 'authorization'], locked.text());
  assert.match(locked.json().error.message, /Too many failed confirmations of this login .* Try again after/);
  const options = (await post('/session/passkey-options', fresh.headers)).json();
  const byPasskey = await post('/session/passkey', fresh.headers, authenticatorOf(worker, email).assert(options));
  assert.deepEqual([byPasskey.status, byPasskey.json().error.code], [429, 'login_locked'], byPasskey.text());
  assert.equal((await api('/sessions', { headers: fresh.headers })).status, 403, 'the session is still at its passkey step');
  assert.equal((await api('/passkeys', { headers: first.headers })).json().recovery_codes_left, 10, 'a refused attempt spends no code');
  // The wait over (its instant moved back, as time would move on), the right code confirms and clears the count.
  await worker.query(`UPDATE login_throttle SET next_attempt_at = 0 WHERE key = 'second-step:${id}'`);
  const confirmed = await post('/session/recovery-code', fresh.headers, { code: codes[0] });
  assert.equal(confirmed.status, 200, confirmed.text());
  const [{ left }] = await worker.query(`SELECT COUNT(*) AS left FROM login_throttle WHERE key = 'second-step:${id}'`);
  assert.equal(left, 0, 'a confirmed login clears the count');
});

test('an organization user may add a passkey; from then on their login asks for it', async () => {
  const email = 'alice@acme.example';
  await createAccount(worker, { name: 'Acme', users: [{ email, role: 'org_admin', password: PASSWORD }] });
  const first = await passwordLogin(email);
  assert.equal(first.step, 'done');
  assert.equal((await api('/organizations', { headers: first.headers })).status, 200);
  await passPasskeyStep(worker, email, first.headers, 'register');
  const next = await passwordLogin(email);
  assert.equal(next.step, 'confirm');
  await assertLockedOut(next.headers, 'passkey_required');
  await passPasskeyStep(worker, email, next.headers, 'confirm');
  assert.equal((await api('/organizations', { headers: next.headers })).status, 200);
  // Their last passkey may go; the login then needs the password only.
  const { passkeys } = (await api('/passkeys', { headers: next.headers })).json();
  assert.equal((await api(`/passkeys/${passkeys[0].id}`, { method: 'DELETE', headers: next.headers })).status, 204);
  assert.equal((await passwordLogin(email)).step, 'done');
});

test('the console: a CA administrator registers a passkey at the first login, sees the recovery codes once, and confirms the next login with it', async () => {
  const email = 'console-admin@keyward.test';
  await createAccount(worker, { name: 'Keyward CA console', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${appUrl}/login`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const logIn = async () => {
    await page.goto(`${appUrl}/login`);
    await page.fill('[data-testid=email]', email);
    await page.fill('[data-testid=password]', PASSWORD);
    await page.click('[data-testid=login-submit]');
  };
  await logIn();
  await page.click('[data-testid=passkey-register-button]');
  await page.waitForSelector('[data-testid=recovery-codes]');
  assert.equal(await page.locator('[data-testid=recovery-code]').count(), 10);
  assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
  await page.click('[data-testid=recovery-codes-done]');
  await page.waitForSelector('[data-testid=console-nav]');
  await page.click('[data-testid=nav-passkeys]');
  await page.waitForSelector('[data-testid=passkey]');
  assert.equal(await page.locator('[data-testid=passkey]').count(), 1);
  await page.click('[data-testid=logout]');
  await page.waitForURL(/\/login$/);

  await logIn();
  await page.waitForSelector('[data-testid=passkey-confirm]');
  // The password alone: the console shows nothing but the passkey step.
  assert.equal(await page.locator('[data-testid=console-nav]').count(), 0);
  await page.click('[data-testid=passkey-confirm-button]');
  await page.waitForSelector('[data-testid=console-nav]');
  assert.equal(await page.textContent('[data-testid=who]'), email);
  await context.close();
});
