// Technique: a tool (a downstream server, or a compromised handler) returns values that are not JSON data:
// functions, accessors, proxies, cycles, BigInt, symbols, class instances, extreme depth, width or size.
// The script must get TOOL_ERROR or plain data; the host must never run the value's code (tripwire) or crash.
import { type Attack, tripwire } from './types.js';

/** Answers of the late tool, held until the run has ended. */
const late: Array<() => void> = [];

const call = `return await callTool('evil:result', {})`;
const callCaught = `try { return await callTool('evil:result', {}) } catch (e) { return ['caught', e.code] }`;
const toolError = { codes: ['TOOL_ERROR'] } as Attack['expect'];

/** Spins for at most `ms` (a real infinite loop would hang the test process if the host ever invoked it). */
const spin = (ms: number): void => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* a looping getter */
  }
};

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

export const hostileTools: Attack[] = [
  // A function as the whole result.
  { name: 'function result', code: call, toolResult: () => () => 'host code', expect: toolError },
  // A function nested in data.
  { name: 'function nested in data', code: call, toolResult: () => ({ ok: 1, fn: () => tripwire.push('fn called') }), expect: toolError },
  // An own getter that throws.
  {
    name: 'getter that throws',
    code: call,
    toolResult: () =>
      Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          tripwire.push('throwing getter ran');
          throw new Error('boom');
        },
      }),
    expect: toolError,
  },
  // An own getter that loops (bounded here so a failing host still finishes).
  {
    name: 'getter that loops',
    code: call,
    toolResult: () =>
      Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          tripwire.push('looping getter ran');
          spin(2000);
          return 1;
        },
      }),
    expect: toolError,
  },
  // A getter on an array index.
  {
    name: 'getter on an array index',
    code: call,
    toolResult: () =>
      Object.defineProperty([1, 2], 0, {
        get() {
          tripwire.push('index getter ran');
          return 9;
        },
      }),
    expect: toolError,
  },
  // A non-enumerable getter (skipped or refused, never run).
  {
    name: 'non-enumerable getter',
    code: call,
    toolResult: () =>
      Object.defineProperty({ a: 1 }, 'x', {
        enumerable: false,
        get() {
          tripwire.push('hidden getter ran');
          return 1;
        },
      }),
    expect: { codes: ['TOOL_ERROR'], value: { a: 1 } },
  },
  // An accessor inherited from the prototype, named `constructor` (the host reads it to describe the value).
  // A custom prototype is read as the object's own data (issue 8): nothing of the prototype is read, its getter never runs.
  {
    name: 'inherited constructor getter',
    code: call,
    toolResult: () =>
      Object.create({
        get constructor() {
          tripwire.push('prototype constructor getter ran');
          return { name: 'Evil' };
        },
      }),
    expect: { value: {} },
  },
  // A class instance with a prototype getter.
  {
    name: 'class instance',
    code: call,
    toolResult: () =>
      new (class Evil {
        get secret() {
          tripwire.push('class getter ran');
          return 1;
        }
        a = 1;
      })(),
    expect: { value: { a: 1 } },
  },
  // A Proxy: every trap is host code the conversion must not invoke.
  {
    name: 'Proxy result',
    code: call,
    toolResult: () =>
      new Proxy(
        { a: 1 },
        {
          getPrototypeOf: (t) => {
            tripwire.push('proxy getPrototypeOf trap ran');
            return Object.getPrototypeOf(t);
          },
          ownKeys: (t) => {
            tripwire.push('proxy ownKeys trap ran');
            return Reflect.ownKeys(t);
          },
          getOwnPropertyDescriptor: (t, k) => {
            tripwire.push('proxy getOwnPropertyDescriptor trap ran');
            return Reflect.getOwnPropertyDescriptor(t, k);
          },
          // Awaiting the handler's return value reads `then` (Promise resolution, before the enclave sees the value):
          // that lookup is the language's, not the enclave's, so it is not a tripwire.
          get: (t, k) => {
            if (k !== 'then') tripwire.push('proxy get trap ran');
            return Reflect.get(t, k);
          },
        },
      ),
    expect: toolError,
  },
  // A Proxy posing as an array.
  {
    name: 'Proxy array result',
    code: call,
    toolResult: () =>
      new Proxy([1, 2], {
        get: (t, k) => {
          if (k !== 'then') tripwire.push('array proxy get trap ran');
          return Reflect.get(t, k);
        },
      }),
    expect: toolError,
  },
  // A Date whose own toISOString is host code.
  {
    name: 'Date with own toISOString',
    code: call,
    toolResult: () =>
      Object.assign(new Date(0), {
        toISOString: () => {
          tripwire.push('Date.toISOString override ran');
          return 'forged';
        },
      }),
    expect: { codes: ['TOOL_ERROR'], value: '1970-01-01T00:00:00.000Z' },
  },
  // A toJSON method (JSON.stringify would call it).
  {
    name: 'object with toJSON',
    code: call,
    toolResult: () => ({
      toJSON: () => {
        tripwire.push('toJSON ran');
        return 'forged';
      },
    }),
    expect: toolError,
  },
  // A cycle.
  {
    name: 'cyclic result',
    code: call,
    toolResult: () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    },
    expect: toolError,
  },
  // A BigInt.
  { name: 'BigInt result', code: call, toolResult: () => ({ n: 10n ** 30n }), expect: toolError },
  // A Symbol value.
  { name: 'Symbol value', code: call, toolResult: () => ({ s: Symbol('x') }), expect: toolError },
  // A Symbol key (dropped: JSON has no symbol keys) with a getter behind it.
  {
    name: 'Symbol key with getter',
    code: call,
    toolResult: () =>
      Object.defineProperty({ a: 1 }, Symbol('x'), {
        enumerable: true,
        get() {
          tripwire.push('symbol-key getter ran');
          return 1;
        },
      }),
    expect: { codes: ['TOOL_ERROR'], value: { a: 1 } },
  },
  // Map and Set instances.
  { name: 'Map result', code: call, toolResult: () => new Map([['a', 1]]), expect: toolError },
  // A typed array / Buffer.
  { name: 'Buffer result', code: call, toolResult: () => Buffer.from('secret bytes'), expect: toolError },
  // A host Error object.
  { name: 'Error object result', code: call, toolResult: () => new Error(`at ${process.cwd()}/x.js`), expect: toolError },
  // `__proto__` as an own key (from JSON.parse): data, never a prototype the script can inherit from.
  {
    name: '__proto__ key in a tool result',
    code: `const r = await callTool('evil:result', {});\nreturn [r.isAdmin === true, r.a]`,
    toolResult: () => JSON.parse('{"__proto__": {"isAdmin": true}, "a": 1}'),
    expect: { codes: ['TOOL_ERROR'], value: [false, 1] },
  },
  // `constructor` / `prototype` as own data keys: readable through Object.entries, harmless.
  {
    name: 'constructor key in a tool result',
    code: `const r = await callTool('evil:result', {});\nreturn Object.entries(r)`,
    toolResult: () => JSON.parse('{"constructor": {"name": "x"}, "prototype": 1}'),
    expect: {
      success: true,
      value: [
        ['constructor', { name: 'x' }],
        ['prototype', 1],
      ],
    },
  },
  // 100,000 levels of nesting (the host conversion must not recurse that deep, nor the engine parse it).
  { name: '100k-deep nesting', code: callCaught, toolResult: () => nested(100_000), expect: { codes: ['TOOL_ERROR'], value: ['caught', 'TOOL_ERROR'] } },
  // 100,000 levels of brackets inside a string: data, but JSON.parse in the sandbox must refuse it cleanly.
  {
    name: '100k-deep JSON text parsed by the script',
    code: `const r = await callTool('evil:result', {});\nreturn JSON.parse(r.text)`,
    toolResult: () => ({ text: '['.repeat(100_000) + ']'.repeat(100_000) }),
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A 50 MB string.
  {
    name: 'huge string result',
    code: callCaught,
    toolResult: () => 'x'.repeat(50_000_000),
    expect: { codes: ['TOOL_ERROR'], value: ['caught', 'TOOL_ERROR'] },
    maxMs: 5_000,
  },
  // A sparse array with a huge length: costs the tool nothing, but the host walks every hole before it checks size
  // (measured: length 5e7 took 24 s and 1.4 GB of host memory; 1e9 would kill the host).
  {
    name: 'huge sparse array result',
    code: callCaught,
    toolResult: () => {
      const a: unknown[] = [];
      a.length = 5_000_000;
      return a;
    },
    expect: { codes: ['TOOL_ERROR'], value: ['caught', 'TOOL_ERROR'] },
    maxMs: 2_000,
  }, // a walk of 5M holes takes far longer; json-data.test.ts pins "at once"
  // NaN / Infinity / -0 / undefined members become JSON's null or disappear.
  {
    name: 'non-finite numbers and undefined',
    code: call,
    toolResult: () => ({ a: NaN, b: Infinity, c: undefined, d: [undefined] }),
    expect: { codes: ['TOOL_ERROR'], value: { a: null, b: null, d: [null] } },
  },
  // A handler that throws with a code outside the tool codes (must not become a fatal limit code).
  {
    name: 'handler throws a fatal-looking code',
    code: `await callTool('evil:result', {})`,
    toolResult: () => {
      throw Object.assign(new Error('fake limit'), { code: 'TIMEOUT' });
    },
    expect: toolError,
  },
  // A handler that throws a non-Error value.
  {
    name: 'handler throws a non-Error',
    code: `await callTool('evil:result', {})`,
    toolResult: () => {
      throw {
        toString: () => {
          tripwire.push('thrown value toString ran');
          return 'x';
        },
      };
    },
    expect: toolError,
  },
  // A handler that answers after the script has finished (a late answer must be dropped).
  {
    name: 'late tool answer after the script ended',
    code: `callTool('evil:result', {});\nreturn 'done'`,
    toolResult: () => new Promise((resolve) => late.push(() => resolve({ late: true }))),
    expect: { success: true, value: 'done' },
    // Called once the run has ended: the answer comes now, and lands before the suite looks for side effects.
    check: () => {
      for (const answer of late.splice(0)) answer();
      return null;
    },
  },
];
