// Hostile tool results: whatever fast-check's anything() and jsonValue() make, values thousands deep or wide,
// strings of control characters and lone surrogates, strings up to a few MB, cycles, shared-reference DAGs that
// write out to 2^64 nodes, sparse arrays of length 2^32 - 1, accessors, Proxies and toJSON, and the
// environment secret planted in values, keys and error messages. Only the secret given to the Enclave is planted:
// the redactor must take it out, so it may never reach an output. (The plain canary is never planted: a script
// that is handed an unregistered value may legitimately return it.)
import fc from 'fast-check';
import { ToolCallError } from '../../src/enclave/index.js';
import type { ToolHandler } from '../../src/enclave/index.js';
import { SECRET_CANARY } from './canaries.js';

/** The biggest string a handler returns: a few MB, so a case stays well under a second. */
export const MAX_HOSTILE_BYTES = 3 * 1024 * 1024;

/** A value, described as data so that fast-check can print and shrink it; built() makes the real thing. */
export type Recipe =
  | { kind: 'anything'; value: unknown }
  | { kind: 'deep'; depth: number; shape: 'array' | 'object'; secret: boolean }
  | { kind: 'wide'; width: number; shape: 'array' | 'object'; secret: boolean }
  | { kind: 'control'; text: string }
  | { kind: 'huge'; bytes: number; secretAt: number | null; char: string }
  | { kind: 'secret'; where: number; noise: unknown }
  | { kind: 'tricky'; which: number }
  | { kind: 'dag'; depth: number }
  | { kind: 'sparse'; length: number; secret: boolean };

const CONTROL = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('\u007f', '\u2028', '\uD800', '\uDFFF', '\u001b[31m'),
  ),
  maxLength: 40,
});
const ANYTHING = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
});

export const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({ kind: fc.constant('anything' as const), value: fc.oneof(ANYTHING, fc.jsonValue()) }),
  fc.record({
    kind: fc.constant('deep' as const),
    depth: fc.integer({ min: 1, max: 60_000 }),
    shape: fc.constantFrom('array' as const, 'object' as const),
    secret: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('wide' as const),
    width: fc.integer({ min: 1, max: 100_000 }),
    shape: fc.constantFrom('array' as const, 'object' as const),
    secret: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('control' as const), text: CONTROL }),
  fc.record({
    kind: fc.constant('huge' as const),
    bytes: fc.integer({ min: 1, max: MAX_HOSTILE_BYTES }),
    secretAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    char: fc.constantFrom('x', '"', '\\', '\n', 'é', '\u0000'),
  }),
  fc.record({ kind: fc.constant('secret' as const), where: fc.nat(9), noise: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('tricky' as const), which: fc.nat(7) }),
  fc.record({ kind: fc.constant('dag' as const), depth: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('sparse' as const), length: fc.integer({ min: 1, max: 2 ** 32 - 1 }), secret: fc.boolean() }),
);

/** The secret in a place of its own: a value, a key, inside a longer text, deep in an array, in a Map… */
function planted(where: number, noise: unknown): unknown {
  const s = SECRET_CANARY;
  return [
    s,
    { token: s, noise },
    { [s]: noise },
    [noise, [[`Bearer ${s}`]]],
    `${JSON.stringify(noise)} ${s} ${JSON.stringify(noise)}`,
    { nested: { deeper: { list: [noise, { key: `key=${s};` }] } } },
    new Map([[s, s]]),
    { toJSON: () => ({ token: s }) },
    Object.defineProperty({}, 'secret', { enumerable: true, get: () => s }),
    `line one\nAuthorization: Bearer ${s}\r\nline three`,
  ][where % 10];
}

/** Values no JSON has: a cycle, a getter that throws, a Proxy, a promise, a function, a symbol key, a revoked Proxy. */
function tricky(which: number): unknown {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  return [
    cycle,
    Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error(`getter ran ${SECRET_CANARY}`);
      },
    }),
    new Proxy(
      {},
      { get: () => SECRET_CANARY, ownKeys: () => ['a'], getOwnPropertyDescriptor: () => ({ value: SECRET_CANARY, enumerable: true, configurable: true }) },
    ),
    Promise.resolve({ later: SECRET_CANARY }),
    () => SECRET_CANARY,
    { [Symbol('s')]: SECRET_CANARY, plain: 1 },
    revocable.proxy,
    Object.create({ inherited: SECRET_CANARY }),
  ][which % 8];
}

export function built(r: Recipe): unknown {
  switch (r.kind) {
    case 'anything':
      return r.value;
    case 'deep': {
      let v: unknown = r.secret ? SECRET_CANARY : 0;
      for (let i = 0; i < r.depth; i++) v = r.shape === 'array' ? [v] : { k: v };
      return v;
    }
    case 'wide': {
      const cell = (i: number): unknown => (r.secret && i === r.width - 1 ? SECRET_CANARY : i);
      if (r.shape === 'array') return Array.from({ length: r.width }, (_, i) => cell(i));
      return Object.fromEntries(Array.from({ length: r.width }, (_, i) => [`k${i}`, cell(i)]));
    }
    case 'control':
      return r.text;
    case 'huge': {
      const body = r.char.repeat(Math.ceil(r.bytes / Buffer.byteLength(r.char)));
      if (r.secretAt === null) return body;
      const at = Math.floor(r.secretAt * body.length);
      return body.slice(0, at) + SECRET_CANARY + body.slice(at);
    }
    case 'secret':
      return planted(r.where, r.noise);
    case 'tricky':
      return tricky(r.which);
    case 'dag': {
      // Shared references: 2^depth nodes once written out, from depth objects in memory.
      let v: unknown = ['leaf'];
      for (let i = 0; i < r.depth; i++) v = [v, v];
      return v;
    }
    case 'sparse': {
      const holes: unknown[] = [];
      holes.length = r.length;
      if (r.secret) holes[r.length - 1] = SECRET_CANARY;
      return holes;
    }
  }
}

/** How the handler answers: resolves, throws, rejects, throws a ToolCallError, or answers late. */
export interface Reply {
  how: 'return' | 'throw' | 'throw-raw' | 'reject' | 'tool-error' | 'late';
  value: Recipe;
  code: number;
}
export const reply: fc.Arbitrary<Reply> = fc.record({
  how: fc.constantFrom('return', 'return', 'throw', 'throw-raw', 'reject', 'tool-error', 'late'),
  value: recipe,
  code: fc.nat(3),
});

const CODES = ['TOOL_ERROR', 'UNKNOWN_TOOL', 'INVALID_TOOL_ARGS', 'POLICY_BLOCKED'] as const;
/**
 * A handler that answers call i with replies[i % n]. The values are built here, before the run, so that what the
 * host does during the run is the Enclave's work alone (the stall meter watches it).
 */
export function handlerFor(replies: readonly Reply[]): ToolHandler {
  const values = replies.map((r) => built(r.value));
  let call = 0;
  return async () => {
    const i = call++ % replies.length;
    const r = replies[i]!;
    const value = values[i];
    switch (r.how) {
      case 'return':
        return value;
      case 'throw':
        throw Object.assign(new Error(typeof value === 'string' ? value : `failed with ${SECRET_CANARY}`), { detail: value });
      case 'throw-raw':
        throw value;
      case 'reject':
        return Promise.reject(value);
      case 'tool-error':
        throw new ToolCallError(CODES[r.code % 4]!, typeof value === 'string' ? value : `refused, token ${SECRET_CANARY}`);
      case 'late':
        await new Promise((resolve) => setTimeout(resolve, 20));
        return value;
    }
  };
}

/** Scripts that take a tool's answer and pass it on in every way a script can: as the value, in a log, in a throw. */
export const RESULT_SCRIPTS: readonly string[] = [
  "return await callTool('fx:data', {});",
  "const r = await callTool('fx:data', {});\nreturn JSON.stringify(r);",
  "const r = await callTool('fx:data', {});\nconsole.log(r);\nconsole.error(JSON.stringify(r));\nreturn typeof r;",
  "try {\n  return await callTool('fx:data', {});\n} catch (e) {\n  return { code: e.code, message: e.message, text: String(e) };\n}",
  "const r = await callTool('fx:data', {});\nreturn r === null || typeof r !== 'object' ? r : Object.keys(r).slice(0, 50);",
  "const r = await callTool('fx:data', {});\nthrow new Error(JSON.stringify(r));",
  "const r = await callTool('fx:data', {});\nreturn `${r}`;",
  "const r = await callTool('fx:data', {});\nreturn Array.isArray(r) ? r.slice(0, 3) : r;",
  "const rs = await Promise.allSettled([callTool('fx:data', {}), callTool('fx:data', {})]);\nreturn rs;",
  "const r = await callTool('fx:data', {}).catch((e) => e.message);\nreturn { r };",
];
