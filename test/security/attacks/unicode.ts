// Technique: Unicode that makes code read differently from how it runs: BiDi overrides (Trojan Source),
// zero-width characters, homoglyph identifiers, line separators in strings and comments, escaped identifiers.
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const unicodeTricks: Attack[] = [
  // Trojan Source: a right-to-left override inside a comment reorders what a reviewer sees.
  {
    name: 'BiDi override in a comment',
    code: `const isAdmin = false;\n/* \u202E } \u2066if (isAdmin)\u2069 \u2066 begin admins only */\nreturn isAdmin`,
    expect: blocked,
  },
  // BiDi isolate inside a string literal that hides the end of the string.
  { name: 'BiDi isolate in a string', code: `const access = 'user\u2067 // check if admin\u2069';\nreturn access`, expect: blocked },
  // Zero-width space splitting an identifier into a different name.
  { name: 'zero-width space in identifier', code: `const call\u200BTool = 1;\nreturn 1`, expect: blocked },
  // Zero-width joiner inside a property name (makes `constructor` look like a harmless name, or the reverse).
  { name: 'zero-width joiner in a string key', code: `const k = 'constr\u200Ductor';\nreturn [][k]`, expect: blocked },
  // A BOM in the middle of the code.
  { name: 'BOM inside code', code: `const a\uFEFF = 1;\nreturn a`, expect: blocked },
  // Homoglyph: Cyrillic 'с' makes a look-alike of callTool that is a different variable.
  {
    name: 'Cyrillic homoglyph identifier',
    code: `const \u0441allTool = (n, a) => ({ faked: true });\nreturn \u0441allTool('x:y', {})`,
    level: 'STANDARD',
    expect: blocked,
  },
  // Homoglyph shadowing a global the reader trusts (Cyrillic 'о' in console).
  { name: 'Cyrillic homoglyph of console', code: `const c\u043Ensole = { log: 1 };\nreturn 1`, expect: blocked },
  // Mathematical bold letters as an identifier.
  { name: 'mathematical alphanumeric identifier', code: `const \u{1D41E}val = 1;\nreturn \u{1D41E}val`, expect: blocked },
  // U+2028 inside a string: a line break for the parser, invisible in most editors.
  { name: 'U+2028 in a string', code: `const s = 'a\u2028b';\nreturn s`, expect: blocked },
  // U+2028 ending a line comment early: the "commented" code runs.
  { name: 'U+2028 ends a comment early', code: `let x = 1;\n// harmless comment\u2028x = 2;\nreturn x`, expect: blocked },
  // U+2029 paragraph separator.
  { name: 'U+2029 in code', code: `const a = 1;\u2029return a`, expect: blocked },
  // Escaped identifier spelling eval.
  { name: String.raw`\u0065val escaped identifier`, code: String.raw`return \u0065val('1 + 1')`, expect: blocked },
  // Escaped identifier spelling globalThis with a braced escape.
  { name: 'braced escape globalThis', code: String.raw`return glob\u{61}lThis.process`, expect: blocked },
  // Escaped identifier spelling Function.
  { name: 'escaped Function', code: String.raw`return \u0046unction('return 1')()`, expect: blocked },
  // Escaped identifier spelling a reserved guard name.
  { name: 'escaped reserved name', code: `${String.raw`const \u005f_ag_i = 1;`}\nreturn 1`, expect: blocked },
  // A NUL character.
  { name: 'NUL character in a string', code: `const s = 'a\u0000b';\nreturn s`, expect: blocked },
  // An escape sequence (not a raw control character) in a string is ordinary data.
  { name: 'control: escaped U+2028 in a string is data', code: String.raw`return '\u2028'.length`, expect: { success: true, value: 1 } },
  // Fullwidth letters in a property name: a different, nonexistent property.
  { name: 'fullwidth property name', code: `return [].\uFF43onstructor`, expect: { codes: ['VALIDATION_ERROR'], value: null } },
];
