// The page as an OAuth client (the SDK's OAuthClientProvider): what the SDK's auth() needs to sign a person in with
// the authorization code flow and PKCE, and to refresh or re-authorize later, as for any MCP client. Everything it
// keeps (tokens, the PKCE verifier, the state, the client registration, discovery) lives in sessionStorage: this tab
// only, gone when it closes, never shared with another tab. The page is a public client: it holds no secret.
import type { OAuthClientProvider } from '../client/index.js';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

const PREFIX = 'enclave-mcp.playground.oauth.';
/** What is kept, by key. */
const KEYS = ['tokens', 'verifier', 'state', 'client', 'discovery'] as const;
type Key = (typeof KEYS)[number];

/** sessionStorage, or nothing when the browser refuses it (then a sign-in lasts until the page is left). */
const memory = new Map<string, string>();
export const tabStore = {
  get(key: Key): string | undefined {
    try {
      return sessionStorage.getItem(PREFIX + key) ?? undefined;
    } catch {
      return memory.get(key);
    }
  },
  set(key: Key, value: string | undefined): void {
    try {
      if (value === undefined) sessionStorage.removeItem(PREFIX + key);
      else sessionStorage.setItem(PREFIX + key, value);
    } catch {
      if (value === undefined) memory.delete(key);
      else memory.set(key, value);
    }
  },
  json<T>(key: Key): T | undefined {
    const text = this.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T; // written by this module only; a damaged entry reads as absent
    } catch {
      return undefined;
    }
  },
};

/** 32 random bytes, base64url: the state, unguessable by a page that would forge a sign-in answer. */
function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export class PageOAuthProvider implements OAuthClientProvider {
  /**
   * Only a click on Sign in leaves the page for the authorization server. When the SDK finds the sign-in expired on
   * its own (a 401 no refresh token could fix), it must not take the person away from their script mid-edit: the
   * request fails instead (AUTH_FAILED), `needsSignIn` is set, and the page asks them to sign in again.
   */
  interactive = false;
  needsSignIn = false;

  /** `clientId`: the operator's registration (auth.oauth.playgroundClientId); absent: dynamic registration. */
  constructor(private readonly clientId: string | undefined) {}

  /** The page's own address (its folder: `<public-url>/`), without query or fragment. */
  get redirectUrl(): string {
    return new URL('./', location.href).href;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'enclave-mcp playground',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    const state = randomState();
    tabStore.set('state', state);
    return state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    const saved = tabStore.json<OAuthClientInformationMixed>('client');
    // The operator's client id wins over a registration of this tab (made before the operator configured one).
    if (this.clientId !== undefined) return saved?.client_id === this.clientId ? saved : { client_id: this.clientId };
    return saved;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    tabStore.set('client', JSON.stringify(info));
  }

  tokens(): OAuthTokens | undefined {
    return tabStore.json<OAuthTokens>('tokens');
  }

  saveTokens(tokens: OAuthTokens): void {
    tabStore.set('tokens', JSON.stringify(tokens));
    this.needsSignIn = false;
  }

  redirectToAuthorization(url: URL): void {
    if (this.interactive) location.assign(url.href);
    else this.needsSignIn = true;
  }

  saveCodeVerifier(verifier: string): void {
    tabStore.set('verifier', verifier);
  }

  codeVerifier(): string {
    const verifier = tabStore.get('verifier');
    if (!verifier) throw new Error('this tab has no sign-in in progress (no PKCE verifier); sign in again');
    return verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    tabStore.set('discovery', JSON.stringify(state));
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return tabStore.json<OAuthDiscoveryState>('discovery');
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    const forget: Record<typeof scope, readonly Key[]> = {
      all: KEYS,
      client: ['client'],
      tokens: ['tokens'],
      verifier: ['verifier', 'state'],
      discovery: ['discovery'],
    };
    for (const key of forget[scope]) tabStore.set(key, undefined);
  }
}
