// The tree the ReDoS check (regex-safety.ts) reasons about: character sets, and nodes built bottom-up that carry
// what the check needs about the text they can match. Every approximation here errs towards "could overlap",
// so imprecision only makes the check stricter. regex-parse.ts builds the tree from a pattern.

/** A set of characters: one bit per ASCII character, and one flag for "some character beyond ASCII". */
export interface CharSet { ascii: bigint; other: boolean }

const ALL_ASCII = (1n << 128n) - 1n;
export const NONE: CharSet = { ascii: 0n, other: false };
export const ANY: CharSet = { ascii: ALL_ASCII, other: true };
export const range = (from: number, to: number): CharSet => {
  const hi = Math.min(to, 127);
  const ascii = from > hi ? 0n : ((1n << BigInt(hi - from + 1)) - 1n) << BigInt(from);
  return { ascii, other: to > 127 };
};
export const one = (code: number): CharSet => range(code, code);
export const union = (...sets: CharSet[]): CharSet => sets.reduce((a, b) => ({ ascii: a.ascii | b.ascii, other: a.other || b.other }), NONE);
export const overlaps = (a: CharSet, b: CharSet): boolean => (a.ascii & b.ascii) !== 0n || (a.other && b.other);
// The complement of a set is taken to contain non-ASCII characters: over-approximating keeps the check strict.
export const not = (s: CharSet): CharSet => ({ ascii: ALL_ASCII & ~s.ascii, other: true });

const DIGIT = range(48, 57);
const WORD = union(DIGIT, range(65, 90), range(97, 122), one(95));
const SPACE = union(range(9, 13), one(32), { ascii: 0n, other: true });
export const DOT = not(union(one(10), one(13)));
export const CLASS_ESCAPES: Record<string, CharSet> = { d: DIGIT, D: not(DIGIT), w: WORD, W: not(WORD), s: SPACE, S: not(SPACE) };
export const CONTROL_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, '0': 0 };

/**
 * A node and what it can match: `min`/`max` length (Infinity when unbounded); `first`, the characters a non-empty
 * match can start with; `extend`, the characters that can continue a shorter match of the node into a longer
 * one (empty when no match is a prefix of another); `all`, every character a match can contain.
 */
export interface Node {
  kind: 'char' | 'seq' | 'alt' | 'repeat' | 'zero' | 'backref';
  min: number; max: number; first: CharSet; extend: CharSet; all: CharSet;
  children: Node[];
  /** Repetition counts (kind 'repeat'). */
  lo: number; hi: number;
  /** Two alternatives can match the same text, or one a prefix of the other's (kind 'alt'). */
  clashing: boolean;
}

export const node = (kind: Node['kind'], props: Partial<Node>): Node => ({ kind, min: 0, max: 0, first: NONE, extend: NONE, all: NONE, children: [], lo: 1, hi: 1, clashing: false, ...props });
export const char = (set: CharSet): Node => node('char', { min: 1, max: 1, first: set, all: set });
export const zero = (children: Node[] = []): Node => node('zero', { children });

/** The characters of a fixed-length node, position by position, or null when its length varies. */
function fixedChars(n: Node): CharSet[] | null {
  if (n.kind === 'char') return [n.first];
  if (n.kind === 'zero') return [];
  if (n.kind === 'seq') {
    const parts = n.children.map(fixedChars);
    return parts.every((p) => p !== null) ? parts.flat() : null;
  }
  const body = n.kind === 'repeat' && n.lo === n.hi && n.max <= 32 ? fixedChars(n.children[0]!) : null;
  return body ? Array.from({ length: n.lo }, () => body).flat() : null;
}

/** Can two alternatives match the same text, or one a prefix of the other's? (a|ab), (\w|\d), (a|) can. */
function clash(a: Node, fa: CharSet[] | null, b: Node, fb: CharSet[] | null): boolean {
  if (a.min === 0 || b.min === 0) return true;
  if (!fa || !fb) return overlaps(a.first, b.first);
  return fa.slice(0, fb.length).every((s, k) => overlaps(s, fb[k]!));
}

export function seq(items: Node[]): Node {
  let first = NONE;
  for (const item of items) { first = union(first, item.first); if (item.min > 0) break; }
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
  const sum = (f: (n: Node) => number): number => items.reduce((t, n) => t + f(n), 0);
  return node('seq', { children: items, min: sum((n) => n.min), max: sum((n) => n.max), first, extend, all: union(...items.map((n) => n.all)) });
}

export function alt(branches: Node[]): Node {
  const all = union(...branches.map((n) => n.all));
  const fixed = branches.map(fixedChars);
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
  return node('alt', {
    children: branches, clashing, min, max,
    first: union(...branches.map((n) => n.first)), extend: union(...branches.map((n) => n.extend), prefixes ? all : NONE), all,
  });
}

export function repeat(body: Node, lo: number, hi: number): Node {
  if (hi === 0) return zero([body]);
  return node('repeat', {
    children: [body], lo, hi, min: lo * body.min, max: body.max === 0 ? 0 : hi * body.max, first: body.first,
    extend: union(body.extend, hi > lo ? body.first : NONE), all: body.all,
  });
}
