// Reissue (issue 14.2) against the Worker in workerd: the account reissues a certificate, the new link arrives by
// email, a new key is made in Chromium, and the new certificate has the same subject and end but another key and
// serial; the old one names its successor, and once the recipient confirms the saved bundle it is revoked
// `superseded`, on the CRL (`openssl crl`) and in OCSP (`openssl ocsp` against the Worker). The grace-period path
// (the clock cannot be moved in workerd: the new certificate's issuance is moved into the past), the holder's path
// from the spent link's page, cancelling, and the refusals (revoked, expired, another account's, the same key, two
// requests at once). A reissue charges nothing: the ledger is read before and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, http, createAccount, login, openssl, opensslStatus, scratch, launchBrowser, signedInPage, writeTemp,
} from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const BUNDLE_PASSWORD = 'violet kettle under seven bridges';
const DAY = 86_400;
let worker;
let directory;
let browser;
let alice; // org admin of account A
let carol; // org user of account A
let bob; // org admin of account B
let accountA;
let keys = 0;

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);

/** A fresh P-256 key and its CSR made by OpenSSL; returns { csr, keyPath }. */
function newCsr() {
  keys += 1;
  const keyPath = join(directory, `key-${keys}.pem`);
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath,
    '-subj', '/CN=ignored']);
  return { csr, keyPath };
}

/** Places an S/MIME order for `email` (200 days), with a CSR (issued at placement) or without (a link is sent). */
async function place(name, email, { csr } = {}) {
  const response = await api('/orders', {
    method: 'POST',
    headers: alice,
    body: JSON.stringify({
      organization_id: 'org-alpha', signature_hash: 'sha256', auto_renewals: 0, notification_emails: [],
      payment: { kind: 'balance' }, subscriber_agreement: '2026-12-01', idempotency_key: `reissue-order-${name}`,
      profile: 'smime_organization_multipurpose', validity: { kind: 'days', days: 200 },
      recipients: [{ email, ...(csr && { csr }) }],
    }),
  });
  assert.equal(response.status, 201, `${name}: ${response.text()}`);
  return response.json();
}

/** The enrollment tokens emailed to `email`, oldest first. */
async function tokensFor(email) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages
    .filter((message) => message.to === email)
    .sort((a, b) => a.created_at - b.created_at)
    .flatMap((message) => [...message.body.matchAll(/\/enroll\/([A-Za-z0-9_-]+)/g)].map((match) => match[1]));
}

/** Waits until a new enrollment token reaches `email` (one not in `known`); returns it. */
async function newTokenFor(email, known = []) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const fresh = (await tokensFor(email)).filter((token) => !known.includes(token));
    if (fresh.length > 0) return fresh.at(-1);
    if (Date.now() > deadline) throw new Error(`no new enrollment link reached ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Submits a CSR through an enrollment link by the API; returns the answer. */
const enroll = (token, csr) => api(`/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr }) });

/** A certificate's row as D1 holds it (read through the harness, not Keyward's code). */
async function row(serial) {
  const [found] = await worker.query(`SELECT serial, not_after, spki_sha256, revoked_at, revocation_reason, replaced_by,
    recipient_id, version FROM certificates WHERE serial = '${serial}'`);
  return found;
}

/** The certificate as PEM, from the public download, written to a file; returns the path. */
async function pemOf(serial) {
  const response = await api(`/certificates/${serial}/pem`);
  assert.equal(response.status, 200, response.text());
  return writeTemp(directory, `${serial}.pem`, response.text());
}

const subjectOf = (path) => openssl(['x509', '-in', path, '-noout', '-subject', '-nameopt', 'RFC2253']).trim();
const endOf = (path) => openssl(['x509', '-in', path, '-noout', '-enddate']).trim();

/** The account's ledger: entries and balance (a reissue must change neither). */
async function ledgerOf(accountId) {
  const [ledger] = await worker.query(`SELECT count(*) AS entries, coalesce(sum(amount), 0) AS balance FROM ledger
    WHERE account_id = '${accountId}'`);
  return ledger;
}

async function freshCrl(name) {
  const response = await http(`${worker.url}/crl/issuing.crl`);
  assert.equal(response.status, 200);
  const der = writeTemp(directory, `${name}.crl`, response.body);
  return openssl(['crl', '-inform', 'DER', '-in', der, '-noout', '-text']);
}

function ocsp(leafPath) {
  return opensslStatus(['ocsp', '-issuer', join(directory, 'issuing.pem'), '-cert', leafPath, '-url', `${worker.url}/ocsp`,
    '-CAfile', join(directory, 'root.pem'), '-verify_other', join(directory, 'issuing.pem'), '-resp_text']).output;
}

/** Runs the scheduled handler once. */
async function scheduled() {
  const response = await http(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(response.status, 200, response.text());
}

before(async () => {
  worker = await startWorker();
  directory = scratch('reissue');
  browser = await launchBrowser();
  const a = await createAccount(worker, {
    name: 'Alpha',
    users: [{ email: 'alice@alpha.example.com', password: PASSWORD },
      { email: 'carol@alpha.example.com', password: PASSWORD, role: 'org_user' }],
  });
  const b = await createAccount(worker, { name: 'Beta', users: [{ email: 'bob@beta.example.com', password: PASSWORD }] });
  accountA = a.accountId;
  alice = await login(worker, 'alice@alpha.example.com', PASSWORD);
  carol = await login(worker, 'carol@alpha.example.com', PASSWORD);
  bob = await login(worker, 'bob@beta.example.com', PASSWORD);
  // A validated organization and domain, and a balance: written with SQL, as their own suites test how they are
  // obtained.
  const now = Math.floor(Date.now() / 1000);
  const address = JSON.stringify({ street: '1 Main Street', city: 'London', postal_code: 'EC1A 1BB', region: '' });
  await worker.query(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, created_at, account_id)
    VALUES ('org-alpha', 'Alpha Ltd', 'NTRGB-11111111', 'GB', '${address}', ${now - DAY}, ${now - DAY}, '${accountA}')`);
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('val-alpha', '${accountA}', 'domain', 'alpha.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY})`);
  for (const accountId of [accountA, b.accountId]) {
    await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-${accountId}', '${accountId}', ${now - DAY}, 10000000, 'deposit', 'wire', 'test')`);
  }
  for (const [name, path] of [['issuing', '/ca/issuing.crt'], ['root', '/ca/root.crt']]) {
    const response = await http(`${worker.url}${path}`);
    writeFileSync(join(directory, `${name}.der`), response.body);
    openssl(['x509', '-inform', 'DER', '-in', join(directory, `${name}.der`), '-out', join(directory, `${name}.pem`)]);
  }
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

test('the account reissues; a new key in Chromium; the old certificate is superseded once the new one is saved', async () => {
  const email = 'ada@alpha.example.com';
  const order = await place('main', email, { csr: newCsr().csr });
  const oldSerial = order.recipients[0].certificate_serial;
  assert.match(oldSerial, /^[0-9a-f]{32}$/);
  const oldPath = await pemOf(oldSerial);
  const old = await row(oldSerial);
  const ledgerBefore = await ledgerOf(accountA);
  const known = await tokensFor(email);

  // An organization user of the account reissues, from the inventory's button in the console.
  const page = await signedInPage(worker, browser, carol);
  await page.goto(`${worker.url}/console/certificates`);
  const line = page.locator(`[data-testid=certificate-row][data-serial="${oldSerial}"]`);
  await line.locator('[data-testid=reissue]').click();
  await line.locator('[data-testid=reissue-outcome]', { hasText: email }).waitFor({ timeout: 30_000 });
  await page.context().close();

  // The new link arrives; it is a reissue of the old serial.
  const token = await newTokenFor(email, known);
  const shown = (await api(`/enrollments/${token}`)).json();
  assert.deepEqual(shown.reissue_of, { serial: oldSerial, not_after: old.not_after });

  // A new key made in the browser, the bundle saved and confirmed.
  const context = await browser.newContext({ acceptDownloads: true });
  const recipient = await context.newPage();
  await recipient.goto(`${worker.url}/enroll/${token}`);
  await recipient.locator('[data-testid=reissue-of]', { hasText: oldSerial }).waitFor({ timeout: 90_000 });
  await recipient.locator('[data-testid=generate]').click();
  await recipient.locator('[data-testid=password]').waitFor({ timeout: 120_000 });
  const newSerial = (await recipient.locator('[data-testid=serial]').textContent()).trim();
  assert.match(newSerial, /^[0-9a-f]{32}$/);
  assert.notEqual(newSerial, oldSerial);

  // Before the pickup: the successor is named, the old certificate still valid (the grace period runs).
  const named = await row(oldSerial);
  assert.equal(named.replaced_by, newSerial, 'replaced_by is set in the issuing batch');
  assert.equal(named.revoked_at, null, 'not revoked before the new one is picked up');

  await recipient.locator('[data-testid=password]').fill(BUNDLE_PASSWORD);
  await recipient.locator('[data-testid=password-confirm]').fill(BUNDLE_PASSWORD);
  await recipient.locator('[data-testid=build-bundle]').click();
  const downloadLink = recipient.locator('[data-testid=download]');
  await downloadLink.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([recipient.waitForEvent('download'), downloadLink.click()]);
  await download.saveAs(join(directory, 'reissued.p12'));
  await Promise.all([
    recipient.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/saved')),
    recipient.locator('[data-testid=confirm-saved]').click(),
  ]);
  await context.close();

  // Same subject and end, another key and serial.
  const newPath = await pemOf(newSerial);
  const fresh = await row(newSerial);
  assert.equal(subjectOf(newPath), subjectOf(oldPath), 'the same subject');
  assert.equal(fresh.not_after, old.not_after, 'the same not_after');
  assert.equal(endOf(newPath), endOf(oldPath));
  assert.notEqual(fresh.spki_sha256, old.spki_sha256, 'another key');
  assert.equal(fresh.recipient_id, old.recipient_id, 'the same recipient of the same order');

  // The pickup revoked the old one `superseded`, in its batch: the CRL and OCSP say so; the new one is good.
  const superseded = await row(oldSerial);
  assert.equal(superseded.revocation_reason, 'superseded');
  const crl = await freshCrl('after-pickup');
  assert.match(crl, new RegExp(`Serial Number: ${oldSerial.toUpperCase()}[\\s\\S]*?Superseded`));
  assert.doesNotMatch(crl, new RegExp(newSerial.toUpperCase()));
  const oldOcsp = ocsp(oldPath);
  assert.match(oldOcsp, new RegExp(`${oldPath}: revoked`));
  assert.match(oldOcsp, /Reason: superseded/i);
  assert.match(ocsp(newPath), new RegExp(`${newPath}: good`));

  // The inventory shows the successor; the console too.
  const listed = (await api(`/certificates?q=${oldSerial}`, { headers: alice })).json().certificates;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].replaced_by, newSerial);
  assert.equal(listed[0].state, 'superseded');
  const console = await signedInPage(worker, browser, alice);
  await console.goto(`${worker.url}/console/certificates`);
  await console.locator(`[data-testid=certificate-row][data-serial="${oldSerial}"] [data-testid=replaced-by]`,
    { hasText: newSerial }).waitFor({ timeout: 30_000 });
  await console.context().close();

  // Exactly one revocation record; no charge.
  const [{ revocations }] = await worker.query(`SELECT count(*) AS revocations FROM audit_log
    WHERE action = 'certificate.revoked' AND subject_id = '${oldSerial}'`);
  assert.equal(revocations, 1);
  assert.deepEqual(await ledgerOf(accountA), ledgerBefore, 'a reissue charges nothing');

  // The new certificate can itself be reissued; the old one cannot (it was replaced and revoked).
  const again = await api(`/certificates/${oldSerial}/reissue`, { method: 'POST', headers: alice });
  assert.equal(again.status, 409, again.text());
  assert.equal(again.json().error.code, 'certificate_revoked');
});

test('the grace period: the scheduled handler supersedes an unpicked reissue once, after the account\'s days', async () => {
  // Carol (an organization user) may read the setting but not change it; Alice sets 3 days.
  assert.equal((await api('/account/reissue-settings', { headers: carol })).json().supersede_grace_days, 7, 'the default');
  const refused = await api('/account/reissue-settings', { method: 'POST', headers: carol, body: JSON.stringify({ supersede_grace_days: 3 }) });
  assert.equal(refused.status, 403, refused.text());
  const outOfRange = await api('/account/reissue-settings', { method: 'POST', headers: alice, body: JSON.stringify({ supersede_grace_days: 31 }) });
  assert.equal(outOfRange.status, 422, outOfRange.text());
  assert.equal(outOfRange.json().error.field, 'supersede_grace_days');
  const set = await api('/account/reissue-settings', { method: 'POST', headers: alice, body: JSON.stringify({ supersede_grace_days: 3 }) });
  assert.equal(set.status, 200, set.text());

  const email = 'grace@alpha.example.com';
  const oldSerial = (await place('grace', email, { csr: newCsr().csr })).recipients[0].certificate_serial;
  const known = await tokensFor(email);
  const reissued = await api(`/certificates/${oldSerial}/reissue`, { method: 'POST', headers: alice });
  assert.equal(reissued.status, 201, reissued.text());
  const issued = await enroll(await newTokenFor(email, known), newCsr().csr);
  assert.equal(issued.status, 201, issued.text());
  const newSerial = issued.json().serial;

  // Within the grace period: nothing happens.
  await scheduled();
  assert.equal((await row(oldSerial)).revoked_at, null, 'still valid within the grace period');

  // Three days later (the issuance moved into the past): two handlers at once revoke it once.
  await worker.query(`UPDATE certificates SET issued_at = issued_at - ${3 * DAY + 60}, version = version + 1
    WHERE serial = '${newSerial}'`);
  await Promise.all([scheduled(), scheduled()]);
  const superseded = await row(oldSerial);
  assert.equal(superseded.revocation_reason, 'superseded');
  assert.equal(superseded.replaced_by, newSerial);
  await scheduled();
  const [{ revocations }] = await worker.query(`SELECT count(*) AS revocations FROM audit_log
    WHERE action = 'certificate.revoked' AND subject_id = '${oldSerial}'`);
  assert.equal(revocations, 1, 'exactly once');
  assert.match(await freshCrl('after-grace'), new RegExp(`Serial Number: ${oldSerial.toUpperCase()}`));
  assert.equal((await row(newSerial)).revoked_at, null, 'the new one is untouched');
});

test('the holder asks from the spent link\'s page; the new link goes to the mailbox only; cancelling leaves the certificate', async () => {
  const email = 'holder@alpha.example.com';
  await place('holder', email);
  const spentToken = await newTokenFor(email);
  const issued = await enroll(spentToken, newCsr().csr);
  assert.equal(issued.status, 201, issued.text());
  const serial = issued.json().serial;
  const known = await tokensFor(email);

  // The spent link's page offers "Lost the key? Reissue".
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${worker.url}/enroll/${spentToken}`);
  await page.locator('[data-testid=link-closed]').waitFor({ timeout: 90_000 });
  const [answer] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/reissue')),
    page.locator('[data-testid=reissue-request]').click(),
  ]);
  assert.equal(answer.status(), 202);
  const body = await answer.json();
  assert.deepEqual(Object.keys(body).sort(), ['link_expires_at', 'sent_to'], 'the answer carries no link');
  assert.equal(body.sent_to, email);
  await page.locator('[data-testid=reissue-outcome]', { hasText: email }).waitFor();

  // The new link is in the mailbox, and only there.
  const token = await newTokenFor(email, known);
  assert.ok(!JSON.stringify(body).includes(token));
  assert.equal((await api(`/enrollments/${token}`)).json().reissue_of.serial, serial);

  // Asking again while it is open: refused, one link.
  await page.locator('[data-testid=reissue-request]').click();
  await page.locator('[data-testid=reissue-outcome]', { hasText: 'still open' }).waitFor();
  await context.close();
  const [{ open }] = await worker.query(`SELECT count(*) AS open FROM enrollment_links WHERE reissue_of = '${serial}'
    AND spent_at IS NULL`);
  assert.equal(open, 1);

  // Cancelled by the account: the link no longer works and the certificate is untouched.
  const before = await row(serial);
  const cancelled = await api(`/certificates/${serial}/reissue`, { method: 'DELETE', headers: alice });
  assert.equal(cancelled.status, 204, cancelled.text());
  assert.equal((await api(`/enrollments/${token}`)).status, 404);
  assert.equal((await enroll(token, newCsr().csr)).status, 404);
  assert.deepEqual(await row(serial), before, 'the certificate is untouched');
  await scheduled();
  assert.equal((await row(serial)).revoked_at, null);
});

test('refusals: revoked, expired, another account\'s, the same key, two requests at once', async () => {
  const place1 = async (name) => {
    const key = newCsr();
    const order = await place(name, `${name}@alpha.example.com`, { csr: key.csr });
    return { serial: order.recipients[0].certificate_serial, ...key };
  };
  const reissue = (serial, headers = alice) => api(`/certificates/${serial}/reissue`, { method: 'POST', headers });

  const revoked = await place1('revoked');
  const revocation = await api(`/certificates/${revoked.serial}/revocation`, {
    method: 'POST', headers: alice, body: JSON.stringify({ reason: 'key_compromise' }),
  });
  assert.equal(revocation.status, 200, revocation.text());
  const refusedRevoked = await reissue(revoked.serial);
  assert.equal(refusedRevoked.status, 409);
  assert.equal(refusedRevoked.json().error.code, 'certificate_revoked');

  const expired = await place1('expired');
  await worker.query(`UPDATE certificates SET not_after = ${Math.floor(Date.now() / 1000) - DAY}, version = version + 1
    WHERE serial = '${expired.serial}'`);
  const refusedExpired = await reissue(expired.serial);
  assert.equal(refusedExpired.status, 409);
  assert.equal(refusedExpired.json().error.code, 'certificate_expired');

  const theirs = await place1('theirs');
  for (const [method, headers] of [['POST', bob], ['DELETE', bob]]) {
    const refused = await api(`/certificates/${theirs.serial}/reissue`, { method, headers });
    assert.equal(refused.status, 404, `${method}: ${refused.text()}`);
    assert.equal(refused.json().error.code, 'certificate_unknown');
  }

  // Two requests at once leave one link.
  const email = 'theirs@alpha.example.com';
  const known = await tokensFor(email);
  const answers = await Promise.all([reissue(theirs.serial), reissue(theirs.serial, carol)]);
  assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409], answers.map((answer) => answer.text()).join(' | '));
  assert.equal(answers.find((answer) => answer.status === 409).json().error.code, 'reissue_open');
  const [{ open }] = await worker.query(`SELECT count(*) AS open FROM enrollment_links WHERE reissue_of = '${theirs.serial}'`);
  assert.equal(open, 1);

  // The old key through the reissue link: refused, the link stays open.
  const token = await newTokenFor(email, known);
  const sameKey = await enroll(token, openssl(['req', '-new', '-key', theirs.keyPath, '-subj', '/CN=ignored']));
  assert.equal(sameKey.status, 422, sameKey.text());
  assert.equal(sameKey.json().error.code, 'reissue_same_key');
  assert.equal((await api(`/enrollments/${token}`)).json().status.state, 'open');
  assert.equal((await row(theirs.serial)).replaced_by, null);

  // The database refuses an ordinary open link for a recipient who has a certificate (migration 0013's guard kept).
  const [{ recipient_id: recipientId }] = await worker.query(`SELECT recipient_id FROM certificates WHERE serial = '${theirs.serial}'`);
  const ordinary = await worker.query(`INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at)
    VALUES ('sneaky', '${recipientId}', 'sneaky', 0, 9999999999)`).catch((error) => `${error.message}${error.stdout ?? ''}${error.stderr ?? ''}`);
  assert.match(String(ordinary), /recipient_already_issued/);
});
