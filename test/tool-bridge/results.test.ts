// normalizeResult: one test per rule of src/tool-bridge/results.ts.
import { describe, expect, it } from 'vitest';
import { ToolCallError } from '../../src/enclave/index.js';
import { MAX_ERROR_TEXT, base64Size, mayBeJson, normalizeResult, parseIfJson } from '../../src/tool-bridge/results.js';

const tool = 'srv:thing';
const normalize = (result: unknown) => normalizeResult(result, { tool });
const text = (t: string) => ({ type: 'text', text: t });

function failure(result: unknown): ToolCallError {
  try {
    normalize(result);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolCallError);
    return error as ToolCallError;
  }
  throw new Error('expected a ToolCallError');
}

describe('normalizeResult', () => {
  it('prefers structuredContent over content', () => {
    expect(normalize({ content: [text('{"sum": 5}'), text('ignored')], structuredContent: { sum: 5 } })).toEqual({ sum: 5 });
  });

  it('parses one text content as JSON when it is JSON', () => {
    expect(normalize({ content: [text('{"a":[1,2]}')] })).toEqual({ a: [1, 2] });
    expect(normalize({ content: [text('42')] })).toBe(42);
  });

  it('keeps one text content that is not JSON as the string', () => {
    expect(normalize({ content: [text('hello world')] })).toBe('hello world');
    expect(normalize({ content: [text('')] })).toBe('');
  });

  // parseIfJson skips JSON.parse (and its exception) for text that cannot be JSON: it must agree with trying it.
  const reference = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  };

  it('skips JSON.parse only for text JSON.parse refuses, whatever its first character', () => {
    const tails = ['', '1', 'rue', '"'];
    const wrong: string[] = [];
    let skipped = 0;
    for (const lead of ['', '\t\n\r ', '\ufeff']) {
      for (let c = 0; c <= 0xffff; c++) {
        for (const tail of tails) {
          const t = lead + String.fromCharCode(c) + tail;
          if (mayBeJson(t)) continue;
          skipped++;
          try {
            JSON.parse(t);
            wrong.push(t); // JSON it was, yet it would have been kept as text
          } catch {}
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(skipped).toBeGreaterThan(750_000); // nearly every first character is refused without parsing
  });

  it('parses text that is JSON, after JSON whitespace only, and keeps everything else as it was', () => {
    const json = ['true', 'false', 'null', '-1', '0.5', '"s"', '[1]', '{"a":1}', ' \n\t\r{"a":1}'];
    const samples = [...json, '\u00a0{"a":1}', '\ufeff[1]', 'tru', 'nope', '', '  ', 'Echo: hi', '{broken', '12abc'];
    for (const t of samples) expect(parseIfJson(t), JSON.stringify(t)).toEqual(reference(t));
    expect(parseIfJson('true')).toBe(true);
    expect(parseIfJson(' \n[1, 2]')).toEqual([1, 2]);
  });

  it('gives null for no content, and treats missing content as none', () => {
    expect(normalize({ content: [] })).toBeNull();
    expect(normalize({})).toBeNull();
  });

  it('gives an array for several contents, each normalized as it would be alone', () => {
    expect(normalize({ content: [text('Found:'), text('{"id":1}'), text('7')] })).toEqual(['Found:', { id: 1 }, 7]);
  });

  it('throws TOOL_ERROR with the server text, naming the tool and what to do, when isError', () => {
    const error = failure({
      isError: true,
      content: [text('entity "x" not found'), { type: 'image', data: 'AAAA', mimeType: 'image/png' }, text('second line')],
    });
    expect(error.code).toBe('TOOL_ERROR');
    expect(error.message).toMatch(/^srv:thing failed: entity "x" not found\nsecond line\. /);
    expect(error.message).toMatch(/catch the error and continue without this result\.$/);
  });

  it('caps the error text with an ellipsis', () => {
    const error = failure({ isError: true, content: [text('e'.repeat(10_000))] });
    expect(error.message).toContain(`${'e'.repeat(MAX_ERROR_TEXT)}…`);
    expect(error.message).not.toContain('e'.repeat(MAX_ERROR_TEXT + 1));
  });

  it('says so when an error has no text', () => {
    expect(failure({ isError: true, content: [] }).message).toMatch(/^srv:thing failed: no details given\. /);
  });

  it('an error wins over structuredContent', () => {
    expect(failure({ isError: true, structuredContent: { ok: true }, content: [text('boom')] }).message).toContain('boom');
  });

  it('describes images and audio by type, mimeType and decoded size, without the data', () => {
    const data = Buffer.alloc(1000, 7).toString('base64');
    const value = normalize({
      content: [
        { type: 'image', data, mimeType: 'image/png' },
        { type: 'audio', data: 'AAE=', mimeType: 'audio/wav' },
      ],
    });
    expect(value).toEqual([
      { type: 'image', mimeType: 'image/png', size: 1000 },
      { type: 'audio', mimeType: 'audio/wav', size: 2 },
    ]);
    expect(JSON.stringify(value)).not.toContain(data.slice(0, 20));
  });

  it('computes decoded sizes from base64 length, padding and line breaks', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 1023, 1024]) expect(base64Size(Buffer.alloc(n).toString('base64'))).toBe(n);
    expect(base64Size('AAAA\nAAAA\r\nAA==')).toBe(7);
    expect(base64Size('AAA')).toBe(2); // unpadded
  });

  it('describes a resource_link by uri, name and mimeType', () => {
    const link = { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: 'text/plain', description: 'd' };
    expect(normalize({ content: [link] })).toEqual({ type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: 'text/plain' });
  });

  it('keeps the text of a small embedded text resource, not of a large one', () => {
    const small = { type: 'resource', resource: { uri: 'mem://s', mimeType: 'text/plain', text: 'héllo' } };
    expect(normalize({ content: [small] })).toEqual({ type: 'resource', uri: 'mem://s', mimeType: 'text/plain', size: 6, text: 'héllo' });
    const large = { type: 'resource', resource: { uri: 'mem://l', text: 'x'.repeat(5000) } };
    expect(normalize({ content: [large] })).toEqual({ type: 'resource', uri: 'mem://l', size: 5000 });
  });

  it('never keeps the blob of an embedded resource', () => {
    const blob = { type: 'resource', resource: { uri: 'mem://b', mimeType: 'application/octet-stream', blob: 'AAECAw==' } };
    expect(normalize({ content: [blob] })).toEqual({ type: 'resource', uri: 'mem://b', mimeType: 'application/octet-stream', size: 4 });
  });

  it('describes an unknown content type by its type alone', () => {
    expect(normalize({ content: [{ type: 'widget', secret: 'x' }] })).toEqual({ type: 'widget' });
  });

  it.each([
    ['not an object', 'oops', /it is not an object/],
    ['null', null, /it is not an object/],
    ['an array', [text('x')], /it is not an object/],
    ['content not an array', { content: 'text' }, /its content is not an array/],
    ['an item not an object', { content: [42] }, /content\[0\] is not an object/],
    ['an item without type', { content: [{ text: 'x' }] }, /content\[0\] has no type/],
    ['a text item without text', { content: [text('ok'), { type: 'text' }] }, /content\[1\] has no string text/],
    ['an image without data', { content: [{ type: 'image', mimeType: 'image/png' }] }, /content\[0\] has no string data/],
    ['a resource without contents', { content: [{ type: 'resource', resource: { uri: 'u' } }] }, /neither text nor blob/],
    ['structuredContent not an object', { content: [], structuredContent: [1, 2] }, /structuredContent is not an object/],
    ['an error whose content is not an array', { isError: true, content: 'boom' }, /its content is not an array/],
  ])('throws TOOL_ERROR for a malformed result: %s', (_name, result, reason) => {
    const error = failure(result);
    expect(error.code).toBe('TOOL_ERROR');
    expect(error.message).toMatch(/^srv:thing returned a malformed result/);
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/use another tool\.$/);
  });
});
