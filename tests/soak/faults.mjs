// The soak suite's fault injectors, all on 127.0.0.1: a mail provider that answers 200, 503 or nothing at all; a
// switch in front of a local service that refuses connections while it is down (the DNS-over-HTTPS responder);
// a write lock held on the Worker's local D1 file from another process; and workerd's process found, measured
// and killed through /proc.
import { createServer } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An HTTP email API that records every request and answers by `mode`: 'ok' (200 with a message id), '503', or
 * 'silent' (the request is held open, never answered; leaving 'silent' closes the held sockets unanswered, so
 * nothing held counts as delivered). Like the providers the HTTP adapter is written for, it honours the
 * `Idempotency-Key`: a request under a key it already accepted answers 200 with the first message's id and is
 * not delivered again (`replay`). `requests` holds { key (Idempotency-Key), to, subject, text, at, status, replay }
 * per request, status being what the sink answered (200, 503) or 'held' then 'dropped'.
 */
export async function startMailProvider() {
  const requests = [];
  const accepted = new Map();
  const held = new Set();
  let mode = 'ok';
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      let body = {};
      try { body = JSON.parse(Buffer.concat(chunks).toString()); } catch { /* recorded without a body */ }
      const record = { key: request.headers['idempotency-key'], to: body.to, subject: body.subject, text: body.text ?? '', at: Date.now(), status: null, replay: false };
      requests.push(record);
      if (mode === 'silent') {
        record.status = 'held';
        held.add({ response, record });
        return;
      }
      record.status = mode === '503' ? 503 : 200;
      if (record.status === 200) {
        record.replay = accepted.has(record.key);
        if (!record.replay) accepted.set(record.key, `soak-${requests.length}`);
      }
      response.writeHead(record.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(record.status === 200 ? { id: accepted.get(record.key) } : { error: 'unavailable' }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/send`,
    /** The HTTP server itself (a suite counts its simultaneously open requests). */
    server,
    requests,
    /** The requests answered 200 that were not replays: what the provider delivered, once per key. */
    delivered: () => requests.filter((record) => record.status === 200 && !record.replay),
    /** The requests answered 200 under a key already accepted (the sender was not told of the first success). */
    replays: () => requests.filter((record) => record.replay),
    setMode(next) {
      if (mode === 'silent' && next !== 'silent') {
        for (const { response, record } of held) {
          record.status = 'dropped';
          response.socket?.destroy();
        }
        held.clear();
      }
      mode = next;
    },
    get mode() { return mode; },
    async stop() {
      this.setMode('ok');
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A TCP switch on a port of its own in front of `targetPort`: while up it pipes each connection through; `down()`
 * stops listening and cuts open connections (the service is gone: connections are refused); `up()` listens again
 * on the same port.
 */
export async function startSwitch(targetPort) {
  const sockets = new Set();
  let server = null;
  let port = 0;
  const listen = () => new Promise((resolve, reject) => {
    server = createNetServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); });
  });
  await listen();
  return {
    get port() { return port; },
    async down() {
      const closing = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closing;
    },
    up: listen,
    async stop() { await this.down(); },
  };
}

/**
 * Holds an exclusive write lock on a SQLite file from another process (Python's sqlite3: `BEGIN EXCLUSIVE`) for
 * `seconds`; resolves to { started, ended } (Unix milliseconds) once the lock is released. `started` is when the
 * lock was taken, as the process reports it.
 */
export function holdWriteLock(python, file, seconds) {
  const script = [
    'import sqlite3, sys, time',
    'connection = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)',
    "connection.execute('BEGIN EXCLUSIVE')",
    "print('locked', flush=True)",
    'time.sleep(float(sys.argv[2]))',
    "connection.execute('ROLLBACK')",
    "print('released', flush=True)",
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', script, file, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let started = null;
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (started === null && output.includes('locked')) started = Date.now();
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && started !== null) resolve({ started, ended: Date.now() });
      else reject(new Error(`the D1 lock holder failed (${code}): ${output}`));
    });
  });
}

/** Every process's parent, from /proc: Map pid → { parent, name }. */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(entry), { parent, name });
    } catch { /* the process ended meanwhile */ }
  }
  return table;
}

/** The descendants of `pid` (children first), as pids. */
export function descendants(pid) {
  const table = processTable();
  const found = [];
  const visit = (parent) => {
    for (const [child, { parent: of }] of table) {
      if (of === parent) { found.push(child); visit(child); }
    }
  };
  visit(pid);
  return found;
}

/**
 * The workerd processes under a `wrangler dev` process: `runtime`, the one that runs the Worker (started with an
 * inspector, its entry on a port of its own), and `proxy`, the one wrangler puts on the public port in front of it
 * (it holds requests while the runtime restarts). Either is null when absent.
 */
export function workerdOf(wranglerPid) {
  const table = processTable();
  const found = { runtime: null, proxy: null };
  for (const pid of descendants(wranglerPid)) {
    if (table.get(pid)?.name !== 'workerd') continue;
    let commandLine = '';
    try { commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (commandLine.includes('--inspector-addr')) found.runtime ??= pid;
    else found.proxy ??= pid;
  }
  return found;
}

/** A process's resident memory (VmRSS), KiB, or null if it is gone. */
export function residentKibibytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** SIGKILLs `pid` and every descendant: `first` (workerd's runtime), then the others, then `pid` itself. */
export function killTree(pid, first = null) {
  const order = [...(first ? [first] : []), ...descendants(pid).reverse().filter((child) => child !== first), pid];
  for (const target of order) {
    try { process.kill(target, 'SIGKILL'); } catch { /* already gone */ }
  }
}
