// Stateless requests running on this server, by scope and JSON-RPC id. A stateless server has no session to carry a
// notifications/cancelled to the request it names: the cancel is a POST of its own, answered by a fresh server that
// never saw that request. Routing it here is what lets it stop the script (on the replica that runs it).
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * Whose requests a cancel may name: one authenticated caller (Caller.key), and within it one client when the client
 * sends its stateless tag (http-stateless-tag.ts). Clients count their ids alike (1, 2, 3…), so without a tag the
 * id alone does not tell two clients of one token apart; with one it does.
 */
export interface CancelScope {
  readonly caller: string;
  readonly tag: string | undefined;
}

/** Stops one tracked request, with the client's reason when it gave one. */
export type Cancel = (reason: string | undefined) => void;

/**
 * - `cancelled`: exactly one running request of this scope had this id; it was told to stop.
 * - `ambiguous`: several had it (two untagged clients of one caller count their ids alike): none was stopped, since
 *   nothing tells which one the client meant, and stopping another's script is worse than running one to its end.
 * - `held`: none has it yet, and the scope is tagged: the cancel is kept briefly, for a request still on its way
 *   (see EARLY_CANCEL_MS).
 * - `unmatched`: none has it, and the scope is untagged: nothing is kept, since a later request of another client
 *   reusing the id would be stopped by it.
 */
export type CancelOutcome = 'cancelled' | 'ambiguous' | 'held' | 'unmatched';

/**
 * A cancel can overtake its request: the client sends it on another connection as soon as its signal fires, while
 * the request's body may still be on the way. A tagged cancel is kept this long and stops the first request of that
 * scope and id that arrives meanwhile. Only tagged ones: a client never reuses an id, so a held cancel can stop
 * nothing but the request it named; untagged, the id may be another client's next request. Short all the same: a
 * cancel for a request that already ended (or runs on another replica) is kept just the same.
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
  track(scope: CancelScope, id: RequestId, cancel: Cancel): () => void {
    const k = key(scope, id);
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

  /** Stops the request of this scope with this id, if it is the only one (see CancelOutcome). */
  cancel(scope: CancelScope, id: RequestId, reason: string | undefined): CancelOutcome {
    const k = key(scope, id);
    const set = this.running.get(k);
    if (set && set.size > 1) return 'ambiguous';
    const only = set?.values().next().value;
    if (only) {
      only(reason);
      return 'cancelled';
    }
    if (scope.tag === undefined) return 'unmatched';
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

/**
 * Ids are strings or numbers, and 1 is not "1": JSON keeps them apart, and no part can leak into another. An untagged
 * scope (null) is apart from every tagged one, so a cancel without the tag never reaches a tagged client's request.
 */
const key = (scope: CancelScope, id: RequestId): string => JSON.stringify([scope.caller, scope.tag ?? null, id]);
