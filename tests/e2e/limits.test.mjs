// Request bodies and transport headers (issue 15): every endpoint declares its body's cap
// (`shared::api::endpoint::Body`), and the Worker refuses a larger body from its Content-Length before reading any
// of it, or, sent without one (chunked), as soon as what it read passes the cap: 413 `body_too_large`, field `body`.
// A 100 MB upload to each POST endpoint is refused and the Worker goes on serving. Every answer, API, CA
// repository and static page, carries HSTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startWorker, http, seed } from './harness.mjs';

let worker;
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

const HUNDRED_MB = 100 * 1024 * 1024;

/**
 * One raw HTTP/1.1 exchange on 127.0.0.1: the head (with the Content-Length the caller states, or chunked), then
 * `send(socket)` writes as much body as it likes, and the answer's status line and headers are read as soon as
 * they arrive: the Worker answers before the body is all sent, and then the socket is closed.
 */
function exchange(path, headers, send) {
  const { hostname, port } = new URL(worker.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Content-Type: application/json', 'Connection: close',
        ...headers, '', ''].join('\r\n');
      socket.write(head);
      send(socket);
    });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
        resolve({ status: Number(statusLine.split(' ')[1]), headers: lines.map((line) => line.toLowerCase()), received });
      }
    });
    socket.on('error', (error) => { if (!received) reject(error); });
    socket.setTimeout(30_000, () => { socket.destroy(); reject(new Error(`no answer from ${path}`)); });
  });
}

/** The POST endpoints of the OpenAPI document, their path parameters filled with placeholders. */
async function postPaths() {
  const document = (await http(`${worker.url}/api/v1/openapi.json`)).json();
  return Object.entries(document.paths)
    .filter(([, item]) => item.post)
    .map(([path, item]) => ({ path: path.replace(/\{[^}]+\}/g, 'x'), access: item.post['x-keyward-access'] }));
}

test('a 100 MB Content-Length is refused before any of it is read, on every POST endpoint, and the Worker serves on', async () => {
  const paths = await postPaths();
  assert.ok(paths.length >= 15, `the document lists the POST endpoints (${paths.length})`);
  for (const { path } of paths) {
    // 64 KiB of the announced 100 MB is written; the answer comes without waiting for the rest.
    const answer = await exchange(path, [`Content-Length: ${HUNDRED_MB}`], (socket) => socket.write(Buffer.alloc(64 * 1024, 0x20)));
    assert.equal(answer.status, 413, `${path}: ${answer.received.slice(0, 200)}`);
  }
  // The OCSP responder, outside the JSON API, has its own cap (8 KiB): an OCSP error answer with 413.
  const ocsp = await exchange('/ocsp', [`Content-Length: ${HUNDRED_MB}`], (socket) => socket.write(Buffer.alloc(64 * 1024, 0x20)));
  assert.equal(ocsp.status, 413);
  assert.ok(ocsp.headers.includes('content-type: application/ocsp-response'), ocsp.headers.join(' | '));
  const policy = await http(`${worker.url}/api/v1/policy`);
  assert.equal(policy.status, 200, 'the Worker still serves');
});

test('a chunked body without Content-Length is refused once it passes the cap, and the error names the field', async () => {
  // The CSR submission's cap is 64 KiB: 200 chunks of 1 KiB pass it.
  const link = (await seed(worker, 'Chunked Sender', 'chunked@limits.example.com')).split('/enroll/')[1];
  const chunk = Buffer.alloc(1024, 0x20);
  const answer = await exchange(`/api/v1/enrollments/${link}`, ['Transfer-Encoding: chunked'], (socket) => {
    for (let index = 0; index < 200; index += 1) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  });
  assert.equal(answer.status, 413, answer.received.slice(0, 300));
  // The same refusal through fetch, to read its body: a declared length one byte over the login cap (8 KiB).
  const login = await http(`${worker.url}/api/v1/session`, { method: 'POST', body: ' '.repeat(8 * 1024 + 1) });
  assert.equal(login.status, 413);
  assert.equal(login.json().error.code, 'body_too_large');
  assert.equal(login.json().error.field, 'body');
  // Under the cap, the same endpoint reads the body and names what it expected.
  const small = await http(`${worker.url}/api/v1/session`, { method: 'POST', body: 'not json' });
  assert.equal(small.status, 400);
  assert.equal(small.json().error.code, 'body_invalid');
  // The link was not spent by the refused upload.
  const shown = await http(`${worker.url}/api/v1/enrollments/${link}`);
  assert.equal(shown.status, 200);
  assert.equal(shown.json().status.state, 'open');
});

test('every answer carries HSTS: the API, the CA repository and the static pages', async () => {
  for (const path of ['/api/v1/policy', '/api/v1/orders', '/crl/issuing.crl', '/ca/issuing.crt', '/', '/enroll/x', '/style.css']) {
    const response = await fetch(`${worker.url}${path}`);
    assert.equal(response.headers.get('strict-transport-security'), 'max-age=63072000', path);
  }
});
