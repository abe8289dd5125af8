// CORS for web applications on other origins (--allow-origin): a browser app calls /mcp with its own bearer token.
// Only origins the operator listed get CORS headers; the Origin guard (http-guards.ts) has already refused every
// other foreign origin, so this step only adds what the browser needs to let the listed ones read our answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a browser app sends: its token, JSON, the session and protocol headers, and SSE's resume header. */
const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
/** What it must be able to read: the session id it is given, and why a request was refused. */
const EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';

/** "https://App.example/" → "https://app.example"; anything that is not an http(s) origin → undefined. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export type CorsStep = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Adds CORS headers for the listed origins and answers their preflights (204) before any token is asked for: a
 * preflight never carries one. No credentials mode: tokens travel in Authorization, never in cookies.
 */
export function corsFor(origins: readonly string[]): CorsStep {
  const allowed = new Set(origins.map((o) => normalizeOrigin(o) ?? o.toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin.toLowerCase())) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, DELETE',
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    next();
  };
}
