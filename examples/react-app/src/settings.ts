// Where the app finds the server: `#server=<MCP URL>&token=<token>` in the address (read once, then removed from the
// address bar so the token does not stay in the history), else what the person types; the default is `npm start`'s.
export const DEFAULT_SERVER = 'http://127.0.0.1:3333/mcp';

export interface ServerSettings {
  server: string;
  token: string;
}

export function takeSettingsFromFragment(): ServerSettings | undefined {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (!token) return undefined;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return { server: fragment.get('server') ?? DEFAULT_SERVER, token };
}
