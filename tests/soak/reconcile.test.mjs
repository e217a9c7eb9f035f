// The reconciliation's own test (`node --test tests/soak/`, a second, no Worker): a consistent picture passes every
// check, and each planted defect (an order, certificate or email lost, duplicated or misattributed) fails the one
// check written for it. The SQL checks (an order's state, links against certificates) are the database's answer;
// here each statement is answered with rows of the case's own, so what is tested is the comparison with what the
// driver was told and what the mail provider received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { reconcile, STATEMENTS } from './reconcile.mjs';

const SPKI = Buffer.from('a fake subjectPublicKeyInfo');
const SPKI_SHA256 = createHash('sha256').update(SPKI).digest('hex');
const EARLIER = Date.now() - 60_000;
const INVITATION = 'Soak 1 ordered a certificate for you: create your key';
const ISSUED = 'Your certificate for ada@soak1.example.com is issued';

/** A consistent picture: one order for one recipient, enrolled, its two emails sent once each. */
function consistent() {
  return {
    rows: {
      orders: [{ id: 'order-1', idempotency_key: 'key-1', state: 'completed' }],
      certificates: [{ serial: 'ab01', recipient_id: 'rcpt-1', email: 'ada@soak1.example.com', spki_sha256: SPKI_SHA256, enrollment_link_id: 'link-1', order_id: 'order-1' }],
      twoPerRecipient: [], twoPerKey: [], untruthful: [], orderWithoutRecipients: [], badLinks: [], openLinksPerRecipient: [],
      mail: [
        { id: 'mail-1', to_address: 'ada@soak1.example.com', subject: INVITATION, status: 'sent', attempts: 1 },
        { id: 'mail-2', to_address: 'ada@soak1.example.com', subject: ISSUED, status: 'sent', attempts: 1 },
      ],
      links: [{ total: 1, open: 0 }],
    },
    ledger: {
      orders: new Map([['key-1', { key: 'key-1', id: 'order-1', acknowledgedAt: EARLIER, answeredIds: new Set(['order-1']), recipients: [{ email: 'ada@soak1.example.com', csr: false }] }]]),
      certificates: new Map([['ab01', { serial: 'ab01', email: 'ada@soak1.example.com', subjectEmail: 'ada@soak1.example.com', spki: SPKI, keyMatches: true, at: EARLIER }]]),
      tokens: new Map(),
      validations: new Map(),
    },
    deliveries: [{ key: 'mail-1', at: EARLIER, status: 200, replay: false }, { key: 'mail-2', at: EARLIER, status: 200, replay: false }],
  };
}

/** Runs the reconciliation on a picture; resolves to the names of the checks that failed. */
async function failing(picture) {
  const names = Object.keys(STATEMENTS);
  const worker = {
    url: 'http://127.0.0.1:9',
    async queryAll(sql) {
      const statements = sql.split('; ');
      assert.equal(statements.length, names.length, 'one statement per check, in one call');
      return names.map((name) => picture.rows[name]);
    },
  };
  const provider = {
    requests: picture.deliveries,
    delivered: () => picture.deliveries.filter((request) => request.status === 200 && !request.replay),
    replays: () => picture.deliveries.filter((request) => request.replay),
  };
  const result = await reconcile(worker, picture.ledger, provider, { label: 'test' });
  assert.equal(result.ok, result.checks.every((check) => check.ok));
  return result.checks.filter((check) => !check.ok).map((check) => check.name);
}

test('a consistent picture passes every check', async () => {
  assert.deepEqual(await failing(consistent()), []);
});

test('each planted defect fails the check written for it, and only that one', async () => {
  const cases = [
    ['an acknowledged order is not stored', (picture) => { picture.rows.orders = []; }, 'every acknowledged order exists'],
    ['the database holds two orders under one key', (picture) => { picture.rows.twoPerKey = [{ account_id: 'a', idempotency_key: 'key-1', n: 2 }]; }, 'one order per idempotency key (database)'],
    ['a retry under the same key was answered with another order', (picture) => { picture.ledger.orders.get('key-1').answeredIds.add('order-2'); }, 'retries under one idempotency key got one order'],
    ['the acknowledged order is stored under another key', (picture) => { picture.rows.orders[0].idempotency_key = 'key-other'; }, 'the acknowledged order is the one stored under its key'],
    ['an order has no recipients', (picture) => { picture.rows.orderWithoutRecipients = [{ id: 'order-1' }]; }, 'every order has its recipients'],
    ['a received certificate is not stored', (picture) => {
      picture.rows.certificates = [];
      picture.rows.mail = picture.rows.mail.filter((message) => message.subject !== ISSUED);
      picture.deliveries = picture.deliveries.filter((request) => request.key !== 'mail-2');
    }, 'every received certificate exists'],
    ['a certificate is stored for another recipient', (picture) => { picture.rows.certificates[0].email = 'eve@soak1.example.com'; }, "every received certificate is its recipient's"],
    ['a certificate names another address than its recipient', (picture) => { picture.ledger.certificates.get('ab01').subjectEmail = 'eve@soak1.example.com'; }, "every received certificate is its recipient's"],
    ['a certificate certifies another key', (picture) => { picture.rows.certificates[0].spki_sha256 = '00'.repeat(32); }, 'every received certificate certifies the key the driver made'],
    ['a recipient has two certificates', (picture) => { picture.rows.twoPerRecipient = [{ recipient_id: 'rcpt-1', n: 2 }]; }, 'one certificate per recipient'],
    ['a recipient has two open links', (picture) => { picture.rows.openLinksPerRecipient = [{ recipient_id: 'rcpt-1', n: 2 }]; }, 'one open link per recipient at most'],
    ["an order's state disagrees with its certificates", (picture) => { picture.rows.untruthful = [{ id: 'order-1', state: 'awaiting_enrollment' }]; }, "every order's state agrees with its certificates"],
    ['a spent link has no certificate', (picture) => { picture.rows.badLinks = [{ id: 'link-1' }]; }, 'spent links have their certificate, open links a recipient without one'],
    ['an email failed for good', (picture) => { picture.rows.mail[0].status = 'failed'; }, 'no email failed for good'],
    ['an email recorded sent never reached the provider', (picture) => { picture.deliveries = picture.deliveries.filter((request) => request.key !== 'mail-1'); }, 'every sent email reached the provider'],
    ['the provider delivered one message twice', (picture) => { picture.deliveries.push({ key: 'mail-1', at: EARLIER, status: 200, replay: false }); }, 'the provider delivered each message once (a repeat under its Idempotency-Key is not delivered again)'],
    ['the provider delivered a message the outbox does not hold', (picture) => { picture.deliveries.push({ key: 'mail-x', at: EARLIER, status: 200, replay: false }); }, 'the provider received no email the outbox does not hold'],
    ['an invitation written twice', (picture) => {
      picture.rows.mail.push({ id: 'mail-3', to_address: 'ada@soak1.example.com', subject: INVITATION, status: 'sent', attempts: 1 });
      picture.deliveries.push({ key: 'mail-3', at: EARLIER, status: 200, replay: false });
    }, 'no email written twice (per address: one invitation, one "issued" email, one validation link)'],
  ];
  for (const [what, plant, expected] of cases) {
    const picture = consistent();
    plant(picture);
    assert.deepEqual(await failing(picture), [expected], what);
  }
  // A repeat the provider recognised by its Idempotency-Key is not a second delivery.
  const replayed = consistent();
  replayed.deliveries.push({ key: 'mail-1', at: EARLIER, status: 200, replay: true });
  assert.deepEqual(await failing(replayed), []);
});
