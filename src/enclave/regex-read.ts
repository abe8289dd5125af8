// Reads a pattern and its flags with regexpp (the parser ESLint uses) into the shapes of regex-shape.ts, for
// the ReDoS check. regexpp follows ECMAScript 2025, as QuickJS does: u and v, class set operations, modifiers
// such as (?i:…), duplicate group names. What it refuses, the check refuses (RegExpSyntaxError).
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { isEmpty } from './regex-charset.js';
import { classValue, type ClassValue, type Mode } from './regex-class.js';
import { alt, anyStrings, backref, char, repeat, seq, zero, type Shape } from './regex-shape.js';

const parser = new RegExpParser({ ecmaVersion: 2025 });

/** The shapes of the pattern as it matches under `flags`. Throws RegExpSyntaxError on what regexpp refuses (u and v together too). */
export function readPattern(pattern: string, flags: string): Shape {
  const f = parser.parseFlags(flags);
  const root = parser.parsePattern(pattern, 0, pattern.length, { unicode: f.unicode, unicodeSets: f.unicodeSets });
  return alternatives(root.alternatives, { ignoreCase: f.ignoreCase, dotAll: f.dotAll, unicode: f.unicode || f.unicodeSets, unicodeSets: f.unicodeSets });
}

function alternatives(branches: AST.Alternative[], mode: Mode): Shape {
  const read = branches.map((b) => sequence(b.elements, mode));
  return read.length === 1 ? read[0]! : alt(read);
}

function sequence(elements: AST.Element[], mode: Mode): Shape {
  const items: Shape[] = [];
  for (const e of elements) {
    const n = element(e, mode);
    if (n.kind === 'seq')
      items.push(...n.children); // an unrepeated group matches like its contents
    else items.push(n);
  }
  return items.length === 1 ? items[0]! : seq(items);
}

/** (?i:…) and (?-s:…) change case folding and the dot for their contents only. */
function modified(mode: Mode, modifiers: AST.Modifiers | null): Mode {
  if (!modifiers) return mode;
  const { add, remove } = modifiers;
  return {
    ...mode,
    ignoreCase: remove?.ignoreCase ? false : add.ignoreCase || mode.ignoreCase,
    dotAll: remove?.dotAll ? false : add.dotAll || mode.dotAll,
  };
}

function element(e: AST.Element, mode: Mode): Shape {
  switch (e.type) {
    case 'Assertion':
      return e.kind === 'lookahead' || e.kind === 'lookbehind' ? zero([alternatives(e.alternatives, mode)]) : zero();
    case 'Quantifier':
      return repeat(element(e.element, mode), e.min, e.max);
    case 'Group':
      return alternatives(e.alternatives, modified(mode, e.modifiers));
    case 'CapturingGroup':
      return alternatives(e.alternatives, mode);
    case 'Backreference':
      return backref();
    default:
      return classShape(classValue(e, mode));
  }
}

/** A class matches one of its characters, or under v one of its strings: alternatives, as (a|bc) would. */
function classShape(v: ClassValue): Shape {
  const onlyChars = v.strings.length === 0 && !v.anyStrings;
  const pieces = [
    ...(onlyChars || !isEmpty(v.chars) ? [char(v.chars)] : []),
    ...v.strings.map((s) => seq(s.map(char))),
    ...(v.anyStrings ? [anyStrings()] : []),
  ];
  return pieces.length === 1 ? pieces[0]! : alt(pieces);
}
