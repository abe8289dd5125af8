// The transport contract (transport-contract.ts) run against every transport we serve, each with the real SDK
// Client: stdio as a desktop client starts it (`node --import tsx src/cli.ts serve`, a child process, from a foreign
// working directory), and over real HTTP on 127.0.0.1 Streamable HTTP (stateful and stateless) and legacy SSE, served
// by one in-process gateway. Each side has its own real downstream servers (server-memory, server-everything, the
// fixture server); what is particular to one transport stays in stdio.test.ts and http.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import type { Gateway } from '../../src/mcp/server.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { connect, killMarked, openGateway, TSX } from './http-helpers.js';
import { contractManifest, transportContract } from './transport-contract.js';

const MARK = `mcp-transports-${process.pid}-${Date.now().toString(36)}`;
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

// stdio: the manifest as a file, its servers started by the child.
const stdioDir = tempDir('mcp-transports-stdio');
const STDIO_MANIFEST = join(stdioDir, 'manifest.json');
writeFileSync(STDIO_MANIFEST, JSON.stringify(contractManifest(MARK, stdioDir)));

// HTTP: the same manifest opened here, one gateway behind a stateful and a stateless server.
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let stateless: HttpServer;
beforeAll(async () => {
  ({ open, gateway } = await openGateway(MARK, {}, contractManifest));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
  stateless = await serveHttp(gateway, { host: '127.0.0.1', port: 0, stateless: true });
}, 90_000);
afterAll(async () => {
  await http?.close(0);
  await stateless?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK); // only after a failure: closing stops every server
});

transportContract('stdio', {
  async connect() {
    // A command, arguments, the SDK's default environment and any working directory, as Claude Desktop starts it.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, CLI, 'serve', '--manifest', STDIO_MANIFEST],
      cwd: stdioDir,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', () => {}); // read, so that a chatty server never fills the pipe
    const client = new Client({ name: 'contract-stdio', version: '0.0.0' });
    await client.connect(transport);
    return client;
  },
});

transportContract('Streamable HTTP', { connect: () => connect(http.url, http.token) });

transportContract('Streamable HTTP, stateless', {
  connect: () => connect(stateless.url, stateless.token),
  deviations: {
    'list-changed': 'every request gets a fresh server and no stream stays open, so nothing can carry a notification between requests',
  },
});

transportContract('legacy SSE', { connect: () => connect(http.url, http.token, 'sse') });
