// Stage 6: what leaves the enclave. Registered secrets and host paths are replaced, host stack frames and
// terminal control sequences removed, and sizes capped, in values, logs and error messages alike.
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_SCRIPT_MESSAGE_LENGTH } from './errors.js';
import type { JsonValue, LogEntry } from './types.js';

/** The package's own folder (…/src/enclave → package root): host paths a script must not learn. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SECRET_ENV_NAME = /SECRET|TOKEN|PASSW|API_?KEY|PRIVATE|CREDENTIAL|AUTH/i;
/** Shorter values are not redacted: replacing every "1234" would garble ordinary data. */
export const MIN_SECRET_LENGTH = 6;
/**
 * Error messages longer than this keep their start and end (where the advice is) and lose the middle. The same
 * bound as the sandbox's own cap on a script's exception text: one limit for a message, checked on both sides.
 */
export const MAX_MESSAGE_LENGTH = MAX_SCRIPT_MESSAGE_LENGTH;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Terminal control: CSI (ESC [ … final, or the one-byte C1 CSI), OSC/DCS/SOS/PM/APC strings up to BEL or ESC \,
// and two-byte escapes. A log line could otherwise clear an operator's screen or fake a line of host output.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -~]?/g;
// C0 and C1 controls except \t and \n (\r rewrites a line in place), and the bidi overrides that reorder text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print on a terminal: escape sequences and control characters removed, \n and \t kept. */
export function plainText(s: string): string {
  return s.replace(ANSI, '').replace(CONTROL, '');
}

/** A stack frame of any shape: `at f (/x.js:1:2)`, `at /x.js:1:2`, `at file:///x.mjs:3:4`, `at node:internal/…`, `at async Promise.all (index 0)`. */
const FRAME_START = /^\s*at\s/;
const FRAME_PLACE = /:\d+(?::\d+)?\)?\s*$|\((?:native|index \d+|<anonymous>)\)\s*$|(?:^|[\s(])(?:\/|file:|node:|[A-Za-z]:\\)/;
const isFrame = (line: string): boolean => FRAME_START.test(line) && FRAME_PLACE.test(line.slice(line.indexOf('at') + 3));

/** Keeps the start and the end of a long text (the advice is at the end) and says how much was cut. */
export function capText(s: string, max = MAX_MESSAGE_LENGTH): string {
  if (s.length <= max) return s;
  const head = Math.floor(max * 0.75);
  const tail = Math.floor(max * 0.2);
  return `${s.slice(0, head)}… [${s.length - head - tail} characters omitted] …${s.slice(s.length - tail)}`;
}

/** Environment values whose names say they are secrets: never shown, even if a bug leaked them. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!);
}

/** A folder and the marker that replaces it; `realpath` and `file:` URL forms are added by the Redactor. */
export type HostDir = readonly [path: string, marker: string];

/** The host's own private folders: the user's home and the temporary folder (see the rule on Redactor). */
export function hostDirs(): HostDir[] {
  return [[homedir(), '<home>'], [tmpdir(), '<tmp>']];
}

type Part = { s: string; r: string; path: boolean };

function pathParts(dirs: readonly HostDir[]): Part[] {
  const out: Part[] = [];
  for (const [dir, marker] of dirs) {
    if (dir.length <= 1) continue; // never "/" or ""
    let real = dir;
    try { real = realpathSync(dir); } catch { /* a folder that does not exist is still redacted as given */ }
    for (const p of new Set([dir, real])) {
      out.push({ s: p, r: marker, path: true }, { s: pathToFileURL(p).href, r: marker, path: true });
    }
  }
  return out;
}

class Replacer {
  private readonly pattern: RegExp | null;
  private readonly replacements: Map<string, string>;
  constructor(parts: Part[]) {
    const sorted = [...parts].sort((a, b) => b.s.length - a.s.length); // longest first
    this.replacements = new Map(sorted.map((p) => [p.s, p.r]));
    // A path ends at a separator or a character that cannot continue a file name: /tmp never eats /tmpfiles.
    const source = sorted.map((p) => (p.path ? `${escape(p.s)}(?![\\w.~-])` : escape(p.s))).join('|');
    this.pattern = sorted.length ? new RegExp(source, 'g') : null;
  }
  get active(): boolean {
    return this.pattern !== null;
  }
  apply(s: string): string {
    return this.pattern ? s.replace(this.pattern, (m) => this.replacements.get(m) ?? '[REDACTED]') : s;
  }
}

/**
 * Which host paths are redacted where. Everywhere (values, logs, messages): registered secrets and `paths`
 * (by default the package's folder and the node binary: where the enclave itself lives). In error messages
 * also `messageDirs` (by default the home and temporary folders): a host exception quoting a file there is a
 * host diagnostic, not data. Tool data is not touched beyond the first rule: a filesystem tool's
 * "/workspace/notes.txt" or "/home/me/project/a.md" is the answer the script asked for, and rewriting it would
 * break the next tool call that uses it.
 */
export class Redactor {
  private readonly everywhere: Replacer;
  private readonly inMessages: Replacer;

  constructor(secrets: readonly string[], paths: readonly string[], messageDirs: readonly HostDir[] = hostDirs()) {
    const secretParts = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].map((s) => ({ s, r: '[REDACTED]', path: false }));
    const ownParts = pathParts(paths.map((p) => [p, '<host>'] as const));
    this.everywhere = new Replacer([...secretParts, ...ownParts]);
    this.inMessages = new Replacer([...secretParts, ...ownParts, ...pathParts(messageDirs)]);
  }

  /** Values and keys of data: secrets and the enclave's own paths. */
  text(s: string): string {
    return this.everywhere.apply(s);
  }

  /** A console line: also made safe to print on a terminal. */
  log(s: string): string {
    return this.text(plainText(s));
  }

  /** Error messages: no control sequences, no host stack frames, no host-private paths, at most MAX_MESSAGE_LENGTH. */
  message(s: string): string {
    const lines = plainText(s).split('\n').filter((line) => !isFrame(line));
    return capText(this.inMessages.apply(lines.join('\n').trimEnd()));
  }

  value(v: JsonValue): JsonValue {
    if (!this.everywhere.active) return v;
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'number') {
      // A number whose digits hold a secret (a PIN, an account number) is that secret too.
      const digits = String(v);
      const redacted = this.text(digits);
      return redacted === digits ? v : redacted;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, JsonValue> = {};
      // defineProperty, not `out[k] =`: a "__proto__" key must stay an own data key, never become the prototype.
      for (const [k, x] of Object.entries(v)) {
        Object.defineProperty(out, this.text(k), { value: this.value(x), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  }
}

/** Caps logs at the level's byte and call budgets (the sandbox caps too; this is the second line). */
export function capLogs(logs: LogEntry[], maxBytes: number, maxCalls: number): LogEntry[] {
  const out: LogEntry[] = [];
  let bytes = 0;
  for (const entry of logs.slice(0, maxCalls + 1)) {
    const room = maxBytes - bytes;
    if (room <= 0) {
      out.push({ level: 'warn', message: `[console output truncated at ${maxBytes} bytes]` });
      break;
    }
    const text = plainText(entry.message);
    const message = text.length > room ? `${text.slice(0, room)}…[truncated]` : text;
    bytes += message.length;
    out.push({ level: entry.level, message });
  }
  return out;
}
