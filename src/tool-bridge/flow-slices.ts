// Recording a sensitive result for the flow tracker without holding the main thread: the value's string and number
// leaves are handed over in slices of about SLICE_CHARS, with a turn of the event loop between slices, so that a
// megabyte of sensitive data costs other executions a few short pauses instead of one long one.
import type { JsonValue } from '../enclave/index.js';
import type { FlowTracker } from './flow-tracker.js';

/** About this many characters per slice: tens of milliseconds of tracking on a busy two-core machine. */
export const SLICE_CHARS = 64 * 1024;
/**
 * A long string is cut into pieces that overlap by this much, so that every run of letters and digits that spans a
 * cut is still whole in one piece (runs count only letters and digits, so the overlap is generous).
 */
export const SLICE_OVERLAP = 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function* pieces(text: string): Generator<string> {
  if (text.length <= SLICE_CHARS) yield text;
  else for (let at = 0; at < text.length; at += SLICE_CHARS - SLICE_OVERLAP) yield text.slice(at, at + SLICE_CHARS);
}

/**
 * The string leaves (numbers as text) of a JSON value, long strings cut into overlapping pieces. Iterative. With
 * `siblings`, also the text of each array's or object's scalar members joined: a card number kept as four groups of
 * four digits is one value when a script joins them, though no group is long enough to count alone.
 */
export function* leafPieces(value: JsonValue, siblings = false): Generator<string> {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      yield* pieces(node);
    } else if (typeof node === 'number') {
      yield String(node);
    } else if (typeof node === 'object' && node !== null) {
      const members = Array.isArray(node) ? (node as unknown[]) : Object.values(node); // keys are structure, not data
      if (siblings) {
        const scalars = members.filter((m) => typeof m === 'string' || typeof m === 'number');
        if (scalars.length > 1) yield* pieces(scalars.join(' '));
      }
      for (let i = members.length - 1; i >= 0; i--) stack.push(members[i]);
    }
  }
}

/** The string and number leaves of a JSON value with their paths ("/body", "/to/0"), for pieces sent call by call. */
export function* leafEntries(value: JsonValue): Generator<[path: string, text: string]> {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string' || typeof node === 'number') yield [path, String(node)];
    else if (Array.isArray(node)) for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}/${i}`]);
    else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], `${path}/${entries[i]![0]}`]);
    }
  }
}

/** Records `value` as data `tool` returned, a slice at a time. Each leaf is recorded on its own, as the tracker does. */
export async function recordSliced(tracker: FlowTracker, tool: string, value: JsonValue): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  for (const piece of leafPieces(value, true)) {
    batch.push(piece);
    size += piece.length;
    if (size >= SLICE_CHARS) {
      tracker.addSource(tool, batch);
      batch = [];
      size = 0;
      await nextTurn();
    }
  }
  if (batch.length > 0) tracker.addSource(tool, batch);
}
