// What is particular to HTTP, over real HTTP on 127.0.0.1 with the real SDK Client in front of real downstream
// servers: per-session bounds, DELETE, the stateless mode's client tags, idle expiry, graceful shutdown, and the real
// CLI as a child process. What every transport owes a client (tools, results, progress, errors, search_tools,
// cancellation, list changes) is the transport contract, run over Streamable HTTP, stateless and legacy SSE in
// transports.test.ts.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect as connectSocket, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { Gateway } from '../../src/mcp/server.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { log } from '../../src/shared/index.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';
import {
  connect,
  INITIALIZE,
  killMarked,
  manifestJson,
  mcpHeaders,
  openGateway,
  PING,
  processesMarked,
  raw,
  REPO_ROOT,
  structured,
  survivorsAfter,
  TSX,
} from './http-helpers.js';

const MARK = `mcp-http-${process.pid}-${Date.now().toString(36)}`;
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
const clients: Client[] = [];

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
}, 90_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

async function client(kind: 'streamable' | 'sse' = 'streamable', server: HttpServer = http): Promise<Client> {
  const c = await connect(server.url, server.token, kind);
  clients.push(c);
  return c;
}

const run = (c: Client, code: string, options: Parameters<Client['callTool']>[2] = {}) =>
  c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options });

const CROSS_SERVER = `
await callTool('memory:create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes math'] }] });
const graph = await callTool('memory:read_graph', {});
const sum = await callTool('everything:get-sum', { a: 2, b: 3 });
const echo = await callTool('everything:echo', { message: 'hi ' + graph.entities.length });
return { people: graph.entities.map(e => e.name), sum, echo };`;

/** How many hang/slow calls the fixture server has seen cancelled, read through a script. */
async function cancelledCount(c: Client): Promise<number> {
  const result = await run(c, "return await callTool('fixture:cancelled_count', {});");
  return Number(structured(result).value);
}

/** How many hang calls the fixture holds right now: a test acts once its call has reached the fixture. */
async function hangingCount(c: Client): Promise<number> {
  const result = await run(c, "return await callTool('fixture:hanging_count', {});");
  return Number(structured(result).value);
}

/** Waits until the server logs that it closed the idle session `id`: that sweep looked at every older session too. */
const idleClosed = (info: MockInstance, id: string) =>
  waitFor(() => info.mock.calls.some(([message]) => String(message).includes(`closing idle HTTP session ${id.slice(0, 8)}`)), {
    what: `the server to close idle session ${id.slice(0, 8)}`,
  });

/** A session initialized by hand (the SDK client would hold a GET event stream open, and a held stream is not idle). */
async function quietSession(server: HttpServer): Promise<string> {
  const init = await raw(server.url, { headers: mcpHeaders(server.token), body: INITIALIZE });
  return String(init.headers['mcp-session-id']);
}

const ping = (server: HttpServer, id: string) =>
  raw(server.url, { headers: mcpHeaders(server.token, { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' }), body: PING });

describe('Streamable HTTP, stateful', () => {
  it('serves at 127.0.0.1 with a generated token', async () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(http.generated).toBe(true);
    expect(http.token).toMatch(/^[\w-]{43}$/);
  });

  it('bounds executions per session (the session id is the key): SERVER_BUSY in one session, not in another', async () => {
    const strict = new Gateway(open, { maxPerSession: 1 });
    const server = await serveHttp(strict, { host: '127.0.0.1', port: 0 });
    try {
      const [a, b] = [await client('streamable', server), await client('streamable', server)];
      const abort = new AbortController();
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const first = run(a, "await callTool('fixture:slow', { ms: 1500 }); return 'first';", { signal: abort.signal, onprogress: () => started() });
      await running;
      const busy = await run(a, 'return 1;');
      expect(structured(busy).error?.code).toBe('SERVER_BUSY');
      expect(structured(await run(b, 'return 2;')).value).toBe(2);
      expect(structured(await first).value).toBe('first');
    } finally {
      await server.close(0);
      strict.close();
    }
  });

  it('ends a session on DELETE: its id is then unknown (404)', async () => {
    const c = await client();
    const transport = c.transport as StreamableHTTPClientTransport;
    const id = transport.sessionId!;
    await transport.terminateSession();
    const reply = await raw(http.url, { headers: mcpHeaders(http.token, { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' }), body: PING });
    expect(reply.status).toBe(404);
    expect(reply.json?.error?.code).toBe(-32001);
  });
});

describe('Streamable HTTP, stateless', () => {
  let stateless: HttpServer;
  beforeAll(async () => {
    stateless = await serveHttp(gateway, { host: '127.0.0.1', port: 0, stateless: true });
  });
  afterAll(() => stateless?.close(0));

  it('serves every request with a fresh server and no session: the Mcp-Session-Id is a client tag nothing checks', async () => {
    // The initialize answer carries a fresh random tag (not a session: nothing is stored), which the SDK client
    // sends back on every request, so that its cancels are told apart from another client's with the same token
    // and request ids (http-stateless-tag.ts). It used to carry none.
    const c = await client('streamable', stateless);
    const tag = (c.transport as StreamableHTTPClientTransport).sessionId;
    expect(tag).toMatch(/^stateless\.[0-9a-f-]{36}$/);
    const other = ((await client('streamable', stateless)).transport as StreamableHTTPClientTransport).sessionId;
    expect(other).toMatch(/^stateless\./);
    expect(other).not.toBe(tag);
    expect((await c.listTools()).tools).toHaveLength(2);
    const init = await raw(stateless.url, { headers: mcpHeaders(stateless.token), body: INITIALIZE });
    expect(init.status).toBe(200);
    expect(init.headers['mcp-session-id']).toMatch(/^stateless\./);
    // Any tag, or none, is served: another replica minted it, or the client is not an SDK one.
    const ping = (headers: Record<string, string>) =>
      raw(stateless.url, { headers: mcpHeaders(stateless.token, { 'Mcp-Protocol-Version': '2025-06-18', ...headers }), body: PING });
    const tagged: Record<string, string>[] = [{ 'Mcp-Session-Id': 'stateless.minted-elsewhere' }, {}];
    for (const headers of tagged) expect((await ping(headers)).text).toMatch(/"result":\{\}/);
    // No standalone stream to open, no session to delete, tag or not: 405, which the SDK client takes as "none here".
    for (const headers of [{}, { 'Mcp-Session-Id': String(tag) }] as Record<string, string>[]) {
      expect((await raw(stateless.url, { method: 'GET', headers: mcpHeaders(stateless.token, headers) })).status).toBe(405);
      expect((await raw(stateless.url, { method: 'DELETE', headers: mcpHeaders(stateless.token, headers) })).status).toBe(405);
    }
    await (c.transport as StreamableHTTPClientTransport).terminateSession(); // resolves on 405
    expect(structured(await run(c, 'return 6 * 7;')).value).toBe(42);
  });
});

describe('idle sessions', () => {
  let info: MockInstance;
  beforeAll(() => {
    info = vi.spyOn(log, 'info');
  });
  afterAll(() => info.mockRestore());

  it('closes a session idle past idleMs, but not one whose script is still running', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0, idleMs: 300 });
    try {
      const probe = await client();
      const holding = await hangingCount(probe);
      const before = await cancelledCount(probe);
      // Both sessions by hand, so neither holds an event stream; the busy one first, so that when the sweep closes
      // the quiet one, the busy one has been quiet at least as long and only its running script keeps it.
      const busy = await quietSession(server);
      const headers = mcpHeaders(server.token, { 'Mcp-Session-Id': busy, 'Mcp-Protocol-Version': '2025-06-18' });
      const call = JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'execute_agentscript', arguments: { code: "return await callTool('fixture:hang', {});" } },
      });
      const answered = raw(server.url, { headers, body: call });
      await waitFor(async () => (await hangingCount(probe)) === holding + 1, { what: 'the fixture to hold the busy script' });
      const quiet = await quietSession(server);
      await idleClosed(info, quiet);
      expect((await ping(server, quiet)).status).toBe(404);
      // The busy session outlived that sweep: its script still runs, and a cancel still reaches it.
      expect(await hangingCount(probe)).toBe(holding + 1);
      const cancel = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'done' } });
      expect((await raw(server.url, { headers, body: cancel })).status).toBe(202);
      await waitFor(async () => (await cancelledCount(probe)) === before + 1, { what: 'the fixture to count the cancellation' });
      expect((await answered).status).toBe(200);
    } finally {
      await server.close(0);
    }
  });

  it('keeps a session whose client holds its event stream open, however long it is quiet', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0, idleMs: 300 });
    try {
      const held = await client('sse', server); // legacy SSE: the stream stays open for the session's life
      // A session opened after it, closed for being idle: the sweep that closed it passed over the older one.
      await idleClosed(info, await quietSession(server));
      expect(structured(await run(held, 'return 7;')).value).toBe(7);
    } finally {
      await server.close(0);
    }
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets a running script finish within the grace period, then resolves closed', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
    const c = await client('streamable', server);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const call = run(c, "return await callTool('fixture:slow', { ms: 800 });", { onprogress: () => started() });
    await running;
    const closing = server.close(10_000);
    const healthz = server.url.replace('/mcp', '/healthz');
    await waitFor(
      () =>
        fetch(healthz).then(
          () => false,
          () => true,
        ),
      { what: 'the port to refuse connections' },
    );
    expect(structured(await call).success).toBe(true);
    await closing;
    await server.closed;
  });

  it('answers 503 to new requests on a connection that was busy when the shutdown began (Node keeps those open)', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
    const c = await client('streamable', server);
    const sid = (c.transport as StreamableHTTPClientTransport).sessionId!;
    // Held by the fixture until the grace period ends, so the shutdown is still under way for request 101.
    const longer = run(c, "return await callTool('fixture:hang', {});").then(
      () => 'answered',
      (error: unknown) => String(error),
    );
    const socket = connectSocket(Number(new URL(server.url).port));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const message = (id: number, method: string, params: object) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
      const headers = {
        ...mcpHeaders(server.token, { 'Mcp-Session-Id': sid, 'Mcp-Protocol-Version': '2025-06-18' }),
        Host: `127.0.0.1:${new URL(server.url).port}`,
        'Content-Length': String(Buffer.byteLength(body)),
      };
      socket.write(
        `POST /mcp HTTP/1.1\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n')}\r\n\r\n${body}`,
      );
    };
    // A request of 600 ms, with a progress token so that its stream says when it is running.
    const code = "return await callTool('fixture:slow', { ms: 600 });";
    message(100, 'tools/call', { name: 'execute_agentscript', arguments: { code }, _meta: { progressToken: 'p100' } });
    await waitFor(() => text.includes('callTool fixture:slow started'), { what: 'request 100 to be running' });
    const closing = server.close(5_000);
    await waitFor(() => text.includes('"id":100'), { what: 'the answer to request 100' });
    message(101, 'tools/list', {});
    await waitFor(() => /HTTP\/1\.1 503[\s\S]*shutting down/.test(text), { what: 'a 503 for request 101' });
    await closing; // the grace period ends: the held script is cancelled and answered
    expect(await longer).toMatch(/CANCELLED: the server is shutting down/);
    socket.destroy();
  });

  it('cancels a script still running when the grace period ends, and answers its client', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
    const c = await client('streamable', server);
    const probe = await client();
    const before = await cancelledCount(probe);
    const holding = await hangingCount(probe);
    const call = run(c, "await callTool('fixture:hang', {});");
    const outcome = call.then(
      () => 'answered',
      (error: unknown) => error,
    ); // it settles while close() runs
    await waitFor(async () => (await hangingCount(probe)) === holding + 1, { what: 'the fixture to hold the call' });
    const t0 = Date.now();
    await server.close(300);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(String(await outcome)).toMatch(/CANCELLED: the server is shutting down/);
    await waitFor(async () => (await cancelledCount(probe)) === before + 1, { what: 'the fixture to count the cancellation' });
  });
});

describe('the CLI: serve --transport http', () => {
  it('prints the URL and token, serves, and stops on SIGTERM leaving no child process', async () => {
    const mark = `${MARK}-cli`;
    const dir = tempDir('mcp-http-cli');
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifestJson(mark, dir)));
    const { ENCLAVE_MCP_TOKEN: _unset, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--port', '0', '--manifest', file], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.resume();
      await waitFor(() => /Stop with Ctrl-C/.test(out), { what: 'the CLI to say it serves', timeoutMs: 60_000 });
      const url = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
      const token = /Bearer token \(generated[^)]*\): (\S+)/.exec(out)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(processesMarked(mark).length).toBeGreaterThanOrEqual(3);
      const c = await connect(url!, token!);
      expect(structured(await run(c, CROSS_SERVER)).success).toBe(true);
      await c.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await survivorsAfter(mark)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      killMarked(mark);
    }
  }, 90_000);

  /** The CLI's serve with these extra arguments and environment; resolves with its exit code and stderr. */
  async function serveExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; err: string; mark: string }> {
    const mark = `${MARK}-exit-${Math.random().toString(36).slice(2)}`;
    const dir = tempDir('mcp-http-cli');
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifestJson(mark, dir)));
    const child = spawn(process.execPath, ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--manifest', file, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, err, mark };
  }

  it('refuses to listen on 0.0.0.0 without a token: exit 2, a clear message, no downstream server started', async () => {
    const { ENCLAVE_MCP_TOKEN: _unset, ...env } = process.env;
    const { code, err, mark } = await serveExit(['--host', '0.0.0.0', '--port', '0'], env);
    expect(code).toBe(2);
    expect(err).toMatch(/Refusing to listen on 0\.0\.0\.0 without a bearer token.*--token/);
    expect(processesMarked(mark)).toEqual([]);
  }, 30_000);

  it('an empty token is refused, never replaced by a generated one', async () => {
    const { code, err } = await serveExit(['--port', '0'], { ...process.env, ENCLAVE_MCP_TOKEN: '' });
    expect(code).toBe(2);
    expect(err).toMatch(/ENCLAVE_MCP_TOKEN\) is empty/);
  }, 30_000);

  it('a port in use: exit 2 saying so and what to do, and the downstream servers it started are gone', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, err, mark } = await serveExit(['--port', String(port)], { ...process.env, ENCLAVE_MCP_TOKEN: 'a-token-for-this-test' });
      expect(code).toBe(2);
      expect(err).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is in use\\. Choose another with --port`));
      expect(processesMarked(mark)).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
