// Legacy SSE (protocol 2024-11-05) for older clients: GET /sse opens a session's event stream and names the POST
// endpoint, /messages?sessionId=…, where the client's messages arrive.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { EmptyResultSchema, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { paceResponses } from './response-pacing.js';
import type { Caller } from './http-auth.js';
import type { Refusal } from './http-replies.js';
import type { SessionTable } from './http-sessions.js';
import { createMcpServer, type Gateway } from './server.js';

export const SSE_MESSAGES_PATH = '/messages';

export async function openSse(gateway: Gateway, sessions: SessionTable, res: ServerResponse, caller: Caller): Promise<Refusal | undefined> {
  const refusal = sessions.refuseNew();
  if (refusal) return refusal;
  const transport = new SSEServerTransport(SSE_MESSAGES_PATH, res);
  const server = createMcpServer(gateway, transport.sessionId, caller.principal);
  sessions.holdOpen(sessions.add(transport.sessionId, 'sse', server, transport, caller.key), res);
  // One stream carries every notification and result: a result waits until the client has handled what came before.
  // Wrapped after add, so that an answer counts as owed (a shutdown waits for it) until it is written.
  paceResponses(transport, (timeout) => server.server.request({ method: 'ping' }, EmptyResultSchema, { timeout }));
  await server.connect(transport); // writes the stream's head and the endpoint event
  return undefined;
}

/** POST /messages with its body already read and parsed. */
export async function postSse(sessions: SessionTable, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<Refusal | undefined> {
  const session = sessions.get(url.searchParams.get('sessionId') ?? undefined, 'sse');
  if (!session) return { kind: 'no-session' };
  // The SDK's SSE transport answers a bad message in plain text: check it here so the answer is JSON-RPC.
  if (!JSONRPCMessageSchema.safeParse(body).success) {
    return { kind: 'invalid-request', detail: 'the legacy SSE endpoint takes one JSON-RPC message, not a batch or other JSON' };
  }
  const refusal = sessions.refuseDuringShutdown(body);
  if (refusal) return refusal;
  sessions.received(session, body);
  await (session.transport as SSEServerTransport).handlePostMessage(req, res, body);
  return undefined;
}
