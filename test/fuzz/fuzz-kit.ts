// The frame every fuzz property shares, in the CI test (fixed seed, bounded runs) and in `npm run fuzz` (long):
// a target is an arbitrary plus a harness that checks one case against the invariants and says what happened.
import fc from 'fast-check';

/** One place to judge cases: throws when an invariant breaks, else returns the outcome's label ('ok', a code…). */
export interface Harness<C> {
  check(input: C, tally: Tally): Promise<string>;
  /** After the cases: the same Enclave, parser or server still does clean work. Throws if not. */
  afterwards(): Promise<void>;
  close(): Promise<void>;
}

export interface FuzzTarget<C> {
  name: string;
  /** One line for the table of `npm run fuzz`. */
  what: string;
  /** Cases of the CI test. */
  ciRuns: number;
  /** Share of a long run's time. */
  weight: number;
  arbitrary: fc.Arbitrary<C>;
  open(): Promise<Harness<C>>;
}

/** The CI test's seed. `FUZZ_SEED` overrides it (to replay what `npm run fuzz` found). */
export const CI_SEED = 20_250_917;

/** What a run covered: cases tried, outcomes by label, and the slowest case. */
export class Tally {
  cases = 0;
  readonly outcomes = new Map<string, number>();
  /** The longest case, in ms, and its outcome. */
  slowest = { ms: 0, label: '' };
  /** The longest the host's event loop went without a turn during a run, in ms, and its outcome (enclave properties). */
  worstStall = { ms: 0, label: '' };

  add(label: string): void {
    this.outcomes.set(label, (this.outcomes.get(label) ?? 0) + 1);
  }
  took(ms: number, label: string): void {
    if (ms > this.slowest.ms) this.slowest = { ms, label };
  }
  stalled(ms: number, label: string): void {
    if (ms > this.worstStall.ms) this.worstStall = { ms, label };
  }
  /** "ok 120, VALIDATION_ERROR 80, …", most frequent first. */
  summary(): string {
    return [...this.outcomes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([label, n]) => `${label} ${n}`)
      .join(', ');
  }
}

/**
 * How long the event loop of this process goes without a turn while `work` runs: a timer that should fire every
 * 10 ms, and the longest gap between its firings beyond that.
 */
export async function withStallMeter<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    const value = await work();
    worst = Math.max(worst, performance.now() - last - 10);
    return { value, stallMs: Math.max(0, worst) };
  } finally {
    clearInterval(timer);
  }
}

// ── The host process: an unhandled rejection or an uncaught exception anywhere fails the case it happened in ──
const faults: string[] = [];
let watching = false;
function watchProcess(): void {
  if (watching) return;
  watching = true;
  process.on('unhandledRejection', (reason) => void faults.push(`unhandled rejection: ${describe(reason)}`));
  process.on('uncaughtExceptionMonitor', (error) => void faults.push(`uncaught exception: ${describe(error)}`));
}
const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Throws with the process faults seen since the last call (after letting pending rejections surface). */
export async function expectNoProcessFault(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (faults.length > 0) throw new Error(`the host process faulted: ${faults.splice(0).join('; ')}`);
}

/** No case of any property takes this long unless something hangs (the slowest, over HTTP, is bounded by ~8 s). */
export const CASE_LIMIT_MS = 20_000;

export interface RunSettings {
  seed: number;
  numRuns: number;
  /** Stop after this long (a long run's share; the CI test's budget): the run so far counts, a failure keeps its best counterexample. */
  timeLimitMs?: number;
  /** fast-check's replay path of a failure. */
  path?: string;
  /** Called with each case before it runs (the long run leaves it in a file, in case the process dies). */
  onCase?: (printed: string) => void;
}

export interface TargetRun<C> {
  details: fc.RunDetails<[C]>;
  tally: Tally;
  ms: number;
  /** A failure of the last case, which finished after the time limit had ended the property. */
  late?: string;
}

/** Runs the property of `target` on an open harness. Never throws: a failure is in `details`. */
export async function runTarget<C>(target: FuzzTarget<C>, harness: Harness<C>, settings: RunSettings): Promise<TargetRun<C>> {
  watchProcess();
  const tally = new Tally();
  // An interrupted run leaves its last case running: wait for it, so afterwards() and close() never cut it short.
  // Its failure is not fast-check's to see then, so it is kept here (when the property passed, nothing else threw).
  let last: Promise<unknown> = Promise.resolve();
  let thrown: { input: C; error: unknown } | undefined;
  const property = fc.asyncProperty(target.arbitrary, (input) => {
    settings.onCase?.(`${target.name}: ${printable(input)}`);
    const one = (async () => {
      tally.cases++;
      const label = await harness.check(input, tally);
      await expectNoProcessFault();
      tally.add(label);
    })();
    last = one.catch((error: unknown) => void (thrown = { input, error }));
    return one;
  });
  const t0 = performance.now();
  const parameters: fc.Parameters<[C]> = {
    seed: settings.seed,
    numRuns: settings.numRuns,
    ...(settings.path ? { path: settings.path } : {}),
    // A case that hangs fails as such, with its counterexample, rather than stalling the run until a test timeout.
    plugins: [...(settings.timeLimitMs ? [fc.interruptAfterTimeLimit(settings.timeLimitMs)] : []), fc.timeout(CASE_LIMIT_MS)],
  };
  const details = await fc.check(property, parameters);
  const ms = performance.now() - t0;
  await last;
  const late =
    !details.failed && thrown
      ? `the case cut off by the time limit failed: ${describe(thrown.error)}; input: ${printable(thrown.input).slice(0, 4000)}`
      : undefined;
  return { details, tally, ms, ...(late ? { late } : {}) };
}

/** The counterexample and how to replay it, for a test failure or the long run's report. */
export function failureReport<C>(name: string, details: fc.RunDetails<[C]>): string {
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = printable(details.counterexample?.[0]);
  return [
    `property "${name}" failed after ${details.numRuns} cases and ${details.numShrinks} shrinks: ${error}`,
    `counterexample: ${example.length > 4000 ? `${example.slice(0, 4000)}… (${example.length} characters)` : example}`,
    `replay: FUZZ_ONLY=${name} FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npm run fuzz`,
  ].join('\n');
}

/** fast-check's printout of a value, or a word on why there is none (its printer recurses: deep values overflow it). */
function printable(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch (error) {
    return `(a value fast-check cannot print: ${describe(error)})`;
  }
}

/** `FUZZ_SEED` when set, else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.FUZZ_SEED;
  return raw !== undefined && raw !== '' && Number.isInteger(Number(raw)) ? Number(raw) : fallback;
}
