// Property-based fuzzing of the Enclave with valid programs of the grammar and mutations of them (issue: fuzzing).
// The generators and invariants live in enclave-targets.ts; `npm run fuzz` runs the same properties for long.
import { describe } from 'vitest';
import { mutationsTarget, programsTarget } from './enclave-targets.js';
import { fuzzTest } from './vitest-fuzz.js';

describe('valid programs', () => void fuzzTest(programsTarget, { timeoutMs: 120_000 }));
describe('mutated programs', () => void fuzzTest(mutationsTarget, { timeoutMs: 120_000 }));
