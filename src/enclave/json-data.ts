// Host-side conversion of a tool handler's answer into JSON text for the sandbox. The answer is host data of
// unknown origin, so reading it must never run its code: no Proxy trap, getter, toJSON, toISOString or
// `constructor` lookup is ever invoked, and the size budget is charged before any walk, so a cheap hostile value
// (a sparse array of length 1e9, a shared-reference DAG) is refused before it costs the host time or memory.
import { types } from 'node:util';

export type JsonTextOutcome = { ok: true; text: string } | { ok: false; reason: string };

/** Bracket nesting the sandbox accepts (its own JSON guard refuses deeper text too). */
const MAX_DEPTH = 100;
// Captured at load: a hostile value cannot reach these, but a test or a host plugin might patch the prototypes.
const dateTime = Date.prototype.getTime;
const dateIso = Date.prototype.toISOString;
const { getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;

class NotData extends Error {}

/** What a non-plain object is, read from own data properties only (an accessor `constructor` is never called). */
function describe(v: object): string {
  const proto = getPrototypeOf(v) as object | null;
  const ctor = proto && !types.isProxy(proto) ? getOwnPropertyDescriptor(proto, 'constructor') : undefined;
  const fn: unknown = ctor && 'value' in ctor ? ctor.value : undefined;
  const name = typeof fn === 'function' && !types.isProxy(fn) ? getOwnPropertyDescriptor(fn, 'name') : undefined;
  const known = name && 'value' in name && typeof name.value === 'string' && name.value !== '';
  return known ? `an instance of ${String(name.value).slice(0, 40)}, not a plain object` : 'an object with a prototype other than Object.prototype';
}

/** A key as shown in a path: bounded, so a hostile key cannot bloat the error message. */
const segment = (k: string): string => (k.length > 40 ? `${k.slice(0, 40)}…` : k);

/**
 * JSON text of `value`, or why it is not JSON data. Rules, as JSON.stringify where it is safe:
 * - functions, symbols, BigInts, cycles, Proxies and class instances are refused with their path;
 * - an enumerable accessor is refused (never called): silently dropping data would hide a broken tool;
 *   non-enumerable properties and symbol keys are skipped unread, as JSON.stringify skips them;
 * - a real Date becomes its ISO string through Date.prototype, whatever the instance overrides;
 * - `__proto__` stays an ordinary key: the text is written directly, never through an object copy.
 */
export function toJsonText(value: unknown, maxBytes: number): JsonTextOutcome {
  let out = ''; // appends make a rope; cheaper than an array of millions of small parts
  // The path to the value being written, formatted only for a refusal: formatting it per value cost seconds on a DAG.
  const at: Array<string | number> = [];
  const path = (): string => `$${at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${segment(k)}`)).join('')}`;
  const emit = (text: string): void => {
    if (out.length + text.length > maxBytes) throw new NotData(`it is more than the ${maxBytes} bytes a script may receive (at ${path()})`);
    out += text;
  };
  const onPath = new Set<object>();

  /** Writes a value that is not undefined (callers decide what undefined becomes). */
  const write = (v: unknown): void => {
    if (v === null || typeof v === 'boolean') emit(String(v));
    else if (typeof v === 'number') emit(Number.isFinite(v) ? JSON.stringify(v) : 'null');
    else if (typeof v === 'string') emit(JSON.stringify(v));
    else if (typeof v !== 'object') throw new NotData(`${path()} is a ${typeof v}`);
    // First, before anything that could reach a trap (getPrototypeOf, ownKeys, get…).
    else if (types.isProxy(v)) throw new NotData(`${path()} is a Proxy`);
    else if (types.isDate(v)) emit(Number.isNaN(dateTime.call(v)) ? 'null' : JSON.stringify(dateIso.call(v)));
    else {
      if (at.length >= MAX_DEPTH) throw new NotData(`${path()} nests deeper than ${MAX_DEPTH} levels`);
      if (onPath.has(v)) throw new NotData(`${path()} refers back to itself (a cycle)`);
      onPath.add(v);
      if (Array.isArray(v)) writeArray(v);
      else writeObject(v);
      onPath.delete(v);
    }
  };

  const writeArray = (v: unknown[]): void => {
    const length = v.length; // an own data property of every array: reading it runs no code
    // Each item costs at least one character and a comma: refuse a huge (even sparse) array before walking it.
    if (out.length + 2 * length + 1 > maxBytes) {
      throw new NotData(`${path()} has ${length} items, more than fit in the ${maxBytes} bytes a script may receive`);
    }
    emit('[');
    for (let i = 0; i < length; i++) {
      if (i > 0) emit(',');
      at.push(i);
      const d = getOwnPropertyDescriptor(v, i);
      if (d && !('value' in d)) throw new NotData(`${path()} is a getter`);
      if (d?.value === undefined) emit('null'); // holes and undefined, as JSON.stringify
      else write(d.value);
      at.pop();
    }
    emit(']');
  };

  const writeObject = (v: object): void => {
    const proto = getPrototypeOf(v) as object | null;
    if (proto !== Object.prototype && proto !== null) throw new NotData(`${path()} is ${describe(v)}`);
    emit('{');
    let first = true;
    // Own enumerable string keys, as JSON.stringify: on an object that is not a Proxy, listing them runs no code.
    for (const k of keys(v)) {
      const d = getOwnPropertyDescriptor(v, k)!;
      at.push(k);
      if (!('value' in d)) throw new NotData(`${path()} is a getter`);
      if (d.value !== undefined) {
        emit(`${first ? '' : ','}${JSON.stringify(k)}:`);
        first = false;
        write(d.value);
      }
      at.pop();
    }
    emit('}');
  };

  try {
    if (value === undefined) emit('null');
    else write(value);
    return { ok: true, text: out };
  } catch (error) {
    if (error instanceof NotData) return { ok: false, reason: error.message };
    if (error instanceof RangeError) return { ok: false, reason: 'it is too large or too deeply nested' };
    // Exotic host objects (a module namespace in its temporal dead zone…) fail inside the engine's own reads.
    return { ok: false, reason: 'it could not be read as data' };
  }
}
