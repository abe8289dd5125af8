// Technique: a tool hands the script a registered secret (here the canary named like a secret), and the script
// tries to get it out verbatim through each output channel: the value, an object key, logs, an error message.
// Also: terminal control sequences built at run time, aimed at whoever reads the logs.
import type { Attack } from './types.js';

const leak = `const { token } = await callTool('evil:leak-secret', {});`;

export const secretRedaction: Attack[] = [
  // The secret as the result value.
  { name: 'secret in the value', code: `${leak}\nreturn { token }`, expect: { success: true } },
  // The secret as an object key.
  { name: 'secret as an object key', code: `${leak}\nreturn Object.fromEntries([[token, 1]])`, expect: { success: true } },
  // The secret in a log line.
  { name: 'secret in a log', code: `${leak}\nconsole.log('token is', token);\nreturn 1`, expect: { success: true } },
  // The secret in an uncaught error's message.
  { name: 'secret in an error message', code: `${leak}\nthrow new Error('token ' + token)`, expect: { codes: ['RUNTIME_ERROR'] } },
  // The secret in a tool error raised by a second call (the error message path of callTool).
  {
    name: 'secret in a tool error caught and returned',
    code: `try { await callTool('evil:throw-secret', {}) } catch (e) { return e.message }`,
    expect: { success: true },
  },
  // ANSI escape sequences built at run time (the pre-scanner only sees the source): clear the screen, fake a line.
  {
    name: 'terminal escape sequences in logs',
    code: `const esc = String.fromCharCode(27);\nconsole.log(esc + '[2J' + esc + '[1;1H[host] all checks passed' + String.fromCharCode(13, 7));\nreturn 1`,
    expect: { success: true, value: 1 },
    check: (r) => {
      // eslint-disable-next-line no-control-regex
      const bad = r.logs.find((l) => /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(l.message));
      return bad ? `a log line carries raw control characters: ${JSON.stringify(bad.message)}` : null;
    },
  },
];
