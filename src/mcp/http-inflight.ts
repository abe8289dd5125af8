// Stateless requests running on this server, by caller and JSON-RPC id. A stateless server has no session to carry a
// notifications/cancelled to the request it names: the cancel is a POST of its own, answered by a fresh server that
// never saw that request. Routing it here is what lets it stop the script (on the replica that runs it).
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Stops one tracked request, with the client's reason when it gave one. */
export type Cancel = (reason: string | undefined) => void;

/**
 * - `cancelled`: exactly one running request of this caller had this id; it was told to stop.
 * - `ambiguous`: several had it (two clients of one caller count their ids alike): none was stopped, since nothing
 *   tells which one the client meant, and stopping another's script is worse than running one to its end.
 * - `held`: none has it yet; the cancel is kept briefly, for a request still on its way (see EARLY_CANCEL_MS).
 */
export type CancelOutcome = 'cancelled' | 'ambiguous' | 'held';

/**
 * A cancel can overtake its request: the client sends it on another connection as soon as its signal fires, while
 * the request's body may still be on the way. It is kept this long and stops the first request of that caller and
 * id that arrives meanwhile. Short, because a cancel for a request that already ended (or runs on another replica)
 * is kept just the same, and must not stop a later request that happens to reuse the id.
 */
export const EARLY_CANCEL_MS = 1_000;

/** Cancels held at once, at most (the oldest goes first): a flood of cancels for unknown ids costs bounded memory. */
export const MAX_HELD = 1_000;

export interface InflightOptions {
  earlyMs?: number;
  maxHeld?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export class InflightRequests {
  private readonly running = new Map<string, Set<Cancel>>();
  /** key → when it arrived and why; in arrival order, so the oldest are first to expire or be evicted. */
  private readonly held = new Map<string, { at: number; reason: string | undefined }>();
  private readonly earlyMs: number;
  private readonly maxHeld: number;
  private readonly now: () => number;

  constructor(options: InflightOptions = {}) {
    this.earlyMs = options.earlyMs ?? EARLY_CANCEL_MS;
    this.maxHeld = options.maxHeld ?? MAX_HELD;
    this.now = options.now ?? Date.now;
  }

  /** Requests tracked and cancels held: both are 0 once everything ended and the held cancels expired. */
  get size(): { running: number; held: number } {
    this.expire();
    let running = 0;
    for (const set of this.running.values()) running += set.size;
    return { running, held: this.held.size };
  }

  /**
   * Tracks a request from the moment its server has it until the returned function is called (when its response
   * ends). A cancel held for it stops it at once.
   */
  track(caller: string, id: RequestId, cancel: Cancel): () => void {
    const k = key(caller, id);
    this.expire();
    const early = this.held.get(k);
    let set = this.running.get(k);
    if (!set) this.running.set(k, (set = new Set()));
    set.add(cancel);
    if (early) {
      this.held.delete(k);
      cancel(early.reason);
    }
    return () => {
      set.delete(cancel);
      if (set.size === 0 && this.running.get(k) === set) this.running.delete(k);
    };
  }

  /** Stops the request of `caller` with this id, if it is the only one (see CancelOutcome). */
  cancel(caller: string, id: RequestId, reason: string | undefined): CancelOutcome {
    const k = key(caller, id);
    const set = this.running.get(k);
    if (set && set.size > 1) return 'ambiguous';
    const only = set?.values().next().value;
    if (only) {
      only(reason);
      return 'cancelled';
    }
    this.expire();
    this.held.delete(k); // re-inserted last: its expiry starts now
    this.held.set(k, { at: this.now(), reason });
    if (this.held.size > this.maxHeld) this.held.delete(this.held.keys().next().value!);
    return 'held';
  }

  private expire(): void {
    const cutoff = this.now() - this.earlyMs;
    for (const [k, { at }] of this.held) {
      if (at > cutoff) break;
      this.held.delete(k);
    }
  }
}

/** Ids are strings or numbers, and 1 is not "1": JSON keeps them apart, and the caller's key cannot leak into the id. */
const key = (caller: string, id: RequestId): string => JSON.stringify([caller, id]);
