// `cargo xtask bench edge` (issue 4): Keyward's issuance in workerd (`wrangler dev`, the release Worker, as
// tests/e2e/harness.mjs starts it) against a trivial JavaScript Worker doing the same D1 reads and writes
// (bench/trivial-worker/), both started with the pinned wrangler, each with its own --persist-to, measured in
// the same run: CPU time per request from V8's sampling profiler over the inspector, latency at concurrency 1,
// throughput at concurrency 8; and the Worker's upload size from `wrangler deploy --dry-run`. Load only ever
// targets 127.0.0.1. Writes its rows into target/bench/report.{json,md}.
import { spawn, execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWorker, seed, http, scratch, createAccount, passwordKey } from '../tests/e2e/harness.mjs';
import { startDohResponder } from '../tests/e2e/doh-responder.mjs';
import { ROOT, OUT, QUICK, summary, row, merge, round } from './report.mjs';

const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };
const TRIVIAL = join(ROOT, 'bench', 'trivial-worker');

const WARM_UP = QUICK ? 2 : 5;
const LATENCY_RUNS = QUICK ? 5 : 50;
const THROUGHPUT_REQUESTS = QUICK ? 16 : 80;
const CONCURRENCY = 8;
const PROFILED = QUICK ? 5 : 40;
const PROCESS_CPU_REQUESTS = QUICK ? 10 : 100;
const SAMPLING_MICROSECONDS = 100;
/**
 * `KEYWARD_BENCH_EDGE_CPU_ONLY=1`: only the issuance CPU (profile and the 5 alternating rounds), logged, no report
 * rows: for comparing builds quickly while working on the Worker's CPU; never a run to report from alone.
 */
const CPU_ONLY = process.env.KEYWARD_BENCH_EDGE_CPU_ONLY === '1';

const log = (...args) => console.error('[bench edge]', ...args);

/** The trivial Worker on a free port with an empty database (Keyward's migrations), its inspector beside it. */
async function startTrivialWorker() {
  const state = scratch('bench-trivial');
  // Its own local DNS-over-HTTPS responder (empty zone), as the harness gives Keyward's Worker one.
  const resolver = await startDohResponder();
  const config = join(TRIVIAL, 'wrangler.toml');
  execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--config', config, '--persist-to', state],
    { cwd: TRIVIAL, env: ENV, stdio: 'pipe' });
  const port = 20000 + Math.floor(Math.random() * 2000);
  const child = spawn(WRANGLER, ['dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state,
    '--inspector-port', String(port + 2000), '--show-interactive-dev-session=false', '--var', `KEYWARD_DOH_URL:${resolver.url}`],
    { cwd: TRIVIAL, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`trivial worker exited:\n${output}`);
    try {
      if ((await fetch(`${url}/`)).status === 404) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) { child.kill(); throw new Error(`trivial worker did not answer:\n${output}`); }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 5000); });
      rmSync(state, { recursive: true, force: true });
      await resolver.stop();
    },
  };
}

/** One request factory per target: `prepare()` makes a fresh link (not timed), the returned function issues. */
function keywardTarget(worker, makeCsr) {
  let count = 0;
  return {
    async prepare() {
      count += 1;
      const csr = makeCsr();
      const link = await seed(worker, 'Ada Lovelace', `ada.bench.${count}@example.com`);
      const token = link.split('/enroll/')[1];
      return () => http(`${worker.url}/api/v1/enrollments/${token}`, { method: 'POST', body: JSON.stringify({ csr }) });
    },
  };
}

function trivialTarget(worker, makeCsr) {
  return {
    async prepare() {
      const csr = makeCsr();
      const seeded = await http(`${worker.url}/seed`, { method: 'POST' });
      const { token } = seeded.json();
      return () => http(`${worker.url}/issue/${token}`, { method: 'POST', body: JSON.stringify({ csr }) });
    },
  };
}

async function issue(send) {
  const response = await send();
  if (response.status < 200 || response.status > 299) throw new Error(`the request answered ${response.status}: ${response.text()}`);
}

/**
 * Logins. Keyward: its real login with the key the browser would derive (derived once here, as the browser
 * does before sending). The trivial Worker: the same work in JavaScript (`/login`), and the server-side KDF
 * alternative (`/login-pbkdf2`, PBKDF2-HMAC-SHA256 at 100,000 iterations on the Worker).
 */
async function loginTargets(keyward, trivial) {
  const email = 'bench.login@example.com';
  const password = 'a benchmark password';
  await createAccount(keyward, { name: 'Bench', users: [{ email, password }] });
  const key = await passwordKey(email, password);
  const post = (url, body) => () => http(url, { method: 'POST', body: JSON.stringify(body), headers: { origin: new URL(url).origin } });
  for (const body of [{ email: `sha.${email}`, password_key: key }, { email: `kdf.${email}`, password }]) {
    await issue(post(`${trivial.url}/login-user`, body));
  }
  const target = (send) => ({ async prepare() { return send; } });
  return {
    keyward: target(post(`${keyward.url}/api/v1/session`, { email, password_key: key })),
    trivial: target(post(`${trivial.url}/login`, { email: `sha.${email}`, password_key: key })),
    pbkdf2: target(post(`${trivial.url}/login-pbkdf2`, { email: `kdf.${email}`, password })),
  };
}

async function prepared(target, count) {
  const sends = [];
  for (let index = 0; index < count; index += 1) sends.push(await target.prepare());
  return sends;
}

/** Wall time of each request, one at a time. */
async function latency(target) {
  const sends = await prepared(target, LATENCY_RUNS);
  const times = [];
  for (const send of sends) {
    const start = performance.now();
    await issue(send);
    times.push(performance.now() - start);
  }
  return times;
}

/** Requests per second with CONCURRENCY in flight. */
async function throughput(target) {
  const sends = await prepared(target, THROUGHPUT_REQUESTS);
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < sends.length) await issue(sends[next++]);
  }));
  return sends.length / ((performance.now() - start) / 1000);
}

/**
 * The workerd processes of the `wrangler dev` serving `url`: the one listening on its port (miniflare's entry)
 * and every other workerd under the same wrangler process (the runtime with the Worker's isolate and D1).
 */
function workerdPids(url) {
  const port = new URL(url).port;
  const listening = execFileSync('ss', ['-ltnpH', `sport = :${port}`]).toString();
  const match = listening.match(/"workerd",pid=(\d+)/);
  if (!match) throw new Error(`no workerd listening on ${port}: ${listening}`);
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parentOf = (pid) => Number(stat(pid).slice(stat(pid).lastIndexOf(')') + 2).split(' ')[1]);
  const wrangler = parentOf(Number(match[1]));
  const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).flatMap((pid) => {
    try {
      return [{ pid, parent: parentOf(pid), command: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() }];
    } catch {
      return [];
    }
  });
  const under = new Set([wrangler]);
  for (let grew = true; grew;) {
    grew = false;
    for (const entry of processes) {
      if (!under.has(entry.pid) && under.has(entry.parent)) { under.add(entry.pid); grew = true; }
    }
  }
  return processes.filter((entry) => under.has(entry.pid) && entry.command === 'workerd').map((entry) => entry.pid);
}

/** CPU time of every thread of some processes so far, in ms (scheduler statistics, nanosecond resolution). */
function processCpu(pids) {
  let total = 0;
  for (const pid of pids) {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      } catch { /* the thread ended meanwhile */ }
    }
  }
  return total / 1e6;
}

/**
 * CPU time of the wrangler dev's workerd processes (all threads: the Worker's isolate, workerd's HTTP handling,
 * the local D1's SQLite, miniflare's entry and routing workers) over `count` sequential requests, per request.
 */
async function processCpuPerRequest(target, pids, count) {
  const sends = await prepared(target, count);
  const before = processCpu(pids);
  for (const send of sends) await issue(send);
  return (processCpu(pids) - before) / count;
}

/** A Chrome DevTools Protocol session with the Worker's isolate through wrangler's inspector proxy. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  let id = 0;
  const pending = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(data);
    if (message.id && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error))); else resolve(message.result);
    }
  });
  return {
    send(method, params = {}) {
      id += 1;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close() { socket.close(); },
  };
}

/**
 * Function groups of the issuance for the profile's split (issue 16 item 6): each sample goes to the innermost frame
 * of its stack that matches one of these patterns (Rust names from the module's name section), so a signature
 * made by ring inside rcgen counts as rcgen's, and rcgen's inside the lint copy as the signatures'. Order matters only
 * for a frame matching two patterns (the first wins).
 */
const GROUPS = [
  // The key policy inlines the weak-key checks (Pollard's rho among them) at opt-level 3.
  ['key policy and weak-key checks', /weak_key|Profile::check_key/],
  ['CSR parse and signature check', /shared::csr|csr_explain|ring::rsa::verification|ring::signature::UnparsedPublicKey|RsaPublicKeyComponents|ring::ec::suite_b::ecdsa::verification/],
  ['rcgen template and the CA\'s ECDSA signatures', /rcgen::|edge::ca::|ring::ec::suite_b::ecdsa::signing|issuance::template|CertificateTemplate/],
  ['lints (Keyward\'s set, x509 parse of the lint copy)', /shared::lint|edge::lint|x509_cert::|x509_parser|der::/],
  ['email text', /shared::mail|edge::outbox|edge::notices|shared::text/],
  ['audit', /audit|sealing/],
  // Not `edge::call::run` (every handler's async body, so of code inlined into it).
  ['router and authentication', /matchit|ROUTE|router|edge::auth/],
  // Not `js_sys::futures` (the executor) nor wasm-bindgen's closure adapters: they are at the root of every async Rust
  // stack, so of code inlined into it.
  ['D1, JSON and JS glue', /worker::d1|D1Database|D1Result|D1Prepared|serde_json|serde_wasm_bindgen|serde::de|serde::ser|js_sys::(?!futures)|JsValue|wasm_bindgen::externref|web_sys::/],
  ['public suffix, address, validation', /public_suffix|address|validation|caa|doh|dns/],
  ['memory (alloc, memcpy)', /dlmalloc|alloc::|memcpy|memmove|memset|__rust_|RawVec/],
];

/** The group of a sample: its innermost matching frame's, or what kind of code it ran in. */
function groupOf(nodeId, nodes, parents) {
  const leaf = nodes.get(nodeId);
  for (let id = nodeId; id !== undefined; id = parents.get(id)) {
    const node = nodes.get(id);
    for (const [group, pattern] of GROUPS) if (pattern.test(node.name)) return group;
  }
  if (['(idle)', '(program)', '(garbage collector)', '(root)'].includes(leaf.name)) return leaf.name;
  return leaf.url.startsWith('wasm://') ? 'other Rust (WebAssembly)' : 'other JavaScript (the worker shim, wasm-bindgen glue)';
}

/**
 * CPU time per request: V8's sampling profiler (every 100 µs) in the Worker's isolate over `count` sequential
 * requests; the sampled time outside "(idle)" divided by `count`. Also returns the split by top-level
 * category, and the time of the profiled window.
 */
async function cpuPerRequest(target, inspectorPort, count, label) {
  const sends = await prepared(target, count);
  const session = await inspector(inspectorPort);
  try {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: SAMPLING_MICROSECONDS });
    await session.send('Profiler.start');
    const start = performance.now();
    for (const send of sends) await issue(send);
    const wall = performance.now() - start;
    const { profile } = await session.send('Profiler.stop');
    // Kept for a closer look (Chrome DevTools' Performance panel opens it) and to group it again offline.
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, `edge-${label}.cpuprofile`), JSON.stringify(profile));
    const nodes = new Map(profile.nodes.map((node) => [node.id, { name: node.callFrame.functionName || node.callFrame.url || '(anonymous)', url: node.callFrame.url }]));
    const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])));
    const byName = {};
    const byGroup = {};
    let sampled = 0;
    profile.samples.forEach((sample, index) => {
      const delta = profile.timeDeltas[index] / 1000;
      const { name } = nodes.get(sample);
      const group = groupOf(sample, nodes, parents);
      sampled += delta;
      byName[name] = (byName[name] ?? 0) + delta;
      byGroup[group] = (byGroup[group] ?? 0) + delta;
    });
    const busy = sampled - (byName['(idle)'] ?? 0);
    const groups = Object.entries(byGroup).filter(([group]) => group !== '(idle)').sort((a, b) => b[1] - a[1])
      .map(([group, time]) => `${group} ${round(time / count, 2)} ms (${round((100 * time) / busy, 1)}%)`);
    const idle = byName['(idle)'] ?? 0;
    const heaviest = Object.entries(byName).filter(([name]) => !['(idle)', '(program)', '(garbage collector)', '(root)'].includes(name))
      .sort((a, b) => b[1] - a[1]).slice(0, 6)
      .map(([name, time]) => `${name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 80)} ${round(time / count, 2)} ms`);
    return { heaviest, groups, cpu: (sampled - idle) / count, program: (byName['(program)'] ?? 0) / count, gc: (byName['(garbage collector)'] ?? 0) / count,
      idle: idle / count, wall: wall / count, samples: profile.samples.length };
  } finally {
    session.close();
  }
}

/**
 * Per key type, a maker of fresh requests: Keyward certifies a key for one subject only, and a new key per
 * issuance is the real case (a renewal of the same key would add its earlier certificates to the reuse check).
 * Made in `prepare()`, outside the timed part.
 */
function makeCsrs(directory) {
  const maker = (name, ...keyArgs) => () => {
    execFileSync('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', join(directory, `${name}.key`), '-subj', '/CN=Ada Lovelace',
      '-out', join(directory, `${name}.csr`)], { stdio: 'pipe' });
    return readFileSync(join(directory, `${name}.csr`), 'utf8');
  };
  return { rsa2048: maker('rsa2048', '-newkey', 'rsa:2048'), ecdsa_p256: maker('p256', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256') };
}

function uploadSize() {
  const outdir = scratch('bench-deploy');
  try {
    // The production build (`cargo xtask bench edge` makes it in edge/build-production/), not the development
    // Worker measured above: what `wrangler deploy` would upload after `cargo xtask build`.
    const output = execFileSync(WRANGLER, ['deploy', '--dry-run', '--outdir', outdir, 'build-production/index.js'], { cwd: join(ROOT, 'edge'), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const match = output.match(/Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/);
    if (!match) throw new Error(`no upload size in wrangler's output:\n${output}`);
    return { total: Number(match[1]), gzip: Number(match[2]) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const LABELS = { rsa2048: 'RSA-2048', ecdsa_p256: 'P-256' };

async function main() {
  const directory = scratch('bench-csr');
  const csrs = makeCsrs(directory);
  const loadStart = loadavg().map((value) => value.toFixed(2)).join(' ');
  const wranglerVersion = execFileSync(WRANGLER, ['--version'], { env: ENV }).toString().trim().split('\n').at(-1);
  log('starting Keyward and the trivial Worker');
  const keyward = await startWorker();
  const trivial = await startTrivialWorker();
  const inspectorPort = (worker) => worker.inspectorPort ?? Number(new URL(worker.url).port) + 2000;
  const results = {};
  try {
    for (const [keyType, makeCsr] of Object.entries(csrs)) {
      const targets = { keyward: keywardTarget(keyward, makeCsr), trivial: trivialTarget(trivial, makeCsr) };
      const workers = { keyward, trivial };
      const result = { latency: {}, throughput: {}, cpu: {} };
      for (const name of ['keyward', 'trivial']) {
        for (const send of await prepared(targets[name], WARM_UP)) await issue(send);
      }
      // Alternate the two Workers so drift hits both.
      if (!CPU_ONLY) {
        for (const name of ['keyward', 'trivial']) result.latency[name] = await latency(targets[name]);
        for (const name of ['trivial', 'keyward']) result.throughput[name] = await throughput(targets[name]);
      }
      for (const name of ['keyward', 'trivial']) result.cpu[name] = await cpuPerRequest(targets[name], inspectorPort(workers[name]), PROFILED, `${keyType}-${name}`);
      result.process = { keyward: [], trivial: [] };
      const pids = { keyward: workerdPids(keyward.url), trivial: workerdPids(trivial.url) };
      for (let round = 0; round < 5; round += 1) {
        for (const name of round % 2 ? ['trivial', 'keyward'] : ['keyward', 'trivial']) {
          result.process[name].push(await processCpuPerRequest(targets[name], pids[name], PROCESS_CPU_REQUESTS / 5));
        }
      }
      log(keyType, JSON.stringify(result));
      if (CPU_ONLY) {
        const beyond = result.process.keyward.map((value, index) => value - result.process.trivial[index]);
        log(keyType, 'beyond the trivial Worker, median of 5 rounds:', summary(beyond), 'groups:', result.cpu.keyward.groups.join('; '));
      }
      results[keyType] = result;
    }
    if (CPU_ONLY) return;
    // Logins: process CPU per request, 5 rounds alternating the three.
    const logins = await loginTargets(keyward, trivial);
    const pids = { keyward: workerdPids(keyward.url), trivial: workerdPids(trivial.url) };
    const login = { keyward: [], trivial: [], pbkdf2: [] };
    for (const name of Object.keys(login)) for (const send of await prepared(logins[name], WARM_UP)) await issue(send);
    for (let round = 0; round < 5; round += 1) {
      for (const name of round % 2 ? ['pbkdf2', 'trivial', 'keyward'] : ['keyward', 'trivial', 'pbkdf2']) {
        login[name].push(await processCpuPerRequest(logins[name], pids[name === 'keyward' ? 'keyward' : 'trivial'], PROCESS_CPU_REQUESTS / 5));
      }
    }
    log('login', JSON.stringify(login));
    results.login = login;
  } finally {
    await keyward.stop();
    await trivial.stop();
    rmSync(directory, { recursive: true, force: true });
  }
  const upload = uploadSize();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'raw-edge.json'), `${JSON.stringify({ results, upload }, null, 1)}\n`);
  const rows = [];
  const { login } = results;
  delete results.login;
  const loginBeyond = (name) => summary(login[name].map((value, index) => value - login.trivial[index]));
  rows.push(row({
    name: 'login CPU time in workerd beyond the trivial D1 Worker\'s same work (password check, session, throttle)', unit: 'ms',
    keyward: loginBeyond('keyward'),
    peers: { 'server-side PBKDF2-HMAC-SHA256, 100,000 iterations (workerd WebCrypto)': loginBeyond('pbkdf2') },
    target: { text: 'inside the free plan\'s 10 ms', met: (entry) => entry.keyward <= 10 },
    notes: `Process CPU of the workerd threads per login (method as for issuance below), ${PROCESS_CPU_REQUESTS / 5} sequential logins per round, 5 rounds alternating; each value is minus the trivial Worker's JavaScript login in the same round (one SHA-256 of salt and key, the same D1 read and writes). Keyward's browser runs the slow KDF (PBKDF2-HMAC-SHA256, 600,000 iterations) before sending; the peer is the alternative of running the KDF on the Worker, at workerd's maximum of 100,000 iterations. Raw per-login process CPU, medians: Keyward ${round(summary(login.keyward).median, 2)} ms, trivial ${round(summary(login.trivial).median, 2)} ms, server-side PBKDF2 ${round(summary(login.pbkdf2).median, 2)} ms.`,
  }));
  for (const [keyType, result] of Object.entries(results)) {
    const label = LABELS[keyType];
    const latencyKeyward = summary(result.latency.keyward);
    const latencyTrivial = summary(result.latency.trivial);
    const cpu = result.cpu.keyward;
    const cpuTrivial = result.cpu.trivial;
    const processKeyward = summary(result.process.keyward);
    const processTrivial = summary(result.process.trivial);
    // Round i of Keyward against round i of the trivial Worker (taken back to back).
    const differences = summary(result.process.keyward.map((value, index) => value - result.process.trivial[index]));
    rows.push(row({
      name: `issuance CPU time per certificate in workerd beyond the trivial D1 Worker, ${label} CSR`, unit: 'ms',
      keyward: differences,
      target: { text: '≤ 5 ms', met: (entry) => entry.keyward <= 5 },
      notes: `Method: the CPU time of every thread of the workerd processes of each \`wrangler dev\` (/proc/<pid>/task/*/schedstat, nanoseconds; the Worker's isolate, workerd's HTTP handling, miniflare's entry and routing workers, the local D1's SQLite), over ${PROCESS_CPU_REQUESTS / 5} sequential issuing POSTs, 5 rounds alternating between Keyward and the trivial Worker (which does the same HTTP, D1 and DNS-over-HTTPS work as Keyward's issuance pipeline, on Keyward's schema: the link read, the pipeline's read batch, the two CAA lookups, the issuance batch, the email's delivery after the answer; and no certificate work); this row is Keyward's CPU per request minus the trivial Worker's in the same round (next row), median and p10/p90 over the 5 rounds: the CPU cost of issuance itself (CSR parsing and signature check, key policy and weak-key checks, the validation and CAA decisions, template, the lint copy's signature and Keyward's lint set, rcgen signing, the email's text, JSON, the Rust D1 and fetch glue; pkilint is not running in the benchmark). It leaves out the trivial Worker's own JavaScript time, which this method cannot separate from workerd's and D1's. Cross-check with V8's sampling profiler in Keyward's isolate (through wrangler dev's inspector proxy, ${PROFILED} requests): ${round(cpu.cpu, 2)} ms non-idle per request (trivial Worker: ${round(cpuTrivial.cpu, 2)} ms; Keyward's heaviest functions by self time: ${cpu.heaviest.join('; ')}; by function group, each sample credited to the innermost frame of its stack that names a group (bench/edge.mjs GROUPS): ${cpu.groups.join('; ')}); its samples arrive irregularly on this loaded machine and each sample is credited with the whole gap before it, so it overstates. Wall-clock difference at concurrency 1 (medians): ${round(latencyKeyward.median - latencyTrivial.median, 2)} ms. Limits: local workerd is not Cloudflare's production runtime or hardware; two shared cores.${keyType === 'rsa2048' ? ' RSA keys also go through the weak-key checks (shared/src/weak_key.rs) during issuance.' : ''}`,
    }));
    rows.push(row({
      name: `workerd CPU time per issuing request, whole process (upper bound), ${label} CSR`, unit: 'ms',
      keyward: processKeyward,
      peers: { 'trivial D1 Worker (per request)': processTrivial },
      notes: keyType === 'rsa2048' ? 'Every workerd thread of each wrangler dev, per request (see the row above for the method); median and p10/p90 of the 5 rounds. An upper bound of what Cloudflare would bill: it includes the local D1\'s SQLite and the development runtime\'s own workers.' : undefined,
    }));
    rows.push(row({
      name: `issuance latency at concurrency 1, ${label} CSR`, unit: 'ms', keyward: latencyKeyward,
      peers: { 'trivial D1 Worker': latencyTrivial },
      notes: keyType === 'rsa2048' ? 'Wall time of each issuing POST from Node on a fresh connection to 127.0.0.1 (wrangler dev, workerd, local D1); each POST spends a fresh link seeded beforehand through POST /api/v1/dev/seed (not timed). CSRs made once with OpenSSL and reused.' : undefined,
    }));
    rows.push(row({
      name: `issuance throughput at concurrency ${CONCURRENCY}, ${label} CSR`, unit: 'certificates/s',
      keyward: { median: round(result.throughput.keyward, 1), runs: THROUGHPUT_REQUESTS },
      peers: { 'trivial D1 Worker (requests/s)': { median: round(result.throughput.trivial, 1), runs: THROUGHPUT_REQUESTS } },
      notes: keyType === 'rsa2048' ? `${THROUGHPUT_REQUESTS} requests, ${CONCURRENCY} in flight, one measurement (runs = requests). Ratio above 1 would mean Keyward is faster. Both Workers on the same 2-core machine as the load generator.` : undefined,
    }));
  }
  rows.push(row({
    name: 'Worker upload size, gzip', unit: 'KiB', keyward: { median: upload.gzip, runs: 1 },
    target: { text: '≤ 1 MB (976.6 KiB)', met: (entry) => entry.keyward <= 1_000_000 / 1024 },
    notes: `\`wrangler deploy --dry-run --outdir\` in edge/ (offline), the production build (edge/build-production/, as \`cargo xtask build\` makes it: no development routes, the name section stripped); total before compression ${upload.total} KiB.`,
  }));
  merge('edge', rows, { wrangler: `wrangler ${wranglerVersion} (workerd from package-lock.json)`, 'edge part': `${new Date().toISOString()}, ${QUICK ? 'QUICK' : 'full'}; load average (1, 5, 15 min) at start ${loadStart}, at end ${loadavg().map((value) => value.toFixed(2)).join(' ')}` });
  log('done');
}

await main();
