// Opaque access tokens, asked about at the authorization server's RFC 7662 introspection endpoint with our client
// credentials. The answer gets the same issuer, audience and time checks as a JWT, and is cached briefly (by a hash
// of the token, never the token) so a busy client does not cost one round trip per request.
import { createHash } from 'node:crypto';
import { AS_TIMEOUT_MS, sameIssuer } from './oauth-discovery.js';
import { CLOCK_TOLERANCE_S, type TokenCheck } from './oauth-jwt.js';

export interface IntrospectionOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  issuer: string;
  audiences: readonly string[];
  /** Answers kept at most this long (default 60 s; never past the token's exp). */
  ttlMs?: number;
  /** Answers kept at most (default 10,000; the oldest goes first). */
  maxEntries?: number;
}

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded. */
const formEncode = (text: string): string => encodeURIComponent(text).replace(/%20/g, '+');

export class Introspector {
  readonly #options: IntrospectionOptions;
  readonly #authorization: string;
  readonly #cache = new Map<string, { until: number; check: TokenCheck }>();

  constructor(options: IntrospectionOptions) {
    this.#options = options;
    this.#authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`;
  }

  async verify(token: string): Promise<TokenCheck> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return cached.check;
    this.#cache.delete(key);
    const asked = await this.#ask(token);
    if ('failed' in asked) return asked.failed;
    const { answer } = asked;
    const check = checkAnswer(answer, this.#options);
    // An inactive or refused token stays refused; an accepted one is kept no longer than it lives.
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Number.POSITIVE_INFINITY;
    this.#remember(key, { until: Math.min(Date.now() + (this.#options.ttlMs ?? 60_000), exp), check });
    return check;
  }

  async #ask(token: string): Promise<{ answer: Record<string, unknown> } | { failed: TokenCheck }> {
    const unavailable = (why: string) => ({
      failed: { ok: false as const, unavailable: true, reason: `the introspection endpoint ${this.#options.url} ${why}` },
    });
    let response: Response;
    try {
      response = await fetch(this.#options.url, {
        method: 'POST',
        headers: { Authorization: this.#authorization, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        redirect: 'error',
        signal: AbortSignal.timeout(AS_TIMEOUT_MS),
      });
    } catch (error) {
      return unavailable(`could not be reached (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const hint = response.status === 401 ? ': check auth.oauth.introspection.clientId and clientSecret' : '';
      return unavailable(`answered HTTP ${response.status}${hint}`);
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return unavailable('answered with something other than a JSON object');
    return { answer: answer as Record<string, unknown> };
  }

  #remember(key: string, entry: { until: number; check: TokenCheck }): void {
    if (this.#cache.size >= (this.#options.maxEntries ?? 10_000)) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, entry);
  }
}

/** RFC 7662's answer held to what a JWT must show: active, our issuer, our audience (required), within its times. */
function checkAnswer(answer: Record<string, unknown>, { issuer, audiences }: IntrospectionOptions): TokenCheck {
  const refuse = (reason: string): TokenCheck => ({ ok: false, unavailable: false, reason });
  if (answer.active !== true) return refuse('the authorization server says it is not active (expired, revoked or unknown)');
  if (answer.iss !== undefined && !(typeof answer.iss === 'string' && sameIssuer(answer.iss, issuer))) return refuse(`its issuer is not ${issuer}`);
  // Without an audience, a token issued for any other resource of the same authorization server would pass here.
  const aud = typeof answer.aud === 'string' ? [answer.aud] : Array.isArray(answer.aud) ? answer.aud : [];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) {
    return refuse(`its audience is not this server (${audiences[0]}): request the token with resource=${audiences[0]}`);
  }
  const now = Date.now() / 1000;
  if (typeof answer.exp === 'number' && answer.exp + CLOCK_TOLERANCE_S < now) return refuse('the token has expired');
  if (typeof answer.nbf === 'number' && answer.nbf - CLOCK_TOLERANCE_S > now) return refuse('it is not valid yet (nbf)');
  return { ok: true, claims: answer };
}
