// The playground's pure modules, in Node: where completion applies (callContext), the share URL's encoding, the tool
// catalog read from input schemas, the snippets and the examples (each must pass the server's own validation at
// STRICT, or the page would open on a script it refuses), and live validation's verdicts and texts.
import { describe, expect, it } from 'vitest';
import { callContext } from '../../src/playground/completion.js';
import { examplesFor } from '../../src/playground/examples.js';
import { decodeCode, encodeCode } from '../../src/playground/share.js';
import { catalogOf, snippetFor, type ToolInfoLike } from '../../src/playground/tool-catalog.js';
import { check, issueText } from '../../src/playground/validation.js';

const TOOLS: ToolInfoLike[] = [
  {
    name: 'memory:create_entities',
    summary: 'Create entities',
    inputSchema: {
      type: 'object',
      properties: { entities: { type: 'array', items: { type: 'object' }, description: 'The entities' } },
      required: ['entities'],
    },
  },
  { name: 'memory:read_graph', summary: 'Read the graph', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'everything:get-sum',
    summary: 'Sum',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'integer' }, mode: { enum: ['x', 'y'] } }, required: ['a', 'b'] },
  },
  { name: 'everything:echo', summary: 'Echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
  { name: 'files:list_allowed_directories', summary: 'Roots' },
  { name: 'files:list_directory', summary: 'List', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
];

describe('callContext: where completion applies', () => {
  it.each([
    ["await callTool('", { kind: 'tool', from: 16 }],
    ["await callTool('mem", { kind: 'tool', from: 16 }],
    ['await callTool(  "memory:r', { kind: 'tool', from: 18 }],
    ["const x = 1;\nconst r = await callTool('memory:", { kind: 'tool', from: 39 }],
  ])('a tool name in %j', (before, want) => {
    expect(callContext(before)).toEqual(want);
  });

  it.each([
    ["await callTool('memory:create_entities', { ", { kind: 'field', tool: 'memory:create_entities', from: 43, present: [] }],
    ["await callTool('everything:get-sum', { a: 1, b", { kind: 'field', tool: 'everything:get-sum', from: 45, present: ['a'] }],
    ["await callTool('everything:get-sum', {\n  a: 1,\n  ", { kind: 'field', tool: 'everything:get-sum', from: 49, present: ['a'] }],
  ])('a field in %j', (before, want) => {
    expect(callContext(before)).toEqual(want);
  });

  it.each([
    ['plain code', 'const a = '],
    ['another function’s string', "console.log('"],
    ['callTool’s second string', "await callTool('a:b', { x: '"],
    ['a value, not a key', "await callTool('a:b', { x: "],
    ['a nested object', "await callTool('a:b', { x: { "],
    ['a closed call', "await callTool('a:b', {}); const y = { "],
    ['a line comment', "// await callTool('"],
    ['a block comment', "/* await callTool(' */ const s = '"],
    ['a string holding the text', 'const s = "callTool(\'"; const t = \''],
    ['an escaped quote', "const s = 'it\\'s'; await callTool(x, { "],
  ])('nothing in %s', (_what, before) => {
    expect(callContext(before)).toBeNull();
  });
});

describe('the share URL’s fragment', () => {
  it.each(['return 1;', "const s = 'héllo ✓ 世界 🙂';\nreturn s + '#&=?/+';", '', 'x'.repeat(10_000)])('round-trips %j as base64url', (code) => {
    const encoded = encodeCode(code);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
    expect(decodeCode(encoded)).toBe(code);
  });

  it.each([
    ['not base64url', '%%%'],
    ['padding (base64url has none)', 'YQ=='],
    ['not UTF-8', encodeBytes([0xff, 0xfe, 0x00])],
    ['too long to be a script', 'A'.repeat(200_004)],
  ])('refuses %s', (_what, value) => {
    expect(decodeCode(value)).toBeUndefined();
  });
});

function encodeBytes(bytes: number[]): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

describe('the tool catalog', () => {
  it('reads fields, types, descriptions and required from each input schema, sorted by name', () => {
    const catalog = catalogOf(TOOLS);
    expect(catalog.map((t) => t.name)).toEqual([...TOOLS.map((t) => t.name)].sort());
    expect(catalog.find((t) => t.name === 'everything:get-sum')!.fields).toEqual([
      { name: 'a', type: 'number', required: true },
      { name: 'b', type: 'number', required: true },
      { name: 'mode', type: '"x" | "y"', required: false },
    ]);
    expect(catalog.find((t) => t.name === 'memory:create_entities')!.fields).toEqual([
      { name: 'entities', type: 'object[]', required: true, description: 'The entities' },
    ]);
    expect(catalog.find((t) => t.name === 'files:list_allowed_directories')!.fields).toEqual([]);
  });

  it('a snippet has the required fields only, each with a placeholder of its type, and validates', () => {
    const sum = catalogOf(TOOLS).find((t) => t.name === 'everything:get-sum')!;
    expect(snippetFor(sum)).toBe("const result = await callTool('everything:get-sum', { a: 0, b: 0 });\n");
    for (const tool of catalogOf(TOOLS)) expect(check(snippetFor(tool), { securityLevel: 'STRICT' }).issues).toEqual([]);
  });

  it('quotes a field that is no identifier and a quote in a tool name, so the snippet still parses', () => {
    const [odd] = catalogOf([{ name: "x:it's", summary: '', inputSchema: { properties: { 'max-depth': { type: 'integer' } }, required: ['max-depth'] } }]);
    expect(snippetFor(odd!)).toBe("const result = await callTool('x:it\\'s', { 'max-depth': 0 });\n");
    expect(check(snippetFor(odd!), { securityLevel: 'STRICT' }).issues).toEqual([]);
  });
});

describe('the examples', () => {
  it('are built from the tools there are, and each passes validation at STRICT', () => {
    const all = examplesFor(catalogOf(TOOLS));
    expect(all.map((e) => e.title)).toEqual([
      'Knowledge graph: add two people, read them back',
      'Echo and sums, three calls at a time',
      'Files: list the allowed folders and the first one',
      'No tools: loops, data and console',
    ]);
    expect(all[2]!.code).toContain("callTool('files:list_directory'");
    for (const example of all) expect(check(example.code, { securityLevel: 'STRICT' }), example.title).toMatchObject({ valid: true });
  });

  it('without tools, only the tool-free one', () => {
    expect(examplesFor([]).map((e) => e.title)).toEqual(['No tools: loops, data and console']);
  });
});

describe('live validation', () => {
  it('gives the server’s verdict at the level it is told, as "line L, column C: message"', () => {
    const verdict = check('const a = 1;\nwhile (a) {}', { securityLevel: 'STRICT' });
    expect(verdict.valid).toBe(false);
    expect(issueText(verdict.issues[0]!)).toMatch(/^line 2, column 1: `while` loops are not allowed\. Use /);
    // Regular expressions: refused at STRICT, allowed from SECURE up (DESIGN §3): the level given is the one used.
    expect(check("return 'a'.replace(/a/g, 'b');", { securityLevel: 'STRICT' }).valid).toBe(false);
    expect(check("return 'a'.replace(/a/g, 'b');", { securityLevel: 'SECURE' }).valid).toBe(true);
  });

  it('uses the limits it is told (the server’s for this caller)', () => {
    const code = `return '${'x'.repeat(300)}';`;
    expect(check(code, { securityLevel: 'STRICT' }).valid).toBe(true);
    expect(check(code, { securityLevel: 'STRICT', limits: { maxCodeBytes: 100 } }).valid).toBe(false);
  });

  it('a hint is shown after the message when an issue has one', () => {
    expect(issueText({ rule: 'r', message: 'No.', line: 3, column: 7, hint: 'Do this.' } as never)).toBe('line 3, column 7: No. (Do this.)');
  });
});
