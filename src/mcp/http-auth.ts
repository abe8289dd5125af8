// Who sent an HTTP request: the bearer token is the server's own (--token: the operator), a named token of
// auth.tokens, or an OAuth access token; then the principal that identity acts as. Every refusal says what to send.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError, log } from '../shared/index.js';
import type { Manifest } from '../tool-bridge/manifest.js';
import type { Refusal } from './http-replies.js';
import { type Identity, identityKey, OPERATOR } from './identity.js';
import { OAuthVerifier } from './oauth.js';
import { challenge, type ProtectedResource, protectedResource } from './oauth-resource.js';
import type { Principal, Principals } from './principals.js';

/** An authenticated caller and what it may do; `key` binds a session to it (identityKey and principal name). */
export interface Caller {
  readonly identity: Identity;
  readonly principal: Principal;
  readonly key: string;
}

export interface AuthOptions {
  /** --token / ENCLAVE_MCP_TOKEN (or the one generated on loopback): the operator's. */
  serverToken?: string;
  /** auth.tokens, by name. */
  tokens?: Readonly<Record<string, string>>;
  oauth?: { verifier: OAuthVerifier; resource: ProtectedResource };
  principals: Principals;
}

/** Whether the manifest's `auth` names any credential: then no server token is generated (http-guards.ts). */
export const hasCredentials = (auth: Manifest['auth']): boolean => auth?.oauth !== undefined || Object.keys(auth?.tokens ?? {}).length > 0;

/** --public-url as given: an http(s) origin, maybe with a path prefix; no query or fragment. Throws ConfigError. */
export function checkPublicUrl(publicUrl: string | undefined): void {
  if (publicUrl === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(publicUrl);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password || publicUrl.includes('#')) {
    throw new ConfigError(
      `--public-url must be this server's external base URL, like https://mcp.example.com (got "${publicUrl.slice(0, 100)}"). OAuth tokens must then name <public-url>/mcp as their audience.`,
    );
  }
}

/** The Authenticator for a manifest, once the public URL is known (it defaults to the bound address). */
export function authenticatorFor(manifest: Manifest, principals: Principals, serverToken: string | undefined, publicUrl: string): Authenticator {
  const oauth = manifest.auth?.oauth;
  // Scopes principals match on are worth asking for too: clients request what the metadata lists.
  const otherScopes = Object.values(manifest.principals ?? {}).flatMap((p) => (p.match.scope ? [p.match.scope] : []));
  const resource = oauth
    ? protectedResource({
        publicUrl,
        issuer: oauth.issuer,
        ...(oauth.audience ? { audience: oauth.audience } : {}),
        requiredScopes: oauth.requiredScopes,
        otherScopes,
      })
    : undefined;
  return new Authenticator({
    ...(serverToken !== undefined ? { serverToken } : {}),
    ...(manifest.auth?.tokens ? { tokens: manifest.auth.tokens } : {}),
    ...(oauth && resource ? { oauth: { verifier: new OAuthVerifier(oauth, resource.resource), resource } } : {}),
    principals,
  });
}

/** Hashing both sides first gives equal-length buffers, so neither the content nor the length leaks through timing. */
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Failures of the authorization server are logged at most this often; the clients each get their 503. */
const LOG_EVERY_MS = 10_000;

export class Authenticator {
  readonly #server: Buffer | undefined;
  readonly #named: ReadonlyArray<[name: string, digest: Buffer]>;
  readonly #oauth: AuthOptions['oauth'];
  readonly #principals: Principals;
  /** Tells a client without a usable token what to send. */
  readonly #how: string;
  #loggedAt = 0;

  constructor(options: AuthOptions) {
    this.#server = options.serverToken === undefined ? undefined : digest(options.serverToken);
    this.#named = Object.entries(options.tokens ?? {}).map(([name, token]) => [name, digest(token)]);
    this.#oauth = options.oauth;
    this.#principals = options.principals;
    const ways = [
      ...(this.#oauth ? [`an access token from ${this.#oauth.verifier.issuer} for ${this.#oauth.resource.resource}`] : []),
      ...(this.#named.length > 0 ? ["a token of the manifest's auth.tokens"] : []),
      ...(this.#server ? ['the token serve printed at start-up (or ENCLAVE_MCP_TOKEN)'] : []),
    ];
    this.#how = ways.join(', or ');
  }

  /** The credentials accepted, in words (for the start-up message and refusals). */
  get accepts(): string {
    return this.#how;
  }

  /** The metadata clients discover the authorization server by, when OAuth is configured. */
  get resource(): ProtectedResource | undefined {
    return this.#oauth?.resource;
  }

  /** The caller, or the refusal to answer with: 401 (no or bad token), 403 (scope, no principal), 503 (AS down). */
  async caller(req: IncomingMessage): Promise<Caller | Refusal> {
    const found = await this.#identify(req);
    return 'refusal' in found ? found.refusal : this.#principalOf(found.identity);
  }

  async #identify(req: IncomingMessage): Promise<{ identity: Identity } | { refusal: Refusal }> {
    const resource = this.#oauth?.resource;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1];
    if (!token) return { refusal: { kind: 'no-token', detail: this.#how, challenge: challenge(resource) } };
    const presented = digest(token);
    if (this.#server && timingSafeEqual(presented, this.#server)) return { identity: OPERATOR };
    // Every named token is compared, so the time taken does not tell which one (or whether one) matched.
    let named: string | undefined;
    for (const [name, expected] of this.#named) if (timingSafeEqual(presented, expected) && named === undefined) named = name;
    if (named !== undefined) return { identity: { kind: 'token', name: named } };
    if (!this.#oauth) return { refusal: { kind: 'wrong-token', detail: `Use ${this.#how}.`, challenge: challenge(undefined, { error: 'invalid_token' }) } };
    const verdict = await this.#oauth.verifier.verify(token);
    if (verdict.ok) return { identity: verdict.identity };
    const { error, reason } = verdict;
    log.debug(`refused a bearer token (${error}): ${reason}`);
    if (error === 'unavailable') {
      if (Date.now() - this.#loggedAt > LOG_EVERY_MS) {
        this.#loggedAt = Date.now();
        log.warn(`OAuth tokens cannot be checked (answering 503 until they can): ${reason}`);
      }
      // The reason names internal URLs and settings: the log has it, the unauthenticated client does not.
      return { refusal: { kind: 'auth-unavailable', detail: 'the authorization server could not be reached' } };
    }
    if (error === 'insufficient_scope') {
      const scopes = this.#oauth.verifier.requiredScopes.join(' ');
      return { refusal: { kind: 'insufficient-scope', detail: scopes, challenge: challenge(resource, { error, description: reason }) } };
    }
    return { refusal: { kind: 'wrong-token', detail: `${reason}. Use ${this.#how}.`, challenge: challenge(resource, { error, description: reason }) } };
  }

  #principalOf(identity: Identity): Caller | Refusal {
    const principal = this.#principals.match(identity);
    if (!principal) {
      log.debug(`refused a valid token that matches no principal: ${describe(identity)}`);
      return { kind: 'no-principal', detail: describe(identity) };
    }
    return { identity, principal, key: `${identityKey(identity)}|${principal.name}` };
  }
}

/** Who, as a refusal may say it back to the caller (its own token's name or claims, never a token). */
function describe(identity: Identity): string {
  if (identity.kind === 'operator') return 'the operator';
  if (identity.kind === 'token') return `token "${identity.name}"`;
  const parts = [
    identity.subject !== undefined ? `sub "${identity.subject}"` : '',
    identity.clientId !== undefined ? `client_id "${identity.clientId}"` : '',
    identity.scopes.length > 0 ? `scope "${identity.scopes.join(' ')}"` : '',
  ];
  return parts.filter(Boolean).join(', ') || 'an OAuth token with no subject';
}
