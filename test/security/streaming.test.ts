// Streaming has a budget (issue 8): console lines, progress text and tool names are cut per message and per run
// before they leave the sandbox's worker, so one script cannot flood a client with notifications or a library
// caller with events. Before: one STRICT run sent 160 MB of log notifications to an MCP client, and 800 MB of
// events through onEvent.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Enclave, LEVEL_LIMITS, type ExecutionEvent } from '../../src/enclave/index.js';
import { createMcpServer, Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';

const STRICT = LEVEL_LIMITS.STRICT;
/** Bytes of protocol framing and notices a capped run may add to its console budget (per line and overall). */
const OVERHEAD = STRICT.maxLogCalls * 300 + 2_000;

const FLOODS: [string, string][] = [
  ['one huge line', "console.log('x'.repeat(8e6));\nreturn 1;"],
  ['many large lines', "for (let i = 0; i < 900; i++) console.log('x'.repeat(60000));\nreturn 1;"],
  ['multi-byte lines', "for (let i = 0; i < 900; i++) console.warn('€'.repeat(20000));\nreturn 1;"],
  ['objects formatted as JSON', "const o = { a: 'y'.repeat(50000) };\nfor (let i = 0; i < 900; i++) console.info(o, o);\nreturn 1;"],
];

describe('the library: onEvent', () => {
  const enclave = new Enclave({ toolHandler: async () => ({ ok: true }) });
  afterAll(() => enclave.dispose());

  it.each(FLOODS)('%s: the events carry at most the console budget', async (_name, code) => {
    const events: ExecutionEvent[] = [];
    const r = await enclave.run(code, { onEvent: (e) => events.push(e) });
    expect(r.success).toBe(true);
    const bytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
    expect(bytes).toBeLessThan(STRICT.maxLogBytes + OVERHEAD);
    expect(events.length).toBeLessThanOrEqual(STRICT.maxLogCalls + 2);
  });

  it('a tool name of a megabyte never leaves the sandbox', async () => {
    const events: ExecutionEvent[] = [];
    const secure = new Enclave({ securityLevel: 'SECURE', toolHandler: async () => ({ ok: true }) });
    const r = await secure.run("const n = 'a:' + 'b'.repeat(1e6);\ntry { await callTool(n, {}); } catch (e) { return e.message; }", {
      onEvent: (e) => events.push(e),
    });
    await secure.dispose();
    expect(r.value).toMatch(/at most 256 characters/);
    expect(events.filter((e) => e.type !== 'started')).toEqual([]);
  });
});

describe('an MCP client: log and progress notifications', () => {
  let open: OpenManifest;
  let client: Client;
  const notifications: Notification[] = [];

  beforeAll(async () => {
    const downstream = (): InMemoryTransport => {
      const server = new McpServer({ name: 'db', version: '0.0.0' });
      server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
      const [ours, theirs] = InMemoryTransport.createLinkedPair();
      void server.connect(theirs);
      return ours;
    };
    const manifest = parseManifest({ servers: { db: { command: 'unused-in-memory' } }, allow: ['db:*'] }, { baseDir: '/', env: {} });
    open = await openLoaded(manifest, { bridge: { transportFor: () => downstream() } });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(new Gateway(open), 'flood').connect(serverSide);
    client = new Client({ name: 'streaming', version: '0.0.0' });
    client.fallbackNotificationHandler = async (n) => void notifications.push(n);
    await client.connect(clientSide);
  });
  afterAll(async () => {
    await client?.close();
    await open?.close();
  });

  it.each(FLOODS)('%s: notifications stay within the console budget', async (_name, code) => {
    notifications.length = 0;
    let progressBytes = 0;
    const result = await client.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, {
      onprogress: (p) => void (progressBytes += Buffer.byteLength(JSON.stringify(p))),
      timeout: 30_000,
    });
    expect(result.isError).toBeFalsy();
    // A fence: the ping's answer follows every notification sent before it, and the client handles each of those in
    // a microtask queued when it arrived, so all of them before the ping resolves.
    await client.ping();
    const logBytes = notifications.reduce((n, x) => n + Buffer.byteLength(JSON.stringify(x)), 0);
    expect(logBytes).toBeLessThan(STRICT.maxLogBytes + OVERHEAD);
    // Progress messages quote console lines, cut to 500 characters each.
    expect(progressBytes).toBeLessThan((STRICT.maxLogCalls + 2) * 1_000);
    // And the result's own logs are capped as well.
    expect(Buffer.byteLength(JSON.stringify(result.structuredContent))).toBeLessThan(STRICT.maxLogBytes + OVERHEAD);
  });
});
