// Scripts that try to keep a sandbox worker busy, one per way of doing it the issue found. Before isolation held,
// each of these stalled or killed the other executions sharing its worker; now each must end by itself (a limit
// or a refusal) while clean scripts beside it finish as usual. Shared by the library and HTTP co-location tests.
import type { ErrorCode, SecurityLevel } from '../../src/enclave/index.js';
import { waitFor } from '../wait-for.js';

export interface Runaway {
  name: string;
  code: string;
  level?: SecurityLevel;
  /** How it must end. */
  codes: ErrorCode[];
}

const HUGE = 'const a = [];\na.length = 4294967295;\n';

export const RUNAWAYS: readonly Runaway[] = [
  // Heavy native work inside the iteration budget: computes until its deadline.
  {
    name: 'native sorts until the deadline',
    code: 'let n = 0;\nfor (let i = 0; i < 1000; i++) { const a = new Array(100000).fill(i); a.sort(); n += a.length; }\nreturn n;',
    codes: ['TIMEOUT'],
  },
  {
    name: 'string rewriting until the deadline',
    code: "let s = 'y'.repeat(2000000);\nfor (let i = 0; i < 1000; i++) s = s.replaceAll(i % 2 ? 'z' : 'y', i % 2 ? 'y' : 'z');\nreturn s.length;",
    codes: ['TIMEOUT'],
  },
  {
    name: 'JSON churn until the deadline',
    code: "const big = new Array(20000).fill('abcdefghij');\nlet n = 0;\nfor (let i = 0; i < 1000; i++) n += JSON.parse(JSON.stringify(big)).length;\nreturn n;",
    codes: ['TIMEOUT'],
  },
  // Native loops that never poll the engine's interrupt handler (issue 8's findings).
  { name: 'includes over a 1e15-long array-like', code: 'return [].includes.call({ length: 1e15 }, 1);', codes: ['MEMORY_LIMIT'] },
  { name: 'join over length 2**32-1', code: `${HUGE}return a.join(',').length;`, codes: ['MEMORY_LIMIT'] },
  { name: 'forEach over length 2**32-1', code: `${HUGE}let n = 0;\na.forEach(() => n++);\nreturn n;`, codes: ['MEMORY_LIMIT'] },
  { name: 'lastIndexOf over length 2**32-1', code: `${HUGE}return a.lastIndexOf(1);`, codes: ['MEMORY_LIMIT'] },
  { name: 'reverse over length 2**32-1', code: `${HUGE}a.reverse();\nreturn 1;`, codes: ['MEMORY_LIMIT'] },
  { name: 'iterator drop over length 2**32-1', code: `${HUGE}return a.values().drop(4294967290).next().done;`, codes: ['MEMORY_LIMIT'] },
  {
    name: 'a replaced toISOString inside a shared-reference DAG',
    level: 'STANDARD',
    code: 'const d = new Date(0);\nlet o = [d];\nfor (let i = 0; i < 30; i++) o = [o, o];\nconst iso = () => o;\nd.toISOString = iso;\nreturn JSON.stringify([d]).length;',
    codes: ['RUNTIME_ERROR', 'MEMORY_LIMIT'],
  },
  // ReDoS with a flag the old check ignored.
  { name: 'a case-insensitive ReDoS at SECURE', level: 'SECURE', code: "return /^(a|A)+$/i.test('a'.repeat(30) + '!');", codes: ['VALIDATION_ERROR'] },
  {
    name: 'a ReDoS pattern built at run time at SECURE',
    level: 'SECURE',
    code: "return 'a'.repeat(30).concat('!').search(['^(a|a)+$'].join(''));",
    codes: ['VALIDATION_ERROR'],
  },
  // Streams: console output far beyond the budget (20 MB, ~300 times STRICT's 64 KB; 1,000 lines took two floods
  // 0.7 s on a quiet machine and 3 s under load, against STRICT's 5 s).
  { name: 'a console flood', code: "for (let i = 0; i < 200; i++) console.log('x'.repeat(100000));\nreturn 1;", codes: [] },
  // Memory: the engine itself runs out.
  {
    name: 'a memory bomb',
    code: "const keep = [];\nfor (let i = 0; i < 1000; i++) keep.push('x'.repeat(1000000) + i);\nreturn keep.length;",
    codes: ['MEMORY_LIMIT'],
  },
  { name: 'a memory bomb caught by finally', code: "try { [...'x'.repeat(8e6)]; } finally { return 'survived'; }", codes: ['MEMORY_LIMIT'] },
  // A tool that never answers: the script is parked until its deadline.
  { name: 'waiting on a tool that never answers', code: "return await callTool('runaway:hang', {});", codes: ['TIMEOUT'] },
];

/** A clean script: one tool call and a little work. */
export const CLEAN = "const r = await callTool('clean:echo', { n: 41 });\nconst xs = [3, 1, 2].sort((a, b) => a - b);\nreturn r.n + xs.length - 2;";
export const CLEAN_VALUE = 42;

/** Runs that wait on `warm:hold` until released: they make the pool start a worker each. */
export class Holds {
  private readonly waiting: Array<() => void> = [];
  hold = (): Promise<unknown> => new Promise((resolve) => this.waiting.push(() => resolve({ ok: true })));
  get count(): number {
    return this.waiting.length;
  }
  release(): void {
    this.waiting.splice(0).forEach((f) => f());
  }
}
export const HOLD = "return (await callTool('warm:hold', {})).ok;";

/** Waits until the enclave's pool has `n` workers started and none starting: a server that has been running. */
export async function warmPool(stats: () => { workers: number; starting: number }, n: number): Promise<void> {
  await waitFor(
    () => {
      const s = stats();
      return s.workers >= n && s.starting === 0;
    },
    { what: `the pool to warm up to ${n} workers`, timeoutMs: 60_000 },
  );
}
