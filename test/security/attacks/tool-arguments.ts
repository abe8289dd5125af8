// Technique: smuggle something past callTool's checks in its arguments or its name: whole-argument values that
// serialize to non-objects, Maps and promises, values JSON rewrites, arguments whose JSON text outgrows the
// sandbox's estimate, cycles, names carrying frames, control characters or look-alike letters, names computed at
// STRICT and handed to callTool by a built-in (reduce, a set-like's has, a borrowed apply), a secret as the name,
// and calls made after the result or after a limit.
import type { ExecutionResult, JsonObject } from '../../../src/enclave/index.js';
import { type Attack, tripwire } from './types.js';

const noToolCalls = (r: ExecutionResult): string | null => (r.stats.toolCalls === 0 ? null : `${r.stats.toolCalls} tool call(s) went out`);
/** A handler's contract: args is a plain JSON object (DESIGN §5); anything else reaching it is a tripwire. */
const objectArgsOnly = (_name: string, args: JsonObject): unknown => {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) tripwire.push(`the handler received ${args === null ? 'null' : typeof args} arguments`);
  return { ok: true };
};
/** Oversized arguments must be refused before the handler sees them. */
const neverCalled = (name: string): unknown => {
  tripwire.push(`the handler was called for ${name}`);
  return { ok: true };
};
const echo = (_name: string, args: JsonObject): unknown => ({ got: args });
/** Closed by an attack's check as soon as its run has resolved. */
const afterEnd = { closed: false };
// Control characters and the bidi overrides, which reorder what a reader sees.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

export const toolArguments: Attack[] = [
  // A Date as the whole arguments: it serializes to its ISO string, so the handler would receive a string.
  {
    name: 'a Date as the whole arguments',
    code: `try { await callTool('evil:args', new Date(0)); return 'called' } catch (e) { return e.name }`,
    toolResult: objectArgsOnly,
    expect: { value: 'TypeError' },
  },
  // An invalid Date as the whole arguments: it serializes to null.
  {
    name: 'an invalid Date as the whole arguments',
    code: `try { await callTool('evil:args', new Date(NaN)); return 'called' } catch (e) { return e.name }`,
    toolResult: objectArgsOnly,
    expect: { value: 'TypeError' },
  },
  // Arguments that are not objects at all.
  {
    name: 'non-object arguments',
    code: `const out = [];\nfor (const a of ['x', 1, [1], null]) {\n  try { await callTool('evil:args', a); out.push('called') } catch (e) { out.push(e.name) }\n}\nreturn out`,
    toolResult: objectArgsOnly,
    expect: { value: ['TypeError', 'TypeError', 'TypeError', 'TypeError'] },
    check: noToolCalls,
  },
  // Objects that are not plain data: a Map and a Set are refused; a promise has no own data and arrives empty.
  {
    name: 'Map, Set and a promise as arguments',
    code: `const out = [];\nfor (const a of [new Map([['k', 1]]), new Set([1]), Promise.resolve(1)]) {\n  try { out.push(await callTool('evil:echo', a)) } catch (e) { out.push(e.name) }\n}\nreturn out`,
    toolResult: echo,
    expect: { value: ['TypeError', 'TypeError', { got: {} }] },
  },
  // Values JSON rewrites inside the arguments: the handler receives exactly what JSON.stringify would write.
  {
    name: 'Date, undefined, NaN, -0 and Infinity inside arguments',
    code: `return await callTool('evil:echo', { d: new Date(0), u: undefined, n: NaN, z: -0, i: -Infinity, a: [undefined, NaN] })`,
    toolResult: echo,
    expect: { value: { got: { d: '1970-01-01T00:00:00.000Z', n: null, z: 0, i: null, a: [null, null] } } },
  },
  // 200,000 control characters: 200 KB by the sandbox's estimate, 1.2 MB once JSON escapes them (\u0001).
  {
    name: 'arguments whose JSON escapes multiply their size',
    code: `const s = String.fromCharCode(1).repeat(200000);\ntry { await callTool('evil:big', { s }) } catch (e) { return e.code }`,
    toolResult: neverCalled,
    expect: { value: 'INVALID_TOOL_ARGS' },
  },
  // Plain arguments past the 1 MB budget.
  {
    name: 'arguments past 1 MB',
    code: `try { await callTool('evil:big', { s: 'x'.repeat(1100000) }) } catch (e) { return e.code }`,
    toolResult: neverCalled,
    expect: { value: 'INVALID_TOOL_ARGS' },
    check: noToolCalls,
  },
  // 100,000 keys made without a loop (Object.assign from a string): the host would parse them on its main thread.
  {
    name: 'arguments of 100,000 keys from Object.assign of a string',
    code: `const many = Object.assign({}, 'x'.repeat(100000));\ntry { await callTool('evil:big', many) } catch (e) { return e.code }`,
    toolResult: neverCalled,
    expect: { value: 'INVALID_TOOL_ARGS' },
    check: noToolCalls,
  },
  // A sparse array of length 2^32-1 in the arguments: refused at once, not walked hole by hole.
  {
    name: 'sparse array of length 2^32-1 in arguments',
    code: `const a = [];\na.length = 4294967295;\ntry { await callTool('evil:big', { a }) } catch (e) { return e.code }`,
    toolResult: neverCalled,
    expect: { value: 'INVALID_TOOL_ARGS' },
    maxMs: 2_000,
  },
  // A cycle in the arguments.
  {
    name: 'cyclic arguments',
    code: `const a = { list: [] };\na.list.push(a);\ntry { await callTool('evil:big', a) } catch (e) { return e.name }`,
    toolResult: neverCalled,
    expect: { value: 'TypeError' },
  },
  // A tool name carrying a line that looks like a host stack frame: the error that quotes it must not keep it.
  {
    name: 'tool name smuggling a fake host stack frame',
    code: `await callTool('nosuch:x\\n    at Object.<anonymous> (/srv/app/index.js:1:1)', {})`,
    expect: { codes: ['UNKNOWN_TOOL'] },
    check: (r) => (r.error?.message.includes('index.js') ? `message: ${r.error.message}` : null),
  },
  // A tool name with a clear-screen sequence and a window-title sequence: the error quotes the name (its message
  // and its tool field), and neither may carry them raw to a terminal.
  {
    name: 'tool name with terminal escapes',
    code: `await callTool('nosuch:\\u001b[2J\\u001b]0;owned\\u0007x', {})`,
    expect: { codes: ['UNKNOWN_TOOL'] },
    check: (r) => {
      const bad = [r.error?.message ?? '', r.error?.tool ?? ''].find((t) => CONTROL.test(t));
      return bad === undefined ? null : `raw control characters in the error: ${JSON.stringify(bad)}`;
    },
  },
  // Look-alikes of an allowed name (fullwidth colon, Cyrillic e, upper case): nothing folds them onto evil:data.
  {
    name: 'confusable tool names',
    code: `const out = [];\nfor (const n of ['evil\\uFF1Adata', '\\u0435vil:data', 'EVIL:data']) {\n  try { await callTool(n, {}); out.push('called') } catch (e) { out.push(e.code) }\n}\nreturn out`,
    level: 'SECURE',
    expect: { value: ['UNKNOWN_TOOL', 'UNKNOWN_TOOL', 'UNKNOWN_TOOL'] },
  },
  // A name computed at STRICT, handed to callTool by reduce (callTool as the reducer, the name as the seed).
  {
    name: 'computed name through reduce(callTool, name) at STRICT',
    code: `return await [{}].reduce(callTool, ['evil', 'data'].join(':'))`,
    expect: { codes: ['VALIDATION_ERROR'] },
    check: noToolCalls,
  },
  // The same, with callTool as the has() of a set-like that a native Set method calls.
  {
    name: "computed name through a set-like's has at STRICT",
    code: `const name = ['evil', 'data'].join(':');\nreturn new Set([name]).isSubsetOf({ size: 1, has: callTool, keys: Array.of })`,
    expect: { codes: ['VALIDATION_ERROR'] },
    check: noToolCalls,
  },
  // The same, through Function.prototype.apply borrowed from a built-in (callTool itself has no prototype).
  {
    name: 'computed name through a borrowed Function.prototype.apply at STRICT',
    code: `const name = ['evil', 'data'].join(':');\nreturn await Math.max.apply.call(callTool, null, [name, {}])`,
    expect: { codes: ['VALIDATION_ERROR'] },
    check: noToolCalls,
  },
  // A secret handed over by one tool, used as the name of the next call: every field of the result is output.
  {
    name: 'secret as a tool name',
    level: 'SECURE',
    code: `const { token } = await callTool('evil:leak-secret', {});\nawait callTool(token, {})`,
    expect: { codes: ['UNKNOWN_TOOL'] },
  },
  // A call queued to go out after the result is reported: it may reach the handler while the run is still ending,
  // never after the caller has its result (the check closes the gate as soon as the run resolves).
  {
    name: 'tool call after the script returned',
    code: `Promise.resolve().then(() => 0).then(() => 0).then(() => callTool('evil:late', {}));\nreturn 'done'`,
    toolResult: () => {
      if (afterEnd.closed) tripwire.push('a tool call reached the handler after the run had ended');
      return { ok: true };
    },
    expect: { value: 'done' },
    check: () => {
      afterEnd.closed = true;
      return null;
    },
  },
  // A finally block after a fatal limit: it must not get to call a tool.
  {
    name: 'tool call in a finally block after a limit',
    code: `try { for (;;) {} } finally { await callTool('evil:data', {}) }`,
    expect: { codes: ['MAX_ITERATIONS'] },
    check: noToolCalls,
  },
];
