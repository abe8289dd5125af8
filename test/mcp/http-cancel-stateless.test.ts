// Cancellation in --stateless mode, over real HTTP against a real serveHttp: a notifications/cancelled arrives as a
// POST of its own (a fresh server per POST) and must still stop the script it names, before its side effect; so
// must a client that goes away. Each script waits on the fixture's `slow` tool, then writes a marker into
// server-memory: a cancelled script must never write it, and the same script left alone must. Clients that share
// one token are told apart by the tag a stateless initialize hands out (Mcp-Session-Id, sent back by the client).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EARLY_CANCEL_MS } from '../../src/mcp/http-inflight.js';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { Gateway } from '../../src/mcp/server.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { waitFor } from '../wait-for.js';
import {
  connect,
  finishedExecutions,
  killMarked,
  mcpHeaders,
  openGateway,
  rawStream,
  structured,
  type StreamedReply,
  WAIT_MS,
  waitThenWrite,
} from './http-helpers.js';

const MARK = `mcp-cancel-stateless-${process.pid}-${Date.now().toString(36)}`;
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let probe: Client;

const executions = finishedExecutions();

beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK, { observer: executions.observer }));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0, stateless: true });
  probe = await connect(http.url, http.token);
}, 90_000);

afterAll(async () => {
  await probe?.close();
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

let markers = 0;
const newMarker = (): string => `marker-${MARK}-${++markers}`;

const execute = async (c: Client, code: string): Promise<unknown> =>
  structured(await c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 60_000 })).value;

/** Whether the marker's entity exists in server-memory. */
const written = async (marker: string): Promise<boolean> =>
  JSON.stringify(await execute(probe, "return await callTool('memory:read_graph', {});")).includes(marker);

const cancelledCount = async (): Promise<number> => Number(await execute(probe, "return await callTool('fixture:cancelled_count', {});"));

/**
 * Waits until the script that would write `marker` has ended, and checks it never called the write: it was stopped
 * before its side effect. Once it has ended it can call nothing more, so no wait for a time is needed.
 */
async function stoppedBeforeWriting(marker: string): Promise<void> {
  const record = await executions.ended(marker);
  expect(record.result.error?.code).toBe('CANCELLED');
  expect(record.toolCalls.map((c) => c.tool)).not.toContain('memory:create_entities');
  expect(await written(marker)).toBe(false);
}

/** `tag`: sent as Mcp-Session-Id, as a client does once a stateless initialize handed it one. */
function post(message: unknown, tag?: string): StreamedReply {
  const headers = mcpHeaders(http.token, { 'Mcp-Protocol-Version': '2025-06-18', ...(tag ? { 'Mcp-Session-Id': tag } : {}) });
  return rawStream(http.url, { headers, body: JSON.stringify(message) });
}

/** tools/call of execute_agentscript with id `id` and a progress token, so that the script's steps stream back. */
const callMessage = (id: number | string, code: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'execute_agentscript', arguments: { code }, _meta: { progressToken: `p-${id}` } },
});

const cancelMessage = (requestId: number | string) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, reason: 'the test cancels' },
});

/** A raw POST that answers 202 with nothing in it: a notification. */
async function notify(message: unknown, tag?: string): Promise<void> {
  await post(message, tag).ended;
}

const started = (p: StreamedReply) => waitFor(() => p.text().includes('callTool fixture:slow started'), { what: 'the script to call fixture:slow' });

describe('--stateless: a cancel stops the script it names', () => {
  it('the SDK client aborting a call stops its script before the side effect; a concurrent call runs to the end', async () => {
    const [cancelled, kept] = [newMarker(), newMarker()];
    const before = await cancelledCount();
    const a = await connect(http.url, http.token);
    const b = await connect(http.url, http.token);
    await b.listTools(); // so the two calls do not share a JSON-RPC id (see the ambiguity test below)
    try {
      const abort = new AbortController();
      let running = false;
      const call = a.callTool({ name: 'execute_agentscript', arguments: { code: waitThenWrite(cancelled) } }, undefined, {
        signal: abort.signal,
        timeout: 60_000,
        onprogress: (p) => (running ||= p.message?.includes('fixture:slow started') === true),
      });
      const control = execute(b, waitThenWrite(kept, WAIT_MS));
      await waitFor(() => running, { what: 'the script to call fixture:slow' });
      abort.abort('the user pressed stop');
      await expect(call).rejects.toThrow(/stop|abort/i);
      expect(await control).toBe(kept); // the other request, same caller, kept running
      await waitFor(async () => (await cancelledCount()) === before + 1, { what: 'the bridge to cancel fixture:slow' });
      expect(await written(kept)).toBe(true);
      await stoppedBeforeWriting(cancelled);
      expect(await execute(a, 'return 6 * 7;')).toBe(42); // the server keeps serving that client
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('two SDK clients of one token, both running their request 1: one client’s cancel stops its own script only', async () => {
    const [cancelled, kept] = [newMarker(), newMarker()];
    const ids: unknown[] = [];
    // Records the id of each tools/call the clients send, to show that both calls carry id 1.
    const recording: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string; id?: unknown }) : undefined;
      if (body?.method === 'tools/call') ids.push(body.id);
      return fetch(input, init);
    };
    const a = await connect(http.url, http.token, 'streamable', recording);
    const b = await connect(http.url, http.token, 'streamable', recording);
    try {
      const abort = new AbortController();
      let aRunning = false;
      let bRunning = false;
      const call = a.callTool({ name: 'execute_agentscript', arguments: { code: waitThenWrite(cancelled) } }, undefined, {
        signal: abort.signal,
        timeout: 60_000,
        onprogress: (p) => (aRunning ||= p.message?.includes('fixture:slow started') === true),
      });
      // Staggered: server-memory loses one of two writes made at the same moment.
      const control = b.callTool({ name: 'execute_agentscript', arguments: { code: waitThenWrite(kept, WAIT_MS + 700) } }, undefined, {
        timeout: 60_000,
        onprogress: (p) => (bRunning ||= p.message?.includes('fixture:slow started') === true),
      });
      await waitFor(() => aRunning && bRunning, { what: 'both scripts to call fixture:slow' });
      expect(ids).toEqual([1, 1]);
      abort.abort('the user pressed stop');
      await expect(call).rejects.toThrow(/stop|abort/i);
      expect(structured(await control).value).toBe(kept);
      expect(await written(kept)).toBe(true);
      await stoppedBeforeWriting(cancelled);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('a cancel ends the cancelled request’s response (no answer follows a cancel, so nothing else would)', async () => {
    const marker = newMarker();
    const running = post(callMessage('ends-1', waitThenWrite(marker)));
    await started(running);
    await notify(cancelMessage('ends-1'));
    let ended = false;
    void running.ended.then(() => (ended = true));
    await waitFor(() => ended, { what: 'the cancelled request’s response to end' });
    expect(await running.ended).not.toContain('"result"');
    await stoppedBeforeWriting(marker);
  }, 60_000);

  it('a tagged cancel that arrives before its request stops it when it comes', async () => {
    const marker = newMarker();
    const tag = `stateless.early-${MARK}`;
    await notify(cancelMessage('early-1'), tag);
    const late = post(callMessage('early-1', waitThenWrite(marker)), tag);
    const answer = await late.ended;
    expect(answer).not.toContain('"result"');
    await stoppedBeforeWriting(marker);
    // Control: a cancel kept past its time stops nothing, and one held cancel stops one request only.
    const [afterWait, again] = [newMarker(), newMarker()];
    await notify(cancelMessage('early-2'), tag);
    // The wait is the test: a held cancel expires EARLY_CANCEL_MS after it came.
    await new Promise((resolve) => setTimeout(resolve, EARLY_CANCEL_MS + 300));
    expect(await post(callMessage('early-2', waitThenWrite(afterWait, 10)), tag).ended).toContain(afterWait);
    expect(await post(callMessage('early-1', waitThenWrite(again, 10)), tag).ended).toContain(again);
    expect(await written(afterWait)).toBe(true);
  }, 60_000);

  it('an untagged cancel is not held: the next request with that id (maybe another client’s) runs to the end', async () => {
    const marker = newMarker();
    await notify(cancelMessage('early-untagged'));
    const next = post(callMessage('early-untagged', waitThenWrite(marker, 10)));
    expect(await next.ended).toContain(marker);
    expect(await written(marker)).toBe(true);
  }, 60_000);

  it('two running requests of one caller with the same id: the cancel stops neither (it cannot tell which was meant)', async () => {
    const [first, second] = [newMarker(), newMarker()];
    // Staggered waits: server-memory loses one of two writes made at the same moment.
    const a = post(callMessage('same', waitThenWrite(first, WAIT_MS)));
    const b = post(callMessage('same', waitThenWrite(second, WAIT_MS + 700)));
    await started(a);
    await started(b);
    await notify(cancelMessage('same'));
    expect(await a.ended).toContain(first);
    expect(await b.ended).toContain(second);
    expect(await written(first)).toBe(true);
    expect(await written(second)).toBe(true);
  }, 60_000);

  it('a client that goes away stops its script: closing the per-request server aborts the handler', async () => {
    const marker = newMarker();
    const before = await cancelledCount();
    const running = post(callMessage('gone-1', waitThenWrite(marker)));
    await started(running);
    running.drop();
    await waitFor(async () => (await cancelledCount()) === before + 1, { what: 'the bridge to cancel fixture:slow' });
    await stoppedBeforeWriting(marker);
  }, 60_000);
});
