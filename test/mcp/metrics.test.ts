// Prometheus metrics over real HTTP: a real SDK client runs scripts against real downstream servers, then /metrics is
// scraped and its text parsed. Counters move by exactly the executions run; labels stay within bounded sets; /metrics
// sits behind the same token as /mcp, or, with --metrics-port (the real CLI as a child), on its own port without one.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import { Metrics, UNKNOWN_TOOL_LABEL } from '../../src/mcp/metrics.js';
import { Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { freePort, tempDir } from '../tool-bridge/helpers.js';
import { connect, killMarked, manifestJson, openGateway, raw, REPO_ROOT, structured, survivorsAfter, TSX } from './http-helpers.js';
import { waitFor } from '../wait-for.js';

const MARK = `mcp-metrics-${process.pid}-${Date.now().toString(36)}`;
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
const metrics = new Metrics();
const clients: Client[] = [];

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK, { observer: metrics }));
  metrics.watch(gateway);
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, metrics });
}, 90_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

async function client(): Promise<Client> {
  const c = await connect(http.url, http.token);
  clients.push(c);
  return c;
}

const run = (c: Client, code: string, options: Parameters<Client['callTool']>[2] = {}) =>
  c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options });

/** Samples of a Prometheus text exposition, keyed `name{a="x",b="y"}` with labels sorted (le included). */
function parseProm(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    samples.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return samples;
}

async function scrape(base = http.url.replace(/\/mcp$/, ''), token: string | undefined = http.token): Promise<{ text: string; samples: Map<string, number> }> {
  const r = await raw(base, { method: 'GET', path: '/metrics', headers: token ? { Authorization: `Bearer ${token}` } : {} });
  expect(r.status, r.text).toBe(200);
  expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { text: r.text, samples: parseProm(r.text) };
}

/** How far each of `keys` moved between two scrapes (absent = 0). */
const moved = (before: Map<string, number>, after: Map<string, number>, keys: string[]): Record<string, number> =>
  Object.fromEntries(keys.map((k) => [k, (after.get(k) ?? 0) - (before.get(k) ?? 0)]));

const OK = 'enclave_executions_total{code="ok",principal="operator"}';
const INVALID = 'enclave_executions_total{code="VALIDATION_ERROR",principal="operator"}';
const DURATIONS = 'enclave_execution_duration_seconds_count{principal="operator"}';
const QUEUE_WAITS = 'enclave_queue_wait_seconds_count{}';

describe('GET /metrics on the main port', () => {
  it('counts executions by outcome and principal, their durations, queue waits and tool calls, by exactly what ran', async () => {
    const c = await client();
    const before = (await scrape()).samples;
    expect(structured(await run(c, "return await callTool('everything:get-sum', { a: 1, b: 2 });")).success).toBe(true);
    expect(structured(await run(c, 'return [1, 2, 3].length;')).success).toBe(true);
    expect(structured(await run(c, 'return (;')).error?.code).toBe('VALIDATION_ERROR');
    const { samples } = await scrape();
    const SUM = 'enclave_tool_calls_total{outcome="ok",tool="everything:get-sum"}';
    expect(moved(before, samples, [OK, INVALID, DURATIONS, QUEUE_WAITS, SUM])).toEqual({ [OK]: 2, [INVALID]: 1, [DURATIONS]: 3, [QUEUE_WAITS]: 3, [SUM]: 1 });
    // Every execution falls in the +Inf bucket, and the buckets are cumulative.
    expect(samples.get('enclave_execution_duration_seconds_bucket{le="+Inf",principal="operator"}')).toBe(samples.get(DURATIONS));
    expect(samples.get('enclave_execution_duration_seconds_bucket{le="0.005",principal="operator"}')).toBeLessThanOrEqual(samples.get(DURATIONS)!);
  });

  it('labels a tool name the script made up as (unknown), never by the name itself', async () => {
    const c = await client();
    const before = (await scrape()).samples;
    const code =
      "const a = await callTool('memory:made_up_tool_zq7', {}).catch((e) => e.code);\nconst b = await callTool('nowhere:zq8', {}).catch((e) => e.code);\nreturn [a, b];";
    expect(structured(await run(c, code)).value).toEqual(['UNKNOWN_TOOL', 'UNKNOWN_TOOL']);
    const { text, samples } = await scrape();
    const UNKNOWN = `enclave_tool_calls_total{outcome="UNKNOWN_TOOL",tool="${UNKNOWN_TOOL_LABEL}"}`;
    expect(moved(before, samples, [UNKNOWN, OK])).toEqual({ [UNKNOWN]: 2, [OK]: 1 });
    expect(text).not.toMatch(/zq7|zq8/);
  });

  it('shows the pool (busy while a script runs), the queue, the sessions and each downstream server', async () => {
    const c = await client();
    const idle = (await scrape()).samples;
    expect(idle.get('enclave_pool_queue_depth{}')).toBe(0);
    expect(idle.get('enclave_pool_workers{state="idle"}')).toBeGreaterThanOrEqual(1);
    for (const server of ['memory', 'everything', 'fixture']) expect(idle.get(`enclave_downstream_up{server="${server}"}`)).toBe(1);
    const controller = new AbortController();
    const hanging = run(c, "return await callTool('fixture:hang', {});", { signal: controller.signal }).catch((e: unknown) => e);
    let busy = idle;
    for (const end = Date.now() + 20_000; (busy.get('enclave_pool_workers{state="busy"}') ?? 0) < 1 && Date.now() < end; ) busy = (await scrape()).samples;
    expect(busy.get('enclave_pool_workers{state="busy"}')).toBeGreaterThanOrEqual(1);
    const CANCELLED = 'enclave_executions_total{code="CANCELLED",principal="operator"}';
    controller.abort();
    await hanging;
    let after = busy;
    for (const end = Date.now() + 20_000; (after.get(CANCELLED) ?? 0) <= (busy.get(CANCELLED) ?? 0) && Date.now() < end; ) after = (await scrape()).samples;
    expect(moved(busy, after, [CANCELLED])).toEqual({ [CANCELLED]: 1 });

    // One more client is one more session while it is connected.
    const sessions = (await scrape()).samples.get('enclave_sessions{}')!;
    const extra = await connect(http.url, http.token);
    expect((await scrape()).samples.get('enclave_sessions{}')).toBe(sessions + 1);
    await (extra.transport as StreamableHTTPClientTransport).terminateSession(); // DELETE /mcp ends the session
    await extra.close();
    let now = sessions + 1;
    for (const end = Date.now() + 10_000; now !== sessions && Date.now() < end; ) now = (await scrape()).samples.get('enclave_sessions{}')!;
    expect(now).toBe(sessions);
  });

  it('includes Node process metrics beside ours', async () => {
    const { samples } = await scrape();
    expect(samples.has('process_cpu_user_seconds_total{}')).toBe(true);
    expect([...samples.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds'))).toBe(true);
  });

  it('sits behind the same token as /mcp: 401 without one or with a wrong one, and the token never appears', async () => {
    const base = http.url.replace(/\/mcp$/, '');
    const anonymous = await raw(base, { method: 'GET', path: '/metrics' });
    const wrong = await raw(base, { method: 'GET', path: '/metrics', headers: { Authorization: `Bearer ${http.token}x` } });
    expect([anonymous.status, wrong.status]).toEqual([401, 401]);
    expect(anonymous.text + wrong.text).not.toContain('enclave_executions_total');
    expect((await scrape()).text).not.toContain(http.token);
    const post = await raw(base, { method: 'POST', path: '/metrics', headers: { Authorization: `Bearer ${http.token}` } });
    expect(post.status).toBe(405);
  });

  it('measures queue wait without adding anything to the client’s progress stream', async () => {
    const c = await client();
    const progress: string[] = [];
    const result = await run(c, "console.log('hi');\nreturn await callTool('everything:get-sum', { a: 1, b: 1 });", {
      onprogress: (p) => progress.push(p.message ?? ''),
    });
    expect(structured(result).success).toBe(true);
    expect(progress).toHaveLength(3);
    for (const message of progress) expect(message).toMatch(/^(console\.log: hi|callTool everything:get-sum (started|done in \d+ ms))$/);
  });
});

describe('the gauges of a server that is down', () => {
  it('enclave_downstream_up is 0 for a server that could not start', async () => {
    const dir = tempDir('mcp-metrics-down');
    const manifest = parseManifest(
      { servers: { gone: { command: join(dir, 'no-such-command'), connectTimeoutMs: 5_000 } }, allow: ['gone:*'] },
      { baseDir: dir, env: {} },
    );
    const down = await openLoaded(manifest);
    const own = new Gateway(down);
    const mine = new Metrics({ processMetrics: false });
    mine.watch(own);
    try {
      const samples = parseProm((await mine.scrape()).body);
      expect(samples.get('enclave_downstream_up{server="gone"}')).toBe(0);
      expect([...samples.keys()].some((k) => k.startsWith('process_'))).toBe(false);
    } finally {
      own.close();
      await down.close();
    }
  }, 60_000);
});

describe('the CLI: serve --metrics-port', () => {
  it('serves /metrics on its own port without a token; the main port then answers 404 there', async () => {
    const mark = `${MARK}-cli`;
    const dir = tempDir('mcp-metrics-cli');
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifestJson(mark, dir)));
    const token = `metrics-test-token-${Math.random().toString(36).slice(2)}`;
    const metricsPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        TSX,
        'src/cli.ts',
        'serve',
        '--transport',
        'http',
        '--port',
        '0',
        '--metrics-port',
        String(metricsPort),
        '--manifest',
        file,
        '--token',
        token,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ENCLAVE_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.resume();
      await waitFor(() => /Stop with Ctrl-C/.test(out), { what: 'the CLI to say it serves', timeoutMs: 60_000 });
      const url = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      const c = await connect(url!, token);
      expect(structured(await run(c, 'return 1;')).success).toBe(true);
      expect(structured(await run(c, 'return (;')).error?.code).toBe('VALIDATION_ERROR');
      await c.close();

      const metricsBase = `http://127.0.0.1:${metricsPort}`;
      const { samples, text } = await scrape(metricsBase, undefined);
      expect([samples.get(OK), samples.get(INVALID), samples.get(DURATIONS)]).toEqual([1, 1, 2]);
      expect(text).not.toContain(token);
      // Only /metrics there, and only under our own name (a rebound DNS name is refused).
      expect((await raw(metricsBase, { method: 'GET', path: '/mcp' })).status).toBe(404);
      expect((await raw(metricsBase, { method: 'GET', path: '/metrics', headers: { Host: `evil.example:${metricsPort}` } })).status).toBe(403);
      // The main port no longer serves it, even with the token.
      const main = await raw(url!.replace(/\/mcp$/, ''), { method: 'GET', path: '/metrics', headers: { Authorization: `Bearer ${token}` } });
      expect(main.status).toBe(404);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await survivorsAfter(mark)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      killMarked(mark);
    }
  }, 120_000);
});
