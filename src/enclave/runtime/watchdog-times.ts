// The host's watchdog over a sandbox worker, the same in Node's pool (pool.ts) and in a browser page
// (browser-host.ts): how long past its deadline a run may take to stop by itself before its worker is ended by
// force, and how far one pause (ToolCallContext.untimed: a person answering) may push the watchdog away.

/** Past the script's deadline, the time it has to stop by itself (its own interrupt handler) before the watchdog. */
export const WATCHDOG_GRACE_MS = 500;

/**
 * How long a run may wait for its sandbox to be made (a cold worker, or the first run of a memory size) before its
 * worker is ended by force. That wait is the host's own work, which no script can stretch, and it is no part of the
 * script's deadline: ~0.1–0.3 s on a quiet machine, and over 1.3 s on a loaded one, past a 1 s deadline's watchdog.
 */
export const PREPARE_MS = 30_000;

/** What a run that waited `ms` for its sandbox ends with (INTERNAL_ERROR: its script never ran). */
export const prepareTimeoutMessage = (ms: number): string =>
  `No sandbox could be made for the script within ${ms / 1000} s: the host is overloaded. Run the script again later.`;

/** The longest one pause may keep the watchdog away: ten minutes, as long as any level's deadline. */
export const MAX_PAUSE_MS = 10 * 60_000;

/**
 * When a run sent now must say 'started' if its script starts at or after it (RunMessage.startedAfter): a tenth of
 * the grace. A script that starts earlier keeps nine tenths of the grace before the watchdog set at sending; one that
 * starts later (a sandbox still being prepared, a loaded machine) restarts the watchdog with the whole grace. Half
 * the grace left too little for a long native call (a 2 MB replaceAll: 53 ms, several times that on a loaded machine)
 * to end past its deadline by itself.
 */
export function startedAfter(graceMs: number): number {
  return Date.now() + graceMs / 10;
}
