// Quotas of principals (DESIGN §6): how many executions a caller may start per minute and run at once. This module
// holds the contract every store keeps and the refusal messages; `quota-memory.ts` keeps counts in this process,
// `quota-redis.ts` in a Redis shared by replicas. The Gateway maps a refusal to QUOTA_EXCEEDED.
import type { RedisQuotaOptions } from './quota-redis.js';

/** A principal's quota (the manifest's `principals.<name>.quota`); an absent limit is no limit. */
export interface Quota {
  perMinute?: number;
  concurrent?: number;
}

/** Why an execution was refused: a limit of the quota, or `store` when the store could not be asked (fail closed). */
export type QuotaLimit = 'perMinute' | 'concurrent' | 'store';

export type QuotaGrant =
  /** Admitted. `release()` ends the execution's concurrent slot; call it once the execution ends (idempotent). */
  | { readonly ok: true; release(): void }
  /** Refused; nothing was consumed. `retryAfterMs` when known (perMinute); `message` says what to do. */
  | { readonly ok: false; readonly limit: QuotaLimit; readonly retryAfterMs?: number; readonly message: string };

export interface QuotaStore {
  /** Admits one execution for `key` (a principal name) or refuses it; a refusal consumes nothing. Never rejects. */
  acquire(key: string, quota: Quota): Promise<QuotaGrant>;
  /** Frees what the store holds (timers, sockets, this process's concurrent slots); later acquires are refused. */
  close(): Promise<void>;
}

/** perMinute is a sliding window of this length: at most N admissions in any 60 s, with no burst at a boundary. */
export const QUOTA_WINDOW_MS = 60_000;

/** The manifest's `quotaStore`: Redis when named, this process's memory otherwise. */
export interface QuotaStoreConfig {
  redis?: string;
}

/** The store a manifest asks for. Redis is loaded only when named, so a server without it never opens a socket. */
export async function openQuotaStore(config: QuotaStoreConfig | undefined, options: RedisQuotaOptions = {}): Promise<QuotaStore> {
  if (config?.redis === undefined) {
    const { memoryQuotaStore } = await import('./quota-memory.js');
    return memoryQuotaStore();
  }
  const { redisQuotaStore } = await import('./quota-redis.js');
  return redisQuotaStore(config.redis, options);
}

/** True when the quota limits anything; executions of principals without one never touch the store. */
export function limitsAnything(quota: Quota): boolean {
  return positive(quota.perMinute) || positive(quota.concurrent);
}

/** A limit counts only when it is a positive number (the manifest's schema guarantees positive integers). */
export function positive(n: number | undefined): n is number {
  return typeof n === 'number' && n > 0;
}

const NOTHING_HELD = (): void => {};
export const ADMITTED_WITHOUT_SLOT: QuotaGrant = Object.freeze({ ok: true as const, release: NOTHING_HELD });

/** A grant whose release runs `free` once, however often it is called. */
export function grant(free: () => void): QuotaGrant {
  let held = true;
  return {
    ok: true,
    release() {
      if (!held) return;
      held = false;
      free();
    },
  };
}

export function perMinuteRefusal(key: string, limit: number, retryAfterMs: number): QuotaGrant {
  const wait = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return {
    ok: false,
    limit: 'perMinute',
    retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
    message:
      `principal "${key}" may start at most ${limit} execution${limit === 1 ? '' : 's'} per minute and has used them; ` +
      `retry in ${wait} s, or ask the operator to raise its quota.perMinute.`,
  };
}

export function concurrentRefusal(key: string, limit: number): QuotaGrant {
  return {
    ok: false,
    limit: 'concurrent',
    message:
      `principal "${key}" may run at most ${limit} execution${limit === 1 ? '' : 's'} at once and ${limit === 1 ? 'one is' : 'all are'} running; ` +
      'retry when one has finished, or ask the operator to raise its quota.concurrent.',
  };
}

/** Fail closed: a store that cannot be asked admits no execution that has a quota. */
export function storeRefusal(store: string, problem: string): QuotaGrant {
  return {
    ok: false,
    limit: 'store',
    message: `the quota store (${store}) is unavailable: ${problem.replace(/[.\s]+$/, '')}. Executions with a quota are refused until it answers; retry shortly, or ask the operator to check it.`,
  };
}
