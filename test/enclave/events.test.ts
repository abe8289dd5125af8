// onEvent: tool calls and console lines stream to the host while the script runs.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError, type ExecutionEvent } from '../../src/enclave/index.js';

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
    expect(events.map((e) => e.type)).toEqual(['log', 'tool-call-start', 'tool-call-end', 'tool-call-start', 'tool-call-end', 'log']);
    expect(events[2]).toMatchObject({ type: 'tool-call-end', tool: 'demo:echo', ok: true });
    expect(events[4]).toMatchObject({ type: 'tool-call-end', tool: 'demo:fail', ok: false, code: 'TOOL_ERROR' });
    expect((events[2] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(events[5]).toEqual({ type: 'log', level: 'warn', message: 'done TOOL_ERROR' });
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
