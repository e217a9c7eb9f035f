// A real nginx that requires a client certificate (mTLS), for the suites that check what Keyward issued against
// it: `mtls.test.mjs` (a revoked certificate is refused after a CRL reload), `client.test.mjs` (what the native
// client wrote), `csr_explain.test.mjs` (nginx's `$ssl_client_s_dn` against the subject name panel). It listens on
// 127.0.0.1 with its own throwaway server certificate, trusts the chain it is given for clients, answers each
// request with the client's `$ssl_client_s_dn` and logs it to `logs/access.log`.
// It also holds `servedSerial` and `serving`, which the README sync recipe's tests (`inventory.test.mjs`,
// `renewal.test.mjs`) use against the plain-TLS nginx they start themselves.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, openssl } from './harness.mjs';

/** Waits until `ready()` is true, polling every `every` ms, or throws `what` after `timeout` ms. */
async function until(ready, what, { timeout = 15_000, every = 100 } = {}) {
  const deadline = Date.now() + timeout;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** The serial (lower-case hex) of the certificate nginx on `port` serves to a new connection now; '' for none. */
export function servedSerial(port) {
  const result = spawnSync('sh', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername www.alpha.example.com </dev/null 2>/dev/null | openssl x509 -noout -serial`], { encoding: 'utf8' });
  return result.stdout.trim().replace('serial=', '').toLowerCase();
}

/** How many worker processes the nginx master whose pid is in `site/nginx.pid` has now. */
function workers(site) {
  try {
    const pid = readFileSync(join(site, 'nginx.pid'), 'utf8').trim();
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).length;
  } catch {
    return 0; // not started yet, or gone
  }
}

/**
 * Waits until nginx (started from `site`, on `port`) serves `serial` and has only one worker. After a reload
 * (SIGHUP) the old worker goes on accepting connections for a moment beside the new one, so one handshake with the
 * new certificate does not mean the next one gets it: measured here, the old certificate came back on up to the
 * fourth connection after the new one was first seen. Once the old worker has exited, every connection is the new
 * worker's.
 */
export async function serving(site, port, serial, { timeout = 10_000 } = {}) {
  let last = '';
  await until(() => (last = servedSerial(port)) === serial && workers(site) === 1,
    `nginx did not settle on serial ${serial} (last served: ${last || 'nothing'}, workers: ${workers(site)})`, { timeout });
}

/**
 * Starts nginx in `site` (created): client certificates must chain to `ca` (PEM text, the issuing CA and the
 * root); with `crl` (PEM text, every CRL of the chain: nginx checks each certificate), revoked ones are refused.
 * Resolves to `{ port, site, curl, reload, stop }`:
 * - `curl({ cert, key })` (paths; nothing for no certificate) → `{ status, body, error }`, the HTTP status (0 when
 *   the handshake failed), the body (the client's `$ssl_client_s_dn`) and curl's error output;
 * - `reload({ crl })` writes the new CRLs and waits until nginx's new worker runs with them;
 * - `stop()`.
 */
export async function startMtlsNginx(site, { ca, crl } = {}) {
  for (const name of ['logs', 'temp']) mkdirSync(join(site, name), { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', join(site, 'server.key'), '-out', join(site, 'server.pem'), '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1']);
  writeFileSync(join(site, 'ca.pem'), ca);
  if (crl !== undefined) writeFileSync(join(site, 'crl.pem'), crl);
  const [port] = await freePorts(1);
  const temp = join(site, 'temp');
  const errorLog = join(site, 'logs', 'error.log');
  writeFileSync(join(site, 'nginx.conf'), `
daemon off;
pid ${join(site, 'nginx.pid')};
error_log ${errorLog} info;
events {}
http {
  log_format subject '$ssl_client_s_dn';
  access_log ${join(site, 'logs', 'access.log')} subject;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${join(site, 'server.pem')};
    ssl_certificate_key ${join(site, 'server.key')};
    ssl_client_certificate ${join(site, 'ca.pem')};
    ssl_verify_client on;
    ssl_verify_depth 2;
    ${crl === undefined ? '' : `ssl_crl ${join(site, 'crl.pem')};`}
    location / { default_type text/plain; return 200 "$ssl_client_s_dn"; }
  }
}
`);
  const child = spawn('nginx', ['-p', site, '-c', join(site, 'nginx.conf'), '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });

  const curl = ({ cert, key } = {}) => {
    const args = ['--silent', '--show-error', '--max-time', '10', '--cacert', join(site, 'server.pem'),
      '--write-out', '\n%{http_code}', `https://127.0.0.1:${port}/`];
    if (cert) args.unshift('--cert', cert, '--key', key);
    const result = spawnSync('curl', args, { encoding: 'utf8' });
    const lines = result.stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n'), error: result.stderr };
  };
  const exited = () => `nginx exited: ${output}${readFileSync(errorLog, 'utf8')}`;
  await until(() => {
    if (child.exitCode !== null) throw new Error(exited());
    return curl().status !== 0;
  }, `nginx did not answer on ${port}: ${output}`);

  const reload = async ({ crl: next }) => {
    writeFileSync(join(site, 'crl.pem'), next);
    const before = readFileSync(errorLog, 'utf8').length;
    process.kill(Number(readFileSync(join(site, 'nginx.pid'), 'utf8')), 'SIGHUP');
    // The master logs "start worker process" once the new worker runs the re-read configuration, and the old
    // workers "exiting" as they stop taking connections.
    await until(() => readFileSync(errorLog, 'utf8').slice(before).includes('start worker process'), 'nginx did not reload');
    await until(() => readFileSync(errorLog, 'utf8').slice(before).includes('exiting'), 'the old nginx worker did not stop');
  };
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
  return { port, site, curl, reload, stop };
}
