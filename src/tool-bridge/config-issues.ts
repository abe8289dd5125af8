// zod issues as manifest problems: a readable JSON path and what was expected there. Values are described by type,
// never echoed, so a message cannot carry a secret written into the manifest.
import type { z } from 'zod';
import { knownKeys } from './manifest-schema.js';

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

export interface Problem {
  path: string;
  text: string;
}

/** `servers.memory.args[1]`, `servers["my.server"]`. */
export function formatPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function valueAt(document: unknown, path: readonly Key[]): unknown {
  let node = document;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<Key, unknown>)[key];
  }
  return node;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function bound(issue: Issue & { code: 'too_small' | 'too_big' }, word: 'least' | 'most'): string {
  const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  if (issue.origin === 'string') return limit === '1' && word === 'least' ? 'must not be empty' : `must be at ${word} ${limit} characters`;
  if (issue.origin === 'array') return `must have at ${word} ${limit} entries`;
  const exclusive = issue.inclusive === false;
  return exclusive ? `must be ${word === 'least' ? 'greater' : 'less'} than ${limit}` : `must be at ${word} ${limit}`;
}

/** One problem per offending place; a union of server kinds reports against the kind the object looks like. */
export function describeIssues(issues: readonly Issue[], document: unknown, prefix: readonly Key[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const here = (text: string, at: readonly Key[] = path): void => void out.push({ path: formatPath(at), text });
    switch (issue.code) {
      case 'invalid_type': {
        const value = valueAt(document, path);
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        here(value === undefined ? `is required (${expected})` : `expected ${expected}, got ${kindOf(value)}`);
        break;
      }
      case 'invalid_value':
        here(`expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'unrecognized_keys': {
        const known = knownKeys(path, document);
        const list = known.length ? `; expected one of ${known.join(', ')}` : '';
        for (const key of issue.keys) here(`unknown key${list} (unknown keys are rejected, not ignored)`, [...path, key]);
        break;
      }
      case 'invalid_key':
        for (const inner of issue.issues) here(`"${String(path.at(-1))}" is not a valid name: ${inner.message}`);
        break;
      case 'invalid_union': {
        const value = valueAt(document, path);
        const obj = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
        const http = obj !== undefined && 'url' in obj;
        const stdio = obj !== undefined && 'command' in obj;
        if (http && stdio) here('a server has "command" (started over stdio) or "url" (over HTTP), not both');
        else if (!http && !stdio) here(`expected a server: { "command": … } for stdio or { "url": … } for HTTP, got ${kindOf(value)}`);
        else out.push(...describeIssues(issue.errors[http ? 1 : 0] ?? [], document, path));
        break;
      }
      case 'too_small':
        here(bound(issue, 'least'));
        break;
      case 'too_big':
        here(bound(issue, 'most'));
        break;
      default:
        here(issue.message); // invalid_format and custom issues carry the schema's own wording
    }
  }
  return out;
}
