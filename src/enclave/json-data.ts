// Host-side conversion of a tool handler's answer into JSON text for the sandbox. It copies data only:
// getters are never invoked, functions, symbols, BigInts and cycles are refused with the path.

export type JsonTextOutcome = { ok: true; text: string } | { ok: false; reason: string };

const MAX_DEPTH = 100;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON text of `value`, or why it is not JSON data. Iterative, so hostile depth cannot overflow the host stack. */
export function toJsonText(value: unknown, maxBytes: number): JsonTextOutcome {
  const copy = (v: unknown, path: string, depth: number, onPath: Set<object>): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (v === undefined) return undefined;
    if (typeof v !== 'object') throw new TypeError(`${path} is a ${typeof v}`);
    if (depth > MAX_DEPTH) throw new TypeError(`${path} nests deeper than ${MAX_DEPTH} levels`);
    if (onPath.has(v)) throw new TypeError(`${path} refers back to itself (a cycle)`);
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    onPath.add(v);
    try {
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
          const d = Object.getOwnPropertyDescriptor(v, i);
          if (d && !('value' in d)) throw new TypeError(`${path}[${i}] is a getter`);
          const c = copy(d?.value, `${path}[${i}]`, depth + 1, onPath);
          out.push(c === undefined ? null : c);
        }
        return out;
      }
      if (!isPlainObject(v)) throw new TypeError(`${path} is a ${v.constructor?.name ?? 'non-plain'} object`);
      const out: Record<string, unknown> = {};
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
        if (!d.enumerable) continue;
        if (!('value' in d)) throw new TypeError(`${path}.${k} is a getter`);
        const c = copy(d.value, `${path}.${k}`, depth + 1, onPath);
        if (c !== undefined) out[k] = c;
      }
      return out;
    } finally {
      onPath.delete(v);
    }
  };
  try {
    const data = copy(value, '$', 0, new Set());
    const text = data === undefined ? 'null' : JSON.stringify(data);
    if (text.length > maxBytes) return { ok: false, reason: `it is ${text.length} bytes, more than the ${maxBytes} a script may receive` };
    return { ok: true, text };
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, reason: 'it is too deeply nested' };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
