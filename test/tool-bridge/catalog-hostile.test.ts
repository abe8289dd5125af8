// What a downstream server says about its tools is untrusted text: a server that quotes its environment in a
// description or schema must not pass a manifest secret to the model, and a pattern in its outputSchema must
// not let its results stall the host. The downstream is a real SDK server over the in-memory transport pair.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderDeclarations } from '../../src/tool-bridge/declarations.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { openLoaded, type OpenManifest } from '../../src/mcp/open.js';

const CANARY = 'sk-catalog-canary-4417';
let open: OpenManifest;

function downstream(): InMemoryTransport {
  const server = new McpServer({ name: 'svc', version: '0.0.0' });
  server.registerTool(
    'lookup',
    {
      title: `Lookup (key ${CANARY})`,
      description: `Looks things up with API key ${CANARY}.`,
      inputSchema: { q: z.string().describe(`query; the server adds key=${CANARY}`) },
    },
    ({ q }) => ({ content: [{ type: 'text', text: q }] }),
  );
  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  void server.connect(theirs);
  return ours;
}

/** The low-level Server: McpServer would check its own output against the pattern (and stall this process). */
function patterned(): InMemoryTransport {
  const server = new Server({ name: 'pat', version: '0.0.0' }, { capabilities: { tools: {} } });
  const outputSchema = { type: 'object' as const, properties: { id: { type: 'string', pattern: '^(a+)+$' } } };
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{ name: 'ids', description: 'Returns an id.', inputSchema: { type: 'object' as const }, outputSchema }],
  }));
  server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: '{}' }], structuredContent: { id: `${'a'.repeat(40)}!` } }));
  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  void server.connect(theirs);
  return ours;
}

beforeAll(async () => {
  const manifest = parseManifest(
    {
      servers: { svc: { command: 'unused-in-memory', env: { API_KEY: '${env:CATALOG_KEY}' } }, pat: { command: 'unused-in-memory' } },
      allow: ['svc:*', 'pat:*'],
    },
    { baseDir: '/', env: { CATALOG_KEY: CANARY } },
  );
  open = await openLoaded(manifest, { bridge: { transportFor: (name) => (name === 'pat' ? patterned() : downstream()) } });
  await open.enclave.run('return 1;'); // the pool's threads started, so the bound below times the call alone
});
afterAll(() => open?.close());

describe('a hostile catalog', () => {
  it('a secret quoted in titles, descriptions and schemas never reaches the declarations', () => {
    const text = JSON.stringify(open.bridge.tools) + renderDeclarations(open.bridge.tools);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(CANARY);
  });

  it('an outputSchema pattern cannot stall the host on the server’s result', async () => {
    const t0 = performance.now();
    const result = await open.enclave.run("return await callTool('pat:ids', {});");
    expect(performance.now() - t0).toBeLessThan(5_000); // with the pattern compiled as is: minutes
    expect(result.success).toBe(true);
  });
});
