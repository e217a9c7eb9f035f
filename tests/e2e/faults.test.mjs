// Two faults the soak suite (`cargo xtask soak`) found, each checked here on one Worker with the HTTP mail
// adapter against the soak's fault-injecting email API (`tests/soak/faults.mjs`):
// - a busy D1 (an exclusive write lock held on its SQLite file by another process) answered 500 `internal`; it is
//   a 503 `temporarily_unavailable` with `Retry-After`, and nothing is half-written;
// - a silent mail provider made the scheduled handler send one message at a time, each waiting its whole 10 s
//   timeout; the run now sends several at once, which the provider sees as simultaneously open requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { d1File, startWorker, http, keywardPython, passwordKey, createAccount } from './harness.mjs';
import { startMailProvider, holdWriteLock } from '../soak/faults.mjs';

let worker;
let provider;
before(async () => {
  provider = await startMailProvider();
  worker = await startWorker({
    vars: {
      KEYWARD_MAIL: 'http', KEYWARD_MAIL_API_URL: provider.url, KEYWARD_MAIL_API_TOKEN: 'faults-mail-token',
      KEYWARD_MAIL_FROM: 'Keyward <no-reply@keyward.example.com>',
    },
  });
});
after(async () => {
  await worker?.stop();
  await provider?.stop();
});

const now = () => Math.floor(Date.now() / 1000);

/** Waits until `condition()` holds, asking again every 100 ms, for at most `seconds`. */
async function until(condition, what, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a busy database answers 503 temporarily_unavailable with Retry-After, and writes nothing', async () => {
  const email = 'busy-admin@faults.example.com';
  const password = 'correct horse battery staple faults';
  await createAccount(worker, { name: 'Busy Account', users: [{ email, role: 'org_admin', password }] });
  const login = async () => http(`${worker.url}/api/v1/session`, {
    method: 'POST',
    body: JSON.stringify({ email, password_key: await passwordKey(email, password) }),
    headers: { 'content-type': 'application/json', origin: worker.url },
  });
  const sessions = async () => (await worker.query('SELECT count(*) AS n FROM sessions'))[0].n;
  const before = await sessions();

  // The lock is held longer than SQLite's busy wait in workerd, so no login's write passes while it lasts. Until
  // the holder has it, a login may still pass: log in until the first refusal (or until the lock is gone).
  let released = false;
  const holder = holdWriteLock(keywardPython(), d1File(worker.state), 20).finally(() => { released = true; });
  let passed = 0;
  let refused = null;
  await until(async () => {
    const answer = await login();
    if (answer.status === 200) passed += 1;
    else refused = answer;
    return refused !== null || released;
  }, 'a login refused while the database is locked', 40);
  await holder;
  assert.ok(refused, `a login was refused while the database was locked (${passed} passed before the lock)`);
  const logged = worker.log().split('\n').filter((line) => /internal error|temporarily unavailable/.test(line)).slice(-3).join('\n');
  assert.equal(refused.status, 503, `a locked database is a 503, not ${refused.status}: ${refused.text()}\n${logged}`);
  assert.equal(refused.json().error.code, 'temporarily_unavailable');
  assert.match(refused.json().error.message, /nothing was changed/);
  assert.match(refused.headers['retry-after'] ?? '', /^\d+$/, 'Retry-After says when to try again');
  assert.equal(refused.headers['set-cookie'], undefined, 'no session cookie for a refused login');

  // Nothing half-written: only the logins that passed made sessions, and the same login passes once the lock is
  // gone.
  assert.equal(await sessions(), before + passed);
  assert.equal((await login()).status, 200);
});

test('a silent mail provider gets several messages at once, not one timeout after another', async () => {
  // Count the provider's simultaneously open requests: a request is open from its arrival until its socket
  // closes (the Worker's 10 s timeout aborts it, or the test ends the silence).
  let open = 0;
  let mostOpen = 0;
  const countOpen = (request) => {
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    request.socket.once('close', () => { open -= 1; });
  };
  provider.setMode('silent');
  const server = provider.server;
  server.on('request', countOpen);
  try {
    const rows = Array.from({ length: 6 }, (_, index) =>
      `('silent-${index}', 'silent${index}@faults.example.com', 'Silent', 'Body', ${now() - 5})`);
    await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, created_at) VALUES ${rows.join(', ')}`);
    const run = http(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
    // One at a time, the second request would arrive only once the first had timed out and closed.
    await until(() => mostOpen >= 2, 'two delivery attempts open at once', 60);
    provider.setMode('ok');
    assert.equal((await run).status, 200);
    assert.ok(mostOpen >= 2 && mostOpen <= 6, `the run keeps a few requests open at once (${mostOpen})`);
    // Every message ends claimed once: sent, or scheduled for a retry after its dropped request.
    const stored = await worker.query("SELECT status, attempts FROM mail_outbox WHERE id LIKE 'silent-%'");
    assert.equal(stored.length, 6);
    for (const message of stored) {
      assert.equal(message.attempts, 1, JSON.stringify(message));
      assert.ok(['sent', 'pending'].includes(message.status), JSON.stringify(message));
    }
  } finally {
    server.off('request', countOpen);
    provider.setMode('ok');
  }
});
