// Case-insensitive matching (the i flag) for the ReDoS check: the characters a set also matches once case is
// ignored. Without it, /^(a|A)+$/i looked like two distinct branches and ran until the watchdog (issue 8).
// ASCII sets fold by rule; others through the case classes of regex-case-table.ts.
import { classes, type CaseTable } from './regex-case-table.js';
import { complementRanges, hasPoint, rangesOfPoints, unionRanges, type CharSet, type Ranges } from './regex-charset.js';

/** The index of the first cased character ≥ `point`. */
function firstAtLeast(cased: Int32Array, point: number): number {
  let lo = 0;
  let hi = cased.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cased[mid]! < point) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Calls `visit` with the index of each cased character inside the ranges. */
function eachCased(r: Ranges, cased: Int32Array, visit: (i: number) => void): void {
  for (let k = 0; k < r.length; k += 2) for (let i = firstAtLeast(cased, r[k]!); i < cased.length && cased[i]! < r[k + 1]!; i++) visit(i);
}

const countCased = (r: Ranges, cased: Int32Array): number => {
  let n = 0;
  for (let k = 0; k < r.length; k += 2) n += firstAtLeast(cased, r[k + 1]!) - firstAtLeast(cased, r[k]!);
  return n;
};

/**
 * The ranges plus every character in the same case class as one of theirs. Walks the cased characters inside
 * the ranges, or outside them when those are fewer (\p{Lu} holds, at most, all of Unicode beyond ASCII), so one
 * fold costs at most half the table.
 */
function foldRanges(r: Ranges, table: CaseTable): Ranges {
  const { cased, classOf, start, members } = table;
  const extra: number[] = [];
  if (countCased(r, cased) * 2 <= cased.length) {
    const seen = new Uint8Array(start.length);
    eachCased(r, cased, (i) => {
      const c = classOf[i]!;
      if (seen[c]) return;
      seen[c] = 1;
      for (let j = start[c]!; j < start[c + 1]!; j++) if (!hasPoint(r, members[j]!)) extra.push(members[j]!);
    });
  } else {
    eachCased(complementRanges(r), cased, (i) => {
      const c = classOf[i]!;
      for (let j = start[c]!; j < start[c + 1]!; j++) {
        if (hasPoint(r, members[j]!)) {
          extra.push(cased[i]!);
          return;
        }
      }
    });
  }
  return extra.length === 0 ? r : unionRanges(r, rangesOfPoints(extra));
}

/**
 * ASCII folds without the table: a letter matches its other case, and under u/v the Kelvin sign U+212A and the
 * long s U+017F fold to k and s (the only non-ASCII characters whose simple case folding is ASCII).
 */
function foldAscii(r: Ranges, unicode: boolean): Ranges {
  const extra: number[] = [];
  for (let k = 0; k < r.length; k += 2) {
    for (let p = r[k]!; p < r[k + 1]!; p++) {
      const lower = p | 0x20;
      if (lower >= 0x61 && lower <= 0x7a) extra.push(p ^ 0x20);
      if (unicode && lower === 0x6b) extra.push(0x212a);
      if (unicode && lower === 0x73) extra.push(0x17f);
    }
  }
  return extra.length === 0 ? r : unionRanges(r, rangesOfPoints(extra));
}

const ASCII_END = 0x80;
const fold = (r: Ranges, unicode: boolean): Ranges =>
  r.length === 0 || r[r.length - 1]! <= ASCII_END ? foldAscii(r, unicode) : foldRanges(r, classes(unicode));

/** `set` under the i flag: every character that matches one of its members when case is ignored. */
export function foldCase(set: CharSet, unicode: boolean): CharSet {
  const most = fold(set.most, unicode);
  return set.least === set.most ? { least: most, most } : { least: fold(set.least, unicode), most };
}
