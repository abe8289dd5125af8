// The header's sign-in controls: "Sign in" (data-testid=signin) when the server has OAuth, then who is signed in
// (data-testid=account) and "Sign out" (data-testid=signout). One credential at a time: signing in replaces the
// typed token, and typing a token signs out (app.ts). The OAuth steps themselves are oauth.ts's.
import { byTestId } from './dom.js';
import { beginSignIn, discoverSignIn, finishSignIn, isSignInAnswer, type SignInInfo, signedInAs, signOut } from './oauth.js';
import type { PageOAuthProvider } from './oauth-provider.js';

export interface SignInEvents {
  /** The script being written: kept in this tab while the person is away signing in (draft()). */
  script(): string;
  /** Signed in (or still, from earlier in this tab): connect with this provider. */
  signedIn(provider: PageOAuthProvider): void;
  /** Signed out by the person: drop the connection. */
  signedOut(): void;
  /** A sign-in failed or was refused; the message says what to do. */
  problem(message: string): void;
}

export interface SignIn {
  /** Whether this server signs people in (known once start() resolved). */
  readonly available: boolean;
  /** Whether someone is signed in. */
  readonly signedIn: boolean;
  /**
   * Finds whether the server has OAuth, and finishes the sign-in this load is the answer to, or resumes this tab's
   * (then signedIn fires). With `tokenFirst` (a token was given to this load), a stored sign-in is forgotten instead.
   */
  start(tokenFirst: boolean): Promise<void>;
  /** The person gave a token instead: forget the sign-in, quietly. */
  forget(): void;
  /** The server no longer takes the tokens and no refresh helped: show Sign in again. */
  expired(): boolean;
}

export function createSignIn(mcpUrl: URL, events: SignInEvents): SignIn {
  const ui = {
    signin: byTestId<HTMLButtonElement>('signin'),
    signout: byTestId<HTMLButtonElement>('signout'),
    account: byTestId('account'),
  };
  let info: SignInInfo | undefined;
  /** A token was given before discovery finished: it wins over a stored sign-in. */
  let tokenGiven = false;

  const show = (): void => {
    const who = info?.provider.tokens() ? (signedInAs(info.provider) ?? 'signed in') : undefined;
    ui.signin.hidden = info === undefined || who !== undefined;
    ui.signout.hidden = ui.account.hidden = who === undefined;
    ui.account.textContent = who === undefined ? '' : who === 'signed in' ? 'Signed in' : `Signed in as ${who}`;
    if (info) ui.signin.title = `Sign in at ${info.issuer}`;
  };

  ui.signin.addEventListener('click', () => {
    if (!info) return;
    const { provider } = info;
    ui.signin.disabled = true;
    keepDraft(events.script());
    beginSignIn(provider, mcpUrl)
      .then((result) => {
        if (result !== 'AUTHORIZED') return;
        keepDraft(undefined);
        signedIn(provider); // a refresh token was enough: no trip to the authorization server
      })
      .catch((error: unknown) => events.problem(error instanceof Error ? error.message : String(error)))
      .finally(() => (ui.signin.disabled = false));
  });

  ui.signout.addEventListener('click', () => {
    if (info) signOut(info.provider);
    show();
    events.signedOut();
  });

  function signedIn(provider: PageOAuthProvider): void {
    show();
    events.signedIn(provider);
  }

  return {
    get available() {
      return info !== undefined;
    },
    get signedIn() {
      return info?.provider.tokens() !== undefined;
    },
    async start(tokenFirst) {
      const answering = isSignInAnswer();
      info = await discoverSignIn(mcpUrl);
      if (!info) {
        if (answering) events.problem('This page came back from a sign-in, but the server does not offer OAuth sign-in (any more).');
        return show();
      }
      const { provider } = info;
      if (answering) {
        try {
          await finishSignIn(provider, mcpUrl);
        } catch (error) {
          show();
          return events.problem(error instanceof Error ? error.message : String(error));
        }
        return signedIn(provider);
      }
      if (tokenFirst || tokenGiven) signOut(provider);
      if (provider.tokens()) return signedIn(provider);
      show();
    },
    forget() {
      tokenGiven = true;
      if (info) signOut(info.provider);
      show();
    },
    expired() {
      if (!info?.provider.needsSignIn) return false;
      signOut(info.provider);
      show();
      return true;
    },
  };
}

const DRAFT = 'enclave-mcp.playground.draft';

function keepDraft(code: string | undefined): void {
  try {
    if (code === undefined) sessionStorage.removeItem(DRAFT);
    else sessionStorage.setItem(DRAFT, code);
  } catch {
    // storage disabled: the page comes back with its first example
  }
}

/** The script the person was writing when they left to sign in, once, when this load is the way back. */
export function draft(): string | undefined {
  if (!isSignInAnswer()) return undefined;
  try {
    const code = sessionStorage.getItem(DRAFT) ?? undefined;
    sessionStorage.removeItem(DRAFT);
    return code;
  } catch {
    return undefined;
  }
}
