// What the ReDoS check (regex-safety.ts) knows about each part of a pattern: built bottom-up by regex-read.ts
// from regexpp's tree, once per node, so the check stays linear in the pattern apart from pairwise comparisons.
// Every approximation errs towards "could overlap": imprecision only makes the check stricter.
import { ALL, NONE, overlaps, union, UNKNOWN, type CharSet } from './regex-charset.js';

/**
 * A part of a pattern and what it can match: `min`/`max` length (Infinity when unbounded); `first`, the
 * characters a non-empty match can start with; `extend`, the characters that can continue a shorter match of
 * the part into a longer one (empty when no match is a prefix of another); `all`, every character a match can hold.
 */
export interface Shape {
  kind: 'char' | 'seq' | 'alt' | 'repeat' | 'zero' | 'backref';
  min: number;
  max: number;
  first: CharSet;
  extend: CharSet;
  all: CharSet;
  children: Shape[];
  /** Repetition counts (kind 'repeat'). */
  lo: number;
  hi: number;
  /** Two alternatives can match the same text, or one a prefix of the other's (kind 'alt'). */
  clashing: boolean;
}

const shape = (kind: Shape['kind'], props: Partial<Shape>): Shape => ({
  kind,
  min: 0,
  max: 0,
  first: NONE,
  extend: NONE,
  all: NONE,
  children: [],
  lo: 1,
  hi: 1,
  clashing: false,
  ...props,
});
export const char = (set: CharSet): Shape => shape('char', { min: 1, max: 1, first: set, all: set });
/** Assertions and lookarounds: they take no characters, but a lookaround's body is checked too. */
export const zero = (children: Shape[] = []): Shape => shape('zero', { children });
/** \1, \k<name>: what it matches depends on the input. */
export const backref = (): Shape => shape('backref', { max: Infinity, first: ALL, extend: ALL, all: ALL });
/** A v-mode property of strings (\p{RGI_Emoji}): unlisted strings, some a prefix of others (👍 and 👍🏽). */
export const anyStrings = (): Shape => shape('alt', { min: 1, max: Infinity, first: UNKNOWN, extend: UNKNOWN, all: UNKNOWN, clashing: true });

/** Longest fixed-length part spelled out position by position when comparing alternatives. */
const MAX_SPELLED = 32;

/** The characters of a fixed-length part, position by position, or null when its length varies. */
function spelled(n: Shape): CharSet[] | null {
  if (n.kind === 'char') return [n.first];
  // Zero-width parts spell nothing, however often repeated: ((?:){99999999}|a) must not build 10⁸ empty lists.
  if (n.max === 0) return [];
  if (n.kind === 'seq') {
    const parts = n.children.map(spelled);
    return parts.every((p) => p !== null) ? parts.flat() : null;
  }
  const body = n.kind === 'repeat' && n.lo === n.hi && n.max <= MAX_SPELLED ? spelled(n.children[0]!) : null;
  return body ? Array.from({ length: n.lo }, () => body).flat() : null;
}

/** Can two alternatives match the same text, or one a prefix of the other's? (a|ab), (\w|\d), (a|) can. */
function clash(a: Shape, sa: CharSet[] | null, b: Shape, sb: CharSet[] | null): boolean {
  if (a.min === 0 || b.min === 0) return true;
  if (!sa || !sb) return overlaps(a.first, b.first);
  return sa.slice(0, sb.length).every((s, k) => overlaps(s, sb[k]!));
}

export function seq(items: Shape[]): Shape {
  let first = NONE;
  for (const item of items) {
    first = union(first, item.first);
    if (item.min > 0) break;
  }
  // A shorter match grows into a longer one where it ends inside an item followed only by items that can be
  // empty, or where an item can swallow what the items after it matched ([\w.]+ swallowing the \. of [\w.]+\.).
  let extend = NONE;
  let restFirst = NONE;
  let restAll = NONE;
  let restEmpty = true;
  for (let k = items.length - 1; k >= 0; k--) {
    const x = items[k]!;
    if (restEmpty) extend = union(extend, x.extend, restFirst);
    else if (overlaps(x.extend, restFirst)) extend = union(extend, x.extend, restAll);
    restFirst = x.min > 0 ? x.first : union(x.first, restFirst);
    restAll = union(restAll, x.all);
    restEmpty &&= x.min === 0;
  }
  const sum = (f: (n: Shape) => number): number => items.reduce((t, n) => t + f(n), 0);
  return shape('seq', { children: items, min: sum((n) => n.min), max: sum((n) => n.max), first, extend, all: restAll });
}

export function alt(branches: Shape[]): Shape {
  const all = union(...branches.map((n) => n.all));
  const fixed = branches.map(spelled);
  // Pairs are compared only when a branch's start meets an earlier one's (linear for (a|b|c)), up to the first clash.
  let clashing = false;
  let seen = NONE;
  branches.forEach((b, j) => {
    const meets = b.min === 0 || overlaps(seen, b.first);
    seen = union(seen, b.first);
    for (let i = 0; meets && !clashing && i < j; i++) clashing = clash(branches[i]!, fixed[i]!, b, fixed[j]!);
  });
  const min = Math.min(...branches.map((n) => n.min));
  const max = Math.max(...branches.map((n) => n.max));
  const prefixes = clashing && min !== max; // clashing alternatives of different lengths: a shorter match can grow
  return shape('alt', {
    children: branches,
    clashing,
    min,
    max,
    all,
    first: union(...branches.map((n) => n.first)),
    extend: union(...branches.map((n) => n.extend), prefixes ? all : NONE),
  });
}

export function repeat(body: Shape, lo: number, hi: number): Shape {
  if (hi === 0) return zero([body]);
  return shape('repeat', {
    children: [body],
    lo,
    hi,
    min: lo * body.min,
    max: body.max === 0 ? 0 : hi * body.max,
    first: body.first,
    extend: union(body.extend, hi > lo ? body.first : NONE),
    all: body.all,
  });
}
