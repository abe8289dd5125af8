// toJsonText(value, maxBytes) and toJsonTextAsync: a tool handler's answer as JSON text, read without running any of
// its code; the async variant in slices that leave the event loop free.
import { describe, expect, it } from 'vitest';
import { generateKeySync } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { toJsonText, toJsonTextAsync } from '../../src/enclave/json-data.js';
import { cpuTimed } from '../cpu-time.js';

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
      null,
      true,
      0,
      -0,
      1.5,
      1e21,
      'a"b\\c\n\u2028',
      [],
      {},
      [1, 'x', null, [true]],
      { a: { b: [{}] }, 'k"': 1 },
      { a: NaN, b: Infinity, c: undefined, d: [undefined, NaN] },
      Object.assign(Object.create(null), { z: 1 }),
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
      (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => {
        ran.push(trap);
        return (Reflect[trap] as (...a: unknown[]) => unknown)(...args);
      };
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
  it('never reads `constructor`, nor anything else, of an object with its own prototype', () => {
    let calls = 0;
    const proto = {
      get constructor() {
        calls++;
        return { name: 'Evil' };
      },
      get inherited() {
        calls++;
        return 1;
      },
    };
    expect(ok(Object.assign(Object.create(proto) as object, { a: 1 }))).toBe('{"a":1}');
    expect(calls).toBe(0);
  });
  it('writes a real Date through Date.prototype, whatever the instance overrides', () => {
    let calls = 0;
    const date = Object.assign(new Date(0), {
      toISOString: () => {
        calls++;
        return 'forged';
      },
      getTime: () => {
        calls++;
        return 1;
      },
      toJSON: () => {
        calls++;
        return 'forged';
      },
    });
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
  it('refuses a huge sparse array at once, by its length', () => {
    const a: unknown[] = [];
    a.length = 1e9;
    // No clock: this reason comes only from the check of the length before the walk. Without that check, the walk
    // writes 'null' per hole until the byte budget refuses it, 1.7 million steps in ("it is more than the 8388608
    // bytes a script may receive (at $.a[1677720])"; 220 ms here, measured with the check taken out).
    expect(reason({ a }, 8 * MB)).toMatch(/^\$\.a has 1000000000 items, more than fit in the 8388608 bytes/);
  });
  it('refuses a shared-reference DAG as soon as its text passes the budget (2^60 visits otherwise)', () => {
    let o: unknown = [];
    for (let i = 0; i < 60; i++) o = [o, o];
    const { value, ms } = cpuTimed(() => reason(o, MB));
    expect(value).toMatch(/more than the 1048576 bytes a script may receive \(at \$(\[[01]\])+\)/);
    expect(ms).toBeLessThan(5_000); // about 0.3–0.7 µs per byte of budget here
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

describe('toJsonText: objects with their own prototype are their own enumerable data', () => {
  it('a class instance: own fields only, prototype getters and methods never called', () => {
    let calls = 0;
    class Tool {
      a = 1;
      nested = { b: [2] };
      get secret(): number {
        calls++;
        return 42;
      }
      toString(): string {
        calls++;
        return 'x';
      }
    }
    expect(ok(new Tool())).toBe('{"a":1,"nested":{"b":[2]}}');
    expect(ok({ list: [new Tool()] })).toBe('{"list":[{"a":1,"nested":{"b":[2]}}]}');
    expect(calls).toBe(0);
  });
  it('a subclass of Array is its items', () => {
    class Items extends Array<number> {}
    expect(ok(Items.from([1, 2]))).toBe('[1,2]');
  });
  it('an own accessor is still refused with its path', () => {
    class Account {
      get balance(): number {
        return 1;
      }
    }
    const withOwn = Object.defineProperty(new Account(), 'token', { enumerable: true, get: () => 'x' });
    expect(reason({ account: withOwn })).toMatch(/\$\.account\.token is a getter/);
  });
  it('an inherited toJSON is refused (JSON.stringify would call it), naming the class and what to return', () => {
    let calls = 0;
    class Money {
      cents = 1;
      toJSON(): string {
        calls++;
        return '0.01';
      }
    }
    expect(reason({ price: new Money() })).toMatch(/^\$\.price is an instance of Money with a toJSON method; return the plain data toJSON\(\) gives instead$/);
    expect(reason(new URL('https://example.com/'))).toMatch(/instance of URL with a toJSON method/);
    expect(calls).toBe(0);
  });
  it('a Proxy anywhere in the prototype chain is refused, and no trap runs', () => {
    const ran: string[] = [];
    const trap = new Proxy(
      {},
      {
        get: (_t, k) => {
          ran.push(String(k));
          return undefined;
        },
        getOwnPropertyDescriptor: () => {
          ran.push('gopd');
          return undefined;
        },
        getPrototypeOf: () => {
          ran.push('proto');
          return null;
        },
      },
    );
    expect(reason({ x: Object.assign(Object.create(trap) as object, { a: 1 }) })).toMatch(/\$\.x has a Proxy in its prototype chain/);
    expect(reason(Object.create(Object.create(trap) as object))).toMatch(/Proxy in its prototype chain/);
    expect(ran).toEqual([]);
  });
  it('a prototype chain longer than 32 is refused rather than walked', () => {
    let proto: object = {};
    for (let i = 0; i < 40; i++) proto = Object.create(proto) as object;
    expect(reason(Object.create(proto))).toMatch(/prototype chain longer than 32/);
  });
});

describe('toJsonText: exotic built-ins are refused with their path and what to return instead', () => {
  function* generator(): Generator<number> {
    yield 1;
  }
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Map', () => new Map([['a', 1]]), /\$\.v is a Map, which JSON cannot carry; return Object\.fromEntries\(map\)/],
    ['Set', () => new Set([1]), /\$\.v is a Set.*\[\.\.\.set\]/],
    ['WeakMap', () => new WeakMap(), /\$\.v is a WeakMap or WeakSet/],
    ['WeakSet', () => new WeakSet(), /\$\.v is a WeakMap or WeakSet/],
    ['WeakRef', () => new WeakRef({}), /\$\.v is a WeakRef/],
    ['Promise', () => Promise.resolve(1), /\$\.v is a Promise.*the awaited value/],
    ['RegExp', () => /x/g, /\$\.v is a RegExp.*regexp\.source/],
    ['Uint8Array', () => new Uint8Array([1]), /\$\.v is binary data.*base64/],
    ['Buffer', () => Buffer.from('secret bytes'), /\$\.v is binary data/],
    ['DataView', () => new DataView(new ArrayBuffer(2)), /\$\.v is binary data/],
    ['ArrayBuffer', () => new ArrayBuffer(4), /\$\.v is an ArrayBuffer/],
    ['String object', () => new String('x'), /\$\.v is a boxed primitive.*the primitive value/],
    ['Number object', () => new Number(1), /\$\.v is a boxed primitive/],
    ['Error', () => new Error('boom'), /\$\.v is an Error.*\{ message \}/],
    ['Error subclass', () => new (class NotFound extends Error {})('x'), /\$\.v is an Error/],
    ['generator', () => generator(), /\$\.v is an iterator/],
    ['Map iterator', () => new Map().keys(), /\$\.v is an iterator/],
  ];
  it.each(cases)('%s', (_name, make, expected) => {
    expect(reason({ v: make() })).toMatch(expected);
  });
  it('without running any code, even under a prototype that is a Proxy (every check of the table)', () => {
    const ran: string[] = [];
    const trap = new Proxy(
      {},
      {
        get: (_t, k) => {
          ran.push(`get ${String(k)}`);
          return undefined;
        },
        getOwnPropertyDescriptor: () => {
          ran.push('gopd');
          return undefined;
        },
        getPrototypeOf: () => {
          ran.push('proto');
          return null;
        },
        has: () => {
          ran.push('has');
          return false;
        },
      },
    );
    const values: object[] = [...cases.map(([, make]) => make() as object), {}, [], new WeakRef({}), generateKeySync('hmac', { length: 64 })];
    for (const v of values) {
      Object.setPrototypeOf(v, trap);
      expect(toJsonText({ v }, MB).ok).toBe(false);
    }
    expect(ran).toEqual([]);
  });
  it('refuses crypto keys by their prototype', () => {
    expect(reason({ key: generateKeySync('hmac', { length: 64 }) })).toMatch(/\$\.key is a crypto key/);
  });
  it('without running their code: a Map subclass with getters and an overridden toJSON', () => {
    let calls = 0;
    class Tracked extends Map<string, number> {
      override get size(): number {
        calls++;
        return 0;
      }
      toJSON(): string {
        calls++;
        return 'x';
      }
    }
    expect(reason(new Tracked())).toMatch(/\$ is a Map/);
    expect(calls).toBe(0);
  });
});

describe('toJsonTextAsync: the same text, in slices', () => {
  const samples: unknown[] = [
    null,
    1.5,
    'text',
    [1, [2, [3]]],
    { a: { b: [{}] }, 'k"': 1 },
    { a: NaN, c: undefined, d: [undefined] },
    JSON.parse('{"__proto__": {"isAdmin": true}, "a": [{"__proto__": 1}]}'),
    // Long strings and keys are written in pieces: a surrogate pair across a piece boundary, lone surrogates, escapes.
    { s: `${'a'.repeat(65_535)}😀${'b'.repeat(70_000)}`, t: `\ud800${'"\\\n'.repeat(30_000)}\udc00` },
    { [`${'k'.repeat(65_535)}😀${'"'.repeat(10)}`]: 'long key', after: 1 },
    Array.from({ length: 5_000 }, (_, i) => ({ i, s: `v${i}` })),
  ];
  it('writes exactly what toJsonText writes (and JSON.stringify, for plain data)', async () => {
    for (const v of samples) {
      const sync = ok(v, 64 * MB);
      const result = await toJsonTextAsync(v, 64 * MB, { sliceMs: 0 }); // a yield after every check of the clock
      expect(result).toEqual({ ok: true, text: sync });
      expect(sync).toBe(JSON.stringify(v));
    }
  });
  it('refuses what toJsonText refuses, with the same reason', async () => {
    const cyclic: Record<string, unknown> = { list: Array.from({ length: 3_000 }, (_, i) => i) };
    cyclic.self = cyclic;
    for (const v of [cyclic, { m: new Map() }, { x: 'x'.repeat(300_000) }, { deep: JSON.parse(`${'['.repeat(150)}${']'.repeat(150)}`) }]) {
      expect(await toJsonTextAsync(v, 200_000, { sliceMs: 0 })).toEqual(toJsonText(v, 200_000));
    }
  });
  it('keeps __proto__ an ordinary own key', async () => {
    const result = await toJsonTextAsync(JSON.parse('{"__proto__": {"isAdmin": true}}'), MB);
    expect(result).toEqual({ ok: true, text: '{"__proto__":{"isAdmin":true}}' });
  });
  it('turns the event loop between slices', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const result = await toJsonTextAsync(
      Array.from({ length: 200_000 }, (_, i) => ({ i })),
      64 * MB,
      { sliceMs: 1 },
    );
    clearInterval(ticker);
    expect(result.ok).toBe(true);
    expect(turns).toBeGreaterThan(5);
  });
  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    const pending = toJsonTextAsync(
      Array.from({ length: 300_000 }, (_, i) => ({ i })),
      64 * MB,
      { sliceMs: 1, signal: controller.signal },
    );
    controller.abort();
    expect(await pending).toEqual({ ok: false, reason: 'the call was cancelled before its result was read' });
  });
});

/**
 * The longest the event loop went without a turn while `work` ran (a 1 ms timer and Node's histogram), and how many
 * turns it took: a pass that never yields takes none, whatever the machine's load.
 */
async function longestBlock<T>(work: () => T | Promise<T>): Promise<{ ms: number; turns: number; value: T }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let longest = 0;
  let turns = 0;
  let last = performance.now();
  let onTurn: (() => void) | undefined;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    turns++;
    onTurn?.();
  }, 1);
  const nextTurn = () => new Promise<void>((resolve) => (onTurn = resolve));
  histogram.enable();
  await nextTurn(); // the probe is running before the work starts
  last = performance.now();
  turns = 0;
  const value = await work();
  const during = turns;
  await nextTurn(); // and has seen the end of a synchronous pass
  clearInterval(probe);
  histogram.disable();
  return { ms: Math.max(longest, histogram.max / 1e6), turns: during, value };
}

describe('toJsonTextAsync: the main thread stays responsive (DESIGN §2: no block over 50 ms)', () => {
  // A tool's rows: 100,000 records of 4 keys, 400,000 keys in all (~4.5 MB of JSON).
  const rows = { items: Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `item ${i}`, ok: i % 2 === 0, score: i / 7 })) };

  // How long each block takes is the benchmark's to say (bench/responsiveness.ts); the test checks that the walk
  // gives the event loop its turns at all, which the one-pass version never does.
  it('converts a 400,000-key result in slices that let the event loop turn, where the one-pass version takes no turn', async () => {
    const sync = await longestBlock(() => toJsonText(rows, 64 * MB));
    const async = await longestBlock(() => toJsonTextAsync(rows, 64 * MB));
    expect(async.value).toEqual(sync.value);
    console.info(`400,000 keys in 100,000 records: one pass blocked ${sync.ms.toFixed(0)} ms; sliced, the longest block was ${async.ms.toFixed(1)} ms`);
    expect(sync.turns).toBe(0);
    expect(async.turns).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('one object of 400,000 keys: the only long block left is V8 listing its keys (Object.keys, one call)', async () => {
    const flat: Record<string, unknown> = {};
    for (let i = 0; i < 400_000; i++) flat[`key${i}`] = { id: i, name: `item ${i}` };
    const sync = await longestBlock(() => toJsonText(flat, 64 * MB));
    const started = performance.now();
    Object.keys(flat);
    const listing = performance.now() - started;
    const async = await longestBlock(() => toJsonTextAsync(flat, 64 * MB));
    expect(async.value).toEqual(sync.value);
    console.info(
      `one object of 400,000 keys: one pass blocked ${sync.ms.toFixed(0)} ms; sliced ${async.ms.toFixed(0)} ms, of which Object.keys ${listing.toFixed(0)} ms`,
    );
    expect(sync.turns).toBe(0);
    expect(async.turns).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
