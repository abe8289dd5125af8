// Technique: the machinery of promises and async code: thenables that never settle or carry data, own `then`
// methods on promises, Promise statics run with another constructor as `this`, limits hidden inside
// AggregateError, `.finally` or a lost race, unhandled rejections and work queued to run after the result.
import type { ExecutionResult } from '../../../src/enclave/index.js';
import type { Attack } from './types.js';

/** After a fatal limit, no tool call may reach the host (not from a catch, a finally or a promise handler). */
const noToolCalls = (r: ExecutionResult): string | null => (r.stats.toolCalls === 0 ? null : `${r.stats.toolCalls} tool call(s) went out after the limit`);

export const asyncMachinery: Attack[] = [
  // The constructors of async and generator functions by name (they compile strings, as Function does).
  {
    name: 'AsyncFunction and GeneratorFunction by name',
    code: `return [typeof AsyncFunction, typeof GeneratorFunction]`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // The result is a thenable whose then never calls back: the run must end (not wait until its deadline).
  {
    name: 'result thenable that never settles',
    level: 'STANDARD',
    code: `const th = (resolve) => 0;\nreturn { then: th }`,
    expect: { codes: ['RUNTIME_ERROR'] },
    maxMs: 10_000, // STANDARD's deadline is 30 s
  },
  // A tool result with a `then` key: JSON data, so awaiting it must not treat it as a thenable.
  {
    name: 'tool result with a then key stays data',
    code: `const r = await callTool('evil:then', {});\nreturn r`,
    toolResult: () => ({ then: 'function (resolve) { resolve(1) }', x: 2 }),
    expect: { value: { then: 'function (resolve) { resolve(1) }', x: 2 } },
  },
  // An own `then` on a callTool promise: Promise.all calls it (language semantics), but await and parallel adopt
  // the real result, so the prelude is never fed the forged value.
  {
    name: 'own then on a callTool promise',
    level: 'STANDARD',
    code: `const forged = (ok) => ok('forged');\nconst p = callTool('evil:data', {});\nObject.assign(p, { then: forged });\nconst direct = await p;\nconst lanes = await parallel([0], () => p);\nconst all = await Promise.all([p]);\nreturn [direct.ok, lanes[0].ok, all[0]]`,
    expect: { value: [true, true, 'forged'] },
  },
  // Promise statics called with another constructor as `this` (NewPromiseCapability would construct it).
  {
    name: 'Promise statics with a foreign constructor as this',
    code: `const out = [];\nfor (const C of [Map, Set, Date, Error, Array, String, Number, Boolean]) {\n  try { Promise.resolve.call(C, 1); out.push('made') } catch (e) { out.push(e.name) }\n}\ntry { Promise.all.call(Date, []); out.push('made') } catch (e) { out.push(e.name) }\nreturn out`,
    expect: { value: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'] },
  },
  // Rejections nobody handles (a plain one, a tool error, an async callback throwing later) must not replace the result.
  {
    name: 'unhandled rejections do not replace the result',
    code: `Promise.reject(new Error('early'));\ncallTool('evil:throw-stack', {});\n[1].map(async () => { await null; await null; throw new Error('late') });\nreturn 'done'`,
    expect: { value: 'done' },
  },
  // Unbounded recursion through a promise chain: each step is a microtask, each callback counts.
  {
    name: 'microtask recursion through a promise chain',
    level: 'STANDARD',
    code: `const step = (n) => Promise.resolve(n).then((x) => step(x + 1));\nreturn await step(0)`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // An endless loop that yields to the host at every turn.
  { name: 'await in an endless loop', code: `for (;;) { await null }`, expect: { codes: ['MAX_ITERATIONS'] } },
  // A million promises resolved natively by one Promise.all (no callback to count): a flood of jobs.
  {
    name: 'Promise.all over a million values',
    code: `return (await Promise.all(new Array(1000000).fill(0))).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // A limit inside Promise.any surfaces as an AggregateError, which says nothing of the limit: the run must still end.
  {
    name: 'limit wrapped in an AggregateError by Promise.any',
    code: `try { await Promise.any([Promise.resolve().then(() => { for (;;) {} })]) } catch (e) {\n  await callTool('evil:data', {});\n  return 'survived';\n}`,
    expect: { codes: ['MAX_ITERATIONS'] },
    check: noToolCalls,
  },
  // Promise.prototype.finally calls its handler for a rejection: after a limit, it must not get to run a tool call.
  {
    name: 'tool call from .finally() after a limit',
    code: `await Promise.resolve().then(() => { for (;;) {} }).finally(() => callTool('evil:data', {}));\nreturn 'survived'`,
    expect: { codes: ['MAX_ITERATIONS'] },
    check: noToolCalls,
  },
  // A limit in the branch that loses a race: the race settles first, the limit must still end the run.
  {
    name: 'limit in the losing branch of Promise.race',
    code: `return await Promise.race([Promise.resolve('won'), Promise.resolve().then(() => { for (;;) {} })])`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // Work queued to run after the result is reported: a busy loop three microtasks later. It still runs and hits the
  // limit (which then wins over the result); ending the run at its result would be as safe.
  {
    name: 'busy loop queued after the result',
    code: `Promise.resolve().then(() => 0).then(() => 0).then(() => { for (;;) {} });\nreturn 'done'`,
    expect: { codes: ['MAX_ITERATIONS'], value: 'done' },
    maxMs: 2_000,
  },
  // Promises in the result: objects without own data, never awaited by the host.
  {
    name: 'promises in the result',
    code: `return [Promise.resolve(1), callTool('evil:data', {}), Promise.reject(new Error('x')).catch(() => 0)]`,
    expect: { value: [{}, {}, {}] },
  },
];
