// The timing bounds of the linear-time tests (and the attacks' maxMs) rest on cpuTimed and cpuTimedAsync counting work
// and not waiting: both halves checked here.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { cpuTimed, cpuTimedAsync } from './cpu-time.js';

describe('cpuTimed', () => {
  it('counts work: a fixed loop costs CPU whatever the load, and no more than the wall time it took', () => {
    const started = performance.now();
    const { value, ms } = cpuTimed(() => {
      let sum = 0;
      for (let i = 0; i < 2_000_000; i++) sum = (sum + i * i) % 1_000_003;
      return sum;
    });
    const wall = performance.now() - started;
    expect(value).toBeGreaterThanOrEqual(0);
    expect(ms).toBeGreaterThan(5); // ~60 ms here, alone or beside six busy processes
    expect(ms).toBeLessThanOrEqual(wall + 5); // one thread: the clocks' granularity apart
  });

  it('does not count waiting: 200 ms blocked on Atomics.wait costs next to no CPU', () => {
    const { ms } = cpuTimed(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200));
    expect(ms).toBeLessThan(50);
  });

  it('refuses asynchronous work, whose CPU it cannot see', () => {
    expect(() => cpuTimed(async () => 1)).toThrow(TypeError);
  });
});

describe('cpuTimedAsync', () => {
  it("counts another thread's work until the promise settles (a sandbox worker's run, for the attacks' maxMs)", async () => {
    // A fixed loop (~120 ms of CPU), not a time: a loaded machine gives a busy-until-the-clock loop less CPU.
    const busy = "let n = 0; for (let i = 0; i < 4e6; i++) n = (n + i * i) % 1000003; require('node:worker_threads').parentPort.postMessage(n + 1);";
    const { value, ms } = await cpuTimedAsync(
      () => new Promise<number>((resolve) => new Worker(busy, { eval: true }).once('message', (n: number) => resolve(n))),
    );
    expect(value).toBeGreaterThan(0);
    expect(ms).toBeGreaterThan(50); // the worker's loop, and its start
  });

  it('does not count waiting: a 200 ms timer costs next to no CPU', async () => {
    const { ms } = await cpuTimedAsync(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(ms).toBeLessThan(50);
  });
});
