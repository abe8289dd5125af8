// The floor of any call across threads, measured in the run that reports figures beside it: a bare MessagePort
// round trip to a worker thread that posts each message back (every tool call from a script makes this trip once).
import { Worker } from 'node:worker_threads';

/** Round trips of a small message to a worker thread that posts it back: the floor of any call across threads. */
export async function portRoundTrips(n: number): Promise<number[]> {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", {
    eval: true,
  });
  const message = { type: 'tool-call', id: 1, callId: 1, name: 'bench:echo', args: '{"i":1}' };
  const once = (): Promise<unknown> =>
    new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(message);
    });
  const samples: number[] = [];
  for (let i = 0; i < n + 500; i++) {
    const t = performance.now();
    await once();
    if (i >= 500) samples.push(performance.now() - t);
  }
  await worker.terminate();
  return samples;
}
