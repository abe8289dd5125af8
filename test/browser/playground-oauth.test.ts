// The playground's OAuth sign-in in Debian's chromium, all real: oidc-provider as the authorization server (its own
// login and consent pages), the real CLI `serve --transport http` with auth.oauth naming it and --public-url, and the
// page doing authorization code + PKCE (S256) + RFC 8707 resource through the MCP SDK's auth(). A person signs in,
// lands back signed in with the tools of the principal their token maps to, runs a script; the tab keeps the
// sign-in across a reload but no other tab sees it; Sign out forgets it; a refused consent or a forged answer says
// so; the token field keeps working on the same server; an issuer without registration uses the operator's client id.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from '../fixtures/authorization-server.js';
import { freePort } from '../tool-bridge/helpers.js';
import { launchBrowser, openPage, type Seen, type Served, setScript, startServe, textOf, waitText } from './browser.js';

/** A named token of auth.tokens, mapped to its own principal (memory tools only). */
const CI_TOKEN = 'ci-bot-token-for-the-playground-oauth-test-0123456789';
/** Ada's principal sees the everything server's allowed tools; ci-bot the memory server's: the panel tells them apart. */
const ADA_TOOLS = ['everything:echo', 'everything:get-sum'];
const CI_TOOLS = ['memory:create_entities', 'memory:read_graph'];

let browser: Browser;
let as: AuthorizationServer;
let served: Served;

/** serve on a known port (the redirect URI registered up front names it) with auth.oauth naming `issuer`. */
async function serveWithOAuth(name: string, issuer: string, oauth: Record<string, unknown> = {}): Promise<Served> {
  const port = await freePort();
  return startServe(name, ['--port', String(port), '--public-url', `http://127.0.0.1:${port}`], (manifest) => ({
    ...manifest,
    auth: { tokens: { 'ci-bot': CI_TOKEN }, oauth: { issuer, requiredScopes: ['mcp'], ...oauth } },
    principals: {
      people: { match: { sub: 'ada' }, allow: ['everything:*'] },
      'ci-bot': { match: { token: 'ci-bot' }, allow: ['memory:*'] },
    },
  }));
}

beforeAll(async () => {
  [as, browser] = await Promise.all([startAuthorizationServer({ people: { registration: true } }), launchBrowser()]);
  served = await serveWithOAuth('oauth', as.issuer);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await as?.close();
});

const visible = (page: Page, id: string): Promise<boolean> => page.locator(`[data-testid=${id}]`).isVisible();
const tabStorage = (page: Page): Promise<Record<string, string>> =>
  page.evaluate(() => Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k) ?? ''])));
const onIssuer = (issuer: string) => (url: URL) => url.origin === new URL(issuer).origin;

/** Clicks Sign in and waits for the authorization server's login page; returns the authorization request's URL. */
async function goSignIn(page: Page, issuer: string, requests: Seen[]): Promise<URL> {
  await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
  await page.click('[data-testid=signin]');
  await page.waitForURL(onIssuer(issuer));
  await page.locator('input[name=login]').waitFor();
  const authorize = requests.find((r) => r.method === 'GET' && new URL(r.url).pathname === '/auth');
  if (!authorize) throw new Error(`no authorization request was made; requests: ${requests.map((r) => r.url).join(' ')}`);
  return new URL(authorize.url);
}

/** Logs in at the authorization server as `who` and consents; the page is then back on the playground. */
async function loginAndConsent(page: Page, served: Served, who: string): Promise<void> {
  await page.fill('input[name=login]', who);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.locator('button:has-text("Continue")').click(); // the consent page
  await page.waitForURL((url) => url.origin === new URL(served.base).origin);
}

describe('signing in at the authorization server', () => {
  let page: Page;
  let requests: Seen[];
  /** Console errors of the playground's own pages (the authorization server's pages load web fonts we block). */
  const errors: string[] = [];
  const script = 'const r = await callTool("everything:get-sum", { a: 2, b: 40 });\nreturn r;';

  beforeAll(async () => {
    ({ page, requests } = await openPage(browser, `${served.base}/`));
    page.on('console', (m) => m.type() === 'error' && m.location().url.startsWith(served.base) && errors.push(m.text()));
  });

  it('offers Sign in beside the token field before any token is given, from the metadata alone', async () => {
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(page, 'token')).toBe(true);
    expect(await visible(page, 'signout')).toBe(false);
    await waitText(page, 'status', (t) => t === 'Sign in, or enter a token, to connect.');
    // What it read to know: the RFC 9728 metadata (no token sent), and no MCP request before a credential.
    const metadata = requests.filter((r) => new URL(r.url).pathname.startsWith('/.well-known/oauth-protected-resource'));
    expect(metadata.length).toBeGreaterThan(0);
    expect(requests.filter((r) => new URL(r.url).pathname === '/mcp')).toEqual([]);
    // The page may reach its own origin and the issuer's (for the token request), nothing else.
    const csp = (await fetch(`${served.base}/`)).headers.get('content-security-policy') ?? '';
    expect(csp.split(/;\s*/)).toContain(`connect-src 'self' ${as.issuer}`);
  });

  it('sends the person to the authorization server with code + PKCE S256, the canonical resource, a state, the page as redirect', async () => {
    const url = await goSignIn(page, as.issuer, requests);
    const q = url.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('resource')).toBe(served.url); // <public-url>/mcp, from the metadata
    expect(q.get('redirect_uri')).toBe(`${served.base}/`);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('scope')).toBe('mcp');
    // No client id was configured: the page registered itself (RFC 7591) and uses the id it got.
    expect(requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/reg')).toHaveLength(1);
    expect(q.get('client_id')).toBeTruthy();
    // The state and the verifier wait in the tab's sessionStorage, never in localStorage.
    await page.goBack(); // (to read the playground's storage; the login page is another origin)
    const stored = await tabStorage(page);
    expect(stored['enclave-mcp.playground.oauth.state']).toBe(q.get('state'));
    expect(stored['enclave-mcp.playground.oauth.verifier']).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('comes back signed in: the address bar is clean, the tools are the principal’s, a script runs and shows its value', async () => {
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    await setScript(page, script); // the script being written comes back after the trip
    await goSignIn(page, as.issuer, requests);
    const tokenRequests = requests.length;
    await loginAndConsent(page, served, 'ada');
    await waitText(page, 'account', (t) => t === 'Signed in as ada');
    expect(page.url()).toBe(`${served.base}/`); // no ?code=, ?state= or ?iss= left to bookmark or share
    const tools = await waitText(page, 'tools', (t) => ADA_TOOLS.every((n) => t.includes(n)), 30_000);
    for (const name of CI_TOOLS) expect(tools).not.toContain(name); // ada's principal narrows to everything:*
    expect(await visible(page, 'signin')).toBe(false);
    expect(await visible(page, 'signout')).toBe(true);
    // The code went to the token endpoint with the verifier and the resource, from the page itself.
    const exchange = requests.slice(tokenRequests).find((r) => r.method === 'POST' && new URL(r.url).pathname === '/token');
    const form = new URLSearchParams(exchange?.body ?? '');
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(form.get('resource')).toBe(served.url);
    // The tokens are in this tab's sessionStorage; the verifier and state are spent.
    const stored = await tabStorage(page);
    expect(JSON.parse(stored['enclave-mcp.playground.oauth.tokens'] ?? '{}')).toMatchObject({ access_token: expect.any(String) });
    expect(stored['enclave-mcp.playground.oauth.verifier']).toBeUndefined();
    expect(stored['enclave-mcp.playground.oauth.state']).toBeUndefined();
    // The script written before leaving is back; it runs with the access token.
    expect(await page.evaluate(() => [...document.querySelectorAll('[data-testid=editor] .cm-line')].map((l) => l.textContent).join('\n'))).toBe(script);
    await page.click('[data-testid=run]');
    await waitText(page, 'result', (t) => t.includes('42'), 30_000);
    expect(await textOf(page, 'error')).toBe('');
    const mcpCalls = requests.filter((r) => new URL(r.url).pathname === '/mcp' && r.method === 'POST');
    expect(mcpCalls.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('keeps the sign-in across a reload of the tab, and no other tab sees it', async () => {
    await page.reload();
    await waitText(page, 'account', (t) => t === 'Signed in as ada');
    await waitText(page, 'tools', (t) => ADA_TOOLS.every((n) => t.includes(n)), 30_000);
    const other = await openPage(browser, `${served.base}/`);
    await other.page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(other.page, 'account')).toBe(false);
    expect(await tabStorage(other.page)).toEqual({});
    await other.page.context().close();
  });

  it('refreshes through the SDK when the server refuses the access token, without leaving the page', async () => {
    const before = JSON.parse((await tabStorage(page))['enclave-mcp.playground.oauth.tokens'] ?? '{}') as { access_token: string; refresh_token?: string };
    expect(before.refresh_token).toBeTruthy();
    // The stored access token goes bad (as an expired or revoked one would); the refresh token stays.
    await page.evaluate(() => {
      const key = 'enclave-mcp.playground.oauth.tokens';
      const tokens = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      sessionStorage.setItem(key, JSON.stringify({ ...tokens, access_token: 'not-a-token-the-server-takes' }));
    });
    const since = requests.length;
    await page.reload();
    await waitText(page, 'tools', (t) => ADA_TOOLS.every((n) => t.includes(n)), 30_000);
    expect(new URL(page.url()).origin).toBe(new URL(served.base).origin); // never sent to the login page
    const refresh = requests.slice(since).find((r) => new URL(r.url).pathname === '/token' && r.method === 'POST');
    expect(new URLSearchParams(refresh?.body ?? '').get('grant_type')).toBe('refresh_token');
    const after = JSON.parse((await tabStorage(page))['enclave-mcp.playground.oauth.tokens'] ?? '{}') as { access_token: string };
    expect(after.access_token).not.toBe('not-a-token-the-server-takes');
    expect(after.access_token.split('.')).toHaveLength(3);
  });

  it('Sign out forgets the tokens and the connection', async () => {
    await page.click('[data-testid=signout]');
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(page, 'account')).toBe(false);
    await waitText(page, 'status', (t) => t === 'Sign in, or enter a token, to connect.');
    expect(Object.keys(await tabStorage(page)).filter((k) => /tokens|verifier|state/.test(k))).toEqual([]);
    await page.click('[data-testid=run]');
    await waitText(page, 'error', (t) => /Not connected: sign in, or enter a token/.test(t));
    // A reload stays signed out.
    await page.reload();
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(page, 'account')).toBe(false);
  });
});

describe('refusals', () => {
  it('a refused consent comes back as a clear error, signed out, with a clean address bar', async () => {
    const { page, requests } = await openPage(browser, `${served.base}/`);
    await goSignIn(page, as.issuer, requests);
    const tokensBefore = as.served.get('/token') ?? 0;
    await page.click('a:has-text("Cancel")'); // the authorization server's own "[ Cancel ]"
    await page.waitForURL((url) => url.origin === new URL(served.base).origin);
    const status = await waitText(page, 'status', (t) => /Sign-in refused/.test(t));
    expect(status).toBe('Sign-in refused by the authorization server (access_denied: End-User aborted interaction). Sign in again, or use a token.');
    expect(await page.locator('[data-testid=status]').getAttribute('class')).toContain('bad');
    expect(page.url()).toBe(`${served.base}/`);
    expect(await visible(page, 'signin')).toBe(true);
    expect(await visible(page, 'account')).toBe(false);
    expect((as.served.get('/token') ?? 0) - tokensBefore).toBe(0);
    await page.context().close();
  });

  it('an answer this tab did not ask for (forged state) is refused, and its code never reaches the token endpoint', async () => {
    const tokensBefore = as.served.get('/token') ?? 0;
    const { page } = await openPage(browser, `${served.base}/?code=stolen-code&state=forged-state`);
    await waitText(page, 'status', (t) => /state mismatch/.test(t));
    expect(page.url()).toBe(`${served.base}/`);
    expect(await visible(page, 'account')).toBe(false);
    expect((as.served.get('/token') ?? 0) - tokensBefore).toBe(0);
    await page.context().close();
  });

  it('a sign-in no refresh can save (both tokens refused) asks to sign in again, without leaving the page on its own', async () => {
    const { page, requests } = await openPage(browser, `${served.base}/`);
    await goSignIn(page, as.issuer, requests);
    await loginAndConsent(page, served, 'ada');
    await waitText(page, 'tools', (t) => ADA_TOOLS.every((n) => t.includes(n)), 30_000);
    await page.evaluate(() => {
      const key = 'enclave-mcp.playground.oauth.tokens';
      const tokens = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      sessionStorage.setItem(key, JSON.stringify({ ...tokens, access_token: 'revoked-access', refresh_token: 'revoked-refresh' }));
    });
    await page.reload();
    await waitText(page, 'status', (t) => /sign-in was not accepted/.test(t), 30_000);
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(page, 'account')).toBe(false);
    expect(new URL(page.url()).origin).toBe(new URL(served.base).origin); // the SDK's re-authorization waits for a click
    expect((await tabStorage(page))['enclave-mcp.playground.oauth.tokens']).toBeUndefined();
    await page.context().close();
  });

  it('a signed-in person no principal matches is told the server refused the account (403)', async () => {
    const { page, requests } = await openPage(browser, `${served.base}/`);
    await goSignIn(page, as.issuer, requests);
    await loginAndConsent(page, served, 'mallory');
    await waitText(page, 'account', (t) => t === 'Signed in as mallory');
    await waitText(page, 'status', (t) => /refused the account \(403\)/.test(t), 30_000);
    expect(await textOf(page, 'tools')).toBe('Not connected.');
    await page.context().close();
  });
});

describe('the token field on the same server', () => {
  it('a named token of auth.tokens still connects, with its own principal’s tools, and replaces a sign-in', async () => {
    const { page, requests } = await openPage(browser, `${served.base}/`);
    await goSignIn(page, as.issuer, requests);
    await loginAndConsent(page, served, 'ada');
    await waitText(page, 'tools', (t) => ADA_TOOLS.every((n) => t.includes(n)), 30_000);
    await page.fill('[data-testid=token]', CI_TOKEN);
    await page.press('[data-testid=token]', 'Tab');
    const tools = await waitText(page, 'tools', (t) => CI_TOOLS.every((n) => t.includes(n)), 30_000);
    for (const name of ADA_TOOLS) expect(tools).not.toContain(name);
    // One credential at a time: the sign-in is gone from the tab, Sign in is offered again.
    await page.locator('[data-testid=signin]').waitFor({ state: 'visible' });
    expect(await visible(page, 'account')).toBe(false);
    expect((await tabStorage(page))['enclave-mcp.playground.oauth.tokens']).toBeUndefined();
    await setScript(page, 'const g = await callTool("memory:read_graph", {});\nreturn { entities: g.entities.length };');
    await page.click('[data-testid=run]');
    await waitText(page, 'result', (t) => /entities/.test(t), 30_000);
    expect(await textOf(page, 'error')).toBe('');
    await page.context().close();
  });
});

describe('an issuer without dynamic registration', () => {
  let plain: AuthorizationServer | undefined;
  let second: Served | undefined;
  afterAll(async () => {
    await second?.stop();
    await plain?.close();
  });

  it("signs in with the operator's client id (auth.oauth.playgroundClientId) and registers nothing", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    plain = await startAuthorizationServer({ people: { clients: { 'enclave-playground': [`${base}/`] } } });
    second = await startServe('oauth-client-id', ['--port', String(port), '--public-url', base], (manifest) => ({
      ...manifest,
      auth: { oauth: { issuer: plain!.issuer, requiredScopes: ['mcp'], playgroundClientId: 'enclave-playground' } },
    }));
    const { page, requests } = await openPage(browser, `${second.base}/`);
    const url = await goSignIn(page, plain.issuer, requests);
    expect(url.searchParams.get('client_id')).toBe('enclave-playground');
    expect(plain.served.get('/reg') ?? 0).toBe(0);
    await loginAndConsent(page, second, 'grace');
    await waitText(page, 'account', (t) => t === 'Signed in as grace');
    // No principals here: every valid token gets the manifest's tools.
    await waitText(page, 'tools', (t) => [...ADA_TOOLS, ...CI_TOOLS].every((n) => t.includes(n)), 30_000);
    await page.context().close();
  }, 120_000);
});
