// A local HTTP email API for the outbox suite, on 127.0.0.1: it records every request and answers 200 with a
// message id, or what it is told to answer next (503 three times, 400 once, after a delay).
import { createServer } from 'node:http';

/**
 * Starts the sink on a free port. Returns { url, received, answer(status, times, body), delay(ms), stop() };
 * `received` holds { method, path, headers, body (parsed JSON or null), text, answered } per request, in
 * order (`answered` turns true once the sink has answered it).
 */
export async function startMailSink() {
  const received = [];
  const script = [];
  let delayMilliseconds = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body = null;
      try { body = JSON.parse(text); } catch { /* recorded as text only */ }
      const record = { method: request.method, path: request.url, headers: request.headers, body, text, answered: false };
      received.push(record);
      const answer = script.shift() ?? { status: 200, body: { id: `sink-${received.length}` } };
      setTimeout(() => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
        record.answered = true;
      }, delayMilliseconds);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/send`,
    received,
    /** The next `times` requests get `status` (and `body`, default `{ error: 'status N' }`). */
    answer(status, times = 1, body = { error: `status ${status}` }) {
      for (let index = 0; index < times; index += 1) script.push({ status, body });
    },
    /** Every answer waits `milliseconds` from now on. */
    delay(milliseconds) {
      delayMilliseconds = milliseconds;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
