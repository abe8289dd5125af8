// The access log, read from the real CLI's stderr: over HTTP one JSON line per execution (request id, session,
// principal, a hash of the code, tool counts, duration, outcome), and with ENCLAVE_LOG=debug every refusal,
// cancellation and timeout with its reason. Never the code, its values or the token. Over stdio, stdout stays the protocol.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../tool-bridge/helpers.js';
import { waitFor } from '../wait-for.js';
import { connect, killMarked, manifestJson, raw, REPO_ROOT, structured, survivorsAfter, TSX } from './http-helpers.js';

const MARK = `mcp-access-log-${process.pid}-${Date.now().toString(36)}`;
const { ENCLAVE_LOG: _level, ENCLAVE_LOG_FORMAT: _format, ...ENV } = process.env;

const sha16 = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex').slice(0, 16);
type Line = Record<string, unknown> & { time: string; level: string; msg: string };

/** Every line must be one JSON object with time, level and msg. */
function jsonLines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const line = JSON.parse(l) as Line;
      expect(line).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.any(String), msg: expect.any(String) });
      return line;
    });
}

function manifest(mark: string): string {
  const dir = tempDir('mcp-access-log');
  const file = join(dir, 'manifest.json');
  // A short deadline so that one script times out quickly.
  writeFileSync(file, JSON.stringify({ ...manifestJson(mark, dir), limits: { timeoutMs: 2_000 } }));
  return file;
}

const MARKER = 'code-marker-q9x';
const SCRIPTS = {
  ok: `const s = await callTool('everything:get-sum', { a: 1, b: 2 });\nconst e = await callTool('memory:no_such_tool_q9', {}).catch((x) => x.code);\nreturn '${MARKER}' + e;`,
  invalid: `const x = '${MARKER}';\nreturn (;`,
  timeout: `const x = '${MARKER}-t';\nreturn await callTool('fixture:hang', {});`,
  cancelled: `const x = '${MARKER}-c';\nreturn await callTool('fixture:hang', {});`,
};

describe('serve --transport http: the access log on stderr', () => {
  it('writes one JSON line per execution, and at debug why each refusal, cancellation and timeout happened', async () => {
    const mark = `${MARK}-http`;
    const token = `access-log-token-${Math.random().toString(36).slice(2)}`;
    const child = spawn(
      process.execPath,
      ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--port', '0', '--manifest', manifest(mark), '--token', token],
      {
        cwd: REPO_ROOT,
        env: { ...ENV, ENCLAVE_LOG: 'debug' }, // no ENCLAVE_LOG_FORMAT: JSON is the default over HTTP
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      await waitFor(() => /Stop with Ctrl-C/.test(out), { what: 'the CLI to say it serves', timeoutMs: 60_000 });
      const url = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      const c = await connect(url!, token);
      const run = (code: string, options: Parameters<typeof c.callTool>[2] = {}) =>
        c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options });
      expect(structured(await run(SCRIPTS.ok)).value).toBe(`${MARKER}UNKNOWN_TOOL`);
      expect(structured(await run(SCRIPTS.invalid)).error?.code).toBe('VALIDATION_ERROR');
      expect(structured(await run(SCRIPTS.timeout)).error?.code).toBe('TIMEOUT');
      const controller = new AbortController();
      // Aborted once the script is running, as its progress says.
      const onprogress = () => controller.abort();
      await expect(run(SCRIPTS.cancelled, { signal: controller.signal, onprogress })).rejects.toThrow();
      expect((await raw(url!, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
      await waitFor(() => /"execution cancelled"/.test(err), { what: 'the debug line of the cancellation' });
      await c.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await survivorsAfter(mark)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      killMarked(mark);
    }

    const lines = jsonLines(err);
    const executions = lines.filter((l) => l.msg === 'execution');
    expect(executions.map((l) => l.outcome)).toEqual(['ok', 'VALIDATION_ERROR', 'TIMEOUT', 'CANCELLED']);
    expect(executions.map((l) => l.codeSha256)).toEqual(Object.values(SCRIPTS).map(sha16));
    for (const line of executions) {
      expect(line).toMatchObject({
        level: 'info',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        rpcId: expect.any(Number),
        sessionId: expect.stringMatching(/^[0-9a-f-]{8}$/),
        principal: 'operator',
        durationMs: expect.any(Number),
      });
    }
    expect(new Set(executions.map((l) => l.requestId)).size).toBe(4);
    expect(executions[0]).toMatchObject({ toolCalls: 2, toolErrors: 1, queuedMs: expect.any(Number) });
    expect(executions[2]).toMatchObject({ toolCalls: 1, toolErrors: 1 });

    const debug = (msg: string) => lines.filter((l) => l.level === 'debug' && l.msg === msg);
    expect(debug('execution refused')).toEqual([
      expect.objectContaining({
        requestId: executions[1]!.requestId,
        code: 'VALIDATION_ERROR',
        reason: expect.stringMatching(/Syntax error/),
        issues: [expect.stringMatching(/ at 2:\d+$/)],
      }),
    ]);
    expect(debug('execution timed out')).toEqual([
      expect.objectContaining({ requestId: executions[2]!.requestId, code: 'TIMEOUT', reason: expect.stringMatching(/time limit/) }),
    ]);
    expect(debug('execution cancelled')).toEqual([
      expect.objectContaining({ requestId: executions[3]!.requestId, code: 'CANCELLED', reason: expect.any(String) }),
    ]);
    expect(debug('tool call refused')).toContainEqual(
      expect.objectContaining({ requestId: executions[0]!.requestId, tool: 'memory:no_such_tool_q9', code: 'UNKNOWN_TOOL' }),
    );
    expect(debug('HTTP request refused')).toContainEqual(expect.objectContaining({ status: 401, kind: 'no-token' }));
    // The code, what it returned, and the token never reach the log.
    expect(err).not.toContain(MARKER);
    expect(err).not.toContain(token);
  }, 120_000);
});

describe('serve over stdio', () => {
  it('keeps stdout for the protocol: the access line goes to stderr (JSON when asked), at info without debug lines', async () => {
    const mark = `${MARK}-stdio`;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, 'src/cli.ts', 'serve', '--manifest', manifest(mark)],
      cwd: REPO_ROOT,
      env: { ...(ENV as Record<string, string>), ENCLAVE_LOG: 'info', ENCLAVE_LOG_FORMAT: 'json' },
      stderr: 'pipe',
    });
    let err = '';
    transport.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const client = new Client({ name: 'access-log', version: '1.0.0' });
    try {
      await client.connect(transport);
      const result = await client.callTool({ name: 'execute_agentscript', arguments: { code: 'return (;' } }, undefined, { timeout: 30_000 });
      expect(structured(result).error?.code).toBe('VALIDATION_ERROR');
      await waitFor(() => /"execution"/.test(err), { what: 'the access log line' });
    } finally {
      await client.close();
      killMarked(mark);
    }
    const lines = jsonLines(err);
    expect(lines.filter((l) => l.msg === 'execution')).toEqual([
      expect.objectContaining({ sessionId: 'stdio', outcome: 'VALIDATION_ERROR', codeSha256: sha16('return (;') }),
    ]);
    expect(lines.filter((l) => l.level === 'debug')).toEqual([]);
  }, 90_000);
});
