// The page's one connection to the server: the client library over POST /mcp with the token the person gave, the
// level and limits the server checks this caller at (for live validation) and the allowed tools (for completion,
// the panel and the examples), refreshed when the server says its tool list changed.
import { connectEnclave, type EnclaveClient, EnclaveClientError, type OAuthClientProvider } from '../client/index.js';
import { catalogOf, type ToolEntry } from './tool-catalog.js';
import type { Settings } from './validation.js';

export type ConnectionState =
  | { kind: 'no-token' }
  | { kind: 'connecting' }
  | { kind: 'connected'; settings: Settings | undefined; catalog: ToolEntry[] }
  | { kind: 'failed'; message: string };

export interface Connection {
  /** Connects with this token (or a signed-in OAuth provider), closing the previous connection; the outcome goes to onState. */
  connect(credential: string | OAuthClientProvider): Promise<void>;
  /** The open client, connecting again with the last token when the connection was lost; undefined without one. */
  client(): Promise<EnclaveClient | undefined>;
  /** The connection broke under a request: the next client() connects again. */
  lost(): void;
}

export function createConnection(url: URL, onState: (state: ConnectionState) => void): Connection {
  let token = '';
  let provider: OAuthClientProvider | undefined;
  let current: Promise<EnclaveClient | undefined> = Promise.resolve(undefined);
  let generation = 0;

  const open = async (mine: number): Promise<EnclaveClient | undefined> => {
    onState({ kind: 'connecting' });
    let client: EnclaveClient | undefined;
    try {
      const auth = provider ? { authProvider: provider } : { token };
      const connected = await connectEnclave({ url, ...auth, clientName: 'enclave-mcp playground' });
      client = connected;
      const [settings, tools] = await Promise.all([connected.settings(), connected.tools()]);
      if (mine !== generation) {
        void connected.close(); // a newer token was given meanwhile
        return undefined;
      }
      connected.onToolsChanged(() => {
        void connected.tools().then((fresh) => mine === generation && onState({ kind: 'connected', settings, catalog: catalogOf(fresh) }));
      });
      onState({ kind: 'connected', settings, catalog: catalogOf(tools) });
      return connected;
    } catch (error) {
      void client?.close(); // connected, then listing failed: the session is not left open on the server
      if (mine === generation) onState({ kind: 'failed', message: failure(error, provider !== undefined) });
      return undefined;
    }
  };

  return {
    async connect(next) {
      provider = typeof next === 'string' ? undefined : next;
      token = typeof next === 'string' ? next.trim() : '';
      const mine = ++generation;
      const previous = current;
      current = token || provider ? open(mine) : Promise.resolve(undefined);
      if (!token && !provider) onState({ kind: 'no-token' });
      void previous.then((c) => c?.close()).catch(() => undefined);
      await current;
    },
    async client() {
      const client = await current;
      if (client || (!token && !provider)) return client;
      current = open(++generation);
      return current;
    },
    lost() {
      const previous = current;
      current = Promise.resolve(undefined);
      void previous.then((c) => c?.close()).catch(() => undefined);
    },
  };
}

/** What to tell the person: the client library's messages already say what to do. */
export function failure(error: unknown, signedIn = false): string {
  if (error instanceof EnclaveClientError && error.code === 'AUTH_FAILED' && signedIn)
    return error.status === 403
      ? 'Signed in, but this server refused the account (403): it may not use this server. Sign out, or sign in as someone else.'
      : 'The sign-in was not accepted (it expired or was revoked): sign in again.';
  if (error instanceof EnclaveClientError) return error.code === 'AUTH_FAILED' ? `Token refused: ${error.message}` : error.message;
  return `Could not connect: ${error instanceof Error ? error.message : String(error)}`;
}
