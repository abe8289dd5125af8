// Record and replay at the enclave: `record: true` returns every tool call with its result (redacted, bounded), the
// events carry the arguments and result sizes a timeline shows, and replayHandler answers a changed script from a
// recording, failing with NOT_RECORDED (naming the call) for anything the recording does not hold.
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, Enclave, recordingProblems, replayHandler, ToolCallError, type ExecutionEvent, type Recording } from '../../src/enclave/index.js';
import { MAX_EVENT_ARGS_CHARS, recordingRoom } from '../../src/enclave/recorder.js';
import type { JsonObject, ToolCallContext } from '../../src/enclave/types.js';
import { waitFor } from '../wait-for.js';

const SECRET = 'sk-live-0123456789abcdefSECRET';
/** Ends the crm:slow calls in flight, oldest first: each waits until the test ends it. */
const slowCalls: Array<() => void> = [];
const tools: Record<string, (args: JsonObject) => unknown> = {
  'crm:find': (args) => ({ customers: [{ id: 1, name: `match for ${String(args.q)}` }], key: SECRET }),
  'crm:count': () => 42,
  'crm:broken': () => {
    throw new ToolCallError('INVALID_TOOL_ARGS', 'crm:broken wants an id');
  },
  'crm:big': (args) => 'x'.repeat(Number(args.n)),
  'crm:slow': () => new Promise((resolve) => slowCalls.push(() => resolve('late'))),
};
const enclave = new Enclave({
  securityLevel: 'SECURE',
  secrets: [SECRET],
  toolHandler: async (name, args) => {
    const tool = tools[name];
    if (!tool) throw new ToolCallError('UNKNOWN_TOOL', `no ${name}`);
    return tool(args);
  },
});
afterAll(() => enclave.dispose());

const context = { signal: new AbortController().signal, run: {}, untimed: <T>(w: Promise<T>) => w } as ToolCallContext;

describe('record: true', () => {
  it('returns every call in start order with its args and result, redacted like every output', async () => {
    const r = await enclave.run(
      `const a = await callTool('crm:find', { q: 'ada', token: '${SECRET}' });
       const [b, c] = await Promise.all([callTool('crm:count', {}), callTool('crm:find', { q: 'bob' })]);
       try { await callTool('crm:broken', {}); } catch (e) { console.log(e.code); }
       return [a.customers[0].name, b, c.customers[0].name];`,
      { record: true },
    );
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    expect(r.recording?.calls.map((c) => c.tool)).toEqual(['crm:find', 'crm:count', 'crm:find', 'crm:broken']);
    expect(r.recording?.calls[0]).toMatchObject({ args: { q: 'ada' }, result: { customers: [{ name: 'match for ada' }] } });
    expect(r.recording?.calls[1]).toEqual({ tool: 'crm:count', args: {}, result: 42 });
    expect(r.recording?.calls[3]).toMatchObject({ tool: 'crm:broken', error: { code: 'INVALID_TOOL_ARGS', message: 'crm:broken wants an id' } });
    expect(r.recording?.calls[3]).not.toHaveProperty('result');
    expect(JSON.stringify(r)).not.toContain(SECRET); // in the args the script sent and in the result the tool gave
  });

  it('is absent unless asked for', async () => {
    const r = await enclave.run("return await callTool('crm:count', {});");
    expect(r.success).toBe(true);
    expect(r).not.toHaveProperty('recording');
  });

  it('leaves out results beyond its room, marking them, and keeps recording the calls', async () => {
    const room = recordingRoom(enclave.limits);
    const n = Math.floor(room * 0.6);
    const r = await enclave.run(`await callTool('crm:big', { n: ${n} }); await callTool('crm:big', { n: ${n} }); await callTool('crm:count', {}); return 1;`, {
      record: true,
      limits: { timeoutMs: 15_000 },
    });
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    const calls = r.recording?.calls ?? [];
    expect(calls[0]?.result).toHaveLength(n);
    expect(calls[1]).toEqual({ tool: 'crm:big', args: { n }, omitted: true });
    expect(calls[2]).toEqual({ tool: 'crm:count', args: {}, result: 42 });
  });

  it('stops at the first call whose arguments do not fit, says it was cut, and a replay names the cut', async () => {
    const pad = 'p'.repeat(1_500); // room: 4 × maxResultBytes = 4,000 bytes; two calls fit, the third does not
    const r = await enclave.run(`for (let i = 0; i < 4; i++) await callTool('crm:find', { q: 'q' + i, pad: '${pad}' }); return 1;`, {
      record: true,
      limits: { maxResultBytes: 1_000 },
    });
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    expect(r.recording?.truncated).toBe(true);
    expect(r.recording?.calls.map((c) => c.args.q)).toEqual(['q0', 'q1']);
    const h = replayHandler(r.recording as Recording);
    await expect(h('crm:count', {}, context)).rejects.toMatchObject({ message: expect.stringContaining('The recording was cut after 2 calls') });
  });
});

describe('a call the script does not wait for', () => {
  it('is unfinished in the recording, which no longer changes, and sends no event after the result', async () => {
    const events: { e: ExecutionEvent; after: boolean }[] = [];
    let settled = false;
    const r = await enclave.run("callTool('crm:slow', {}); return await callTool('crm:count', {});", {
      record: true,
      onEvent: (e) => events.push({ e, after: settled }),
    });
    settled = true;
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    const before = JSON.stringify(r.recording);
    expect(r.recording?.calls).toEqual([
      { tool: 'crm:slow', args: {}, unfinished: true },
      { tool: 'crm:count', args: {}, result: 42 },
    ]);
    // The slow call ends now, while nobody waits for it. A later run whose own slow call ends after it goes through
    // the same path on the host: its end proves the late answer has been handled.
    slowCalls.shift()!();
    const later = enclave.run("await callTool('crm:slow', {}); return 1;");
    await waitFor(() => slowCalls.length === 1, { what: 'the later run to call crm:slow' });
    slowCalls.shift()!();
    expect(await later).toMatchObject({ success: true, value: 1 });
    expect(JSON.stringify(r.recording)).toBe(before);
    expect(events.filter((x) => x.after)).toEqual([]);
    await expect(replayHandler(r.recording as Recording)('crm:slow', {}, context)).rejects.toMatchObject({
      code: 'NOT_RECORDED',
      message: expect.stringContaining('was still running when the recorded run ended'),
    });
  });
});

describe('events for a timeline', () => {
  it('carry redacted args at the start, and the result size or the error at the end', async () => {
    const events: ExecutionEvent[] = [];
    await enclave.run(
      `await callTool('crm:find', { q: 'ada', token: '${SECRET}' });
       try { await callTool('crm:broken', {}); } catch {}
       await callTool('crm:find', { q: '${'y'.repeat(MAX_EVENT_ARGS_CHARS)}' });
       return 1;`,
      { onEvent: (e) => events.push(e) },
    );
    const starts = events.filter((e) => e.type === 'tool-call-start');
    const ends = events.filter((e) => e.type === 'tool-call-end');
    expect(starts[0]).toMatchObject({ tool: 'crm:find', args: { q: 'ada' } });
    expect(JSON.stringify(events)).not.toContain(SECRET);
    const long = starts[2] as { args: unknown };
    expect(typeof long.args).toBe('string');
    expect((long.args as string).length).toBe(MAX_EVENT_ARGS_CHARS + 1);
    expect((long.args as string).endsWith('…')).toBe(true);
    const expected = JSON.stringify({ customers: [{ id: 1, name: 'match for ada' }], key: '[REDACTED]' });
    expect(ends[0]).toMatchObject({ ok: true, resultBytes: expect.any(Number) });
    expect((ends[0] as { resultBytes: number }).resultBytes).toBeGreaterThanOrEqual(expected.length - 20);
    expect(ends[1]).toMatchObject({ ok: false, code: 'INVALID_TOOL_ARGS', error: { code: 'INVALID_TOOL_ARGS', message: 'crm:broken wants an id' } });
    expect(ends[1]).not.toHaveProperty('resultBytes');
  });
});

describe('replayHandler', () => {
  const recording: Recording = {
    calls: [
      { tool: 'crm:find', args: { q: 'ada', limit: 2 }, result: { n: 1 } },
      { tool: 'crm:find', args: { limit: 2, q: 'ada' }, result: { n: 2 } },
      { tool: 'crm:count', args: {}, error: { code: 'POLICY_BLOCKED', message: 'not today' } },
      { tool: 'crm:big', args: {}, omitted: true },
      { tool: 'crm:odd', args: {}, error: { code: 'TIMEOUT', message: 'too slow' } },
    ],
  };

  it('answers the same call in recorded order, whatever the key order, then repeats the last answer', async () => {
    const h = replayHandler(recording);
    expect(await h('crm:find', { limit: 2, q: 'ada' }, context)).toEqual({ n: 1 });
    expect(await h('crm:find', { q: 'ada', limit: 2 }, context)).toEqual({ n: 2 });
    expect(await h('crm:find', { q: 'ada', limit: 2 }, context)).toEqual({ n: 2 });
  });

  it('fails again as recorded, with the code when a tool call can have it', async () => {
    const h = replayHandler(recording);
    await expect(h('crm:count', {}, context)).rejects.toMatchObject({ code: 'POLICY_BLOCKED', message: 'not today' });
    await expect(h('crm:odd', {}, context)).rejects.toMatchObject({ code: 'TOOL_ERROR', message: 'too slow' });
  });

  it('refuses a call it does not hold with NOT_RECORDED, naming it and what it holds', async () => {
    const h = replayHandler(recording);
    await expect(h('crm:delete', { id: 1 }, context)).rejects.toMatchObject({
      code: 'NOT_RECORDED',
      message: expect.stringMatching(/^crm:delete is not in the recording \(it holds crm:find, crm:count/),
    });
    await expect(h('crm:find', { q: 'bob', limit: 2 }, context)).rejects.toMatchObject({
      code: 'NOT_RECORDED',
      message: expect.stringContaining('crm:find was called with {"limit":2,"q":"bob"}, but the recording holds it only with {"limit":2,"q":"ada"}'),
    });
    await expect(h('crm:big', {}, context)).rejects.toMatchObject({ code: 'NOT_RECORDED', message: expect.stringContaining('recorded without its result') });
  });

  it('replays a changed script in a real enclave without calling any tool', async () => {
    const recorded = await enclave.run(
      "const f = await callTool('crm:find', { q: 'ada' }); const n = await callTool('crm:count', {}); return f.customers.length + n;",
      {
        record: true,
      },
    );
    expect(recorded.value).toBe(43);
    const replayer = new Enclave({ securityLevel: 'SECURE', toolHandler: replayHandler(recorded.recording as Recording) });
    try {
      const changed = await replayer.run(
        "const f = await callTool('crm:find', { q: 'ada' }); const n = await callTool('crm:count', {}); return f.customers[0].name + '/' + (n * 2);",
      );
      expect(changed).toMatchObject({ success: true, value: 'match for ada/84' });
      const miss = await replayer.run("return await callTool('crm:count', { extra: true });");
      expect(miss).toMatchObject({ success: false, error: { code: 'NOT_RECORDED', tool: 'crm:count' } });
      expect(miss.error?.message).toContain('crm:count was called with {"extra":true}');
      const caught = await replayer.run("try { await callTool('crm:gone', {}); } catch (e) { return e.code; }");
      expect(caught).toMatchObject({ success: true, value: 'NOT_RECORDED' });
    } finally {
      await replayer.dispose();
    }
  });
});

describe('recordingProblems and canonicalJson', () => {
  it('says what is wrong with a file that is not a recording, and replayHandler refuses one', () => {
    expect(recordingProblems({ calls: [] })).toEqual([]);
    expect(recordingProblems(null)[0]).toMatch(/"calls" array/);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep]; // a forged file: no recursion may walk it
    const bad = {
      calls: [
        { tool: 1, args: {} },
        { tool: 'a:b', args: [] },
        7,
        { tool: 'a:b', args: {}, error: { code: 'X' } },
        { tool: 'a:b', args: {}, omitted: 'yes' },
        { tool: 'a:b', args: {}, result: deep },
      ],
    };
    expect(recordingProblems(bad)).toEqual([
      'calls[0].tool is not a string.',
      'calls[1].args is not an object.',
      'calls[2] is not an object.',
      'calls[3].error is not { code, message } with two strings.',
      'calls[4].omitted is not true.',
      'calls[5] nests deeper than 100 levels, as no tool result may.',
    ]);
    expect(() => replayHandler(bad as unknown as Recording)).toThrow(/cannot be replayed: calls\[0\].tool is not a string/);
  });

  it('orders keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 0 }], a: null })).toBe('{"a":null,"b":[2,{"c":0,"d":1}]}');
    expect(canonicalJson([{ b: 1, a: 2 }])).not.toBe(canonicalJson([{ a: 1, b: 2 }]));
  });
});
