// `cargo xtask bench lighthouse` (issue 16, item 2): Lighthouse 12.2.3 (Node API) on its default mobile profile
// (a Moto G Power's screen, simulated slow 4G and 4× CPU slowdown) against the release app served by the real Worker
// (workerd, `wrangler dev`, as tests/e2e/harness.mjs starts it): the home page, an enrollment link, /revoke,
// /repackage, the login page and the order form (logged in: the session cookie goes in `extraHeaders`). Debian's
// Chromium through chrome-launcher (CHROME_PATH, else /usr/bin/chromium; nothing is downloaded), headless, a fresh
// profile. Each page is measured RUNS times; the rows give the median of the performance, accessibility and best
// practices scores and of LCP, TBT and CLS, with their targets, and the notes name every audit below full marks
// in the accessibility and best-practices categories. Writes its rows into target/bench/report.{json,md}.
//
// Lighthouse loads the pages through `edge-compression.mjs`, a local proxy that encodes the Worker's answers as
// Cloudflare's edge does in production (Brotli to a browser that offers it; `wrangler dev` alone sends Gzip): what
// the browser downloads is what production sends. `KEYWARD_LIGHTHOUSE_DIRECT=1` measures straight from `wrangler
// dev` instead (its Gzip, for comparison; the report says which). Each page's rows also give its transfer size
// (Lighthouse's `total-byte-weight`: every response's bytes on the wire, headers included), and the last run's full
// result is kept in target/bench/lighthouse/<page>.json with a digest of where the time went (`diagnostics.mjs`).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { startWorker, seed, scratch, createAccount, login } from '../tests/e2e/harness.mjs';
import { QUICK, merge, summary, row, round } from './report.mjs';
import { startEdgeCompression } from './edge-compression.mjs';
import { diagnostics } from './diagnostics.mjs';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const RUNS = QUICK ? 1 : 3;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
const TARGETS = {
  performance: { text: '≥ 90', met: (entry) => entry.keyward >= 90 },
  accessibility: { text: '= 100', met: (entry) => entry.keyward === 100 },
  'best-practices': { text: '≥ 95', met: (entry) => entry.keyward >= 95 },
};
const ADMIN = 'ada@acme.example.com';
const PASSWORD = 'correct horse battery staple';
const DAY = 86_400;

const DIRECT = process.env.KEYWARD_LIGHTHOUSE_DIRECT === '1';
/** `KEYWARD_LIGHTHOUSE_PAGES=enrollment,login`: only these pages (by slug), to compare a change on them. */
const ONLY = process.env.KEYWARD_LIGHTHOUSE_PAGES?.split(',');
const OUT = 'target/bench/lighthouse';

const log = (...args) => console.error('[bench lighthouse]', ...args);

/**
 * The pages to measure, each { name, slug, url, headers }, at `origin` (the compressing proxy's, or the Worker's own):
 * an account with a validated organization for the order form.
 */
async function pages(worker, origin) {
  const { accountId } = await createAccount(worker, { name: 'Acme', users: [{ email: ADMIN, name: 'Ada Admin', role: 'org_admin', password: PASSWORD }] });
  const now = Math.floor(Date.now() / 1000);
  await worker.queryAll(`INSERT INTO organizations (id, name, identifier, country, address, validated_at, validated_until, created_at, account_id)
      VALUES ('org-acme', 'Acme', 'NTRGB-00004', 'GB', '{"street":"1 High Street","city":"London","postal_code":"SW1A 1AA","region":""}', ${now - DAY}, ${now + 800 * DAY}, ${now - DAY}, '${accountId}');
    INSERT INTO validations (id, account_id, kind, subject, method, created_at, expires_at, validated_at, validated_until)
      VALUES ('val-acme', '${accountId}', 'domain', 'acme.example.com', 'dns_txt', ${now - DAY}, ${now}, ${now - DAY}, ${now + 390 * DAY});
    INSERT INTO ledger (id, account_id, at, amount, kind, reference, created_by)
      VALUES ('dep-acme', '${accountId}', ${now - DAY}, 1000000, 'deposit', 'wire 1', 'test')`);
  const { cookie } = await login(worker, ADMIN, PASSWORD);
  // Reading an enrollment link never spends it: every run opens the same one.
  const seeded = new URL(await seed(worker, 'Ada Lovelace', 'ada.lighthouse@example.com'));
  const link = `${origin}${seeded.pathname}${seeded.search}${seeded.hash}`;
  return [
    { name: 'home page', slug: 'home', url: `${origin}/` },
    { name: 'enrollment link', slug: 'enrollment', url: link },
    { name: '/revoke', slug: 'revoke', url: `${origin}/revoke` },
    { name: '/repackage', slug: 'repackage', url: `${origin}/repackage` },
    { name: 'login page', slug: 'login', url: `${origin}/login` },
    { name: 'order form (logged in)', slug: 'order-form', url: `${origin}/console/orders/new`, headers: { Cookie: cookie } },
  ];
}

/**
 * One Lighthouse run: the three scores (0–100), LCP and TBT (ms), CLS, the transfer size (bytes), the audits below
 * full marks, and the full result (`lhr`).
 */
async function measure(port, page) {
  const result = await lighthouse(page.url, {
    port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES, extraHeaders: page.headers,
  });
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`${page.name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const score = (category) => Math.round(lhr.categories[category].score * 100);
  const audit = (id) => lhr.audits[id].numericValue;
  const shortfalls = {};
  for (const category of ['accessibility', 'best-practices', 'performance']) {
    shortfalls[category] = lhr.categories[category].auditRefs
      .filter((reference) => reference.weight > 0 && lhr.audits[reference.id].score !== null && lhr.audits[reference.id].score < 1)
      .map((reference) => `${reference.id} (${lhr.audits[reference.id].displayValue || round(lhr.audits[reference.id].score, 2)})`);
  }
  return {
    performance: score('performance'), accessibility: score('accessibility'), 'best-practices': score('best-practices'),
    lcp: audit('largest-contentful-paint'), tbt: audit('total-blocking-time'), cls: audit('cumulative-layout-shift'),
    transfer: audit('total-byte-weight'), shortfalls, lhr, finalUrl: lhr.finalDisplayedUrl, version: lhr.lighthouseVersion, userAgent: lhr.environment.hostUserAgent,
  };
}

/**
 * A run, asked again (at most twice more) when Lighthouse reports a runtime error of its own trace recording
 * (`NO_NAVSTART`, `NO_FCP`), which a loaded machine sometimes gives; the page's own errors are not retried.
 */
async function measureRetrying(port, page) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await measure(port, page);
    } catch (error) {
      if (attempt >= 3 || !/\b(NO_NAVSTART|NO_FCP|NO_LCP)\b/.test(error.message)) throw error;
      log(`${page.name}: ${error.message}; running it again`);
    }
  }
}

function minMax(values) {
  return { median: summary(values).median, spread: { kind: 'min/max', low: round(Math.min(...values)), high: round(Math.max(...values)) }, runs: values.length };
}

function rows(page, runs) {
  const of = (key) => runs.map((run) => run[key]);
  const lastShortfalls = runs.at(-1).shortfalls;
  const shortfall = (category) => (lastShortfalls[category].length ? lastShortfalls[category].join(', ') : 'none');
  return [
    ...CATEGORIES.map((category) => row({
      name: `Lighthouse ${page.name}: ${category}`, unit: 'score', keyward: minMax(of(category)), target: TARGETS[category],
      notes: `Audits below full marks in the last run: ${shortfall(category)}.${page.url.includes('/console/') ? ' Logged in: the session cookie sent in extraHeaders.' : ''}`,
    })),
    row({ name: `Lighthouse ${page.name}: LCP`, unit: 'ms', keyward: minMax(of('lcp').map((value) => round(value, 0))) }),
    row({ name: `Lighthouse ${page.name}: TBT`, unit: 'ms', keyward: minMax(of('tbt').map((value) => round(value, 0))) }),
    row({ name: `Lighthouse ${page.name}: CLS`, unit: 'score', keyward: minMax(of('cls').map((value) => round(value, 3))) }),
    row({
      name: `Lighthouse ${page.name}: transfer size`, unit: 'KB', keyward: minMax(of('transfer').map((value) => round(value / 1000, 1))),
      notes: `Every response of the load, headers included (total-byte-weight), ${DIRECT ? 'straight from wrangler dev (its Gzip: KEYWARD_LIGHTHOUSE_DIRECT=1)' : 'encoded as Cloudflare\'s edge would (bench/edge-compression.mjs)'}. Last run: ${runs.at(-1).digest}.`,
    }),
  ];
}

async function main() {
  const profile = scratch('lighthouse-profile');
  const started = new Date().toISOString();
  const loadStart = loadavg().map((value) => value.toFixed(2)).join(' ');
  const proxy = DIRECT ? null : await startEdgeCompression();
  log('starting the Worker');
  const worker = await startWorker();
  proxy?.setTarget(worker.url);
  mkdirSync(OUT, { recursive: true });
  let chrome;
  try {
    const measured = await pages(worker, proxy ? proxy.url : worker.url);
    chrome = await chromeLauncher.launch({
      chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags: CHROMIUM_FLAGS, userDataDir: profile,
    });
    const all = [];
    let facts = {};
    for (const page of measured.filter((candidate) => !ONLY || ONLY.includes(candidate.slug))) {
      const runs = [];
      for (let run = 0; run < RUNS; run += 1) {
        const result = await measureRetrying(chrome.port, page);
        log(`${page.name} run ${run + 1}: performance ${result.performance}, accessibility ${result.accessibility}, best practices ${result['best-practices']}, LCP ${round(result.lcp, 0)} ms, TBT ${round(result.tbt, 0)} ms, CLS ${round(result.cls, 3)}`);
        const digest = diagnostics(result.lhr);
        result.digest = digest.summary;
        if (run === RUNS - 1) writeFileSync(`${OUT}/${page.slug}.json`, JSON.stringify({ digest, lhr: result.lhr }));
        delete result.lhr;
        runs.push(result);
        facts = { lighthouse: `Lighthouse ${result.version}, mobile profile (simulated throttling), ${result.userAgent}` };
      }
      all.push(...rows(page, runs));
    }
    const average = (values) => values.map((value) => value.toFixed(2)).join(' ');
    const serving = proxy
      ? `through bench/edge-compression.mjs (Cloudflare's edge encoding; browser's Accept-Encoding ${[...proxy.stats.acceptEncoding].join(' | ')}; ${proxy.stats.compressed} of ${proxy.stats.answers} answers compressed, ${JSON.stringify(proxy.stats.encodings)})`
      : 'straight from wrangler dev, which sends Gzip (KEYWARD_LIGHTHOUSE_DIRECT=1)';
    merge('lighthouse', all, { ...facts, 'lighthouse part': `${started}, ${QUICK ? 'QUICK (KEYWARD_BENCH_QUICK=1): one run per page' : `${RUNS} runs per page`}; load average (1, 5, 15 min) at start ${loadStart}, at end ${average(loadavg())}; served ${serving}` });
    log('wrote target/bench/report.md');
  } finally {
    await chrome?.kill();
    await worker.stop();
    await proxy?.stop();
    rmSync(profile, { recursive: true, force: true });
  }
}

await main();
