// Pre-issuance linting in the real Worker (S/MIME BR 4.3.1.2). The development build of the Worker (feature
// `lint-probe`, which `development` enables; never shipped) knows one extra profile, `lint_probe`:
// `shared::lint::BROKEN_PROFILE`, a mailbox-validated S/MIME profile with serverAuth in its extended key usages and
// keyEncipherment on elliptic-curve keys. An order stored with it must be refused by both linters, Keyward's own
// and pkilint's REST API, before the issuing key signs anything; the same Worker still issues under every real
// profile. Without pkilint the suite cannot prove the second linter, so it refuses to run without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, seed, http, openssl, scratch } from './harness.mjs';

let worker;
let directory;
before(async () => {
  assert.ok(process.env.KEYWARD_LINT_URL, 'KEYWARD_LINT_URL is not set: run the suites through `cargo xtask test`, which starts pkilint');
  worker = await startWorker();
  directory = scratch('lint-probe');
});
after(async () => {
  await worker?.stop();
  rmSync(directory, { recursive: true, force: true });
});

let keys = 0;
function request() {
  keys += 1;
  return openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(directory, `key${keys}.pem`), '-subj', '/CN=ignored']);
}
const submit = (link, csr) => http(link.replace('/enroll/', '/api/v1/enrollments/'), { method: 'POST', body: JSON.stringify({ csr }) });

test('the broken profile is refused by both linters: nothing signed, the link open, the findings audited', async () => {
  const link = await seed(worker, null, 'probe@example.com', { profile: 'smime_mailbox_strict' });
  await worker.query(`UPDATE orders SET profile = 'lint_probe', version = version + 1 WHERE id = (SELECT r.order_id FROM recipients r WHERE r.email = 'probe@example.com')`);
  const refused = await submit(link, request());
  assert.equal(refused.status, 500, refused.text());
  const { error } = refused.json();
  assert.equal(error.code, 'lint_refused');
  assert.match(error.message, /nothing was signed/);
  const [{ detail }] = await worker.query("SELECT detail FROM audit_log WHERE action = 'certificate.refused'");
  const findings = JSON.parse(detail).findings.filter((finding) => finding.severity === 'error');
  const by = (linter) => findings.filter((finding) => finding.linter === linter).map((finding) => finding.code);
  // A P-256 key: both defects show (serverAuth in an S/MIME EKU; keyEncipherment on an EC key).
  assert.deepEqual(by('keyward').sort(), ['keyward.eku_prohibited', 'keyward.key_usage_not_allowed'], JSON.stringify(findings));
  assert.ok(by('pkilint').length > 0, `pkilint refuses: ${JSON.stringify(findings)}`);
  assert.ok(by('pkilint').some((code) => /eku/i.test(code)), `pkilint names the serverAuth EKU: ${by('pkilint')}`);
  const [{ n }] = await worker.query('SELECT COUNT(*) AS n FROM certificates');
  assert.equal(n, 0, 'nothing was issued');
  const status = (await http(link.replace('/enroll/', '/api/v1/enrollments/'))).json().status;
  assert.equal(status.state, 'open', 'the link stays open');
});

test('the same Worker issues under a real profile, with both linters consulted and finding no error', async () => {
  const link = await seed(worker, null, 'fine@example.com', { profile: 'smime_mailbox_strict' });
  const issued = await submit(link, request());
  assert.equal(issued.status, 201, issued.text());
  const [{ detail }] = await worker.query(`SELECT detail FROM audit_log WHERE action = 'certificate.issued' AND subject_id = '${issued.json().serial}'`);
  const lint = JSON.parse(detail).lint;
  assert.ok(lint.every((finding) => finding.severity !== 'error'), JSON.stringify(lint));
  assert.ok(lint.some((finding) => finding.linter === 'pkilint'), 'pkilint was asked (its notices are kept)');
});
