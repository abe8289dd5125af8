// Serving over HTTP: Streamable HTTP at /mcp (a session per client, or one server per request with `stateless`),
// legacy SSE at /sse + /messages, and /healthz, behind the guards of http-guards.ts, routed by Express's router.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Router from 'router';
import { ConfigError, log } from '../shared/index.js';
import { authenticatorFor, checkPublicUrl, hasCredentials, type Caller } from './http-auth.js';
import { bodyLimitFor, readJsonBody } from './http-body.js';
import { corsFor } from './http-cors.js';
import { bracket, guardsFor, resolveToken } from './http-guards.js';
import { listen } from './http-listen.js';
import { mountPlayground } from './http-playground.js';
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
  /**
   * Web applications on other origins that may call /mcp from a browser (CORS: their preflights are answered and
   * our answers readable by them), e.g. "https://app.example". Default: only our own origin (the playground).
   */
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

/** Owns the listening socket and every session; disposing it is close(0): no grace for running requests. */
export interface HttpServer extends AsyncDisposable {
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
  const http = createServer();
  const port = await listen(http, options.host, options.port, 'Choose another with --port (0 picks a free one) or --host.').catch((error: unknown) => {
    void sessions.closeAll(); // stops its idle sweeper
    throw error;
  });
  // Known once listening (the Host check needs the port, the default public URL too); this runs before any request
  // is read, as the continuation of the listen callback.
  const publicUrl = options.publicUrl ?? `http://${urlHost(options.host)}:${port}`;
  // The public name reaches us through a proxy: its Host (and https origin) are ours too.
  const allowedHosts = [...(options.allowedHosts ?? []), ...(options.publicUrl ? [new URL(options.publicUrl).host] : [])];
  // The public URL is our own origin as browsers see it (the playground behind a proxy), whatever its scheme.
  const ownOrigins = options.publicUrl ? [new URL(options.publicUrl).origin] : [];
  const guards = guardsFor({ host: options.host, port, allowedHosts, allowedOrigins: [...(options.allowedOrigins ?? []), ...ownOrigins] });
  const auth = authenticatorFor(gateway.open.manifest, gateway.principals, token, publicUrl);
  const resource = auth.resource;

  // Express's router (pillarjs/router, what express.Router is) without the rest of Express: its application layer
  // would add X-Powered-By, answer unrouted requests with HTML pages, and swap every request's prototype (about
  // 60 µs of CPU per request here), for response helpers we do not use. Nor the SDK's Express helpers:
  // createMcpExpressApp's express.json() parses before our type and size checks and its Host check ignores the port
  // (another local port is another web application); requireBearerAuth answers OAuth error bodies, not JSON-RPC ones,
  // and knows no 503 for an authorization server that is down, no named tokens and no principals.
  const router = Router({ caseSensitive: true, strict: true }); // /MCP and /mcp/ are not /mcp
  // Public: supervisors poll /healthz, and OAuth clients read the metadata before they hold a token.
  router.all('/healthz', document('{"status":"ok"}', { 'Cache-Control': 'no-store' }));
  if (resource)
    router.all([...resource.paths].map(literal), document(resource.document, { 'Cache-Control': 'max-age=300', 'Access-Control-Allow-Origin': '*' }));
  router.use((req, res, next) => {
    const refusal = guards.check(req);
    return refusal ? refuse(res, refusal) : next();
  });
  // Listed origins only (the guard above refused the others); before the token, which no preflight carries.
  if (options.allowedOrigins?.length) router.use(corsFor(options.allowedOrigins));
  const oauth = gateway.open.manifest.auth?.oauth;
  // The page and its assets (no secret in them): after the guards, before the token. With OAuth, the page signs in.
  mountPlayground(router, undefined, oauth && { issuer: oauth.issuer, ...(oauth.playgroundClientId ? { clientId: oauth.playgroundClientId } : {}) });
  const callers = new WeakMap<IncomingMessage, Caller>();
  router.use(async (req, res, next) => {
    const caller = await auth.caller(req);
    if ('kind' in caller) return refuse(res, caller);
    callers.set(req, caller);
    next();
  });
  /** Set by the step above, which every route below comes after. */
  const callerOf = (req: IncomingMessage): Caller => callers.get(req) as Caller;
  const metrics = options.metrics;
  // The operator's only: the series name every principal, tool and server, which a narrowed principal must not learn.
  if (metrics)
    router.all(METRICS_PATH, (req, res) =>
      callerOf(req).identity.kind === 'operator' ? answer(res, sendMetrics(metrics, req, res)) : refuse(res, { kind: 'not-found', detail: METRICS_PATH }),
    );
  for (const [path, allow] of Object.entries(methods)) {
    router.all(path, (req, res, next) => {
      // A target no URL can hold ("http://h:99999/mcp") is none of ours; the SDK's transport would answer a bare 400.
      if (!URL.canParse(req.url ?? '', 'http://localhost')) return refuse(res, { kind: 'not-found', detail: (req.url ?? '').slice(0, 100) });
      if (!allow.includes(req.method ?? '')) return refuse(res, { kind: 'bad-method', detail: req.method ?? '', allow: allow.join(', ') });
      if (!ownsSession(path, req, callerOf(req))) return refuse(res, { kind: 'wrong-caller' });
      next();
    });
  }
  const bodies = new WeakMap<IncomingMessage, unknown>();
  const readBody: Router.RequestHandler = async (req, res, next) => {
    const read = await readJsonBody(req, limit);
    if (!read.ok) return refuse(res, read.refusal);
    bodies.set(req, read.body);
    next();
  };
  router.post('/mcp', readBody, (req, res) => answer(res, postStreamable(context, req, res, bodies.get(req), callerOf(req))));
  router.all('/mcp', (req, res) => answer(res, streamOrEnd(context, req, res))); // GET, DELETE
  router.get('/sse', (req, res) => answer(res, openSse(gateway, sessions, res, callerOf(req))));
  router.post(SSE_MESSAGES_PATH, readBody, (req, res) => answer(res, postSse(sessions, req, res, targetOf(req), bodies.get(req))));
  // What no route took (404) or what threw (500), as JSON-RPC errors.
  http.on('request', (req, res) =>
    router(req, res, (error?: unknown) => {
      if (error) log.warn('an HTTP request failed', error);
      refuse(res, error ? { kind: 'internal' } : { kind: 'not-found', detail: (req.url ?? '').split('?')[0]!.slice(0, 100) });
    }),
  );

  /** A request on a session must come from the caller that opened it (same identity, same principal). */
  function ownsSession(path: string, req: IncomingMessage, caller: Caller): boolean {
    const header = req.headers['mcp-session-id'];
    const session =
      path === SSE_MESSAGES_PATH
        ? sessions.get(targetOf(req).searchParams.get('sessionId') ?? undefined, 'sse')
        : path === '/mcp' && !stateless && typeof header === 'string'
          ? sessions.get(header, 'streamable')
          : undefined;
    return session === undefined || session.owner === caller.key;
  }

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
  const resourceMetadataUrl = resource?.metadataUrl;
  return {
    url: `http://${urlHost(options.host)}:${port}/mcp`,
    token: token ?? '',
    generated,
    accepts: auth.accepts,
    ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
    closed,
    close,
    [Symbol.asyncDispose]: () => close(0),
  };
}

/** Sends the refusal a handler returned, if any (one that throws reaches the last handler: a 500). */
async function answer(res: ServerResponse, reply: Promise<Refusal | undefined>): Promise<void> {
  const refusal = await reply;
  if (refusal) refuse(res, refusal);
}

/** The request target as a URL (for its query: /messages?sessionId=…); the routes of METHODS have checked it parses. */
const targetOf = (req: IncomingMessage): URL => new URL(req.url ?? '', 'http://localhost');

/** A path as a route that matches it and nothing else (the metadata's follow --public-url, which may hold `:` or `(`). */
const literal = (path: string): string => path.replace(/[\\:*?+!(){}[\]]/g, '\\$&');

/** GET or HEAD of a JSON document that needs no token (Node writes no body for HEAD). */
const document =
  (body: string, headers: Record<string, string>): Router.RequestHandler =>
  (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers }).end(body);
  };

/** The host as a URL writes it: IPv6 in brackets; a wildcard address as 127.0.0.1, which reaches it from here. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return bracket(host);
}
