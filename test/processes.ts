// Child processes a test started, found through /proc by a mark (a temp folder, an env value) they carry in
// their command line or environment: for "no process left behind" checks and for cleaning up after a failure.
import { readdirSync, readFileSync } from 'node:fs';

/** Process ids (other than ours) whose command line or environment holds `mark`. */
export function processesMarked(mark: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(mark) || readFileSync(`/proc/${entry}/environ`, 'utf8').includes(mark)) {
        found.push(Number(entry));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no process carries `mark` (or the time is up) and returns the ones left. */
export async function survivorsAfter(mark: string, ms = 8000): Promise<number[]> {
  const end = Date.now() + ms;
  let left = processesMarked(mark);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesMarked(mark);
  }
  return left;
}

/** Kills what a failed test left behind, so one failure does not leak processes into the next file. */
export function killMarked(mark: string): void {
  for (const pid of processesMarked(mark)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
