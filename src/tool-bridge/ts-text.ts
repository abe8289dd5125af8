// Pieces of TypeScript text made from untrusted strings: comments, property keys, literals. Whatever a
// downstream server puts in a name or description, the piece stays one piece and cannot end it early.

// Trojan Source: BiDi overrides and zero-width characters make text read differently from how it parses.
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\u2060\uFEFF\u180E\u00AD]/gu;
// C0/C1 controls (escape sequences, NUL) have no business in a declaration; \t\n\r are whitespace below.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;
// \s covers \n, \r, U+2028 and U+2029: every line terminator, so a `//` comment cannot be ended by the text.
const WHITESPACE = /\s+/gu;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ELLIPSIS = '…';

/** `text` cut to `max` characters, with an ellipsis when it was longer. */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not split a surrogate pair: half of one is not a character.
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + ELLIPSIS;
}

/** One line of plain text, as given by a downstream server, with control and invisible characters removed. */
export function oneLine(text: string): string {
  return text.replace(INVISIBLE, '').replace(CONTROL, ' ').replace(WHITESPACE, ' ').trim();
}

/**
 * Text for a `//` comment: one line, at most `max` characters. Line comments are used for all server text
 * because nothing but a line terminator ends them, so `**\/*.ext` in a description stays as written.
 */
export function commentText(text: string, max: number): string {
  return cap(oneLine(text), max);
}

/** Text for a `/* … *\/` comment: as commentText, with `*\/` defused so that it cannot close the comment. */
export function blockCommentText(text: string, max: number): string {
  return commentText(text, max).replace(/\*\//g, '*\\/');
}

// Characters JSON.stringify leaves raw that a literal should show escaped: line separators and invisibles.
const RAW_IN_JSON = /[\u2028\u2029\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\u2060\uFEFF\u180E\u00AD\u007F-\u009F]/gu;
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A JSON literal in which nothing is invisible or ends a line: `"pa\u200bth"` shows it is not `"path"`. */
function jsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'undefined').replace(RAW_IN_JSON, escapeChar);
}

/**
 * A JSON value as a TypeScript literal type. A long string is cut inside its quotes (`"abc…"`), so the
 * literal still closes; a long object or array constant becomes `unknown` rather than half a structure.
 */
export function literal(value: unknown, max: number): string {
  if (typeof value === 'string') return jsonText(cap(value, max));
  const text = jsonText(value);
  return text.length <= max ? text : 'unknown';
}

/** A property name, bare when it is an identifier, otherwise JSON-quoted. */
export function propertyKey(name: string, max: number): string {
  return IDENTIFIER.test(name) && name.length <= max ? name : literal(name, max);
}

/** A single-quoted string literal, as scripts write tool names: `'server:tool'`. */
export function singleQuoted(text: string): string {
  const inner = jsonText(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${inner}'`;
}
