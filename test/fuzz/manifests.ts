// Generated manifests: JSON objects that mix valid and invalid keys and values (levels, limits, servers of both kinds,
// globs, ${env:…} strings, __proto__ keys, deep nesting), fed to parseManifest. The secret enters only through
// `${env:…}`; a literal canary (never in a glob or a `${…}`) stands in string values that messages must not quote.
import fc from 'fast-check';
import { SECRET_ENV } from './canaries.js';

/** A value written into manifests as is. Messages describe values by kind, never quote them (config-issues.ts). */
export const LITERAL_CANARY = `MANIFESTLITERAL${Math.random().toString(36).slice(2, 14)}`;

/** The environment parseManifest reads: the secret, an empty value, a relative path, a URL, a line break. */
export const MANIFEST_ENV: Record<string, string> = {
  [SECRET_ENV]: process.env[SECRET_ENV] ?? '',
  FUZZ_EMPTY: '',
  FUZZ_REL: './server.js',
  FUZZ_URL: 'http://127.0.0.1:9/mcp',
  FUZZ_BREAK: 'a\r\nInjected: yes',
};

const interpolated = fc
  .array(
    fc.constantFrom(
      `\${env:${SECRET_ENV}}`,
      '${env:FUZZ_EMPTY}',
      '${env:FUZZ_REL}',
      '${env:FUZZ_URL}',
      '${env:FUZZ_BREAK}',
      '${env:FUZZ_UNSET}',
      '${env:FUZZ_UNSET:-fallback}',
      '${env:FUZZ_EMPTY:-}',
      '$${',
      '${',
      '${env:',
      '${HOME}',
      '${ENV:HOME}',
      '${env:1BAD}',
      '}',
      '$',
      'Bearer ',
      'http://',
      'https://example.com/mcp',
      './',
      '../node_modules/x/index.js',
      'node',
      '--flag=',
      ' ',
      '\u0000',
      '\n',
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));
/** A string value: interpolation pieces, or the literal canary with ordinary text (no `$`, so never inside `${…}`). */
const text = fc.oneof(
  interpolated,
  fc.string({ maxLength: 8 }).map((s) => `${s.replace(/\$/g, '')}${LITERAL_CANARY}`),
  fc.string({ maxLength: 10 }),
);
const anyJson = fc.jsonValue({ maxDepth: 2 });
const oddKey = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'a:b', 'x'.repeat(65), 'é', '$schema', 'COMMAND');
const key = fc.oneof(fc.string({ maxLength: 8 }), oddKey);
/** Mostly the expected kind of value, sometimes anything. */
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
const strings = maybe(fc.array(text, { maxLength: 4 }));
const record = maybe(fc.dictionary(fc.oneof(fc.constantFrom('PATH', 'Authorization', 'X-Key', 'MEMORY_FILE_PATH'), key), text, { maxKeys: 4 }));

const stdio = fc.record(
  {
    command: maybe(text),
    args: strings,
    env: record,
    cwd: maybe(text),
    connectTimeoutMs: maybe(fc.integer({ min: -10, max: 700_000 })),
    description: maybe(text),
  },
  { requiredKeys: [] },
);
const http = fc.record(
  { url: maybe(text), transport: maybe(fc.constantFrom('streamable-http', 'sse', 'websocket', '')), headers: record, callTimeoutMs: maybe(fc.double()) },
  { requiredKeys: [] },
);
/** A server: one of the two kinds, both mixed, or extra keys. */
const server = fc.oneof(
  stdio,
  http,
  fc.tuple(stdio, http).map(([a, b]) => ({ ...a, ...b })),
  fc.dictionary(key, anyJson, { maxKeys: 3 }),
);
const serverName = fc.oneof(fc.constantFrom('memory', 'fx', 'a-b_c', 'x'.repeat(64)), key);

const glob = fc.oneof(
  fc.constantFrom('memory:*', 'fx:echo', '*:*', '*:read_*', 'fx:?', 'nope:*', '**', ':', 'a:b:c', '', '*', '[', 'fx:', ':tool', 'fx:*?*', 'é:x'),
  fc.string({ maxLength: 10 }),
  fc.tuple(serverName, fc.string({ maxLength: 6 })).map(([s, t]) => `${s}:${t}`),
);
const limits = maybe(
  fc.dictionary(
    fc.oneof(fc.constantFrom('timeoutMs', 'maxIterations', 'maxToolCalls', 'memoryBytes', 'maxNestingDepth', 'timeout_ms', 'timeout'), key),
    fc.oneof(fc.integer({ min: -5, max: 2_000_000_000 }), fc.double(), fc.constantFrom(0, 1, 1.5, -0, 1e308), anyJson),
    { maxKeys: 4 },
  ),
);

/** A value thousands of levels deep, somewhere in the manifest. */
const deep = fc.record({ depth: fc.integer({ min: 100, max: 30_000 }), proto: fc.boolean() }).map(({ depth, proto }) => {
  let v: unknown = proto ? JSON.parse('{"__proto__": 1}') : 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
});

const manifestObject = fc.record(
  {
    $schema: maybe(fc.constant('./manifest.schema.json')),
    securityLevel: maybe(fc.constantFrom('STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE', 'strict', 'ROOT', '')),
    limits,
    servers: maybe(fc.dictionary(serverName, server, { maxKeys: 3 })),
    allow: maybe(fc.array(glob, { maxLength: 4 })),
    deny: maybe(fc.array(glob, { maxLength: 3 })),
    extra: fc.option(fc.tuple(key, fc.oneof(anyJson, deep)), { freq: 2 }),
  },
  { requiredKeys: [] },
);

// ── Valid manifests, then at most one corruption: most fail at one place, some parse ──────────────────────────
const goodText = fc
  .array(
    fc.constantFrom(
      'node',
      './x.js',
      '../node_modules/a/b.js',
      '--flag',
      'stdio',
      `\${env:${SECRET_ENV}}`,
      '${env:FUZZ_REL}',
      '${env:FUZZ_UNSET:-fallback}',
      '$${',
      ' ',
      LITERAL_CANARY,
    ),
    {
      minLength: 1,
      maxLength: 3,
    },
  )
  .map((parts) => parts.join(''));
const goodUrl = fc.constantFrom(
  'http://127.0.0.1:9/mcp',
  '${env:FUZZ_URL}',
  `https://example.com/mcp?key=\${env:${SECRET_ENV}}`,
  `https://example.com/${LITERAL_CANARY}`,
);
const goodName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const goodServer = fc.oneof(
  fc.record(
    {
      command: goodText,
      args: fc.array(goodText, { maxLength: 3 }),
      env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), goodText, { maxKeys: 3 }),
      cwd: goodText,
    },
    { requiredKeys: ['command'] },
  ),
  fc.record(
    {
      url: goodUrl,
      transport: fc.constantFrom('streamable-http', 'sse'),
      headers: fc.dictionary(fc.constantFrom('Authorization', 'X-Key', 'x-trace'), fc.constantFrom(`Bearer \${env:${SECRET_ENV}}`, LITERAL_CANARY, 'x')),
    },
    { requiredKeys: ['url'] },
  ),
);
const goodLimits = fc.record(
  {
    timeoutMs: fc.integer({ min: 1, max: 600_000 }),
    maxIterations: fc.integer({ min: 1, max: 1e6 }),
    maxToolCalls: fc.nat(1_000),
    memoryBytes: fc.integer({ min: 1_048_576, max: 2 ** 30 }),
  },
  { requiredKeys: [] },
);
const goodManifest = fc
  .record({
    level: fc.option(fc.constantFrom('STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE')),
    limits: fc.option(goodLimits),
    servers: fc.dictionary(goodName, goodServer, { maxKeys: 3 }),
    tools: fc.array(fc.constantFrom('*', 'read_*', 'echo', 'a?c'), { maxLength: 3 }),
  })
  .map(({ level, limits, servers, tools }) => {
    const names = Object.keys(servers);
    const allow = names.flatMap((n, i) => (tools[i] ? [`${n}:${tools[i]}`] : []));
    return {
      ...(level ? { securityLevel: level } : {}),
      ...(limits ? { limits } : {}),
      servers,
      allow,
      deny: names.length > 0 ? [`${names[0]}:delete_*`] : [],
    };
  });

/** One thing wrong, somewhere: a value of the wrong kind, an unknown key, a bad substitution, glob, limit or name. */
const corruption = fc.record({ what: fc.nat(9), key, value: fc.oneof(anyJson, deep), bad: interpolated });
type Corruption = typeof corruption extends fc.Arbitrary<infer T> ? T : never;
function corrupt(m: Record<string, unknown>, c: Corruption): object {
  const servers = m.servers as Record<string, Record<string, unknown>>;
  const first = Object.values(servers)[0]; // cases 2 and 3 change it in place: it is this call's own object
  switch (c.what) {
    case 0:
      return withKey(m, [c.key, c.value]);
    case 1:
      return withKey(m, [['securityLevel', 'limits', 'servers', 'allow', 'deny'][c.key.length % 5]!, c.value]);
    case 2:
      if (first) Object.assign(first, 'url' in first ? { url: c.bad } : { command: c.bad });
      return m;
    case 3:
      if (first) Object.assign(first, 'url' in first ? { headers: { Authorization: c.bad } } : { env: { X: c.bad }, args: [c.bad] });
      return m;
    case 4:
      return { ...m, allow: [...(m.allow as string[]), `${c.key}:*`, ':'] };
    case 5:
      return { ...m, limits: { ...(m.limits as object), [['timeoutMs', 'maxToolCalls', 'memoryBytes', 'maxNestingDepth'][c.key.length % 4]!]: c.value } };
    case 6:
      return { ...m, servers: { ...servers, [c.key]: { command: 'node' } } };
    case 7: {
      const name = Object.keys(servers)[0];
      return name ? { ...m, servers: { ...servers, [name]: withKey(servers[name]!, [c.key, c.value]) } } : m;
    }
    case 8:
      return { ...m, securityLevel: c.bad };
    default:
      return m;
  }
}

/** What parseManifest is given: valid manifests (some corrupted once), chaotic mixes, anything at all, deep values. */
export const manifestInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(goodManifest, fc.option(corruption, { freq: 3 })).map(([m, c]) => (c ? corrupt(m, c) : m)) },
  { weight: 3, arbitrary: manifestObject.map(({ extra, ...m }) => (extra ? withKey(m, extra) : m)) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true }) },
  { weight: 1, arbitrary: deep },
);

/** `key` set as an own property even when it is "__proto__" (as JSON.parse does), so the parser meets it. */
function withKey<T extends object>(m: T, [k, v]: [string, unknown]): T {
  return Object.defineProperty({ ...m }, k, { value: v, enumerable: true, configurable: true, writable: true });
}
