// validate(): stages 1–4 without a sandbox. One test per construct DESIGN §3 blocks, each asserting the rule
// and the 1-based position of the offending construct; then scripts each level must accept.
import { describe, expect, it } from 'vitest';
import { SECURITY_LEVELS, validate } from '../../src/enclave/index.js';
import type { SecurityLevel } from '../../src/enclave/index.js';
import { LEVEL_RULES, levelAllows, type LevelFeature } from '../../src/enclave/policy.js';

interface Expected {
  rule: string;
  line: number;
  column: number;
}

/** The script is invalid and one of its issues is exactly `rule` at `line:column`. */
function expectBlocked(code: string, expected: Expected, securityLevel?: SecurityLevel): void {
  const result = validate(code, securityLevel ? { securityLevel } : {});
  expect(result.valid, `expected invalid:\n${code}`).toBe(false);
  expect(result.error?.code).toBe('VALIDATION_ERROR');
  expect(result.issues).toContainEqual(expect.objectContaining(expected));
  for (const issue of result.issues) {
    expect(issue.message.length, 'every issue explains itself').toBeGreaterThan(10);
    expect(issue.line).toBeGreaterThanOrEqual(1);
    expect(issue.column).toBeGreaterThanOrEqual(1);
  }
}

function expectBlockedOnLine(code: string, rule: string, line: number): void {
  const result = validate(code);
  expect(result.valid, `expected invalid:\n${code}`).toBe(false);
  expect(result.issues).toContainEqual(expect.objectContaining({ rule, line }));
}

function expectValid(code: string, securityLevel?: SecurityLevel): void {
  const result = validate(code, securityLevel ? { securityLevel } : {});
  expect(result.issues, `expected valid at ${securityLevel ?? 'STRICT'}:\n${code}`).toEqual([]);
  expect(result.valid).toBe(true);
  expect(result.error).toBeUndefined();
}

describe('code that builds code', () => {
  it('eval', () => {
    expectBlocked(`const rows = await callTool('db:list', {});\nconst total = eval('rows.length');\nreturn total;`, {
      rule: 'blocked-global',
      line: 2,
      column: 15,
    });
  });
  it('Function called', () => {
    expectBlocked(`const src = 'return 1';\nconst f = Function(src);\nreturn f();`, { rule: 'blocked-global', line: 2, column: 11 });
  });
  it('new Function', () => {
    expectBlocked(`const src = 'return 1';\nconst f = new Function(src);\nreturn 1;`, { rule: 'no-new', line: 2, column: 11 });
    expectBlocked(`const src = 'return 1';\nconst f = new Function(src);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 15 });
  });
});

describe('constructor and prototype routes', () => {
  it('.constructor', () => {
    expectBlocked(`const items = [1, 2];\nconst C = items.constructor;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 17 });
  });
  it("obj['constructor'] (computed string literal)", () => {
    expectBlocked(`const items = [1, 2];\nconst C = items['constructor'];\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 17 });
  });
  it('obj[`constructor`] (template without substitutions)', () => {
    expectBlocked('const items = [1, 2];\nconst C = items[`constructor`];\nreturn 1;', { rule: 'blocked-property', line: 2, column: 17 });
  });
  it('obj?.constructor (optional chain)', () => {
    expectBlocked(`const items = [1, 2];\nconst C = items?.constructor;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 18 });
  });
  it('const { constructor: c } = x (destructuring)', () => {
    expectBlocked(`const items = [1, 2];\nconst { constructor: C } = items;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 9 });
  });
  it("const { ['constructor']: c } = x (computed destructuring key)", () => {
    expectBlocked(`const items = [1, 2];\nconst { ['constructor']: C } = items;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 10 });
  });
  it('.prototype', () => {
    expectBlocked(`const items = [1, 2];\nconst p = Array.prototype;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 17 });
  });
  it("['prototype']", () => {
    expectBlocked(`const items = [1, 2];\nconst p = items['prototype'];\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 17 });
  });
  it('.__proto__', () => {
    expectBlocked(`const user = { name: 'a' };\nconst p = user.__proto__;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 16 });
  });
  it("['__proto__'] assignment", () => {
    expectBlocked(`const user = { name: 'a' };\nuser['__proto__'] = {};\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 6 });
  });
  it('{ __proto__: x } in an object literal', () => {
    expectBlocked(`const base = { admin: true };\nconst user = { __proto__: base };\nreturn user;`, { rule: 'blocked-property', line: 2, column: 16 });
  });
  it('__defineGetter__', () => {
    expectBlocked(`const user = { name: 'a' };\nuser.__defineGetter__('x', Math.random);\nreturn user;`, { rule: 'blocked-property', line: 2, column: 6 });
  });
  it("['__lookupGetter__'] (computed)", () => {
    expectBlocked(`const user = { name: 'a' };\nconst g = user['__lookupGetter__'];\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 16 });
  });
  it('.caller / .callee', () => {
    expectBlocked(`const items = [1];\nconst c = items.map.caller;\nreturn 1;`, { rule: 'blocked-property', line: 2, column: 21 });
  });
});

describe('reaching the realm and the host', () => {
  it('this', () => {
    expectBlocked(`const a = 1;\nconst self = this;\nreturn a;`, { rule: 'no-this', line: 2, column: 14 });
  });
  it('globalThis', () => {
    expectBlocked(`const a = 1;\nconst g = globalThis.callTool;\nreturn a;`, { rule: 'blocked-global', line: 2, column: 11 });
  });
  it('arguments', () => {
    expectBlocked(`const a = [1];\nconst b = a.map(() => arguments.length);\nreturn b;`, { rule: 'blocked-global', line: 2, column: 23 });
  });
  it('process', () => {
    expectBlocked(`const a = 1;\nconst env = process.env;\nreturn env;`, { rule: 'blocked-global', line: 2, column: 13 });
  });
  it('require', () => {
    expectBlocked(`const a = 1;\nconst fs = require('fs');\nreturn a;`, { rule: 'blocked-global', line: 2, column: 12 });
  });
  it('import()', () => {
    expectBlocked(`const a = 1;\nconst fs = await import('node:fs');\nreturn a;`, { rule: 'no-import', line: 2, column: 18 });
  });
  it('static import is a syntax error in a script', () => {
    expectBlocked(`const a = 1;\nimport fs from 'node:fs';\nreturn a;`, { rule: 'syntax-error', line: 2, column: 1 });
  });
  it('module', () => {
    expectBlocked(`const a = 1;\nconst m = module.exports;\nreturn a;`, { rule: 'blocked-global', line: 2, column: 11 });
  });
  it('a blocked name cannot be bound either', () => {
    expectBlocked(`const a = [1];\nconst b = a.map(process => process);\nreturn b;`, { rule: 'blocked-name', line: 2, column: 17 });
  });
  it('an undeclared name is unknown', () => {
    expectBlocked(`const a = 1;\nconst b = Buffer2.from('x');\nreturn b;`, { rule: 'unknown-global', line: 2, column: 11 });
  });
});

describe('functions, classes and methods', () => {
  it('function declaration', () => {
    expectBlocked(`const items = [3, 1];\nfunction byId(a, b) { return a - b; }\nreturn items.sort(byId);`, { rule: 'no-function', line: 2, column: 1 });
  });
  it('function expression as a callback', () => {
    expectBlocked(`const items = [3, 1];\nconst ids = items.map(function (x) { return x; });\nreturn ids;`, { rule: 'no-function', line: 2, column: 23 });
  });
  it('async function expression', () => {
    expectBlocked(`const a = 1;\nconst f = async function () { return a; };\nreturn a;`, { rule: 'no-function', line: 2, column: 11 });
  });
  it('class declaration', () => {
    expectBlocked(`const a = 1;\nclass Repo {}\nreturn a;`, { rule: 'no-class', line: 2, column: 1 });
  });
  it('class expression', () => {
    expectBlocked(`const a = 1;\nconst Repo = class {};\nreturn a;`, { rule: 'no-class', line: 2, column: 14 });
  });
  it('getter', () => {
    expectBlocked(`const a = 1;\nconst o = { get total() { return a; } };\nreturn o;`, { rule: 'no-accessor', line: 2, column: 13 });
  });
  it('setter', () => {
    expectBlocked(`const a = 1;\nconst o = { set total(v) { } };\nreturn o;`, { rule: 'no-accessor', line: 2, column: 13 });
  });
  it('object method', () => {
    expectBlocked(`const a = 1;\nconst o = { total() { return a; } };\nreturn o;`, { rule: 'no-method', line: 2, column: 13 });
  });
  it('generator function', () => {
    expectBlocked(`const a = 1;\nfunction* ids() { yield a; }\nreturn a;`, { rule: 'no-function', line: 2, column: 1 });
    expectBlocked(`const a = 1;\nfunction* ids() { yield a; }\nreturn a;`, { rule: 'no-generator', line: 2, column: 19 });
  });
  it('generator method', () => {
    expectBlocked(`const a = 1;\nconst o = { *ids() { yield a; } };\nreturn a;`, { rule: 'no-generator', line: 2, column: 22 });
  });
});

describe('loops and control flow', () => {
  it('while', () => {
    expectBlocked(`let i = 0;\nwhile (i < 3) { i++; }\nreturn i;`, { rule: 'no-while', line: 2, column: 1 });
  });
  it('do…while', () => {
    expectBlocked(`let i = 0;\ndo { i++; } while (i < 3);\nreturn i;`, { rule: 'no-while', line: 2, column: 1 });
  });
  it('for…in', () => {
    expectBlocked(`const counts = { a: 1 };\nfor (const k in counts) { console.log(k); }\nreturn counts;`, { rule: 'no-for-in', line: 2, column: 1 });
  });
  it('labeled statement', () => {
    expectBlocked(`const rows = [[1, 2]];\nouter: for (const row of rows) { console.log(row); }\nreturn rows;`, { rule: 'no-label', line: 2, column: 1 });
  });
  it('break label', () => {
    const code = `const rows = [[1, 2]];\nouter: for (const row of rows) {\n  for (const x of row) { if (x) break outer; }\n}\nreturn rows;`;
    expectBlocked(code, { rule: 'no-label', line: 2, column: 1 });
    expectBlocked(code, { rule: 'no-label', line: 3, column: 33 });
  });
  it('continue label', () => {
    const code = `const rows = [[1, 2]];\nouter: for (const row of rows) {\n  for (const x of row) { if (x) continue outer; }\n}\nreturn rows;`;
    expectBlocked(code, { rule: 'no-label', line: 3, column: 33 });
  });
  it('with (rejected as no-with, or as a strict-mode syntax error)', () => {
    const result = validate(`const o = { a: 1 };\nwith (o) { console.log(a); }\nreturn o;`);
    expect(result.valid).toBe(false);
    const issue = result.issues.find((i) => i.rule === 'no-with' || i.rule === 'syntax-error');
    expect(issue).toMatchObject({ line: 2, column: 1 });
  });
  it('debugger', () => {
    expectBlocked(`const a = 1;\ndebugger;\nreturn a;`, { rule: 'no-debugger', line: 2, column: 1 });
  });
});

describe('dangerous built-ins and host APIs', () => {
  const cases: Array<[string, string, Expected]> = [
    ['Proxy', `const target = {};\nconst p = Proxy.revocable(target, {});\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 11 }],
    ['Reflect', `const target = {};\nconst keys = Reflect.ownKeys(target);\nreturn keys;`, { rule: 'blocked-global', line: 2, column: 14 }],
    ['Symbol', `const items = [1];\nconst it = items[Symbol.iterator];\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 18 }],
    ['WeakRef', `const target = {};\nconst ref = new WeakRef(target);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 17 }],
    ['FinalizationRegistry', `const target = {};\nconst reg = new FinalizationRegistry((x) => x);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 17 }],
    ['SharedArrayBuffer', `const n = 8;\nconst buf = new SharedArrayBuffer(n);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 17 }],
    ['Atomics', `const n = 8;\nconst w = Atomics.wait;\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 11 }],
    ['WebAssembly', `const bytes = [0, 97, 115, 109];\nconst m = WebAssembly.compile(bytes);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 11 }],
    ['setTimeout', `const n = 1;\nsetTimeout(() => n, 10);\nreturn n;`, { rule: 'blocked-global', line: 2, column: 1 }],
    ['setInterval', `const n = 1;\nconst t = setInterval(() => n, 10);\nreturn n;`, { rule: 'blocked-global', line: 2, column: 11 }],
    ['fetch', `const url = 'https://example.com';\nconst res = await fetch(url);\nreturn res.status;`, { rule: 'blocked-global', line: 2, column: 19 }],
    ['localStorage', `const key = 'k';\nconst v = localStorage.getItem(key);\nreturn v;`, { rule: 'blocked-global', line: 2, column: 11 }],
    ['RegExp constructor', `const p = 'a+';\nconst re = RegExp(p);\nreturn 1;`, { rule: 'blocked-global', line: 2, column: 12 }],
  ];
  for (const [name, code, expected] of cases) {
    it(name, () => expectBlocked(code, expected));
  }
});

describe('other blocked syntax', () => {
  it('tagged template', () => {
    expectBlocked('const user = "a";\nconst q = sql`select * from t where u = ${user}`;\nreturn q;', { rule: 'no-tagged-template', line: 2, column: 11 });
  });
  it('String.raw tagged template', () => {
    expectBlocked('const p = "a";\nconst q = String.raw`C:\\${p}`;\nreturn q;', { rule: 'no-tagged-template', line: 2, column: 11 });
  });
  it('assignment to a global member: Math.max = …', () => {
    expectBlocked(`const items = [1, 2];\nMath.max = (a, b) => a;\nreturn Math.max(...items);`, { rule: 'assign-global', line: 2, column: 1 });
  });
  it('assignment to a global: JSON = …', () => {
    expectBlocked(`const items = [1, 2];\nJSON = { stringify: String };\nreturn items;`, { rule: 'assign-global', line: 2, column: 1 });
  });
  it('delete Math.PI', () => {
    expectBlocked(`const r = 2;\ndelete Math.PI;\nreturn r;`, { rule: 'assign-global', line: 2, column: 8 });
  });
  it('Math.PI++ (update of a global)', () => {
    expectBlocked(`const r = 2;\nMath.PI++;\nreturn r;`, { rule: 'assign-global', line: 2, column: 1 });
  });
  it('for (Math.max of …) (a global as the loop target)', () => {
    expectBlocked(`const xs = [1];\nfor (Math.max of xs) { console.log(1); }\nreturn 1;`, { rule: 'assign-global', line: 2, column: 6 });
  });
  it('[Math.max] = … (array destructuring assignment to a global member)', () => {
    // Either the pattern (column 1) or the member inside it (column 2) is a fine position.
    expectBlockedOnLine(`const xs = [1];\n[Math.max] = xs;\nreturn Math.max;`, 'assign-global', 2);
  });
  it('({ m: Math.max } = …) (object destructuring assignment to a global member)', () => {
    expectBlockedOnLine(`const v = { m: 7 };\n({ m: Math.max } = v);\nreturn Math.max;`, 'assign-global', 2);
  });
  it('var', () => {
    expectBlocked(`const a = 1;\nvar total = a + 1;\nreturn total;`, { rule: 'no-var', line: 2, column: 1 });
  });
  it('a name with the reserved prefix, declared', () => {
    expectBlocked(`const a = 1;\nconst __ag_i = () => 0;\nreturn a;`, { rule: 'reserved-name', line: 2, column: 7 });
  });
  it('a name with the reserved prefix, used', () => {
    expectBlocked(`const a = 1;\n__ag_i();\nreturn a;`, { rule: 'reserved-name', line: 2, column: 1 });
  });
  it('new Promise', () => {
    expectBlocked(`const a = 1;\nconst p = new Promise((resolve) => resolve(a));\nreturn await p;`, { rule: 'no-new', line: 2, column: 11 });
  });
  it('new Proxy', () => {
    expectBlocked(`const target = {};\nconst p = new Proxy(target, {});\nreturn 1;`, { rule: 'no-new', line: 2, column: 11 });
  });
  it('new on a member expression', () => {
    expectBlocked(`const a = 1;\nconst d = new Intl.DateTimeFormat();\nreturn a;`, { rule: 'no-new', line: 2, column: 11 });
  });
  it('non-ASCII identifier', () => {
    expectBlocked(`const a = 1;\nconst café = a;\nreturn café;`, { rule: 'ascii-identifiers', line: 2, column: 7 });
  });
  it('Cyrillic homoglyph of callTool', () => {
    expectBlocked(`const q = 'x';\nconst r = await \u0441allTool('db:search', { q });\nreturn r;`, { rule: 'ascii-identifiers', line: 2, column: 17 });
  });
  it('BigInt literal', () => {
    expectBlocked(`const a = 1;\nconst big = 10n ** 20n;\nreturn a;`, { rule: 'no-bigint', line: 2, column: 13 });
  });
  it('Object.defineProperty (a blocked member of an allowed global)', () => {
    expectBlocked(`const o = {};\nObject.defineProperty(o, 'x', { value: 1 });\nreturn o;`, { rule: 'blocked-global-member', line: 2, column: 8 });
  });
  it('Object.getPrototypeOf', () => {
    expectBlocked(`const o = {};\nconst p = Object.getPrototypeOf(o);\nreturn p;`, { rule: 'blocked-global-member', line: 2, column: 18 });
  });
  it("Object['getPrototypeOf'] is checked like Object.getPrototypeOf", () => {
    expectBlocked(`const o = {};\nconst p = Object['getPrototypeOf'](o);\nreturn p;`, { rule: 'blocked-global-member', line: 2, column: 18 });
  });
  it('computed access on a global', () => {
    expectBlocked(`const k = 'keys';\nconst f = Object[k];\nreturn 1;`, { rule: 'computed-global-member', line: 2, column: 11 });
  });
  it('a global shadowed by a callback parameter elsewhere is still the global at the top level', () => {
    // Scope: `Object` is a parameter only inside the arrow; on line 3 it is the global, so its members are checked.
    expectBlocked(`const xs = [1];\nconst ys = xs.map((Object) => Object);\nconst p = Object.getPrototypeOf(ys);\nreturn p;`, {
      rule: 'blocked-global-member',
      line: 3,
      column: 18,
    });
  });
});

describe('by level', () => {
  it('a regex literal is blocked at STRICT', () => {
    expectBlocked(`const s = 'a-b';\nconst ok = /a-b/.test(s);\nreturn ok;`, { rule: 'no-regex', line: 2, column: 12 });
  });
  it('.match() and .search() are blocked at STRICT (they compile strings)', () => {
    expectBlocked(`const s = 'a-b';\nconst m = s.match('a');\nreturn m;`, { rule: 'no-regex', line: 2, column: 13 });
    expectBlocked(`const s = 'a-b';\nconst i = s.search('b');\nreturn i;`, { rule: 'no-regex', line: 2, column: 13 });
    expectBlocked(`const s = 'a-b';\nconst all = s.matchAll('b');\nreturn 1;`, { rule: 'no-regex', line: 2, column: 15 });
  });
  it('a safe regex is allowed at SECURE; an unsafe one is not', () => {
    expectValid(`const s = 'a-b';\nconst ok = /^[a-z]-[a-z]$/.test(s);\nreturn ok;`, 'SECURE');
    expectBlocked(`const s = 'aaaa!';\nconst ok = /^(a+)+$/.test(s);\nreturn ok;`, { rule: 'unsafe-regex', line: 2, column: 12 }, 'SECURE');
  });
  it('a dynamic callTool name is blocked at STRICT and allowed at SECURE', () => {
    const code = `const tool = 'db:list';\nconst rows = await callTool(tool, {});\nreturn rows;`;
    expectBlocked(code, { rule: 'dynamic-tool-name', line: 2, column: 29 });
    expectValid(code, 'SECURE');
    const template = 'const table = "users";\nconst rows = await callTool(`db:${table}`, {});\nreturn rows;';
    expectBlocked(template, { rule: 'dynamic-tool-name', line: 2, column: 29 });
  });
  it('callTool without a name', () => {
    expectBlocked(`const a = 1;\nconst r = await callTool();\nreturn r;`, { rule: 'tool-name-missing', line: 2, column: 17 });
  });
  it('a standalone const arrow is blocked at STRICT and SECURE, allowed at STANDARD', () => {
    const code = `const items = [1, 2];\nconst double = (x) => x * 2;\nreturn items.map(double);`;
    expectBlocked(code, { rule: 'arrow-position', line: 2, column: 16 });
    expectBlocked(code, { rule: 'arrow-position', line: 2, column: 16 }, 'SECURE');
    expectValid(code, 'STANDARD');
    expectValid(code, 'PERMISSIVE');
  });
  it('an arrow stored in an object or reassigned stays blocked at STANDARD', () => {
    expectBlocked(`const a = 1;\nconst o = { f: () => a };\nreturn o;`, { rule: 'arrow-position', line: 2, column: 16 }, 'STANDARD');
    expectBlocked(`let f = null;\nf = () => 1;\nreturn 1;`, { rule: 'arrow-position', line: 2, column: 5 }, 'STANDARD');
  });
});

describe('the level table (LEVEL_RULES) decides what each level refuses', () => {
  // Scripts for each row, written the way models write them, with the position of the refused construct.
  const SAMPLES: Record<LevelFeature, Array<{ code: string; line: number; column: number }>> = {
    regex: [
      { code: `const s = 'a-b';\nconst ok = /^[a-z]-[a-z]$/.test(s);\nreturn ok;`, line: 2, column: 12 },
      { code: `const s = 'a-b';\nconst m = s.match('a');\nreturn m;`, line: 2, column: 13 },
      { code: `const s = 'a-b';\nconst all = [...s.matchAll('a')].length + s.search('b');\nreturn all;`, line: 2, column: 19 },
    ],
    constArrow: [{ code: `const items = [1, 2];\nconst double = (x) => x * 2;\nreturn items.map(double);`, line: 2, column: 16 }],
    dynamicToolName: [
      { code: `const tool = 'db:list';\nconst rows = await callTool(tool, {});\nreturn rows;`, line: 2, column: 29 },
      { code: 'const table = "users";\nconst rows = await callTool(`db:${table}`, {});\nreturn rows;', line: 2, column: 29 },
    ],
  };

  it('every row has a sample here (a new row needs one)', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(LEVEL_RULES).sort());
  });

  for (const feature of Object.keys(LEVEL_RULES) as LevelFeature[]) {
    const row = LEVEL_RULES[feature];
    for (const level of SECURITY_LEVELS) {
      const allowed = levelAllows(level, feature);
      it(`${feature} is ${allowed ? 'allowed' : `refused (${row.rule})`} at ${level}`, () => {
        for (const { code, line, column } of SAMPLES[feature]) {
          if (allowed) {
            expectValid(code, level);
            continue;
          }
          expectBlocked(code, { rule: row.rule, line, column }, level);
          const issue = validate(code, { securityLevel: level }).issues.find((i) => i.rule === row.rule)!;
          // Actionable: names the level, where the construct is allowed, and what to write instead.
          expect(issue.message).toContain(level);
          expect(issue.message).toContain(`from ${row.from} up`);
          expect(issue.message).toContain(row.instead);
        }
      });
    }
  }

  it('the rows match DESIGN §3: regex and computed tool names from SECURE, const arrows from STANDARD', () => {
    expect(LEVEL_RULES.regex.from).toBe('SECURE');
    expect(LEVEL_RULES.dynamicToolName.from).toBe('SECURE');
    expect(LEVEL_RULES.constArrow.from).toBe('STANDARD');
  });

  it('an arrow bound to `let` is not a const arrow, even at STANDARD', () => {
    expectBlocked(`const xs = [1];\nlet f = (x) => x;\nreturn xs.map(f);`, { rule: 'arrow-position', line: 2, column: 9 }, 'STANDARD');
    expectValid(`const xs = [1];\nconst f = (x) => x;\nreturn xs.map(f);`, 'STANDARD');
  });

  it('an arrow called in place is the callee, not an argument', () => {
    expectBlocked(`const a = 1;\nconst b = ((x) => x + 1)(a);\nreturn b;`, { rule: 'arrow-position', line: 2, column: 12 }, 'PERMISSIVE');
  });
});

describe('names inherited from Object.prototype', () => {
  it('bare `constructor` is a blocked global (it is Object, and its constructor Function)', () => {
    expectBlocked(`const a = 1;\nconst O = constructor;\nreturn a;`, { rule: 'blocked-global', line: 2, column: 11 });
  });
  it('bare `__proto__` is a blocked global, read or written', () => {
    expectBlocked(`const a = 1;\n__proto__.polluted = a;\nreturn a;`, { rule: 'blocked-global', line: 2, column: 1 });
    expectBlocked(`const a = 1;\nreturn __proto__.x;`, { rule: 'blocked-global', line: 2, column: 8 });
  });
  it('`__defineGetter__` and friends are blocked globals', () => {
    expectBlocked(`const a = 1;\n__defineGetter__('x', () => a);\nreturn a;`, { rule: 'blocked-global', line: 2, column: 1 });
    expectBlocked(`const a = 1;\nconst g = __lookupGetter__;\nreturn a;`, { rule: 'blocked-global', line: 2, column: 11 });
  });
  it('valueOf, toString, hasOwnProperty … are unknown globals, and fine as local names', () => {
    expectBlocked(`const a = 1;\nconst g = valueOf();\nreturn a;`, { rule: 'unknown-global', line: 2, column: 11 });
    expectBlocked(`const a = 1;\ntoString = a;\nreturn a;`, { rule: 'unknown-global', line: 2, column: 1 });
    expectBlocked(`const a = 1;\nreturn hasOwnProperty('a');`, { rule: 'unknown-global', line: 2, column: 8 });
    expectValid(`const valueOf = 1;\nconst toString = (x) => String(x);\nreturn [valueOf].map(toString);`, 'STANDARD');
  });
  it('the escape-route names cannot be local names either', () => {
    expectBlocked(`const constructor = 1;\nreturn constructor;`, { rule: 'blocked-name', line: 1, column: 7 });
    expectBlocked(`const xs = [1];\nreturn xs.map((__proto__) => __proto__);`, { rule: 'blocked-name', line: 2, column: 16 });
  });
  it('an inherited name is never a member of a global (member tables are Sets)', () => {
    expectBlocked(`const a = 1;\nconst s = Object.toString();\nreturn a;`, { rule: 'blocked-global-member', line: 2, column: 18 });
    expectBlocked(`const a = 1;\nconst h = JSON.hasOwnProperty('parse');\nreturn a;`, { rule: 'blocked-global-member', line: 2, column: 16 });
  });
});

describe('accepted scripts', () => {
  const fanOut = `// Fetch open issues and summarise them.
const issues = await callTool('github:list_issues', { repo: 'acme/app', state: 'open' });
const details = await parallel(issues.slice(0, 5), (issue) => callTool('github:get_issue', { id: issue.id }), { concurrency: 3 });
const byLabel = {};
for (const d of details) {
  for (const label of d.labels ?? []) {
    byLabel[label] = (byLabel[label] ?? 0) + 1;
  }
}
const top = Object.entries(byLabel).sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(\`\${details.length} issues\`);
return { count: details.length, top };`;

  const errorHandling = `const results = await Promise.allSettled([
  callTool('weather:forecast', { city: 'Paris' }),
  callTool('weather:forecast', { city: 'Oslo' }),
]);
let failed = 0;
const temps = [];
for (const r of results) {
  if (r.status === 'fulfilled') temps.push(r.value.temp);
  else failed++;
}
const backup = await callTool('weather:forecast', { city: 'Rome' }).catch(() => null);
try {
  await callTool('weather:alerts', {});
} catch (e) {
  console.warn('alerts failed', e.code);
}
const { max = 0, ...rest } = { max: Math.max(...temps), min: Math.min(...temps) };
switch (failed) {
  case 0: break;
  default: console.error('some failed');
}
const when = new Date(Date.now()).toISOString();
const seen = new Set(temps);
const m = new Map([['a', 1]]);
if (!Array.isArray(temps) || temps.length === 0) throw new Error('no data');
return { max, rest, when, unique: seen.size, backup: backup?.temp ?? null, ok: isFinite(max) && m.has('a') };`;

  const lastExpression = `const a = [3, 1, 2];\nconst s = [...a].sort((x, y) => x - y);\nJSON.stringify({ s, n: parseInt('42', 10) + Number.parseFloat('0.5') })`;

  for (const level of ['STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE'] as const) {
    it(`a fan-out script at ${level}`, () => expectValid(fanOut, level));
    it(`error handling, destructuring, Date/Set/Map/Error at ${level}`, () => expectValid(errorHandling, level));
    it(`a script whose last expression is its result at ${level}`, () => expectValid(lastExpression, level));
  }

  it('reports a score for valid scripts', () => {
    const r = validate(fanOut);
    expect(typeof r.score).toBe('number');
    expect(r.score!).toBeLessThan(70);
  });

  it('property names that merely resemble blocked ones are fine', () => {
    expectValid(`const o = { constructorName: 'x', protoFile: 'y' };\nconst k = o.constructorName + o.protoFile;\nreturn k;`);
  });

  it('issues come back sorted by position and the error points at the first one', () => {
    const r = validate(`const a = 1;\nvar b = 2;\nconst c = this;\nwhile (a) { }\nreturn b;`);
    expect(r.issues.map((i) => i.rule)).toEqual(['no-var', 'no-this', 'no-while']);
    expect(r.error).toMatchObject({ code: 'VALIDATION_ERROR', line: 2, column: 1 });
    expect(r.error?.message).toContain('Line 2, column 1');
  });
});
