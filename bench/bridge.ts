// The tool bridge's cost per call: the same server-everything `echo` called by a bare SDK client, through
// ToolBridge.toolHandler (allowlist, argument check, normalization, redaction), through a bridge with the whole
// trust policy (echo labelled sensitive and egress, so every call records its result and checks its arguments
// against all recorded so far in the run; a per-tool limit; pins), and from a script in the enclave (issue 12's
// goal: within 1.3× of the direct call). Measured in alternating rounds so all sides see the same machine load.
// The script's figure is a sequence's time over its calls; the ratio compares it with the same statistic of the
// direct client (a loop of as many calls), not with one call's median, which leaves out the tail every sequence has.
// Beside it, the ratio's floor on this machine: the direct loop plus one bare MessagePort round trip per call (the hop
// between the script's worker and the bridge, with no work at either end), measured right after each script's loop.
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parseManifest } from '../src/tool-bridge/manifest.js';
import { openLoaded } from '../src/mcp/open.js';
import { cpuByParty, cpuByPartyAvailable } from './cpu.js';
import { PortEcho } from './port.js';
import { summarize, table } from './stats.js';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const ROUNDS = 10;
const PER_ROUND = Number(process.env.BENCH_BRIDGE_N ?? 100);
const SCRIPT_CALLS = 50;
/** Sequences of SCRIPT_CALLS calls per round: a direct loop, then the script, alternating. */
const SEQUENCES_PER_ROUND = 3;

async function time(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    samples.push(performance.now() - t);
  }
  return samples;
}

export async function benchBridge(): Promise<void> {
  const direct = new Client({ name: 'bench-direct', version: '0.0.0' });
  await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));
  const manifest = parseManifest(
    { servers: { everything: { command: 'node', args: [EVERYTHING, 'stdio'] } }, allow: ['everything:echo'], limits: { maxToolCalls: 1000 } },
    { baseDir: process.cwd(), env: process.env },
  );
  const open = await openLoaded(manifest);
  const { pins } = open.bridge.pinnable();
  const guarded = await openLoaded(
    parseManifest(
      {
        servers: { everything: { command: 'node', args: [EVERYTHING, 'stdio'] } },
        allow: ['everything:echo'],
        labels: { 'everything:echo': ['sensitive', 'egress'] },
        flows: [{ from: 'everything:echo', to: 'everything:echo' }], // every call is checked, and allowed
        toolLimits: { 'everything:*': { maxCalls: 1_000_000 } },
        pins,
      },
      { baseDir: process.cwd(), env: process.env },
    ),
  );
  const signal = new AbortController().signal;
  let run = {}; // one execution per round: what the policy records grows with the round's calls
  const args = { message: 'hello' };
  const viaClient = () => direct.callTool({ name: 'echo', arguments: args });
  const viaBridge = () => open.bridge.toolHandler('everything:echo', args, { signal, run: {}, untimed: (work) => work });
  const viaPolicy = () => guarded.bridge.toolHandler('everything:echo', { message: `hello ${Math.random()}` }, { signal, run, untimed: (work) => work });
  const script = `let n = 0; for (let i = 0; i < ${SCRIPT_CALLS}; i++) { const r = await callTool('everything:echo', { message: 'hello' }); n += r.length > 0 ? 1 : 0; } return n;`;
  await time(50, viaClient);
  await time(50, viaBridge);
  await time(50, viaPolicy);
  await open.enclave.run(script);

  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const perScriptCall: number[] = [];
  const perDirectLoopCall: number[] = [];
  const portSamples: number[] = [];
  const echo = new PortEcho();
  await echo.roundTrips(0, 500);
  for (let round = 0; round < ROUNDS; round++) {
    a.push(...(await time(PER_ROUND, viaClient)));
    b.push(...(await time(PER_ROUND, viaBridge)));
    run = {};
    c.push(...(await time(PER_ROUND, viaPolicy)));
    for (let i = 0; i < SEQUENCES_PER_ROUND; i++) {
      let t = performance.now();
      for (let call = 0; call < SCRIPT_CALLS; call++) await viaClient();
      perDirectLoopCall.push((performance.now() - t) / SCRIPT_CALLS);
      t = performance.now();
      const r = await open.enclave.run(script);
      if (!r.success) throw new Error(`bridge bench script failed: ${JSON.stringify(r.error)}`);
      perScriptCall.push((performance.now() - t) / SCRIPT_CALLS);
      portSamples.push(...(await echo.roundTrips(SCRIPT_CALLS))); // in the same moments as the loops beside it
    }
  }
  await echo.close();
  const port = summarize(portSamples);
  const d = summarize(a);
  const br = summarize(b);
  const po = summarize(c);
  const s = summarize(perScriptCall);
  const dl = summarize(perDirectLoopCall);
  table(
    `Tool bridge overhead: server-everything echo over stdio, ${ROUNDS * PER_ROUND} sequential calls each; loops: ${ROUNDS * SEQUENCES_PER_ROUND} sequences of ${SCRIPT_CALLS} (ms)`,
    [
      { what: 'direct SDK client call (baseline)', p50: d.p50, p95: d.p95, mean: d.mean },
      { what: 'ToolBridge.toolHandler', p50: br.p50, p95: br.p95, mean: br.mean },
      { what: '  overhead over direct', p50: br.p50 - d.p50, p95: br.p95 - d.p95, mean: br.mean - d.mean },
      { what: '  goal: direct × 0.10 + 0.3', p50: d.p50 * 0.1 + 0.3, p95: d.p95 * 0.1 + 0.3, mean: d.mean * 0.1 + 0.3 },
      { what: 'with labels (checked every call), limits, pins', p50: po.p50, p95: po.p95, mean: po.mean },
      { what: '  trust policy over the plain bridge', p50: po.p50 - br.p50, p95: po.p95 - br.p95, mean: po.mean - br.mean },
      { what: `direct SDK client, ${SCRIPT_CALLS}-call loop / calls`, p50: dl.p50, p95: dl.p95, mean: dl.mean },
      { what: `callTool from a script, ${SCRIPT_CALLS}-call loop / calls`, p50: s.p50, p95: s.p95, mean: s.mean },
      { what: '  ratio script / direct loop (goal ≤ 1.3)', p50: s.p50 / dl.p50, p95: s.p95 / dl.p95, mean: s.mean / dl.mean },
      { what: '  script − direct loop, per call', p50: s.p50 - dl.p50, p95: s.p95 - dl.p95, mean: s.mean - dl.mean },
      { what: 'baseline: MessagePort round trip to a worker', p50: port.p50, p95: port.p95, mean: port.mean },
      {
        what: '  ratio floor: (direct loop + round trip) / direct loop',
        p50: (dl.p50 + port.p50) / dl.p50,
        p95: (dl.p95 + port.p95) / dl.p95,
        mean: (dl.mean + port.mean) / dl.mean,
      },
    ],
  );
  if (cpuByPartyAvailable)
    await cpuTable(
      viaClient,
      viaBridge,
      () => open.enclave.run(script),
      (code) => open.enclave.run(code, { toolHandler: localEcho }),
      script,
    );
  await direct.close();
  await open.close();
  await guarded.close();
}

/** The in-process handler of the last row: answers as the echo tool does, without a process behind it. */
const localEcho = async (_name: string, args: object): Promise<unknown> => `Echo: ${(args as { message?: string }).message}`;
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 3);

/**
 * Who spends the CPU of a call, each way of making it run for CPU_SECONDS: the direct client's loop, the bridge's
 * handler in a loop, the script over stdio, and the same script answered in-process. Per call, in µs.
 */
async function cpuTable(
  viaClient: () => Promise<unknown>,
  viaBridge: () => Promise<unknown>,
  viaScript: () => Promise<{ success: boolean }>,
  viaLocal: (code: string) => Promise<{ success: boolean }>,
  script: string,
): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  const ways: Array<[string, () => Promise<void>]> = [
    ['direct SDK client, 50-call loop', () => loopOf(viaClient)],
    ['ToolBridge.toolHandler, 50-call loop', () => loopOf(viaBridge)],
    ['callTool from a script, 50 calls', async () => ok(await viaScript())],
    ['the same script, in-process handler', async () => ok(await viaLocal(script))],
  ];
  for (const [what, once] of ways) {
    let calls = 0;
    const t0 = performance.now();
    const cpu = await cpuByParty(async () => {
      while (performance.now() - t0 < CPU_SECONDS * 1000) {
        await once();
        calls += SCRIPT_CALLS;
      }
    });
    const us = (ms: number): number => Math.round((ms * 1000) / calls);
    rows.push({
      what,
      'wall µs': us(performance.now() - t0),
      'main thread': us(cpu.main),
      'other threads': us(cpu['other threads']),
      'child processes': us(cpu.children),
      'CPU total': us(cpu.main + cpu['other threads'] + cpu.children),
    });
  }
  table(`CPU per call by party, from /proc (${CPU_SECONDS} s each; 10 ms ticks) (µs per call)`, rows);
}

async function loopOf(call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < SCRIPT_CALLS; i++) await call();
}

function ok(result: { success: boolean }): void {
  if (!result.success) throw new Error('bridge bench script failed');
}
