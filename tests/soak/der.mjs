// What the soak driver makes in Node, without a browser or a subprocess per request: PKCS#10 requests signed by
// keys from node:crypto (P-256 and RSA-2048), and OCSP requests (RFC 6960, a SHA-1 CertID) for a serial number
// of the issuing CA. A small DER writer and reader, enough for these two shapes and for reading the issuing CA's
// subject and key.
import { generateKeyPair, sign, createHash, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

function length(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: `tag`, then the concatenated `parts`. */
export function tlv(tag, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}
const sequence = (...parts) => tlv(0x30, ...parts);
const set = (...parts) => tlv(0x31, ...parts);

function objectIdentifier(dotted) {
  const arcs = dotted.split('.').map(Number);
  const bytes = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const groups = [arc & 0x7f];
    for (let rest = arc >> 7; rest > 0; rest >>= 7) groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A non-negative INTEGER from its big-endian magnitude. */
function unsignedInteger(magnitude) {
  let bytes = magnitude;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] & 0x80) === 0) bytes = bytes.subarray(1);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** The element at `offset`: { tag, start (of the contents), end }. */
export function readElement(der, offset = 0) {
  const tag = der[offset];
  let size = der[offset + 1];
  let start = offset + 2;
  if (size & 0x80) {
    const count = size & 0x7f;
    size = 0;
    for (let index = 0; index < count; index += 1) size = size * 256 + der[start + index];
    start += count;
  }
  return { tag, start, end: start + size };
}

/** The elements inside a constructed element. */
export function children(der, element) {
  const found = [];
  for (let offset = element.start; offset < element.end;) {
    const child = readElement(der, offset);
    found.push({ ...child, offset });
    offset = child.end;
  }
  return found;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/**
 * A fresh key pair and its PKCS#10 request (PEM), subject `CN=<commonName>` (the Worker takes the subject from
 * the order, not the request). `type`: 'p256' or 'rsa2048'. Resolves to { csr, spki (DER of the public key) }.
 */
export async function makeRequest(type = 'p256', commonName = 'soak') {
  const { publicKey, privateKey } = type === 'rsa2048'
    ? await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
    : await generate('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const subject = sequence(set(sequence(objectIdentifier('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))));
  const info = sequence(unsignedInteger(Buffer.from([0])), subject, spki, tlv(0xa0));
  const algorithm = type === 'rsa2048'
    ? sequence(objectIdentifier(SHA256_WITH_RSA), tlv(0x05))
    : sequence(objectIdentifier(ECDSA_WITH_SHA256));
  const signature = sign('sha256', info, privateKey);
  const der = sequence(info, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').match(/.{1,64}/g).join('\n');
  return { csr: `-----BEGIN CERTIFICATE REQUEST-----\n${base64}\n-----END CERTIFICATE REQUEST-----\n`, spki };
}

/**
 * The OCSP request builder for one issuer (its certificate, DER): `request(serialHex)` is the DER OCSPRequest
 * for that serial, with the SHA-1 hashes of the issuer's subject name and public key (RFC 6960 4.1.1).
 */
export function ocspRequests(issuerDer) {
  const certificate = readElement(issuerDer);
  const [tbs] = children(issuerDer, certificate);
  const fields = children(issuerDer, tbs);
  const offset = fields[0].tag === 0xa0 ? 1 : 0; // [0] version
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  const [, key] = children(issuerDer, spki);
  const nameHash = createHash('sha1').update(issuerDer.subarray(subject.offset, subject.end)).digest();
  const keyHash = createHash('sha1').update(issuerDer.subarray(key.start + 1, key.end)).digest();
  const sha1 = sequence(objectIdentifier('1.3.14.3.2.26'), tlv(0x05));
  return (serialHex) => sequence(sequence(sequence(sequence(sequence(
    sha1, tlv(0x04, nameHash), tlv(0x04, keyHash), unsignedInteger(Buffer.from(serialHex.padStart(2, '0'), 'hex')))))));
}

/**
 * An OCSP response's `responseStatus`: 'successful' (0) or another RFC 6960 name. Enough to count answers, not a
 * verifier (the revocation suite verifies responses with OpenSSL).
 */
export function ocspStatus(der) {
  const names = ['successful', 'malformedRequest', 'internalError', 'tryLater', '4', 'sigRequired', 'unauthorized'];
  const outer = readElement(der);
  const [status] = children(der, outer);
  const code = der[status.start];
  return names[code] ?? String(code);
}

/** The certificate's subjectPublicKeyInfo, DER, and its email SAN (lower-case) or null. */
export function certificateFacts(pem) {
  const certificate = new X509Certificate(pem);
  const email = /email:([^,\s]+)/.exec(certificate.subjectAltName ?? '')?.[1]?.toLowerCase() ?? null;
  return { spki: certificate.publicKey.export({ type: 'spki', format: 'der' }), email, serial: certificate.serialNumber.toLowerCase() };
}
