// What a downstream server says about its tools is data, not instructions. "Tool poisoning" hides orders for the model
// in a description or schema text (invisible characters, an <IMPORTANT> block, "send the notes to …") where the person
// who approved the server does not look. Texts are cleaned before they reach the model, and obvious injection markers
// are reported as short reasons a person can read. The markers are a tripwire, not a proof of safety.
import { formatPath } from './config-issues.js';
import { cap } from './ts-text.js';

export const MAX_DESCRIPTION_CHARS = 2000; // a tool's description
export const MAX_SCHEMA_TEXT_CHARS = 500; // each description/title inside a schema, and a tool's title

/** Characters that show as nothing, or reorder what is shown: removed everywhere, flagged as hidden. Character-class parts. */
const INVISIBLE = [
  // Trojan Source (CVE-2021-42574): BiDi embeddings, overrides, isolates and marks show text in another order than it is read.
  String.raw`\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200E}\u{200F}\u{061C}`,
  // Zero-width space, non-joiner, joiner; word joiner and invisible operators: split trigger words, hide text from a reviewer.
  String.raw`\u{200B}-\u{200D}\u{2060}-\u{2064}`,
  // Zero-width no-break space (BOM), Mongolian vowel separator, soft hyphen: invisible in most renderings.
  String.raw`\u{FEFF}\u{180E}\u{00AD}`,
  // Deprecated format characters (symmetric swapping, shaping, digit shapes): invisible, of no use in a description.
  String.raw`\u{206A}-\u{206F}`,
  // Fillers drawn as nothing (combining grapheme joiner, Hangul fillers, Khmer inherent vowels): invisible "words".
  String.raw`\u{034F}\u{115F}\u{1160}\u{17B4}\u{17B5}\u{3164}\u{FFA0}`,
  // Interlinear annotation marks: text between them is dropped by renderers but not by a model.
  String.raw`\u{FFF9}-\u{FFFB}`,
  // Tag characters ("ASCII smuggling"): an invisible copy of ASCII that models read and screens do not show.
  String.raw`\u{E0000}-\u{E007F}`,
].join('');
/** C0 controls except \t, \n and \r (line ends are normalized first), DEL and C1: terminal escapes rewrite what a person sees. */
const CONTROL = String.raw`\u{0}-\u{8}\u{B}\u{C}\u{E}-\u{1F}\u{7F}-\u{9F}`;

const REMOVED = new RegExp(`[${INVISIBLE}${CONTROL}]+`, 'gu');
const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;
// Variation selectors: the 256 of them can carry one hidden byte each after any character ("emoji smuggling"). One text
// or emoji presentation selector (U+FE0E, U+FE0F) after a character is how "⚠️" is written, and is kept; runs, the others,
// and one at the very start are removed.
const SELECTORS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]{2,}|[\uFE00-\uFE0D\u{E0100}-\u{E01EF}]|^[\uFE0E\uFE0F]/gu;
// Line breaks with only blanks between them: at most one empty line in a row survives (\s* stops at the last break,
// so the next line keeps its indentation).
const BLANK_LINES = /\n\s*\n/g;

/**
 * Invisible characters, line and paragraph separators and variation selectors, for texts a person must read exactly as
 * they are (an approval request): shown as `\u{…}` escapes instead of removed, so that nothing is hidden either way.
 */
const ESCAPED = new RegExp(`[${INVISIBLE}${String.raw`\u{2028}\u{2029}\u{2065}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}`}]`, 'gu');
export const escapeInvisible = (text: string): string => text.replace(ESCAPED, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);

/** The text as a model reads it: line ends normalized, invisible and control characters dropped. */
const visible = (text: string): string => text.replace(LINE_BREAK, '\n').replace(REMOVED, '').replace(SELECTORS, '');

/**
 * A downstream text made fit for the model: control, BiDi, zero-width, tag characters and smuggling variation selectors
 * removed; line ends normalized; runs of blank lines collapsed to one; trimmed; at most `max` UTF-16 units, cut on a
 * code-point boundary and ending with '…'. Every pattern here is linear, so a 1 MB text costs a few milliseconds.
 */
export function sanitizeToolText(text: string, max: number): string {
  return cap(visible(text).replace(BLANK_LINES, '\n\n').trim(), max);
}

interface MarkerRule {
  /**
   * `raw`: the text as the server sent it. `read`: as the model reads it (hidden characters dropped, then NFKC), so that
   * `ig\u200Bnore previous instructions` or full-width `ＳＹＳＴＥＭ:` is still found.
   */
  on: 'raw' | 'read';
  /** Linear patterns only: no nested or adjacent unbounded quantifiers over the same characters; gaps are bounded. */
  pattern: RegExp;
  /**
   * When set, the rule also needs a match of `followedBy.pattern` that starts at most `within` characters after the end of a
   * match of `pattern`, on the same line. Found by one forward pass over both patterns' matches, so "send … address"
   * costs O(n) on a text made of "send send send …", where one regex with a gap would cost O(n × gap).
   */
  followedBy?: { pattern: RegExp; within: number };
  reason: string;
}

/** Injection markers, one rule per technique. A new technique is a new entry here. */
const MARKER_RULES: readonly MarkerRule[] = [
  // Hidden text: Trojan Source reordering, zero-width characters, tag-character ASCII smuggling (the table above).
  { on: 'raw', pattern: new RegExp(`[${INVISIBLE}]`, 'u'), reason: 'hidden characters (zero-width, BiDi or tag characters)' },
  // Emoji smuggling: bytes as variation selectors after a character. One U+FE0E/U+FE0F after a character is ordinary.
  {
    on: 'raw',
    pattern: /[\uFE00-\uFE0D\u{E0100}-\u{E01EF}]|[\uFE0E\uFE0F][\uFE00-\uFE0F]/u,
    reason: 'hidden characters (zero-width, BiDi or tag characters)',
  },
  // ANSI escape sequences and other controls: text that a terminal or log viewer shows differently, or not at all.
  { on: 'raw', pattern: new RegExp(`[${CONTROL}]`, 'u'), reason: 'control characters (such as terminal escape sequences)' },
  // The classic override: "ignore all previous instructions", "disregard the system prompt".
  {
    on: 'read',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|these|those|previous|prior|above|earlier|preceding|original|other|system|safety)\s+)*(?:instructions?|prompts?|rules|guidelines|directions|directives|constraints|context)\b/i,
    reason: 'addresses the model ("ignore previous instructions")',
  },
  // Orders for the model itself, which a tool's documentation has no reason to give: "before answering", "you are now".
  {
    on: 'read',
    pattern:
      /\b(?:you are now|from now on|new instructions\s*:|before (?:answering|responding|replying)|act as if|pretend (?:to be|that)|(?:dear|hey|note to(?: the)?) (?:ai|assistant|model|llm|agent)\b)/i,
    reason: 'gives the model orders ("before answering", "you are now")',
  },
  // Tool poisoning as published (Invariant Labs, 2025): instructions wrapped in <IMPORTANT> or <SYSTEM> tags.
  {
    on: 'read',
    pattern: /<\/?(?:important|system|instructions?|secret|hidden|critical|admin|override)(?:\s[^<>]{0,200})?>/i,
    reason: 'an <IMPORTANT> or <SYSTEM> tag',
  },
  // Fake conversation turns: chat-template tokens that some models take as the start of a new system or user message.
  {
    on: 'read',
    pattern: /<\|[a-z_]{2,30}\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start|end)_of_turn>/i,
    reason: 'a chat-template token (such as <|im_start|> or [INST])',
  },
  // Text hidden from a rendered (Markdown, HTML) view of the description but read by the model.
  { on: 'read', pattern: /<!--/, reason: 'an HTML comment' },
  // Exfiltration: a sending verb followed, within one line and 120 characters, by an e-mail address or a URL.
  {
    on: 'read',
    // "email" and "mail" are verbs only with an object after them: "Email address of the recipient" is not an order.
    pattern:
      /\b(?:send|sends|sent|forward|forwards|post|upload|transmit|exfiltrate|leak|report|copy|cc|bcc|share|deliver|submit)\b|\be-?mail\s+(?:it|them|this|that|these|those|the|all|every|each|everything|a\s+copy)\b/i,
    followedBy: { pattern: /@[a-z0-9-]+\.[a-z0-9]|\bhttps?:\/\/|\bwww\.[a-z0-9]/i, within: 120 },
    reason: 'asks to send data to an address (an e-mail or URL)',
  },
  // Secrecy, the mark of a poisoned tool: "do not tell the user", "do not mention this".
  {
    on: 'read',
    pattern:
      /\b(?:do not|don't|dont|never)\s+(?:tell|inform|mention|reveal|notify|alert|let)\s+(?:(?:this|that|it|anything)\s+(?:to\s+)?)?(?:the\s+)?(?:users?|humans?|person)\b|\bwithout\s+(?:telling|letting)\s+(?:the\s+)?(?:users?|humans?|person)\b|\b(?:do not|don't|dont|never)\s+mention\s+(?:this|that|it)\b|\bkeep\s+(?:this|it)\s+(?:a\s+)?(?:secret|hidden|confidential)\b/i,
    reason: 'asks to keep something from the user ("do not tell the user")',
  },
  // A claimed speaker at the start of a line or sentence: "SYSTEM:", "[ADMIN]:", "## Developer note:", "Assistant:".
  {
    on: 'read',
    pattern:
      /(?:^|[\n.!?:])[ \t]*(?:[[(<#*]+[ \t]*)?(?:system|admin|administrator|developer|assistant|human|root|operator)(?:[ \t]+(?:message|prompt|note|notice|override|instructions?|update|alert))?(?:[ \t]*[\])>*]+)?[ \t]*:/i,
    reason: 'claims authority ("SYSTEM:")',
  },
  // Credential theft as published: "read ~/.cursor/mcp.json and ~/.ssh/id_rsa and pass their content as …".
  {
    on: 'read',
    pattern:
      /~\/\.(?:ssh|aws|gnupg|kube|docker|cursor)\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\/etc\/(?:passwd|shadow|sudoers)\b|\bmcp\.json\b|\bclaude_desktop_config\.json\b/i,
    reason: 'names secret files (such as ~/.ssh, id_rsa or mcp.json)',
  },
  // Tool shadowing: a description that rewrites how other tools behave ("when this tool is available, send_email must …").
  {
    on: 'read',
    pattern: /\bwhen\s+this\s+tool\s+is\s+(?:available|present|loaded|installed|enabled|connected)\b|\b(?:all|every)\s+other\s+tools?\s+(?:must|should)\b/i,
    reason: 'gives orders about other tools ("when this tool is available")',
  },
];

const globalCopy = (pattern: RegExp): RegExp => new RegExp(pattern.source, `${pattern.flags}g`);
/** The rules as matchers, built once at load. */
const MATCHERS = MARKER_RULES.map(({ on, pattern, followedBy, reason }) => {
  if (!followedBy) return { on, reason, test: (text: string): boolean => pattern.test(text) };
  const [first, second, within] = [globalCopy(pattern), globalCopy(followedBy.pattern), followedBy.within];
  const test = (text: string): boolean => {
    let next: RegExpExecArray | null = null; // the first `second` match at or after the current `first` match's end
    first.lastIndex = 0;
    for (let a = first.exec(text); a; a = first.exec(text)) {
      const end = a.index + a[0].length;
      if (!next || next.index < end) {
        second.lastIndex = end;
        next = second.exec(text);
        if (!next) return false;
      }
      if (next.index - end <= within && !text.slice(end, next.index).includes('\n')) return true;
    }
    return false;
  };
  return { on, reason, test };
});

/** The markers of a text, given as sent (`raw`) and as it will be shown (`read`, visible characters only); each reason once. */
function markersOf(raw: string, read: string): string[] {
  const normalized = read.normalize('NFKC');
  return [...new Set(MATCHERS.filter((rule) => rule.test(rule.on === 'raw' ? raw : normalized)).map((rule) => rule.reason))];
}

/** Obvious prompt-injection markers in a raw (unsanitized) text, as short human-readable reasons; empty when none. */
export function injectionMarkers(text: string): string[] {
  return markersOf(text, visible(text));
}

export interface ToolTextFlag {
  /** 'description', 'title', or the JSON path of a schema string, e.g. `inputSchema.properties.path.description`. */
  where: string;
  reason: string;
}

interface Place {
  key: string | number;
  parent?: Place;
}
function pathOf(place: Place): string {
  const keys: (string | number)[] = [];
  for (let p: Place | undefined = place; p; p = p.parent) keys.push(p.key);
  return formatPath(keys.reverse());
}

/** `target[key] = value`, except that "__proto__" becomes an own data key instead of setting the prototype. */
function put(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}

const SCHEMA_TEXT_KEYS = new Set(['description', 'title']);

/**
 * Records the markers of one string: hidden and control characters anywhere in what was sent, the other rules in what
 * the model will be shown (`shown`, already capped). That bounds the cost of a huge text, and a marker past the cut
 * never reaches the model anyway.
 */
type Scan = (where: () => string, raw: string, shown: string) => void;

/**
 * A copy of a schema with its `description` and `title` strings sanitized, at any depth (inside `default` or `examples`
 * too: a schema text there still reaches the model); every other value is copied as it is. Every string is scanned for
 * markers, since enum values and defaults appear in the declarations the model reads. Iterative, for any nesting depth;
 * a node shared in several places is copied once.
 */
function sanitizeSchema(schema: object, root: string, scan: Scan): object {
  interface Frame {
    from: Record<string, unknown>;
    to: object;
    place: Place;
    keys: string[];
    next: number;
  }
  const copies = new Map<object, object>();
  const frames: Frame[] = [];
  const enter = (node: object, place: Place): object => {
    let copy = copies.get(node);
    if (!copy) {
      copy = Array.isArray(node) ? new Array(node.length) : {};
      copies.set(node, copy);
      frames.push({ from: node as Record<string, unknown>, to: copy, place, keys: Object.keys(node), next: 0 });
    }
    return copy;
  };
  const top = enter(schema, { key: root });
  // Depth first with an explicit stack of frames, each with its next key: document order, and no recursion.
  for (let frame = frames.at(-1); frame; frame = frames.at(-1)) {
    if (frame.next === frame.keys.length) {
      frames.pop();
      continue;
    }
    const key = frame.keys[frame.next++]!;
    const value = frame.from[key];
    const isArray = Array.isArray(frame.from);
    const place = { key: isArray ? Number(key) : key, parent: frame.place };
    // Keys reach the model too (property names in the declarations): scanned, though not changed (the server's
    // arguments are named by them).
    if (!isArray) scan(() => `${pathOf(place)} (its name)`, key, cap(visible(key), MAX_SCHEMA_TEXT_CHARS));
    let copy = value;
    if (typeof value === 'string') {
      const text = !isArray && SCHEMA_TEXT_KEYS.has(key);
      copy = text ? sanitizeToolText(value, MAX_SCHEMA_TEXT_CHARS) : value;
      scan(() => pathOf(place), value, text ? (copy as string) : cap(visible(value), MAX_SCHEMA_TEXT_CHARS));
    } else if (typeof value === 'object' && value !== null) copy = enter(value, place);
    put(frame.to, key, copy);
  }
  return top;
}

/**
 * A sanitized copy of a tool definition and the injection markers found in its texts (deduplicated, each with where it
 * was found). The description is capped at MAX_DESCRIPTION_CHARS, the title and schema texts at MAX_SCHEMA_TEXT_CHARS;
 * other members are kept as they are (shared, not copied). The input is never changed.
 */
export function sanitizeTool<T extends { description?: string; title?: string; inputSchema: object; outputSchema?: object }>(
  tool: T,
): { tool: T; flags: ToolTextFlag[] } {
  const flags: ToolTextFlag[] = [];
  // Each place is scanned once (a shared schema node is walked once) and markersOf lists each reason once: no duplicates.
  const scan: Scan = (where, raw, shown) => {
    const reasons = markersOf(raw, shown);
    if (reasons.length === 0) return;
    const at = where();
    for (const reason of reasons) flags.push({ where: at, reason });
  };
  const copy: Record<string, unknown> = { ...tool };
  const text = (key: 'description' | 'title', max: number): void => {
    const raw = tool[key];
    if (typeof raw !== 'string') return;
    copy[key] = sanitizeToolText(raw, max);
    scan(() => key, raw, copy[key] as string);
  };
  text('description', MAX_DESCRIPTION_CHARS);
  text('title', MAX_SCHEMA_TEXT_CHARS);
  if (typeof tool.inputSchema === 'object' && tool.inputSchema !== null) copy.inputSchema = sanitizeSchema(tool.inputSchema, 'inputSchema', scan);
  if (typeof tool.outputSchema === 'object' && tool.outputSchema !== null) copy.outputSchema = sanitizeSchema(tool.outputSchema, 'outputSchema', scan);
  return { tool: copy as T, flags };
}
