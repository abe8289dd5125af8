// The case classes behind the i flag (regex-case.ts): which characters match each other when case is ignored,
// computed from the host's own Unicode data on first use, once per thread.
// - Without u/v, the engine compares `toUpperCase` of single code units, never mapping a non-ASCII unit to
//   ASCII (ECMA-262 Canonicalize): the legacy table is exact.
// - With u/v it uses Unicode simple case folding, which JavaScript does not expose. Characters linked by
//   toUpperCase/toLowerCase, or sharing a full upper-then-lower mapping (ΐ U+0390 and U+1FD3), are taken as one
//   class: a superset of the engine's (ı U+0131 joins i and I), which only makes the check stricter. The tests
//   compare both tables with the host engine's matching, character by character.

/** Case classes as flat arrays: folding a set as large as [\u0100-\uffff] visits each of its cased characters once. */
export interface CaseTable {
  /** Every character that shares its class with another one, ascending. */
  cased: Int32Array;
  /** cased[i] belongs to class classOf[i], whose members are members[start[k]] up to members[start[k + 1]]. */
  classOf: Int32Array;
  start: Int32Array;
  members: Int32Array;
}

/** Cased characters all lie below U+1E944 (Adlam); planes 2 and up hold none, which the table's test checks. */
export const SCAN_END = 0x20000;

/**
 * Characters whose case mapping differs from themselves, found by the host's own regular-expression engine in
 * one pass over planes 0 and 1 (a loop of toUpperCase over 130,000 characters took twice as long).
 */
function changingCharacters(): number[] {
  const units = new Uint16Array(2 * SCAN_END);
  let n = 0;
  for (let p = 0; p < SCAN_END; p++) {
    if (p < 0x10000) {
      if (p < 0xd800 || p >= 0xe000) units[n++] = p; // lone surrogates have no case
    } else {
      units[n++] = 0xd800 + ((p - 0x10000) >> 10);
      units[n++] = 0xdc00 + ((p - 0x10000) & 0x3ff);
    }
  }
  const text = new TextDecoder('utf-16le').decode(units.subarray(0, n));
  return Array.from(text.matchAll(/\p{Changes_When_Casemapped}/gu), (m) => m[0].codePointAt(0)!);
}

type Key = number | string;

/** Joins characters into classes (union-find over `link`), then lays out the classes of two or more. */
class Classes {
  private readonly parent = new Map<Key, Key>();

  private find(x: Key): Key {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }

  /** `a` and `b` are one class; a string `b` joins every character linked to the same string. */
  link(a: number, b: Key | undefined): void {
    if (b !== undefined) this.parent.set(this.find(a), this.find(b));
  }

  table(): CaseTable {
    const groups = new Map<Key, number[]>();
    for (const x of this.parent.keys()) {
      if (typeof x !== 'number') continue;
      const root = this.find(x);
      const group = groups.get(root);
      if (group) group.push(x);
      else groups.set(root, [x]);
    }
    const kept = [...groups.values()].filter((g) => g.length > 1);
    const start = new Int32Array(kept.length + 1);
    const classOfPoint = new Map<number, number>();
    kept.forEach((g, k) => {
      start[k + 1] = start[k]! + g.length;
      for (const p of g) classOfPoint.set(p, k);
    });
    const cased = Int32Array.from(classOfPoint.keys()).sort(); // a typed array sorts numerically
    return { cased, classOf: cased.map((p) => classOfPoint.get(p)!), start, members: Int32Array.from(kept.flat()) };
  }
}

const single = (s: string): number | undefined => (s.length > 0 && String.fromCodePoint(s.codePointAt(0)!) === s ? s.codePointAt(0) : undefined);

function build(): { legacy: CaseTable; unicode: CaseTable } {
  const legacy = new Classes();
  const unicode = new Classes();
  for (const p of changingCharacters()) {
    const s = String.fromCodePoint(p);
    const upper = s.toUpperCase();
    unicode.link(p, single(upper));
    unicode.link(p, single(s.toLowerCase()));
    if (single(upper) === undefined) unicode.link(p, `full:${upper.toLowerCase()}`); // ΐ U+0390 and U+1FD3 fold together
    if (p <= 0xffff && upper.length === 1 && !(p >= 128 && upper.charCodeAt(0) < 128)) legacy.link(p, upper.charCodeAt(0));
  }
  return { legacy: legacy.table(), unicode: unicode.table() };
}

let built: ReturnType<typeof build> | undefined;
/** The case classes, built on the first pattern with the i flag and a non-ASCII character (tens of ms, once per thread). */
export function classes(unicode: boolean): CaseTable {
  built ??= build();
  return unicode ? built.unicode : built.legacy;
}
