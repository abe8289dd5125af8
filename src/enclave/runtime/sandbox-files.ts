// Where the sandbox-side runtime's files come from in Node: this folder's sandbox-js/, read from disk (beside the
// built runtime too: scripts/copy-sandbox-js.mjs). Browser bundles replace this module with one holding the same
// files' texts (scripts/sandbox-texts-plugin.mjs), so sandbox-source.ts runs unchanged in both.
import { readFileSync } from 'node:fs';

/** The text of sandbox-js/<name>.js. */
export function sandboxFile(name: string): string {
  return readFileSync(new URL(`./sandbox-js/${name}.js`, import.meta.url), 'utf8');
}
