// The token the page sends with every POST /mcp. It is typed in (data-testid=token) or handed over in the URL's
// fragment (#token=…, which browsers never send to a server), then kept for this tab only (sessionStorage: gone when
// the tab closes, never shared with other tabs) and removed from the address bar so it is not bookmarked or shared.
import { fragmentParams } from './share.js';

const KEY = 'enclave-mcp.playground.token';

/** The token from the fragment (and takes it out of the address bar), else the one this tab remembered. */
export function initialToken(): string {
  const params = fragmentParams(location.hash);
  const given = params.get('token');
  if (given) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    remember(given);
    return given;
  }
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return ''; // storage disabled: the person types it each time
  }
}

export function remember(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: nothing to keep
  }
}
