// The sandbox-side runtime's source: the files of ./sandbox-js/, read as text once per worker and evaluated in
// every fresh QuickJS context. They are real JavaScript files (type-checked with checkJs, linted, unit-tested in
// the engine); here they are only loaded and stripped of comments, which QuickJS would otherwise parse for
// every execution (it compiles about 150 µs per KB here).
import { readFileSync } from 'node:fs';
import { BLOCKED_PROPERTIES, GLOBALS } from '../policy.js';
import { GUARD } from '../transform.js';

/** The file name sandbox frames carry; the script's own file is SCRIPT_FILE. */
export const PRELUDE_FILE = 'agentscript-runtime.js';
export const SCRIPT_FILE = 'agentscript.js';

/** The prelude's steps in the order prelude.js calls them; each file is one function expression. */
export const STEPS = ['intrinsics', 'budget', 'natives', 'regex', 'guards', 'api', 'realm'] as const;
export type Step = (typeof STEPS)[number];

/**
 * Lines that are only a comment go (line comments, block comments on one line, and multi-line JSDoc blocks);
 * every line with code is kept as it is, inline comments included, so no string or regex is ever touched.
 */
export function stripComments(source: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of source.split('\n')) {
    const t = line.trim();
    if (inBlock) {
      if (t.includes('*/')) {
        inBlock = false;
        if (!t.endsWith('*/')) out.push(line); // code after the block's end
      }
      continue;
    }
    if (t === '' || t.startsWith('//')) continue;
    if (t.startsWith('/*')) {
      if (!t.includes('*/')) {
        inBlock = true;
        continue;
      }
      if (t.endsWith('*/') && t.indexOf('*/') === t.length - 2) continue; // a whole-line comment
    }
    out.push(line);
  }
  return out.join('\n');
}

function read(name: string): string {
  return stripComments(readFileSync(new URL(`./sandbox-js/${name}.js`, import.meta.url), 'utf8'));
}

export interface SandboxSource {
  prelude: string;
  steps: ReadonlyArray<readonly [Step, string]>;
  ext: string;
  /** JSON passed to the prelude: the policy's tables the sandbox enforces again. */
  constants: string;
}

let cached: SandboxSource | undefined;

/** Read once per thread; every context evaluates the same texts. */
export function sandboxSource(): SandboxSource {
  cached ??= {
    prelude: read('prelude'),
    steps: STEPS.map((step) => [step, read(step)] as const),
    ext: read('ext'),
    constants: JSON.stringify({ blocked: [...BLOCKED_PROPERTIES], keep: [...GLOBALS.keys()], guard: GUARD }),
  };
  return cached;
}
