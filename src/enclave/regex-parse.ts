// Reads a regular-expression pattern (syntax acorn already accepted) into the tree of regex-ast.ts, for the
// ReDoS check. What it does not model (Unicode properties, back-references) reads as "any character".
import { alt, ANY, char, CLASS_ESCAPES, CONTROL_ESCAPES, DOT, NONE, node, not, one, range, repeat, seq, union, zero, type CharSet, type Node } from './regex-ast.js';

const GROUP_PREFIX = /\?(?:<?[=!]|<[^>]+>|[a-z-]*:)/y;
const QUANTIFIER = /(?:[*+?]|\{(\d+)(,(\d*))?\})/y;

/** Reads a pattern acorn accepted. Throws only on input it could not have accepted. */
export function parseRegex(src: string): Node {
  let i = 0;
  const fail = (): never => { throw new SyntaxError(`unexpected character at ${i}`); };
  const backref = (): Node => node('backref', { max: Infinity, first: ANY, extend: ANY, all: ANY });
  /** `digits` hex digits at i, or null (Annex B reads `\xZ` as the letter x). */
  const hex = (digits: number): number | null => {
    const h = src.slice(i, i + digits);
    if (h.length !== digits || !/^[\da-f]+$/i.test(h)) return null;
    i += digits;
    return parseInt(h, 16);
  };

  /** After a backslash: a character (its code), a set, a zero-width assertion or a back-reference. */
  const escape = (inClass: boolean): number | CharSet | Node => {
    const c = src[i++] ?? fail();
    if (CLASS_ESCAPES[c]) return CLASS_ESCAPES[c];
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c]!;
    if (c === 'b') return inClass ? 8 : zero();
    if (c === 'B' && !inClass) return zero();
    if (/[1-9]/.test(c) && !inClass) { while (/\d/.test(src[i] ?? '')) i++; return backref(); }
    if (c === 'k' && src[i] === '<' && !inClass) { i = src.indexOf('>', i) + 1 || fail(); return backref(); }
    if ((c === 'p' || c === 'P') && src[i] === '{') { i = src.indexOf('}', i) + 1 || fail(); return ANY; }
    if (c === 'x') return hex(2) ?? 120;
    if (c === 'u' && src[i] === '{') {
      const end = src.indexOf('}', i);
      const code = parseInt(src.slice(i + 1, end), 16);
      if (end < 0 || Number.isNaN(code)) return 117;
      i = end + 1;
      return code;
    }
    if (c === 'u') return hex(4) ?? 117;
    if (c === 'c' && /[a-z]/i.test(src[i] ?? '')) return src.charCodeAt(i++) % 32;
    return c.codePointAt(0)!;
  };

  const classSet = (): CharSet => {
    const negated = src[i] === '^';
    if (negated) i++;
    let set = NONE;
    const member = (): number | CharSet => {
      if (src[i] === '\\') { i++; return escape(true) as number | CharSet; }
      const code = src.codePointAt(i)!;
      i += code > 0xffff ? 2 : 1;
      return code;
    };
    const asSet = (m: number | CharSet): CharSet => (typeof m === 'number' ? one(m) : m);
    while (i < src.length && src[i] !== ']') {
      const from = member();
      if (src[i] === '-' && i + 1 < src.length && src[i + 1] !== ']') {
        i++;
        const to = member();
        // [a-z] is a range; [\d-z] is three members (Annex B).
        set = union(set, typeof from === 'number' && typeof to === 'number' ? range(from, to) : union(asSet(from), one(45), asSet(to)));
      } else set = union(set, asSet(from));
    }
    if (src[i++] !== ']') fail();
    return negated ? not(set) : set;
  };

  const atom = (): Node => {
    const c = src[i++]!;
    if (c === '(') {
      let look = false;
      if (src[i] === '?') {
        GROUP_PREFIX.lastIndex = i;
        const m = GROUP_PREFIX.exec(src) ?? fail();
        look = /^\?<?[=!]/.test(m[0]);
        i += m[0].length;
      }
      const body = alternation();
      if (src[i++] !== ')') fail();
      return look ? zero([body]) : body;
    }
    if (c === '[') return char(classSet());
    if (c === '.') return char(DOT);
    if (c === '^' || c === '$') return zero();
    if (c === '\\') {
      const e = escape(false);
      return typeof e === 'number' ? char(one(e)) : 'kind' in e ? e : char(e);
    }
    const code = src.codePointAt(i - 1)!;
    if (code > 0xffff) i++;
    return char(one(code));
  };

  const quantified = (n: Node): Node => {
    QUANTIFIER.lastIndex = i;
    const m = QUANTIFIER.exec(src);
    if (!m) return n;
    i += m[0].length;
    if (src[i] === '?') i++; // lazy: the same backtracking, in another order
    if (m[0] === '*') return repeat(n, 0, Infinity);
    if (m[0] === '+') return repeat(n, 1, Infinity);
    if (m[0] === '?') return repeat(n, 0, 1);
    const lo = Number(m[1]);
    return repeat(n, lo, m[2] === undefined ? lo : m[3] ? Number(m[3]) : Infinity);
  };

  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const n = quantified(atom());
      if (n.kind === 'seq') items.push(...n.children); // an unrepeated group matches like its contents
      else items.push(n);
    }
    return items.length === 1 ? items[0]! : seq(items);
  };

  const alternation = (): Node => {
    const branches = [sequence()];
    while (src[i] === '|') { i++; branches.push(sequence()); }
    return branches.length === 1 ? branches[0]! : alt(branches);
  };

  const root = alternation();
  if (i < src.length) fail();
  return root;
}
