// What an HTTP request must pass before its token is even looked at (http-auth.ts): Host and Origin checks against
// DNS rebinding. Decided once at start-up (`guardsFor`), so the per-request path is a few set lookups.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../shared/index.js';
import type { Refusal } from './http-replies.js';

/** Names that reach this machine only. Anything else is reachable from the network. */
const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
/** Binding to every interface: no single Host name is "ours". */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

export const isLoopback = (host: string): boolean => LOOPBACK.has(host.toLowerCase());

/**
 * The server token (the operator's): the one given, or a fresh random one, but only when nobody else can reach us.
 * When the manifest's `auth` says who may call (named tokens, OAuth), none is generated: only a given one is added.
 */
export function resolveToken(host: string, token: string | undefined, manifestAuth = false): { token: string | undefined; generated: boolean } {
  if (token !== undefined) {
    if (token.trim() === '')
      throw new ConfigError('The bearer token is empty. Pass --token with a long random value, or unset ENCLAVE_MCP_TOKEN to get a generated one.');
    return { token, generated: false };
  }
  if (manifestAuth) return { token: undefined, generated: false };
  if (!isLoopback(host)) {
    throw new ConfigError(
      `Refusing to listen on ${host} without a bearer token: anyone who can reach it could run scripts with your tools. ` +
        'Pass --token <long random value> (or set ENCLAVE_MCP_TOKEN), or bind to 127.0.0.1.',
    );
  }
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

export interface GuardOptions {
  host: string;
  port: number;
  /** More Host header values to accept ("name" or "name:port"), e.g. a load balancer's public name. */
  allowedHosts?: readonly string[];
  /** More Origin values to accept, e.g. "https://app.example"; otherwise only our own origin. */
  allowedOrigins?: readonly string[];
}

export interface Guards {
  /** The first thing wrong with the request, or undefined when it may proceed. */
  check(req: IncomingMessage): Refusal | undefined;
}

/** A host as a URL or Host header writes it: an IPv6 address in brackets. */
export const bracket = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** The Host values a request may carry, or undefined when any is fine (wildcard binding with no list: the token guards). */
function hostsFor({ host, port, allowedHosts = [] }: GuardOptions): Set<string> | undefined {
  const names = isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]'] : WILDCARD.has(host) ? [] : [bracket(host)];
  if (names.length === 0 && allowedHosts.length === 0) return undefined;
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`.toLowerCase());
    if (port === 80) hosts.add(name.toLowerCase()); // the default port may be left out
  }
  for (const extra of allowedHosts) hosts.add(extra.toLowerCase());
  return hosts;
}

/**
 * Our own origin only (the names and port of the Host check), plus any configured. Another local port is another web
 * application, possibly one serving untrusted pages: it is refused unless listed in allowedOrigins.
 */
function originsFor({ allowedHosts = [], allowedOrigins = [] }: GuardOptions, hosts: Set<string> | undefined): Set<string> {
  const origins = new Set<string>();
  for (const host of hosts ?? []) origins.add(`http://${host}`);
  for (const extra of allowedHosts) origins.add(`https://${extra.toLowerCase()}`); // a TLS proxy in front of us
  for (const extra of allowedOrigins) origins.add(extra.toLowerCase().replace(/\/$/, ''));
  return origins;
}

export function guardsFor(options: GuardOptions): Guards {
  const hosts = hostsFor(options);
  const origins = originsFor(options, hosts);
  return {
    check(req) {
      const host = req.headers.host?.toLowerCase();
      if (hosts && (host === undefined || !hosts.has(host))) return { kind: 'foreign-host', detail: host ?? '(none)' };
      const origin = req.headers.origin;
      // Browsers send Origin on cross-site requests; a page that rebinds a name to 127.0.0.1 still carries its own.
      // Bound to every interface with no Host list, no Origin is ours: the playground there needs its address named
      // (--public-url or --allowed-host), as a rebinding page's own name would otherwise pass as "same origin".
      if (origin !== undefined && !origins.has(origin.toLowerCase())) return { kind: 'foreign-origin', detail: origin };
      return undefined;
    },
  };
}
