// Helpers for end-to-end bridge tests: a manifest written as a JSON object goes through the real parseManifest
// and openLoaded, and servers are marked so that a test can find their processes in /proc afterwards.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JsonValue } from '../../src/enclave/index.js';
import { parseManifest, type Env } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest, type OpenOptions } from '../../src/mcp/open.js';

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

/** Everything a run can show to its caller, as one text, to search for a secret in. */
export const visible = (result: { value?: JsonValue; error?: unknown; logs: unknown[] }): string =>
  JSON.stringify([result.value ?? null, result.error ?? null, result.logs]);

export { killMarked, processesMarked, survivorsAfter } from '../processes.js';
