// The in-memory quota store: the shared contract, then its sliding window on a clock the test moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQuotaStore, type QuotaGrant, type QuotaStore } from '../../src/mcp/quota.js';
import { memoryQuotaStore } from '../../src/mcp/quota-memory.js';
import { quotaStoreContract } from './quota-contract.js';

describe('memory quota store: the contract', () => {
  let store: QuotaStore;
  beforeAll(() => {
    store = memoryQuotaStore();
  });
  afterAll(() => store.close());
  quotaStoreContract(() => store);
});

describe('memory quota store: perMinute is a sliding window', () => {
  const clocked = (): { store: QuotaStore; at: (ms: number) => void } => {
    let t = 1_000_000;
    const start = t;
    return { store: memoryQuotaStore({ now: () => t }), at: (ms) => (t = start + ms) };
  };
  const retryAfter = (g: QuotaGrant): number | undefined => (g.ok ? undefined : g.retryAfterMs);

  it('admits again exactly when the oldest admission is a minute old, and no earlier', async () => {
    const { store, at } = clocked();
    const q = { perMinute: 2 };
    expect((await store.acquire('k', q)).ok).toBe(true); // at 0
    at(30_000);
    expect((await store.acquire('k', q)).ok).toBe(true);
    at(59_999);
    const early = await store.acquire('k', q);
    expect(early.ok).toBe(false);
    expect(retryAfter(early)).toBe(1);
    at(60_000);
    expect((await store.acquire('k', q)).ok).toBe(true);
    // A fixed window starting at 60 s would admit this one too; the sliding window still holds the one of 30 s.
    at(60_500);
    const late = await store.acquire('k', q);
    expect(late.ok).toBe(false);
    expect(retryAfter(late)).toBe(29_500);
  });

  it('never admits more than perMinute in any minute, across a window boundary', async () => {
    const { store, at } = clocked();
    let admittedTimes: number[] = [];
    for (let ms = 0; ms < 180_000; ms += 1_000) {
      at(ms);
      if ((await store.acquire('k', { perMinute: 10 })).ok) admittedTimes.push(ms);
      admittedTimes = admittedTimes.filter((x) => x > ms - 60_000);
      expect(admittedTimes.length).toBeLessThanOrEqual(10);
    }
  });

  it('a lowered limit waits for enough admissions to leave the window', async () => {
    const { store, at } = clocked();
    for (let i = 0; i < 4; i++) {
      at(i * 1000);
      await store.acquire('k', { perMinute: 4 });
    }
    at(10_000);
    // With 4 admitted (at 0, 1, 2, 3 s) and the limit now 2, the one of 2 s must leave: at 62 s.
    expect(retryAfter(await store.acquire('k', { perMinute: 2 }))).toBe(52_000);
  });
});

describe('memory quota store: lifetime', () => {
  it('refuses after close, naming the store, and a late release does not throw', async () => {
    const store = memoryQuotaStore();
    const running = await store.acquire('k', { concurrent: 1 });
    await store.close();
    const after = await store.acquire('k', { concurrent: 1 });
    expect(after.ok === false && after.limit).toBe('store');
    expect(after.ok === false && after.message).toMatch(/quota store \(memory\).*closed/);
    if (running.ok) running.release();
  });

  it('openQuotaStore without a Redis URL gives a memory store', async () => {
    const store = await openQuotaStore(undefined);
    const grants = [await store.acquire('k', { perMinute: 1 }), await store.acquire('k', { perMinute: 1 })];
    expect(grants.map((g) => g.ok)).toEqual([true, false]);
    await store.close();
    expect(await store.acquire('k', {})).toMatchObject({ ok: false, limit: 'store' });
  });
});
