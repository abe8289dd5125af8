// enclave-mcp/client against the real CLI: `serve --transport http` in front of real server-memory and
// server-everything (the contract's manifest), over real HTTP on 127.0.0.1, through the real SDK client.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEnclave, EnclaveClientError, type EnclaveClient, type ExecutionEvent, type ToolCallEvent } from '../../src/client/index.js';
import { ALLOWED, DENIED, type Served, startServe } from '../browser/browser.js';
import { longScript as long, STOP_SLACK, until } from '../browser/react-scripts.js';
import { codeHash } from '../../src/mcp/access-log.js';
import { waitFor } from '../wait-for.js';

const N = Math.random().toString(36).slice(2, 8);
/** 3 tool calls with a console line between each, and a 400 ms call in the middle (the contract's script). */
const MAIN = [
  `await callTool('memory:create_entities', { entities: [{ name: 'Ada-${N}', entityType: 'person', observations: ['math'] }] });`,
  `console.log('one-${N}');`,
  `await callTool('everything:trigger-long-running-operation', { duration: 0.4, steps: 1 });`,
  `console.warn('two-${N}');`,
  `const g = await callTool('memory:read_graph', {});`,
  `return 'got:' + g.entities.map(e => e.name).filter(n => n.endsWith('-${N}')).join('+');`,
].join('\n');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof EnclaveClientError ? error.code : `not an EnclaveClientError: ${String(error)}`;
  }
}

/**
 * How many writes the long script tagged `tag` made, read once the server has logged its execution as over (its
 * access line names the script by hash): from then on it can write nothing more.
 */
async function writesOnceEnded(tag: string): Promise<number> {
  const hash = codeHash(long(tag));
  await waitFor(() => served.stderr().includes(`"codeSha256":"${hash}"`), { what: `the end of the script tagged ${tag}` });
  const count = await client.run(
    `const g = await callTool('memory:read_graph', {}); return g.entities.filter(e => e.name.startsWith('tick-') && e.name.endsWith('-${tag}')).length;`,
  );
  if (!count.success) throw new Error(`counting the writes failed: ${JSON.stringify(count.error)}`);
  return count.value as number;
}

let served: Served;
let client: EnclaveClient;
beforeAll(async () => {
  served = await startServe('client');
  client = await connectEnclave({ url: served.url, token: served.token, clientName: 'client-test' });
}, 120_000);
afterAll(async () => {
  await client?.close();
  await served?.stop();
});

describe('run()', () => {
  it('resolves to the result of DESIGN §5; callbacks come in script order, streamed while it runs, none after', async () => {
    const seen: Array<{ t: number; kind: 'tool' | 'log'; call?: ToolCallEvent; text: string }> = [];
    const raw: ExecutionEvent[] = [];
    const result = await client.run(MAIN, {
      onToolCall: (call) => seen.push({ t: Date.now(), kind: 'tool', call, text: `${call.tool} ${call.status}` }),
      onLog: ({ level, message }) => seen.push({ t: Date.now(), kind: 'log', text: `${level} ${message}` }),
      onEvent: (event) => raw.push(event),
    });
    const settled = Date.now();
    expect(result).toMatchObject({ success: true, value: `got:Ada-${N}`, stats: { toolCalls: 3 } });
    expect(result.logs).toEqual([
      { level: 'log', message: `one-${N}` },
      { level: 'warn', message: `two-${N}` },
    ]);
    expect(seen.map((s) => s.text)).toEqual([
      'memory:create_entities running',
      'memory:create_entities ok',
      `log one-${N}`,
      'everything:trigger-long-running-operation running',
      'everything:trigger-long-running-operation ok',
      `warn two-${N}`,
      'memory:read_graph running',
      'memory:read_graph ok',
    ]);
    // Streamed: the first call was reported while the 400 ms call was still ahead.
    expect(settled - seen[0]!.t).toBeGreaterThanOrEqual(200);
    // Start and end of one call share its id; the end carries its timing and size, the start its args.
    const calls = seen.flatMap((s) => (s.call ? [s.call] : []));
    expect(new Set(calls.map((c) => c.id)).size).toBe(3);
    expect(calls[0]).toMatchObject({ id: calls[1]!.id, args: { entities: [{ name: `Ada-${N}` }] } });
    expect(calls[1]).toMatchObject({ status: 'ok', durationMs: expect.any(Number), resultBytes: expect.any(Number) });
    expect(calls[3]).toMatchObject({ tool: 'everything:trigger-long-running-operation', status: 'ok' });
    expect(calls[3]!.durationMs).toBeGreaterThanOrEqual(350);
    // onEvent gets every raw event the server streams, in order (it keeps `started`, a queue metric, to itself).
    expect(raw.map((e) => e.type)).toEqual([
      'tool-call-start',
      'tool-call-end',
      'log',
      'tool-call-start',
      'tool-call-end',
      'log',
      'tool-call-start',
      'tool-call-end',
    ]);
    // Nothing after run() settled: another request on the same connection has come and gone meanwhile.
    const before = seen.length + raw.length;
    await client.searchTools('graph');
    expect(seen.length + raw.length).toBe(before);
  });

  it('record: true adds the recording of every call; without it there is none', async () => {
    const code = "return await callTool('everything:get-sum', { a: 2, b: 3 });";
    const recorded = await client.run(code, { record: true });
    expect(recorded.success).toBe(true);
    expect(recorded.recording?.calls).toEqual([{ tool: 'everything:get-sum', args: { a: 2, b: 3 }, result: recorded.value }]);
    expect((await client.run(code)).recording).toBeUndefined();
  });

  it('a failing script resolves with its error: a denied tool, a refused construct, a thrown error', async () => {
    const denied = await client.run("return await callTool('memory:delete_entities', { entityNames: ['x'] });");
    expect(denied).toMatchObject({ success: false, error: { code: 'UNKNOWN_TOOL' } });
    const refused = await client.run('while (true) {}');
    expect(refused).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', issues: [{ line: 1 }] } });
    const thrown = await client.run("console.error('before'); throw new Error('nope');");
    expect(thrown).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' }, logs: [{ level: 'error', message: 'before' }] });
  });

  it('abort: resolves CANCELLED within 2 s with the logs so far, and the script stops on the server', async () => {
    const tag = `abort-${N}`;
    const ticks: string[] = [];
    const controller = new AbortController();
    const running = client.run(long(tag), { signal: controller.signal, onLog: (l) => ticks.push(l.message) });
    await until('two ticks', () => ticks.length >= 2);
    const t0 = Date.now();
    controller.abort();
    const result = await running;
    expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    expect(result).toMatchObject({ success: false, error: { code: 'CANCELLED', message: 'The script was cancelled by the caller.' } });
    expect(result.logs.map((l) => l.message)).toEqual(ticks);
    const seenAtAbort = ticks.length;
    // The server's count of writes settles just past what we saw (see STOP_SLACK), far below the 40 of a script left running.
    const written = await writesOnceEnded(tag);
    expect(written).toBeGreaterThanOrEqual(seenAtAbort);
    expect(written).toBeLessThanOrEqual(seenAtAbort + STOP_SLACK);
    expect(ticks.length).toBe(seenAtAbort); // no callback after the abort
  }, 40_000);

  it('a signal aborted before run() resolves CANCELLED at once, sending nothing', async () => {
    const result = await client.run("await callTool('memory:create_entities', { entities: [] }); return 1;", { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ success: false, error: { code: 'CANCELLED' }, stats: { toolCalls: 0 } });
  });

  it('wrong arguments are INVALID_ARGUMENT, before any request', async () => {
    expect(await codeOf(client.run(42 as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.run('return 1', { record: 'yes' as unknown as boolean }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.run('return 1', { timeoutMs: -1 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(client.searchTools('x', 'everything' as 'full'))).toBe('INVALID_ARGUMENT');
  });
});

describe('tools(), searchTools(), settings()', () => {
  it('tools() lists exactly the allowed tools, with declarations and input schemas', async () => {
    const tools = await client.tools();
    const names = tools.map((t) => t.name);
    for (const name of ALLOWED) expect(names).toContain(name);
    for (const name of DENIED) expect(names).not.toContain(name);
    expect(
      names.every((n) => n.startsWith('memory:') || ['everything:echo', 'everything:get-sum', 'everything:trigger-long-running-operation'].includes(n)),
    ).toBe(true);
    const sum = tools.find((t) => t.name === 'everything:get-sum');
    expect(sum?.declaration).toMatch(/get-sum|getSum/);
    expect(sum?.inputSchema).toMatchObject({ type: 'object', properties: { a: {}, b: {} } });
  });

  it('searchTools(query) finds allowed matches only, at the detail asked for', async () => {
    const found = await client.searchTools('entities');
    expect(found.map((t) => t.name)).toContain('memory:create_entities');
    expect(found.map((t) => t.name)).not.toContain('memory:delete_entities');
    expect(found[0]?.summary).toEqual(expect.any(String));
    expect(found[0]?.declaration).toBeUndefined();
    const named = await client.searchTools('get-sum', 'name');
    expect(named.map((t) => t.name)).toEqual(['everything:get-sum']);
    expect(await client.searchTools('no-such-words-anywhere')).toEqual([]);
  });

  it('settings() gives the level and limits the server checks scripts at', async () => {
    const settings = await client.settings();
    expect(settings).toMatchObject({ securityLevel: 'STRICT', limits: { timeoutMs: 30_000, maxToolCalls: 100, maxIterations: 1000 } });
  });
});

describe('connecting', () => {
  it('a wrong token is AUTH_FAILED, saying what to do', async () => {
    const error = await connectEnclave({ url: served.url, token: `wrong-${served.token}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnclaveClientError);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', status: 401, message: expect.stringMatching(/Check the token/) });
  });

  it('an authProvider gives the transport its tokens: accepted when right, AUTH_FAILED when wrong', async () => {
    const provider = (accessToken: string) => ({
      redirectUrl: 'http://127.0.0.1/callback',
      clientMetadata: { redirect_uris: ['http://127.0.0.1/callback'] },
      clientInformation: () => ({ client_id: 'client-test' }),
      tokens: () => ({ access_token: accessToken, token_type: 'Bearer' }),
      saveTokens: () => undefined,
      redirectToAuthorization: () => undefined,
      saveCodeVerifier: () => undefined,
      codeVerifier: () => 'verifier',
    });
    const viaProvider = await connectEnclave({ url: served.url, authProvider: provider(served.token) });
    expect((await viaProvider.run('return 6 * 7;')).value).toBe(42);
    await viaProvider.close();
    expect(await codeOf(connectEnclave({ url: served.url, authProvider: provider('wrong') }))).toBe('AUTH_FAILED');
  });

  it('nothing listening is CONNECT_FAILED; a path that is not MCP too', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const error = await connectEnclave({ url: `http://127.0.0.1:${port}/mcp`, token: 't' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringMatching(/is running there/) });
    expect(await codeOf(connectEnclave({ url: `${served.base}/not-mcp`, token: served.token }))).toBe('CONNECT_FAILED');
  });

  it('bad options are INVALID_ARGUMENT naming what is wrong', async () => {
    expect(await codeOf(connectEnclave({ url: 'not a url', token: 't' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(connectEnclave({ url: 'ftp://127.0.0.1/mcp', token: 't' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(connectEnclave({ url: served.url, token: '' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(connectEnclave({ url: served.url } as unknown as { url: string; token: string }))).toBe('INVALID_ARGUMENT');
  });
});

describe('the connection ending', () => {
  it('close(): a run in flight resolves CANCELLED, later calls are CLOSED, close() again is fine', async () => {
    const own = await connectEnclave({ url: served.url, token: served.token });
    const logs: string[] = [];
    const running = own.run(long(`close-${N}`), { onLog: (l) => logs.push(l.message) });
    await until('a tick', () => logs.length >= 1);
    await own.close();
    expect(await running).toMatchObject({ success: false, error: { code: 'CANCELLED' } });
    expect(await codeOf(own.run('return 1'))).toBe('CLOSED');
    expect(await codeOf(own.tools())).toBe('CLOSED');
    await own.close();
  }, 30_000);

  it('a server that dies mid-run: run() rejects CONNECTION_LOST promptly (a broken connection rejects)', async () => {
    const doomed = await startServe('client-lost');
    try {
      const own = await connectEnclave({ url: doomed.url, token: doomed.token });
      const logs: string[] = [];
      const running = own.run(long(`lost-${N}`), { onLog: (l) => logs.push(l.message) });
      const outcome = running.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await until('a tick', () => logs.length >= 1);
      const t0 = Date.now();
      doomed.child.kill('SIGKILL');
      const error = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still pending after 10 s'), 10_000))]);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(error).toBeInstanceOf(EnclaveClientError);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringMatching(/Connect again/) });
      expect(await codeOf(own.run('return 1'))).toBe('CONNECTION_LOST');
      await own.close();
    } finally {
      await doomed.stop();
    }
  }, 120_000);
});
