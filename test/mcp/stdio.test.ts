// `serve` over stdio as a desktop client meets it: the real SDK Client spawns `node --import tsx src/cli.ts serve`
// (from a foreign working directory) against a manifest of real downstream servers: server-memory,
// server-everything and the fixture server (test/fixtures), whose hang/cancelled_count and add_tool show that
// cancellation reaches downstream and that catalog changes reach the client.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { processesMarked } from '../processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_SERVER, MEMORY_SERVER, tempDir } from '../tool-bridge/helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/stdio-server.ts', import.meta.url));

const dir = tempDir('enclave-mcp-stdio');
const MANIFEST = join(dir, 'manifest.json');
// TEST_DIR in every server's environment lets survivors() find each of our processes through /proc.
writeFileSync(
  MANIFEST,
  JSON.stringify({
    securityLevel: 'STRICT',
    servers: {
      memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(dir, 'graph.jsonl') } },
      everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env: { TEST_DIR: dir } },
      fx: { command: process.execPath, args: ['--import', TSX, FIXTURE], env: { TEST_DIR: dir } },
    },
    allow: ['memory:*', 'everything:echo', 'everything:get-sum', 'fx:hang', 'fx:slow', 'fx:cancelled_count', 'fx:hanging_count', 'fx:add_tool', 'fx:added_*'],
    deny: ['memory:delete_*'],
  }),
);
/** Tools that exist downstream but that the manifest does not allow: they must never show. */
const HIDDEN = ['delete_entities', 'delete_observations', 'delete_relations', 'get-env', 'trigger-long-running-operation', 'env_echo', 'crash', 'remove_tool'];
const SERVE_ARGS = ['--import', TSX, CLI, 'serve', '--manifest', MANIFEST];

/** Our processes still alive: any whose command line or environment names the temp folder. */
const survivors = (): number[] => processesMarked(dir);

async function waitFor<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let value = await probe();
  while (!ok(value) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

const wire: JSONRPCMessage[] = [];

/** The server as Claude Desktop starts it: a command, arguments, its default environment, any working directory. */
async function connect(): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: SERVE_ARGS, cwd: dir, stderr: 'pipe' });
  let stderr = '';
  transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-test', version: '0.0.0' });
  await client.connect(transport);
  // Every message as it comes off the pipe, before the client handles it (see the progress test).
  const handle = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage) => {
    wire.push(message);
    handle(message); // a stdio transport passes no extra
  };
  return { client, stderr: () => stderr };
}

let client: Client;
const logs: LoggingMessageNotification['params'][] = [];
let listChanged = 0;
beforeAll(async () => {
  ({ client } = await connect());
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
}, 60_000);
afterAll(async () => {
  await client?.close();
  for (const pid of survivors()) process.kill(pid, 'SIGKILL'); // only after a failed orphan check
  rmSync(dir, { recursive: true, force: true });
});

const run = async (code: string, options: Parameters<Client['callTool']>[2] = {}) =>
  (await client.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options })) as CallToolResult;
const textOf = (result: CallToolResult): string => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const search = async (args: Record<string, unknown>) => textOf((await client.callTool({ name: 'search_tools', arguments: args })) as CallToolResult);
const errorCode = (result: CallToolResult) => (result.structuredContent as { error?: { code: string } } | undefined)?.error?.code;

describe('serve over stdio with the SDK client', () => {
  it('lists execute_agentscript and search_tools, with honest annotations and an output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['execute_agentscript', 'search_tools']);
    const execute = tools.find((t) => t.name === 'execute_agentscript')!;
    const searchTool = tools.find((t) => t.name === 'search_tools')!;
    expect(execute.annotations?.readOnlyHint).toBe(false);
    expect(searchTool.annotations?.readOnlyHint).toBe(true);
    expect(execute.inputSchema.required).toEqual(['code']);
    expect(execute.outputSchema?.required).toEqual(expect.arrayContaining(['success', 'logs', 'stats']));
    expect(Object.keys(execute.outputSchema?.properties ?? {})).toEqual(expect.arrayContaining(['success', 'value', 'error', 'logs', 'stats']));
  });

  it('describes the allowed tools as declarations, and nothing the manifest hides', async () => {
    const { tools } = await client.listTools();
    const description = tools.find((t) => t.name === 'execute_agentscript')!.description!;
    expect(description).toContain('callTool(');
    for (const name of ['memory:create_entities', 'memory:read_graph', 'everything:get-sum', 'everything:echo', 'fx:hang']) {
      expect(description).toContain(`callTool('${name}'`);
    }
    expect(description).toMatch(/STRICT/);
    for (const hidden of HIDDEN) expect(description).not.toContain(hidden);
  });

  it('runs a script of four tool calls across two servers: structuredContent per DESIGN §5, readable text', async () => {
    const code = `
      await callTool('memory:create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes math'] }] });
      const graph = await callTool('memory:read_graph', {});
      const sum = await callTool('everything:get-sum', { a: 2, b: 3 });
      const echoed = await callTool('everything:echo', { message: 'hi' });
      console.log('people', graph.entities.length);
      return { people: graph.entities.map(e => e.name), sum, echoed };`;
    const result = await run(code);
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as Record<string, unknown>;
    expect(structured).toMatchObject({
      success: true,
      value: { people: ['Ada'] },
      logs: [{ level: 'log', message: 'people 1' }],
      stats: { toolCalls: 4 },
    });
    expect(JSON.stringify((structured.value as { sum: unknown }).sum)).toContain('5');
    expect(JSON.stringify((structured.value as { echoed: unknown }).echoed)).toContain('hi');
    expect(Object.keys(structured).sort()).toEqual(expect.arrayContaining(['logs', 'stats', 'success', 'value']));
    expect(structured).not.toHaveProperty('error');
    const text = textOf(result);
    expect(text).toContain('"Ada"');
    expect(text).toContain('people 1');
    expect(text).toMatch(/4 tool calls\)/);
  });

  it('streams progress (each tool call) with a progress token, and console lines as log notifications', async () => {
    const before = logs.length;
    const sent = wire.length;
    let handled = 0;
    const result = await run(
      `
      console.log('first');
      const a = await callTool('everything:get-sum', { a: 1, b: 1 });
      console.warn('second');
      const b = await callTool('everything:echo', { message: 'x' });
      console.error('third');
      return a;`,
      { onprogress: () => void handled++ },
    );
    expect(result.isError).toBeFalsy();
    // Read off the wire: the SDK client handles a notification a microtask after it arrives but a response at once,
    // so it drops progress that comes in the same chunk as the response (a loaded machine did). What the server
    // owes is every notification, in order, before the response.
    const mine = wire.slice(sent);
    const response = mine.findIndex((m) => 'result' in m);
    const progress = mine
      .slice(0, response)
      .filter((m) => 'method' in m && m.method === 'notifications/progress')
      .map((m) => ('params' in m ? (m.params as { progress: number; message?: string }) : { progress: 0 }));
    expect(progress.map((p) => p.message)).toEqual([
      'console.log: first',
      'callTool everything:get-sum started',
      expect.stringMatching(/^callTool everything:get-sum done in \d+ ms$/),
      'console.warn: second',
      'callTool everything:echo started',
      expect.stringMatching(/^callTool everything:echo done in \d+ ms$/),
      'console.error: third',
    ]);
    expect(handled).toBeGreaterThan(0); // the client's own callback sees them too
    // Progress only ever grows (the spec requires it).
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((x, y) => x - y));
    const logged = await waitFor(
      () => logs.slice(before),
      (l) => l.length >= 3,
      2_000,
    );
    expect(logged).toEqual([
      { level: 'info', logger: 'agentscript', data: 'first' },
      { level: 'warning', logger: 'agentscript', data: 'second' },
      { level: 'error', logger: 'agentscript', data: 'third' },
    ]);
  });

  it('cancelling a long script cancels its downstream call, and the server serves the next request', async () => {
    const count = async () => (await run("return await callTool('fx:cancelled_count', {});")).structuredContent as { value: unknown };
    const hanging = async () => (await run("return await callTool('fx:hanging_count', {});")).structuredContent as { value: unknown };
    const before = Number((await count()).value);
    const holding = Number((await hanging()).value);
    const controller = new AbortController();
    const started = Date.now();
    let announced = false;
    const pending = run("await callTool('fx:slow', { ms: 300 }); return await callTool('fx:hang', {});", {
      signal: controller.signal,
      onprogress: (p) => (announced ||= p.message === 'callTool fx:hang started'),
    });
    // Abort once the fixture holds the call: a call cancelled before the bridge sends it never reaches the fixture.
    expect(Number((await waitFor(hanging, (h) => Number(h.value) === holding + 1, 3_000)).value)).toBe(holding + 1);
    expect(announced).toBe(true);
    controller.abort('the user pressed stop');
    await expect(pending).rejects.toThrow(/stop|abort/i);
    expect(Date.now() - started).toBeLessThan(4_000); // well before STRICT's 5 s timeout
    // The fixture counts a cancellation when notifications/cancelled reaches it.
    const after = await waitFor(count, (c) => Number(c.value) === before + 1, 3_000);
    expect(Number(after.value)).toBe(before + 1);
    const next = await run('return [1, 2, 3].map(x => x * 2);');
    expect(next.structuredContent).toMatchObject({ success: true, value: [2, 4, 6] });
  });

  it('answers isError with the right code for a blocked construct, a denied tool and bad tool arguments', async () => {
    const blocked = await run('return process.env;');
    expect(blocked.isError).toBe(true);
    expect(errorCode(blocked)).toBe('VALIDATION_ERROR');
    expect(textOf(blocked)).toMatch(/^VALIDATION_ERROR at line 1/);
    const issues = (blocked.structuredContent as { error: { issues: unknown[] } }).error.issues;
    expect(issues[0]).toMatchObject({ rule: expect.any(String), line: 1, column: expect.any(Number) });

    const denied = await run("return await callTool('memory:delete_entities', { entityNames: ['Ada'] });");
    expect(denied.isError).toBe(true);
    expect(errorCode(denied)).toBe('UNKNOWN_TOOL');
    // A near miss of a hidden tool suggests allowed tools only.
    const nearMiss = await run("return await callTool('everything:get-en', {});");
    expect(errorCode(nearMiss)).toBe('UNKNOWN_TOOL');
    expect(textOf(nearMiss)).not.toContain('get-env');

    const badArgs = await run("return await callTool('everything:get-sum', { a: 'two' });");
    expect(badArgs.isError).toBe(true);
    expect(errorCode(badArgs)).toBe('INVALID_TOOL_ARGS');
    // The enclave reports no line for an uncaught tool error (yet); the tool and the fix are there.
    expect(textOf(badArgs)).toMatch(/^INVALID_TOOL_ARGS.* \(tool everything:get-sum\): .*args\.a must be a number/);
  });

  it('search_tools finds allowed tools only, at three levels of detail', async () => {
    const names = await search({ detail: 'name' });
    expect(names.split('\n')).toEqual(expect.arrayContaining(['memory:create_entities', 'everything:get-sum', 'fx:hang']));
    const summary = await search({ query: 'entities' });
    expect(summary).toContain('memory:create_entities');
    expect(summary).not.toContain('callTool(');
    const full = await search({ query: 'sum', detail: 'full' });
    expect(full).toContain("callTool('everything:get-sum'");
    expect(await search({ query: 'no-such-thing-anywhere' })).toMatch(/^No allowed tool matches/);
    const everything = [names, summary, full, await search({ detail: 'full' }), await search({ query: 'delete' })].join('\n');
    for (const hidden of HIDDEN) expect(everything).not.toContain(hidden);
  });

  it('a downstream catalog change sends tools/list_changed, and the description follows it', async () => {
    const describe = async () => (await client.listTools()).tools.find((t) => t.name === 'execute_agentscript')!.description!;
    const start = listChanged;
    // A tool the manifest does not allow changes nothing a client can see: no notification for it.
    await run("return await callTool('fx:add_tool', { name: 'secret_tool' });");
    const added = await run("return await callTool('fx:add_tool', { name: 'added_one' });");
    expect(added.structuredContent).toMatchObject({ success: true });
    await waitFor(
      () => listChanged,
      (n) => n > start,
      5_000,
    );
    expect(listChanged).toBe(start + 1);
    const description = await describe();
    expect(description).toContain("callTool('fx:added_one'");
    expect(description).not.toContain('secret_tool');
    const echoed = await run("return await callTool('fx:added_one', { hello: 'world' });");
    expect(echoed.structuredContent).toMatchObject({ success: true, value: { hello: 'world' } });
  });
});

describe('the stdio process itself', () => {
  it('writes nothing but JSON-RPC on stdout', async () => {
    const child = spawn(process.execPath, SERVE_ARGS, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.resume();
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const answered = (id: number) =>
      waitFor(
        () => out,
        (o) => o.split('\n').some((l) => l.includes(`"id":${id},`) || l.endsWith(`"id":${id}}`)),
        30_000,
      );
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    await answered(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: {
        name: 'execute_agentscript',
        arguments: { code: "console.log('to the client'); return await callTool('everything:get-sum', { a: 1, b: 2 });" },
      },
    });
    await answered(2);
    await answered(3);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end(); // how a desktop client says goodbye
    expect(await exited).toBe(0);
    const lines = out.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThanOrEqual(4); // three answers and the log notification
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const byId = new Map(lines.map((l) => JSON.parse(l) as { id?: number; result?: Record<string, unknown> }).map((m) => [m.id, m]));
    expect(JSON.stringify(byId.get(2)?.result)).toContain('execute_agentscript');
    expect(byId.get(3)?.result).toMatchObject({ structuredContent: { success: true } });
  }, 60_000);

  it('leaves no process behind once the client closes', async () => {
    const second = await connect();
    await second.client.listTools();
    expect(survivors().length).toBeGreaterThanOrEqual(4); // serve, memory, everything, fx (plus the first client's)
    await client.close();
    await second.client.close();
    const left = await waitFor(survivors, (pids) => pids.length === 0, 8_000);
    expect(left).toEqual([]);
  }, 60_000);
});
