// budget.js: one iteration budget for loops and every callback a built-in calls, counted exactly once; limits
// that no catch or finally block outlives; a `null` the engine throws when out of memory is a limit too.
import { describe, expect, it } from 'vitest';
import { codeOf, runInSandbox, valueOf } from './harness.js';

const iterations = async (code: string, level: 'STRICT' | 'STANDARD' = 'STRICT'): Promise<number> => {
  const run = await runInSandbox(code, { level });
  valueOf(run);
  return run.done.iterations;
};

describe('counting', () => {
  it('charges a built-in callback once per call (arr.map(Math.abs))', async () => {
    expect(await iterations('return new Array(300).fill(-1).map(Math.abs).length;')).toBe(300);
  });
  it('charges a script arrow called by a built-in once, not twice', async () => {
    expect(await iterations('return new Array(300).fill(1).map((x) => x + 1).length;')).toBe(300);
  });
  it('charges nested callbacks each', async () => {
    expect(await iterations('return [1, 2].map((x) => [1, 2, 3].map((y) => x * y));')).toBe(2 + 6);
  });
  it('charges an arrow that a default parameter calls inside a counted callback', async () => {
    // The callback's credit goes to the first arrow entered (g); the callback then charges itself.
    expect(await iterations('const g = () => 1;\nreturn [5, 6].map((x, i, a, d = g()) => x + d);', 'STANDARD')).toBe(2 + 2);
  });
  it('ends a run whose built-in callbacks exceed the budget, with MAX_ITERATIONS', async () => {
    expect(codeOf(await runInSandbox('return new Array(2e5).fill(-1).map(Math.abs).length;'))).toBe('MAX_ITERATIONS');
  });
});

describe('limits are fatal', () => {
  it('a raw endless loop (no transform, no guard) still ends at the deadline', async () => {
    const run = await runInSandbox('try { for (;;) {} } catch (e) { return "caught"; } finally { return "finally"; }', {
      raw: true,
      limits: { timeoutMs: 300 },
    });
    expect(codeOf(run)).toBe('TIMEOUT');
  });
  it('MAX_ITERATIONS cannot be caught, nor outlived by finally', async () => {
    const run = await runInSandbox("try { for (;;) {} } catch (e) { return 'caught'; } finally { return 'finally'; }");
    expect(codeOf(run)).toBe('MAX_ITERATIONS');
  });
  it('the engine out of memory inside try/finally ends the run, it does not return', async () => {
    const run = await runInSandbox("try { [...'x'.repeat(8e6)]; } finally { return 'survived'; }");
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
  });
  it('the engine out of memory in a promise rejection handler ends the run', async () => {
    const run = await runInSandbox("const p = Promise.resolve(1).then(() => [...'x'.repeat(8e6)]);\nreturn await p.catch(() => 'swallowed');");
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
  });
  it("a script's own `throw null` is still an ordinary exception while memory is not full", async () => {
    expect(valueOf(await runInSandbox('try { throw null; } catch (e) { return e === null; }'))).toBe(true);
  });
});

describe('the engine throwing null when it cannot even build its out-of-memory error', () => {
  // Without the guard (raw), the null is caught like any value: what the issue found.
  const FILL = 'const keep = [];\ntry { for (let i = 0; i < 1e9; i++) keep.push([i]); } catch (e) { return e === null ? "caught null" : "caught " + e; }';
  it('is caught as an ordinary null by raw code that has no guard (the finding)', async () => {
    const run = await runInSandbox(FILL, { raw: true, limits: { timeoutMs: 20_000 } });
    // The catch block itself may run out of memory again; either way the script saw null, not a limit.
    expect(run.done.ok ? valueOf(run) : run.done.error?.message).toMatch(/null/);
  });
  it('ends the run with MEMORY_LIMIT when the guard sees it', async () => {
    const run = await runInSandbox(FILL, { limits: { maxIterations: 1e8, timeoutMs: 20_000 } });
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
  });
});
