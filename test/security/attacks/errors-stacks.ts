// Technique: read host paths, host frames or secrets out of errors and stack traces: the sandbox's own errors,
// JSON.parse errors, tool errors (thrown by host code), the guards' errors, and spoofed error codes.
import type { Attack } from './types.js';

const stackOf = (src: string): string =>
  `try {\n${src}\n} catch (e) {\n  return [String(e.name), String(e.message), String(e.stack), String(e)];\n}\nreturn 'no error'`;

export const errorsAndStacks: Attack[] = [
  // Stack of a fresh Error: must show only sandbox file names.
  { name: 'new Error().stack', code: `return new Error('probe').stack`, expect: { success: true } },
  // Stack of an engine TypeError.
  { name: 'TypeError stack', code: stackOf(`null.x;`), expect: { success: true } },
  // Stack of a JSON.parse SyntaxError (goes through the prelude's parse wrapper).
  { name: 'JSON.parse SyntaxError stack', code: stackOf(`JSON.parse('{bad json');`), expect: { success: true } },
  // Stack of the prelude's nesting refusal in JSON.parse.
  { name: 'JSON.parse depth refusal stack', code: stackOf(`JSON.parse('['.repeat(500) + ']'.repeat(500));`), expect: { success: true } },
  // A tool error whose host message names a host file: the message reaches the script, host paths must not.
  { name: 'tool error with host path in message', code: stackOf(`await callTool('evil:throw-path', {});`), expect: { success: true } },
  // A tool error naming a host file outside the package folder (the redactor only knows the package's own folder).
  { name: 'tool error with a path outside the package', code: stackOf(`await callTool('evil:throw-tmp-path', {});`), expect: { success: true } },
  // A tool error with a host stack: only the message crosses, never the host frames.
  { name: 'tool error host stack', code: stackOf(`await callTool('evil:throw-stack', {});`), expect: { success: true } },
  // A tool error's message logged by the script: logs must not carry host frames either.
  {
    name: 'tool error host stack logged',
    code: `try { await callTool('evil:throw-stack', {}) } catch (e) { console.log(e.message) }\nreturn 1`,
    expect: { success: true },
  },
  // A tool error uncaught: the result's error message must not carry host frames either.
  { name: 'uncaught tool error', code: `await callTool('evil:throw-stack', {});`, expect: { codes: ['TOOL_ERROR'] } },
  // A tool error whose message carries the secret canary: redacted.
  { name: 'tool error carrying a secret', code: stackOf(`await callTool('evil:throw-secret', {});`), expect: { success: true } },
  // An unknown tool's error.
  { name: 'unknown tool error', code: stackOf(`await callTool('nosuch:tool', {});`), expect: { success: true } },
  // Arguments that are not JSON: the sandbox's own TypeError.
  { name: 'non-JSON tool arguments error', code: stackOf(`await callTool('evil:data', { f: console.log });`), expect: { success: true } },
  // A guard's fatal error is uncatchable: catching it must not give the script its stack or let it continue.
  { name: 'catch the computed-key guard', code: stackOf(`const k = 'constr' + 'uctor'; [][k];`), expect: { codes: ['VALIDATION_ERROR'] } },
  // Catch the iteration limit and carry on.
  { name: 'catch MAX_ITERATIONS and continue', code: `try { for (;;) {} } catch (e) { }\nreturn 'survived'`, expect: { codes: ['MAX_ITERATIONS'] } },
  // Catch the limit, then keep calling tools.
  {
    name: 'catch a limit then call a tool',
    code: `try { for (;;) {} } catch (e) { }\nreturn await callTool('evil:data', {})`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // Catch the memory guard.
  { name: 'catch MEMORY_LIMIT', code: `try { 'x'.repeat(1e9) } catch (e) { return e.message }`, expect: { codes: ['MEMORY_LIMIT'] } },
  // Catch a stack overflow from deep recursion (engine error message, no host frames).
  {
    name: 'catch stack overflow',
    level: 'STANDARD',
    code: `const f = (n) => f(n + 1);\ntry { f(0) } catch (e) { return [e.name, e.message, e.stack.slice(0, 2000)] }`,
    expect: { codes: ['MAX_ITERATIONS', 'RUNTIME_ERROR'], success: true },
    // Caught, it is the engine's own error, whose stack names only the script.
    check: (r) =>
      !r.success || (Array.isArray(r.value) && r.value[0] === 'InternalError' && r.value[1] === 'stack overflow')
        ? null
        : `caught something else: ${JSON.stringify(r.value).slice(0, 200)}`,
  },
  // A script error's message cannot name a host code: error.code stays RUNTIME_ERROR.
  {
    name: 'throw an Error with a code property',
    code: `const e = new Error('fake');\ne.code = 'MAX_TOOL_CALLS';\nthrow e`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // Spoof an engine InternalError: the host must not treat it as its own timeout or memory signal.
  {
    name: 'throw a spoofed InternalError',
    code: `const e = new Error('interrupted');\ne.name = 'InternalError';\nthrow e`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // Re-throw a real tool error after changing its code: the outcome must not carry an arbitrary code.
  {
    name: 'rethrow tool error with forged code',
    code: `try { await callTool('evil:throw-stack', {}) } catch (e) {\n  e.code = 'SERVER_BUSY';\n  throw e;\n}`,
    expect: { codes: ['TOOL_ERROR', 'RUNTIME_ERROR'] },
  },
  // Re-throw a real tool error after changing its code to a string outside the contract.
  // (The worker drops the message as malformed, the run hangs until the watchdog kills the worker, and every other
  // execution on that worker fails with INTERNAL_ERROR.)
  {
    name: 'rethrow tool error with non-contract code',
    slow: true,
    code: `try { await callTool('evil:throw-stack', {}) } catch (e) {\n  e.code = 'pwned';\n  throw e;\n}`,
    expect: { codes: ['TOOL_ERROR', 'RUNTIME_ERROR'] },
  },
  // Throw a non-Error value carrying a huge message.
  {
    name: 'throw a huge string',
    code: `throw 'x'.repeat(1000000)`,
    expect: { codes: ['RUNTIME_ERROR'] },
    check: (r) => (r.error && r.error.message.length > 300_000 ? `error message is ${r.error.message.length} chars` : null),
  },
  // Throw an object with a forged stack that names a host path.
  {
    name: 'forged stack naming a line',
    code: `const e = new Error('x');\ne.stack = 'at evil (agentscript.js:99999:1)';\nthrow e`,
    expect: { codes: ['RUNTIME_ERROR'] },
  },
  // Promise rejection with a value that is not an error.
  { name: 'reject with a plain object', code: `await Promise.reject({ message: 'x', code: 'TIMEOUT' })`, expect: { codes: ['RUNTIME_ERROR'] } },
];
