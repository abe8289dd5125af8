// Technique: code that runs on coercion. AgentScript has no getters or setters, but an object with an own
// toString or valueOf arrow (STANDARD up) is called wherever a built-in or a guard converts it: tool names, counts
// and lengths guards read, sort comparisons, console formatting, error reporting, JSON.parse's text, `+=`.
// A guard must read such a value once, as the built-in would, or refuse it; what it reports must stay clean.
import type { ExecutionResult } from '../../../src/enclave/index.js';
import type { Attack } from './types.js';

const noToolCalls = (r: ExecutionResult): string | null => (r.stats.toolCalls === 0 ? null : `${r.stats.toolCalls} tool call(s) went out`);

export const coercionHooks: Attack[] = [
  // A tool name that is an object whose toString answers an allowed name: callTool takes strings only.
  {
    name: 'tool name as an object with toString',
    level: 'STANDARD',
    code: `const ts = () => 'evil:data';\nreturn await callTool({ toString: ts }, {})`,
    expect: { codes: ['RUNTIME_ERROR'] },
    check: noToolCalls,
  },
  // Names that are not strings, where computed names are allowed: an array (stringifies to its element), numbers, …
  {
    name: 'non-string tool names at SECURE',
    level: 'SECURE',
    code: `const out = [];\nfor (const n of [['evil:data'], 42, null, true, '']) {\n  try { await callTool(n, {}); out.push('called') } catch (e) { out.push(e.name) }\n}\nreturn out`,
    expect: { value: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'] },
    check: noToolCalls,
  },
  // A repeat count whose valueOf answers 1 to the guard and 1e9 to the built-in: it must be read once.
  {
    name: 'repeat count with a valueOf that changes',
    level: 'STANDARD',
    code: `let n = 0;\nconst vo = () => (n++ === 0 ? 1 : 1e9);\nreturn ['x'.repeat({ valueOf: vo }).length, n]`,
    expect: { value: [1, 1] },
  },
  // A pad length given as a numeric string: the built-in reads '1e9' as a number, so the guard must too.
  { name: 'padEnd length as a numeric string', code: `return 'x'.padEnd('1e9').length`, expect: { codes: ['MEMORY_LIMIT'] } },
  // Array-like lengths the native methods would convert (true → 1, [n] → n) but the guard cannot read as numbers.
  {
    name: 'array-like lengths that are not numbers',
    code: `const out = [];\nfor (const length of [true, null, [4294967295]]) {\n  try { out.push([].includes.call({ length }, 1)) } catch (e) { out.push(e.name) }\n}\nreturn out`,
    expect: { value: ['TypeError', 'TypeError', 'TypeError'] },
  },
  // An array-like length as a padded hexadecimal string: 2^32-1 to the built-in, so to the guard as well.
  {
    name: 'array-like length as a padded hex string',
    code: `return [].lastIndexOf.call({ length: ' 0xFFFFFFFF ' }, 1)`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // An array-like length with a valueOf hook (it could answer the check one number and the native loop another).
  {
    name: 'array-like length with a valueOf hook',
    level: 'STANDARD',
    code: `const vo = () => 4294967295;\nreturn [].join.call({ length: { valueOf: vo } }, ',').length`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A comparator that empties the array in the middle of the sort (engine memory safety).
  {
    name: 'sort comparator that empties the array',
    code: `const a = [5, 1, 4, 2, 3];\nconst r = a.sort((x, y) => { a.length = 0; return x - y });\nreturn [a.length, r === a, a]`,
    expect: { value: [5, true, [1, 2, 3, 4, 5]] },
  },
  // A comparator result whose valueOf the native sort calls: the hook loops, and every call of it counts.
  {
    name: 'comparator result with a looping valueOf',
    level: 'STANDARD',
    code: `const vo = () => { for (;;) {} };\nconst cmp = (a, b) => ({ valueOf: vo });\nreturn [3, 1, 2].sort(cmp)`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // console.log formats a copy of the data: an own toString or valueOf is never called (here it would log).
  {
    name: 'console.log does not call toString or valueOf hooks',
    level: 'STANDARD',
    code: `const hook = () => { console.log('HOOK RAN'); return 'x' };\nconsole.log({ toString: hook, valueOf: hook }, [{ toString: hook }]);\nreturn 1`,
    expect: { value: 1 },
    check: (r) => (r.logs.length === 1 && r.logs[0]?.message === '{} [{}]' ? null : `logged ${JSON.stringify(r.logs)}`),
  },
  // An uncaught error whose message is an object: the prelude calls its toString while reporting the failure,
  // and what it answers (here with a fake host frame) must be cleaned like any other message.
  {
    name: 'error message object with a toString hook',
    level: 'STANDARD',
    code: `const ts = () => 'hooked\\n    at Object.<anonymous> (/srv/app/index.js:1:1)';\nconst e = new Error('x');\ne.message = { toString: ts };\nthrow e`,
    expect: { codes: ['RUNTIME_ERROR'] },
    check: (r) => (r.error?.message.includes('hooked') && !r.error.message.includes('index.js') ? null : `message: ${r.error?.message}`),
  },
  // JSON.parse converts its text once: a toString answering deeply nested text meets the depth check.
  {
    name: 'JSON.parse of an object whose toString returns deep text',
    level: 'STANDARD',
    code: `const ts = () => '['.repeat(500) + ']'.repeat(500);\nreturn JSON.parse({ toString: ts })`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // `+=` in a loop with an object whose toString answers a large string: the size guard sees the result.
  {
    name: '+= of an object whose toString returns a large string',
    level: 'STANDARD',
    code: `const big = 'x'.repeat(4300000);\nconst ts = () => big;\nconst o = { toString: ts };\nlet s = '';\nfor (let i = 0; i < 10; i++) s += o;\nreturn s.length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // A join separator whose toString answers 400,000 characters: the array's length is checked first, the separator
  // is converted natively, and the joined string (40M characters) must still meet STANDARD's string budget (32M).
  {
    name: 'join separator whose toString returns a long string',
    level: 'STANDARD',
    code: `const sep = 'x'.repeat(400000);\nconst ts = () => sep;\nreturn new Array(101).fill('').join({ toString: ts }).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // A Date with an own toISOString in tool arguments: refused before anything is sent, not called.
  {
    name: 'Date with an own toISOString in tool arguments',
    level: 'STANDARD',
    code: `const d = new Date(0);\nconst iso = () => 'forged';\nd.toISOString = iso;\ntry { await callTool('evil:data', { d }) } catch (e) { return e.name }`,
    expect: { value: 'TypeError' },
    check: noToolCalls,
  },
];
