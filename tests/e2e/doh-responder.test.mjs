// The local DNS-over-HTTPS responder itself (no Worker): what it answers for TXT and CAA questions, NODATA,
// NXDOMAIN, SERVFAIL and CNAME chains, read back with a small independent decoder; and the standalone mode
// `cargo xtask dev` runs (its URL on the first line, gone when its standard input closes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startDohResponder } from './doh-responder.mjs';

const RESPONDER = fileURLToPath(new URL('./doh-responder.mjs', import.meta.url));

const TYPES = { TXT: 16, CAA: 257, CNAME: 5 };

/** A query for `name` of `type` with id 0x4b57. */
function query(name, type) {
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.from([0x4b, 0x57, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPES[type], 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}

/** Reads a (possibly compressed) name at `position`; returns { name, end }. */
function readName(message, position) {
  const labels = [];
  let end = null;
  for (;;) {
    const length = message[position];
    if (length === 0) return { name: labels.join('.'), end: end ?? position + 1 };
    if ((length & 0xc0) === 0xc0) {
      end ??= position + 2;
      position = message.readUInt16BE(position) & 0x3fff;
      continue;
    }
    labels.push(message.subarray(position + 1, position + 1 + length).toString('latin1'));
    position += 1 + length;
  }
}

/** Decodes a response: { id, rcode, question, answers: [{ owner, type, data }] } with TXT and CAA data read. */
function decode(message) {
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  assert.equal(flags & 0x8000, 0x8000, 'QR set');
  assert.equal(message.readUInt16BE(4), 1, 'one question');
  const question = readName(message, 12);
  let position = question.end + 4;
  const answers = [];
  for (let index = 0; index < message.readUInt16BE(6); index += 1) {
    const owner = readName(message, position);
    position = owner.end;
    const type = message.readUInt16BE(position);
    const length = message.readUInt16BE(position + 8);
    const data = message.subarray(position + 10, position + 10 + length);
    position += 10 + length;
    if (type === TYPES.CAA) {
      const tag = data.subarray(2, 2 + data[1]).toString('latin1');
      answers.push({ owner: owner.name, type: 'CAA', data: `${data[0]} ${tag} "${data.subarray(2 + data[1]).toString('latin1')}"` });
    } else if (type === TYPES.TXT) {
      answers.push({ owner: owner.name, type: 'TXT', data: data.subarray(1, 1 + data[0]).toString('latin1') });
    } else if (type === TYPES.CNAME) {
      answers.push({ owner: owner.name, type: 'CNAME', data: readName(message, position - length).name });
    }
  }
  assert.equal(position, message.length, 'nothing after the answers');
  return { id, rcode: flags & 0x0f, question: question.name, answers };
}

/** Asks `url` for the `type` records of `name`. */
async function ask(url, name, type) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: query(name, type) });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/dns-message');
  const decoded = decode(Buffer.from(await response.arrayBuffer()));
  assert.equal(decoded.id, 0x4b57);
  assert.equal(decoded.question, name);
  return decoded;
}

test('answers CAA, TXT, NODATA, NXDOMAIN, SERVFAIL and CNAME chains from the zone the test sets', async () => {
  const resolver = await startDohResponder();
  try {
    resolver.publishCaa('Example.com', ['0 issuemail "keyward.example"', { flags: 128, tag: 'tbs', value: 'x' }, '0 issue ";"']);
    resolver.publish('example.com', ['v=spf1 -all']);
    resolver.publishCaa('nodata.example.com', []);
    resolver.servfail('broken.example.com');
    resolver.alias('www.example.com', 'cdn.example.net');
    resolver.publishCaa('cdn.example.net', ['0 issue "cdn-ca.example"']);
    resolver.alias('dangling.example.com', 'nowhere.example.net');

    assert.deepEqual(await ask(resolver.url, 'example.com', 'CAA'), {
      id: 0x4b57, rcode: 0, question: 'example.com',
      answers: [
        { owner: 'example.com', type: 'CAA', data: '0 issuemail "keyward.example"' },
        { owner: 'example.com', type: 'CAA', data: '128 tbs "x"' },
        { owner: 'example.com', type: 'CAA', data: '0 issue ";"' },
      ],
    });
    // The TXT API is unchanged: the same name's TXT records, and no CAA record in a TXT answer.
    assert.deepEqual((await ask(resolver.url, 'example.com', 'TXT')).answers, [{ owner: 'example.com', type: 'TXT', data: 'v=spf1 -all' }]);
    // A name set without records of the type asked: NOERROR, no data (CAA and TXT alike).
    assert.deepEqual(await ask(resolver.url, 'nodata.example.com', 'CAA'), { id: 0x4b57, rcode: 0, question: 'nodata.example.com', answers: [] });
    assert.equal((await ask(resolver.url, 'nodata.example.com', 'TXT')).rcode, 0);
    // Any other name: NXDOMAIN. A failing name: SERVFAIL.
    assert.deepEqual(await ask(resolver.url, 'mail.example.com', 'CAA'), { id: 0x4b57, rcode: 3, question: 'mail.example.com', answers: [] });
    assert.equal((await ask(resolver.url, 'broken.example.com', 'CAA')).rcode, 2);
    // CNAME: the chain, then the target's records; to a missing target, NXDOMAIN with the chain.
    assert.deepEqual((await ask(resolver.url, 'www.example.com', 'CAA')).answers, [
      { owner: 'www.example.com', type: 'CNAME', data: 'cdn.example.net' },
      { owner: 'cdn.example.net', type: 'CAA', data: '0 issue "cdn-ca.example"' },
    ]);
    const dangling = await ask(resolver.url, 'dangling.example.com', 'CAA');
    assert.equal(dangling.rcode, 3);
    assert.deepEqual(dangling.answers, [{ owner: 'dangling.example.com', type: 'CNAME', data: 'nowhere.example.net' }]);
    // What was asked, in order.
    assert.deepEqual(resolver.questions.slice(0, 3), [
      { name: 'example.com', type: 'CAA' }, { name: 'example.com', type: 'TXT' }, { name: 'nodata.example.com', type: 'CAA' },
    ]);
    assert.equal(resolver.queries.length, 8);
    // The global failure modes still apply, and `remove` forgets a name.
    resolver.fail('servfail');
    assert.equal((await ask(resolver.url, 'example.com', 'CAA')).rcode, 2);
    resolver.fail(null);
    resolver.remove('example.com');
    assert.equal((await ask(resolver.url, 'example.com', 'CAA')).rcode, 3);
    assert.throws(() => resolver.publishCaa('x.example.com', ['issuemail keyward.example']), /zone-file form/);
  } finally {
    await resolver.stop();
  }
});

test('run directly, it prints its URL, answers NXDOMAIN from an empty zone, and ends with its standard input', async () => {
  const child = spawn(process.execPath, [RESPONDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = await once(createInterface({ input: child.stdout }), 'line');
    assert.match(line, /^http:\/\/127\.0\.0\.1:\d+\/dns-query$/);
    assert.equal((await ask(line, 'example.com', 'CAA')).rcode, 3);
    const exited = once(child, 'exit');
    child.stdin.end();
    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill();
  }
});
