// One manifest server entry made ready to start: ${env:…} substituted, relative paths resolved against the
// manifest's folder, the URL and header values checked once substituted.
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { formatPath } from './config-issues.js';
import { ConfigError } from '../shared/index.js';
import { type HttpServer, type ServerConfig, type StdioServer, isHttpServer } from './manifest-schema.js';

/** Substitutes ${env:…} in one string of the server, found at `at` below it (for messages). */
export type Sub = (text: string, ...at: (string | number)[]) => string;

export interface PrepareContext {
  name: string;
  baseDir: string;
  sub: Sub;
}

/**
 * Relative paths, resolved against the manifest's folder (never the process's working folder, which depends on
 * where enclave-mcp was started from):
 * - `cwd`, whenever it is relative;
 * - `command`, each `args` entry and each `env` value, only when it starts with ./ or ../ (.\ or ..\ too). Bare words
 *   (`npx`, `--flag`, `stdio`) are left alone: they are looked up on PATH or are not paths at all. So is `--root=./x`.
 * This applies after ${env:…} substitution: a variable whose value is ./x points into the manifest's folder too.
 * `command: "node"` becomes process.execPath: the server then runs on the very Node that runs enclave-mcp, whatever
 * PATH holds (an MCP client started from a desktop often has no nvm/Homebrew node on PATH, or a different version).
 */
const RELATIVE = /^\.\.?[\\/]/;
function relative(value: string, baseDir: string): string {
  if (!RELATIVE.test(value)) return value;
  const path = resolve(baseDir, value);
  return existsSync(path) ? path : (inNodeModules(path) ?? path);
}

/**
 * A path into a node_modules folder that is not there is looked for the way Node looks for packages: in the
 * node_modules of each folder above. A manifest inside an installed package (enclave-mcp's own manifests/) names
 * its servers as ../node_modules/…, and npm puts those dependencies beside the package, not inside it.
 */
function inNodeModules(path: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = path.lastIndexOf(marker);
  if (at < 0) return undefined;
  const inside = path.slice(at + marker.length);
  for (let dir = dirname(path.slice(0, at)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', inside);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Null-prototype records: a server, variable or header named like an Object.prototype member finds nothing else. */
export function record<T>(entries: [string, T][]): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));
}

function prepareStdio(server: StdioServer, { name, baseDir, sub }: PrepareContext): StdioServer {
  const command = sub(server.command, 'command');
  if (!command) throw new ConfigError('is empty after ${env:…} substitution. Set the variable it uses.', formatPath(['servers', name, 'command']));
  return {
    ...server,
    command: command === 'node' ? process.execPath : relative(command, baseDir),
    ...(server.args && { args: server.args.map((arg, i) => relative(sub(arg, 'args', i), baseDir)) }),
    ...(server.env && { env: record(Object.entries(server.env).map(([k, v]) => [k, relative(sub(v, 'env', k), baseDir)])) }),
    ...(server.cwd !== undefined && { cwd: resolve(baseDir, sub(server.cwd, 'cwd')) }),
  };
}

function prepareHttp(server: HttpServer, { name, sub }: PrepareContext): HttpServer {
  const url = sub(server.url, 'url');
  // The URL may hold a substituted secret, so the message describes it without quoting it.
  if (!isHttpUrl(url)) {
    throw new ConfigError(
      'expected an http:// or https:// URL (after ${env:…} substitution). Fix the URL or the variable it uses.',
      formatPath(['servers', name, 'url']),
    );
  }
  const headers =
    server.headers &&
    Object.entries(server.headers).map(([k, v]): [string, string] => {
      const value = sub(v, 'headers', k);
      // A line break would let a substituted value inject a header of its own.
      if (/[\r\n\0]/.test(value))
        throw new ConfigError('a header value must be one line. Fix the value or the variable it uses.', formatPath(['servers', name, 'headers', k]));
      return [k, value];
    });
  return { ...server, url, ...(headers && { headers: record(headers) }) };
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export function prepareServer(server: ServerConfig, context: PrepareContext): ServerConfig {
  return isHttpServer(server) ? prepareHttp(server, context) : prepareStdio(server, context);
}
