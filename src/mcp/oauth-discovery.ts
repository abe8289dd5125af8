// Where an authorization server's signing keys are, when the manifest does not say (auth.oauth.jwksUri): read from
// its metadata, RFC 8414 first, then OpenID Connect Discovery, the documents MCP clients read too.

/** How long one metadata, JWKS or introspection request to the authorization server may take. */
export const AS_TIMEOUT_MS = 5_000;

/** An issuer as compared: one trailing slash does not make another issuer (providers differ in writing it). */
export const sameIssuer = (a: string, b: string): boolean => a.replace(/\/$/, '') === b.replace(/\/$/, '');

/** The metadata URLs to try, in order (RFC 8414 §3.1 inserts the well-known segment before the issuer's path). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const at = (p: string): string => new URL(p, url.origin).href;
  return [at(`/.well-known/oauth-authorization-server${path}`), at(`${path}/.well-known/openid-configuration`)];
}

/**
 * The issuer's jwks_uri. Throws an Error saying what failed (unreachable, no document, a document for another issuer,
 * no jwks_uri): the caller answers 503 and logs it, since the token itself may be fine.
 */
export async function discoverJwksUri(issuer: string, fetchFn: typeof fetch = fetch): Promise<string> {
  const tried: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await fetchFn(url, { headers: { Accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(AS_TIMEOUT_MS) });
    } catch (error) {
      tried.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      tried.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const metadata = (await response.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
    // RFC 8414 §3.3: a document naming another issuer must not be used (it could point at an attacker's keys).
    if (typeof metadata?.issuer !== 'string' || !sameIssuer(metadata.issuer, issuer)) {
      throw new Error(`the metadata at ${url} is for issuer ${JSON.stringify(metadata?.issuer)}, not ${issuer}`);
    }
    if (typeof metadata.jwks_uri !== 'string' || !/^https?:\/\//.test(metadata.jwks_uri)) {
      throw new Error(`the metadata at ${url} names no jwks_uri; set auth.oauth.jwksUri, or auth.oauth.introspection for opaque tokens`);
    }
    return metadata.jwks_uri;
  }
  throw new Error(`no authorization server metadata for ${issuer} (${tried.join('; ')})`);
}
