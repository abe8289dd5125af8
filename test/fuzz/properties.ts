// Every fuzz property, for the CI tests (test/fuzz/*.test.ts) and `npm run fuzz` (scripts/fuzz.ts) alike.
import { mutationsTarget, programsTarget, toolResultsTarget } from './enclave-targets.js';
import type { FuzzTarget } from './fuzz-kit.js';
import { httpTarget } from './http-target.js';
import { manifestsTarget } from './manifest-target.js';

export const TARGETS: ReadonlyArray<FuzzTarget<unknown>> = [programsTarget, mutationsTarget, toolResultsTarget, manifestsTarget, httpTarget];

export { CI_SEED, failureReport, runTarget, type FuzzTarget, type TargetRun } from './fuzz-kit.js';
