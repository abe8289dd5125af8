// Completion of callTool's arguments: tool names inside its first string argument, and the fields of that tool's
// input schema inside the object literal after it. The context comes from a small scan of the text before the cursor
// (strings, comments, brackets), so it works while the script does not parse yet — which is most of the time while
// typing.
import type { Completion, CompletionContext, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import { keyText, type ToolEntry } from './tool-catalog.js';

export type CallContext =
  /** In callTool's first argument, a string starting at `from` (just after its quote). */
  | { kind: 'tool'; from: number }
  /** At a property key of the object literal passed to callTool(tool, …); the key being typed starts at `from`. */
  | { kind: 'field'; tool: string; from: number; present: string[] }
  | null;

const CALL_OPEN = /\bcallTool\s*\(\s*$/;
const CALL_ARGS = /\bcallTool\s*\(\s*(['"])([^'"\\\n]+)\1\s*,\s*$/;

/** Where the cursor is, in terms of callTool, given the script's text before it. */
export function callContext(before: string): CallContext {
  const scan = scanOpen(before);
  if (scan.string !== undefined) return CALL_OPEN.test(before.slice(0, scan.string)) ? { kind: 'tool', from: scan.string + 1 } : null;
  const brace = scan.brackets.at(-1);
  if (brace === undefined || before[brace] !== '{') return null;
  const call = CALL_ARGS.exec(before.slice(0, brace));
  if (!call) return null;
  const word = /[\w$]*$/.exec(before)![0];
  const from = before.length - word.length;
  // A key comes right after `{` or `,`; after `:` (a value) there is nothing of ours to offer.
  if (!/[{,]\s*$/.test(before.slice(0, from))) return null;
  const present = [...before.slice(brace).matchAll(/[{,]\s*([\w$]+)\s*:/g)].map((m) => m[1]!);
  return { kind: 'field', tool: call[2]!, from, present };
}

/**
 * The open brackets (their offsets) and the string the text ends inside, if any. Template literals count as strings
 * (their `${…}` parts are not followed: a callTool inside one is rare and completion there is only a convenience).
 */
function scanOpen(text: string): { brackets: number[]; string?: number } {
  const brackets: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      if (end < 0) return { brackets }; // in a comment: nothing to complete
      i = end + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return { brackets };
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && !(c !== '`' && text[j] === '\n')) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return { brackets, string: i };
      i = j + 1;
    } else {
      if (c === '(' || c === '[' || c === '{') brackets.push(i);
      else if (c === ')' || c === ']' || c === '}') brackets.pop();
      i++;
    }
  }
  return { brackets };
}

/** A CodeMirror completion source over the current catalog (read at each completion: it changes when tools do). */
export function callToolCompletions(catalog: () => readonly ToolEntry[]): CompletionSource {
  return (context: CompletionContext): CompletionResult | null => {
    const start = Math.max(0, context.pos - 20_000); // enough for any script a level accepts to be judged locally
    const before = context.state.sliceDoc(start, context.pos);
    const where = callContext(before);
    if (!where) return null;
    const tools = catalog();
    if (where.kind === 'tool') {
      const options: Completion[] = tools.map((t) => ({ label: t.name, type: 'function', detail: t.summary.slice(0, 80), info: t.summary }));
      return { from: start + where.from, options, validFor: /^[\w:.-]*$/ };
    }
    const tool = tools.find((t) => t.name === where.tool);
    if (!tool) return null;
    const options: Completion[] = tool.fields
      .filter((f) => !where.present.includes(f.name))
      .map((f) => ({
        label: f.name,
        type: 'property',
        detail: `${f.required ? '' : '?'}: ${f.type}`,
        ...(f.description ? { info: f.description } : {}),
        apply: `${keyText(f.name)}: `,
        boost: f.required ? 1 : 0,
      }));
    return { from: start + where.from, options, validFor: /^[\w$]*$/ };
  };
}
