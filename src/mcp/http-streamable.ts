// Streamable HTTP at /mcp: a session (McpServer + the SDK's transport) per client, created by its initialize; or, in
// stateless mode, a fresh pair per request and no session (only a client tag that nothing checks, for cancels), so
// any replica behind a load balancer can answer.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from './http-auth.js';
import type { Refusal } from './http-replies.js';
import type { SessionTable } from './http-sessions.js';
import { forwardCancels, trackRequests } from './http-stateless-cancel.js';
import { mintTag, tagOf } from './http-stateless-tag.js';
import type { CancelRelay } from './cancel-relay.js';
import { createMcpServer, type Gateway } from './server.js';

export interface StreamableContext {
  gateway: Gateway;
  sessions: SessionTable;
  stateless: boolean;
  /** Prepended to minted session ids ("r1" mints "r1.<uuid>"), so a load balancer can route a session to its replica. */
  sessionPrefix?: string;
  /** Stateless: where tagged cancels that match nothing here go, for the other replicas (shared Redis). */
  cancelRelay?: CancelRelay;
}

const sessionHeader = (req: IncomingMessage): string | undefined => {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' ? id : undefined;
};

/** POST /mcp with its body already read and parsed. */
export async function postStreamable(
  ctx: StreamableContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  caller: Caller,
): Promise<Refusal | undefined> {
  const { sessions, stateless } = ctx;
  const id = stateless ? undefined : sessionHeader(req);
  if (id !== undefined) {
    const session = sessions.get(id, 'streamable');
    if (!session) return { kind: 'no-session' };
    const refusal = sessions.refuseDuringShutdown(body);
    if (refusal) return refusal;
    sessions.received(session, body);
    await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
    return undefined;
  }
  if (!stateless && !(Array.isArray(body) ? body : [body]).some(isInitializeRequest)) return { kind: 'needs-session' };
  const scope = { caller: caller.key, tag: stateless ? tagOf(req) : undefined };
  if (stateless) forwardCancels(sessions, scope, body, ctx.cancelRelay); // before refuseNew: a cancel passes a full or closing server
  const refusal = sessions.refuseNew(body);
  if (refusal) return refusal;
  // The id is ours, not the transport's, so the gateway's per-session bound is keyed by it from the first request.
  const sessionId = ctx.sessionPrefix ? `${ctx.sessionPrefix}.${randomUUID()}` : randomUUID();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: stateless ? undefined : () => sessionId,
    onsessionclosed: () => void sessions.close(sessionId), // DELETE /mcp
  });
  const server = createMcpServer(ctx.gateway, stateless ? `request:${sessionId}` : sessionId, caller.principal);
  const session = sessions.add(sessionId, stateless ? 'stateless' : 'streamable', server, transport, caller.key);
  // Stateless: the pair lives as long as its one response; closing the server aborts its running handlers, so a
  // client that goes away stops its script. A cancel comes as another POST: trackRequests routes it here.
  if (stateless) res.once('close', () => void sessions.close(sessionId));
  await server.connect(transport);
  if (stateless) trackRequests(sessions, session, scope, res);
  // A fresh tag for each stateless initialize; the SDK client sends it back on every later request.
  if (stateless && (Array.isArray(body) ? body : [body]).some(isInitializeRequest)) res.setHeader('Mcp-Session-Id', mintTag());
  sessions.received(session, body);
  await transport.handleRequest(req, res, body);
  if (!stateless && transport.sessionId === undefined) await sessions.close(sessionId); // the SDK refused the initialize
  return undefined;
}

/** GET /mcp (the session's stream for server-initiated messages) and DELETE /mcp (the client ends the session). */
export async function streamOrEnd(ctx: StreamableContext, req: IncomingMessage, res: ServerResponse): Promise<Refusal | undefined> {
  const id = sessionHeader(req);
  if (id === undefined) return { kind: 'needs-session' };
  const session = ctx.sessions.get(id, 'streamable');
  if (!session) return { kind: 'no-session' };
  const refusal = req.method === 'GET' ? ctx.sessions.refuseDuringShutdown() : undefined;
  if (refusal) return refusal;
  session.lastSeen = Date.now();
  if (req.method === 'GET') ctx.sessions.holdOpen(session, res);
  await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res);
  return undefined;
}
