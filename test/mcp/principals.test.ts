// Principals (DESIGN §6): the manifest's keys for who may call and what they may do, checked when the manifest is
// read, and the matching of an authenticated identity to the first principal whose `match` holds. Each principal
// only narrows the manifest: its tools, level and limits.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/index.js';
import { parseManifest, secretValues } from '../../src/tool-bridge/manifest.js';
import type { Identity } from '../../src/mcp/identity.js';
import { OPERATOR_PRINCIPAL, Principals } from '../../src/mcp/principals.js';

const servers = { memory: { command: 'memory' }, github: { command: 'gh' } };
const ISSUER = 'https://auth.example.com';
const parse = (extra: object, env: Record<string, string> = {}) =>
  parseManifest({ servers, allow: ['memory:*', 'github:*'], deny: ['memory:delete_*'], ...extra }, { baseDir: '/srv', env });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const oauth = (claims: Partial<Extract<Identity, { kind: 'oauth' }>>): Identity => ({ kind: 'oauth', scopes: [], groups: [], ...claims });

const TEAM = {
  securityLevel: 'STANDARD',
  auth: {
    tokens: { bot: '${env:BOT_TOKEN}', reader: 'reader-token-literal-123' },
    oauth: { issuer: ISSUER, requiredScopes: ['mcp'] },
  },
  principals: {
    'ci-bot': { match: { token: 'bot' }, allow: ['github:list_*'], quota: { perMinute: 60, concurrent: 4 } },
    readers: { match: { token: 'reader' }, allow: ['memory:read_*', 'memory:search_*'] },
    alice: { match: { sub: 'alice', client_id: 'desktop' }, securityLevel: 'SECURE', limits: { maxToolCalls: 5 } },
    analysts: { match: { scope: 'analytics', group: 'data' }, deny: ['github:*'] },
  },
};

describe('principals in the manifest', () => {
  it('substitutes ${env:} in auth and counts every token as a secret, literal ones too', () => {
    const m = parse(TEAM, { BOT_TOKEN: 'bot-token-from-env-456' });
    expect(m.auth?.tokens).toEqual({ bot: 'bot-token-from-env-456', reader: 'reader-token-literal-123' });
    expect(secretValues(m)).toEqual(expect.arrayContaining(['bot-token-from-env-456', 'reader-token-literal-123']));
  });

  it('substitutes ${env:} in the quota store URL and the introspection secret, and keeps them secret', () => {
    const m = parse(
      {
        auth: { oauth: { issuer: ISSUER, introspection: { url: `${ISSUER}/introspect`, clientId: 'rs', clientSecret: '${env:RS_SECRET}' } } },
        quotaStore: { redis: 'redis://:${env:REDIS_PASSWORD}@127.0.0.1:6379' },
      },
      { RS_SECRET: 'introspection-secret-789', REDIS_PASSWORD: 'redis-password-0123' },
    );
    expect(m.auth?.oauth?.introspection?.clientSecret).toBe('introspection-secret-789');
    expect(m.quotaStore?.redis).toBe('redis://:redis-password-0123@127.0.0.1:6379');
    expect(secretValues(m)).toEqual(expect.arrayContaining(['introspection-secret-789', 'redis-password-0123']));
    const literal = parse({
      auth: { oauth: { issuer: ISSUER, introspection: { url: `${ISSUER}/introspect`, clientId: 'rs', clientSecret: 'literal-client-secret-1' } } },
      quotaStore: { redis: 'redis://:literal%40password-2@127.0.0.1:6379' },
    });
    expect(secretValues(literal)).toEqual(expect.arrayContaining(['literal-client-secret-1', 'literal@password-2']));
  });

  it.each([
    [{ ...TEAM, principals: { x: { match: { token: 'nobody' } } } }, 'principals.x.match.token', /auth\.tokens does not name/],
    [{ auth: { tokens: { a: 'a-token-value-1' } }, principals: { x: { match: { sub: 'alice' } } } }, 'principals.x.match', /no auth\.oauth/],
    [
      { ...TEAM, principals: { x: { match: { token: 'bot' }, securityLevel: 'PERMISSIVE' } } },
      'principals.x.securityLevel',
      /looser than the manifest's STANDARD/,
    ],
    [{ ...TEAM, principals: { x: { match: { token: 'bot' }, allow: ['gitlab:*'] } } }, 'principals.x.allow[0]', /names no server/],
    [{ ...TEAM, principals: { x: { match: { token: 'bot', scope: 'mcp' } } } }, 'principals.x.match', /would never match/],
  ])('refuses a principal that cannot work or would widen the manifest (%#)', (extra, path, message) => {
    const e = configError(() => parse(extra));
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it('checks URLs once ${env:} is substituted', () => {
    const issuer = configError(() => parse({ auth: { oauth: { issuer: '${env:ISSUER}' } } }, { ISSUER: 'auth.example.com' }));
    expect(issuer.path).toBe('auth.oauth.issuer');
    expect(issuer.message).toMatch(/must be an http:\/\/ or https:\/\/ URL once/);
    const redis = configError(() => parse({ quotaStore: { redis: '${env:REDIS_URL}' } }, { REDIS_URL: 'http://127.0.0.1:6379' }));
    expect(redis.path).toBe('quotaStore.redis');
    expect(parse({ quotaStore: { redis: '${env:REDIS_URL}' } }, { REDIS_URL: 'redis://127.0.0.1:6379' }).quotaStore?.redis).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    [{ principals: { x: { match: {} } } }, /match names at least one/],
    [{ principals: { x: { match: { token: 'a' }, quota: { perMinute: 0 } } } }, /perMinute/],
    [{ principals: { x: { match: { user: 'a' } } } }, /user/],
    [{ auth: { oauth: { issuer: 'auth.example.com' } } }, /issuer/],
    [{ quotaStore: { redis: 'http://127.0.0.1:6379' } }, /redis/],
  ])('refuses a wrong shape (%#)', (extra, message) => {
    expect(configError(() => parse(extra)).message).toMatch(message);
  });
});

describe('matching an identity to a principal', () => {
  const principals = new Principals(parse(TEAM, { BOT_TOKEN: 'bot-token-from-env-456' }));

  it('matches named tokens by name, OAuth claims by every key given, and refuses the rest', () => {
    expect(principals.match({ kind: 'token', name: 'bot' })?.name).toBe('ci-bot');
    expect(principals.match({ kind: 'token', name: 'reader' })?.name).toBe('readers');
    expect(principals.match(oauth({ subject: 'alice', clientId: 'desktop' }))?.name).toBe('alice');
    expect(principals.match(oauth({ subject: 'alice', clientId: 'other-app' }))).toBeUndefined();
    expect(principals.match(oauth({ scopes: ['mcp', 'analytics'], groups: ['data'] }))?.name).toBe('analysts');
    expect(principals.match(oauth({ scopes: ['mcp', 'analytics'], groups: ['sales'] }))).toBeUndefined();
    // A token's name is not a claim: an OAuth subject named like a token matches nothing of the token's.
    expect(principals.match(oauth({ subject: 'bot' }))).toBeUndefined();
  });

  it('the operator (stdio, --token) always gets the manifest as it is', () => {
    expect(principals.match({ kind: 'operator' })).toBe(OPERATOR_PRINCIPAL);
    expect(OPERATOR_PRINCIPAL.allows).toBeUndefined();
  });

  it('without principals, every authenticated caller gets the manifest as it is', () => {
    const open = new Principals(parse({ auth: { tokens: { a: 'a-token-value-1' } } }));
    expect(open.configured).toBe(false);
    expect(open.match({ kind: 'token', name: 'a' })).toBe(OPERATOR_PRINCIPAL);
    expect(open.match(oauth({ subject: 'anyone' }))).toBe(OPERATOR_PRINCIPAL);
  });

  it("narrows the tools: its own allow and deny on top of the manifest's", () => {
    const bot = principals.match({ kind: 'token', name: 'bot' })!;
    expect(['github:list_issues', 'github:merge_pr', 'memory:read_graph'].map((t) => bot.allows!(t))).toEqual([true, false, false]);
    const analysts = principals.match(oauth({ scopes: ['analytics'], groups: ['data'] }))!;
    expect(['memory:read_graph', 'github:list_issues'].map((t) => analysts.allows!(t))).toEqual([true, false]);
    expect(principals.match(oauth({ subject: 'alice', clientId: 'desktop' }))!.allows).toBeUndefined(); // the manifest's tools
  });

  it('narrows level and limits, and carries the quota', () => {
    const alice = principals.match(oauth({ subject: 'alice', clientId: 'desktop' }))!;
    expect(alice.securityLevel).toBe('SECURE');
    // The stricter level's limits apply (SECURE: 15 s, not STANDARD's 30 s), and its own where lower still.
    expect(alice.limits).toMatchObject({ maxToolCalls: 5, timeoutMs: 15_000 });
    expect(principals.match({ kind: 'token', name: 'bot' })!.limits).toBeUndefined(); // nothing narrowed
    expect(principals.match({ kind: 'token', name: 'bot' })!.quota).toEqual({ perMinute: 60, concurrent: 4 });
  });
});
