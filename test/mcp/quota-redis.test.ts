// The Redis quota store against a real redis-server started here: the shared contract, two stores as two replicas,
// keys that expire, the lease of a replica that was killed, and failing closed while Redis is down or hung.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openQuotaStore, type Quota, type QuotaGrant, type QuotaStore } from '../../src/mcp/quota.js';
import { redisQuotaStore } from '../../src/mcp/quota-redis.js';
import { redactRedisUrl, redisRedactor } from '../../src/mcp/redis-connection.js';
import { quotaStoreContract } from './quota-contract.js';
import { waitFor } from '../wait-for.js';
import { findRedisServer, freePort, type RedisServer, startRedis } from './redis-server.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const HOLDER = fileURLToPath(new URL('../fixtures/quota-holder.ts', import.meta.url));
const fresh = (): string => `p-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Acquires until admitted; fails saying so when `ms` pass first. */
async function acquireWithin(store: QuotaStore, key: string, quota: Quota, ms: number): Promise<QuotaGrant> {
  return waitFor(
    async () => {
      const grant = await store.acquire(key, quota);
      return grant.ok ? grant : undefined;
    },
    { what: `an admission of ${key} under ${JSON.stringify(quota)}`, timeoutMs: ms, intervalMs: 100 },
  );
}

let redis: RedisServer;
const stores: QuotaStore[] = [];
const open = async (options: Parameters<typeof redisQuotaStore>[1] = {}, url = redis.url): Promise<QuotaStore> => {
  const store = await redisQuotaStore(url, options);
  stores.push(store);
  return store;
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.dispose();
});

// Counted as a failure, not only as a failed hook whose tests read as skipped: CI must not pass without Redis.
it('has a redis-server to test against', () => {
  expect(findRedisServer).not.toThrow();
});

describe('redis quota store: the contract', () => {
  let store: QuotaStore;
  beforeAll(async () => {
    store = await open();
  });
  quotaStoreContract(() => store);
});

describe('redis quota store: replicas share one quota', () => {
  it('perMinute 4 across two replicas: exactly 4 of 6 alternating executions run', async () => {
    const [a, b] = [await open(), await open()];
    const key = fresh();
    const grants: QuotaGrant[] = [];
    for (let i = 0; i < 6; i++) grants.push(await (i % 2 ? b : a).acquire(key, { perMinute: 4 }));
    expect(grants.map((g) => g.ok)).toEqual([true, true, true, true, false, false]);
  });

  it('perMinute 7 under 30 simultaneous requests from two replicas admits exactly 7', async () => {
    const [a, b] = [await open(), await open()];
    const key = fresh();
    const grants = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? b : a).acquire(key, { perMinute: 7 })));
    expect(grants.filter((g) => g.ok).length).toBe(7);
  });

  it('concurrent 2: a slot released on one replica is free on the other', async () => {
    const [a, b] = [await open(), await open()];
    const key = fresh();
    const [a1, b1, a2] = [await a.acquire(key, { concurrent: 2 }), await b.acquire(key, { concurrent: 2 }), await a.acquire(key, { concurrent: 2 })];
    expect([a1.ok, b1.ok, a2.ok]).toEqual([true, true, false]);
    if (b1.ok) b1.release();
    expect((await acquireWithin(a, key, { concurrent: 2 }, 5000)).ok).toBe(true);
  });

  it('openQuotaStore with a Redis URL gives a store on that Redis', async () => {
    const store = await openQuotaStore({ redis: redis.url });
    stores.push(store);
    const other = await open();
    const key = fresh();
    expect((await store.acquire(key, { perMinute: 1 })).ok).toBe(true);
    expect((await other.acquire(key, { perMinute: 1 })).ok).toBe(false);
  });
});

describe('redis quota store: keys', () => {
  let inspector: ReturnType<typeof createClient>;
  beforeAll(async () => {
    inspector = createClient({ url: redis.url });
    await inspector.connect();
  });
  afterAll(() => inspector.destroy());

  it('lives under enclave-mcp:quota:{<principal>}:…, and every key expires', async () => {
    const store = await open({ leaseMs: 20_000 });
    const key = fresh();
    expect((await store.acquire(key, { perMinute: 5, concurrent: 5 })).ok).toBe(true);
    const keys = (await inspector.keys(`enclave-mcp:quota:{${key}}:*`)).sort();
    expect(keys).toEqual([`enclave-mcp:quota:{${key}}:rate`, `enclave-mcp:quota:{${key}}:slots`]);
    const ttls = await Promise.all(keys.map((k) => inspector.pTTL(k)));
    expect(ttls.every((ms) => ms > 0 && ms <= 60_000)).toBe(true);
    expect(ttls[1]).toBeLessThanOrEqual(20_000);
  });

  it('a principal that stops leaves nothing behind once its window and leases have passed', async () => {
    const store = await open({ leaseMs: 600, windowMs: 800 });
    const key = fresh();
    const running = await store.acquire(key, { perMinute: 3, concurrent: 1 });
    if (running.ok) running.release();
    await store.acquire(key, { concurrent: 1 }); // held, never released: its lease ends with this store
    await store.close();
    await waitFor(async () => (await inspector.keys(`enclave-mcp:quota:{${key}}:*`)).length === 0, {
      what: `the keys of ${key} to expire`,
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  });

  it('perMinute admits again once the oldest admission has left the window (shortened to 1.5 s)', async () => {
    const store = await open({ windowMs: 1500 });
    const key = fresh();
    await store.acquire(key, { perMinute: 2 });
    await store.acquire(key, { perMinute: 2 });
    const refused = await store.acquire(key, { perMinute: 2 });
    if (refused.ok) throw new Error('a third admission within the window');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1500);
    // Admitted again as soon as the window lets it, and not before the retry-after it was told.
    const refusedAt = Date.now();
    await acquireWithin(store, key, { perMinute: 2 }, 10_000);
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(refused.retryAfterMs! - 50);
  });
});

describe('redis quota store: leases', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  const holder = (key: string, leaseMs: number, mode: 'hold' | 'close', concurrent = 1): { child: ChildProcess; said: Promise<string> } => {
    const args = [HOLDER, redis.url, key, String(leaseMs), mode, String(concurrent)];
    const child = spawn(process.execPath, ['--import', TSX, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const said = new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`holder exited (${code}): ${out}`)));
    });
    return { child, said };
  };

  // A holder refreshes every third of its lease: at 600 ms, a 400 ms stall of its process (a loaded CI machine) let a
  // live holder's lease lapse. 1.5 s leaves a second of stall and still frees a killed holder's slot within seconds.
  const REFRESHED_LEASE_MS = 1500;

  it("a killed replica's slot is kept while it lives (refreshed) and comes free within a lease once it is killed", async () => {
    const key = fresh();
    const leaseMs = REFRESHED_LEASE_MS;
    const { child, said } = holder(key, leaseMs, 'hold');
    expect(await said).toBe('held');
    const store = await open({ leaseMs });
    // Three lease lengths later the holder still holds the slot: it refreshes its lease. The wait is the test: a
    // lease left alone would have run out meanwhile.
    await sleep(3 * leaseMs);
    const whileAlive = await store.acquire(key, { concurrent: 1 });
    expect(whileAlive.ok === false && whileAlive.limit).toBe('concurrent');
    child.kill('SIGKILL');
    expect((await acquireWithin(store, key, { concurrent: 1 }, 10_000)).ok).toBe(true);
  });

  it("a killed replica's slot comes free even while a live replica keeps the principal's leases refreshed", async () => {
    const key = fresh();
    const leaseMs = REFRESHED_LEASE_MS;
    const { child, said } = holder(key, leaseMs, 'hold', 2);
    expect(await said).toBe('held');
    const live = await open({ leaseMs });
    expect((await live.acquire(key, { concurrent: 2 })).ok).toBe(true);
    expect((await live.acquire(key, { concurrent: 2 })).ok).toBe(false);
    child.kill('SIGKILL');
    expect((await acquireWithin(live, key, { concurrent: 2 }, 10_000)).ok).toBe(true);
  });

  it('close() frees the slots this process holds at once, and the process then exits by itself', async () => {
    const key = fresh();
    const { child, said } = holder(key, 60_000, 'close');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(await said).toBe('closed');
    const timeout = sleep(10_000).then(() => 'still running after 10 s');
    expect(await Promise.race([exited, timeout])).toBe(0);
    // A 60 s lease would still hold the slot, had close() not released it.
    const store = await open();
    expect((await store.acquire(key, { concurrent: 1 })).ok).toBe(true);
  });
});

describe('redis quota store: failing closed', () => {
  const password = 'pa55-w0rd-that-must-not-leak';
  let guarded: RedisServer;
  beforeAll(async () => {
    guarded = await startRedis({ password });
  });
  afterAll(() => guarded?.dispose());

  it('Redis down: refused at once naming the store (password redacted); admitted again once Redis is back', async () => {
    const events: { up: boolean; message: string }[] = [];
    const store = await open({ connectTimeoutMs: 500, commandTimeoutMs: 500, onStateChange: (e) => events.push(e) }, guarded.url);
    const key = fresh();
    expect((await store.acquire(key, { perMinute: 100 })).ok).toBe(true);
    await guarded.stop();
    const refused = await store.acquire(key, { perMinute: 100 });
    expect(refused).toMatchObject({ ok: false, limit: 'store' });
    if (refused.ok) return;
    expect(refused.message).toContain(`quota store (Redis at redis://***@127.0.0.1:${guarded.port})`);
    expect(refused.message).toMatch(/is unavailable: .+ retry shortly/);
    expect(refused.message).not.toContain(password);
    // A quota without limits does not need the store.
    expect((await store.acquire(key, {})).ok).toBe(true);
    await guarded.restart();
    expect((await acquireWithin(store, key, { perMinute: 100 }, 15_000)).ok).toBe(true);
    expect(events.map((e) => e.up)).toEqual([true, false, true]);
    expect(events.every((e) => !e.message.includes(password) && e.message.includes('***@'))).toBe(true);
  });

  it('Redis hung (SIGSTOP): refused within the command timeout, not a hang; admitted again after SIGCONT', async () => {
    const store = await open({ connectTimeoutMs: 500, commandTimeoutMs: 500 }, guarded.url);
    const key = fresh();
    expect((await store.acquire(key, { concurrent: 10 })).ok).toBe(true);
    guarded.process.kill('SIGSTOP');
    try {
      const refused = await store.acquire(key, { concurrent: 10 });
      expect(refused).toMatchObject({ ok: false, limit: 'store' });
      expect(refused.ok === false && refused.message).toMatch(/is unavailable: it did not answer within 500 ms/);
    } finally {
      guarded.process.kill('SIGCONT');
    }
    expect((await acquireWithin(store, key, { concurrent: 10 }, 15_000)).ok).toBe(true);
  });

  it('a connection that stops answering (a network black hole) is replaced: admitted again with Redis untouched', async () => {
    const hole = await blackHoleProxy(guarded.port);
    try {
      const url = `redis://:${password}@127.0.0.1:${hole.port}`;
      const store = await open({ connectTimeoutMs: 500, commandTimeoutMs: 500 }, url);
      const key = fresh();
      expect((await store.acquire(key, { perMinute: 100 })).ok).toBe(true);
      hole.swallowOpenConnections();
      expect(await store.acquire(key, { perMinute: 100 })).toMatchObject({ ok: false, limit: 'store' });
      // New connections pass: a store that kept its silent socket would never answer again.
      expect((await acquireWithin(store, key, { perMinute: 100 }, 10_000)).ok).toBe(true);
    } finally {
      await hole.close();
    }
  });

  it('a Redis that never answers the handshake of a new connection is left for a fresh one: admitted once it answers', async () => {
    const hole = await blackHoleProxy(guarded.port);
    try {
      hole.swallowNewConnections(true);
      const url = `redis://:${password}@127.0.0.1:${hole.port}`;
      const store = await open({ connectTimeoutMs: 300, commandTimeoutMs: 300 }, url);
      expect(await store.acquire(fresh(), { perMinute: 100 })).toMatchObject({ ok: false, limit: 'store' });
      hole.swallowNewConnections(false);
      // The connection whose handshake was swallowed never completes: only a new one can.
      expect((await acquireWithin(store, fresh(), { perMinute: 100 }, 10_000)).ok).toBe(true);
    } finally {
      await hole.close();
    }
  });

  it('a wrong password is refused naming the store, without repeating it', async () => {
    const wrong = `redis://:not-the-password-x1@127.0.0.1:${guarded.port}`;
    const store = await open({ connectTimeoutMs: 500, commandTimeoutMs: 500 }, wrong);
    const refused = await store.acquire(fresh(), { perMinute: 1 });
    expect(refused).toMatchObject({ ok: false, limit: 'store' });
    expect(refused.ok === false && refused.message).not.toContain('not-the-password-x1');
  });

  it('opening while Redis is unreachable resolves (bounded), refuses, and closes cleanly', async () => {
    const port = await freePort();
    const store = await open({ connectTimeoutMs: 300, commandTimeoutMs: 300 }, `redis://127.0.0.1:${port}`);
    const refused = await store.acquire(fresh(), { concurrent: 1 });
    expect(refused.ok === false && refused.message).toMatch(new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port}\\).*ECONNREFUSED`));
    await store.close();
    expect(await store.acquire(fresh(), { concurrent: 1 })).toMatchObject({ ok: false, limit: 'store' });
  });

  it('a URL that cannot be used is rejected without its password', async () => {
    await expect(redisQuotaStore('redis://:sekrit-value@127.0.0.1:99999999')).rejects.toThrow(/^quotaStore\.redis: (?!.*sekrit-value).*cannot be used/);
  });
});

describe('redis URL redaction', () => {
  it('shows a URL without its user information', () => {
    expect(redactRedisUrl('rediss://admin:p%40ss-word@cache.internal:6380/2')).toBe('rediss://***@cache.internal:6380/2');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('redis://:secret-pw@[')).toBe('the configured Redis URL');
  });

  it('removes the password, as written and decoded, from any text', () => {
    const redact = redisRedactor('redis://admin:p%40ss-word@cache.internal:6380');
    expect(redact('AUTH admin p@ss-word failed; url had p%40ss-word')).toBe('AUTH admin *** failed; url had ***');
  });
});

/** A TCP relay to Redis whose open connections can be made to swallow everything, as a dead network path does. */
async function blackHoleProxy(target: number): Promise<{
  port: number;
  swallowOpenConnections(): void;
  swallowNewConnections(on: boolean): void;
  close(): Promise<void>;
}> {
  const pairs: { client: Socket; upstream: Socket; silent: boolean }[] = [];
  let newOnesSilent = false;
  const server: Server = createServer((client) => {
    const pair = { client, upstream: connect(target, '127.0.0.1'), silent: newOnesSilent };
    pairs.push(pair);
    client.on('data', (chunk) => pair.silent || pair.upstream.write(chunk));
    pair.upstream.on('data', (chunk) => pair.silent || client.write(chunk));
    for (const socket of [client, pair.upstream]) socket.on('error', () => {});
    client.on('close', () => pair.upstream.destroy());
    pair.upstream.on('close', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    swallowOpenConnections: () => {
      for (const pair of pairs) pair.silent = true;
    },
    swallowNewConnections: (on) => {
      newOnesSilent = on;
    },
    close: () => {
      for (const pair of pairs) pair.client.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
