// Accounts and sessions against the Worker in workerd: login answers that never tell whether an account exists,
// lockout, the session cookie's attributes, the cross-site check, invitations with a temporary password that
// must be replaced, password reset links that reading never spends, API keys shown once, and tenancy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startWorker, http, createAccount, login, passwordKey, ROOT } from './harness.mjs';

let worker;
const PASSWORD = 'correct horse battery staple';
before(async () => {
  worker = await startWorker();
  await createAccount(worker, {
    name: 'Acme',
    users: [{ email: 'ada@acme.example', name: 'Ada Admin', role: 'org_admin', password: PASSWORD }],
  });
  await createAccount(worker, {
    name: 'Globex',
    users: [{ email: 'gus@globex.example', name: 'Gus Admin', role: 'org_admin', password: PASSWORD }],
  });
});
after(async () => { await worker?.stop(); });

const json = (headers) => ({ 'content-type': 'application/json', ...headers });
const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
async function attempt(email, password, headers = {}) {
  return api('/session', {
    method: 'POST',
    body: JSON.stringify({ email, password_key: await passwordKey(email, password) }),
    headers: json({ origin: worker.url, ...headers }),
  });
}
async function mailTo(address) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages.filter((message) => message.to === address);
}
async function count(table) {
  return (await worker.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n;
}

test('login sets a host-only, Secure, HttpOnly, SameSite=Strict session cookie, and GET /session reads it', async () => {
  const response = await attempt(' ada@acme.example ', PASSWORD);
  assert.equal(response.status, 200, response.text());
  const cookie = [response.headers['set-cookie']].flat()[0];
  assert.match(cookie, /^__Host-keyward_session=[A-Za-z0-9_-]{43};/);
  for (const attribute of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict']) assert.ok(cookie.includes(attribute), cookie);
  assert.ok(!/Domain=/i.test(cookie));
  const session = response.json();
  assert.equal(session.user.role, 'org_admin');
  assert.equal(session.account_name, 'Acme');
  const me = await api('/session', { headers: { cookie: cookie.split(';')[0] } });
  assert.equal(me.status, 200);
  assert.equal(me.json().user.email, 'ada@acme.example');
  // Only hashes are stored: the cookie's token is not in the sessions table.
  const token = cookie.split(';')[0].split('=')[1];
  const rows = await worker.query('SELECT token_hash FROM sessions');
  assert.ok(rows.every((row) => row.token_hash !== token && row.token_hash.length === 64));
});

test('a wrong password and an unknown address get the same answer', async () => {
  const wrong = await attempt('ada@acme.example', 'not the password at all');
  const unknown = await attempt('nobody@acme.example', 'not the password at all');
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.json(), unknown.json());
  assert.equal(wrong.json().error.code, 'credentials_invalid');
  assert.equal(wrong.json().error.field, 'password');
});

test('five failures lock an address for fifteen minutes, whether or not it has an account', async () => {
  const email = 'locked@acme.example';
  await createAccount(worker, { name: 'Locked', users: [{ email, password: PASSWORD }] });
  for (let index = 0; index < 5; index += 1) assert.equal((await attempt(email, `wrong ${index} wrong wrong`)).status, 401);
  const locked = await attempt(email, PASSWORD);
  assert.equal(locked.status, 429);
  assert.equal(locked.json().error.code, 'login_locked');
  for (let index = 0; index < 5; index += 1) await attempt('ghost@acme.example', `wrong ${index} wrong wrong`);
  assert.deepEqual(Object.keys((await attempt('ghost@acme.example', PASSWORD)).json().error), ['code', 'field', 'message']);
  assert.equal((await attempt('ghost@acme.example', PASSWORD)).json().error.code, 'login_locked');
  // Another address is not affected.
  assert.equal((await attempt('ada@acme.example', PASSWORD)).status, 200);
});

test('a request body without a password, or with a malformed key, is refused with the field named', async () => {
  const missing = await api('/session', { method: 'POST', body: JSON.stringify({ email: 'ada@acme.example' }), headers: json({ origin: worker.url }) });
  assert.equal(missing.status, 422);
  assert.deepEqual([missing.json().error.code, missing.json().error.field], ['password_missing', 'password']);
  const malformed = await api('/session', { method: 'POST', body: JSON.stringify({ email: 'ada@acme.example', password_key: 'hunter2' }), headers: json({ origin: worker.url }) });
  assert.deepEqual([malformed.json().error.code, malformed.json().error.field], ['password_key_malformed', 'password_key']);
  const email = await api('/session', { method: 'POST', body: JSON.stringify({ email: 'ada＠acme.example', password_key: 'x' }), headers: json({ origin: worker.url }) });
  assert.deepEqual([email.json().error.code, email.json().error.field], ['email_invalid', 'email']);
});

test('cookie-authenticated writes from another origin, or with no origin, are refused', async () => {
  const headers = await login(worker, 'ada@acme.example', PASSWORD);
  const body = JSON.stringify({ name: 'csrf probe' });
  for (const [label, extra] of [
    ['foreign origin', { origin: 'https://evil.example' }],
    ['cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['no origin', { origin: undefined }],
  ]) {
    const sent = { ...headers, ...extra };
    for (const key of Object.keys(sent)) if (sent[key] === undefined) delete sent[key];
    const response = await api('/api-keys', { method: 'POST', body, headers: sent });
    assert.equal(response.status, 403, label);
    assert.equal(response.json().error.code, 'cross_site_request', label);
  }
  assert.equal((await worker.query("SELECT COUNT(*) AS n FROM api_keys WHERE name = 'csrf probe'"))[0].n, 0);
});

test('an invited user logs in with the emailed temporary password and must replace it first', async () => {
  const admin = await login(worker, 'ada@acme.example', PASSWORD);
  const invited = await api('/users', { method: 'POST', headers: admin, body: JSON.stringify({ email: 'Bob@Acme.example', name: 'Bob', role: 'org_user' }) });
  assert.equal(invited.status, 201, invited.text());
  assert.equal(invited.json().must_change_password, true);
  const [mail] = await mailTo('bob@acme.example');
  const temporary = mail.body.match(/KWT(-[A-Z2-7]{4}){8}/)[0];
  assert.ok(mail.body.includes(`${worker.url}/login`));
  // Only the hash is stored.
  const [row] = await worker.query("SELECT * FROM users WHERE email = 'bob@acme.example'");
  assert.ok(!JSON.stringify(row).includes(temporary));
  const first = await api('/session', { method: 'POST', headers: json({ origin: worker.url }), body: JSON.stringify({ email: 'bob@acme.example', temporary_password: temporary.toLowerCase() }) });
  assert.equal(first.status, 200, first.text());
  assert.equal(first.json().user.must_change_password, true);
  const bob = { cookie: [first.headers['set-cookie']].flat()[0].split(';')[0], origin: worker.url, 'content-type': 'application/json' };
  const blocked = await api('/users', { headers: bob });
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json().error.code, 'password_change_required');
  const chosen = 'a password Bob chose himself';
  const changed = await api('/account/password', { method: 'POST', headers: bob, body: JSON.stringify({ current_temporary_password: temporary, new_password_key: await passwordKey('bob@acme.example', chosen) }) });
  assert.equal(changed.status, 204, changed.text());
  assert.equal((await api('/session', { headers: bob })).json().user.must_change_password, false);
  const again = await api('/session', { method: 'POST', headers: json({ origin: worker.url }), body: JSON.stringify({ email: 'bob@acme.example', temporary_password: temporary }) });
  assert.equal(again.status, 401, 'the temporary password is gone');
  assert.equal((await attempt('bob@acme.example', chosen)).status, 200);
  // An organization user cannot invite.
  const bobAgain = await login(worker, 'bob@acme.example', chosen);
  assert.equal((await api('/users', { method: 'POST', headers: bobAgain, body: JSON.stringify({ email: 'eve@acme.example', name: 'Eve', role: 'org_admin' }) })).status, 403);
});

test('the first CA administrator of a deployment: `cargo xtask ca-admin` prints SQL and a temporary password that must be replaced', async () => {
  const run = spawnSync('cargo', ['xtask', 'ca-admin', 'first.admin@keyward.test', "Grace O'Brien"], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const temporary = run.stderr.match(/KWT(-[A-Z2-7]{4}){8}/)[0];
  assert.ok(!run.stdout.includes(temporary), 'the SQL holds the verifier only');
  await worker.query(run.stdout);
  const first = await api('/session', { method: 'POST', headers: json({ origin: worker.url }), body: JSON.stringify({ email: 'first.admin@keyward.test', temporary_password: temporary }) });
  assert.equal(first.status, 200, first.text());
  assert.deepEqual([first.json().user.role, first.json().user.name, first.json().user.must_change_password], ['ca_admin', "Grace O'Brien", true]);
  const admin = { cookie: [first.headers['set-cookie']].flat()[0].split(';')[0], origin: worker.url, 'content-type': 'application/json' };
  const chosen = 'the first administrator chose this';
  const changed = await api('/account/password', { method: 'POST', headers: admin, body: JSON.stringify({ current_temporary_password: temporary, new_password_key: await passwordKey('first.admin@keyward.test', chosen) }) });
  assert.equal(changed.status, 204, changed.text());
  const session = await login(worker, 'first.admin@keyward.test', chosen);
  assert.equal((await api('/session', { headers: session })).json().user.role, 'ca_admin');
  const refused = spawnSync('cargo', ['xtask', 'ca-admin', 'not an address'], { cwd: ROOT, encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /the address "not an address"/);
  assert.equal(refused.stdout, '');
});

test('bad invitations name the field and write nothing', async () => {
  const admin = await login(worker, 'ada@acme.example', PASSWORD);
  const before = [await count('users'), await count('mail_outbox'), await count('audit_log')];
  for (const [body, field, code] of [
    [{ email: '', name: 'X', role: 'org_user' }, 'email', 'email_missing'],
    [{ email: 'no-at-sign', name: 'X', role: 'org_user' }, 'email', 'email_invalid'],
    [{ email: 'bоb@acme.example', name: 'X', role: 'org_user' }, 'email', 'email_invalid'], // Cyrillic о
    [{ email: 'bob\u200b@acme.example', name: 'X', role: 'org_user' }, 'email', 'email_invalid'],
    [{ email: `${'a'.repeat(250)}@acme.example`, name: 'X', role: 'org_user' }, 'email', 'email_invalid'],
    [{ email: "x'); DROP TABLE users;--@acme.example", name: 'X', role: 'org_user' }, 'email', 'email_invalid'],
    [{ email: 'new@acme.example', name: '   ', role: 'org_user' }, 'name', 'name_missing'],
    [{ email: 'new@acme.example', name: 'x'.repeat(101), role: 'org_user' }, 'name', 'name_too_long'],
    [{ email: 'new@acme.example', name: 'Mallory\u202egnp.exe', role: 'org_user' }, 'name', 'value_invisible_character'],
    [{ email: 'new@acme.example', name: 'Soft\u00adhyphen', role: 'org_user' }, 'name', 'value_invisible_character'],
    [{ email: 'new@acme.example', name: 'X', role: 'ca_admin' }, 'role', 'role_invalid'],
    [{ email: 'ada@acme.example', name: 'X', role: 'org_user' }, 'email', 'email_taken'],
  ]) {
    const response = await api('/users', { method: 'POST', headers: admin, body: JSON.stringify(body) });
    assert.ok(response.status >= 400 && response.status < 500, `${JSON.stringify(body)}: ${response.status}`);
    assert.deepEqual([response.json().error.field, response.json().error.code], [field, code], JSON.stringify(body));
  }
  const notJson = await api('/users', { method: 'POST', headers: admin, body: '{"email":' });
  assert.deepEqual([notJson.status, notJson.json().error.field], [400, 'body']);
  assert.deepEqual([await count('users'), await count('mail_outbox'), await count('audit_log')], before);
});

test('a password reset link: the answer never tells, reading never spends, using it ends every session', async () => {
  const email = 'reset@acme.example';
  await createAccount(worker, { name: 'Reset', users: [{ email, password: PASSWORD }] });
  const session = await login(worker, email, PASSWORD);
  const unknown = await api('/password-resets', { method: 'POST', headers: json({}), body: JSON.stringify({ email: 'nobody@acme.example' }) });
  const known = await api('/password-resets', { method: 'POST', headers: json({}), body: JSON.stringify({ email }) });
  assert.deepEqual([unknown.status, known.status], [202, 202]);
  assert.deepEqual(unknown.json(), known.json());
  assert.equal((await mailTo('nobody@acme.example')).length, 0);
  const [mail] = await mailTo(email);
  const url = mail.body.match(/http:\/\/\S+\/reset\/([A-Za-z0-9_-]{43})/);
  const token = url[1];
  // What a mail scanner does: GET and HEAD the emailed link (the page) and the API the page reads, repeatedly.
  for (let index = 0; index < 3; index += 1) {
    assert.equal((await http(url[0])).status, 200);
    assert.equal((await http(url[0], { method: 'HEAD' })).status, 200);
    const shown = await api(`/password-resets/${token}`);
    assert.equal(shown.json().state, 'open');
  }
  const chosen = 'a brand new reset password';
  const used = await api(`/password-resets/${token}`, { method: 'POST', headers: json({}), body: JSON.stringify({ new_password_key: await passwordKey(email, chosen) }) });
  assert.equal(used.status, 204, used.text());
  assert.equal((await api('/session', { headers: session })).status, 401, 'the old session ended');
  assert.equal((await attempt(email, PASSWORD)).status, 401);
  assert.equal((await attempt(email, chosen)).status, 200);
  const twice = await api(`/password-resets/${token}`, { method: 'POST', headers: json({}), body: JSON.stringify({ new_password_key: await passwordKey(email, 'yet another password!') }) });
  assert.equal(twice.status, 409);
  assert.equal(twice.json().error.code, 'link_spent');
  assert.equal((await api(`/password-resets/${token}`)).json().state, 'spent');
});

test('API keys: shown once, stored hashed, act for their account, cannot mint keys, and stop when revoked', async () => {
  const admin = await login(worker, 'ada@acme.example', PASSWORD);
  const created = await api('/api-keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'deploy script' }) });
  assert.equal(created.status, 201, created.text());
  const { key, id, prefix } = created.json();
  assert.match(key, /^kw_[A-Za-z0-9_-]{43}$/);
  assert.ok(key.startsWith(prefix));
  const listed = await api('/api-keys', { headers: admin });
  assert.ok(!listed.text().includes(key));
  assert.ok(!JSON.stringify(await worker.query('SELECT * FROM api_keys')).includes(key));
  const bearer = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const me = await api('/session', { headers: bearer });
  assert.equal(me.status, 200);
  assert.equal(me.json().account_name, 'Acme');
  assert.equal((await api('/api-keys', { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'child' }) })).status, 403);
  // Another account's admin cannot revoke it, and learns nothing from trying.
  const other = await login(worker, 'gus@globex.example', PASSWORD);
  const foreign = await api(`/api-keys/${id}`, { method: 'DELETE', headers: other });
  assert.equal(foreign.status, 404);
  assert.ok(!(await api('/api-keys', { headers: other })).text().includes(id));
  assert.equal((await api(`/api-keys/${id}`, { method: 'DELETE', headers: admin })).status, 204);
  assert.equal((await api('/session', { headers: bearer })).status, 401);
  assert.equal((await api('/session', { headers: { authorization: 'Bearer kw_nonsense' } })).status, 401);
});

test('logout ends the session on the server, not only in the browser', async () => {
  const headers = await login(worker, 'ada@acme.example', PASSWORD);
  const out = await api('/session', { method: 'DELETE', headers });
  assert.equal(out.status, 204);
  assert.match([out.headers['set-cookie']].flat()[0], /Max-Age=0/);
  assert.equal((await api('/session', { headers })).status, 401);
});

test('disabling a user ends their sessions and API keys at once and refuses their logins; enabling lets them log in again', async () => {
  await createAccount(worker, {
    name: 'Initech',
    users: [
      { email: 'ina@initech.example', role: 'org_admin', password: PASSWORD },
      { email: 'ian@initech.example', role: 'org_user', password: PASSWORD },
      { email: 'ivy@initech.example', role: 'org_admin', password: PASSWORD },
    ],
  });
  const admin = await login(worker, 'ina@initech.example', PASSWORD);
  const ivy = await login(worker, 'ivy@initech.example', PASSWORD);
  const ivyKey = (await api('/api-keys', { method: 'POST', headers: ivy, body: JSON.stringify({ name: 'ivy script' }) })).json();
  const bearer = { authorization: `Bearer ${ivyKey.key}` };
  assert.equal((await api('/orders', { headers: bearer })).status, 200);
  const users = (await api('/users', { headers: admin })).json().users;
  const id = (email) => users.find((user) => user.email === email).id;
  const [ina, ian] = [id('ina@initech.example'), id('ian@initech.example')];

  // Refusals name the field and change nothing.
  const gus = await login(worker, 'gus@globex.example', PASSWORD);
  const refusals = [
    ['oneself', () => api(`/users/${ina}/disable`, { method: 'POST', headers: admin }), 422, 'user_is_you'],
    ['another account', () => api(`/users/${id('ivy@initech.example')}/disable`, { method: 'POST', headers: gus }), 404, 'not_found'],
    ['an organization user', async () => api(`/users/${ina}/disable`, { method: 'POST', headers: await login(worker, 'ian@initech.example', PASSWORD) }), 403, 'forbidden'],
    ['an API key', () => api(`/users/${ian}/disable`, { method: 'POST', headers: bearer }), 403, 'forbidden'],
    ['not disabled', () => api(`/users/${ian}/enable`, { method: 'POST', headers: admin }), 409, 'user_not_disabled'],
  ];
  for (const [name, send, status, code] of refusals) {
    const response = await send();
    assert.equal(response.status, status, `${name}: ${response.text()}`);
    if (code !== 'not_found') assert.equal(response.json().error.code, code, name);
    assert.ok(response.json().error.field, `${name} names a field`);
  }
  const [{ n: disabledBefore }] = await worker.query("SELECT COUNT(*) AS n FROM users WHERE disabled_at IS NOT NULL AND email LIKE '%@initech.example'");
  assert.equal(disabledBefore, 0);

  const disabled = await api(`/users/${id('ivy@initech.example')}/disable`, { method: 'POST', headers: admin });
  assert.equal(disabled.status, 200, disabled.text());
  assert.ok(disabled.json().disabled_at > 0);
  assert.equal((await api('/session', { headers: ivy })).status, 401, 'her session ended');
  assert.equal((await api('/orders', { headers: bearer })).status, 401, 'the API key she made stopped');
  const refusedLogin = await attempt('ivy@initech.example', PASSWORD);
  const unknownLogin = await attempt('nobody@initech.example', PASSWORD);
  assert.deepEqual([refusedLogin.status, refusedLogin.json().error.code], [unknownLogin.status, unknownLogin.json().error.code], 'the same answer as an unknown address');
  const again = await api(`/users/${id('ivy@initech.example')}/disable`, { method: 'POST', headers: admin });
  assert.deepEqual([again.status, again.json().error.code], [409, 'user_already_disabled']);
  const listed = (await api('/users', { headers: admin })).json().users.find((user) => user.email === 'ivy@initech.example');
  assert.ok(listed.disabled_at > 0);
  const [audit] = await worker.query(`SELECT actor FROM audit_log WHERE action = 'user.disabled' AND subject_id = '${listed.id}'`);
  assert.equal(audit.actor, `user:${ina}`);

  const enabled = await api(`/users/${listed.id}/enable`, { method: 'POST', headers: admin });
  assert.equal(enabled.status, 200, enabled.text());
  assert.equal(enabled.json().disabled_at, null);
  assert.equal((await attempt('ivy@initech.example', PASSWORD)).status, 200);
  assert.equal((await api('/orders', { headers: bearer })).status, 401, 'the key stays revoked');
});

test('a user lists their open sessions (never a token) and ends one left open elsewhere', async () => {
  await createAccount(worker, { name: 'Hooli', users: [{ email: 'hal@hooli.example', password: PASSWORD }] });
  const cookieOf = (response) => ({ cookie: [response.headers['set-cookie']].flat()[0].split(';')[0], origin: worker.url, 'content-type': 'application/json' });
  const phone = await attempt('hal@hooli.example', PASSWORD, { 'user-agent': 'PhoneBrowser/1.0' });
  const desk = await attempt('hal@hooli.example', PASSWORD, { 'user-agent': 'DeskBrowser/2.0' });
  assert.deepEqual([phone.status, desk.status], [200, 200]);
  const [atPhone, atDesk] = [cookieOf(phone), cookieOf(desk)];
  const listed = await api('/sessions', { headers: atDesk });
  assert.equal(listed.status, 200, listed.text());
  const { sessions } = listed.json();
  assert.deepEqual(sessions.map((session) => session.user_agent).sort(), ['DeskBrowser/2.0', 'PhoneBrowser/1.0']);
  assert.deepEqual(sessions.filter((session) => session.current).map((session) => session.user_agent), ['DeskBrowser/2.0']);
  for (const cookie of [atPhone.cookie, atDesk.cookie]) assert.ok(!listed.text().includes(cookie.split('=')[1]), 'no token listed');
  const other = sessions.find((session) => !session.current);

  // Another user cannot end it, nor can an API key; then the owner does, once.
  const gus = await login(worker, 'gus@globex.example', PASSWORD);
  assert.equal((await api(`/sessions/${other.id}`, { method: 'DELETE', headers: gus })).status, 404);
  const key = (await api('/api-keys', { method: 'POST', headers: atDesk, body: JSON.stringify({ name: 'hal script' }) })).json().key;
  assert.equal((await api('/sessions', { headers: { authorization: `Bearer ${key}` } })).status, 403);
  assert.equal((await api('/session', { headers: atPhone })).status, 200, 'still open');
  const ended = await api(`/sessions/${other.id}`, { method: 'DELETE', headers: atDesk });
  assert.equal(ended.status, 204, ended.text());
  assert.equal((await api('/session', { headers: atPhone })).status, 401, 'the phone is logged out');
  assert.equal((await api('/session', { headers: atDesk })).status, 200, 'this browser is not');
  assert.equal((await api(`/sessions/${other.id}`, { method: 'DELETE', headers: atDesk })).status, 404, 'once');
  assert.deepEqual((await api('/sessions', { headers: atDesk })).json().sessions.map((session) => session.user_agent), ['DeskBrowser/2.0']);
});
