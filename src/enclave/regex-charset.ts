// Sets of characters for the ReDoS check (regex-safety.ts): UTF-16 code units, or code points under the u and v
// flags, held as sorted, disjoint, half-open ranges so that \p{L}, [^"] or [\w--\d] cost a few numbers each.
// A set the check cannot know exactly (a Unicode property beyond ASCII) is held between two bounds,
// `least` ⊆ the real set ⊆ `most`. Overlap is decided on `most` and a complement swaps the bounds, so an
// approximation can only make the check stricter: [^\p{L}] keeps every character \p{L} was unsure of.

/** [start0, end0, start1, end1, …], ascending, ends exclusive, no two ranges touching. */
export type Ranges = readonly number[];
export interface CharSet {
  readonly least: Ranges;
  readonly most: Ranges;
}

/** Every code point; without u/v the pattern sees code units, which only ever makes complements larger. */
export const UNIVERSE: Ranges = [0, 0x110000];

/** The ranges where `keep` holds, `keep` being told whether each point is in `a` and in `b`. Linear. */
function combine(a: Ranges, b: Ranges, keep: (inA: boolean, inB: boolean) => boolean): Ranges {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let inside = false;
  while (i < a.length || j < b.length) {
    const at = Math.min(a[i] ?? Infinity, b[j] ?? Infinity);
    if (a[i] === at) i++;
    if (b[j] === at) j++;
    const now = keep(i % 2 === 1, j % 2 === 1);
    if (now !== inside) {
      out.push(at);
      inside = now;
    }
  }
  return out;
}

export const unionRanges = (a: Ranges, b: Ranges): Ranges => combine(a, b, (x, y) => x || y);
export const complementRanges = (r: Ranges): Ranges => combine(UNIVERSE, r, (x, y) => x && !y);
export const hasPoint = (r: Ranges, point: number): boolean => {
  let lo = 0;
  let hi = r.length; // the number of boundaries ≤ point is odd exactly when point is inside
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r[mid]! <= point) lo = mid + 1;
    else hi = mid;
  }
  return lo % 2 === 1;
};

/** Ranges from unsorted points (for case partners: a few per folded character). */
export function rangesOfPoints(points: number[]): Ranges {
  const sorted = [...new Set(points)].sort((x, y) => x - y);
  const out: number[] = [];
  for (const p of sorted) {
    if (out.length > 0 && out[out.length - 1] === p) out[out.length - 1] = p + 1;
    else out.push(p, p + 1);
  }
  return out;
}

export const exact = (r: Ranges): CharSet => ({ least: r, most: r });
const isExact = (s: CharSet): boolean => s.least === s.most;

/** Applies a monotone operation to both bounds (once when both sets are exact). */
function bounded(a: CharSet, b: CharSet, op: (x: Ranges, y: Ranges) => Ranges): CharSet {
  if (isExact(a) && isExact(b)) return exact(op(a.most, b.most));
  return { least: op(a.least, b.least), most: op(a.most, b.most) };
}

export const NONE: CharSet = exact([]);
export const ALL: CharSet = exact(UNIVERSE);
/** A set the check knows nothing about: possibly empty, possibly every character. */
export const UNKNOWN: CharSet = { least: [], most: UNIVERSE };
export const range = (from: number, to: number): CharSet => exact(from <= to ? [from, to + 1] : []);
export const one = (point: number): CharSet => range(point, point);
/** The union of many ranges at once, sorted and merged: a class of 120 single characters is not 120 unions. */
function mergeAll(list: Ranges[]): Ranges {
  if (list.length === 1) return list[0]!;
  const pairs: Array<[number, number]> = [];
  for (const r of list) for (let k = 0; k < r.length; k += 2) pairs.push([r[k]!, r[k + 1]!]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [from, to] of pairs) {
    if (out.length > 0 && from <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, to);
    else out.push(from, to);
  }
  return out;
}
export function union(...sets: CharSet[]): CharSet {
  if (sets.length === 0) return NONE;
  if (sets.every(isExact)) return exact(mergeAll(sets.map((s) => s.most)));
  return { least: mergeAll(sets.map((s) => s.least)), most: mergeAll(sets.map((s) => s.most)) };
}
export const intersect = (a: CharSet, b: CharSet): CharSet => bounded(a, b, (x, y) => combine(x, y, (p, q) => p && q));
/** a − b: at least what surely is in a and surely not in b, at most what may be in a and may not be in b. */
export function subtract(a: CharSet, b: CharSet): CharSet {
  const minus = (x: Ranges, y: Ranges): Ranges => combine(x, y, (p, q) => p && !q);
  if (isExact(a) && isExact(b)) return exact(minus(a.most, b.most));
  return { least: minus(a.least, b.most), most: minus(a.most, b.least) };
}
export const complement = (s: CharSet): CharSet => subtract(ALL, s);
/** Could one character belong to both? Stops at the first shared range. */
export function overlaps(a: CharSet, b: CharSet): boolean {
  const x = a.most;
  const y = b.most;
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i + 1]! <= y[j]!) i += 2;
    else if (y[j + 1]! <= x[i]!) j += 2;
    else return true;
  }
  return false;
}
export const isEmpty = (s: CharSet): boolean => s.most.length === 0;

// The class escapes and the dot, as ECMA-262 defines them (WhiteSpace and LineTerminator for \s).
const codes = (...points: number[]): CharSet => union(...points.map(one));
export const DIGIT = range(0x30, 0x39);
export const WORD = union(DIGIT, range(0x41, 0x5a), range(0x61, 0x7a), one(0x5f));
export const LINE_TERMINATORS = codes(0x0a, 0x0d, 0x2028, 0x2029);
export const SPACE = union(range(0x09, 0x0d), codes(0x20, 0xa0, 0x1680, 0x202f, 0x205f, 0x3000, 0xfeff), range(0x2000, 0x200a), LINE_TERMINATORS);
