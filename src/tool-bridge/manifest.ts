// Loads a manifest (DESIGN §6): JSON text → shape check → ${env:…} substitution → paths resolved → a frozen Manifest,
// with the substituted environment values kept aside as secrets to redact.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SECURITY_LEVELS } from '../enclave/index.js';
import { splitName } from './allowlist.js';
import { describeIssues, formatPath } from './config-issues.js';
import { type Env, interpolate } from './env-interpolation.js';
import { ConfigError } from '../shared/index.js';
import { findJsonSyntaxProblem } from './json-syntax.js';
import { type Manifest, ManifestSchema, type ServerConfig } from './manifest-schema.js';
import { prepareServer, record } from './server-config.js';

export type { Env } from './env-interpolation.js';
export type { HttpServer, Manifest, ServerConfig, StdioServer } from './manifest-schema.js';
export { isHttpServer, ManifestSchema } from './manifest-schema.js';

export interface ParseOptions {
  /** The folder relative paths are resolved against: the manifest's own. */
  baseDir: string;
  env: Env;
  /** How messages name the manifest, e.g. its file name. */
  source?: string;
}

const SCHEMA_HINT = 'manifests/manifest.schema.json describes every field';
const secrets = new WeakMap<Manifest, readonly string[]>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function shapeError(json: unknown, issues: Parameters<typeof describeIssues>[0], source: string): ConfigError {
  const [first, ...rest] = describeIssues(issues, json);
  if (!first) return new ConfigError(`${source} is not a valid manifest. Check it against ${SCHEMA_HINT}.`);
  const others = rest
    .slice(0, 4)
    .map((p) => `; ${p.path || 'top level'}: ${p.text}`)
    .join('');
  const more = rest.length > 4 ? `; and ${rest.length - 4} more` : '';
  const text = `${first.text}${others}${more}. Fix ${source}; ${SCHEMA_HINT}.`;
  return new ConfigError(first.path ? text : `top level: ${text}`, first.path || undefined);
}

/** Every tool pattern of the manifest with its JSON path (not pins: stale ones are rewritten by `tools --pin`, which must load). */
function patternsOf(manifest: Manifest): Array<[pattern: string, path: string]> {
  const found: Array<[string, string]> = [];
  const list = (field: string, patterns: readonly string[] | undefined): void =>
    patterns?.forEach((p, i) => {
      found.push([p, `${field}[${i}]`]);
    });
  list('allow', manifest.allow);
  list('deny', manifest.deny);
  list('approve', manifest.approve);
  list('noApproval', manifest.noApproval);
  for (const field of ['labels', 'toolLimits'] as const) for (const key of Object.keys(manifest[field] ?? {})) found.push([key, formatPath([field, key])]);
  manifest.flows?.forEach((flow, i) => {
    found.push([flow.from, `flows[${i}].from`], [flow.to, `flows[${i}].to`]);
  });
  for (const [name, principal] of Object.entries(manifest.principals ?? {})) {
    list(formatPath(['principals', name, 'allow']), principal.allow);
    list(formatPath(['principals', name, 'deny']), principal.deny);
  }
  return found;
}

/** Every pattern whose server half is a plain name must name a server: a misspelt deny would otherwise deny nothing. */
function checkPatterns(manifest: Manifest): void {
  const names = Object.keys(manifest.servers);
  for (const [pattern, path] of patternsOf(manifest)) {
    const server = splitName(pattern)?.server ?? '';
    if (/[*?]/.test(server) || names.includes(server)) continue;
    throw new ConfigError(
      `"${pattern}" names no server of this manifest (servers: ${names.join(', ') || 'none'}). Fix the name before ":", or add the server.`,
      path,
    );
  }
  const principals = Object.keys(manifest.principals ?? {});
  manifest.unattended?.forEach((name, i) => {
    if (name === '*' || principals.includes(name)) return;
    throw new ConfigError(
      `"${name}" names no principal of this manifest (principals: ${principals.join(', ') || 'none'}). Name a principal, or use "*" to let every caller skip approval.`,
      `unattended[${i}]`,
    );
  });
  checkPrincipals(manifest);
}

/** A principal narrows the manifest (DESIGN §6): its token must exist, its level be as strict, its limits no higher. */
function checkPrincipals(manifest: Manifest): void {
  const tokens = Object.keys(manifest.auth?.tokens ?? {});
  const base = SECURITY_LEVELS.indexOf(manifest.securityLevel);
  for (const [name, principal] of Object.entries(manifest.principals ?? {})) {
    const token = principal.match.token;
    if (token !== undefined && !tokens.includes(token)) {
      throw new ConfigError(
        `principal "${name}" matches token "${token}", which auth.tokens does not name (tokens: ${tokens.join(', ') || 'none'}). Add it to auth.tokens or fix the name.`,
        formatPath(['principals', name, 'match', 'token']),
      );
    }
    const claims = ['sub', 'client_id', 'scope', 'group'] as const;
    if (token !== undefined && claims.some((claim) => principal.match[claim] !== undefined)) {
      throw new ConfigError(
        `principal "${name}" matches a token and OAuth claims at once: a caller has one or the other, so it would never match. Make two principals.`,
        formatPath(['principals', name, 'match']),
      );
    }
    if (claims.some((claim) => principal.match[claim] !== undefined) && !manifest.auth?.oauth) {
      throw new ConfigError(
        `principal "${name}" matches OAuth claims, but the manifest has no auth.oauth: no token would ever carry them. Configure auth.oauth or match a token.`,
        formatPath(['principals', name, 'match']),
      );
    }
    // SECURITY_LEVELS runs from the strictest to the most permissive.
    if (principal.securityLevel !== undefined && SECURITY_LEVELS.indexOf(principal.securityLevel) > base) {
      throw new ConfigError(
        `principal "${name}" asks for ${principal.securityLevel}, looser than the manifest's ${manifest.securityLevel}. A principal may only narrow: use ${manifest.securityLevel} or a stricter level.`,
        formatPath(['principals', name, 'securityLevel']),
      );
    }
  }
}

/**
 * zod skips a record's "__proto__" key without a word (so a server of that name would silently vanish): find one
 * anywhere first. Iterative, and the path is only built on a find, since JSON.parse accepts nesting far deeper than
 * a recursive walk's stack (or a copied path per level) could take.
 */
interface Place {
  node: unknown;
  key?: PropertyKey;
  parent?: Place;
}
function rejectProtoKeys(json: unknown, source: string): void {
  const stack: Place[] = [{ node: json }];
  for (let place = stack.pop(); place; place = stack.pop()) {
    const { node } = place;
    if (typeof node !== 'object' || node === null) continue;
    if (Object.hasOwn(node, '__proto__')) {
      const path: PropertyKey[] = ['__proto__'];
      for (let p: Place | undefined = place; p?.key !== undefined; p = p.parent) path.unshift(p.key);
      throw new ConfigError(`"__proto__" is not allowed as a key. Rename it in ${source}.`, formatPath(path));
    }
    for (const [key, child] of Object.entries(node)) {
      stack.push({ node: child, key: Array.isArray(node) ? Number(key) : key, parent: place });
    }
  }
}

/** Validates, substitutes and resolves; pure but for reading `options.env`. Throws ConfigError. */
export function parseManifest(json: unknown, options: ParseOptions): Manifest {
  const { baseDir, env, source = 'the manifest' } = options;
  rejectProtoKeys(json, source);
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw shapeError(json, parsed.error.issues, source);
  checkPatterns(parsed.data);

  const found = new Set<string>();
  const servers = Object.entries(parsed.data.servers).map(([name, server]): [string, ServerConfig] => {
    const sub = (text: string, ...at: (string | number)[]): string => {
      const path = formatPath(['servers', name, ...at]);
      const { value, fromEnv } = interpolate(text, path, env);
      fromEnv.forEach((s) => found.add(s));
      return value;
    };
    return [name, prepareServer(server, { name, baseDir, sub })];
  });

  const sub = (text: string, ...at: (string | number)[]): string => {
    const { value, fromEnv } = interpolate(text, formatPath(at), env);
    fromEnv.forEach((s) => found.add(s));
    return value;
  };
  const manifest = deepFreeze({ ...parsed.data, servers: record(servers), ...operationsOf(parsed.data, sub) });
  for (const token of Object.values(manifest.auth?.tokens ?? {})) found.add(token);
  // Secret however they are written, like the tokens: the introspection client's secret and a Redis password.
  const clientSecret = manifest.auth?.oauth?.introspection?.clientSecret;
  if (clientSecret) found.add(clientSecret);
  const redisPassword = manifest.quotaStore ? passwordOf(manifest.quotaStore.redis) : undefined;
  if (redisPassword) found.add(redisPassword);
  secrets.set(manifest, Object.freeze([...found].sort((a, b) => b.length - a.length)));
  return manifest;
}

/** The keys of auth whose values are URLs. */
const URL_KEYS = new Set(['issuer', 'audience', 'jwksUri', 'url']);

/**
 * auth and quotaStore with ${env:…} substituted: their values (tokens, a client secret, a Redis password) are secrets.
 * Every token of auth.tokens is one, even when written literally, so none is ever echoed.
 */
function operationsOf(manifest: Manifest, substitute: (text: string, ...at: (string | number)[]) => string): Pick<Manifest, 'auth' | 'quotaStore'> {
  // URLs are checked once substituted: the schema let "${env:ISSUER}" through.
  const sub = (text: string, ...at: (string | number)[]): string => {
    const value = substitute(text, ...at);
    const redis = at[0] === 'quotaStore';
    if (!redis && !URL_KEYS.has(String(at.at(-1)))) return value;
    if (!(redis ? /^rediss?:\/\/\S+$/ : /^https?:\/\/\S+$/).test(value)) {
      const kind = redis ? 'a redis:// or rediss:// URL' : 'an http:// or https:// URL';
      throw new ConfigError(`must be ${kind} once \${env:…} is substituted. Fix the value or the environment variable.`, formatPath(at));
    }
    return value;
  };
  const out: Pick<Manifest, 'auth' | 'quotaStore'> = {};
  if (manifest.auth) {
    const { tokens, oauth, ...rest } = manifest.auth;
    out.auth = { ...rest };
    if (tokens) out.auth.tokens = record(Object.entries(tokens).map(([name, token]) => [name, sub(token, 'auth', 'tokens', name)]));
    if (oauth) {
      const at = (text: string, key: string): string => sub(text, 'auth', 'oauth', key);
      out.auth.oauth = {
        ...oauth,
        issuer: at(oauth.issuer, 'issuer'),
        ...(oauth.audience !== undefined ? { audience: at(oauth.audience, 'audience') } : {}),
        ...(oauth.jwksUri !== undefined ? { jwksUri: at(oauth.jwksUri, 'jwksUri') } : {}),
        ...(oauth.introspection
          ? {
              introspection: {
                url: sub(oauth.introspection.url, 'auth', 'oauth', 'introspection', 'url'),
                clientId: sub(oauth.introspection.clientId, 'auth', 'oauth', 'introspection', 'clientId'),
                clientSecret: sub(oauth.introspection.clientSecret, 'auth', 'oauth', 'introspection', 'clientSecret'),
              },
            }
          : {}),
      };
    }
  }
  if (manifest.quotaStore) out.quotaStore = { redis: sub(manifest.quotaStore.redis, 'quotaStore', 'redis') };
  return out;
}

/** Reads, parses and validates a manifest file; relative paths in it are relative to its folder. Throws ConfigError. */
export async function loadManifest(file: string, env: Env = process.env): Promise<Manifest> {
  const full = resolve(file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`manifest file not found: ${file}. Check the path; manifests/default.json is a working example.`);
    if (code === 'EISDIR') throw new ConfigError(`${file} is a folder, not a manifest. Name the .json file itself.`);
    throw new ConfigError(`cannot read the manifest ${file} (${code ?? 'unknown error'}). Check that it is a readable file.`);
  }
  return parseManifest(parseJson(text.replace(/^\uFEFF/, ''), file), { baseDir: dirname(full), env, source: file });
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const p = findJsonSyntaxProblem(text);
    const where = p ? `line ${p.line}, column ${p.column}: expected ${p.expected}, found ${p.found}` : (error as Error).message;
    throw new ConfigError(`${file} is not valid JSON: ${where}. Fix the syntax there (often a trailing or missing comma, or a missing quote).`);
  }
}

/**
 * The environment values substituted into this manifest, longest first: register them all as secrets, so that none
 * reaches a script, a result or a log. Only the manifest object returned by parseManifest/loadManifest is known here.
 */
export function secretValues(manifest: Manifest): readonly string[] {
  const values = secrets.get(manifest);
  if (!values) {
    throw new TypeError(
      'secretValues: this manifest did not come from parseManifest or loadManifest (a copy loses its secrets). Pass the object they returned.',
    );
  }
  return values;
}

/** The password of a redis:// URL, decoded, if it has one. */
function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
