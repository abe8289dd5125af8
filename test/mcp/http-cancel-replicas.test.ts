// Cancels across --stateless replicas, over real HTTP with real SDK clients and a real redis-server. Behind a load
// balancer a client's cancel (a POST of its own) may land on a replica other than the one running its request: the
// clients here are wired so that it always does (tools/call to replica A, everything else, the cancel included, to
// replica B). With a shared Redis the script on A stops before its side effect; without one it runs on (the limit
// the README states), and in both cases another client's request 1 on B is left alone.
// Replicas are serveHttp servers sharing one gateway (the registry of running requests is per HTTP server), and at
// the end two `serve` processes, for the wiring from the manifest's quotaStore.redis.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL_CHANNEL, type CancelRelay, redisCancelRelay } from '../../src/mcp/cancel-relay.js';
import { type HttpServer, serveHttp } from '../../src/mcp/http.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import type { Gateway } from '../../src/mcp/server.js';
import { type Group, startGroup, stopGroup, waitUntilAnswering } from '../deploy/harness.js';
import { freePort, tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';
import {
  CANCELLED_WAIT_MS,
  connect,
  finishedExecutions,
  FIXTURE_STDIO,
  killMarked,
  mcpHeaders,
  openGateway,
  raw,
  rawStream,
  structured,
  TSX,
  WAIT_MS,
  waitThenWrite,
} from './http-helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

const MARK = `mcp-cancel-replicas-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = `replicas-${randomUUID()}`;
const executions = finishedExecutions();

let redis: RedisServer;
let open: OpenManifest;
let gateway: Gateway;
const servers: HttpServer[] = [];
const relays: CancelRelay[] = [];
let plain: [HttpServer, HttpServer];
let shared: [HttpServer, HttpServer];
let probe: Client;

const replica = async (cancelRelay?: CancelRelay): Promise<HttpServer> => {
  const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0, token: TOKEN, stateless: true, ...(cancelRelay ? { cancelRelay } : {}) });
  servers.push(server);
  return server;
};
const relay = async (url = redis.url, options: Parameters<typeof redisCancelRelay>[1] = {}): Promise<CancelRelay> => {
  const opened = await redisCancelRelay(url, options);
  relays.push(opened);
  return opened;
};

/** How many connections listen on the cancel channel, as Redis counts them. */
async function listeners(): Promise<number> {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const reply = (await client.sendCommand(['PUBSUB', 'NUMSUB', CANCEL_CHANNEL])) as [string, number];
    return Number(reply[1]);
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  redis = await startRedis();
  ({ open, gateway } = await openGateway(MARK, { observer: executions.observer }));
  plain = [await replica(), await replica()];
  shared = [await replica(await relay()), await replica(await relay())];
  probe = await connect(plain[0].url, TOKEN);
  await waitFor(async () => (await listeners()) === 2, { what: 'two relays listening' });
}, 90_000);

afterAll(async () => {
  await probe?.close();
  await Promise.all(servers.map((s) => s.close(0)));
  await Promise.all(relays.map((r) => r.close()));
  gateway?.close();
  await open?.close();
  await redis?.dispose();
  killMarked(MARK);
}, 30_000);

let markers = 0;
const newMarker = (): string => `marker-${MARK}-${++markers}`;

const written = async (marker: string): Promise<boolean> => {
  const result = await probe.callTool({ name: 'execute_agentscript', arguments: { code: "return await callTool('memory:read_graph', {});" } });
  return JSON.stringify(structured(result).value).includes(marker);
};

/** An SDK client whose tools/call POSTs go to `calls` and every other request (initialize, cancels) to `rest`. */
const routed = (calls: HttpServer, rest: HttpServer): Promise<Client> =>
  connect(rest.url, TOKEN, 'streamable', (input, init) => {
    const call = typeof init?.body === 'string' && init.body.includes('"method":"tools/call"');
    return fetch(call ? calls.url : input, init);
  });

const runningOn = (c: Client, code: string, options: { signal?: AbortSignal } = {}) => {
  const state = { running: false };
  const call = c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, {
    timeout: 20_000, // beyond the script's wait: a request stopped by someone else's cancel gets no answer, and fails here
    ...options,
    onprogress: (p) => (state.running ||= p.message?.includes('fixture:slow started') === true),
  });
  return {
    state,
    call: call.then(
      (r) => structured(r).value as unknown,
      (e: Error) => `threw: ${e.message}`,
    ),
  };
};

/**
 * Client X runs its request 1 on replica `a` and cancels it through replica `b`, where client Y (same token) runs
 * its own request 1. Returns what Y got and whether each script's side effect happened.
 */
async function crossCancel([a, b]: [HttpServer, HttpServer], xWaitMs = CANCELLED_WAIT_MS) {
  const [xMarker, yMarker] = [newMarker(), newMarker()];
  const x = await routed(a, b);
  const y = await connect(b.url, TOKEN);
  try {
    const abort = new AbortController();
    const xRun = runningOn(x, waitThenWrite(xMarker, xWaitMs), { signal: abort.signal });
    const yRun = runningOn(y, waitThenWrite(yMarker, WAIT_MS + 700)); // staggered: server-memory loses simultaneous writes
    await waitFor(() => xRun.state.running && yRun.state.running, { what: 'both scripts to call fixture:slow' });
    abort.abort('the user pressed stop');
    expect(await xRun.call).toMatch(/^threw: .*(stop|abort)/i);
    const yGot = await yRun.call;
    await executions.ended(xMarker); // stopped or run to its end: either way it writes nothing more
    return { yGot, yMarker, xWrote: await written(xMarker), yWrote: await written(yMarker) };
  } finally {
    await x.close();
    await y.close();
  }
}

describe('a cancel that lands on another --stateless replica', () => {
  it('without a shared Redis: the script on its replica runs on, and the other client’s request 1 is not stopped', async () => {
    const r = await crossCancel(plain, WAIT_MS); // X runs to its end here
    expect(r.yGot).toBe(r.yMarker);
    expect(r.yWrote).toBe(true);
    expect(r.xWrote).toBe(true); // the limit: nothing carries the cancel to replica A
  }, 60_000);

  it('with a shared Redis: the script on its replica stops before its side effect; the other client’s runs to the end', async () => {
    const r = await crossCancel(shared);
    expect(r.yGot).toBe(r.yMarker);
    expect(r.yWrote).toBe(true);
    expect(r.xWrote).toBe(false);
  }, 60_000);

  it('untagged cancels are never passed on: their ids do not tell one client from another', async () => {
    const marker = newMarker();
    const headers = mcpHeaders(TOKEN, { 'Mcp-Protocol-Version': '2025-06-18' });
    const params = { name: 'execute_agentscript', arguments: { code: waitThenWrite(marker, WAIT_MS) }, _meta: { progressToken: 'u-1' } };
    const running = rawStream(shared[0].url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 'u-1', method: 'tools/call', params }) });
    await waitFor(() => running.text().includes('callTool fixture:slow started'), { what: 'the script to call fixture:slow' });
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'u-1' } };
    expect((await raw(shared[1].url, { headers, body: JSON.stringify(cancel) })).status).toBe(202);
    expect(await running.ended).toContain(marker);
    expect(await written(marker)).toBe(true);
  }, 60_000);

  it('after Redis restarts, the replicas listen again and cancels cross again; a relay opened while it was down starts listening', async () => {
    await redis.stop();
    const late = await redisCancelRelay(redis.url, { connectTimeoutMs: 300 });
    try {
      await redis.restart();
      await waitFor(async () => (await listeners()) === 3, { what: 'three relays listening again' });
    } finally {
      await late.close();
    }
    await waitFor(async () => (await listeners()) === 2, { what: 'two relays listening' });
    const r = await crossCancel(shared);
    expect(r.yGot).toBe(r.yMarker);
    expect(r.xWrote).toBe(false);
  }, 60_000);

  it('with Redis unreachable the relay opens anyway, nothing waits on it, and a cancel on the same replica still works', async () => {
    const down = await replica(await relay(`redis://127.0.0.1:${await freePort()}`, { connectTimeoutMs: 300 }));
    const c = await connect(down.url, TOKEN);
    try {
      const marker = newMarker();
      const abort = new AbortController();
      const run = runningOn(c, waitThenWrite(marker), { signal: abort.signal });
      // A cancel that matches nothing here would be published: it is answered at once all the same.
      await c.notification({ method: 'notifications/cancelled', params: { requestId: 'nothing-runs-this' } });
      await waitFor(() => run.state.running, { what: 'the script to call fixture:slow' });
      abort.abort('stop');
      expect(await run.call).toMatch(/^threw:/);
      const record = await executions.ended(marker);
      expect(record.toolCalls.map((c) => c.tool)).not.toContain('memory:create_entities');
      expect(await written(marker)).toBe(false);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('closing the relays ends their subscriptions', async () => {
    expect(await listeners()).toBe(2);
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await waitFor(async () => (await listeners()) === 0, { what: 'no relay listening', timeoutMs: 5_000 });
  }, 30_000);
});

describe('serve --stateless with quotaStore.redis in the manifest', () => {
  const children: Group[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => stopGroup(c)));
    killMarked(MARK);
  }, 30_000);

  it('relays cancels between two serve processes, and unsubscribes when they stop', async () => {
    const started = await startRedis();
    try {
      const dir = tempDir('cancel-replicas');
      const manifest = join(dir, 'manifest.json');
      const fixture = { command: process.execPath, args: ['--import', TSX, FIXTURE_STDIO], env: { TEST_MARK: MARK }, connectTimeoutMs: 60_000 };
      // A timeout far beyond the waits below: only the cancel can end the hanging script within them.
      const limits = { timeoutMs: 300_000 };
      writeFileSync(manifest, JSON.stringify({ limits, servers: { fixture }, allow: ['fixture:*'], quotaStore: { redis: started.url } }));
      const ports = [await freePort(), await freePort()];
      for (const port of ports) {
        const args = [
          '--import',
          TSX,
          'src/cli.ts',
          'serve',
          '--transport',
          'http',
          '--stateless',
          '--port',
          String(port),
          '--manifest',
          manifest,
          '--token',
          TOKEN,
        ];
        const child = startGroup(`serve :${port}`, process.execPath, args, { TEST_MARK: MARK });
        children.push(child);
        await waitUntilAnswering(child, `http://127.0.0.1:${port}/healthz`);
      }
      const [a, b] = ports.map((port) => ({ url: `http://127.0.0.1:${port}/mcp` }) as HttpServer) as [HttpServer, HttpServer];
      const count = async (tool: string): Promise<number> => {
        const c = await connect(a.url, TOKEN);
        const result = await c.callTool({ name: 'execute_agentscript', arguments: { code: `return await callTool('fixture:${tool}', {});` } });
        await c.close();
        return Number(structured(result).value);
      };
      const subscribed = async (): Promise<number> => {
        const client = createClient({ url: started.url });
        client.on('error', () => undefined);
        await client.connect();
        const reply = (await client.sendCommand(['PUBSUB', 'NUMSUB', CANCEL_CHANNEL])) as [string, number];
        client.destroy();
        return Number(reply[1]);
      };
      await waitFor(async () => (await subscribed()) === 2, { what: 'both serve processes subscribed' });
      const x = await routed(a, b);
      const abort = new AbortController();
      const call = x.callTool({ name: 'execute_agentscript', arguments: { code: "await callTool('fixture:hang', {});" } }, undefined, { signal: abort.signal });
      const settled = call.then(
        () => 'answered',
        () => 'rejected',
      );
      await waitFor(async () => (await count('hanging_count')) === 1, { what: 'the fixture to hold the call', timeoutMs: 30_000 });
      abort.abort('stop');
      expect(await settled).toBe('rejected');
      // Replica A's bridge cancelled the downstream call: the script there stopped on a cancel sent to replica B.
      await waitFor(async () => (await count('cancelled_count')) === 1, { what: 'the fixture to count the cancellation' });
      await x.close();
      await Promise.all(children.splice(0).map((c) => stopGroup(c)));
      await waitFor(async () => (await subscribed()) === 0, { what: 'no serve process subscribed', timeoutMs: 5_000 });
    } finally {
      await started.dispose();
    }
  }, 120_000);
});
