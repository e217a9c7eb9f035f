// Mutual TLS for real: a client-authentication certificate issued by Keyward opens an nginx (Debian's, on
// 127.0.0.1) that requires client certificates and trusts Keyward's chain, with `curl --cert`. After the CA
// revokes it and nginx reloads the CRLs fetched from the Worker, the same handshake is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, seed, http, openssl, scratch, writeTemp, caAdministrator } from './harness.mjs';
import { startMtlsNginx } from './nginx.mjs';

let worker;
let nginx;
let directory;
before(async () => {
  worker = await startWorker();
  directory = scratch('mtls');
});
after(async () => {
  nginx?.stop();
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** A repository document from the Worker, converted to PEM by OpenSSL. */
async function fetchPem(path, kind) {
  const response = await http(`${worker.url}${path}`);
  assert.equal(response.status, 200, path);
  const der = writeTemp(directory, `${path.replaceAll('/', '_')}.der`, response.body);
  return openssl([kind, '-inform', 'DER', '-in', der]);
}

/** Both CRLs, as nginx's ssl_crl wants them: nginx checks every certificate of the chain (CRL_CHECK_ALL). */
async function crls() {
  return `${await fetchPem('/crl/issuing.crl', 'crl')}${await fetchPem('/crl/root.crl', 'crl')}`;
}

test('a Keyward client certificate opens an nginx that requires one, until it is revoked', async () => {
  // The client: a key made here, certified by the real Worker (the sponsor-validated multipurpose profile
  // asserts clientAuth).
  const csr = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, 'client.key'), '-subj', '/CN=mtls']);
  const link = await seed(worker, 'Barbara Liskov', 'barbara@example.com');
  const issued = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
  assert.equal(issued.status, 201, issued.text());
  const { serial, certificate } = issued.json();
  writeFileSync(join(directory, 'client.pem'), certificate);

  // The server: its own throwaway TLS certificate; it trusts Keyward's root and issuing CA for clients.
  const ca = `${await fetchPem('/ca/issuing.crt', 'x509')}${await fetchPem('/ca/root.crt', 'x509')}`;
  nginx = await startMtlsNginx(join(directory, 'nginx'), { ca, crl: await crls() });
  const client = { cert: join(directory, 'client.pem'), key: join(directory, 'client.key') };

  const without = nginx.curl();
  assert.equal(without.status, 400, 'no client certificate, no entry');
  assert.match(without.body, /No required SSL certificate was sent/);
  const accepted = nginx.curl(client);
  assert.equal(accepted.status, 200, `${accepted.body}${accepted.error}`);
  assert.match(accepted.body, /CN=Barbara Liskov/);

  const revoked = await http(`${worker.url}/api/v1/certificates/${serial}/revocation`, {
    method: 'POST', body: JSON.stringify({ reason: 'key_compromise' }), headers: await caAdministrator(worker),
  });
  assert.equal(revoked.status, 200, revoked.text());
  await nginx.reload({ crl: await crls() });
  const refused = nginx.curl(client);
  assert.equal(refused.status, 400, `${refused.body}${refused.error}`);
  assert.match(refused.body, /The SSL certificate error/);
  assert.match(readFileSync(join(nginx.site, 'logs', 'error.log'), 'utf8'), /certificate revoked/);
});
