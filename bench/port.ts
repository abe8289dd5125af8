// The floor of any call across threads, measured in the run that reports figures beside it: a bare MessagePort
// round trip to a worker thread that posts each message back (every tool call from a script makes this trip once).
// On a VM it depends on whether the other vCPU is awake (0.011 ms when busy, ~0.07 ms when it has to be woken), so a
// section measures it in the same moments as what it compares with it.
import { Worker } from 'node:worker_threads';

export class PortEcho {
  private readonly worker = new Worker(
    "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));",
    { eval: true },
  );
  private readonly message = { type: 'tool-call', id: 1, callId: 1, name: 'bench:echo', args: '{"i":1}' };

  private once(): Promise<unknown> {
    return new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage(this.message);
    });
  }

  /** `n` timed round trips (ms), after `warm` untimed ones. */
  async roundTrips(n: number, warm = 0): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < warm + n; i++) {
      const t = performance.now();
      await this.once();
      if (i >= warm) samples.push(performance.now() - t);
    }
    return samples;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Round trips of a small message to a worker thread that posts it back: the floor of any call across threads. */
export async function portRoundTrips(n: number): Promise<number[]> {
  const echo = new PortEcho();
  try {
    return await echo.roundTrips(n, 500);
  } finally {
    await echo.close();
  }
}

/**
 * Round trips to the echo worker after it slept for each of `idleMs` while this thread stayed busy (a busy-wait, so
 * only the worker's side sleeps): what waking a thread costs as a function of how long it slept. On a VM a vCPU with
 * nothing to run halts; the host keeps polling for a while before it takes the vCPU off its core, and waking one
 * after that costs more. A tool call wakes the main thread and then the script's worker; the first call of a run
 * wakes a main thread that slept through the script's start.
 */
export async function roundTripsAfterIdle(idleMs: readonly number[], n: number): Promise<Map<number, number[]>> {
  const echo = new PortEcho();
  try {
    await echo.roundTrips(0, 500);
    const samples = new Map<number, number[]>();
    // A block per length of sleep, not interleaved: each regime (kept polling, taken off its core) settles first.
    for (const ms of idleMs) {
      const block: number[] = [];
      for (let i = 0; i < n + 50; i++) {
        const until = performance.now() + ms;
        while (performance.now() < until); // busy: this thread must not sleep, only the worker
        const [rtt] = await echo.roundTrips(1);
        if (i >= 50 && rtt !== undefined) block.push(rtt);
      }
      samples.set(ms, block);
    }
    return samples;
  } finally {
    await echo.close();
  }
}
