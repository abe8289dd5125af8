// Serving over HTTP: Streamable HTTP at /mcp (a session per client, or one server per request with `stateless`),
// legacy SSE at /sse + /messages, and /healthz, behind the guards of http-guards.ts. Plain node:http, no framework.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../enclave/index.js';
import { ConfigError } from '../tool-bridge/errors.js';
import { bodyLimitFor, readJsonBody } from './http-body.js';
import { bracket, guardsFor, resolveToken, type Guards } from './http-guards.js';
import { refuse, type Refusal } from './http-replies.js';
import { SessionTable } from './http-sessions.js';
import { openSse, postSse, SSE_MESSAGES_PATH } from './http-sse.js';
import { postStreamable, streamOrEnd } from './http-streamable.js';
import type { Gateway } from './server.js';

export interface HttpOptions {
  host: string;
  /** 0 picks a free port; the URL returned says which. */
  port: number;
  /** Required off loopback; generated when absent on loopback. */
  token?: string;
  /** A fresh server per request and no session ids: for replicas behind a load balancer. */
  stateless?: boolean;
  /** More Host values to accept, e.g. a proxy's public name (their https origins are accepted too). */
  allowedHosts?: string[];
  /** More Origin values to accept (default: only our own). */
  allowedOrigins?: string[];
  /** Sessions open at once (default 1,000); beyond it, 503. */
  maxSessions?: number;
  /** Idle sessions are closed after this long (default 30 minutes). */
  idleMs?: number;
  /** Request body limit (default: bodyLimitFor the level's maxCodeBytes). */
  maxBodyBytes?: number;
}

export interface HttpServer {
  url: string;
  token: string;
  /** True when the token was generated here (none was given). */
  generated: boolean;
  /** Resolves once the server has stopped and every session is closed. */
  closed: Promise<void>;
  /** Stops accepting, waits up to graceMs for running requests, then cancels the rest and closes every session. */
  close(graceMs: number): Promise<void>;
}

/** Throws ConfigError (CLI exit 2) before anything starts when the options cannot be served safely. */
export function checkHttpOptions(options: Pick<HttpOptions, 'host' | 'token'>): void {
  resolveToken(options.host, options.token);
}

/** The methods each path accepts; stateless servers keep no stream or session to GET or DELETE. */
const METHODS = (stateless: boolean): Record<string, readonly string[]> => ({
  '/mcp': stateless ? ['POST'] : ['POST', 'GET', 'DELETE'],
  '/sse': ['GET'],
  [SSE_MESSAGES_PATH]: ['POST'],
});

/**
 * The request target as a URL, when it is a path (origin-form). Anything else is no resource of ours: `//` makes
 * `new URL` throw, and `//x/mcp` would read as host x and path /mcp.
 */
function requestPath(target: string): URL | undefined {
  // Absolute form (RFC 9112: "GET http://host/mcp"), which servers must accept: its path is what counts.
  if (/^https?:\/\//i.test(target)) {
    try {
      return new URL(target);
    } catch {
      return undefined;
    }
  }
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

export async function serveHttp(gateway: Gateway, options: HttpOptions): Promise<HttpServer> {
  const { token, generated } = resolveToken(options.host, options.token);
  const stateless = options.stateless ?? false;
  const limit = options.maxBodyBytes ?? bodyLimitFor(gateway.open.enclave.limits.maxCodeBytes);
  const sessions = new SessionTable({ maxSessions: options.maxSessions ?? 1_000, idleMs: options.idleMs ?? 30 * 60_000 });
  const context = { gateway, sessions, stateless };
  const methods = METHODS(stateless);
  let guards: Guards | undefined; // set once listening: the Host check needs the port

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Refusal | undefined> {
    const url = requestPath(req.url ?? '/');
    if (url?.pathname === '/healthz') return health(req, res);
    const refusal = guards ? guards.check(req) : { kind: 'shutting-down' as const }; // fail closed, though unreachable
    if (refusal) return refusal;
    if (!url) return { kind: 'not-found', detail: (req.url ?? '').slice(0, 100) };
    const allowed = methods[url.pathname];
    if (!allowed) return { kind: 'not-found', detail: url.pathname };
    if (!allowed.includes(req.method ?? '')) return { kind: 'bad-method', detail: req.method ?? '', allow: allowed.join(', ') };
    if (req.method !== 'POST') return url.pathname === '/sse' ? openSse(gateway, sessions, res) : streamOrEnd(context, req, res);
    const read = await readJsonBody(req, limit);
    if (!read.ok) return read.refusal;
    return url.pathname === '/mcp' ? postStreamable(context, req, res, read.body) : postSse(sessions, req, res, url, read.body);
  }

  const http = createServer((req, res) => {
    route(req, res).then(
      (refusal) => refusal && refuse(res, refusal),
      (error: unknown) => {
        log.warn('an HTTP request failed', error);
        refuse(res, { kind: 'internal' });
      },
    );
  });
  const bindHost = options.host.replace(/^\[(.*)\]$/, '$1'); // listen() takes ::1, a URL writes [::1]
  const port = await new Promise<number>((resolve, reject) => {
    const failed = (error: Error): void => {
      void sessions.closeAll(); // stops its idle sweeper
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        const why = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'needs privileges we do not have' : 'is not an address of this machine';
        reject(new ConfigError(`${options.host}:${options.port} ${why}. Choose another with --port (0 picks a free one) or --host.`));
      } else reject(error);
    };
    http.once('error', failed);
    http.listen(options.port, bindHost, () => {
      http.off('error', failed);
      // Later server errors (EMFILE on accept, …) are logged: with no listener, Node would end the process.
      http.on('error', (error) => log.error('the HTTP server reported an error; it keeps serving', error));
      const { port: bound } = http.address() as AddressInfo;
      // Set before any request can be read: the Host and Origin checks need the real port.
      guards = guardsFor({ host: options.host, port: bound, token, allowedHosts: options.allowedHosts ?? [], allowedOrigins: options.allowedOrigins ?? [] });
      resolve(bound);
    });
  });

  const httpClosed = new Promise<void>((resolve) => http.once('close', () => resolve()));
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let closingDone: Promise<void> | undefined;
  const close = (graceMs: number): Promise<void> =>
    (closingDone ??= (async () => {
      sessions.closing = true;
      http.close(); // no new connections; idle keep-alive ones are closed, busy ones refuse new requests (503)
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([sessions.whenIdle(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      await sessions.closeAll();
      // Let the last answers flush, then cut whatever is left (a client holding a connection open).
      setTimeout(() => http.closeAllConnections(), 500).unref();
      await httpClosed;
      markClosed();
    })());
  return { url: `http://${urlHost(options.host)}:${port}/mcp`, token, generated, closed, close };
}

/** Needs no token and says nothing about the deployment: load balancers and supervisors poll it. */
function health(req: IncomingMessage, res: ServerResponse): Refusal | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' };
  const body = '{"status":"ok"}';
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return undefined;
}

/** The host as a URL writes it: IPv6 in brackets; a wildcard address as 127.0.0.1, which reaches it from here. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return bracket(host);
}
