// realm.js, checked from outside: a probe captures the real reflection built-ins before the prelude runs, then,
// after the realm is locked down, walks everything a script can reach (the global object, and instances only
// syntax makes) through every property, accessor and prototype. No constructor that builds code from strings, no
// reflective Object and no unguarded Array may be reachable; the global object holds exactly the listed names.
import { DefaultIntrinsics, type QuickJSHandle } from 'quickjs-emscripten-core';
import { describe, expect, it } from 'vitest';
import { GLOBALS } from '../../../src/enclave/policy.js';
import { ModulePool } from '../../../src/enclave/runtime/module-pool.js';
import { installPrelude, type HostBridge } from '../../../src/enclave/runtime/prepared.js';
import { GUARD } from '../../../src/enclave/transform.js';

const PROBE = `(() => {
  const R = Reflect, O = Object, ownKeys = R.ownKeys, describe = O.getOwnPropertyDescriptor, protoOf = O.getPrototypeOf;
  const kinds = [function () {}, async function () {}, function* () {}, async function* () {}, () => 1];
  const forbidden = new Map([
    [Function, 'Function'], [eval, 'eval'], [Object, 'Object'], [Array, 'Array'],
    ...kinds.slice(1, 4).map((f) => [protoOf(f).constructor, protoOf(f).constructor.name]),
    ...(typeof RegExp === 'function' ? [[RegExp, 'RegExp']] : []),
  ]);
  // Instances only syntax or built-in behaviour makes, created now with the same intrinsics a script gets.
  const made = [...kinds, [], {}, '', 0, true, new Error('x'), new TypeError('x'), Promise.resolve(1), [].values(), new Map().entries(),
    new Set().values(), ''[Symbol.iterator](), (function* () {})(), (async function* () {})(), new Date(0), new Map(), new Set()];
  return (global) => {
    const seen = new Set(), found = new Set(), todo = [global, ...made.map((v) => (typeof v === 'object' || typeof v === 'function' ? v : O(v)))];
    while (todo.length > 0) {
      const o = todo.pop();
      if (o === null || o === undefined || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
      seen.add(o);
      if (forbidden.has(o)) found.add(forbidden.get(o));
      todo.push(protoOf(o));
      for (const k of ownKeys(o)) {
        const d = describe(o, k);
        if ('value' in d) todo.push(d.value); else todo.push(d.get, d.set);
      }
    }
    return JSON.stringify({ found: [...found], objects: seen.size, names: ownKeys(global).map(String).sort(), globalProto: protoOf(global) === null,
      legacy: ['__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'].filter((k) => describe(protoOf({}), k) !== undefined) });
  };
})()`;

interface ProbeReport {
  found: string[];
  objects: number;
  names: string[];
  globalProto: boolean;
  legacy: string[];
}

const modules = new ModulePool();

async function lockedDown(regex: boolean): Promise<ProbeReport> {
  const lease = await modules.acquire(16 * 2 ** 20);
  const runtime = lease.module.newRuntime();
  const ctx = runtime.newContext({ intrinsics: { ...DefaultIntrinsics, RegExp: regex } });
  const probe = ctx.unwrapResult(ctx.evalCode(PROBE, 'probe.js'));
  // The probe's own callbacks pass the prelude's counting guards: a bridge that never stops them.
  const bridge = { interrupted: () => false } as HostBridge;
  const configure: QuickJSHandle = installPrelude(
    ctx,
    () => bridge,
    () => false,
  );
  const cfg = ctx.newString(
    JSON.stringify({ maxIterations: 1e9, maxArrayLength: 1e9, maxStringLength: 1e9, deadline: Date.now() + 60_000, globals: '{}', seed: [1, 2, 3, 4] }),
  );
  ctx.unwrapResult(ctx.callFunction(configure, ctx.undefined, cfg)).dispose();
  const report = ctx.unwrapResult(ctx.callFunction(probe, ctx.undefined, ctx.global));
  const text = ctx.getString(report);
  // The context is left to the garbage collector: freeing a runtime with live handles fails QuickJS's leak check.
  return JSON.parse(text) as ProbeReport;
}

describe.each([
  ['STRICT (no regular-expression engine)', false],
  ['SECURE and up', true],
] as const)('the locked-down realm, %s', (_name, regex) => {
  it('reaches no Function-family constructor, no eval, no reflective Object and no unguarded Array', async () => {
    const report = await lockedDown(regex);
    expect(report.objects).toBeGreaterThan(100); // the walk really went through the built-ins
    expect(report.found).toEqual([]);
  });
  it('has exactly the listed globals and the guards, and no prototype', async () => {
    const report = await lockedDown(regex);
    const expected = [...new Set([...GLOBALS.keys(), ...Object.values(GUARD).filter((n) => n !== GUARD.caughtName)])].sort();
    expect(report.names).toEqual(expected);
    expect(report.globalProto).toBe(true);
  });
  it('has no legacy accessors on Object.prototype', async () => {
    expect((await lockedDown(regex)).legacy).toEqual([]);
  });
});
