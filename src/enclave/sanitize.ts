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
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

/**
 * Host stack frames in the common formats, as data: a line matching `line` is removed, and with `takesDeeper` the
 * more deeply indented lines under it too (Python's source line and carets under a `File` line). `nextLine` makes a
 * rule apply only above a matching line (a Go function line is known by the file line under it). Exception headers
 * (`Caused by: …`, `ValueError: …`, `panic: …`) are messages and stay.
 */
interface FrameRule {
  format: string;
  line: RegExp;
  nextLine?: RegExp;
  takesDeeper?: true;
}
/** A Go file line: `\t/home/x/main.go:12 +0x1d`. */
const GO_FILE = /^\s+\S+\.go:\d+(?: \+0x[0-9a-f]+)?\s*$/;
const FRAME_RULES: readonly FrameRule[] = [
  // JavaScript (V8): `at f (/x.js:1:2)`, `at /x.js:1:2`, `at file:///x.mjs:3:4`, `at node:internal/…`, `at async
  // Promise.all (index 0)`, `at new Promise (<anonymous>)`, `at f (C:\app\x.js:1:2)`, `at \\server\share\x.js:1:2`.
  // Java and Kotlin frames end in `(Y.java:42)`, so `:42)` covers them too. "at least one…" is not a place: kept.
  {
    format: 'JavaScript',
    line: /^\s*at\s+(?=\S)(?:.*(?::\d+(?::\d+)?\)?|\((?:native|index \d+|<anonymous>)\))\s*$|(?:.*[\s(])?(?:\/|file:|node:|[A-Za-z]:\\|\\\\))/,
  },
  // JavaScript (SpiderMonkey, JavaScriptCore): `handler@https://x/app.js:10:5`, `@/srv/app.js:1:2`.
  { format: 'JavaScript (Firefox, Safari)', line: /^\s*[\w$.<>/]*@\S+:\d+:\d+\s*$/ },
  // Java and Kotlin without a line number: `at com.x.Y.m(Native Method)`, `at java.base/…(Unknown Source)`, and
  // logback's jar suffix `at com.x.Y.m(Y.java:42) ~[app.jar:1.0]`.
  {
    format: 'Java',
    line: /^\s*at\s+(?=\S)[\w$./<>@-]+\((?:Native Method|Unknown Source|[\w$.-]+\.(?:java|kt|scala|groovy)(?::\d+)?)\)(?:\s+~?\[[^\]]*\])?\s*$/,
  },
  // Java: the elided rest of a cause's frames, `... 12 more`, `... 3 common frames omitted`.
  { format: 'Java', line: /^\s*\.\.\.\s\d+\s(?:more|common frames omitted)\s*$/ },
  // .NET: `at App.Store.Save(String key) in C:\src\Store.cs:line 42`, or without a place when there are no symbols.
  // The name must be dotted (Namespace.Type.Method) so that "at least(…)" is not taken for one.
  { format: '.NET', line: /^\s*at\s+(?=\S)[\w`<>[\],|+]+(?:\.[\w`<>[\],|+]+)+\([^()]*\)(?:\s+in\s+.+:line\s+\d+)?\s*$/ },
  { format: '.NET', line: /^\s*---\s*End of (?:inner exception )?stack trace(?: from previous location)?[\w ]*---\s*$/ },
  // Python: `Traceback (most recent call last):`, `  File "/srv/app.py", line 88, in handler` and the source line and
  // carets under it, and the sentences that chain two tracebacks.
  { format: 'Python', line: /^\s*Traceback \(most recent call last\):\s*$/ },
  { format: 'Python', line: /^\s*File "[^"]*", line \d+(?:, in \S.*)?\s*$/, takesDeeper: true },
  {
    format: 'Python',
    line: /^\s*(?:During handling of the above exception, another exception occurred|The above exception was the direct cause of the following exception):\s*$/,
  },
  // Go: the `goroutine 1 [running]:` header, each function line (known by the file line under it: `main.main()`,
  // `created by main.main in goroutine 1`), each file line (`\t/home/x/main.go:12 +0x1d`), and the elision marker.
  { format: 'Go', line: /^goroutine \d+ \[[^\]]*\]:\s*$/ },
  { format: 'Go', line: /^(?:created by )?[\w./-]+(?:\(\*?\w+\)\.[\w./-]+)?(?:\(.*\))?(?: in goroutine \d+)?\s*$/, nextLine: GO_FILE },
  { format: 'Go', line: GO_FILE },
  { format: 'Go', line: /^\.\.\.additional frames elided\.\.\.\s*$/ },
  // Ruby: `from /app/x.rb:10:in 'm'`, and a bare `/app/x.rb:10:in 'm'` (a backtrace joined with newlines).
  { format: 'Ruby', line: /^\s*(?:from\s+)?\S+:\d+:in\s+[`'][^`']*'\s*$/ },
  // PHP: `Stack trace:`, `#0 /var/www/x.php(12): f()`, `#1 [internal function]: g()`, `#2 {main}`, `  thrown in … on line 12`.
  { format: 'PHP', line: /^\s*Stack trace:\s*$/ },
  { format: 'PHP', line: /^\s*#\d+\s+(?:\S.*\(\d+\)|\[internal function\]):\s.*$|^\s*#\d+\s+\{main\}\s*$/ },
  { format: 'PHP', line: /^\s*thrown in \S.* on line \d+\s*$/ },
];
/** Locations inside a line that is otherwise the message: Ruby's `/app/x.rb:10:in 'm': ` and PHP's ` in /var/www/x.php:12`. */
const INLINE_PLACES: readonly RegExp[] = [/^\S+\.rb:\d+:in\s+[`'][^`']*':\s+/, /\sin\s+(?:\/|[A-Za-z]:\\|\\\\)\S*\.php(?::\d+|\s+on\s+line\s+\d+)/g];
/** Longer lines are never taken for frames (a frame is a name and a place): bounds the rules' regex work too. */
const MAX_FRAME_LINE = 1_000;
/**
 * Longer messages have only their start and end cleaned (the rest is not shown): the line rules cost about a
 * microsecond a line, and a handler's message can be a megabyte of short lines.
 */
const MAX_FILTERED_LENGTH = 8 * MAX_MESSAGE_LENGTH;
/** Where the last line of a text cut at its end begins (the whole text when it has one line). */
const lastLineEnd = (s: string): number => {
  const at = s.search(/[\n\r\v\f\u0085\u2028\u2029][^\n\r\v\f\u0085\u2028\u2029]*$/);
  return at > 0 ? at : s.length;
};
/** Where the first whole line of a text cut at its start begins. */
const firstLineStart = (s: string): number => {
  const at = s.search(LINE_BREAK);
  return at >= 0 && at < s.length - 1 ? at + 1 : 0;
};
/** \r\n, \r, \n and the other line ends a terminal or an editor honours: a trace split by any of them is still lines. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

function frameRule(line: string, next: string | undefined): FrameRule | undefined {
  if (line.length > MAX_FRAME_LINE || BLANK.test(line)) return undefined;
  // The next line first: it is cheap, and it keeps the Go function pattern off every other line.
  return FRAME_RULES.find((r) => (!r.nextLine || (next !== undefined && next.length <= MAX_FRAME_LINE && r.nextLine.test(next))) && r.line.test(line));
}
const BLANK = /^\s*$/;
const indentOf = (line: string): number => line.length - line.trimStart().length;

/** The lines without host stack frames; blank lines left next to each other by a removal are merged. */
function withoutFrames(lines: readonly string[]): string[] {
  const out: string[] = [];
  let removed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const rule = frameRule(line, lines[i + 1]);
    if (!rule) {
      if (!(removed && line.trim() === '' && out.at(-1)?.trim() === '')) out.push(line);
      continue;
    }
    removed = true;
    const indent = indentOf(line);
    while (rule.takesDeeper && i + 1 < lines.length && lines[i + 1]!.trim() !== '' && indentOf(lines[i + 1]!) > indent) i++;
  }
  return out;
}

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
  return [
    [homedir(), '<home>'],
    [tmpdir(), '<tmp>'],
  ];
}

/** A string to replace; `windows`: a Windows path, matched whatever its case and slashes (see windowsPattern). */
type Part = { s: string; r: string; path: boolean; windows?: boolean };

const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\)/;
/** One spelling of a Windows path for the lookup of its marker: lower case, forward slashes. */
const windowsKey = (s: string): string => s.toLowerCase().replace(/\\/g, '/');
/** Windows paths are case-insensitive and take either slash, and tools print them every way: `c:/users/me/x`. */
const windowsPattern = (s: string): string =>
  [...s]
    .map((c) => (c === '\\' || c === '/' ? '[\\\\/]' : c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegex(c)))
    .join('');

function pathParts(dirs: readonly HostDir[]): Part[] {
  const out: Part[] = [];
  for (const [dir, marker] of dirs) {
    if (dir.length <= 1) continue; // never "/" or ""
    let real = dir;
    try {
      real = realpathSync(dir);
    } catch {
      /* a folder that does not exist is still redacted as given */
    }
    for (const p of new Set([dir, real])) {
      if (WINDOWS_PATH.test(p)) {
        // `C:\Users\me` and `\\server\share\x`; their file: URLs are file:///C:/Users/me and file://server/share/x.
        const bare = p.replace(/[\\/]+$/, '');
        const url = bare.startsWith('\\\\') ? `file:${encodeURI(bare.replace(/\\/g, '/'))}` : `file:///${encodeURI(bare.replace(/\\/g, '/'))}`;
        out.push({ s: bare, r: marker, path: true, windows: true }, { s: url, r: marker, path: true, windows: true });
      } else {
        out.push({ s: p, r: marker, path: true }, { s: pathToFileURL(p).href, r: marker, path: true });
      }
    }
  }
  return out;
}

class Replacer {
  private readonly pattern: RegExp | null;
  private readonly replacements: Map<string, string>;
  constructor(parts: Part[]) {
    const sorted = [...parts].sort((a, b) => b.s.length - a.s.length); // longest first
    this.replacements = new Map(sorted.map((p) => [p.windows ? windowsKey(p.s) : p.s, p.r]));
    // A path ends at a separator or a character that cannot continue a file name: /tmp never eats /tmpfiles.
    const source = sorted
      .map((p) => {
        const text = p.windows ? windowsPattern(p.s) : escapeRegex(p.s);
        return p.path ? `${text}(?![\\w.~-])` : text;
      })
      .join('|');
    this.pattern = sorted.length ? new RegExp(source, 'g') : null;
  }
  get active(): boolean {
    return this.pattern !== null;
  }
  apply(s: string): string {
    return this.pattern ? s.replace(this.pattern, (m) => this.replacements.get(m) ?? this.replacements.get(windowsKey(m)) ?? '[REDACTED]') : s;
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

  /**
   * A tool name as the script wrote it, shown back (error.tool, events): it is the script's text, so it may hold a
   * secret it read, or terminal escapes. Made plain, redacted and capped like a message.
   */
  toolName(s: string): string {
    return capText(this.inMessages.apply(plainText(s)), 200);
  }

  /** A console line: also made safe to print on a terminal. */
  log(s: string): string {
    return this.text(plainText(s));
  }

  /** Error messages: no control sequences, no host stack frames, no host-private paths, at most MAX_MESSAGE_LENGTH. */
  message(s: string): string {
    // Secrets and host paths first, on the whole text, so that no cut below can leave a part of one.
    const redacted = this.inMessages.apply(s);
    if (redacted.length <= MAX_FILTERED_LENGTH) return capText(this.withoutHostDetail(redacted));
    // A long message: its start and its end (where the advice is) are cleaned apart, each cut at a line end so that
    // no frame is left in part, and shown around what was left out, as capText shows them.
    const start = redacted.slice(0, Math.floor(MAX_FILTERED_LENGTH * 0.75));
    const end = redacted.slice(redacted.length - Math.floor(MAX_FILTERED_LENGTH * 0.2));
    const head = this.withoutHostDetail(start.slice(0, lastLineEnd(start))).slice(0, Math.floor(MAX_MESSAGE_LENGTH * 0.75));
    const tail = this.withoutHostDetail(end.slice(firstLineStart(end))).slice(-Math.floor(MAX_MESSAGE_LENGTH * 0.2));
    return `${head}… [${redacted.length - head.length - tail.length} characters omitted] …${tail}`;
  }

  /** Lines without host frames and places, redacted again (removing text can join the parts of a secret). */
  private withoutHostDetail(s: string): string {
    // Lines first: plainText removes \r, which would glue a \r-separated trace into one line no rule recognises.
    const lines = withoutFrames(s.split(LINE_BREAK).map(plainText)).map((line) => INLINE_PLACES.reduce((l, place) => l.replace(place, ''), line));
    return this.inMessages.apply(
      lines
        .join('\n')
        .replace(/^(?:[ \t]*\n)+/, '')
        .trimEnd(),
    );
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
