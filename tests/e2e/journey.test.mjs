// An organization administrator's journey in real headless Chromium against the Worker in workerd, with a local
// DNS-over-HTTPS responder as the resolver, all in the console: the organization created and prevalidated by the
// emailed code, one domain by a constructed-address link (opened on the public /validate page, which only its
// button spends) and another by a DNS TXT record ("check now"); then the order form (built from the
// policy endpoint) for two recipients, one with a request pasted now (made by `openssl req`) and one with a
// KeyGen link; a request with an RSA-1024 key is refused by the page's pre-check before any request is sent; a
// double click on submit makes one order; the order page offers the first certificate, and the second comes
// from the emailed enrollment link completed in the recipient's app. The history finds the order.
//
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startWorker, http, createAccount, caAdministrator, login, launchBrowser, openssl, scratch, writeTemp, vetOrganization } from './harness.mjs';
import { startDohResponder } from './doh-responder.mjs';

let worker;
let resolver;
let browser;
let directory;
const ADMIN = 'ada@acme.example.com';
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;

before(async () => {
  resolver = await startDohResponder();
  worker = await startWorker({ vars: { KEYWARD_DOH_URL: resolver.url } });
  browser = await launchBrowser();
  directory = scratch('journey');
  const account = await createAccount(worker, { name: 'Acme', users: [{ email: ADMIN, name: 'Ada Admin', role: 'org_admin', password: PASSWORD }] });
  // The balance the order is paid from, recorded by a CA administrator; and the contract the history's orders
  // are charged to.
  const ca = await caAdministrator(worker);
  const deposit = await http(`${worker.url}/api/v1/admin/accounts/${account.accountId}/deposits`, {
    method: 'POST', headers: ca, body: JSON.stringify({ amount_cents: 100000, bank_reference: 'wire 1' }) });
  assert.equal(deposit.status, 201, deposit.text());
  const now = Math.floor(Date.now() / 1000);
  const contract = await http(`${worker.url}/api/v1/admin/accounts/${account.accountId}/contracts`, {
    method: 'POST', headers: ca,
    body: JSON.stringify({ reference: 'PO-HISTORY', credit_limit_cents: 100_000_000, starts_at: now - DAY, ends_at: now + DAY }) });
  assert.equal(contract.status, 201, contract.text());
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  await resolver?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
async function mailTo(address) {
  const { messages } = (await api('/dev/mailbox')).json();
  return messages.filter((message) => message.to === address);
}

/** A PEM request for a new key made by OpenSSL (`-newkey rsa:1024`, `-newkey ec ...`). */
function request(name, newKey) {
  return openssl(['req', '-new', ...newKey, '-nodes', '-keyout', join(directory, `${name}.key`), '-subj', `/CN=${name}`]);
}

/** Logs the administrator in through the login page, in a fresh browser profile; page errors are collected. */
async function loggedInPage(errors) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  // The console's WebAssembly compiles on a machine other suites may be loading: give the first page time.
  await page.goto(`${worker.url}/login`, { timeout: 90_000 });
  await page.locator('[data-testid=email]').waitFor({ timeout: 90_000 });
  await page.fill('[data-testid=email]', ADMIN);
  await page.fill('[data-testid=password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.locator('[data-testid=nav-orders]').waitFor();
  return { context, page };
}

test('prevalidation in the console: the organization confirmed by its contact\'s emailed code, then vetted by the CA\'s staff, acme.example.com by a constructed-address link, dns.example.com by DNS TXT', { timeout: 180_000 }, async () => {
  const errors = [];
  const { context, page } = await loggedInPage(errors);
  await page.click('[data-testid=nav-organizations]');
  await page.waitForURL(`${worker.url}/console/organizations`);
  const form = page.locator('[data-testid=organization-form]');
  await form.waitFor();
  // Submitted empty: every problem shows at once, each beside its field, and nothing is sent.
  await page.click('[data-testid=organization-submit]');
  for (const field of ['name', 'registration_identifier', 'country', 'address.street', 'address.city', 'address.postal_code', 'phone', 'contacts.name', 'contacts.email', 'contacts.phone']) {
    await page.locator(`[data-testid="error-${field}"]`).first().waitFor();
  }
  assert.equal((await worker.query('SELECT COUNT(*) AS n FROM organizations'))[0].n, 0);
  // Checked as typed, with the shared rules: a registration identifier for another country than the one typed.
  const fill = (field, value) => page.fill(`[data-testid="organization-${field}"]`, value);
  await fill('name', 'Acme Widgets Ltd');
  await fill('registration_identifier', 'NTRFR-12345678');
  await fill('country', 'GB');
  await page.locator('[data-testid="error-registration_identifier"]').waitFor();
  await fill('registration_identifier', 'NTRGB-12345678');
  await fill('address.street', '1 High Street');
  await fill('address.city', 'London');
  await fill('address.postal_code', 'SW1A 1AA');
  // The region is what TLS server certificates state as stateOrProvinceName: a placeholder is refused beside it.
  await fill('address.region', '-');
  assert.equal(await page.locator('[data-testid="error-address.region"]').getAttribute('data-code'), 'value_placeholder');
  await fill('address.region', 'Greater London');
  await page.locator('[data-testid="error-address.region"]').waitFor({ state: 'detached' });
  await fill('phone', '+44 20 7946 0000');
  await fill('contacts[0].name', 'Dora Contact');
  await fill('contacts[0].email', 'dora@acme.example.com');
  await fill('contacts[0].phone', '+44 20 7946 0001');
  // A second contact, whose address is checked as typed too.
  await page.click('[data-testid=add-contact]');
  await fill('contacts[1].name', 'Eli Second');
  await fill('contacts[1].email', 'eli@acme..example');
  await page.locator('[data-testid="error-contacts.email"]').waitFor();
  await fill('contacts[1].email', 'eli@acme.example.com');
  await fill('contacts[1].phone', '+44 20 7946 0002');
  await page.click('[data-testid=organization-submit]');
  const card = page.locator('[data-testid=organization]');
  await card.waitFor();
  assert.deepEqual([await card.locator('[data-testid=address-city]').textContent(), await card.locator('[data-testid=address-region]').textContent()],
    ['London', 'Greater London']);
  assert.match(await card.locator('[data-testid=vetting][data-vetting=waiting]').textContent(), /Waiting for vetting by the CA’s staff/);
  assert.equal(await card.locator('[data-testid=state]').getAttribute('data-state'), 'not_started');
  await card.locator('[data-testid=send-code]').click();
  await card.locator('[data-testid=code-sent]').waitFor();
  const [codeMail] = await mailTo('dora@acme.example.com');
  const code = codeMail.body.match(/\n {4}(\d{8})\n/)[1];
  await card.locator('[data-testid=code]').fill(code);
  await card.locator('[data-testid=check-code]').click();
  // The code confirms the contact and validates nothing: the organization waits for the CA's staff, who vet it.
  await card.locator('[data-testid=contact-confirmed]').waitFor();
  assert.equal(await card.locator('[data-testid=state]').getAttribute('data-state'), 'not_started');
  await vetOrganization(worker, await card.getAttribute('data-id'));
  await page.reload();
  await page.locator('[data-testid=organization] [data-testid=state][data-state=validated]').waitFor();

  // A domain by email to a constructed address chosen among the five; the link opens the console's public page.
  await page.click('[data-testid=nav-domains]');
  await page.waitForURL(`${worker.url}/console/domains`);
  await page.fill('[data-testid=domain-name]', 'acme..example');
  await page.locator('[data-testid=error-name]').waitFor();
  await page.fill('[data-testid=domain-name]', 'acme.example.com');
  assert.deepEqual(await page.locator('[data-testid=domain-form] [data-testid=constructed-address] option').allTextContents(),
    ['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster'].map((local) => `${local}@acme.example.com`));
  await page.selectOption('[data-testid=domain-form] [data-testid=constructed-address]', 'hostmaster');
  await page.click('[data-testid=domain-submit]');
  const acme = page.locator('[data-testid=domain][data-name="acme.example.com"]');
  await acme.locator('[data-testid=sent-to]').waitFor();
  const [linkMail] = await mailTo('hostmaster@acme.example.com');
  const link = linkMail.body.match(/(http\S+\/validate\/[A-Za-z0-9_-]{43})\n/)[1];
  const visitor = await context.newPage();
  visitor.on('pageerror', (error) => errors.push(String(error)));
  await visitor.goto(link);
  await visitor.locator('[data-testid=validation-link][data-state=pending]').waitFor();
  assert.match(await visitor.locator('[data-testid=link-subject]').textContent(), /acme\.example\.com/);
  await visitor.reload();
  await visitor.locator('[data-testid=confirm]').click();
  await visitor.locator('[data-testid=validation-link][data-state=used]').waitFor();
  // Opened again: the page says it was used, and when.
  await visitor.reload();
  await visitor.locator('[data-testid=validation-link][data-state=used]').waitFor();
  assert.equal(await visitor.locator('[data-testid=confirm]').count(), 0);

  // A domain by DNS TXT: the page shows the record; once published, "check now" validates it.
  await page.reload();
  await page.fill('[data-testid=domain-name]', 'dns.example.com');
  await page.check('[data-testid=domain-form] [data-testid=method-dns]');
  await page.click('[data-testid=domain-submit]');
  const dns = page.locator('[data-testid=domain][data-name="dns.example.com"]');
  await dns.locator('[data-testid=record-name]').waitFor();
  const name = (await dns.locator('[data-testid=record-name]').textContent()).trim();
  const value = (await dns.locator('[data-testid=record-value]').textContent()).trim();
  assert.equal(name, '_keyward-challenge.dns.example.com');
  resolver.publish(name, [value]);
  await dns.locator('[data-testid=check-now]').click();
  await page.locator('[data-testid=domain][data-name="dns.example.com"] [data-testid=state][data-state=validated]').waitFor();
  await page.locator('[data-testid=domain][data-name="acme.example.com"] [data-testid=state][data-state=validated]').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('the order form: pre-check refuses an RSA-1024 request in the page, a double click makes one order, both recipients end with certificates', { timeout: 300_000 }, async () => {
  const errors = [];
  const { context, page } = await loggedInPage(errors);
  const orderPosts = [];
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && new URL(sent.url()).pathname === '/api/v1/orders') orderPosts.push(sent.postData());
  });

  await page.click('[data-testid=nav-new-order]');
  await page.waitForURL(`${worker.url}/console/orders/new`);
  await page.locator('[data-testid=order-form]').waitFor();

  // The form comes from the policy endpoint: its profiles, hashes and the cap of the chosen profile.
  const policy = (await api('/policy')).json();
  const offered = await page.locator('[data-testid=profile] option').evaluateAll((options) => options.map((option) => option.value));
  assert.deepEqual(offered, policy.profiles.map((profile) => profile.id));
  const hashes = await page.locator('[data-testid=signature-hash] option').evaluateAll((options) => options.map((option) => option.value));
  assert.deepEqual(hashes, policy.signature_hashes);
  await page.selectOption('[data-testid=profile]', 'smime_organization_multipurpose');
  const cap = policy.profiles.find((profile) => profile.id === 'smime_organization_multipurpose').max_validity_days;
  assert.match(await page.locator('[data-testid=validity-cap]').textContent(), new RegExp(`\\b${cap}\\b`));
  // Only the validated organization is offered.
  assert.equal(await page.locator('[data-testid=organization] option').count(), 1);
  // The balance the order will be paid from (the deposit of 1,000.00 written in `before`).
  assert.match(await page.textContent('[data-testid=balance]'), /\b1000\.00\b/);

  // As the user types: an address outside the validated domains is refused next to its field.
  await page.fill('[data-testid="recipients[0].email"]', 'someone@elsewhere.example.com');
  await page.locator('[data-testid="error-recipients[0].email"]').waitFor();

  // Recipient 1: a request now. RSA-1024 is refused by the page before anything is sent.
  await page.fill('[data-testid="recipients[0].email"]', 'carl@acme.example.com');
  assert.equal(await page.locator('[data-testid="error-recipients[0].email"]').count(), 0);
  await page.check('[data-testid=csr-now-0]');
  const weak = request('weak', ['-newkey', 'rsa:1024']);
  await page.fill('[data-testid="recipients[0].csr"]', weak);
  const refusal = page.locator('[data-testid="error-recipients[0].csr"]');
  await refusal.waitFor();
  assert.equal(await refusal.getAttribute('data-code'), 'csr_refused');
  assert.match(await refusal.textContent(), /1024/);
  await page.check('[data-testid=agreement]');
  await page.click('[data-testid=order-submit]');
  await page.locator('[data-testid=order-problems]').waitFor();
  assert.equal(orderPosts.length, 0, 'no order request leaves the page while the pre-check refuses');

  // A good request (P-256), with the NEW CERTIFICATE REQUEST label some tools write, uploaded as a file.
  const good = request('carl', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'])
    .replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST');
  await page.setInputFiles('[data-testid=csr-file-0]', writeTemp(directory, 'carl.csr', good));
  await page.locator('[data-testid=csr-accepted-0]').waitFor();
  assert.equal(await refusal.count(), 0);

  // Recipient 2: a KeyGen link later, under the DNS-validated domain.
  await page.click('[data-testid=add-recipient]');
  await page.fill('[data-testid="recipients[1].email"]', 'dana@dns.example.com');
  assert.equal(await page.isChecked('[data-testid=csr-later-1]'), true);

  // A double click: one order.
  await page.dblclick('[data-testid=order-submit]');
  await page.waitForURL(/\/console\/orders\/(?!new$)[^/]+$/, { timeout: 30_000 });
  const orderId = new URL(page.url()).pathname.split('/').pop();
  const keys = new Set(orderPosts.map((body) => JSON.parse(body).idempotency_key));
  assert.equal(keys.size, 1, 'every submission of the form carries the same idempotency key');
  const [{ n }] = await worker.query('SELECT COUNT(*) AS n FROM orders');
  assert.equal(n, 1);

  // The order page: the pipeline, and the CSR recipient's certificate to download.
  await page.locator('[data-testid=pipeline]').waitFor();
  assert.ok(await page.locator('[data-testid=step]').count() >= 3);
  const pem = page.locator('[data-testid=download-0-pem]');
  for (let attempt = 0; attempt < 10 && (await pem.count()) === 0; attempt += 1) {
    await page.waitForTimeout(1000);
    await page.reload();
    await page.locator('[data-testid=pipeline]').waitFor();
  }
  for (const format of ['pem', 'chain.pem', 'p7b']) {
    const href = await page.locator(`[data-testid="download-0-${format}"]`).getAttribute('href');
    const answer = await http(`${worker.url}${href}`);
    assert.equal(answer.status, 200, `${format}: ${answer.text()}`);
  }
  const certificate = (await http(`${worker.url}${await pem.getAttribute('href')}`)).text();
  const subject = openssl(['x509', '-noout', '-ext', 'subjectAltName'], certificate);
  assert.match(subject, /email:carl@acme\.example\.com/);
  assert.equal(await page.locator('[data-testid=not-issued-1]').count(), 1);

  // The KeyGen recipient opens the emailed enrollment link in the recipient's app and completes it.
  let link;
  for (let attempt = 0; attempt < 20 && !link; attempt += 1) {
    const mail = (await mailTo('dana@dns.example.com')).find((message) => /\/enroll\//.test(message.body));
    link = mail?.body.match(/(http\S+\/enroll\/[A-Za-z0-9_-]{43})/)?.[1];
    if (!link) await page.waitForTimeout(500);
  }
  assert.ok(link, 'the enrollment email');
  const recipient = await context.newPage();
  await recipient.goto(link);
  await recipient.locator('[data-testid=generate]').waitFor({ timeout: 60_000 });
  await recipient.locator('[data-testid=generate]').click();
  await recipient.locator('[data-testid=password]').waitFor({ timeout: 120_000 });
  await recipient.locator('[data-testid=password]').fill(PASSWORD);
  await recipient.locator('[data-testid=password-confirm]').fill(PASSWORD);
  await recipient.locator('[data-testid=build-bundle]').click();
  const bundle = recipient.locator('[data-testid=download]');
  await bundle.waitFor({ timeout: 60_000 });
  assert.match(await bundle.getAttribute('download'), /\.p12$/);
  const [saved] = await Promise.all([recipient.waitForEvent('download'), bundle.click()]);
  assert.ok((await saved.path()) !== null, 'the .p12 is downloaded');
  // The recipient says it is saved: the copy this browser kept for a resume is erased, and the page can close.
  await recipient.locator('[data-testid=confirm-saved]').click();
  await recipient.locator('[data-testid=forgotten]').waitFor();
  await recipient.close();

  await page.reload();
  await page.locator('[data-testid=download-1-pem]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid=order]').getAttribute('data-state'), 'completed');

  // The administrator revokes the KeyGen recipient's certificate from the order page; the CRL lists it.
  await page.click('[data-testid=revoke-1]');
  await page.selectOption('[data-testid=revoke-reason-1]', 'affiliation_changed');
  await page.click('[data-testid=revoke-confirm-1]');
  const revokedLine = page.locator('[data-testid=revoked-1]');
  await revokedLine.waitFor({ timeout: 30_000 });
  assert.equal(await revokedLine.getAttribute('data-reason'), 'affiliation_changed');
  assert.equal(await page.locator('[data-testid=revoke-0]').count(), 1, 'the other certificate stays valid');
  const revokedSerial = (await page.locator('[data-testid=download-1-pem]').getAttribute('href')).split('/')[4];
  const crl = openssl(['crl', '-inform', 'DER', '-noout', '-text'], (await http(`${worker.url}/crl/issuing.crl`)).body);
  assert.match(crl, new RegExp(`Serial Number: ${revokedSerial.toUpperCase()}(?:(?!Serial Number)[\\s\\S])*Affiliation Changed`));

  // The account page: the balance after the charge, and the charge naming the order.
  await page.goto(`${worker.url}/console/account`);
  const charge = page.locator('[data-testid=ledger-entry][data-kind=charge]');
  await charge.waitFor();
  assert.ok((await charge.textContent()).includes(orderId));
  const [{ charged }] = await worker.query("SELECT -SUM(amount) AS charged FROM ledger WHERE kind = 'charge'");
  assert.ok(charged > 0);
  assert.ok((await page.textContent('[data-testid=ledger-balance]')).includes(((100000 - charged) / 100).toFixed(2)));

  // The history finds it by recipient email, and not by another.
  await page.goto(`${worker.url}/console/orders`);
  await page.locator(`[data-testid=order-row][data-id="${orderId}"]`).waitFor();
  await page.fill('[data-testid=search]', 'dana@dns.example.com');
  await page.click('[data-testid=search-submit]');
  await page.locator(`[data-testid=order-row][data-id="${orderId}"]`).waitFor();
  await page.fill('[data-testid=search]', 'nobody@elsewhere.example.com');
  await page.click('[data-testid=search-submit]');
  await page.locator('[data-testid=no-orders]').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('after the journey: a refusal only the Worker can find shows beside its field and a retry keeps the key; resend and cancel on the order page; the state filter; French', { timeout: 180_000 }, async () => {
  const errors = [];
  const { context, page } = await loggedInPage(errors);
  const orderPosts = [];
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && new URL(sent.url()).pathname === '/api/v1/orders') orderPosts.push(JSON.parse(sent.postData()));
  });
  await page.goto(`${worker.url}/console/orders/new`);
  await page.locator('[data-testid=order-form]').waitFor();
  await page.selectOption('[data-testid=profile]', 'smime_organization_multipurpose');
  await page.fill('[data-testid="recipients[0].email"]', 'eve@acme.example.com');
  await page.check('[data-testid=csr-now-0]');
  // Carl's key, certified in the journey, asked for another subject: the page's pre-check accepts it (it cannot
  // know), the Worker's key-reuse check refuses it, and the page shows that beside the request.
  const reused = openssl(['req', '-new', '-key', join(directory, 'carl.key'), '-subj', '/CN=eve']);
  await page.fill('[data-testid="recipients[0].csr"]', reused);
  await page.locator('[data-testid=csr-accepted-0]').waitFor();
  await page.check('[data-testid=agreement]');
  await page.click('[data-testid=order-submit]');
  const refusal = page.locator('[data-testid="error-recipients[0].csr"]');
  await refusal.waitFor();
  assert.equal(await refusal.getAttribute('data-field'), 'recipients[0].csr');
  assert.equal(orderPosts.length, 1);
  assert.equal(new URL(page.url()).pathname, '/console/orders/new');

  // The recipient gets a KeyGen link instead; the same form's retry carries the same idempotency key.
  await page.check('[data-testid=csr-later-0]');
  await page.click('[data-testid=order-submit]');
  await page.waitForURL(/\/console\/orders\/(?!new$)[^/]+$/, { timeout: 30_000 });
  assert.equal(orderPosts.length, 2);
  assert.equal(orderPosts[1].idempotency_key, orderPosts[0].idempotency_key);
  const orderId = new URL(page.url()).pathname.split('/').pop();

  // Resend the recipient's link: a second enrollment email; then cancel the order.
  await page.locator('[data-testid=resend-0]').click();
  await page.locator('[data-testid=action-done]').waitFor();
  const links = (await mailTo('eve@acme.example.com')).filter((message) => /\/enroll\//.test(message.body));
  assert.equal(links.length, 2);
  await page.locator('[data-testid=cancel-order]').first().click();
  await page.locator('[data-testid=order][data-state=cancelled]').waitFor();

  // The history's state filter.
  await page.goto(`${worker.url}/console/orders`);
  await page.locator('[data-testid=order-row]').first().waitFor();
  assert.equal(await page.locator('[data-testid=order-row]').count(), 2);
  await page.selectOption('[data-testid=status-filter]', 'cancelled');
  await page.locator(`[data-testid=order-row][data-id="${orderId}"][data-state=cancelled]`).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=order-row]').length === 1);
  await page.selectOption('[data-testid=status-filter]', 'completed');
  await page.waitForFunction((id) => {
    const rows = [...document.querySelectorAll('[data-testid=order-row]')];
    return rows.length === 1 && rows[0].dataset.id !== id && rows[0].dataset.state === 'completed';
  }, orderId);

  // In French, the same pages.
  await page.click('[data-testid=lang-fr]');
  assert.equal((await page.locator('[data-testid=nav-orders]').textContent()).trim(), 'Commandes');
  await page.goto(`${worker.url}/console/orders/new`);
  await page.locator('[data-testid=order-form]').waitFor();
  assert.equal((await page.locator('[data-testid=order-submit]').textContent()).trim(), 'Passer la commande');
  assert.deepEqual(errors, []);
  await context.close();
});

test('mailboxes at public providers are validated by a link to themselves; device profiles ask for host names under a validated domain', { timeout: 120_000 }, async () => {
  const errors = [];
  const { context, page } = await loggedInPage(errors);
  await page.click('[data-testid=nav-mailboxes]');
  await page.waitForURL(`${worker.url}/console/mailboxes`);
  await page.fill('[data-testid=mailbox-email]', 'frank@acme.example.com');
  const refusal = page.locator('[data-testid=error-email]');
  await refusal.waitFor();
  assert.equal(await refusal.getAttribute('data-code'), 'mailbox_not_public_provider');
  await page.fill('[data-testid=mailbox-email]', 'frank@gmail.com');
  assert.equal(await refusal.count(), 0);
  await page.click('[data-testid=mailbox-submit]');
  await page.locator('[data-testid=mailbox][data-email="frank@gmail.com"] [data-testid=state][data-state=pending]').waitFor();
  // A new link replaces the first: the first then reads as replaced.
  const linkIn = (mail) => mail.body.match(/(http\S+\/validate\/[A-Za-z0-9_-]{43})\n/)[1];
  const [first] = (await mailTo('frank@gmail.com')).map(linkIn);
  await page.locator('[data-testid=mailbox][data-email="frank@gmail.com"] [data-testid=mailbox-resend]').click();
  let link;
  for (let attempt = 0; attempt < 20 && !link; attempt += 1) {
    link = (await mailTo('frank@gmail.com')).map(linkIn).find((candidate) => candidate !== first);
    if (!link) await page.waitForTimeout(250);
  }
  assert.ok(link, 'a second link was sent');
  const visitor = await context.newPage();
  await visitor.goto(first);
  await visitor.locator('[data-testid=validation-link][data-state=replaced]').waitFor();
  await visitor.goto(link);
  await visitor.locator('[data-testid=validation-link][data-state=pending]').waitFor();
  assert.match(await visitor.locator('[data-testid=link-subject]').textContent(), /frank@gmail\.com/);
  await visitor.locator('[data-testid=confirm]').click();
  await visitor.locator('[data-testid=validation-link][data-state=used]').waitFor();
  await page.reload();
  await page.locator('[data-testid=mailbox][data-email="frank@gmail.com"] [data-testid=state][data-state=validated]').waitFor();
  assert.equal(await page.locator('[data-testid=mailbox][data-email="frank@gmail.com"] [data-testid=mailbox-resend]').count(), 0);

  await page.goto(`${worker.url}/console/orders/new`);
  await page.locator('[data-testid=order-form]').waitFor();
  await page.selectOption('[data-testid=profile]', 'client_auth_workstation');
  await page.fill('[data-testid="recipients[0].email"]', 'ops@acme.example.com');
  await page.fill('[data-testid="recipients[0].dns_names"]', 'pc1.elsewhere.example.com');
  await page.locator('[data-testid="error-recipients[0].dns_names"]').waitFor();
  await page.fill('[data-testid="recipients[0].dns_names"]', 'pc1.dns.example.com');
  await page.waitForFunction(() => !document.querySelector('[data-testid="error-recipients[0].dns_names"]'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the history pages by 20, newest first', { timeout: 120_000 }, async () => {
  const session = await login(worker, ADMIN, PASSWORD);
  const [{ id: organization }] = (await api('/organizations', { headers: session })).json().organizations;
  const before = (await api('/orders', { headers: session })).json().orders.length;
  const placed = [];
  for (let index = before; index < 21; index += 1) {
    const answer = await api('/orders', { method: 'POST', headers: session, body: JSON.stringify({
      profile: 'smime_organization_multipurpose', organization_id: organization, signature_hash: 'sha256',
      validity: { kind: 'years', years: 1 }, recipients: [{ email: `page${index}@acme.example.com` }],
      payment: { kind: 'contract', reference: 'PO-HISTORY' }, subscriber_agreement: '2026-12-01',
      idempotency_key: `journey-history-${index}-key`,
    }) });
    assert.equal(answer.status, 201, answer.text());
    placed.push(answer.json().id);
  }
  const errors = [];
  const { context, page } = await loggedInPage(errors);
  await page.goto(`${worker.url}/console/orders`);
  await page.locator('[data-testid=order-row]').first().waitFor();
  assert.equal(await page.locator('[data-testid=order-row]').count(), 20);
  assert.equal(await page.locator('[data-testid=order-row]').first().getAttribute('data-id'), placed.at(-1));
  assert.equal(await page.isDisabled('[data-testid=previous-page]'), true);
  await page.click('[data-testid=next-page]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=order-row]').length === 1);
  assert.equal(await page.isDisabled('[data-testid=next-page]'), true);
  await page.click('[data-testid=previous-page]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=order-row]').length === 20);
  // The order number finds one order.
  await page.fill('[data-testid=search]', placed[0]);
  await page.click('[data-testid=search-submit]');
  await page.waitForFunction((id) => {
    const rows = [...document.querySelectorAll('[data-testid=order-row]')];
    return rows.length === 1 && rows[0].dataset.id === id;
  }, placed[0]);
  assert.deepEqual(errors, []);
  await context.close();
});
