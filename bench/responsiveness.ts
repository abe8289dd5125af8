// Host responsiveness (issue 8): how long the main thread's event loop is held up while maximum-size hostile
// scripts are checked and run at each level, beside clean ones. DESIGN §2 asks that it never block more than
// 50 ms on any input within the level's limits. Baseline, measured in the same run: clean scripts alone.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Enclave, LEVEL_LIMITS, SECURITY_LEVELS, type Limits, type SecurityLevel, type ToolHandler } from '../src/enclave/index.js';
import { table } from './stats.js';

/** Lines of `unit(i)` joined until the script reaches `bytes`, each line within the level's line length. */
function fill(bytes: number, head: string, unit: (i: number) => string, tail: string): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; size + unit(i).length + 1 < bytes; i++) {
    const u = unit(i);
    parts.push(u);
    size += u.length + 1;
  }
  parts.push(tail);
  return parts.join('\n');
}

/** Scripts as large as the level allows, in the shapes that made the validator work hardest. */
export function hostileScripts(limits: Limits): { name: string; code: string }[] {
  const size = limits.maxCodeBytes - 64;
  const depth = Math.max(1, limits.maxNestingDepth - 4);
  const nest = (i: number): string => `${'{ '.repeat(depth)}const n${i} = ${i};${' }'.repeat(depth)}`;
  return [
    // Every identifier looked up through every enclosing scope: what took 24 s at 1 MB before.
    { name: 'nested blocks at the nesting limit', code: fill(size, 'let s = 0;', nest, 'return s;') },
    { name: 'many declarations and references', code: fill(size, 'let v = 0;', (i) => `const a${i} = v + ${i};`, 'return v;') },
    {
      name: 'nested arrows with defaults',
      code: fill(size, 'const xs = [1];\nlet t = 0;', (i) => `t += xs.map((a = ${i}, { b = a } = {}) => xs.map((c = b) => c + a).length).length;`, 'return t;'),
    },
    {
      name: 'a long switch of blocks',
      code: fill(size, 'const k = 3;\nlet r = 0;\nswitch (k) {', (i) => `case ${i}: { const c${i} = ${i}; r = c${i}; break; }`, '}\nreturn r;'),
    },
    { name: 'a huge object literal', code: fill(size, 'const o = {', (i) => `k${i}: [${i}, 'v${i}', { x: ${i} }],`, '};\nreturn Object.keys(o).length;') },
    { name: 'refused: a blocked name on every line', code: fill(size, '', (i) => `const e${i} = eval;`, 'return 1;') },
  ];
}

const CPU_UNTIL_DEADLINE = 'let n = 0;\nfor (let i = 0; i < 1e9; i++) { const a = new Array(50000).fill(i); a.sort(); n += a.length; }\nreturn n;';
const CLEAN = "const r = await callTool('bench:echo', { n: 1 });\nreturn r.n;";

/** 400,000 keys: a large tool result converted for the sandbox (0.6–0.9 s of main thread per call before). */
const bigResult = Object.fromEntries(Array.from({ length: 400_000 }, (_, i) => [`key${i}`, i]));
const handler: ToolHandler = async (name, args) => (name === 'bench:big' ? bigResult : args);

interface Delay {
  p99: number;
  max: number;
}

/** Runs `work` while sampling the main thread's event-loop delay every millisecond. */
async function measure(work: () => Promise<unknown>): Promise<Delay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await work();
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

async function atLevel(level: SecurityLevel): Promise<Array<Record<string, string | number>>> {
  const limits = LEVEL_LIMITS[level];
  // Deadlines short enough for a benchmark; every other limit as the level ships.
  const enclave = new Enclave({ securityLevel: level, toolHandler: handler, limits: { timeoutMs: 3_000 }, poolSize: 4 });
  await Promise.all(Array.from({ length: 8 }, () => enclave.run(CLEAN)));
  const rows: Array<Record<string, string | number>> = [];
  const row = (what: string, d: Delay, note = ''): void => {
    rows.push({ level, what, 'p99 (ms)': d.p99, 'max (ms)': d.max, note });
    process.stderr.write(`  ${level} ${what}: max ${d.max.toFixed(1)} ms\n`);
  };
  row('baseline: clean scripts only', await measure(() => Promise.all(Array.from({ length: 40 }, () => enclave.run(CLEAN)))));
  for (const { name, code } of hostileScripts(limits)) {
    let outcome = '';
    const d = await measure(async () => {
      const rs = await Promise.all([enclave.run(code), enclave.run(code), ...Array.from({ length: 10 }, () => enclave.run(CLEAN))]);
      outcome = rs[0]!.success ? 'ran' : rs[0]!.error!.code;
    });
    row(`${name} (${Math.round(code.length / 1024)} KB, ×2)`, d, outcome);
  }
  row(
    'two scripts computing until their deadline',
    await measure(() =>
      Promise.all([enclave.run(CPU_UNTIL_DEADLINE), enclave.run(CPU_UNTIL_DEADLINE), ...Array.from({ length: 10 }, () => enclave.run(CLEAN))]),
    ),
  );
  if (limits.memoryBytes / 2 > 8 * 400_000) {
    row(
      'a 400,000-key tool result, ×2',
      await measure(() => Promise.all([0, 1].map(() => enclave.run("const r = await callTool('bench:big', {});\nreturn Object.keys(r).length;")))),
    );
  }
  await enclave.dispose();
  return rows;
}

export async function benchResponsiveness(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const level of SECURITY_LEVELS) rows.push(...(await atLevel(level)));
  table('Main-thread event-loop delay while maximum-size hostile scripts are checked and run (goal: max ≤ 50 ms)', rows);
}
