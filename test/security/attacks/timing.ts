// Technique: time and scheduling: clocks and timers by other names, the clock the deadline reads, a deadline
// reached while waiting on a tool (with a finally block behind it), concurrency hints parallel() must not
// trust, concurrent calls past the call budget, a parallel() whose input grows while it runs, and a native loop
// that no iteration counts, which only the deadline can stop.
import type { ExecutionResult } from '../../../src/enclave/index.js';
import type { Attack } from './types.js';

/** A tool that answers after `ms`, recording how many of its calls were in flight at once. */
function slowTool(ms: number): { result: () => Promise<unknown>; maxInFlight: () => number } {
  let now = 0;
  let most = 0;
  return {
    result: async () => {
      most = Math.max(most, ++now);
      await new Promise((resolve) => setTimeout(resolve, ms));
      now--;
      return { ok: true };
    },
    maxInFlight: () => {
      const m = most;
      most = 0;
      return m;
    },
  };
}

const hinted = slowTool(20);

/** A tool that answers after 8 s (its timer does not hold the test process), and whether it has answered. */
const sleeper = (() => {
  let done = false;
  return {
    result: () =>
      new Promise((resolve) => {
        setTimeout(() => {
          done = true;
          resolve({ late: true });
        }, 8_000).unref();
      }),
    answered: () => done,
  };
})();

export const timing: Attack[] = [
  // A high-resolution clock and the timer APIs a host may define, besides setTimeout and queueMicrotask.
  {
    name: 'performance and the other timer APIs',
    code: `return [typeof performance, typeof setInterval, typeof setImmediate, typeof requestAnimationFrame, typeof MessageChannel]`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // Freeze the clock the deadline check reads (through Object.assign, which the validator does not see as an assignment).
  {
    name: 'replace Date.now to freeze the deadline clock',
    level: 'STANDARD',
    code: `const frozen = () => 0;\nObject.assign(Date, { now: frozen });\nfor (;;) {}`,
    expect: { codes: ['RUNTIME_ERROR', 'MAX_ITERATIONS'] },
    after: { code: `return Date.now() > 1e12`, expect: { value: true } },
  },
  // The deadline passes while the script waits on a tool; its finally block must not run another call, and the run
  // must end at its deadline, not when the tool answers.
  {
    name: 'deadline while awaiting a slow tool, then a call in finally',
    limits: { timeoutMs: 1_000 },
    slow: true,
    code: `try { await callTool('evil:slow', {}) } catch (e) { return 'caught' } finally { await callTool('evil:after', {}) }`,
    toolResult: (name) => (name === 'evil:slow' ? sleeper.result() : { ok: true }),
    expect: { codes: ['TIMEOUT'] },
    check: (r: ExecutionResult) =>
      sleeper.answered()
        ? 'the run waited for the slow tool past its deadline'
        : r.stats.toolCalls <= 1
          ? null
          : `${r.stats.toolCalls} tool calls: the finally block called out after the deadline`,
  },
  // Concurrency hints that are not usable numbers (a string, Infinity, NaN, an object): parallel() keeps the level's cap.
  {
    name: 'parallel concurrency hints that are not numbers',
    level: 'STANDARD',
    code: `const vo = () => 1000;\nconst hints = ['1000', Infinity, NaN, { valueOf: vo }];\nconst done = [];\nfor (const concurrency of hints) {\n  const r = await parallel(new Array(25).fill(0), () => callTool('evil:slow', {}), { concurrency });\n  done.push(r.length);\n}\nreturn done`,
    toolResult: hinted.result,
    expect: { value: [25, 25, 25, 25] },
    check: () => {
      const most = hinted.maxInFlight();
      return most <= 20 ? null : `${most} calls in flight at once, past STANDARD's cap of 20`;
    },
  },
  // Eleven calls started at once through Promise.all (no parallel() to cap them): the eleventh never reaches the host.
  {
    name: 'concurrent calls past the tool-call limit',
    code: `const calls = [];\nfor (let i = 0; i < 11; i++) calls.push(callTool('evil:data', { i }));\nreturn (await Promise.all(calls)).length`,
    expect: { codes: ['MAX_TOOL_CALLS'] },
    check: (r) => (r.stats.toolCalls <= 10 ? null : `${r.stats.toolCalls} calls reached the host`),
  },
  // parallel() over an array its own callback keeps growing.
  {
    name: 'parallel over an array that grows while it runs',
    code: `const items = [1];\nconst r = await parallel(items, (x) => { items.push(x); return x });\nreturn r.length`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // A native loop only the deadline can stop: an iterator whose `next` is a built-in (Array.of answers a fresh []
  // forever), skipped by drop(Infinity), charges no iteration; the engine must be interrupted at the deadline.
  {
    name: 'iterator drop(Infinity) over a built-in next',
    limits: { timeoutMs: 1_000 },
    slow: true,
    code: `const it = { next: Array.of };\nreturn [].values().drop.call(it, Infinity).next()`,
    expect: { codes: ['TIMEOUT', 'MAX_ITERATIONS'] },
  },
];
