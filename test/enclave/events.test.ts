// onEvent: the start (after any wait for a worker), tool calls and console lines stream to the host while the script runs.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError, type ExecutionEvent } from '../../src/enclave/index.js';
import { waitFor } from '../wait-for.js';

const enclave = new Enclave({
  toolHandler: async (name, args) => {
    if (name === 'demo:fail') throw new ToolCallError('TOOL_ERROR', 'demo failure');
    return { echoed: args };
  },
});
afterAll(() => enclave.dispose());

describe('execution events', () => {
  it('reports each tool call (start, end with duration and outcome) and each console line, in order', async () => {
    const events: ExecutionEvent[] = [];
    const r = await enclave.run(
      "console.log('start');\nconst a = await callTool('demo:echo', { n: 1 });\nconst b = await callTool('demo:fail', {}).catch((e) => e.code);\nconsole.warn('done', b);\nreturn a.echoed.n;",
      { onEvent: (e) => events.push(e) },
    );
    expect(r).toMatchObject({ success: true, value: 1 });
    expect(events.map((e) => e.type)).toEqual(['started', 'log', 'tool-call-start', 'tool-call-end', 'tool-call-start', 'tool-call-end', 'log']);
    expect(events[3]).toMatchObject({ type: 'tool-call-end', tool: 'demo:echo', ok: true });
    expect(events[5]).toMatchObject({ type: 'tool-call-end', tool: 'demo:fail', ok: false, code: 'TOOL_ERROR' });
    expect((events[3] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(events[6]).toEqual({ type: 'log', level: 'warn', message: 'done TOOL_ERROR' });
  });

  it('reports when a worker took the run and how long it waited in the queue for one (operators measure queue wait)', async () => {
    // One worker: the second script waits until the first, held by its tool call, ends.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const single = new Enclave({ poolSize: 1, maxWorkers: 1, toolHandler: () => held.then(() => 1) });
    try {
      const first: ExecutionEvent[] = [];
      const second: ExecutionEvent[] = [];
      const a = single.run("return await callTool('demo:hold', {});", { onEvent: (e) => first.push(e) });
      await waitFor(() => single.stats.running === 1 && first.some((e) => e.type === 'tool-call-start'), { what: 'the first script to hold the worker' });
      const b = single.run('return 2;', { onEvent: (e) => second.push(e) });
      await waitFor(() => single.stats.queued === 1, { what: 'the second script to be queued' });
      const queuedAt = performance.now(); // it was submitted no later than this
      // The first script holds the only worker this long on purpose: the queue wait is what this test measures.
      const HELD_MS = 400;
      await new Promise((resolve) => setTimeout(resolve, HELD_MS));
      expect(second).toEqual([]); // still queued: not started
      const heldMs = performance.now() - queuedAt; // it waited at least this long, however slow the machine
      release();
      expect(await Promise.all([a, b])).toMatchObject([{ value: 1 }, { value: 2 }]);
      expect(first[0]).toMatchObject({ type: 'started' });
      const started = second.filter((e) => e.type === 'started');
      expect(started).toHaveLength(1);
      // It sat in the queue at least from when the test saw it queued until the release.
      expect((started[0] as { queuedMs: number }).queuedMs).toBeGreaterThanOrEqual(heldMs);
    } finally {
      await single.dispose();
    }
  });

  it('keeps running when a listener throws', async () => {
    const r = await enclave.run("console.log('x'); return await callTool('demo:echo', { ok: true });", {
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    expect(r).toMatchObject({ success: true, value: { echoed: { ok: true } } });
  });
});
