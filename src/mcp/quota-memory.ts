// The in-memory quota store: counts of this process only, for a single server (no `quotaStore` in the manifest).
// perMinute keeps the admission times of the last window per principal (a sliding log: exact, and at most
// `perMinute` entries each); concurrent is a count that a grant's release lowers.
import {
  ADMITTED_WITHOUT_SLOT,
  concurrentRefusal,
  grant,
  limitsAnything,
  perMinuteRefusal,
  positive,
  QUOTA_WINDOW_MS,
  type Quota,
  type QuotaGrant,
  type QuotaStore,
  storeRefusal,
} from './quota.js';

export interface MemoryQuotaOptions {
  /** A monotonic clock in ms (default `performance.now`): wall-clock jumps must not reopen or close a window. */
  now?: () => number;
  /** The perMinute window (default 60 000 ms). */
  windowMs?: number;
}

interface Usage {
  /** Admission times within the window, oldest first. */
  admitted: number[];
  running: number;
}

export function memoryQuotaStore(options: MemoryQuotaOptions = {}): QuotaStore {
  const now = options.now ?? (() => performance.now());
  const windowMs = options.windowMs ?? QUOTA_WINDOW_MS;
  const usage = new Map<string, Usage>();
  let closed = false;

  /** Drops admissions that left the window, and the whole entry once nothing is left, so idle keys cost nothing. */
  const prune = (key: string, u: Usage, t: number): void => {
    let expired = 0;
    while (expired < u.admitted.length && u.admitted[expired]! <= t - windowMs) expired++;
    if (expired > 0) u.admitted.splice(0, expired);
    if (u.admitted.length === 0 && u.running === 0) usage.delete(key);
  };

  return {
    async acquire(key: string, quota: Quota): Promise<QuotaGrant> {
      if (closed) return storeRefusal('memory', 'it was closed (the server is shutting down)');
      if (!limitsAnything(quota)) return ADMITTED_WITHOUT_SLOT;
      const t = now();
      const u = usage.get(key) ?? { admitted: [], running: 0 };
      prune(key, u, t);
      if (positive(quota.perMinute) && u.admitted.length >= quota.perMinute) {
        // The admission that must leave the window before one more fits.
        const oldest = u.admitted[u.admitted.length - quota.perMinute]!;
        return perMinuteRefusal(key, quota.perMinute, oldest + windowMs - t);
      }
      if (positive(quota.concurrent) && u.running >= quota.concurrent) return concurrentRefusal(key, quota.concurrent);
      // Admitted: only now is anything recorded, so a refusal consumed nothing.
      usage.set(key, u);
      if (positive(quota.perMinute)) u.admitted.push(t);
      if (!positive(quota.concurrent)) return ADMITTED_WITHOUT_SLOT;
      u.running++;
      return grant(() => {
        u.running--;
        prune(key, u, now());
      });
    },
    async close(): Promise<void> {
      closed = true;
      usage.clear();
    },
  };
}
