// The open HTTP sessions: one McpServer + transport each, keyed by session id; a cap on how many, idle expiry, and
// the requests each still owes an answer, so a shutdown can wait for them and then answer the rest itself.
import type { ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { log } from '../shared/index.js';
import { InflightRequests } from './http-inflight.js';
import type { Refusal } from './http-replies.js';

export type SessionKind = 'streamable' | 'stateless' | 'sse';

export interface Session {
  readonly id: string;
  readonly kind: SessionKind;
  /** Caller.key of who opened it (http-auth.ts): every later request on it must come from the same caller. */
  readonly owner: string | undefined;
  readonly server: McpServer;
  readonly transport: Transport;
  lastSeen: number;
  /** Requests from the client not answered yet. */
  readonly pending: Set<RequestId>;
  /** Event streams the client holds open (legacy SSE, a Streamable HTTP GET): a connected client is not idle. */
  streams: number;
}

export interface SessionLimits {
  /** Sessions open at once (stateless requests count while they run). */
  maxSessions: number;
  /** A session with nothing pending and no request for this long is closed. */
  idleMs: number;
}

/** JSON-RPC error sent for requests still running when the shutdown grace period ends. */
const SHUTDOWN_ANSWER = { code: -32000, message: 'CANCELLED: the server is shutting down and stopped this request. Run it again once the server is back.' };

export class SessionTable {
  /** Set when the shutdown begins: new sessions and new requests are refused from then on. */
  closing = false;
  /** Stateless requests running, so that a cancel (a POST of its own) reaches the request it names. */
  readonly inflight = new InflightRequests();
  private readonly sessions = new Map<string, Session>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: SessionLimits) {
    // Swept at a quarter of the idle time, so a session lives at most 1.25 × idleMs after its last request.
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(limits.idleMs / 4, 60_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= this.limits.maxSessions;
  }

  /** While shutting down, anything that would start work is refused; notifications (a cancel, say) still pass. */
  refuseDuringShutdown(body?: unknown): Refusal | undefined {
    if (!this.closing) return undefined;
    const starts = body === undefined || (Array.isArray(body) ? body : [body]).some(isJSONRPCRequest);
    return starts ? { kind: 'shutting-down' } : undefined;
  }

  /** Why a new session cannot open now, if it cannot. */
  refuseNew(body?: unknown): Refusal | undefined {
    return this.refuseDuringShutdown(body) ?? (this.full ? { kind: 'too-many-sessions', detail: String(this.limits.maxSessions) } : undefined);
  }

  get(id: string | undefined, kind: SessionKind): Session | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    return session?.kind === kind ? session : undefined;
  }

  /** Adds a session before its server is connected. Its answers are watched (send is wrapped) to settle `pending`. */
  add(id: string, kind: SessionKind, server: McpServer, transport: Transport, owner?: string): Session {
    const session: Session = { id, kind, owner, server, transport, lastSeen: Date.now(), pending: new Set(), streams: 0 };
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) this.settle(session, message.id);
      return send(message, options);
    };
    // Protocol.connect chains this with its own handler, which aborts the session's running handlers.
    transport.onclose = () => this.forget(session);
    this.sessions.set(id, session);
    return session;
  }

  /** Counts a long-lived response as activity for as long as it stays open. */
  holdOpen(session: Session, res: ServerResponse): void {
    session.streams++;
    res.once('close', () => {
      session.streams--;
      session.lastSeen = Date.now();
    });
  }

  /** Notes what a client sent: requests now pending, and cancellations (the SDK sends no answer for those). */
  received(session: Session, body: unknown): void {
    session.lastSeen = Date.now();
    for (const message of Array.isArray(body) ? body : [body]) {
      if (isJSONRPCRequest(message)) session.pending.add(message.id);
      else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (id !== undefined) this.settle(session, id);
      }
    }
  }

  /** True while any session owes an answer. */
  get busy(): boolean {
    for (const session of this.sessions.values()) if (session.pending.size > 0) return true;
    return false;
  }

  /** Resolves once no session owes an answer. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.forget(session);
    // Closing the server closes its transport, which aborts the signals of running handlers: scripts end CANCELLED.
    await session.server.close().catch((error: unknown) => log.debug('closing an HTTP session failed', error));
  }

  /** Answers every pending request with a shutdown error, then closes every session. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    await Promise.all(
      all.map(async (session) => {
        for (const id of [...session.pending]) {
          const answer: JSONRPCMessage = { jsonrpc: '2.0', id, error: SHUTDOWN_ANSWER };
          await session.transport.send(answer).catch(() => undefined); // its stream may be gone already
        }
        await this.close(session.id);
      }),
    );
  }

  private settle(session: Session, id: RequestId): void {
    session.lastSeen = Date.now();
    if (!session.pending.delete(id) || this.busy) return;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters.clear();
  }

  private forget(session: Session): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    session.pending.clear();
    if (!this.busy) {
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters.clear();
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.limits.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.pending.size === 0 && session.streams === 0 && session.lastSeen <= cutoff) {
        log.info(`closing idle HTTP session ${session.id.slice(0, 8)}…`);
        void this.close(session.id);
      }
    }
  }
}
