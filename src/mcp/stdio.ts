// Serving over stdio, as desktop clients start us: protocol on stdout, nothing else (logs go to stderr).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { paceResponses } from './response-pacing.js';
import { createMcpServer, type Gateway } from './server.js';

/** Resolves when the client goes away (stdin ends or the transport closes). */
export async function serveStdio(gateway: Gateway): Promise<void> {
  const server = createMcpServer(gateway, 'stdio');
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's transport does not notice the client closing our stdin; that is how a client says goodbye.
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
  // One pipe carries every notification and result, read in chunks: a result waits until the client has handled the
  // progress and log notifications written before it (response-pacing.ts), or the last of them would be lost.
  paceResponses(transport, (timeout) => server.server.request({ method: 'ping' }, EmptyResultSchema, { timeout }));
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
