// Cancellation in stateless mode. Each POST gets a fresh server, so a notifications/cancelled (a POST of its own)
// reaches a server that never saw the request it names: it is routed through the session table's InflightRequests
// instead, by scope (caller and client tag) and request id, to the server running that request; a tagged cancel that
// matches nothing here goes on to the other replicas when they share a relay (cancel-relay.ts).
import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CancelledNotificationSchema, isJSONRPCRequest, type JSONRPCNotification, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../shared/index.js';
import type { CancelRelay } from './cancel-relay.js';
import type { CancelScope } from './http-inflight.js';
import type { Session, SessionTable } from './http-sessions.js';

/**
 * Sends every notifications/cancelled of a stateless POST to the request it names, within `scope`; one that is held
 * here (tagged, nothing matched) is published on `relay` too, as its request may run on another replica.
 */
export function forwardCancels(sessions: SessionTable, scope: CancelScope, body: unknown, relay?: CancelRelay): void {
  for (const message of Array.isArray(body) ? body : [body]) {
    const cancel = CancelledNotificationSchema.safeParse(message);
    if (!cancel.success || cancel.data.params.requestId === undefined) continue;
    const { requestId, reason } = cancel.data.params;
    const outcome = sessions.inflight.cancel(scope, requestId, reason);
    if (outcome === 'held' && scope.tag !== undefined) relay?.publish({ caller: scope.caller, tag: scope.tag, id: requestId, reason });
    if (outcome === 'ambiguous') {
      log.warn(
        `a cancel named request ${JSON.stringify(requestId)}, which several stateless requests of one caller are running: none was stopped, as nothing tells which one was meant. Use a client that sends back the Mcp-Session-Id of its initialize response (the MCP SDK clients do), give each client its own token, or serve without --stateless.`,
      );
    } else log.debug(`stateless cancel of request ${JSON.stringify(requestId)}${scope.tag === undefined ? ' (untagged)' : ''}: ${outcome}`);
  }
}

/**
 * Tracks each request of a stateless server as its transport hands it over (call once connected), until the
 * response closes. A cancel is handed to the server the same way, so the SDK aborts the handler's signal (the
 * script ends CANCELLED); no answer follows a cancelled request, so the response is then ended here.
 */
export function trackRequests(sessions: SessionTable, session: Session, scope: CancelScope, res: ServerResponse): void {
  const transport: Transport = session.transport;
  const dispatch = transport.onmessage;
  const untrack: (() => void)[] = [];
  res.once('close', () => {
    for (const done of untrack) done();
  });
  transport.onmessage = (message, extra) => {
    dispatch?.(message, extra);
    if (!isJSONRPCRequest(message) || res.closed) return;
    const id = message.id;
    untrack.push(
      sessions.inflight.track(scope, id, (reason) => {
        const cancel = cancelled(id, reason);
        dispatch?.(cancel);
        sessions.received(session, cancel);
        // Later, so that the SDK has handed out the response (a cancel held for this request arrives within it).
        setImmediate(() => session.pending.size === 0 && void sessions.close(session.id));
      }),
    );
  };
}

const cancelled = (requestId: RequestId, reason: string | undefined): JSONRPCNotification => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, ...(reason !== undefined ? { reason } : {}) },
});
