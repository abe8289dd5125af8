// Shared by the HTTP tests: a gateway over real downstream servers (server-memory, server-everything, the fixture
// server), real SDK clients over Streamable HTTP and SSE, and raw node:http requests for what clients never send.
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Gateway, type ExecutionObserver, type ExecutionRecord, type GatewayOptions } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { EVERYTHING_SERVER, MEMORY_SERVER, tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';

export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const FIXTURE_STDIO = fileURLToPath(new URL('../fixtures/stdio-server.ts', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The manifest every HTTP test serves; `mark` is in each server's environment so /proc can find them. */
export function manifestJson(mark: string, dir: string): Record<string, unknown> {
  const env = { TEST_MARK: mark };
  // Test files start their servers at once on a shared two-core machine: give them time to come up.
  const slow = { connectTimeoutMs: 60_000 };
  return {
    securityLevel: 'STRICT',
    limits: { timeoutMs: 15_000 }, // a shared two-core machine: no flaky TIMEOUT in scripts that wait on purpose
    servers: {
      memory: { command: process.execPath, args: [MEMORY_SERVER], env: { ...env, MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }, ...slow },
      everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env, ...slow },
      fixture: { command: process.execPath, args: ['--import', TSX, FIXTURE_STDIO], env, ...slow },
    },
    allow: ['memory:*', 'everything:echo', 'everything:get-sum', 'fixture:slow', 'fixture:hang', 'fixture:cancelled_count', 'fixture:hanging_count'],
    deny: ['memory:delete_*'],
  };
}

export async function openGateway(
  mark: string,
  options: GatewayOptions = {},
  manifest: (mark: string, dir: string) => Record<string, unknown> = manifestJson,
): Promise<{ open: OpenManifest; gateway: Gateway; dir: string }> {
  const dir = tempDir('mcp-http');
  const open = await openLoaded(parseManifest(manifest(mark, dir), { baseDir: dir, env: {} }));
  if (open.bridge.unavailable.length > 0) throw new Error(`servers unavailable: ${JSON.stringify(open.bridge.unavailable)}`);
  return { open, gateway: new Gateway(open, options), dir };
}

/**
 * A connected SDK client: Streamable HTTP at `url` (…/mcp), or legacy SSE at its /sse sibling. `streamFetch`
 * replaces the Streamable HTTP client's fetch (to watch or redirect its requests).
 */
export async function connect(url: string, token: string, kind: 'streamable' | 'sse' = 'streamable', streamFetch?: typeof fetch): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  const headers = { Authorization: `Bearer ${token}` };
  const transport =
    kind === 'streamable'
      ? new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...(streamFetch ? { fetch: streamFetch } : {}) })
      : new SSEClientTransport(new URL(url.replace(/\/mcp$/, '/sse')), {
          requestInit: { headers },
          eventSourceInit: { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
        });
  await client.connect(transport);
  return client;
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { jsonrpc?: string; error?: { code: number; message: string }; [key: string]: unknown } | undefined;
}

/** One HTTP request as written, Host header included (fetch would not let a test send a foreign Host). */
export function raw(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawReply> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: options.path ?? '/mcp', method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: RawReply['json'];
        try {
          json = JSON.parse(text) as RawReply['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request whose answer is read as it streams (an SSE answer to a POST carries progress before the result). */
export interface StreamedReply {
  /** What has arrived so far. */
  text: () => string;
  /** Resolves with the whole answer once the response ends (or the connection closes). */
  ended: Promise<string>;
  /** Drops the connection, as a client that goes away does. */
  drop: () => void;
}

export function rawStream(url: string, options: { method?: string; path?: string; headers: Record<string, string>; body?: string }): StreamedReply {
  const { port } = new URL(url);
  let text = '';
  const req = request({ host: '127.0.0.1', port, path: options.path ?? '/mcp', method: options.method ?? 'POST', headers: options.headers });
  const ended = new Promise<string>((resolve) => {
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
      res.on('close', () => resolve(text));
    });
    req.on('error', () => resolve(text));
  });
  req.end(options.body);
  return { text: () => text, ended, drop: () => req.destroy() };
}

/**
 * The executions a gateway finished, for a test to wait on instead of for a time: pass `observer` in the gateway's
 * options; `ended(marker)` resolves with the record of the execution whose code holds `marker` once it is over (after
 * which it can call no tool any more).
 */
export function finishedExecutions(): {
  observer: ExecutionObserver;
  ended: (marker: string, timeoutMs?: number) => Promise<ExecutionRecord>;
  /** How many executions of exactly `code` have ended so far. */
  count: (code: string) => number;
} {
  const records: ExecutionRecord[] = [];
  return {
    observer: { executionFinished: (record) => void records.push(record) },
    ended: (marker, timeoutMs) => waitFor(() => records.find((r) => r.code.includes(marker)), { what: `the execution of ${marker} to end`, timeoutMs }),
    count: (code) => records.filter((r) => r.code === code).length,
  };
}

/** Headers of a well-formed MCP POST, with the token. */
export const mcpHeaders = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  ...extra,
});

export const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

export { killMarked, processesMarked, survivorsAfter } from '../processes.js';

type Structured = { success: boolean; value?: unknown; error?: { code: string; message: string } };
/** execute_agentscript's structured result. */
export const structured = (result: unknown): Structured => (result as { structuredContent?: unknown }).structuredContent as Structured;

/** How long a cancel test's script that must run to its end waits before its write. */
export const WAIT_MS = 2_000;
/**
 * How long a cancel test's script meant to be cancelled waits before its write: the cancel ends the wait, so it costs
 * nothing, and a cancel that a loaded machine delays still finds the script waiting (2 s once ran out under load).
 */
export const CANCELLED_WAIT_MS = 30_000;

/** A script that waits on the fixture, then writes `marker` to server-memory (the side effect), then returns it. */
export const waitThenWrite = (marker: string, ms = CANCELLED_WAIT_MS): string => `await callTool('fixture:slow', { ms: ${ms} });
await callTool('memory:create_entities', { entities: [{ name: '${marker}', entityType: 'marker', observations: [] }] });
return '${marker}';`;
