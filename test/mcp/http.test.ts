// execute_agentscript over real HTTP on 127.0.0.1 with the real SDK Client: Streamable HTTP (stateful and stateless)
// and legacy SSE, in front of real downstream servers; progress, cancellation, error codes, per-session bounds, idle
// expiry, graceful shutdown, and the real CLI as a child process.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect as connectSocket, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { Gateway } from '../../src/mcp/server.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { tempDir } from '../tool-bridge/helpers.js';
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

/** How many hang calls the fixture holds right now: a test aborts only once its call has reached the fixture, since a
 * call cancelled before the bridge sends it is never counted (correctly: nothing was sent). */
async function hangingCount(c: Client): Promise<number> {
  const result = await run(c, "return await callTool('fixture:hanging_count', {});");
  return Number(structured(result).value);
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/**
 * Eight progress notifications are sent (start and end of four calls), in order, before the result. The SDK client
 * runs notification handlers a microtask late but settles the response at once, so when the last one shares a network
 * chunk with the response it can arrive after the handler is gone: count seven.
 */
const MIN_PROGRESS = 7;

/** Scripts that must fail with one code each (contract §5), whatever the transport. */
const FAILURES: [string, string][] = [
  ['VALIDATION_ERROR', 'return process.env.HOME;'],
  ['UNKNOWN_TOOL', "return await callTool('memory:delete_entities', { entityNames: ['Ada'] });"],
  ['INVALID_TOOL_ARGS', "return await callTool('everything:get-sum', { a: 'two' });"],
];

describe('Streamable HTTP, stateful', () => {
  it('lists execute_agentscript and search_tools, with only allowed tools described', async () => {
    const c = await client();
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['execute_agentscript', 'search_tools']);
    const description = tools.find((t) => t.name === 'execute_agentscript')?.description ?? '';
    expect(description).toContain('memory:create_entities');
    expect(description).not.toContain('delete_entities');
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(http.generated).toBe(true);
  });

  it('runs a script calling four tools across two servers, streaming progress for each call', async () => {
    const c = await client();
    const progress: string[] = [];
    const result = await run(c, CROSS_SERVER, { onprogress: (p) => progress.push(p.message ?? '') });
    const out = structured(result);
    expect(result.isError).toBeFalsy();
    expect(out.success).toBe(true);
    expect(out.value).toMatchObject({ people: ['Ada'], sum: expect.stringContaining('5'), echo: expect.stringContaining('hi 1') });
    expect(progress.filter((m) => m.includes('started'))).toHaveLength(4);
    expect(progress.some((m) => /callTool everything:get-sum done in \d+ ms/.test(m))).toBe(true);
  });

  it.each(FAILURES)('answers isError with %s', async (code, script) => {
    const result = await run(await client(), script);
    expect(result.isError).toBe(true);
    expect(structured(result).error?.code).toBe(code);
  });

  it('cancels a running script and its downstream call when the client aborts, and keeps serving', async () => {
    const c = await client();
    const before = await cancelledCount(c);
    const holding = await hangingCount(c);
    const abort = new AbortController();
    let started = false;
    const call = run(c, "await callTool('fixture:hang', {}); return 'not reached';", {
      signal: abort.signal,
      onprogress: (p) => (started ||= p.message?.includes('fixture:hang started') === true),
    });
    expect(await until(async () => (await hangingCount(c)) === holding + 1)).toBe(true);
    expect(started).toBe(true); // progress came on the request's own stream before the abort
    abort.abort('the user pressed stop');
    await expect(call).rejects.toThrow(/stop|abort/i);
    // The script was cancelled, so the bridge cancelled its downstream call: the fixture counts it.
    expect(await until(async () => (await cancelledCount(c)) === before + 1)).toBe(true);
    expect(structured(await run(c, 'return 1 + 1;')).value).toBe(2);
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
    const progress: unknown[] = [];
    const result = await run(c, CROSS_SERVER, { onprogress: (p) => progress.push(p) });
    expect(structured(result).success).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(MIN_PROGRESS);
    expect(structured(await run(c, FAILURES[1]![1])).error?.code).toBe('UNKNOWN_TOOL');
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

describe('legacy SSE', () => {
  it('lists tools, runs a cross-server script with progress, and reports error codes', async () => {
    const c = await client('sse');
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('execute_agentscript');
    let progress = 0;
    const result = await run(c, CROSS_SERVER, { onprogress: () => progress++ });
    expect(structured(result).success).toBe(true);
    expect(progress).toBeGreaterThanOrEqual(MIN_PROGRESS);
    for (const [code, script] of FAILURES) expect(structured(await run(c, script)).error?.code).toBe(code);
  });

  it('cancels a script over SSE too', async () => {
    const c = await client('sse');
    const before = await cancelledCount(c);
    const holding = await hangingCount(c);
    const abort = new AbortController();
    const call = run(c, "await callTool('fixture:hang', {});", { signal: abort.signal });
    expect(await until(async () => (await hangingCount(c)) === holding + 1)).toBe(true);
    abort.abort('stop');
    await expect(call).rejects.toThrow();
    expect(await until(async () => (await cancelledCount(c)) === before + 1)).toBe(true);
  });
});

describe('idle sessions', () => {
  it('closes a session idle past idleMs, but not one whose script is still running', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0, idleMs: 300 });
    try {
      // Initialized by hand: the SDK client would hold a GET event stream open, and a held stream is not idle.
      const init = await raw(server.url, { headers: mcpHeaders(server.token), body: INITIALIZE });
      const id = String(init.headers['mcp-session-id']);
      const busy = await client('streamable', server);
      const long = run(busy, "return await callTool('fixture:slow', { ms: 1200 });");
      await new Promise((resolve) => setTimeout(resolve, 900));
      const reply = await raw(server.url, { headers: mcpHeaders(server.token, { 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-06-18' }), body: PING });
      expect(reply.status).toBe(404);
      expect(structured(await long).success).toBe(true);
    } finally {
      await server.close(0);
    }
  });

  it('keeps a session whose client holds its event stream open, however long it is quiet', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0, idleMs: 300 });
    try {
      const quiet = await client('sse', server); // legacy SSE: the stream stays open for the session's life
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(structured(await run(quiet, 'return 7;')).value).toBe(7);
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(server.url.replace('/mcp', '/healthz'))).rejects.toThrow(); // the port no longer accepts
    expect(structured(await call).success).toBe(true);
    await closing;
    await server.closed;
  });

  it('answers 503 to new requests on a connection that was busy when the shutdown began (Node keeps those open)', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
    const c = await client('streamable', server);
    const sid = (c.transport as StreamableHTTPClientTransport).sessionId!;
    const longer = run(c, "return await callTool('fixture:slow', { ms: 2500 });"); // keeps the grace period going
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
    message(100, 'tools/call', { name: 'execute_agentscript', arguments: { code: "return await callTool('fixture:slow', { ms: 600 });" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = server.close(10_000);
    expect(await until(async () => text.includes('"id":100'), 5000)).toBe(true);
    message(101, 'tools/list', {});
    expect(await until(async () => /HTTP\/1\.1 503[\s\S]*shutting down/.test(text), 3000)).toBe(true);
    expect(structured(await longer).success).toBe(true);
    await closing;
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
    expect(await until(async () => (await hangingCount(probe)) === holding + 1)).toBe(true);
    const t0 = Date.now();
    await server.close(300);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(String(await outcome)).toMatch(/CANCELLED: the server is shutting down/);
    expect(await until(async () => (await cancelledCount(probe)) === before + 1)).toBe(true);
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
      expect(await until(async () => /Stop with Ctrl-C/.test(out), 60_000)).toBe(true);
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
