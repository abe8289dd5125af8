// Who ends a downstream child process: its transport (StdioProcessTransport), owned by a DownstreamServer, owned by the
// ToolBridge, owned by what openLoaded returns. Disposing any owner ends the processes below it and drops their exit
// hooks; a Node process that exits without disposing still ends them, through those hooks. Real child processes,
// found through /proc by a mark in their environment. The servers here are stubborn (a timer keeps them alive): they
// do not end when their stdin closes, so only their owner can end them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { DownstreamServer } from '../../src/tool-bridge/downstream.js';
import { StdioProcessTransport, type StdioTarget } from '../../src/tool-bridge/stdio-transport.js';
import { FIXTURE_STDIO, killMarked, openJson, processesMarked, REPO_ROOT, survivorsAfter, TSX } from './open-helpers.js';
import { tempDir } from './helpers.js';

const MARK = `lifetimes-${process.pid}-${Date.now().toString(36)}`;
const KEEP_ALIVE = 'data:text/javascript,setInterval(() => {}, 2 ** 30)';
let marks = 0;
const newMark = (): string => `${MARK}-${++marks}`;
afterAll(() => killMarked(MARK));

/** A process that never answers and ignores its stdin closing. */
const mute = (mark: string): StdioTarget => ({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: { TEST_MARK: mark } });
/** The fixture MCP server, kept alive by a timer after its stdin closes. */
const stubbornFixture = (mark: string) => ({
  command: process.execPath,
  args: ['--import', TSX, '--import', KEEP_ALIVE, FIXTURE_STDIO],
  env: { TEST_MARK: mark },
});

const exitListeners = (): number => process.listenerCount('exit');

describe('a downstream process has one owner', { timeout: 60_000 }, () => {
  it('disposing its transport ends the process and drops its exit hook', async () => {
    const mark = newMark();
    const before = exitListeners();
    {
      await using transport = new StdioProcessTransport(mute(mark));
      await transport.start();
      expect(processesMarked(mark)).toEqual([transport.pid]);
      expect(exitListeners()).toBe(before + 1);
    }
    expect(processesMarked(mark)).toEqual([]); // close() waited for it to end
    expect(exitListeners()).toBe(before);
  });

  it('disposing a server that is still connecting ends the process it spawned', async () => {
    const mark = newMark();
    let started: Promise<boolean>;
    {
      await using server = new DownstreamServer({ name: 'mute', connectTimeoutMs: 60_000, transport: () => new StdioProcessTransport(mute(mark)) });
      started = server.start();
      await expect.poll(() => processesMarked(mark).length, { timeout: 10_000, interval: 50 }).toBe(1);
    }
    expect(processesMarked(mark)).toEqual([]); // not left until its handshake times out
    expect(await started).toBe(false);
  });

  it('a process that ends on its own drops its exit hook at once, with its server still open', async () => {
    const mark = newMark();
    const before = exitListeners();
    await using server = new DownstreamServer({ name: 'fx', backoffMs: 60_000, transport: () => new StdioProcessTransport(stubbornFixture(mark)) });
    expect(await server.start()).toBe(true);
    expect(exitListeners()).toBe(before + 1);
    await expect(server.callTool('crash', {})).rejects.toThrow();
    await expect.poll(() => server.state, { timeout: 10_000, interval: 50 }).toBe('down');
    expect(processesMarked(mark)).toEqual([]);
    expect(exitListeners()).toBe(before); // its pid may be reused: a hook left behind could signal a stranger
  });

  it('disposing what openLoaded returns ends every server of the manifest', async () => {
    const mark = newMark();
    const before = exitListeners();
    {
      await using open = await openJson({ servers: { a: stubbornFixture(mark), b: stubbornFixture(mark) }, allow: ['a:echo', 'b:echo'] }, tempDir('lifetimes'));
      expect(open.bridge.unavailable).toEqual([]);
      expect(processesMarked(mark)).toHaveLength(2);
      expect(exitListeners()).toBe(before + 2);
    }
    expect(processesMarked(mark)).toEqual([]);
    expect(exitListeners()).toBe(before);
  });

  // The safety net: nothing closed the bridge, yet its server does not outlive the process that started it.
  it.each(['exit', 'throw'])('a process that ends (%s) without disposing its bridge still ends its server', async (how) => {
    const mark = newMark();
    const owner = spawn(process.execPath, ['--import', TSX, 'test/tool-bridge/exit-owner.ts', mark, how], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    owner.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(owner, 'exit');
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('ready') ? resolve() : undefined));
      owner.once('exit', (code) => reject(new Error(`exit-owner ended first (${code}): ${stderr}`)));
    });
    const server = processesMarked(mark).filter((pid) => pid !== owner.pid);
    expect(server).toHaveLength(1);
    owner.stdin.end();
    const [code] = await exited;
    expect(code).toBe(how === 'exit' ? 0 : 1);
    expect(await survivorsAfter(mark)).toEqual([]);
  });
});
