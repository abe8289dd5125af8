// How the bridge behaves when downstream servers fail, end to end against the stdio fixture server: a crash
// mid-call and the reconnect, hangs ended by the script's timeout, the server's call timeout or the caller (with
// the cancellation forwarded downstream), tools added and removed at run time, and no process left behind.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenManifest } from '../../src/mcp/open.js';
import { waitFor } from '../wait-for.js';
import { tempDir } from './helpers.js';
import { fixtureServer, killMarked, openJson, processesMarked, survivorsAfter } from './open-helpers.js';

const dir = tempDir('bridge-failures');
const flakyMark = join(dir, 'flaky');
// Short, yet with room for a machine that is busy (2 cores shared by parallel test files).
const SCRIPT_TIMEOUT_MS = 3000;
const CALL_TIMEOUT_MS = 400;
let open: OpenManifest;

beforeAll(async () => {
  const json = {
    securityLevel: 'SECURE',
    limits: { timeoutMs: SCRIPT_TIMEOUT_MS },
    servers: {
      fx: fixtureServer(dir),
      // Crashes, and has a call timeout shorter than the script's.
      flaky: fixtureServer(flakyMark, [], { callTimeoutMs: CALL_TIMEOUT_MS }),
    },
    allow: ['fx:*', 'flaky:*'],
    deny: ['fx:late_denied*'],
  };
  open = await openJson(json, dir, { bridge: { backoffMs: 50 } });
  await open.enclave.run('return 1'); // starts the sandbox workers, so the timed tests time only themselves
});

afterAll(async () => {
  await open?.close();
  killMarked(dir);
});

const run = (code: string, options?: Parameters<OpenManifest['enclave']['run']>[1]) => open.enclave.run(code, options);
const cancelled = async (server: string): Promise<number> => (await run(`return await callTool('${server}:cancelled_count', {});`)).value as number;

describe('crash', () => {
  it('mid-call → TOOL_ERROR "closed the connection"; while down → TOOL_ERROR "unavailable" at once; then it reconnects', async () => {
    const [first] = processesMarked(flakyMark);
    expect(first).toBeDefined();
    const result = await run(`
      let crash = 'no error', down = 'no error';
      try { await callTool('flaky:crash', {}); } catch (e) { crash = e.code + ': ' + e.message; }
      const t0 = Date.now();
      try { await callTool('flaky:echo', { text: 'x' }); } catch (e) { down = e.code + ': ' + e.message; }
      return { crash, down, ms: Date.now() - t0 };
    `);
    expect(result.error).toBeUndefined();
    const { crash, down, ms } = result.value as { crash: string; down: string; ms: number };
    expect(crash).toMatch(/^TOOL_ERROR: Server "flaky" closed the connection during flaky:crash/);
    expect(down).toMatch(/^TOOL_ERROR: Server "flaky" is unavailable .*reconnected/);
    expect(ms).toBeLessThan(1000); // no waiting for the reconnect, which takes a new process's start-up
    expect(open.bridge.unavailable.map((u) => u.server)).toEqual(['flaky']);

    await expect.poll(() => open.bridge.unavailable, { timeout: 15_000, interval: 100 }).toEqual([]);
    const again = await run(`return await callTool('flaky:echo', { text: 'back' });`);
    expect(again.value).toBe('back');
    // The crashed process is gone (not left as an orphan); exactly one new one serves.
    const now = processesMarked(flakyMark);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(first);
  });
});

describe('hang and cancellation', () => {
  it("the script's timeout ends it with TIMEOUT, and the cancellation reaches the server", async () => {
    const before = await cancelled('fx');
    const t0 = Date.now();
    const result = await run(`await callTool('fx:hang', {}); return 'never';`);
    expect(result.error?.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(SCRIPT_TIMEOUT_MS + 5000);
    await expect.poll(() => cancelled('fx'), { timeout: 3000 }).toBe(before + 1);
  });

  it("a server's callTimeoutMs shorter than the script's gives TOOL_ERROR naming it, and cancels downstream", async () => {
    const before = await cancelled('flaky');
    const result = await run(`
      const t0 = Date.now();
      try { await callTool('flaky:hang', {}); return 'answered'; } catch (e) { return { code: e.code, message: e.message, ms: Date.now() - t0 }; }
    `);
    expect(result.error).toBeUndefined();
    const caught = result.value as { code: string; message: string; ms: number };
    expect(caught.code).toBe('TOOL_ERROR');
    expect(caught.message).toMatch(new RegExp(`flaky:hang did not answer within ${CALL_TIMEOUT_MS} ms`));
    expect(caught.ms).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 50);
    expect(caught.ms).toBeLessThan(SCRIPT_TIMEOUT_MS);
    await expect.poll(() => cancelled('flaky'), { timeout: 3000 }).toBe(before + 1);
  });

  it('a caller that cancels the run gets CANCELLED, and the cancellation reaches the server', async () => {
    const before = await cancelled('fx');
    const hanging = async (): Promise<number> => (await run(`return await callTool('fx:hanging_count', {});`)).value as number;
    const holding = await hanging();
    const controller = new AbortController();
    const pending = run(`return await callTool('fx:hang', {});`, { signal: controller.signal });
    // Aborted once the server holds the call: one cancelled before the bridge sent it would never reach the server.
    await waitFor(async () => (await hanging()) === holding + 1, { what: 'the fixture to hold the hang call' });
    controller.abort();
    const result = await pending;
    expect(result.error?.code).toBe('CANCELLED');
    await expect.poll(() => cancelled('fx'), { timeout: 3000 }).toBe(before + 1);
  });
});

describe('tools that change at run time', () => {
  it('add_tool → onToolsChanged fires and the tool is callable; a denied one stays invisible; remove_tool → UNKNOWN_TOOL', async () => {
    let changes = 0;
    const unsubscribe = open.bridge.onToolsChanged(() => void changes++);
    const names = () => open.bridge.tools.map((t) => t.qualifiedName);
    try {
      expect((await run(`return await callTool('fx:add_tool', { name: 'late_ok' });`)).value).toBe('added late_ok');
      await expect.poll(() => names()).toContain('fx:late_ok');
      expect(changes).toBeGreaterThanOrEqual(1);
      expect((await run(`return await callTool('fx:late_ok', { x: 1 });`)).value).toEqual({ x: 1 });

      const seen = changes;
      await run(`return await callTool('fx:add_tool', { name: 'late_denied' });`);
      await expect.poll(() => changes).toBeGreaterThan(seen);
      expect(names()).not.toContain('fx:late_denied');
      const denied = await run(`return await callTool('fx:late_denied', {});`);
      expect(denied.error?.code).toBe('UNKNOWN_TOOL');

      await run(`return await callTool('fx:remove_tool', { name: 'late_ok' });`);
      await expect.poll(() => names()).not.toContain('fx:late_ok');
      const removed = await run(`return await callTool('fx:late_ok', {});`);
      expect(removed.error?.code).toBe('UNKNOWN_TOOL');
      expect(removed.error?.message.replace('late_ok', 'X')).toBe(denied.error?.message.replace('late_denied', 'X'));
    } finally {
      unsubscribe();
    }
  });

  it('a tool added by one call is callable by the very next call of the same script', async () => {
    const result = await run(`await callTool('fx:add_tool', { name: 'just_now' }); return await callTool('fx:just_now', { y: 2 });`);
    expect(result.error).toBeUndefined();
    expect(result.value).toEqual({ y: 2 });
    await run(`return await callTool('fx:remove_tool', { name: 'just_now' });`);
  });
});

describe('processes', () => {
  it('close leaves no child process behind, the reconnected one included', async () => {
    expect(processesMarked(dir)).toHaveLength(2);
    await open.close();
    expect(await survivorsAfter(dir)).toEqual([]);
  });
});
