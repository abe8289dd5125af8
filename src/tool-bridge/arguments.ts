// Checks a script's tool arguments against the tool's input JSON Schema before anything is sent downstream.
// ajv directly, not the SDK's AjvJsonSchemaValidator: that one returns only `errorsText`, which names neither
// the unexpected property nor the allowed enum values, so the model could not fix its call from it.
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { regexRisk, ToolCallError } from '../enclave/index.js';
import { log } from '../shared/index.js';
import { cap } from './ts-text.js';

/** Throws ToolCallError INVALID_TOOL_ARGS when `args` do not match; `undefined` counts as `{}`. */
export interface ArgsValidator {
  (args: unknown): void;
  /** True when the schema could not be compiled and only "args is an object" is checked. */
  readonly fallback: boolean;
}

/** Problems listed in one message; the rest are counted. */
const MAX_PROBLEMS = 5;
/** Names or values listed in one problem (allowed properties, enum values). */
const MAX_LISTED = 10;

/**
 * Patterns come from downstream schemas and the strings they test from scripts: a pattern that could backtrack
 * catastrophically is not checked here (the server still checks it), or a crafted argument would stall the host.
 */
export const guardedRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => (regexRisk(pattern, flags) === null ? new RegExp(pattern, flags) : { test: () => true }),
  { code: 'guardedRegExp' },
);

const AJV_OPTIONS: Options = {
  code: { regExp: guardedRegExp },
  strict: false, // downstream schemas carry unknown keywords and formats: ignore them, never refuse the tool
  allErrors: true,
  verbose: true, // errors carry `data` and `parentSchema`, used to say what was given and what is allowed
  validateSchema: false,
  validateFormats: false, // formats need ajv-formats; the downstream server checks them itself
  addUsedSchema: false, // two servers may reuse one `$id`; never register schemas globally
};

/** The ajv class for a schema's `$schema`; draft-07 (also fine for draft-06 and most draft-04) otherwise. */
type Compiler = Pick<Ajv, 'compile' | 'removeSchema'>;
const DRAFTS: { match: RegExp; create: () => Compiler }[] = [
  { match: /2020-12/, create: () => new Ajv2020(AJV_OPTIONS) },
  { match: /2019-09/, create: () => new Ajv2019(AJV_OPTIONS) },
  { match: /(?:)/, create: () => new Ajv(AJV_OPTIONS) },
];
const instances = new Map<number, Compiler>();

type Compiled = { validate: ValidateFunction } | { failure: string };
/** Keyed by the schema object: the bridge keeps one per tool, so each schema compiles once. */
const compiled = new WeakMap<object, Compiled>();

function compile(schema: AnySchemaObject, tool: string): Compiled {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const declared = (schema as { $schema?: unknown }).$schema;
  const index = DRAFTS.findIndex((d) => d.match.test(typeof declared === 'string' ? declared : ''));
  let ajv = instances.get(index);
  if (!ajv) instances.set(index, (ajv = DRAFTS[index]!.create()));
  let result: Compiled;
  try {
    const validate = ajv.compile(schema);
    // An `$async` schema compiles to a function returning a promise, which would pass every call.
    if ('$async' in validate && validate.$async) throw new Error('async schemas are not supported');
    result = { validate };
  } catch (error) {
    result = { failure: error instanceof Error ? error.message : String(error) };
    // Not the compiler's text: it quotes the schema, and a server's schema can quote its environment (secrets).
    log.warn(`input schema of ${tool} cannot be compiled; only checking that arguments are an object`);
  } finally {
    ajv.removeSchema(schema); // ajv's own cache holds schemas strongly; ours is the weak one
  }
  compiled.set(schema, result);
  return result;
}

/** Compiles once per schema object; the returned function is the cheap per-call check. */
export function compileArgsValidator(inputSchema: unknown, options: { tool: string }): ArgsValidator {
  const { tool } = options;
  const schema = isPlainObject(inputSchema) ? compile(inputSchema, tool) : { failure: 'the input schema is not an object' };
  if ('failure' in schema) {
    if (!isPlainObject(inputSchema)) log.warn(`input schema of ${tool} is not an object; only checking that arguments are an object`);
    return Object.assign(
      (args: unknown) => {
        if (args !== undefined && !isPlainObject(args)) throw invalid(tool, [`args must be an object (got ${kindOf(args)})`]);
      },
      { fallback: true },
    );
  }
  const { validate } = schema;
  return Object.assign(
    (args: unknown) => {
      const value = args === undefined ? {} : args;
      if (validate(value)) return;
      throw invalid(tool, describeErrors(validate.errors ?? [], value));
    },
    { fallback: false },
  );
}

function invalid(tool: string, problems: string[]): ToolCallError {
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : '';
  return new ToolCallError(
    'INVALID_TOOL_ARGS',
    `Invalid arguments for ${tool}: ${shown}${more}. Pass arguments that match its input schema; see the declaration of ${tool} (search_tools with detail "full" shows it).`,
  );
}

type Describe = (error: ErrorObject, path: string, at: (key: string) => string) => string;
const p = (error: ErrorObject) => error.params as Record<string, unknown>;

/** How each JSON Schema keyword's failure reads; keywords without an entry use ajv's own wording. */
const DESCRIBE: Record<string, Describe> = {
  type: (e, path) => `${path} must be ${typeList(p(e).type)} (got ${kindOf(e.data)})`,
  required: (e, _path, at) => `${at(String(p(e).missingProperty))} is required`,
  additionalProperties: (e, path, at) => {
    const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const list = allowed.length ? ` (allowed: ${listed(allowed)})` : '';
    return `${at(String(p(e).additionalProperty))} is not an allowed property of ${path}${list}`;
  },
  unevaluatedProperties: (e, path, at) => `${at(String(p(e).unevaluatedProperty))} is not an allowed property of ${path}`,
  enum: (e, path) => `${path} must be one of ${listed((p(e).allowedValues as unknown[]).map(show))} (got ${kindOf(e.data)})`,
  const: (e, path) => `${path} must be ${show(p(e).allowedValue)}`,
  minimum: (e, path) => `${path} must be ${p(e).comparison} ${p(e).limit}`,
  maximum: (e, path) => `${path} must be ${p(e).comparison} ${p(e).limit}`,
  exclusiveMinimum: (e, path) => `${path} must be ${p(e).comparison} ${p(e).limit}`,
  exclusiveMaximum: (e, path) => `${path} must be ${p(e).comparison} ${p(e).limit}`,
  multipleOf: (e, path) => `${path} must be a multiple of ${p(e).multipleOf}`,
  minLength: (e, path) => `${path} must be at least ${p(e).limit} characters long`,
  maxLength: (e, path) => `${path} must be at most ${p(e).limit} characters long`,
  minItems: (e, path) => `${path} must have at least ${p(e).limit} items`,
  maxItems: (e, path) => `${path} must have at most ${p(e).limit} items`,
  minProperties: (e, path) => `${path} must have at least ${p(e).limit} properties`,
  maxProperties: (e, path) => `${path} must have at most ${p(e).limit} properties`,
  uniqueItems: (e, path) => `${path} must not repeat items (items ${p(e).j} and ${p(e).i} are equal)`,
  pattern: (e, path) => `${path} must match the pattern ${cap(String(p(e).pattern), 80)}`,
  anyOf: (e, path) => `${path} must be ${alternatives(e.schema)}`,
  oneOf: (e, path) => `${path} must be exactly one of ${alternatives(e.schema)}`,
  dependentRequired: (e, path, at) => `${at(String(p(e).property))} requires ${path}.${p(e).missingProperty}`,
  dependencies: (e, path, at) => `${at(String(p(e).property))} requires ${path}.${p(e).missingProperty}`,
};

/** Skipped: they only restate errors already reported from inside their branches. */
const SILENT = new Set(['if', 'then', 'else', '$ref']);

function describeErrors(errors: ErrorObject[], args: unknown): string[] {
  // An anyOf/oneOf is described as a whole: its branches' own errors would be noise.
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const problems = new Set<string>();
  for (const error of errors) {
    if (SILENT.has(error.keyword) || unions.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const segments = pointerSegments(error.instancePath);
    const path = argsPath(segments, args);
    const at = (key: string) => argsPath([...segments, key], args);
    const describe = DESCRIBE[error.keyword];
    problems.add(describe ? describe(error, path, at) : `${path} ${error.message ?? 'is invalid'}`);
  }
  return [...problems];
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `/entities/0/name` → `args.entities[0].name`, walking the value so array indexes and keys like "0" differ. */
function argsPath(segments: string[], root: unknown): string {
  let text = 'args';
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) text += `[${segment}]`;
    else text += /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return text;
}

function typeList(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((t) => (t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`)).join(' or ');
}

/** "a string or null" for unions of simple types or constants, else a count of the shapes. */
function alternatives(branches: unknown): string {
  if (!Array.isArray(branches)) return 'one of the allowed shapes';
  const names = branches.map((branch: unknown) => {
    if (!isPlainObject(branch)) return undefined;
    if ('const' in branch) return show(branch.const);
    return typeof branch.type === 'string' || Array.isArray(branch.type) ? typeList(branch.type) : undefined;
  });
  return names.every((n) => n !== undefined) ? names.join(' or ') : `one of the ${branches.length} allowed shapes`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'string') return `a string`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function show(value: unknown): string {
  return cap(JSON.stringify(value) ?? String(value), 60);
}

function listed(items: string[]): string {
  const more = items.length > MAX_LISTED ? `, … ${items.length - MAX_LISTED} more` : '';
  return items.slice(0, MAX_LISTED).join(', ') + more;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
