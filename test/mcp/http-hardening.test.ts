// The HTTP server against requests no well-behaved client sends: missing or wrong tokens, foreign Host and Origin
// (DNS rebinding), oversized, malformed and mistyped bodies, unknown sessions and paths, wrong methods, too many
// sessions, and serving off loopback without a token. Every refusal is a JSON-RPC body, and the server keeps serving.
import { request, type IncomingMessage } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitFor } from '../../src/mcp/http-body.js';
import { guardsFor, resolveToken } from '../../src/mcp/http-guards.js';
import { checkHttpOptions, serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { Gateway } from '../../src/mcp/server.js';
import { ConfigError } from '../../src/shared/index.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { connect, INITIALIZE, killMarked, mcpHeaders, openGateway, PING, raw, structured, type RawReply } from './http-helpers.js';

const MARK = `mcp-hardening-${process.pid}-${Date.now().toString(36)}`;
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let client: Client;
let port: number;

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: 'the-right-token-0123456789' });
  port = Number(new URL(http.url).port);
  client = await connect(http.url, http.token);
}, 90_000);

afterAll(async () => {
  await client?.close();
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

// The point of each test below: after the refusal, the same server still serves an ordinary client.
afterEach(async () => {
  const result = await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return 40 + 2;' } });
  expect(structured(result).value).toBe(42);
});

/** A refusal is a JSON-RPC error object with id null and a message, never HTML or plain text. */
function expectRefusal(reply: RawReply, status: number, code: number, message: RegExp): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code } });
  expect(reply.json?.error?.message).toMatch(message);
}

const post = (headers: Record<string, string>, body: string | Buffer = PING, path = '/mcp') => raw(http.url, { headers, body, path });

describe('health', () => {
  it('answers /healthz without a token, with nothing but a status', async () => {
    const reply = await raw(http.url, { method: 'GET', path: '/healthz', headers: { Host: 'anything.example' } });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"status":"ok"}');
    expectRefusal(await raw(http.url, { method: 'POST', path: '/healthz', body: '{}' }), 405, -32000, /Method not allowed/);
  });
});

describe('bearer token', () => {
  it.each([
    ['no Authorization header', {}, /send the header/],
    ['a wrong token of the same length', { Authorization: 'Bearer the-WRONG-token-012345678' }, /token is wrong/],
    ['a prefix of the token', { Authorization: 'Bearer the-right' }, /token is wrong/],
    ['the token with extra characters', { Authorization: 'Bearer the-right-token-0123456789x' }, /token is wrong/],
    ['another scheme', { Authorization: 'Basic dGhlLXJpZ2h0LXRva2Vu' }, /send the header/],
  ])('401 with %s, on every MCP path', async (_name, auth, message) => {
    const headers = { ...mcpHeaders(''), ...auth } as Record<string, string>;
    if (!('Authorization' in auth)) delete headers.Authorization;
    for (const [method, path] of [
      ['POST', '/mcp'],
      ['GET', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=x'],
    ] as const) {
      const reply = await raw(http.url, { method, path, headers, ...(method === 'POST' ? { body: PING } : {}) });
      expectRefusal(reply, 401, -32000, message);
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="enclave-mcp"/);
    }
  });

  it('takes the scheme in any case', async () => {
    const reply = await post({ ...mcpHeaders(''), Authorization: 'bearer the-right-token-0123456789' }, INITIALIZE);
    expect(reply.status).toBe(200);
  });
});

describe('Host and Origin (DNS rebinding)', () => {
  it.each(['evil.example', `evil.example:${0}`, '127.0.0.1:1', '10.0.0.1'])('403 for Host %s', async (host) => {
    const reply = await post(mcpHeaders(http.token, { Host: host.replace(':0', `:${port}`) }));
    expectRefusal(reply, 403, -32000, /Host ".*" is not this server's address/);
  });

  it('accepts every loopback name with our port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await post(mcpHeaders(http.token, { Host: host }), INITIALIZE)).status).toBe(200);
    }
  });

  it('403 for a foreign Origin, and for a page served from another local port', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'http://localhost:5173', `https://127.0.0.1:${port}`, 'null']) {
      expectRefusal(await post(mcpHeaders(http.token, { Origin: origin })), 403, -32000, /web origin/);
    }
    expect((await post(mcpHeaders(http.token, { Origin: `http://localhost:${port}` }), INITIALIZE)).status).toBe(200);
  });

  it('off loopback: the bound host, names listed in allowedHosts (and their https origins); wildcard binding leaves Host to the token', () => {
    const req = (headers: Record<string, string>) => ({ headers: { authorization: 'Bearer t', ...headers } }) as unknown as IncomingMessage;
    const bound = guardsFor({ host: '10.1.2.3', port: 8080, allowedHosts: ['mcp.example.com'] });
    expect(bound.check(req({ host: '10.1.2.3:8080' }))).toBeUndefined();
    expect(bound.check(req({ host: 'mcp.example.com', origin: 'https://mcp.example.com' }))).toBeUndefined();
    expect(bound.check(req({ host: 'localhost:8080' }))?.kind).toBe('foreign-host');
    expect(bound.check(req({ host: '10.1.2.3:8080', origin: 'https://evil.example' }))?.kind).toBe('foreign-origin');
    const wildcard = guardsFor({ host: '0.0.0.0', port: 8080 });
    expect(wildcard.check(req({ host: 'whatever.internal:8080' }))).toBeUndefined();
    expect(wildcard.check(req({ host: 'whatever.internal:8080', origin: 'http://whatever.internal:8080' }))?.kind).toBe('foreign-origin');
    // Tokens are judged after these guards (http-auth.ts): the 401s above are served from there.
    expect(wildcard.check(req({ host: 'x', authorization: 'Bearer u' }))).toBeUndefined();
  });
});

describe('bodies', () => {
  const limit = bodyLimitFor(32 * 1024); // STRICT's maxCodeBytes

  it('413 with a JSON-RPC body for a body over the limit (2 × maxCodeBytes + 64 KB)', async () => {
    expect(limit).toBe(131_072);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'execute_agentscript', arguments: { code: 'x'.repeat(limit) } },
    });
    expectRefusal(await post(mcpHeaders(http.token), body), 413, -32000, /limit is 131072 bytes/);
  });

  it('lets a script just over maxCodeBytes through to the validator, whose message says what to do', async () => {
    const result = await client.callTool({ name: 'execute_agentscript', arguments: { code: `return "${'\\"'.repeat(16 * 1024)}";` } });
    expect(structured(result).error?.code).toBe('VALIDATION_ERROR');
    expect(structured(result).error?.message).toMatch(/bytes; the limit is 32768/);
  });

  it('400 parse error (-32700) for malformed JSON, on /mcp and /messages', async () => {
    expectRefusal(await post(mcpHeaders(http.token), '{"jsonrpc":"2.0",'), 400, -32700, /not valid JSON/);
    const sse = await ssePath();
    expectRefusal(await post(mcpHeaders(http.token), '{oops', sse), 400, -32700, /not valid JSON/);
    expectRefusal(await post(mcpHeaders(http.token), '{"hello":1}', sse), 400, -32600, /JSON-RPC/);
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonx'], ['']])('415 for Content-Type "%s"', async (type) => {
    const headers = mcpHeaders(http.token, { 'Content-Type': type });
    if (!type) delete headers['Content-Type'];
    expectRefusal(await post(headers), 415, -32000, /Content-Type: application\/json/);
  });
});

describe('sessions, paths and methods', () => {
  it('404 (-32001) for an unknown session id, on POST and GET /mcp and on /messages', async () => {
    const headers = mcpHeaders(http.token, { 'Mcp-Session-Id': 'no-such-session', 'Mcp-Protocol-Version': '2025-06-18' });
    expectRefusal(await post(headers), 404, -32001, /Session not found/);
    expectRefusal(await raw(http.url, { method: 'GET', headers }), 404, -32001, /Session not found/);
    expectRefusal(await post(mcpHeaders(http.token), PING, '/messages?sessionId=no-such-session'), 404, -32001, /Session not found/);
  });

  it('400 for a request without a session that is not initialize', async () => {
    expectRefusal(await post(mcpHeaders(http.token)), 400, -32000, /Send initialize first/);
  });

  it('404 for an unknown path and 405 (with Allow) for a wrong method', async () => {
    expectRefusal(await post(mcpHeaders(http.token), PING, '/admin'), 404, -32000, /serves \/mcp/);
    const put = await raw(http.url, { method: 'PUT', headers: mcpHeaders(http.token), body: PING });
    expectRefusal(put, 405, -32000, /Method not allowed: PUT/);
    expect(put.headers.allow).toBe('POST, GET, DELETE');
    expect((await raw(http.url, { method: 'GET', path: '/messages', headers: mcpHeaders(http.token) })).headers.allow).toBe('POST');
  });

  it('503 once maxSessions sessions are open, and serves again when one ends', async () => {
    const small = await serveHttp(gateway, { host: '127.0.0.1', port: 0, maxSessions: 2 });
    try {
      const a = await connect(small.url, small.token);
      await connect(small.url, small.token, 'sse');
      const full = await raw(small.url, { headers: mcpHeaders(small.token), body: INITIALIZE });
      expectRefusal(full, 503, -32000, /2 sessions are open/);
      expect(full.headers['retry-after']).toBe('30');
      await (a.transport as StreamableHTTPClientTransport).terminateSession();
      expect((await raw(small.url, { headers: mcpHeaders(small.token), body: INITIALIZE })).status).toBe(200);
    } finally {
      await small.close(0);
    }
  });
});

describe('serving off loopback', () => {
  it('refuses 0.0.0.0 or a LAN address without a token, before listening', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'my-host.local']) {
      expect(() => checkHttpOptions({ host })).toThrow(ConfigError);
      await expect(serveHttp(gateway, { host, port: 0 })).rejects.toThrow(/Refusing to listen on .* without a bearer token.*--token/);
    }
    expect(() => resolveToken('0.0.0.0', '')).toThrow(/token is empty/);
    expect(resolveToken('0.0.0.0', 'given')).toEqual({ token: 'given', generated: false });
    const generated = resolveToken('localhost', undefined);
    expect(generated.generated).toBe(true);
    expect(generated.token).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
  });
});

/** Opens a legacy SSE stream by hand and returns the POST path its endpoint event names (/messages?sessionId=…). */
function ssePath(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/sse', headers: { Authorization: `Bearer ${http.token}`, Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const path = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
        if (path) resolve(path); // the stream stays open until the server closes
      });
    });
    req.on('error', reject);
    req.end();
  });
}
