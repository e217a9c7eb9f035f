// What the CA issues, judged by tools no one here wrote: for every key type the profile offers, a certificate
// issued by the real Worker passes pkilint's S/MIME Baseline Requirements linter with no error-level finding
// and verifies with OpenSSL against the root, the issuing CA and the CRL, all fetched from the Worker's public
// repository URLs stated in the certificate. The CRL passes pkilint's CRL linter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { startWorker, seed, http, openssl, scratch, writeTemp } from './harness.mjs';

/** KEYWARD_REPOSITORY_URL in edge/wrangler.toml: the stable base URL certificates state. */
const REPOSITORY = 'http://pki.keyward.example.com';

let worker;
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

/** A pkilint console script from the pinned virtual environment (`cargo xtask test` sets KEYWARD_PYTHON). */
function pkilint(tool, args) {
  const python = process.env.KEYWARD_PYTHON;
  assert.ok(python, 'KEYWARD_PYTHON is not set: run the suites through `cargo xtask test`, which installs pkilint');
  const result = spawnSync(join(dirname(python), tool), [...args, '-f', 'JSON', '-s', 'WARNING'], { encoding: 'utf8' });
  assert.ok(result.stdout.trim().startsWith('{') || result.stdout.trim().startsWith('['), `${tool}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Findings of a pkilint JSON report at the given severities. */
function findings(report, severities) {
  const results = report.results ?? report;
  return results.flatMap((result) => (result.finding_descriptions ?? [])
    .filter((finding) => severities.includes(finding.severity))
    .map((finding) => `${result.validator} @ ${result.node_path}: ${finding.code} (${finding.severity}) ${finding.message ?? ''}`));
}

/** Fetches a repository document by the path of the URL a certificate states, from the Worker under test. */
async function fetchDer(url, directory, name) {
  const response = await http(`${worker.url}${new URL(url).pathname}`);
  assert.equal(response.status, 200, url);
  const path = join(directory, name);
  writeFileSync(path, response.body);
  return path;
}

const KEYS = [
  ['rsa2048', ['-newkey', 'rsa:2048']],
  ['rsa3072', ['-newkey', 'rsa:3072']],
  ['rsa4096', ['-newkey', 'rsa:4096']],
  ['ecdsa_p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['ecdsa_p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
];

for (const [keyType, newKey] of KEYS) {
  test(`an S/MIME certificate for a ${keyType} key passes pkilint, verifies with the CRL and downloads in four formats`, async () => {
    const directory = scratch(`profile-${keyType}`);
    const csr = openssl(['req', '-new', ...newKey, '-nodes', '-keyout', join(directory, 'key.pem'), '-subj', '/CN=ignored by the CA']);
    const link = await seed(worker, 'Grace Hopper', `grace.${keyType}@example.com`);
    const response = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
    assert.equal(response.status, 201, response.text());
    const issued = response.json();
    const leaf = writeTemp(directory, 'leaf.pem', issued.certificate);

    const report = pkilint('lint_cabf_smime_cert', ['lint', '-d', leaf]);
    assert.deepEqual(findings(report, ['FATAL', 'ERROR']), [], 'pkilint error-level findings');

    const text = openssl(['x509', '-in', leaf, '-noout', '-text']);
    assert.match(text, /Subject: C ?= ?GB, O ?= ?Example Org, organizationIdentifier ?= ?NTRGB-12345678, GN ?= ?Grace, SN ?= ?Hopper, CN ?= ?Grace Hopper/);
    assert.doesNotMatch(text, /ignored by the CA/);
    const crlUrl = text.match(/URI:(http\S+\.crl)/)[1];
    const caIssuersUrl = text.match(/CA Issuers - URI:(http\S+)/)[1];
    assert.equal(new URL(crlUrl).origin, REPOSITORY, 'the configured repository URL, not the request origin');

    // Relying parties fetch the chain and the CRL from the URLs in the certificate.
    const issuing = await fetchDer(caIssuersUrl, directory, 'issuing.der');
    const root = await fetchDer(`${REPOSITORY}/ca/root.crt`, directory, 'root.der');
    const crl = await fetchDer(crlUrl, directory, 'issuing.crl');
    openssl(['x509', '-inform', 'DER', '-in', issuing, '-out', join(directory, 'issuing.pem')]);
    openssl(['x509', '-inform', 'DER', '-in', root, '-out', join(directory, 'root.pem')]);
    openssl(['crl', '-inform', 'DER', '-in', crl, '-out', join(directory, 'crl.pem')]);
    assert.match(openssl(['verify', '-crl_check', '-CRLfile', join(directory, 'crl.pem'), '-CAfile', join(directory, 'root.pem'),
      '-untrusted', join(directory, 'issuing.pem'), '-purpose', 'smimesign', leaf]), /: OK/);

    // The certificate downloads in four formats, each read back by OpenSSL as the same certificate(s).
    const fingerprint = (args) => openssl([...args, '-noout', '-fingerprint', '-sha256']).trim();
    const expected = fingerprint(['x509', '-in', leaf]);
    const download = async (format) => {
      const response = await http(`${worker.url}/api/v1/certificates/${issued.serial}/${format}`);
      assert.equal(response.status, 200, `${format}: ${response.text()}`);
      assert.match(response.headers['content-disposition'], new RegExp(`attachment; filename="${issued.serial}\\.`));
      return writeTemp(directory, `download.${format}`, response.body);
    };
    assert.equal(fingerprint(['x509', '-in', await download('pem')]), expected);
    assert.equal(fingerprint(['x509', '-inform', 'DER', '-in', await download('der')]), expected);
    const chain = openssl(['crl2pkcs7', '-nocrl', '-certfile', await download('chain.pem')]);
    const p7b = openssl(['pkcs7', '-inform', 'DER', '-in', await download('p7b'), '-print_certs']);
    for (const bundle of [openssl(['pkcs7', '-print_certs'], chain), p7b]) {
      assert.equal((bundle.match(/BEGIN CERTIFICATE/g) ?? []).length, 3, 'certificate, issuing CA, root');
      assert.match(bundle, /subject=C ?= ?GB, O ?= ?Example Org, .*CN ?= ?Grace Hopper/);
      assert.match(bundle, /subject=C ?= ?GB, O ?= ?Keyward Development, CN ?= ?Keyward Development Root CA/);
    }
    const missing = await http(`${worker.url}/api/v1/certificates/${'0'.repeat(32)}/pem`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'certificate_unknown');
    rmSync(directory, { recursive: true, force: true });
  });
}

test('the issuing CA CRL passes pkilint and is fresh', async () => {
  const directory = scratch('crl');
  const crl = await fetchDer(`${REPOSITORY}/crl/issuing.crl`, directory, 'issuing.crl');
  const report = pkilint('lint_crl', ['lint', '-t', 'CRL', '-p', 'BR', crl]);
  assert.deepEqual(findings(report, ['FATAL', 'ERROR']), [], 'pkilint error-level findings on the CRL');
  const text = openssl(['crl', '-inform', 'DER', '-in', crl, '-noout', '-text']);
  const lastUpdate = Date.parse(text.match(/Last Update: (.+)/)[1]);
  const nextUpdate = Date.parse(text.match(/Next Update: (.+)/)[1]);
  assert.ok(Math.abs(Date.now() - lastUpdate) < 5 * 60_000, 'signed just now');
  assert.ok(nextUpdate - lastUpdate <= 10 * 86_400_000, 'nextUpdate within ten days (S/MIME BR 4.9.7)');
  assert.match(text, /No Revoked Certificates/);
});
