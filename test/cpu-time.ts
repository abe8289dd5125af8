// A bound on how long a synchronous function takes is a bound on its work, so tests measure it in this process's CPU
// time, not on the wall. The wall also counts the turns the two cores give to the other test file, its sandbox
// workers, the downstream servers and Chromium, all running at once under CI: there a 93 ms pass (cold, alone) read
// 480 ms on the wall. Vitest runs each test file in a process of its own (pool: 'forks' in vitest.config.ts), so
// during a synchronous call this process's CPU is that call's work, its garbage collection included.

/** `work`'s value, and the milliseconds of CPU (user + system) this process spent in it. `work` must be synchronous. */
export function cpuTimed<T>(work: () => T): { value: T; ms: number } {
  const before = process.cpuUsage();
  const value = work();
  const spent = process.cpuUsage(before);
  if (value instanceof Promise) throw new TypeError('cpuTimed measures synchronous work; this returned a promise');
  return { value, ms: (spent.user + spent.system) / 1000 };
}

/**
 * `work`'s value, and the milliseconds of CPU this process spent until it settled: every thread's, so a sandbox
 * worker's run counts with the host's. Only a measure of `work` when nothing else in this process works meanwhile
 * (one run at a time, its worker already started).
 */
export async function cpuTimedAsync<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const spent = process.cpuUsage(before);
  return { value, ms: (spent.user + spent.system) / 1000 };
}
