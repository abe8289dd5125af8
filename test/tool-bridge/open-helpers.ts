// Helpers for end-to-end bridge tests: a manifest written as a JSON object goes through the real parseManifest
// and openLoaded, and servers are marked so that a test can find their processes in /proc afterwards.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JsonValue } from '../../src/enclave/index.js';
import { parseManifest, type Env } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest, type OpenOptions } from '../../src/tool-bridge/open.js';

export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const FIXTURE_STDIO = fileURLToPath(new URL('../fixtures/stdio-server.ts', import.meta.url));
export const FIXTURE_HTTP = fileURLToPath(new URL('../fixtures/http-server.ts', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A manifest entry for the stdio fixture server; `mark` goes into its environment so /proc can find it. */
export function fixtureServer(mark: string, flags: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { env, ...rest } = extra as { env?: Record<string, string> };
  return { command: 'node', args: ['--import', TSX, FIXTURE_STDIO, ...flags], env: { TEST_MARK: mark, ...env }, ...rest };
}

/** parseManifest (relative paths against `baseDir`) + openLoaded: the path the CLI and the server take. */
export async function openJson(json: unknown, baseDir: string, options: OpenOptions & { env?: Env } = {}): Promise<OpenManifest> {
  const manifest = parseManifest(json, { baseDir, env: options.env ?? {} });
  return openLoaded(manifest, options);
}

/** Process ids (other than ours) whose command line or environment holds `mark`. */
export function processesMarked(mark: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(mark) || readFileSync(`/proc/${entry}/environ`, 'utf8').includes(mark)) {
        found.push(Number(entry));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no process carries `mark` (or the time is up) and returns the ones left. */
export async function survivorsAfter(mark: string, ms = 8000): Promise<number[]> {
  const end = Date.now() + ms;
  let left = processesMarked(mark);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesMarked(mark);
  }
  return left;
}

/** Kills what a failed test left behind, so one failure does not leak processes into the next file. */
export function killMarked(mark: string): void {
  for (const pid of processesMarked(mark)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Everything a run can show to its caller, as one text, to search for a secret in. */
export const visible = (result: { value?: JsonValue; error?: unknown; logs: unknown[] }): string =>
  JSON.stringify([result.value ?? null, result.error ?? null, result.logs]);
