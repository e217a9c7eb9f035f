// The soak suite's reconciliation: what the driver was told (orders acknowledged, certificates received, links
// and emails it saw) against what the Worker's local D1 holds (read with wrangler, through the harness's query
// helper, never through Keyward's code) and what the mail provider received. Nothing lost, nothing duplicated,
// every link usable or clearly spent, every order's state agreeing with its recipients and certificates.
//
// Each check that compares two tables is one SQL statement (one snapshot); the driver's facts are taken from
// before the query started, so work still in flight while the load runs is never counted as lost.
import { createHash } from 'node:crypto';
import { http } from '../e2e/harness.mjs';

/** The subject of an enrollment invitation (shared/src/mail.rs, English). */
const INVITATION = / ordered a certificate for you: create your key$/;
/** The subject of the "certificate issued" email to the recipient (English). */
const ISSUED = /^Your certificate for .* is issued$/;

/** The reconciliation's SQL, by name (reconcile.test.mjs answers each with rows of its own). */
export const STATEMENTS = {
  orders: 'SELECT id, idempotency_key, state FROM orders',
  certificates: `SELECT c.serial, c.recipient_id, r.email, c.spki_sha256, c.enrollment_link_id, r.order_id
    FROM certificates c JOIN recipients r ON r.id = c.recipient_id`,
  twoPerRecipient: 'SELECT recipient_id, COUNT(*) AS n FROM certificates GROUP BY recipient_id HAVING COUNT(*) > 1',
  twoPerKey: `SELECT account_id, idempotency_key, COUNT(*) AS n FROM orders WHERE idempotency_key IS NOT NULL
    GROUP BY account_id, idempotency_key HAVING COUNT(*) > 1`,
  // An order's state against its recipients: completed exactly when every recipient has a certificate.
  untruthful: `SELECT o.id, o.state, COUNT(r.id) AS recipients, COUNT(c.serial) AS certified,
      SUM(CASE WHEN r.issuance_refusal IS NULL THEN 0 ELSE 1 END) AS refused
    FROM orders o JOIN recipients r ON r.order_id = o.id LEFT JOIN certificates c ON c.recipient_id = r.id
    GROUP BY o.id
    HAVING (o.state = 'completed' AND COUNT(c.serial) <> COUNT(r.id))
        OR (o.state IN ('awaiting_validation', 'awaiting_enrollment') AND COUNT(c.serial) = COUNT(r.id))`,
  orderWithoutRecipients: 'SELECT o.id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.order_id = o.id)',
  // A spent link has its certificate; an open link's recipient has none; a certificate's link is spent.
  badLinks: `SELECT l.id, l.recipient_id, l.spent_at, l.expires_at,
      (SELECT serial FROM certificates WHERE enrollment_link_id = l.id) AS serial,
      (SELECT COUNT(*) FROM certificates WHERE recipient_id = l.recipient_id) AS recipient_certificates
    FROM enrollment_links l
    WHERE (l.spent_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM certificates WHERE enrollment_link_id = l.id))
       OR (l.spent_at IS NULL AND EXISTS (SELECT 1 FROM certificates WHERE recipient_id = l.recipient_id))`,
  openLinksPerRecipient: `SELECT recipient_id, COUNT(*) AS n FROM enrollment_links
    WHERE spent_at IS NULL GROUP BY recipient_id HAVING COUNT(*) > 1`,
  mail: 'SELECT id, to_address, subject, status, attempts FROM mail_outbox',
  links: "SELECT COUNT(*) AS total, SUM(CASE WHEN spent_at IS NULL THEN 1 ELSE 0 END) AS open FROM enrollment_links",
};

/** How often the reconciliation's read is tried, and the pause between tries. */
const READ_TRIES = 8;
const READ_PAUSE_MILLISECONDS = 3000;

/**
 * The statements' rows, read in one call. The local D1 is one SQLite file without WAL: under load the Worker's
 * writes keep it locked often enough that the harness's own SQLITE_BUSY retries (about 9 s) can all fail, so the
 * whole read is tried again a few times before the reconciliation gives up.
 */
async function readAll(worker, sql) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await worker.queryAll(sql);
    } catch (error) {
      if (attempt >= READ_TRIES || !String(error.message).includes('SQLITE_BUSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, READ_PAUSE_MILLISECONDS));
    }
  }
}

/**
 * Runs every check; resolves to { at, label, ok, checks: [{ name, ok, detail }], counts }. `ledger` is the
 * driver's record (see soak.mjs: `orders`, `certificates`, `tokens`, `validations`); `provider` the mail
 * provider; `final` adds the checks that need the load stopped and the outbox drained (every expected email
 * written and delivered, every link asked through the API).
 */
export async function reconcile(worker, ledger, provider, { label, final = false } = {}) {
  const started = Date.now();
  const names = Object.keys(STATEMENTS);
  const results = await readAll(worker, names.map((name) => STATEMENTS[name].replace(/\s+/g, ' ')).join('; '));
  const rows = Object.fromEntries(names.map((name, index) => [name, results[index]]));
  const checks = [];
  const check = (name, problems, limit = 5) => checks.push({ name, ok: problems.length === 0, problems: problems.length, detail: problems.slice(0, limit) });

  // Orders: every acknowledged order exists once; one order per idempotency key, and the driver's retries under a
  // key were all answered with that one order.
  const ordersById = new Map(rows.orders.map((order) => [order.id, order]));
  const acknowledged = [...ledger.orders.values()].filter((order) => order.acknowledgedAt !== null && order.acknowledgedAt < started);
  check('every acknowledged order exists', acknowledged.filter((order) => !ordersById.has(order.id)).map((order) => order.id));
  check('one order per idempotency key (database)', rows.twoPerKey);
  check('retries under one idempotency key got one order', [...ledger.orders.values()].filter((order) => order.answeredIds.size > 1)
    .map((order) => ({ key: order.key, ids: [...order.answeredIds] })));
  check('the acknowledged order is the one stored under its key', acknowledged
    .filter((order) => ordersById.has(order.id) && ordersById.get(order.id).idempotency_key !== order.key).map((order) => order.id));
  check('every order has its recipients', rows.orderWithoutRecipients);

  // Certificates: every certificate the driver received exists once, for the recipient it was for, with the key
  // the driver made; one certificate per recipient.
  const certificatesBySerial = new Map(rows.certificates.map((row) => [row.serial.toLowerCase(), row]));
  const received = [...ledger.certificates.values()].filter((certificate) => certificate.at < started);
  check('every received certificate exists', received.filter((certificate) => !certificatesBySerial.has(certificate.serial)).map((certificate) => certificate.serial));
  check('every received certificate is its recipient\'s', received.filter((certificate) => {
    const row = certificatesBySerial.get(certificate.serial);
    return row && (row.email.toLowerCase() !== certificate.email || certificate.subjectEmail !== certificate.email);
  }).map((certificate) => ({ serial: certificate.serial, expected: certificate.email, subject: certificate.subjectEmail, stored: certificatesBySerial.get(certificate.serial).email })));
  check('every received certificate certifies the key the driver made', received.filter((certificate) => {
    const row = certificatesBySerial.get(certificate.serial);
    return row && (!certificate.keyMatches || row.spki_sha256.toLowerCase() !== createHash('sha256').update(certificate.spki).digest('hex'));
  }).map((certificate) => certificate.serial));
  check('one certificate per recipient', rows.twoPerRecipient);
  check('one open link per recipient at most', rows.openLinksPerRecipient);

  // Pipelines and links.
  check('every order\'s state agrees with its certificates', rows.untruthful);
  check('spent links have their certificate, open links a recipient without one', rows.badLinks);

  // Email: every message the Worker accepted is sent or pending, never failed (the provider never refuses one
  // for good); a sent message reached the provider; none reached it twice; the provider got nothing unknown.
  // Deliveries counted up to now (a message recorded sent in the snapshot was delivered before it was recorded),
  // and those from before the query (a message delivered since may be newer than the snapshot).
  const deliveries = new Map();
  const deliveredBefore = new Set();
  for (const request of provider.delivered()) {
    deliveries.set(request.key, (deliveries.get(request.key) ?? 0) + 1);
    if (request.at < started) deliveredBefore.add(request.key);
  }
  const mailById = new Map(rows.mail.map((message) => [message.id, message]));
  check('no email failed for good', rows.mail.filter((message) => message.status === 'failed'));
  check('every sent email reached the provider', rows.mail.filter((message) => message.status === 'sent' && !deliveries.has(message.id)
    && message.attempts > 0).map((message) => message.id));
  check('the provider delivered each message once (a repeat under its Idempotency-Key is not delivered again)',
    [...deliveries].filter(([, count]) => count > 1).map(([key, count]) => ({ key, count })));
  // No email written twice: soak addresses are one per recipient or mailbox, so an address has at most one
  // invitation, one "issued" email and one validation link.
  const written = new Map();
  for (const message of rows.mail) {
    const kind = INVITATION.test(message.subject) ? 'invitation' : ISSUED.test(message.subject) ? 'issued' : `other: ${message.subject}`;
    const key = `${message.to_address.toLowerCase()} ${kind}`;
    written.set(key, (written.get(key) ?? 0) + 1);
  }
  check('no email written twice (per address: one invitation, one "issued" email, one validation link)',
    [...written].filter(([, count]) => count > 1).map(([key, count]) => ({ key, count })));
  check('the provider received no email the outbox does not hold', [...deliveredBefore].filter((key) => !mailById.has(key)));
  const counts = {
    orders: rows.orders.length,
    ordersAcknowledged: acknowledged.length,
    ordersUnacknowledged: rows.orders.filter((order) => ![...ledger.orders.values()].some((known) => known.id === order.id)).length,
    certificates: rows.certificates.length,
    certificatesReceived: received.length,
    links: rows.links[0].total,
    linksOpen: rows.links[0].open ?? 0,
    mail: rows.mail.length,
    mailSent: rows.mail.filter((message) => message.status === 'sent').length,
    mailPending: rows.mail.filter((message) => message.status === 'pending').length,
    mailFailed: rows.mail.filter((message) => message.status === 'failed').length,
    providerRequests: provider.requests.length,
    providerDelivered: provider.delivered().length,
    providerReplays: provider.replays().length,
  };

  if (final) {
    const byAddress = new Map();
    for (const message of rows.mail) {
      const list = byAddress.get(message.to_address.toLowerCase()) ?? [];
      list.push(message);
      byAddress.set(message.to_address.toLowerCase(), list);
    }
    const storedRecipients = new Set(rows.certificates.map((row) => row.email.toLowerCase()));
    const invitations = (address) => (byAddress.get(address) ?? []).filter((message) => INVITATION.test(message.subject)).length;
    const issued = (address) => (byAddress.get(address) ?? []).filter((message) => ISSUED.test(message.subject)).length;
    const recipients = acknowledged.flatMap((order) => order.recipients);
    check('every link recipient was invited exactly once', recipients.filter((recipient) => !recipient.csr && invitations(recipient.email) !== 1)
      .map((recipient) => ({ email: recipient.email, invitations: invitations(recipient.email) })));
    check('no recipient who sent a CSR with the order was invited', recipients.filter((recipient) => recipient.csr && invitations(recipient.email) !== 0)
      .map((recipient) => recipient.email));
    check('every certified recipient was told exactly once', [...storedRecipients].filter((address) => issued(address) !== 1)
      .map((address) => ({ address, issued: issued(address) })));
    check('the outbox is drained: nothing pending', rows.mail.filter((message) => message.status === 'pending').map((message) => message.id));
    check('every sent email reached the provider exactly once', rows.mail.filter((message) => message.status === 'sent' && deliveries.get(message.id) !== 1)
      .map((message) => ({ id: message.id, deliveries: deliveries.get(message.id) ?? 0 })));

    // Every enrollment link the driver saw, asked through the API: open while its recipient has no certificate,
    // spent with that certificate's serial otherwise. Every validation link: pending or used, as the driver left it.
    const certificateOf = new Map(rows.certificates.map((row) => [row.email.toLowerCase(), row.serial.toLowerCase()]));
    const linkProblems = [];
    for (const [token, link] of ledger.tokens) {
      const response = await http(`${worker.url}/api/v1/enrollments/${token}`);
      const view = response.status === 200 ? response.json() : null;
      const serial = certificateOf.get(link.email);
      const fine = view && (serial === undefined
        ? view.status.state === 'open'
        : view.status.state === 'spent' && view.certificate_serial?.toLowerCase() === serial);
      if (!fine) linkProblems.push({ token: `${token.slice(0, 8)}…`, email: link.email, status: response.status, view: view?.status, serial, shown: view?.certificate_serial });
    }
    check('every enrollment link is open or spent with its certificate', linkProblems);
    const validationProblems = [];
    for (const [token, validation] of ledger.validations) {
      const response = await http(`${worker.url}/api/v1/validations/${token}`);
      const state = response.status === 200 ? response.json().state : null;
      if (state !== (validation.confirmed ? 'used' : 'pending')) validationProblems.push({ token: `${token.slice(0, 8)}…`, status: response.status, state, confirmed: validation.confirmed });
    }
    check('every validation link is pending or used, as the driver left it', validationProblems);
    counts.enrollmentLinksAsked = ledger.tokens.size;
    counts.validationLinksAsked = ledger.validations.size;
  }
  return { at: started, label, ok: checks.every((entry) => entry.ok), seconds: (Date.now() - started) / 1000, checks, counts };
}
