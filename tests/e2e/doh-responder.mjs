// A local DNS-over-HTTPS responder (RFC 8484, POST only) on 127.0.0.1 for the end-to-end suites: it reads the
// wire query (RFC 1035: one question), answers the TXT records the test set for that name, and NXDOMAIN for any
// other name. Plain HTTP: the Worker under `wrangler dev` fetches it as KEYWARD_DOH_URL.
import { createServer } from 'node:http';

const TYPE_TXT = 16;
const CLASS_IN = 1;

/** Reads the question name at offset 12 (no compression in queries); returns { name, end } or null. */
function readQuestionName(message) {
  const labels = [];
  let position = 12;
  for (;;) {
    if (position >= message.length) return null;
    const length = message[position];
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: position + 1 };
    if (length > 63 || position + 1 + length > message.length) return null;
    labels.push(message.subarray(position + 1, position + 1 + length).toString('latin1'));
    position += 1 + length;
  }
}

/** The response to `query` (a Buffer), or null when it is not a one-question query. */
export function answer(query, records) {
  if (query.length < 12 || (query[2] & 0x80) !== 0 || query.readUInt16BE(4) !== 1) return null;
  const question = readQuestionName(query);
  if (question === null || question.end + 4 > query.length) return null;
  const type = query.readUInt16BE(question.end);
  const questionBytes = query.subarray(12, question.end + 4);
  const values = records.get(question.name);
  const answers = [];
  if (values !== undefined && type === TYPE_TXT) {
    for (const value of values) {
      // A value longer than 255 octets is split into several character-strings, as zone files do.
      const text = Buffer.from(value, 'utf8');
      const strings = [];
      for (let offset = 0; offset < text.length || strings.length === 0; offset += 255) {
        const chunk = text.subarray(offset, offset + 255);
        strings.push(Buffer.from([chunk.length]), chunk);
      }
      const data = Buffer.concat(strings);
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // the question's name
      fixed.writeUInt16BE(TYPE_TXT, 2);
      fixed.writeUInt16BE(CLASS_IN, 4);
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(data.length, 10);
      answers.push(fixed, data);
    }
  }
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the id
  const rcode = values === undefined ? 3 : 0;
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length / 2, 6);
  return Buffer.concat([header, questionBytes, ...answers]);
}

/**
 * Starts the responder. Returns { url, publish(name, values), remove(name), fail(mode), queries, stop() }:
 * `publish` sets the TXT values of a name (lower-cased); `fail` makes every later answer misbehave until
 * `fail(null)`: 'hang' (never answers), 'truncated' (TC flag set), 'servfail' (RCODE 2), 'html' (a 200 web page);
 * `queries` lists every name asked for, in order.
 */
export async function startDohResponder() {
  const records = new Map();
  const queries = [];
  let failure = null;
  const hanging = new Set();
  const server = createServer((request, response) => {
    if (failure === 'hang') {
      hanging.add(response);
      return;
    }
    if (failure === 'html') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>');
      return;
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const query = Buffer.concat(chunks);
      const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (request.method !== 'POST' || contentType !== 'application/dns-message') {
        response.writeHead(415).end();
        return;
      }
      const reply = answer(query, records);
      if (reply === null) {
        response.writeHead(400).end();
        return;
      }
      queries.push(readQuestionName(query).name);
      if (failure === 'truncated') reply[2] |= 0x02;
      if (failure === 'servfail') reply[3] = (reply[3] & 0xf0) | 2;
      response.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': reply.length }).end(reply);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    queries,
    publish(name, values) { records.set(name.toLowerCase(), values); },
    remove(name) { records.delete(name.toLowerCase()); },
    fail(mode) {
      failure = mode;
      if (mode !== 'hang') {
        for (const response of hanging) response.destroy();
        hanging.clear();
      }
    },
    stop() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
