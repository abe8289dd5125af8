// Waiting on an event instead of for a time: a test polls the condition it needs (a counter, a log line, a stat)
// until it holds, and fails saying what it waited for when it never does. A fixed sleep either wastes time on a
// quiet machine or is too short on a loaded one; this is neither.

export interface WaitOptions {
  /** What the test waits for, as the failure message names it ("the fixture to hold the call"). */
  what: string;
  /** How long before giving up: generous, since only a failing test ever waits it out. */
  timeoutMs?: number;
  /** How often to look again. */
  intervalMs?: number;
}

/**
 * Resolves with the condition's first truthy value; rejects with "timed out after N ms waiting for <what>" (and the
 * last value seen, or the last error the condition threw) when the deadline passes first.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, { what, timeoutMs = 15_000, intervalMs = 20 }: WaitOptions): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error; // not ready yet (a count read through a script the server cannot answer yet, say)
    }
    if (Date.now() >= end) {
      const seen = last instanceof Error ? `${last.name}: ${last.message}` : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A promise and its resolver, for a test that waits on a callback it hands out ("the handler was called"). */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
