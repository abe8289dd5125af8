// Unit level for src/mcp: the description and its budget, search_tools, the readable text of a result, and the
// gateway's bounds, through the SDK's in-memory transport pair with a real Client and a real downstream McpServer.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LEVEL_LIMITS, type ExecutionResult } from '../../src/enclave/index.js';
import { DESCRIPTION_BUDGET_CHARS, describeExecute } from '../../src/mcp/description.js';
import { formatResult } from '../../src/mcp/format.js';
import { MAX_SEARCH_RESULTS, renderSearch, searchTools } from '../../src/mcp/search.js';
import { createMcpServer, Gateway } from '../../src/mcp/server.js';
import type { DownstreamTool } from '../../src/tool-bridge/types.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { waitFor } from '../wait-for.js';

const tool = (qualifiedName: string, description = '', properties: Record<string, unknown> = {}): DownstreamTool => {
  const [server, name] = qualifiedName.split(':') as [string, string];
  return {
    qualifiedName,
    server,
    name,
    description,
    inputSchema: { type: 'object', properties, required: Object.keys(properties) } as DownstreamTool['inputSchema'],
  };
};
const strict = (tools: DownstreamTool[]) => describeExecute('STRICT', LEVEL_LIMITS.STRICT, tools);

describe('the execute_agentscript description', () => {
  it('teaches AgentScript with the limits of the active level', () => {
    const text = describeExecute('SECURE', LEVEL_LIMITS.SECURE, [tool('a:b')]);
    expect(text).toContain("await callTool('server:tool'");
    expect(text).toContain('parallel(items, fn, { concurrency })');
    expect(text).toContain('Limits (SECURE): 15 s, 50 tool calls, 5000 loop iterations');
    expect(text).toContain('32 MB memory, 1 MB result');
    expect(strict([tool('a:b')])).toContain('Limits (STRICT): 5 s, 10 tool calls, 1000 loop iterations and callback calls, 16 MB memory, 256 KB result');
  });

  it('lists the tools as declarations while they fit the budget', () => {
    const text = strict([tool('crm:find', 'Finds customers by name.', { name: { type: 'string' } }), tool('mail:send', 'Sends a mail.')]);
    expect(text).toContain("callTool('crm:find', args: { name: string }): Promise<unknown>;");
    expect(text).toContain('// Finds customers by name.');
    expect(text).toContain("callTool('mail:send'");
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET_CHARS);
  });

  it('above the budget (~2,000 tokens), keeps every declaration but cuts descriptions to their first sentence', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      tool(`srv${i % 3}:tool_${i}`, `Does thing ${i}. ${'It has a long description. '.repeat(8)}`, { query: { type: 'string' } }),
    );
    const text = strict(many);
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET_CHARS);
    expect(text).toContain('descriptions cut to their first sentence; search_tools with detail "full" gives them whole');
    expect(text).toContain("// Does thing 0.\ncallTool('srv0:tool_0', args: { query: string }): Promise<unknown>;");
    expect(text).not.toContain('It has a long description');
  });

  it('when the declarations do not fit even so, gives each tool a one-line summary and points to search_tools', () => {
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`field_${k}`, { type: 'string' }]));
    const many = Array.from({ length: 40 }, (_, i) => tool(`srv${i % 3}:tool_${i}`, `Does thing ${i}. More.`, wide));
    const text = strict(many);
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET_CHARS);
    expect(text).not.toContain("callTool('srv0:tool_0'");
    expect(text).toContain('Available tools (40; Call search_tools');
    expect(text).toContain('srv0:tool_0 — Does thing 0.\nsrv1:tool_1 — Does thing 1.');
  });

  it('when the summaries do not fit either, lists names grouped by server', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      tool(`srv${i % 3}:tool_${i}`, `${'A tool with a long first sentence that goes on '.repeat(4)}.`, { query: { type: 'string' } }),
    );
    const text = strict(many);
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET_CHARS);
    expect(text).not.toContain("callTool('srv0:tool_0'");
    expect(text).toContain('Available tools (60; Call search_tools');
    expect(text).toMatch(/^srv0 \(20\): srv0:tool_0, srv0:tool_3,/m);
    expect(text).toContain('srv2:tool_59');
  });

  it('when even the names do not fit, names the servers only', () => {
    const huge = Array.from({ length: 600 }, (_, i) => tool(`server_${i % 4}:a_rather_long_tool_name_${i}`));
    const text = strict(huge);
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET_CHARS);
    expect(text).toContain('600 tools are available on the servers server_0, server_1, server_2, server_3.');
    expect(text).toContain('search_tools');
  });

  it('says so when no tool is available', () => {
    expect(strict([])).toMatch(/No tools are available right now/);
  });
});

describe('search_tools', () => {
  const catalog = [
    tool('crm:find_customer', 'Finds customers by name.'),
    tool('crm:delete_customer', 'Removes a customer for good.'),
    tool('mail:send', 'Sends an email to a customer.'),
    tool('files:read', 'Reads a file.'),
  ];
  const names = (query?: string) => searchTools(catalog, query).map((t) => t.qualifiedName);

  it('needs every word in the name or the description, any case; name hits rank first', () => {
    expect(names('CUSTOMER')).toEqual(['crm:delete_customer', 'crm:find_customer', 'mail:send']);
    expect(names('customer email')).toEqual(['mail:send']);
    expect(names('customer, find')).toEqual(['crm:find_customer']);
    expect(names('nothing-like-it')).toEqual([]);
  });

  it('lists everything without a query', () => {
    expect(names()).toHaveLength(4);
    expect(names('  ')).toHaveLength(4);
  });

  it('renders names, one-sentence summaries or full declarations', () => {
    const found = searchTools(catalog, 'crm');
    expect(renderSearch(found, 'name')).toBe('crm:delete_customer\ncrm:find_customer');
    expect(renderSearch(found, 'summary')).toBe('crm:delete_customer — Removes a customer for good.\ncrm:find_customer — Finds customers by name.');
    expect(renderSearch(found, 'full')).toContain("callTool('crm:find_customer'): Promise<unknown>;");
    expect(renderSearch([], 'full')).toMatch(/^No allowed tool matches/);
  });

  it(`shows at most ${MAX_SEARCH_RESULTS} tools and says how many more there are`, () => {
    const many = Array.from({ length: MAX_SEARCH_RESULTS + 5 }, (_, i) => tool(`s:t${String(i).padStart(2, '0')}`));
    const text = renderSearch(many, 'name');
    expect(text.split('\n')).toHaveLength(MAX_SEARCH_RESULTS + 1);
    expect(text).toMatch(/\(5 more; narrow the query to see them\)$/);
  });
});

describe('the readable text of a result', () => {
  const stats = { durationMs: 12.4, toolCalls: 1, iterations: 0 };
  const result = (over: Partial<ExecutionResult>): ExecutionResult => ({ success: true, logs: [], stats, ...over });

  it('shows the value as JSON, the console and the cost', () => {
    const text = formatResult(
      result({
        value: { a: [1] },
        logs: [
          { level: 'log', message: 'hi' },
          { level: 'warn', message: 'careful' },
        ],
      }),
    );
    expect(text).toBe('{\n  "a": [\n    1\n  ]\n}\n\nconsole:\nhi\n[warn] careful\n\n(12 ms, 1 tool call)');
    expect(formatResult(result({ stats: { ...stats, toolCalls: 2 } }))).toBe('The script returned nothing.\n\n(12 ms, 2 tool calls)');
  });

  it('shows the error code, where, the tool and the message once', () => {
    const text = formatResult(
      result({
        success: false,
        error: { code: 'RUNTIME_ERROR', message: 'Line 2, column 16: Error: boom. Fix the script at that position.', line: 2, column: 16 },
      }),
    );
    expect(text.split('\n')[0]).toBe('RUNTIME_ERROR at line 2, column 16: Error: boom. Fix the script at that position.');
    const tool = formatResult(result({ success: false, error: { code: 'INVALID_TOOL_ARGS', message: 'args.a must be a number.', tool: 'x:y' } }));
    expect(tool.split('\n')[0]).toBe('INVALID_TOOL_ARGS (tool x:y): args.a must be a number.');
  });

  it('lists the validation issues after the first', () => {
    const issue = (line: number, rule: string) => ({ rule, message: `${rule} here`, line, column: 1 });
    const text = formatResult(
      result({
        success: false,
        error: {
          code: 'VALIDATION_ERROR',
          message: 'Line 1, column 1: a here (and 2 more issues)',
          line: 1,
          column: 1,
          issues: [issue(1, 'a'), issue(2, 'b'), issue(3, 'c')],
        },
      }),
    );
    expect(text).toContain(
      'VALIDATION_ERROR at line 1, column 1: a here (and 2 more issues)\n\n- line 2, column 1 [b]: b here\n\n- line 3, column 1 [c]: c here',
    );
  });
});

describe('createMcpServer over the in-memory pair', () => {
  let open: OpenManifest;
  let gateway: Gateway;
  let client: Client;
  let release: () => void = () => undefined;
  /** Calls of db:wait that have reached the downstream server and wait there. */
  let waiting = 0;
  const notifications: Notification[] = [];

  /** A downstream SDK server per connection: echo, a wait that the test releases, and a tool nobody allows. */
  function downstream(): InMemoryTransport {
    const server = new McpServer({ name: 'db', version: '0.0.0' });
    server.registerTool('echo', { description: 'Echoes text.', inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
    server.registerTool('wait', { description: 'Waits until released.' }, async () => {
      waiting++;
      await new Promise<void>((resolve) => (release = resolve));
      waiting--;
      return { content: [{ type: 'text', text: '"released"' }] };
    });
    server.registerTool('drop_table', { description: 'Drops a table.' }, () => ({ content: [] }));
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    void server.connect(theirs);
    return ours;
  }

  beforeAll(async () => {
    const manifest = parseManifest({ servers: { db: { command: 'unused-in-memory' } }, allow: ['db:echo', 'db:wait'] }, { baseDir: '/', env: {} });
    open = await openLoaded(manifest, { bridge: { transportFor: () => downstream() } });
    gateway = new Gateway(open, { maxPerSession: 1 });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway, 'one').connect(serverSide);
    client = new Client({ name: 'unit', version: '0.0.0' });
    client.fallbackNotificationHandler = async (n) => void notifications.push(n);
    await client.connect(clientSide);
  });
  afterAll(async () => {
    await client?.close();
    gateway?.close();
    await open?.close();
  });

  const run = async (code: string) => (await client.callTool({ name: 'execute_agentscript', arguments: { code } })) as CallToolResult;
  /**
   * The notifications the server sent before now: a ping's answer comes after them on the one ordered stream, and the
   * client handles each notification in a microtask queued when it arrived, so all of them before the ping resolves.
   */
  const settled = async (): Promise<Notification[]> => {
    await client.ping();
    return notifications;
  };

  it('runs a script on the allowed downstream tools; the client validates structuredContent against the output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'execute_agentscript')!.description).toContain("callTool('db:echo', args: { text: string })");
    expect(JSON.stringify(tools)).not.toContain('drop_table');
    const result = await run("return await callTool('db:echo', { text: 'hi' });");
    expect(result).toMatchObject({ structuredContent: { success: true, value: 'hi', stats: { toolCalls: 1 } } });
    expect(result.isError).toBeUndefined();
  });

  it('sends log notifications without a progress token, but no progress', async () => {
    notifications.length = 0;
    await run("console.info('note'); return await callTool('db:echo', { text: 'x' });");
    expect((await settled()).map((n) => n.method)).toEqual(['notifications/message']);
    expect(notifications[0]!.params).toMatchObject({ level: 'info', data: 'note' });
  });

  it('honours logging/setLevel for console lines', async () => {
    await client.setLoggingLevel('warning');
    try {
      notifications.length = 0;
      await run("console.log('chatty'); console.warn('careful'); return 1;");
      expect((await settled()).map((n) => n.params?.data)).toEqual(['careful']);
    } finally {
      await client.setLoggingLevel('debug');
    }
  });

  it('answers SERVER_BUSY beyond the per-session bound, and frees the slot when a script ends', async () => {
    const first = run("return await callTool('db:wait', {});");
    await waitFor(() => waiting === 1, { what: 'the first script to wait downstream' });
    const second = await run('return 1;');
    expect(second.isError).toBe(true);
    expect(second.structuredContent).toMatchObject({ success: false, error: { code: 'SERVER_BUSY' } });
    expect((second.content[0] as { text: string }).text).toMatch(/^SERVER_BUSY: Too many scripts are running at once\. Wait/);
    release();
    expect((await first).structuredContent).toMatchObject({ success: true, value: 'released' });
    expect((await run('return 2;')).structuredContent).toMatchObject({ success: true, value: 2 });
  });

  it('bounds executions across sessions as well as per session, and admits 100 at once by default', () => {
    const wide = new Gateway(open, { maxConcurrent: 2, maxPerSession: 2 });
    const a = wide.enter('a');
    const b = wide.enter('b');
    expect(a && b).toBeTruthy();
    expect(wide.enter('c')).toBeUndefined(); // the server-wide bound, though session c has none running
    a!();
    expect(wide.enter('c')).toBeTruthy();
    wide.close();
    const defaults = new Gateway(open);
    const admitted = Array.from({ length: 100 }, (_, i) => defaults.enter(`s${i % 10}`)); // issue 4's load shape
    expect(admitted.every(Boolean)).toBe(true);
    defaults.close();
  });

  it('search_tools sees the allowed tools only', async () => {
    const result = (await client.callTool({ name: 'search_tools', arguments: { detail: 'name' } })) as CallToolResult;
    expect((result.content[0] as { text: string }).text).toBe('db:echo\ndb:wait');
  });
});
