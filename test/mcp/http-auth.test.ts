// Authentication over HTTP, end to end: a real serveHttp with a manifest's `auth` (named tokens and OAuth) and
// `principals`, a real authorization server (oidc-provider), and the MCP SDK client's own OAuth support discovering
// it (401 → RFC 9728 metadata → authorization server metadata → client_credentials token). Refusals are 401 with a
// WWW-Authenticate that names the metadata, 403 for a missing scope, an unmatched principal or another's session.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveToken } from '../../src/mcp/http-guards.js';
import { checkHttpOptions, serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { readyText } from '../../src/mcp/ready-text.js';
import { Gateway } from '../../src/mcp/server.js';
import { ConfigError } from '../../src/shared/index.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { type AuthorizationServer, CLIENT_SECRET, startAuthorizationServer } from '../fixtures/authorization-server.js';
import { freePort, tempDir } from '../tool-bridge/helpers.js';
import { connect, INITIALIZE, killMarked, manifestJson, mcpHeaders, raw, REPO_ROOT, structured, TSX, type RawReply } from './http-helpers.js';
import { waitFor } from '../wait-for.js';

const MARK = `mcp-http-auth-${process.pid}-${Date.now().toString(36)}`;
const TOKENS = { alice: `alice-${'a1'.repeat(20)}`, bob: `bob-${'b2'.repeat(20)}`, stranger: `stranger-${'s3'.repeat(20)}` };
const OPERATOR_TOKEN = `operator-${'o4'.repeat(20)}`;

let as: AuthorizationServer;
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let resource: string; // http://127.0.0.1:<port>/mcp: the canonical resource URI, by default

/**
 * The manifest: memory and everything (or no server at all, for servers that need none), three named tokens, OAuth
 * from `issuer`, and a principal per caller, each with its own tools.
 */
function authManifest(dir: string, issuer: string, servers = true): Record<string, unknown> {
  const base = manifestJson(MARK, dir) as { servers: Record<string, unknown> };
  const only = (allow: string[]) => (servers ? { allow } : {});
  return {
    ...base,
    servers: servers ? { memory: base.servers.memory, everything: base.servers.everything } : {},
    allow: servers ? ['memory:*', 'everything:echo', 'everything:get-sum'] : [],
    deny: servers ? ['memory:delete_*'] : [],
    auth: { tokens: TOKENS, oauth: { issuer, requiredScopes: ['mcp'] } }, // no jwksUri: found in the issuer's metadata
    principals: {
      readers: { match: { token: 'alice' }, ...only(['memory:*']) },
      adders: { match: { token: 'bob' }, ...only(['everything:get-sum']) },
      agents: { match: { client_id: 'agent' }, ...only(['everything:echo']) },
    },
  };
}

async function gatewayFor(manifest: Record<string, unknown>, dir: string): Promise<{ open: OpenManifest; gateway: Gateway }> {
  const opened = await openLoaded(parseManifest(manifest, { baseDir: dir, env: {} }));
  return { open: opened, gateway: new Gateway(opened) };
}

beforeAll(async () => {
  as = await startAuthorizationServer();
  const dir = tempDir('mcp-http-auth');
  ({ open, gateway } = await gatewayFor(authManifest(dir, as.issuer), dir));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
  resource = http.url;
}, 90_000);

afterAll(async () => {
  await http?.close(0);
  gateway?.close();
  await open?.close();
  await as?.close();
  killMarked(MARK);
});

const post = (token: string | undefined, body = INITIALIZE, extra: Record<string, string> = {}, url = http.url): Promise<RawReply> => {
  const headers = mcpHeaders(token ?? '', extra);
  if (token === undefined) delete headers.Authorization;
  return raw(url, { headers, body });
};
const call = (id: number, code: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'execute_agentscript', arguments: { code } } });
const wwwAuthenticate = (reply: RawReply): string => String(reply.headers['www-authenticate'] ?? '');

/**
 * An SDK client that gets its own tokens from the authorization server, starting from nothing but the URL. (The SDK's
 * client_credentials flow asks for the provider's own `scope`, not the one our challenge names: it must be given.)
 */
async function oauthClient(url: string, scope: string | undefined = 'mcp'): Promise<Client> {
  const client = new Client({ name: 'http-auth-test', version: '1.0.0' });
  const authProvider = new ClientCredentialsProvider({
    clientId: 'agent',
    clientSecret: CLIENT_SECRET,
    expectedIssuer: as.issuer,
    ...(scope ? { scope } : {}),
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider }));
  return client;
}
const describeExecute = async (client: Client): Promise<string> =>
  (await client.listTools()).tools.find((t) => t.name === 'execute_agentscript')?.description ?? '';

describe('discovery (RFC 9728)', () => {
  it('serves the protected resource metadata at the resource path and at the root, without a token', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const reply = await raw(http.url, { method: 'GET', path, headers: { Host: 'anything.example' } });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({
        resource,
        authorization_servers: [as.issuer],
        scopes_supported: ['mcp'],
        bearer_methods_supported: ['header'],
        resource_name: 'enclave-mcp',
      });
    }
    expect((await discoverOAuthProtectedResourceMetadata(new URL(resource))).resource).toBe(resource);
  });

  it('401 without a token on every MCP path, with WWW-Authenticate naming the metadata and the scope', async () => {
    for (const [method, path] of [
      ['POST', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=x'],
    ] as const) {
      const reply = await raw(http.url, { method, path, headers: { 'Content-Type': 'application/json' }, ...(method === 'POST' ? { body: INITIALIZE } : {}) });
      expect(reply.status).toBe(401);
      expect(wwwAuthenticate(reply)).toBe(
        `Bearer realm="enclave-mcp", scope="mcp", resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', resource).href}"`,
      );
      expect(reply.json?.error?.message).toMatch(
        new RegExp(`send the header .* an access token from ${as.issuer} for ${resource}, or a token of the manifest's auth\\.tokens`),
      );
    }
  });
});

describe('OAuth access tokens', () => {
  it("the SDK client's own OAuth (client_credentials) connects through discovery and acts as its principal", async () => {
    const tokensBefore = as.served.get('/token') ?? 0;
    const metadataBefore = as.served.get('/.well-known/oauth-authorization-server') ?? 0;
    const client = await oauthClient(http.url);
    try {
      expect((as.served.get('/token') ?? 0) - tokensBefore).toBe(1);
      expect((as.served.get('/.well-known/oauth-authorization-server') ?? 0) - metadataBefore).toBeGreaterThan(0);
      const description = await describeExecute(client);
      expect(description).toContain('everything:echo');
      expect(description).not.toContain('memory:');
      const echo = await client.callTool({ name: 'execute_agentscript', arguments: { code: "return await callTool('everything:echo', { message: 'hi' });" } });
      expect(structured(echo).success).toBe(true);
      const other = await client.callTool({ name: 'execute_agentscript', arguments: { code: "return await callTool('memory:read_graph', {});" } });
      expect(structured(other).error?.code).toBe('UNKNOWN_TOOL');
    } finally {
      await client.close();
    }
  });

  it('a client whose token lacks the scope gets 403 insufficient_scope, which the SDK tries to step up from once', async () => {
    await expect(oauthClient(http.url, 'other')).rejects.toThrow(/403 after trying upscoping/);
  });

  it('refuses every bad token, on initialize and on a live session, with RFC 6750 errors; none of them runs anything', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await as.token('agent', { resource });
    const init = await post(good);
    const session = { 'Mcp-Session-Id': String(init.headers['mcp-session-id']), 'Mcp-Protocol-Version': '2025-06-18' };
    const bad: [string, string, number, RegExp][] = [
      [
        'wrong audience (a real token for another resource)',
        await as.token('agent', { resource: 'https://other.example.test/mcp' }),
        401,
        /audience is not this server/,
      ],
      ['missing scope (a real token)', await as.token('no-mcp', { resource, scope: 'other' }), 403, /lacks a scope this server requires/],
      ['expired', await as.sign({ aud: resource, client_id: 'agent', scope: 'mcp', exp: now - 3600 }), 401, /expired/],
      ['wrong issuer', await as.sign({ aud: resource, client_id: 'agent', scope: 'mcp', iss: 'https://evil.example.test' }), 401, /issuer is not/],
      [
        'forged (another key, same kid)',
        await as.sign({ aud: resource, client_id: 'agent', scope: 'mcp' }, { key: (await generateKeyPair('RS256')).privateKey }),
        401,
        /signature/,
      ],
      [
        'alg none',
        `${Buffer.from(JSON.stringify({ alg: 'none', kid: as.kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: as.issuer, aud: resource, scope: 'mcp', exp: now + 600 })).toString('base64url')}.`,
        401,
        /algorithm/,
      ],
      [
        'HS256 keyed with the public key',
        await as.sign({ aud: resource, client_id: 'agent', scope: 'mcp' }, { alg: 'HS256', key: new TextEncoder().encode(as.publicPem) }),
        401,
        /algorithm/,
      ],
    ];
    for (const [name, token, status, message] of bad) {
      for (const reply of [await post(token), await post(token, call(9, 'return 1;'), session)]) {
        expect({ name, status: reply.status }).toEqual({ name, status });
        expect(reply.json?.error?.message).toMatch(message);
        const challenge = wwwAuthenticate(reply);
        expect(challenge).toContain(`error="${status === 401 ? 'invalid_token' : 'insufficient_scope'}"`);
        expect(challenge).toContain('scope="mcp"');
        expect(challenge).toContain(`resource_metadata="${http.resourceMetadataUrl}"`);
      }
    }
    // The session itself is unharmed, for its own caller.
    const ok = await post(good, call(10, 'return 6 * 7;'), session);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('"value":42');
  });

  it('a session opened with a token may be used with a fresh token of the same client, not with another caller', async () => {
    const init = await post(await as.token('agent', { resource }));
    const session = { 'Mcp-Session-Id': String(init.headers['mcp-session-id']), 'Mcp-Protocol-Version': '2025-06-18' };
    expect((await post(await as.token('agent', { resource }), call(1, 'return 1;'), session)).status).toBe(200);
    const stolen = await post(TOKENS.bob, call(2, 'return 2;'), session);
    expect(stolen.status).toBe(403);
    expect(stolen.json?.error?.message).toMatch(/belongs to another caller/);
  });
});

describe('named tokens (auth.tokens) and principals', () => {
  it('401 for a token nobody issued; a named token is resolved to its principal, with only its tools', async () => {
    const unknown = await post(`nobody-${'x'.repeat(40)}`);
    expect(unknown.status).toBe(401);
    expect(unknown.json?.error?.message).toMatch(/token is wrong/);
    const alice = await connect(http.url, TOKENS.alice);
    const bob = await connect(http.url, TOKENS.bob);
    try {
      const [a, b] = [await describeExecute(alice), await describeExecute(bob)];
      expect(a).toContain('memory:create_entities');
      expect(a).not.toContain('get-sum');
      expect(b).toContain('everything:get-sum');
      expect(b).not.toContain('memory:');
      const sum = await bob.callTool({ name: 'execute_agentscript', arguments: { code: "return await callTool('everything:get-sum', { a: 1, b: 2 });" } });
      expect(structured(sum).success).toBe(true);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('403 for a valid token that matches no principal, over Streamable HTTP and legacy SSE', async () => {
    const stranger = await post(TOKENS.stranger);
    expect(stranger.status).toBe(403);
    expect(stranger.json?.error?.message).toMatch(/no principal of this server's manifest matches it \(token "stranger"\)/);
    await expect(connect(http.url, TOKENS.stranger, 'sse')).rejects.toThrow(/403/);
  });

  it('a legacy SSE session takes messages from its own caller only', async () => {
    const { path, close } = await openSseStream(TOKENS.alice);
    try {
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const theirs = await raw(http.url, { headers: mcpHeaders(TOKENS.bob), body: ping, path });
      expect(theirs.status).toBe(403);
      expect(theirs.json?.error?.message).toMatch(/belongs to another caller/);
      expect((await raw(http.url, { headers: mcpHeaders(TOKENS.alice), body: ping, path })).status).toBe(202);
    } finally {
      close();
    }
  });
});

describe('the server token and start-up', () => {
  it('no server token is generated when the manifest names credentials; one given is the operator, with every tool', async () => {
    expect(http.token).toBe('');
    expect(http.generated).toBe(false);
    expect(resolveToken('127.0.0.1', undefined, true)).toEqual({ token: undefined, generated: false });
    expect(() => checkHttpOptions({ host: '0.0.0.0', auth: { tokens: TOKENS } })).not.toThrow();
    expect(() => checkHttpOptions({ host: '0.0.0.0', auth: {} })).toThrow(ConfigError); // names no credential
    expect(() => checkHttpOptions({ host: '127.0.0.1', publicUrl: 'mcp.example.com' })).toThrow(/--public-url must be/);
    const withOperator = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: OPERATOR_TOKEN });
    const operator = await connect(withOperator.url, OPERATOR_TOKEN);
    try {
      const description = await describeExecute(operator);
      expect(description).toContain('memory:create_entities');
      expect(description).toContain('everything:get-sum');
    } finally {
      await operator.close();
      await withOperator.close(0);
    }
    const text = readyText(http.url, undefined, false, http.accepts);
    expect(text).not.toMatch(/Bearer token/);
    expect(text).toContain(`an access token from ${as.issuer}`);
  });

  it('serve prints no token when the manifest has auth, and takes --public-url as the canonical base', async () => {
    const dir = tempDir('mcp-http-auth-cli');
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(authManifest(dir, as.issuer, false)));
    const port = await freePort();
    const { ENCLAVE_MCP_TOKEN: _unset, ...env } = process.env;
    const child = spawn(
      process.execPath,
      ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--port', String(port), '--manifest', file, '--public-url', `http://127.0.0.1:${port}/`],
      {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.resume();
      await waitFor(() => /Stop with Ctrl-C/.test(out), { what: 'the CLI to say it serves', timeoutMs: 60_000 });
      expect(out).toContain(`serving execute_agentscript at http://127.0.0.1:${port}/mcp`);
      expect(out).not.toMatch(/Bearer token|Authorization: Bearer [^<]/);
      const prm = await (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`)).json();
      expect(prm).toMatchObject({ resource: `http://127.0.0.1:${port}/mcp` }); // one trailing slash of --public-url aside
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);
});

describe('--public-url, stateless, and an authorization server that is down', () => {
  let other: { open: OpenManifest; gateway: Gateway };
  beforeAll(async () => {
    const dir = tempDir('mcp-http-auth-public');
    other = await gatewayFor(authManifest(dir, as.issuer, false), dir);
  });
  afterAll(async () => {
    other?.gateway.close();
    await other?.open.close();
  });

  it('the canonical resource is <public-url>/mcp: its metadata, its Host, and tokens must name it', async () => {
    const server = await serveHttp(other.gateway, { host: '127.0.0.1', port: 0, publicUrl: 'https://mcp.example.test/enclave' });
    try {
      const metadataPath = '/.well-known/oauth-protected-resource/enclave/mcp';
      expect(server.resourceMetadataUrl).toBe(`https://mcp.example.test${metadataPath}`);
      const prm = await raw(server.url, { method: 'GET', path: metadataPath, headers: {} });
      expect(prm.json).toMatchObject({ resource: 'https://mcp.example.test/enclave/mcp' });
      // Through the proxy, the public name is the Host.
      expect((await post(TOKENS.alice, INITIALIZE, { Host: 'mcp.example.test' }, server.url)).status).toBe(200);
      const local = await post(await as.token('agent', { resource: server.url }), INITIALIZE, {}, server.url);
      expect(local.status).toBe(401);
      expect(local.json?.error?.message).toMatch(/audience is not this server \(https:\/\/mcp\.example\.test\/enclave\/mcp\)/);
      const publicToken = await as.token('agent', { resource: 'https://mcp.example.test/enclave/mcp' });
      expect((await post(publicToken, INITIALIZE, {}, server.url)).status).toBe(200);
    } finally {
      await server.close(0);
    }
  });

  it('stateless: every request is authenticated, and the SDK client with OAuth works as its principal', async () => {
    const server = await serveHttp(other.gateway, { host: '127.0.0.1', port: 0, stateless: true });
    const client = await oauthClient(server.url);
    try {
      expect((await post(undefined, INITIALIZE, {}, server.url)).status).toBe(401);
      expect(await describeExecute(client)).toContain('No tools are available'); // this gateway has no server
      const run = await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return 6 * 7;' } });
      expect(structured(run).value).toBe(42);
    } finally {
      await client.close();
      await server.close(0);
    }
  });

  it('503 (with Retry-After) while the JWKS cannot be fetched; named tokens keep working', async () => {
    const dir = tempDir('mcp-http-auth-down');
    const dead = `http://127.0.0.1:${await freePort()}`;
    const down = await gatewayFor(
      { ...authManifest(dir, dead, false), auth: { tokens: TOKENS, oauth: { issuer: dead, jwksUri: `${dead}/jwks`, requiredScopes: ['mcp'] } } },
      dir,
    );
    const server = await serveHttp(down.gateway, { host: '127.0.0.1', port: 0 });
    try {
      const reply = await post(await as.sign({ iss: dead, aud: server.url, scope: 'mcp' }), INITIALIZE, {}, server.url);
      expect(reply.status).toBe(503);
      expect(reply.headers['retry-after']).toBe('10');
      expect(reply.json?.error?.message).toMatch(/could not be checked, because the authorization server could not be reached/);
      expect(reply.text).not.toMatch(/jwks|https?:\/\//i); // where and why is for the server's log, not an anonymous client
      expect((await post(TOKENS.alice, INITIALIZE, {}, server.url)).status).toBe(200);
    } finally {
      await server.close(0);
      down.gateway.close();
      await down.open.close();
    }
  });
});

/** Opens a legacy SSE stream by hand; resolves with the POST path its endpoint event names. */
function openSseStream(token: string): Promise<{ path: string; close: () => void }> {
  const { port } = new URL(http.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/sse', headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const path = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
        if (path) resolve({ path, close: () => req.destroy() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
