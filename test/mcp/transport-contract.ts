// One contract for every transport we serve (DESIGN §7): what an MCP client sees of execute_agentscript and
// search_tools does not depend on how it connected. transports.test.ts runs these cases with the real SDK Client
// over stdio (the CLI as a child process), Streamable HTTP (stateful and stateless) and legacy SSE, in front of one
// manifest of real downstream servers (contractManifest). A transport that cannot pass a case names it in
// `deviations` with the reason, and the case is skipped for it saying so: listed, not silently left out.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';
import { manifestJson } from './http-helpers.js';

export const CONTRACT_CASES = ['tools', 'description', 'result', 'progress', 'errors', 'search', 'cancel', 'list-changed'] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

export interface TransportUnderTest {
  /** A new SDK client, connected over this transport. */
  connect(): Promise<Client>;
  /** Cases this transport cannot pass, each with the reason. */
  deviations?: Partial<Record<ContractCase, string>>;
}

/** The HTTP tests' manifest (servers memory, everything, fixture; `mark` in their environment), plus the tools the
 * list_changed case adds. */
export function contractManifest(mark: string, dir: string): Record<string, unknown> {
  const base = manifestJson(mark, dir);
  return { ...base, allow: [...(base.allow as string[]), 'fixture:add_tool', 'fixture:added_*'] };
}

/** Tools that exist downstream but that the manifest does not allow: they must never show. */
const HIDDEN = ['delete_entities', 'delete_observations', 'delete_relations', 'get-env', 'trigger-long-running-operation', 'env_echo', 'crash', 'remove_tool'];

const CROSS_SERVER = `
await callTool('memory:create_entities', { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes math'] }] });
const graph = await callTool('memory:read_graph', {});
const sum = await callTool('everything:get-sum', { a: 2, b: 3 });
const echoed = await callTool('everything:echo', { message: 'hi' });
console.log('people', graph.entities.length);
return { people: graph.entities.map(e => e.name), sum, echoed };`;

const textOf = (result: CallToolResult): string => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const errorCode = (result: CallToolResult) => (result.structuredContent as { error?: { code: string } } | undefined)?.error?.code;

/** Defines the contract's cases for one transport, on one client connected before them and closed after. */
export function transportContract(name: string, transport: TransportUnderTest): void {
  describe(`the transport contract: ${name}`, () => {
    let client: Client;
    /** Every message as it comes off the transport, before the client handles it (see the progress case). */
    const wire: JSONRPCMessage[] = [];
    const logs: LoggingMessageNotification['params'][] = [];
    let listChanged = 0;

    beforeAll(async () => {
      client = await transport.connect();
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
      const watched = client.transport!;
      const handle = watched.onmessage!;
      watched.onmessage = (message, extra) => {
        wire.push(message);
        handle(message, extra);
      };
    }, 90_000);
    afterAll(() => client?.close());

    const run = async (code: string, options: Parameters<Client['callTool']>[2] = {}) =>
      (await client.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 30_000, ...options })) as CallToolResult;
    const valueOf = async (code: string): Promise<unknown> => (structuredOf(await run(code)) as { value?: unknown }).value;
    const structuredOf = (result: CallToolResult) => result.structuredContent as Record<string, unknown>;
    const search = async (args: Record<string, unknown>) => textOf((await client.callTool({ name: 'search_tools', arguments: args })) as CallToolResult);

    /** A case, or a skipped one naming the reason this transport deviates. */
    const contract = (id: ContractCase, title: string, body: () => Promise<void>): void => {
      const deviation = transport.deviations?.[id];
      if (deviation) it.skip(`${title} (deviation: ${deviation})`, body);
      else it(title, body);
    };

    contract('tools', 'lists execute_agentscript and search_tools, with honest annotations and an output schema', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['execute_agentscript', 'search_tools']);
      const execute = tools.find((t) => t.name === 'execute_agentscript')!;
      const searchTool = tools.find((t) => t.name === 'search_tools')!;
      expect(execute.annotations?.readOnlyHint).toBe(false);
      expect(searchTool.annotations?.readOnlyHint).toBe(true);
      expect(execute.inputSchema.required).toEqual(['code']);
      expect(execute.outputSchema?.required).toEqual(expect.arrayContaining(['success', 'logs', 'stats']));
      expect(Object.keys(execute.outputSchema?.properties ?? {})).toEqual(expect.arrayContaining(['success', 'value', 'error', 'logs', 'stats']));
    });

    contract('description', 'describes the allowed tools as declarations, and nothing the manifest hides', async () => {
      const { tools } = await client.listTools();
      const description = tools.find((t) => t.name === 'execute_agentscript')!.description!;
      expect(description).toContain('callTool(');
      for (const allowed of ['memory:create_entities', 'memory:read_graph', 'everything:get-sum', 'everything:echo', 'fixture:hang']) {
        expect(description).toContain(`callTool('${allowed}'`);
      }
      expect(description).toMatch(/STRICT/);
      for (const hidden of HIDDEN) expect(description).not.toContain(hidden);
    });

    contract('result', 'runs a script of four tool calls across two servers: structuredContent per DESIGN §5, readable text', async () => {
      const result = await run(CROSS_SERVER);
      expect(result.isError).toBeFalsy();
      const structured = structuredOf(result);
      expect(structured).toMatchObject({
        success: true,
        value: { people: ['Ada'] },
        logs: [{ level: 'log', message: 'people 1' }],
        stats: { toolCalls: 4 },
      });
      expect(JSON.stringify((structured.value as { sum: unknown }).sum)).toContain('5');
      expect(JSON.stringify((structured.value as { echoed: unknown }).echoed)).toContain('hi');
      expect(structured).not.toHaveProperty('error');
      const text = textOf(result);
      expect(text).toContain('"Ada"');
      expect(text).toContain('people 1');
      expect(text).toMatch(/4 tool calls\)/);
    });

    contract(
      'progress',
      'streams each tool call and console line as progress, in order, before the response; console lines as log notifications too',
      async () => {
        const before = logs.length;
        const sent = wire.length;
        let handled = 0;
        const result = await run(
          `
        console.log('first');
        const a = await callTool('everything:get-sum', { a: 1, b: 1 });
        console.warn('second');
        const b = await callTool('everything:echo', { message: 'x' });
        console.error('third');
        return a;`,
          { onprogress: () => void handled++ },
        );
        expect(result.isError).toBeFalsy();
        // Read off the wire: the SDK client handles a notification a microtask after it arrives but a response at once,
        // so it drops progress that comes in the same chunk as the response (a loaded machine did). What the server
        // owes is every notification, in order, before the response.
        const mine = wire.slice(sent);
        const response = mine.findIndex((m) => 'result' in m);
        expect(response).toBeGreaterThan(0);
        const progress = mine
          .slice(0, response)
          .filter((m) => 'method' in m && m.method === 'notifications/progress')
          .map((m) => ('params' in m ? (m.params as { progress: number; message?: string }) : { progress: 0 }));
        expect(progress.map((p) => p.message)).toEqual([
          'console.log: first',
          'callTool everything:get-sum started',
          expect.stringMatching(/^callTool everything:get-sum done in \d+ ms$/),
          'console.warn: second',
          'callTool everything:echo started',
          expect.stringMatching(/^callTool everything:echo done in \d+ ms$/),
          'console.error: third',
        ]);
        expect(handled).toBeGreaterThan(0); // the client's own callback sees them too
        // Progress only ever grows (the spec requires it).
        expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((x, y) => x - y));
        await waitFor(() => logs.length >= before + 3, { what: 'three log notifications' });
        expect(logs.slice(before)).toEqual([
          { level: 'info', logger: 'agentscript', data: 'first' },
          { level: 'warning', logger: 'agentscript', data: 'second' },
          { level: 'error', logger: 'agentscript', data: 'third' },
        ]);
      },
    );

    contract('errors', 'answers isError with the right code for a blocked construct, a denied tool and bad tool arguments', async () => {
      const blocked = await run('return process.env;');
      expect(blocked.isError).toBe(true);
      expect(errorCode(blocked)).toBe('VALIDATION_ERROR');
      expect(textOf(blocked)).toMatch(/^VALIDATION_ERROR at line 1/);
      const issues = (blocked.structuredContent as { error: { issues: unknown[] } }).error.issues;
      expect(issues[0]).toMatchObject({ rule: expect.any(String), line: 1, column: expect.any(Number) });

      const denied = await run("return await callTool('memory:delete_entities', { entityNames: ['Ada'] });");
      expect(denied.isError).toBe(true);
      expect(errorCode(denied)).toBe('UNKNOWN_TOOL');
      // A near miss of a hidden tool suggests allowed tools only.
      const nearMiss = await run("return await callTool('everything:get-en', {});");
      expect(errorCode(nearMiss)).toBe('UNKNOWN_TOOL');
      expect(textOf(nearMiss)).not.toContain('get-env');

      const badArgs = await run("return await callTool('everything:get-sum', { a: 'two' });");
      expect(badArgs.isError).toBe(true);
      expect(errorCode(badArgs)).toBe('INVALID_TOOL_ARGS');
      // The enclave reports no line for an uncaught tool error (yet); the tool and the fix are there.
      expect(textOf(badArgs)).toMatch(/^INVALID_TOOL_ARGS.* \(tool everything:get-sum\): .*args\.a must be a number/);
    });

    contract('search', 'search_tools finds allowed tools only, at three levels of detail', async () => {
      const names = await search({ detail: 'name' });
      expect(names.split('\n')).toEqual(expect.arrayContaining(['memory:create_entities', 'everything:get-sum', 'fixture:hang']));
      const summary = await search({ query: 'entities' });
      expect(summary).toContain('memory:create_entities');
      expect(summary).not.toContain('callTool(');
      const full = await search({ query: 'sum', detail: 'full' });
      expect(full).toContain("callTool('everything:get-sum'");
      expect(await search({ query: 'no-such-thing-anywhere' })).toMatch(/^No allowed tool matches/);
      const everything = [names, summary, full, await search({ detail: 'full' }), await search({ query: 'delete' })].join('\n');
      for (const hidden of HIDDEN) expect(everything).not.toContain(hidden);
    });

    contract('cancel', 'cancelling a script cancels its downstream call, and the server serves the next request', async () => {
      const cancelled = async () => Number(await valueOf("return await callTool('fixture:cancelled_count', {});"));
      const hanging = async () => Number(await valueOf("return await callTool('fixture:hanging_count', {});"));
      const before = await cancelled();
      const holding = await hanging();
      const controller = new AbortController();
      let announced = false;
      const pending = run("await callTool('fixture:hang', {}); return 'not reached';", {
        signal: controller.signal,
        onprogress: (p) => (announced ||= p.message === 'callTool fixture:hang started'),
      });
      // Abort once the fixture holds the call: a call cancelled before the bridge sends it never reaches the fixture.
      await waitFor(async () => (await hanging()) === holding + 1, { what: 'the fixture to hold the hang call' });
      expect(announced).toBe(true); // progress came before the abort
      controller.abort('the user pressed stop');
      await expect(pending).rejects.toThrow(/stop|abort/i);
      // The fixture counts a cancellation when notifications/cancelled reaches it.
      await waitFor(async () => (await cancelled()) === before + 1, { what: 'the fixture to count the cancellation' });
      expect(await hanging()).toBe(holding);
      expect(structuredOf(await run('return [1, 2, 3].map(x => x * 2);'))).toMatchObject({ success: true, value: [2, 4, 6] });
    });

    contract('list-changed', 'a downstream catalog change sends tools/list_changed, and the description follows it', async () => {
      const describeExecute = async () => (await client.listTools()).tools.find((t) => t.name === 'execute_agentscript')!.description!;
      const tag = name.replace(/\W+/g, '_').toLowerCase(); // the transports share downstream servers: names of their own
      const start = listChanged;
      // A tool the manifest does not allow changes nothing a client can see: no notification for it.
      await run(`return await callTool('fixture:add_tool', { name: 'secret_${tag}' });`);
      const added = await run(`return await callTool('fixture:add_tool', { name: 'added_${tag}' });`);
      expect(structuredOf(added)).toMatchObject({ success: true });
      await waitFor(() => listChanged > start, { what: 'notifications/tools/list_changed' });
      expect(listChanged).toBe(start + 1);
      const description = await describeExecute();
      expect(description).toContain(`callTool('fixture:added_${tag}'`);
      expect(description).not.toContain(`secret_${tag}`);
      const echoed = await run(`return await callTool('fixture:added_${tag}', { hello: 'world' });`);
      expect(structuredOf(echoed)).toMatchObject({ success: true, value: { hello: 'world' } });
      // Read again after more round trips: a notification wrongly sent for the hidden tool has arrived by now.
      expect(listChanged).toBe(start + 1);
    });
  });
}
