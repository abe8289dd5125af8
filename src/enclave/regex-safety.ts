// Part of the pre-scan family: the ReDoS check for regular expressions (SECURE and up), literal (validate.ts) or
// built at run time (the sandbox's worker). QuickJS's regex engine backtracks; its interrupt polling is the second
// line, this is the first.
// The pattern is read with its flags (regex-read.ts, over regexpp) into shapes (regex-shape.ts) whose character
// sets follow the flags (regex-class.ts): i folds case, s lets . take line terminators, u and v change escapes,
// classes and what a character is. Every shape is checked against a table of those that make a backtracking
// engine take exponential or high-polynomial time. A shape is flagged only when the text one part matches could
// also be matched another way, so unambiguous repetition such as (a|b)+, (\w+\.)+ or ([^"]*")* stays allowed.
import { overlaps, type CharSet } from './regex-charset.js';
import { readPattern } from './regex-read.js';
import type { Shape } from './regex-shape.js';

const MAX_PATTERN_LENGTH = 256;
/**
 * An ambiguous group repeated at most this many times splits one match at most ~n^4 ways: tolerated, the
 * deadline bounds it, and (a+){1,5}-style patterns are common. Above it, the ways grow with the count: (a?){28}.
 */
const TOLERATED_COUNT = 5;
/** Bounded repetitions whose ways to split one match stay under this are harmless: (a?){16} is 65,536. */
const MAX_WAYS = 1e5;
/** k adjacent repetitions able to take the same characters cost n^k: \d*\d* is fine, \d*\d*\d* is not. */
const MAX_OVERLAPPING_RUN = 2;
/** A single-character repetition this loose takes part in such a run: \d+ and \d{0,99} do, \d{2,4} does not. */
const LOOSE_SPAN = 16;

/** Is `count` (an upper bound) large enough for `ways` choices per repetition to explode? */
function explodes(count: number, ways: number): boolean {
  if (count === Infinity) return true;
  if (count <= 1) return false;
  if (ways === Infinity) return count > TOLERATED_COUNT;
  return count * Math.log10(ways) > Math.log10(MAX_WAYS);
}

/** A body whose repetitions can trade characters: it varies in length and is empty, or a shorter match can grow into the next one's start. */
const ambiguous = (b: Shape): boolean => b.min !== b.max && (b.min === 0 || overlaps(b.extend, b.first));

/** Alternatives directly inside a repeated body, as in (a|aa)* or (x(?:\w|\d))*, are retried in every repetition. */
const alternativesOf = (b: Shape): Shape[] => (b.kind === 'alt' ? [b] : b.kind === 'seq' ? b.children.filter((c) => c.kind === 'alt') : []);

const loose = (n: Shape): boolean => n.kind === 'repeat' && n.children[0]!.kind === 'char' && n.hi - n.lo > LOOSE_SPAN;

/** Can `n`, lying between two repetitions of `chars`, match nothing or one of those characters? */
const passable = (n: Shape, chars: CharSet): boolean => n.min === 0 || (n.kind === 'char' && overlaps(n.first, chars));

/**
 * The longest run of loose single-character repetitions in a sequence where each neighbouring pair can take the
 * same characters and whatever lies between them can be empty or one of the later one's characters: is it
 * longer than MAX_OVERLAPPING_RUN? O(n²).
 */
function tooManyOverlapping(items: Shape[]): boolean {
  const run: number[] = [];
  return items.some((item, i) => {
    run[i] = loose(item) ? 1 : 0;
    for (let j = i - 1; j >= 0 && run[i]! > 0; j--) {
      const prev = items[j]!;
      if (loose(prev) && overlaps(prev.first, item.first)) run[i] = Math.max(run[i]!, run[j]! + 1);
      if (!passable(prev, item.first)) break; // nothing before it can take part in this run
    }
    return run[i]! > MAX_OVERLAPPING_RUN;
  });
}

interface Rule {
  reason: string;
  applies: (n: Shape) => boolean;
}

/** Shapes that backtrack catastrophically; the first rule found anywhere in the pattern names the reason. */
const RULES: Rule[] = [
  // Matching with back-references is NP-hard in general.
  { reason: 'it uses a backreference', applies: (n) => n.kind === 'backref' },
  // (a|aa)*, (\w|\d)+: every repetition may take either branch for the same text.
  {
    reason: 'a repeated group contains alternatives that can match the same text, as in (a|aa)*',
    applies: (n) => n.kind === 'repeat' && explodes(n.hi, 2) && alternativesOf(n.children[0]!).some((a) => a.clashing),
  },
  // (a+)+, (\w+\s?)*, (a?){28}, (a{1,99}){1,99}: the repetitions can split one text in exponentially many ways.
  {
    reason: 'a repeated group contains another repetition, as in (a+)+ or (a?){30}',
    applies: (n) => n.kind === 'repeat' && ambiguous(n.children[0]!) && explodes(n.hi, n.children[0]!.max - n.children[0]!.min + 1),
  },
  // \d*\d*\d*x, .*a.*a.*: polynomial, with the degree set by the number of repetitions.
  {
    reason: `more than ${MAX_OVERLAPPING_RUN} adjacent repetitions can match the same characters, as in \\d*\\d*\\d*`,
    applies: (n) => n.kind === 'seq' && tooManyOverlapping(n.children),
  },
];

/** Does any node of the tree have the shape? */
const anywhere = (n: Shape, applies: Rule['applies']): boolean => applies(n) || n.children.some((c) => anywhere(c, applies));

export const UNREADABLE = 'it uses syntax the safety check cannot read';

/**
 * A reason when the pattern, matched under `flags` (as in `new RegExp(pattern, flags)`), risks catastrophic
 * backtracking, or null when it looks safe. Never throws: it also runs in the sandbox's worker for every pattern
 * a script builds, and whatever it cannot read (a syntax error, flags such as 'uv', a bug of its own) is refused.
 */
export function regexRisk(pattern: string, flags = ''): string | null {
  if (typeof pattern !== 'string' || typeof flags !== 'string') return UNREADABLE; // values from a worker's message
  if (pattern.length > MAX_PATTERN_LENGTH) return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    const root = readPattern(pattern, flags);
    return RULES.find((rule) => anywhere(root, rule.applies))?.reason ?? null;
  } catch {
    return UNREADABLE;
  }
}
