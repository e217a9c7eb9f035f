// Organization validation by the CA's staff only (issue 12.2, S/MIME BR 3.2.3), against the Worker in workerd and,
// for the work list, in real headless Chromium.
//
// The hole: an organization admin created "Any Bank PLC" with their own mailbox as its contact, entered the emailed
// code, and the organization was validated: they could then order certificates saying O=Any Bank PLC. Now the code
// only records that the contact confirmed; the organization is validated only by a CA administrator's vetting
// record, and the database itself refuses any other way (the trigger of migration 0016).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import {
  startWorker, http, createAccount, login, caAdministrator, vetOrganization, launchBrowser, openssl, scratch, signedInPage,
} from './harness.mjs';

const PASSWORD = 'vetting suite password';
const MALLORY = 'mallory@mallory.example.com';
const CA_EMAIL = 'ca-admin@keyward.test';
let worker;
let browser;
let directory;
let mallory;
let mona;
let ca;
let keys = 0;

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
const post = (path, headers, body) => api(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
  directory = scratch('vetting');
  const account = await createAccount(worker, { name: 'Mallory Holdings', users: [
    { email: MALLORY, name: 'Mallory Admin', role: 'org_admin', password: PASSWORD },
    { email: 'mona@mallory.example.com', name: 'Mona User', role: 'org_user', password: PASSWORD },
  ] });
  mallory = await login(worker, MALLORY, PASSWORD);
  mona = await login(worker, 'mona@mallory.example.com', PASSWORD);
  ca = await caAdministrator(worker);
  // What an order needs besides the organization (their validation has its own suites): the recipients' domain
  // and a balance.
  await worker.query(`INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at)
    VALUES ('vetting-domain', '${account.accountId}', 'domain', 'mallory.example.com', 'dns_txt', ${now()}, ${now() + 86400}, ${now()})`);
  await worker.query(`INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
    VALUES ('vetting-deposit', '${account.accountId}', ${now()}, 1000000, 'deposit', 'wire', 'test')`);
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** An organization of Mallory's account whose only contact is Mallory's own mailbox: the self-vouching set-up. */
async function createOrganization(name, identifier) {
  const created = await post('/organizations', mallory, {
    name, registration_identifier: identifier, country: 'GB',
    address: { street: '1 Threadneedle Street', city: 'London', postal_code: 'EC2R 8AH', region: '' },
    phone: '+44 20 7946 0100', contacts: [{ name: 'Mallory Admin', email: MALLORY, phone: '+44 20 7946 0101' }],
  });
  assert.equal(created.status, 201, created.text());
  return created.json().id;
}

/** Sends the code to Mallory's own mailbox and enters it. */
async function enterCode(organizationId) {
  assert.equal((await post(`/organizations/${organizationId}/verification-code`, mallory)).status, 200);
  const { messages } = (await api('/dev/mailbox')).json();
  const code = messages.find((message) => message.to === MALLORY && /\n {4}\d{8}\n/.test(message.body)).body.match(/\n {4}(\d{8})\n/)[1];
  const entered = await post(`/organizations/${organizationId}/verification-code/check`, mallory, { code });
  assert.equal(entered.status, 200, entered.text());
  return entered.json();
}

function csr() {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `key${keys}.pem`), '-subj', '/CN=ignored']);
}

/** An order of `profile` for the organization, with a CSR so a certificate is issued at placement when it may be. */
function order(profile, organizationId) {
  keys += 1;
  const recipient = {
    smime_organization_multipurpose: { email: `team${keys}@mallory.example.com` },
    smime_sponsor_multipurpose: { email: `ceo${keys}@mallory.example.com`, given_name: 'Mallory', surname: 'Admin' },
    server_auth: { email: `ops${keys}@mallory.example.com`, dns_names: [`www${keys}.mallory.example.com`] },
  }[profile];
  return {
    profile, organization_id: organizationId, signature_hash: 'sha256',
    validity: profile === 'server_auth' ? { kind: 'days', days: 90 } : { kind: 'years', years: 1 },
    auto_renewals: 0, recipients: [{ ...recipient, csr: csr() }], notification_emails: [], payment: { kind: 'balance' },
    subscriber_agreement: '2026-12-01', idempotency_key: `vetting-${profile}-${keys}`,
  };
}

const O_PROFILES = ['smime_organization_multipurpose', 'smime_sponsor_multipurpose', 'server_auth'];
/** A refusal by the named trigger of a `worker.query` (wrangler prints the database's message on its output). */
const raised = (name) => (error) => new RegExp(name).test(`${error.message}\n${error.stdout}\n${error.stderr}`);
const certificates = async () => (await worker.query('SELECT COUNT(*) AS n FROM certificates'))[0].n;

let anyBank;

test('the self-vouching path is closed: the code entered from the applicant\'s own mailbox validates nothing, and no O= certificate is ordered or issued', async () => {
  anyBank = await createOrganization('Any Bank PLC', 'NTRGB-00000042');
  const confirmed = await enterCode(anyBank);
  // Before the fix this answer said "validated" for 825 days; now it records the contact's confirmation only.
  assert.equal(confirmed.contact_confirmed_by, MALLORY);
  assert.notEqual(confirmed.validation, 'validated');
  assert.equal(confirmed.vetting.status, 'waiting');
  assert.deepEqual([confirmed.validated_at, confirmed.validated_until], [null, null]);
  const issuedBefore = await certificates();
  for (const profile of O_PROFILES) {
    const refused = await post('/orders', mallory, order(profile, anyBank));
    assert.equal(refused.status, 422, `${profile}: ${refused.text()}`);
    assert.deepEqual(refused.json().errors.filter((error) => error.field === 'organization_id').map((error) => error.code),
      ['organization_not_validated'], profile);
  }
  assert.equal(await certificates(), issuedBefore, 'no certificate was issued');
  // Nothing but a vetting validates it, whatever writes: the database refuses the validation itself.
  await assert.rejects(
    worker.query(`UPDATE organizations SET validated_at = ${now()}, validated_until = ${now() + 825 * 86400}, version = version + 1 WHERE id = '${anyBank}'`),
    raised('organization_not_vetted'));
});

test('the vetting rules refuse, each naming its field, and write nothing', async () => {
  const base = {
    decision: 'validated', source_name: 'Companies House', source_reference: 'https://find-and-update.company-information.service.gov.uk/company/00000042',
    registration_number: '00000042', call_phone: '+44 20 7946 0999', call_phone_source: 'The bank\'s annual report',
    call_spoke_with: 'Ann Other, company secretary', call_at: now(),
  };
  const cases = [
    [{ source_reference: 'http://find-and-update.company-information.service.gov.uk/company/00000042' }, 'source_reference', 'source_url_not_https'],
    [{ registration_number: '99999999' }, 'registration_number', 'registration_number_mismatch'],
    [{ call_at: now() + 3600 }, 'call_at', 'call_in_future'],
    [{ call_at: now() - 30 * 86400 }, 'call_at', 'call_before_application'],
    [{ call_spoke_with: '  ' }, 'call_spoke_with', 'value_blank'],
    [{ call_phone: '020 7946 0999' }, 'call_phone', 'phone_not_international'],
    [{ decision: 'rejected', message: '' }, 'message', 'value_blank'],
    [{ decision: undefined }, 'decision', 'value_blank'],
  ];
  const before = (await worker.query(`SELECT COUNT(*) AS n FROM vettings WHERE organization_id = '${anyBank}'`))[0].n;
  for (const [overrides, field, code] of cases) {
    const refused = await post(`/admin/organizations/${anyBank}/vetting`, ca, { ...base, ...overrides });
    assert.equal(refused.status, 422, `${JSON.stringify(overrides)}: ${refused.text()}`);
    assert.deepEqual(refused.json().errors.map((error) => [error.field, error.code]), [[field, code]], JSON.stringify(overrides));
  }
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM vettings WHERE organization_id = '${anyBank}'`))[0].n, before);
  // The recorder is the session's CA administrator, whatever the body says.
  const spoofed = await post(`/admin/organizations/${anyBank}/vetting`, ca,
    { decision: 'information_requested', message: 'Who signs for the bank?', recorded_by: 'someone-else', recorded_by_name: 'Someone Else' });
  assert.equal(spoofed.status, 200, spoofed.text());
  const [record] = spoofed.json().records;
  assert.deepEqual([record.recorded_by_name, record.decision], [CA_EMAIL, 'information_requested']);
});

test('after a CA administrator records a validated vetting, the organization orders organization-, sponsor-validated and OV certificates, and they are issued', async () => {
  const issuedBefore = await certificates();
  const vetted = await vetOrganization(worker, anyBank);
  assert.equal(vetted.organization.validation, 'validated');
  assert.deepEqual(vetted.records.map((record) => record.decision), ['information_requested', 'validated']);
  const view = (await api(`/organizations/${anyBank}`, { headers: mallory })).json();
  assert.equal(view.vetting.status, 'validated');
  assert.equal(view.validated_until - view.validated_at, 825 * 86400);
  for (const profile of O_PROFILES) {
    const placed = await post('/orders', mallory, order(profile, anyBank));
    assert.equal(placed.status, 201, `${profile}: ${placed.text()}`);
    assert.match(placed.json().recipients[0].certificate_serial ?? '', /^[0-9a-f]{32}$/, `${profile}: ${placed.text()}`);
  }
  assert.equal(await certificates(), issuedBefore + O_PROFILES.length);
  const [audit] = await worker.query(`SELECT actor, detail FROM audit_log WHERE action = 'organization.vetted' AND subject_id = '${anyBank}' ORDER BY id DESC LIMIT 1`);
  assert.equal(JSON.parse(audit.detail).decision, 'validated');
  // Vetting records are kept: the database refuses to change or remove one.
  await assert.rejects(worker.query(`UPDATE vettings SET message = 'x' WHERE organization_id = '${anyBank}'`), raised('vetting_records_are_kept'));
  await assert.rejects(worker.query(`DELETE FROM vettings WHERE organization_id = '${anyBank}'`), raised('vetting_records_are_kept'));
  // A validated organization is not vetted twice.
  const again = await post(`/admin/organizations/${anyBank}/vetting`, ca, { decision: 'rejected', message: 'Changed my mind.' });
  assert.deepEqual([again.status, again.json().error.code], [409, 'validation_already_done']);
});

test('every vetting operation is refused to organization admins, organization users and API keys', async () => {
  const key = await post('/api-keys', mallory, { name: 'vetting probe' });
  assert.equal(key.status, 201, key.text());
  const bearer = { authorization: `Bearer ${key.json().key}`, 'content-type': 'application/json' };
  const target = await createOrganization('Probe Ltd', 'NTRGB-00000077');
  const operations = [
    ['GET', '/admin/vetting'],
    ['GET', `/admin/organizations/${target}/vetting`],
    ['POST', `/admin/organizations/${target}/vetting`, { decision: 'rejected', message: 'No.' }],
  ];
  for (const [who, headers] of [['organization admin', mallory], ['organization user', mona], ['API key', bearer]]) {
    for (const [method, path, body] of operations) {
      const response = await api(path, { method, headers, body: body && JSON.stringify(body) });
      assert.equal(response.status, 403, `${method} ${path} as ${who}: ${response.text()}`);
    }
  }
  // The applicant's answer is an organization administrator's: refused to a user and to a key.
  for (const headers of [mona, bearer]) {
    const answered = await post(`/organizations/${target}/vetting/answers`, headers, { text: 'Here.' });
    assert.equal(answered.status, 403, answered.text());
  }
  assert.equal((await worker.query(`SELECT COUNT(*) AS n FROM vettings WHERE organization_id = '${target}'`))[0].n, 0);
});

/** A logged-in page of the console. */
async function consolePage(email, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${worker.url}/login`);
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(`${worker.url}/console`);
  return page;
}

test('the work list in Chromium: reject (the applicant sees the reason), ask for information (emailed, the order form says so, answered, back in the list), validate', { timeout: 180_000 }, async () => {
  const rejectMe = await createOrganization('Reject Me Ltd', 'NTRGB-00000101');
  const askMe = await createOrganization('Ask Me Ltd', 'NTRGB-00000102');
  const validateMe = await createOrganization('Validate Me Ltd', 'NTRGB-00000103');
  const admin = await signedInPage(worker, browser, await caAdministrator(worker));
  const applicant = await consolePage(MALLORY, PASSWORD);
  // Only CA administrators have the entry.
  await applicant.locator('[data-testid=console-nav]').waitFor();
  assert.equal(await applicant.locator('[data-testid=nav-admin-vetting]').count(), 0);
  await admin.click('[data-testid=nav-admin-vetting]');
  await admin.waitForURL(`${worker.url}/console/admin/vetting`);
  const row = (id) => admin.locator(`[data-testid=vetting-row][data-id="${id}"]`);
  for (const id of [rejectMe, askMe, validateMe]) await row(id).waitFor();
  // Oldest first.
  const order = await admin.locator('[data-testid=vetting-row]').evaluateAll((rows) => rows.map((element) => element.dataset.id));
  assert.ok(order.indexOf(rejectMe) < order.indexOf(askMe) && order.indexOf(askMe) < order.indexOf(validateMe), order.join());
  const decide = async (id, decision, fields) => {
    await row(id).locator('[data-testid=open-case]').click();
    await admin.locator(`[data-testid=vetting-case][data-id="${id}"]`).waitFor();
    await admin.selectOption('[data-testid=vetting-decision]', decision);
    for (const [field, value] of Object.entries(fields)) await admin.fill(`[data-testid=vetting-${field}]`, value);
    await admin.click('[data-testid=record-vetting]');
  };

  // Reject: a reason is required, and the error is shown next to its field.
  await decide(rejectMe, 'rejected', {});
  await admin.locator('[data-testid=error-message][data-code=value_blank]').waitFor();
  await admin.fill('[data-testid=vetting-message]', 'Not found in the Companies House register.');
  await admin.click('[data-testid=record-vetting]');
  await admin.locator('[data-testid=vetting-recorded]').waitFor();
  await row(rejectMe).waitFor({ state: 'detached' });
  await applicant.goto(`${worker.url}/console/organizations`);
  const rejected = applicant.locator(`[data-testid=organization][data-id="${rejectMe}"] [data-testid=vetting][data-vetting=rejected]`);
  await rejected.waitFor();
  assert.match(await rejected.textContent(), /Rejected by the CA’s staff: Not found in the Companies House register\./);

  // Ask for information: the applicant is emailed, the order form says so, the applicant answers.
  await decide(askMe, 'information_requested', { message: 'Send the current register extract.' });
  await admin.locator('[data-testid=vetting-recorded]').waitFor();
  await row(askMe).waitFor({ state: 'detached' });
  const { messages } = (await api('/dev/mailbox')).json();
  const asked = messages.find((message) => message.to === MALLORY && message.subject.includes('Ask Me Ltd'));
  assert.ok(asked, 'the applicant is emailed');
  assert.match(asked.body, /Send the current register extract\./);
  await applicant.goto(`${worker.url}/console/orders/new`);
  const line = applicant.locator('[data-testid=unvetted-organization]', { hasText: 'Ask Me Ltd' });
  await line.waitFor();
  assert.match(await line.textContent(), /More information requested by the CA’s staff: Send the current register extract\./);
  assert.match(await applicant.locator('[data-testid=unvetted-organization]', { hasText: 'Validate Me Ltd' }).textContent(), /Waiting for vetting by the CA’s staff \(since/);
  await applicant.goto(`${worker.url}/console/organizations`);
  const card = applicant.locator(`[data-testid=organization][data-id="${askMe}"]`);
  await card.locator('[data-testid=send-vetting-answer]').click();
  await card.locator('[data-testid=error-text][data-code=value_blank]').waitFor();
  await card.locator('[data-testid=vetting-answer]').fill('Extract no. 2026/884 sent by post; our register page is https://find-and-update.company-information.service.gov.uk/company/00000102.');
  await card.locator('[data-testid=send-vetting-answer]').click();
  await card.locator('[data-testid=vetting][data-vetting=waiting]').waitFor();
  // Back in the list, with the answer in its case.
  await admin.reload();
  await row(askMe).waitFor();
  await row(askMe).locator('[data-testid=open-case]').click();
  assert.match(await admin.locator(`[data-testid=vetting-case][data-id="${askMe}"] [data-testid=case-answer]`).textContent(), /Extract no\. 2026\/884/);
  assert.equal(await admin.locator(`[data-testid=vetting-case][data-id="${askMe}"] [data-testid=case-record][data-decision=information_requested]`).count(), 1);

  // Validate: an http source and another registration number are refused next to their fields, then recorded.
  await admin.reload();
  await decide(validateMe, 'validated', {
    source_name: 'Companies House', source_reference: 'http://find-and-update.company-information.service.gov.uk/company/00000103',
    registration_number: '00000999', call_phone: '+44 20 7946 0555', call_phone_source: 'Companies House filing',
    call_spoke_with: 'Val Idate, director',
  });
  await admin.fill('[data-testid=vetting-call_at]', new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 19));
  await admin.click('[data-testid=record-vetting]');
  await admin.locator('[data-testid=error-source_reference][data-code=source_url_not_https]').waitFor();
  await admin.locator('[data-testid=error-registration_number][data-code=registration_number_mismatch]').waitFor();
  await admin.fill('[data-testid=vetting-source_reference]', 'https://find-and-update.company-information.service.gov.uk/company/00000103');
  await admin.fill('[data-testid=vetting-registration_number]', '00000103');
  await admin.click('[data-testid=record-vetting]');
  await admin.locator('[data-testid=vetting-recorded]').waitFor();
  await row(validateMe).waitFor({ state: 'detached' });
  await applicant.goto(`${worker.url}/console/organizations`);
  await applicant.locator(`[data-testid=organization][data-id="${validateMe}"] [data-testid=vetting][data-vetting=validated]`).waitFor();
  const list = (await api('/admin/vetting', { headers: ca })).json().waiting.map((entry) => entry.organization.id);
  assert.ok(list.includes(askMe) && !list.includes(validateMe) && !list.includes(rejectMe), list.join());
});
