// Host-side conversion of a tool handler's answer (and of the host's globals) into JSON text for the sandbox. The
// answer is host data of unknown origin, so reading it must never run its code: no Proxy trap, getter, toJSON,
// toISOString or `constructor` lookup is ever invoked, and the size budget is charged before any walk, so a cheap
// hostile value (a sparse array of length 1e9, a shared-reference DAG) is refused before it costs time or memory.
//
// One walker serves both entry points. It keeps its own stack (no recursion, so no depth limit of the host's) and
// can stop after any step: toJsonText runs it to the end; toJsonTextAsync runs it in slices of a few milliseconds
// and yields to the event loop between them, so a large tool result never holds the main thread for long. Both
// produce the same text because they are the same steps.
import { KeyObject } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { types } from 'node:util';
import { MAX_JSON_DEPTH } from './runtime/sandbox-config.js';

export type JsonTextOutcome = { ok: true; text: string } | { ok: false; reason: string };

/** Bracket nesting the sandbox accepts (its own JSON guard refuses deeper text too). */
const MAX_DEPTH = MAX_JSON_DEPTH;
/** Strings (values or keys) longer than this are written in pieces: one JSON.stringify of 60 MB took ~240 ms. */
const STRING_PIECE = 1 << 16;
/** Written text is flattened in pieces of this many characters (see Writer.piece). */
const PIECE_FLUSH = 1 << 16;
/** Work between two looks at the clock: one unit is about one value; long strings and key lists cost more. */
const UNITS_PER_CHECK = 256;
/** The async variant's default slice: well under DESIGN §2's 50 ms budget for one block of the main thread. */
export const DEFAULT_SLICE_MS = 4;
// Captured at load: a hostile value cannot reach these, but a test or a host plugin might patch the prototypes.
const dateTime = Date.prototype.getTime;
const dateIso = Date.prototype.toISOString;
const { getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
/** Longest prototype chain walked to look for an inherited toJSON; a longer one is refused, not walked. */
const MAX_PROTO_CHAIN = 32;

/**
 * Built-ins whose data is not in own enumerable properties: JSON.stringify turns them into `{}` (Map, Set, Promise,
 * RegExp, WeakMap…), into a list of byte values (Buffer), or reads them through methods (boxed primitives, Errors).
 * Refused with what to return instead. These util.types checks read internal slots: they run no code, even on a
 * subclass or under a hostile prototype (json-data.test.ts holds them to it).
 */
const EXOTIC: ReadonlyArray<{ is: (v: object) => boolean; what: string; instead: string }> = [
  { is: types.isMap, what: 'a Map', instead: 'Object.fromEntries(map) or [...map] (an array of [key, value] pairs)' },
  { is: types.isSet, what: 'a Set', instead: 'an array ([...set])' },
  { is: (v) => types.isWeakMap(v) || types.isWeakSet(v), what: 'a WeakMap or WeakSet', instead: 'plain objects and arrays' },
  { is: types.isPromise, what: 'a Promise', instead: 'the awaited value' },
  { is: types.isRegExp, what: 'a RegExp', instead: 'its source text (regexp.source)' },
  { is: types.isArrayBufferView, what: 'binary data (a Buffer, typed array or DataView)', instead: 'a string (text or base64) or an array of numbers' },
  { is: types.isAnyArrayBuffer, what: 'an ArrayBuffer', instead: 'a string (text or base64) or an array of numbers' },
  { is: types.isBoxedPrimitive, what: 'a boxed primitive (new String, Number, Boolean…)', instead: 'the primitive value' },
  { is: types.isNativeError, what: 'an Error', instead: 'a plain object such as { message } (or throw it to fail the call)' },
  { is: (v) => types.isGeneratorObject(v) || types.isMapIterator(v) || types.isSetIterator(v), what: 'an iterator', instead: 'an array ([...iterator])' },
  { is: types.isModuleNamespaceObject, what: 'a module namespace', instead: 'plain objects and arrays' },
  { is: types.isExternal, what: 'a native handle', instead: 'plain data' },
];
/**
 * Built-ins util.types cannot name, found by their prototype (captured at load). Keys are here rather than in the
 * table above because types.isKeyObject and types.isCryptoKey are written in JavaScript and read a property through
 * the prototype chain, which runs a Proxy prototype's trap (a test caught it).
 */
const cryptoKey = (globalThis as { CryptoKey?: { prototype: object } }).CryptoKey; // a global from Node 20 on
const EXOTIC_PROTOTYPES = new Map<object, string>([
  [WeakRef.prototype, 'a WeakRef'],
  [FinalizationRegistry.prototype, 'a FinalizationRegistry'],
  [KeyObject.prototype, 'a crypto key'],
  ...(cryptoKey ? [[cryptoKey.prototype, 'a crypto key'] as const] : []),
]);

/** What a non-plain object is, read from own data properties only (an accessor `constructor` is never called). */
function describe(v: object): string {
  const proto = getPrototypeOf(v) as object | null;
  const ctor = proto && !types.isProxy(proto) ? getOwnPropertyDescriptor(proto, 'constructor') : undefined;
  const fn: unknown = ctor && 'value' in ctor ? ctor.value : undefined;
  const name = typeof fn === 'function' && !types.isProxy(fn) ? getOwnPropertyDescriptor(fn, 'name') : undefined;
  const known = name && 'value' in name && typeof name.value === 'string' && name.value !== '';
  return known ? `an instance of ${String(name.value).slice(0, 40)}` : 'an object with its own prototype';
}

/**
 * Why the prototype chain of `v` (not a Proxy) makes its own data the wrong reading, or undefined when it does not.
 * Reads only prototypes and their own descriptors: on objects that are not Proxies, that runs no code.
 */
function inheritedProblem(v: object): string | undefined {
  let proto = getPrototypeOf(v) as object | null;
  for (let n = 0; proto !== null && proto !== Object.prototype && proto !== Array.prototype; n++) {
    if (types.isProxy(proto)) return 'has a Proxy in its prototype chain';
    if (n >= MAX_PROTO_CHAIN) return `has a prototype chain longer than ${MAX_PROTO_CHAIN}`;
    const known = EXOTIC_PROTOTYPES.get(proto);
    if (known) return `is ${known}, which JSON cannot carry; return plain data instead`;
    // JSON.stringify would call it (a URL's, a library's model object's): its own data is not what it means to say.
    if (getOwnPropertyDescriptor(proto, 'toJSON')) return `is ${describe(v)} with a toJSON method; return the plain data toJSON() gives instead`;
    proto = getPrototypeOf(proto) as object | null;
  }
  return undefined;
}

class NotData extends Error {}

/** A key as shown in a path: bounded, so a hostile key cannot bloat the error message. */
const segment = (k: string): string => (k.length > 40 ? `${k.slice(0, 40)}…` : k);
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** An open container or a long string being written; `pop` says whether it owns the last segment of the path. */
type Frame =
  | { kind: 'array'; v: readonly unknown[]; length: number; i: number; pop: boolean }
  // `next`: a value whose (long) key is being written; undefined values are never written, so undefined means none.
  | { kind: 'object'; v: object; keys: string[]; i: number; first: boolean; pop: boolean; next: unknown }
  | { kind: 'string'; s: string; i: number; pop: boolean; after: string };

/**
 * The walk, as JSON.stringify where it is safe:
 * - functions, symbols, BigInts, cycles, Proxies and exotic built-ins (Map, Set, Promise, RegExp, binary data, boxed
 *   primitives, Errors…: EXOTIC above) are refused with their path and what to return instead;
 * - any other object, whatever its prototype, is its own enumerable string-keyed data properties; an enumerable
 *   accessor is refused (never called): silently dropping data would hide a broken tool; non-enumerable properties
 *   and symbol keys are skipped unread, as JSON.stringify skips them; an inherited toJSON is refused;
 * - a real Date becomes its ISO string through Date.prototype, whatever the instance overrides;
 * - `__proto__` stays an ordinary key: the text is written directly, never through an object copy.
 */
class Writer {
  // Appends make a rope (cheaper than an array of millions of small parts), but a rope of millions of small nodes
  // is live young-generation data that every scavenge copies: measured 8–68 ms pauses while writing 35 MB. So small
  // appends go to `piece`, which is flattened into one flat string every PIECE_FLUSH characters and appended to `out`
  // (then 3–8 ms pauses, and 3× faster overall).
  private out = '';
  private piece = '';
  // The path to the value being written, formatted only for a refusal: formatting it per value cost seconds on a DAG.
  private readonly at: Array<string | number> = [];
  private readonly stack: Frame[] = [];
  private readonly onPath = new Set<object>();
  private units = 0;
  private started = false;

  constructor(
    private readonly root: unknown,
    private readonly maxBytes: number,
  ) {}

  /** Works until done (the outcome) or until the clock passes `deadline` (undefined: call again). */
  run(deadline: number): JsonTextOutcome | undefined {
    try {
      if (!this.started) {
        this.started = true;
        if (this.root === undefined) this.emit('null');
        else this.write(this.root, false);
      }
      while (this.stack.length > 0) {
        this.step(this.stack[this.stack.length - 1]!);
        if (this.units >= UNITS_PER_CHECK) {
          this.units = 0;
          if (performance.now() >= deadline) return undefined;
        }
      }
      this.flush();
      return { ok: true, text: this.out };
    } catch (error) {
      if (error instanceof NotData) return { ok: false, reason: error.message };
      if (error instanceof RangeError) return { ok: false, reason: 'it is too large or too deeply nested' };
      // Exotic host objects the table does not know fail inside the engine's own reads.
      return { ok: false, reason: 'it could not be read as data' };
    }
  }

  private path(): string {
    return `$${this.at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${segment(k)}`)).join('')}`;
  }

  private get length(): number {
    return this.out.length + this.piece.length;
  }

  private emit(text: string): void {
    if (this.length + text.length > this.maxBytes) throw new NotData(`it is more than the ${this.maxBytes} bytes a script may receive (at ${this.path()})`);
    this.piece += text;
    if (this.piece.length >= PIECE_FLUSH) this.flush();
  }

  private flush(): void {
    this.piece.charCodeAt(0); // reading a character flattens the rope: V8 has no other way to ask for it
    this.out += this.piece;
    this.piece = '';
  }

  /** Writes a value that is not undefined; its segment is on the path when `pop` (the root has none). */
  private write(v: unknown, pop: boolean): void {
    this.units++;
    if (v === null || typeof v === 'boolean') this.emit(String(v));
    else if (typeof v === 'number') this.emit(Number.isFinite(v) ? JSON.stringify(v) : 'null');
    else if (typeof v === 'string') {
      if (v.length > STRING_PIECE) return this.openString(v, pop, '');
      this.emit(JSON.stringify(v));
    } else if (typeof v !== 'object') throw new NotData(`${this.path()} is a ${typeof v}`);
    // First, before anything that could reach a trap (getPrototypeOf, ownKeys, get…).
    else if (types.isProxy(v)) throw new NotData(`${this.path()} is a Proxy`);
    else if (types.isDate(v)) this.emit(Number.isNaN(dateTime.call(v)) ? 'null' : JSON.stringify(dateIso.call(v)));
    else return this.open(v, pop);
    if (pop) this.at.pop();
  }

  private open(v: object, pop: boolean): void {
    const exotic = EXOTIC.find((e) => e.is(v));
    if (exotic) throw new NotData(`${this.path()} is ${exotic.what}, which JSON cannot carry; return ${exotic.instead} instead`);
    const inherited = inheritedProblem(v);
    if (inherited) throw new NotData(`${this.path()} ${inherited}`);
    if (this.at.length >= MAX_DEPTH) throw new NotData(`${this.path()} nests deeper than ${MAX_DEPTH} levels`);
    if (this.onPath.has(v)) throw new NotData(`${this.path()} refers back to itself (a cycle)`);
    if (Array.isArray(v)) {
      const length = v.length; // an own data property of every array: reading it runs no code
      // Each item costs at least one character and a comma: refuse a huge (even sparse) array before walking it.
      if (this.length + 2 * length + 1 > this.maxBytes) {
        throw new NotData(`${this.path()} has ${length} items, more than fit in the ${this.maxBytes} bytes a script may receive`);
      }
      this.emit('[');
      this.stack.push({ kind: 'array', v, length, i: 0, pop });
    } else {
      // Own enumerable string keys, as JSON.stringify: on an object that is not a Proxy, listing them runs no code.
      // It is one call, though: ~100 ms for one object of 400,000 keys here (the walk of its values is sliced).
      const own = keys(v);
      this.units += own.length >> 4;
      this.emit('{');
      this.stack.push({ kind: 'object', v, keys: own, i: 0, first: true, pop, next: undefined });
    }
    this.onPath.add(v);
  }

  private openString(s: string, pop: boolean, after: string): void {
    // The text is at least the string and its quotes: refuse a huge one before escaping any of it.
    if (this.length + s.length + 2 + after.length > this.maxBytes) {
      throw new NotData(`it is more than the ${this.maxBytes} bytes a script may receive (at ${this.path()})`);
    }
    this.emit('"');
    this.stack.push({ kind: 'string', s, i: 0, pop, after });
  }

  private close(f: Frame, text: string): void {
    this.emit(text);
    this.stack.pop();
    if (f.kind !== 'string') this.onPath.delete(f.v);
    if (f.pop) this.at.pop();
  }

  private step(f: Frame): void {
    if (f.kind === 'string') this.stepString(f);
    else if (f.kind === 'array') this.stepArray(f);
    else this.stepObject(f);
  }

  private stepString(f: Extract<Frame, { kind: 'string' }>): void {
    if (f.i === f.s.length) return this.close(f, `"${f.after}`);
    let end = Math.min(f.i + STRING_PIECE, f.s.length);
    // Never between the halves of a surrogate pair: each half alone would be written as an escape.
    if (end < f.s.length && isHighSurrogate(f.s.charCodeAt(end - 1))) end++;
    const piece = JSON.stringify(f.s.slice(f.i, end));
    this.emit(piece.slice(1, -1));
    f.i = end;
    this.units += piece.length >> 8;
  }

  private stepArray(f: Extract<Frame, { kind: 'array' }>): void {
    if (f.i >= f.length) return this.close(f, ']');
    const i = f.i++;
    if (i > 0) this.emit(',');
    this.at.push(i);
    const d = getOwnPropertyDescriptor(f.v, i);
    if (d && !('value' in d)) throw new NotData(`${this.path()} is a getter`);
    if (d?.value !== undefined) return this.write(d.value, true);
    this.emit('null'); // holes and undefined, as JSON.stringify
    this.at.pop();
  }

  private stepObject(f: Extract<Frame, { kind: 'object' }>): void {
    if (f.next !== undefined) {
      const v = f.next;
      f.next = undefined;
      return this.write(v, true);
    }
    if (f.i >= f.keys.length) return this.close(f, '}');
    const k = f.keys[f.i++]!;
    this.units++;
    const d = getOwnPropertyDescriptor(f.v, k);
    // Gone or hidden since the keys were listed (the async walk spans turns of the event loop): as if never there.
    if (!d?.enumerable) return;
    this.at.push(k);
    if (!('value' in d)) throw new NotData(`${this.path()} is a getter`);
    if (d.value === undefined) return void this.at.pop(); // dropped, as JSON.stringify drops it
    const comma = f.first ? '' : ',';
    f.first = false;
    if (k.length <= STRING_PIECE) {
      this.emit(`${comma}${JSON.stringify(k)}:`);
      return this.write(d.value, true);
    }
    this.emit(comma);
    f.next = d.value;
    this.openString(k, false, ':');
  }
}

/** JSON text of `value`, or why it is not JSON data, in one synchronous pass: for small inputs (the host's globals). */
export function toJsonText(value: unknown, maxBytes: number): JsonTextOutcome {
  return new Writer(value, maxBytes).run(Infinity)!;
}

export interface AsyncJsonOptions {
  /** Longest synchronous stretch of the walk, in milliseconds. */
  sliceMs?: number;
  /** Stops the walk (a refusal) when aborted: nobody waits for the text any more. */
  signal?: AbortSignal;
}

/**
 * The same text as toJsonText, written in slices of about `sliceMs` with a turn of the event loop between them:
 * for tool results, which may be large (measured: 0.6–1.2 s of main thread for 400,000 keys in one pass).
 * The value may change between slices (the handler still holds it): what is read is still refused or written by
 * the same rules, so the text is always JSON data within the budget.
 */
export async function toJsonTextAsync(value: unknown, maxBytes: number, options: AsyncJsonOptions = {}): Promise<JsonTextOutcome> {
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  const writer = new Writer(value, maxBytes);
  for (;;) {
    if (options.signal?.aborted) return { ok: false, reason: 'the call was cancelled before its result was read' };
    const outcome = writer.run(performance.now() + sliceMs);
    if (outcome) return outcome;
    await nextTurn();
  }
}
