// Enclave options: every known key accepted, every unknown one refused by name (with a "did you mean"), every value
// checked with a message naming the key, the bound and the value got; always as EnclaveConfigError.
import { describe, expect, it } from 'vitest';
import { Enclave, EnclaveConfigError, resolveLimits, validate, type EnclaveOptions } from '../../src/enclave/index.js';
import { LEVEL_LIMITS } from '../../src/enclave/levels.js';
import { parseEnclaveOptions, POOL_DEFAULTS } from '../../src/enclave/options.js';

/** The message of the EnclaveConfigError that `make` throws. */
function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(EnclaveConfigError);
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}
const construct = (options: unknown) => () => new Enclave(options as EnclaveOptions);

describe('Enclave options: what is accepted', () => {
  it('every option at once, and the constructor starts nothing (workers start on the first run)', async () => {
    const enclave = new Enclave({
      securityLevel: 'SECURE',
      limits: { timeoutMs: 1_000, maxToolCalls: 0 },
      toolHandler: async () => null,
      globals: { config: { a: 1 } },
      secrets: ['sk-live-0123456789'],
      redactPaths: ['/srv/app'],
      poolSize: 1,
      maxWorkers: 4,
      maxQueue: 0,
    });
    expect(enclave.securityLevel).toBe('SECURE');
    expect(enclave.limits).toEqual({ ...LEVEL_LIMITS.SECURE, timeoutMs: 1_000, maxToolCalls: 0 });
    await enclave.dispose();
  });
  it('no options, and explicit undefined values, mean the defaults', () => {
    const parsed = parseEnclaveOptions({ securityLevel: undefined, toolHandler: undefined, limits: undefined });
    expect(parsed.ok && parsed.settings).toMatchObject({ securityLevel: 'STRICT', limits: LEVEL_LIMITS.STRICT, ...POOL_DEFAULTS });
    expect(POOL_DEFAULTS).toEqual({ poolSize: 2, maxWorkers: 32, maxQueue: 256 });
  });
  it('maxWorkers is never below poolSize by default', () => {
    const parsed = parseEnclaveOptions({ poolSize: 40 });
    expect(parsed.ok && parsed.settings).toMatchObject({ poolSize: 40, maxWorkers: 40 });
  });
  it('globals become JSON text once, their names a set', () => {
    const parsed = parseEnclaveOptions({ globals: { region: 'eu', max: 3 } });
    expect(parsed.ok && [parsed.settings.globalsJson, [...parsed.settings.globalNames]]).toEqual(['{"region":"eu","max":3}', ['region', 'max']]);
  });
});

describe('Enclave options: unknown keys are refused by name', () => {
  const cases: Array<[key: string, meant: string | null]> = [
    ['secret', 'secrets'], // the finding: redaction silently off
    ['timeout', 'limits.timeoutMs'],
    ['timeoutMs', 'limits.timeoutMs'],
    ['maxToolCalls', 'limits.maxToolCalls'],
    ['memory', 'limits.memoryBytes'],
    ['level', 'securityLevel'],
    ['securitylevel', 'securityLevel'],
    ['securityLevle', 'securityLevel'],
    ['toolhandler', 'toolHandler'],
    ['handler', 'toolHandler'],
    ['global', 'globals'],
    ['redactPath', 'redactPaths'],
    ['poolsize', 'poolSize'],
    ['maxWorker', 'maxWorkers'],
    ['maxPerWorker', 'maxWorkers'],
    ['maxQueueSize', 'maxQueue'],
    ['banana', null],
  ];
  it.each(cases)('%s', (key, meant) => {
    const message = refusal(construct({ [key]: 1 }));
    expect(message).toContain(`${key} is not an option`);
    if (meant) expect(message).toContain(`(did you mean ${meant}`);
    else expect(message).not.toContain('did you mean');
    expect(message).toMatch(/Unknown options are refused, not ignored\.$/);
  });
  it('maxPerWorker says why it is gone', () => {
    expect(refusal(construct({ maxPerWorker: 8 }))).toMatch(/maxPerWorker is not an option \(did you mean maxWorkers \(a worker runs one execution at a time/);
  });
  it('an unknown limit is refused with a did-you-mean, or the list of limits', () => {
    expect(refusal(construct({ limits: { timeoutMS: 5 } }))).toContain('limits.timeoutMS is not a limit (did you mean timeoutMs?)');
    expect(refusal(construct({ limits: { max_tool_calls: 5 } }))).toContain('limits.max_tool_calls is not a limit (did you mean maxToolCalls?)');
    expect(refusal(construct({ limits: { zzz: 5 } }))).toContain('limits.zzz is not a limit (the limits are timeoutMs, maxIterations,');
  });
  it('every problem in one message', () => {
    const message = refusal(construct({ secret: ['x'], securityLevel: 'LAX', limits: { timeoutMs: -5 }, poolSize: 0 }));
    expect(message).toBe(
      'Invalid Enclave options: secret is not an option (did you mean secrets?); poolSize must be an integer from 1 to 256 (got 0); ' +
        'securityLevel must be one of STRICT, SECURE, STANDARD, PERMISSIVE (got "LAX"); limits.timeoutMs must be an integer from 1 to 600000 (got -5). ' +
        'Unknown options are refused, not ignored.',
    );
  });
});

describe('Enclave options: values', () => {
  const cases: Array<[what: string, options: unknown, message: string]> = [
    ['the options are not an object', null, 'the options must be an object (got null)'],
    ['the options are an array', [], 'the options must be an object (got an array)'],
    ['an unknown level', { securityLevel: 'LAX' }, 'securityLevel must be one of STRICT, SECURE, STANDARD, PERMISSIVE (got "LAX")'],
    ['a level in lower case', { securityLevel: 'strict' }, '(got "strict")'],
    ['a level that is not text', { securityLevel: 3 }, '(got 3)'],
    [
      'toolHandler not a function',
      { toolHandler: { call: () => 1 } },
      'toolHandler must be a function (name, args, { signal }) => Promise<JSON data> (got an object)',
    ],
    ['secrets as one string, not echoed', { secrets: 'sk-live-0123456789' }, 'secrets must be an array of strings (got a string)'],
    ['a secret that is not a string', { secrets: ['ok-secret', 42] }, 'secrets must be an array of strings (item 1 is 42)'],
    ['redactPaths as one string', { redactPaths: '/srv' }, 'redactPaths must be an array of folder paths (got a string)'],
    ['globals as an array', { globals: [1] }, 'globals must be an object of JSON data by global name (got an array)'],
    ['a global named like a built-in', { globals: { process: 1 } }, 'globals: "process" cannot be a script global'],
    ['a global that is not data', { globals: { f: () => 1 } }, 'globals must be JSON data: $.f is a function'],
    ['poolSize 0', { poolSize: 0 }, 'poolSize must be an integer from 1 to 256 (got 0)'],
    ['poolSize 1.5', { poolSize: 1.5 }, 'poolSize must be an integer from 1 to 256 (got 1.5)'],
    ['maxWorkers 257', { maxWorkers: 257 }, 'maxWorkers must be an integer from 1 to 256 (got 257)'],
    ['maxWorkers as text', { maxWorkers: '4' }, 'maxWorkers must be an integer from 1 to 256 (got a string)'],
    ['maxQueue -1', { maxQueue: -1 }, 'maxQueue must be an integer from 0 to 100000 (got -1)'],
    ['poolSize over maxWorkers', { poolSize: 8, maxWorkers: 4 }, 'poolSize (8) cannot be more than maxWorkers (4)'],
    ['limits not an object', { limits: 5 }, 'limits must be an object of overrides such as { timeoutMs: 10000 } (got 5)'],
    ['a limit that is not a number', { limits: { maxNestingDepth: '10' } }, 'limits.maxNestingDepth must be an integer from 1 to 200 (got a string)'],
  ];
  it.each(cases)('%s', (_what, options, message) => {
    expect(refusal(construct(options))).toContain(message);
  });
  it('says "unknown options are refused" only when one was', () => {
    expect(refusal(construct({ poolSize: 0 }))).toBe('Invalid Enclave options: poolSize must be an integer from 1 to 256 (got 0).');
  });
  it('a poolSize of the wrong kind is one problem, not two', () => {
    expect(refusal(construct({ poolSize: '40', maxWorkers: 4 }))).toBe('Invalid Enclave options: poolSize must be an integer from 1 to 256 (got a string).');
  });
  it('never echoes a string that may be a secret', () => {
    expect(refusal(construct({ secrets: 'sk-live-0123456789', redactPaths: ['/x', 'sk-live-other'], limits: { timeoutMs: 'sk-live-third' } }))).not.toMatch(
      /sk-live/,
    );
  });
});

describe('limits: each bound, with the key, the bound and the value got', () => {
  const BOUNDS: Array<[key: string, min: number, max: number | undefined]> = [
    ['timeoutMs', 1, 600_000],
    ['maxIterations', 1, undefined],
    ['maxToolCalls', 0, undefined],
    ['memoryBytes', 2 ** 20, 2 ** 30],
    ['maxCodeBytes', 1, undefined],
    ['maxResultBytes', 1, undefined],
    ['maxLogBytes', 0, undefined],
    ['maxLogCalls', 0, undefined],
    ['maxConcurrency', 1, undefined],
    ['maxNestingDepth', 1, 200],
    ['maxLineLength', 1, undefined],
    ['maxStringLiteralBytes', 1, undefined],
  ];
  it('covers every limit', () => {
    expect(BOUNDS.map(([key]) => key).sort()).toEqual(Object.keys(LEVEL_LIMITS.STRICT).sort());
  });
  it.each(BOUNDS)('%s', (key, min, max) => {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    const message = (value: unknown): string => `limits.${key} must be an integer ${range} (got ${typeof value === 'number' ? value : 'a string'})`;
    expect(new Enclave({ limits: { [key]: min } }).limits[key as 'timeoutMs']).toBe(min);
    expect(refusal(construct({ limits: { [key]: min - 1 } }))).toContain(message(min - 1));
    expect(refusal(construct({ limits: { [key]: min + 0.5 } }))).toContain(message(min + 0.5));
    expect(refusal(construct({ limits: { [key]: String(min) } }))).toContain(message('x'));
    if (max !== undefined) {
      expect(new Enclave({ limits: { [key]: max } }).limits[key as 'timeoutMs']).toBe(max);
      expect(refusal(construct({ limits: { [key]: max + 1 } }))).toContain(message(max + 1));
    }
  });
  it('the example of the issue, word for word', () => {
    expect(refusal(() => resolveLimits('STRICT', { timeoutMs: -5 }))).toBe('limits.timeoutMs must be an integer from 1 to 600000 (got -5).');
  });
  it('resolveLimits throws EnclaveConfigError, not a ZodError, and refuses an unknown level', () => {
    expect(refusal(() => resolveLimits('STRICT', { timeoutMs: 0 }))).not.toMatch(/too_small|"code"|\[/);
    expect(refusal(() => resolveLimits('LAX' as never))).toBe('securityLevel must be one of STRICT, SECURE, STANDARD, PERMISSIVE (got "LAX").');
  });
});

describe('validate(): refuses what it cannot check against', () => {
  it('an unknown level', () => {
    expect(refusal(() => validate('return 1', { securityLevel: 'LAX' as never }))).toMatch(/^securityLevel must be one of/);
  });
  it('bad limits', () => {
    expect(refusal(() => validate('return 1', { limits: { maxCodeBytes: 0 } }))).toBe('limits.maxCodeBytes must be an integer of at least 1 (got 0).');
    expect(refusal(() => validate('return 1', { limits: { maxCodeByte: 10 } as never }))).toMatch(
      /limits\.maxCodeByte is not a limit \(did you mean maxCodeBytes\?\)/,
    );
  });
});
