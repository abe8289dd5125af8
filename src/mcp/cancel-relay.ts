// Cancels across --stateless replicas that share a Redis (the manifest's quotaStore.redis). Behind a load balancer a
// client's cancel (a POST of its own) lands on any replica, rarely the one running its request: a tagged cancel that
// matches nothing where it lands is published on a channel, and every replica applies what it hears to its own
// running requests (http-inflight.ts). Untagged cancels are never published: their ids do not tell clients apart.
// Best effort and bounded: with Redis down or slow a cancel stays local (nothing waits, nothing queues beyond
// MAX_PUBLISHING), and a replica whose subscription is down misses what is published meanwhile. Whoever can publish
// on this Redis can stop any tagged request of any caller, as it can already reset quotas: keep Redis private.
import { randomUUID } from 'node:crypto';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ConfigError, log } from '../shared/index.js';
import type { Manifest } from '../tool-bridge/manifest.js';
import { RedisConnection, type RedisConnectionOptions, redactRedisUrl, redisRedactor } from './redis-connection.js';

export const CANCEL_CHANNEL = 'enclave-mcp:cancel';

/** Publishes waiting for Redis at once, at most; beyond it a cancel stays local (a flood costs bounded memory). */
export const MAX_PUBLISHING = 100;

/** A client's reason travels only this long (it is for logs and the script's CANCELLED message). */
const MAX_REASON = 500;

/** A tagged cancel, as one replica tells the others: the scope (http-inflight.ts) and the request id. */
export interface RelayedCancel {
  caller: string;
  tag: string;
  id: RequestId;
  reason: string | undefined;
}

export interface CancelRelay {
  /** Tells the other replicas; never waits and never throws. */
  publish(cancel: RelayedCancel): void;
  /** Where cancels from other replicas go (the HTTP server's registry); replaces any earlier listener. */
  listen(apply: (cancel: RelayedCancel) => void): void;
  /** Unsubscribes and closes both connections. */
  close(): Promise<void>;
}

/** On the wire; `from` is the publishing relay, which hears its own messages and skips them. */
const Message = z.object({
  from: z.string(),
  caller: z.string(),
  tag: z.string().max(128),
  id: z.union([z.string(), z.number()]),
  reason: z.string().max(MAX_REASON).optional(),
});

export interface CancelRelayOptions extends RedisConnectionOptions {
  /** Default CANCEL_CHANNEL; several deployments on one Redis may each use their own. */
  channel?: string;
}

/**
 * Opens a relay: one connection publishes, one listens (a subscribed connection takes no other commands). Resolves
 * within connectTimeoutMs even when Redis is down; it then keeps reconnecting in the background.
 */
export async function redisCancelRelay(url: string, options: CancelRelayOptions = {}): Promise<CancelRelay> {
  const channel = options.channel ?? CANCEL_CHANNEL;
  const onStateChange =
    options.onStateChange ?? (({ up, message }) => (up ? log.info(message) : log.warn(`${message}; cancels stay on their replica meanwhile`)));
  const open = (role: string): Promise<RedisConnection> => RedisConnection.open(url, { ...options, purpose: `cancel relay (${role})`, onStateChange });
  const [publisher, subscriber] = await Promise.all([open('publishing'), open('listening')]);
  const self = randomUUID();
  let apply: ((cancel: RelayedCancel) => void) | undefined;
  let publishing = 0;

  subscriber.subscribe(channel, (text) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const message = Message.safeParse(parsed);
    if (!message.success) return log.debug(`cancel relay: ignored a message on ${channel} that is not a cancel`);
    if (message.data.from === self) return;
    const { caller, tag, id, reason } = message.data;
    apply?.({ caller, tag, id, reason });
  });

  return {
    publish(cancel) {
      if (publishing >= MAX_PUBLISHING) return log.debug(`cancel relay: ${MAX_PUBLISHING} cancels wait for Redis already; this one stays local`);
      const reason = cancel.reason?.slice(0, MAX_REASON);
      const text = JSON.stringify({ from: self, caller: cancel.caller, tag: cancel.tag, id: cancel.id, ...(reason !== undefined ? { reason } : {}) });
      publishing++;
      publisher
        .command(['PUBLISH', channel, text])
        .catch((error: unknown) =>
          log.debug(`cancel relay: a cancel stays local, as Redis could not take it: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => publishing--);
    },
    listen(listener) {
      apply = listener;
    },
    async close() {
      apply = undefined;
      await Promise.all([subscriber.close(), publisher.close()]);
    },
  };
}

/**
 * The relay for --stateless replicas when the manifest names a Redis (quotaStore.redis), whether or not a principal
 * has a quota. A URL that cannot be used is a ConfigError; a Redis that is down is not (cancels stay local meanwhile).
 */
export async function openCancelRelay(store: Manifest['quotaStore']): Promise<CancelRelay | undefined> {
  if (store?.redis === undefined) return undefined;
  try {
    return await redisCancelRelay(store.redis);
  } catch (error) {
    const why = redisRedactor(store.redis)(error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new ConfigError(`${redactRedisUrl(store.redis)} cannot be used (${why}); write it as redis://[:password@]host[:port][/db].`, 'quotaStore.redis');
  }
}
