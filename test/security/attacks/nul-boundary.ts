// Technique: a NUL character in a string the sandbox hands to the host. Strings cross out of QuickJS as C strings,
// so a host function given raw text (not JSON) reads it only up to the first NUL: a check done on the host then
// sees less than the engine runs. Each host entry that takes text is tried: a pattern for the ReDoS check, JSON
// text for the depth check, a tool name; and the JSON paths (the result) must keep the NUL as data.
import type { Attack } from './types.js';

const NUL = 'String.fromCharCode(0)';

export const nulBoundary: Attack[] = [
  // A pattern built at run time with a NUL ahead of a catastrophic alternative: the host's ReDoS check must see it
  // all and refuse it whatever the input (here a short one; with 'a'.repeat(30) + '!' the run backtracks past its
  // deadline until the watchdog terminates the worker).
  {
    name: 'NUL ahead of a catastrophic pattern built at run time',
    level: 'SECURE',
    code: `const p = 'x' + ${NUL} + '|^(a+)+$';\nreturn 'aaaa!'.match(p)`,
    expect: { codes: ['VALIDATION_ERROR'] },
  },
  // JSON text whose depth the host measures, with a NUL ahead of 100,000 brackets: refused, never parsed deep.
  {
    name: 'NUL ahead of deeply nested JSON text',
    code: `const t = ${NUL} + '['.repeat(100000) + ']'.repeat(100000);\nreturn JSON.parse(t)`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // The same with valid JSON before the NUL: the parser must not stop at the NUL and accept the text.
  {
    name: 'valid JSON, a NUL, then deep nesting',
    code: `const t = '[1]' + ${NUL} + '['.repeat(100000) + ']'.repeat(100000);\nreturn JSON.parse(t)`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // A tool name with a NUL, at STRICT through an alias: the host acts on the name up to the NUL, so that prefix
  // must be a name the script spells out (here it is); the call must never reach a name the host did not check.
  {
    name: 'NUL inside a computed tool name at STRICT',
    code: `const n = 'evil:nul' + ${NUL} + 'evil:other';\nconst ct = callTool;\nreturn await ct(n, {})`,
    toolResult: (name) => ({ served: name }),
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: { served: 'evil:nul' } },
  },
  // The result and object keys go out as JSON text: a NUL in them is data, kept whole.
  {
    name: 'NUL in the result stays data',
    code: `return ['a' + ${NUL} + 'b', Object.fromEntries([['k' + ${NUL} + 'x', 1]])]`,
    expect: { value: ['a\u0000b', { 'k\u0000x': 1 }] },
  },
];
