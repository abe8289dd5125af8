// A fuzz target as a vitest test: the fixed CI seed (FUZZ_SEED overrides it, to replay), the target's CI run count
// (FUZZ_CI_RUNS overrides it), one harness for all cases, and the counterexample with its replay line on failure.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeCanaryFile } from './canaries.js';
import { CI_SEED, type FuzzTarget, failureReport, type Harness, runTarget, seedFromEnv } from './fuzz-kit.js';

// Registered once per test file (each file imports this module afresh): after its last test.
afterAll(removeCanaryFile);

export interface FuzzTestOptions {
  /** The whole test's budget, in ms. */
  timeoutMs: number;
}

/** Declares the test (inside a describe); returns the open harness, for tests of its own beside the property. */
export function fuzzTest<C>(target: FuzzTarget<C>, options: FuzzTestOptions): () => Harness<C> {
  let harness: Harness<C> | undefined;
  beforeAll(async () => {
    harness = await target.open();
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  }, 60_000);
  it(
    `${target.name}: ${target.what}`,
    async () => {
      const numRuns = Number(process.env.FUZZ_CI_RUNS) || target.ciRuns;
      // Stopped short of the test's timeout, so a slow shrink still reports its counterexample; too few cases fail below.
      const run = await runTarget(target, harness!, { seed: seedFromEnv(CI_SEED), numRuns, timeLimitMs: options.timeoutMs - 20_000 });
      if (run.details.failed) expect.fail(failureReport(target.name, run.details));
      if (run.late) expect.fail(run.late);
      await harness!.afterwards();
      expect(run.tally.cases).toBeGreaterThanOrEqual(numRuns);
    },
    options.timeoutMs,
  );
  return () => harness!;
}
