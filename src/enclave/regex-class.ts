// What one character of a pattern can match under its flags, for the ReDoS check: a literal, ., \d\w\s, \p{…},
// a class with ranges, or under v a class with set operations and strings (\q{ab}, \p{RGI_Emoji}).
// Flags decide overlap, and overlap decides the verdict: (x|X)* is harmless, (x|X)*/i is not.
import type { AST } from '@eslint-community/regexpp';
import { foldCase } from './regex-case.js';
import {
  ALL,
  complement,
  DIGIT,
  intersect,
  LINE_TERMINATORS,
  one,
  range,
  rangesOfPoints,
  SPACE,
  subtract,
  union,
  unionRanges,
  UNIVERSE,
  UNKNOWN,
  WORD,
  type CharSet,
  type Ranges,
} from './regex-charset.js';

/** The flags that change what a character matches (m, g, y and d do not). Modifiers such as (?i:…) change them within a group. */
export interface Mode {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  /** u or v: code points instead of code units, Unicode escapes, simple case folding. */
  readonly unicode: boolean;
  /** v: class set operations and strings. */
  readonly unicodeSets: boolean;
}

/** Single characters, plus the strings a v-mode class can match, each a list of per-position sets. */
export interface ClassValue {
  chars: CharSet;
  strings: CharSet[][];
  /** A property of strings (\p{RGI_Emoji}): strings of any length the check cannot list. */
  anyStrings: boolean;
}

const caseless = (set: CharSet, mode: Mode): CharSet => (mode.ignoreCase ? foldCase(set, mode.unicode) : set);
const charsOnly = (chars: CharSet): ClassValue => ({ chars, strings: [], anyStrings: false });

/** . matches line terminators only with s: without it, . and \n cannot take the same character. */
export const dotSet = (mode: Mode): CharSet => (mode.dotAll ? ALL : complement(LINE_TERMINATORS));
export const characterSet = (value: number, mode: Mode): CharSet => caseless(one(value), mode);

const ESCAPES = { digit: DIGIT, space: SPACE, word: WORD } as const;
const ASCII = Array.from({ length: 0x80 }, (_, p) => p);
const BEYOND_ASCII: Ranges = [0x80, UNIVERSE[1]!];
const propertyMemo = new Map<string, CharSet>();

/**
 * \p{…}: exact over ASCII (asked of the host's engine), and possibly any character beyond it, as the check
 * carries no Unicode tables. A name the host does not know is possibly anything.
 */
function property(node: AST.CharacterUnicodePropertyCharacterSet): CharSet {
  const name = node.value === null ? node.key : `${node.key}=${node.value}`;
  let set = propertyMemo.get(name);
  if (!set) {
    try {
      const test = new RegExp(`^\\p{${name}}$`, 'u'); // regexpp validated the name: letters, digits, _ and =
      const least = rangesOfPoints(ASCII.filter((p) => test.test(String.fromCharCode(p))));
      set = { least, most: unionRanges(least, BEYOND_ASCII) };
    } catch {
      set = UNKNOWN;
    }
    propertyMemo.set(name, set);
  }
  return set;
}

/** \d \w \s \p{…} and their negations. */
function escapeSet(node: AST.EscapeCharacterSet | AST.CharacterUnicodePropertyCharacterSet, mode: Mode): CharSet {
  const positive = node.kind === 'property' ? property(node) : ESCAPES[node.kind];
  if (!node.negate) return caseless(positive, mode);
  // Under u without v, \P{…} is complemented before case is ignored, so /\P{Lu}/iu matches 'A'; \W, \D, \S and
  // v-mode \P{…} are complemented after (ECMA-262 CharacterClassEscape, MaybeSimpleCaseFolding).
  if (node.kind === 'property' && !mode.unicodeSets) return caseless(complement(positive), mode);
  return complement(caseless(positive, mode));
}

/** Any character-class node, or a single character or escape, under `mode`. */
export function classValue(node: ClassNode, mode: Mode): ClassValue {
  switch (node.type) {
    case 'Character':
      return charsOnly(characterSet(node.value, mode));
    case 'CharacterClassRange':
      return charsOnly(caseless(range(node.min.value, node.max.value), mode));
    case 'CharacterSet':
      if (node.kind === 'any') return charsOnly(dotSet(mode));
      if (node.kind === 'property') return node.strings ? { chars: UNKNOWN, strings: [], anyStrings: true } : charsOnly(escapeSet(node, mode));
      return charsOnly(escapeSet(node, mode));
    case 'ClassStringDisjunction': {
      // \q{a|bc|}: a one-character string is that character; the others match as sequences.
      const strings = node.alternatives.map((s) => s.elements.map((c) => characterSet(c.value, mode)));
      return { chars: union(...strings.filter((s) => s.length === 1).map((s) => s[0]!)), strings: strings.filter((s) => s.length !== 1), anyStrings: false };
    }
    case 'CharacterClass': {
      const parts = node.elements.map((e) => classValue(e, mode));
      const value: ClassValue = {
        chars: union(...parts.map((p) => p.chars)),
        strings: parts.flatMap((p) => p.strings),
        anyStrings: parts.some((p) => p.anyStrings),
      };
      // A negated class cannot contain strings (regexpp refuses it), so only its characters are complemented.
      return node.negate ? charsOnly(complement(value.chars)) : value;
    }
    case 'ExpressionCharacterClass': {
      const value = classValue(node.expression, mode);
      return node.negate ? charsOnly(complement(value.chars)) : value;
    }
    case 'ClassIntersection': {
      const [a, b] = [classValue(node.left, mode), classValue(node.right, mode)];
      // Strings in both operands: keep both lists, a superset of the strings they share.
      const both = (a.strings.length > 0 || a.anyStrings) && (b.strings.length > 0 || b.anyStrings);
      return { chars: intersect(a.chars, b.chars), strings: both ? [...a.strings, ...b.strings] : [], anyStrings: a.anyStrings && b.anyStrings };
    }
    case 'ClassSubtraction': {
      const [a, b] = [classValue(node.left, mode), classValue(node.right, mode)];
      return { chars: subtract(a.chars, b.chars), strings: a.strings, anyStrings: a.anyStrings }; // a superset of a's strings minus b's
    }
  }
}

export type ClassNode =
  | AST.Character
  | AST.CharacterClassRange
  | AST.CharacterSet
  | AST.CharacterClass
  | AST.ExpressionCharacterClass
  | AST.ClassIntersection
  | AST.ClassSubtraction
  | AST.ClassStringDisjunction;
