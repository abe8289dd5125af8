// A collapsible JSON tree: objects and arrays are <details> elements (native, keyboard-accessible), opened for the
// first levels; every value is a text node. Large collections show their first items and say how many are hidden.
import type { JsonValue } from '../enclave/browser.js';
import { el } from './dom.js';

const OPEN_DEPTH = 2;
const MAX_ITEMS = 200;

export function jsonTree(value: JsonValue | undefined, key?: string, depth = 0): HTMLElement {
  const label = key === undefined ? null : el('span', { class: 'key' }, `${key}: `);
  if (value === null || typeof value !== 'object') return el('div', { class: 'leaf' }, label, scalar(value));
  const entries: [string, JsonValue][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const brief = Array.isArray(value) ? `Array(${entries.length})` : `{${entries.length} key${entries.length === 1 ? '' : 's'}}`;
  const node = el('details', { class: 'branch' }, el('summary', {}, label, el('span', { class: 'brief' }, brief)));
  node.open = depth < OPEN_DEPTH;
  const shown = entries.slice(0, MAX_ITEMS).map(([k, v]) => jsonTree(v, k, depth + 1));
  const more = entries.length > MAX_ITEMS ? el('div', { class: 'more' }, `… ${entries.length - MAX_ITEMS} more`) : null;
  node.append(el('div', { class: 'children' }, ...shown, more));
  return node;
}

function scalar(value: JsonValue | undefined): HTMLElement {
  if (value === undefined) return el('span', { class: 'undefined' }, 'undefined');
  const kind = value === null ? 'null' : typeof value;
  return el('span', { class: `v-${kind}` }, JSON.stringify(value));
}
