// The HTTP server as a child process (`serve --transport http`) against generated requests. After every case: it
// answered in time; never with a 5xx other than 503; every refusal it wrote is a JSON-RPC error body; no canary or
// host path is in the status, headers, body or a live legacy-SSE stream; every execute_agentscript result has the
// shape of DESIGN §5 and kept its deadline; /healthz still answers; the process is alive and its stderr shows no
// canary and no unhandled rejection. Afterwards a real SDK client still runs `return 1 + 1`.
import { METHODS } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expectNoLeak } from './canaries.js';
import { GRACE_MS, TIMEOUT_MS } from './enclave-targets.js';
import type { FuzzTarget, Harness, Tally } from './fuzz-kit.js';
import { bodyBytes, type HttpCase, type HttpInput, headersFor, httpInput, type ScriptCase } from './http-cases.js';
import { LegacyStream } from './http-legacy.js';
import { messagesOf, type RawRequest, type RawResponse, type Served, send, startServer } from './http-server.js';
import { checkShape } from './shape.js';

/** A request must be answered within a script's deadline, its grace, and 3 s of HTTP around them (send() rejects past it). */
const ANSWER_MS = TIMEOUT_MS + GRACE_MS + 3_000;
/** Statuses Node's own HTTP parser answers with, before our code sees the request (no body, no Content-Type). */
const NODE_PARSER_STATUSES = new Set([400, 408, 413, 414, 431, 505]);
/** What the server must never log: a crash it survived only thanks to its unhandledRejection logger. */
const FAULT_LOG = /unhandled promise rejection|uncaught exception/i;

export class HttpHarness implements Harness<HttpInput> {
  private session = '';
  private stderrSeen = 0;
  private constructor(
    private readonly served: Served,
    private readonly legacy: LegacyStream,
  ) {}

  static async open(): Promise<HttpHarness> {
    const served = await startServer(TIMEOUT_MS);
    const harness = new HttpHarness(served, new LegacyStream(served));
    await harness.newSession();
    return harness;
  }

  get port(): number {
    return this.served.port;
  }

  private base(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.served.token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...extra };
  }

  private async newSession(): Promise<void> {
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    };
    const res = await send(this.served.port, { method: 'POST', path: '/mcp', headers: this.base(), body: Buffer.from(JSON.stringify(init)) }, ANSWER_MS);
    const id = res.headers['mcp-session-id'];
    if (res.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: ${res.status} ${res.text.slice(0, 300)}`);
    this.session = id;
    const initialized = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await send(this.served.port, { method: 'POST', path: '/mcp', headers: this.sessionHeaders(), body: initialized }, ANSWER_MS);
  }
  private sessionHeaders(): Record<string, string> {
    return this.base({ 'Mcp-Session-Id': this.session, 'Mcp-Protocol-Version': '2025-06-18' });
  }

  async check(input: HttpInput, tally: Tally): Promise<string> {
    const req = input.kind === 'script' ? this.scriptRequest(input) : await this.rawRequest(input);
    const t0 = performance.now();
    const res = await send(this.served.port, req, ANSWER_MS);
    const ms = performance.now() - t0;
    const label = this.judge(req, res);
    tally.took(ms, label);
    await this.tidy(req, res);
    await this.expectHealthy();
    return label;
  }

  private scriptRequest(c: ScriptCase): RawRequest {
    const params = {
      name: 'execute_agentscript',
      arguments: { code: c.code, ...(c.record ? { record: true } : {}) },
      ...(c.progress ? { _meta: { progressToken: 7 } } : {}),
    };
    return {
      method: 'POST',
      path: '/mcp',
      headers: this.sessionHeaders(),
      body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params })),
    };
  }

  private async rawRequest(c: HttpCase): Promise<RawRequest> {
    const headers = headersFor(c.headers, { port: this.served.port, token: this.served.token, session: this.session });
    const path = c.path.includes('sessionId=SSE') ? c.path.replace('SSE', await this.legacy.sessionId()) : c.path;
    const body = bodyBytes(c.body);
    return { method: c.method, path, headers, ...(body ? { body } : {}), ...(c.headers.Host === 'none' ? { noHost: true } : {}) };
  }

  /** The invariants of one answer; returns its label. */
  private judge(req: RawRequest, res: RawResponse): string {
    if (res.dropped) {
      // Node's parser closes on a method it does not know, and a refusal (413, 401…) may close before a large body
      // is all sent. Anything else must get an answer.
      if ((req.body?.length ?? 0) > 64 * 1024 || !METHODS.includes(req.method)) return 'connection closed (unknown method or large body)';
      throw new Error(`the server closed the connection without an answer to ${req.method} ${req.path.slice(0, 60)}`);
    }
    expectNoLeak(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`, `the answer to ${req.method} ${req.path.slice(0, 60)}`);
    if (res.status >= 500 && res.status !== 503) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 500)}`);
    const type = res.headers['content-type'];
    if (res.status >= 400 && req.method !== 'HEAD') {
      if (type === undefined) {
        if (!NODE_PARSER_STATUSES.has(res.status)) throw new Error(`HTTP ${res.status} without a Content-Type: ${JSON.stringify(res.text.slice(0, 300))}`);
      } else expectRpcError(res);
    }
    let label = `HTTP ${res.status}`;
    for (const message of messagesOf(res)) {
      const structured = (message as { result?: { structuredContent?: unknown } }).result?.structuredContent;
      if (structured === undefined) continue;
      const result = checkShape(structured);
      if (result.stats.durationMs > TIMEOUT_MS + GRACE_MS)
        throw new Error(`a script ran ${Math.round(result.stats.durationMs)} ms, past its deadline and grace`);
      if (result.error?.code === 'INTERNAL_ERROR') throw new Error(`INTERNAL_ERROR over HTTP: ${result.error.message}`);
      label = `script: ${result.error?.code ?? 'ok'}`;
    }
    return label;
  }

  /** Sessions a case opened are closed, and the current one replaced when a case ended it. */
  private async tidy(req: RawRequest, res: RawResponse): Promise<void> {
    const opened = res.headers['mcp-session-id'];
    if (typeof opened === 'string' && opened !== this.session) {
      await send(this.served.port, { method: 'DELETE', path: '/mcp', headers: this.base({ 'Mcp-Session-Id': opened }) }, ANSWER_MS);
    }
    const ours = req.headers['Mcp-Session-Id'] === this.session;
    if (ours && (res.status === 404 || (req.method === 'DELETE' && res.status === 200))) await this.newSession();
  }

  private async expectHealthy(): Promise<void> {
    const { child, port } = this.served;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}): ${this.served.stderr().slice(-2000)}`);
    const health = await send(port, { method: 'GET', path: '/healthz', headers: {} }, 10_000);
    if (health.status !== 200 || health.text !== '{"status":"ok"}') throw new Error(`/healthz answered ${health.status} ${health.text.slice(0, 200)}`);
    const stderr = this.served.stderr();
    const fresh = stderr.slice(Math.max(0, this.stderrSeen - 64)); // a canary may straddle two chunks
    this.stderrSeen = stderr.length;
    expectNoLeak(fresh, "the server's stderr", false);
    if (FAULT_LOG.test(fresh)) throw new Error(`the server logged a fault: ${fresh.slice(0, 2000)}`);
    this.legacy.expectNoLeak();
  }

  async afterwards(): Promise<void> {
    await this.expectHealthy();
    const client = new Client({ name: 'fuzz-after', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(this.served.url), {
      requestInit: { headers: { Authorization: `Bearer ${this.served.token}` } },
    });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return 1 + 1' } });
      const value = (result.structuredContent as { value?: unknown } | undefined)?.value;
      if (value !== 2) throw new Error(`return 1 + 1 over HTTP gave ${JSON.stringify(result)}`);
    } finally {
      await client.close();
    }
  }

  async close(): Promise<void> {
    this.legacy.close();
    await this.served.stop();
  }
}

/** A JSON-RPC error body: what every refusal of the server is (http-replies.ts). */
function expectRpcError(res: RawResponse): void {
  let json: { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    json = JSON.parse(res.text) as typeof json;
  } catch {
    // below
  }
  const ok = json?.jsonrpc === '2.0' && typeof json.error?.code === 'number' && typeof json.error.message === 'string';
  if (!ok) throw new Error(`HTTP ${res.status} (${String(res.headers['content-type'])}) is not a JSON-RPC error: ${JSON.stringify(res.text.slice(0, 300))}`);
}

export const httpTarget: FuzzTarget<HttpInput> = {
  name: 'http',
  what: 'requests to a real `serve --transport http`',
  ciRuns: 300,
  weight: 2,
  arbitrary: httpInput,
  open: () => HttpHarness.open(),
};
