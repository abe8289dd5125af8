// One SDK client transport per manifest server kind. The bridge itself only sees the SDK's Transport, so
// tests can hand it any transport (the in-memory pair as well as real processes and sockets).
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

export interface StdioTarget {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}
export interface HttpTarget {
  url: string;
  transport?: 'streamable-http' | 'sse';
  headers?: Record<string, string>;
}
export type ServerTarget = StdioTarget | HttpTarget;

/** Child processes spawned for stdio servers: killed on exit so none outlives us, however we end. */
const children = new Set<number>();
let exitHookInstalled = false;
function trackChild(pid: number | null): void {
  if (pid === null) return;
  children.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a signal per child is all we can do there, and all we need.
  process.on('exit', () => {
    for (const child of children) {
      try {
        process.kill(child, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}
function untrackChild(pid: number | null): void {
  if (pid !== null) children.delete(pid);
}

export function isStdioTarget(target: ServerTarget): target is StdioTarget {
  return 'command' in target;
}

/** What a stdio server last wrote on stderr is kept up to this many characters, to say why it failed. */
const STDERR_TAIL = 2048;

/** A transport ready for Client.connect(); `pid` reports the stdio child once started, `stderrTail` what it last wrote on stderr. */
export function createTransport(target: ServerTarget): Transport & { readonly pid?: number | null; stderrTail?: () => string } {
  if (isStdioTarget(target)) {
    const transport = new StdioClientTransport({
      command: target.command,
      args: target.args ?? [],
      // The SDK's default environment (PATH, HOME, …) with the manifest's variables over it, never our whole
      // environment: a downstream server sees only what the manifest gives it.
      env: { ...getDefaultEnvironment(), ...target.env },
      ...(target.cwd ? { cwd: target.cwd } : {}),
      // Downstream stderr never reaches our stdout (the protocol) or a script: only its tail is kept, for the
      // operator, when the server fails to start or dies (redacted where it is shown: downstream.ts).
      stderr: 'pipe',
    });
    let tail = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      const pid = transport.pid;
      trackChild(pid);
      // The client's connect() set onclose before calling start(); chain onto it so a process that ended is
      // forgotten (its pid may be reused by an unrelated process before we exit).
      const closed = transport.onclose;
      transport.onclose = () => {
        untrackChild(pid);
        closed?.();
      };
    };
    return Object.assign(transport, { stderrTail: () => tail });
  }
  const url = new URL(target.url);
  const requestInit: RequestInit = { headers: { ...target.headers } };
  // The SSE transport sends requestInit's headers on the event stream too (SDK ≥ 1.2x merges them itself).
  if (target.transport === 'sse') return new SSEClientTransport(url, { requestInit });
  return new StreamableHTTPClientTransport(url, { requestInit });
}
