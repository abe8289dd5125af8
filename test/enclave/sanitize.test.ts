// The output stage: secrets and host paths redacted, host frames and terminal control removed, sizes capped.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capLogs, capText, MAX_MESSAGE_LENGTH, PACKAGE_ROOT, plainText, Redactor } from '../../src/enclave/sanitize.js';
import type { JsonValue } from '../../src/enclave/types.js';

const SECRET = 'sk-live-0123456789';
/** The enclave's own folder everywhere; /srv/home and /srv/tmp only in messages. */
const redactor = new Redactor([SECRET], ['/srv/app'], [['/srv/home', '<home>'], ['/srv/tmp', '<tmp>']]);

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
    const r = new Redactor([], [PACKAGE_ROOT]);
    expect(r.message(`open '${join(tmpdir(), 'x', 'y.txt')}'`)).toBe(`open '<tmp>${join('/x', 'y.txt')}'`);
    expect(r.message(`open '${pathToFileURL(join(homedir(), 'secret.txt')).href}'`)).not.toContain(homedir());
    expect(r.text(join(tmpdir(), 'data.csv'))).toBe(join(tmpdir(), 'data.csv'));
  });
  it('strips terminal control sequences', () => {
    expect(redactor.message('\u001b[31mred\u001b[0m\r\u0007 done')).toBe('red done');
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

describe('plainText, Redactor.log and capLogs', () => {
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
  it('capLogs strips control characters as a second line', () => {
    const logs = capLogs([{ level: 'log', message: '\u001b[2Jhello\r' }], 1000, 10);
    expect(logs).toEqual([{ level: 'log', message: 'hello' }]);
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
