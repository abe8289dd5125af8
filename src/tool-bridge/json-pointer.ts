// Local `$ref`s of a JSON Schema (`#`, `#/$defs/X`, `#/definitions/X`), resolved within one document.

/** The node a local reference points to, or undefined: remote and `#anchor` references resolve to nothing. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined; // `#anchor` names need $anchor lookup; not worth it here
  let node = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = pointerSegment(raw);
    if (key === undefined) return undefined;
    // Own properties only: `#/constructor` or `#/__proto__` must not reach Object.prototype.
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** One segment of a JSON pointer in a URI fragment: percent-decoded, then `~1` → `/` and `~0` → `~`. */
export function pointerSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    return undefined;
  }
}
