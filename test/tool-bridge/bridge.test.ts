// The whole path against the real npm servers: a manifest object → parseManifest → openLoaded → scripts in the real
// Enclave calling memory, filesystem and server-everything over stdio, Streamable HTTP and SSE (127.0.0.1 only).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDeclarations } from '../../src/tool-bridge/declarations.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, MEMORY_SERVER, startEverythingHttp, tempDir } from './helpers.js';
import { killMarked, openJson, processesMarked, survivorsAfter, visible } from './open-helpers.js';

const dir = tempDir('bridge-e2e');
const files = join(dir, 'files');
mkdirSync(files);
const CANARY = `cnry-${process.pid}-${Date.now().toString(36)}-e2e`;
// A folder whose path is given through ${env:…}, which makes it a secret too (the server quotes it in errors).
const vault = join(dir, `vault-${CANARY}`);
mkdirSync(vault);
const stops: (() => Promise<void>)[] = [];
let open: OpenManifest;

beforeAll(async () => {
  const [streamable, sse] = await Promise.all([startEverythingHttp('streamableHttp'), startEverythingHttp('sse')]);
  stops.push(streamable.stop, sse.stop);
  const json = {
    securityLevel: 'SECURE',
    servers: {
      memory: { command: 'node', args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: './memory.jsonl', TEST_MARK: dir } },
      filesystem: { command: 'node', args: [FILESYSTEM_SERVER, './files'], env: { TEST_MARK: dir } },
      // The secret reaches the server as a value, and (contrived, to test keys) as the name of a variable.
      everything: { command: 'node', args: [EVERYTHING_SERVER, 'stdio'], env: { TEST_MARK: dir, E2E_SECRET: '${env:E2E_CANARY}', [CANARY]: 'as a key' } },
      vault: { command: 'node', args: [FILESYSTEM_SERVER, '${env:E2E_VAULT}'], env: { TEST_MARK: dir } },
      streamable: { url: streamable.url },
      sse: { url: sse.url, transport: 'sse' },
    },
    allow: ['memory:*', 'filesystem:*', 'everything:*', 'vault:*', 'streamable:echo', 'sse:echo'],
    deny: ['memory:delete_*'],
    // server-filesystem annotates write_file destructiveHint: true; these scripts run with nobody to ask.
    noApproval: ['filesystem:*', 'vault:*'],
  };
  open = await openJson(json, dir, { env: { E2E_CANARY: CANARY, E2E_VAULT: vault } });
});

afterAll(async () => {
  await open?.close();
  for (const stop of stops) await stop();
  killMarked(dir);
});

const run = (code: string) => open.enclave.run(code);

describe('the bridge against the real npm servers', () => {
  it('connects to all six servers and lists only allowed tools', () => {
    expect(open.bridge.unavailable).toEqual([]);
    const names = open.bridge.tools.map((t) => t.qualifiedName);
    expect(names).toEqual(expect.arrayContaining(['memory:create_entities', 'filesystem:write_file', 'everything:get-sum', 'streamable:echo', 'sse:echo']));
    expect(names).not.toContain('memory:delete_entities');
    expect(names).not.toContain('streamable:get-sum');
    const declarations = renderDeclarations(open.bridge.tools);
    expect(declarations).toContain("callTool('memory:create_entities'");
    expect(declarations).not.toMatch(/delete_entities|streamable:get-sum/);
  });

  it('server-memory over stdio: create_entities then read_graph', async () => {
    const result = await run(`
      await callTool('memory:create_entities', { entities: [{ name: 'Grace', entityType: 'person', observations: ['wrote a compiler'] }] });
      const graph = await callTool('memory:read_graph', {});
      return graph.entities.map(e => e.name);
    `);
    expect(result.error).toBeUndefined();
    expect(result.value).toContain('Grace');
    expect(result.stats.toolCalls).toBe(2);
  });

  it('server-filesystem over stdio: write_file then read_text_file in the allowed folder', async () => {
    const path = join(files, 'note.txt');
    const result = await run(`
      await callTool('filesystem:write_file', { path: ${JSON.stringify(path)}, content: 'hello from the enclave' });
      const read = await callTool('filesystem:read_text_file', { path: ${JSON.stringify(path)} });
      return typeof read === 'string' ? read : read.content;
    `);
    expect(result.error).toBeUndefined();
    expect(result.value).toBe('hello from the enclave');
  });

  it('server-everything over stdio', async () => {
    const result = await run(`return await callTool('everything:get-sum', { a: 2, b: 40 });`);
    expect(result.error).toBeUndefined();
    expect(JSON.stringify(result.value)).toContain('42');
  });

  it('server-everything over Streamable HTTP on 127.0.0.1', async () => {
    const result = await run(`return await callTool('streamable:echo', { message: 'over streamable http' });`);
    expect(result.error).toBeUndefined();
    expect(JSON.stringify(result.value)).toContain('over streamable http');
  });

  it('server-everything over SSE on 127.0.0.1', async () => {
    const result = await run(`return await callTool('sse:echo', { message: 'over sse' });`);
    expect(result.error).toBeUndefined();
    expect(JSON.stringify(result.value)).toContain('over sse');
  });

  it('one script uses two servers at once and returns a combined value', async () => {
    const path = join(files, 'people.txt');
    const result = await run(`
      const [, written] = await Promise.all([
        callTool('memory:create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: ['analytical engine'] }] }),
        callTool('filesystem:write_file', { path: ${JSON.stringify(path)}, content: 'Ada,Grace' }),
      ]);
      const graph = await callTool('memory:read_graph', {});
      const read = await callTool('filesystem:read_text_file', { path: ${JSON.stringify(path)} });
      const text = typeof read === 'string' ? read : read.content;
      return { people: graph.entities.map(e => e.name).sort(), file: text.split(',') };
    `);
    expect(result.error).toBeUndefined();
    expect(result.value).toEqual({ people: ['Ada', 'Grace'], file: ['Ada', 'Grace'] });
  });

  it("a secret given to a server's environment is redacted from what that server returns, keys included", async () => {
    const result = await run(`
      const env = await callTool('everything:get-env', {});
      const all = typeof env === 'string' ? JSON.parse(env) : env;
      return { value: all.E2E_SECRET, keys: Object.keys(all).filter(k => k.startsWith('cnry') || k.includes('REDACTED')) };
    `);
    expect(result.error).toBeUndefined();
    expect(result.value).toEqual({ value: '[REDACTED]', keys: ['[REDACTED]'] });
    expect(visible(result)).not.toContain(CANARY);
  });

  it("a secret is redacted from a server's error messages too", async () => {
    const result = await run(`
      const out = [await callTool('vault:list_allowed_directories', {})];
      for (const path of ['/etc/hostname', ${JSON.stringify(join(vault, 'missing.txt'))}]) {
        try { await callTool('vault:read_text_file', { path }); } catch (e) { out.push(e.code + ': ' + e.message); }
      }
      return out;
    `);
    expect(result.error).toBeUndefined();
    const [allowed, outside, missing] = result.value as [unknown, string, string];
    expect(JSON.stringify(allowed)).toContain('[REDACTED]');
    expect(outside).toMatch(/^TOOL_ERROR: vault:read_text_file failed: Access denied .* not in \[REDACTED\]/);
    expect(missing).toMatch(/^TOOL_ERROR: .*'\[REDACTED\]\/missing\.txt'/);
    expect(visible(result)).not.toContain(CANARY);
  });

  it('close ends every child process of the manifest', async () => {
    expect(processesMarked(dir).length).toBeGreaterThanOrEqual(4);
    await open.close();
    expect(await survivorsAfter(dir)).toEqual([]);
  });
});
