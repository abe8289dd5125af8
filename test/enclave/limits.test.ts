// Limits (DESIGN §4, §5): every runaway script ends with its code, within the level's timeout + 1 s, cannot
// catch the limit, and leaves the Enclave able to run a clean script right after and alongside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, LEVEL_LIMITS } from '../../src/enclave/index.js';
import type { ErrorCode, ExecutionResult, JsonObject, RunOptions, ToolHandler } from '../../src/enclave/index.js';
import { waitFor } from '../wait-for.js';

const STRICT = LEVEL_LIMITS.STRICT;
const CLEAN = 'const xs = [1, 2, 3];\nreturn xs.map((x) => x * 2);';
const CLEAN_VALUE = [2, 4, 6];

/** Calls per `tag` argument, and the signals of calls that never answer. */
const callsByTag = new Map<string, number>();
const neverSignals: AbortSignal[] = [];
const toolHandler: ToolHandler = async (name, args: JsonObject, { signal }) => {
  const tag = typeof args.tag === 'string' ? args.tag : '';
  callsByTag.set(tag, (callsByTag.get(tag) ?? 0) + 1);
  switch (name) {
    case 't:never':
      neverSignals.push(signal);
      return new Promise(() => {});
    case 't:big':
      return { data: 'x'.repeat(300 * 1024) };
    default:
      return { ok: true, args };
  }
};

/** Runs until two concurrent clean scripts succeed: both workers are up before timing anything. */
async function warm(enclave: Enclave): Promise<void> {
  await waitFor(async () => (await Promise.all([enclave.run(CLEAN), enclave.run(CLEAN)])).every((r) => r.success), {
    what: 'two clean scripts to succeed side by side (both workers up)',
    timeoutMs: 60_000,
  });
}

/**
 * Runs `code` with a clean script alongside it, then a clean script after it. Checks the code, the time
 * budget (timeout + 1 s, by stats and by wall clock) and that both clean runs succeed.
 */
async function expectLimit(enclave: Enclave, code: string, expected: ErrorCode | ErrorCode[], options: RunOptions = {}): Promise<ExecutionResult> {
  const budget = enclave.limits.timeoutMs + 1_000;
  const t0 = performance.now();
  const [result, concurrent] = await Promise.all([enclave.run(code, options), enclave.run(CLEAN)]);
  const wall = performance.now() - t0;
  expect(result.success, JSON.stringify(result)).toBe(false);
  const codes = Array.isArray(expected) ? expected : [expected];
  expect(codes, `got ${result.error?.code}: ${result.error?.message}`).toContain(result.error?.code);
  expect(result.error!.message.length).toBeGreaterThan(20);
  expect(result.stats.durationMs).toBeLessThanOrEqual(budget);
  expect(wall).toBeLessThanOrEqual(budget);
  expect(concurrent, 'a clean script run alongside').toMatchObject({ success: true, value: CLEAN_VALUE });
  const after = await enclave.run(CLEAN);
  expect(after, 'a clean script run right after').toMatchObject({ success: true, value: CLEAN_VALUE });
  return result;
}

const strict = new Enclave({ toolHandler });
const fast = new Enclave({ limits: { timeoutMs: 300 }, toolHandler });

beforeAll(async () => {
  await Promise.all([warm(strict), warm(fast)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([strict.dispose(), fast.dispose()]);
});

describe('loops', () => {
  it('for(;;){} at STRICT ends with MAX_ITERATIONS', async () => {
    const r = await expectLimit(strict, 'const start = Date.now();\nfor(;;){}', 'MAX_ITERATIONS');
    expect(r.stats.iterations).toBeGreaterThan(STRICT.maxIterations);
    expect(r.error?.line).toBe(2);
  });
  it('for(;;){} with a 300 ms timeout ends fast', async () => {
    await expectLimit(fast, 'for(;;){}', 'MAX_ITERATIONS');
  });
  it('a 1e9-iteration loop ends with MAX_ITERATIONS', async () => {
    const r = await expectLimit(strict, 'let sum = 0;\nfor (let i = 0; i < 1e9; i++) { sum += i; }\nreturn sum;', 'MAX_ITERATIONS');
    expect(r.error?.line).toBe(2);
    expect(r.error?.message).toContain(String(STRICT.maxIterations));
  });
  it('callbacks count toward the same budget', async () => {
    await expectLimit(strict, 'const xs = Array.from({ length: 5000 }, (_, i) => i);\nreturn xs.length;', 'MAX_ITERATIONS');
  });
});

describe('memory', () => {
  it("'x'.repeat(1e9) ends with MEMORY_LIMIT", async () => {
    const r = await expectLimit(strict, "const a = 1;\nconst s = 'x'.repeat(1e9);\nreturn s.length;", 'MEMORY_LIMIT');
    expect(r.error?.line).toBe(2);
  });
  it('string doubling in a loop (s = s + s) ends with MEMORY_LIMIT', async () => {
    await expectLimit(strict, "let s = 'x';\nfor (let i = 0; i < 40; i++) { s = s + s; }\nreturn s.length;", 'MEMORY_LIMIT');
  });
  it('string doubling with += and templates ends with MEMORY_LIMIT', async () => {
    await expectLimit(strict, "let s = 'x';\nfor (let i = 0; i < 40; i++) { s += s; }\nreturn s.length;", 'MEMORY_LIMIT');
    await expectLimit(strict, "let s = 'x';\nfor (let i = 0; i < 40; i++) { s = `${s}${s}`; }\nreturn s.length;", 'MEMORY_LIMIT');
  });
  it('new Array(1e9) ends with MEMORY_LIMIT', async () => {
    await expectLimit(strict, 'const n = 1e9;\nconst a = new Array(n);\nreturn a.length;', 'MEMORY_LIMIT');
    await expectLimit(strict, 'const a = Array(1e9);\nreturn a.length;', 'MEMORY_LIMIT');
  });
  it('growing many large strings ends with MEMORY_LIMIT (the budget adds allocations up)', async () => {
    // DESIGN §2: QuickJS's own limit refuses single allocations only; 100 × 1 MB must still be refused at 16 MB.
    await expectLimit(strict, "const keep = [];\nfor (let i = 0; i < 100; i++) { keep.push('y'.repeat(1e6) + i); }\nreturn keep.length;", 'MEMORY_LIMIT');
  });
  it('JSON.stringify of a shared-reference DAG ends quickly with a limit', async () => {
    const r = await expectLimit(strict, 'let o = [];\nfor (let i = 0; i < 60; i++) o = [o, o];\nreturn JSON.stringify(o).length;', [
      'MEMORY_LIMIT',
      'OUTPUT_LIMIT',
    ]);
    expect(r.stats.durationMs).toBeLessThan(STRICT.timeoutMs);
  });
  it('returning a shared-reference DAG ends quickly with a limit', async () => {
    const r = await expectLimit(strict, 'let o = [];\nfor (let i = 0; i < 60; i++) o = [o, o];\nreturn o;', ['MEMORY_LIMIT', 'OUTPUT_LIMIT']);
    expect(r.stats.durationMs).toBeLessThan(STRICT.timeoutMs);
  });
});

describe('time', () => {
  it('a tool that never resolves ends with TIMEOUT (300 ms override) and its call is aborted', async () => {
    neverSignals.length = 0;
    const r = await expectLimit(fast, "const a = 1;\nconst r = await callTool('t:never', { tag: 'never-fast' });\nreturn r;", 'TIMEOUT');
    expect(r.stats.durationMs).toBeGreaterThanOrEqual(250);
    expect(neverSignals).toHaveLength(1);
    expect(neverSignals[0]!.aborted).toBe(true);
  });
  it('a tool that never resolves ends with TIMEOUT at the real STRICT 5 s', async () => {
    neverSignals.length = 0;
    const r = await expectLimit(strict, "const r = await callTool('t:never', { tag: 'never-strict' });\nreturn r;", 'TIMEOUT');
    expect(r.stats.durationMs).toBeGreaterThanOrEqual(STRICT.timeoutMs - 50);
    expect(neverSignals[0]?.aborted).toBe(true);
  });
  it('CPU-bound work under the iteration budget ends with TIMEOUT (300 ms override)', async () => {
    // 999 sorts of 200,000 strings: ~50 ms each, far past the deadline, never past the iteration budget.
    const code = "const a = 'x'.repeat(200000).split('');\nlet n = 0;\nfor (let i = 0; i < 999; i++) { n += a.slice().sort().length; }\nreturn n;";
    await expectLimit(fast, code, 'TIMEOUT');
  });
});

describe('tool calls', () => {
  it('500 parallel tool calls end with MAX_TOOL_CALLS; at most 10 reach the handler', async () => {
    callsByTag.delete('p500');
    const code =
      "const ids = Array.from({ length: 500 }, (_, i) => i);\nconst r = await Promise.all(ids.map((id) => callTool('t:echo', { id, tag: 'p500' })));\nreturn r.length;";
    const r = await expectLimit(strict, code, 'MAX_TOOL_CALLS');
    expect(r.stats.toolCalls).toBeLessThanOrEqual(STRICT.maxToolCalls);
    expect(callsByTag.get('p500') ?? 0).toBeLessThanOrEqual(STRICT.maxToolCalls);
    expect(r.error?.line).toBe(2);
  });
  it('500 tool calls started in a loop without awaiting end with MAX_TOOL_CALLS', async () => {
    callsByTag.delete('loop500');
    const code =
      "const started = [];\nfor (let i = 0; i < 500; i++) { started.push(callTool('t:echo', { i, tag: 'loop500' })); }\nconst r = await Promise.all(started);\nreturn r.length;";
    await expectLimit(strict, code, 'MAX_TOOL_CALLS');
    expect(callsByTag.get('loop500') ?? 0).toBeLessThanOrEqual(STRICT.maxToolCalls);
  });
  it('500 calls through parallel() end with MAX_TOOL_CALLS', async () => {
    callsByTag.delete('par');
    const code =
      "const ids = [];\nfor (let i = 0; i < 500; i++) ids.push(i);\nconst r = await parallel(ids, (id) => callTool('t:echo', { id, tag: 'par' }));\nreturn r.length;";
    await expectLimit(strict, code, 'MAX_TOOL_CALLS');
    expect(callsByTag.get('par') ?? 0).toBeLessThanOrEqual(STRICT.maxToolCalls);
  });
  it('more than 10 sequential tool calls end with MAX_TOOL_CALLS', async () => {
    callsByTag.delete('seq');
    const r = await expectLimit(
      strict,
      "const out = [];\nfor (let i = 0; i < 11; i++) { out.push(await callTool('t:echo', { i, tag: 'seq' })); }\nreturn out.length;",
      'MAX_TOOL_CALLS',
    );
    expect(callsByTag.get('seq')).toBe(STRICT.maxToolCalls);
    expect(r.stats.toolCalls).toBe(STRICT.maxToolCalls);
    expect(r.error?.line).toBe(2);
  });
  it('exactly 10 sequential tool calls succeed', async () => {
    const r = await strict.run("const out = [];\nfor (let i = 0; i < 10; i++) { out.push(await callTool('t:echo', { i })); }\nreturn out.length;");
    expect(r).toMatchObject({ success: true, value: 10, stats: { toolCalls: 10 } });
  });
  it('MAX_TOOL_CALLS cannot be caught', async () => {
    await expectLimit(
      strict,
      "let n = 0;\nfor (let i = 0; i < 11; i++) { try { await callTool('t:echo', { i }); n++; } catch (e) { n--; } }\nreturn 'escaped ' + n;",
      'MAX_TOOL_CALLS',
    );
  });
});

describe('output and logs', () => {
  it('a huge result ends with OUTPUT_LIMIT', async () => {
    await expectLimit(strict, "const parts = [];\nfor (let i = 0; i < 300; i++) parts.push('x'.repeat(1000));\nreturn parts;", 'OUTPUT_LIMIT');
  });
  it('returning a huge tool result ends with OUTPUT_LIMIT', async () => {
    await expectLimit(strict, "const r = await callTool('t:big', {});\nreturn r;", 'OUTPUT_LIMIT');
  });
  it('a result just under the limit succeeds', async () => {
    const r = await strict.run("const parts = [];\nfor (let i = 0; i < 200; i++) parts.push('x'.repeat(1000));\nreturn parts;");
    expect(r.success).toBe(true);
  });
  it('too many console lines are capped and the script still succeeds', async () => {
    const t0 = performance.now();
    const [r, concurrent] = await Promise.all([strict.run("for (let i = 0; i < 500; i++) console.log('line ' + i);\nreturn 'done';"), strict.run(CLEAN)]);
    expect(performance.now() - t0).toBeLessThan(STRICT.timeoutMs + 1_000);
    expect(r).toMatchObject({ success: true, value: 'done' });
    expect(r.logs.length).toBeLessThanOrEqual(STRICT.maxLogCalls + 1);
    expect(r.logs[0]).toEqual({ level: 'log', message: 'line 0' });
    expect(r.logs.at(-1)?.message).toMatch(/truncated/);
    expect(concurrent).toMatchObject({ success: true, value: CLEAN_VALUE });
    expect(await strict.run(CLEAN)).toMatchObject({ success: true, value: CLEAN_VALUE });
  });
  it('console output is capped in bytes', async () => {
    const r = await strict.run("console.log('z'.repeat(100000));\nconsole.log('z'.repeat(100000));\nreturn 1;");
    expect(r).toMatchObject({ success: true, value: 1 });
    const total = r.logs.reduce((n, l) => n + l.message.length, 0);
    expect(total).toBeLessThanOrEqual(STRICT.maxLogBytes + 200);
  });
});

describe('limits cannot be caught', () => {
  const escapes: Array<[string, string]> = [
    ['try/catch', "try { for(;;){} } catch (e) {}\nreturn 'escaped';"],
    ['try/catch in a loop', "let n = 0;\nfor (let j = 0; j < 3; j++) { try { for(;;){ n++; } } catch (e) { n = -1; } }\nreturn 'escaped ' + n;"],
    ['try/finally with return', "try { for(;;){} } finally { return 'escaped'; }"],
    ['promise .catch', "const r = await Promise.resolve(1).then(() => { for(;;){} }).catch(() => 'escaped');\nreturn r;"],
    ['Promise.allSettled', "const rs = await Promise.allSettled([Promise.resolve(1).then(() => { for(;;){} })]);\nreturn 'escaped';"],
    ['callback in try', "try { [1, 2].forEach(() => { for(;;){} }); } catch (e) {}\nreturn 'escaped';"],
  ];
  for (const [name, code] of escapes) {
    it(`MAX_ITERATIONS through ${name}`, async () => {
      const r = await expectLimit(strict, code, 'MAX_ITERATIONS');
      expect(r.value).toBeUndefined();
    });
  }
  it('MEMORY_LIMIT through try/catch', async () => {
    await expectLimit(strict, "let s = 'x';\ntry { s = 'x'.repeat(1e9); } catch (e) { s = 'escaped'; }\nreturn s;", 'MEMORY_LIMIT');
  });
  it('MEMORY_LIMIT of accumulated allocations through try/catch', async () => {
    const code =
      "const keep = [];\nlet err = null;\ntry { for (let i = 0; i < 100; i++) { keep.push('y'.repeat(1e6) + i); } } catch (e) { err = String(e); }\nkeep.length = 0;\nreturn 'escaped: ' + err;";
    await expectLimit(strict, code, 'MEMORY_LIMIT');
  });
  it('TIMEOUT through try/finally (300 ms override)', async () => {
    await expectLimit(fast, "try { await callTool('t:never', {}); } finally { return 'escaped'; }", 'TIMEOUT');
  });
});

describe('cancellation', () => {
  it('an AbortSignal aborted while a tool call is pending gives CANCELLED and aborts the call', async () => {
    neverSignals.length = 0;
    const controller = new AbortController();
    const events: string[] = [];
    let abortedAt = 0;
    // Aborted once the handler holds the call.
    void waitFor(() => neverSignals.length === 1, { what: 't:never to be called' }).then(() => {
      abortedAt = performance.now();
      controller.abort();
    });
    await expectLimit(strict, "const a = 1;\nconst r = await callTool('t:never', { tag: 'cancel' });\nreturn r;", 'CANCELLED', {
      signal: controller.signal,
      onEvent: (e) => events.push(e.type),
    });
    // Catches a cancel that waits for the level's deadline (STRICT: 5 s) instead of ending the run.
    expect(performance.now() - abortedAt).toBeLessThan(STRICT.timeoutMs / 2);
    expect(neverSignals).toHaveLength(1);
    expect(neverSignals[0]!.aborted).toBe(true);
    expect(events).toContain('tool-call-start');
  });
  it('an AbortSignal aborted while the script computes gives CANCELLED promptly', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    // Aborted once the script says it is computing (console lines reach the host while it runs).
    const onEvent: RunOptions['onEvent'] = (e) => {
      if (e.type !== 'log' || abortedAt) return;
      abortedAt = performance.now();
      queueMicrotask(() => controller.abort());
    };
    const code =
      "console.log('computing');\nconst a = 'x'.repeat(200000).split('');\nlet n = 0;\nfor (let i = 0; i < 999; i++) { n += a.slice().sort().length; }\nreturn n;";
    await expectLimit(strict, code, 'CANCELLED', { signal: controller.signal, onEvent });
    // Catches a cancel that lets the loop run on to the level's deadline (STRICT: 5 s), which it would reach.
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(STRICT.timeoutMs / 2);
  });
  it('an already-aborted signal gives CANCELLED without running', async () => {
    const r = await strict.run("const r = await callTool('t:echo', { tag: 'pre' });\nreturn r;", { signal: AbortSignal.abort() });
    expect(r).toMatchObject({ success: false, error: { code: 'CANCELLED' }, stats: { toolCalls: 0 } });
    expect(callsByTag.get('pre')).toBeUndefined();
  });
  it('aborting after the script finished changes nothing', async () => {
    const controller = new AbortController();
    const r = await strict.run(CLEAN, { signal: controller.signal });
    controller.abort();
    expect(r).toMatchObject({ success: true, value: CLEAN_VALUE });
    expect(await strict.run(CLEAN)).toMatchObject({ success: true });
  });
});

describe('worker start-up', () => {
  it("a fresh Enclave's first script does not pay the worker start-up out of its own time limit", async () => {
    // The default pool: two workers start at once, which takes seconds on a loaded two-core machine; the 1 s
    // limit leaves room for the first instance's own work there, and none for the start-up.
    const fresh = new Enclave({ limits: { timeoutMs: 1000 } });
    try {
      const r = await fresh.run('return 1;');
      expect(r).toMatchObject({ success: true, value: 1 });
    } finally {
      await fresh.dispose();
    }
  });
});
