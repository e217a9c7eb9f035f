/**
 * A software WebAuthn authenticator for Node, for the suites that log in CA administrators over HTTP
 * (`harness.mjs`'s `login`) and for the passkey suite's forged answers: one P-256 credential (node:crypto), an
 * attestation object with fmt "none" in CBOR, and assertions signed over authenticatorData || SHA-256(clientDataJSON)
 * (WebAuthn 6.1, 6.5, 7). Everything a test may want to get wrong is a parameter: the origin, the RP ID, the
 * ceremony's type, the counter.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** CBOR (RFC 8949), the subset WebAuthn uses: integers, byte and text strings, maps (a `Map` keeps key order). */
export function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
    const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') { const text = Buffer.from(value, 'utf8'); return Buffer.concat([head(3, text.length), text]); }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

export class SoftwareAuthenticator {
  /** `origin`: the page's origin the browser would state; `rpId`: the RP ID the authenticator hashes. */
  constructor({ origin, rpId }) {
    this.origin = origin;
    this.rpId = rpId;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' });
    this.credentialId = randomBytes(16);
    this.signCount = 0;
  }

  /** The credential's COSE key: EC2, ES256, P-256, x, y. */
  coseKey() {
    return cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(this.publicJwk.x, 'base64url')], [-3, Buffer.from(this.publicJwk.y, 'base64url')]]));
  }

  authenticatorData({ rpId = this.rpId, flags = 0x01, signCount = this.signCount, attested = false } = {}) {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(signCount >>> 0);
    const parts = [sha256(rpId), Buffer.from([flags | (attested ? 0x40 : 0)]), count];
    if (attested) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), length, this.credentialId, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  clientData({ type, challenge, origin = this.origin }) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** The answer to `navigator.credentials.create` with the Worker's `CreationOptions`, as `NewPasskey` fields. */
  register(options, { name = 'Software authenticator', origin, rpId, type = 'webauthn.create' } = {}) {
    const clientDataJson = this.clientData({ type, challenge: options.challenge, origin });
    const authData = this.authenticatorData({ rpId, signCount: this.signCount, attested: true });
    const attestationObject = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      name,
      challenge: options.challenge,
      credential_id: b64url(this.credentialId),
      client_data_json: b64url(clientDataJson),
      attestation_object: b64url(attestationObject),
    };
  }

  /**
   * The answer to `navigator.credentials.get` with the Worker's `RequestOptions`, as `PasskeyAssertion` fields. The
   * counter goes up by one unless `signCount` says otherwise.
   */
  assert(options, { origin, rpId, type = 'webauthn.get', signCount } = {}) {
    this.signCount = signCount ?? this.signCount + 1;
    const clientDataJson = this.clientData({ type, challenge: options.challenge, origin });
    const authData = this.authenticatorData({ rpId, signCount: this.signCount });
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJson)]), this.privateKey);
    return {
      challenge: options.challenge,
      credential_id: b64url(this.credentialId),
      client_data_json: b64url(clientDataJson),
      authenticator_data: b64url(authData),
      signature: b64url(signature),
    };
  }
}
