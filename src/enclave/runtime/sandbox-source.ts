// The sandbox-side runtime's source: the files of ./sandbox-js/, read as text once per worker and evaluated in
// every fresh QuickJS context. They are real JavaScript files (type-checked with checkJs, linted, unit-tested in
// the engine); here they are only loaded and stripped of comments, which QuickJS would otherwise parse for
// every execution (it compiles about 150 µs per KB here).
import { sandboxFile } from './sandbox-files.js'; // from disk in Node; embedded texts in a browser bundle
import { BLOCKED_PROPERTIES, GLOBALS } from '../policy.js';
import { GUARD } from '../transform.js';

/** The file name sandbox frames carry; the script's own file is SCRIPT_FILE. */
export const PRELUDE_FILE = 'agentscript-runtime.js';
export const SCRIPT_FILE = 'agentscript.js';

/** The prelude's steps in the order prelude.js calls them; each file is one function expression. */
export const STEPS = ['intrinsics', 'budget', 'natives', 'strings', 'regex', 'guards', 'api', 'random', 'realm'] as const;
export type Step = (typeof STEPS)[number];

/**
 * What QuickJS needs of a sandbox-side file, which it compiles for every execution (~110 µs per KB): lines that are
 * only a comment go (line comments, one-line block comments, multi-line JSDoc blocks), and on the lines kept, the
 * indentation, inline block comments (JSDoc type casts) and trailing line comments. The files hold no string or
 * template that spans lines or contains a comment marker (the sandbox-js tests compile and run every file).
 */
export function stripComments(source: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of source.split('\n')) {
    const t = line.trim();
    if (inBlock) {
      if (t.includes('*/')) {
        inBlock = false;
        if (!t.endsWith('*/')) out.push(t.slice(t.indexOf('*/') + 2).trim()); // code after the block's end
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
    const code = t.replace(INLINE_BLOCK, '').replace(TRAILING_LINE_COMMENT, '').trim();
    if (code !== '') out.push(code);
  }
  return out.join('\n');
}
const INLINE_BLOCK = /\/\*.*?\*\//g;
const TRAILING_LINE_COMMENT = /\s\/\/\s.*$/;

function read(name: string): string {
  return stripComments(sandboxFile(name));
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
    constants: JSON.stringify({
      blocked: [...BLOCKED_PROPERTIES],
      keep: [...GLOBALS.keys()],
      // The members of the listed globals a script may use (DESIGN §3): the rest are removed at run time too.
      members: Object.fromEntries([...GLOBALS].flatMap(([name, members]) => (members ? [[name, [...members]]] : []))),
      guard: GUARD,
    }),
  };
  return cached;
}
