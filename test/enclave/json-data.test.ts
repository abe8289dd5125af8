// toJsonText(value, maxBytes): a tool handler's answer as JSON text, read without running any of its code.
import { describe, expect, it } from 'vitest';
import { toJsonText } from '../../src/enclave/json-data.js';

const MB = 2 ** 20;
const ok = (value: unknown, max = MB): string => {
  const r = toJsonText(value, max);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.text;
};
const reason = (value: unknown, max = MB): string => {
  const r = toJsonText(value, max);
  if (r.ok) throw new Error(`accepted: ${r.text}`);
  return r.reason;
};

describe('toJsonText: plain data', () => {
  it('writes what JSON.stringify writes for plain data', () => {
    const samples: unknown[] = [
      null, true, 0, -0, 1.5, 1e21, 'a"b\\c\n\u2028', [], {}, [1, 'x', null, [true]], { a: { b: [{}] }, 'k"': 1 },
      { a: NaN, b: Infinity, c: undefined, d: [undefined, NaN] }, Object.assign(Object.create(null), { z: 1 }),
    ];
    for (const v of samples) expect(ok(v)).toBe(JSON.stringify(v));
  });
  it('writes undefined at the top as null', () => expect(ok(undefined)).toBe('null'));
  it('keeps __proto__ as an ordinary own key that JSON round-trips', () => {
    const text = ok(JSON.parse('{"__proto__": {"isAdmin": true}, "a": 1}'));
    expect(text).toBe('{"__proto__":{"isAdmin":true},"a":1}');
    const back = JSON.parse(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
  });
  it('keeps __proto__ nested in arrays', () => {
    expect(ok([JSON.parse('{"__proto__": {"x": 1}}')])).toBe('[{"__proto__":{"x":1}}]');
  });
});

describe('toJsonText: hostile values run no code', () => {
  it('refuses a Proxy before any trap runs', () => {
    const ran: string[] = [];
    const handler: ProxyHandler<object> = {};
    for (const trap of ['get', 'getPrototypeOf', 'ownKeys', 'getOwnPropertyDescriptor', 'has'] as const) {
      (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => { ran.push(trap); return (Reflect[trap] as (...a: unknown[]) => unknown)(...args); };
    }
    expect(reason(new Proxy({ a: 1 }, handler))).toMatch(/\$ is a Proxy/);
    expect(reason(new Proxy([1, 2], handler))).toMatch(/\$ is a Proxy/);
    expect(reason({ inner: [new Proxy({}, handler)] })).toMatch(/\$\.inner\[0\] is a Proxy/);
    expect(ran).toEqual([]);
  });
  it('refuses an enumerable getter without calling it, and skips a hidden one', () => {
    let calls = 0;
    const get = () => ++calls;
    expect(reason(Object.defineProperty({}, 'x', { enumerable: true, get }))).toMatch(/\$\.x is a getter/);
    expect(reason(Object.defineProperty([1, 2], 0, { get }))).toMatch(/\$\[0\] is a getter/);
    expect(ok(Object.defineProperty({ a: 1 }, 'x', { enumerable: false, get }))).toBe('{"a":1}');
    expect(ok(Object.defineProperty({ a: 1 }, Symbol('s'), { enumerable: true, get }))).toBe('{"a":1}');
    expect(calls).toBe(0);
  });
  it('never reads `constructor` to describe a non-plain object', () => {
    let calls = 0;
    const proto = { get constructor() { calls++; return { name: 'Evil' }; } };
    expect(reason(Object.create(proto))).toMatch(/prototype other than Object\.prototype/);
    expect(calls).toBe(0);
    expect(reason(new Map())).toMatch(/instance of Map/);
    expect(reason(new (class Tool { a = 1; })())).toMatch(/instance of Tool/);
  });
  it('writes a real Date through Date.prototype, whatever the instance overrides', () => {
    let calls = 0;
    const date = Object.assign(new Date(0), { toISOString: () => { calls++; return 'forged'; }, getTime: () => { calls++; return 1; }, toJSON: () => { calls++; return 'forged'; } });
    expect(ok({ at: date })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(ok(new Date(NaN))).toBe('null');
    expect(calls).toBe(0);
  });
  it('refuses functions (toJSON included), symbols, BigInts and cycles, naming the path', () => {
    expect(reason({ toJSON: () => 'x' })).toMatch(/\$\.toJSON is a function/);
    expect(reason({ a: [Symbol('s')] })).toMatch(/\$\.a\[0\] is a symbol/);
    expect(reason({ n: 10n })).toMatch(/\$\.n is a bigint/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { again: cyclic };
    expect(reason(cyclic)).toMatch(/\$\.self\.again refers back to itself/);
  });
  it('keeps hostile keys short in the reason', () => {
    expect(reason({ ['k'.repeat(10_000)]: () => 1 }).length).toBeLessThan(200);
  });
});

describe('toJsonText: size and depth budgets are charged before the walk', () => {
  it('refuses a huge sparse array at once', () => {
    const a: unknown[] = [];
    a.length = 1e9;
    const started = performance.now();
    expect(reason({ a }, 8 * MB)).toMatch(/\$\.a has 1000000000 items, more than fit in the 8388608 bytes/);
    expect(performance.now() - started).toBeLessThan(50);
  });
  it('refuses a shared-reference DAG as soon as its text passes the budget (2^60 visits otherwise)', () => {
    let o: unknown = [];
    for (let i = 0; i < 60; i++) o = [o, o];
    const started = performance.now();
    expect(reason(o, MB)).toMatch(/more than the 1048576 bytes a script may receive \(at \$(\[[01]\])+\)/);
    expect(performance.now() - started).toBeLessThan(5_000); // about 0.3–0.7 µs per byte of budget here, on a shared machine
  });
  it('accepts text of exactly maxBytes and refuses one more', () => {
    const text = JSON.stringify({ s: 'x'.repeat(100) });
    expect(ok({ s: 'x'.repeat(100) }, text.length)).toBe(text);
    expect(reason({ s: 'x'.repeat(100) }, text.length - 1)).toMatch(/more than the/);
  });
  it('accepts 100 levels of brackets and refuses 101', () => {
    const nest = (n: number): unknown => (n === 0 ? 'bottom' : { v: nest(n - 1) });
    expect(toJsonText(nest(100), MB).ok).toBe(true);
    expect(reason(nest(101))).toMatch(/nests deeper than 100 levels/);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(reason(deep)).toMatch(/nests deeper/);
  });
});
