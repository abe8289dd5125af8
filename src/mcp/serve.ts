// `serve`: the manifest opened once, shared by every session, over stdio or HTTP; closed on the way out
// (SIGINT/SIGTERM or, on stdio, the client going away) so no downstream child process outlives us.
import type { SecurityLevel } from '../enclave/index.js';
import { log } from '../enclave/index.js';
import { openManifest } from '../tool-bridge/open.js';
import { Gateway, type GatewayOptions } from './server.js';
import { serveStdio } from './stdio.js';

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
  /** Called once the server listens (HTTP) or is connected (stdio). */
  onReady?: (info: { url?: string; token?: string }) => void;
}

/** How long in-flight scripts get to finish after a shutdown signal before they are cancelled. */
export const SHUTDOWN_GRACE_MS = 5_000;

export async function serve(options: ServeOptions): Promise<void> {
  // A refusal to serve (no token off loopback) must come before any downstream server is started.
  const http = options.transport === 'http' ? await import('./http.js') : undefined;
  http?.checkHttpOptions({ host: options.host ?? '127.0.0.1', ...(options.token ? { token: options.token } : {}) });
  const open = await openManifest(options.manifest, options.securityLevel ? { securityLevel: options.securityLevel } : {});
  for (const { server, reason } of open.bridge.unavailable) log.warn(`server "${server}" is unavailable: ${reason}`);
  const gateway = new Gateway(open, options);
  let stopping: Promise<void> | undefined;
  let stopHttp: ((graceMs: number) => Promise<void>) | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopHttp?.(SHUTDOWN_GRACE_MS);
      gateway.close();
      await open.close();
    })());
  const onSignal = (): void => void stop().finally(() => process.exit(0));
  // A long-running server outlives a stray rejection in a library (the SDK fires some notifications without
  // awaiting them): logged, not fatal. Scripts' own failures never get here; they are results.
  process.on('unhandledRejection', (reason) => log.error('an unhandled promise rejection (the server keeps serving)', reason));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.transport === 'stdio') {
      options.onReady?.({});
      await serveStdio(gateway);
      return;
    }
    const server = await http!.serveHttp(gateway, {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 3333,
      ...(options.token ? { token: options.token } : {}),
      stateless: options.stateless ?? false,
      ...(options.allowedHosts?.length ? { allowedHosts: options.allowedHosts } : {}),
    });
    stopHttp = server.close;
    options.onReady?.({ url: server.url, token: server.token });
    await server.closed;
  } finally {
    await stop();
  }
}
