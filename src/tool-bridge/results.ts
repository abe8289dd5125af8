// Turns a downstream CallToolResult into the plain JSON data a script receives, or a TOOL_ERROR it can catch.
// Rules, in order:
// - `isError: true` throws TOOL_ERROR with the server's text (capped), naming the tool.
// - `structuredContent` (an object) is the value.
// - otherwise `content`: none → null; one item → that item normalized; several → an array of them.
// - an item normalizes the same alone or in a list: text → parsed JSON when JSON.parse accepts it, else the
//   string; image/audio/blobs → descriptors with their decoded size, never the bytes (a script cannot use
//   them and they would fill its memory); small text resources keep their text; unknown types → `{ type }`.
// - anything that is not a result (not an object, content not an array, an item without its fields) → TOOL_ERROR.
import { ToolCallError } from '../enclave/index.js';

/** Characters of a server's error text passed on to the script. */
export const MAX_ERROR_TEXT = 2000;
/** UTF-8 bytes up to which an embedded text resource keeps its text. */
export const MAX_RESOURCE_TEXT = 4096;

type Item = Record<string, unknown>;
type Normalize = (item: Item) => unknown;

class Malformed extends Error {}

/** How each content type reaches the script; a type without an entry becomes `{ type }`. */
const CONTENT: Record<string, Normalize> = {
  text: (item) => parseIfJson(field(item, 'text', 'string')),
  image: (item) => binary('image', item),
  audio: (item) => binary('audio', item),
  resource_link: (item) =>
    compact({ type: 'resource_link', uri: field(item, 'uri', 'string'), name: field(item, 'name', 'string'), mimeType: optional(item, 'mimeType') }),
  resource: (item) => embedded(item.resource),
};

export function normalizeResult(result: unknown, options: { tool: string }): unknown {
  const { tool } = options;
  try {
    if (!isObject(result)) throw new Malformed('it is not an object');
    const content = result.content ?? []; // the protocol makes content optional beside structuredContent
    if (!Array.isArray(content)) throw new Malformed('its content is not an array');
    if (result.isError === true) throw toolError(tool, content);
    const structured = result.structuredContent;
    if (structured !== undefined && structured !== null) {
      if (!isObject(structured)) throw new Malformed('its structuredContent is not an object');
      return structured;
    }
    const items = content.map(normalizeItem);
    return items.length === 0 ? null : items.length === 1 ? items[0] : items;
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw new ToolCallError(
      'TOOL_ERROR',
      `${tool} returned a malformed result (${error.message}). The server broke the protocol, not the script: catch the error and do without this result, or use another tool.`,
    );
  }
}

function normalizeItem(item: unknown, index: number): unknown {
  if (!isObject(item)) throw new Malformed(`content[${index}] is not an object`);
  if (typeof item.type !== 'string') throw new Malformed(`content[${index}] has no type`);
  const normalize = CONTENT[item.type];
  try {
    return normalize ? normalize(item) : { type: item.type };
  } catch (error) {
    throw error instanceof Malformed ? new Malformed(`content[${index}] ${error.message}`) : error;
  }
}

function toolError(tool: string, content: unknown[]): ToolCallError {
  const texts = content.flatMap((item) => (isObject(item) && item.type === 'text' && typeof item.text === 'string' ? [item.text] : []));
  const joined = texts.join('\n').trim();
  const text = joined.length > MAX_ERROR_TEXT ? `${joined.slice(0, MAX_ERROR_TEXT)}…` : joined || 'no details given';
  return new ToolCallError(
    'TOOL_ERROR',
    `${tool} failed: ${text}${/[.!?…]$/.test(text) ? '' : '.'} Check the arguments against the declaration of ${tool}, or catch the error and continue without this result.`,
  );
}

function binary(type: 'image' | 'audio', item: Item): unknown {
  return compact({ type, mimeType: optional(item, 'mimeType'), size: base64Size(field(item, 'data', 'string')) });
}

function embedded(resource: unknown): unknown {
  if (!isObject(resource)) throw new Malformed('has no resource object');
  const uri = field(resource, 'uri', 'string');
  const mimeType = optional(resource, 'mimeType');
  if (typeof resource.text === 'string') {
    const size = Buffer.byteLength(resource.text, 'utf8');
    return compact({ type: 'resource', uri, mimeType, size, text: size <= MAX_RESOURCE_TEXT ? resource.text : undefined });
  }
  if (typeof resource.blob === 'string') return compact({ type: 'resource', uri, mimeType, size: base64Size(resource.blob) });
  throw new Malformed('resource has neither text nor blob');
}

/** Decoded byte length from the base64 text alone; the data itself is never decoded or kept. */
export function base64Size(data: string): number {
  const clean = /\s/.test(data) ? data.replace(/\s+/g, '') : data; // some servers wrap base64 in lines
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/**
 * JSON.parse's result, or the text when it is not JSON. Prose is most text results, and a failed JSON.parse costs
 * an exception (~20 µs a call on the bench machine), so text whose first character after JSON's whitespace cannot
 * begin a JSON value is returned without trying: the outcome is the same.
 */
export function parseIfJson(text: string): unknown {
  if (!mayBeJson(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** False only when JSON.parse would certainly throw: the first non-whitespace character begins no JSON value. */
export function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue; // JSON's whitespace, and only it
    return JSON_START.has(c);
  }
  return false; // empty or only whitespace
}

/** `{ [ " - 0-9 t f n`: the first characters of JSON's values (true, false, null). */
const JSON_START = new Set([...'{["-0123456789tfn'].map((ch) => ch.charCodeAt(0)));

function field(item: Item, name: string, type: 'string'): string {
  const value = item[name];
  if (typeof value !== type) throw new Malformed(`has no ${type} ${name}`);
  return value as string;
}

function optional(item: Item, name: string): string | undefined {
  return typeof item[name] === 'string' ? (item[name] as string) : undefined;
}

/** Drops undefined fields, so the value is plain JSON data. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function isObject(value: unknown): value is Item {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
