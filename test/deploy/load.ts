// The replica load: SDK clients through nginx, each running its executions one after another, every script making
// three get-sum calls whose total is known only to that execution, so a result delivered to the wrong request, or
// computed from another's calls, shows as a wrong value. Optionally something (a replica's death) happens once a
// given number of executions have finished. Shared by test/deploy/replicas.test.ts and bench/replicas.ts.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface Execution {
  id: number;
  /** The execution succeeded (its result says success). */
  ok: boolean;
  /** It succeeded with the value only this execution could compute. */
  right: boolean;
  ms: number;
  /** nginx's X-Upstream for the tools/call: the replica(s) tried, the last one answered ("a, b" after a retry). */
  upstream: string | undefined;
  /** Why it failed: the result's error code or what the client threw. */
  why: string;
  start: number;
}

export interface LoadOptions {
  /** nginx's base URL (…:port); the clients use <url>/mcp. */
  url: string;
  token: string;
  clients: number;
  each: number;
  /**
   * Called once, when this many executions have finished and, with `busy`, once that replica is answering one (its
   * response begun). A client sees the response begin only when its event loop gets to it: with `holdMs` longer than
   * that delay can be, a kill then lands mid-answer whatever the machine's load.
   */
  after?: { finished: number; run: () => void; busy?: string };
  /** A client gives up on one execution after this long (default 60 s). */
  timeoutMs?: number;
  /**
   * Each execution first waits this long in a downstream call (server-everything's trigger-long-running-operation,
   * which the manifest must allow), so that its replica answers it for at least that long: a client the machine's
   * load makes late to see a response begin still sees it while the execution runs. Default 0 (no such call).
   */
  holdMs?: number;
}

export interface LoadResult {
  executions: Execution[];
  t0: number;
  /** When `after` ran (ms since the epoch), if it did. */
  firedAt: number | undefined;
  end: number;
}

/** The replica that answered: the last address in $upstream_addr. */
export const lastHop = (upstream: string | undefined): string => (upstream ?? '').split(',').pop()!.trim();

interface Script {
  id: number;
  code: string;
  /** The value only this execution computes. */
  want: number;
}

const script = (id: number, holdMs: number): Script => {
  const [a, b, c] = [id * 3 + 1, id * 7 + 2, id * 11 + 3];
  const hold = holdMs > 0 ? `await callTool('everything:trigger-long-running-operation', { duration: ${holdMs / 1000}, steps: 1 });\n` : '';
  const code = `${hold}let total = 0;
for (const [x, y] of [[${a}, 1], [${b}, 2], [${c}, 3]]) {
  const r = await callTool('everything:get-sum', { a: x, b: y });
  total += parseFloat(JSON.stringify(r).split(' is ')[1]);
}
return { id: ${id}, total };`;
  return { id, code, want: a + 1 + (b + 2) + (c + 3) };
};

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const executions: Execution[] = [];
  let finished = 0;
  let firedAt: number | undefined;
  const t0 = Date.now();
  const clients: Array<Connected | undefined> = [];
  const after = options.after;
  /** Whether `after` may run now: enough finished, and the replica it names (if any) is answering an execution. */
  const due = (): boolean =>
    finished >= (after?.finished ?? Infinity) && (after?.busy === undefined || clients.some((c) => c?.busy && lastHop(c.upstream) === after.busy));
  const fire = (): void => {
    if (!after || firedAt !== undefined || !due()) return;
    firedAt = Date.now();
    after.run();
  };
  // The replica's answer begins between two finishes: look again as responses start, not only as executions end.
  const watch = after?.busy === undefined ? undefined : setInterval(fire, 5);
  try {
    await Promise.all(
      Array.from({ length: options.clients }, async (_, ci) => {
        const client = await connectThrough(options);
        clients[ci] = client;
        for (let k = 0; k < options.each; k++) {
          executions.push(await execute(client, script(ci * options.each + k, options.holdMs ?? 0), options.timeoutMs ?? 60_000));
          finished++;
          fire();
        }
        await client?.handle.close().catch(() => undefined);
      }),
    );
  } finally {
    clearInterval(watch);
  }
  return { executions, t0, firedAt, end: Date.now() };
}

interface Connected {
  handle: Client;
  /** X-Upstream of the last tools/call response. */
  upstream: string | undefined;
  /** Aborts the execution in flight: its response stream broke. */
  broken: (() => void) | undefined;
  /** An execution is in flight, and `upstream` says which replica answers it (once its response began). */
  busy: boolean;
}

/** An SDK client through nginx; three tries, since a connection may land on a replica as it dies. */
async function connectThrough(options: LoadOptions): Promise<Connected | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const connected: Connected = { handle: new Client({ name: 'replicas-load', version: '1.0.0' }), upstream: undefined, broken: undefined, busy: false };
    const transport = new StreamableHTTPClientTransport(new URL(`${options.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${options.token}` } },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) connected.upstream = res.headers.get('x-upstream') ?? '(none)';
        return res;
      },
    });
    // The SDK client (1.32) reports a response stream that broke before its result through onerror, and then waits
    // for the request's timeout; a client that wants to know at once aborts the request there. One execution is in
    // flight per client, so the broken stream is its.
    transport.onerror = (error) => {
      if (/SSE stream disconnected/.test(error.message)) connected.broken?.();
    };
    connected.handle.onerror = () => undefined;
    try {
      await connected.handle.connect(transport);
      return connected;
    } catch {
      // Try again at once: nginx marks the replica that failed and sends the next connection to another.
    }
  }
  return undefined;
}

async function execute(client: Connected | undefined, { id, code, want }: Script, timeoutMs: number): Promise<Execution> {
  const start = Date.now();
  if (!client) return { id, ok: false, right: false, ms: 0, upstream: undefined, why: 'could not connect', start };
  client.upstream = undefined;
  client.busy = true;
  const abort = new AbortController();
  client.broken = () => abort.abort(new Error('the response stream broke before the result'));
  try {
    const r = await client.handle.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: timeoutMs, signal: abort.signal });
    const sc = r.structuredContent as { success?: boolean; value?: { id?: number; total?: number }; error?: { code?: string } } | undefined;
    const ok = !r.isError && sc?.success === true;
    const right = ok && sc?.value?.id === id && sc?.value?.total === want;
    return { id, ok, right, ms: Date.now() - start, upstream: client.upstream, why: ok ? '' : (sc?.error?.code ?? JSON.stringify(r).slice(0, 200)), start };
  } catch (error) {
    return { id, ok: false, right: false, ms: Date.now() - start, upstream: client.upstream, why: `threw: ${(error as Error).message}`.slice(0, 300), start };
  } finally {
    client.broken = undefined;
    client.busy = false;
  }
}
