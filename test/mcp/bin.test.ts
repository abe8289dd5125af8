// The installed `enclave-mcp` bin runs the build in dist/ on plain Node, without tsx: the built CLI is copied into a
// package laid out as npm installs it (node_modules/enclave-mcp beside its hoisted dependencies, tsx left out), then
// served to the real SDK Client over stdio and run through its .bin link. The tarball's file list is checked too.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_SERVER, tempDir } from '../tool-bridge/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** dist/ is built when it is missing or older than any source file: a full tsc build takes ~10 s here. */
function ensureBuilt(): void {
  const built = (() => {
    try {
      return statSync(join(DIST, 'cli.js')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (filesUnder(join(ROOT, 'src')).every((f) => statSync(f).mtimeMs <= built)) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

// The installed layout: <app>/node_modules/enclave-mcp/{package.json,dist,manifests} beside links to every package
// of the repository's node_modules except tsx, so that nothing the bin loads can reach it.
const app = tempDir('enclave-mcp-bin');
const installed = join(app, 'node_modules', PKG.name);
const BIN = join(installed, PKG.bin['enclave-mcp']!);
const LINK = join(app, 'node_modules', '.bin', 'enclave-mcp');
const MANIFEST = join(app, 'manifest.json');

beforeAll(() => {
  ensureBuilt();
  mkdirSync(join(app, 'node_modules', '.bin'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === 'tsx' || entry.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(app, 'node_modules', entry));
  }
  for (const part of ['package.json', 'dist', 'manifests']) cpSync(join(ROOT, part), join(installed, part), { recursive: true });
  // The bundled manifest's data folders, as they ship: empty.
  mkdirSync(join(installed, 'workspace', 'files'), { recursive: true });
  chmodSync(BIN, 0o755); // as npm does for a bin on install
  symlinkSync(relative(dirname(LINK), BIN), LINK);
  writeFileSync(
    MANIFEST,
    JSON.stringify({
      servers: { everything: { command: 'node', args: [EVERYTHING_SERVER, 'stdio'] } },
      allow: ['everything:get-sum', 'everything:echo'],
    }),
  );
}, 120_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the built bin, installed', () => {
  it('tools with the bundled manifest reaches its servers where npm put them (beside the package)', () => {
    const r = spawnSync(process.execPath, [BIN, 'tools'], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("callTool('memory:create_entities'");
    expect(r.stdout).toContain("callTool('filesystem:read_text_file'");
  }, 90_000);

  it('cannot reach tsx from where it is installed (the premise of the checks below)', () => {
    expect(() => createRequire(BIN).resolve('tsx')).toThrow(/Cannot find module/);
  });

  it('imports no tsx, and no package that is not a runtime dependency', () => {
    const imported = new Set<string>();
    // dist/web holds the playground's browser bundles: self-contained, never loaded by Node.
    for (const file of filesUnder(DIST).filter((f) => f.endsWith('.js') && !f.startsWith(join(DIST, 'web')))) {
      const text = readFileSync(file, 'utf8');
      // tsc leaves static imports at the start of a line; dynamic ones and require() may be anywhere.
      for (const match of text.matchAll(
        /^(?:import|export)\s[\w\s{},*$]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm,
      )) {
        const spec = match.slice(1).find((s) => s !== undefined)!;
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        // The React hook (enclave-mcp/react) imports its optional peer: the app that uses the hook installs React.
        if (file.startsWith(join(DIST, 'react')) && name in (PKG.peerDependencies ?? {})) continue;
        imported.add(name);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['@modelcontextprotocol/sdk', 'acorn', 'quickjs-emscripten-core'])); // the scan sees imports
    expect([...imported].filter((name) => !(name in PKG.dependencies))).toEqual([]);
  });

  it('serves over stdio to the SDK Client, on plain node without NODE_OPTIONS, and runs a script that calls a downstream tool', async () => {
    const env = getDefaultEnvironment();
    delete env.NODE_OPTIONS;
    // The command line a desktop client is given for an installed package: node and the bin, nothing else.
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'serve', '--manifest', MANIFEST], cwd: app, env, stderr: 'pipe' });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'bin-test', version: '0.0.0' });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['execute_agentscript', 'search_tools']);
      expect(tools.find((t) => t.name === 'execute_agentscript')!.description).toContain("callTool('everything:get-sum'");
      const code =
        "const sum = await callTool('everything:get-sum', { a: 2, b: 3 });\nconst echoed = await callTool('everything:echo', { message: 'hi' });\nreturn { sum, echoed };";
      const result = (await client.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000 })) as CallToolResult;
      expect(result.isError, stderr).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ success: true, stats: { toolCalls: 2 } });
      expect(JSON.stringify(result.structuredContent)).toMatch(/sum of 2 and 3 is 5[\s\S]*hi/);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('runs as the .bin link npm creates: the shebang survives the build', () => {
    const env: Record<string, string> = { ...getDefaultEnvironment(), PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    delete env.NODE_OPTIONS;
    const r = spawnSync(LINK, ['run', '-'], { cwd: app, env, input: 'return [1, 2, 3].map(x => x * 2);', encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ success: true, value: [2, 4, 6] });
  });
});

describe('the package', () => {
  it('packs the built CLI, its worker and the manifests, and no sources or tests', () => {
    // --ignore-scripts: packing a folder otherwise runs prepare (a build and an npm ci).
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const [{ files }] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        PKG.bin['enclave-mcp'],
        'dist/cli.js',
        'dist/enclave/runtime/worker.js',
        'manifests/default.json',
        'manifests/manifest.schema.json',
        'README.md',
      ]),
    );
    expect(paths.filter((p) => /^(src|test|bench|scripts)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')))).toEqual([]);
    // The bundled manifest's folders ship empty (their .gitignore keeps local data out), so it works installed.
    expect(paths.filter((p) => p.startsWith('workspace/')).sort()).toEqual(['workspace/.gitignore', 'workspace/.gitkeep', 'workspace/files/.gitkeep']);
  });
});
