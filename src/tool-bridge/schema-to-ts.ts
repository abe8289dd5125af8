// JSON Schema to TypeScript type text, for the declarations the model reads. Schemas come from downstream
// servers, which we do not fully trust: nesting, $ref expansion and output size are bounded, and every
// string in the output goes through ts-text so that it cannot break the declaration around it.
import { pointerSegment, resolvePointer } from './json-pointer.js';
import { blockCommentText, commentText, literal, propertyKey } from './ts-text.js';

export interface SchemaToTypeOptions {
  /** The document that `#/…` references resolve against; the schema itself by default. */
  root?: unknown;
  /** Indentation of the line the type starts on; members of a multi-line object get two more spaces. */
  indent?: string;
  /** Nesting levels (objects, arrays, combinators, $ref hops) rendered before a type becomes `unknown`. */
  maxDepth?: number;
  /** Characters of output after which the remaining members, union arms and values are elided with a count. */
  maxChars?: number;
  /** Whether property descriptions, defaults and formats appear as `//` comments. */
  notes?: boolean;
  /**
   * Comments already shown, keyed by property name and text: a property commented once is not commented
   * again. Share one set across the declarations of one listing (memory's entity shape recurs in 6 tools).
   */
  seenNotes?: Set<string>;
}

export const SCHEMA_LIMITS = Object.freeze({
  maxDepth: 10,
  maxChars: 4_000,
  /** A property's description in its comment; a tool's own description is not cut here. */
  maxNoteChars: 300,
  maxKeyChars: 80,
  maxLiteralChars: 80,
  /** An object without comments stays on one line up to this width. */
  inlineWidth: 100,
});

type Schema = { [key: string]: unknown };
/** How a type text binds, so that `A | B` becomes `(A | B)[]` and not `A | B[]`. */
type Kind = 'atom' | 'union' | 'intersection';
interface Rendered {
  text: string;
  kind: Kind;
}
interface Ctx {
  root: unknown;
  budget: number;
  refs: string[];
  maxDepth: number;
  notes: boolean;
  seen: Set<string>;
}

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const atom = (text: string): Rendered => ({ text, kind: 'atom' });
const UNKNOWN = atom('unknown');
/** The type of an object schema that says nothing about its keys. */
export const ANY_OBJECT = 'Record<string, unknown>';
const KEYWORDS: Readonly<Record<string, string>> = { string: 'string', number: 'number', integer: 'number', boolean: 'boolean', null: 'null' };

/** TypeScript type text for a JSON Schema. */
export function schemaToType(schema: unknown, options: SchemaToTypeOptions = {}): string {
  const ctx: Ctx = {
    root: options.root ?? schema,
    budget: options.maxChars ?? SCHEMA_LIMITS.maxChars,
    refs: [],
    maxDepth: options.maxDepth ?? SCHEMA_LIMITS.maxDepth,
    notes: options.notes ?? true,
    seen: options.seenNotes ?? new Set(),
  };
  return render(ctx, schema, 0, options.indent ?? '').text;
}

/** Maps items while the budget lasts; `elided` counts the items left out. Every list of children goes through here. */
function each<T, R = Rendered>(ctx: Ctx, items: readonly T[], fn: (item: T) => R): { parts: R[]; elided: number } {
  const parts: R[] = [];
  for (const item of items) {
    if (ctx.budget <= 2) break; // so that an item once begun has budget left for its own type
    ctx.budget -= 2; // the separator
    parts.push(fn(item));
  }
  return { parts, elided: items.length - parts.length };
}

function leaf(ctx: Ctx, text: string): Rendered {
  ctx.budget -= text.length;
  return atom(text);
}

const elision = (n: number): string => (n > 0 ? ` /* …${n} more */` : '');
const paren = (r: Rendered, unless: Kind[]): string => (unless.includes(r.kind) ? r.text : `(${r.text})`);

function union(parts: Rendered[], elided = 0): Rendered {
  const texts = [...new Set(parts.map((p) => p.text))].filter((t) => t !== 'never');
  if (texts.includes('unknown')) return UNKNOWN; // unknown absorbs every other arm
  if (texts.length === 0) return atom('never');
  if (texts.length === 1 && !elided) return parts.find((p) => p.text === texts[0])!;
  return { text: texts.join(' | ') + elision(elided), kind: 'union' };
}

function intersection(parts: Rendered[]): Rendered {
  const texts = new Set<string>();
  const kept = parts.filter((p) => p.text !== 'unknown' && !texts.has(p.text) && texts.add(p.text));
  if (kept.length === 0) return UNKNOWN;
  if (kept.length === 1) return kept[0]!;
  return { text: kept.map((p) => paren(p, ['atom', 'intersection'])).join(' & '), kind: 'intersection' };
}

function render(ctx: Ctx, s: unknown, depth: number, indent: string): Rendered {
  if (s === false) return atom('never');
  if (!isSchema(s) || depth >= ctx.maxDepth || ctx.budget <= 0) return UNKNOWN;
  // Every visit costs something, so wide anyOf arms that render to nothing still run out (1000 arms × 5 levels).
  ctx.budget -= 1;
  const parts: Rendered[] = [];
  if (typeof s.$ref === 'string') parts.push(renderRef(ctx, s.$ref, depth, indent));
  const base = renderBase(ctx, s, depth, indent);
  const arms = [s.anyOf, s.oneOf].filter(Array.isArray).flat();
  const all = Array.isArray(s.allOf) ? s.allOf : [];
  if (arms.length) {
    const { parts: p, elided } = each(ctx, arms, (arm) => render(ctx, arm, depth + 1, indent));
    parts.push(union(p, elided));
  }
  parts.push(...each(ctx, all, (part) => render(ctx, part, depth + 1, indent)).parts);
  // `{ type: 'object', anyOf: [...] }` means the arms; a bare `object` adds nothing to them.
  if (base && !(base.text === ANY_OBJECT && intersection(parts) !== UNKNOWN)) parts.unshift(base);
  const type = intersection(parts);
  return s.nullable === true ? union([type, atom('null')]) : type;
}

function renderRef(ctx: Ctx, ref: string, depth: number, indent: string): Rendered {
  const name = pointerSegment(ref.slice(ref.lastIndexOf('/') + 1)) ?? ref;
  if (ctx.refs.includes(ref)) return leaf(ctx, `unknown /* recursive ${blockCommentText(name, SCHEMA_LIMITS.maxKeyChars)} */`);
  const target = resolvePointer(ctx.root, ref);
  if (target === undefined) return UNKNOWN;
  ctx.refs.push(ref);
  try {
    return render(ctx, target, depth + 1, indent);
  } finally {
    ctx.refs.pop();
  }
}

function renderBase(ctx: Ctx, s: Schema, depth: number, indent: string): Rendered | null {
  if ('const' in s) return leaf(ctx, literal(s.const, SCHEMA_LIMITS.maxLiteralChars));
  if (Array.isArray(s.enum)) {
    const { parts, elided } = each(ctx, s.enum, (v) => leaf(ctx, literal(v, SCHEMA_LIMITS.maxLiteralChars)));
    return union(parts, elided);
  }
  const types = Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : inferTypes(s);
  if (types.length === 0) return null;
  const { parts, elided } = each(ctx, types, (t) => renderTyped(ctx, t, s, depth, indent));
  return union(parts, elided);
}

function inferTypes(s: Schema): string[] {
  if ('properties' in s || 'additionalProperties' in s || 'patternProperties' in s) return ['object'];
  if ('items' in s || 'prefixItems' in s) return ['array'];
  return [];
}

function renderTyped(ctx: Ctx, type: unknown, s: Schema, depth: number, indent: string): Rendered {
  if (type === 'object') return renderObject(ctx, s, depth + 1, indent);
  if (type === 'array') return renderArray(ctx, s, depth + 1, indent);
  return leaf(ctx, (typeof type === 'string' && Object.hasOwn(KEYWORDS, type) && KEYWORDS[type]) || 'unknown');
}

function renderArray(ctx: Ctx, s: Schema, depth: number, indent: string): Rendered {
  const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : null;
  if (!tuple) return atom(`${paren(render(ctx, s.items ?? true, depth, indent), ['atom'])}[]`);
  const { parts, elided } = each(ctx, tuple, (item) => render(ctx, item, depth, indent));
  const texts = parts.map((p) => p.text);
  const rest = tuple === s.prefixItems ? s.items : s.additionalItems;
  if (elided) texts.push(`...unknown[]${elision(elided)}`);
  else if (rest !== undefined && rest !== false) texts.push(`...${paren(render(ctx, rest, depth, indent), ['atom'])}[]`);
  return atom(`[${texts.join(', ')}]`);
}

interface Member {
  head: string;
  type: string;
  note: string;
}

function renderObject(ctx: Ctx, s: Schema, depth: number, indent: string): Rendered {
  const inner = `${indent}  `;
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r) => typeof r === 'string') : []);
  const properties = isSchema(s.properties) ? s.properties : {};
  const names = Object.keys(properties); // keys, not entries: 4× faster on a hostile 200,000-key object
  const { parts: members, elided } = each(ctx, names, (name): Member => {
    const sub = properties[name];
    const head = propertyKey(name, SCHEMA_LIMITS.maxKeyChars) + (required.has(name) ? '' : '?');
    const type = render(ctx, sub, depth, inner).text;
    let note = noteOf(ctx, sub);
    const seenKey = `${name}\u0000${note}`;
    if (ctx.seen.has(seenKey)) note = '';
    else if (note) ctx.seen.add(seenKey);
    ctx.budget -= head.length + note.length + 4;
    return { head, type, note };
  });
  // Extra keys: additionalProperties and patternProperties become an index signature; `true` adds nothing.
  const extra = [s.additionalProperties, ...(isSchema(s.patternProperties) ? Object.values(s.patternProperties) : [])].filter(
    (v) => v !== undefined && v !== true && v !== false,
  );
  const value = extra.length ? union(each(ctx, extra, (v) => render(ctx, v, depth, inner)).parts) : null;
  if (names.length === 0) {
    if (value) return atom(`Record<string, ${value.text}>`);
    return atom(s.additionalProperties === false ? '{}' : ANY_OBJECT);
  }
  if (value) members.push({ head: '[key: string]', type: value.text, note: '' });
  const inline = `{ ${members.map((m) => `${m.head}: ${m.type}`).join('; ')} }`;
  if (!elided && inline.length <= SCHEMA_LIMITS.inlineWidth && !inline.includes('\n') && members.every((m) => !m.note)) return atom(inline);
  const lines = members.map((m) => {
    const line = `${inner}${m.head}: ${m.type};`;
    if (!m.note) return line;
    return m.type.includes('\n') ? `${inner}// ${m.note}\n${line}` : `${line} // ${m.note}`;
  });
  if (elided) lines.push(`${inner}// …${elided} more`);
  return atom(`{\n${lines.join('\n')}\n${indent}}`);
}

/** `default: x`, unless there is none or it is too long to be worth its space (a cut value would mislead). */
function defaultNote(value: unknown): string {
  const text = value === undefined ? '' : literal(value, Infinity);
  return text && text.length <= SCHEMA_LIMITS.maxLiteralChars ? `default: ${text}` : '';
}

/** A property's comment: its description (or its $ref target's), then default, format and deprecation. */
function noteOf(ctx: Ctx, sub: unknown): string {
  if (!ctx.notes || !isSchema(sub)) return '';
  const target = typeof sub.$ref === 'string' ? resolvePointer(ctx.root, sub.$ref) : undefined;
  const description =
    typeof sub.description === 'string' ? sub.description : isSchema(target) && typeof target.description === 'string' ? target.description : '';
  const extras = [defaultNote(sub.default), typeof sub.format === 'string' ? `format: ${sub.format}` : '', sub.deprecated === true ? 'deprecated' : '']
    .filter(Boolean)
    .join(', ');
  const text = commentText(description, SCHEMA_LIMITS.maxNoteChars);
  const tail = commentText(extras, SCHEMA_LIMITS.maxNoteChars);
  return text && tail ? `${text} (${tail})` : text || tail;
}
