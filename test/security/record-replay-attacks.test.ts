// Attacks on record and replay (issue 11). A recording and the streamed events are outputs: a secret must not leave
// through them, and a script must not make them unbounded. A recording is also an input (run --replay, the
// playground's Replay): a forged one must not forge a limit's outcome, pollute the host, or slip past the sandbox's
// own checks on tool results.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, LEVEL_LIMITS, replayHandler, type ExecutionEvent, type Recording } from '../../src/enclave/index.js';
import { MAX_EVENT_ARGS_CHARS, recordingRoom } from '../../src/enclave/recorder.js';

const random = (): string => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
const SECRET = `RECCANARY-${random()}`;
const ENV_CANARY = `RECENVCANARY${random()}`;
process.env.ENCLAVE_RECORD_CANARY_SECRET = ENV_CANARY; // a *_SECRET in the host's environment: redacted everywhere

const leaky = new Enclave({
  securityLevel: 'PERMISSIVE',
  secrets: [SECRET],
  toolHandler: async (name, args) => {
    if (name === 'vault:read') return { token: SECRET, nested: [{ deeper: `prefix ${SECRET} suffix` }], env: ENV_CANARY };
    if (name === 'big:echo') return args;
    return { ok: true, got: args };
  },
});
afterAll(() => leaky.dispose());

describe('secrets never leave through a recording or the events', () => {
  it.each([
    [
      'passed on as arguments',
      "const v = await callTool('vault:read', {}); await callTool('mail:send', { body: v.token, again: v.nested[0].deeper, env: v.env }); return 1;",
    ],
    ['used as an argument key', "const v = await callTool('vault:read', {}); const a = {}; a[v.token] = 1; await callTool('mail:send', a); return 1;"],
    [
      'split and joined again',
      "const v = await callTool('vault:read', {}); const t = v.token; await callTool('mail:send', { s: t.slice(0, 5) + t.slice(5) }); return 1;",
    ],
    ['the tool name itself', "const v = await callTool('vault:read', {}); try { await callTool('x:' + v.token, {}); } catch {} return 1;"],
  ])('%s', async (_name, code) => {
    const events: ExecutionEvent[] = [];
    const r = await leaky.run(code, { record: true, onEvent: (e) => events.push(e) });
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    const out = JSON.stringify([r, events]);
    expect(r.recording?.calls.length).toBeGreaterThanOrEqual(2);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(ENV_CANARY);
  });
});

describe('a script cannot make the recording or the events unbounded', () => {
  it('a megabyte of arguments per call, as many calls as allowed: the recording stays within its room', async () => {
    const limits = LEVEL_LIMITS.PERMISSIVE;
    const r = await leaky.run("const big = 'a'.repeat(1000000); for (let i = 0; i < 100; i++) await callTool('big:echo', { i, big }); return 1;", {
      record: true,
      limits: { timeoutMs: 60_000 },
    });
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    expect(JSON.stringify(r.recording).length).toBeLessThan(recordingRoom(limits) + 100_000);
    expect(r.recording?.truncated).toBe(true);
  }, 90_000);

  it('the same flood streams at most the cut arguments per call', async () => {
    const events: ExecutionEvent[] = [];
    const r = await leaky.run("const big = 'b'.repeat(1000000); for (let i = 0; i < 60; i++) await callTool('big:echo', { i, big }); return 1;", {
      onEvent: (e) => events.push(e),
      limits: { timeoutMs: 60_000 },
    });
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    const bytes = events.reduce((n, e) => n + JSON.stringify(e).length, 0);
    expect(events.filter((e) => e.type === 'tool-call-start')).toHaveLength(60);
    expect(bytes).toBeLessThan(60 * (MAX_EVENT_ARGS_CHARS + 400));
  }, 90_000);
});

describe('a forged recording', () => {
  const replaying = (recording: Recording, level: 'STRICT' | 'PERMISSIVE' = 'STRICT') =>
    new Enclave({ securityLevel: level, toolHandler: replayHandler(recording) });

  it('cannot forge a limit or a host failure: a recorded error with such a code replays as TOOL_ERROR', async () => {
    const recording = {
      calls: ['TIMEOUT', 'MEMORY_LIMIT', 'INTERNAL_ERROR', 'CANCELLED', 'QUOTA_EXCEEDED'].map((code, i) => ({
        tool: 'a:b',
        args: { i },
        error: { code, message: `forged ${code}` },
      })),
    };
    const e = replaying(recording);
    try {
      for (let i = 0; i < recording.calls.length; i++) {
        const r = await e.run(`return await callTool('a:b', { i: ${i} });`);
        expect(r.error?.code).toBe('TOOL_ERROR');
        const caught = await e.run(`try { await callTool('a:b', { i: ${i} }); } catch (err) { return err.code; }`);
        expect(caught.value).toBe('TOOL_ERROR');
      }
    } finally {
      await e.dispose();
    }
  });

  it('with __proto__ keys pollutes nothing, and the script sees them as plain own keys', async () => {
    const recording = JSON.parse(
      '{"calls":[{"tool":"x:__proto__","args":{"__proto__":{"polluted":1}},"result":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}}]}',
    ) as Recording;
    const e = replaying(recording);
    try {
      const r = await e.run(
        'const v = await callTool(\'x:__proto__\', JSON.parse(\'{"__proto__":{"polluted":1}}\')); return [Object.keys(v), ({}).polluted === undefined, v.polluted === undefined];',
      );
      expect(r).toMatchObject({ success: true, value: [['__proto__', 'constructor'], true, true] });
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    } finally {
      await e.dispose();
    }
  });

  it('with results too deep is refused before any replay, and one too large by the same check as a live result', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2_000; i++) deep = [deep];
    expect(() => replayHandler({ calls: [{ tool: 'a:deep', args: {}, result: deep as number }] })).toThrow(/nests deeper than 100 levels/);
    const huge = 'h'.repeat(LEVEL_LIMITS.STRICT.memoryBytes);
    const e = replaying({ calls: [{ tool: 'a:huge', args: {}, result: huge }] });
    try {
      const h = await e.run("return (await callTool('a:huge', {})).length;");
      expect(h.success).toBe(false);
      expect(['TOOL_ERROR', 'MEMORY_LIMIT']).toContain(h.error?.code);
    } finally {
      await e.dispose();
    }
  });
});
