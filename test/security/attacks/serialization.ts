// Technique: values that JSON cannot hold, or holds at a cost, on every way out of the script (the result, logs,
// JSON.stringify) and into it (JSON.parse and its reviver): `__proto__` keys, non-finite numbers and -0, invalid
// Dates, sparse arrays, cycles, lone surrogates, Maps, caught tool errors, and the amplifiers of JSON.stringify
// (indentation, a replacer returning shared references, a replacer name list over many objects).
import type { Attack } from './types.js';

const dag = (n: number): string => `let o = [];\nfor (let i = 0; i < ${n}; i++) o = [o, o];`;
/** The one log line of an attack, when it says the value could not be printed. */
const unprintable =
  (why: string) =>
  (r: { logs: { message: string }[] }): string | null =>
    r.logs.length === 1 && r.logs[0]?.message.startsWith('[unprintable') && r.logs[0].message.includes(why)
      ? null
      : `logged ${JSON.stringify(r.logs).slice(0, 300)}`;

export const serialization: Attack[] = [
  // A reviver re-creates every property: `__proto__` must stay an own data key, never become the prototype.
  {
    name: 'JSON.parse reviver keeps __proto__ an own key',
    code: `const r = JSON.parse('{"__proto__": {"isAdmin": true}, "a": 1}', (k, v) => v);\nreturn [Object.keys(r), r.isAdmin === true]`,
    expect: { value: [['__proto__', 'a'], false] },
  },
  // The reviver is called once per value by a native loop: each call counts.
  {
    name: 'JSON.parse reviver calls count as iterations',
    code: `return JSON.parse(JSON.stringify(new Array(5000).fill(0)), (k, v) => v).length`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // Overflowing exponents, NaN, -0 and non-finite keys: JSON's null and 0, as the host reads them.
  {
    name: 'non-finite numbers and -0 in the result',
    code: `return [JSON.parse('1e400'), -JSON.parse('1e400'), 0 / 0, -0, Object.fromEntries([[NaN, NaN], [-0, Infinity]])]`,
    expect: { value: [null, null, null, 0, { 0: null, NaN: null }] },
  },
  // Invalid and extreme dates: null for the invalid ones, as toJSON says, never a host exception.
  {
    name: 'invalid and extreme Dates in the result',
    code: `return [new Date(NaN), new Date(8.64e15 + 1), new Date(8.64e15)]`,
    expect: { value: [null, null, '+275760-09-13T00:00:00.000Z'] },
  },
  // A Date in the result whose own toISOString the native JSON.stringify would call.
  {
    name: 'Date with an own toISOString in the result',
    level: 'STANDARD',
    code: `const d = new Date(0);\nconst iso = () => 'forged';\nd.toISOString = iso;\nreturn { d }`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A sparse array of length 1e6 costs the script one assignment; the result walk must refuse it at once.
  { name: 'sparse array result of length 1e6', code: `const a = [];\na[999999] = 1;\nreturn a`, expect: { codes: ['OUTPUT_LIMIT'] }, maxMs: 2_000 },
  // The same shape, 2^32-1 long, given to console.log.
  {
    name: 'sparse array of length 2^32-1 logged',
    code: `const a = [];\na.length = 4294967295;\nconsole.log(a);\nreturn 1`,
    expect: { value: 1 },
    check: unprintable('too large'),
    maxMs: 2_000,
  },
  // A cycle in the result: refused with a message, not a stack overflow or a hang.
  {
    name: 'cyclic result built by the script',
    code: `const o = { a: [1] };\no.a.push(o);\nreturn o`,
    expect: { codes: ['RUNTIME_ERROR'] },
    check: (r) => (r.error?.message.includes('cycle') ? null : `message: ${r.error?.message}`),
  },
  // A cycle logged: the line says so; the run goes on.
  { name: 'cyclic value logged', code: `const o = {};\no.self = [o];\nconsole.log(o);\nreturn 1`, expect: { value: 1 }, check: unprintable('cycle') },
  // Lone surrogates in the result: strings JSON can carry escaped, kept as they are.
  { name: 'lone surrogates in the result', code: `return ['\\uD800', '\\uDC00x', 'a\\uD83D']`, expect: { value: ['\uD800', '\uDC00x', 'a\uD83D'] } },
  // Indentation is not in the copy walk's byte estimate: ten spaces per level over 98 levels, for each of 40,000 numbers.
  {
    name: 'JSON.stringify indentation amplifying deep nesting',
    code: `let o = new Array(40000).fill(0);\nfor (let i = 0; i < 98; i++) o = [o];\nreturn JSON.stringify(o, null, 10).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // What a replacer returns is walked by the native stringify: a shared-reference DAG of 2^30 visits.
  {
    name: 'replacer returning a shared-reference DAG',
    code: `${dag(30)}\nreturn JSON.stringify({ x: 1 }, (k, v) => (k === 'x' ? o : v)).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // A list of 1,000 property names looked up on 3,000 objects, in one native call.
  {
    name: 'replacer name list over many objects',
    code: `const names = Object.keys(Object.assign({}, 'x'.repeat(1000)));\nreturn JSON.stringify(new Array(3000).fill({}), names).length`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A caught tool error returned as data: its own fields only, no stack, no host frames.
  {
    name: 'caught tool error returned as the result',
    code: `try { await callTool('evil:throw-stack', {}) } catch (e) { return [e, new Error('x')] }`,
    expect: { value: [{ name: 'ToolError', code: 'TOOL_ERROR', tool: 'evil:throw-stack' }, {}] },
  },
  // Maps and Sets cannot leave the script as data (their entries are not own properties).
  { name: 'Map and Set in the result', code: `return { m: new Map([['a', 1]]), s: new Set([1]) }`, expect: { codes: ['RUNTIME_ERROR'] } },
];
