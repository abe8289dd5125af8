// Host stack frames and places, recognised as data and removed from error messages: a downstream server's or a
// host exception's trace tells a script (and whoever reads its output) how the host is laid out.
import { plainText } from './text.js';

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
/** \r\n, \r, \n and the other line ends a terminal or an editor honours: a trace split by any of them is still lines. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;
/** Where the last line of a text cut at its end begins (the whole text when it has one line). */
export const lastLineEnd = (s: string): number => {
  const at = s.search(/[\n\r\v\f\u0085\u2028\u2029][^\n\r\v\f\u0085\u2028\u2029]*$/);
  return at > 0 ? at : s.length;
};
/** Where the first whole line of a text cut at its start begins. */
export const firstLineStart = (s: string): number => {
  const at = s.search(LINE_BREAK);
  return at >= 0 && at < s.length - 1 ? at + 1 : 0;
};

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

/** Plain lines without host frames and places, blank lines at the start and white space at the end dropped. */
export function withoutHostFrames(s: string): string {
  // Lines first: plainText removes \r, which would glue a \r-separated trace into one line no rule recognises.
  const lines = withoutFrames(s.split(LINE_BREAK).map(plainText)).map((line) => INLINE_PLACES.reduce((l, place) => l.replace(place, ''), line));
  return lines
    .join('\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}
