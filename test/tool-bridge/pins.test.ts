// Pins (DESIGN §6): what a pin covers and how stable it is, and writing them into a manifest without disturbing the
// rest of its text. A failed rename is simulated through the module mock below (the tests may run as root, for whom
// file modes do not make a write fail).
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, lstat, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkPin, pinOf, writePins } from '../../src/tool-bridge/pins.js';
import type { DownstreamTool } from '../../src/tool-bridge/types.js';
import { tempDir } from './helpers.js';

const renameFails = vi.hoisted(() => ({ next: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const rename: typeof real.rename = async (from, to) => {
    if (!renameFails.next) return real.rename(from, to);
    renameFails.next = false;
    throw Object.assign(new Error('simulated: cross-device link'), { code: 'EXDEV' });
  };
  return { ...real, default: { ...real, rename }, rename };
});

const schema = {
  type: 'object' as const,
  properties: { path: { type: 'string', description: 'A path', minLength: 1 }, depth: { type: 'integer', maximum: 5 } },
  required: ['path'],
};
const base = { name: 'read', description: 'Reads a file.', inputSchema: schema };

/** The same object with its keys in reverse order, at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

describe('pinOf', () => {
  it('is sha256- and base64url of SHA-256 over JSON with sorted keys (a fixed format: pins live in manifests)', () => {
    const canonical = '{"description":"d","inputSchema":{"properties":{"a":{"type":"string"}},"type":"object"},"name":"t"}';
    const expected = `sha256-${createHash('sha256').update(canonical).digest('base64url')}`;
    expect(pinOf({ name: 't', inputSchema: { type: 'object', properties: { a: { type: 'string' } } }, description: 'd' })).toBe(expected);
    expect(pinOf(base)).toMatch(/^sha256-[A-Za-z0-9_-]{43}$/);
  });

  it('does not change when keys come in another order, at any depth', () => {
    const pin = pinOf(base);
    expect(pinOf(reversed(base) as typeof base)).toBe(pin);
    expect(pinOf({ inputSchema: reversed(schema) as typeof schema, description: base.description, name: 'read' })).toBe(pin);
  });

  it('changes with the description, an added optional property, or the output schema', () => {
    const pin = pinOf(base);
    expect(pinOf({ ...base, description: 'Reads a file. Also sends it elsewhere.' })).not.toBe(pin);
    const added = { ...schema, properties: { ...schema.properties, note: { type: 'string' } } };
    expect(pinOf({ ...base, inputSchema: added })).not.toBe(pin);
    const output = { type: 'object' as const, properties: { text: { type: 'string' } } };
    expect(pinOf({ ...base, outputSchema: output })).not.toBe(pin);
    expect(pinOf({ ...base, outputSchema: { ...output, required: ['text'] } })).not.toBe(pinOf({ ...base, outputSchema: output }));
    expect(pinOf({ ...base, name: 'read2' })).not.toBe(pin);
  });

  it('changes with the title and the annotations (what the model reads, and what decides approval)', () => {
    const tool = { ...base, title: 'Read', annotations: { readOnlyHint: false, destructiveHint: true } };
    expect(pinOf(tool)).not.toBe(pinOf(base));
    expect(pinOf({ ...tool, title: 'Read (v2)' })).not.toBe(pinOf(tool));
    // A server dropping destructiveHint would skip approval: that is a change like any other.
    expect(pinOf({ ...tool, annotations: { readOnlyHint: false, destructiveHint: false } })).not.toBe(pinOf(tool));
    expect(pinOf({ ...tool, annotations: { destructiveHint: true, readOnlyHint: false } })).toBe(pinOf(tool));
  });

  it('tells an absent description or output schema from an empty one', () => {
    const { description: _, ...bare } = base;
    expect(pinOf(bare)).not.toBe(pinOf({ ...bare, description: '' }));
    expect(pinOf({ ...bare, description: undefined })).toBe(pinOf(bare));
    expect(pinOf(base)).not.toBe(pinOf({ ...base, outputSchema: {} }));
  });

  it('takes the bridge’s DownstreamTool, and a schema nested deeper than the call stack', () => {
    const tool: DownstreamTool = { qualifiedName: 's:read', server: 's', name: 'read', description: 'Reads a file.', inputSchema: schema };
    expect(pinOf(tool)).toBe(pinOf(base));
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100_000; i++) deep = { type: 'array', items: deep };
    expect(pinOf({ name: 'deep', inputSchema: { type: 'object', properties: { x: deep } } })).toMatch(/^sha256-/);
  });

  it('refuses a cyclic definition instead of looping', () => {
    const loop: Record<string, unknown> = { type: 'object' };
    loop.properties = { self: loop };
    expect(() => pinOf({ name: 'x', inputSchema: loop })).toThrow(/cycle/);
  });
});

describe('checkPin', () => {
  const pins = { 'fs:read': pinOf(base) };
  it('pinned, changed, unpinned; no pins at all means pinning is off', () => {
    expect(checkPin(pins, 'fs:read', base)).toEqual({ status: 'pinned' });
    expect(checkPin(pins, 'fs:read', { ...base, description: 'Reads a file. <IMPORTANT>…</IMPORTANT>' })).toEqual({ status: 'changed' });
    expect(checkPin(pins, 'fs:write', base)).toEqual({ status: 'unpinned' });
    expect(checkPin(undefined, 'fs:write', base)).toEqual({ status: 'pinned' });
  });
  it('reads own keys only: a tool named like an Object.prototype member is unpinned', () => {
    expect(checkPin({}, 'constructor', base)).toEqual({ status: 'unpinned' });
    expect(checkPin({}, '__proto__', base)).toEqual({ status: 'unpinned' });
  });
});

describe('writePins', () => {
  const pins = { 'memory:read_graph': 'sha256-BBB', 'everything:echo': 'sha256-AAA' };
  const sortedBody = (indent: string, eol = '\n'): string =>
    `{${eol}${indent}${indent}"everything:echo": "sha256-AAA",${eol}${indent}${indent}"memory:read_graph": "sha256-BBB"${eol}${indent}}`;

  async function manifest(text: string | Buffer, name = 'manifest.json'): Promise<{ dir: string; file: string }> {
    const dir = tempDir('pins');
    const file = join(dir, name);
    await writeFile(file, text);
    return { dir, file };
  }
  const withoutPins = (text: string): unknown => {
    const { pins: _, ...rest } = JSON.parse(text.replace(/^\uFEFF/, ''));
    return rest;
  };

  it('replaces an existing "pins" and keeps every other byte (2-space, $comment, unicode, final newline)', async () => {
    const head = '{\n  "$comment": "Équipe données — ünïcödé ✓ 🚀",\n  "securityLevel": "STRICT",\n  "pins": ';
    const tail = ',\n  "servers": { "memory": { "command": "node", "args": ["m.js"] } },\n  "allow": ["memory:*"]\n}\n';
    const original = `${head}{ "old:tool": "sha256-old" }${tail}`;
    const { file } = await manifest(original);
    await writePins(file, pins);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`${head}${sortedBody('  ')}${tail}`);
    expect(withoutPins(text)).toEqual(withoutPins(original));
    expect(JSON.parse(text).pins).toEqual(pins);
    expect(Object.keys(JSON.parse(text).pins)).toEqual(['everything:echo', 'memory:read_graph']);
  });

  it('adds "pins" at the end of the top level, indented like the file (4 spaces)', async () => {
    const body = '{\n    "$comment": "Ψ manifest",\n    "servers": {\n        "m": { "command": "node" }\n    },\n    "allow": ["m:*"]';
    const original = `${body}\n}\n`;
    const { file } = await manifest(original);
    await writePins(file, pins);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`${body},\n    "pins": ${sortedBody('    ')}\n}\n`);
    expect(withoutPins(text)).toEqual(JSON.parse(original));
  });

  it('keeps a BOM, CRLF line ends, tabs and a missing final newline', async () => {
    const original = '\uFEFF{\r\n\t"allow": ["m:*"],\r\n\t"pins": {}\r\n}';
    const { file } = await manifest(original);
    await writePins(file, pins);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`\uFEFF{\r\n\t"allow": ["m:*"],\r\n\t"pins": ${sortedBody('\t', '\r\n')}\r\n}`);
  });

  it('writes into a one-line manifest in its own style, and into an empty object', async () => {
    const cases: [string, string][] = [
      ['{"allow":["m:*"]}', '{"allow":["m:*"],"pins":{"m:a":"sha256-1","m:b":"sha256-2"}}'],
      ['{ "allow": [] }', '{ "allow": [], "pins": {"m:a":"sha256-1","m:b":"sha256-2"} }'],
      ['{}', '{"pins": {"m:a":"sha256-1","m:b":"sha256-2"}}'],
      ['{\n}\n', '{\n  "pins": {\n    "m:a": "sha256-1",\n    "m:b": "sha256-2"\n  }\n}\n'],
    ];
    for (const [original, expected] of cases) {
      const { file } = await manifest(original);
      await writePins(file, { 'm:b': 'sha256-2', 'm:a': 'sha256-1' });
      expect(await readFile(file, 'utf8')).toBe(expected);
      await writePins(file, {});
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ...JSON.parse(original), pins: {} });
    }
  });

  it('replaces atomically: no temporary file is left, the mode is kept, a symbolic link stays a link', async () => {
    const { dir, file } = await manifest('{\n  "allow": []\n}\n');
    await chmod(file, 0o640);
    const link = join(dir, 'link.json');
    await symlink(file, link);
    await writePins(link, pins);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8')).pins).toEqual(pins);
    expect((await stat(file)).mode & 0o7777).toBe(0o640);
    expect((await readdir(dir)).sort()).toEqual(['link.json', 'manifest.json']);
  });

  it('a failed write leaves the manifest as it was and no temporary file, with a CONFIG_ERROR', async () => {
    const original = '{\n  "allow": []\n}\n';
    const { dir, file } = await manifest(original);
    renameFails.next = true;
    await expect(writePins(file, pins)).rejects.toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringMatching(/cannot write .*EXDEV.*writable/) });
    expect(await readFile(file, 'utf8')).toBe(original);
    expect(await readdir(dir)).toEqual(['manifest.json']);
  });

  const refused: [string, string | Buffer, RegExp][] = [
    ['an array', '[{"pins": {}}]\n', /does not hold a JSON object/],
    ['null', 'null', /does not hold a JSON object/],
    ['invalid JSON', '{\n  "allow": [],\n}\n', /not valid JSON \(line 3, column 1: expected a property name/],
    ['JSON with comments (manifests are plain JSON)', '{\n  // note\n  "allow": []\n}\n', /not valid JSON/],
    ['two "pins" members', '{"pins": {}, "allow": [], "pins": {"a:b": "x"}}', /"pins" more than once/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), /not UTF-8/],
  ];
  for (const [what, content, message] of refused) {
    it(`refuses ${what} and leaves it untouched`, async () => {
      const { dir, file } = await manifest(content);
      await expect(writePins(file, pins)).rejects.toMatchObject({ name: 'ConfigError', code: 'CONFIG_ERROR', message: expect.stringMatching(message) });
      expect(await readFile(file)).toEqual(Buffer.from(content));
      expect(await readdir(dir)).toEqual(['manifest.json']);
    });
  }

  it('refuses a missing file and a folder', async () => {
    const dir = tempDir('pins');
    await expect(writePins(join(dir, 'nope.json'), pins)).rejects.toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringMatching(/not found/) });
    await mkdir(join(dir, 'folder.json'));
    await expect(writePins(join(dir, 'folder.json'), pins)).rejects.toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringMatching(/cannot read/) });
  });
});
