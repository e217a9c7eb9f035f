// Mutual TLS for real: a client-authentication certificate issued by Keyward opens an nginx (Debian's, on
// 127.0.0.1) that requires client certificates and trusts Keyward's chain, with `curl --cert`. After the CA
// revokes it and nginx reloads the CRLs fetched from the Worker, the same handshake is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, seed, http, openssl, scratch, writeTemp, caAdministrator } from './harness.mjs';

let worker;
let nginx;
let directory;
before(async () => {
  worker = await startWorker();
  directory = scratch('mtls');
});
after(async () => {
  nginx?.kill('SIGTERM');
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
async function writeCrls() {
  writeFileSync(join(directory, 'crl.pem'), `${await fetchPem('/crl/issuing.crl', 'crl')}${await fetchPem('/crl/root.crl', 'crl')}`);
}

function curl(withCertificate) {
  const args = ['--silent', '--show-error', '--max-time', '10', '--cacert', join(directory, 'server.pem'),
    '--write-out', '\n%{http_code}', `https://127.0.0.1:${nginx.port}/`];
  if (withCertificate) args.unshift('--cert', join(directory, 'client.pem'), '--key', join(directory, 'client.key'));
  const result = spawnSync('curl', args, { encoding: 'utf8' });
  const lines = result.stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n'), error: result.stderr };
}

async function startNginx() {
  const port = 20000 + Math.floor(Math.random() * 2000);
  for (const name of ['logs', 'temp']) mkdirSync(join(directory, name), { recursive: true });
  const temp = join(directory, 'temp');
  writeFileSync(join(directory, 'nginx.conf'), `
daemon off;
pid ${join(directory, 'nginx.pid')};
error_log ${join(directory, 'logs', 'error.log')} info;
events {}
http {
  access_log off;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${join(directory, 'server.pem')};
    ssl_certificate_key ${join(directory, 'server.key')};
    ssl_client_certificate ${join(directory, 'ca.pem')};
    ssl_verify_client on;
    ssl_verify_depth 2;
    ssl_crl ${join(directory, 'crl.pem')};
    location / { default_type text/plain; return 200 "hello $ssl_client_s_dn\\n"; }
  }
}
`);
  const child = spawn('nginx', ['-p', directory, '-c', join(directory, 'nginx.conf'), '-e', join(directory, 'logs', 'error.log')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  child.port = port;
  nginx = child;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${log}${readFileSync(join(directory, 'logs', 'error.log'), 'utf8')}`);
    if (curl(false).status) return;
    if (Date.now() > deadline) throw new Error(`nginx did not answer: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function reloadNginx() {
  const pid = Number(readFileSync(join(directory, 'nginx.pid'), 'utf8'));
  const before = readFileSync(join(directory, 'logs', 'error.log'), 'utf8').length;
  process.kill(pid, 'SIGHUP');
  // The master logs when the new worker is up ("start worker process") after re-reading the configuration.
  const deadline = Date.now() + 10_000;
  while (!readFileSync(join(directory, 'logs', 'error.log'), 'utf8').slice(before).includes('start worker process')) {
    if (Date.now() > deadline) throw new Error('nginx did not reload');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
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
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', join(directory, 'server.key'), '-out', join(directory, 'server.pem'), '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1']);
  writeFileSync(join(directory, 'ca.pem'), `${await fetchPem('/ca/issuing.crt', 'x509')}${await fetchPem('/ca/root.crt', 'x509')}`);
  await writeCrls();
  await startNginx();

  const without = curl(false);
  assert.equal(without.status, 400, 'no client certificate, no entry');
  assert.match(without.body, /No required SSL certificate was sent/);
  const accepted = curl(true);
  assert.equal(accepted.status, 200, `${accepted.body}${accepted.error}`);
  assert.match(accepted.body, /hello .*CN=Barbara Liskov/);

  const revoked = await http(`${worker.url}/api/v1/certificates/${serial}/revocation`, {
    method: 'POST', body: JSON.stringify({ reason: 'key_compromise' }), headers: await caAdministrator(worker),
  });
  assert.equal(revoked.status, 200, revoked.text());
  await writeCrls();
  await reloadNginx();
  const refused = curl(true);
  assert.equal(refused.status, 400, `${refused.body}${refused.error}`);
  assert.match(refused.body, /The SSL certificate error/);
  assert.match(readFileSync(join(directory, 'logs', 'error.log'), 'utf8'), /certificate revoked/);
});
