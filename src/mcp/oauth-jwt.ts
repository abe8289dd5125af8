// JWT access tokens (RFC 9068) checked locally with jose: the signature against the issuer's JWKS, then issuer,
// audience, expiry and not-before. Scopes are the caller's business (oauth.ts), so a 401 and a 403 stay apart.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AS_TIMEOUT_MS, discoverJwksUri } from './oauth-discovery.js';

/**
 * Asymmetric signatures only. `none` would accept an unsigned token; HS* would verify with the JWKS key's bytes as an
 * HMAC secret, and that key is public, so anyone could sign ("HS256 keyed with the public key"). Checked before any
 * key is looked up.
 */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Seconds of clock skew tolerated between us and the authorization server, for exp and nbf. */
export const CLOCK_TOLERANCE_S = 30;

/** After a failed discovery, later tokens fail fast for this long instead of each waiting on a dead server. */
const RETRY_DISCOVERY_MS = 10_000;

/** A token's checked claims, or why not: `unavailable` when the authorization server could not be asked. */
export type TokenCheck = { ok: true; claims: Readonly<Record<string, unknown>> } | { ok: false; unavailable: boolean; reason: string };

export interface JwtOptions {
  issuer: string;
  /** The audiences accepted (the canonical resource URI, with and without one trailing slash). */
  audiences: readonly string[];
  /** Where the keys are; discovered from the issuer's metadata when absent. */
  jwksUri?: string;
}

/** A JWS compact serialization: three base64url parts (the last empty for `alg: none`, refused later with a reason). */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/** What a client is told for each way a token fails; jose's codes are stable (its own messages are not ours to show). */
const INVALID: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JOSE_ALG_NOT_ALLOWED: `its signature algorithm is not accepted (only ${JWT_ALGORITHMS.join(', ')})`,
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "its signature does not verify with the issuer's keys",
  ERR_JWKS_NO_MATCHING_KEY: "no key of the issuer's JWKS matches it (kid, alg)",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "its signature does not verify with the issuer's keys",
  ERR_JWS_INVALID: 'it is not a well-formed signed JWT',
  ERR_JWT_INVALID: 'it is not a well-formed JWT',
  ERR_JOSE_NOT_SUPPORTED: 'its algorithm or key type is not supported',
};

export class JwtVerifier {
  readonly #options: JwtOptions;
  #keys: JWTVerifyGetKey | undefined;
  #failedAt = 0;
  #lastFailure = '';

  constructor(options: JwtOptions) {
    this.#options = options;
    if (options.jwksUri) this.#keys = remoteKeys(options.jwksUri);
  }

  async verify(token: string): Promise<TokenCheck> {
    const { issuer, audiences } = this.#options;
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#jwks();
    } catch (error) {
      return { ok: false, unavailable: true, reason: `the issuer's keys could not be found: ${messageOf(error)}` };
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: JWT_ALGORITHMS,
        issuer,
        audience: [...audiences],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'], // a token that never expires is refused (RFC 9068 makes exp required)
      });
      return { ok: true, claims: payload };
    } catch (error) {
      const reason = invalidReason(error, this.#options);
      if (reason) return { ok: false, unavailable: false, reason };
      return { ok: false, unavailable: true, reason: `the issuer's JWKS could not be fetched: ${messageOf(error)}` };
    }
  }

  /** The key set, discovering its URL once; a failure is remembered briefly, then tried again. */
  async #jwks(): Promise<JWTVerifyGetKey> {
    if (this.#keys) return this.#keys;
    if (Date.now() - this.#failedAt < RETRY_DISCOVERY_MS) throw new Error(this.#lastFailure);
    try {
      this.#keys ??= remoteKeys(await discoverJwksUri(this.#options.issuer));
      return this.#keys;
    } catch (error) {
      this.#failedAt = Date.now();
      this.#lastFailure = messageOf(error);
      throw error;
    }
  }
}

// jose caches the set, refetches it for an unknown kid at most every 30 s, and times requests out.
const remoteKeys = (uri: string): JWTVerifyGetKey => createRemoteJWKSet(new URL(uri), { timeoutDuration: AS_TIMEOUT_MS, cooldownDuration: 30_000 });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Why the token itself is bad, or undefined when the failure is ours or the authorization server's (a 503). */
function invalidReason(error: unknown, { issuer, audiences }: JwtOptions): string | undefined {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return `its issuer is not ${issuer}`;
    if (error.claim === 'aud') return `its audience is not this server (${audiences[0]}): request the token with resource=${audiences[0]}`;
    if (error.claim === 'nbf') return 'it is not valid yet (nbf)';
    if (error.claim === 'exp') return 'it has no expiry (exp)';
    return `its ${error.claim} claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}`;
  }
  if (!(error instanceof errors.JOSEError)) return undefined; // a network failure of the JWKS fetch
  return INVALID[error.code];
}
