// OAuth 2.1 access tokens, as the MCP authorization specification asks of a resource server: a JWT is checked
// against the issuer's JWKS (oauth-jwt.ts), an opaque token by introspection when configured
// (oauth-introspection.ts); then the required scopes, and the claims become an Identity for principals to match.
import type { Manifest } from '../tool-bridge/manifest.js';
import type { Identity } from './identity.js';
import { Introspector } from './oauth-introspection.js';
import { JwtVerifier, looksLikeJwt, type TokenCheck } from './oauth-jwt.js';

export type OAuthConfig = NonNullable<NonNullable<Manifest['auth']>['oauth']>;
export type OAuthIdentity = Extract<Identity, { kind: 'oauth' }>;

/**
 * What a presented token comes to. `invalid_token` is a 401, `insufficient_scope` a 403 (RFC 6750 §3.1), and
 * `unavailable` a 503: the authorization server could not be asked, so nothing is known about the token.
 */
export type TokenVerdict = { ok: true; identity: OAuthIdentity } | { ok: false; error: 'invalid_token' | 'insufficient_scope' | 'unavailable'; reason: string };

/** The audiences accepted: the resource URI as configured, and the same with or without one trailing slash. */
export const audiencesOf = (resource: string): string[] => [resource, resource.endsWith('/') ? resource.slice(0, -1) : `${resource}/`];

/** Scopes of a token: `scope` (space-separated, RFC 9068 and RFC 7662) and `scp` (an array, as some providers write). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const found = new Set<string>();
  const add = (value: unknown): void => {
    const list: unknown[] = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const s of list) if (typeof s === 'string' && s !== '') found.add(s);
  };
  add(claims.scope);
  add(claims.scp);
  return [...found];
}

/** The claims principals match on; a claim of the wrong type is treated as absent, never coerced. */
export function identityOf(claims: Readonly<Record<string, unknown>>): OAuthIdentity {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const subject = text(claims.sub);
  const clientId = text(claims.client_id) ?? text(claims.azp);
  const groups = Array.isArray(claims.groups) && claims.groups.every((g) => typeof g === 'string') ? (claims.groups as string[]) : [];
  return Object.freeze({
    kind: 'oauth',
    ...(subject !== undefined ? { subject } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    scopes: Object.freeze(scopesOf(claims)),
    groups: Object.freeze([...groups]),
  });
}

export class OAuthVerifier {
  readonly issuer: string;
  /** The audience tokens must carry: this server's canonical resource URI (RFC 8707). */
  readonly resource: string;
  readonly requiredScopes: readonly string[];
  readonly #jwt: JwtVerifier;
  readonly #introspector: Introspector | undefined;

  /** `resource` is auth.oauth.audience, or else `<public-url>/mcp`. Nothing is fetched until a token arrives. */
  constructor(config: OAuthConfig, resource: string) {
    this.issuer = config.issuer;
    this.resource = resource;
    this.requiredScopes = Object.freeze([...config.requiredScopes]);
    const audiences = audiencesOf(resource);
    this.#jwt = new JwtVerifier({ issuer: config.issuer, audiences, ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}) });
    this.#introspector = config.introspection ? new Introspector({ ...config.introspection, issuer: config.issuer, audiences }) : undefined;
  }

  async verify(token: string): Promise<TokenVerdict> {
    let check: TokenCheck;
    if (looksLikeJwt(token)) check = await this.#jwt.verify(token);
    else if (this.#introspector) check = await this.#introspector.verify(token);
    else check = { ok: false, unavailable: false, reason: 'it is not a JWT, and this server checks only JWT access tokens (no auth.oauth.introspection)' };
    if (!check.ok) return { ok: false, error: check.unavailable ? 'unavailable' : 'invalid_token', reason: check.reason };
    const identity = identityOf(check.claims);
    const missing = this.requiredScopes.filter((s) => !identity.scopes.includes(s));
    if (missing.length > 0) return { ok: false, error: 'insufficient_scope', reason: `it lacks the scope ${missing.join(' ')}` };
    return { ok: true, identity };
  }
}
