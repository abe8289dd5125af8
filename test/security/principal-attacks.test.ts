// Attacks on per-caller access (issue 10), over real HTTP with real SDK clients and raw requests: a caller with one
// principal tries to reach another principal's tools, to see them, to run more than its quota, or to take over
// another caller's session. Each must fail without side effects, and the server must keep serving.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { Metrics } from '../../src/mcp/metrics.js';
import { Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { connect, INITIALIZE, killMarked, manifestJson, mcpHeaders, raw, structured } from '../mcp/http-helpers.js';

const MARK = `principal-attacks-${process.pid}-${Date.now().toString(36)}`;
const OPERATOR = `operator-${'o5'.repeat(24)}`;
const TOKENS = { low: `low-${'l9'.repeat(24)}`, high: `high-${'h8'.repeat(24)}`, pair: `pair-${'p7'.repeat(24)}`, batch: `batch-${'b6'.repeat(24)}` };
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
const clients: Client[] = [];

beforeAll(async () => {
  const dir = tempDir('principal-attacks');
  const base = manifestJson(MARK, dir) as { servers: Record<string, unknown> };
  const json = {
    ...base,
    securityLevel: 'PERMISSIVE', // computed tool names, aliases and named arrows are all allowed: only the bridge stands
    servers: { memory: base.servers.memory, everything: base.servers.everything, fixture: base.servers.fixture },
    allow: ['memory:*', 'everything:get-sum', 'everything:echo', 'fixture:slow', 'fixture:hanging_count'],
    auth: { tokens: TOKENS },
    principals: {
      low: { match: { token: 'low' }, allow: ['everything:get-sum', 'fixture:slow'] },
      high: { match: { token: 'high' } },
      pair: { match: { token: 'pair' }, allow: ['fixture:slow'], quota: { concurrent: 2 } },
      batch: { match: { token: 'batch' }, quota: { perMinute: 3 } },
    },
  };
  open = await openLoaded(parseManifest(json, { baseDir: dir, env: {} }));
  const metrics = new Metrics({ processMetrics: false });
  gateway = new Gateway(open, { observer: metrics });
  metrics.watch(gateway);
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: OPERATOR, metrics });
}, 90_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

async function as(name: keyof typeof TOKENS): Promise<Client> {
  const c = await connect(http.url, TOKENS[name]);
  clients.push(c);
  return c;
}
const run = async (c: Client, code: string) =>
  structured(await c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000 }));

describe("reaching another principal's tools", () => {
  it.each([
    ['a computed name', "const n = ['memory', 'read_graph'].join(':'); return await callTool(n, {});"],
    ['an alias of callTool', "const f = callTool; return await f('memory:read_graph', {});"],
    ['callTool.call', "return await callTool.call(null, 'memory:read_graph', {});"],
    ['a callback', "return await Promise.all(['memory:read_graph'].map((n) => callTool(n, {})));"],
    ['a case variant', "return await callTool('Memory:Read_Graph', {});"],
    ['a padded name', "return await callTool(' memory:read_graph', {});"],
    ['parallel()', "return await parallel(['memory:read_graph'], (n) => callTool(n, {}), { concurrency: 1 });"],
  ])('through %s: refused (UNKNOWN_TOOL, or the construct itself fails), nothing read', async (_how, code) => {
    const result = await run(await as('low'), code);
    expect(result.success).toBe(false);
    expect(['UNKNOWN_TOOL', 'RUNTIME_ERROR']).toContain(result.error?.code);
    expect(JSON.stringify(result)).not.toMatch(/entities|relations/); // nothing of the graph came back
  });

  it("a caught refusal's message never lists the other principal's tools, and search_tools never shows them", async () => {
    const low = await as('low');
    const probe = await run(low, "try { await callTool('memory:read_grap', {}); } catch (e) { return e.message; }");
    expect(probe.value).toMatch(/^There is no tool 'memory:read_grap'/); // its own text, said back
    expect(probe.value).not.toMatch(/did you mean|read_graph'/i); // never the tool it may not have
    const found = JSON.stringify(await low.callTool({ name: 'search_tools', arguments: { query: 'memory graph entities', detail: 'full' } }));
    expect(found).not.toContain('memory:');
    expect((await low.listTools()).tools.find((t) => t.name === 'execute_agentscript')?.description).not.toContain('memory:');
  });
});

describe('running more than the quota', () => {
  it('ten simultaneous executions with concurrent 2: at most two run at once, the rest are QUOTA_EXCEEDED', async () => {
    const many = await Promise.all(Array.from({ length: 5 }, () => as('pair')));
    const probe = await as('high');
    const count = async () =>
      Number(
        structured(await probe.callTool({ name: 'execute_agentscript', arguments: { code: "return await callTool('fixture:hanging_count', {});" } })).value,
      );
    expect(await count()).toBe(0);
    const results = await Promise.all(
      many.flatMap((c) => [run(c, "return await callTool('fixture:slow', { ms: 800 });"), run(c, "return await callTool('fixture:slow', { ms: 800 });")]),
    );
    const ok = results.filter((r) => r.success).length;
    const refused = results.filter((r) => r.error?.code === 'QUOTA_EXCEEDED').length;
    expect(ok + refused).toBe(10);
    // All ten are sent at once and each holds its slot 800 ms: exactly two get in.
    expect(ok).toBe(2);
  });

  it('a JSON-RPC batch of calls counts each call: the quota is not per request', async () => {
    const init = await raw(http.url, { headers: mcpHeaders(TOKENS.batch), body: INITIALIZE });
    const session = String(init.headers['mcp-session-id']);
    const headers = mcpHeaders(TOKENS.batch, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    await raw(http.url, { headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'execute_agentscript', arguments: { code: 'return 1;' } } });
    const batch = await raw(http.url, { headers, body: JSON.stringify([1, 2, 3, 4, 5, 6].map(call)) });
    // The answers, as JSON or as SSE events: each result's structuredContent.
    const messages = batch.text.startsWith('[')
      ? (JSON.parse(batch.text) as unknown[])
      : batch.text
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .flatMap((l) => [JSON.parse(l.slice(6)) as unknown].flat());
    const outcomes = messages.map((m) => (m as { result?: { structuredContent?: { success: boolean; error?: { code: string } } } }).result?.structuredContent);
    const successes = outcomes.filter((o) => o?.success).length;
    const refusals = outcomes.filter((o) => o?.error?.code === 'QUOTA_EXCEEDED').length;
    // Protocol 2025-06-18 dropped batches, but the SDK still runs them: each call is counted.
    expect(batch.status).toBe(200);
    expect([successes, refusals]).toEqual([3, 3]);
  });
});

describe('metrics', () => {
  it('name every principal, tool and server: the operator reads them, a principal gets 404', async () => {
    await run(await as('high'), "return await callTool('memory:read_graph', {});"); // a series that names a memory tool
    const get = (token: string) => raw(http.url, { method: 'GET', path: '/metrics', headers: { Authorization: `Bearer ${token}` } });
    const operator = await get(OPERATOR);
    expect(operator.status).toBe(200);
    expect(operator.text).toContain('tool="memory:read_graph"');
    for (const token of [TOKENS.low, TOKENS.high]) {
      const reply = await get(token);
      expect(reply.status).toBe(404);
      expect(reply.text).not.toMatch(/memory:|principal=/);
    }
  });
});

describe("another caller's session", () => {
  it('a session opened by one caller refuses requests carrying another caller’s token (403), and runs nothing', async () => {
    const init = await raw(http.url, { headers: mcpHeaders(TOKENS.high), body: INITIALIZE });
    const session = String(init.headers['mcp-session-id']);
    const hijack = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'execute_agentscript', arguments: { code: "return await callTool('memory:read_graph', {});" } },
    });
    const reply = await raw(http.url, { headers: mcpHeaders(TOKENS.low, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }), body: hijack });
    expect(reply.status).toBe(403);
    expect(reply.text).not.toMatch(/entities|"success"/);
    expect((await run(await as('high'), 'return 3;')).value).toBe(3); // still serving
  });
});
