// An open connection to an enclave-mcp server, as callers hold it (EnclaveClient): runs, tool listings, settings,
// and the lifetime of them all. close() cancels what is still running before it ends the session.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { EnclaveClientError } from './errors.js';
import { runScript } from './run.js';
import type { StreamWatch } from './stream-watch.js';
import { searchTools, serverSettings } from './tools.js';
import type { EnclaveClient, ExecutionResult, RunOptions, SearchDetail, ServerSettings, ToolInfo } from './types.js';

/** How long close() waits for the server to end the session before it closes anyway. */
const TERMINATE_WAIT_MS = 2_000;

export class Connection implements EnclaveClient {
  private readonly running = new Set<AbortController>();
  private readonly listeners = new Set<() => void>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly transport: StreamableHTTPClientTransport,
    private readonly watch: StreamWatch,
  ) {
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch (error) {
          (globalThis as { reportError?: (error: unknown) => void }).reportError?.(error);
        }
      }
    });
  }

  run(code: string, options?: RunOptions): Promise<ExecutionResult> {
    return runScript(
      {
        client: this.client,
        watch: this.watch,
        track: (controller) => {
          this.running.add(controller);
          return () => this.running.delete(controller);
        },
        closed: () => this.closing !== undefined,
      },
      code,
      options,
    );
  }

  tools(): Promise<ToolInfo[]> {
    return this.open().then(() => searchTools(this.client, undefined, 'full'));
  }

  searchTools(query?: string, detail?: SearchDetail): Promise<ToolInfo[]> {
    return this.open().then(() => searchTools(this.client, query, detail));
  }

  settings(): Promise<ServerSettings | undefined> {
    return this.open().then(() => serverSettings(this.client));
  }

  onToolsChanged(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new EnclaveClientError('INVALID_ARGUMENT', 'onToolsChanged(listener): listener must be a function.');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Runs first: each sends notifications/cancelled and resolves CANCELLED while the session still exists.
    for (const controller of this.running) controller.abort(new Error('the client was closed'));
    this.listeners.clear();
    // Ending the session frees it on the server at once; a server that is gone already has nothing to free, and one
    // that does not answer must not hold close() (the session then expires on its own).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.transport.terminateSession().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, TERMINATE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    await this.client.close();
  }

  private async open(): Promise<void> {
    if (this.closing) throw new EnclaveClientError('CLOSED', 'This client is closed. Connect again with connectEnclave().');
  }
}
