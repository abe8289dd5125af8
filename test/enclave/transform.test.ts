// Stage 3, the transform: every guard it inserts, blocked names renamed so they name nothing, lines kept,
// positions mapped back, and the strings it collects. Most tests compare the transformed script exactly, between
// the one-line prologue and the closing line; the sandbox runs a script only where run time alone shows the property.
import { parse } from 'acorn';
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';
import { parseScript } from '../../src/enclave/parse.js';
import { BLOCKED_PROPERTIES, RESERVED_PREFIX } from '../../src/enclave/policy.js';
import { GUARD, transform, type Transformed } from '../../src/enclave/transform.js';

const { iter: I, key: K, size: SZ, ctor: N, regex: R, caught: C, caughtName: E } = GUARD;
const PROLOGUE = `"use strict";${GUARD.run}(async function () {`;
const EPILOGUE = '\n});';
/** What a blocked static name becomes (transform.ts's NEUTRALIZED). */
const NEUTRALIZED = `${RESERVED_PREFIX}x_`;
/** A catch that checks what it caught and throws it on (transform.ts's RETHROW). */
const RETHROW = ` catch (${E}) {${C}(${E}); throw ${E};}`;

function transformed(code: string): Transformed {
  const parsed = parseScript(code);
  if (!parsed.ok) throw new Error(`does not parse: ${parsed.issue.message}`);
  return transform(code, parsed.ast);
}

/** The transformed script between the prologue and the closing line. */
function body(code: string): string {
  const out = transformed(code).code;
  if (!out.startsWith(PROLOGUE) || !out.endsWith(EPILOGUE)) throw new Error(`not wrapped: ${out}`);
  return out.slice(PROLOGUE.length, -EPILOGUE.length);
}

/** Whether the transformed code is JavaScript the engine can compile (as a script, like the sandbox's). */
function compiles(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 2022, sourceType: 'script' });
    return true;
  } catch {
    return false;
  }
}

describe('the iteration guard: one count per loop iteration and per function call', () => {
  it.each([
    ['a for loop with a block', 'for (let i = 0; i < 3; i++) { f(i); }', `for (let i = 0; i < 3; i++) {${I}(); f(i); }`],
    ['a for loop with one statement (braces added)', 'for (let i = 0; i < 3; i++) f(i);', `for (let i = 0; i < 3; i++) {${I}();f(i);}`],
    ['for…of', 'for (const x of xs) { f(x); }', `for (const x of xs) {${I}(); f(x); }`],
    ['for…in (refused by the validator, guarded anyway)', 'for (const k in o) f(k);', `for (const k in o) {${I}();f(k);}`],
    ['while (refused by the validator, guarded anyway)', 'while (go()) step();', `while (go()) {${I}();step();}`],
    ['do…while (refused by the validator, guarded anyway)', 'do { step(); } while (go());', `do {${I}(); step(); } while (go());`],
  ])('%s', (_what, code, expected) => {
    expect(body(code)).toBe(expected);
  });

  it('an arrow with a block body counts at its start', () => {
    expect(body('const ys = xs.map((x) => { return x * 2; });')).toBe(`const ys = xs.map((x) => {${I}(); return x * 2; });`);
  });

  it('an arrow with a concise body counts in a comma expression, and an object literal body stays one', () => {
    expect(body('const ys = xs.map((x) => x * 2);')).toBe(`const ys = xs.map((x) => (${I}(), x * 2));`);
    expect(body('const ys = xs.map((x) => ({ v: x }));')).toBe(`const ys = xs.map((x) => ((${I}(), { v: x })));`);
  });

  it('function declarations and expressions (refused by the validator) count at their start', () => {
    expect(body('function f() { return 1; }')).toBe(`function f() {${I}(); return 1; }`);
    expect(body('const g = function () { return 2; };')).toBe(`const g = function () {${I}(); return 2; };`);
  });
});

describe('async arrows: what they throw goes through the catch guard before it becomes a rejection', () => {
  it('a block body runs inside a guarded try', () => {
    expect(body('const g = async (x) => { await f(x); };')).toBe(`const g = async (x) => {try {${I}(); await f(x); }${RETHROW}};`);
  });

  it('a concise body becomes a guarded block that returns it', () => {
    expect(body('const h = async (x) => f(x);')).toBe(`const h = async (x) => { try { return ( (${I}(), f(x))); }${RETHROW} };`);
  });

  it('a parenthesised concise body keeps its parentheses inside the block', () => {
    const out = body('const h = async () => (1);');
    expect(out).toBe(`const h = async () => { try { return ( ((${I}(), 1))); }${RETHROW} };`);
  });

  // The `=>` is found after the parameters, skipping comments: one in a comment there once took the wrap into it.
  // A comment between `=>` and the body is kept where it was; the script still compiles.
  it('a comment holding `=>` between the arrow and its body does not break the wrap', () => {
    expect(compiles(transformed('const h = async () => /* => */ 1;\nreturn 1;').code)).toBe(true);
  });

  it('a body on the line after `=>` (as formatters write long arrows) is still what the arrow returns', () => {
    // `return` then a line break would return undefined (automatic semicolon insertion): the parenthesis opens first.
    expect(body('const h = async (x) =>\n  f(x);')).toBe(`const h = async (x) => { try { return (\n  (${I}(), f(x))); }${RETHROW} };`);
    expect(body('const h = async () => // a comment\n  1;')).toBe(`const h = async () => { try { return ( // a comment\n  (${I}(), 1)); }${RETHROW} };`);
  });
});

describe('computed keys go through the key guard unless they are a number or a harmless literal', () => {
  it('a member with a computed key', () => {
    expect(body('const v = o[k];')).toBe(`const v = o[${K}(k)];`);
  });

  it('numbers and literal strings that are not blocked names stay as written', () => {
    const code = 'const v = [o[0], o["name"], o[`name`]];';
    expect(body(code)).toBe(code);
  });

  it('a literal string that spells a blocked name is guarded as well (the key guard refuses it at run time)', () => {
    expect(body('const v = [o["constructor"], o[`__proto__`], o?.["prototype"]];')).toBe(
      `const v = [o[${K}("constructor")], o[${K}(\`__proto__\`)], o?.[${K}("prototype")]];`,
    );
  });

  it('an object literal with computed keys', () => {
    expect(body('const o = { [k]: 1, ["a"]: 2, [3]: 4 };')).toBe(`const o = { [${K}(k)]: 1, ["a"]: 2, [3]: 4 };`);
  });

  it('a destructuring pattern with a computed key', () => {
    expect(body('const { [k]: v } = o;')).toBe(`const { [${K}(k)]: v } = o;`);
  });
});

describe('new, regular expressions and string growth', () => {
  it('`new X(…)` constructs only what the constructor guard hands back', () => {
    expect(body('const m = new Map([[1, 2]]);')).toBe(`const m = new (${N}(Map))([[1, 2]]);`);
    expect(body('const d = new a.b.C(1);')).toBe(`const d = new (${N}(a.b.C))(1);`);
    expect(body('const m = new Map;')).toBe(`const m = new (${N}(Map));`);
  });

  it('a regular-expression literal goes through the regex guard', () => {
    expect(body('const ok = /a+b/gi.test(s);')).toBe(`const ok = ${R}(/a+b/gi).test(s);`);
  });

  it('`+`, `+=` and templates with substitutions in a loop are sized', () => {
    expect(body('for (const x of xs) { s += x; s = s + x; t = `${x}!`; }')).toBe(
      `for (const x of xs) {${I}(); ${SZ}(s += x); s = ${SZ}(s + x); t = ${SZ}(\`\${x}!\`); }`,
    );
  });

  it('each `+` of a chain is sized, inner first', () => {
    expect(body('for (const x of xs) { s = a + b + c; }')).toBe(`for (const x of xs) {${I}(); s = ${SZ}(${SZ}(a + b) + c); }`);
  });

  it('a callback counts as a loop: what it builds is sized', () => {
    expect(body("const ys = xs.map((x) => x + '!');")).toBe(`const ys = xs.map((x) => (${I}(), ${SZ}(x + '!')));`);
  });

  it('outside loops and callbacks nothing is sized, and a template without substitutions never is', () => {
    const outside = "const a = 'b' + c; let s = 'x'; s += a; const t = `${a}`;";
    expect(body(outside)).toBe(outside);
    expect(body('for (const x of xs) { t = `plain`; }')).toBe(`for (const x of xs) {${I}(); t = \`plain\`; }`);
  });
});

describe('catch and finally: a limit or an out-of-memory error is never caught by the script', () => {
  it('every catch block starts with the catch guard on its parameter', () => {
    expect(body('try { f(); } catch (e) { g(e); }')).toBe(`try { f(); } catch (e) {${C}(e); g(e); }`);
  });

  it('a catch without a parameter gets one', () => {
    expect(body('try { f(); } catch { g(); }')).toBe(`try { f(); } catch (${E}) {${C}(${E}); g(); }`);
  });

  it('a destructured parameter is named, and the pattern moves into the block after the check', () => {
    expect(body('try { f(); } catch ({ message }) { g(message); }')).toBe(`try { f(); } catch (${E}) {${C}(${E});let { message } = ${E}; g(message); }`);
  });

  it('the moved pattern keeps its own guards', () => {
    expect(body('try { f(); } catch ({ [k]: m, constructor: c }) { g(m, c); }')).toBe(
      `try { f(); } catch (${E}) {${C}(${E});let { [${K}(k)]: m, ${NEUTRALIZED}constructor: c } = ${E}; g(m, c); }`,
    );
  });

  it('try…finally gets a guarded catch that throws on', () => {
    expect(body('try { f(); } finally { g(); }')).toBe(`try { f(); }${RETHROW} finally { g(); }`);
  });

  it('try…catch…finally is wrapped in a guarded try, so the catch block is covered too', () => {
    expect(body('try { f(); } catch (e) { g(e); } finally { h(); }')).toBe(`try { try { f(); } catch (e) {${C}(e); g(e); } }${RETHROW} finally { h(); }`);
  });
});

describe('the body wrapper', () => {
  it('the script runs inside the run guard, in strict mode, on the script’s own first line', () => {
    expect(transformed('return 1;').code).toBe(`"use strict";${GUARD.run}(async function () {return 1;\n});`);
  });

  it('the last expression statement is returned, with or without its semicolon, parenthesised or not', () => {
    expect(body('f();\ng();')).toBe('f();\nreturn (g());');
    expect(body('const a = 1;\na * 2')).toBe('const a = 1;\nreturn (a * 2)');
    expect(body('(a);')).toBe('return ((a));');
  });

  it('a script that ends in another statement returns nothing of its own', () => {
    expect(body('const a = f();')).toBe('const a = f();');
  });

  it('a line comment at the end does not swallow the closing line', () => {
    const out = transformed('const a = 1;\na // the result').code;
    expect(out).toBe(`${PROLOGUE}const a = 1;\nreturn (a) // the result\n});`);
    expect(compiles(out)).toBe(true);
  });

  it('guard names start with the reserved prefix, which scripts may not use', () => {
    for (const name of Object.values(GUARD)) expect(name.startsWith(RESERVED_PREFIX)).toBe(true);
  });
});

describe('blocked names written statically are renamed so that they name nothing', () => {
  const names = [...BLOCKED_PROPERTIES];

  it.each(names)('`.%s`, plain and optional', (name) => {
    expect(body(`const v = [o.${name}, o?.${name}];`)).toBe(`const v = [o.${NEUTRALIZED}${name}, o?.${NEUTRALIZED}${name}];`);
  });

  it.each(names)('`{ %s: … }` in an object literal and in a pattern', (name) => {
    expect(body(`const o = { ${name}: 1 };`)).toBe(`const o = { ${NEUTRALIZED}${name}: 1 };`);
    expect(body(`const { ${name}: v } = o;`)).toBe(`const { ${NEUTRALIZED}${name}: v } = o;`);
  });

  it('an assignment to a blocked member writes the renamed one', () => {
    expect(body('o.__proto__ = p;')).toBe(`return (o.${NEUTRALIZED}__proto__ = p);`);
  });

  it('the renamed members are not members of anything a script can reach', () => {
    const reachable: object[] = [Object.prototype, Function.prototype, Array.prototype, String.prototype, Error.prototype, Promise.prototype];
    for (const name of names) {
      const renamed = /^return \(o\.(\w+)\);$/.exec(body(`o.${name};`))?.[1];
      expect(renamed).not.toBe(name);
      for (const o of reachable) expect(renamed !== undefined && !(renamed in o)).toBe(true);
    }
  });

  it('other names and shorthand object literals are left alone', () => {
    const code = 'const o = { name: 1, length: 2, constructor };\nconst v = [o.name, o.toString];';
    expect(body(code)).toBe(code);
  });

  // A key written as a string names the same property, and a shorthand pattern reads it: renamed too (the validator
  // refuses all three as well; the transform does not rely on it).
  it.each([
    ['a string key in a pattern', 'const { "constructor": c } = o;'],
    ['a string key in an object literal (sets the prototype)', 'const o = { "__proto__": p };'],
    ['a shorthand pattern', 'const { constructor } = o;'],
  ])('%s is renamed too', (_what, code) => {
    expect(body(code)).toContain(NEUTRALIZED);
  });

  it('a shorthand pattern keeps its binding and its default', () => {
    expect(body('const { constructor = 1, a } = o;')).toBe(`const { ${NEUTRALIZED}constructor: constructor = 1, a } = o;`);
  });
});

describe('lines: edits never add or remove a line of the script', () => {
  // Edits of every kind; line i holds the marker m<i>, except the first and last lines of the catch pattern.
  const SCRIPT = [
    'const m1 = xs.map((x) => x + 1);',
    'for (const m2 of xs) { s += `${m2}`; }',
    'const m3 = new Map([[o[k], /a/]]);',
    'try { f(); } catch ({',
    '  m5,',
    '  m6 = d(),',
    '}) { g(m5, m6); }',
    'const m8 = { constructor: o.constructor };',
    'try { f(); } catch (e) { g(); } finally { h(); } // m9',
    'const m10 = [async () => m10, async () => { await m10; }];',
    'for (let m11 = 0; m11 < 1; m11++) while (f()) g(); // m11',
    'try { f(); } catch { g(); } // m12',
    'm13(o?.[k])',
  ].join('\n');
  const MARKED = SCRIPT.split('\n').length;

  it('the transformed code has the script’s lines, each where it was, and one closing line', () => {
    const lines = transformed(SCRIPT).code.split('\n');
    expect(lines).toHaveLength(MARKED + 1);
    for (let i = 1; i <= MARKED; i++) if (i !== 4 && i !== 7) expect(lines[i - 1]).toMatch(new RegExp(`\\bm${i}\\b`));
    expect(lines[MARKED]).toBe('});');
  });

  it('a multi-line destructured catch moves into its block with its lines in place', () => {
    const lines = transformed(SCRIPT).code.split('\n');
    expect(lines[3]).toBe(`try { f(); } catch (${E}) {${C}(${E});let {`);
    expect(lines[5]).toBe('  m6 = d(),');
    expect(lines[6]).toBe(`} = ${E}; g(m5, m6); }`);
  });

  it('CRLF line ends are kept as they are', () => {
    expect(body('const a = xs.map((x) => x * 2);\r\nfor (const x of xs) f(x);\r\nreturn a;')).toBe(
      `const a = xs.map((x) => (${I}(), x * 2));\r\nfor (const x of xs) {${I}();f(x);}\r\nreturn a;`,
    );
  });
});

describe('mapPosition: columns of the transformed code back to the script', () => {
  const SCRIPT = 'const a = 1;\nfor (const x of [1]) { new Map(x.y); }\nconst b = o[k].z;';
  const t = transformed(SCRIPT);
  const out = t.code.split('\n');
  const script = SCRIPT.split('\n');
  /** The script's 1-based column of `token` on `line`, and where the transformed code has it. */
  const columns = (line: number, token: string): { script: number; transformed: number } => ({
    script: script[line - 1]!.indexOf(token) + 1,
    transformed: out[line - 1]!.indexOf(token) + 1,
  });

  it('on the first line, past the prologue', () => {
    const { script: col, transformed } = columns(1, 'a = 1');
    expect([col, transformed]).toEqual([7, PROLOGUE.length + 7]);
    expect(t.mapPosition(1, transformed)).toEqual({ line: 1, column: 7 });
    expect(t.mapPosition(1, PROLOGUE.length + 1)).toEqual({ line: 1, column: 1 });
  });

  it('after a loop guard and a constructor guard on the same line', () => {
    for (const [token, expected] of [
      ['new', 24],
      ['Map', 28],
      ['x.y', 32],
      ['y)', 34],
    ] as const) {
      const { script: col, transformed } = columns(2, token);
      expect(col).toBe(expected);
      expect(transformed).toBeGreaterThan(col);
      expect(t.mapPosition(2, transformed)).toEqual({ line: 2, column: col });
    }
  });

  it('after a key guard', () => {
    const z = columns(3, 'z;');
    expect([script[2]!.indexOf('k]') + 1, z.script]).toEqual([13, 16]);
    expect(t.mapPosition(3, out[2]!.indexOf('(k)') + 2)).toEqual({ line: 3, column: 13 });
    expect(t.mapPosition(3, z.transformed)).toEqual({ line: 3, column: 16 });
  });

  it('a column inside inserted text maps to the script character before it', () => {
    const guard = out[1]!.indexOf(`${I}();`) + 1;
    expect(t.mapPosition(2, guard)).toEqual({ line: 2, column: script[1]!.indexOf('{') + 1 });
  });

  it('a column inside the prologue maps to the first column', () => {
    expect(t.mapPosition(1, 5)).toEqual({ line: 1, column: 1 });
  });
});

describe('run time: a runtime error reports the script’s own line and column', () => {
  const enclave = new Enclave();
  afterAll(() => enclave.dispose());

  it('after a loop guard and a constructor guard edited that line', async () => {
    const line = 'for (const x of [1]) { const m = new Map([[o.y, 1]]); }';
    const r = await enclave.run(`const o = null;\n${line}\nreturn 1;`);
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR', line: 2, column: line.indexOf('.y') + 1 } });
    expect(r.error?.message).toMatch(/^Line 2, column 45: TypeError/);
  });

  it('on the first line, behind the prologue', async () => {
    const line = 'const o = null; const v = o.x;';
    const r = await enclave.run(`${line}\nreturn v;`);
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR', line: 1, column: line.indexOf('.x') + 1 } });
  });
});

describe('literals: the strings a script spells out that could be tool names', () => {
  const literals = (code: string): string[] => [...transformed(code).literals].sort();

  it('string literals and templates without substitutions, with escapes cooked', () => {
    expect(literals("const a = 'crm:find';\nconst b = `crm:list`;\nconst c = f({ to: 'crm:arg' });\nconst d = ['crm\\x3Aget', `crm\\u003Aput`];")).toEqual([
      'crm:arg',
      'crm:find',
      'crm:get',
      'crm:list',
      'crm:put',
    ]);
  });

  it('also inside loops and callbacks', () => {
    expect(literals("for (const x of xs) { f('crm:loop', `crm:tpl`); }\nconst ys = xs.map(() => 'crm:cb');")).toEqual(['crm:cb', 'crm:loop', 'crm:tpl']);
  });

  it('not strings without a colon, regular expressions or numbers', () => {
    expect(literals("const a = 'plain';\nconst r = /crm:x/;\nconst n = 12;")).toEqual([]);
  });

  it('not strings longer than a tool name may be', () => {
    const at = `s:${'t'.repeat(254)}`;
    const over = `${at}t`;
    expect(literals(`const a = '${at}';\nconst b = '${over}';`)).toEqual([at]);
  });

  it('not a template with a substitution in a loop', () => {
    expect(literals('for (const x of xs) { f(`crm:${x}`); }')).toEqual([]);
  });

  // Only a whole string can be a tool name a reviewer reads: a template with `${}` is never one, in a loop or not.
  it('not a template with a substitution outside loops', () => {
    expect(literals('const t = `crm:${x}`;')).toEqual([]);
  });
});
