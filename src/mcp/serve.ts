// `serve`: the manifest opened once, shared by every session, over stdio or HTTP; closed on the way out
// (SIGINT/SIGTERM or, on stdio, the client going away) so no downstream child process outlives us.
import type { SecurityLevel } from '../enclave/index.js';
import { ConfigError, configureLog, log } from '../shared/index.js';
import { loadManifest, type Manifest } from '../tool-bridge/manifest.js';
import { openLoaded } from './open.js';
import { AccessLog } from './access-log.js';
import { isLoopback } from './http-guards.js';
import { Metrics } from './metrics.js';
import { serveMetricsPort } from './metrics-http.js';
import { allObservers } from './observers.js';
import { openQuotaStore, type QuotaStore } from './quota.js';
import { Gateway, type GatewayOptions } from './server.js';
import { serveStdio } from './stdio.js';
import { type CancelRelay, openCancelRelay } from './cancel-relay.js';

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
  const open = await openLoaded(manifest, options.securityLevel ? { securityLevel: options.securityLevel } : {});
  for (const { server, reason } of open.bridge.unavailable) log.warn(`server "${server}" is unavailable: ${reason}`);
  let quotas: QuotaStore | undefined;
  try {
    quotas = await quotaStoreFor(manifest);
  } catch (error) {
    await open.close();
    throw error;
  }
  const metrics = new Metrics();
  const gateway = new Gateway(open, {
    ...options,
    ...(quotas ? { quotas } : {}),
    observer: allObservers([metrics, new AccessLog(), options.observer]),
  });
  metrics.watch(gateway);
  let stopping: Promise<void> | undefined;
  let stopHttp: ((graceMs: number) => Promise<void>) | undefined;
  let stopMetrics: (() => Promise<void>) | undefined;
  let relay: CancelRelay | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopHttp?.(SHUTDOWN_GRACE_MS);
      await relay?.close(); // unsubscribes: after the HTTP server, which applied what it heard
      await stopMetrics?.();
      gateway.close();
      await quotas?.close(); // after the executions ended: it frees their concurrent slots at once
      await open.close();
    })());
  const onSignal = (): void => void stop().finally(() => process.exit(0));
  // A long-running server outlives a stray rejection in a library (the SDK fires some notifications without
  // awaiting them): logged, not fatal. Scripts' own failures never get here; they are results.
  process.on('unhandledRejection', (reason) => log.error('an unhandled promise rejection (the server keeps serving)', reason));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.metricsPort !== undefined) {
      const host = options.host ?? '127.0.0.1';
      const allowedHosts = options.allowedHosts ?? [];
      const listener = await serveMetricsPort(metrics, { host, port: options.metricsPort, allowedHosts });
      stopMetrics = listener.close;
      if (isLoopback(host)) log.info(`metrics (no token) at ${listener.url}`);
      else log.warn(`metrics are served without a token at ${listener.url}: keep that port off the public network`);
    }
    if (options.transport === 'stdio') {
      options.onReady?.({});
      await serveStdio(gateway);
      return;
    }
    // --stateless replicas that share the manifest's Redis pass each other the cancels they cannot apply.
    relay = options.stateless ? await openCancelRelay(manifest.quotaStore) : undefined;
    const server = await http!.serveHttp(gateway, {
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
    stopHttp = server.close;
    options.onReady?.({ url: server.url, ...(server.token ? { token: server.token } : {}), accepts: server.accepts });
    await server.closed;
  } finally {
    await stop();
  }
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
