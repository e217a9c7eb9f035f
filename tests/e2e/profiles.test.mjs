// What the CA issues, judged by tools no one here wrote: for every profile of the catalogue and every key type,
// a certificate issued by the real Worker passes pkilint (the S/MIME Baseline Requirements linter for S/MIME
// profiles, the RFC 5280 linter for the others) with no error-level finding, states what its profile says
// (subject, SANs, key usage, extended key usage, policy, validity cap), and verifies with OpenSSL for its purpose
// against the root, the issuing CA and the CRL, all fetched from the Worker's public repository URLs stated in
// the certificate. The CRL passes pkilint's CRL linter. Certificates download in four formats. Server certificates
// also pass pkilint's TLS Baseline Requirements linter with no error-level finding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startWorker, seed, http, openssl, scratch, writeTemp, launchBrowser, pkilint, pkilintFindings as findings,
} from './harness.mjs';

/** KEYWARD_REPOSITORY_URL in edge/wrangler.toml: the stable base URL certificates state. */
const REPOSITORY = 'http://pki.keyward.example.com';

/** Fetches a repository document by the path of the URL a certificate states, from the Worker under test. */
async function fetchDer(url, directory, name) {
  const response = await http(`${worker.url}${new URL(url).pathname}`);
  assert.equal(response.status, 200, url);
  const path = join(directory, name);
  writeFileSync(path, response.body);
  return path;
}

const KEYS = [
  ['rsa2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
  ['rsa3072', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072']],
  ['rsa4096', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096']],
  ['ecdsa_p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['ecdsa_p384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
  ['ed25519', ['-algorithm', 'ED25519']],
];

/** The key types a profile offers: Ed25519 in the S/MIME profiles only. */
const keyTypesOf = (profile) => KEYS.map(([keyType]) => keyType).filter((keyType) => keyType !== 'ed25519' || profile.lint === 'smime');

let worker;
/** One key per type, made once: RSA 4096 takes OpenSSL seconds, and every profile reuses it. */
const keys = {};

const ORGANIZATION = 'C=GB, O=Example Org, organizationIdentifier=NTRGB-12345678';
const SMIME_KEY_USAGE = { rsa: 'Digital Signature, Key Encipherment', ec: 'Digital Signature, Key Agreement', ed: 'Digital Signature' };
const STRICT = 'E-mail Protection';
const MULTIPURPOSE = 'E-mail Protection, TLS Web Client Authentication';

/**
 * The catalogue as the certificates must show it (`shared/src/profile.rs`). `order(hostLabel)` gives the seed's
 * arguments, `subject` the expected subject (OpenSSL's one-line form, spaces around "=" removed) and `san` the
 * expected subject alternative names; `days` is the validity the certificate must have when 365 are ordered.
 */
const PROFILES = [
  {
    id: 'smime_mailbox_strict', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.1.3', eku: STRICT, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: 'Grace Hopper', email: `grace.${label}@example.com` }),
    subject: (label) => `CN=grace.${label}@example.com`, san: (label) => [`email:grace.${label}@example.com`], days: 365,
  },
  {
    id: 'smime_mailbox_multipurpose', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.1.2', eku: MULTIPURPOSE, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: null, email: `grace.${label}@example.com` }),
    subject: (label) => `CN=grace.${label}@example.com`, san: (label) => [`email:grace.${label}@example.com`], days: 365,
  },
  {
    id: 'smime_organization_strict', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.2.3', eku: STRICT, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: 'Grace Hopper', email: `info.${label}@example.com` }),
    subject: () => `${ORGANIZATION}, CN=Example Org`, san: (label) => [`email:info.${label}@example.com`], days: 365,
  },
  {
    id: 'smime_organization_multipurpose', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.2.2', eku: MULTIPURPOSE, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: null, email: `info.${label}@example.com` }),
    subject: () => `${ORGANIZATION}, CN=Example Org`, san: (label) => [`email:info.${label}@example.com`], days: 365,
  },
  {
    id: 'smime_sponsor_strict', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.3.3', eku: STRICT, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: 'Grace Hopper', email: `grace.${label}@example.com` }),
    subject: () => `${ORGANIZATION}, GN=Grace, SN=Hopper, CN=Grace Hopper`, san: (label) => [`email:grace.${label}@example.com`], days: 365,
  },
  {
    id: 'smime_sponsor_multipurpose', lint: 'smime', purpose: 'smimesign', policy: '2.23.140.1.5.3.2', eku: MULTIPURPOSE, keyUsage: SMIME_KEY_USAGE,
    order: (label) => ({ name: 'Grace Hopper', email: `grace.${label}@example.com`, profile: null }),
    subject: () => `${ORGANIZATION}, GN=Grace, SN=Hopper, CN=Grace Hopper`, san: (label) => [`email:grace.${label}@example.com`], days: 365,
    downloads: true,
  },
  {
    id: 'client_auth_workstation', lint: 'pkix', purpose: 'sslclient', policy: '1.3.6.1.4.1.32473.1.1.1',
    eku: 'TLS Web Client Authentication',
    keyUsage: { rsa: 'Digital Signature, Key Encipherment, Data Encipherment', ec: 'Digital Signature' },
    order: (label) => ({ name: 'Grace Hopper', email: `it.${label}@example.com`, dnsNames: [`ws-${label}.corp.example.com`] }),
    subject: (label) => `C=GB, O=Example Org, CN=ws-${label}.corp.example.com`, san: (label) => [`DNS:ws-${label}.corp.example.com`],
    days: 365,
  },
  {
    id: 'server_auth', lint: 'pkix', purpose: 'sslserver', policy: '2.23.140.1.2.2', eku: 'TLS Web Server Authentication',
    keyUsage: { rsa: 'Digital Signature, Key Encipherment', ec: 'Digital Signature' },
    order: (label) => ({ name: null, email: `ops.${label}@example.com`, dnsNames: [`www.${label}.example.com`, `${label}.example.com`] }),
    // TLS BR 7.1.2.7.4: the organization with where it is, the demo organization's city and region, in the order
    // of TLS BR 7.1.4.2.
    subject: (label) => `C=GB, ST=Greater London, L=London, O=Example Org, CN=www.${label}.example.com`,
    san: (label) => [`DNS:www.${label}.example.com`, `DNS:${label}.example.com`],
    // One day under TLS BR 6.3.2 (ballot SC-081v3): 199 days from 2026-03-15, 99 from 2027-03-15, 46 from 2029-03-15.
    days: Date.now() < Date.UTC(2026, 2, 15) ? 365 : Date.now() < Date.UTC(2027, 2, 15) ? 199 : Date.now() < Date.UTC(2029, 2, 15) ? 99 : 46,
    // Also judged by pkilint's TLS Baseline Requirements linter, with no error-level finding either.
    tls: true,
  },
];

/** Warnings and notices pkilint reported, per profile: printed at the end for whoever reads the run. */
const lintNotes = new Map();
after(() => {
  for (const [profile, notes] of lintNotes) {
    console.log(`pkilint ${profile}: ${notes.size === 0 ? 'no warning' : [...notes].join('; ')}`);
  }
});

/** The lines of `openssl x509 -text` that follow the given extension's heading. */
function extension(text, heading) {
  const match = text.match(new RegExp(`${heading}:(?: critical)? *\\n\\s+(.+)`));
  return match?.[1].trim();
}

before(async () => {
  // One key per profile and key type: Keyward refuses to certify a key already certified for another subject.
  const directory = scratch('profile-keys');
  for (const profile of PROFILES) {
    for (const [keyType, algorithm] of KEYS.filter(([keyType]) => keyTypesOf(profile).includes(keyType))) {
      const name = `${profile.id}.${keyType}`;
      keys[name] = join(directory, `${name}.pem`);
      openssl(['genpkey', ...algorithm, '-out', keys[name]]);
    }
  }
  worker = await startWorker();
});
after(async () => { await worker?.stop(); });

for (const profile of PROFILES) {
  for (const keyType of keyTypesOf(profile)) {
    test(`${profile.id} for a ${keyType} key: pkilint finds no error, the certificate says what the profile says and verifies`, async (t) => {
      const label = keyType.replace('_', '-');
      const directory = scratch(`profile-${profile.id}-${keyType}`);
      const csr = openssl(['req', '-new', '-key', keys[`${profile.id}.${keyType}`], '-subj', '/CN=ignored by the CA']);
      const order = profile.order(label);
      const link = await seed(worker, order.name, order.email,
        { profile: order.profile === null ? undefined : profile.id, dnsNames: order.dnsNames });
      const view = await http(link.replace('/enroll/', '/api/v1/enrollments/'));
      assert.equal(view.json().profile, profile.id);
      assert.deepEqual(view.json().dns_names, order.dnsNames ?? []);
      const response = await http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });
      assert.equal(response.status, 201, response.text());
      const issued = response.json();
      const leaf = writeTemp(directory, 'leaf.pem', issued.certificate);

      const report = profile.lint === 'smime'
        ? pkilint('lint_cabf_smime_cert', ['lint', '-d', leaf])
        : pkilint('lint_pkix_cert', ['lint', leaf]);
      assert.deepEqual(findings(report, ['FATAL', 'ERROR']), [], 'pkilint error-level findings');
      const notes = lintNotes.get(profile.id) ?? new Set();
      for (const finding of findings(report, ['WARNING'])) notes.add(finding);
      if (profile.tls) {
        const tls = pkilint('lint_cabf_serverauth_cert', ['lint', '-d', leaf]);
        assert.deepEqual(findings(tls, ['FATAL', 'ERROR']), [], 'pkilint TLS BR error-level findings');
        for (const finding of findings(tls, ['WARNING'])) notes.add(`TLS BR: ${finding}`);
      }
      lintNotes.set(profile.id, notes);

      const text = openssl(['x509', '-in', leaf, '-noout', '-text']);
      const subject = text.match(/Subject: (.+)/)[1].replace(/ = /g, '=');
      assert.equal(subject, profile.subject(label));
      assert.deepEqual(extension(text, 'X509v3 Subject Alternative Name').split(', '), profile.san(label));
      assert.equal(extension(text, 'X509v3 Key Usage'), keyType.startsWith('rsa') ? profile.keyUsage.rsa
        : keyType === 'ed25519' ? profile.keyUsage.ed : profile.keyUsage.ec);
      assert.match(text, /X509v3 Key Usage: critical/);
      assert.equal(extension(text, 'X509v3 Extended Key Usage'), profile.eku);
      assert.equal(extension(text, 'X509v3 Certificate Policies'), `Policy: ${profile.policy}`);
      assert.doesNotMatch(text, /ignored by the CA/);
      const notBefore = Date.parse(text.match(/Not Before: (.+)/)[1]);
      const notAfter = Date.parse(text.match(/Not After : (.+)/)[1]);
      assert.equal(Math.round((notAfter - notBefore + 1000) / 86_400_000), profile.days, 'validity in days');

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
      const hostname = order.dnsNames ? ['-verify_hostname', order.dnsNames.at(-1)] : ['-verify_email', order.email];
      assert.match(openssl(['verify', '-crl_check', '-CRLfile', join(directory, 'crl.pem'), '-CAfile', join(directory, 'root.pem'),
        '-untrusted', join(directory, 'issuing.pem'), '-purpose', profile.purpose, ...hostname, leaf]), /: OK/);

      if (profile.downloads) await checkDownloads(issued, leaf, directory);
      t.diagnostic(`serial ${issued.serial}`);
      rmSync(directory, { recursive: true, force: true });
    });
  }
}

/** The certificate downloads in four formats, each read back by OpenSSL as the same certificate(s). */
async function checkDownloads(issued, leaf, directory) {
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
}

test('the enrollment page names every profile, what its certificate will name, and offers its key types', async () => {
  const names = {
    smime_mailbox_strict: 'Secure Email (S/MIME), mailbox-validated, strict',
    smime_mailbox_multipurpose: 'Secure Email (S/MIME), mailbox-validated',
    smime_organization_strict: 'Secure Email (S/MIME), organization-validated, strict',
    smime_organization_multipurpose: 'Secure Email (S/MIME), organization-validated',
    smime_sponsor_strict: 'Secure Email (S/MIME), sponsor-validated, strict',
    smime_sponsor_multipurpose: 'Secure Email (S/MIME), sponsor-validated',
    client_auth_workstation: 'Client authentication, workstation',
    server_auth: 'Server authentication (TLS), organization-validated',
  };
  assert.deepEqual(Object.keys(names), PROFILES.map((profile) => profile.id));
  const browser = await launchBrowser();
  try {
    for (const profile of PROFILES) {
      const order = profile.order('page');
      const link = await seed(worker, order.name, order.email, { profile: profile.id, dnsNames: order.dnsNames });
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(link);
      await page.locator('[data-testid=generate]').waitFor();
      assert.equal(await page.locator('[data-testid=profile-name]').textContent(), names[profile.id]);
      const subject = profile.subject('page');
      assert.equal(await page.locator('[data-testid=recipient-name]').textContent(), subject.match(/CN=(.+)$/)[1]);
      assert.equal(await page.locator('[data-testid=recipient-email]').textContent(), order.email);
      assert.equal(await page.locator('[data-testid=dns-names]').count(), order.dnsNames ? 1 : 0);
      if (order.dnsNames) assert.equal(await page.locator('[data-testid=dns-names]').textContent(), order.dnsNames.join(', '));
      const offered = await page.locator('[data-testid=key-type] option').evaluateAll((options) => options.map((option) => option.value));
      assert.deepEqual(offered, keyTypesOf(profile));
      // Where a key type is held back, the page says why.
      assert.equal(await page.locator('[data-testid=key-types-why]').count(), profile.lint === 'smime' ? 0 : 1, profile.id);
      if (profile.id === 'server_auth') {
        // A whole browser enrollment for a device profile: WebCrypto key, CSR, issuance.
        await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
        await page.locator('[data-testid=generate]').click();
        await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
        const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
        const pem = await http(`${worker.url}/api/v1/certificates/${serial}/pem`);
        const text = openssl(['x509', '-noout', '-text'], pem.body);
        assert.match(text, /DNS:www\.page\.example\.com, DNS:page\.example\.com/);
        assert.match(text, /TLS Web Server Authentication/);
      }
      assert.deepEqual(errors, []);
      await context.close();
    }
  } finally {
    await browser.close();
  }
});

test('an order missing what its profile needs is refused at seeding, naming the field', async () => {
  const refused = async (body, code, field) => {
    const response = await http(`${worker.url}/api/v1/dev/seed`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(response.status, 422, response.text());
    assert.deepEqual([response.json().error.code, response.json().error.field], [code, field], JSON.stringify(body));
  };
  await refused({ profile: 'server_auth', recipient_email: 'ops@example.com' }, 'dns_name_missing', 'dns_names');
  await refused({ profile: 'client_auth_workstation', recipient_email: 'it@example.com', dns_names: ['WS_1.example.com'] },
    'dns_name_invalid', 'dns_names');
  await refused({ profile: 'server_auth', recipient_email: 'ops@example.com', dns_names: ['intranet'] }, 'dns_name_invalid', 'dns_names');
  await refused({ profile: 'smime_sponsor_strict', recipient_email: 'a@example.com', recipient_given_name: 'Ada' },
    'surname_missing', 'recipient_surname');
  await refused({ recipient_email: 'a@example.com' }, 'surname_missing', 'recipient_surname');
  await refused({ profile: 'smime_mailbox_strict', recipient_email: 'a@example.com', dns_names: ['www.example.com'] },
    'dns_names_not_allowed', 'dns_names');
  await refused({ profile: 'smime_mailbox_strict', recipient_email: 'not-an-address' }, 'email_invalid', 'recipient_email');
  const unknown = await http(`${worker.url}/api/v1/dev/seed`, { method: 'POST', body: JSON.stringify({ profile: 'smime', recipient_email: 'a@example.com' }) });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json().error.field, 'body');
});

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

test('the root CA CRL (an ARL, signed offline) passes pkilint\'s BR lint: valid at most 365 days', async () => {
  const directory = scratch('arl');
  const arl = await fetchDer(`${REPOSITORY}/crl/root.crl`, directory, 'root.crl');
  const report = pkilint('lint_crl', ['lint', '-t', 'ARL', '-p', 'BR', arl]);
  assert.deepEqual(findings(report, ['FATAL', 'ERROR']), [], 'pkilint error-level findings on the ARL');
});

test('the policy endpoint lists every profile with what the issued certificates show', async () => {
  const response = await http(`${worker.url}/api/v1/policy`);
  assert.equal(response.status, 200);
  const policy = response.json();
  assert.deepEqual(policy.profiles.map((profile) => profile.id), PROFILES.map((profile) => profile.id));
  for (const profile of PROFILES) {
    const listed = policy.profiles.find((entry) => entry.id === profile.id);
    assert.deepEqual(listed.policy_oids, [profile.policy], profile.id);
    assert.deepEqual(listed.key_types, keyTypesOf(profile), profile.id);
    assert.ok(listed.max_validity_days >= 1 && listed.max_validity_days <= 825, profile.id);
  }
  assert.equal(policy.keys.rsa_minimum_bits, 2048);
  assert.deepEqual(policy.keys.curves, ['P-256', 'P-384']);
});
