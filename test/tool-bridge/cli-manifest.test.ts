// The CLI with a manifest, run as a child process (`node --import tsx src/cli.ts …`, and `npx tsx src/cli.ts …` as a
// user types it): tools lists allowed declarations only, run drives a two-server script, configuration errors
// exit 2 with the place to fix, and SIGINT mid-run leaves no downstream process behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILESYSTEM_SERVER, MEMORY_SERVER, tempDir } from './helpers.js';
import { fixtureServer, killMarked, processesMarked, REPO_ROOT, survivorsAfter, TSX } from './open-helpers.js';

const dir = tempDir('cli-manifest');
mkdirSync(join(dir, 'files'));
afterAll(() => killMarked(dir));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  input?: string;
  env?: Record<string, string>;
  /** `node` (default) runs the CLI as this very process, so a signal to its pid reaches the CLI itself; `npx` is what a
   * user types, a tree of npm, sh, tsx and node in a process group of its own (as a terminal would make it). */
  via?: 'node' | 'npx';
  onStart?: (pid: number) => void;
}

function cli(args: string[], options: CliOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const [command, prefix] = options.via === 'npx' ? ['npx', ['tsx']] : [process.execPath, ['--import', TSX]];
    const child = spawn(command, [...prefix, 'src/cli.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.via === 'npx',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
    options.onStart?.(child.pid!);
  });
}

/** Writes a manifest file in the temp folder; relative paths in it are relative to that folder. */
function manifestFile(name: string, json: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  return file;
}

const twoServers = {
  servers: {
    memory: { command: 'node', args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: './memory.jsonl', TEST_MARK: dir } },
    filesystem: { command: 'node', args: [FILESYSTEM_SERVER, './files'], env: { TEST_MARK: dir } },
  },
  allow: ['memory:*', 'filesystem:write_file', 'filesystem:read_text_file'],
  deny: ['memory:delete_*'],
  noApproval: ['filesystem:write_file'], // annotated destructiveHint: true, and `run` here has no terminal to ask on
};

// Each test starts a CLI and its servers: seconds each, more on a busy machine.
describe('enclave-mcp CLI with --manifest', { timeout: 60_000 }, () => {
  it('tools prints the declarations of allowed tools only', async () => {
    const out = await cli(['tools', '--manifest', manifestFile('tools.json', twoServers)]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("callTool('memory:create_entities'");
    expect(out.stdout).toContain("callTool('filesystem:write_file'");
    expect(out.stdout).not.toMatch(/delete_entities|delete_relations|move_file|list_directory/);
  });

  it('run - prints the JSON result of a script that uses two servers', async () => {
    const path = join(dir, 'files', 'who.txt');
    const script = `
      await callTool('memory:create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: [] }] });
      await callTool('filesystem:write_file', { path: ${JSON.stringify(path)}, content: 'Lovelace' });
      const graph = await callTool('memory:read_graph', {});
      const read = await callTool('filesystem:read_text_file', { path: ${JSON.stringify(path)} });
      return { people: graph.entities.map(e => e.name), surname: typeof read === 'string' ? read : read.content };
    `;
    const out = await cli(['run', '-', '--manifest', manifestFile('run.json', twoServers)], { input: script });
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { success: boolean; value: unknown; stats: { toolCalls: number } };
    expect(result).toMatchObject({ success: true, value: { people: ['Ada'], surname: 'Lovelace' }, stats: { toolCalls: 4 } });
  });

  it('a broken manifest exits 2 with the JSON path of the problem on stderr', async () => {
    const broken = { ...twoServers, servers: { ...twoServers.servers, memory: { command: 'node', args: 'not-a-list' } } };
    const out = await cli(['run', '-', '--manifest', manifestFile('broken.json', broken)], { input: 'return 1;' });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/servers\.memory\.args/);
  });

  it('a missing ${env:X} exits 2 naming X', async () => {
    const json = {
      ...twoServers,
      servers: { memory: { command: 'node', args: [MEMORY_SERVER], env: { TOKEN: '${env:ENCLAVE_TEST_UNSET_VAR}' } } },
      allow: ['memory:*'],
      deny: [],
      noApproval: [],
    };
    const out = await cli(['tools', '--manifest', manifestFile('unset.json', json)]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/ENCLAVE_TEST_UNSET_VAR is not set/);
    expect(out.stderr).toMatch(/servers\.memory\.env\.TOKEN/);
  });

  it('a server that cannot start is reported on stderr without the ${env:…} value in its command', async () => {
    const secret = `/opt/enclave-test-${process.pid}/no-such-server`;
    const json = { servers: { ghost: { command: '${env:ENCLAVE_TEST_GHOST}' } }, allow: ['ghost:*'] };
    const out = await cli(['tools', '--manifest', manifestFile('ghost.json', json)], { env: { ENCLAVE_TEST_GHOST: secret } });
    expect(out.code).toBe(1); // the listing lacks its tools (DESIGN §7)
    expect(out.stderr).toMatch(/server "ghost" is unavailable: could not connect: spawn \[REDACTED\] ENOENT/);
    expect(out.stderr + out.stdout).not.toContain(`enclave-test-${process.pid}`);
  });

  it('a server that dies at start-up: tools exits 1 and says what it last wrote on stderr, redacted', async () => {
    const secret = `sekrit-${process.pid}-value`;
    const json = {
      servers: {
        broken: {
          command: 'node',
          args: ['-e', "console.error('starting'); console.error('Error: cannot open database at ' + process.env.DB_URL); process.exit(3)"],
          env: { DB_URL: '${env:ENCLAVE_TEST_DB}' },
        },
        memory: twoServers.servers.memory,
      },
      allow: ['broken:*', 'memory:*'],
    };
    const out = await cli(['tools', '--manifest', manifestFile('broken.json', json)], { env: { ENCLAVE_TEST_DB: secret } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/server "broken" is unavailable: could not connect: .*its stderr said: Error: cannot open database at \[REDACTED\]/);
    expect(out.stdout).toContain("callTool('memory:read_graph'"); // the servers that are up are still listed
    expect(out.stderr + out.stdout).not.toContain(secret);
  });

  /** Closing the enclave ends the script with CANCELLED, which run may print (whole) before the CLI exits. */
  function expectCancelledOrNothing(stdout: string): void {
    if (stdout) expect(JSON.parse(stdout)).toMatchObject({ success: false, error: { code: 'CANCELLED' } });
  }

  /** Starts a script that is inside a slow tool call once `started` exists, and returns when it is. */
  async function midRun(name: string, via: CliOptions['via']): Promise<{ pid: number; done: Promise<Outcome> }> {
    const started = join(dir, 'files', `${name}.started`);
    const json = {
      securityLevel: 'SECURE',
      servers: { fx: fixtureServer(dir), filesystem: twoServers.servers.filesystem },
      allow: ['fx:slow', 'filesystem:write_file'],
      noApproval: ['filesystem:write_file'],
    };
    const script = `
      await callTool('filesystem:write_file', { path: ${JSON.stringify(started)}, content: 'x' });
      return await callTool('fx:slow', { ms: 20000 });
    `;
    let pid = 0;
    const done = cli(['run', '-', '--manifest', manifestFile(`${name}.json`, json)], { input: script, via, onStart: (p) => (pid = p) });
    await expect.poll(() => existsSync(started), { timeout: 45_000, interval: 100 }).toBe(true);
    expect(processesMarked(dir).length).toBeGreaterThanOrEqual(3); // the CLI and its two servers
    return { pid, done };
  }

  it('SIGINT to the CLI mid-run: it ends its servers itself and exits 130', async () => {
    const { pid, done } = await midRun('sigint', 'node');
    const t0 = Date.now();
    process.kill(pid, 'SIGINT'); // the CLI alone: its servers get no signal and must be ended by it
    const out = await done;
    expect(out.code).toBe(130);
    expectCancelledOrNothing(out.stdout);
    expect(await survivorsAfter(dir)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('SIGINT while a server is still connecting: exits 130 at once, and the server ends through its exit hook', async () => {
    // A server that never answers and outlives its stdin closing: only the CLI's exit hook can end it.
    const mute = { command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'], env: { TEST_MARK: dir }, connectTimeoutMs: 60_000 };
    let pid = 0;
    const done = cli(['tools', '--manifest', manifestFile('connecting.json', { servers: { mute }, allow: ['mute:*'] })], { onStart: (p) => (pid = p) });
    await expect.poll(() => processesMarked(dir).length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(2); // the CLI and the server
    const t0 = Date.now();
    process.kill(pid, 'SIGINT');
    const out = await done;
    expect(out.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await survivorsAfter(dir)).toEqual([]);
  });

  it('Ctrl-C (SIGINT to the process group) of `npx tsx src/cli.ts run` mid-run leaves nothing behind', async () => {
    const { pid, done } = await midRun('ctrl-c', 'npx');
    process.kill(-pid, 'SIGINT');
    const out = await done;
    expectCancelledOrNothing(out.stdout);
    expect(out.code ?? out.signal).toMatch(/^(130|SIGINT)$/);
    expect(await survivorsAfter(dir)).toEqual([]);
  });
});
