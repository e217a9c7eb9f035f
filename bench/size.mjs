// `cargo xtask bench size` (issue 16): what each web bundle weighs on its first load, against its budget, and
// what weighs most in its WebAssembly. No browser and no Worker: the release files in `dist/` (what the Worker
// serves), each compressed with gzip -9, summed per bundle: the page (index.html), boot.js, style.css, the
// bundle's JavaScript glue and its WebAssembly. The packaging module (`dist/pkg/package*`, loaded by the
// packaging worker only when a bundle is built or opened, when the recipient brings a CSR, or when the order form
// reads a request) is reported apart: it is not part of any first load.
//
// The heaviest items: the functions of the linked module before wasm-opt (`target/wasm32-unknown-unknown/release/
// <binary>.wasm`, whose name section names them), grouped by crate (the first path segment of the demangled
// name), plus the data section (string literals and tables), ranked by raw bytes; each item's share of the raw
// module applies roughly to the optimized, compressed one. The same attribution twiggy's `top` gives, without
// installing it.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ROOT, row, merge, round } from './report.mjs';

const DIST = join(ROOT, 'dist');
const RELEASE = join(ROOT, 'target', 'wasm32-unknown-unknown', 'release');

/** The first-load bundles: name, the files of `dist/` it loads, its linked module, its budget in KB gzip. */
export const BUNDLES = [
  { name: 'recipient (enrollment: / and /enroll/{token})', files: ['index.html', 'boot.js', 'style.css', 'pkg/keyward.js', 'pkg/keyward_bg.wasm'],
    binary: 'keyward-frontend', budget: 250 },
  { name: 'recipient tools (/revoke, /repackage, /test-enrollment)', files: ['index.html', 'boot.js', 'style.css', 'pkg/tools.js', 'pkg/tools_bg.wasm'],
    binary: 'tools', budget: 250 },
  // The console, one bundle per group of pages (`frontend/src/console/pages.rs`; `public/boot.js` picks it).
  ...[
    ['console-login', 'console-login (login, reset, signup, validation link)'],
    ['console-home', 'console-home (attention, account, users, API keys, password, passkeys)'],
    ['console-records', 'console-records (certificates, activity, CA certificate search and audit)'],
    ['console-orders', 'console-orders (history, one order)'],
    ['console-order-form', 'console-order-form (the order form)'],
    ['console-validation', 'console-validation (organizations, domains, mailboxes)'],
    ['console-devices', 'console-devices (device requests: the lists)'],
    ['console-device-request', 'console-device-request (one device request)'],
    ['console-admin', 'console-admin (CA administrators: accounts, billing, vetting)'],
  ].map(([binary, name]) => ({ name, files: ['index.html', 'boot.js', 'style.css', `pkg/${binary}.js`, `pkg/${binary}_bg.wasm`],
    binary, budget: 300 })),
];

/** The module loaded after the first screen, by the packaging worker. */
export const LATER = { name: 'packaging module (loaded later)', files: ['bundle-worker.js', 'pkg/package.js', 'pkg/package_bg.wasm'],
  binary: 'package' };

const gzip = (path) => gzipSync(readFileSync(path), { level: 9 }).length;

function readLeb(bytes, offset) {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    const byte = bytes[position];
    position += 1;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, position];
    shift += 7;
  }
}

/** A function's name as rustc leaves it in the name section, made readable: legacy mangling (`_ZN3foo3bar17h…E`)
 * decoded, and the escapes of demangled names (`_$LT$`, `$u20$`, `..`) turned back into `<`, ` ` and `::`. */
export function demangle(name) {
  let text = name;
  if (text.startsWith('_ZN')) {
    const parts = [];
    let position = 3;
    while (position < text.length && text[position] !== 'E') {
      const match = /^\d+/.exec(text.slice(position));
      if (!match) break;
      const length = Number(match[0]);
      position += match[0].length;
      parts.push(text.slice(position, position + length));
      position += length;
    }
    if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
    text = parts.join('::');
  }
  const escapes = { LT: '<', GT: '>', RF: '&', BP: '*', C: ',', SP: '@', u20: ' ', u27: "'", u5b: '[', u5d: ']', u7b: '{', u7d: '}', u7e: '~', u3b: ';', u2b: '+', u22: '"' };
  return text.replace(/^_\$/, '$').replace(/\$([A-Za-z0-9]+)\$/g, (whole, code) => escapes[code] ?? whole).replace(/\.\./g, '::');
}

/** The crate a function belongs to: the first path segment; for `<T as Trait>::f`, T's crate, or the trait's
 * when T is a generic parameter or a primitive; v0-mangled names (`_R…`) by their crate root; else `(other)`. */
export function crateOf(name) {
  // ring's C and assembly-derived functions carry no Rust path.
  if (/^(ring_core_|fiat_|fe_|ge_|x25519_|sc_|p256_|p384_|nistz|bn_|LIMBS?_|limbs_)/.test(name)) return 'ring';
  if (name.startsWith('_R')) {
    const match = /C(?:s[0-9A-Za-z]*_)?(\d+)/.exec(name.slice(2));
    if (match) {
      const start = 2 + match.index + match[0].length;
      return name.slice(start, start + Number(match[1]));
    }
  }
  let text = demangle(name);
  if (text.startsWith('<')) {
    const inner = text.slice(1).replace(/^&(mut )?/, '').replace(/^\[/, '');
    const type = /^([A-Za-z_][A-Za-z0-9_]*)(::)?/.exec(inner);
    if (type && type[2]) return type[1];
    const trait = / as ([A-Za-z_][A-Za-z0-9_]*)::/.exec(text);
    if (trait) return trait[1];
    if (type) return type[1];
    return '(other)';
  }
  const match = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(text);
  return match ? match[1] : '(other)';
}

/** Raw bytes by item: each function body by its crate, and the data section. */
export function attribute(bytes) {
  let position = 8;
  const imported = { count: 0 };
  const bodies = [];
  const names = new Map();
  let data = 0;
  while (position < bytes.length) {
    const id = bytes[position];
    const [size, start] = readLeb(bytes, position + 1);
    const end = start + size;
    if (id === 2) {
      // Imports: function imports take the first function indices.
      let [count, at] = readLeb(bytes, start);
      for (let index = 0; index < count; index += 1) {
        for (let field = 0; field < 2; field += 1) {
          const [length, after] = readLeb(bytes, at);
          at = after + length;
        }
        const kind = bytes[at];
        at += 1;
        if (kind === 0) { [, at] = readLeb(bytes, at); imported.count += 1; }
        else if (kind === 1) { at += 1; const flags = bytes[at]; [, at] = readLeb(bytes, at + 1); if (flags & 1) [, at] = readLeb(bytes, at); }
        else if (kind === 2) { const flags = bytes[at]; [, at] = readLeb(bytes, at + 1); if (flags & 1) [, at] = readLeb(bytes, at); }
        else if (kind === 3) { at += 2; }
        else { [, at] = readLeb(bytes, at + 1); }
      }
    } else if (id === 10) {
      let [count, at] = readLeb(bytes, start);
      for (let index = 0; index < count; index += 1) {
        const [length, after] = readLeb(bytes, at);
        bodies.push(after + length - at);
        at = after + length;
      }
    } else if (id === 11) {
      data = size;
    } else if (id === 0) {
      const [nameLength, after] = readLeb(bytes, start);
      const sectionName = Buffer.from(bytes.subarray(after, after + nameLength)).toString('utf8');
      if (sectionName === 'name') {
        let at = after + nameLength;
        while (at < end) {
          const kind = bytes[at];
          const [subsectionSize, subsectionStart] = readLeb(bytes, at + 1);
          if (kind === 1) {
            let [count, cursor] = readLeb(bytes, subsectionStart);
            for (let index = 0; index < count; index += 1) {
              const [functionIndex, afterIndex] = readLeb(bytes, cursor);
              const [length, afterLength] = readLeb(bytes, afterIndex);
              names.set(functionIndex, Buffer.from(bytes.subarray(afterLength, afterLength + length)).toString('utf8'));
              cursor = afterLength + length;
            }
          }
          at = subsectionStart + subsectionSize;
        }
      }
    }
    position = end;
  }
  const byCrate = new Map();
  const functions = [];
  bodies.forEach((size, index) => {
    const name = names.get(index + imported.count) ?? `function ${index + imported.count}`;
    // wasm-bindgen reads and removes its descriptor functions: they never ship.
    if (name.startsWith('__wbindgen_describe')) return;
    const crate = crateOf(name);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + size);
    functions.push({ name: demangle(name), size });
  });
  byCrate.set('(data section: strings, tables)', data);
  // The shipped module is code and data; the name and other custom sections go (wasm-opt drops them).
  const total = functions.reduce((sum, entry) => sum + entry.size, 0) + data;
  const items = [...byCrate.entries()].map(([item, size]) => ({ item, bytes: size, share: round((100 * size) / total, 1) }))
    .sort((a, b) => b.bytes - a.bytes);
  functions.sort((a, b) => b.size - a.size);
  return { total, items, functions };
}

/** One bundle's figures: gzip per file and in all, and its heaviest items. */
export function measure(bundle) {
  const files = bundle.files.map((file) => {
    const path = join(DIST, file);
    return { file, gzip: existsSync(path) ? gzip(path) : NaN };
  });
  const total = files.reduce((sum, entry) => sum + entry.gzip, 0);
  const linked = join(RELEASE, `${bundle.binary}.wasm`);
  const attribution = existsSync(linked) ? attribute(readFileSync(linked)) : null;
  return { files, total, attribution };
}

function describe(measured) {
  const files = measured.files.map((entry) => `${entry.file} ${entry.gzip} B`).join(', ');
  if (!measured.attribution) return `gzip -9 per file: ${files}.`;
  const top = measured.attribution.items.slice(0, 10).map((entry) => `${entry.item} ${round(entry.bytes / 1000, 1)} KB (${entry.share}%)`).join(', ');
  return `gzip -9 per file: ${files}. Heaviest items of the linked module before wasm-opt (${round(measured.attribution.total / 1000, 1)} KB of code and data, uncompressed), by crate: ${top}.`;
}

function main() {
  const rows = [];
  const report = {};
  for (const bundle of BUNDLES) {
    const measured = measure(bundle);
    report[bundle.name] = measured;
    rows.push(row({
      name: `first load, ${bundle.name} bundle: HTML + JS + WASM + CSS, gzip -9`, unit: 'KB',
      keyward: { median: round(measured.total / 1000, 1), runs: 1 },
      target: { text: `≤ ${bundle.budget} KB (budget)`, met: (entry) => entry.keyward <= bundle.budget },
      notes: `KB = 1000 bytes; the release files in dist/ of the production build (cargo xtask build: no development feature, --cfg erase_components). ${describe(measured)}`,
    }));
    rows.at(-1).heaviest = measured.attribution?.items.slice(0, 10) ?? [];
    rows.at(-1).files = measured.files;
  }
  const later = measure(LATER);
  if (later.files.some((entry) => Number.isFinite(entry.gzip))) {
    rows.push(row({
      name: `${LATER.name}, gzip -9`, unit: 'KB', keyward: { median: round(later.total / 1000, 1), runs: 1 },
      notes: `Not part of a first load: the packaging worker fetches it when a bundle is built or opened, when the recipient brings their own CSR, or when the order form reads a request. ${describe(later)}`,
    }));
    rows.at(-1).heaviest = later.attribution?.items.slice(0, 10) ?? [];
  }
  merge('size', rows, { 'size part': new Date().toISOString() });
  for (const entry of rows) console.error(`[bench size] ${entry.name}: ${entry.keyward} KB${entry.target ? ` (${entry.target}: ${entry.met})` : ''}`);
  if (process.argv.includes('--verbose')) {
    for (const [name, measured] of Object.entries(report)) {
      console.error(`\n${name}:`);
      for (const entry of measured.attribution?.items.slice(0, 25) ?? []) console.error(`  ${entry.item}: ${entry.bytes} (${entry.share}%)`);
      for (const entry of measured.attribution?.functions.slice(0, 25) ?? []) console.error(`    ${entry.size} ${entry.name}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
