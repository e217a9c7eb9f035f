// Logins against abuse (issue 15), against the Worker in workerd: parallel guessing gets the allowance and no more
// (per address, and per client network, IPv6 counted by /64); the back-off grows and stays bounded; a password
// reset clears a stranger's lockout; a CA administrator cannot be locked out by a stranger; a login a cross-site
// page could send is refused; a reset ends the user's API keys and tells the user; two administrators cannot
// disable each other into an account without an enabled administrator.
//
// The client's address is the `CF-Connecting-IP` header, which wrangler dev keeps when the request carries it, so
// each test chooses the networks it comes from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startWorker, http, createAccount, login, passwordKey } from './harness.mjs';

let worker;
const PASSWORD = 'correct horse battery staple';
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const jsonHeaders = (headers = {}) => ({ 'content-type': 'application/json', origin: worker.url, ...headers });
/** A login with a precomputed body (the password key costs 600,000 PBKDF2 iterations), from the client `ip`. */
const loginFrom = (ip, body, headers = {}) => api('/session', { method: 'POST', body, headers: jsonHeaders({ 'cf-connecting-ip': ip, ...headers }) });
const loginBody = async (email, password) => JSON.stringify({ email, password_key: await passwordKey(email, password) });
const addressKey = (email) => `email:${createHash('sha256').update(email).digest('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const codes = (responses) => responses.reduce((tally, response) => {
  const code = response.status === 200 ? 'ok' : response.json().error.code;
  return { ...tally, [code]: (tally[code] ?? 0) + 1 };
}, {});
async function mailTo(address) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages.filter((message) => message.to === address);
}
/** Asks for a reset link for `email` and follows it with `password`: resolves to the answer of the reset. */
async function resetPassword(email, password) {
  const before = (await mailTo(email)).length;
  assert.equal((await api('/password-resets', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ email }) })).status, 202);
  const mails = await mailTo(email);
  assert.equal(mails.length, before + 1);
  const token = mails.map((mail) => mail.body.match(/\/reset\/([A-Za-z0-9_-]{43})/)?.[1]).find(Boolean);
  return api(`/password-resets/${token}`, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ new_password_key: await passwordKey(email, password) }) });
}

test('200 concurrent wrong logins for one address, from 200 clients, check five guesses and refuse the rest', async () => {
  const email = 'target@parallel.example';
  await createAccount(worker, { name: 'Parallel', users: [{ email, password: PASSWORD }] });
  const wrong = await loginBody(email, 'a wrong guess of the password');
  const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => loginFrom(`10.1.${index >> 8}.${index & 255}`, wrong)));
  const tally = codes(answers);
  assert.ok((tally.credentials_invalid ?? 0) <= 5, JSON.stringify(tally));
  assert.equal((tally.credentials_invalid ?? 0) + (tally.login_locked ?? 0), 200, JSON.stringify(tally));
  const locked = answers.find((answer) => answer.status === 429).json().error;
  assert.deepEqual([locked.code, locked.field], ['login_locked', 'password']);
  // The right password is refused too while the back-off runs: the secret is not even checked.
  assert.equal((await loginFrom('10.2.0.1', await loginBody(email, PASSWORD))).status, 429);
});

test('one IPv6 /64 gets fifty failed guesses in all, across addresses and its 2^64 host addresses', async () => {
  const guesses = await Promise.all(Array.from({ length: 120 }, async (_, index) => {
    const body = await loginBody(`nobody${index}@network.example`, 'a wrong guess of the password');
    return { ip: `2001:db8:77:1:${index.toString(16)}::${(index * 7).toString(16)}`, body };
  }));
  const tally = codes(await Promise.all(guesses.map(({ ip, body }) => loginFrom(ip, body))));
  assert.ok((tally.credentials_invalid ?? 0) <= 50, JSON.stringify(tally));
  assert.equal((tally.credentials_invalid ?? 0) + (tally.login_locked ?? 0), 120, JSON.stringify(tally));
  // The refusal says the network ran out, not "this address" (each of these addresses was tried once or twice).
  const refused = await loginFrom('2001:db8:77:1::9', await loginBody('someone-new@network.example', 'a guess'));
  assert.equal(refused.status, 429);
  assert.match(refused.json().error.message, /from your network/);
  const email = 'neighbour@network.example';
  await createAccount(worker, { name: 'Neighbour', users: [{ email, password: PASSWORD }] });
  assert.equal((await loginFrom('2001:db8:77:2::1', await loginBody(email, PASSWORD))).status, 200);
  assert.equal((await loginFrom('2001:db8:77:1::abcd', await loginBody(email, PASSWORD))).status, 429);
});

test('the back-off doubles from a minute to fifteen and stays there: the owner still gets in at that pace', async () => {
  const email = 'patient@backoff.example';
  await createAccount(worker, { name: 'Backoff', users: [{ email, password: PASSWORD }] });
  const wrong = await loginBody(email, 'a wrong guess of the password');
  for (let index = 0; index < 5; index += 1) assert.equal((await loginFrom(`10.3.0.${index}`, wrong)).status, 401);
  const key = addressKey(email);
  const row = async () => (await worker.query(`SELECT attempts, last_attempt_at, next_attempt_at FROM login_throttle WHERE key = '${key}'`))[0];
  const wait = async () => { const { last_attempt_at: last, next_attempt_at: next } = await row(); return next - last; };
  assert.equal(await wait(), 60);
  assert.equal((await loginFrom('10.3.1.1', wrong)).status, 429);
  // Time passes: the wait is over (moved into the past, as the clock cannot be).
  const waitOver = () => worker.query(`UPDATE login_throttle SET next_attempt_at = ${now() - 1}, last_attempt_at = ${now() - 2} WHERE key = '${key}'`);
  await waitOver();
  assert.equal((await loginFrom('10.3.1.2', wrong)).status, 401);
  assert.equal(await wait(), 120);
  assert.equal((await loginFrom('10.3.1.3', wrong)).status, 429);
  // However many attempts came before, the wait is at most fifteen minutes.
  await worker.query(`UPDATE login_throttle SET attempts = 400 WHERE key = '${key}'`);
  await waitOver();
  assert.equal((await loginFrom('10.3.1.4', wrong)).status, 401);
  assert.equal(await wait(), 900);
  // When the wait is over, the owner's right password goes through, and the count is cleared.
  await waitOver();
  assert.equal((await loginFrom('10.3.2.1', await loginBody(email, PASSWORD))).status, 200);
  assert.equal(await row(), undefined);
});

test('a completed password reset clears the lockout a stranger caused: the owner logs in at once', async () => {
  const email = 'victim@reset.example';
  await createAccount(worker, { name: 'Victim', users: [{ email, password: PASSWORD }] });
  const wrong = await loginBody(email, 'the stranger guesses this');
  for (let index = 0; index < 6; index += 1) await loginFrom(`198.51.100.${index + 10}`, wrong);
  assert.equal((await loginFrom('203.0.113.20', await loginBody(email, PASSWORD))).status, 429);
  const chosen = 'the victim chose a new password';
  assert.equal((await resetPassword(email, chosen)).status, 204);
  const answer = await loginFrom('203.0.113.20', await loginBody(email, chosen));
  assert.equal(answer.status, 200, answer.text());
});

test('a CA administrator is not locked out by a stranger: the stranger is slowed on their own network only', async () => {
  const email = 'operator@ca.example';
  await createAccount(worker, { name: 'Keyward CA', users: [{ email, role: 'ca_admin', password: PASSWORD }] });
  const wrong = await loginBody(email, 'the stranger guesses this');
  const tally = codes(await Promise.all(Array.from({ length: 20 }, () => loginFrom('198.51.100.200', wrong))));
  assert.deepEqual(tally, { credentials_invalid: 5, login_locked: 15 });
  // The stranger's network is held back even with the right password...
  assert.equal((await loginFrom('198.51.100.200', await loginBody(email, PASSWORD))).status, 429);
  // ...and the administrator, elsewhere, is not.
  const own = await loginFrom('203.0.113.30', await loginBody(email, PASSWORD));
  assert.equal(own.status, 200, own.text());
  // An organization administrator's address stays counted as one, from every network (the first test).
});

test('a login a cross-site page could send is refused, naming the header: forms 415, other origins 403', async () => {
  const email = 'forged@forgery.example';
  await createAccount(worker, { name: 'Forgery', users: [{ email, password: PASSWORD }] });
  const body = await loginBody(email, PASSWORD);
  const sessions = async () => (await worker.query('SELECT COUNT(*) AS n FROM sessions'))[0].n;
  const before = await sessions();
  for (const [label, headers, status, code, field] of [
    ['text/plain form', { 'content-type': 'text/plain' }, 415, 'content_type_not_json', 'content-type'],
    ['text/plain from another site', { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 415, 'content_type_not_json', 'content-type'],
    ['urlencoded form', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'content_type_not_json', 'content-type'],
    ['multipart form', { 'content-type': 'multipart/form-data; boundary=x' }, 415, 'content_type_not_json', 'content-type'],
    ['another origin', { origin: 'https://evil.example' }, 403, 'cross_site_request', 'origin'],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }, 403, 'cross_site_request', 'origin'],
    ['a sibling site', { 'sec-fetch-site': 'same-site' }, 403, 'cross_site_request', 'origin'],
    ['an opaque origin', { origin: 'null' }, 403, 'cross_site_request', 'origin'],
  ]) {
    const answer = await api('/session', { method: 'POST', body, headers: jsonHeaders(headers) });
    assert.equal(answer.status, status, `${label}: ${answer.text()}`);
    assert.deepEqual([answer.json().error.code, answer.json().error.field], [code, field], label);
    assert.equal(answer.headers['set-cookie'], undefined, label);
  }
  assert.equal(await sessions(), before);
  // Keyward's own page, and a script without browser headers, log in.
  assert.equal((await api('/session', { method: 'POST', body, headers: jsonHeaders({ 'sec-fetch-site': 'same-origin' }) })).status, 200);
  assert.equal((await api('/session', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } })).status, 200);
});

test('a password reset ends the API keys the user made, audits each, and emails the user that the password changed', async () => {
  const email = 'keys@reset.example';
  await createAccount(worker, { name: 'Keys', users: [{ email, name: 'Kim', role: 'org_admin', password: PASSWORD }] });
  const admin = await login(worker, email, PASSWORD);
  const made = [];
  for (const name of ['deploy', 'backup']) {
    const created = await api('/api-keys', { method: 'POST', headers: admin, body: JSON.stringify({ name }) });
    assert.equal(created.status, 201, created.text());
    made.push(created.json());
  }
  const bearer = async (key) => (await api('/session', { headers: { authorization: `Bearer ${key}` } })).status;
  for (const { key } of made) assert.equal(await bearer(key), 200);
  assert.equal((await resetPassword(email, 'Kim chose another password')).status, 204);
  for (const { key } of made) assert.equal(await bearer(key), 401);
  const ids = made.map(({ id }) => `'${id}'`).join(', ');
  const revoked = await worker.query(`SELECT subject_id, detail FROM audit_log WHERE action = 'api_key.revoked' AND subject_id IN (${ids})`);
  assert.deepEqual(revoked.map((row) => row.subject_id).sort(), made.map(({ id }) => id).sort());
  for (const row of revoked) assert.deepEqual(JSON.parse(row.detail), { reason: 'password_reset' });
  const notices = (await mailTo(email)).filter((mail) => mail.subject === 'Your Keyward password was changed');
  assert.equal(notices.length, 1);
  assert.match(notices[0].body, /every session of the account ended, and so did the API keys/i);
  assert.ok(notices[0].body.includes(`${worker.url}/reset`), notices[0].body);
});

test('two administrators disabling each other at once: exactly one succeeds, the account keeps an enabled administrator', async () => {
  // The loser is refused by the database (409 last_administrator) when both requests passed their checks before
  // either wrote, or finds its own session ended by the winner (401) when it came later: the race itself must
  // happen at least once in twenty rounds for the test to prove anything.
  const losers = {};
  for (let round = 0; round < 20; round += 1) {
    const [first, second] = [`first${round}@admins.example`, `second${round}@admins.example`];
    const { accountId, userIds } = await createAccount(worker, {
      name: `Admins ${round}`,
      users: [{ email: first, password: PASSWORD }, { email: second, password: PASSWORD }],
    });
    const [firstHeaders, secondHeaders] = await Promise.all([login(worker, first, PASSWORD), login(worker, second, PASSWORD)]);
    const answers = await Promise.all([
      api(`/users/${userIds[1]}/disable`, { method: 'POST', headers: firstHeaders }),
      api(`/users/${userIds[0]}/disable`, { method: 'POST', headers: secondHeaders }),
    ]);
    const texts = `round ${round}: ${answers.map((answer) => answer.text()).join(' | ')}`;
    assert.equal(answers.filter((answer) => answer.status === 200).length, 1, texts);
    const loser = answers.find((answer) => answer.status !== 200);
    const { code, field } = loser.json().error;
    assert.ok(
      (loser.status === 409 && code === 'last_administrator' && field === 'id') || (loser.status === 401 && code === 'unauthenticated'),
      texts,
    );
    losers[code] = (losers[code] ?? 0) + 1;
    const [{ n }] = await worker.query(`SELECT COUNT(*) AS n FROM users WHERE account_id = '${accountId}' AND role = 'org_admin' AND disabled_at IS NULL`);
    assert.equal(n, 1, `round ${round}`);
  }
  assert.ok((losers.last_administrator ?? 0) >= 1, `the race never happened: ${JSON.stringify(losers)}`);
});
