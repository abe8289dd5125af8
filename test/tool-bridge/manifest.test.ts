// The manifest (DESIGN §6): shape, ${env:…} substitution, relative paths, secrets, errors, the published JSON Schema
// and the ready manifests in manifests/.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/index.js';
import { findJsonSyntaxProblem } from '../../src/tool-bridge/json-syntax.js';
import { type HttpServer, type StdioServer, loadManifest, parseManifest, secretValues } from '../../src/tool-bridge/manifest.js';
import { manifestJsonSchema } from '../../src/tool-bridge/manifest-schema.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MANIFESTS = join(ROOT, 'manifests');
const BASE = resolve('/srv/project/manifests');

const parse = (json: unknown, env: Record<string, string> = {}) => parseManifest(json, { baseDir: BASE, env });
const stdio = (server: object, env: Record<string, string> = {}) => parse({ servers: { s: server } }, env).servers.s as StdioServer;
const http = (server: object, env: Record<string, string> = {}) => parse({ servers: { r: server } }, env).servers.r as HttpServer;

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_ERROR');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
async function configErrorAsync(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('shape', () => {
  it('applies defaults: STRICT, no limits, no servers, nothing allowed or denied, Streamable HTTP; trust policy off', () => {
    expect(parse({})).toEqual({
      securityLevel: 'STRICT',
      limits: {},
      servers: {},
      allow: [],
      deny: [],
      flowTracking: 'values',
      flowMinLength: 8,
      pinNewTools: true,
    });
    expect(http({ url: 'http://127.0.0.1:1/mcp' }).transport).toBe('streamable-http');
  });

  it('accepts $schema and $comment at the top, $comment and description on a server', () => {
    const m = parse({ $schema: './x.json', $comment: 'top', servers: { s: { $comment: 'c', description: 'd', command: 'npx' } } });
    expect(m.servers.s).toMatchObject({ $comment: 'c', description: 'd' });
  });

  it('rejects an unknown key at the top, naming it and the keys expected', () => {
    const e = configError(() => parse({ server: {} }));
    expect(e.path).toBe('server');
    expect(e.message).toMatch(/^server: unknown key; expected one of \$schema, \$comment, securityLevel, limits, servers, allow, deny/);
  });

  it('rejects an unknown key on a server, against the kind of server it looks like', () => {
    expect(configError(() => stdio({ command: 'npx', arg: [] })).message).toMatch(/^servers\.s\.arg: unknown key; expected one of .*args/);
    expect(configError(() => http({ url: 'http://h/', header: {} })).message).toMatch(/^servers\.r\.header: unknown key; expected one of .*headers/);
  });

  it('names the JSON path and what was expected, and ends with what to do', () => {
    const e = configError(() => stdio({ command: 'node', args: ['a', 1] }));
    expect(e.path).toBe('servers.s.args[1]');
    expect(e.message).toBe('servers.s.args[1]: expected a string, got the number 1. Fix the manifest; manifests/manifest.schema.json describes every field.');
  });

  it('reports every problem, not only the first', () => {
    const e = configError(() => parse({ securityLevel: 'LAX', allow: [1] }));
    expect(e.message).toMatch(/^securityLevel: expected one of "STRICT", "SECURE", "STANDARD", "PERMISSIVE"; allow\[0\]: expected a string/);
  });

  it("checks limits with the enclave's own override schema", () => {
    expect(parse({ limits: { timeoutMs: 1000 } }).limits).toEqual({ timeoutMs: 1000 });
    expect(configError(() => parse({ limits: { memoryBytes: 1000 } })).path).toBe('limits.memoryBytes');
    expect(configError(() => parse({ limits: { timeout: 1 } })).message).toMatch(/^limits\.timeout: unknown key; expected one of timeoutMs/);
  });

  it('needs server names usable in server:tool', () => {
    expect(Object.keys(parse({ servers: { 'my-server_2': { command: 'npx' } } }).servers)).toEqual(['my-server_2']);
    for (const name of ['a:b', 'a.b', '']) {
      const json = JSON.parse(`{"servers": {${JSON.stringify(name)}: {"command": "npx"}}}`);
      expect(configError(() => parse(json)).message, name).toContain('is not a valid name: a server name is 1 to 64 letters');
    }
  });

  it('rejects a "__proto__" key anywhere, which zod would drop without a word', () => {
    const e = configError(() => parse(JSON.parse('{"servers": {"__proto__": {"command": "npx"}}}')));
    expect(e.message).toMatch(/^servers\.__proto__: "__proto__" is not allowed as a key/);
    const deep = configError(() => parse(JSON.parse('{"servers": {"s": {"command": "npx", "env": {"__proto__": "x"}}}}')));
    expect(deep.path).toBe('servers.s.env.__proto__');
  });

  it('tells a stdio server from an HTTP one and reports against the kind meant', () => {
    expect(configError(() => stdio({})).message).toMatch(/^servers\.s: expected a server: \{ "command": … \} for stdio or \{ "url": … \}/);
    expect(configError(() => stdio({ command: 'npx', url: 'http://h/' })).message).toMatch(/not both/);
    const e = configError(() => http({ url: 'http://h/', transport: 'websocket' }));
    expect(e.message).toMatch(/^servers\.r\.transport: expected one of "streamable-http", "sse"\. Fix/);
  });

  it('checks header names, timeouts, and empty strings', () => {
    expect(configError(() => http({ url: 'http://h/', headers: { 'Bad Header': 'x' } })).message).toContain('HTTP token');
    expect(configError(() => stdio({ command: 'npx', callTimeoutMs: 0 })).message).toMatch(/callTimeoutMs: must be greater than 0/);
    expect(configError(() => stdio({ command: 'npx', connectTimeoutMs: 1.5 })).message).toMatch(/expected an integer, got the number 1\.5/);
    expect(configError(() => stdio({ command: '' })).message).toMatch(/^servers\.s\.command: must not be empty/);
  });

  it('needs allow and deny patterns of the form server:tool, naming servers of the manifest', () => {
    const servers = { memory: { command: 'npx' } };
    expect(configError(() => parse({ servers, allow: ['memory'] })).path).toBe('allow[0]');
    const typo = configError(() => parse({ servers, allow: ['memory:*'], deny: ['memroy:delete_*'] }));
    expect(typo.message).toBe('deny[0]: "memroy:delete_*" names no server of this manifest (servers: memory). Fix the name before ":", or add the server.');
    expect(parse({ servers, allow: ['mem*:*', '*:read_*'] }).allow).toHaveLength(2);
  });

  it('describes wrong values by type and never quotes a string from the manifest', () => {
    const e = configError(() => parse({ securityLevel: 'hunter2-secret' }));
    expect(e.message).not.toContain('hunter2');
  });

  it('builds records without a prototype: a server named like an Object member is not found by accident', () => {
    const m = parse({ servers: { s: { command: 'npx', env: { A: 'x' } } } });
    const env = (m.servers.s as StdioServer).env!;
    expect(['toString' in m.servers, 'constructor' in env]).toEqual([false, false]);
  });

  it('survives nesting deeper than a recursive walk could (a ConfigError, not a stack overflow)', () => {
    const deep = JSON.parse(`{"$comment": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(configError(() => parse(deep)).path).toBe('$comment');
  });

  it('returns a frozen manifest', () => {
    const m = parse({ servers: { s: { command: 'npx', args: ['x'] } } });
    expect(Object.isFrozen(m) && Object.isFrozen(m.servers) && Object.isFrozen((m.servers.s as StdioServer).args)).toBe(true);
  });
});

describe('${env:…} substitution', () => {
  const env = { TOKEN: 's3cret-token', HOST: 'mcp.example.test', BIN: '/opt/bin/tool', DIR: '/data', EMPTY: '' };

  it('substitutes in command, args, env, cwd, url and headers', () => {
    const s = stdio({ command: '${env:BIN}', args: ['--key=${env:TOKEN}'], env: { K: '${env:TOKEN}' }, cwd: '${env:DIR}/w' }, env);
    expect(s).toMatchObject({ command: '/opt/bin/tool', args: ['--key=s3cret-token'], env: { K: 's3cret-token' }, cwd: resolve('/data/w') });
    const h = http({ url: 'https://${env:HOST}/mcp', headers: { Authorization: 'Bearer ${env:TOKEN}' } }, env);
    expect(h).toMatchObject({ url: 'https://mcp.example.test/mcp', headers: { Authorization: 'Bearer s3cret-token' } });
  });

  it('names a missing variable and where it is used', () => {
    const e = configError(() => http({ url: 'http://h/', headers: { Authorization: 'Bearer ${env:NOPE}' } }, env));
    expect(e.path).toBe('servers.r.headers.Authorization');
    expect(e.message).toMatch(/environment variable NOPE is not set\. .*\$\{env:NOPE:-value\}\.$/);
  });

  it('uses a default when the variable is unset or empty, and the variable when it is set', () => {
    const args = ['${env:NOPE:-a}', '${env:EMPTY:-b}', '${env:HOST:-c}', '${env:EMPTY}', '${env:NOPE:-}'];
    expect(stdio({ command: 'npx', args }, env).args).toEqual(['a', 'b', 'mcp.example.test', '', '']);
  });

  it('reads $${ as a literal ${ and leaves a lone $ alone', () => {
    expect(stdio({ command: 'npx', args: ['$${env:TOKEN}', 'a$b$', '$$'] }, env).args).toEqual(['${env:TOKEN}', 'a$b$', '$$']);
  });

  it('rejects any other ${…} rather than passing it on as text', () => {
    expect(configError(() => stdio({ command: 'npx', args: ['${HOME}'] }, env)).message).toMatch(/^servers\.s\.args\[0\]: "\$\{HOME\}" is not a substitution/);
    expect(configError(() => stdio({ command: 'npx', args: ['${ENV:HOME}'] }, env)).path).toBe('servers.s.args[0]');
    expect(configError(() => stdio({ command: 'npx', args: ['${env:HOME'] }, env)).message).toContain('never closed');
  });

  it('substitutes only in server fields: comments and patterns are taken as written', () => {
    const m = parse({ $comment: 'set ${env:TOKEN_X}', servers: { s: { $comment: '${env:Y}', command: 'npx' } } }, env);
    expect(m.$comment).toBe('set ${env:TOKEN_X}');
  });

  it('keeps the substituted values as secrets, longest first, without defaults', () => {
    const headers = { A: '${env:TOKEN}', B: '${env:NOPE:-plain}', C: '${env:TOKEN}', D: '${env:HOST}', E: '${env:EMPTY}' };
    const m = parse({ servers: { r: { url: 'https://h${env:DIR}', headers } } }, env);
    expect(secretValues(m)).toEqual(['mcp.example.test', 's3cret-token', '/data']);
  });

  it('knows secrets only of the object it returned, and says so for a copy', () => {
    const m = parse({});
    expect(secretValues(m)).toEqual([]);
    expect(() => secretValues({ ...m })).toThrow(/did not come from parseManifest/);
  });

  it('checks the URL after substitution without quoting it', () => {
    const e = configError(() => http({ url: '${env:TOKEN}' }, env));
    expect(e.path).toBe('servers.r.url');
    expect(e.message).not.toContain('s3cret');
    expect(configError(() => http({ url: 'file:///etc/passwd' })).message).toContain('http:// or https://');
  });

  it('refuses a substituted header value with a line break (header injection)', () => {
    expect(configError(() => http({ url: 'http://h/', headers: { A: '${env:V}' } }, { V: 'x\r\nX-Admin: 1' })).path).toBe('servers.r.headers.A');
  });

  it('refuses a command that substitution left empty', () => {
    expect(configError(() => stdio({ command: '${env:EMPTY}' }, env)).path).toBe('servers.s.command');
  });
});

describe('relative paths', () => {
  it('resolves cwd, and ./ or ../ in command, args and env values, against the manifest folder', () => {
    const s = stdio({ command: './bin/server', args: ['../data', 'sub/x'], env: { F: '../w/m.jsonl', G: 'word' }, cwd: 'work' });
    expect(s).toMatchObject({
      command: join(BASE, 'bin/server'),
      args: [resolve(BASE, '../data'), 'sub/x'],
      env: { F: resolve(BASE, '../w/m.jsonl'), G: 'word' },
      cwd: join(BASE, 'work'),
    });
  });

  it('leaves bare words, flags and absolute paths alone', () => {
    expect(stdio({ command: 'npx', args: ['-y', '--root=./x', 'stdio', '/abs/p'] })).toMatchObject({
      command: 'npx',
      args: ['-y', '--root=./x', 'stdio', '/abs/p'],
    });
  });

  it('runs "node" as the Node running us', () => {
    expect(stdio({ command: 'node' }).command).toBe(process.execPath);
  });
});

describe('loadManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("resolves relative paths against the file's folder and accepts a byte-order mark", async () => {
    const file = write('m.json', '\uFEFF{"servers": {"s": {"command": "./run", "cwd": "."}}}');
    const s = (await loadManifest(file, {})).servers.s as StdioServer;
    expect(s).toMatchObject({ command: join(dir, 'run'), cwd: dir });
  });

  it('says a missing file is missing, and a folder is not a file', async () => {
    expect((await configErrorAsync(loadManifest(join(dir, 'nope.json'), {}))).message).toMatch(/^manifest file not found: .*nope\.json\. /);
    mkdirSync(join(dir, 'folder.json'));
    expect((await configErrorAsync(loadManifest(join(dir, 'folder.json'), {}))).message).toContain('is a folder');
  });

  it('gives the line and column of a JSON syntax error, even where JSON.parse names no position', async () => {
    const file = write('bad.json', '{\n  "servers": {\n    "s": { "command": }\n  }\n}');
    const e = await configErrorAsync(loadManifest(file, {}));
    expect(e.message).toMatch(/bad\.json is not valid JSON: line 3, column 23: expected a value .*, found "}"\. Fix/);
  });

  it('names the file in schema errors', async () => {
    const file = write('shape.json', '{"allow": "memory:*"}');
    expect((await configErrorAsync(loadManifest(file, {}))).message).toMatch(/^allow: expected an array, got a string\. Fix .*shape\.json;/);
  });
});

describe('findJsonSyntaxProblem', () => {
  it.each([
    ['{"a": 1,}', 1, 9, 'a property name in double quotes'],
    ['[1, 2,]', 1, 7, 'a value'],
    ['{"a": 1 "b": 2}', 1, 9, '"," or "}"'],
    ['{"a" 1}', 1, 6, '":" after the property name'],
    ['{\n"a": "x\n"}', 2, 8, 'no raw control character'],
    ['{"a": "\\q"}', 1, 8, 'an escape'],
    ['{"a": tru}', 1, 7, 'a value'],
    ['{} x', 1, 4, 'the end of the file'],
    ['', 1, 1, 'a value'],
    ['{"a": "x', 1, 9, 'a closing double quote'],
  ])('%j: line %i, column %i', (text, line, column, expected) => {
    expect(() => JSON.parse(text)).toThrow();
    const p = findJsonSyntaxProblem(text);
    expect(p).toMatchObject({ line, column });
    expect(p!.expected).toContain(expected);
  });

  it('finds nothing wrong in what JSON.parse accepts', () => {
    for (const text of ['{}', ' [ ] ', '{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"],"b":{"c":{}}}', '"x"', '0', '\n{"a" : 1}\n']) {
      expect(JSON.parse(text) !== Symbol()).toBe(true);
      expect(findJsonSyntaxProblem(text), text).toBeUndefined();
    }
  });

  it('reports deep nesting instead of overflowing the stack', () => {
    expect(findJsonSyntaxProblem('['.repeat(100_000))!.expected).toContain('levels of nesting');
  });
});

describe('manifests/', () => {
  const files = readdirSync(MANIFESTS).filter((f) => f.endsWith('.json') && f !== 'manifest.schema.json');
  const dummies = {
    REMOTE_MCP_TOKEN: 'dummy-remote-token',
    GITHUB_TOKEN: 'dummy-github-token',
    CI_BOT_TOKEN: 'dummy-ci-bot-token',
    ANALYST_TOKEN: 'dummy-analyst-token',
    OAUTH_ISSUER: 'https://auth.example.test',
  };

  it('holds the four ready manifests', () => {
    expect(files.sort()).toEqual(['default.json', 'github.example.json', 'remote-http.example.json', 'team.example.json']);
  });

  it.each(files)('%s parses and points at the published schema', async (file) => {
    const text = JSON.parse(readFileSync(join(MANIFESTS, file), 'utf8')) as { $schema?: string; $comment?: string };
    expect(text.$schema).toBe('./manifest.schema.json');
    expect(text.$comment).toBeTruthy();
    const m = await loadManifest(join(MANIFESTS, file), dummies);
    expect(m.allow.length).toBeGreaterThan(0);
  });

  it('default.json works offline: node, installed servers, workspace folders that exist, delete denied', async () => {
    const m = await loadManifest(join(MANIFESTS, 'default.json'), {});
    expect(secretValues(m)).toEqual([]);
    const memory = m.servers.memory as StdioServer;
    const filesystem = m.servers.filesystem as StdioServer;
    expect([memory.command, filesystem.command]).toEqual([process.execPath, process.execPath]);
    for (const arg of [memory.args![0]!, filesystem.args![0]!]) expect(statSync(arg).isFile(), arg).toBe(true);
    const root = filesystem.args![1]!;
    expect(statSync(root).isDirectory()).toBe(true);
    expect(root.startsWith(join(ROOT, 'workspace'))).toBe(true);
    const memoryFile = memory.env!.MEMORY_FILE_PATH!;
    expect(statSync(dirname(memoryFile)).isDirectory()).toBe(true);
    expect(memoryFile.startsWith(root)).toBe(false); // filesystem tools cannot rewrite the graph
    expect(m.deny).toContain('memory:delete_*');
  });

  it('the example manifests take their secrets from the environment', async () => {
    const github = await loadManifest(join(MANIFESTS, 'github.example.json'), dummies);
    expect(secretValues(github)).toEqual(['dummy-github-token']);
    const remote = await loadManifest(join(MANIFESTS, 'remote-http.example.json'), dummies);
    expect(secretValues(remote)).toEqual(['dummy-remote-token']);
    expect((await configErrorAsync(loadManifest(join(MANIFESTS, 'github.example.json'), {}))).message).toContain('GITHUB_TOKEN is not set');
    const team = await loadManifest(join(MANIFESTS, 'team.example.json'), dummies);
    expect(secretValues(team)).toEqual(expect.arrayContaining(['dummy-ci-bot-token', 'dummy-analyst-token']));
    expect(team.quotaStore?.redis).toBe('redis://127.0.0.1:6379');
    expect(Object.keys(team.principals ?? {})).toEqual(['ci-bot', 'analysts', 'engineers']);
  });

  it('the JSON Schema is strict like the validator, and its name patterns refuse "__proto__"', () => {
    type Node = { additionalProperties?: unknown; properties: Record<string, Node & { propertyNames: { pattern: string } }> };
    const schema = JSON.parse(manifestJsonSchema()) as Node;
    expect(schema.additionalProperties).toBe(false);
    const names = new RegExp(schema.properties.servers!.propertyNames.pattern);
    expect([names.test('memory'), names.test('__proto__'), names.test('a:b')]).toEqual([true, false, false]);
  });

  it('manifest.schema.json is what scripts/gen-manifest-schema.ts writes (run it after changing the schema)', () => {
    expect(existsSync(join(MANIFESTS, 'manifest.schema.json'))).toBe(true);
    expect(readFileSync(join(MANIFESTS, 'manifest.schema.json'), 'utf8')).toBe(manifestJsonSchema());
  });
});

describe('a manifest inside an installed package', () => {
  it('finds ../node_modules/… paths where npm put the dependencies: beside the package, not inside it', () => {
    const root = mkdtempSync(join(tmpdir(), 'installed-'));
    const server = join(root, 'node_modules', '@acme', 'server', 'dist', 'index.js');
    mkdirSync(dirname(server), { recursive: true });
    writeFileSync(server, '');
    const manifestDir = join(root, 'node_modules', 'enclave-mcp', 'manifests');
    mkdirSync(manifestDir, { recursive: true });
    const manifest = parseManifest(
      { servers: { s: { command: 'node', args: ['../node_modules/@acme/server/dist/index.js', '../node_modules/@acme/missing.js'] } }, allow: ['s:*'] },
      { baseDir: manifestDir, env: {} },
    );
    const args = (manifest.servers.s as { args: string[] }).args;
    expect(args[0]).toBe(server);
    expect(args[1]).toBe(join(root, 'node_modules', 'enclave-mcp', 'node_modules', '@acme', 'missing.js')); // not found: as written
  });
});
