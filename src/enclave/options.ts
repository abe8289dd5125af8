// EnclaveOptions, checked once, at construction: what the Enclave runs with, or every mistake in one message.
// Unknown keys are refused, never ignored (as SES does): `secret` for `secrets` would otherwise turn redaction off
// without a word. A near miss gets a "did you mean".
import { z } from 'zod';
import { toJsonText } from './json-data.js';
import { checkLimits, LIMIT_KEYS, levelProblem, MB, shownValue, type Limits, LEVEL_LIMITS, type SecurityLevel } from './levels.js';
import { BLOCKED_GLOBALS, GLOBALS, INHERITED_NAMES, RESERVED_PREFIX } from './policy.js';
import { PACKAGE_ROOT } from './sanitize.js';
import type { EnclaveOptions, ToolHandler } from './types.js';

/** Worker threads kept ready, most at once, and runs waiting for one (DESIGN §2: one execution per worker). */
export const POOL_DEFAULTS = { poolSize: 2, maxWorkers: 32, maxQueue: 256 } as const;
/** Beyond these a mistake is likelier than a plan: each worker holds a heap of up to ~300 MB. */
const MAX_WORKERS = 256;
const MAX_QUEUE = 100_000;
/** Globals are written into every run: bounded so that one cannot cost more than the run itself. */
const MAX_GLOBALS_BYTES = 16 * MB;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const integer = (min: number, max: number) => ({ schema: z.number().int().min(min).max(max), expected: `an integer from ${min} to ${max}` });
const strings = (what: string) => ({ schema: z.array(z.string()), expected: `an array of ${what}` });

/** Every option, its schema and how a message describes it. `limits` and `globals` get their own checks below. */
const OPTIONS = {
  securityLevel: { schema: z.unknown(), expected: '' }, // levelProblem, shared with resolveLimits
  limits: { schema: z.unknown(), expected: '' }, // checkLimits, one message per key
  toolHandler: { schema: z.custom<ToolHandler>((v) => typeof v === 'function'), expected: 'a function (name, args, { signal }) => Promise<JSON data>' },
  globals: {
    schema: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
    expected: 'an object of JSON data by global name',
  },
  secrets: strings('strings'),
  redactPaths: strings('folder paths'),
  poolSize: integer(1, MAX_WORKERS),
  maxWorkers: integer(1, MAX_WORKERS),
  maxQueue: integer(0, MAX_QUEUE),
} as const;

// The schema's keys and EnclaveOptions' keys are the same set, or this does not compile.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const sameKeys: SameKeys<typeof OPTIONS, Required<EnclaveOptions>> = true;
void sameKeys;

export const EnclaveOptionsSchema = z.strictObject(
  Object.fromEntries(Object.entries(OPTIONS).map(([key, o]) => [key, o.schema.optional()])) as {
    [K in keyof typeof OPTIONS]: z.ZodOptional<(typeof OPTIONS)[K]['schema']>;
  },
);

/** Names people write for an option, with the option they mean (distance alone would not find these). */
const ALIASES: Readonly<Record<string, string>> = {
  level: 'securityLevel',
  security: 'securityLevel',
  handler: 'toolHandler',
  tools: 'toolHandler',
  onToolCall: 'toolHandler',
  timeout: 'limits.timeoutMs',
  memory: 'limits.memoryBytes',
  memoryLimit: 'limits.memoryBytes',
  maxPerWorker: 'maxWorkers (a worker runs one execution at a time; maxWorkers bounds how many run at once)',
  workers: 'maxWorkers',
  queue: 'maxQueue',
  maxQueueSize: 'maxQueue',
  redact: 'secrets or redactPaths',
};

/** Levenshtein distance, two rows; the names compared are short. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The option an unknown key most likely meant: an alias, a limit written at the top level, or a close spelling. */
export function suggestOption(key: string): string | undefined {
  if (Object.hasOwn(ALIASES, key)) return ALIASES[key];
  const lower = key.toLowerCase();
  const candidates: Array<[name: string, meant: string]> = [
    ...Object.keys(OPTIONS).map((k): [string, string] => [k, k]),
    ...LIMIT_KEYS.map((k): [string, string] => [k, `limits.${k}`]),
  ];
  let best: { meant: string; d: number } | undefined;
  for (const [name, meant] of candidates) {
    const d = distance(lower, name.toLowerCase());
    if (d <= Math.max(1, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { meant, d };
  }
  return best?.meant;
}

/** What the Enclave runs with: every option checked, defaults applied, globals already JSON text. */
export interface EnclaveSettings {
  securityLevel: SecurityLevel;
  limits: Limits;
  toolHandler: ToolHandler | undefined;
  globalsJson: string;
  globalNames: ReadonlySet<string>;
  secrets: string[];
  redactPaths: string[];
  poolSize: number;
  maxWorkers: number;
  maxQueue: number;
}

export type OptionsOutcome = { ok: true; settings: EnclaveSettings } | { ok: false; message: string };

/** Parses the Enclave's options; a refusal names every problem and what to write instead. */
export function parseEnclaveOptions(input: unknown): OptionsOutcome {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return refused([`the options must be an object (got ${shownValue(input)})`]);
  const problems = schemaProblems(input as Record<string, unknown>);
  const options = input as EnclaveOptions;
  const level = options.securityLevel ?? 'STRICT';
  const badLevel = levelProblem(level);
  if (badLevel) problems.push(badLevel);
  const limits = checkLimits(options.limits);
  if (!limits.ok) problems.push(...limits.problems);
  const globals = OPTIONS.globals.schema.safeParse(options.globals ?? {}).success ? checkGlobals(options.globals ?? {}) : undefined;
  if (globals && !globals.ok) problems.push(globals.problem);
  const poolSize = options.poolSize ?? POOL_DEFAULTS.poolSize;
  const maxWorkers = options.maxWorkers ?? Math.max(POOL_DEFAULTS.maxWorkers, poolSize);
  if (Number.isInteger(poolSize) && Number.isInteger(maxWorkers) && poolSize > maxWorkers)
    problems.push(`poolSize (${poolSize}) cannot be more than maxWorkers (${maxWorkers}): the pool never holds more workers than that`);
  if (problems.length > 0 || badLevel || !limits.ok || !globals?.ok) return refused(problems);
  return {
    ok: true,
    settings: {
      securityLevel: level,
      limits: Object.freeze({ ...LEVEL_LIMITS[level], ...limits.value }),
      toolHandler: options.toolHandler,
      globalsJson: globals.json,
      globalNames: new Set(Object.keys(options.globals ?? {})),
      secrets: [...(options.secrets ?? [])],
      redactPaths: [...(options.redactPaths ?? [PACKAGE_ROOT, process.execPath])],
      poolSize,
      maxWorkers,
      maxQueue: options.maxQueue ?? POOL_DEFAULTS.maxQueue,
    },
  };
}

/** Unknown keys and values of the wrong kind. Values are quoted by kind only: `secrets` must never be echoed. */
function schemaProblems(input: Record<string, unknown>): string[] {
  const parsed = EnclaveOptionsSchema.safeParse(input);
  if (parsed.success) return [];
  const unknown: string[] = []; // first: a misspelt key is the likeliest cause of what follows
  const wrong = new Map<string, string>(); // by key: one message per option
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = suggestOption(key);
        unknown.push(`${key} is not an option${near ? ` (did you mean ${near}?)` : ''}`);
      }
      continue;
    }
    const [key, index] = issue.path;
    const option = OPTIONS[String(key) as keyof typeof OPTIONS];
    const value = input[String(key)];
    const got = index === undefined ? `got ${shownValue(value)}` : `item ${String(index)} is ${shownValue((value as unknown[])[Number(index)])}`;
    wrong.set(String(key), `${String(key)} must be ${option.expected} (${got})`);
  }
  return [...unknown, ...wrong.values()];
}

function refused(problems: string[]): { ok: false; message: string } {
  const unknown = problems.some((p) => / is not an option\b/.test(p));
  return { ok: false, message: `Invalid Enclave options: ${problems.join('; ')}.${unknown ? ' Unknown options are refused, not ignored.' : ''}` };
}

/** Globals: identifiers that are not reserved or built in, whose values are JSON data (their text, once). */
function checkGlobals(globals: Record<string, unknown>): { ok: true; json: string } | { ok: false; problem: string } {
  for (const name of Object.keys(globals)) {
    if (!IDENTIFIER.test(name) || name.startsWith(RESERVED_PREFIX) || GLOBALS.has(name) || BLOCKED_GLOBALS.has(name) || INHERITED_NAMES.has(name)) {
      return { ok: false, problem: `globals: "${name.slice(0, 40)}" cannot be a script global (it must be an identifier that is not reserved or built in)` };
    }
  }
  const text = toJsonText(globals, MAX_GLOBALS_BYTES);
  return text.ok ? { ok: true, json: text.text } : { ok: false, problem: `globals must be JSON data: ${text.reason}` };
}
