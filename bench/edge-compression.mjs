// A local stand-in for what Cloudflare's edge does to the Worker's answers' encoding. In production, Cloudflare
// compresses every answer whose media type is on its list (below,
// https://developers.cloudflare.com/speed/optimization/content/compression/) with Brotli when the browser accepts
// it, else Gzip, for status 200–299 and for 403 and 404, and then weakens a strong ETag; Workers Static Assets
// (HTML, JS, WASM, CSS) get this too. Locally, `wrangler dev` sends the static assets Gzip-compressed whatever the
// browser offers (measured 2026-12-07: Content-Encoding gzip with Accept-Encoding "gzip, deflate, br"), so a page
// measured straight from it downloads Gzip where production sends Brotli. The Lighthouse benchmark goes through
// this proxy: it forwards every request unchanged (method, path, headers, body) except that it asks the Worker for
// the uncompressed answer, and encodes the answer the way the edge would, nothing else (no cache of answers, no
// rewriting, no header added beyond Content-Encoding and Vary). The levels are conservative: Brotli quality 4 and
// Gzip level 6, on-the-fly levels, not the maximum (Brotli 11 would make the recipient's WebAssembly 248 KB
// instead of 301). Each compressed body is kept by its content's digest, as the edge keeps compressed assets in
// its cache, so the compression's own time is not counted against the page on every run.
import { createHash } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';

/** Cloudflare's default compressible media types. */
export const COMPRESSIBLE = new Set(['text/html', 'text/richtext', 'text/plain', 'text/css', 'text/x-script',
  'text/x-component', 'text/x-java-source', 'text/x-markdown', 'application/javascript', 'application/x-javascript',
  'text/javascript', 'text/js', 'image/x-icon', 'image/vnd.microsoft.icon', 'application/x-perl',
  'application/x-httpd-cgi', 'text/xml', 'application/xml', 'application/rss+xml', 'application/vnd.api+json',
  'application/x-protobuf', 'application/json', 'multipart/bag', 'multipart/mixed', 'application/xhtml+xml',
  'font/ttf', 'font/otf', 'font/x-woff', 'image/svg+xml', 'application/vnd.ms-fontobject', 'application/ttf',
  'application/x-ttf', 'application/otf', 'application/x-otf', 'application/truetype', 'application/opentype',
  'application/x-opentype', 'application/font-woff', 'application/eot', 'application/font', 'application/font-sfnt',
  'application/wasm', 'application/javascript-binast', 'application/manifest+json', 'application/ld+json',
  'application/graphql+json', 'application/geo+json']);

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** The encoding the edge picks for a request's Accept-Encoding: `br`, else `gzip`, else none. */
export function chooseEncoding(acceptEncoding = '') {
  const offered = new Map(String(acceptEncoding).split(',').map((part) => {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const quality = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    return [name, quality === undefined ? 1 : Number(quality.slice(2))];
  }));
  if (offered.get('br') > 0) return 'br';
  if (offered.get('gzip') > 0) return 'gzip';
  return null;
}

/** Whether the edge compresses an answer of this status and Content-Type. */
export function compressible(status, contentType = '') {
  const media = String(contentType).split(';')[0].trim().toLowerCase();
  return ((status >= 200 && status < 300) || status === 403 || status === 404) && COMPRESSIBLE.has(media);
}

function compress(body, encoding) {
  return encoding === 'br'
    ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : zlib.gzipSync(body, { level: 6 });
}

/**
 * Starts the proxy on a free port of 127.0.0.1; `target` (the Worker's origin) can be set after it listens, so the
 * Worker can be started with the proxy's URL as its public URL. Resolves to { url, setTarget, stats, stop }: `stats`
 * counts the answers by encoding and the bytes before and after, for the report's notes.
 */
export async function startEdgeCompression() {
  let target = null;
  const cache = new Map();
  const stats = { answers: 0, compressed: 0, encodings: {}, bytesIn: 0, bytesOut: 0, acceptEncoding: new Set() };
  const server = http.createServer((request, response) => {
    if (!target) { response.writeHead(503).end('no target yet'); return; }
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    headers.host = target.host;
    // The Worker answers uncompressed either way; the edge, not the origin, chooses the encoding.
    delete headers['accept-encoding'];
    stats.acceptEncoding.add(request.headers['accept-encoding'] ?? '(none)');
    const upstream = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const out = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
        const encoding = chooseEncoding(request.headers['accept-encoding']);
        let sent = body;
        stats.answers += 1;
        if (encoding && body.length > 0 && !answer.headers['content-encoding'] && compressible(answer.statusCode, answer.headers['content-type'])) {
          const key = `${encoding} ${createHash('sha256').update(body).digest('hex')}`;
          if (!cache.has(key)) cache.set(key, compress(body, encoding));
          sent = cache.get(key);
          out['content-encoding'] = encoding;
          out.vary = out.vary ? `${out.vary}, Accept-Encoding` : 'Accept-Encoding';
          if (out.etag && !out.etag.startsWith('W/')) out.etag = `W/${out.etag}`;
          stats.compressed += 1;
          stats.encodings[encoding] = (stats.encodings[encoding] ?? 0) + 1;
        }
        stats.bytesIn += body.length;
        stats.bytesOut += sent.length;
        if (request.method !== 'HEAD' && answer.statusCode !== 204 && answer.statusCode !== 304) out['content-length'] = String(sent.length);
        response.writeHead(answer.statusCode, answer.statusMessage, out);
        response.end(request.method === 'HEAD' ? undefined : sent);
      });
      answer.on('error', (error) => response.destroy(error));
    });
    upstream.on('error', (error) => { if (!response.headersSent) response.writeHead(502); response.end(String(error)); });
    request.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    setTarget(origin) { target = new URL(origin); },
    stats,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
