// What every quota store does, run against each of them (memory in quota-store.test.ts, Redis in
// quota-redis.test.ts). Each test uses keys of its own, so one store may serve the whole suite.
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { QuotaGrant, QuotaStore } from '../../src/mcp/quota.js';

const fresh = (): string => `p-${randomUUID().slice(0, 8)}`;
const admitted = (grants: QuotaGrant[]): number => grants.filter((g) => g.ok).length;

async function sequence(store: QuotaStore, key: string, quota: Parameters<QuotaStore['acquire']>[1], n: number): Promise<QuotaGrant[]> {
  const grants: QuotaGrant[] = [];
  for (let i = 0; i < n; i++) grants.push(await store.acquire(key, quota));
  return grants;
}

/** Registers the contract's tests; `store()` is called inside each test (open it in beforeAll). */
export function quotaStoreContract(store: () => QuotaStore): void {
  it('perMinute 3: three executions are admitted, the fourth is refused with when to retry', async () => {
    const grants = await sequence(store(), fresh(), { perMinute: 3 }, 4);
    expect(grants.map((g) => g.ok)).toEqual([true, true, true, false]);
    const refusal = grants[3]!;
    if (refusal.ok) throw new Error('unreachable');
    expect(refusal.limit).toBe('perMinute');
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refusal.message).toMatch(/at most 3 executions per minute.*retry in \d+ s.*quota\.perMinute/);
  });

  it('concurrent 2: a third running execution is refused until one is released', async () => {
    const s = store();
    const key = fresh();
    const [a, b, c] = await sequence(s, key, { concurrent: 2 }, 3);
    expect([a?.ok, b?.ok, c?.ok]).toEqual([true, true, false]);
    if (c?.ok !== false) throw new Error('unreachable');
    expect(c.limit).toBe('concurrent');
    expect(c.message).toMatch(/at most 2 executions at once.*retry when one has finished.*quota\.concurrent/);
    if (a?.ok) a.release();
    expect((await s.acquire(key, { concurrent: 2 })).ok).toBe(true);
    expect((await s.acquire(key, { concurrent: 2 })).ok).toBe(false);
  });

  it('a refusal consumes nothing: refused executions do not count toward perMinute', async () => {
    const s = store();
    const key = fresh();
    const quota = { perMinute: 2, concurrent: 1 };
    const first = await s.acquire(key, quota);
    const refusedWhileRunning = await s.acquire(key, quota);
    expect([first.ok, refusedWhileRunning.ok]).toEqual([true, false]);
    if (first.ok) first.release();
    // The refused one did not use the second admission of the minute.
    const second = await s.acquire(key, quota);
    expect(second.ok).toBe(true);
    if (second.ok) second.release();
    const third = await s.acquire(key, quota);
    expect(third.ok === false && third.limit).toBe('perMinute');
  });

  it('release is idempotent: releasing one grant twice frees one slot', async () => {
    const s = store();
    const key = fresh();
    const [first, stillRunning] = await sequence(s, key, { concurrent: 2 }, 2);
    if (!first?.ok || !stillRunning?.ok) throw new Error('two slots of two were not admitted');
    first.release();
    first.release();
    const [second, third] = await sequence(s, key, { concurrent: 2 }, 2);
    expect([second?.ok, third?.ok]).toEqual([true, false]);
  });

  it("one principal's quota does not touch another's", async () => {
    const s = store();
    const [spent, other] = [fresh(), fresh()];
    await sequence(s, spent, { perMinute: 1, concurrent: 1 }, 2);
    expect((await s.acquire(spent, { perMinute: 1 })).ok).toBe(false);
    expect(admitted(await sequence(s, other, { perMinute: 1, concurrent: 1 }, 1))).toBe(1);
  });

  it('a quota without limits admits everything', async () => {
    expect(admitted(await sequence(store(), fresh(), {}, 50))).toBe(50);
  });

  it('perMinute 5 under 25 simultaneous requests admits exactly 5', async () => {
    const s = store();
    const key = fresh();
    const grants = await Promise.all(Array.from({ length: 25 }, () => s.acquire(key, { perMinute: 5 })));
    expect(admitted(grants)).toBe(5);
  });
}
