// Serving over HTTP: Streamable HTTP at /mcp (a session per client, or one server per request with `stateless`),
// legacy SSE at /sse + /messages, and /healthz, behind the guards of http-guards.ts. Plain node:http, no framework.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, log } from '../shared/index.js';
import { authenticatorFor, checkPublicUrl, hasCredentials, type Authenticator, type Caller } from './http-auth.js';
import { bodyLimitFor, readJsonBody } from './http-body.js';
import { bracket, guardsFor, resolveToken, type Guards } from './http-guards.js';
import { refuse, type Refusal } from './http-replies.js';
import { SessionTable } from './http-sessions.js';
import { METRICS_PATH, sendMetrics } from './metrics-http.js';
import type { Metrics } from './metrics.js';
import { openSse, postSse, SSE_MESSAGES_PATH } from './http-sse.js';
import { postStreamable, streamOrEnd } from './http-streamable.js';
import type { Gateway } from './server.js';
import type { CancelRelay } from './cancel-relay.js';
import type { Manifest } from '../tool-bridge/manifest.js';

export interface HttpOptions {
  host: string;
  /** 0 picks a free port; the URL returned says which. */
  port: number;
  /**
   * The server token (the operator's). Required off loopback and generated when absent on loopback, unless the
   * manifest's `auth` names credentials (auth.tokens, auth.oauth): then it is only what is given.
   */
  token?: string;
  /** The external base URL (default http://<host>:<port>); the canonical resource URI is `<publicUrl>/mcp`. */
  publicUrl?: string;
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
  /** Serves GET /metrics behind the same guards as /mcp; absent (metrics off, or on --metrics-port): 404. */
  metrics?: Metrics;
  /** Minted session ids start with "<prefix>.", so a load balancer can route each session to this replica. */
  sessionPrefix?: string;
  /** Stateless: passes tagged cancels to and from the other replicas (serve opens it on quotaStore.redis; its owner closes it). */
  cancelRelay?: CancelRelay;
}

export interface HttpServer {
  url: string;
  /** The server token; '' when there is none (the manifest's `auth` decides who may call). */
  token: string;
  /** The credentials accepted, in words. */
  accepts: string;
  /** RFC 9728 metadata (when auth.oauth is set): where clients discover the authorization server. */
  resourceMetadataUrl?: string;
  /** True when the token was generated here (none was given). */
  generated: boolean;
  /** Resolves once the server has stopped and every session is closed. */
  closed: Promise<void>;
  /** Stops accepting, waits up to graceMs for running requests, then cancels the rest and closes every session. */
  close(graceMs: number): Promise<void>;
}

/** Throws ConfigError (CLI exit 2) before anything starts when the options cannot be served safely. */
export function checkHttpOptions(options: Pick<HttpOptions, 'host' | 'token' | 'sessionPrefix' | 'publicUrl'> & { auth?: Manifest['auth'] }): void {
  resolveToken(options.host, options.token, hasCredentials(options.auth));
  checkPublicUrl(options.publicUrl);
  checkSessionPrefix(options.sessionPrefix);
}

/** Letters, digits, _ and - only: the id stays a valid header value, and the "." after the prefix marks its end. */
function checkSessionPrefix(prefix: string | undefined): void {
  if (prefix !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(prefix))
    throw new ConfigError(
      `--session-prefix must be 1 to 40 letters, digits, _ or - (got "${prefix.slice(0, 60)}"). Name the replica, e.g. r1, as your load balancer's map does.`,
    );
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
  const { token, generated } = resolveToken(options.host, options.token, hasCredentials(gateway.open.manifest.auth));
  checkSessionPrefix(options.sessionPrefix);
  checkPublicUrl(options.publicUrl);
  const stateless = options.stateless ?? false;
  const limit = options.maxBodyBytes ?? bodyLimitFor(gateway.open.enclave.limits.maxCodeBytes);
  const sessions = new SessionTable({ maxSessions: options.maxSessions ?? 1_000, idleMs: options.idleMs ?? 30 * 60_000 });
  const relay = stateless ? options.cancelRelay : undefined;
  const context = { gateway, sessions, stateless, ...(options.sessionPrefix ? { sessionPrefix: options.sessionPrefix } : {}), cancelRelay: relay };
  // Cancels published by other replicas reach this one's running requests (and are held for one on its way).
  relay?.listen(({ caller, tag, id, reason }) => sessions.inflight.cancel({ caller, tag }, id, reason));
  const methods = METHODS(stateless);
  let guards: Guards | undefined; // set once listening: the Host check needs the port
  let auth: Authenticator | undefined; // likewise: the default public URL does

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Refusal | undefined> {
    const url = requestPath(req.url ?? '/');
    if (url?.pathname === '/healthz') return health(req, res);
    const metadata = auth?.resource;
    if (url && metadata?.paths.has(url.pathname)) return resourceMetadata(req, res, metadata.document);
    const refusal = guards ? guards.check(req) : { kind: 'shutting-down' as const }; // fail closed, though unreachable
    if (refusal) return refusal;
    const caller = auth ? await auth.caller(req) : ({ kind: 'shutting-down' } as const);
    if ('kind' in caller) return caller;
    if (url?.pathname === METRICS_PATH && options.metrics) return sendMetrics(options.metrics, req, res);
    if (!url) return { kind: 'not-found', detail: (req.url ?? '').slice(0, 100) };
    const allowed = methods[url.pathname];
    if (!allowed) return { kind: 'not-found', detail: url.pathname };
    if (!allowed.includes(req.method ?? '')) return { kind: 'bad-method', detail: req.method ?? '', allow: allowed.join(', ') };
    if (!ownsSession(req, url, caller)) return { kind: 'wrong-caller' };
    if (req.method !== 'POST') return url.pathname === '/sse' ? openSse(gateway, sessions, res, caller) : streamOrEnd(context, req, res);
    const read = await readJsonBody(req, limit);
    if (!read.ok) return read.refusal;
    return url.pathname === '/mcp' ? postStreamable(context, req, res, read.body, caller) : postSse(sessions, req, res, url, read.body);
  }

  /** A request on a session must come from the caller that opened it (same identity, same principal). */
  function ownsSession(req: IncomingMessage, url: URL, caller: Caller): boolean {
    const header = req.headers['mcp-session-id'];
    const session =
      url.pathname === SSE_MESSAGES_PATH
        ? sessions.get(url.searchParams.get('sessionId') ?? undefined, 'sse')
        : url.pathname === '/mcp' && !stateless && typeof header === 'string'
          ? sessions.get(header, 'streamable')
          : undefined;
    return session === undefined || session.owner === caller.key;
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
      const publicUrl = options.publicUrl ?? `http://${urlHost(options.host)}:${bound}`;
      // The public name reaches us through a proxy: its Host (and https origin) are ours too.
      const allowedHosts = [...(options.allowedHosts ?? []), ...(options.publicUrl ? [new URL(options.publicUrl).host] : [])];
      guards = guardsFor({ host: options.host, port: bound, allowedHosts, allowedOrigins: options.allowedOrigins ?? [] });
      auth = authenticatorFor(gateway.open.manifest, gateway.principals, token, publicUrl);
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
  const resourceMetadataUrl = auth?.resource?.metadataUrl;
  return {
    url: `http://${urlHost(options.host)}:${port}/mcp`,
    token: token ?? '',
    generated,
    accepts: auth?.accepts ?? '',
    ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
    closed,
    close,
  };
}

/** RFC 9728 metadata: public (clients read it before they have a token), from any origin, the same for everyone. */
function resourceMetadata(req: IncomingMessage, res: ServerResponse, document: string): Refusal | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' };
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(document),
    'Cache-Control': 'max-age=300',
    'Access-Control-Allow-Origin': '*',
  });
  res.end(req.method === 'HEAD' ? undefined : document);
  return undefined;
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
