// The host's watchdog over a sandbox worker, the same in Node's pool (pool.ts) and in a browser page
// (browser-host.ts): how long past its deadline a run may take to stop by itself before its worker is ended by
// force, how long a run may wait for its sandbox, how far one pause (ToolCallContext.untimed: a person answering)
// may push the watchdog away, and what a run the watchdog ends is answered.
import type { ErrorCode } from '../errors.js';

/** Past the script's deadline, the time it has to stop by itself (its own interrupt handler) before the watchdog. */
export const WATCHDOG_GRACE_MS = 500;

/**
 * How long a run may wait for its sandbox to be made (the first run of a memory size on a worker, or one after a
 * sandbox that could not be kept) before its worker is ended by force. Making one is the host's work, which the
 * script's own code cannot stretch, and no part of its deadline: ~0.1–0.3 s on a quiet machine, and over 1.3 s on a
 * loaded one, past a 1 s deadline's watchdog.
 */
export const PREPARE_MS = 30_000;

/** How a run the watchdog ends is answered. */
export interface WatchdogEnding {
  code: Extract<ErrorCode, 'TIMEOUT' | 'INTERNAL_ERROR'>;
  message: string;
}

/** A script that outlived its deadline and the grace. */
export const forcedTimeout = (timeoutMs: number): WatchdogEnding => ({
  code: 'TIMEOUT',
  message: `The script ran past its ${timeoutMs} ms time limit and had to be stopped by force. Do less work per script.`,
});

/** A run that waited `ms` for its sandbox to be made: INTERNAL_ERROR, since its script never ran. */
export const preparingTimeout = (ms: number): WatchdogEnding => ({
  code: 'INTERNAL_ERROR',
  message: `No sandbox could be made for the script within ${ms / 1000} s: the host is overloaded. Run the script again later.`,
});

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
