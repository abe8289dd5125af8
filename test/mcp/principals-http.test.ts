// Principals end to end (issue 10): real SDK clients over real HTTP, each with a named token, against a gateway over
// real downstream servers. A principal sees and calls only its own tools (description, search_tools, call time, and
// nothing is sent downstream for another's tool), runs at its own level and limits, and is held to its quota: in
// memory, and shared by two servers through a real redis-server.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { openQuotaStore, type QuotaStore } from '../../src/mcp/quota.js';
import { Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';
import { connect, killMarked, manifestJson, structured } from './http-helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

const MARK = `mcp-principals-${process.pid}-${Date.now().toString(36)}`;
const token = (name: string): string => `${name}-${Buffer.from(name).toString('hex').repeat(6)}`;
const TOKENS = { reader: token('reader'), adder: token('adder'), strict: token('strict'), metered: token('metered'), single: token('single') };

function manifest(dir: string, quotaStore?: string): Record<string, unknown> {
  const base = manifestJson(MARK, dir) as { servers: Record<string, unknown> };
  return {
    ...base,
    securityLevel: 'SECURE', // allows regular expressions; the "strict" principal does not
    servers: { memory: base.servers.memory, everything: base.servers.everything, fixture: base.servers.fixture },
    allow: ['memory:*', 'everything:echo', 'everything:get-sum', 'fixture:slow', 'fixture:hang'],
    deny: ['memory:delete_*'],
    auth: { tokens: TOKENS },
    principals: {
      readers: { match: { token: 'reader' }, allow: ['memory:read_*', 'memory:search_*'] },
      adders: { match: { token: 'adder' }, allow: ['everything:*'], deny: ['everything:echo'] },
      strict: { match: { token: 'strict' }, allow: ['everything:get-sum'], securityLevel: 'STRICT', limits: { maxToolCalls: 2 } },
      metered: { match: { token: 'metered' }, allow: ['everything:get-sum'], quota: { perMinute: 3 } },
      single: { match: { token: 'single' }, allow: ['fixture:slow', 'fixture:hang'], quota: { concurrent: 1 } },
    },
    ...(quotaStore ? { quotaStore: { redis: quotaStore } } : {}),
  };
}

interface Served {
  open: OpenManifest;
  gateway: Gateway;
  http: HttpServer;
  quotas?: QuotaStore;
}

async function serveManifest(json: Record<string, unknown>, dir: string): Promise<Served> {
  const loaded = parseManifest(json, { baseDir: dir, env: {} });
  const open = await openLoaded(loaded);
  const quotas = loaded.quotaStore ? await openQuotaStore(loaded.quotaStore) : undefined;
  const gateway = new Gateway(open, quotas ? { quotas } : {});
  const http = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
  return { open, gateway, http, ...(quotas ? { quotas } : {}) };
}

async function stopServed(s: Served | undefined): Promise<void> {
  await s?.http.close(0);
  s?.gateway.close();
  await s?.quotas?.close();
  await s?.open.close();
}

const clients: Client[] = [];
async function client(s: Served, name: keyof typeof TOKENS): Promise<Client> {
  const c = await connect(s.http.url, TOKENS[name]);
  clients.push(c);
  return c;
}
const run = async (c: Client, code: string, options: Parameters<Client['callTool']>[2] = {}) =>
  structured(await c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options }));
const search = async (c: Client, args: Record<string, unknown>): Promise<string> => JSON.stringify(await c.callTool({ name: 'search_tools', arguments: args }));
const description = async (c: Client): Promise<string> => (await c.listTools()).tools.find((t) => t.name === 'execute_agentscript')?.description ?? '';

let served: Served;
beforeAll(async () => {
  served = await serveManifest(manifest(tempDir('principals-http')), tempDir('principals-http'));
}, 90_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await stopServed(served);
  killMarked(MARK);
});

describe('a principal sees and calls only its own tools', () => {
  it('in the description of execute_agentscript and in search_tools', async () => {
    const [reader, adder] = [await client(served, 'reader'), await client(served, 'adder')];
    const [r, a] = [await description(reader), await description(adder)];
    expect(r).toContain('memory:read_graph');
    expect(r).not.toMatch(/memory:create_entities|everything:/);
    expect(a).toContain('everything:get-sum');
    expect(a).not.toMatch(/everything:echo|memory:/); // its own deny too
    const everyTool = await search(reader, { detail: 'name' });
    expect(everyTool).toContain('memory:search_nodes');
    expect(everyTool).not.toMatch(/create_entities|get-sum|fixture:/);
    expect(await search(reader, { query: 'sum', detail: 'full' })).not.toContain('get-sum');
    expect(await search(adder, { query: 'graph' })).not.toContain('read_graph');
  });

  it("at call time: another principal's tool is UNKNOWN_TOOL, never suggested, and its side effect never happens", async () => {
    const [reader, adder] = [await client(served, 'reader'), await client(served, 'adder')];
    const name = `principal-marker-${Date.now()}`;
    const write = `return await callTool('memory:create_entities', { entities: [{ name: '${name}', entityType: 'x', observations: [] }] });`;
    const refused = await run(reader, write); // allowed by the manifest, not by its principal
    expect(refused.error?.code).toBe('UNKNOWN_TOOL');
    expect(refused.error?.message).not.toMatch(/did you mean/i);
    expect((await run(adder, "return await callTool('everything:echo', { message: 'x' });")).error?.code).toBe('UNKNOWN_TOOL');
    expect((await run(adder, "return await callTool('everything:get-sum', { a: 2, b: 3 });")).success).toBe(true);
    const graph = await run(reader, "return await callTool('memory:read_graph', {});");
    expect(graph.success).toBe(true);
    expect(JSON.stringify(graph.value)).not.toContain(name);
  });
});

describe("a principal's level and limits", () => {
  it('runs at its stricter level and lower limits, and its description says so', async () => {
    const [strict, adder] = [await client(served, 'strict'), await client(served, 'adder')];
    const regex = "return 'abc123'.match(/[0-9]+/)[0];";
    expect((await run(adder, regex)).value).toBe('123'); // the manifest's SECURE
    const refused = await run(strict, regex);
    expect(refused.error?.code).toBe('VALIDATION_ERROR');
    const three = "let s = 0; for (const b of [1, 2, 3]) { await callTool('everything:get-sum', { a: 1, b }); s++; } return s;";
    expect((await run(strict, three)).error?.code).toBe('MAX_TOOL_CALLS');
    expect(await description(strict)).toMatch(/Limits \(STRICT\): 15 s, 2 tool calls, 1000 loop/); // the manifest sets 15 s
    expect(await description(adder)).toMatch(/Limits \(SECURE\)/);
  });
});

describe('quotas', () => {
  it('perMinute: the first three run, the fourth is QUOTA_EXCEEDED and never runs; others are untouched', async () => {
    const metered = await client(served, 'metered');
    const results = [];
    for (let i = 1; i <= 4; i++) results.push(await run(metered, `return await callTool('everything:get-sum', { a: ${i}, b: 0 });`));
    expect(results.slice(0, 3).map((r) => r.success)).toEqual([true, true, true]);
    expect(results[3]?.error?.code).toBe('QUOTA_EXCEEDED');
    expect(results[3]?.error?.message).toMatch(/at most 3 executions per minute.*retry in \d+ s/);
    expect((await run(await client(served, 'adder'), 'return 1;')).success).toBe(true);
  });

  it('concurrent: a second execution at once is refused; the slot frees when the first ends', async () => {
    const [one, two] = [await client(served, 'single'), await client(served, 'single')];
    // The first holds its slot until the test stops it: it has started once its progress says so.
    const stop = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = run(one, "return await callTool('fixture:hang', {});", { signal: stop.signal, onprogress: () => started() }).catch((error: unknown) => error);
    await running;
    const second = await run(two, "return await callTool('fixture:slow', { ms: 10 });");
    expect(second.error?.code).toBe('QUOTA_EXCEEDED');
    expect(second.error?.message).toMatch(/at most 1 execution at once/);
    stop.abort('done');
    expect(String(await first)).toMatch(/done|abort/i);
    // The slot frees when the cancelled execution has ended on the server.
    await waitFor(async () => (await run(two, "return await callTool('fixture:slow', { ms: 10 });")).success, {
      what: 'the slot to free after the first execution ends',
    });
  });
});

describe('quotas shared by two servers through a real Redis', () => {
  let redis: RedisServer;
  const pair: Served[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) pair.push(await serveManifest(manifest(tempDir(`principals-redis-${i}`), redis.url), tempDir('principals-redis')));
  }, 90_000);
  afterAll(async () => {
    for (const s of pair) await stopServed(s);
    await redis?.dispose();
  });

  it('perMinute 3 across both: exactly 3 of 6 alternating executions run', async () => {
    const [a, b] = [await client(pair[0]!, 'metered'), await client(pair[1]!, 'metered')];
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const c of [a, b]) {
        const r = await run(c, 'return 1;');
        outcomes.push(r.success ? 'ok' : (r.error?.code ?? '?'));
      }
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'QUOTA_EXCEEDED')).toHaveLength(3);
  });

  it('Redis down: executions with a quota are refused (fail closed) and the server keeps serving; back up, they run', async () => {
    const single = await client(pair[0]!, 'single');
    const adder = await client(pair[0]!, 'adder');
    await redis.stop();
    const down = await run(single, "return await callTool('fixture:slow', { ms: 10 });");
    expect(down.error?.code).toBe('QUOTA_EXCEEDED');
    expect(down.error?.message).toMatch(/quota store .* is unavailable/);
    expect((await run(adder, 'return 2;')).value).toBe(2); // no quota: no store needed
    await redis.restart();
    // Back once the store has reconnected.
    await waitFor(async () => (await run(single, "return await callTool('fixture:slow', { ms: 10 });")).success, {
      what: 'executions with a quota to run again',
      intervalMs: 250,
    });
  });
});
