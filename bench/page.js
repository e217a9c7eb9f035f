// The benchmark page's code (bundled by `cargo xtask bench` with esbuild into target/bench/page.js): the same
// work done by Keyward's real Rust code (the `bench` build of the frontend crate, src/bench.rs), by WebCrypto
// alone, by PKI.js and by node-forge. `bench/browser.mjs` drives it with playwright-core and does the timing
// loop; each function here does one run and returns its phases in milliseconds (performance.now()).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import forge from 'node-forge';
import init, * as keyward from './pkg/keyward_bench.js';

const COMMON_NAME = 'Ada Lovelace';
const subtle = globalThis.crypto.subtle;

const KEY_TYPES = {
  rsa2048: { rsa: 2048 },
  rsa3072: { rsa: 3072 },
  rsa4096: { rsa: 4096 },
  ecdsa_p256: { curve: 'P-256', hash: 'SHA-256' },
  ecdsa_p384: { curve: 'P-384', hash: 'SHA-384' },
};

/** The parameters keys.rs passes to generateKey, for the WebCrypto floor and the JavaScript peers. */
function generationParameters(keyType) {
  const { rsa, curve } = KEY_TYPES[keyType];
  return rsa
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: rsa, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: curve };
}

const now = () => performance.now();

/**
 * Keyward: `keys::generate` then `keys::certificate_request`, the real Rust code, in one call. The phase
 * boundaries are read from the SubtleCrypto calls that code makes (wrapped for this run only): keygen ends when
 * generateKey resolves, export when the last exportKey resolves, and the rest is the request built, signed by
 * WebCrypto and encoded.
 */
async function keywardRun(keyType) {
  const marks = [];
  const prototype = SubtleCrypto.prototype;
  const originals = { generateKey: prototype.generateKey, exportKey: prototype.exportKey };
  for (const [name, original] of Object.entries(originals)) {
    prototype[name] = function timed(...args) {
      return original.apply(this, args).then((value) => { marks.push([name, now()]); return value; });
    };
  }
  let pem;
  const start = now();
  try {
    pem = await keyward.bench_keygen_csr(keyType);
  } finally {
    Object.assign(prototype, originals);
  }
  const end = now();
  const generated = marks.find(([name]) => name === 'generateKey')[1];
  const exported = marks.filter(([name]) => name === 'exportKey').at(-1)[1];
  return { keygen: generated - start, export: exported - generated, csr: end - exported, total: end - start, pem };
}

/** WebCrypto generateKey alone, with the parameters Keyward uses: the floor. */
async function webcryptoRun(keyType) {
  const start = now();
  await subtle.generateKey(generationParameters(keyType), true, ['sign', 'verify']);
  const end = now();
  return { keygen: end - start, total: end - start };
}

const toPem = (label, der) => {
  const base64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;
};

/**
 * PKI.js: WebCrypto key pair, the private key exported as PKCS#8 (which the bundle needs later, as Keyward's
 * export does), then a CertificationRequest whose SPKI PKI.js exports itself and which WebCrypto signs.
 */
async function pkijsRun(keyType) {
  const start = now();
  const pair = await subtle.generateKey(generationParameters(keyType), true, ['sign', 'verify']);
  const generated = now();
  await subtle.exportKey('pkcs8', pair.privateKey);
  const exported = now();
  const request = new pkijs.CertificationRequest();
  request.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({
    type: '2.5.4.3', value: new asn1js.Utf8String({ value: COMMON_NAME }),
  }));
  await request.subjectPublicKeyInfo.importKey(pair.publicKey);
  await request.sign(pair.privateKey, KEY_TYPES[keyType].hash ?? 'SHA-256');
  const der = request.toSchema().toBER(false);
  const end = now();
  return { keygen: generated - start, export: exported - generated, csr: end - exported, total: end - start,
    pem: toPem('CERTIFICATE REQUEST', der) };
}

function forgeRequest(keys) {
  const request = forge.pki.createCertificationRequest();
  request.publicKey = keys.publicKey;
  request.setSubject([{ name: 'commonName', value: COMMON_NAME }]);
  request.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(request);
}

/** node-forge in pure-JavaScript mode: `generateKeyPair({bits, e})` without a callback (synchronous, main thread). */
function forgeJsRun(keyType) {
  forge.options.usePureJavaScript = true;
  const start = now();
  const keys = forge.pki.rsa.generateKeyPair({ bits: KEY_TYPES[keyType].rsa, e: 0x10001 });
  const generated = now();
  const pem = forgeRequest(keys);
  const end = now();
  return { keygen: generated - start, csr: end - generated, total: end - start, pem };
}

/**
 * node-forge's native mode: `generateKeyPair({bits, e}, callback)`, which in a browser runs WebCrypto's
 * generateKey, exports PKCS#8 and parses it into forge's objects (keygen here includes that export and parse);
 * the request is then signed by forge in JavaScript.
 */
async function forgeWebcryptoRun(keyType) {
  forge.options.usePureJavaScript = false;
  const start = now();
  const keys = await new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits: KEY_TYPES[keyType].rsa, e: 0x10001 },
      (error, pair) => (error ? reject(error) : resolve(pair)));
  });
  const generated = now();
  const pem = forgeRequest(keys);
  const end = now();
  return { keygen: generated - start, csr: end - generated, total: end - start, pem };
}

export const KEYGEN_IMPLEMENTATIONS = {
  keyward: { run: keywardRun, keyTypes: Object.keys(KEY_TYPES) },
  webcrypto: { run: webcryptoRun, keyTypes: Object.keys(KEY_TYPES) },
  pkijs: { run: pkijsRun, keyTypes: Object.keys(KEY_TYPES) },
  'forge-webcrypto': { run: forgeWebcryptoRun, keyTypes: ['rsa2048', 'rsa3072', 'rsa4096'] },
  'forge-js': { run: forgeJsRun, keyTypes: ['rsa2048', 'rsa3072', 'rsa4096'] },
};

// ---- PKCS#12 ----

const PASSWORD = 'correct horse battery staple';
let fixture;

const binaryString = (bytes) => {
  let text = '';
  for (let index = 0; index < bytes.length; index += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return text;
};

/** Keyward: `shared::pkcs12::build` alone, at the iteration count given. */
function keywardPkcs12(profile) {
  return (iterations) => keyward.bench_pkcs12_build(profile, iterations, fixture.key, fixture.certificate,
    fixture.chain, PASSWORD);
}

/** Keyward as the page runs it: `keys::bundle` (the profile's recommended count, then re-opened and compared). */
function keywardPkcs12App(profile) {
  return () => keyward.bench_pkcs12_app(profile, fixture.key, fixture.certificate, fixture.chain, PASSWORD);
}

/**
 * node-forge: `pkcs12.toPkcs12Asn1` with AES-256-CBC and PBKDF2-HMAC-SHA256 for the key (forge's only
 * encryption of the key), the certificates unencrypted (forge does not encrypt them), HMAC-SHA1 MAC (forge's
 * only MAC), all at `iterations`; from the same DER inputs.
 */
function forgePkcs12(iterations) {
  const key = forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(binaryString(fixture.key)));
  const certificates = [fixture.certificate, ...fixture.chain]
    .map((der) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(binaryString(der))));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certificates, PASSWORD,
    { algorithm: 'aes256', prfAlgorithm: 'sha256', count: iterations, friendlyName: COMMON_NAME });
  return Uint8Array.from(forge.asn1.toDer(asn1).getBytes(), (character) => character.charCodeAt(0));
}

/**
 * PKI.js: Keyward's modern profile rebuilt with PKI.js (PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256 for the key bag
 * and for the certificates, HMAC-SHA256 MAC with the PKCS#12 KDF), all at `iterations`. PBKDF2 and AES run in
 * WebCrypto; the MAC's KDF in JavaScript (@noble/hashes).
 */
async function pkijsPkcs12(iterations) {
  const password = new TextEncoder().encode(PASSWORD).buffer;
  const localKeyId = await subtle.digest('SHA-1', fixture.certificate);
  const attributes = () => [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.20', values: [new asn1js.BmpString({ value: COMMON_NAME })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.21', values: [new asn1js.OctetString({ valueHex: localKeyId })] }),
  ];
  const encryption = { password, contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 },
    hmacHashAlgorithm: 'SHA-256', iterationCount: iterations };
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(fixture.key) });
  await keyBag.makeInternalValues(encryption);
  const certificateBags = [fixture.certificate, ...fixture.chain].map((der, index) => new pkijs.SafeBag({
    bagId: '1.2.840.113549.1.12.10.1.3',
    bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(der) }),
    ...(index === 0 ? { bagAttributes: attributes() } : {}),
  }));
  const pfx = new pkijs.PFX({ parsedValue: {
    integrityMode: 0,
    authenticatedSafe: new pkijs.AuthenticatedSafe({ parsedValue: { safeContents: [
      { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({
        bagId: '1.2.840.113549.1.12.10.1.2', bagValue: keyBag, bagAttributes: attributes() })] }) },
      { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certificateBags }) },
    ] } }),
  } });
  await pfx.parsedValue.authenticatedSafe.makeInternalValues({ safeContents: [{}, encryption] });
  await pfx.makeInternalValues({ password, iterations, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' });
  return new Uint8Array(pfx.toSchema().toBER(false));
}

export const PKCS12_IMPLEMENTATIONS = {
  'keyward-modern': keywardPkcs12('modern'),
  'keyward-compatible': keywardPkcs12('compatible'),
  pkijs: pkijsPkcs12,
  forge: forgePkcs12,
  'keyward-modern-app': keywardPkcs12App('modern'),
  'keyward-compatible-app': keywardPkcs12App('compatible'),
};

// ---- the page's interface for bench/browser.mjs ----

globalThis.bench = {
  async init(fixtureBase64) {
    await init();
    const bytes = (base64) => Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    fixture = { key: bytes(fixtureBase64.key), certificate: bytes(fixtureBase64.certificate),
      chain: fixtureBase64.chain.map(bytes) };
    return { forge: forge.options ? 'loaded' : 'missing', iterations: {
      modern: keyward.bench_recommended_iterations('modern'), compatible: keyward.bench_recommended_iterations('compatible') } };
  },
  /** One keygen+CSR run; `keepPem` returns the request for a check with OpenSSL. */
  async keygen(implementation, keyType, keepPem) {
    const { pem, ...phases } = await KEYGEN_IMPLEMENTATIONS[implementation].run(keyType);
    return keepPem ? { ...phases, pem } : phases;
  },
  keyTypes(implementation) {
    return KEYGEN_IMPLEMENTATIONS[implementation].keyTypes;
  },
  /** One PKCS#12 build; `keep` returns the bundle (base64) for a check with OpenSSL. */
  async pkcs12(implementation, iterations, keep) {
    const start = now();
    const bundle = await PKCS12_IMPLEMENTATIONS[implementation](iterations);
    const end = now();
    const result = { total: end - start };
    if (keep) result.bundle = btoa(binaryString(bundle));
    return result;
  },
};
