// Legacy SSE and stdio: a response is written only once the client has handled the notifications written before it.
// The SDK's SSE and stdio clients dispatch every message of one chunk synchronously but run notification handlers a
// microtask late, so a result read in the same chunk as progress sent before it is handled first; the progress
// handler is gone by then and the client drops that progress as "unknown token". Time cannot fix this (TCP has no
// message boundaries, and a client waiting for the CPU reads everything at once: a 15 ms pause before each result
// still lost progress on a loaded two-core machine), so the server asks: it sends a ping after the notifications and
// writes the response once the ping is answered. A client answers a ping after it has handled every message it read
// before it (the SDK defers the ping's handler behind those notification handlers), in whatever chunks they came.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCResultResponse } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../shared/index.js';

/**
 * How long a response waits for the ping's answer before it is written anyway: a client that never answers pings
 * (they must, by the protocol) gets its results late, never lost; a shutdown waits at most this long per session.
 */
export const PING_TIMEOUT_MS = 1_000;

/** Sends a ping to the client; resolves or rejects once it is answered, or rejects after `timeoutMs`. */
export type Ping = (timeoutMs: number) => Promise<unknown>;

/**
 * Wraps `transport.send` so that a response (result or error) is written only after a ping sent after every
 * request's notification before it was answered. Notifications and requests pass at once; a response that follows
 * no new notification is not delayed. One ping serves every response waiting for the same notifications.
 */
export function paceResponses(transport: Transport, ping: Ping, timeoutMs = PING_TIMEOUT_MS): void {
  const send = transport.send.bind(transport);
  let written = 0; // notifications written so far
  let handled = 0; // of those, how many the client has handled for sure
  let probe: { upTo: number; answered: Promise<void> } | undefined;

  const caughtUp = async (target: number): Promise<void> => {
    while (handled < target) {
      if (!probe || probe.upTo < target) {
        const upTo = written;
        const answered = ping(timeoutMs).then(
          () => undefined,
          (error: unknown) => log.debug('a ping before a response got no answer; the response is written anyway', error),
        );
        probe = { upTo, answered: answered.then(() => void (handled = Math.max(handled, upTo))) };
      }
      await probe.answered;
    }
  };

  transport.send = async (message, options) => {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) await caughtUp(written);
    // Counted before it is written, so that no response slips past it. Only a request's own notifications (progress,
    // logs) count: one of the session's own (the cancel of a ping that got no answer) needs no ping of its own.
    else if (isJSONRPCNotification(message) && options?.relatedRequestId !== undefined) written++;
    return send(message, options);
  };
}
