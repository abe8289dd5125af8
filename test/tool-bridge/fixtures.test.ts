// Smoke test of the fixture servers in test/fixtures/: the SDK's Client exercises each behaviour once over
// real stdio (and Streamable HTTP). Also pins SDK client behaviours the bridge depends on (see each comment).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolCallError } from '../../src/enclave/index.js';
import { compileArgsValidator } from '../../src/tool-bridge/arguments.js';
import { normalizeResult } from '../../src/tool-bridge/results.js';
import { MIXED_AS_DATA } from '../fixtures/fixture-tools.js';
import { waitFor } from '../wait-for.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

async function startStdio(flags: string[] = [], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', TSX, fixture('stdio-server.ts'), ...flags],
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'fixtures-test', version: '0.0.0' });
  await client.connect(transport);
  closers.push(() => client.close());
  return { client, stderr: () => stderr };
}

async function listAll(client: Client): Promise<{ tools: Tool[]; pages: number }> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== undefined);
  return { tools, pages };
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });
/** tools/call without the SDK's result schema, to see what a malformed server really sent. */
const rawCall = (client: Client, name: string, args: Record<string, unknown>) =>
  client.request({ method: 'tools/call', params: { name, arguments: args } }, z.looseObject({}));
const value = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  normalizeResult(await call(client, name, args), { tool: `fx:${name}` });

describe('stdio fixture', () => {
  let fx: Awaited<ReturnType<typeof startStdio>>;
  beforeAll(async () => {
    fx = await startStdio(['--bad-input-schema'], { FIXTURE_SECRET: 's3cr3t-value' });
  });

  it('serves ordinary tools with input schemas, and structured output', async () => {
    const { tools } = await listAll(fx.client);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'add', 'hang', 'crash', 'malformed', 'huge', 'binary', 'env_echo']));
    expect(await value(fx.client, 'echo', { text: 'hi' })).toBe('hi');
    expect(await call(fx.client, 'add', { a: 2, b: 3 })).toMatchObject({ structuredContent: { sum: 5 } });
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(() => compileArgsValidator(echo.inputSchema, { tool: 'fx:echo' })({ text: 1 })).toThrow(/args\.text must be a string/);
  });

  it('add with lie: the SDK client itself rejects structured content that breaks the output schema', async () => {
    const error = await call(fx.client, 'add', { a: 1, b: 2, lie: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((error as McpError).message).toMatch(/does not match the tool's output schema/);
  });

  it('fail returns isError, which normalizeResult turns into TOOL_ERROR', async () => {
    await expect(value(fx.client, 'fail', { message: 'no such entity' })).rejects.toThrow(/^fx:fail failed: no such entity\. /);
  });

  it('slow answers after the given time', async () => {
    expect(((await value(fx.client, 'slow', { ms: 100 })) as { sleptMs: number }).sleptMs).toBeGreaterThanOrEqual(95);
  });

  it('hang: a timeout and an abort both send notifications/cancelled, which the fixture counts', async () => {
    const before = (await value(fx.client, 'cancelled_count')) as number;
    const timedOut = await fx.client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 200 }).catch((e: unknown) => e);
    expect((timedOut as McpError).code).toBe(ErrorCode.RequestTimeout);
    const controller = new AbortController();
    const held = (await value(fx.client, 'hanging_count')) as number;
    const pending = fx.client.callTool({ name: 'hang', arguments: {} }, undefined, { signal: controller.signal }).catch((e: unknown) => e);
    // Aborted once the fixture holds the call, so that the cancellation has a call to stop.
    await waitFor(async () => (await value(fx.client, 'hanging_count')) === held + 1, { what: 'the fixture to hold the hang call' });
    controller.abort('stop');
    const aborted = await pending;
    // The SDK rejects an aborted request with the RequestTimeout code too; only the signal tells them apart.
    expect(aborted).toMatchObject({ code: ErrorCode.RequestTimeout, message: expect.stringContaining('stop') });
    expect(await value(fx.client, 'cancelled_count')).toBe(before + 2);
    expect(fx.stderr()).toMatch(/cancelled hang \(request \d+\)/);
  });

  it('malformed: the SDK client rejects with a bare ZodError; read leniently, normalizeResult says malformed', async () => {
    const error = await call(fx.client, 'malformed', { shape: 'content-not-array' }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(McpError);
    expect((error as Error).name).toMatch(/ZodError/);
    const raw = await rawCall(fx.client, 'malformed', { shape: 'content-not-array' });
    expect(raw).toMatchObject({ content: 'not an array' });
    expect(() => normalizeResult(raw, { tool: 'fx:malformed' })).toThrow(ToolCallError);
    const unknown = await rawCall(fx.client, 'malformed', { shape: 'unknown-content' });
    expect(normalizeResult(unknown, { tool: 'fx:malformed' })).toEqual({ type: 'widget' });
  });

  it('huge returns a text of the size asked', async () => {
    const result = await call(fx.client, 'huge', { mb: 4 });
    expect((result.content as { text: string }[])[0]!.text).toHaveLength(4 * 1024 * 1024);
  });

  it('binary returns a 1 MiB image, which normalizeResult describes without its data', async () => {
    const result = await call(fx.client, 'binary');
    expect((result.content as { data: string }[])[0]!.data).toHaveLength(Math.ceil((1024 * 1024) / 3) * 4);
    expect(normalizeResult(result, { tool: 'fx:binary' })).toEqual({ type: 'image', mimeType: 'image/png', size: 1024 * 1024 });
  });

  it('mixed returns one content of each kind', async () => {
    expect(await value(fx.client, 'mixed')).toEqual(MIXED_AS_DATA);
  });

  it('env_echo returns an environment variable the launcher passed', async () => {
    expect(await value(fx.client, 'env_echo', { name: 'FIXTURE_SECRET' })).toBe('s3cr3t-value');
  });

  it('add_tool and remove_tool change the list and send notifications/tools/list_changed', async () => {
    let notified = 0;
    fx.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified++);
    await call(fx.client, 'add_tool', { name: 'late' });
    await expect.poll(() => notified).toBe(1);
    expect((await listAll(fx.client)).tools.map((t) => t.name)).toContain('late');
    expect(await value(fx.client, 'late', { x: 1 })).toEqual({ x: 1 });
    await call(fx.client, 'remove_tool', { name: 'late' });
    await expect.poll(() => notified).toBe(2);
    expect((await listAll(fx.client)).tools.map((t) => t.name)).not.toContain('late');
  });

  it('--bad-input-schema: the list works and the argument check falls back to "an object"', async () => {
    const bad = (await listAll(fx.client)).tools.find((t) => t.name === 'bad_input_schema')!;
    const validate = compileArgsValidator(bad.inputSchema, { tool: 'fx:bad_input_schema' });
    expect(validate.fallback).toBe(true);
    validate({ a: 1 });
  });
});

describe('stdio fixture variants', () => {
  it('crash: the pending call rejects with ConnectionClosed, the client closes, later calls fail', async () => {
    const { client } = await startStdio();
    const closed = new Promise<void>((resolve) => (client.onclose = resolve));
    const error = await call(client, 'crash').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.ConnectionClosed });
    await closed;
    await expect(call(client, 'echo', { text: 'x' })).rejects.toThrow(/Not connected/);
  });

  it('--many 250: tools/list pages of 50 yield every tool once', async () => {
    const { client } = await startStdio(['--many', '250']);
    const { tools, pages } = await listAll(client);
    const names = tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith('bulk_'))).toHaveLength(250);
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBe(Math.ceil(names.length / 50));
    // Each listTools page replaces the client's cached output validators, so after paging, `add` (page 1)
    // is no longer checked against its output schema: the SDK validates only the last page's tools.
    expect(await call(client, 'add', { a: 1, b: 2, lie: true })).toMatchObject({ structuredContent: { sum: '3' } });
  });

  it('--bad-output-schema: one uncompilable output schema makes the SDK client reject the whole tools/list', async () => {
    const { client } = await startStdio(['--bad-output-schema']);
    await expect(client.listTools()).rejects.toThrow(/JSONType/);
  });
});

describe('HTTP fixture', () => {
  it('serves Streamable HTTP on 127.0.0.1 and checks the bearer token', async () => {
    const child = spawn(process.execPath, ['--import', TSX, fixture('http-server.ts')], {
      env: { PATH: process.env.PATH ?? '', FIXTURE_TOKEN: 'tok-123' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    closers.push(() => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill()))));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`http fixture exited with ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

    const anonymous = new Client({ name: 'fixtures-test', version: '0.0.0' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow(/401|bearer/i);

    const client = new Client({ name: 'fixtures-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer tok-123' } } }));
    closers.push(() => client.close());
    expect(await value(client, 'echo', { text: 'over http' })).toBe('over http');
    let notified = false;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (notified = true));
    await call(client, 'add_tool', { name: 'late_http' });
    await expect.poll(() => notified).toBe(true);
  });
});
