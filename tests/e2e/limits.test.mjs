// Request bodies and transport headers (issue 15): every endpoint declares its body's cap
// (`shared::api::endpoint::Body`), and the Worker refuses a larger body from its Content-Length before reading any
// of it (413 `body_too_large`, field `body`), and a body of unknown length (chunked) unread (411). A 100 MB upload to
// each public endpoint is refused and the Worker goes on serving. Every answer, API, CA repository and static
// page, carries HSTS.
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

test('a 100 MB upload to each public POST endpoint is refused, and the Worker serves on', async () => {
  // The Worker refuses from Content-Length alone; wrangler dev's local proxy buffers a body before handing the
  // request on (Cloudflare streams it), so here the whole 100 MB is sent and the answer follows.
  const paths = (await postPaths()).filter(({ access }) => ['public', 'holder_or_account'].includes(access));
  assert.ok(paths.length >= 6, `the document lists the public POST endpoints (${paths.length})`);
  const hundred = Buffer.alloc(HUNDRED_MB, 0x20);
  for (const { path } of [...paths, { path: '/ocsp' }]) {
    const answer = await exchange(path, [`Content-Length: ${HUNDRED_MB}`], (socket) => socket.write(hundred));
    assert.equal(answer.status, 413, `${path}: ${answer.received.slice(0, 200)}`);
    assert.equal((await http(`${worker.url}/api/v1/policy`)).status, 200, `the Worker serves after ${path}`);
  }
});

test('every POST endpoint refuses one byte over its declared cap, naming the field, and reads a body within it', async () => {
  const document = (await http(`${worker.url}/api/v1/openapi.json`)).json();
  const posts = Object.entries(document.paths).filter(([, item]) => item.post);
  for (const [template, item] of posts) {
    const cap = item.post['x-keyward-max-body-bytes'];
    assert.ok(Number.isInteger(cap) && cap >= 1024, `${template} states its cap: ${cap}`);
    const path = template.replace(/\{[^}]+\}/g, 'x');
    const over = await http(`${worker.url}${path}`, { method: 'POST', body: ' '.repeat(cap + 1) });
    assert.equal(over.status, 413, `${path}: ${over.text()}`);
    assert.deepEqual([over.json().error.code, over.json().error.field], ['body_too_large', 'body'], path);
  }
  // Within the cap the body is read: login says what it expected.
  const small = await http(`${worker.url}/api/v1/session`, { method: 'POST', body: 'not json' });
  assert.equal(small.status, 400);
  assert.equal(small.json().error.code, 'body_invalid');
});

test('a body of unknown length (chunked) is refused unread with 411, the link it was for stays open, and the Worker serves on', async () => {
  const link = (await seed(worker, 'Chunked Sender', 'chunked@limits.example.com')).split('/enroll/')[1];
  const chunk = Buffer.alloc(1024, 0x20);
  const answer = await exchange(`/api/v1/enrollments/${link}`, ['Transfer-Encoding: chunked'], (socket) => {
    for (let index = 0; index < 200; index += 1) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.write('0\r\n\r\n');
  });
  assert.equal(answer.status, 411, answer.received.slice(0, 300));
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
