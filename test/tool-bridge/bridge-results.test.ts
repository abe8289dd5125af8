// What downstream results become inside the sandbox, end to end against the stdio fixture server: malformed results,
// results too large for a script or for the stdio connection, binary and mixed content as descriptors, and a
// paged tools/list of 250 tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenManifest } from '../../src/mcp/open.js';
import { tempDir } from './helpers.js';
import { fixtureServer, killMarked, openJson } from './open-helpers.js';
import { MIXED_AS_DATA } from '../fixtures/fixture-tools.js';

const dir = tempDir('bridge-results');
// The enclave takes a tool result up to half its memory budget: a small budget keeps the too-large case cheap
// (the SDK's stdio reader takes seconds per 10 MiB on a busy machine).
const MEMORY_BYTES = 4 * 1024 * 1024;
let open: OpenManifest;

beforeAll(async () => {
  const json = {
    securityLevel: 'SECURE',
    limits: { memoryBytes: MEMORY_BYTES },
    servers: { fx: fixtureServer(dir, ['--many', '250']) },
    allow: ['fx:*'],
  };
  open = await openJson(json, dir, { bridge: { backoffMs: 50 } });
});

afterAll(async () => {
  await open?.close();
  killMarked(dir);
});

const run = (code: string) => open.enclave.run(code);

describe('results', () => {
  it('malformed results → TOOL_ERROR naming the protocol, and the next call works', async () => {
    const result = await run(`
      const out = [];
      for (const shape of ['content-not-array', 'text-without-text', 'structured-not-object', 'unknown-content']) {
        try { out.push({ shape, value: await callTool('fx:malformed', { shape }) }); }
        catch (e) { out.push({ shape, code: e.code, message: e.message }); }
      }
      out.push(await callTool('fx:echo', { text: 'fine' }));
      return out;
    `);
    expect(result.error).toBeUndefined();
    const out = result.value as Record<string, string>[];
    // Each message says where the result broke the protocol (the SDK's own check finds these before the bridge's).
    const where = ['content: .*expected array', 'content\\[0\\]', 'structuredContent: .*expected record', 'content\\[0\\]'];
    out.slice(0, 4).forEach((entry, i) => {
      expect(entry.code, entry.shape).toBe('TOOL_ERROR');
      expect(entry.message, entry.shape).toMatch(
        new RegExp(`^fx:malformed returned a result that does not follow the MCP protocol \\(${where[i]}.*\\)\\. Catch the error`),
      );
    });
    expect(out[4]).toBe('fine');
  });

  it('a result larger than a script may receive (3 MiB with a 4 MiB budget) fails with TOOL_ERROR saying so, and the bridge keeps serving', async () => {
    const result = await run(`
      let caught = null;
      try { const text = await callTool('fx:huge', { mb: 3 }); caught = { length: text.length }; }
      catch (e) { caught = { code: e.code, message: e.message }; }
      return { caught, next: await callTool('fx:echo', { text: 'after huge' }) };
    `);
    expect(result.error).toBeUndefined();
    const { caught, next } = result.value as { caught: { code: string; message: string }; next: string };
    expect(caught.code).toBe('TOOL_ERROR');
    expect(caught.message).toMatch(new RegExp(`fx:huge.*more than the ${MEMORY_BYTES / 2} bytes a script may receive`));
    expect(next).toBe('after huge');
  });

  it('binary and mixed results arrive as small descriptors, with no base64 inside the sandbox', async () => {
    const result = await run(`
      const image = await callTool('fx:binary', {});
      const audio = await callTool('fx:binary', { bytes: 3000, kind: 'audio' });
      const mixed = await callTool('fx:mixed', {});
      const longest = [image, audio, ...mixed].map(v => typeof v === 'string' ? v.length : JSON.stringify(v).length);
      return { image, audio, mixed, longest: Math.max(...longest) };
    `);
    expect(result.error).toBeUndefined();
    const value = result.value as Record<string, unknown>;
    expect(value.image).toEqual({ type: 'image', mimeType: 'image/png', size: 1024 * 1024 });
    expect(value.audio).toEqual({ type: 'audio', mimeType: 'audio/wav', size: 3000 });
    expect(value.mixed).toEqual(MIXED_AS_DATA);
    expect(value.longest).toBeLessThan(150);
  });
});

describe('tool lists', () => {
  it('--many 250: all 250 tools of a paged tools/list (pages of 50) are listed, and callable from every page', async () => {
    const bulk = open.bridge.tools.map((t) => t.qualifiedName).filter((n) => n.startsWith('fx:bulk_'));
    expect(bulk).toEqual(Array.from({ length: 250 }, (_, i) => `fx:bulk_${String(i).padStart(4, '0')}`));
    // Every 25th and the last: two or more from each page of 50 (callable is per tool; listing is what pages).
    const sample = bulk.filter((_, i) => i % 25 === 0 || i === 249);
    const result = await run(`return await parallel(${JSON.stringify(sample)}, name => callTool(name, {}), { concurrency: 5 });`);
    expect(result.error).toBeUndefined();
    expect(result.value).toEqual(sample.map((n) => n.slice('fx:'.length)));
  });
});

// Last: it restarts the server.
describe('the stdio connection', () => {
  it('a result larger than the stdio connection reads (12 MiB) → TOOL_ERROR saying to ask for less; the server comes back', async () => {
    const result = await run(`
      try { await callTool('fx:huge', { mb: 12 }); return 'answered'; } catch (e) { return e.code + ': ' + e.message; }
    `);
    expect(result.error).toBeUndefined();
    expect(result.value).toMatch(/^TOOL_ERROR: Server "fx" sent a message larger than the 10485760 bytes .*during fx:huge.*restarted\. Ask for less data/);
    await expect.poll(() => open.bridge.unavailable, { timeout: 15_000, interval: 100 }).toEqual([]);
    expect((await run(`return await callTool('fx:echo', { text: 'back' });`)).value).toBe('back');
  });
});
