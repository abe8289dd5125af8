// A stdio server's child process and its one owner: the SDK's stdio transport, which spawns the process and ends it on
// close(), plus what the bridge needs beside that: the tail of its stderr, to say why it failed, and an exit hook that
// ends it should Node exit while the transport is still open (process.exit elsewhere, an uncaught error).
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { onProcessExit } from '../shared/index.js';

export interface StdioTarget {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** What a stdio server last wrote on stderr is kept up to this many characters, to say why it failed. */
const STDERR_TAIL = 2048;

export class StdioProcessTransport extends StdioClientTransport implements AsyncDisposable {
  private tail = '';
  private exitHook: Disposable | undefined;

  constructor(target: StdioTarget) {
    super({
      command: target.command,
      args: target.args ?? [],
      // The SDK's default environment (PATH, HOME, …) with the manifest's variables over it, never our whole
      // environment: a downstream server sees only what the manifest gives it.
      env: { ...getDefaultEnvironment(), ...target.env },
      ...(target.cwd ? { cwd: target.cwd } : {}),
      // Downstream stderr never reaches our stdout (the protocol) or a script: only its tail is kept, for the
      // operator, when the server fails to start or dies (redacted where it is shown: downstream.ts).
      stderr: 'pipe',
    });
    this.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
  }

  override async start(): Promise<void> {
    await super.start();
    const pid = this.pid;
    if (pid === null) return; // closed while it was spawning
    // An exit listener must be synchronous: a signal is all it can send, and all that is needed.
    const hook = onProcessExit(() => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    });
    this.exitHook = hook;
    // The client's connect() set onclose before calling start(): chained, so a process that ended on its own drops
    // its hook at once (its pid may be reused by an unrelated process before we exit).
    const closed = this.onclose;
    this.onclose = () => {
      hook[Symbol.dispose]();
      closed?.();
    };
  }

  /** Ends the process (stdin closed, then SIGTERM, then SIGKILL: the SDK's way) and drops the exit hook. */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.exitHook?.[Symbol.dispose]();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** What the process last wrote on stderr (up to STDERR_TAIL characters). */
  stderrTail(): string {
    return this.tail;
  }
}
