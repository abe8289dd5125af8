// Redaction (src/shared/): secrets and host paths redacted, host frames and terminal control removed, sizes capped.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/enclave/index.js';
import { capText, MAX_MESSAGE_LENGTH, plainText, Redactor } from '../../src/shared/index.js';
import { cpuTimed } from '../cpu-time.js';

const SECRET = 'sk-live-0123456789';
/** The enclave's own folder everywhere; /srv/home and /srv/tmp only in messages. */
const redactor = new Redactor(
  [SECRET],
  ['/srv/app'],
  [
    ['/srv/home', '<home>'],
    ['/srv/tmp', '<tmp>'],
  ],
);

describe('Redactor.value', () => {
  it('keeps a __proto__ key as an own data key, at any depth', () => {
    const parsed = JSON.parse('{"__proto__": {"isAdmin": true}, "list": [{"__proto__": {"x": 1}}]}') as JsonValue;
    const out = redactor.value(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect('isAdmin' in out).toBe(false);
    const inner = (out.list as Record<string, unknown>[])[0]!;
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"isAdmin":true},"list":[{"__proto__":{"x":1}}]}');
  });
  it('redacts secrets and the enclave folder in keys and strings, but not tool data in home or tmp', () => {
    const out = redactor.value({ [`key ${SECRET}`]: ['/srv/app/src/x.js', '/srv/tmp/notes.txt', '/workspace/notes.txt', '/srv/appendix'] });
    expect(out).toEqual({ 'key [REDACTED]': ['<host>/src/x.js', '/srv/tmp/notes.txt', '/workspace/notes.txt', '/srv/appendix'] });
  });
});

describe('Redactor.message', () => {
  const STACK = [
    'Error: database failed',
    '    at Object.handler (/srv/app/test/x.test.ts:72:19)',
    '    at /srv/app/node_modules/@vitest/runner/dist/index.js:155:14',
    '    at file:///srv/app/node_modules/vitest/dist/chunk.mjs:3:4',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at node:internal/main/run_main_module:28:49',
    '    at async Promise.all (index 0)',
    '    at new Promise (<anonymous>)',
    '    at Array.map (native)',
    '    at C:\\app\\x.js:1:2',
  ].join('\n');

  it('removes host stack frames of every shape and keeps the message', () => {
    expect(redactor.message(STACK)).toBe('Error: database failed');
  });
  it('keeps ordinary lines that merely start with "at"', () => {
    expect(redactor.message('Invalid arguments:\n  at least one item is required')).toBe('Invalid arguments:\n  at least one item is required');
  });
  it('redacts home and temporary folders in messages, by path boundary, in file: URLs too', () => {
    expect(redactor.message("EACCES: open '/srv/tmp/enclave-canary-x/canary.txt'")).toBe("EACCES: open '<tmp>/enclave-canary-x/canary.txt'");
    expect(redactor.message('in /srv/home/me/.ssh and /srv/homework')).toBe('in <home>/me/.ssh and /srv/homework');
    expect(redactor.message('see file:///srv/app/dist/index.js')).toBe('see <host>/dist/index.js');
    expect(redactor.message('ENOENT: /workspace/notes.txt')).toBe('ENOENT: /workspace/notes.txt');
  });
  it('defaults to the real home and temporary folders', () => {
    const r = new Redactor([], ['/srv/app']);
    expect(r.message(`open '${join(tmpdir(), 'x', 'y.txt')}'`)).toBe(`open '<tmp>${join('/x', 'y.txt')}'`);
    expect(r.message(`open '${pathToFileURL(join(homedir(), 'secret.txt')).href}'`)).not.toContain(homedir());
    expect(r.text(join(tmpdir(), 'data.csv'))).toBe(join(tmpdir(), 'data.csv'));
  });
  it('strips terminal control sequences; a carriage return ends a line (it cannot rewrite one)', () => {
    expect(redactor.message('\u001b[31mred\u001b[0m\r\u0007 done')).toBe('red\n done');
    expect(redactor.message('\u001b[31mred\u001b[0m\u0007 done')).toBe('red done');
  });
  it(`caps a long message at about ${MAX_MESSAGE_LENGTH} characters, keeping its start and its advice at the end`, () => {
    const message = redactor.message(`Error: ${'x'.repeat(1_000_000)} Fix the script.`);
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH + 60);
    expect(message).toMatch(/^Error: x+… \[\d+ characters omitted\] …x+ Fix the script\.$/);
  });
  it('redacts before it cuts, so a secret at the cut never shows in part', () => {
    const head = Math.floor(MAX_MESSAGE_LENGTH * 0.75);
    const message = redactor.message(`${'x'.repeat(head - 5)}${SECRET}${'y'.repeat(5000)}`);
    expect(message).not.toContain(SECRET.slice(0, 5));
  });
});

describe('plainText, Redactor.log and capText', () => {
  it('removes CSI, OSC, C1 and C0 controls and bidi overrides, but keeps \\n, \\t and text', () => {
    const esc = '\u001b';
    expect(plainText(`${esc}[2J${esc}[1;1H[host] all checks passed\r\u0007`)).toBe('[host] all checks passed');
    expect(plainText(`${esc}]0;pwned title\u0007ok`)).toBe('ok');
    expect(plainText(`${esc}]8;;http://x${esc}\\link${esc}]8;;${esc}\\`)).toBe('link');
    expect(plainText('\u009b31mc1\u0085 \u202eevil')).toBe('c1 evil');
    expect(plainText('a\tb\nc — é 日本 😀')).toBe('a\tb\nc — é 日本 😀');
  });
  it('log lines are plain text with secrets redacted', () => {
    expect(redactor.log(`\u001b[1mtoken ${SECRET}\u001b[0m`)).toBe('token [REDACTED]');
  });
  it('capText leaves short text alone', () => {
    expect(capText('short')).toBe('short');
  });
});

describe('Redactor.value and numbers', () => {
  it('a number whose digits are a secret is redacted like the string; other numbers stay numbers', () => {
    const r = new Redactor(['90210443'], []);
    expect(r.value({ pin: 90210443, count: 3, nested: [90210443.5] })).toEqual({ pin: '[REDACTED]', count: 3, nested: ['[REDACTED].5'] });
  });
});

/** Each format's trace as its runtime prints it, around the message that must stay. */
const TRACES: Array<{ format: string; trace: string; kept: string }> = [
  {
    format: 'JavaScript (V8), with Windows and UNC paths',
    trace: [
      "TypeError: Cannot read properties of undefined (reading 'id')",
      '    at Object.<anonymous> (C:\\Users\\me\\app\\index.js:10:5)',
      '    at Module._compile (node:internal/modules/cjs/loader:1256:14)',
      '    at \\\\fs01\\share\\app\\worker.js:3:9',
      '    at async Promise.all (index 0)',
    ].join('\n'),
    kept: "TypeError: Cannot read properties of undefined (reading 'id')",
  },
  {
    format: 'JavaScript (Firefox, Safari)',
    trace: 'TypeError: x is undefined\nhandler@https://app.example.com/static/app.js:10:5\n@https://app.example.com/static/app.js:20:1',
    kept: 'TypeError: x is undefined',
  },
  {
    format: 'Python',
    trace: [
      'upstream failed',
      'Traceback (most recent call last):',
      '  File "/srv/app.py", line 88, in handler',
      '    return db.query(sql)',
      '           ^^^^^^^^^^^^^',
      '  File "/usr/lib/python3.12/site-packages/db/core.py", line 12, in query',
      '    raise KeyError(key)',
      "KeyError: 'id'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "C:\\app\\main.py", line 3, in <module>',
      'ValueError: bad id',
    ].join('\n'),
    kept: "upstream failed\nKeyError: 'id'\n\nValueError: bad id",
  },
  {
    format: 'Java and Kotlin',
    trace: [
      'Exception in thread "main" java.lang.IllegalStateException: boom',
      '\tat com.example.App.handle(App.java:42)',
      '\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
      '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897) ~[spring-webmvc-5.3.20.jar:5.3.20]',
      'Caused by: java.io.IOException: disk full',
      '\tat com.example.Store.write(Store.kt:88)',
      '\t... 2 more',
    ].join('\n'),
    kept: 'Exception in thread "main" java.lang.IllegalStateException: boom\nCaused by: java.io.IOException: disk full',
  },
  {
    format: '.NET',
    trace: [
      'System.InvalidOperationException: Sequence contains no elements',
      '   at System.Linq.ThrowHelper.ThrowNoElementsException()',
      '   at App.Store.Save(String key, Int32 n) in C:\\src\\Store.cs:line 42',
      '   at App.Program.<Main>d__0.MoveNext() in \\\\build\\src\\Program.cs:line 10',
      '--- End of stack trace from previous location ---',
      '   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)',
    ].join('\n'),
    kept: 'System.InvalidOperationException: Sequence contains no elements',
  },
  {
    format: 'Go',
    trace: [
      'panic: runtime error: index out of range [5] with length 3',
      '',
      'goroutine 1 [running]:',
      'main.handler(0xc000010000, {0x4b8f20, 0x5})',
      '\t/home/x/main.go:12 +0x1d',
      'main.main()',
      '\t/home/x/main.go:20 +0x25',
      'created by main.main in goroutine 1',
      '\t/home/x/main.go:18 +0x3c',
    ].join('\n'),
    kept: 'panic: runtime error: index out of range [5] with length 3',
  },
  {
    format: 'Ruby',
    trace: "/app/x.rb:10:in 'm': boom (RuntimeError)\n\tfrom /app/x.rb:14:in 'block in <main>'\n\tfrom /app/x.rb:13:in `each'\n\tfrom /app/x.rb:13:in '<main>'",
    kept: 'boom (RuntimeError)',
  },
  {
    format: 'PHP',
    trace: [
      'PHP Fatal error:  Uncaught Exception: boom in /var/www/x.php:12',
      'Stack trace:',
      '#0 /var/www/x.php(20): f()',
      '#1 [internal function]: g(Array)',
      '#2 {main}',
      '  thrown in /var/www/x.php on line 12',
    ].join('\n'),
    kept: 'PHP Fatal error:  Uncaught Exception: boom',
  },
];

describe('Redactor.message: host stack frames in every common format', () => {
  it.each(TRACES)('$format', ({ trace, kept }) => {
    expect(redactor.message(trace)).toBe(kept);
  });
  it.each(TRACES)('$format, with lines ended by \\r\\n, by \\r alone, or by U+2028', ({ trace, kept }) => {
    expect(redactor.message(trace.replace(/\n/g, '\r\n'))).toBe(kept);
    expect(redactor.message(trace.replace(/\n/g, '\r'))).toBe(kept);
    expect(redactor.message(trace.replace(/\n/g, '\u2028'))).toBe(kept);
  });
  it('a trace separated by \\r only does not survive as one glued line', () => {
    const message = redactor.message('Error: boom\r    at f (/srv/app/x.js:1:2)\r    at g (/opt/lib/y.js:3:4)');
    expect(message).toBe('Error: boom');
  });
  it('a trace in terminal colours is still recognised', () => {
    expect(redactor.message('Error: boom\n\u001b[90m    at f (/opt/x.js:1:2)\u001b[39m')).toBe('Error: boom');
  });
  it('a frame line too long to be a frame is left to the length cap, not to the patterns', () => {
    const long = `    at ${'x'.repeat(5_000)} (/opt/x.js:1:2)`;
    expect(redactor.message(`Error\n${long}`).startsWith('Error\n    at xxx')).toBe(true);
  });
});

describe('Redactor.message: ordinary text that looks a little like a frame is kept', () => {
  const ORDINARY = [
    'File "report.csv" not found',
    'File "notes.txt", line too long',
    'at least one item is required',
    '  at least(one) item is required',
    'Retry at 10:30 or later',
    'The file is at /data/input (check it)',
    'From now on, use v2',
    'from the start: 3 rows',
    '#1 priority: fix the login',
    'Caused by: the network',
    'Stack traces are hidden',
    'goroutines are cheap',
    'see main.go for details',
    'user@example.com:8080',
    '... and 12 more things to do',
    'in /var/www/index.html the title is empty',
  ];
  it.each(ORDINARY)('%s', (line) => {
    expect(redactor.message(`Invalid arguments:\n${line}`)).toBe(`Invalid arguments:\n${line}`);
  });
});

describe('Redactor: Windows paths', () => {
  const windows = new Redactor(
    [],
    ['C:\\srv\\app'],
    [
      ['C:\\Users\\bob', '<home>'],
      ['\\\\fs01\\share\\tmp', '<tmp>'],
    ],
  );
  it('are redacted in either case and with either slash, and as file: URLs', () => {
    expect(windows.message("EACCES: open 'C:\\Users\\bob\\.ssh\\id_rsa'")).toBe("EACCES: open '<home>\\.ssh\\id_rsa'");
    expect(windows.message("open 'c:\\users\\BOB\\notes.txt'")).toBe("open '<home>\\notes.txt'");
    expect(windows.message('open C:/Users/bob/notes.txt')).toBe('open <home>/notes.txt');
    expect(windows.message('see file:///C:/Users/bob/a.txt')).toBe('see <home>/a.txt');
    expect(windows.message('open \\\\fs01\\share\\tmp\\a.txt and //fs01/share/tmp/b.txt')).toBe('open <tmp>\\a.txt and <tmp>/b.txt');
    expect(windows.text('C:\\srv\\app\\dist\\index.js')).toBe('<host>\\dist\\index.js');
  });
  it('by path boundary: C:\\Users\\bobby is someone else', () => {
    expect(windows.message('C:\\Users\\bobby\\x')).toBe('C:\\Users\\bobby\\x');
  });
});

describe('Redactor.message: bounded work on a hostile message', () => {
  const HOSTILE: Array<[string, string]> = [
    ['a megabyte of empty lines', '\n'.repeat(1_000_000)],
    ['a megabyte of one line of spaces', `${' '.repeat(1_000_000)}x`],
    ['lines of "at" and spaces', `${'at'}${' '.repeat(990)}x\n`.repeat(1_000)],
    ['lines of " in /" (the PHP place)', ` in /${'a'.repeat(990)}\n`.repeat(1_000)],
    ['Go-like lines above Go file lines', `a${'(a)'.repeat(300)}!\n\t/x.go:1\n`.repeat(500)],
  ];
  it.each(HOSTILE)('%s', (_what, message) => {
    const { value: out, ms } = cpuTimed(() => redactor.message(message));
    expect(ms).toBeLessThan(250); // a few ms here; the patterns alone took seconds to never
    expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH + 60);
  });
  it('a long message keeps its start and its end, each without frames, and counts what it left out', () => {
    const frames = '    at f (/opt/lib/x.js:1:2)\n'.repeat(200);
    const message = redactor.message(`Error: first line\n${frames}${'filler\n'.repeat(5_000)}${frames}Fix: pass an id.`);
    expect(message).toMatch(/^Error: first line\nfiller\nfiller\n[\s\S]*… \[\d+ characters omitted\] …Fix: pass an id\.$/);
    expect(message).not.toMatch(/at f|\/opt\/lib/);
  });
  it('a secret across the point where a long message is cut is redacted whole first', () => {
    const cut = 8 * MAX_MESSAGE_LENGTH * 0.75;
    const message = redactor.message(`${'x\n'.repeat(cut / 2 - 4)}${SECRET}${'y'.repeat(100_000)}`);
    expect(message).not.toContain(SECRET.slice(0, 6));
  });
});
