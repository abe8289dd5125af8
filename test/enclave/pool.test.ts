// The worker pool (runtime/pool.ts): one execution per worker; workers are added when every one is held by a long
// execution (a script waiting on tools or computing until its deadline), not for a queue of short scripts, which
// more threads than cores only slow down; workers beyond poolSize retire when idle; a killed worker ran nothing else.
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Enclave, type ToolHandler } from '../../src/enclave/index.js';
import { resolveLimits } from '../../src/enclave/levels.js';
import type { DoneMessage } from '../../src/enclave/runtime/messages.js';
import { type PoolJob, WorkerPool } from '../../src/enclave/runtime/pool.js';
import { WATCHDOG_GRACE_MS } from '../../src/enclave/runtime/watchdog-times.js';
import { waitFor } from '../wait-for.js';

let enclave: Enclave | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await enclave?.dispose();
});

/** The pool's one place that makes a thread (private): the tests below make it fail, or start slowly. */
type MakesWorkers = { newWorker(entry: string | URL, isEval: boolean): Worker };
const newWorker = () => vi.spyOn(WorkerPool.prototype as unknown as MakesWorkers, 'newWorker');

/** The pool's look for workers all held by long executions (private), run every CHECK_MS while anything runs. */
const growChecks = () => vi.spyOn(WorkerPool.prototype as unknown as { grow(): void }, 'grow');

/**
 * For runs held on a tool call while the test watches the pool: a deadline far past anything the test waits for. At
 * STRICT's 5 s, CI's loaded machine took longer than that to start four more threads (2.9 s here alone), two held runs
 * ended by TIMEOUT, and the test read 3 running where 5 were held.
 */
const HELD_LIMITS = { timeoutMs: 120_000 } as const;

describe('the worker pool', () => {
  it('serves a burst of short scripts with the workers it keeps (no thread per queued script)', async () => {
    enclave = new Enclave({ poolSize: 2 });
    await enclave.run('return 0');
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, enclave!.stats.workers)), 5);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => enclave!.run(`return ${i};`)));
    clearInterval(watch);
    expect(results.every((r, i) => r.success && r.value === i)).toBe(true);
    // Two, or a few more if a loaded machine held both workers past LONG_MS; a thread per queued script would be dozens.
    expect(most).toBeLessThanOrEqual(4);
  });

  it('sends a run to the worker freed last, the warm one: sequential runs stay on one worker', async () => {
    const dispatch = vi.spyOn(WorkerPool.prototype as unknown as { dispatch(slot: { worker: Worker }, job: unknown): void }, 'dispatch');
    enclave = new Enclave({ poolSize: 2 });
    enclave.warm();
    await waitFor(() => enclave!.stats.workers === 2 && enclave!.stats.starting === 0, { what: 'both workers ready' });
    await enclave.run('return 0'); // after both said ready: the worker freed last is now one that ran
    dispatch.mockClear();
    for (let i = 0; i < 10; i++) expect((await enclave.run(`return ${i};`)).value).toBe(i);
    const threads = dispatch.mock.calls.map(([slot]) => slot.worker.threadId);
    expect(threads).toHaveLength(10);
    // Taking the worker idle longest instead alternates between the two.
    expect(new Set(threads).size).toBe(1);
  });

  it('gives the next run to another worker while the last one prepares a new sandbox (its run grew the memory)', async () => {
    const dispatch = vi.spyOn(WorkerPool.prototype as unknown as { dispatch(slot: { worker: Worker }, job: unknown): void }, 'dispatch');
    enclave = new Enclave({ poolSize: 2, securityLevel: 'SECURE' }); // 32 MB: an instance starts with 16
    enclave.warm();
    await waitFor(() => enclave!.stats.workers === 2 && enclave!.stats.starting === 0, { what: 'both workers ready' });
    await enclave.run('return 0;');
    dispatch.mockClear();
    const grow = "const keep = [];\nfor (let i = 0; i < 40; i++) keep.push('x'.repeat(500000) + i);\nreturn keep.length;";
    expect((await enclave.run(grow)).value).toBe(40);
    expect((await enclave.run('return 1;')).value).toBe(1);
    expect((await enclave.run('return 2;')).value).toBe(2);
    const [grew, next, then] = dispatch.mock.calls.map(([slot]) => slot.worker.threadId);
    expect(next).not.toBe(grew); // without the done's sandboxKept, the worker freed last (grew) would take it
    expect(then).toBe(next); // and from there the warm one again
  });

  it("asks a run to say 'started' once it starts a tenth of the grace late: a quick start keeps nine tenths of it", async () => {
    const { Worker } = await import('node:worker_threads');
    enclave = new Enclave({ poolSize: 1 });
    await enclave.run('return 0;'); // a warm worker: the run below is sent and done within milliseconds
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    const before = Date.now();
    expect((await enclave.run('return 1;')).success).toBe(true);
    const after = Date.now();
    const sent = posted.mock.calls.map(([m]) => m as { type?: string; startedAfter?: number }).find((m) => m.type === 'run');
    expect(sent?.startedAfter).toBeGreaterThanOrEqual(before + WATCHDOG_GRACE_MS / 10);
    // Half the grace (250 ms) left a long native call too little time to end past its deadline by itself.
    expect(sent?.startedAfter).toBeLessThanOrEqual(after + WATCHDOG_GRACE_MS / 10);
  });

  it('adds workers while every one is held by a long execution, one more than needed', async () => {
    const release: Array<() => void> = [];
    const hold: ToolHandler = () => new Promise((resolve) => release.push(() => resolve(true)));
    enclave = new Enclave({ poolSize: 2, toolHandler: hold, limits: HELD_LIMITS });
    const held = Array.from({ length: 5 }, () => enclave!.run("return await callTool('a:hold', {});"));
    await waitFor(() => release.length === 5 && enclave!.stats.starting === 0 && enclave!.stats.workers >= 6, { what: 'six workers, five held' });
    expect(enclave.stats).toMatchObject({ running: 5, queued: 0 });
    expect(enclave.stats.workers).toBe(6); // five held and a spare
    release.forEach((f) => f());
    expect((await Promise.all(held)).every((r) => r.success)).toBe(true);
  });

  it('never grows past maxWorkers: the rest waits in the queue and runs when a worker frees', async () => {
    const release: Array<() => void> = [];
    const checks = growChecks();
    const toolHandler: ToolHandler = () => new Promise((resolve) => release.push(() => resolve(1)));
    enclave = new Enclave({ poolSize: 1, maxWorkers: 2, toolHandler, limits: HELD_LIMITS });
    const held = Array.from({ length: 4 }, () => enclave!.run("return await callTool('a:hold', {});"));
    await waitFor(() => release.length === 2, { what: 'two scripts holding both workers' });
    // Four more looks, at least CHECK_MS (50 ms) apart, come after both were held past LONG_MS (100 ms): each was a
    // chance to grow that a pool without the bound would have taken (maxWorkers: 3 here makes this fail).
    const seen = checks.mock.calls.length;
    await waitFor(() => checks.mock.calls.length >= seen + 4, { what: 'the pool to look four times for long-held workers' });
    expect(enclave.stats).toMatchObject({ workers: 2, running: 2, queued: 2 });
    while (release.length > 0) release.shift()!();
    await waitFor(() => release.length === 2, { what: 'the two queued scripts to hold the workers' });
    release.forEach((f) => f());
    expect((await Promise.all(held)).every((r) => r.success)).toBe(true);
  });

  it('answers INTERNAL_ERROR when no thread can be made, and serves again once one can', async () => {
    const spy = newWorker().mockImplementation(() => {
      throw new Error('ERR_WORKER_INIT_FAILED (simulated: the host is out of threads)');
    });
    enclave = new Enclave({ poolSize: 1 });
    const refused = await enclave.run('return 1;');
    expect(refused.success).toBe(false);
    expect(refused.error).toMatchObject({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/No sandbox worker could be started/) });
    spy.mockRestore();
    expect(await enclave.run('return 2;')).toMatchObject({ success: true, value: 2 });
  });

  it('a worker that frees takes the job promised to one still starting (a slow start holds nobody up)', async () => {
    // The first worker starts as usual; any later one takes 20 s to start.
    const real = (WorkerPool.prototype as unknown as MakesWorkers).newWorker;
    let made = 0;
    newWorker().mockImplementation(function (this: WorkerPool, entry, isEval) {
      const slow = made++ > 0;
      expect(isEval).toBe(true); // from source, the entry is a bootstrap script that can be wrapped
      return real.call(this, slow ? `setTimeout(() => { ${String(entry)} }, 20000);` : entry, isEval);
    });
    let release = (): void => undefined;
    const held = new Promise<number>((resolve) => (release = () => resolve(1)));
    enclave = new Enclave({ poolSize: 1, maxWorkers: 2, toolHandler: () => held, limits: HELD_LIMITS });
    await enclave.run('return 0;');
    const long = enclave.run("return await callTool('a:wait', {});");
    // Held past LONG_MS, the only worker makes the pool start a second one: the slow one.
    await waitFor(() => enclave!.stats.starting === 1, { what: 'a second worker to be starting' });
    const short = enclave.run('return 2;');
    expect(enclave.stats.queued).toBe(1); // promised to the starting worker
    release();
    expect(await long).toMatchObject({ success: true, value: 1 });
    expect(await short).toMatchObject({ success: true, value: 2 });
    expect(enclave.stats.starting).toBe(1); // the slow worker had not started: the first one ran it
  });

  it('when a killed worker cannot be replaced, the scripts waiting for it fail at once instead of waiting forever', async () => {
    const real = (WorkerPool.prototype as unknown as MakesWorkers).newWorker;
    let made = 0;
    newWorker().mockImplementation(function (this: WorkerPool, entry, isEval) {
      if (made++ > 0) throw new Error('ERR_WORKER_INIT_FAILED (simulated)');
      return real.call(this, entry, isEval);
    });
    enclave = new Enclave({ securityLevel: 'PERMISSIVE', poolSize: 1, maxWorkers: 1 });
    // The one worker this pool may make, up at PERMISSIVE's own deadline: under CI's load a 500 ms deadline once
    // ended this first run by force, and the killed worker could not be replaced before the test began.
    expect(await enclave.run('return 0;')).toMatchObject({ success: true, value: 0 });
    // QuickJS compiles the variables of one function in quadratic time and cannot be interrupted while it does:
    // 20,000 declarations take seconds, so only the watchdog ends this one, by terminating its worker.
    const code = `let v = 0;\n${Array.from({ length: 20_000 }, (_, i) => `const a${i} = v + ${i};`).join('\n')}\nreturn v;`;
    const slow = enclave.run(code, { limits: { timeoutMs: 500 } });
    const waiting = enclave.run('return 2;');
    expect((await slow).error).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/by force/) });
    expect((await waiting).error).toMatchObject({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/No sandbox worker could be started/) });
    expect(enclave.stats).toMatchObject({ workers: 0, queued: 0 });
  });
});

/** Starts the pool's workers from their source (an eval'd bootstrap) with `prefix` run first: a way into a real worker. */
function workersWith(prefix: string): void {
  const real = (WorkerPool.prototype as unknown as MakesWorkers).newWorker;
  newWorker().mockImplementation(function (this: WorkerPool, entry, isEval) {
    expect(isEval).toBe(true);
    return real.call(this, `${prefix}\n${String(entry)}`, isEval);
  });
}

/**
 * Every WebAssembly.Memory a worker makes (one per sandbox made) takes `ms` longer, as a loaded machine makes it
 * (0.1–0.3 s quiet, over 1.3 s under CI's load).
 */
const slowSandboxes = (ms: number): string => `{ const Real = WebAssembly.Memory; const nap = new Int32Array(new SharedArrayBuffer(4));
  const Slow = function Memory(descriptor) { Atomics.wait(nap, 0, 0, ${ms}); return new Real(descriptor); };
  Slow.prototype = Real.prototype;
  WebAssembly.Memory = Slow; }`;

/** The worker's thread blocks for `ms` as it sends a tool call: a script stuck where its own deadline cannot reach it. */
const stuckOnToolCalls = (ms: number): string => `{ const { MessagePort } = require('node:worker_threads');
  const post = MessagePort.prototype.postMessage; const nap = new Int32Array(new SharedArrayBuffer(4));
  MessagePort.prototype.postMessage = function (message, ...rest) {
    if (message && message.type === 'tool-call') Atomics.wait(nap, 0, 0, ${ms});
    return post.call(this, message, ...rest);
  }; }`;

describe('a sandbox slow to make is no part of the deadline', () => {
  const MB = 1024 * 1024;

  it('a fresh worker, and a run of a memory size not made yet, still run their scripts under a 300 ms deadline', async () => {
    workersWith(slowSandboxes(1_500)); // past the 300 + 500 ms watchdog: before, each run below ended by force
    enclave = new Enclave({ poolSize: 1, maxWorkers: 1, limits: { timeoutMs: 300, maxIterations: 1e9 } });
    // The worker's first sandbox (STRICT's) and then this level's: seconds before the script starts.
    expect(await enclave.run('return 1 + 1;')).toMatchObject({ success: true, value: 2 });
    expect(await enclave.run('return 2;', { limits: { memoryBytes: 8 * MB } })).toMatchObject({ success: true, value: 2 });
    // Once the script runs, its deadline holds as before: it stops itself at 300 ms, before the watchdog would.
    const r = await enclave.run('for (let i = 0; i < 1e12; i++) {}\nreturn 1;', { limits: { memoryBytes: 12 * MB } });
    expect(r.error?.code).toBe('TIMEOUT');
    expect(r.error?.message).not.toMatch(/by force/);
    // The sandbox it made for 8 MB, reset after its run, serves the next run of that size.
    expect(await enclave.run('return 3;', { limits: { memoryBytes: 8 * MB } })).toMatchObject({ success: true, value: 3 });
  }, 60_000);

  it('a script stuck after its sandbox was made still ends at its deadline and the grace, not 30 s later', async () => {
    workersWith(`${slowSandboxes(1_500)}\n${stuckOnToolCalls(8_000)}`);
    enclave = new Enclave({ securityLevel: 'PERMISSIVE', poolSize: 1, maxWorkers: 1, toolHandler: async () => 1 });
    expect(await enclave.run('return 0;')).toMatchObject({ success: true, value: 0 });
    // A memory size not made yet ('preparing': the watchdog allows 30 s), then a thread stuck for 8 s: only the
    // watchdog armed again at 'started' (500 + 500 ms) ends it; without that it would end by itself, 8 s later.
    const t0 = performance.now();
    const r = await enclave.run("return await callTool('a:b', {});", { limits: { timeoutMs: 500, memoryBytes: 8 * MB } });
    expect(r.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/by force/) });
    expect(performance.now() - t0).toBeLessThan(20_000); // ~2.5 s (1.5 s to make, then 500 + 500 ms); not 30 s
  }, 60_000);

  it('a run whose sandbox takes longer than the pool allows ends with INTERNAL_ERROR, saying the host is overloaded', async () => {
    workersWith(slowSandboxes(3_000));
    const pool = new WorkerPool({ size: 1, maxWorkers: 1, maxQueue: 4, graceMs: 500, prepareMs: 1_000 });
    try {
      await waitFor(() => pool.stats.starting === 0, { what: 'the worker to make its first sandbox', timeoutMs: 30_000 });
      // A memory size it has not made: 3 s to make, against 1 s allowed.
      const limits = { ...resolveLimits('STANDARD'), timeoutMs: 60_000, memoryBytes: 8 * MB };
      const done = await new Promise<DoneMessage>((resolve) => {
        const job: PoolJob = {
          ...{ id: 1, code: 'return 1;', level: 'STANDARD', limits, globals: '{}', globalNames: [] },
          ...{ onToolCall: () => {}, onToolCancel: () => {}, onLog: () => {}, onDone: resolve },
        };
        pool.submit(job);
      });
      expect(done).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR', message: expect.stringMatching(/within 1 s: the host is overloaded/) } });
    } finally {
      await pool.dispose();
    }
  }, 60_000);
});
