// Expiry reminders and the "renewed but not picked up" escalation through workerd (issue 14.5): 500 certificates
// with spread end dates (one real order's certificate cloned with SQL fixtures), the scheduled handler's reminder
// sweep ticked over a simulated clock (the development endpoint `POST /api/v1/dev/reminder-sweep` runs it at a
// chosen instant) with missed days, outages and two sweeps at once; every reminder and escalation is checked, per certificate and
// threshold, against a model computed in this test from the run instants alone. Then the account's reminder
// settings (the endpoint, turned off) and each reader's language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startWorker, http, createAccount, login, openssl, scratch } from './harness.mjs';

const DAY = 86_400;
const PASSWORD = 'correct horse battery staple';
const CERTIFICATES = 500;
const REPLACED = 90;
/** Days before (negative) and after the end of each threshold, as shared::expiry::THRESHOLDS. */
const THRESHOLDS = [[-90, '90_days_before'], [-60, '60_days_before'], [-30, '30_days_before'], [-14, '14_days_before'],
  [-7, '7_days_before'], [-3, '3_days_before'], [-1, '1_days_before'], [0, 'day_of'], [7, '7_days_after']];

let worker;
let directory;
let acme;

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4_294_967_296;
  };
}

before(async () => {
  worker = await startWorker();
  directory = scratch('reminders');
  const created = await createAccount(worker, { name: 'Acme', users: [
    { email: 'ada@acme.example.com', password: PASSWORD },
    { email: 'bea@acme.example.com', password: PASSWORD },
  ] });
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
      VALUES ('org-acme', 'Acme', 'NTRGB-00004', 'GB', '{}', ${now - DAY}, ${now - DAY}, '${created.accountId}');
    INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
      VALUES ('val-acme', '${created.accountId}', 'domain', 'acme.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY});
    INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-acme', '${created.accountId}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test');
    UPDATE users SET lang = 'fr', version = version + 1 WHERE email = 'bea@acme.example.com'`);
  acme = await login(worker, 'ada@acme.example.com', PASSWORD);
});
after(async () => {
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const scheduled = async () => assert.equal((await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status, 200);

/** Places Ada's order of one CSR recipient (issued at once) and clones its recipient, link and certificate. */
async function seedCertificates(count, prefix = '51') {
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, 'key.pem'), '-subj', '/CN=ignored']);
  const placed = await api('/orders', { method: 'POST', headers: acme, body: JSON.stringify({
    profile: 'smime_organization_multipurpose', organization_id: 'org-acme', signature_hash: 'sha256',
    validity: { kind: 'years', years: 1 }, auto_renewals: 0,
    recipients: [{ email: 'seed@acme.example.com', csr }], notification_emails: ['pki@acme.example.com'],
    payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `reminders-${Date.now()}`,
  }) });
  assert.equal(placed.status, 201, placed.text());
  const serial = placed.json().recipients[0].certificate_serial;
  const [certificate] = await worker.query(`SELECT * FROM certificates WHERE serial = '${serial}'`);
  const [recipient] = await worker.query(`SELECT * FROM recipients WHERE id = '${certificate.recipient_id}'`);
  const [link] = await worker.query(`SELECT * FROM enrollment_links WHERE id = '${certificate.enrollment_link_id}'`);
  // Each clone: the same row with its own identifiers (the columns read from the rows, whatever migrations added).
  const clone = (table, row, replace) => {
    const columns = Object.keys(row);
    const values = columns.map((column) => (column in replace ? replace[column] : quote(row[column])));
    return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM n`;
  };
  const quote = (value) => (value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`);
  const series = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;
  await worker.queryAll([
    `${series} ${clone('recipients', recipient, { id: `'sim-${prefix}-r-' || i`, email: `'sim${prefix}-' || i || '@acme.example.com'`, position: '1000 + i',
      lang: "CASE WHEN i % 5 = 0 THEN 'fr' ELSE 'en' END" })}`,
    `${series} ${clone('enrollment_links', link, { id: `'sim-${prefix}-l-' || i`, recipient_id: `'sim-${prefix}-r-' || i`, token_hash: `'sim-${prefix}-t-' || i` })}`,
    `${series} ${clone('certificates', certificate, { serial: `'${prefix}' || printf('%04d', i)`, recipient_id: `'sim-${prefix}-r-' || i`,
      enrollment_link_id: `'sim-${prefix}-l-' || i`, expiry_reminders: '0', version: '0', replaced_by: 'NULL', escalation: 'NULL' })}`,
  ].join(';\n'));
  return Array.from({ length: count }, (_, index) => `${prefix}${String(index + 1).padStart(4, '0')}`);
}

/**
 * The model, from the run instants (simulated seconds) alone: threshold k of a certificate is reminded at the first
 * run at or after its instant that comes after issuance and at most two weeks after the end, unless a later
 * threshold after issuance was reached by then (folded into it). The escalation: the first run at or after 7 days
 * before the end (or a day after the replacement's issuance), at most two weeks after the end, if the replacement
 * was not picked up by then.
 */
function model(certificate, runs) {
  const after = THRESHOLDS.map(([days, code]) => [certificate.end + days * DAY, code]).filter(([at]) => at > certificate.start);
  const firstRun = (from) => runs.find((run) => run >= from && run >= certificate.start);
  const reminders = new Map();
  for (const [index, [at, code]] of after.entries()) {
    const run = firstRun(at);
    if (run === undefined || run > certificate.end + 14 * DAY) continue;
    if (!after.slice(index + 1).some(([later]) => later <= run)) reminders.set(code, run);
  }
  let escalation;
  if (certificate.replacement) {
    const run = firstRun(Math.max(certificate.end - 7 * DAY, certificate.replacement.issued + DAY));
    if (run !== undefined && run <= certificate.end + 14 * DAY && !(certificate.replacement.pickedUp <= run)) escalation = run;
  }
  return { reminders, escalation };
}

test('500 certificates over a simulated clock: each reminder and escalation once, as the model says, with missed runs and two handlers at once', async () => {
  const next = random(0x5eed);
  const serials = await seedCertificates(CERTIFICATES + REPLACED);
  const base = Math.floor(Date.now() / 1000);
  // Simulated seconds from `base`; every instant sits at half a day, so the real seconds the test takes never
  // cross a threshold (they are whole days from the end).
  const certificates = serials.slice(0, CERTIFICATES).map((serial) => {
    const end = (2 + Math.floor(next() * 150)) * DAY + DAY / 2;
    const validity = [5, 12, 20, 45, 100, 200, 365][Math.floor(next() * 7)] * DAY;
    return { serial, end, start: end - validity };
  });
  // Replacements: the clones after the 500th, ending a year later, issued 40 to 0 days before the old end; a
  // third picked up from the start, a third on a simulated day, a third never.
  const pickups = [];
  certificates.slice(0, REPLACED).forEach((certificate, index) => {
    const serial = serials[CERTIFICATES + index];
    const issued = Math.max(certificate.start + DAY, certificate.end - Math.floor(next() * 40) * DAY);
    const kind = index % 3;
    const pickedUp = kind === 0 ? -Infinity : kind === 1 ? issued + Math.floor(next() * 20) * DAY : Infinity;
    certificate.replacement = { serial, issued, pickedUp };
    if (pickedUp !== Infinity) pickups.push({ serial, at: pickedUp });
  });
  // The certificates' dates, once: simulated seconds from `base`; the clock moves through the development
  // endpoint `POST /api/v1/dev/reminder-sweep`, which runs the scheduled handler's sweep at `base + t`. Each pickup is
  // recorded up front at its simulated instant (the escalation counts a pickup from its first instant).
  const rows = certificates.flatMap((certificate) => {
    const dated = [`UPDATE certificates SET not_before = ${base + certificate.start}, not_after = ${base + certificate.end}, issued_at = ${base + certificate.start}, version = version + 1 WHERE serial = '${certificate.serial}'`];
    if (certificate.replacement) {
      const { serial, issued } = certificate.replacement;
      dated.push(`UPDATE certificates SET not_before = ${base + issued}, not_after = ${base + certificate.end + 365 * DAY}, issued_at = ${base + issued}, version = version + 1 WHERE serial = '${serial}'`,
        `UPDATE certificates SET replaced_by = '${serial}', version = version + 1 WHERE serial = '${certificate.serial}'`);
    }
    return dated;
  });
  const pickupRows = pickups.map((pickup) => {
    const at = base + (pickup.at === -Infinity ? -1000 * DAY : pickup.at);
    return `INSERT INTO pickups (serial, kind, api_key_id, first_at, last_at) VALUES ('${pickup.serial}', 'recipient_confirmed', '', ${at}, ${at})`;
  });
  await worker.queryAll([...rows, ...pickupRows].join(';\n'));

  const outboxQuery = `SELECT COUNT(*) AS n FROM mail_outbox WHERE to_address LIKE 'sim%' OR to_address IN ('pki@acme.example.com', 'ada@acme.example.com', 'bea@acme.example.com')`;
  const [{ n: outboxedBefore }] = await worker.query(outboxQuery);
  /** One sweep at simulated second `t`: whether it took its whole cap (more may be due). */
  let restarts = 0;
  const sweep = async (t) => {
    for (;;) {
      const response = await fetch(`${worker.url}/api/v1/dev/reminder-sweep`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: base + t }) })
        .catch((error) => { throw new Error(`${error.message}: ${error.cause?.message}\n${worker.log().slice(-3000)}`); });
      const text = await response.text();
      // workerd under wrangler dev sometimes restarts the Worker mid-request under this load (wrangler answers 503
      // and retries only GETs): the sweep's batches are all-or-nothing, so it is sent again, as the next
      // scheduled run would; the count is reported.
      if (response.status === 503 && text.startsWith('Your worker restarted mid-request')) {
        restarts += 1;
        assert.ok(restarts < 50, 'the Worker keeps restarting');
        continue;
      }
      assert.equal(response.status, 200, `${text}\n${worker.log().slice(-1500)}`);
      return JSON.parse(text).more;
    }
  };
  const runs = [];
  let t = 0;
  let [concurrent, missed, invocations, longest] = [0, 0, 0, 0];
  const started = Date.now();
  while (t < 170 * DAY) {
    t += DAY;
    // Outages of one to four more days, and single days missed.
    if (next() < 0.04) { t += DAY * (1 + Math.floor(next() * 4)); missed += 1; continue; }
    if (next() < 0.25) { missed += 1; continue; }
    runs.push(t);
    // A run: the sweep until it reports nothing left (it takes 20 certificates per invocation, as in production);
    // one call in five is two sweeps at once.
    let calls = 0;
    for (let more = true; more; calls += 1) {
      assert.ok(calls < 200, `the sweep at day ${t / DAY} never reports nothing left`);
      if (next() < 0.2) {
        concurrent += 1;
        invocations += 2;
        more = (await Promise.all([sweep(t), sweep(t)])).some(Boolean);
      } else {
        invocations += 1;
        more = await sweep(t);
      }
    }
    longest = Math.max(longest, calls);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  assert.ok(concurrent > 5 && missed > 10, `concurrency (${concurrent}) and missed runs (${missed}) were exercised`);

  const audit = await worker.query(`SELECT subject_id, action, detail FROM audit_log WHERE action IN ('certificate.expiry_reminded', 'certificate.escalation_settled')`);
  const seen = new Map();
  const escalated = new Map();
  for (const row of audit) {
    const detail = JSON.parse(row.detail);
    if (row.action === 'certificate.expiry_reminded') {
      const key = `${row.subject_id} ${detail.threshold}`;
      assert.ok(!seen.has(key), `${key} reminded twice`);
      seen.set(key, detail);
    } else {
      assert.ok(!escalated.has(row.subject_id), `${row.subject_id} settled twice`);
      escalated.set(row.subject_id, detail.outcome);
    }
  }
  let [reminders, escalations] = [0, 0];
  for (const certificate of certificates) {
    const expected = model(certificate, runs);
    const actual = [...seen.keys()].filter((key) => key.startsWith(`${certificate.serial} `)).map((key) => key.split(' ')[1]).sort();
    assert.deepEqual(actual, [...expected.reminders.keys()].sort(), `certificate ${certificate.serial} (${certificate.start / DAY}..${certificate.end / DAY} days)`);
    reminders += actual.length;
    assert.equal(escalated.get(certificate.serial) === 'sent', expected.escalation !== undefined, `certificate ${certificate.serial}'s escalation`);
    if (expected.escalation !== undefined) escalations += 1;
  }
  assert.ok(reminders > 1500, `reminders: ${reminders}`);
  assert.ok(escalations > 15 && escalations < REPLACED, `escalations: ${escalations}`);
  // The outbox holds the emails the audit records count, and each escalation went to four readers, each in
  // their language: the recipient, the notification address (the order's placer's: English), Ada (English), Bea
  // (French).
  const counted = [...seen.values()].reduce((sum, detail) => sum + detail.emails, 0);
  const [{ n: outboxed }] = await worker.query(outboxQuery);
  assert.equal(outboxed - outboxedBefore, counted + 4 * escalations, 'every email queued is one the audit records count');
  const french = await worker.query("SELECT COUNT(*) AS n FROM mail_outbox WHERE to_address = 'bea@acme.example.com' AND subject LIKE 'Action requise%' AND lang = 'fr'");
  const english = await worker.query("SELECT COUNT(*) AS n FROM mail_outbox WHERE to_address = 'ada@acme.example.com' AND subject LIKE 'Action needed%' AND lang = 'en'");
  assert.equal(french[0].n, escalations);
  assert.equal(english[0].n, escalations);
  console.log(`reminders ${reminders}, escalations ${escalations}, runs ${runs.length}, missed ${missed}, concurrent ${concurrent}, invocations ${invocations} (at most ${longest} in one run), ${seconds} s of sweeps, ${restarts} restarts of the Worker mid-sweep`);
});

test('reminder settings: the defaults, changed by an administrator and obeyed by the handler, a bad threshold refused by name', async () => {
  const settings = await api('/reminder-settings', { headers: acme });
  assert.equal(settings.status, 200, settings.text());
  assert.equal(settings.json().enabled, true);
  assert.equal(settings.json().thresholds.length, 9);
  assert.equal(settings.json().updated_at ?? null, null, 'the defaults nobody chose');
  const refused = await api('/reminder-settings', { method: 'POST', headers: acme,
    body: JSON.stringify({ enabled: true, thresholds: ['5_days_before'], administrators: true }) });
  assert.equal(refused.status, 422, refused.text());
  assert.deepEqual([refused.json().error.code, refused.json().error.field], ['unknown_threshold', 'thresholds']);
  const changed = await api('/reminder-settings', { method: 'POST', headers: acme,
    body: JSON.stringify({ enabled: true, thresholds: ['day_of', '30_days_before'], administrators: false }) });
  assert.equal(changed.status, 200, changed.text());
  assert.deepEqual(changed.json().thresholds, ['30_days_before', 'day_of']);
  assert.deepEqual((await api('/reminder-settings', { headers: acme })).json().thresholds, ['30_days_before', 'day_of']);

  // A fresh certificate of the account ends in 10 days: four thresholds passed, of which 30 days is chosen: one
  // email for it (the catch-up's latest chosen). Then the day of: 7, 3 and 1 days pass silently, the day of is
  // sent, with no administrator's copy.
  const [serial] = await seedCertificates(1, '52');
  const now = Math.floor(Date.now() / 1000);
  const endIn = (days) => worker.query(`UPDATE certificates SET not_before = ${now - 300 * DAY}, not_after = ${now + days * DAY - 60}, replaced_by = NULL, revoked_at = NULL, version = version + 1 WHERE serial = '${serial}'`);
  const reminded = async () => (await worker.query(`SELECT detail FROM audit_log WHERE action = 'certificate.expiry_reminded' AND subject_id = '${serial}' AND at >= ${now}`)).map((row) => JSON.parse(row.detail).threshold);
  await endIn(10);
  await scheduled();
  assert.deepEqual(await reminded(), ['30_days_before'], 'the latest chosen threshold passed, not 14 days');
  assert.equal((await worker.query(`SELECT expiry_reminders FROM certificates WHERE serial = '${serial}'`))[0].expiry_reminders, 4, 'four passed');
  await endIn(0);
  await scheduled();
  assert.deepEqual(await reminded(), ['30_days_before', 'day_of']);
  const copies = await worker.query(`SELECT COUNT(*) AS n FROM mail_outbox WHERE to_address IN ('ada@acme.example.com', 'bea@acme.example.com') AND created_at >= ${now} AND subject LIKE '%has expired%' AND body LIKE '%${serial}%'`);
  assert.equal(copies[0].n, 0, "the administrators' copies are off");
});

test('the attention list: each kind appears, links to where it is fixed, and disappears once fixed', async () => {
  const attention = async () => {
    const response = await api('/attention', { headers: acme });
    assert.equal(response.status, 200, response.text());
    return response.json();
  };
  const [ending, replacement] = await seedCertificates(2, '53');
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`UPDATE certificates SET not_before = ${now - 300 * DAY}, not_after = ${now + 10 * DAY}, version = version + 1 WHERE serial = '${ending}';
    UPDATE certificates SET not_after = ${now + 400 * DAY}, version = version + 1 WHERE serial = '${replacement}'`);
  const [{ order_id: orderId }] = await worker.query(`SELECT r.order_id FROM certificates c JOIN recipients r ON r.id = c.recipient_id WHERE c.serial = '${ending}'`);

  // Ending within 30 days, nothing replaced it: ending soon, fixed on its order's page.
  let lists = await attention();
  const line = lists.ending_soon.find((entry) => entry.serial === ending);
  assert.ok(line, JSON.stringify(lists.ending_soon));
  assert.equal(line.fix_path, `/console/orders/${orderId}`);
  assert.ok(!lists.ending_soon.some((entry) => entry.serial === replacement), 'a year left: not ending soon');
  // Replaced: no longer ending soon, but its replacement was not picked up.
  await worker.query(`UPDATE certificates SET replaced_by = '${replacement}', version = version + 1 WHERE serial = '${ending}'`);
  lists = await attention();
  assert.ok(!lists.ending_soon.some((entry) => entry.serial === ending));
  const unpicked = lists.not_picked_up.find((entry) => entry.serial === ending);
  assert.deepEqual([unpicked?.replaced_by, unpicked?.fix_path], [replacement, `/console/orders/${orderId}`]);
  // Picked up: gone.
  await worker.query(`INSERT INTO pickups (serial, kind, api_key_id, first_at, last_at) VALUES ('${replacement}', 'recipient_confirmed', '', ${now}, ${now})`);
  assert.ok(!(await attention()).not_picked_up.some((entry) => entry.serial === ending));

  // An order waiting on validation: listed for its placer, gone once it moves on.
  await worker.query(`UPDATE orders SET state = 'awaiting_validation', version = version + 1 WHERE id = '${orderId}'`);
  lists = await attention();
  assert.deepEqual(lists.blocked_orders.find((entry) => entry.order_id === orderId)?.fix_path, `/console/orders/${orderId}`);
  await worker.query(`UPDATE orders SET state = 'awaiting_enrollment', version = version + 1 WHERE id = '${orderId}'`);
  assert.ok(!(await attention()).blocked_orders.some((entry) => entry.order_id === orderId));

  // An email given up to a user: listed, fixed on the users page; gone once a later one to them was sent.
  await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, last_error)
    VALUES ('failed-1', 'bea@acme.example.com', 'Your invitation', 'x', 'failed', 8, ${now}, 'en', '550 mailbox unavailable')`);
  lists = await attention();
  const failed = lists.failed_emails.find((entry) => entry.id === 'failed-1');
  assert.deepEqual([failed?.to, failed?.fix_path, failed?.last_error], ['bea@acme.example.com', '/console/users', '550 mailbox unavailable']);
  await worker.query(`INSERT INTO mail_outbox (id, to_address, subject, body, status, attempts, created_at, lang, sent_at)
    VALUES ('sent-after', 'bea@acme.example.com', 'Your invitation', 'x', 'sent', 1, ${now + 1}, 'en', ${now + 1})`);
  assert.ok(!(await attention()).failed_emails.some((entry) => entry.id === 'failed-1'));
});
