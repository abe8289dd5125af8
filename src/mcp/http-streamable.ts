// Streamable HTTP at /mcp: a session (McpServer + the SDK's transport) per client, created by its initialize; or, in
// stateless mode, a fresh pair per request with no session id, so any replica behind a load balancer can answer.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Refusal } from './http-replies.js';
import type { SessionTable } from './http-sessions.js';
import { createMcpServer, type Gateway } from './server.js';

export interface StreamableContext {
  gateway: Gateway;
  sessions: SessionTable;
  stateless: boolean;
}

const sessionHeader = (req: IncomingMessage): string | undefined => {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' ? id : undefined;
};

/** POST /mcp with its body already read and parsed. */
export async function postStreamable(ctx: StreamableContext, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<Refusal | undefined> {
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
  const refusal = sessions.refuseNew(body);
  if (refusal) return refusal;
  // The id is ours, not the transport's, so the gateway's per-session bound is keyed by it from the first request.
  const sessionId = randomUUID();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: stateless ? undefined : () => sessionId,
    onsessionclosed: () => void sessions.close(sessionId), // DELETE /mcp
  });
  const server = createMcpServer(ctx.gateway, stateless ? `request:${sessionId}` : sessionId);
  const session = sessions.add(sessionId, stateless ? 'stateless' : 'streamable', server, transport);
  // Stateless: the pair lives as long as its one response. (A notifications/cancelled arrives as another request,
  // which no server can tie to this one; closing the response is how a stateless client cancels.)
  if (stateless) res.once('close', () => void sessions.close(sessionId));
  await server.connect(transport);
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
