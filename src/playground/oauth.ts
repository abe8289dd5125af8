// Signing a person in with the server's authorization server (DESIGN §6–7, MCP authorization): OAuth 2.1
// authorization code with PKCE (S256) and the RFC 8707 resource the server's RFC 9728 metadata names, all through
// the MCP SDK's auth() as any MCP client does it. The page leaves for the authorization server and comes back to its
// own address with ?code=&state= (or ?error=); finishSignIn() checks the state, trades the code for tokens and
// cleans the address bar. The SDK's own rules apply (the resource must be this server's, tokens bound to their issuer).
import { auth, discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { PageOAuthProvider, tabStore } from './oauth-provider.js';

/** What the page knows once it found the server signs people in. */
export interface SignInInfo {
  /** The authorization server (the first of the metadata's authorization_servers). */
  issuer: string;
  provider: PageOAuthProvider;
}

/** Query parameters of an authorization response (RFC 6749 §4.1.2, RFC 9207's iss): taken out of the address bar. */
const ANSWER_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/**
 * Whether the server signs people in: web/config.json says whether it has auth.oauth (and the client id the operator
 * configured for the page, if any); then its protected-resource metadata (public, no token), found the RFC 9728 way
 * from the MCP endpoint. undefined: no OAuth here, or it cannot be read; the token field still works.
 */
export async function discoverSignIn(mcpUrl: URL): Promise<SignInInfo | undefined> {
  type Config = { oauth?: unknown; oauthClientId?: unknown };
  const config: Config = await fetch(new URL('web/config.json', location.href), { headers: { Accept: 'application/json' } })
    .then((r): Promise<Config> | Config => (r.ok ? (r.json() as Promise<Config>) : {}))
    .catch(() => ({}));
  if (config.oauth !== true) return undefined; // the server says it has no auth.oauth: the token field is the way in
  let issuer: string | undefined;
  try {
    issuer = (await discoverOAuthProtectedResourceMetadata(mcpUrl)).authorization_servers?.[0];
  } catch {
    return undefined;
  }
  if (!issuer) return undefined;
  const clientId = typeof config.oauthClientId === 'string' && config.oauthClientId !== '' ? config.oauthClientId : undefined;
  return { issuer, provider: new PageOAuthProvider(clientId) };
}

/** Whether this load is the authorization server's answer (then finishSignIn() must run before anything connects). */
export const isSignInAnswer = (): boolean => {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
};

/**
 * Leaves for the authorization server (registering the page first when it has no client id). Resolves 'AUTHORIZED'
 * without leaving when a refresh token was enough.
 */
export async function beginSignIn(provider: PageOAuthProvider, mcpUrl: URL): Promise<'AUTHORIZED' | 'REDIRECT'> {
  provider.interactive = true;
  try {
    return await auth(provider, { serverUrl: mcpUrl });
  } catch (error) {
    throw new Error(`Sign-in could not start: ${explain(error)}`);
  } finally {
    provider.interactive = false;
  }
}

/** Completes the sign-in this load answers. Throws an Error whose message is for the person. */
export async function finishSignIn(provider: PageOAuthProvider, mcpUrl: URL): Promise<void> {
  const params = new URLSearchParams(location.search);
  const given = Object.fromEntries(ANSWER_PARAMS.map((name) => [name, params.get(name) ?? undefined]));
  for (const name of ANSWER_PARAMS) params.delete(name);
  const rest = params.toString();
  // A code is single-use and short-lived, but it is not left where a bookmark, a share or a reload would take it.
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  const expected = tabStore.get('state');
  tabStore.set('state', undefined); // one answer per sign-in
  if (!expected || given.state !== expected)
    throw new Error('Sign-in failed: the answer does not belong to a sign-in this tab started (state mismatch). Sign in again.');
  const issuer = provider.discoveryState()?.authorizationServerMetadata?.issuer;
  // RFC 9207: an answer naming another authorization server is a mix-up attack; its code must go nowhere.
  if (given.iss && issuer && given.iss.replace(/\/$/, '') !== issuer.replace(/\/$/, ''))
    throw new Error(`Sign-in failed: the answer came from ${given.iss}, not ${issuer}. Sign in again.`);
  if (given.error) {
    const why = given.error_description ? `${given.error}: ${given.error_description}` : given.error;
    throw new Error(`Sign-in refused by the authorization server (${why}). Sign in again, or use a token.`);
  }
  if (!given.code) throw new Error('Sign-in failed: the answer holds no code. Sign in again.');
  try {
    await auth(provider, { serverUrl: mcpUrl, authorizationCode: given.code });
  } catch (error) {
    throw new Error(`Sign-in failed: ${explain(error)}`);
  } finally {
    tabStore.set('verifier', undefined);
  }
}

/** Forgets the tokens (and any sign-in under way); the page's registration stays for the next sign-in. */
export function signOut(provider: PageOAuthProvider): void {
  provider.invalidateCredentials('tokens');
  provider.invalidateCredentials('verifier');
}

/**
 * Who the access token says is signed in, when it is a JWT that names them (opaque tokens say nothing to the page).
 * Read for display only: the server checks the token, the page never trusts it for anything.
 */
export function signedInAs(provider: PageOAuthProvider): string | undefined {
  const token = provider.tokens()?.access_token;
  const payload = token?.split('.')[1];
  if (!payload || token?.split('.').length !== 3) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
    const name = [claims.preferred_username, claims.name, claims.email, claims.sub].find((v) => typeof v === 'string' && v !== '');
    return name as string | undefined;
  } catch {
    return undefined;
  }
}

/** The SDK's errors name the step (discovery, registration, token request); a TypeError from fetch is a network or CSP block. */
function explain(error: unknown): string {
  if (error instanceof TypeError)
    return `the authorization server could not be reached from this page (${error.message}); its endpoints must be on the issuer's origin and answer CORS`;
  const message = error instanceof Error ? error.message : String(error);
  if (/dynamic client registration/i.test(message))
    return `${message}. The operator registers a client for this page there (redirect URI ${new URL('./', location.href).href}) and names it in the manifest as auth.oauth.playgroundClientId`;
  return message;
}
