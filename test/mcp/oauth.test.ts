// OAuth access-token validation (src/mcp/oauth*.ts) against a real authorization server (oidc-provider, started
// here): tokens from its real token endpoint, its JWKS and metadata, its RFC 7662 introspection endpoint. Every way
// a token can be wrong is refused with its reason; the authorization server being down is a 503, never a pass.
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthVerifier, identityOf, scopesOf, type OAuthConfig, type TokenVerdict } from '../../src/mcp/oauth.js';
import { discoverJwksUri, metadataUrls } from '../../src/mcp/oauth-discovery.js';
import { CLOCK_TOLERANCE_S } from '../../src/mcp/oauth-jwt.js';
import { type AuthorizationServer, CLIENT_SECRET, startAuthorizationServer } from '../fixtures/authorization-server.js';
import { freePort } from '../tool-bridge/helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let as: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer();
}, 30_000);
afterAll(() => as?.close());

const config = (extra: Partial<OAuthConfig> = {}): OAuthConfig => ({ issuer: as.issuer, jwksUri: as.jwksUri, requiredScopes: ['mcp'], ...extra });
const refusedWith = (verdict: TokenVerdict, error: string, reason: RegExp): void => {
  expect(verdict).toMatchObject({ ok: false, error });
  if (!verdict.ok) expect(verdict.reason).toMatch(reason);
};
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT access tokens', () => {
  it('accepts a token from the real token endpoint, for this resource, with the scope, and maps its claims', async () => {
    const verifier = new OAuthVerifier(config(), RESOURCE);
    const verdict = await verifier.verify(await as.token('agent', { resource: RESOURCE, scope: 'mcp other' }));
    expect(verdict).toEqual({ ok: true, identity: { kind: 'oauth', subject: 'agent', clientId: 'agent', scopes: ['mcp', 'other'], groups: [] } });
  });

  it('refuses a real token issued for another resource (wrong audience)', async () => {
    const verifier = new OAuthVerifier(config(), RESOURCE);
    refusedWith(await verifier.verify(await as.token('agent', { resource: 'https://other.example.test/mcp' })), 'invalid_token', /audience is not this server/);
  });

  it('refuses a real token without the required scope as insufficient_scope (a 403, not a 401)', async () => {
    const verifier = new OAuthVerifier(config(), RESOURCE);
    refusedWith(await verifier.verify(await as.token('no-mcp', { resource: RESOURCE, scope: 'other' })), 'insufficient_scope', /lacks the scope mcp/);
    // The same token passes where no scope is required: the check is the scope, nothing else.
    const lenient = new OAuthVerifier(config({ requiredScopes: [] }), RESOURCE);
    expect((await lenient.verify(await as.token('no-mcp', { resource: RESOURCE, scope: 'other' }))).ok).toBe(true);
  });

  it.each([
    [
      'expired (past the clock tolerance)',
      () => as.sign({ aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE_S - 60 }),
      /expired/,
    ],
    ['not valid yet (nbf)', () => as.sign({ aud: RESOURCE, scope: 'mcp', nbf: Math.floor(Date.now() / 1000) + 3600 }), /not valid yet/],
    ['from another issuer', () => as.sign({ aud: RESOURCE, scope: 'mcp', iss: 'https://evil.example.test' }), /issuer is not/],
    ['with no expiry', () => as.sign({ aud: RESOURCE, scope: 'mcp', exp: undefined }), /no expiry/],
    [
      'signed by another key under the same kid (forged)',
      async () => as.sign({ aud: RESOURCE, scope: 'mcp' }, { key: (await generateKeyPair('RS256')).privateKey }),
      /signature does not verify/,
    ],
    [
      'unsigned (alg none)',
      async () => `${b64({ alg: 'none', typ: 'at+jwt', kid: as.kid })}.${b64({ iss: as.issuer, aud: RESOURCE, scope: 'mcp', exp: 4e9 })}.`,
      /algorithm is not accepted/,
    ],
    [
      'HS256 keyed with the public key',
      () => as.sign({ aud: RESOURCE, scope: 'mcp' }, { alg: 'HS256', key: new TextEncoder().encode(as.publicPem) }),
      /algorithm is not accepted/,
    ],
    ['not a JWT at all, without introspection', async () => 'just-some-opaque-string', /not a JWT/],
    ['three dots of garbage', async () => 'eyJub3Q.anything.at-all', /well-formed/],
  ])('refuses a token %s', async (_name, make, reason) => {
    const verifier = new OAuthVerifier(config(), RESOURCE);
    refusedWith(await verifier.verify(await make()), 'invalid_token', reason);
  });

  it("finds the JWKS through the issuer's metadata when jwksUri is not configured, and fetches it once", async () => {
    const before = as.served.get('/jwks') ?? 0;
    const verifier = new OAuthVerifier(config({ jwksUri: undefined }), RESOURCE);
    for (let i = 0; i < 3; i++) expect((await verifier.verify(await as.token('agent', { resource: RESOURCE }))).ok).toBe(true);
    expect((as.served.get('/jwks') ?? 0) - before).toBe(1);
    expect(as.served.get('/.well-known/oauth-authorization-server')).toBe(1); // RFC 8414, which oidc-provider serves
  });

  it('falls back to OpenID Connect Discovery when the RFC 8414 document is missing', async () => {
    // The real server, with its RFC 8414 document hidden (as from a provider that has only the OIDC one).
    const without8414: typeof fetch = async (input, init) =>
      String(input).includes('/.well-known/oauth-authorization-server') ? new Response('not here', { status: 404 }) : fetch(input, init);
    const before = as.served.get('/.well-known/openid-configuration') ?? 0;
    expect(await discoverJwksUri(as.issuer, without8414)).toBe(as.jwksUri);
    expect((as.served.get('/.well-known/openid-configuration') ?? 0) - before).toBe(1);
  });

  it('places the well-known segment per RFC 8414 for an issuer with a path', () => {
    expect(metadataUrls('https://as.example/tenant/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ]);
  });

  it('answers unavailable (never ok, never a throw) when the issuer, its metadata or its JWKS cannot be reached', async () => {
    const token = await as.token('agent', { resource: RESOURCE });
    const dead = `http://127.0.0.1:${await freePort()}`;
    refusedWith(await new OAuthVerifier(config({ jwksUri: `${dead}/jwks` }), RESOURCE).verify(token), 'unavailable', /JWKS could not be fetched/);
    refusedWith(
      await new OAuthVerifier(config({ issuer: dead, jwksUri: undefined }), RESOURCE).verify(token),
      'unavailable',
      /no authorization server metadata/,
    );
    // Metadata that names another issuer is not used (it could point at anyone's keys): the same server under another
    // name serves a document for 127.0.0.1.
    const alias = as.issuer.replace('127.0.0.1', 'localhost');
    refusedWith(
      await new OAuthVerifier(config({ issuer: alias, jwksUri: undefined }), RESOURCE).verify(token),
      'unavailable',
      /is for issuer .*127\.0\.0\.1.*, not/,
    );
  });
});

describe('opaque tokens, by introspection (RFC 7662)', () => {
  const introspection = () => ({ url: as.introspectionUrl, clientId: 'enclave-rs', clientSecret: CLIENT_SECRET });

  it('accepts an active opaque token for this resource, and caches the answer by token hash', async () => {
    const verifier = new OAuthVerifier(config({ introspection: introspection() }), RESOURCE);
    const token = await as.token('opaque', { resource: RESOURCE });
    expect(token).not.toContain('.');
    const before = as.served.get('/token/introspection') ?? 0;
    const verdict = await verifier.verify(token);
    expect(verdict).toEqual({ ok: true, identity: { kind: 'oauth', clientId: 'opaque', scopes: ['mcp'], groups: [] } });
    expect(await verifier.verify(token)).toEqual(verdict);
    expect((as.served.get('/token/introspection') ?? 0) - before).toBe(1);
  });

  it('refuses an opaque token for another resource, one the server does not know, and one without the scope', async () => {
    const verifier = new OAuthVerifier(config({ introspection: introspection() }), RESOURCE);
    refusedWith(
      await verifier.verify(await as.token('opaque', { resource: 'https://other.example.test/mcp' })),
      'invalid_token',
      /audience is not this server/,
    );
    refusedWith(await verifier.verify('an-opaque-token-nobody-issued'), 'invalid_token', /not active/);
    refusedWith(await verifier.verify(await as.token('opaque', { resource: RESOURCE, scope: 'other' })), 'insufficient_scope', /lacks the scope mcp/);
  });

  it('answers unavailable when our introspection credentials are refused, saying which setting to check', async () => {
    const verifier = new OAuthVerifier(config({ introspection: { ...introspection(), clientSecret: 'wrong-secret-0123456789' } }), RESOURCE);
    refusedWith(await verifier.verify(await as.token('opaque', { resource: RESOURCE })), 'unavailable', /HTTP 401: check auth\.oauth\.introspection/);
  });

  it('still checks JWTs locally when introspection is configured', async () => {
    const verifier = new OAuthVerifier(config({ introspection: introspection() }), RESOURCE);
    const before = as.served.get('/token/introspection') ?? 0;
    expect((await verifier.verify(await as.token('agent', { resource: RESOURCE }))).ok).toBe(true);
    expect(as.served.get('/token/introspection') ?? 0).toBe(before);
  });
});

describe('claims', () => {
  it('reads scopes from scope (space-separated) and scp (an array), and groups only when an array of strings', () => {
    expect(scopesOf({ scope: 'mcp  read', scp: ['write', 'mcp', 3] })).toEqual(['mcp', 'read', 'write']);
    expect(identityOf({ sub: 'u1', azp: 'app', groups: ['analysts'] })).toEqual({
      kind: 'oauth',
      subject: 'u1',
      clientId: 'app',
      scopes: [],
      groups: ['analysts'],
    });
    expect(identityOf({ sub: 7, client_id: 'c', azp: 'app', groups: ['a', 1] })).toEqual({ kind: 'oauth', clientId: 'c', scopes: [], groups: [] });
  });
});
