// The browser sandbox's Web Workers (browser-worker.ts), for browser-host.ts: started on demand, one run at a time
// each, kept warm between runs (a worker compiles the engine and prepares a sandbox ahead of need, which a run should
// not wait for), and terminated when a run had to be stopped by force or the worker failed.

/** What a run holds of its worker. */
export interface WorkerSlot {
  readonly worker: Worker;
  /** Routes the worker's messages (and its loss) to the run until detach(). */
  attach(listener: SlotListener): void;
  detach(): void;
}

export interface SlotListener {
  message(raw: unknown): void;
  lost(why: string): void;
}

/** Idle workers kept per worker URL: one is enough for a page that runs one script at a time. */
const KEEP_IDLE = 1;
/** Runs at once per page: each has a thread (and up to its memory limit) to itself. */
const MAX_RUNNING = 4;
/** A worker that has not said it is ready by then is given up (its script never loaded or never ran). */
const START_MS = 30_000;

class Slot implements WorkerSlot {
  readonly worker: Worker;
  /** True once the worker said it is ready; false if it failed or never did within START_MS. */
  readonly ready: Promise<boolean>;
  dead = false;
  private listener: SlotListener | undefined;

  constructor(
    readonly key: string,
    url: URL,
    onLost: (slot: Slot) => void,
  ) {
    this.worker = new Worker(url, { type: 'module', name: 'enclave-sandbox' });
    let answer: (ok: boolean) => void = () => undefined;
    this.ready = new Promise((resolve) => {
      answer = resolve;
    });
    const timer = setTimeout(() => answer(false), START_MS);
    this.worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { type?: unknown } | null;
      if (typeof data === 'object' && data !== null && data.type === 'ready') {
        clearTimeout(timer);
        answer(true);
      } else this.listener?.message(event.data);
    });
    // The worker's script did not load, or threw where nothing caught it: it is not trusted with another run.
    this.worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      clearTimeout(timer);
      answer(false);
      onLost(this);
      this.listener?.lost(event.message ? 'an error in the worker' : 'its script did not load');
    });
  }

  attach(listener: SlotListener): void {
    this.listener = listener;
  }

  detach(): void {
    this.listener = undefined;
  }

  terminate(): void {
    this.dead = true;
    this.worker.terminate();
  }
}

export type Acquired = WorkerSlot | 'busy' | 'aborted' | 'failed';

export class WorkerSlots {
  private readonly idle = new Map<string, Slot[]>();
  private readonly inUse = new Set<Slot>();

  warm(url: URL): void {
    const list = this.list(url.href);
    if (list.length === 0) list.push(this.spawn(url));
  }

  /** A ready worker for one run, or why there is none. */
  async acquire(url: URL, signal: AbortSignal | undefined): Promise<Acquired> {
    if (this.inUse.size >= MAX_RUNNING) return 'busy';
    const slot = this.list(url.href).pop() ?? this.spawn(url);
    this.inUse.add(slot);
    const ready = await untilAborted(slot.ready, signal);
    if (ready === 'aborted') {
      // Cancelled while the worker started: it is kept for the next run once ready.
      this.inUse.delete(slot);
      void slot.ready.then((ok) => (ok ? this.park(slot) : slot.terminate()));
      return 'aborted';
    }
    if (!ready || slot.dead) {
      this.retire(slot);
      return 'failed';
    }
    return slot;
  }

  /** The run ended by itself: the worker may serve the next one. */
  release(slot: WorkerSlot): void {
    const own = slot as Slot;
    this.inUse.delete(own);
    this.park(own);
  }

  /** The run was stopped by force, or the worker failed: it is ended. */
  retire(slot: WorkerSlot): void {
    const own = slot as Slot;
    this.inUse.delete(own);
    own.terminate();
  }

  disposeIdle(): number {
    let ended = 0;
    for (const list of this.idle.values()) {
      for (const slot of list.splice(0)) {
        slot.terminate();
        ended++;
      }
    }
    return ended;
  }

  private park(slot: Slot): void {
    const list = this.list(slot.key);
    if (!slot.dead && list.length < KEEP_IDLE && !list.includes(slot)) list.push(slot);
    else if (!list.includes(slot)) slot.terminate();
  }

  private spawn(url: URL): Slot {
    return new Slot(url.href, url, (lost) => {
      const list = this.list(lost.key);
      const at = list.indexOf(lost);
      if (at >= 0) list.splice(at, 1);
      lost.terminate();
    });
  }

  private list(key: string): Slot[] {
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    return list;
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | 'aborted'> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
