// The security levels of DESIGN §4, in one table. Every stage reads its numbers from here.
import { z } from 'zod';

export const SECURITY_LEVELS = ['STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

export interface Limits {
  timeoutMs: number;
  /** All loop iterations and callback invocations together. */
  maxIterations: number;
  maxToolCalls: number;
  memoryBytes: number;
  maxCodeBytes: number;
  maxResultBytes: number;
  maxLogBytes: number;
  maxLogCalls: number;
  /** Concurrency cap of `parallel()`. */
  maxConcurrency: number;
  /** Pre-scanner limits. */
  maxNestingDepth: number;
  maxLineLength: number;
  maxStringLiteralBytes: number;
}

const KB = 1024;
const MB = 1024 * KB;

export const LEVEL_LIMITS: Readonly<Record<SecurityLevel, Readonly<Limits>>> = Object.freeze({
  STRICT: {
    timeoutMs: 5_000, maxIterations: 1_000, maxToolCalls: 10, memoryBytes: 16 * MB,
    maxCodeBytes: 32 * KB, maxResultBytes: 256 * KB, maxLogBytes: 64 * KB, maxLogCalls: 100,
    maxConcurrency: 5, maxNestingDepth: 32, maxLineLength: 2_000, maxStringLiteralBytes: 8 * KB,
  },
  SECURE: {
    timeoutMs: 15_000, maxIterations: 5_000, maxToolCalls: 50, memoryBytes: 32 * MB,
    maxCodeBytes: 64 * KB, maxResultBytes: 1 * MB, maxLogBytes: 256 * KB, maxLogCalls: 500,
    maxConcurrency: 10, maxNestingDepth: 48, maxLineLength: 4_000, maxStringLiteralBytes: 32 * KB,
  },
  STANDARD: {
    timeoutMs: 30_000, maxIterations: 10_000, maxToolCalls: 100, memoryBytes: 64 * MB,
    maxCodeBytes: 100 * KB, maxResultBytes: 4 * MB, maxLogBytes: 1 * MB, maxLogCalls: 1_000,
    maxConcurrency: 20, maxNestingDepth: 64, maxLineLength: 10_000, maxStringLiteralBytes: 64 * KB,
  },
  PERMISSIVE: {
    timeoutMs: 60_000, maxIterations: 100_000, maxToolCalls: 1_000, memoryBytes: 128 * MB,
    maxCodeBytes: 1 * MB, maxResultBytes: 16 * MB, maxLogBytes: 10 * MB, maxLogCalls: 10_000,
    maxConcurrency: 50, maxNestingDepth: 100, maxLineLength: 100_000, maxStringLiteralBytes: 1 * MB,
  },
});

/** Hard ceilings no override may pass: beyond them the engine itself (host stack, wasm memory) is at risk. */
const CEILING = { memoryBytes: 1024 * MB, maxNestingDepth: 200, timeoutMs: 10 * 60_000 } as const;

const positiveInt = z.number().int().positive();
export const LimitsOverrideSchema = z
  .object({
    timeoutMs: positiveInt.max(CEILING.timeoutMs),
    maxIterations: positiveInt,
    maxToolCalls: z.number().int().nonnegative(),
    memoryBytes: positiveInt.min(1 * MB).max(CEILING.memoryBytes),
    maxCodeBytes: positiveInt,
    maxResultBytes: positiveInt,
    maxLogBytes: z.number().int().nonnegative(),
    maxLogCalls: z.number().int().nonnegative(),
    maxConcurrency: positiveInt,
    maxNestingDepth: positiveInt.max(CEILING.maxNestingDepth),
    maxLineLength: positiveInt,
    maxStringLiteralBytes: positiveInt,
  })
  .partial()
  .strict(); // unknown keys are a mistake, never silently ignored

export type LimitsOverride = z.infer<typeof LimitsOverrideSchema>;

export function isSecurityLevel(value: unknown): value is SecurityLevel {
  return typeof value === 'string' && (SECURITY_LEVELS as readonly string[]).includes(value);
}

/** The level's limits with the overrides applied. Throws a ZodError on a bad override (a configuration error). */
export function resolveLimits(level: SecurityLevel, overrides?: LimitsOverride): Limits {
  const parsed = overrides === undefined ? {} : LimitsOverrideSchema.parse(overrides);
  return Object.freeze({ ...LEVEL_LIMITS[level], ...parsed });
}
