// GET /metrics over HTTP: on the main port behind its guards (http.ts routes it there), or on a listener of its own
// (--metrics-port) that serves nothing else and asks for no token, for a Prometheus that holds none. That port must
// stay on a private network: anyone who reaches it reads the metrics.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { log } from '../shared/index.js';
import { bracket, isLoopback } from './http-guards.js';
import { listen } from './http-listen.js';
import { refuse, type Refusal } from './http-replies.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/** Answers GET or HEAD with the registry in Prometheus text format. */
export async function sendMetrics(metrics: Metrics, req: IncomingMessage, res: ServerResponse): Promise<Refusal | undefined> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { kind: 'bad-method', detail: req.method ?? '', allow: 'GET, HEAD' };
  const { contentType, body } = await metrics.scrape();
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return undefined;
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

export interface MetricsPortOptions {
  host: string;
  /** 0 picks a free port; the URL returned says which. */
  port: number;
  /** More Host values to accept on a loopback binding (as --allowed-host does for the main port). */
  allowedHosts?: readonly string[];
}

function notFound(res: ServerResponse): void {
  const body = `Not found. This port serves only GET ${METRICS_PATH} (Prometheus text format).\n`;
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A listener serving only /metrics, without a token. */
export async function serveMetricsPort(metrics: Metrics, options: MetricsPortOptions): Promise<MetricsListener> {
  const server = createServer();
  const port = await listen(server, options.host, options.port, 'Choose another --metrics-port (0 picks a free one).');
  // DNS rebinding: a web page whose name now points at 127.0.0.1 would read our metrics as its own origin, but its
  // requests still carry its own name as Host. Off loopback the port is the operator's to firewall (see above).
  const ours = ['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port}`);
  const hosts = isLoopback(options.host) ? new Set([...ours, ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]) : undefined;
  server.on('request', (req, res) => {
    if (hosts && !hosts.has((req.headers.host ?? '').toLowerCase())) return refuse(res, { kind: 'foreign-host', detail: req.headers.host ?? '(none)' });
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) return notFound(res);
    sendMetrics(metrics, req, res).then(
      (refusal) => refusal && refuse(res, refusal),
      (error: unknown) => {
        log.warn('serving /metrics failed', error);
        refuse(res, { kind: 'internal' });
      },
    );
  });
  const url = `http://${bracket(options.host === '0.0.0.0' || options.host === '' ? '127.0.0.1' : options.host)}:${port}${METRICS_PATH}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
