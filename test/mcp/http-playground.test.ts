// The playground's static routes (src/mcp/http-playground.ts): GET / and the built assets under /web/, served without
// a token but behind the Host and Origin guards, with a strict CSP on the page, the right content types, and nothing
// else: no other file under /web/ (traversal in any spelling), no listing, no method but GET and HEAD. A checkout
// that was never built answers 503 saying to build.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from 'router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { mountPlayground, WEB_DIR } from '../../src/mcp/http-playground.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { raw, type RawReply } from './http-helpers.js';

const TOKEN = 'playground-routes-token-0123456789';
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;

beforeAll(async () => {
  // No downstream server: the routes under test never reach a tool.
  open = await openLoaded(parseManifest({ servers: {}, allow: [] }, { baseDir: tempDir('playground-routes'), env: {} }));
  gateway = new Gateway(open);
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN });
}, 60_000);

afterAll(async () => {
  await http?.close(0);
  gateway?.close();
  await open?.close();
});

const get = (path: string, headers: Record<string, string> = {}): Promise<RawReply> => raw(http.url, { method: 'GET', path, headers });

/** A refusal of ours: the status, and a JSON-RPC error body (never a file, never an HTML page). */
function expectRefused(reply: RawReply, status: number): void {
  expect(reply.status, reply.text.slice(0, 200)).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number), message: expect.any(String) } });
}

describe('GET /: the page', () => {
  it('is HTML, served without a token, with the strict CSP and no-sniff, no-referrer headers', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toBe(readFileSync(join(WEB_DIR, 'index.html'), 'utf8'));
    for (const id of ['token', 'editor', 'issues', 'run', 'cancel', 'timeline', 'result', 'error', 'tools']) expect(page.text).toContain(`data-testid="${id}"`);
    const csp = String(page.headers['content-security-policy']).split(/;\s*/);
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "connect-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
      ]),
    );
    // Nothing looser anywhere: no inline or eval'd script, no other host, no wildcard.
    const sources = csp.flatMap((d) => d.split(/\s+/).slice(1));
    expect(sources.filter((s) => !["'self'", "'none'", "'wasm-unsafe-eval'", "'unsafe-inline'", 'data:'].includes(s))).toEqual([]);
    expect(csp.filter((d) => d.includes("'unsafe-inline'"))).toEqual(["style-src 'self' 'unsafe-inline'"]);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('with a query (a token someone put in the URL) is still the page; HEAD has the headers and no body', async () => {
    expect((await get(`/?token=${TOKEN}`)).status).toBe(200);
    const head = await raw(http.url, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.text).toBe('');
  });

  it('POST / is 405 with Allow: GET, HEAD', async () => {
    const reply = await raw(http.url, { method: 'POST', path: '/', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expectRefused(reply, 405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it('stays behind the Host and Origin guards (DNS rebinding)', async () => {
    expectRefused(await get('/', { Host: 'attacker.example' }), 403);
    expectRefused(await get('/web/app.js', { Origin: 'http://attacker.example' }), 403);
  });

  it('answers 304 to a matching If-None-Match, and its ETag changes with the file', async () => {
    const first = await get('/web/app.css');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const again = await get('/web/app.css', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await get('/web/app.css', { 'If-None-Match': '"other"' })).status).toBe(200);
  });
});

describe('GET /web/<file>: the built assets', () => {
  it.each([
    ['/web/app.js', 'text/javascript; charset=utf-8', 'app.js'],
    ['/web/app.css', 'text/css; charset=utf-8', 'app.css'],
    ['/web/quickjs.wasm', 'application/wasm', 'quickjs.wasm'],
  ])('%s: %s, the file the build wrote, no token needed', async (path, type, file) => {
    const reply = await raw(http.url, { method: 'GET', path });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(type);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(Number(reply.headers['content-length'])).toBe(readFileSync(join(WEB_DIR, file)).length);
  });

  it('the sandbox worker has its own, tighter CSP (a worker does not take the page’s), and the page is cross-origin isolated', async () => {
    const worker = await get('/web/sandbox-worker.js');
    expect(worker.status).toBe(200);
    expect(worker.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'");
    expect(worker.headers['cross-origin-resource-policy']).toBe('same-origin');
    const page = await get('/');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(String(page.headers['content-security-policy'])).not.toContain('wasm-unsafe-eval'); // only the worker compiles WebAssembly
  });

  it('/web/config.json tells the page whether to look for sign-in (here: no OAuth), never cached, no token needed', async () => {
    const reply = await get('/web/config.json');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ oauth: false });
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('the wasm is WebAssembly (its magic number), byte for byte', async () => {
    const res = await fetch(new URL('/web/quickjs.wasm', http.url));
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(Buffer.from(bytes).equals(readFileSync(join(WEB_DIR, 'quickjs.wasm')))).toBe(true);
  });

  it.each([
    ['an unknown file', '/web/nope.js'],
    ['the folder (no listing)', '/web/'],
    ['the folder without a slash', '/web'],
    ['index.html under /web', '/web/index.html'],
    ['a traversal', '/web/../package.json'],
    ['a traversal to the sources', '/web/../../src/cli.ts'],
    ['a traversal to the package', '/web/../../package.json'],
    ['an encoded traversal two levels up', '/web/%2e%2e/%2e%2e/package.json'],
    ['an encoded traversal', '/web/%2e%2e/package.json'],
    ['an encoded traversal with an encoded slash', '/web/%2e%2e%2fpackage.json'],
    ['a doubly encoded traversal', '/web/%252e%252e/package.json'],
    ['a backslash traversal', '/web/..\\package.json'],
    ['a file of the build with a suffix', '/web/app.js/..'],
    ['an absolute path', '/web//etc/passwd'],
    ['a name in another case', '/web/APP.js'],
    ['a NUL byte', '/web/app.js%00.css'],
  ])('%s (%s) is a 404 without a token, and no file', async (_what, path) => {
    const reply = await get(path);
    expectRefused(reply, 404);
    expect(reply.text).not.toMatch(/"name":\s*"enclave-mcp"|root:x:0|import /);
  });

  it('POST /web/app.js is 405', async () => {
    expectRefused(await raw(http.url, { method: 'POST', path: '/web/app.js', headers: { 'Content-Type': 'application/json' }, body: '{}' }), 405);
  });

  it('/mcp still asks for the token, and a path outside the playground still answers 401 before 404', async () => {
    expectRefused(await raw(http.url, { method: 'POST', path: '/mcp', headers: { 'Content-Type': 'application/json' }, body: '{}' }), 401);
    expectRefused(await get('/package.json'), 401);
  });
});

describe('a checkout that was never built', () => {
  let server: Server;
  let url: string;
  let empty: string;
  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), 'playground-unbuilt-'));
    const router = Router({ caseSensitive: true, strict: true });
    mountPlayground(router, empty);
    server = createServer((req, res) => router(req, res, () => res.writeHead(418).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(empty, { recursive: true, force: true });
  });

  it('GET / is a 503 saying to run npm run build; a missing asset is a 404; other paths pass through', async () => {
    const page = await raw(url, { method: 'GET', path: '/' });
    expectRefused(page, 503);
    expect(page.json?.error?.message).toMatch(/not built\. Run `npm run build`/);
    expectRefused(await raw(url, { method: 'GET', path: '/web/app.js' }), 404);
    expect((await raw(url, { method: 'GET', path: '/healthz' })).status).toBe(418);
  });
});
