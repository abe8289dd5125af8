// The enclave as users feel it: scripts with no, one and ten tool calls to an in-process handler, sequential and
// 16 in flight, beside two baselines measured in the same process (a fresh node:vm context running the same
// expression, and a bare MessagePort round trip to a worker thread, the hop every call makes twice), and memory per
// parked execution and per idle worker. Goals from issue 12 are printed beside the figures.
import vm from 'node:vm';
import { Enclave, resolveLimits } from '../src/enclave/index.js';
import { compile } from '../src/enclave/pipeline.js';
import { portRoundTrips, roundTripsAfterIdle } from './port.js';
import { summarize, table } from './stats.js';

const SEQ = Number(process.env.BENCH_N ?? 2000);
const echo = async (_name: string, args: object): Promise<unknown> => args;

const SCRIPTS = {
  none: 'return 1 + 1',
  one: "const r = await callTool('bench:echo', { i: 1 });\nreturn r.i;",
  ten: "let s = 0;\nfor (let i = 0; i < 10; i++) {\n  const r = await callTool('bench:echo', { i });\n  s += r.i;\n}\nreturn s;",
};

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

function vmRuns(n: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < n + 300; i++) {
    const t = performance.now();
    const v = vm.runInContext('1 + 1', vm.createContext({})) as number;
    if (i >= 300) samples.push(performance.now() - t);
    if (v !== 2) throw new Error('vm baseline broken');
  }
  return samples;
}

async function throughput(enclave: Enclave, code: string, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < total) {
        const r = await enclave.run(code);
        if (!r.success) throw new Error('throughput run failed');
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

const mb = (bytes: number): number => bytes / 2 ** 20;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * RSS per worker of a pool kept started while idle, each with its sandbox prepared; then again once every worker has
 * served runs (and reset its sandbox after each), as a worker stays between executions.
 */
async function workerMemory(workers: number): Promise<{ idle: number; served: number }> {
  global.gc?.();
  await settle(200);
  const before = process.memoryUsage().rss;
  const pool = new Enclave({ poolSize: workers, maxWorkers: workers });
  pool.warm();
  while (pool.stats.workers < workers || pool.stats.starting > 0) await settle(20);
  await settle(1000); // each worker prepares its first sandbox once started
  const idle = process.memoryUsage().rss;
  for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 2 * workers }, () => pool.run(SCRIPTS.none)));
  await settle(500);
  const served = process.memoryUsage().rss;
  await pool.dispose();
  return { idle: (idle - before) / workers, served: (served - before) / workers };
}

/** RSS per execution parked on a tool call that answers later (each holds a worker of its own). */
async function parkedMemory(count: number): Promise<number> {
  const release: Array<() => void> = [];
  const parked = new Enclave({
    toolHandler: () => new Promise((r) => release.push(() => r({ ok: true }))),
    maxWorkers: count,
    limits: { timeoutMs: 120_000 },
  });
  await parked.run('return 1');
  global.gc?.();
  const before = process.memoryUsage().rss;
  const runs = Array.from({ length: count }, () => parked.run("const r = await callTool('bench:wait', {});\nreturn r.ok;"));
  while (release.length < count) await settle(10);
  const during = process.memoryUsage().rss;
  for (const f of release) f();
  if (!(await Promise.all(runs)).every((r) => r.success)) throw new Error('parked runs failed');
  await parked.dispose();
  return (during - before) / count;
}

export async function benchEnclave(): Promise<void> {
  const enclave = new Enclave({ toolHandler: echo, securityLevel: 'STRICT', limits: { maxToolCalls: 1000, maxIterations: 10_000 } });
  for (const code of Object.values(SCRIPTS)) await timeRuns(enclave, code, 300); // workers, sandboxes, the JIT

  // Alternating rounds, so that the three scripts see the same machine load.
  const samples = { none: [] as number[], one: [] as number[], ten: [] as number[] };
  const ROUNDS = 4;
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of ['none', 'one', 'ten'] as const) samples[key].push(...(await timeRuns(enclave, SCRIPTS[key], Math.ceil(SEQ / ROUNDS))));
  }
  const none = summarize(samples.none);
  const one = summarize(samples.one);
  const ten = summarize(samples.ten);
  const port = summarize(await portRoundTrips(SEQ));
  const bare = summarize(vmRuns(SEQ));
  const limits = resolveLimits('STRICT');
  const stages = summarize(
    Array.from({ length: SEQ }, () => {
      const t = performance.now();
      compile({ code: SCRIPTS.ten, level: 'STRICT', limits });
      return performance.now() - t;
    }),
  );
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  /** What a script with calls costs beyond the one without, over `per` (1, or its calls); its p50 judged by `goal`. */
  const extra = (what: string, script: typeof none, per: number, goal: number) => ({
    what,
    p50: (script.p50 - none.p50) / per,
    p95: (script.p95 - none.p95) / per,
    mean: (script.mean - none.mean) / per,
    goal: `≤ ${goal.toFixed(1)}`,
    verdict: verdict((script.p50 - none.p50) / per <= goal),
  });
  table(`Latency per script, in-process echo handler, ${SEQ} sequential runs each (ms)`, [
    {
      what: 'no call: return 1 + 1',
      p50: none.p50,
      p95: none.p95,
      mean: none.mean,
      goal: 'p50 ≤ 1.0, p95 ≤ 2.0',
      verdict: verdict(none.p50 <= 1 && none.p95 <= 2),
    },
    { what: '1 tool call', p50: one.p50, p95: one.p95, mean: one.mean, goal: '', verdict: '' },
    extra('  1 call − no call', one, 1, 0.2),
    { what: '10 tool calls', p50: ten.p50, p95: ten.p95, mean: ten.mean, goal: '', verdict: '' },
    extra('  10 calls − no call', ten, 1, 1.0),
    { ...extra('  per call, in a script of 10', ten, 10, 0.1), verdict: '' },
    { what: 'baseline: fresh node:vm context + run', p50: bare.p50, p95: bare.p95, mean: bare.mean, goal: '', verdict: '' },
    { what: 'baseline: MessagePort round trip to a worker', p50: port.p50, p95: port.p95, mean: port.mean, goal: '', verdict: '' },
    { what: 'stages 1–4 of the 10-call script (in the worker)', p50: stages.p50, p95: stages.p95, mean: stages.mean, goal: '', verdict: '' },
  ]);

  const idleMs = [0, 0.05, 0.1, 0.2, 0.4, 1, 3];
  const woken = await roundTripsAfterIdle(idleMs, Math.min(SEQ, 500));
  table(
    'Waking a thread: MessagePort round trip to a worker that slept for a while (this thread kept busy), ms',
    idleMs.map((ms) => {
      const s = summarize(woken.get(ms) ?? []);
      return { what: ms === 0 ? 'back to back' : `after the worker slept ${ms * 1000} µs`, p50: s.p50, p95: s.p95, mean: s.mean };
    }),
  );

  const total = Math.max(2000, SEQ);
  // A round of each first: sequential runs went to one warm worker (the pool's choice), and with 16 in flight every
  // worker takes runs, the others still compiling their hot paths (the first round measured half the later ones).
  for (const code of Object.values(SCRIPTS)) await throughput(enclave, code, total);
  const noCallRate = await throughput(enclave, SCRIPTS.none, total);
  const oneCallRate = await throughput(enclave, SCRIPTS.one, total);
  const tenCallRate = await throughput(enclave, SCRIPTS.ten, total);
  await enclave.dispose();
  const parked = await parkedMemory(64);
  const perWorker = await workerMemory(8);
  table('Throughput (16 in flight) and memory', [
    { what: 'executions per second, no call', value: noCallRate, goal: '' },
    { what: 'executions per second, 1 tool call each', value: oneCallRate, goal: `≥ 1,000: ${verdict(oneCallRate >= 1000)}` },
    { what: 'executions per second, 10 tool calls each', value: tenCallRate, goal: '' },
    { what: 'RSS per parked execution (64 parked on a tool call, each on a worker of its own), MB', value: mb(parked), goal: '' },
    { what: 'RSS per idle worker (8 started, each with a sandbox prepared and its memory image), MB', value: mb(perWorker.idle), goal: '' },
    { what: 'RSS per worker once each served runs (its sandbox reset after each), MB', value: mb(perWorker.served), goal: '' },
  ]);
}
