// The timing bounds of the linear-time tests rest on cpuTimed counting work and not waiting: both halves checked here.
import { describe, expect, it } from 'vitest';
import { cpuTimed } from './cpu-time.js';

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
