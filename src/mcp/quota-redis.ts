// The Redis quota store: one quota shared by every replica that names the same Redis (`quotaStore.redis`).
// Admission is one atomic script (quota-redis-lua.ts). A concurrent slot is a lease that this process refreshes
// while the execution runs, so a replica that dies (SIGKILL, power loss) frees its slots within one lease.
// Fails closed: while Redis is unreachable or slow, executions that have a quota are refused, within bounded time.
import { randomUUID } from 'node:crypto';
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
import { ACQUIRE, DEFAULT_PREFIX, quotaKeys, REFRESH } from './quota-redis-lua.js';
import { RedisConnection, type RedisConnectionOptions, redactRedisUrl, redisRedactor } from './redis-connection.js';

export interface RedisQuotaOptions extends RedisConnectionOptions {
  /** How long a concurrent slot outlives a replica that stopped refreshing it (default 30 000 ms; refreshed every third). */
  leaseMs?: number;
  /** The perMinute window (default 60 000 ms; tests shorten it). */
  windowMs?: number;
  /** Key prefix (default `enclave-mcp:quota`), for several deployments on one Redis. */
  prefix?: string;
}

/**
 * Opens the store. Resolves within connectTimeoutMs even when Redis is down (it then refuses until Redis is back);
 * rejects only for a URL that cannot be used, with a message that does not repeat its password.
 */
export async function redisQuotaStore(url: string, options: RedisQuotaOptions = {}): Promise<QuotaStore> {
  let connection: RedisConnection;
  try {
    connection = await RedisConnection.open(url, options);
  } catch (error) {
    const why = redisRedactor(url)(error instanceof Error ? error.message : String(error));
    throw new Error(`quotaStore.redis: ${redactRedisUrl(url)} cannot be used (${why.split('\n')[0]}); write it as redis://[:password@]host[:port][/db].`);
  }
  return new RedisQuotaStore(connection, options);
}

/** How a script's reply reads; anything else means the Redis is not one this store can use. */
type AcquireReply = [1] | [0, 'perMinute', string | number] | [0, 'concurrent'];

function isAcquireReply(reply: unknown): reply is AcquireReply {
  return Array.isArray(reply) && (reply[0] === 1 || (reply[0] === 0 && (reply[1] === 'perMinute' || reply[1] === 'concurrent')));
}

class RedisQuotaStore implements QuotaStore {
  readonly #connection: RedisConnection;
  readonly #leaseMs: number;
  readonly #windowMs: number;
  readonly #prefix: string;
  /** This process's running executions: grant id → the principal's lease set. */
  readonly #leases = new Map<string, string>();
  /** Releases still on their way to Redis; close() lets them finish. */
  readonly #sending = new Set<Promise<unknown>>();
  #refresher: NodeJS.Timeout | undefined;
  #refreshing = false;
  #closed = false;

  constructor(connection: RedisConnection, options: RedisQuotaOptions) {
    this.#connection = connection;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#windowMs = options.windowMs ?? QUOTA_WINDOW_MS;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
  }

  async acquire(key: string, quota: Quota): Promise<QuotaGrant> {
    if (this.#closed) return storeRefusal(this.#connection.label, 'it was closed (the server is shutting down)');
    if (!limitsAnything(quota)) return ADMITTED_WITHOUT_SLOT;
    const keys = quotaKeys(this.#prefix, key);
    const perMinute = positive(quota.perMinute) ? quota.perMinute : 0;
    const concurrent = positive(quota.concurrent) ? quota.concurrent : 0;
    const id = randomUUID();
    let reply: unknown;
    try {
      // EVAL rather than EVALSHA: the script is short, and a NOSCRIPT retry could reorder it after a release.
      const args = [String(perMinute), String(concurrent), String(this.#windowMs), String(this.#leaseMs), id];
      reply = await this.#connection.command(['EVAL', ACQUIRE, '2', keys.rate, keys.slots, ...args]);
    } catch (error) {
      return storeRefusal(this.#connection.label, error instanceof Error ? error.message : String(error));
    }
    if (!isAcquireReply(reply)) return storeRefusal(this.#connection.label, 'it answered the quota script unexpectedly');
    if (reply[0] === 0) {
      return reply[1] === 'perMinute' ? perMinuteRefusal(key, perMinute, Number(reply[2])) : concurrentRefusal(key, concurrent);
    }
    if (concurrent === 0) return ADMITTED_WITHOUT_SLOT;
    if (this.#closed) {
      this.#send(['ZREM', keys.slots, id]);
      return storeRefusal(this.#connection.label, 'it was closed (the server is shutting down)');
    }
    this.#leases.set(id, keys.slots);
    this.#refresher ??= setInterval(() => void this.#refresh(), Math.max(1, Math.floor(this.#leaseMs / 3)));
    return grant(() => {
      this.#leases.delete(id);
      if (this.#leases.size === 0) this.#stopRefreshing();
      // Fire and forget: if Redis cannot be told, the lease lapses by itself within leaseMs.
      this.#send(['ZREM', keys.slots, id]);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRefreshing();
    // Executions still running here end with the process: free their slots now rather than after a lease.
    for (const [id, slots] of this.#leases) this.#send(['ZREM', slots, id]);
    this.#leases.clear();
    await Promise.allSettled(this.#sending);
    await this.#connection.close();
  }

  /** Extends every lease held here, one script per principal; a refresh that fails is retried at the next tick. */
  async #refresh(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const byKey = new Map<string, string[]>();
    for (const [id, slots] of this.#leases) byKey.set(slots, [...(byKey.get(slots) ?? []), id]);
    const sends = [...byKey].map(([slots, ids]) => this.#connection.command(['EVAL', REFRESH, '1', slots, String(this.#leaseMs), ...ids]));
    await Promise.allSettled(sends);
    this.#refreshing = false;
  }

  #stopRefreshing(): void {
    clearInterval(this.#refresher);
    this.#refresher = undefined;
  }

  #send(args: string[]): void {
    const sent = this.#connection.command(args).catch(() => {});
    this.#sending.add(sent);
    void sent.finally(() => this.#sending.delete(sent));
  }
}
