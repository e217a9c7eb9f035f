// The build to deploy (`cargo xtask build`, without the cargo feature `development`; `cargo xtask test` builds it
// into edge/build-production/) has no development route: the mailbox, the accounts and the seed answer 404 like
// any unknown API path, and the Worker's WebAssembly holds none of their handlers' code. The development build the
// other suites run has them (checked here too, so the test cannot pass by testing nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, http, ROOT } from './harness.mjs';

let production;
before(async () => { production = await startWorker({ script: 'build-production/index.js' }); });
after(async () => { await production?.stop(); });

const DEVELOPMENT = [
  ['GET', '/api/v1/dev/mailbox'],
  ['POST', '/api/v1/dev/seed'],
  ['POST', '/api/v1/dev/accounts'],
  ['POST', '/api/v1/dev/reminder-sweep'],
];

/** A text only the development handlers hold (edge/src/dev.rs), as it is compiled into the WebAssembly. */
const MARKER = 'Expected recipient_email, and optionally profile';

function workerWasm(directory) {
  const found = readdirSync(directory, { recursive: true }).filter((name) => String(name).endsWith('.wasm'));
  assert.equal(found.length, 1, `one WebAssembly module in ${directory}: ${found}`);
  return readFileSync(join(directory, String(found[0])));
}

test('the production Worker answers 404 on every development route, as on any unknown API path', async () => {
  for (const [method, path] of DEVELOPMENT) {
    const response = await http(`${production.url}${path}`, { method, body: method === 'POST' ? '{}' : undefined });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.json().error.code, 'route_not_found', `${method} ${path}`);
  }
  // The production Worker serves the rest.
  assert.equal((await http(`${production.url}/api/v1/policy`)).status, 200);
});

test('the production WebAssembly holds no development handler; the development build does', () => {
  const marker = Buffer.from(MARKER);
  assert.equal(workerWasm(join(ROOT, 'edge', 'build')).includes(marker), true, 'the development build has the seed');
  assert.equal(workerWasm(join(ROOT, 'edge', 'build-production')).includes(marker), false, 'the production build has no seed');
});
