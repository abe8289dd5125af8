// Every progress and log notification of an execution reaches the SDK client before its result, on every HTTP
// transport. The SDK's legacy SSE client dispatches all events of one network chunk synchronously while it runs
// notification handlers a microtask late, so a result read in the same chunk as the progress sent before it is
// handled first and the SDK reports that progress as "unknown token". The server writes the result only once the
// client has answered a ping sent after those notifications (src/mcp/response-pacing.ts).
import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { Gateway } from '../../src/mcp/server.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { waitFor } from '../wait-for.js';
import { connect, killMarked, mcpHeaders, openGateway, raw, structured } from './http-helpers.js';

const MARK = `mcp-order-${process.pid}-${Date.now().toString(36)}`;
let open: OpenManifest;
let gateway: Gateway;
let stateful: HttpServer;
let stateless: HttpServer;

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK));
  stateful = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
  stateless = await serveHttp(gateway, { host: '127.0.0.1', port: 0, stateless: true });
}, 90_000);

afterAll(async () => {
  await stateful?.close(0);
  await stateless?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

const CALLS = 5;
/** Each call streams its start and its end, and each console line a progress and a log notification. */
const PROGRESS_PER_RUN = CALLS * 3;

const script = (run: number): string => `let s = 0;
for (let k = 0; k < ${CALLS}; k++) {
  const r = await callTool('everything:get-sum', { a: k, b: ${run} });
  console.log('order-run-${run}-step-' + k);
  s += parseFloat(JSON.stringify(r).split(' is ')[1]);
}
return s;`;

interface Tally {
  right: number;
  /** What the SDK client reported as "unknown token": progress it handled after the result. */
  unknownToken: number;
  otherErrors: string[];
  /** Progress notifications the caller's onprogress saw, per run. */
  progress: number[];
  /** Seen on the transport, in arrival order: notifications that came after their run's result. */
  lateOnWire: number;
  /** Log lines of each run that arrived before its result. */
  logsBefore: number[];
}

/** Runs `runs` scripts one after another on one client, watching what arrives where the transport hands it over. */
async function tally(c: Client, runs: number): Promise<Tally> {
  const t: Tally = { right: 0, unknownToken: 0, otherErrors: [], progress: Array(runs).fill(0), lateOnWire: 0, logsBefore: Array(runs).fill(0) };
  c.onerror = (error) => (/unknown token/i.test(error.message) ? t.unknownToken++ : t.otherErrors.push(error.message));
  const transport = c.transport as Transport;
  const answered = new Set<number>();
  let current = -1;
  const receive = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    const m = message as { method?: string; id?: unknown; params?: { data?: unknown } };
    if (m.method === 'notifications/progress' && answered.has(current)) t.lateOnWire++;
    if (m.method === 'notifications/message') {
      const run = Number(/order-run-(\d+)-step/.exec(String(m.params?.data))?.[1] ?? -1);
      if (run >= 0 && answered.has(run)) t.lateOnWire++;
      else if (run >= 0) t.logsBefore[run]!++;
    }
    if (m.method === undefined && m.id !== undefined) answered.add(current);
    receive.call(transport, message, extra);
  };
  for (let run = 0; run < runs; run++) {
    current = run;
    const result = await c.callTool({ name: 'execute_agentscript', arguments: { code: script(run) } }, undefined, {
      timeout: 30_000,
      onprogress: () => t.progress[run]!++,
    });
    if (structured(result).value === (CALLS * (CALLS - 1)) / 2 + CALLS * run) t.right++;
  }
  // A fence instead of a wait: the ping's answer follows, on the same ordered stream, anything the server wrote
  // before it (legacy SSE), and a Streamable HTTP request's stream ends with its result; the client handles each
  // notification in a microtask queued when it arrived, so all of them before the ping resolves.
  await c.ping();
  return t;
}

function expectInOrder(t: Tally, runs: number): void {
  expect(t.right).toBe(runs);
  expect(t.unknownToken).toBe(0);
  expect(t.otherErrors).toEqual([]);
  expect(t.lateOnWire).toBe(0);
  expect(t.progress).toEqual(Array(runs).fill(PROGRESS_PER_RUN));
  expect(t.logsBefore).toEqual(Array(runs).fill(CALLS));
}

describe('notifications before the result', () => {
  // Before the fix, legacy SSE lost progress in most runs of 40 (the last notifications share the result's chunk).
  it('legacy SSE: the SDK client sees every progress and log notification of each run before its result', async () => {
    const c = await connect(stateful.url, stateful.token, 'sse');
    try {
      expectInOrder(await tally(c, 40), 40);
    } finally {
      await c.close();
    }
  }, 120_000);

  it('Streamable HTTP, stateful: the same', async () => {
    const c = await connect(stateful.url, stateful.token);
    try {
      expectInOrder(await tally(c, 20), 20);
    } finally {
      await c.close();
    }
  }, 120_000);

  it('Streamable HTTP, stateless: the same', async () => {
    const c = await connect(stateless.url, stateless.token);
    try {
      expectInOrder(await tally(c, 20), 20);
    } finally {
      await c.close();
    }
  }, 120_000);
});

/** A legacy SSE session held by hand: the messages it receives, in order, and a way to post to it. */
async function rawSse(server: HttpServer): Promise<{ received: Record<string, unknown>[]; post: (message: unknown) => Promise<number>; close: () => void }> {
  const { port } = new URL(server.url);
  const received: Record<string, unknown>[] = [];
  let endpoint = '';
  let buffer = '';
  const req = request({ host: '127.0.0.1', port, path: '/sse', headers: { Authorization: `Bearer ${server.token}`, Accept: 'text/event-stream' } });
  await new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1] ?? '';
          if (event.startsWith('event: endpoint')) {
            endpoint = data;
            resolve();
          } else received.push(JSON.parse(data) as Record<string, unknown>);
        }
      });
    });
    req.end();
  });
  const post = async (message: unknown): Promise<number> =>
    (await raw(server.url, { path: endpoint, headers: mcpHeaders(server.token), body: JSON.stringify(message) })).status;
  return { received, post, close: () => req.destroy() };
}

describe('legacy SSE: how a result waits', () => {
  it('a ping follows the notifications and precedes the result; a client that never answers it still gets the result', async () => {
    const sse = await rawSse(stateful);
    try {
      const code = "await callTool('everything:get-sum', { a: 1, b: 2 }); console.log('step'); return 'done';";
      const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'execute_agentscript', arguments: { code }, _meta: { progressToken: 't' } } };
      expect(await sse.post(call)).toBe(202);
      const answered = (id: number) => () => sse.received.some((m) => m.id === id && ('result' in m || 'error' in m));
      await waitFor(answered(1), { what: 'the answer to request 1', timeoutMs: 20_000 });
      const kinds = sse.received.map((m) => (typeof m.method === 'string' ? m.method : `answer ${String(m.id)}`));
      const ping = kinds.lastIndexOf('ping');
      expect(ping).toBeGreaterThan(kinds.lastIndexOf('notifications/progress'));
      expect(ping).toBeGreaterThan(kinds.lastIndexOf('notifications/message'));
      expect(kinds.at(-1)).toBe('answer 1'); // after the unanswered ping, once its wait ran out
      // A result with no notification before it is written at once: no ping.
      const pings = kinds.filter((k) => k === 'ping').length;
      expect(await sse.post({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).toBe(202);
      await waitFor(answered(2), { what: 'the answer to request 2', timeoutMs: 20_000 });
      expect(sse.received.filter((m) => m.method === 'ping')).toHaveLength(pings);
    } finally {
      sse.close();
    }
  }, 60_000);
});

describe('legacy SSE: a result waiting for its ping during a shutdown', () => {
  it('is still written: the shutdown waits for it like for any other answer owed', async () => {
    const server = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
    const c = await connect(server.url, server.token, 'sse');
    try {
      let running = false;
      const code = "await callTool('fixture:slow', { ms: 800 }); console.log('last words'); return 'finished';";
      const call = c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, {
        timeout: 30_000,
        onprogress: (p) => (running ||= p.message?.includes('fixture:slow started') === true),
      });
      await waitFor(() => running, { what: 'the script to be running', timeoutMs: 20_000 });
      const closing = server.close(20_000);
      expect(structured(await call).value).toBe('finished');
      await closing;
    } finally {
      await c.close();
      await server.close(0);
    }
  }, 60_000);
});
