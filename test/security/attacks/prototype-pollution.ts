// Technique: pollute shared objects (built-ins, globals, prototypes) in one execution and look for the
// pollution in the next execution on the same Enclave, and in the host's own prototypes.
import type { ExecutionResult } from '../../../src/enclave/index.js';
import type { Attack } from './types.js';

/** The host sees the result as plain data: own keys only, an ordinary prototype, nothing inherited. */
const plainHostValue = (r: ExecutionResult): string | null => {
  const v = r.value as Record<string, unknown> | undefined;
  if (!r.success || v === null || typeof v !== 'object') return null;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return `the host result has a foreign prototype: ${JSON.stringify(proto)}`;
  if ('isAdmin' in v && !Object.hasOwn(v, 'isAdmin')) return 'the host result inherits isAdmin from a prototype the script chose';
  return null;
};

export const prototypePollution: Attack[] = [
  // Overwrite a Math member through Object.assign (the validator only sees `Math.max = …` written directly).
  {
    name: 'Object.assign(Math, …) does not reach the next run',
    code: `Object.assign(Math, { max: 'polluted' });\nreturn typeof Math.max`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 'function' },
    after: { code: `return typeof Math.max`, expect: { value: 'function' } },
  },
  // Overwrite Array.from (the guarded wrapper) for later scripts.
  {
    name: 'Object.assign(Array, …) does not reach the next run',
    code: `Object.assign(Array, { from: 'polluted' });\nreturn 1`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], success: true },
    after: { code: `return Array.from([1, 2]).length`, expect: { value: 2 } },
  },
  // JSON is frozen: Object.assign must fail, and the next run's JSON works.
  {
    name: 'Object.assign(JSON, …) then use JSON',
    code: `Object.assign(JSON, { parse: JSON.stringify });\nreturn JSON.parse('[1]')`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: [1] },
    after: { code: `return JSON.parse('[1]')`, expect: { value: [1] } },
  },
  // The sandbox's Object namespace is frozen.
  {
    name: 'Object.assign(Object, { defineProperty })',
    code: `Object.assign(Object, { getPrototypeOf: Object.keys });\nreturn typeof Object.getPrototypeOf`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // console is frozen: replacing log must fail.
  {
    name: 'Object.assign(console, …)',
    code: `Object.assign(console, { log: 1 });\nreturn typeof console.log`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 'function' },
  },
  // Replace Promise statics (parallel and callTool use captured copies).
  {
    name: 'Object.assign(Promise, …) does not break parallel or the next run',
    level: 'STANDARD',
    code: `const bad = () => 'pwned';\nObject.assign(Promise, { all: bad, resolve: bad });\nreturn await parallel([1, 2], (x) => x * 2)`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: [2, 4] },
    after: { code: `return await Promise.all([1, 2])`, expect: { value: [1, 2] } },
  },
  // Add properties to the prelude's functions.
  {
    name: 'Object.assign(callTool, …) does not reach the next run',
    code: `Object.assign(callTool, { polluted: 1 });\nreturn 1`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], success: true },
    after: { code: `return Object.keys(callTool).length`, expect: { value: 0 } },
  },
  // A parsed `__proto__` key copied with Object.assign sets the target's prototype: the next run must not see it.
  {
    name: '__proto__ from JSON via Object.assign',
    code: `const o = Object.assign({}, JSON.parse('{"__proto__": {"polluted": true}}'));\nreturn o.polluted === true`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: false },
    after: { code: `const o = {};\nreturn typeof o.polluted`, expect: { value: 'undefined' } },
  },
  // Re-prototype a built-in namespace object (Math) through the same route.
  {
    name: 're-prototype Math through __proto__ key',
    code: `Object.assign(Math, Object.fromEntries([['__proto__', { polluted: 1 }]]));\nreturn Math.polluted === 1`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: false },
    after: { code: `return typeof Math.polluted`, expect: { value: 'undefined' } },
  },
  // Return an object whose own `__proto__` key would become the prototype of the host's copy of the result.
  {
    name: '__proto__ key in the result reaches the host',
    code: `return JSON.parse('{"__proto__": {"isAdmin": true}, "user": "x"}')`,
    expect: { success: true },
    check: plainHostValue,
  },
  // The same key nested inside an array of results.
  {
    name: 'nested __proto__ key in the result',
    code: `return [JSON.parse('{"__proto__": {"isAdmin": true}}')]`,
    expect: { success: true },
    check: (r) => plainHostValue({ ...r, value: (r.value as unknown[] | undefined)?.[0] as never }),
  },
  // A `__proto__` key in tool arguments: the host handler must receive data, not a prototype.
  {
    name: '__proto__ key in tool arguments',
    code: `const args = JSON.parse('{"__proto__": {"isAdmin": true}}');\nreturn await callTool('evil:echo-proto', args)`,
    expect: { success: true, codes: ['TOOL_ERROR'] },
  },
];
