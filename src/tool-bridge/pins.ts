// Pins of tool definitions (DESIGN §6 `pins`, §7 `tools --pin`): a hash of what a tool tells the model, recorded in
// the manifest when a person reviewed the tools, so that a server that later changes a definition (a "rug pull":
// a harmless description swapped for one with hidden instructions) is caught before the model sees it.
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Node, parseTree } from 'jsonc-parser';
import { ConfigError } from '../shared/index.js';
import { findJsonSyntaxProblem } from './json-syntax.js';

/**
 * What a pin covers. Any object with these members: the SDK's `Tool` and the bridge's `DownstreamTool` (whose schemas
 * are plain JSON objects) both fit.
 */
export interface PinnedDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema: object;
  outputSchema?: object;
  annotations?: object;
}

export type PinVerdict = { status: 'pinned' } | { status: 'changed' } | { status: 'unpinned' };

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * JSON with the keys of every object sorted, at every depth, so that the same definition sent with its keys in another
 * order hashes the same. Iterative: a schema nested deeper than the call stack must not crash the pinning.
 * Members whose value is undefined are left out, as JSON.stringify does: that is how "absent" stays distinct from "".
 */
function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const entered = new Set<object>(); // containers being written: meeting one again is a cycle
  type Step = string | { value: unknown } | { leave: object };
  const steps: Step[] = [{ value: root }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (typeof step === 'string') out.push(step);
    else if ('leave' in step) entered.delete(step.leave);
    else {
      const { value } = step;
      if (typeof value !== 'object' || value === null) {
        out.push(JSON.stringify(value) ?? 'null'); // NaN, Infinity, functions: what JSON.stringify makes of them
        continue;
      }
      if (entered.has(value)) throw new TypeError('pinOf: the tool definition contains a cycle; pass plain JSON data.');
      entered.add(value);
      steps.push({ leave: value });
      if (Array.isArray(value)) {
        steps.push(']');
        for (let i = value.length - 1; i >= 0; i--) steps.push({ value: value[i] ?? null }, ...(i > 0 ? [','] : []));
        out.push('[');
      } else {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record)
          .filter((key) => record[key] !== undefined)
          .sort(byCodeUnit);
        steps.push('}');
        for (let i = keys.length - 1; i >= 0; i--) steps.push({ value: record[keys[i]!] }, `${JSON.stringify(keys[i])}:`, ...(i > 0 ? [','] : []));
        out.push('{');
      }
    }
  }
  return out.join('');
}

/**
 * The pin of a tool's definition: 'sha256-' + base64url of SHA-256 over the canonical JSON of its name, title,
 * description, inputSchema, outputSchema and annotations. DESIGN §6 names "name, description and schemas"; the title
 * and the annotations are covered too, because both are part of what a compromised server could change to its
 * advantage: the title is what the model reads when there is no description, and `destructiveHint` decides whether a
 * person is asked before the tool runs (a server that drops it would otherwise skip approval unnoticed).
 */
export function pinOf(tool: PinnedDefinition): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  const text = canonicalJson({ name, title, description, inputSchema, outputSchema, annotations });
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}

/**
 * Pins of the definitions checked so far, by object: the bridge checks a tool's pin on every call, and a tool object
 * from tools/list is never changed (a refresh brings new objects), so each is hashed once.
 */
const computed = new WeakMap<object, string>();

/** A tool against a manifest's pins. No `pins` at all means pinning is not configured: every tool counts as pinned. */
export function checkPin(pins: Readonly<Record<string, string>> | undefined, qualifiedName: string, tool: PinnedDefinition): PinVerdict {
  if (pins === undefined) return { status: 'pinned' };
  if (!Object.hasOwn(pins, qualifiedName)) return { status: 'unpinned' }; // own keys only: "constructor" is not a pin
  let pin = computed.get(tool);
  if (pin === undefined) computed.set(tool, (pin = pinOf(tool)));
  return pins[qualifiedName] === pin ? { status: 'pinned' } : { status: 'changed' };
}

/** How the file writes its top-level members: one level of indentation (none for a one-line file), line ends, ": ". */
interface Layout {
  indent: string | undefined;
  eol: string;
  colon: string;
}

function layoutOf(text: string, members: readonly Node[]): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const [key, value] = members[0]?.children ?? [];
  if (!key || !value) return { indent: text.includes('\n') ? '  ' : undefined, eol, colon: ': ' };
  const lineStart = text.lastIndexOf('\n', key.offset) + 1;
  const prefix = text.slice(lineStart, key.offset);
  const indent = lineStart > 0 && /^[ \t]+$/.test(prefix) ? prefix : undefined;
  return { indent, eol, colon: text.slice(key.offset + key.length, value.offset) };
}

/**
 * The text with its "pins" member set to `pins`: the old value's bytes are replaced, or a member is added after the last
 * one. jsonc-parser's tree gives the places; the edit is made here because its `modify` re-formats the member before an
 * insertion, and this edit must leave every byte but the pins as it was.
 */
function withPins(text: string, pins: Readonly<Record<string, string>>): string {
  const root = parseTree(text);
  const members = root?.children ?? [];
  const { indent, eol, colon } = layoutOf(text, members);
  const value = indent === undefined ? JSON.stringify(pins) : JSON.stringify(pins, null, indent).replaceAll('\n', eol + indent);
  const splice = (at: number, length: number, content: string): string => text.slice(0, at) + content + text.slice(at + length);
  const existing = members.find((member) => member.children?.[0]?.value === 'pins')?.children?.[1];
  if (existing) return splice(existing.offset, existing.length, value);
  const member = `"pins"${colon}${value}`;
  const last = members.at(-1);
  if (!last) return splice(root!.offset + 1, 0, indent === undefined ? member : `${eol}${indent}${member}`);
  const separator = indent === undefined ? (colon.includes(' ') ? ', ' : ',') : `,${eol}${indent}`;
  return splice(last.offset + last.length, 0, separator + member);
}

/** The manifest text without its BOM, checked to be a JSON object with at most one "pins". */
function checkManifestText(text: string, file: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const p = findJsonSyntaxProblem(text);
    const where = p ? `line ${p.line}, column ${p.column}: expected ${p.expected}, found ${p.found}` : (error as Error).message;
    throw new ConfigError(`${file} is not valid JSON (${where}), so its pins cannot be written. Fix the syntax, then pin again.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${file} does not hold a JSON object, so it is not a manifest and pins cannot be written into it. Name the manifest file.`);
  }
  // JSON.parse keeps the last of duplicate keys, while the edit would replace the first: refuse rather than write stale pins.
  const members = parseTree(text)?.children ?? [];
  if (members.filter((member) => member.children?.[0]?.value === 'pins').length > 1) {
    throw new ConfigError(`${file} has "pins" more than once at the top level. Delete all but one, then pin again.`, 'pins');
  }
}

async function readText(target: string, file: string): Promise<string> {
  try {
    // fatal: bytes that are not UTF-8 would be written back as U+FFFD; ignoreBOM: keep the BOM in the text, to put it back.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await readFile(target));
  } catch (error) {
    if (error instanceof TypeError) throw new ConfigError(`${file} is not UTF-8 text. Save it as UTF-8, then pin again.`);
    throw new ConfigError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}). Check the path and that the file is readable.`);
  }
}

/** Writes `text` to a temporary file beside `target` and renames it over `target`: readers see the old file or the new. */
async function replaceAtomically(target: string, text: string, file: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target).slice(0, 64)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const { mode, uid, gid } = await stat(target);
    const handle = await open(temp, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(mode & 0o7777); // the mode given to open() is narrowed by the umask; chmod is not
      await handle.chown(uid, gid).catch(() => undefined); // only root may give a file away; others own it already
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    if (created) await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`cannot write ${file} (${code}). Check that the file and its folder are writable, then pin again.`);
  }
}

/**
 * Sets the manifest's "pins" member to `pins` (sorted by key), leaving every other byte of the file as it was: the
 * formatting, the key order, a BOM, the final newline. A new member goes at the end of the top-level object, indented
 * like the file. A symbolic link stays a link: its target is rewritten. Throws ConfigError.
 */
export async function writePins(file: string, pins: Readonly<Record<string, string>>): Promise<void> {
  let target: string;
  try {
    target = await realpath(file);
  } catch {
    throw new ConfigError(`manifest file not found: ${file}. Check the path.`);
  }
  const raw = await readText(target, file);
  const bom = raw.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = raw.slice(bom.length);
  checkManifestText(text, file);
  const sorted = Object.fromEntries(Object.entries(pins).sort(([a], [b]) => byCodeUnit(a, b)));
  await replaceAtomically(target, bom + withPins(text, sorted), file);
}
