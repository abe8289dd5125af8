// Property-based fuzzing of parseManifest with generated manifests. The generator lives in manifests.ts, the
// invariants in manifest-target.ts; `npm run fuzz` runs the same property for long.
import { describe } from 'vitest';
import { manifestsTarget } from './manifest-target.js';
import { fuzzTest } from './vitest-fuzz.js';

describe('generated manifests', () => void fuzzTest(manifestsTarget, { timeoutMs: 60_000 }));
