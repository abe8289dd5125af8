// CORS (--allow-origin): a web application on a listed origin can call /mcp from a browser, with its own token;
// every other origin is still refused before any token is read, and without the option no CORS header is sent.
// Real HTTP on 127.0.0.1 (raw requests, as a browser sends its preflight) and the SDK client with the app's Origin.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeOrigin } from '../../src/mcp/http-cors.js';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import type { Gateway } from '../../src/mcp/server.js';
import { INITIALIZE, killMarked, mcpHeaders, openGateway, raw } from './http-helpers.js';

const MARK = `mcp-cors-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = 'cors-test-token-0123456789abcdef';
const APP = 'http://127.0.0.1:5173';
let open: OpenManifest;
let gateway: Gateway;
let listed: HttpServer;
let plain: HttpServer;

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK));
  listed = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN, allowedOrigins: [`${APP}/`] });
  plain = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN });
}, 90_000);
afterAll(async () => {
  await Promise.all([listed?.close(0), plain?.close(0)]);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

const preflight = (url: string, origin: string) =>
  raw(url, {
    method: 'OPTIONS',
    path: '/mcp',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,mcp-session-id' },
  });

describe('--allow-origin', () => {
  it('answers a listed origin’s preflight without a token, naming what it may send and read', async () => {
    const r = await preflight(listed.url, APP);
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(r.headers['access-control-allow-methods']).toBe('GET, POST, DELETE');
    expect(String(r.headers['access-control-allow-headers'])).toMatch(/Authorization.*Content-Type.*Mcp-Session-Id.*Mcp-Protocol-Version/);
    expect(r.headers['access-control-allow-credentials']).toBeUndefined(); // tokens, never cookies
    expect(r.headers.vary).toBe('Origin');
  });

  it('lets the listed origin read answers, refusals included (a 401 it must be able to show)', async () => {
    const ok = await raw(listed.url, { method: 'POST', path: '/mcp', headers: mcpHeaders(TOKEN, { Origin: APP }), body: INITIALIZE });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(String(ok.headers['access-control-expose-headers'])).toContain('Mcp-Session-Id');
    const denied = await raw(listed.url, { method: 'POST', path: '/mcp', headers: mcpHeaders('wrong-token', { Origin: APP }), body: INITIALIZE });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(APP);
  });

  it('still refuses every other origin (403, no CORS header), preflight or not', async () => {
    for (const origin of [
      'http://127.0.0.1:5174',
      'https://127.0.0.1:5173',
      'http://evil.example',
      'null',
      'http://127.0.0.1:51730',
      'http://127.0.0.1:5173.evil.example',
      'http://127.0.0.1:5173/',
    ]) {
      const p = await preflight(listed.url, origin);
      expect(p.status, origin).toBe(403);
      expect(p.headers['access-control-allow-origin'], origin).toBeUndefined();
      const post = await raw(listed.url, { method: 'POST', path: '/mcp', headers: mcpHeaders(TOKEN, { Origin: origin }), body: INITIALIZE });
      expect(post.status, origin).toBe(403);
    }
  });

  it('sends no CORS header when no origin is listed, and our own origin needs none', async () => {
    expect((await preflight(plain.url, APP)).status).toBe(403);
    const own = new URL(plain.url).origin;
    const r = await raw(plain.url, { method: 'POST', path: '/mcp', headers: mcpHeaders(TOKEN, { Origin: own }), body: INITIALIZE });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves a whole session to the SDK client sending the listed Origin', async () => {
    const originFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('Origin', APP);
      return fetch(input, { ...init, headers });
    };
    const client = new Client({ name: 'cors', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(listed.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } }, fetch: originFetch }),
    );
    try {
      const r = await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return 6 * 7;' } });
      expect(r.structuredContent).toMatchObject({ success: true, value: 42 });
    } finally {
      await client.close();
    }
  });
});

describe('normalizeOrigin', () => {
  it('takes origins only', () => {
    expect(normalizeOrigin('https://App.Example/')).toBe('https://app.example');
    expect(normalizeOrigin('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173');
    for (const bad of ['*', 'app.example', 'https://app.example/path', 'ftp://x', 'https://u:p@app.example', 'https://app.example/?q']) {
      expect(normalizeOrigin(bad), bad).toBeUndefined();
    }
  });
});

describe('our own origin, as browsers see it (the playground)', () => {
  it('bound to every interface with no Host list, no Origin passes: the playground there needs its address named', async () => {
    const wide = await serveHttp(gateway, { host: '0.0.0.0', port: 0, token: TOKEN });
    try {
      const port = new URL(wide.url).port;
      const at = `http://127.0.0.1:${port}`;
      const own = await raw(at, { method: 'POST', path: '/mcp', headers: mcpHeaders(TOKEN, { Origin: at, Host: `127.0.0.1:${port}` }), body: INITIALIZE });
      expect(own.status).toBe(403); // a DNS-rebinding page's Origin equals its Host too
    } finally {
      await wide.close(0);
    }
    const named = await serveHttp(gateway, { host: '0.0.0.0', port: 0, token: TOKEN, allowedHosts: ['mcp.lan:8443'] });
    try {
      const r = await raw(named.url.replace('0.0.0.0', '127.0.0.1'), {
        method: 'POST',
        path: '/mcp',
        headers: mcpHeaders(TOKEN, { Origin: 'https://mcp.lan:8443', Host: 'mcp.lan:8443' }),
        body: INITIALIZE,
      });
      expect(r.status).toBe(200);
    } finally {
      await named.close(0);
    }
  });

  it('--public-url names our origin whatever its scheme (plain http behind a proxy too)', async () => {
    const proxied = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN, publicUrl: 'http://mcp.internal:8080', allowedHosts: [] });
    try {
      const r = await raw(proxied.url, { method: 'POST', path: '/mcp', headers: mcpHeaders(TOKEN, { Origin: 'http://mcp.internal:8080' }), body: INITIALIZE });
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBeUndefined(); // same origin: no CORS needed or given
    } finally {
      await proxied.close(0);
    }
  });
});
