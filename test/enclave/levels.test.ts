// Limits have one source (levels.ts): a table of bounds from which the schema, the type, the override schema, the
// published JSON Schema and checkLimits' messages all come. These hold the parts to each other, and every level's
// numbers to the bounds an override must keep.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { EnclaveConfigError, LEVEL_LIMITS, type Limits, type LimitsOverride, resolveLimits, SECURITY_LEVELS } from '../../src/enclave/index.js';
import { checkLimits, LIMIT_KEYS, LimitsOverrideSchema, LimitsSchema } from '../../src/enclave/levels.js';

/** Each limit's bounds as the published JSON Schema states them (what a manifest editor shows). */
function publishedBounds(): Map<string, { min: number; max?: number }> {
  const json = z.toJSONSchema(LimitsSchema, { target: 'draft-7' }) as { properties: Record<string, Record<string, number>> };
  return new Map(
    Object.entries(json.properties).map(([key, p]) => {
      const min = p.exclusiveMinimum !== undefined ? p.exclusiveMinimum + 1 : (p.minimum as number); // integers
      return [key, p.maximum === undefined || p.maximum >= Number.MAX_SAFE_INTEGER ? { min } : { min, max: p.maximum }];
    }),
  );
}

describe('Limits: one source', () => {
  it('the schema, the override schema, the keys and every level name the same limits, in the same order', () => {
    expect(Object.keys(LimitsSchema.shape)).toEqual([...LIMIT_KEYS]);
    expect(Object.keys(LimitsOverrideSchema.shape)).toEqual([...LIMIT_KEYS]);
    for (const level of SECURITY_LEVELS) expect(Object.keys(LEVEL_LIMITS[level])).toEqual([...LIMIT_KEYS]);
    expectTypeOf<LimitsOverride>().toEqualTypeOf<Partial<Limits>>();
  });

  it.each(SECURITY_LEVELS)('%s: every number is within the bounds an override must keep', (level) => {
    expect(LimitsSchema.parse(LEVEL_LIMITS[level])).toEqual(LEVEL_LIMITS[level]);
    expect(resolveLimits(level)).toEqual(LEVEL_LIMITS[level]);
  });

  it("checkLimits' messages state the bounds the JSON Schema publishes", () => {
    const bounds = publishedBounds();
    expect([...bounds.keys()]).toEqual([...LIMIT_KEYS]);
    for (const [key, { min, max }] of bounds) {
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      expect(checkLimits({ [key]: min - 1 })).toEqual({ ok: false, problems: [`limits.${key} must be an integer ${range} (got ${min - 1})`] });
      expect(checkLimits({ [key]: min })).toEqual({ ok: true, value: { [key]: min } });
      if (max !== undefined) expect(checkLimits({ [key]: max + 1 }).ok).toBe(false);
    }
  });

  it('an override outside the schema is refused: an unknown key, a complete set with one, a value out of bounds', () => {
    expect(LimitsOverrideSchema.safeParse({ timeoutMs: 1_000 }).success).toBe(true);
    expect(LimitsOverrideSchema.safeParse({ timeoutMs: 1_000, maxWallClock: 5 }).success).toBe(false);
    expect(LimitsSchema.safeParse({ ...LEVEL_LIMITS.STRICT, maxWallClock: 5 }).success).toBe(false);
    const { timeoutMs: _, ...incomplete } = LEVEL_LIMITS.STRICT;
    expect(LimitsSchema.safeParse(incomplete).success).toBe(false);
    expect(() => resolveLimits('STRICT', { memoryBytes: 2 * 1024 ** 3 })).toThrow(EnclaveConfigError);
    expect(() => resolveLimits('STRICT', { memoryBytes: 2 * 1024 ** 3 })).toThrow('limits.memoryBytes must be an integer from 1048576 to 1073741824');
  });
});
