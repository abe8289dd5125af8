// The main thread's side of the sandbox: worker threads that each run ONE execution at a time, a bounded queue,
// and a watchdog. An execution has its worker to itself from start to end, so terminating a worker whose script
// outlived its deadline takes no bystander with it, and a runaway script cannot slow another one's turns. The
// pool keeps `size` workers ready and grows past that (up to `maxWorkers`) when they are all busy, keeping one
// spare started ahead of need; workers beyond `size` retire after a while idle.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import type { Limits, SecurityLevel } from '../levels.js';
import { log } from '../../shared/index.js';
import { malformedDone, ToMainSchema, type DoneMessage, type ToWorker } from './messages.js';
import { compiledModule } from './module-pool.js';
import { forcedTimeout, MAX_PAUSE_MS, PREPARE_MS, preparingTimeout, startedAfter, type WatchdogEnding } from './watchdog-times.js';

export interface PoolJob {
  id: number;
  code: string;
  level: SecurityLevel;
  limits: Limits;
  globals: string;
  globalNames: string[];
  onToolCall(callId: number, name: string, args: string): void;
  onToolCancel(callIds: number[]): void;
  onLog(level: 'log' | 'info' | 'warn' | 'error', message: string): void;
  onDone(done: DoneMessage): void;
  /** Called once, when a worker takes the job (after any wait in the queue). */
  onDispatch?(): void;
}

export interface PoolOptions {
  /** Workers kept started even when idle. */
  size: number;
  /** Most workers at once: executions beyond it wait in the queue. */
  maxWorkers: number;
  maxQueue: number;
  /** How long past its deadline an execution may take to stop before its worker is terminated. */
  graceMs: number;
  /** How long a worker beyond `size` may sit idle before it is retired (default 30 s). */
  idleMs?: number;
  /** How long a run may wait for its sandbox to be made before its worker is terminated (default PREPARE_MS). */
  prepareMs?: number;
}

/** What the pool is doing now: for operators (and tests that wait for a warm pool). */
export interface PoolStats {
  /** Worker threads, started or starting. */
  workers: number;
  starting: number;
  /** Executions running (each has a worker to itself). */
  running: number;
  /** Executions waiting for a worker. */
  queued: number;
}

interface Running {
  job: PoolJob;
  /** performance.now() when it was sent to the worker. */
  since: number;
  watchdog: NodeJS.Timeout;
  /** When the watchdog's current period would end (performance.now()), and when the clock was stopped, if it is. */
  watchdogEnd: number;
  pausedAt?: number;
  stop: Int32Array<SharedArrayBuffer>;
}

interface Slot {
  worker: Worker;
  /** Set when the worker reports it can take runs: start-up time must not count against a deadline. */
  ready: boolean;
  /** A job promised to this worker while it starts (sent, and timed, once it is ready). */
  reserved: PoolJob | undefined;
  running: Running | undefined;
  /** When the worker last became free: the last to become free takes the next run (idleSlot). */
  idleSince: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** Workers starting at once, at most (see grow). */
const MAX_STARTING = 2;
/**
 * An execution running longer than this holds its worker for a while (waiting on tools, or computing until a
 * deadline): when every worker holds one, the pool starts another so that the next script finds a free worker.
 * Short scripts turn workers over much faster than that, and more threads than cores would only slow them down.
 */
const LONG_MS = 100;
/** How often a busy pool looks for workers held that long. */
const CHECK_MS = 50;

const NO_WORKER = 'No sandbox worker could be started. Run the script again; if it fails again, the host is out of resources.';

/** Values of a run's shared stop flag. */
export const STOP_CANCELLED = 1;

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);

/** In the repository the worker is TypeScript: a two-line bootstrap registers tsx in the thread first. */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (!FROM_SOURCE) return { entry: WORKER_URL, eval: false };
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href; // the ESM build of tsx/esm/api
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return { entry: code, eval: true };
}

const failed = (id: number, code: ErrorCode, message: string): DoneMessage => ({
  type: 'done',
  id,
  ok: false,
  error: { code, message },
  iterations: 0,
  toolCalls: 0,
});

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PoolJob[] = [];
  private disposed = false;
  private busyCheck: NodeJS.Timeout | undefined;
  /** The engine's WebAssembly, compiled once here and shared with every worker; undefined until it is. */
  private wasmModule: WebAssembly.Module | undefined;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.add();
    // The first workers compile their own copy while this one compiles; every later worker gets it ready-made.
    compiledModule().then(
      (module) => {
        this.wasmModule = module;
      },
      () => undefined, // a worker that compiles for itself reports the failure where it matters, on a run
    );
  }

  /** Starts or queues the job; false when the queue is full (SERVER_BUSY). */
  submit(job: PoolJob): boolean {
    if (this.disposed) return false;
    if (this.slots.length === 0 && !this.add()) {
      job.onDone(failed(job.id, 'INTERNAL_ERROR', NO_WORKER));
      return true;
    }
    const slot = this.idleSlot();
    const starting = slot ? undefined : this.slots.find((s) => !s.ready && !s.reserved);
    if (slot) this.dispatch(slot, job);
    else if (starting) starting.reserved = job;
    else if (this.queue.length < this.options.maxQueue) this.queue.push(job);
    else return false;
    this.grow();
    return true;
  }

  send(id: number, message: ToWorker): void {
    this.slotOf(id)?.worker.postMessage(message);
  }

  /**
   * The host waits for a person on this run's behalf (ToolCallContext.untimed): the worker stops the run's clock for
   * the time the script is idle, and the watchdog waits with it; resume() re-arms it, moved later by the whole pause
   * (never less than the worker moves its own deadline, which counts only idle time). Meanwhile the watchdog is armed
   * far out, MAX_PAUSE_MS past its old end: a wait nobody bounds still ends.
   */
  pause(id: number): void {
    const slot = this.slotOf(id);
    const running = slot?.running;
    if (!slot || !running || running.pausedAt !== undefined) return;
    running.pausedAt = performance.now();
    clearTimeout(running.watchdog);
    running.watchdog = this.watchdog(slot, running.job, Math.max(0, running.watchdogEnd - running.pausedAt) + MAX_PAUSE_MS);
    slot.worker.postMessage({ type: 'pause', id } satisfies ToWorker);
  }

  resume(id: number): void {
    const slot = this.slotOf(id);
    const running = slot?.running;
    if (!slot || !running || running.pausedAt === undefined) return;
    running.watchdogEnd += performance.now() - running.pausedAt;
    running.pausedAt = undefined;
    clearTimeout(running.watchdog);
    running.watchdog = this.watchdog(slot, running.job, Math.max(0, running.watchdogEnd - performance.now()));
    slot.worker.postMessage({ type: 'resume', id } satisfies ToWorker);
  }

  cancel(id: number, code: ErrorCode, message: string): void {
    const index = this.queue.findIndex((j) => j.id === id);
    if (index >= 0) {
      const [job] = this.queue.splice(index, 1);
      job!.onDone(failed(id, code, message));
      return;
    }
    const holder = this.slots.find((s) => s.reserved?.id === id);
    if (holder) {
      const job = holder.reserved!;
      holder.reserved = undefined;
      job.onDone(failed(id, code, message));
      return;
    }
    const slot = this.slotOf(id);
    if (!slot?.running) return;
    // The flag stops a computing script at its next interrupt poll; the message ends one waiting on tools.
    Atomics.store(slot.running.stop, 0, STOP_CANCELLED);
    slot.worker.postMessage({ type: 'cancel', id, code, message } satisfies ToWorker);
  }

  get stats(): PoolStats {
    const ready = this.slots.filter((s) => s.ready);
    const reserved = this.slots.filter((s) => s.reserved).length;
    return {
      workers: this.slots.length,
      starting: this.slots.length - ready.length,
      running: ready.filter((s) => s.running).length,
      queued: this.queue.length + reserved,
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.busyCheck);
    const message = 'The sandbox was shut down before the script finished. Run it again.';
    for (const job of this.queue.splice(0)) job.onDone(failed(job.id, 'CANCELLED', message));
    await Promise.all(this.slots.splice(0).map((slot) => this.retire(slot, 'CANCELLED', message)));
  }

  /** Starts one more worker; false when the thread could not be made (logged: a host out of resources). */
  private add(): boolean {
    const slot = this.spawn();
    if (slot) this.slots.push(slot);
    return slot !== undefined;
  }

  private spawn(): Slot | undefined {
    const { entry, eval: isEval } = workerEntry();
    let worker: Worker;
    try {
      worker = this.newWorker(entry, isEval);
    } catch (error) {
      log.error('a sandbox worker could not be started', error);
      return undefined;
    }
    const slot: Slot = { worker, ready: false, reserved: undefined, running: undefined, idleSince: 0, idleTimer: undefined };
    worker.unref();
    worker.on('message', (raw: unknown) => this.onMessage(slot, raw));
    const lost = (why: string): void => {
      if (!this.slots.includes(slot)) return;
      void this.replace(slot, 'INTERNAL_ERROR', `The sandbox worker stopped unexpectedly (${why}). Run the script again.`);
    };
    worker.on('error', (error) => {
      log.error('sandbox worker failed', error);
      lost(error.name);
    });
    worker.on('exit', (code) => lost(`exit ${code}`));
    return slot;
  }

  private newWorker(entry: string | URL, isEval: boolean): Worker {
    return new Worker(entry, {
      eval: isEval,
      workerData: { wasmModule: this.wasmModule },
      // The worker's own heap and stack; the sandbox's memory is capped separately, per instance. Every execution
      // holds a worker, so each one's footprint counts: a 4 MB young generation took a parked execution from 20 to
      // 17 MB of RSS, and checking a 100 KB script took as long (measured 184 ms against 181 ms).
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 4, stackSizeMb: 8 },
      stdout: false,
      stderr: false,
    });
  }

  private onMessage(slot: Slot, raw: unknown): void {
    if (!this.slots.includes(slot)) return; // a worker already retired: what it still says is not news
    const parsed = ToMainSchema.safeParse(raw);
    if (!parsed.success) return this.onMalformed(slot, raw);
    const msg = parsed.data;
    if (msg.type === 'ready') {
      slot.ready = true;
      this.next(slot);
      return;
    }
    const running = slot.running;
    if (!running || running.job.id !== msg.id) return;
    switch (msg.type) {
      case 'preparing': {
        // Checked, the script waits for its sandbox to be made: the host's work, however long a loaded machine makes
        // it, and none of the script's deadline. 'started' follows, and arms the deadline's watchdog.
        const prepareMs = this.options.prepareMs ?? PREPARE_MS;
        clearTimeout(running.watchdog);
        running.watchdogEnd = performance.now() + prepareMs;
        running.watchdog = this.watchdog(slot, running.job, prepareMs, preparingTimeout(prepareMs));
        return;
      }
      case 'started':
        // Checking a large script took part of the first watchdog period, or the sandbox was being made (the preparing
        // watchdog ran): the run gets its whole deadline.
        // A paused run keeps its pause's watchdog; resume() arms the new period from this end.
        running.watchdogEnd = performance.now() + running.job.limits.timeoutMs + this.options.graceMs;
        if (running.pausedAt === undefined) {
          clearTimeout(running.watchdog);
          running.watchdog = this.watchdog(slot, running.job);
        }
        return;
      case 'tool-call':
        return running.job.onToolCall(msg.callId, msg.name, msg.args);
      case 'tool-cancel':
        return running.job.onToolCancel(msg.callIds);
      case 'log':
        return running.job.onLog(msg.level, msg.message);
      case 'done':
        clearTimeout(running.watchdog);
        slot.running = undefined;
        slot.worker.unref(); // an idle pool must not keep the process alive
        running.job.onDone(msg);
        this.next(slot);
        // Its next sandbox is still being prepared (~5 ms): any other free worker takes a run before this one does.
        if (msg.sandboxKept === false && !slot.running) slot.idleSince = Number.NEGATIVE_INFINITY;
        return;
    }
  }

  /**
   * A result that fails the schema still ends its run, as INTERNAL_ERROR: dropped, the run would wait for
   * the watchdog. Other malformed messages are dropped.
   */
  private onMalformed(slot: Slot, raw: unknown): void {
    const msg = raw as { type?: unknown; id?: unknown } | null;
    if (typeof msg !== 'object' || msg === null || msg.type !== 'done' || typeof msg.id !== 'number' || slot.running?.job.id !== msg.id) return;
    log.error('sandbox worker sent a malformed result; the run ends with INTERNAL_ERROR');
    this.onMessage(slot, malformedDone(msg.id));
  }

  private dispatch(slot: Slot, job: PoolJob): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    const watchdog = this.watchdog(slot, job);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const since = performance.now();
    // Its period is known from now: a pause must move it even when the worker never says 'started' (a quick start).
    slot.running = { job, watchdog, stop, since, watchdogEnd: since + job.limits.timeoutMs + this.options.graceMs };
    this.watchBusy();
    slot.worker.ref(); // a running script keeps the process alive until it reports
    const { id, code, level, limits, globals, globalNames } = job;
    const after = startedAfter(this.options.graceMs);
    slot.worker.postMessage({ type: 'run', id, code, level, limits, globals, globalNames, startedAfter: after, stop } satisfies ToWorker);
    job.onDispatch?.();
  }

  /**
   * Armed when a job is sent (for its checking) and again when it starts running: a worker that does not end the
   * execution by itself within the deadline and a grace period is stuck in the engine, and is replaced. It ran
   * nothing else. While the run waits for its sandbox to be made ('preparing'), it is armed for prepareMs instead,
   * and ends the run with INTERNAL_ERROR.
   */
  private watchdog(slot: Slot, job: PoolJob, ms = job.limits.timeoutMs + this.options.graceMs, ending?: WatchdogEnding): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const { code, message } = ending ?? forcedTimeout(job.limits.timeoutMs);
      if (code === 'INTERNAL_ERROR') log.warn(`a run waited ${ms} ms for its sandbox to be made; its worker is replaced`);
      if (this.slots.includes(slot)) void this.replace(slot, code, message);
      else if (slot.running?.job === job) {
        // Its worker was retired meanwhile: the run still gets its answer.
        slot.running = undefined;
        job.onDone(failed(job.id, code, message));
      }
    }, ms);
    timer.unref();
    return timer;
  }

  /** The slot is free: it takes the next queued job, or waits (and, beyond the kept size, retires later). */
  private next(slot: Slot): void {
    if (!slot.ready || slot.running) return;
    slot.idleSince = performance.now();
    const job = slot.reserved ?? this.queue.shift() ?? this.takeReserved();
    slot.reserved = undefined;
    if (job) {
      this.dispatch(slot, job);
      this.grow();
      return;
    }
    if (this.slots.length > this.options.size && !slot.idleTimer) {
      slot.idleTimer = setTimeout(() => {
        if (!slot.running && this.slots.length > this.options.size) void this.retire(slot, 'CANCELLED', 'The sandbox worker was retired.');
      }, this.options.idleMs ?? 30_000);
      slot.idleTimer.unref();
    }
  }

  /** A job promised to a worker still starting, taken back by one that is free now (starting can take a while). */
  private takeReserved(): PoolJob | undefined {
    const holder = this.slots.find((s) => !s.ready && s.reserved);
    const job = holder?.reserved;
    if (holder) holder.reserved = undefined;
    return job;
  }

  /** Hands waiting jobs to free workers: after a worker was lost, the job promised to it went back to the queue. */
  private drain(): void {
    for (const s of this.slots) if (this.queue.length > 0 && s.ready && !s.running) this.next(s);
  }

  /** No worker is left and none could be started: what waits fails now rather than never. The next submit tries again. */
  private failWaiting(): void {
    for (const job of this.queue.splice(0)) job.onDone(failed(job.id, 'INTERNAL_ERROR', NO_WORKER));
  }

  /**
   * The free worker that became free last: the warm one. A worker that slept runs its next script ~1.5 times slower
   * (its caches went cold), which costs more than waiting for the last one to finish putting its sandbox back
   * (~0.1 ms after its `done`): sequential `return 1 + 1` measured 0.30 ms p50 this way, 0.44 ms taking the worker
   * idle longest. Workers beyond the kept size then stay idle, and retire. A worker still preparing a new sandbox
   * (its last run's could not be put back: 'done' said sandboxKept: false) comes after every other free one.
   */
  private idleSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.ready && !s.running && (!best || s.idleSince > best.idleSince)) best = s;
    return best;
  }

  /**
   * Starts workers when every one is held by a long execution (LONG_MS) and none is free: for the scripts queued,
   * and one spare for the next, within maxWorkers. A queue of short scripts is not a reason: they drain it faster
   * than a thread starts (~50 ms, more under load), and measured with 16 scripts in flight, 12 workers served 258
   * per second where 2 served 480. At most MAX_STARTING start at once.
   */
  private grow(): void {
    if (this.disposed) return;
    const now = performance.now();
    const ready = this.slots.filter((s) => s.ready);
    const starting = this.slots.length - ready.length;
    // Free soon: started and idle, or starting with no job promised to it.
    const free = this.slots.filter((s) => (s.ready ? !s.running : !s.reserved)).length;
    const allHeld = ready.length > 0 && ready.every((s) => s.running !== undefined && now - s.running.since >= LONG_MS);
    if (!allHeld) return;
    let wanted = Math.min(this.queue.length + 1 - free, MAX_STARTING - starting);
    while (wanted-- > 0 && this.slots.length < this.options.maxWorkers && this.add());
  }

  /** While anything runs, look every CHECK_MS for workers all held by long executions (see grow). */
  private watchBusy(): void {
    if (this.busyCheck || this.disposed) return;
    this.busyCheck = setInterval(() => {
      if (this.slots.some((s) => s.running)) this.grow();
      else {
        clearInterval(this.busyCheck);
        this.busyCheck = undefined;
      }
    }, CHECK_MS);
    this.busyCheck.unref();
  }

  private slotOf(id: number): Slot | undefined {
    return this.slots.find((s) => s.running?.job.id === id);
  }

  private async replace(slot: Slot, code: ErrorCode, message: string): Promise<void> {
    if (!this.slots.includes(slot)) return;
    const retired = this.retire(slot, code, message);
    if (this.slots.length < this.options.size) this.add();
    if (this.slots.length === 0) this.failWaiting(); // nothing left to run them, and waiting jobs have no watchdog
    this.drain();
    this.grow();
    await retired;
  }

  /** Ends a worker and fails the one execution it held, if any. */
  private async retire(slot: Slot, code: ErrorCode, message: string): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    const running = slot.running;
    slot.running = undefined;
    if (running) {
      clearTimeout(running.watchdog);
      running.job.onDone(failed(running.job.id, code, message));
    }
    // A job promised to a worker that never started goes back to the front of the queue (or fails on shutdown).
    const reserved = slot.reserved;
    slot.reserved = undefined;
    if (reserved && this.disposed) reserved.onDone(failed(reserved.id, 'CANCELLED', message));
    else if (reserved) this.queue.unshift(reserved);
    slot.worker.removeAllListeners('exit');
    await slot.worker.terminate();
  }
}
