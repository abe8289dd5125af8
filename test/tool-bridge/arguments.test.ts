// compileArgsValidator: messages name the path and the constraint; bad schemas never crash; one compile per schema.
import { describe, expect, it } from 'vitest';
import { ToolCallError } from '../../src/enclave/index.js';
import { compileArgsValidator } from '../../src/tool-bridge/arguments.js';
import { cpuTimed } from '../cpu-time.js';

// The input schema of server-memory's create_entities, as its tools/list gives it.
const createEntities = {
  type: 'object',
  properties: {
    entities: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, entityType: { type: 'string' }, observations: { type: 'array', items: { type: 'string' } } },
        required: ['name', 'entityType', 'observations'],
      },
    },
  },
  required: ['entities'],
  $schema: 'http://json-schema.org/draft-07/schema#',
};

const search = {
  type: 'object',
  properties: {
    query: { type: 'string', minLength: 1 },
    mode: { enum: ['fast', 'deep'] },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
    'max-age': { type: 'number' },
  },
  required: ['query'],
  additionalProperties: false,
};

function messageOf(schema: unknown, args: unknown, tool = 'memory:create_entities'): string {
  const validate = compileArgsValidator(schema, { tool });
  try {
    validate(args);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolCallError);
    expect((error as ToolCallError).code).toBe('INVALID_TOOL_ARGS');
    return (error as ToolCallError).message;
  }
  throw new Error('expected INVALID_TOOL_ARGS');
}

describe('compileArgsValidator', () => {
  it('accepts realistic valid arguments', () => {
    const validate = compileArgsValidator(createEntities, { tool: 'memory:create_entities' });
    expect(validate.fallback).toBe(false);
    validate({ entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] });
    compileArgsValidator(search, { tool: 's:search' })({ query: 'q', mode: 'deep', limit: 10, 'max-age': 1.5 });
  });

  it('names the tool, the path, the expected type and what to do, for a wrong type', () => {
    const message = messageOf(createEntities, { entities: 'Ada' });
    expect(message).toBe(
      'Invalid arguments for memory:create_entities: args.entities must be an array (got a string). ' +
        'Pass arguments that match its input schema; see the declaration of memory:create_entities (search_tools with detail "full" shows it).',
    );
  });

  it('names a missing required property by its full path', () => {
    expect(messageOf(createEntities, {})).toContain('args.entities is required');
    expect(messageOf(createEntities, { entities: [{ name: 'Ada', observations: [] }] })).toContain('args.entities[0].entityType is required');
  });

  it('names the path inside nested arrays', () => {
    const message = messageOf(createEntities, { entities: [{ name: 'Ada', entityType: 'p', observations: ['ok', 7] }] });
    expect(message).toContain('args.entities[0].observations[1] must be a string (got the number 7)');
  });

  it('names an extra property and lists the allowed ones, when additionalProperties is false', () => {
    expect(messageOf(search, { query: 'q', limt: 5 }, 's:search')).toContain(
      'args.limt is not an allowed property of args (allowed: query, mode, limit, max-age)',
    );
  });

  it('lists the allowed values of an enum', () => {
    expect(messageOf(search, { query: 'q', mode: 'slow' }, 's:search')).toContain('args.mode must be one of "fast", "deep" (got a string)');
  });

  it('states numeric, length and integer constraints', () => {
    expect(messageOf(search, { query: 'q', limit: 0 }, 's:search')).toContain('args.limit must be >= 1');
    expect(messageOf(search, { query: 'q', limit: 2.5 }, 's:search')).toContain('args.limit must be an integer (got the number 2.5)');
    expect(messageOf(search, { query: '' }, 's:search')).toContain('args.query must be at least 1 characters long');
    expect(messageOf(search, { query: 'q', 'max-age': 'old' }, 's:search')).toContain('args["max-age"] must be a number');
  });

  it('tells an object key "0" from an array index', () => {
    const schema = { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'string' } } } };
    expect(messageOf(schema, { m: { '0': 1 } })).toContain('args.m["0"] must be a string');
  });

  it('describes a union as a whole, not by each branch', () => {
    const schema = { type: 'object', properties: { id: { anyOf: [{ type: 'string' }, { type: 'null' }] } } };
    const message = messageOf(schema, { id: 3 });
    expect(message).toContain('args.id must be a string or null');
    expect(message).not.toContain('must be a string (got');
  });

  it('lists at most five problems and counts the rest', () => {
    const message = messageOf(createEntities, { entities: Array.from({ length: 8 }, () => ({})) });
    expect(message.match(/is required/g)).toHaveLength(5);
    expect(message).toContain('(and 19 more)');
  });

  it('treats missing arguments as {} and requires an object', () => {
    expect(messageOf(createEntities, undefined)).toContain('args.entities is required');
    expect(messageOf(createEntities, [1])).toContain('args must be an object (got an array)');
  });

  it('understands draft 2020-12 schemas', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } },
    };
    expect(messageOf(schema, { pair: ['a', 'b'] })).toContain('args.pair[1] must be a number');
  });

  it('accepts two schemas with the same $id (two servers may reuse one)', () => {
    const a = { $id: 'https://example.com/args', type: 'object', properties: { x: { type: 'string' } } };
    const b = { $id: 'https://example.com/args', type: 'object', properties: { x: { type: 'number' } } };
    expect(compileArgsValidator(a, { tool: 'a:t' }).fallback).toBe(false);
    expect(compileArgsValidator(b, { tool: 'b:t' }).fallback).toBe(false);
    expect(messageOf(b, { x: 's' }, 'b:t')).toContain('args.x must be a number');
  });

  it.each([
    ['an unknown type', { type: 'object', properties: { a: { type: 'strin' } } }],
    ['an unresolvable $ref', { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } }],
    ['a remote $ref', { type: 'object', properties: { a: { $ref: 'https://example.com/schema.json' } } }],
    ['an $async schema (its validator would pass everything)', { $async: true, type: 'object', required: ['a'] }],
    ['not an object', 'object'],
  ])('falls back to "an object" for a schema it cannot compile: %s', (_name, schema) => {
    const validate = compileArgsValidator(schema, { tool: 'bad:tool' });
    expect(validate.fallback).toBe(true);
    validate({ anything: [1, 2] });
    validate(undefined);
    expect(messageOf(schema, 'x', 'bad:tool')).toContain('args must be an object (got a string)');
  });

  it('compiles each schema once', () => {
    const schema = structuredClone(createEntities);
    const first = cpuTimed(() => compileArgsValidator(schema, { tool: 'memory:create_entities' })).ms;
    const thousand = cpuTimed(() => {
      for (let i = 0; i < 1000; i++) compileArgsValidator(schema, { tool: 'memory:create_entities' });
    }).ms;
    expect(thousand).toBeLessThan(Math.max(first * 5, 20)); // a thousand cache hits cost less than a few compiles
  });
});

describe('patterns from downstream schemas', () => {
  const schema = { type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' }, code: { type: 'string', pattern: '^[A-Z]{3}$' } } };

  it('a pattern that could backtrack catastrophically is left to the server, so a crafted argument cannot stall the host', () => {
    const validate = compileArgsValidator(schema, { tool: 's:t' });
    expect(cpuTimed(() => validate({ id: `${'a'.repeat(40)}!` })).ms).toBeLessThan(1000); // with the pattern compiled as is, this takes minutes
  });

  it('a safe pattern is still checked', () => {
    const validate = compileArgsValidator(schema, { tool: 's:t' });
    expect(() => validate({ code: 'abc' })).toThrow(/code/);
    expect(() => validate({ code: 'ABC' })).not.toThrow();
  });
});
