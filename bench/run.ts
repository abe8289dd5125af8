// `npm run bench`: end-to-end figures for the enclave on this machine, with a bare node:vm run of the
// same script measured in the same process as the baseline. Prints Markdown tables.
import { cpus } from 'node:os';
import vm from 'node:vm';
import { Enclave, resolveLimits } from '../src/enclave/index.js';
import { compile } from '../src/enclave/pipeline.js';
import { benchBridge } from './bridge.js';
import { benchBrowser } from './browser.js';
import { benchHttpLoad } from './http-load.js';
import { benchReplicas } from './replicas.js';
import { benchResponsiveness } from './responsiveness.js';
import { summarize, table } from './stats.js';

const SEQ = Number(process.env.BENCH_N ?? 2000);
const echo = async (_name: string, args: object): Promise<unknown> => args;

async function timeRuns(enclave: Enclave, code: string, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await enclave.run(code);
    samples.push(performance.now() - t);
    if (!r.success) throw new Error(`bench script failed: ${JSON.stringify(r.error)}`);
  }
  return samples;
}

async function main(): Promise<void> {
  console.log(`enclave-mcp benchmark — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const enclave = new Enclave({ toolHandler: echo, securityLevel: 'STRICT', limits: { maxToolCalls: 1000, maxIterations: 10_000 } });
  await timeRuns(enclave, 'return 1 + 1', 300); // start workers, warm instances and the JIT

  // 1. Latency of the smallest script, end to end (all six stages, the worker hop both ways).
  const e2e = summarize(await timeRuns(enclave, 'return 1 + 1', SEQ));
  const limits = resolveLimits('STRICT');
  const stage = summarize(
    Array.from({ length: SEQ }, () => {
      const t = performance.now();
      compile({ code: 'return 1 + 1', level: 'STRICT', limits });
      return performance.now() - t;
    }),
  );
  const vmSamples: number[] = [];
  for (let i = 0; i < SEQ + 300; i++) {
    const t = performance.now();
    const ctx = vm.createContext({});
    const v = vm.runInContext('1 + 1', ctx) as number;
    if (i >= 300) vmSamples.push(performance.now() - t);
    if (v !== 2) throw new Error('vm baseline broken');
  }
  const vmStats = summarize(vmSamples);
  table(`Latency of run('return 1 + 1'), ${SEQ} sequential runs (ms)`, [
    { what: 'enclave.run end to end', p50: e2e.p50, p95: e2e.p95, mean: e2e.mean },
    { what: '  of which stages 1–4 (in the worker)', p50: stage.p50, p95: stage.p95, mean: stage.mean },
    { what: 'baseline: fresh node:vm context + run', p50: vmStats.p50, p95: vmStats.p95, mean: vmStats.mean },
    { what: 'ratio enclave / node:vm (p50)', p50: e2e.p50 / vmStats.p50, p95: e2e.p95 / vmStats.p95, mean: e2e.mean / vmStats.mean },
  ]);

  // 2. Overhead per tool call: 200 sequential calls to a handler that answers at once, minus the same loop without calls.
  const CALLS = 200;
  const withCalls = `let s = 0; for (let i = 0; i < ${CALLS}; i++) { const r = await callTool('bench:echo', { i }); s += r.i; } return s;`;
  const without = `let s = 0; for (let i = 0; i < ${CALLS}; i++) { const r = { i }; s += r.i; } return s;`;
  const a = summarize(await timeRuns(enclave, withCalls, 100));
  const b = summarize(await timeRuns(enclave, without, 100));
  table(`Overhead per tool call (${CALLS} sequential calls to an in-process handler; ms)`, [
    { what: 'script with calls (p50)', value: a.p50 },
    { what: 'same loop without calls (p50)', value: b.p50 },
    { what: 'per call: (with − without) / calls', value: (a.p50 - b.p50) / CALLS },
  ]);

  // 3. Throughput with 16 executions in flight.
  const TOTAL = Math.max(2000, SEQ);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < TOTAL) {
        const r = await enclave.run('return 1 + 1');
        if (!r.success) throw new Error('throughput run failed');
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  // 4. Memory per in-flight execution: 64 scripts parked on a tool call that answers later.
  const release: Array<() => void> = [];
  // Each parked execution holds a worker of its own; the pool starts them as the first ones stay busy, so the
  // deadline is long enough for all 64 to be parked before any is released.
  const parked = new Enclave({ toolHandler: () => new Promise((r) => release.push(() => r({ ok: true }))), maxWorkers: 64, limits: { timeoutMs: 120_000 } });
  await parked.run('return 1');
  global.gc?.();
  const before = process.memoryUsage().rss;
  const PARKED = 64;
  const runs = Array.from({ length: PARKED }, () => parked.run("const r = await callTool('bench:wait', {}); return r.ok;"));
  while (release.length < PARKED) await new Promise((r) => setTimeout(r, 10));
  const during = process.memoryUsage().rss;
  release.forEach((f) => f());
  const results = await Promise.all(runs);
  if (!results.every((r) => r.success)) throw new Error('parked runs failed');
  table('Throughput and memory', [
    { what: 'executions per second, 16 in flight', value: TOTAL / secs },
    { what: `RSS per in-flight execution (${PARKED} parked on a tool call, each on a worker of its own), MB`, value: (during - before) / PARKED / 2 ** 20 },
  ]);
  await parked.dispose();
  await enclave.dispose();

  // 5. The main thread while maximum-size hostile scripts are checked and run, at each level.
  await benchResponsiveness();

  // 6. The tool bridge against a direct SDK client call to the same kind of server.
  await benchBridge();

  // 7. The whole product under load: HTTP sessions, concurrent scripts, real downstream calls.
  await benchHttpLoad();

  // 8. Three --stateless replicas behind nginx, one killed mid-load (also alone: npm run bench:replicas).
  await benchBrowser();
  await benchReplicas();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
