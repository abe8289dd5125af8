// CPU time by party, from Linux's /proc: this process's main thread, its other threads (the sandbox workers, V8's and
// libuv's helpers), and each child process (a downstream stdio server). Wall time per call says what a user waits;
// this says who spent the CPU meanwhile, which is where a gap between two ways of making the same call comes from.
import { readdirSync, readFileSync } from 'node:fs';

/** The kernel's clock ticks per second for utime/stime: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

export type CpuByParty = Record<'main' | 'other threads' | 'children', number>;

/** User + system ticks of a /proc/…/stat line (fields 14 and 15; the command name may contain spaces). */
function ticks(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Children of this process, from /proc/<pid>/task/<pid>/children (one line of pids). */
function children(): number[] {
  try {
    const text = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

function sample(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) out.set(`t${tid}`, ticks(`/proc/self/task/${tid}/stat`));
  for (const pid of children()) {
    try {
      out.set(`c${pid}`, ticks(`/proc/${pid}/stat`));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** Whether this machine can say (Linux with /proc). */
export const cpuByPartyAvailable = ((): boolean => {
  try {
    return sample().size > 0;
  } catch {
    return false;
  }
})();

/** Runs `work` and returns the CPU milliseconds each party spent meanwhile (ticks: 10 ms each, so run it for seconds). */
export async function cpuByParty(work: () => Promise<void>): Promise<CpuByParty> {
  const before = sample();
  await work();
  const after = sample();
  const spent: CpuByParty = { main: 0, 'other threads': 0, children: 0 };
  for (const [key, value] of after) {
    const ms = ((value - (before.get(key) ?? 0)) * 1000) / TICKS_PER_SECOND;
    if (key === `t${process.pid}`) spent.main += ms;
    else if (key.startsWith('t')) spent['other threads'] += ms;
    else spent.children += ms;
  }
  return spent;
}
