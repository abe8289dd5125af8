// The official conformance harness against `serve --transport http`, through scripts/conformance.mjs: every
// scenario outside baseline.yml must pass, and the gate itself must catch a new failure and a stale entry.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE22_MISSING } from '../real-clients.js';
import { tempDir } from '../../tool-bridge/helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/conformance.mjs');
const dir = tempDir('enclave-mcp-conformance-test');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  passed: string[];
  expectedFailures: string[];
  unexpectedFailures: string[];
  stale: string[];
  scenarios: { name: string; failures: string[] }[];
}

/** Runs the script into its own folder; resolves with its exit code and the summary it wrote. */
function conformance(name: string, args: string[] = []): Promise<{ code: number; summary: Summary; output: string }> {
  const out = join(dir, name);
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, '--out', out, ...args], { cwd: ROOT, timeout: 150_000 }, (error, stdout, stderr) => {
      const code = error ? Number(error.code ?? 1) : 0;
      let summary = {} as Summary;
      try {
        summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      } catch {
        // no summary: the output says why
      }
      resolve({ code, summary, output: `${stdout}\n${stderr}` });
    });
  });
}

if (NODE22_MISSING) console.warn(`skipping the conformance tests: ${NODE22_MISSING}`);
describe.skipIf(NODE22_MISSING)('MCP conformance harness', () => {
  it('passes every scenario outside the baseline (suite "all")', async () => {
    const { code, summary, output } = await conformance('all');
    expect(summary.unexpectedFailures, output).toEqual([]);
    expect(summary.stale, output).toEqual([]);
    expect(code, output).toBe(0);
    // The scenarios that exercise what we serve: the lifecycle, logging/setLevel, ping, tools/list, several
    // POST streams at once, Host/Origin checks against DNS rebinding.
    expect(summary.passed).toEqual(
      expect.arrayContaining(['server-initialize', 'logging-set-level', 'ping', 'tools-list', 'server-sse-multiple-streams', 'dns-rebinding-protection']),
    );
  }, 180_000);

  it('fails on a failure the baseline does not list', async () => {
    const baseline = join(dir, 'empty.yml');
    writeFileSync(baseline, 'server: []\n');
    const { code, summary } = await conformance('unexpected', ['--scenario', 'prompts-list', '--baseline', baseline]);
    expect(summary.unexpectedFailures).toEqual(['prompts-list']);
    expect(code).toBe(1);
  }, 180_000);

  it('fails on a baseline entry that passes (stale)', async () => {
    const baseline = join(dir, 'stale.yml');
    writeFileSync(baseline, 'server:\n  - ping\n');
    const { code, summary } = await conformance('stale', ['--scenario', 'ping', '--baseline', baseline]);
    expect(summary.stale).toEqual(['ping']);
    expect(code).toBe(1);
  }, 180_000);
});
