// The browser sandbox (runInBrowser, src/enclave/browser.ts): QuickJS-wasm in a Web Worker of a real Chromium, with
// the server's prelude and stages 1–5. Replay answers, the same events as the server in the same order, limits,
// cancellation, the host's second lines (watchdog, malformed workers), and what it costs.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, type ExecutionEvent, replayHandler, type Recording } from '../../src/enclave/index.js';
import { runInPage, type SandboxBench, startSandboxBench } from './sandbox-harness.js';
import type { PageRunOptions } from './sandbox-page.js';

const RECORDING: Recording = {
  calls: [
    { tool: 'memory:read_graph', args: {}, result: { entities: [{ name: 'Ada' }, { name: 'Bob' }] } },
    { tool: 'everything:get-sum', args: { a: 1, b: 2 }, result: { content: [{ type: 'text', text: '3' }] } },
  ],
};
const replay: PageRunOptions['tools'] = { kind: 'replay', recording: RECORDING };

/** Events without their timings (durations and queue waits differ from run to run). */
const timeless = (events: ExecutionEvent[]): unknown[] =>
  events.map((e) => {
    if (e.type === 'started') return { type: e.type };
    if (e.type === 'tool-call-end') {
      const { durationMs: _d, ...rest } = e;
      return rest;
    }
    return e;
  });

/** Polls the page (no fixed sleep) until `ok` holds or the deadline passes; returns the last value seen. */
async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // a poll interval: lets Playwright's events arrive
    v = await read();
  }
  return v;
}

let bench: SandboxBench;
let page: Page;
let isolatedPage: Page;
const node = new Enclave({ securityLevel: 'STRICT', poolSize: 1 });

beforeAll(async () => {
  bench = await startSandboxBench();
  page = await bench.open();
  isolatedPage = await bench.open({ isolated: true });
}, 60_000);
afterAll(async () => {
  await bench?.close();
  await node.dispose();
});

describe('replay in the browser', () => {
  const script = [
    "console.log('start');",
    "const graph = await callTool('memory:read_graph', {});",
    "console.info('entities', graph.entities.length);",
    "const sum = await callTool('everything:get-sum', { b: 2, a: 1 });",
    "console.warn('done');",
    'return { names: graph.entities.map((e) => e.name), sum: sum.content[0].text };',
  ].join('\n');

  it('answers callTool from the recording, with the events in the order they happened, as the Node enclave does', async () => {
    const { result, events } = await runInPage(page, script, { tools: replay });
    expect(result).toMatchObject({ success: true, value: { names: ['Ada', 'Bob'], sum: '3' }, stats: { toolCalls: 2 } });
    expect(result.logs).toEqual([
      { level: 'log', message: 'start' },
      { level: 'info', message: 'entities 2' },
      { level: 'warn', message: 'done' },
    ]);
    expect(timeless(events)).toEqual([
      { type: 'started' },
      { type: 'log', level: 'log', message: 'start' },
      { type: 'tool-call-start', id: 1, tool: 'memory:read_graph', args: {} },
      { type: 'tool-call-end', id: 1, tool: 'memory:read_graph', ok: true, resultBytes: JSON.stringify(RECORDING.calls[0]!.result).length },
      { type: 'log', level: 'info', message: 'entities 2' },
      { type: 'tool-call-start', id: 2, tool: 'everything:get-sum', args: { b: 2, a: 1 } },
      { type: 'tool-call-end', id: 2, tool: 'everything:get-sum', ok: true, resultBytes: JSON.stringify(RECORDING.calls[1]!.result).length },
      { type: 'log', level: 'warn', message: 'done' },
    ]);
    const nodeEvents: ExecutionEvent[] = [];
    const inNode = await node.run(script, { toolHandler: replayHandler(RECORDING), onEvent: (e) => nodeEvents.push(e) });
    expect(inNode.value).toEqual(result.value);
    expect(timeless(events)).toEqual(timeless(nodeEvents));
  });

  it('a call the recording does not hold fails with NOT_RECORDED naming the tool (catchable, as on the server)', async () => {
    const missing = await runInPage(page, "return await callTool('memory:search_nodes', { query: 'Ada' });", { tools: replay });
    expect(missing.result).toMatchObject({ success: false, error: { code: 'NOT_RECORDED', tool: 'memory:search_nodes' } });
    expect(missing.result.error?.message).toContain('memory:search_nodes');
    const end = missing.events.find((e) => e.type === 'tool-call-end');
    expect(end).toMatchObject({ ok: false, error: { code: 'NOT_RECORDED' } });

    const otherArgs = await runInPage(page, "return await callTool('everything:get-sum', { a: 5, b: 2 });", { tools: replay });
    expect(otherArgs.result.error?.code).toBe('NOT_RECORDED');
    expect(otherArgs.result.error?.message).toContain('{"a":1,"b":2}'); // the recorded arguments, to compare with

    const caught = await runInPage(page, "try { await callTool('memory:delete_all', {}); } catch (e) { return e.code; }", { tools: replay });
    expect(caught.result).toMatchObject({ success: true, value: 'NOT_RECORDED' });
  });

  it('without a tool handler every call is UNKNOWN_TOOL', async () => {
    const { result } = await runInPage(page, "return await callTool('memory:read_graph', {});");
    expect(result.error).toMatchObject({ code: 'UNKNOWN_TOOL' });
  });
});

describe('limits in the browser', () => {
  it('an infinite loop ends with the level’s iteration limit', async () => {
    const { result } = await runInPage(page, 'let n = 0;\nfor (;;) { n++; }');
    expect(result.error?.code).toBe('MAX_ITERATIONS');
    expect(result.error?.line).toBe(2);
  });

  it('an infinite loop without an iteration limit ends with TIMEOUT, and the page stays responsive meanwhile', async () => {
    const id = await page.evaluate(() => window.sandbox.start('let n = 0;\nfor (;;) { n++; }', { limits: { maxIterations: 1e12, timeoutMs: 2000 } }));
    const first = await page.evaluate((i) => window.sandbox.status(i), id);
    expect(first.done).toBe(false);
    // The page's own timer keeps ticking and the page answers while the worker computes.
    const later = await waitFor(
      () => page.evaluate((i) => window.sandbox.status(i), id),
      (s) => s.ticks >= first.ticks + 5,
    );
    expect(later).toMatchObject({ done: false });
    expect(later.ticks).toBeGreaterThanOrEqual(first.ticks + 5);
    const { result } = await page.evaluate((i) => window.sandbox.wait(i), id);
    expect(result.error?.code).toBe('TIMEOUT');
    expect(result.error?.message).toContain('2000 ms');
  });

  it('a memory bomb ends with MEMORY_LIMIT, and the next script runs as usual', async () => {
    const bomb = "const keep = [];\nfor (let i = 0; i < 1000; i++) keep.push('x'.repeat(1000000) + i);\nreturn keep.length;";
    const { result } = await runInPage(page, bomb);
    expect(result.error?.code).toBe('MEMORY_LIMIT');
    expect((await runInPage(page, 'return 40 + 2')).result).toMatchObject({ success: true, value: 42 });
  });

  it('a result over the output limit is OUTPUT_LIMIT; console output is capped at the log budget', async () => {
    const big = await runInPage(page, "return 'x'.repeat(2000);", { limits: { maxResultBytes: 1000 } });
    expect(big.result.error?.code).toBe('OUTPUT_LIMIT');
    const flood = await runInPage(page, "for (let i = 0; i < 50; i++) console.log('y'.repeat(100));\nreturn 1;", { limits: { maxLogBytes: 1000 } });
    expect(flood.result.success).toBe(true);
    const bytes = flood.result.logs.filter((l) => l.level === 'log').reduce((n, l) => n + l.message.length, 0);
    expect(bytes).toBeLessThanOrEqual(1000);
    expect(flood.result.logs.at(-1)?.message).toContain('truncated');
  });

  it('stages 1–4 refuse what the server refuses, before any sandbox runs', async () => {
    const { result, events } = await runInPage(page, 'let i = 0;\nwhile (true) { i++; }');
    expect(result.error?.code).toBe('VALIDATION_ERROR');
    expect(result.error?.issues?.[0]?.line).toBe(2);
    expect(events.filter((e) => e.type !== 'started')).toEqual([]);
  });
});

describe('cancel in the browser', () => {
  for (const [name, isolated] of [
    ['a page that is not cross-origin isolated', false],
    ['a cross-origin isolated page (shared stop flag)', true],
  ] as const) {
    describe(name, () => {
      const target = (): Page => (isolated ? isolatedPage : page);

      it('the page is (or is not) cross-origin isolated', async () => {
        expect(await target().evaluate(() => window.sandbox.crossOriginIsolated())).toBe(isolated);
      });

      it('a script waiting on a tool ends CANCELLED within 1 s of the abort', async () => {
        const out = await runInPage(target(), "return await callTool('slow:never', {});", { tools: { kind: 'never' }, abortOn: 'tool-call-start' });
        expect(out.result.error).toMatchObject({ code: 'CANCELLED', message: 'The script was cancelled by the caller.' });
        expect(out.endedAt - out.abortedAt!).toBeLessThan(1000);
        expect((await runInPage(target(), 'return 2 + 2')).result.value).toBe(4);
      });

      it('a computing script ends CANCELLED within 1 s of the abort, and the next script runs', async () => {
        const code = "console.log('looping');\nlet n = 0;\nfor (;;) { n++; }";
        const out = await runInPage(target(), code, { limits: { maxIterations: 1e12, timeoutMs: 30_000 }, abortOn: 'log' });
        expect(out.result.error?.code).toBe('CANCELLED');
        expect(out.endedAt - out.abortedAt!).toBeLessThan(1000);
        expect(out.result.logs).toEqual([{ level: 'log', message: 'looping' }]);
        // With the shared flag the sandbox stops itself and reports (its report carries the script's score); without
        // it, the host ends the worker and reports alone (no score).
        expect(out.result.error?.message).toContain('cancelled by the caller');
        expect(out.result.score).toBe(isolated ? 0 : undefined);
        expect((await runInPage(target(), 'return 3 + 3')).result.value).toBe(6);
      });
    });
  }

  it('a tool that waits for a person (untimed) stops the clock: an answer after twice the time limit still runs', async () => {
    // 500 ms of limit and a 500 ms grace: without the pause, the host's watchdog would end the run at 1 s.
    const code = "const r = await callTool('people:approve', {});\nreturn r.approved;";
    const out = await runInPage(page, code, { tools: { kind: 'approval', ms: 1500 }, limits: { timeoutMs: 500 } });
    expect(out.result).toMatchObject({ success: true, value: true });
    expect(out.endedAt - out.startedAt).toBeGreaterThanOrEqual(1500);
  });

  it('an abort at the start (a listener of `started`) or before the call ends the run CANCELLED, running nothing', async () => {
    const atStart = await runInPage(page, "console.log('ran');\nreturn 1", { abortOn: 'started' });
    expect(atStart.result).toMatchObject({ success: false, error: { code: 'CANCELLED' }, logs: [] });
    const before = await runInPage(page, "console.log('ran');\nreturn 1", { preAborted: true });
    expect(before.result).toMatchObject({ success: false, error: { code: 'CANCELLED' }, logs: [] });
    expect(before.events).toEqual([]);
  });
});

describe('the host’s second lines', () => {
  it('a worker that never answers is terminated by the watchdog: TIMEOUT, and the next run gets a working worker', async () => {
    const out = await runInPage(page, 'return 1', { workerUrl: 'stuck-worker.js', limits: { timeoutMs: 300 } });
    expect(out.result.error?.code).toBe('TIMEOUT');
    expect(out.result.error?.message).toContain('stopped by force');
    expect((await runInPage(page, 'return 5')).result.value).toBe(5);
  });

  it('a malformed result ends the run with INTERNAL_ERROR; so does a worker that throws or does not load', async () => {
    const garbled = await runInPage(page, 'return 1', { workerUrl: 'garbled-worker.js' });
    expect(garbled.result.error?.code).toBe('INTERNAL_ERROR');
    const throwing = await runInPage(page, 'return 1', { workerUrl: 'throwing-worker.js' });
    expect(throwing.result.error).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(throwing.result.error?.message).toContain('stopped unexpectedly');
    const missing = await runInPage(page, 'return 1', { workerUrl: 'no-such-worker.js' });
    expect(missing.result.error?.code).toBe('INTERNAL_ERROR');
    expect(missing.result.error?.message).toContain('could not be started');
  });

  it('bad options are refused in one message (never a rejection), naming each problem', async () => {
    const result = await page.evaluate(async () => {
      const { result } = await window.sandbox.run('return 1', { level: 'LAX' as 'STRICT', limits: { timeoutMs: -5, timeout: 1 } as never });
      return result;
    });
    expect(result.error?.code).toBe('INTERNAL_ERROR');
    expect(result.error?.message).toContain('securityLevel must be one of');
    expect(result.error?.message).toContain('limits.timeoutMs must be an integer');
    expect(result.error?.message).toContain('limits.timeout is not a limit');
    // A script that is not text is refused as the Node enclave refuses it, not turned into text and run.
    const notText = await page.evaluate(async () => (await window.sandbox.run(42 as unknown as string)).result);
    expect(notText.error?.code).toBe((await node.run(42 as unknown as string)).error?.code);
    expect(notText.error?.code).toBe('VALIDATION_ERROR');
  });
});

describe('worker lifetimes', () => {
  it('keeps one idle worker, ends the others and any stopped by force, and ends the idle one on request', async () => {
    const fresh = await bench.open();
    const workers = (): Promise<number> => Promise.resolve(fresh.workers().length);
    try {
      expect((await runInPage(fresh, 'return 1')).result.value).toBe(1);
      expect(await workers()).toBe(1);
      // Three at once: a worker each (one execution per worker); afterwards one is kept.
      const values = await fresh.evaluate(() => Promise.all([1, 2, 3].map((n) => window.sandbox.run(`return ${n} * 10`).then((o) => o.result.value))));
      expect(values).toEqual([10, 20, 30]);
      expect(await waitFor(workers, (n) => n === 1)).toBe(1);
      // A worker the watchdog stopped is gone, the warm one stays.
      const stuck = await runInPage(fresh, 'return 1', { workerUrl: 'stuck-worker.js', limits: { timeoutMs: 200 } });
      expect(stuck.result.error?.code).toBe('TIMEOUT');
      expect(await waitFor(workers, (n) => n === 1)).toBe(1);
      expect(await fresh.evaluate(() => window.sandbox.dispose())).toBe(1);
      expect(await waitFor(workers, (n) => n === 0)).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('cost', () => {
  it('measures a warm run of `return 1+1` (p50) and a cold worker’s start-up', async () => {
    const times = await page.evaluate(() => window.sandbox.bench('return 1+1', 40));
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await page.evaluate((n) => window.sandbox.bench('return 1+1', 1, { workerUrl: `sandbox-worker.js?cold=${n}` }), i);
      cold.push(t[0]!);
    }
    console.log(
      `browser sandbox: warm return 1+1 p50 ${p50.toFixed(1)} ms (p90 ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(1)} ms); cold worker start + first run ${cold.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    expect(times).toHaveLength(40);
  });
});
