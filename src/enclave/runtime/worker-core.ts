// One execution at a time, in a sandbox worker: Node's worker thread (worker.ts) and the browser's Web Worker
// (browser-worker.ts) are this same core with their own port and engine loader. It checks and transforms the script
// (stages 1–4), runs it on a sandbox prepared while the worker was idle (stage 5), and answers tool results, pauses
// and cancellations.
import type { ErrorCode } from '../errors.js';
import { LEVEL_LIMITS } from '../levels.js';
import { compile } from '../pipeline.js';
import { levelAllows } from '../policy.js';
import { CallPolicy } from './call-policy.js';
import type { Lease } from './instance-pool.js';
import type { BrowserRunMessage, ToBrowserWorker, ToMain } from './messages.js';
import { kindKey, PreparedSandbox, type SandboxKind } from './prepared.js';
import { SandboxExecution } from './sandbox.js';

export interface WorkerCoreOptions {
  /** Where the engine's instances come from (each with its memory cap). */
  pool: { acquire(memoryBytes: number): Promise<Lease> };
  post: (message: ToMain) => void;
  /** The engine's stack limit; PreparedSandbox's default when absent. */
  stackBytes?: number;
  /** Runs `fn` once the current turn is over (Node: setImmediate; a browser: setTimeout 0). */
  later: (fn: () => void) => void;
  /** The message of a run whose sandbox could not be made, saying what to do. */
  noSandbox: string;
}

/** The first sandbox made ahead of the first script: STRICT's (16 MB, no regular-expression engine). */
const FIRST_KIND: SandboxKind = { memoryBytes: LEVEL_LIMITS.STRICT.memoryBytes, regex: false };

/** Handles each message from the host; a message the worker's schema refused never reaches it. */
export function workerCore(options: WorkerCoreOptions): (message: ToBrowserWorker) => void {
  const { pool, post, stackBytes, later, noSandbox } = options;
  let current: { id: number; execution?: SandboxExecution; cancelled?: { code: ErrorCode; message: string } } | undefined;
  /** One sandbox made ahead of need per kind: its compile cost is paid while the worker is idle. `made` once it is. */
  const ready = new Map<string, { sandbox: Promise<PreparedSandbox>; made: boolean }>();

  async function prepare(kind: SandboxKind): Promise<PreparedSandbox> {
    const lease = await pool.acquire(kind.memoryBytes);
    try {
      return new PreparedSandbox(lease, kind, stackBytes);
    } catch (error) {
      lease.release(false);
      throw error;
    }
  }

  /**
   * The sandbox for run `id` of `kind`. Making one is the host's work, not the script's: when the run has to wait for
   * it, the worker says 'preparing' before it starts, and the host's watchdog gives it PREPARE_MS, not the deadline.
   */
  function take(id: number, kind: SandboxKind): { sandbox: Promise<PreparedSandbox>; waited: boolean } {
    const key = kindKey(kind);
    const entry = ready.get(key);
    ready.delete(key);
    if (entry?.made) return { sandbox: entry.sandbox, waited: false };
    post({ type: 'preparing', id });
    return { sandbox: entry?.sandbox ?? prepare(kind), waited: true };
  }

  /** Makes the sandbox of `kind` that the next run of it takes, unless one is there; settles once it is made. */
  function fill(kind: SandboxKind): Promise<unknown> {
    const key = kindKey(kind);
    const there = ready.get(key);
    if (there) return there.sandbox;
    const entry = { sandbox: prepare(kind), made: false };
    ready.set(key, entry);
    return entry.sandbox.then(
      () => {
        entry.made = true;
      },
      () => {
        if (ready.get(key) === entry) ready.delete(key);
      },
    );
  }

  const refill = (kind: SandboxKind): void => later(() => void fill(kind));

  /** A sandbox reset after its run serves the next run of its kind; one ready per kind is enough. */
  function keep(kind: SandboxKind, sandbox: PreparedSandbox): void {
    const key = kindKey(kind);
    if (!ready.has(key)) {
      ready.set(key, { sandbox: Promise.resolve(sandbox), made: true });
      return;
    }
    sandbox.retire(true);
  }

  function run(msg: BrowserRunMessage): void {
    const me: NonNullable<typeof current> = { id: msg.id };
    current = me;
    const end = (): void => {
      if (current === me) current = undefined;
    };
    const compiled = compile({ code: msg.code, level: msg.level, limits: msg.limits, extraGlobals: new Set(msg.globalNames) });
    if (!compiled.ok) {
      end();
      const { score } = compiled;
      post({ type: 'done', id: msg.id, ok: false, error: compiled.error, iterations: 0, toolCalls: 0, ...(score ? { score: score.score } : {}) });
      return;
    }
    const kind: SandboxKind = { memoryBytes: msg.limits.memoryBytes, regex: levelAllows(msg.level, 'regex') };
    // Without a shared flag (a browser page that is not cross-origin isolated) the host stops a computing script by
    // ending the worker; this local flag is then never set, and the cancel message ends a waiting script.
    const stop = msg.stop ?? new Int32Array(1);
    const { sandbox: made, waited } = take(msg.id, kind);
    made.then(
      (sandbox) => {
        // Only now does the script's own deadline start (below): after 'preparing', or past msg.startedAfter, the
        // host's watchdog restarts with it, so a script slow to check cannot eat into the watchdog's margin.
        if (waited || Date.now() >= msg.startedAfter) post({ type: 'started', id: msg.id });
        const policy = new CallPolicy(msg.level, compiled.transformed.literals, compiled.facts, compiled.score.score);
        const plan = { id: msg.id, transformed: compiled.transformed, limits: msg.limits, globals: msg.globals, policy };
        const execution = new SandboxExecution(
          plan,
          sandbox,
          stop,
          post,
          (done) => {
            end();
            post(done);
          },
          (reusable) => (reusable ? keep(kind, reusable) : refill(kind)),
        );
        me.execution = execution;
        if (me.cancelled) execution.cancel(me.cancelled.code, me.cancelled.message);
        else execution.start();
      },
      () => {
        end();
        post({ type: 'done', id: msg.id, ok: false, error: { code: 'INTERNAL_ERROR', message: noSandbox }, iterations: 0, toolCalls: 0 });
      },
    );
  }

  // Ready once the first sandbox is made: a run sent earlier would wait for it in this worker, its watchdog counting
  // (a cold worker on a loaded machine took longer than a 1 s deadline's), where another worker may free sooner.
  // A first sandbox that cannot be made is reported on the run that needs one.
  fill(FIRST_KIND).finally(() => post({ type: 'ready' }));
  return (msg) => {
    switch (msg.type) {
      case 'run':
        return run(msg);
      case 'tool-result':
        if (current?.id === msg.id) current.execution?.toolResult(msg.callId, msg.ok, msg.value, msg.error);
        return;
      case 'pause':
        if (current?.id === msg.id) current.execution?.pause();
        return;
      case 'resume':
        if (current?.id === msg.id) current.execution?.resume();
        return;
      case 'cancel':
        if (current?.id !== msg.id) return;
        if (current.execution) current.execution.cancel(msg.code, msg.message);
        else current.cancelled = { code: msg.code, message: msg.message };
        return;
    }
  };
}
