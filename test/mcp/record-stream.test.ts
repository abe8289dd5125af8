// What programs read from execute_agentscript and search_tools, through the real CLI over stdio with the SDK client
// and real downstream servers: `record: true` and its redaction, the events streamed as progress `_meta`, the
// settings in tools/list `_meta`, and search_tools' structured content.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVEL_LIMITS } from '../../src/enclave/index.js';
import { MAX_SEARCH_RESULTS, renderSearch, searchInfo } from '../../src/mcp/search.js';
import { EVENT_META_KEY, SETTINGS_META_KEY } from '../../src/mcp/server.js';
import type { DownstreamTool } from '../../src/tool-bridge/types.js';
import { EVERYTHING_SERVER, MEMORY_SERVER, tempDir } from '../tool-bridge/helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const SECRET = `rec-secret-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
const dir = tempDir('enclave-mcp-record');
const MANIFEST = join(dir, 'manifest.json');
writeFileSync(
  MANIFEST,
  JSON.stringify({
    securityLevel: 'SECURE',
    limits: { maxToolCalls: 20 },
    servers: {
      memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(dir, 'graph.jsonl') } },
      everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env: { REC_SECRET: '${env:REC_SECRET}' } },
    },
    allow: ['memory:*', 'everything:echo', 'everything:get-sum', 'everything:get-env'],
    deny: ['memory:delete_*'],
  }),
);

let client: Client;
beforeAll(async () => {
  client = new Client({ name: 'record-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, CLI, 'serve', '--manifest', MANIFEST],
      env: { ...(process.env as Record<string, string>), REC_SECRET: SECRET },
      stderr: 'ignore',
    }),
  );
}, 60_000);
afterAll(() => client?.close());

// biome-ignore lint/suspicious/noExplicitAny: structuredContent is the JSON of DESIGN §5, read field by field below
const run = async (code: string, extra: Record<string, unknown> = {}, onprogress?: (p: any) => void): Promise<any> => {
  const r = await client.callTool({ name: 'execute_agentscript', arguments: { code, ...extra } }, undefined, onprogress ? { onprogress } : {});
  return r.structuredContent;
};

describe('record: true over MCP', () => {
  it('returns the calls with args and results, and the client validates it against the output schema', async () => {
    const r = await run(
      "const s = await callTool('everything:get-sum', { a: 20, b: 22 }); const e = await callTool('everything:echo', { message: 'hi' }); return [s, e];",
      {
        record: true,
      },
    );
    expect(r.success, JSON.stringify(r.error)).toBe(true);
    expect(r.recording.calls).toEqual([
      { tool: 'everything:get-sum', args: { a: 20, b: 22 }, result: r.value[0] },
      { tool: 'everything:echo', args: { message: 'hi' }, result: r.value[1] },
    ]);
  });

  it('is absent without record, and keeps no manifest secret', async () => {
    expect(await run("return await callTool('everything:get-sum', { a: 1, b: 1 });")).not.toHaveProperty('recording');
    const whole = await client.callTool({
      name: 'execute_agentscript',
      arguments: { code: "return (await callTool('everything:get-env', {})).length > 0;", record: true },
    });
    const text = JSON.stringify(whole);
    expect((whole.structuredContent as { recording: { calls: unknown[] } }).recording.calls).toHaveLength(1);
    expect(text).toContain('REC_SECRET'); // the variable is there, so its value would be too
    expect(text).not.toContain(SECRET);
  });
});

describe('events streamed as progress _meta', () => {
  it('carry each call (args, duration, result size, error) and console line, in order, before the result', async () => {
    const events: { type: string; [k: string]: unknown }[] = [];
    const r = await run(
      "console.log('one'); await callTool('everything:echo', { message: 'x' }); try { await callTool('everything:get-sum', { a: 'two' }); } catch {} console.warn('two'); return 1;",
      {},
      (p) => events.push(p._meta?.[EVENT_META_KEY]),
    );
    expect(r.success).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['log', 'tool-call-start', 'tool-call-end', 'tool-call-start', 'tool-call-end', 'log']);
    expect(events[0]).toEqual({ type: 'log', level: 'log', message: 'one' });
    expect(events[1]).toMatchObject({ tool: 'everything:echo', args: { message: 'x' } });
    expect(events[2]).toMatchObject({ tool: 'everything:echo', ok: true, durationMs: expect.any(Number), resultBytes: expect.any(Number) });
    expect(events[4]).toMatchObject({ tool: 'everything:get-sum', ok: false, error: { code: 'INVALID_TOOL_ARGS', message: expect.stringContaining('a') } });
    expect(events[5]).toEqual({ type: 'log', level: 'warn', message: 'two' });
  });
});

describe('what programs read from the listing', () => {
  it('tools/list gives execute_agentscript the level and limits scripts are checked at', async () => {
    const { tools } = await client.listTools();
    const execute = tools.find((t) => t.name === 'execute_agentscript');
    expect(execute?._meta?.[SETTINGS_META_KEY]).toEqual({ securityLevel: 'SECURE', limits: { ...LEVEL_LIMITS.SECURE, maxToolCalls: 20 } });
    expect(execute?.inputSchema.properties).toHaveProperty('record');
  });

  it('search_tools returns structured tools: names and summaries, declarations and schemas at detail full', async () => {
    const all = (await client.callTool({ name: 'search_tools', arguments: { detail: 'full' } })).structuredContent as {
      tools: { name: string; summary: string; declaration?: string; inputSchema?: { properties?: object } }[];
    };
    const names = all.tools.map((t) => t.name);
    expect(names).toContain('memory:create_entities');
    expect(names).toContain('everything:get-sum');
    expect(names).not.toContain('memory:delete_entities');
    expect(names).not.toContain('everything:get-tiny-image');
    const sum = all.tools.find((t) => t.name === 'everything:get-sum');
    expect(sum?.declaration).toMatch(/^\/\/ .*\ncallTool\('everything:get-sum', args: \{/);
    expect(Object.keys(sum?.inputSchema?.properties ?? {})).toEqual(['a', 'b']);
    expect(sum?.summary.length).toBeGreaterThan(0);
    const found = (await client.callTool({ name: 'search_tools', arguments: { query: 'entities' } })).structuredContent as {
      tools: { name: string; declaration?: string }[];
    };
    expect(found.tools.map((t) => t.name)).toContain('memory:create_entities');
    expect(found.tools.map((t) => t.name)).not.toContain('memory:delete_entities');
    expect(found.tools.every((t) => t.declaration === undefined)).toBe(true);
  });
});

describe('search_tools limit', () => {
  const many: DownstreamTool[] = Array.from({ length: 45 }, (_, i) => ({
    qualifiedName: `s:t${i}`,
    server: 's',
    name: `t${i}`,
    description: `Tool number ${i}. More words.`,
    inputSchema: { type: 'object' },
  }));

  it('text and structured content list the same tools: 20 by default, more when asked', () => {
    expect(searchInfo(many, 'summary').tools).toHaveLength(MAX_SEARCH_RESULTS);
    expect(renderSearch(many, 'name').split('\n')).toHaveLength(MAX_SEARCH_RESULTS + 1); // + "(25 more; …)"
    expect(searchInfo(many, 'summary', 45).tools.map((t) => t.name)).toEqual(many.map((t) => t.qualifiedName));
    expect(renderSearch(many, 'name', 45).split('\n')).toHaveLength(45);
    expect(searchInfo(many, 'summary').tools[3]).toEqual({ name: 's:t3', summary: 'Tool number 3.' });
  });
});
