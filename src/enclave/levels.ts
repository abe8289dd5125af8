// The security levels of DESIGN §4, in one table. Every stage reads its numbers from here.
import { z } from 'zod';
import { EnclaveConfigError } from './errors.js';

export const SECURITY_LEVELS = ['STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

/** Units for the sizes below and for any module that writes a size (a byte count is easier to misread than `16 * MB`). */
export const KB = 1024;
export const MB = 1024 * KB;

/** Hard ceilings no override may pass: beyond them the engine itself (host stack, wasm memory) is at risk. */
const CEILING = { memoryBytes: 1024 * MB, maxNestingDepth: 200, timeoutMs: 10 * 60_000 } as const;

interface Bound {
  min: number;
  max?: number;
}

/**
 * Every limit, with the bounds an override must keep, in one table: the type `Limits`, its schemas and the messages
 * of checkLimits all come from here. A limit missing from a level, or a level's number out of bounds, fails to compile
 * or fails test/enclave/levels.test.ts.
 */
const BOUNDS = {
  timeoutMs: { min: 1, max: CEILING.timeoutMs },
  /** All loop iterations and callback invocations together. */
  maxIterations: { min: 1 },
  maxToolCalls: { min: 0 },
  memoryBytes: { min: 1 * MB, max: CEILING.memoryBytes },
  maxCodeBytes: { min: 1 },
  maxResultBytes: { min: 1 },
  maxLogBytes: { min: 0 },
  maxLogCalls: { min: 0 },
  /** Concurrency cap of `parallel()`. */
  maxConcurrency: { min: 1 },
  /** Pre-scanner limits. */
  maxNestingDepth: { min: 1, max: CEILING.maxNestingDepth },
  maxLineLength: { min: 1 },
  maxStringLiteralBytes: { min: 1 },
} as const satisfies Record<string, Bound>;
type LimitKey = keyof typeof BOUNDS;

/** `positive()` for a minimum of 1 keeps the published manifest schema as it was (exclusiveMinimum 0). */
function integer({ min, max }: Bound): z.ZodNumber {
  const int = z.number().int();
  const low = min === 1 ? int.positive() : min === 0 ? int.nonnegative() : int.min(min);
  return max === undefined ? low : low.max(max);
}

/** A complete set of limits (a level's, or one resolved with overrides); unknown keys are refused. */
export const LimitsSchema = z.strictObject(
  Object.fromEntries(Object.entries(BOUNDS).map(([key, bound]) => [key, integer(bound)])) as { [K in LimitKey]: z.ZodNumber },
);
export type Limits = z.infer<typeof LimitsSchema>;

/** Overrides of a level's limits (the Enclave's `limits` option, the manifest's): any of them, each within its bounds. */
export const LimitsOverrideSchema = LimitsSchema.partial(); // still strict: unknown keys are a mistake, never silently ignored
export type LimitsOverride = z.infer<typeof LimitsOverrideSchema>;
export const LIMIT_KEYS = Object.keys(BOUNDS) as readonly LimitKey[];

export const LEVEL_LIMITS: Readonly<Record<SecurityLevel, Readonly<Limits>>> = Object.freeze({
  STRICT: {
    timeoutMs: 5_000,
    maxIterations: 1_000,
    maxToolCalls: 10,
    memoryBytes: 16 * MB,
    maxCodeBytes: 32 * KB,
    maxResultBytes: 256 * KB,
    maxLogBytes: 64 * KB,
    maxLogCalls: 100,
    maxConcurrency: 5,
    maxNestingDepth: 32,
    maxLineLength: 2_000,
    maxStringLiteralBytes: 8 * KB,
  },
  SECURE: {
    timeoutMs: 15_000,
    maxIterations: 5_000,
    maxToolCalls: 50,
    memoryBytes: 32 * MB,
    maxCodeBytes: 64 * KB,
    maxResultBytes: 1 * MB,
    maxLogBytes: 256 * KB,
    maxLogCalls: 500,
    maxConcurrency: 10,
    maxNestingDepth: 48,
    maxLineLength: 4_000,
    maxStringLiteralBytes: 32 * KB,
  },
  STANDARD: {
    timeoutMs: 30_000,
    maxIterations: 10_000,
    maxToolCalls: 100,
    memoryBytes: 64 * MB,
    maxCodeBytes: 100 * KB,
    maxResultBytes: 4 * MB,
    maxLogBytes: 1 * MB,
    maxLogCalls: 1_000,
    maxConcurrency: 20,
    maxNestingDepth: 64,
    maxLineLength: 10_000,
    maxStringLiteralBytes: 64 * KB,
  },
  PERMISSIVE: {
    timeoutMs: 60_000,
    maxIterations: 100_000,
    maxToolCalls: 1_000,
    memoryBytes: 128 * MB,
    maxCodeBytes: 1 * MB,
    maxResultBytes: 16 * MB,
    maxLogBytes: 10 * MB,
    maxLogCalls: 10_000,
    maxConcurrency: 50,
    maxNestingDepth: 100,
    maxLineLength: 100_000,
    maxStringLiteralBytes: 1 * MB,
  },
});

export function isSecurityLevel(value: unknown): value is SecurityLevel {
  return typeof value === 'string' && (SECURITY_LEVELS as readonly string[]).includes(value);
}

/** A configuration value as quoted in a message: numbers as they are, anything else by its kind (it may be a secret). */
export function shownValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Why `level` is not a security level, or undefined. Level names are not secrets: a short string is quoted. */
export function levelProblem(level: unknown): string | undefined {
  if (isSecurityLevel(level)) return undefined;
  const got = typeof level === 'string' && level.length <= 40 ? JSON.stringify(level) : shownValue(level);
  return `securityLevel must be one of ${SECURITY_LEVELS.join(', ')} (got ${got})`;
}

const squash = (k: string): string => k.toLowerCase().replace(/[_-]/g, '');
/** A limit `key` may have meant: the same letters in another case or spelling (`timeout_ms`), or a prefix (`timeout`). */
function limitLike(key: string): string | undefined {
  return LIMIT_KEYS.find((k) => squash(k) === squash(key)) ?? (key.length >= 4 ? LIMIT_KEYS.find((k) => squash(k).startsWith(squash(key))) : undefined);
}

/** One message per wrong key: "limits.timeoutMs must be an integer from 1 to 600000 (got -5)". */
export function checkLimits(overrides: unknown): { ok: true; value: LimitsOverride } | { ok: false; problems: string[] } {
  if (overrides === undefined) return { ok: true, value: {} };
  const parsed = LimitsOverrideSchema.safeParse(overrides);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = new Map<string, string>(); // by key: `-5.5` fails two checks and gets one message
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = limitLike(key);
        problems.set(key, `limits.${key} is not a limit (${near ? `did you mean ${near}?` : `the limits are ${LIMIT_KEYS.join(', ')}`})`);
      }
    } else if (issue.path.length === 0) {
      problems.set('', `limits must be an object of overrides such as { timeoutMs: 10000 } (got ${shownValue(overrides)})`);
    } else {
      const key = String(issue.path[0]) as keyof Limits;
      const { min, max }: Bound = BOUNDS[key];
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      problems.set(key, `limits.${key} must be an integer ${range} (got ${shownValue((overrides as Record<string, unknown>)[key])})`);
    }
  }
  return { ok: false, problems: [...problems.values()] };
}

/** The level's limits with the overrides applied. Throws EnclaveConfigError on an unknown level or a bad override. */
export function resolveLimits(level: SecurityLevel, overrides?: LimitsOverride): Limits {
  const problem = levelProblem(level);
  if (problem) throw new EnclaveConfigError(`${problem}.`);
  const checked = checkLimits(overrides);
  if (!checked.ok) throw new EnclaveConfigError(`${checked.problems.join('; ')}.`);
  return Object.freeze({ ...LEVEL_LIMITS[level], ...checked.value });
}
