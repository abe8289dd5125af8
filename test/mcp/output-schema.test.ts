// execute_agentscript's output schema is generated from the enclave's result schema (src/enclave/result-schema.ts),
// the same one ExecutionResult is derived from: not a copy kept beside it. Over the in-memory pair with a real Client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES, ExecutionResultSchema } from '../../src/enclave/index.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';
import { createMcpServer, Gateway } from '../../src/mcp/server.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';

describe('execute_agentscript output schema', () => {
  let open: OpenManifest;
  let gateway: Gateway;
  let client: Client;
  let execute: Tool;

  beforeAll(async () => {
    open = await openLoaded(parseManifest({ servers: {}, allow: [] }, { baseDir: '/', env: {} }));
    gateway = new Gateway(open);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(gateway).connect(serverSide);
    client = new Client({ name: 'unit', version: '0.0.0' });
    await client.connect(clientSide);
    execute = (await client.listTools()).tools.find((t) => t.name === 'execute_agentscript')!;
  });
  afterAll(async () => {
    await client?.close();
    gateway?.close();
    await open?.close();
  });

  it('is the JSON Schema of ExecutionResultSchema, as the SDK renders it (draft-07, output)', () => {
    expect(execute.outputSchema).toEqual(z.toJSONSchema(ExecutionResultSchema, { target: 'draft-7', io: 'output' }));
  });

  it('states the result of DESIGN §5: its parts, the error codes, the log levels and the descriptions', () => {
    type Node = { properties: Record<string, Node>; items: Node; required?: string[]; enum?: string[]; description?: string };
    const schema = execute.outputSchema as unknown as Node;
    expect(Object.keys(schema.properties)).toEqual(['success', 'value', 'error', 'logs', 'stats', 'score', 'recording']);
    expect(schema.required).toEqual(['success', 'logs', 'stats']);
    expect(schema.properties.error!.properties.code!.enum).toEqual(ERROR_CODES);
    expect(schema.properties.logs!.items.properties.level!.enum).toEqual(['log', 'info', 'warn', 'error']);
    expect(schema.properties.value!.description).toBe('The script’s return value (JSON).');
    expect(schema.properties.recording!.description).toMatch(/record: true/);
    expect(schema.properties.recording!.properties.calls!.items.required).toEqual(['tool', 'args']);
  });

  it('the answers fit it: the server checks a success against it, and the client reads it back as a result', async () => {
    const answer = (await client.callTool({ name: 'execute_agentscript', arguments: { code: "console.info('hi'); return [1, 2];" } })) as CallToolResult;
    expect(answer.isError).toBeUndefined();
    expect(ExecutionResultSchema.parse(answer.structuredContent)).toMatchObject({ success: true, value: [1, 2], logs: [{ level: 'info', message: 'hi' }] });
    const failed = (await client.callTool({ name: 'execute_agentscript', arguments: { code: 'const x = null; return x.y;' } })) as CallToolResult;
    expect(failed.isError).toBe(true);
    expect(ExecutionResultSchema.parse(failed.structuredContent).error?.code).toBe('RUNTIME_ERROR');
  });
});
