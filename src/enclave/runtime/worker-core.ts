// One execution at a time, in a sandbox worker: Node's worker thread (worker.ts) and the browser's Web Worker
// (browser-worker.ts) are this same core with their own port and engine loader. It checks and transforms the script
// (stages 1–4), runs it on a sandbox prepared while the worker was idle (stage 5), and answers tool results, pauses
// and cancellations.
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

/** A sandbox of one kind, being made or made (`made`); `settled` resolves either way. */
interface Making {
  key: string;
  sandbox: Promise<PreparedSandbox>;
  made: boolean;
  settled: Promise<void>;
}

/** The run in hand: waiting for its sandbox (`waiting`), then running (`execution`). */
interface Current {
  id: number;
  waiting?: Making;
  execution?: SandboxExecution;
  /** Cancelled while waiting, it gave the sandbox being made back to `ready`. */
  handedBack?: boolean;
}

/** Handles each message from the host; a message the worker's schema refused never reaches it. */
export function workerCore(options: WorkerCoreOptions): (message: ToBrowserWorker) => void {
  const { pool, post, stackBytes, later, noSandbox } = options;
  let current: Current | undefined;
  /** One sandbox made ahead of need per kind: its compile cost is paid while the worker is idle. */
  const ready = new Map<string, Making>();

  async function prepare(kind: SandboxKind): Promise<PreparedSandbox> {
    const lease = await pool.acquire(kind.memoryBytes);
    try {
      return new PreparedSandbox(lease, kind, stackBytes);
    } catch (error) {
      lease.release(false);
      throw error;
    }
  }

  /** Starts making a sandbox of `kind`: `made` turns true once it is; one that fails leaves `ready`. */
  function making(kind: SandboxKind): Making {
    const key = kindKey(kind);
    const entry: Making = { key, sandbox: prepare(kind), made: false, settled: Promise.resolve() };
    entry.settled = entry.sandbox.then(
      () => {
        entry.made = true;
      },
      () => {
        if (ready.get(key) === entry) ready.delete(key);
      },
    );
    return entry;
  }

  /**
   * The sandbox for run `id` of `kind`. Making one is the host's work, not the script's: when the run has to wait for
   * it, the worker says 'preparing' before it starts, and the host's watchdog allows PREPARE_MS, not the deadline.
   */
  function take(id: number, kind: SandboxKind): Making {
    const key = kindKey(kind);
    const entry = ready.get(key);
    ready.delete(key);
    if (entry?.made) return entry;
    post({ type: 'preparing', id });
    return entry ?? making(kind);
  }

  /** Makes the sandbox of `kind` that the next run of it takes, unless one is there; resolves once it is settled. */
  function fill(kind: SandboxKind): Promise<void> {
    const key = kindKey(kind);
    const entry = ready.get(key) ?? making(kind);
    ready.set(key, entry);
    return entry.settled;
  }

  const refill = (kind: SandboxKind): void => later(() => void fill(kind));

  /** A sandbox reset after its run serves the next run of its kind; one ready per kind is enough. */
  function keep(kind: SandboxKind, sandbox: PreparedSandbox): void {
    const key = kindKey(kind);
    if (!ready.has(key)) {
      ready.set(key, { key, sandbox: Promise.resolve(sandbox), made: true, settled: Promise.resolve() });
      return;
    }
    sandbox.retire(true);
  }

  function run(msg: BrowserRunMessage): void {
    const me: Current = { id: msg.id };
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
    const entry = take(msg.id, kind);
    const waited = !entry.made;
    me.waiting = entry;
    entry.sandbox.then(
      (sandbox) => {
        me.waiting = undefined;
        // Cancelled while its sandbox was made: the run has ended. The sandbox went back to `ready` (whoever holds it
        // now owns it), or, when one of its kind was there already, is kept or retired here.
        if (current !== me) return me.handedBack ? undefined : keep(kind, sandbox);
        // Only now does the script's own deadline start (below): past msg.startedAfter, or after 'preparing' (the
        // host's watchdog waits PREPARE_MS then), the host's watchdog restarts with it, so a script slow to check or
        // a sandbox slow to make cannot eat into the watchdog's margin.
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
        execution.start();
      },
      () => {
        me.waiting = undefined;
        if (current !== me) return; // cancelled while it waited: it has had its answer
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
      case 'cancel': {
        if (current?.id !== msg.id) return;
        const me = current;
        if (me.execution) return me.execution.cancel(msg.code, msg.message);
        // Otherwise it still waits for its sandbox to be made (run() sets `waiting` before any message can come): it
        // ends now, as a script waiting on a tool would, and the sandbox being made goes back for the next run of its
        // kind (which takes it over, still being made, or once made).
        const waiting = me.waiting!;
        me.handedBack = !ready.has(waiting.key);
        if (me.handedBack) ready.set(waiting.key, waiting);
        current = undefined;
        post({ type: 'done', id: me.id, ok: false, error: { code: msg.code, message: msg.message }, iterations: 0, toolCalls: 0 });
        return;
      }
    }
  };
}
