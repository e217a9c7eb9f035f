// The mail outbox's delivery: the Worker with the HTTP adapter (KEYWARD_MAIL=http) against a local email API
// (mailsink.mjs) on 127.0.0.1. A seeded order's enrollment email is sent once, after the seed's answer (waitUntil),
// with the bearer token and the outbox id as idempotency key; the scheduled handler (`/__scheduled`) delivers
// what is due and retries 503s on the schedule, a 400 fails the message for good, and the development mailbox
// shows each message's status, attempts and last error. A second Worker without KEYWARD_MAIL uses the
// development adapter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, seed, http, createAccount } from './harness.mjs';
import { startMailSink } from './mailsink.mjs';

const TOKEN = 'outbox-test-token-0123456789abcdef';
const FROM = 'Keyward <no-reply@keyward.example.com>';

let worker;
let sink;
before(async () => {
  sink = await startMailSink();
  worker = await startWorker({
    vars: { KEYWARD_MAIL: 'http', KEYWARD_MAIL_API_URL: sink.url, KEYWARD_MAIL_API_TOKEN: TOKEN, KEYWARD_MAIL_FROM: FROM },
  });
});
after(async () => {
  await worker?.stop();
  await sink?.stop();
});

let counter = 0;
const nextAddress = () => { counter += 1; return `outbox${counter}@example.com`; };
const now = () => Math.floor(Date.now() / 1000);

/** The outbox row for an address (one per address in this suite). */
async function row(address) {
  const rows = await worker.query(`SELECT * FROM mail_outbox WHERE to_address = '${address}'`);
  assert.equal(rows.length, 1, `one outbox row for ${address}: ${JSON.stringify(rows)}`);
  return rows[0];
}

/** The requests the sink received for an address. */
const requestsFor = (address) => sink.received.filter((request) => request.body?.to === address);

/**
 * Waits until the first delivery attempt of the email to `address` has recorded its outcome: it runs after the
 * answer (waitUntil), and writes the outcome and its audit record in one batch.
 */
async function attempted(target, address) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [found] = await target.query(`SELECT count(*) AS n FROM audit_log a JOIN mail_outbox m ON a.subject_type = 'mail' AND a.subject_id = m.id WHERE m.to_address = '${address}'`);
    if (found.n > 0) return;
    if (Date.now() > deadline) throw new Error(`no delivery attempt recorded for ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function scheduled() {
  const response = await http(`${worker.url}/__scheduled?cron=17+*/6+*+*+*`);
  assert.equal(response.status, 200);
  assert.match(response.text(), /Ran scheduled event/);
}

/** Makes a pending message due now, as if its retry delay had passed. */
async function makeDue(id) {
  await worker.query(`UPDATE mail_outbox SET next_attempt_at = ${now() - 1} WHERE id = '${id}'`);
}

async function audit(id) {
  return (await worker.query(`SELECT action, actor, detail FROM audit_log WHERE subject_type = 'mail' AND subject_id = '${id}' ORDER BY id`))
    .map((entry) => ({ ...entry, detail: JSON.parse(entry.detail) }));
}

test('a new email is sent once, right after the batch, with the bearer token and the idempotency key', async () => {
  const address = nextAddress();
  const link = await seed(worker, 'Ada Lovelace', address);
  await attempted(worker, address);
  const requests = requestsFor(address);
  assert.equal(requests.length, 1, 'the seed request made one delivery attempt');
  const [request] = requests;
  const message = await row(address);
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v1/send');
  assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(request.headers['idempotency-key'], message.id);
  assert.match(request.headers['content-type'], /^application\/json/);
  assert.deepEqual(Object.keys(request.body).sort(), ['from', 'subject', 'text', 'to']);
  assert.equal(request.body.from, FROM);
  assert.equal(request.body.subject, message.subject);
  assert.ok(request.body.text.includes(`\n${link}\n`), 'the email carries the enrollment link');
  // Secrets at rest: once sent, the stored body no longer holds the link (the provider has the email).
  assert.ok(!message.body.includes(link.split('/enroll/')[1]), 'the stored body no longer holds the token');
  assert.match(message.body, /removed once this email was delivered or failed/);
  assert.equal(message.status, 'sent');
  assert.equal(message.attempts, 1);
  assert.equal(message.adapter, 'http');
  assert.equal(message.provider_id, `sink-${sink.received.indexOf(request) + 1}`);
  assert.equal(message.next_attempt_at, null);
  assert.equal(message.last_error, null);
  assert.equal(message.lang, 'en');
  assert.ok(Math.abs(message.sent_at - now()) < 300, 'sent just now');

  await scheduled();
  await scheduled();
  assert.equal(requestsFor(address).length, 1, 'the scheduled handler does not send a sent message again');
  assert.deepEqual((await audit(message.id)).map((entry) => [entry.action, entry.actor, entry.detail.attempts]),
    [['mail.sent', 'outbox', 1]]);
});

test('the scheduled handler delivers a pending message that no request delivered', async () => {
  const address = nextAddress();
  const id = `direct-${counter}`;
  // A row as another handler's batch writes it (no next_attempt_at: due from created_at).
  await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, created_at) VALUES ('${id}', '${address}', 'Direct', 'Body', ${now() - 5})`);
  assert.equal(requestsFor(address).length, 0);
  await scheduled();
  const requests = requestsFor(address);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].headers['idempotency-key'], id);
  assert.deepEqual(requests[0].body, { from: FROM, to: address, subject: 'Direct', text: 'Body' });
  const message = await row(address);
  assert.deepEqual([message.status, message.attempts, message.adapter], ['sent', 1, 'http']);
  await scheduled();
  assert.equal(requestsFor(address).length, 1, 'sent exactly once');
});

test('three scheduled runs at once send each due message once', async () => {
  // Each run reads every due row, then claims and sends them one by one while the sink answers slowly, so the
  // runs reach rows that another run has claimed since it read them: the attempts guard must refuse those.
  const addresses = Array.from({ length: 6 }, nextAddress);
  const values = addresses.map((address, index) => `('concurrent-${counter}-${index}', '${address}', 'Once', 'Body', ${now() - 5})`);
  await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, created_at) VALUES ${values.join(', ')}`);
  sink.delay(400);
  try {
    await Promise.all([scheduled(), scheduled(), scheduled()]);
  } finally {
    sink.delay(0);
  }
  for (const address of addresses) {
    assert.equal(requestsFor(address).length, 1, `${address} sent once`);
    const message = await row(address);
    assert.deepEqual([message.status, message.attempts], ['sent', 1]);
    assert.equal((await audit(message.id)).length, 1, 'one audit record');
  }
});

test('a 503 is retried on the schedule, with the attempts counted and the same idempotency key', async () => {
  const address = nextAddress();
  sink.answer(503, 2, { error: 'try again' });
  const before = now();
  await seed(worker, 'Grace Hopper', address);
  await attempted(worker, address);
  let message = await row(address);
  assert.equal(requestsFor(address).length, 1);
  assert.deepEqual([message.status, message.attempts], ['pending', 1]);
  assert.ok(message.body.includes('/enroll/'), 'a message a retry still needs keeps its body');
  assert.match(message.last_error, /^HTTP 503: .*try again/);
  assert.ok(message.next_attempt_at > now(), 'the retry is in the future');
  assert.ok(message.next_attempt_at >= before + 60 && message.next_attempt_at <= now() + 60, `one minute later: ${message.next_attempt_at - before}`);
  assert.equal(message.sent_at, null);

  await scheduled();
  assert.equal(requestsFor(address).length, 1, 'not due yet: nothing sent');

  await makeDue(message.id);
  const second = now();
  await scheduled();
  assert.equal(requestsFor(address).length, 2);
  message = await row(address);
  assert.deepEqual([message.status, message.attempts], ['pending', 2]);
  assert.ok(message.next_attempt_at >= second + 300 && message.next_attempt_at <= now() + 300, 'five minutes later');

  await makeDue(message.id);
  await scheduled();
  const requests = requestsFor(address);
  assert.equal(requests.length, 3);
  assert.deepEqual(new Set(requests.map((request) => request.headers['idempotency-key'])), new Set([message.id]));
  message = await row(address);
  assert.deepEqual([message.status, message.attempts, message.last_error, message.next_attempt_at], ['sent', 3, null, null]);
  assert.ok(!message.body.includes('/enroll/'), 'scrubbed once sent');
  assert.ok(requests[2].body.text.includes('/enroll/'), 'the retry sent the whole email');
  assert.deepEqual((await audit(message.id)).map((entry) => [entry.action, entry.detail.attempts]),
    [['mail.retry_scheduled', 1], ['mail.retry_scheduled', 2], ['mail.sent', 3]]);

  await makeDue(message.id);
  await scheduled();
  assert.equal(requestsFor(address).length, 3, 'a sent message is not sent again');
});

test('a 400 fails the message for good with the reason, and it is never retried', async () => {
  const address = nextAddress();
  sink.answer(400, 1, { error: 'recipient address rejected' });
  await seed(worker, 'Alan Turing', address);
  await attempted(worker, address);
  let message = await row(address);
  assert.equal(requestsFor(address).length, 1);
  assert.deepEqual([message.status, message.attempts, message.next_attempt_at], ['failed', 1, null]);
  assert.ok(!message.body.includes('/enroll/'), 'a failed message is scrubbed too: no retry will need it');
  assert.match(message.last_error, /^HTTP 400: .*recipient address rejected/);
  await worker.query(`UPDATE mail_outbox SET next_attempt_at = ${now() - 1} WHERE id = '${message.id}'`);
  await scheduled();
  assert.equal(requestsFor(address).length, 1, 'never retried');
  message = await row(address);
  assert.equal(message.status, 'failed');
  assert.deepEqual((await audit(message.id)).map((entry) => entry.action), ['mail.failed']);
});

test('the development mailbox shows each message with its status, attempts and last error', async () => {
  const sent = nextAddress();
  await seed(worker, 'Ada Lovelace', sent);
  await attempted(worker, sent);
  const retrying = nextAddress();
  sink.answer(503, 1, { error: 'busy' });
  await seed(worker, 'Ada Lovelace', retrying);
  await attempted(worker, retrying);
  const failed = nextAddress();
  sink.answer(422, 1, { error: 'unknown sender' });
  await seed(worker, 'Ada Lovelace', failed);
  await attempted(worker, failed);

  const response = await http(`${worker.url}/api/v1/dev/mailbox`);
  assert.equal(response.status, 200);
  const byAddress = Object.fromEntries(response.json().messages.map((message) => [message.to, message]));
  const shown = (address) => {
    const { status, attempts, adapter, lang, last_error: lastError } = byAddress[address];
    return { status, attempts, adapter, lang, lastError: lastError?.replace(/: .*/, '') ?? null };
  };
  assert.deepEqual(shown(sent), { status: 'sent', attempts: 1, adapter: 'http', lang: 'en', lastError: null });
  assert.deepEqual(shown(retrying), { status: 'pending', attempts: 1, adapter: 'http', lang: 'en', lastError: 'HTTP 503' });
  assert.deepEqual(shown(failed), { status: 'failed', attempts: 1, adapter: 'http', lang: 'en', lastError: 'HTTP 422' });
  assert.ok(byAddress[retrying].next_attempt_at > now());
  assert.ok(byAddress[sent].sent_at > 0 && byAddress[retrying].sent_at === null);
  for (const field of ['id', 'to', 'subject', 'body', 'created_at', 'status']) {
    assert.ok(field in byAddress[sent], `the mailbox keeps its field ${field}`);
  }
});

test('an enrollment email in French is stored and sent in French', async () => {
  const address = nextAddress();
  const response = await http(`${worker.url}/api/v1/dev/seed`, {
    method: 'POST', body: JSON.stringify({ recipient_given_name: 'Marie', recipient_surname: 'Curie', recipient_email: address, lang: 'fr' }),
  });
  assert.equal(response.status, 201, response.text());
  await attempted(worker, address);
  const message = await row(address);
  assert.equal(message.lang, 'fr');
  const [request] = requestsFor(address);
  assert.equal(request.body.subject, 'Example Org a commandé un certificat pour vous\u00a0: créez votre clé');
  assert.ok(request.body.text.startsWith('Bonjour Marie Curie,\n'), request.body.text);
  assert.ok(request.body.text.includes('ne sert qu’une fois'));

  const refused = await http(`${worker.url}/api/v1/dev/seed`, {
    method: 'POST', body: JSON.stringify({ recipient_surname: 'Curie', recipient_email: 'de@example.com', lang: 'de' }),
  });
  assert.equal(refused.status, 422);
  assert.deepEqual([refused.json().error.code, refused.json().error.field], ['lang_unknown', 'lang']);
  assert.equal((await worker.query("SELECT count(*) AS n FROM mail_outbox WHERE to_address = 'de@example.com'"))[0].n, 0);
});

test('without KEYWARD_MAIL the development environment keeps emails in the outbox, marked sent by the development adapter', async () => {
  const development = await startWorker();
  try {
    const received = sink.received.length;
    await seed(development, 'Ada Lovelace', 'dev@example.com');
    await attempted(development, 'dev@example.com');
    const [message] = await development.query("SELECT * FROM mail_outbox WHERE to_address = 'dev@example.com'");
    assert.deepEqual([message.status, message.attempts, message.adapter, message.last_error], ['sent', 1, 'development', null]);
    assert.ok(message.body.includes('/enroll/'), 'the development adapter keeps the body for the development mailbox');
    assert.equal(sink.received.length, received, 'nothing left the Worker');
    const mailbox = await http(`${development.url}/api/v1/dev/mailbox`);
    const [shown] = mailbox.json().messages;
    assert.deepEqual([shown.to, shown.status, shown.adapter], ['dev@example.com', 'sent', 'development']);
  } finally {
    await development.stop();
  }
});

test('an email API that does not answer counts as an attempt to retry', async () => {
  // Port 9 on 127.0.0.1 (discard) has no listener here: the connection is refused.
  const silent = await startWorker({
    vars: { KEYWARD_MAIL: 'http', KEYWARD_MAIL_API_URL: 'http://127.0.0.1:9/v1/send', KEYWARD_MAIL_API_TOKEN: TOKEN, KEYWARD_MAIL_FROM: FROM },
  });
  try {
    await seed(silent, 'Ada Lovelace', 'silent@example.com');
    await attempted(silent, 'silent@example.com');
    const [message] = await silent.query("SELECT * FROM mail_outbox WHERE to_address = 'silent@example.com'");
    assert.deepEqual([message.status, message.attempts, message.sent_at], ['pending', 1, null]);
    assert.match(message.last_error, /^no answer: /);
    assert.ok(message.next_attempt_at > now());
  } finally {
    await silent.stop();
  }
});

test('a password reset answers before its email is sent: the provider holding the message does not hold the answer', async () => {
  // The reset's answer is the same for a known and an unknown address, in what it says and in when it comes: the
  // email to a known address goes after the answer (waitUntil). The sink holds every message 8 s (less than the
  // adapter's 10 s limit); the answer must arrive while the sink still holds the reset email, unanswered and open.
  const address = 'reset.timing@example.com';
  await createAccount(worker, { name: 'Reset Timing', users: [{ email: address, password: 'correct horse battery staple' }] });
  sink.delay(8_000);
  try {
    const reset = (email) => http(`${worker.url}/api/v1/password-resets`, { method: 'POST', body: JSON.stringify({ email }) });
    const known = await reset(address);
    assert.equal(known.status, 202);
    const held = sink.received.filter((request) => request.body?.to === address);
    assert.ok(held.every((request) => !request.answered), 'the answer came before the provider answered');
    const unknown = await reset('nobody.here@example.com');
    assert.equal(unknown.status, 202);
    assert.deepEqual(unknown.json(), known.json(), 'the same answer for an unknown address');
    await attempted(worker, address);
    const sent = sink.received.filter((request) => request.body?.to === address);
    assert.equal(sent.length, 1, 'the email was sent once, after the answer');
    assert.ok(sent[0].answered);
  } finally {
    sink.delay(0);
  }
});
