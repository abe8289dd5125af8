// The HTTP layer is routed by Express's router, and none of Express's defaults may reach a client: no X-Powered-By
// header, no HTML page from a last handler (a path no route takes, a target it cannot parse, a handler that throws), no
// case- or trailing-slash-insensitive matching of our paths, no route pattern read into a path that --public-url gives.
// Every answer is ours: JSON, and for a refusal a JSON-RPC error.
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { Metrics } from '../../src/mcp/metrics.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { Gateway } from '../../src/mcp/server.js';
import { ConfigError } from '../../src/shared/index.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { connect, INITIALIZE, killMarked, mcpHeaders, openGateway, raw, type RawReply, structured } from './http-helpers.js';

const MARK = `mcp-router-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = 'express-test-token-0123456789';
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let port: number;
/** Set to make the next /metrics scrape throw inside its handler: a real collector that fails. */
let collectorFails = false;

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK));
  const metrics = new Metrics({ processMetrics: false });
  new Gauge({
    name: 'test_collector',
    help: 'Throws on scrape while the test asks it to.',
    registers: [metrics.registry],
    collect() {
      if (collectorFails) throw new Error('the test collector failed on purpose');
    },
  });
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN, metrics });
  port = Number(new URL(http.url).port);
}, 90_000);

afterAll(async () => {
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

/** Nothing of Express's own: no X-Powered-By, no HTML; a refusal is a JSON-RPC error body with the code given. */
function expectOurs(reply: RawReply, status: number, code?: number): void {
  expect(reply.status, reply.text.slice(0, 300)).toBe(status);
  expect(reply.headers['x-powered-by']).toBeUndefined();
  expect(reply.headers['content-type'] ?? '').not.toMatch(/html/i);
  expect(reply.text).not.toMatch(/<(!DOCTYPE|html|pre|body)/i);
  if (code !== undefined) expect(reply.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code } });
}

const auth = (): Record<string, string> => mcpHeaders(TOKEN);

describe('no answer is Express’s own', () => {
  it.each([
    ['an unknown path', 'GET', '/admin', 404],
    ['/mcp in another case', 'POST', '/MCP', 404],
    ['/mcp with a trailing slash', 'POST', '/mcp/', 404],
    ['"//" (a path that reads as a host)', 'GET', '//x/mcp', 404],
    ['a target the router cannot parse', 'GET', 'http://', 404],
    ['an absolute target no URL can hold', 'POST', 'http://127.0.0.1:99999/mcp', 404],
    ['a method /mcp does not take', 'PUT', '/mcp', 405],
    ['OPTIONS', 'OPTIONS', '/mcp', 405],
    ['a method /healthz does not take', 'POST', '/healthz', 405],
  ])('%s: %s %s → %i', async (_what, method, path, status) => {
    const reply = await raw(http.url, { method, path, headers: auth(), ...(method === 'POST' || method === 'PUT' ? { body: INITIALIZE } : {}) });
    expectOurs(reply, status, -32000);
    if (status === 405) expect(reply.headers.allow).toMatch(/^[A-Z, ]+$/);
  });

  it('HEAD /mcp is a 405 with Allow, not routed to the GET handler', async () => {
    const reply = await raw(http.url, { method: 'HEAD', path: '/mcp', headers: auth() });
    expectOurs(reply, 405);
    expect(reply.headers.allow).toBe('POST, GET, DELETE');
  });

  it('the 404 of an unknown path comes after the token check', async () => {
    expectOurs(await raw(http.url, { method: 'GET', path: '/admin' }), 401, -32000);
  });

  it('413 and 415 before any parsing', async () => {
    expectOurs(await raw(http.url, { headers: auth(), body: 'x'.repeat(200_000) }), 413, -32000);
    expectOurs(await raw(http.url, { headers: { ...auth(), 'Content-Type': 'text/html' }, body: INITIALIZE }), 415, -32000);
  });

  it('a handler that throws: 500 with a JSON-RPC internal error, and the server keeps serving', async () => {
    collectorFails = true;
    try {
      expectOurs(await raw(http.url, { method: 'GET', path: '/metrics', headers: auth() }), 500, -32603);
    } finally {
      collectorFails = false;
    }
    expectOurs(await raw(http.url, { method: 'GET', path: '/metrics', headers: auth() }), 200);
    const client = await connect(http.url, TOKEN);
    try {
      expect(structured(await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return 40 + 2;' } })).value).toBe(42);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('what succeeds is ours too: /healthz, and initialize at an absolute-form target', async () => {
    const health = await raw(http.url, { method: 'GET', path: '/healthz' });
    expectOurs(health, 200);
    expect(health.text).toBe('{"status":"ok"}');
    expectOurs(await raw(http.url, { path: `http://127.0.0.1:${port}/mcp`, headers: auth(), body: INITIALIZE }), 200);
  });
});

describe('listening', () => {
  it('a port in use is a ConfigError that says what to change', async () => {
    const second = serveHttp(gateway, { host: '127.0.0.1', port, token: TOKEN });
    await expect(second).rejects.toThrow(ConfigError);
    await expect(second).rejects.toThrow(`127.0.0.1:${port} is in use. Choose another with --port (0 picks a free one) or --host.`);
  });
});

describe('the RFC 9728 metadata under a --public-url path', () => {
  it('is served at exactly its path, even when that path holds what route patterns read as syntax', async () => {
    const dir = tempDir('mcp-router-public');
    const issuer = 'https://as.example.test';
    const manifest = { servers: {}, allow: [], auth: { oauth: { issuer, jwksUri: `${issuer}/jwks`, requiredScopes: ['mcp'] } } };
    const opened = await openLoaded(parseManifest(manifest, { baseDir: dir, env: {} }));
    const oauth = new Gateway(opened);
    const server = await serveHttp(oauth, { host: '127.0.0.1', port: 0, publicUrl: 'https://mcp.example.test/team(1):x*' });
    try {
      const path = '/.well-known/oauth-protected-resource/team(1):x*/mcp';
      expect(server.resourceMetadataUrl).toBe(`https://mcp.example.test${path}`);
      const metadata = await raw(server.url, { method: 'GET', path });
      expectOurs(metadata, 200);
      expect(metadata.json).toMatchObject({ resource: 'https://mcp.example.test/team(1):x*/mcp', authorization_servers: [issuer] });
      // Had ":x" been read as a parameter, this would be the metadata too; it is no public path, so the token is asked for.
      expectOurs(await raw(server.url, { method: 'GET', path: '/.well-known/oauth-protected-resource/team(1)yz/mcp' }), 401, -32000);
    } finally {
      await server.close(0);
      oauth.close();
      await opened.close();
    }
  });
});
