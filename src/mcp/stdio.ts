// Serving over stdio, as desktop clients start us: protocol on stdout, nothing else (logs go to stderr).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
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
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
