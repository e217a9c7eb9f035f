// Mail scanners: links in emails get fetched (GET and HEAD, often several times) by security gateways before the
// person clicks. Every kind of emailed link (enrollment, password reset, domain validation, mailbox validation)
// is fetched repeatedly, page and API, and each must still work afterwards, exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, http, createAccount, login, seed, passwordKey, openssl } from './harness.mjs';

let worker;
const PASSWORD = 'correct horse battery staple';
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

const api = (path, options = {}) => http(`${worker.url}/api/v1${path}`, options);
async function linkIn(address, kind) {
  const { messages } = (await api('/dev/mailbox')).json();
  const message = messages.find((candidate) => candidate.to === address && candidate.body.includes(`/${kind}/`));
  assert.ok(message, `no ${kind} link to ${address}`);
  const match = message.body.match(new RegExp(`http://\\S+/${kind}/([A-Za-z0-9_-]{43})`));
  return { page: match[0], token: match[1] };
}
async function scan(page, apiPath) {
  for (let round = 0; round < 3; round += 1) {
    for (const method of ['GET', 'HEAD']) {
      const response = await http(page, { method });
      assert.equal(response.status, 200, `${method} ${page}`);
      const read = await http(`${worker.url}${apiPath}`, { method });
      assert.ok([200, 405].includes(read.status), `${method} ${apiPath}: ${read.status}`);
    }
  }
}

test('GET and HEAD on every kind of link, repeatedly, spend nothing; the explicit POST spends it once', async () => {
  await createAccount(worker, { name: 'Scan', users: [{ email: 'admin@scan.example.com', password: PASSWORD }] });
  const admin = await login(worker, 'admin@scan.example.com', PASSWORD);

  const enrollment = (await seed(worker, 'Scanned Person', 'scanned@scan.example.com')).split('/enroll/')[1];
  await scan(`${worker.url}/enroll/${enrollment}`, `/api/v1/enrollments/${enrollment}`);

  assert.equal((await api('/password-resets', { method: 'POST', body: JSON.stringify({ email: 'admin@scan.example.com' }) })).status, 202);
  const reset = await linkIn('admin@scan.example.com', 'reset');
  await scan(reset.page, `/api/v1/password-resets/${reset.token}`);

  const domain = await api('/domains', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'scan.example.com', method: 'constructed_email', address: 'hostmaster@scan.example.com' }) });
  assert.equal(domain.status, 201, domain.text());
  const domainLink = await linkIn('hostmaster@scan.example.com', 'validate');
  await scan(domainLink.page, `/api/v1/validations/${domainLink.token}`);

  const mailbox = await api('/mailboxes', { method: 'POST', headers: admin, body: JSON.stringify({ email: 'scanned.person@gmail.com' }) });
  assert.equal(mailbox.status, 201, mailbox.text());
  const mailboxLink = await linkIn('scanned.person@gmail.com', 'validate');
  await scan(mailboxLink.page, `/api/v1/validations/${mailboxLink.token}`);

  // Nothing was spent: each link works now, once.
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=x']);
  const posts = [
    [`/enrollments/${enrollment}`, { csr }],
    [`/password-resets/${reset.token}`, { new_password_key: await passwordKey('admin@scan.example.com', 'a new scanned password') }],
    [`/validations/${domainLink.token}`, {}],
    [`/validations/${mailboxLink.token}`, {}],
  ];
  for (const [path, body] of posts) {
    const first = await api(path, { method: 'POST', body: JSON.stringify(body) });
    assert.ok(first.status >= 200 && first.status < 300, `${path}: ${first.status} ${first.text()}`);
    const second = await api(path, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(second.status, 409, `${path} again: ${second.text()}`);
  }
});
