// Parsing with acorn: the one place that turns source into an AST, with locations for every issue.
import { parse as acornParse, type Program } from 'acorn';
import type { Issue } from './errors.js';

export type ParseOutcome = { ok: true; ast: Program } | { ok: false; issue: Issue };

interface AcornSyntaxError extends SyntaxError {
  loc?: { line: number; column: number };
}

export function parseScript(code: string): ParseOutcome {
  try {
    const ast = acornParse(code, {
      ecmaVersion: 2022,
      sourceType: 'script',
      locations: true,
      allowReturnOutsideFunction: true, // a script is the body of an async function
      allowAwaitOutsideFunction: true,
      allowHashBang: false,
      allowReserved: false,
    });
    return { ok: true, ast };
  } catch (error) {
    // acorn turns its own stack overflow into a SyntaxError saying so; a bare RangeError is the same thing.
    if (error instanceof RangeError || (error instanceof SyntaxError && error.message.startsWith('Not enough stack space'))) {
      // Deep recursion in the parser: the input is pathological rather than merely wrong.
      return {
        ok: false,
        issue: { rule: 'too-complex', message: 'The script nests too deeply to parse. Flatten it with intermediate constants.', line: 1, column: 1 },
      };
    }
    const e = error as AcornSyntaxError;
    const text = String(e.message).replace(/\s*\(\d+:\d+\)$/, '');
    return {
      ok: false,
      issue: {
        rule: 'syntax-error',
        message: `Syntax error: ${text}. Fix the JavaScript syntax at this position.`,
        line: e.loc?.line ?? 1,
        column: (e.loc?.column ?? 0) + 1,
      },
    };
  }
}
