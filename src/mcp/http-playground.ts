// The playground's static files (DESIGN §7): GET / is the page, GET /web/<file> its assets, as `npm run build` wrote
// them into dist/web (scripts/build-web.mjs). They hold no secret and no tool list, so they need no token: everything
// the page does goes through POST /mcp with the token the person gives it. Only the files of the table below are
// served: a request path is looked up, never joined to a folder, so no traversal or listing can reach anything else.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from 'router';
import { errorBody, refuse } from './http-replies.js';

/** What the build writes, by URL path. A file missing from the build (the browser sandbox, before it exists) is a 404. */
const FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/web/app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['/web/app.css', { file: 'app.css', type: 'text/css; charset=utf-8' }],
  ['/web/sandbox-worker.js', { file: 'sandbox-worker.js', type: 'text/javascript; charset=utf-8' }],
  // application/wasm is what WebAssembly.instantiateStreaming insists on.
  ['/web/quickjs.wasm', { file: 'quickjs.wasm', type: 'application/wasm' }],
]);

/**
 * The page runs only our own code: no inline script, no other host (a script injected through a tool result shown in
 * the page cannot load or send anything elsewhere), WebAssembly compiled for the browser sandbox, and no framing
 * (clickjacking of Run). Inline styles only because CodeMirror injects its style elements. With auth.oauth, the page
 * signs people in: it may also reach the issuer's origin (metadata, registration, token requests), and no other.
 */
export const cspFor = (issuerOrigin: string | undefined): string =>
  [
    "default-src 'self'",
    "script-src 'self'", // WebAssembly is compiled by the sandbox's worker only (WORKER_CSP)
    "worker-src 'self'",
    `connect-src 'self'${issuerOrigin ? ` ${issuerOrigin}` : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

/**
 * The browser sandbox's worker runs scripts from share links and recordings: a dedicated worker takes its policy
 * from its own response, not from the page, so it gets its own, tighter one (it only fetches its WebAssembly).
 */
export const WORKER_CSP = ["default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'"].join('; ');

const COMMON = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
/**
 * Cross-origin isolation (COOP + COEP) lets the page share a stop flag with the browser sandbox's worker, so Cancel
 * stops a computing replay inside the engine instead of ending the worker. Everything the page loads is ours.
 */
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const ASSET_HEADERS = { ...COMMON, 'Cache-Control': 'no-cache', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const WORKER_HEADERS = { ...ASSET_HEADERS, 'Content-Security-Policy': WORKER_CSP };

/** What the page learns of the server's OAuth set-up (nothing secret: a public client's id and the issuer). */
export interface PageOAuth {
  /** auth.oauth.issuer: its origin joins connect-src. */
  issuer: string;
  /** auth.oauth.playgroundClientId: the page's registration there; absent, the page registers itself (RFC 7591). */
  clientId?: string;
}

/** dist/web of this package: the same folder from src/mcp (tsx) and from dist/mcp (built). */
export const WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Adds the playground's routes; they go before the token check (http.ts), after the Host and Origin guards. */
export function mountPlayground(router: Router.Router, webDir = WEB_DIR, oauth?: PageOAuth): void {
  // The page itself is small and always checked again (a new build must show at once); assets by their ETag.
  const htmlHeaders = {
    ...COMMON,
    ...ISOLATED,
    'Content-Security-Policy': cspFor(oauth && new URL(oauth.issuer).origin),
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
  };
  // Whether to look for sign-in at all: a page on a server without OAuth then asks for no metadata (a 401 it would log).
  const config = JSON.stringify({ oauth: oauth !== undefined, ...(oauth?.clientId ? { oauthClientId: oauth.clientId } : {}) });
  router.use((req, res, next) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/web/config.json') return sendConfig(req, res, config);
    const entry = FILES.get(path); // a Map: no inherited key (a path is never "constructor", but a Map cannot be fooled)
    if (entry) return void serve(req, res, webDir, entry, htmlHeaders).catch(next); // a failure is the router's 500, as elsewhere
    // Anything else under /web/ is not ours to serve, token or not: /web/../package.json, /web/, /web/%2e%2e/…
    if (path.startsWith('/web/') || path === '/web') return refuse(res, { kind: 'not-found', detail: path.slice(0, 100) });
    next();
  });
}

/** The page's settings from the server (oauth.ts reads them): JSON, never cached, GET and HEAD only. */
function sendConfig(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' });
  res.writeHead(200, { ...COMMON, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' }).end(body);
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  webDir: string,
  entry: { file: string; type: string },
  htmlHeaders: Record<string, string>,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' });
  const full = join(webDir, entry.file); // a name from the table above, never from the request
  let body: Buffer;
  let etag: string;
  try {
    const info = await stat(full);
    etag = `"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
    body = await readFile(full);
  } catch {
    if (entry.file === 'index.html') return notBuilt(res);
    return refuse(res, { kind: 'not-found', detail: (req.url ?? '').slice(0, 100) });
  }
  const own = entry.file === 'index.html' ? htmlHeaders : entry.file === 'sandbox-worker.js' ? WORKER_HEADERS : ASSET_HEADERS;
  const headers = { ...own, 'Content-Type': entry.type, ETag: etag };
  if (req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'Content-Length': body.length }).end(body);
}

/** A checkout that was never built has no page: say how to get one (a JSON-RPC error, like every refusal here). */
function notBuilt(res: ServerResponse): void {
  const body = errorBody(-32000, 'Service unavailable: the playground is not built. Run `npm run build` (or `npm run build:web`) and reload.');
  res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' }).end(body);
}
