// DownstreamServer against real servers over all three transports: connect, list, call, close (each test's server
// and HTTP process are disposed as the test ends, `await using`).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closing } from '../../src/shared/index.js';
import { DownstreamServer } from '../../src/tool-bridge/downstream.js';
import { createTransport } from '../../src/tool-bridge/transports.js';
import { EVERYTHING_SERVER, MEMORY_SERVER, startEverythingHttp, tempDir } from './helpers.js';

const server = (name: string, target: Parameters<typeof createTransport>[0]): DownstreamServer =>
  new DownstreamServer({ name, transport: () => createTransport(target) });

describe('DownstreamServer', () => {
  it('server-memory over stdio: lists its tools and calls one', async () => {
    await using s = server('memory', { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(tempDir('mem'), 'g.jsonl') } });
    expect(await s.start()).toBe(true);
    expect(s.tools.map((t) => t.name)).toContain('create_entities');
    const result = await s.callTool('read_graph', {});
    expect(result.isError).toBeFalsy();
  });

  it('server-everything over stdio', async () => {
    await using s = server('everything', { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] });
    expect(await s.start()).toBe(true);
    const result = await s.callTool('get-sum', { a: 2, b: 3 });
    expect(JSON.stringify(result.content)).toContain('5');
  });

  for (const kind of ['streamableHttp', 'sse'] as const) {
    it(`server-everything over ${kind} on 127.0.0.1`, async () => {
      const http = await startEverythingHttp(kind);
      await using _http = closing(http.stop);
      await using s = server('everything', { url: http.url, transport: kind === 'sse' ? 'sse' : 'streamable-http' });
      expect(await s.start()).toBe(true);
      const result = await s.callTool('echo', { message: 'hi' });
      expect(JSON.stringify(result.content)).toContain('hi');
    });
  }

  it('a command that does not exist is down with a reason, and calls fail at once', async () => {
    await using s = server('ghost', { command: '/nonexistent/enclave-mcp-ghost' });
    expect(await s.start()).toBe(false);
    expect(s.state).toBe('down');
    expect(s.reason).toMatch(/could not connect/);
    await expect(s.callTool('x', {})).rejects.toMatchObject({ code: 'TOOL_ERROR', message: expect.stringMatching(/unavailable/) });
  });

  it('a server that never answers times out at connect', async () => {
    await using s = new DownstreamServer({
      name: 'mute',
      connectTimeoutMs: 500,
      transport: () => createTransport({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }),
    });
    const t0 = Date.now();
    expect(await s.start()).toBe(false);
    // 500 ms to give up, then the SDK's close: it waits up to 2 s for a child to leave once its stdin ends (this one
    // does not) before SIGTERM. That is 2.5 s on a quiet machine (2.58 s measured under CI), so the bound adds room.
    expect(Date.now() - t0).toBeLessThan(500 + 2_000 + 5_000);
    expect(s.reason).toMatch(/500 ms|timed out|timeout/i);
  });
});
