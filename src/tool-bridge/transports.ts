// One SDK client transport per manifest server kind. The bridge itself only sees the SDK's Transport, so
// tests can hand it any transport (the in-memory pair as well as real processes and sockets).
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { StdioProcessTransport, type StdioTarget } from './stdio-transport.js';

export type { StdioTarget } from './stdio-transport.js';

export interface HttpTarget {
  url: string;
  transport?: 'streamable-http' | 'sse';
  headers?: Record<string, string>;
}
export type ServerTarget = StdioTarget | HttpTarget;

export function isStdioTarget(target: ServerTarget): target is StdioTarget {
  return 'command' in target;
}

/** A transport ready for Client.connect(); `pid` reports the stdio child once started, `stderrTail` what it last wrote on stderr. */
export function createTransport(target: ServerTarget): Transport & { readonly pid?: number | null; stderrTail?: () => string } {
  // The stdio transport is the one owner of its child process (and of the exit hook that ends it): stdio-transport.ts.
  if (isStdioTarget(target)) return new StdioProcessTransport(target);
  const url = new URL(target.url);
  const requestInit: RequestInit = { headers: { ...target.headers } };
  // The SSE transport sends requestInit's headers on the event stream too (SDK ≥ 1.2x merges them itself).
  if (target.transport === 'sse') return new SSEClientTransport(url, { requestInit });
  return new StreamableHTTPClientTransport(url, { requestInit });
}
