// The worker pool (runtime/pool.ts): one execution per worker; workers are added when every one is held by a long
// execution (a script waiting on tools or computing until its deadline), not for a queue of short scripts, which
// more threads than cores only slow down; workers beyond poolSize retire when idle; a killed worker ran nothing else.
import { afterEach, describe, expect, it } from 'vitest';
import { Enclave, type ToolHandler } from '../../src/enclave/index.js';

let enclave: Enclave | undefined;
afterEach(() => enclave?.dispose());

const waitFor = async (check: () => boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

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

  it('adds workers while every one is held by a long execution, one more than needed', async () => {
    const release: Array<() => void> = [];
    const hold: ToolHandler = () => new Promise((resolve) => release.push(() => resolve(true)));
    enclave = new Enclave({ poolSize: 2, toolHandler: hold });
    const held = Array.from({ length: 5 }, () => enclave!.run("return await callTool('a:hold', {});"));
    await waitFor(() => release.length === 5 && enclave!.stats.starting === 0 && enclave!.stats.workers >= 6);
    expect(enclave.stats).toMatchObject({ running: 5, queued: 0 });
    expect(enclave.stats.workers).toBe(6); // five held and a spare
    release.forEach((f) => f());
    expect((await Promise.all(held)).every((r) => r.success)).toBe(true);
  });

  it('never grows past maxWorkers: the rest waits in the queue and runs when a worker frees', async () => {
    const release: Array<() => void> = [];
    enclave = new Enclave({ poolSize: 1, maxWorkers: 2, toolHandler: () => new Promise((resolve) => release.push(() => resolve(1))) });
    const held = Array.from({ length: 4 }, () => enclave!.run("return await callTool('a:hold', {});"));
    await waitFor(() => release.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(enclave.stats).toMatchObject({ workers: 2, running: 2, queued: 2 });
    while (release.length > 0) release.shift()!();
    await waitFor(() => release.length === 2);
    release.forEach((f) => f());
    expect((await Promise.all(held)).every((r) => r.success)).toBe(true);
  });
});
