// The main thread's side of the sandbox: a pool of worker threads, a bounded queue, and a watchdog that
// terminates and replaces a worker whose execution outlives its deadline plus a grace period.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { log } from '../log.js';
import { malformedDone, ToMainSchema, type DoneMessage, type SandboxLimits, type ToWorker } from './messages.js';

export interface PoolJob {
  id: number;
  code: string;
  limits: SandboxLimits;
  globals: string;
  onToolCall(callId: number, name: string, args: string): void;
  onToolCancel(callIds: number[]): void;
  onLog(level: 'log' | 'info' | 'warn' | 'error', message: string): void;
  onDone(done: DoneMessage): void;
}

export interface PoolOptions {
  size: number;
  maxPerWorker: number;
  maxQueue: number;
  /** How long past its deadline an execution may take to stop before its worker is terminated. */
  graceMs: number;
}

interface Slot {
  worker: Worker;
  /** Set when the worker reports it can take runs: start-up time must not count against a deadline. */
  ready: boolean;
  /** Jobs assigned to the worker while it starts; sent (and timed) once it is ready. */
  pending: PoolJob[];
  jobs: Map<number, { job: PoolJob; watchdog: NodeJS.Timeout; stop: Int32Array<SharedArrayBuffer> }>;
}

const load = (slot: Slot): number => slot.jobs.size + slot.pending.length;

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

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PoolJob[] = [];
  private disposed = false;
  private turn = 0;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  /** Starts or queues the job; false when the queue is full (SERVER_BUSY). Jobs wait for a started worker. */
  submit(job: PoolJob): boolean {
    if (this.disposed) return false;
    const slot = this.freeSlot();
    if (slot) this.dispatch(slot, job);
    else if (this.queue.length < this.options.maxQueue) this.queue.push(job);
    else return false;
    return true;
  }

  send(id: number, message: ToWorker): void {
    this.slotOf(id)?.worker.postMessage(message);
  }

  cancel(id: number, code: ErrorCode, message: string): void {
    for (const waiting of [this.queue, ...this.slots.map((s) => s.pending)]) {
      const index = waiting.findIndex((j) => j.id === id);
      if (index >= 0) {
        const [job] = waiting.splice(index, 1);
        job!.onDone({ type: 'done', id, ok: false, error: { code, message }, iterations: 0, toolCalls: 0 });
        return;
      }
    }
    const slot = this.slotOf(id);
    if (!slot) return;
    // The flag stops a computing script at its next interrupt poll; the message ends one waiting on tools.
    Atomics.store(slot.jobs.get(id)!.stop, 0, STOP_CANCELLED);
    slot.worker.postMessage({ type: 'cancel', id, code, message } satisfies ToWorker);
  }

  get stats(): { workers: number; running: number; queued: number } {
    return { workers: this.slots.length, running: this.slots.reduce((n, s) => n + s.jobs.size, 0), queued: this.queue.length + this.slots.reduce((n, s) => n + s.pending.length, 0) };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const message = 'The sandbox was shut down before the script finished. Run it again.';
    for (const job of this.queue.splice(0)) job.onDone({ type: 'done', id: job.id, ok: false, error: { code: 'CANCELLED', message }, iterations: 0, toolCalls: 0 });
    await Promise.all(this.slots.splice(0).map((slot) => this.retire(slot, () => 'CANCELLED', message)));
  }

  private spawn(): Slot {
    const { entry, eval: isEval } = workerEntry();
    const worker = new Worker(entry, {
      eval: isEval,
      // The worker's own heap and stack; the sandbox's memory is capped separately, per instance.
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 8 },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, pending: [], jobs: new Map() };
    worker.unref();
    worker.on('message', (raw: unknown) => this.onMessage(slot, raw));
    const lost = (why: string): void => {
      if (!this.slots.includes(slot)) return;
      void this.replace(slot, () => 'INTERNAL_ERROR', `The sandbox worker stopped unexpectedly (${why}). Run the script again.`);
    };
    worker.on('error', (error) => {
      log.error('sandbox worker failed', error);
      lost(error.name);
    });
    worker.on('exit', (code) => lost(`exit ${code}`));
    return slot;
  }

  private onMessage(slot: Slot, raw: unknown): void {
    const parsed = ToMainSchema.safeParse(raw);
    if (!parsed.success) return this.onMalformed(slot, raw);
    const msg = parsed.data;
    if (msg.type === 'ready') {
      slot.ready = true;
      for (const job of slot.pending.splice(0)) this.dispatch(slot, job);
      this.drain();
      return;
    }
    const entry = slot.jobs.get(msg.id);
    if (!entry) return;
    switch (msg.type) {
      case 'tool-call': return entry.job.onToolCall(msg.callId, msg.name, msg.args);
      case 'tool-cancel': return entry.job.onToolCancel(msg.callIds);
      case 'log': return entry.job.onLog(msg.level, msg.message);
      case 'done':
        clearTimeout(entry.watchdog);
        slot.jobs.delete(msg.id);
        if (slot.jobs.size === 0) slot.worker.unref(); // an idle pool must not keep the process alive
        entry.job.onDone(msg);
        this.drain();
        return;
    }
  }

  /**
   * A result that fails the schema still ends its run, as INTERNAL_ERROR: dropped, the run would wait for
   * the watchdog, which would also kill every other run on that worker. Other malformed messages are dropped.
   */
  private onMalformed(slot: Slot, raw: unknown): void {
    const msg = raw as { type?: unknown; id?: unknown } | null;
    if (typeof msg !== 'object' || msg === null || msg.type !== 'done' || typeof msg.id !== 'number' || !slot.jobs.has(msg.id)) return;
    log.error('sandbox worker sent a malformed result; the run ends with INTERNAL_ERROR');
    this.onMessage(slot, malformedDone(msg.id));
  }

  private dispatch(slot: Slot, job: PoolJob): void {
    // The turn moves past the worker used, and only then: moving it on every look (submit, then drain after
    // each result) brought two workers back to the same one every time, which then prepared and served alone.
    this.turn = (this.slots.indexOf(slot) + 1) % this.slots.length;
    if (!slot.ready) {
      slot.pending.push(job);
      return;
    }
    const watchdog = setTimeout(() => {
      // The worker did not end the execution by itself: it is stuck in the engine. Replace it.
      void this.replace(slot, (id) => (id === job.id ? 'TIMEOUT' : 'INTERNAL_ERROR'), (id) => id === job.id
        ? `The script ran past its ${job.limits.timeoutMs} ms time limit and had to be stopped by force. Do less work per script.`
        : 'Another script sharing this sandbox worker had to be stopped by force. Run this script again.');
    }, job.limits.timeoutMs + this.options.graceMs);
    watchdog.unref();
    const stop = new Int32Array(new SharedArrayBuffer(4));
    slot.jobs.set(job.id, { job, watchdog, stop });
    slot.worker.ref(); // a running script keeps the process alive until it reports
    slot.worker.postMessage({ type: 'run', id: job.id, code: job.code, limits: job.limits, globals: job.globals, stop } satisfies ToWorker);
  }

  /**
   * The least busy worker, rotating among equals: consecutive runs alternate, so one worker prepares
   * its next sandbox while another serves.
   */
  private freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    const n = this.slots.length;
    for (let k = 0; k < n; k++) {
      const slot = this.slots[(this.turn + k) % n]!;
      if (load(slot) < this.options.maxPerWorker && (!best || load(slot) < load(best))) best = slot;
    }
    return best;
  }

  private drain(): void {
    for (let slot = this.freeSlot(); slot && this.queue.length > 0; slot = this.freeSlot()) this.dispatch(slot, this.queue.shift()!);
  }

  private slotOf(id: number): Slot | undefined {
    return this.slots.find((s) => s.jobs.has(id));
  }

  private async replace(slot: Slot, code: (id: number) => ErrorCode, message: string | ((id: number) => string)): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots[index] = this.spawn();
    await this.retire(slot, code, message);
    this.drain();
  }

  /** Ends a worker and fails every execution it still held, each with a code. */
  private async retire(slot: Slot, code: (id: number) => ErrorCode, message: string | ((id: number) => string)): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    for (const [id, { job, watchdog }] of slot.jobs) {
      clearTimeout(watchdog);
      job.onDone({ type: 'done', id, ok: false, error: { code: code(id), message: typeof message === 'string' ? message : message(id) }, iterations: 0, toolCalls: 0 });
    }
    slot.jobs.clear();
    // Jobs that never started go back to the queue (or fail, when the pool is shutting down).
    for (const job of slot.pending.splice(0)) {
      if (this.disposed) job.onDone({ type: 'done', id: job.id, ok: false, error: { code: 'CANCELLED', message: typeof message === 'string' ? message : message(job.id) }, iterations: 0, toolCalls: 0 });
      else this.queue.unshift(job);
    }
    slot.worker.removeAllListeners('exit');
    await slot.worker.terminate();
  }
}
