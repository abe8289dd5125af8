// Technique: exhaust time, memory, stack or output: unbounded loops, string and array growth, shared-reference
// JSON DAGs, deep nesting, huge allocations, native loops over sparse arrays, and ReDoS at SECURE.
import type { ExecutionResult } from '../../../src/enclave/index.js';
import type { Attack } from './types.js';

/** A run that ended by itself, at its deadline at the latest, not by the watchdog terminating its worker. */
const notByForce = (r: ExecutionResult): string | null => (r.error?.message.includes('by force') ? `stopped by force: ${r.error.message}` : null);
const dag = (n: number): string => `let o = [];\nfor (let i = 0; i < ${n}; i++) o = [o, o];`;
/** Objects inheriting from a Map (or Date) are skipped by the JSON guard's walk, and handed to the native JSON. */
const mapProto = `const m = Object.assign({}, Object.fromEntries([['__proto__', new Map()]]));`;

export const resources: Attack[] = [
  // An infinite for loop.
  { name: 'for (;;) {}', code: `for (;;) {}`, expect: { codes: ['MAX_ITERATIONS'] } },
  // An infinite loop of callbacks (array methods count too).
  {
    name: 'nested callbacks',
    code: `return Array.from({ length: 1000 }).map(() => Array.from({ length: 1000 }).map(() => 1)).length`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // Exponential recursion through a const arrow.
  {
    name: 'exponential recursion',
    level: 'STANDARD',
    code: `const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));\nreturn fib(40)`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // A thenable that resolves to itself forever.
  {
    name: 'self-resolving thenable',
    level: 'STANDARD',
    code: `const box = {};\nconst th = (resolve) => resolve(box);\nbox.then = th;\nreturn await box`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // A promise that can never settle.
  { name: 'Promise.race([])', code: `return await Promise.race([])`, expect: { codes: ['RUNTIME_ERROR', 'TIMEOUT'] } },
  // One huge string.
  { name: "'x'.repeat(1e9)", code: `return 'x'.repeat(1e9).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // String doubling in a loop.
  { name: 'string doubling', code: `let s = 'x';\nfor (let i = 0; i < 40; i++) s += s;\nreturn s.length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // padStart to a huge length.
  { name: 'padStart(1e9)', code: `return 'x'.padStart(1e9).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // replaceAll with an empty pattern multiplies a string (no guard wraps it; the engine must refuse).
  { name: 'replaceAll amplification', code: `const s = 'x'.repeat(100000);\nreturn s.replaceAll('', s).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // Many large strings kept alive (the engine's own limit does not add allocations up).
  {
    name: 'keep 100 strings of 1 MB',
    code: `const keep = [];\nfor (let i = 0; i < 100; i++) keep.push('x'.repeat(1000000) + i);\nreturn keep.length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // Array doubling with concat.
  {
    name: 'array doubling with concat',
    code: `let a = [1];\nfor (let i = 0; i < 40; i++) a = a.concat(a);\nreturn a.length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // Array doubling with spread (no wrapper to check it).
  {
    name: 'array doubling with spread',
    code: `let a = [1];\nfor (let i = 0; i < 40; i++) a = [...a, ...a];\nreturn a.length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // push(...a) with a huge argument list.
  {
    name: 'push(...a) doubling',
    code: `const a = [1];\nfor (let i = 0; i < 40; i++) a.push(...a);\nreturn a.length`,
    expect: { codes: ['MEMORY_LIMIT', 'RUNTIME_ERROR'] },
  },
  // split('') of a large string (a big array of small strings).
  { name: 'split of an 8M string', code: `return 'x'.repeat(8000000).split('').length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // flat() of many references to a large array.
  {
    name: 'flat amplification',
    code: `const a = new Array(1000000).fill(0);\nreturn [a, a, a, a, a, a, a, a, a, a].flat().length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // Array.from({ length: 1e9 }).
  { name: 'Array.from({ length: 1e9 })', code: `return Array.from({ length: 1e9 }).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // new Array(1e9).fill(0).
  { name: 'new Array(1e9).fill(0)', code: `return new Array(1e9).fill(0).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // A sparse array made huge through its length, then filled.
  { name: 'length = 1e9 then fill', code: `const a = [];\na.length = 1e9;\nreturn a.fill(0).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // join of a large array of large strings.
  { name: 'join amplification', code: `const a = new Array(500000).fill('x'.repeat(1000));\nreturn a.join('').length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // JSON.stringify of a shared-reference DAG (exponential output; the engine never polls its interrupt there).
  { name: 'JSON.stringify of a DAG', code: `${dag(60)}\nreturn JSON.stringify(o).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // console.log of a DAG.
  {
    name: 'console.log of a DAG',
    code: `${dag(60)}\nconsole.log(o);\nreturn 1`,
    expect: { value: 1 },
    check: (r) => (r.logs[0]?.message.startsWith('[unprintable') ? null : `logged ${JSON.stringify(r.logs).slice(0, 200)}`),
  },
  // Returning a DAG as the result.
  { name: 'return a DAG', code: `${dag(60)}\nreturn o`, expect: { codes: ['MEMORY_LIMIT', 'OUTPUT_LIMIT'] } },
  // A DAG passed as tool arguments.
  { name: 'DAG as tool arguments', code: `${dag(60)}\nreturn await callTool('evil:data', { o })`, expect: { codes: ['MEMORY_LIMIT', 'INVALID_TOOL_ARGS'] } },
  // A DAG under an object whose prototype is a Map: the JSON guard skips it and the native stringify runs.
  {
    name: 'JSON.stringify of a DAG behind a Map prototype',
    slow: true,
    code: `${mapProto}\n${dag(40)}\nm.x = o;\nreturn JSON.stringify(m).length`,
    expect: { codes: ['MEMORY_LIMIT', 'RUNTIME_ERROR', 'VALIDATION_ERROR'] },
  },
  // A DAG under an own key of a real Map (JSON.stringify serializes a Map's own keys; the guard must walk them).
  {
    name: "JSON.stringify of a DAG under a Map's own key",
    slow: true,
    code: `const m = new Map();\n${dag(40)}\nm.x = o;\nreturn JSON.stringify(m).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // A DAG returned by a toJSON arrow: the native stringify serializes what toJSON returns.
  {
    name: 'JSON.stringify of a DAG behind toJSON',
    slow: true,
    level: 'STANDARD',
    code: `${dag(40)}\nconst t = () => o;\nreturn JSON.stringify({ toJSON: t }).length`,
    expect: { codes: ['MEMORY_LIMIT', 'RUNTIME_ERROR'] },
  },
  // The same on a Date, whose built-in toJSON the guard trusts.
  {
    name: 'result Date with a toJSON returning a DAG',
    slow: true,
    level: 'STANDARD',
    code: `${dag(40)}\nconst t = () => o;\nconst d = new Date(0);\nd.toJSON = t;\nreturn [d]`,
    expect: { codes: ['MEMORY_LIMIT', 'OUTPUT_LIMIT', 'RUNTIME_ERROR'] },
  },
  // A DAG stringified by Array.prototype.toString (join recursion, exponential).
  { name: 'String() of a DAG', slow: true, code: `${dag(60)}\nreturn String(o).length`, expect: { codes: ['MEMORY_LIMIT', 'TIMEOUT'] }, check: notByForce },
  // flat(Infinity) over a DAG of empty arrays: exponential native work, no allocation, no interrupt poll.
  { name: 'flat(Infinity) of a DAG', slow: true, code: `${dag(60)}\nreturn o.flat(Infinity).length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // includes() over a sparse array of length 2^32-1: a native loop of 4 billion steps.
  {
    name: 'includes over a 2^32-1 sparse array',
    slow: true,
    code: `const a = [];\na.length = 4294967295;\nreturn a.includes(1)`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // Deep nesting built in a loop at PERMISSIVE, then returned (the result walk must not recurse).
  {
    name: 'return 90k-deep nested arrays',
    level: 'PERMISSIVE',
    code: `let a = [];\nfor (let i = 0; i < 90000; i++) a = [a];\nreturn a`,
    expect: { codes: ['RUNTIME_ERROR', 'OUTPUT_LIMIT'] },
  },
  // The same, stringified by String() (native recursion through join).
  {
    name: 'String() of 90k-deep nested arrays',
    level: 'PERMISSIVE',
    code: `let a = [];\nfor (let i = 0; i < 90000; i++) a = [a];\nreturn String(a).length`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // The same, flattened (native recursion in flat).
  {
    name: 'flat(Infinity) of 90k-deep nested arrays',
    level: 'PERMISSIVE',
    code: `let a = [];\nfor (let i = 0; i < 90000; i++) a = [a];\nreturn a.flat(Infinity).length`,
    expect: { codes: ['RUNTIME_ERROR'], value: 0 },
  },
  // The same behind a Map prototype, through the native JSON.stringify.
  {
    name: 'native JSON.stringify of 90k-deep nesting behind a Map prototype',
    level: 'PERMISSIVE',
    code: `${mapProto}\nlet a = [];\nfor (let i = 0; i < 90000; i++) a = [a];\nm.a = a;\nreturn JSON.stringify(m).length`,
    expect: { codes: ['RUNTIME_ERROR', 'VALIDATION_ERROR'] },
  },
  // The same under an own key of a real Map (JSON.stringify serializes a Map's own keys).
  {
    name: "native JSON.stringify of 90k-deep nesting under a Map's own key",
    level: 'PERMISSIVE',
    code: `const m = new Map();\nlet a = [];\nfor (let i = 0; i < 90000; i++) a = [a];\nm.a = a;\nreturn JSON.stringify(m).length`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // JSON.parse of 100,000 nested brackets (overflowed the host stack in the measurements).
  {
    name: 'JSON.parse of 100k nested brackets',
    code: `const t = '['.repeat(100000) + ']'.repeat(100000);\nreturn JSON.parse(t)`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // The same through a reviver.
  {
    name: 'JSON.parse with reviver of 100k nested brackets',
    code: `const t = '{"a":'.repeat(50000) + '1' + '}'.repeat(50000);\nreturn JSON.parse(t, (k, v) => v)`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A parser bomb: thousands of nested unary operators (no brackets for the pre-scanner to count). Refused as too
  // complex, or, by a parser the worker's JIT has optimized (smaller frames: a warm worker parses deeper), evaluated
  // correctly (15,001 negations of 1): never a crash.
  {
    name: 'nested unary operators',
    code: `return !${'\n!'.repeat(15000)}1`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: false },
  },
  // A parser bomb: deeply nested conditional expressions.
  // Refused as too complex, or (checked in a worker with a deep enough stack) simply evaluated: never a crash.
  {
    name: 'nested conditionals',
    code: `return 1 ?${'\n1 ?'.repeat(6000)} 1${' : 0\n'.repeat(6001)}`,
    level: 'STANDARD',
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 1 },
  },
  // A parser bomb: nested brackets beyond the pre-scanner's limit.
  { name: 'deeply nested brackets in source', code: `return ${'[\n'.repeat(5000)}${']\n'.repeat(5000)}`, expect: { codes: ['VALIDATION_ERROR'] } },
  // Code larger than the level allows.
  { name: 'oversized code', code: `return 1;\n${'// padding padding padding padding\n'.repeat(2000)}`, expect: { codes: ['VALIDATION_ERROR'] } },
  // Result larger than the level allows.
  { name: 'oversized result', code: `return 'x'.repeat(300000)`, expect: { codes: ['OUTPUT_LIMIT'] } },
  // Console flood: output is capped, the script still succeeds.
  {
    name: 'console flood',
    code: `for (let i = 0; i < 900; i++) console.log('x'.repeat(10000));\nreturn 1`,
    expect: { success: true, value: 1 },
    check: (r) => {
      const bytes = r.logs.reduce((n, l) => n + l.message.length, 0);
      return r.logs.length > 102 || bytes > 70 * 1024 ? `logs not capped: ${r.logs.length} entries, ${bytes} bytes` : null;
    },
  },
  // Tool call flood, with each failure caught.
  {
    name: 'tool call flood',
    code: `for (let i = 0; i < 100; i++) { try { await callTool('evil:data', {}) } catch (e) { } }\nreturn 'survived'`,
    expect: { codes: ['MAX_TOOL_CALLS'] },
  },
  // parallel asking for a huge concurrency.
  {
    name: 'parallel concurrency 1e9',
    code: `const r = await parallel([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], (x) => callTool('evil:data', { x }), { concurrency: 1e9 });\nreturn r.length`,
    expect: { codes: ['MAX_TOOL_CALLS'] },
  },
  // Busy-wait on the clock.
  {
    name: 'busy-wait on Date.now()',
    code: `const end = Date.now() + 60000;\nfor (;;) { if (Date.now() > end) break }\nreturn 1`,
    expect: { codes: ['MAX_ITERATIONS', 'TIMEOUT'] },
  },
  // Sorting with a comparator over a large array (callbacks count).
  { name: 'sort comparator flood', code: `return [...new Array(100000).keys()].reverse().sort((a, b) => a - b).length`, expect: { codes: ['MAX_ITERATIONS'] } },
  // ReDoS: nested quantifiers (the checker's own example).
  { name: 'ReDoS (a+)+$', level: 'SECURE', code: `return /(a+)+$/.test('a'.repeat(30) + '!')`, expect: { codes: ['VALIDATION_ERROR'] } },
  // ReDoS: alternation under a star.
  { name: 'ReDoS (a|aa)*b', level: 'SECURE', code: `return /^(a|aa)*b$/.test('a'.repeat(40))`, expect: { codes: ['VALIDATION_ERROR'] } },
  // ReDoS: nested quantifier inside a non-capturing group.
  { name: 'ReDoS (?:\\w+\\s?)+$', level: 'SECURE', code: `return /^(?:\\w+\\s?)+$/.test('a'.repeat(40) + '!')`, expect: { codes: ['VALIDATION_ERROR'] } },
  // ReDoS: optional groups with a bounded count, (a?){n}a{n}: exponential, and not flagged by the checker.
  // (At the level's own 15 s deadline, n = 25 ran 16 s and still succeeded.) A 1 s deadline keeps the suite fast.
  {
    name: 'ReDoS (a?){n}a{n}',
    level: 'SECURE',
    limits: { timeoutMs: 1_000 },
    slow: true,
    code: `return /^(a?){28}a{28}$/.test('a'.repeat(28))`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // ReDoS: a bounded quantifier over a bounded-quantified group, (a{1,99}){1,99}.
  {
    name: 'ReDoS (a{1,99}){1,99}',
    level: 'SECURE',
    limits: { timeoutMs: 1_000 },
    slow: true,
    code: `return /^(a{1,99}){1,99}$/.test('a'.repeat(40) + '!')`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // ReDoS: polynomial backtracking over adjacent overlapping quantifiers.
  {
    name: 'ReDoS \\d*\\d*\\d*\\d*\\d*x',
    level: 'SECURE',
    limits: { timeoutMs: 1_000 },
    slow: true,
    code: `return /^\\d*\\d*\\d*\\d*\\d*\\d*x$/.test('1'.repeat(400))`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // ReDoS: a pattern passed as a string to a method that compiles it.
  {
    name: 'ReDoS pattern as a string to match()',
    level: 'SECURE',
    code: `return 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.match('(a+)+$')`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
];
