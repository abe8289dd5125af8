// `serve` over stdio, what is particular to it: stdout carries JSON-RPC and nothing else, and closing the client
// leaves no process behind. What every transport owes a client (tools, results, progress, errors, search_tools,
// cancellation, list changes) is the transport contract, run over stdio in transports.test.ts.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { processesMarked, survivorsAfter } from '../processes.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';
import { manifestJson, TSX } from './http-helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

const dir = tempDir('enclave-mcp-stdio');
const MANIFEST = join(dir, 'manifest.json');
// The temp folder is in every server's environment (TEST_MARK): survivors() finds each of our processes through /proc.
writeFileSync(MANIFEST, JSON.stringify(manifestJson(dir, dir)));
const SERVE_ARGS = ['--import', TSX, CLI, 'serve', '--manifest', MANIFEST];

/** Our processes still alive: any whose command line or environment names the temp folder. */
const survivors = (): number[] => processesMarked(dir);

afterAll(() => {
  for (const pid of survivors()) process.kill(pid, 'SIGKILL'); // only after a failed orphan check
  rmSync(dir, { recursive: true, force: true });
});

describe('the stdio process itself', () => {
  it('writes nothing but JSON-RPC on stdout', async () => {
    const child = spawn(process.execPath, SERVE_ARGS, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.resume();
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const answered = (id: number) =>
      waitFor(() => out.split('\n').some((l) => l.includes(`"id":${id},`) || l.endsWith(`"id":${id}}`)), {
        what: `the answer to request ${id} on stdout`,
        timeoutMs: 30_000,
      });
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
    // The server as Claude Desktop starts it: a command, arguments, its default environment, any working directory.
    const transport = new StdioClientTransport({ command: process.execPath, args: SERVE_ARGS, cwd: dir, stderr: 'pipe' });
    transport.stderr?.on('data', () => {});
    const client = new Client({ name: 'stdio-test', version: '0.0.0' });
    await client.connect(transport);
    await client.listTools();
    expect(survivors().length).toBeGreaterThanOrEqual(4); // serve, memory, everything, fixture
    await client.close();
    expect(await survivorsAfter(dir)).toEqual([]);
  }, 60_000);
});
