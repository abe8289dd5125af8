// The browser sandbox (issue 11): the playground's Replay runs a script in QuickJS-wasm in a Web Worker. Measured in
// Debian's chromium (skipped with a note without it) on the test harness's page, timed with the page's own clock,
// beside the Node enclave running the same scripts with the same replay handler in this process (the baseline).
import { existsSync } from 'node:fs';
import { Enclave, replayHandler, type Recording } from '../src/enclave/index.js';
import { runInPage, startSandboxBench } from '../test/browser/sandbox-harness.js';
import { summarize, table } from './stats.js';

const N = Number(process.env.BENCH_BROWSER_N ?? 300);
const TRIVIAL = 'return 1 + 1';
/** A replay as a person makes it: three recorded calls, their results reshaped. */
const RECORDING: Recording = {
  calls: [
    {
      tool: 'crm:find',
      args: { q: 'ada' },
      result: {
        customers: [
          { id: 1, name: 'Ada' },
          { id: 2, name: 'Alan' },
        ],
      },
    },
    { tool: 'crm:orders', args: { id: 1 }, result: [{ total: 30 }, { total: 12 }] },
    { tool: 'crm:orders', args: { id: 2 }, result: [{ total: 7 }] },
  ],
};
const REPLAY = [
  "const { customers } = await callTool('crm:find', { q: 'ada' });",
  'const totals = [];',
  "for (const c of customers) { const orders = await callTool('crm:orders', { id: c.id }); totals.push({ name: c.name, sum: orders.reduce((s, o) => s + o.total, 0) }); }",
  'return totals;',
].join('\n');

async function nodeTimes(code: string, n: number): Promise<number[]> {
  const enclave = new Enclave({ toolHandler: replayHandler(RECORDING) });
  try {
    for (let i = 0; i < 30; i++) await enclave.run(code);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await enclave.run(code);
      times.push(performance.now() - t);
      if (!r.success) throw new Error(`bench script failed in Node: ${JSON.stringify(r.error)}`);
    }
    return times;
  } finally {
    await enclave.dispose();
  }
}

export async function benchBrowser(): Promise<void> {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('\n(browser sandbox skipped: no /usr/bin/chromium; apt-get install -y chromium)');
    return;
  }
  const bench = await startSandboxBench();
  try {
    const rows: Array<Record<string, string | number>> = [];
    for (const isolated of [true, false]) {
      const page = await bench.open({ isolated });
      const t0 = performance.now();
      await runInPage(page, TRIVIAL); // the first run: a new worker, the wasm fetched and compiled, a sandbox prepared
      const first = performance.now() - t0;
      const tools = JSON.stringify({ tools: { kind: 'replay', recording: RECORDING } }); // crosses to the page as text
      const inPage = (code: string, n: number, options = '{}'): Promise<number[]> =>
        page.evaluate(([c, k, o]) => window.sandbox.bench(c, Number(k), JSON.parse(o)), [code, String(n), options] as [string, string, string]);
      await inPage(REPLAY, 30, tools);
      const trivial = await inPage(TRIVIAL, N);
      const replay = await inPage(REPLAY, N, tools);
      const where = isolated ? 'page, cross-origin isolated (the playground)' : 'page, not isolated';
      rows.push({ where, script: 'return 1 + 1', ...ms(summarize(trivial)), first: first.toFixed(0) });
      rows.push({ where, script: 'replay, 3 recorded calls', ...ms(summarize(replay)), first: '' });
      await page.close();
    }
    const nodeTrivial = summarize(await nodeTimes(TRIVIAL, N));
    const nodeReplay = summarize(await nodeTimes(REPLAY, N));
    rows.push({ where: 'Node enclave, same run (baseline)', script: 'return 1 + 1', ...ms(nodeTrivial), first: '' });
    rows.push({ where: 'Node enclave, same run (baseline)', script: 'replay, 3 recorded calls', ...ms(nodeReplay), first: '' });
    table(`The browser sandbox (playground Replay), ${N} sequential runs each, ms (first: a cold worker's first run, wall clock)`, rows);
  } finally {
    await bench.close();
  }
}

const ms = (s: { p50: number; p95: number; mean: number }): Record<string, string> => ({
  p50: s.p50.toFixed(2),
  p95: s.p95.toFixed(2),
  mean: s.mean.toFixed(2),
});

if (import.meta.url === `file://${process.argv[1]}`) await benchBrowser();
