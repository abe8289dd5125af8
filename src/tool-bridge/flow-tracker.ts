// Data-flow labels (DESIGN §6): within one execution, data a `sensitive` tool returned may not reach the arguments of an
// `egress` tool. The bridge records each sensitive result here and asks, before each egress call, which sensitive tools'
// data its arguments hold. Pure: no I/O, no state beyond one execution's tracker.
//
// The rule: every run of `minLength` canonical characters (letters and digits, case-folded) of a recorded string or
// number is a gram; the arguments leak when any decoding of them (raw, JSON escapes, URI escapes, base64, hex, up to
// DECODE_ROUNDS rounds) holds one of those grams in its canonical form. Grams are kept as 62-bit hashes in a typed table.
// Longer than STYLE's ~150 lines: the decoders, the table and the tracker share private helpers and one contract.
import { MAX_TOOL_ARGS_BYTES } from '../enclave/index.js';

/** Options of {@link FlowTracker}; unknown keys are rejected (a misspelt limit must not silently become the default). */
export interface FlowTrackerOptions {
  /** Shortest run of canonical characters (letters and digits, lower-cased) that counts as a leak. Default 8. */
  minLength?: number;
  /** Most canonical characters recorded per execution; past it, `find` answers with every source (fail closed). Default 4_000_000. */
  maxTrackedChars?: number;
}

const DEFAULT_MIN_LENGTH = 8;
const DEFAULT_MAX_TRACKED_CHARS = 4_000_000;
/** Below 4, ordinary words would match almost any recorded text. */
const SHORTEST_MIN_LENGTH = 4;
/** Rounds of decoding: enough for `encodeURIComponent(btoa(JSON.stringify(x)))`. */
const DECODE_ROUNDS = 3;
/**
 * The decodings of one `find` may total this many times the arguments' text. JSON and URI decoding give at most
 * 2 + 4 + 8 = 14 distinct texts over three rounds, each no longer than the arguments, so only base64 built to decode
 * at several alignments gets past it; such an argument fails closed (every source is reported).
 */
const DECODE_FACTOR = 16;
/**
 * The same budget's ceiling: the budget of the largest arguments a script may send (1 MB). Measured, a crafted
 * argument of that size reaches it in under a second; only arguments joined with what was sent before are larger.
 */
const MAX_DECODED_CHARS = DECODE_FACTOR * MAX_TOOL_ARGS_BYTES;

/** Lets a caller such as the bridge check a recorded flow before an egress call; see the module comment for the rule. */
export class FlowTracker {
  readonly #minLength: number;
  readonly #maxTracked: number;
  readonly #hash: GramHash;
  readonly #tools: string[] = [];
  #grams = new GramTable();
  #tracked = 0;
  #overflowed = false;

  constructor(options: FlowTrackerOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'minLength' && key !== 'maxTrackedChars') throw new TypeError(`FlowTracker: unknown option "${key}"; use minLength or maxTrackedChars.`);
    }
    this.#minLength = integerOption('minLength', options.minLength ?? DEFAULT_MIN_LENGTH, SHORTEST_MIN_LENGTH);
    this.#maxTracked = integerOption('maxTrackedChars', options.maxTrackedChars ?? DEFAULT_MAX_TRACKED_CHARS, 0);
    this.#hash = new GramHash(this.#minLength);
  }

  /** Records what `tool` (a sensitive tool, e.g. 'memory:read_graph') returned: any JSON value. */
  addSource(tool: string, value: unknown): void {
    let index = this.#tools.indexOf(tool);
    if (index < 0) index = this.#tools.push(tool) - 1;
    if (this.#overflowed) return;
    // Object keys are structure, not data: the same keys appear in any script's own arguments.
    for (const leaf of leaves(value)) {
      const points = canonical(leaf);
      // Shorter leaves (a status, a count, a 4-digit PIN) are not tracked: matched whole, they recur in unrelated
      // text and would block honest calls. Lower minLength to track them.
      if (points.length < this.#minLength) continue;
      if (this.#tracked + points.length > this.#maxTracked) {
        this.#overflowed = true; // from now on every source is reported, so the table is no longer needed
        this.#grams = new GramTable();
        return;
      }
      this.#tracked += points.length;
      this.#grams.reserve(points.length - this.#minLength + 1);
      this.#hash.forEach(points, (h1, h2) => {
        this.#grams.add(h1, h2, index);
        return false;
      });
    }
  }

  /** The sensitive tools whose recorded data appears in `value` (an egress call's arguments, any JSON value); empty when none. In the order they were added. */
  find(value: unknown): string[] {
    if (this.#overflowed) return [...this.#tools];
    if (this.#grams.size === 0) return [];
    // Values, then keys (`{ [secret]: 1 }` smuggles data in a key), each joined by a newline: the canonical form drops
    // it, so a value split across fields is seen whole, yet it ends base64 and hex runs so that fields decode one by
    // one. Keys apart, or `{ f0: 'acct', f1: '1234' }` would read `f0acctf11234`.
    const keys: string[] = [];
    const raw = [leaves(value, keys).join('\n'), keys.join('\n')];
    const budget = Math.min(DECODE_FACTOR * (raw[0]!.length + raw[1]!.length), MAX_DECODED_CHARS);
    const found = new Set<number>();
    const seen = new Set<string>();
    let round = [raw];
    let spent = 0;
    for (const segment of raw) this.#scan(segment, found);
    for (let depth = 0; depth < DECODE_ROUNDS && round.length > 0 && found.size < this.#tools.length; depth++) {
      const next: Candidate[] = [];
      for (const input of round) {
        for (const decode of DECODERS) {
          // A segment with nothing to decode is left out: it was scanned already, and the next round decodes it
          // from `input` itself with every other decoder.
          const output = input.flatMap((segment) => decode(segment, this.#minLength) ?? []);
          const key = JSON.stringify(output); // unambiguous, unlike a join: segments bound where grams may run
          if (output.length === 0 || seen.has(key)) continue;
          for (const segment of output) spent += segment.length;
          // Past the budget the argument was built to exhaust the check (see DECODE_FACTOR): answer as if it leaked
          // everything rather than let the rest through unchecked.
          if (spent > budget) return [...this.#tools];
          seen.add(key);
          next.push(output);
          for (const segment of output) this.#scan(segment, found);
        }
      }
      round = next;
    }
    return this.#tools.filter((_, index) => found.has(index));
  }

  /** True when no source was recorded (lets the caller skip work): nothing long enough to track, and no overflow. */
  get empty(): boolean {
    return !this.#overflowed && this.#grams.size === 0;
  }

  /** Adds to `found` the tools whose grams occur in `text`'s canonical form. */
  #scan(text: string, found: Set<number>): void {
    const points = canonical(text);
    if (points.length < this.#minLength) return;
    const sets = new Set<number>();
    this.#hash.forEach(points, (h1, h2) => {
      const set = this.#grams.get(h1, h2);
      if (set === 0 || sets.has(set)) return false;
      sets.add(set);
      for (const tool of this.#grams.tools(set)) found.add(tool);
      return found.size === this.#tools.length;
    });
  }
}

function integerOption(name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  throw new RangeError(`FlowTracker: ${name} must be an integer of at least ${min}; got ${String(value)}.`);
}

/**
 * String and number leaves of a value in document order; object keys go to `keys` (each object's, as it is reached)
 * when given, else nowhere.
 * Iterative, so depth costs heap, not stack.
 */
function leaves(value: unknown, keys?: string[]): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  const seen = new Set<object>(); // JSON has no cycles, but a value that is not JSON must not loop forever
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'number' || typeof node === 'bigint') out.push(String(node));
    else if (typeof node === 'object' && node !== null && !seen.has(node)) {
      seen.add(node);
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      } else {
        const names = Object.keys(node);
        if (keys) for (const name of names) keys.push(name); // not push(...names): a huge object would overflow the arguments
        for (let i = names.length - 1; i >= 0; i--) stack.push((node as Record<string, unknown>)[names[i]!]);
      }
    }
  }
  return out;
}

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;

/**
 * Code points of the canonical form: compatibility-decomposed (ﬁ → fi, full-width → ASCII, é → e + mark), upper- then
 * lower-cased (so `ß`, which upper-cases to `SS`, meets its own toUpperCase), marks and all but letters and digits
 * dropped (accents stripped by a script still match), then recomposed (Hangul jamo back into syllables).
 */
function canonical(text: string): Int32Array {
  const form = text.normalize('NFKD').toUpperCase().toLowerCase().replace(NOT_LETTER_OR_DIGIT, '').normalize('NFC');
  const points = new Int32Array(form.length);
  let n = 0;
  for (let i = 0; i < form.length; i++) {
    const point = form.codePointAt(i)!;
    points[n++] = point;
    if (point > 0xffff) i++;
  }
  return points.subarray(0, n);
}

// Two polynomial rolling hashes modulo the prime P = 2^31 − 1, with independent random bases. Products stay below
// 2^53, so plain numbers are exact, and P is a Mersenne prime, so reducing takes a shift and an add rather than a slow
// floating `%`. Two grams' polynomials differ in at most minLength − 1 roots, so a pair collides with probability
// ≤ ((minLength − 1)/P)² (≈ 1e-17 at 8): negligible with millions of grams, and a collision can only block a call.
const P = 2_147_483_647;
const TWO_31 = 2_147_483_648;

/** a·b mod P, for a product below 2^53 (exact): x = hi·2^31 + lo ≡ hi + lo (mod 2^31 − 1), and hi + lo < 2P. */
function mulMod(a: number, b: number): number {
  const x = a * b;
  const hi = Math.floor(x / TWO_31);
  const r = x - hi * TWO_31 + hi;
  return r >= P ? r - P : r;
}

class GramHash {
  readonly #length: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #pow1: number;
  readonly #pow2: number;

  constructor(length: number) {
    this.#length = length;
    // Random bases per tracker (below 2^21, as mulMod needs): a script that could predict the hashes could flood one
    // probe run of the table and make the host's work quadratic.
    this.#b1 = 65_536 + Math.floor(Math.random() * 2_000_000);
    this.#b2 = 65_536 + Math.floor(Math.random() * 2_000_000);
    this.#pow1 = 1;
    this.#pow2 = 1;
    for (let i = 1; i < length; i++) {
      this.#pow1 = mulMod(this.#pow1, this.#b1);
      this.#pow2 = mulMod(this.#pow2, this.#b2);
    }
  }

  /** Calls `visit` with the hash pair of each gram of `points` (code points, below 2^21), in order, until it returns true. */
  forEach(points: Int32Array, visit: (h1: number, h2: number) => boolean): void {
    const [length, b1, b2, pow1, pow2] = [this.#length, this.#b1, this.#b2, this.#pow1, this.#pow2];
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      if (i >= length) {
        const out = points[i - length]!;
        h1 = h1 - mulMod(out, pow1) + P; // in (0, 2P), brought below P next
        h2 = h2 - mulMod(out, pow2) + P;
        if (h1 >= P) h1 -= P;
        if (h2 >= P) h2 -= P;
      }
      h1 = mulMod(h1, b1) + point;
      h2 = mulMod(h2, b2) + point;
      if (h1 >= P) h1 -= P;
      if (h2 >= P) h2 -= P;
      if (i >= length - 1 && visit(h1, h2)) return;
    }
  }
}

/**
 * Gram hash → set of tools, open addressing in one Int32Array of (h1, h2, set) triples, so a probe touches one cache
 * line: a Map of millions of keys above 2^31 would cost ~50 bytes each; this costs 12 bytes a slot at load ≤ 1/2.
 * Tool sets are interned, so a slot holds one set id; 0 marks a free slot. Most grams looked up are absent, and the
 * table outgrows the caches, so a bit filter of 4 bits a slot (1/24 of the table) answers most of those first.
 */
class GramTable {
  size = 0;
  #mask = 1023;
  #slots = new Int32Array(3 * 1024);
  #filter = new Int32Array(1024 / 8);
  readonly #members: number[][] = [[]];
  readonly #byKey = new Map<string, number>([['', 0]]);
  readonly #union = new Map<number, number>();
  #last: [set: number, tool: number, id: number] = [-1, -1, 0];

  /** The id of the set of tools that produced the gram; 0 when none did. */
  get(h1: number, h2: number): number {
    const bit = this.#bit(h1, h2);
    if ((this.#filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return 0;
    return this.#slots[3 * this.#slot(h1, h2) + 2]!;
  }

  tools(set: number): readonly number[] {
    return this.#members[set]!;
  }

  /** Makes room for `more` grams at once: growing step by step would rehash a large table again and again. */
  reserve(more: number): void {
    let mask = this.#mask;
    while ((this.size + more) * 2 > mask) mask = mask * 2 + 1;
    if (mask !== this.#mask) this.#rehash(mask);
  }

  add(h1: number, h2: number, tool: number): void {
    const at = 3 * this.#slot(h1, h2);
    const set = this.#slots[at + 2]!;
    if (set === 0) {
      this.#slots[at] = h1;
      this.#slots[at + 1] = h2;
      const bit = this.#bit(h1, h2);
      this.#filter[bit >>> 5]! |= 1 << (bit & 31);
      if (++this.size * 2 > this.#mask) this.reserve(this.size);
    }
    this.#slots[at + 2] = this.#with(set, tool);
  }

  #slot(h1: number, h2: number): number {
    const slots = this.#slots;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.#mask;
    while (slots[3 * slot + 2] !== 0 && (slots[3 * slot] !== h1 || slots[3 * slot + 1] !== h2)) slot = (slot + 1) & this.#mask;
    return slot;
  }

  /** A filter bit independent of the slot, so that grams crowding one probe run do not crowd one bit. */
  #bit(h1: number, h2: number): number {
    return (Math.imul(h1, 0x85ebca6b) ^ h2) & ((this.#mask << 2) | 3);
  }

  /** The interned id of `set` ∪ {tool}, memoized: the same pair recurs for every gram of a record. */
  #with(set: number, tool: number): number {
    if (set === this.#last[0] && tool === this.#last[1]) return this.#last[2];
    const memo = set * 1_048_576 + tool;
    let id = this.#union.get(memo);
    if (id === undefined) {
      const members = this.#members[set]!;
      const union = members.includes(tool) ? members : [...members, tool].sort((a, b) => a - b);
      const key = union.join(',');
      id = this.#byKey.get(key);
      if (id === undefined) {
        id = this.#members.push(union) - 1;
        this.#byKey.set(key, id);
      }
      this.#union.set(memo, id);
    }
    this.#last = [set, tool, id];
    return id;
  }

  #rehash(mask: number): void {
    const old = this.#slots;
    this.#mask = mask;
    this.#slots = new Int32Array(3 * (mask + 1));
    this.#filter = new Int32Array((mask + 1) / 8);
    for (let at = 0; at < old.length; at += 3) {
      const [h1, h2, set] = [old[at]!, old[at + 1]!, old[at + 2]!];
      if (set === 0) continue;
      const to = 3 * this.#slot(h1, h2);
      this.#slots[to] = h1;
      this.#slots[to + 1] = h2;
      this.#slots[to + 2] = set;
      const bit = this.#bit(h1, h2);
      this.#filter[bit >>> 5]! |= 1 << (bit & 31);
    }
  }
}

// Decoders, one per encoding a script can apply with built-ins; each never throws. A decoding is a list of segments,
// and grams are looked for within a segment, never across two: random bytes (an ordinary word read as base64) must not
// be strung into long runs of letters. `minLength` sizes the shortest run worth decoding: a shorter one cannot hold a
// gram by itself.

/** Decoded segments of `text`, or undefined when there is nothing to undo. */
type Decoder = (text: string, minLength: number) => string[] | undefined;
type Candidate = string[];

const DECODERS: readonly Decoder[] = [unescapeJson, decodeUri, decodeBase64Runs, decodeHexRuns, decodeCharCodes];

/** Characters of the single-character escapes of JSON and JavaScript strings; any other escaped character stands for itself. */
const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' };
const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/**
 * JSON.stringify's escapes (`\t`, `\"`, `\\`, `\uXXXX`) and JavaScript's `\xXX`; a malformed escape stays as it is.
 * A loop over indexOf rather than a replace callback: a megabyte of escapes costs a fifth of the time.
 */
function unescapeJson(text: string): string[] | undefined {
  let at = text.indexOf('\\');
  if (at < 0 || at === text.length - 1) return undefined;
  const parts: string[] = [];
  let from = 0;
  while (at >= 0 && at < text.length - 1) {
    const c = text[at + 1]!;
    const width = c === 'u' ? 4 : c === 'x' ? 2 : 0;
    const digits = text.slice(at + 2, at + 2 + width);
    if (width === 0 || (digits.length === width && HEX_DIGITS.test(digits))) {
      parts.push(text.slice(from, at), width === 0 ? (ESCAPES[c] ?? c) : String.fromCharCode(Number.parseInt(digits, 16)));
      from = at + 2 + width;
      at = text.indexOf('\\', from);
    } else {
      at = text.indexOf('\\', at + 1);
    }
  }
  parts.push(text.slice(from));
  return [parts.join('')];
}

const PERCENT = /%(?:u[0-9a-fA-F]{4}|[0-9a-fA-F]{2})/;
const PERCENT_RUN = /%u[0-9a-fA-F]{4}|(?:%[0-9a-fA-F]{2})+/g;

/**
 * encodeURIComponent, encodeURI, URLSearchParams and legacy escape() (`%uXXXX`, Latin-1 bytes). A `+` (a space in a
 * query string) stays a `+`: the canonical form drops it as it drops a space, and read as a space it would break
 * standard base64 for the next round.
 */
function decodeUri(text: string): string[] | undefined {
  if (!PERCENT.test(text)) return undefined;
  const decoded = text.replace(PERCENT_RUN, (run) => {
    if (run[1] === 'u') return String.fromCharCode(Number.parseInt(run.slice(2), 16));
    try {
      return decodeURIComponent(run);
    } catch {
      // Malformed UTF-8 (a cut sequence, or escape()'s Latin-1 bytes): one character per byte.
      return run.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
  return [decoded];
}

const BASE64_RUN = /[A-Za-z0-9+/_=-]+/g;
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64_VALUES[c.charCodeAt(0)] = i;
BASE64_VALUES['-'.charCodeAt(0)] = 62; // url-safe alphabet
BASE64_VALUES['_'.charCodeAt(0)] = 63;

/**
 * Runs of base64 (standard or url-safe, padded or not) long enough to hold minLength bytes. `=` splits a run into
 * pieces (`btoa(a) + btoa(b)`). Each piece is read from its start, chained to its neighbours, and from its 2nd, 3rd
 * and 4th character too: base64 glued to other text (`id:xyzQUJD…`, `/api/ZWQ…`) is misaligned by it.
 */
function decodeBase64Runs(text: string, minLength: number): string[] | undefined {
  const shortest = Math.ceil((minLength * 4) / 3);
  const stretches = new Stretches(minLength);
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (run.length < shortest) continue;
    for (const piece of run.split(/=+/)) {
      stretches.add(base64Bytes(piece, 0), true);
      if (piece.length >= shortest) for (let skip = 1; skip < 4; skip++) stretches.add(base64Bytes(piece, skip), false);
    }
  }
  return stretches.done();
}

function base64Bytes(piece: string, skip: number): Uint8Array {
  const bytes = new Uint8Array(((piece.length - skip) * 3) >> 2);
  let n = 0;
  let bits = 0;
  let acc = 0;
  for (let i = skip; i < piece.length; i++) {
    acc = ((acc << 6) | BASE64_VALUES[piece.charCodeAt(i)]!) & 0x3fff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (acc >> bits) & 0xff;
    }
  }
  return bytes;
}

const HEX_RUN = /[0-9a-fA-F]+/g;
const HEX_VALUES = new Uint8Array(128);
for (const [i, c] of [...'0123456789abcdef'].entries()) HEX_VALUES[c.charCodeAt(0)] = HEX_VALUES[c.toUpperCase().charCodeAt(0)] = i;

/** Runs of hex digits (either case) long enough to hold minLength bytes, read at both alignments. */
function decodeHexRuns(text: string, minLength: number): string[] | undefined {
  const stretches = new Stretches(minLength);
  for (const [run] of text.matchAll(HEX_RUN)) {
    if (run.length < 2 * minLength) continue;
    for (let skip = 0; skip < 2; skip++) {
      const bytes = new Uint8Array((run.length - skip) >> 1);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (HEX_VALUES[run.charCodeAt(skip + 2 * i)]! << 4) | HEX_VALUES[run.charCodeAt(skip + 2 * i + 1)]!;
      stretches.add(bytes, skip === 0);
    }
  }
  return stretches.done();
}

/** A run of decimal numbers joined by one separator character each (`115,101,99` or `115 101 99`): char codes. */
const CODE_RUN = /\d{1,7}(?:[,; ]\s?\d{1,7})+/g;

/**
 * `[...text].map((c) => c.charCodeAt(0)).join(',')`: runs of at least minLength decimal numbers, each a printable
 * code point, read as the characters they stand for. A run holding any other number (a list of prices, a page
 * range) is cut there, so only the printable stretches count, as with base64 and hex.
 */
function decodeCharCodes(text: string, minLength: number): string[] | undefined {
  const segments: string[] = [];
  for (const [run] of text.matchAll(CODE_RUN)) {
    let stretch = '';
    for (const number of run.split(/[,; ]\s?/)) {
      const code = Number(number);
      const printable =
        code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code <= 0x10ffff && code !== 0x7f && !(code >= 0xd800 && code <= 0xdfff));
      if (printable) stretch += String.fromCodePoint(code);
      if (!printable) {
        if (stretch.length >= minLength) segments.push(stretch);
        stretch = '';
      }
    }
    if (stretch.length >= minLength) segments.push(stretch);
  }
  return segments.length > 0 ? segments : undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Decoded bytes read as UTF-8 and cut at every control character and U+FFFD, keeping stretches of at least
 * minLength characters as segments. A wrong alignment, or an ordinary word read as base64, gives random bytes, and
 * random bytes rarely stay printable for 8 characters (about 0.04% of positions); bytes glued before or after an
 * encoded text cut off only themselves. Pieces read from their start are chained: text running off the end of one
 * and into the start of the next is one segment (base64 wrapped at 76 columns, a value split across two fields).
 */
class Stretches {
  readonly #minLength: number;
  readonly #segments: string[] = [];
  #open = '';

  constructor(minLength: number) {
    this.#minLength = minLength;
  }

  add(bytes: Uint8Array, chained: boolean): void {
    const text = UTF8.decode(bytes);
    let start = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length) {
        const c = text.charCodeAt(i);
        if (c >= 0x20 ? c < 0x7f || (c >= 0xa0 && c !== 0xfffd) : c === 0x09 || c === 0x0a || c === 0x0d) continue;
      }
      // Slice only what is kept: a megabyte of unprintable bytes must not make a million empty strings.
      if (chained && start === 0) {
        this.#open += text.slice(0, i);
        if (i === text.length) return; // still open: the next piece may go on with it
        this.#close();
      } else if (chained && i === text.length) {
        this.#open = text.slice(start);
      } else if (i - start >= this.#minLength) {
        this.#segments.push(text.slice(start, i));
      }
      start = i + 1;
    }
  }

  #close(): void {
    if (this.#open.length >= this.#minLength) this.#segments.push(this.#open);
    this.#open = '';
  }

  /** The segments, or undefined when there are none. */
  done(): string[] | undefined {
    this.#close();
    return this.#segments.length > 0 ? this.#segments : undefined;
  }
}
