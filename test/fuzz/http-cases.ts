// HTTP requests no well-behaved client sends, as data: random methods and paths, Host, Origin, Content-Type,
// Accept, Authorization and session headers right and wrong, and bodies of random bytes, random JSON, truncated or
// batched JSON-RPC with huge ids and wrong protocol versions, bodies over the size limit, very deep JSON, and
// tools/call of execute_agentscript with valid, mutated and secret-fetching scripts. No case holds a canary.
import fc from 'fast-check';
import { mutatedText } from './mutations.js';
import { validProgram } from './programs.js';

/** Scripts that fetch the downstream server's ${env:…} values (the canaries) and pass them on unchanged. */
export const FETCHING_SCRIPTS: readonly string[] = [
  "return await callTool('fx:env_echo', { name: 'FIXTURE_SECRET' });",
  "const v = await callTool('fx:env_echo', { name: 'FIXTURE_VALUE' });\nconsole.log(v);\nreturn { v, json: JSON.stringify(v) };",
  "const v = await callTool('fx:env_echo', { name: 'FIXTURE_VALUE' });\nthrow new Error(`got ${v}`);",
  "const [a, b] = await Promise.all([callTool('fx:env_echo', { name: 'FIXTURE_SECRET' }), callTool('fx:env_echo', { name: 'FIXTURE_VALUE' })]);\nreturn [a, b];",
  "return await callTool('fx:fail', { message: 'x' });",
  "return await callTool('fx:echo', { text: 'hello' });",
];

const METHODS = ['initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'prompts/list', 'logging/setLevel', 'completion/complete'];
const NOTIFICATIONS = ['notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/roots/list_changed'];
const VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01', '', 'latest', '2025-06-18; drop table'];

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(1e308, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, 0, null, true, 'x'.repeat(20_000)),
  fc.jsonValue({ maxDepth: 2 }),
);
const script = fc.oneof(validProgram, mutatedText, fc.constantFrom(...FETCHING_SCRIPTS));
const params = (method: string): fc.Arbitrary<unknown> => {
  switch (method) {
    case 'initialize':
      return fc.record(
        { protocolVersion: fc.constantFrom(...VERSIONS), capabilities: fc.constant({}), clientInfo: fc.constant({ name: 'fuzz', version: '1' }) },
        { requiredKeys: ['protocolVersion'] },
      );
    case 'tools/call':
      return fc.record({
        name: fc.constantFrom('execute_agentscript', 'execute_agentscript', 'search_tools', 'nope'),
        arguments: fc.oneof(
          fc.record({ code: script, record: fc.boolean() }, { requiredKeys: ['code'] }),
          fc.record({ query: fc.string(), detail: fc.constantFrom('name', 'full', 'x') }),
          fc.jsonValue(),
        ),
        _meta: fc.option(fc.record({ progressToken: fc.oneof(fc.nat(), fc.string({ maxLength: 4 })) }), { nil: undefined }),
      });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
};
export const rpcMessage = fc
  .record({
    jsonrpc: fc.constantFrom('2.0', '2.0', '2.0', '1.0', 2, undefined),
    method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...METHODS) }, fc.constantFrom(...NOTIFICATIONS), fc.string({ maxLength: 12 })),
    withId: fc.boolean(),
    id,
    withParams: fc.boolean(),
  })
  .chain(({ method, withId, withParams, ...m }) =>
    params(method).map((p) => ({ jsonrpc: m.jsonrpc, method, ...(withId ? { id: m.id } : {}), ...(withParams ? { params: p } : {}) })),
  );

export type Body =
  | { kind: 'none' }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'json'; value: unknown }
  | { kind: 'rpc'; message: unknown; cut: number | null }
  | { kind: 'batch'; messages: unknown[] }
  | { kind: 'deep'; depth: number }
  | { kind: 'huge'; bytes: number };
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue() }),
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('rpc' as const), message: rpcMessage, cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }) }),
  },
  fc.record({ kind: fc.constant('batch' as const), messages: fc.array(rpcMessage, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 10, max: 100_000 }) }),
  fc.record({ kind: fc.constant('huge' as const), bytes: fc.integer({ min: 100_000, max: 400_000 }) }),
);

export function bodyBytes(b: Body): Buffer | undefined {
  switch (b.kind) {
    case 'none':
      return undefined;
    case 'bytes':
      return Buffer.from(b.bytes);
    case 'json':
      return Buffer.from(JSON.stringify(b.value) ?? 'null');
    case 'rpc': {
      const text = JSON.stringify(b.message);
      return Buffer.from(b.cut === null ? text : text.slice(0, Math.floor(b.cut * text.length)));
    }
    case 'batch':
      return Buffer.from(JSON.stringify(b.messages));
    case 'deep':
      return Buffer.from(`${'['.repeat(b.depth)}${']'.repeat(b.depth)}`);
    case 'huge':
      return Buffer.from(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'execute_agentscript', arguments: { code: `return '${'x'.repeat(b.bytes)}';` } },
        }),
      );
  }
}

/** What a header value may need: the server's port and token, and the ids of the live sessions. */
export interface Place {
  port: number;
  token: string;
  session: string;
}
type Choices = Record<string, (p: Place) => string | undefined>;
const HUGE = 'x'.repeat(8_000);
/** Each header's choices, the first the right one; a choice names its value, so fast-check prints cases readably. */
const HEADERS = {
  Authorization: {
    right: (p) => `Bearer ${p.token}`,
    none: () => undefined,
    wrong: () => 'Bearer wrong-token-0123456789',
    basic: () => 'Basic Zm9vOmJhcg==',
    empty: () => 'Bearer ',
    lowercase: (p) => `bearer ${p.token}`,
    huge: () => `Bearer ${HUGE}`,
  },
  Host: {
    right: (p) => `127.0.0.1:${p.port}`,
    localhost: (p) => `localhost:${p.port}`,
    ipv6: (p) => `[::1]:${p.port}`,
    foreign: () => 'evil.example',
    none: () => undefined,
    portOnly: (p) => `:${p.port}`,
    garbage: () => '@@ @@',
  },
  Origin: {
    none: () => undefined,
    same: (p) => `http://127.0.0.1:${p.port}`,
    foreign: () => 'https://evil.example',
    null: () => 'null',
    otherPort: (p) => `http://127.0.0.1:${p.port + 1}`,
    garbage: () => ':::',
  },
  'Content-Type': {
    json: () => 'application/json',
    charset: () => 'application/json; charset=utf-8',
    upper: () => 'APPLICATION/JSON',
    text: () => 'text/plain',
    none: () => undefined,
    jsonx: () => 'application/jsonx',
    multipart: () => 'multipart/form-data; boundary=x',
  },
  Accept: {
    both: () => 'application/json, text/event-stream',
    json: () => 'application/json',
    sse: () => 'text/event-stream',
    none: () => undefined,
    star: () => '*/*',
  },
  'Mcp-Session-Id': {
    current: (p) => p.session,
    none: () => undefined,
    unknown: () => '3f1e0c52-0000-4000-8000-000000000000',
    huge: () => HUGE,
  },
  'Mcp-Protocol-Version': {
    none: () => undefined,
    current: () => '2025-06-18',
    older: () => '2025-03-26',
    ancient: () => '1999-01-01',
    garbage: () => 'garbage',
  },
} satisfies Record<string, Choices>;
type HeaderChoice = { [H in keyof typeof HEADERS]: keyof (typeof HEADERS)[H] };

/** The right choice usually (twice as often as all others together), any other sometimes. */
const choice = <H extends keyof typeof HEADERS>(header: H): fc.Arbitrary<HeaderChoice[H]> => {
  const names = Object.keys(HEADERS[header]) as HeaderChoice[H][];
  return fc.oneof({ weight: 2, arbitrary: fc.constant(names[0]!) }, fc.constantFrom(...names));
};

/** The headers a case chose, with the real values filled in. */
export function headersFor(chosen: HeaderChoice, place: Place): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, pick] of Object.entries(chosen)) {
    const value = (HEADERS[header as keyof typeof HEADERS] as Choices)[pick]!(place);
    if (value !== undefined) out[header] = value;
  }
  return out;
}

export const httpCase = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constant('POST') },
    fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
    fc.stringMatching(/^[A-Z]{1,8}$/),
  ),
  path: fc.oneof(
    { weight: 8, arbitrary: fc.constant('/mcp') },
    fc.constantFrom('/sse', '/messages?sessionId=SSE', '/messages?sessionId=nope', '/messages', '/healthz', '/', '/metrics', '/mcp/', '/MCP', '/mcp?x=1'),
    fc.constantFrom('/%2e%2e/etc/passwd', '//mcp', '/.well-known/oauth-protected-resource', `/mcp/${'a'.repeat(5_000)}`, '/%00', '/mcp%00'),
    fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  ),
  headers: fc.record({
    Authorization: choice('Authorization'),
    Host: choice('Host'),
    Origin: choice('Origin'),
    'Content-Type': choice('Content-Type'),
    Accept: choice('Accept'),
    'Mcp-Session-Id': choice('Mcp-Session-Id'),
    'Mcp-Protocol-Version': choice('Mcp-Protocol-Version'),
  }),
  body,
});
export type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never;

/** A well-formed execute_agentscript call on the current session, so that scripts really run over HTTP. */
export const scriptCase = fc.record({
  kind: fc.constant('script' as const),
  code: script,
  record: fc.boolean(),
  progress: fc.boolean(),
});
export type ScriptCase = typeof scriptCase extends fc.Arbitrary<infer T> ? T : never;

export type HttpInput = ScriptCase | (HttpCase & { kind: 'raw' });
export const httpInput: fc.Arbitrary<HttpInput> = fc.oneof(
  { weight: 2, arbitrary: scriptCase },
  { weight: 3, arbitrary: httpCase.map((c) => ({ ...c, kind: 'raw' as const })) },
);
