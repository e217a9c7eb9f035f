// A local DNS-over-HTTPS responder (RFC 8484, POST only) on 127.0.0.1 for the end-to-end suites and
// `cargo xtask dev`: it reads the wire query (RFC 1035: one question) and answers from a zone the test sets per
// name: TXT records, CAA records (RFC 8659 4.1), a CNAME, or SERVFAIL. A name set without records of the type
// asked answers NOERROR with no data; any other name NXDOMAIN. Plain HTTP: the Worker under `wrangler dev`
// fetches it as KEYWARD_DOH_URL.
//
// Run directly (`node tests/e2e/doh-responder.mjs`), it serves an empty zone, prints its URL as the first line of
// standard output, and stops when its standard input closes (the process that started it ended) or on SIGINT or
// SIGTERM. `cargo xtask dev` runs it that way (xtask/src/doh.rs).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const TYPE_CNAME = 5;
const TYPE_TXT = 16;
const TYPE_CAA = 257;
const CLASS_IN = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
/** The longest CNAME chain the responder follows (a loop in the zone ends there). */
const MAXIMUM_CHAIN = 8;

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

/** `name` in wire form, uncompressed. */
function wireName(name) {
  const parts = name.split('.').filter((label) => label !== '').map((label) => {
    const bytes = Buffer.from(label, 'latin1');
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** One resource record: `owner` (wire bytes), type, class IN, TTL 60, `data`. */
function resourceRecord(owner, type, data) {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(60, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([owner, fixed, data]);
}

/** TXT data: a value longer than 255 octets is split into several character-strings, as zone files do. */
function txtData(value) {
  const text = Buffer.from(value, 'utf8');
  const strings = [];
  for (let offset = 0; offset < text.length || strings.length === 0; offset += 255) {
    const chunk = text.subarray(offset, offset + 255);
    strings.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(strings);
}

/**
 * A CAA record from its zone-file form (`0 issuemail "ca.example"`, `\"` and `\\` escaped in the value) or an
 * object `{ flags = 0, tag, value }`; returns { flags, tag, value } with the value as a Buffer.
 */
export function caaRecord(record) {
  if (typeof record === 'string') {
    const match = /^(\d+)\s+([A-Za-z0-9]+)\s+"((?:[^"\\]|\\.)*)"$/.exec(record.trim());
    if (match === null) throw new Error(`not a CAA record in zone-file form: ${record}`);
    return { flags: Number(match[1]), tag: match[2], value: Buffer.from(match[3].replace(/\\(.)/g, '$1'), 'latin1') };
  }
  return { flags: record.flags ?? 0, tag: record.tag, value: Buffer.from(record.value ?? '', 'latin1') };
}

/** CAA data (RFC 8659 4.1): flags, tag length, tag, value. */
function caaData(record) {
  const { flags, tag, value } = caaRecord(record);
  const tagBytes = Buffer.from(tag, 'latin1');
  return Buffer.concat([Buffer.from([flags, tagBytes.length]), tagBytes, value]);
}

/**
 * The response to `query` (a Buffer) from `zone` (a Map of lower-case name to { txt?: string[], caa?: records,
 * cname?: string, servfail?: true }), or null when it is not a one-question query.
 */
export function answer(query, zone) {
  if (query.length < 12 || (query[2] & 0x80) !== 0 || query.readUInt16BE(4) !== 1) return null;
  const question = readQuestionName(query);
  if (question === null || question.end + 4 > query.length) return null;
  const type = query.readUInt16BE(question.end);
  const questionBytes = query.subarray(12, question.end + 4);
  const answers = [];
  let rcode = 0;
  let current = question.name;
  for (let hop = 0; ; hop += 1) {
    const entry = zone.get(current);
    // The question's name is at offset 12; later names of a chain are written out.
    const owner = hop === 0 ? Buffer.from([0xc0, 0x0c]) : wireName(current);
    if (entry === undefined) {
      rcode = RCODE_NXDOMAIN;
      break;
    }
    if (entry.servfail) {
      rcode = RCODE_SERVFAIL;
      answers.length = 0;
      break;
    }
    if (entry.cname !== undefined && type !== TYPE_CNAME && hop < MAXIMUM_CHAIN) {
      answers.push(resourceRecord(owner, TYPE_CNAME, wireName(entry.cname)));
      current = entry.cname.toLowerCase();
      continue;
    }
    if (type === TYPE_TXT) for (const value of entry.txt ?? []) answers.push(resourceRecord(owner, TYPE_TXT, txtData(value)));
    if (type === TYPE_CAA) for (const record of entry.caa ?? []) answers.push(resourceRecord(owner, TYPE_CAA, caaData(record)));
    break;
  }
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the id
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, questionBytes, ...answers]);
}

/** The name of a record type number, for `questions`. */
function typeName(type) {
  return { [TYPE_TXT]: 'TXT', [TYPE_CAA]: 'CAA', [TYPE_CNAME]: 'CNAME' }[type] ?? String(type);
}

/**
 * Starts the responder. Returns { url, publish(name, values), publishCaa(name, records), alias(name, target),
 * servfail(name), remove(name), fail(mode), queries, questions, stop() }:
 * `publish` sets the TXT values of a name and `publishCaa` its CAA records (zone-file strings such as
 * `0 issuemail "keyward.example"`, or { flags, tag, value }); either with an empty list makes the name exist
 * without records of that type (NOERROR, no data). `alias` makes a name a CNAME of `target` (followed in the
 * answer, as a recursive resolver does); `servfail` makes a name answer SERVFAIL; `remove` forgets everything
 * about a name (NXDOMAIN). Names compare without case. `fail` makes every later answer misbehave until
 * `fail(null)`: 'hang' (never answers), 'truncated' (TC flag set), 'servfail' (RCODE 2), 'html' (a 200 web page).
 * `queries` lists every name asked for, in order; `questions` the same as { name, type } ('TXT', 'CAA', ...).
 */
export async function startDohResponder() {
  const zone = new Map();
  const queries = [];
  const questions = [];
  let failure = null;
  const hanging = new Set();
  const entry = (name) => {
    const key = name.toLowerCase().replace(/\.$/, '');
    if (!zone.has(key)) zone.set(key, {});
    return zone.get(key);
  };
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
      const reply = answer(query, zone);
      if (reply === null) {
        response.writeHead(400).end();
        return;
      }
      const question = readQuestionName(query);
      queries.push(question.name);
      questions.push({ name: question.name, type: typeName(query.readUInt16BE(question.end)) });
      if (failure === 'truncated') reply[2] |= 0x02;
      if (failure === 'servfail') reply[3] = (reply[3] & 0xf0) | RCODE_SERVFAIL;
      response.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': reply.length }).end(reply);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    queries,
    questions,
    publish(name, values) { entry(name).txt = values; },
    publishCaa(name, records) {
      records.forEach(caaRecord); // a malformed record fails here, in the test, not in an answer
      entry(name).caa = records;
    },
    alias(name, target) { entry(name).cname = target.toLowerCase().replace(/\.$/, ''); },
    servfail(name) { entry(name).servfail = true; },
    remove(name) { zone.delete(name.toLowerCase().replace(/\.$/, '')); },
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const responder = await startDohResponder();
  const stop = () => responder.stop().then(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`${responder.url}\n`);
}
