// `serve`: the manifest opened once, shared by every session, over stdio or HTTP; closed on the way out
// (SIGINT/SIGTERM or, on stdio, the client going away) so no downstream child process outlives us.
import type { SecurityLevel } from '../enclave/index.js';
import { closing, ConfigError, configureLog, log, onShutdownSignal, onUnhandledRejection } from '../shared/index.js';
import { loadManifest, type Manifest } from '../tool-bridge/manifest.js';
import { openLoaded } from './open.js';
import { AccessLog } from './access-log.js';
import { isLoopback } from './http-guards.js';
import { Metrics } from './metrics.js';
import { type MetricsListener, serveMetricsPort } from './metrics-http.js';
import { allObservers } from './observers.js';
import { openQuotaStore, type QuotaStore } from './quota.js';
import { Gateway, type GatewayOptions } from './server.js';
import { serveStdio } from './stdio.js';
import { openCancelRelay } from './cancel-relay.js';

export interface ServeOptions extends GatewayOptions {
  manifest: string;
  securityLevel?: SecurityLevel;
  transport: 'stdio' | 'http';
  host?: string;
  port?: number;
  token?: string;
  stateless?: boolean;
  /** More Host header values to accept over HTTP (e.g. a proxy's public name). */
  allowedHosts?: string[];
  /** Origins of browser applications that may call /mcp (--allow-origin; CORS). */
  allowedOrigins?: string[];
  /** The external base URL (--public-url); OAuth tokens must name `<publicUrl>/mcp` as their audience. */
  publicUrl?: string;
  /** HTTP sessions: minted ids start with "<prefix>.", for a load balancer that routes sessions by replica. */
  sessionPrefix?: string;
  /**
   * Serve /metrics on this port of the same host, without a token, instead of on the main port behind it (for a
   * Prometheus that holds no token). Keep it off the public network.
   */
  metricsPort?: number;
  /** Called once the server listens (HTTP) or is connected (stdio). */
  onReady?: (info: { url?: string; token?: string; accepts?: string }) => void;
}

/** How long in-flight scripts get to finish after a shutdown signal before they are cancelled. */
export const SHUTDOWN_GRACE_MS = 5_000;

export async function serve(options: ServeOptions): Promise<void> {
  // A refusal to serve (no token off loopback) must come before any downstream server is started.
  const http = options.transport === 'http' ? await import('./http.js') : undefined;
  // A server on the network logs for collectors: JSON, one line per execution (ENCLAVE_LOG / _FORMAT still win).
  if (http) configureLog({ level: 'info', format: 'json' });
  // Read first (nothing starts yet): whether a token is required depends on the manifest's auth.
  const manifest = await loadManifest(options.manifest);
  http?.checkHttpOptions({
    host: options.host ?? '127.0.0.1',
    ...(options.token ? { token: options.token } : {}),
    ...(options.sessionPrefix !== undefined ? { sessionPrefix: options.sessionPrefix } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    ...(manifest.auth ? { auth: manifest.auth } : {}),
  });
  // Everything below is owned by this scope and disposed in reverse order on every way out (a shutdown signal, the
  // stdio client going away, a failure to start): the HTTP server stops before the executions it serves are cancelled,
  // the quota store closes after them (it frees their concurrent slots at once), the downstream servers last.
  // SIGINT/SIGTERM end the wait at the bottom (one during start-up, as soon as the server is up); the handlers stay until
  // everything is closed, and a second signal exits at once (lifetime.ts).
  let signalled = (): void => undefined;
  const stopping = new Promise<void>((resolve) => (signalled = resolve));
  using _signals = onShutdownSignal(() => signalled());
  // A long-running server outlives a stray rejection in a library (the SDK fires some notifications without
  // awaiting them): logged, not fatal. Scripts' own failures never get here; they are results.
  using _rejections = onUnhandledRejection((reason) => log.error('an unhandled promise rejection (the server keeps serving)', reason));
  await using open = await openLoaded(manifest, options.securityLevel ? { securityLevel: options.securityLevel } : {});
  for (const { server, reason } of open.bridge.unavailable) log.warn(`server "${server}" is unavailable: ${reason}`);
  const quotas = await quotaStoreFor(manifest);
  await using _quotas = closing(() => quotas?.close());
  const metrics = new Metrics();
  const gateway = new Gateway(open, {
    ...options,
    ...(quotas ? { quotas } : {}),
    observer: allObservers([metrics, new AccessLog(), options.observer]),
  });
  await using _gateway = closing(() => gateway.close()); // cancels the executions still running
  metrics.watch(gateway);
  const metricsPort = options.metricsPort === undefined ? undefined : await serveMetricsOn(options.metricsPort, metrics, options);
  await using _metricsPort = closing(() => metricsPort?.close());
  if (options.transport === 'stdio') {
    options.onReady?.({});
    await Promise.race([serveStdio(gateway), stopping]);
    return;
  }
  // --stateless replicas that share the manifest's Redis pass each other the cancels they cannot apply.
  const relay = options.stateless ? await openCancelRelay(manifest.quotaStore) : undefined;
  await using _relay = closing(() => relay?.close()); // unsubscribes: after the HTTP server, which applied what it heard
  await using server = await http!.serveHttp(gateway, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 3333,
    ...(options.token ? { token: options.token } : {}),
    stateless: options.stateless ?? false,
    ...(options.allowedHosts?.length ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.allowedOrigins?.length ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    ...(options.sessionPrefix !== undefined ? { sessionPrefix: options.sessionPrefix } : {}),
    ...(options.metricsPort === undefined ? { metrics } : {}),
    ...(relay ? { cancelRelay: relay } : {}),
  });
  options.onReady?.({ url: server.url, ...(server.token ? { token: server.token } : {}), accepts: server.accepts });
  await stopping;
  await server.close(SHUTDOWN_GRACE_MS); // running requests get the grace; disposing it then finds it closed
}

/** /metrics on a port of its own (--metrics-port), without a token: said in the log, loudly when it is not loopback. */
async function serveMetricsOn(port: number, metrics: Metrics, options: ServeOptions): Promise<MetricsListener> {
  const host = options.host ?? '127.0.0.1';
  const listener = await serveMetricsPort(metrics, { host, port, allowedHosts: options.allowedHosts ?? [] });
  if (isLoopback(host)) log.info(`metrics (no token) at ${listener.url}`);
  else log.warn(`metrics are served without a token at ${listener.url}: keep that port off the public network`);
  return listener;
}

/**
 * The manifest's Redis quota store, when it names one and a principal has a quota (otherwise the Gateway counts in
 * memory). A URL that cannot be used is a ConfigError; a Redis that is down is not (it is retried, quotas fail closed).
 */
async function quotaStoreFor(manifest: Manifest): Promise<QuotaStore | undefined> {
  if (!manifest.quotaStore || !Object.values(manifest.principals ?? {}).some((p) => p.quota)) return undefined;
  try {
    // Outages and recoveries reach the operator's log once each; callers get a plain refusal meanwhile.
    return await openQuotaStore(manifest.quotaStore, {
      onStateChange: ({ up, message }) => (up ? log.info(message) : log.warn(`${message}; executions with a quota are refused meanwhile`)),
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error), 'quotaStore.redis');
  }
}
