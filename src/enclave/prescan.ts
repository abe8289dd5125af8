// Stage 1: cheap checks on the raw text, before any parser sees it.
import type { Issue } from './errors.js';
import type { Limits } from './levels.js';
import { utf8Length } from '../shared/text.js';

/** Characters that make code read differently from how it runs, each with the attack it stops. */
const FORBIDDEN_CHARS: ReadonlyArray<{ test: RegExp; rule: string; message: string }> = [
  // Trojan Source (CVE-2021-42574): BiDi overrides reorder what a reviewer sees versus what the parser reads.
  { test: /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u, rule: 'bidi-control', message: 'a bidirectional control character' },
  // Invisible characters hide extra identifiers or split keywords (for example `callTool` vs `call\u200BTool`).
  { test: /[\u200B-\u200D\u2060\uFEFF\u180E\u00AD]/u, rule: 'zero-width', message: 'an invisible zero-width character' },
  // U+2028/U+2029 end lines for the parser but not for most editors, hiding code after a "comment".
  { test: /[\u2028\u2029]/u, rule: 'unicode-line-separator', message: 'a Unicode line or paragraph separator' },
  // NUL and other C0/C1 controls are binary garbage, or a way to confuse log and terminal readers.
  { test: /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u, rule: 'control-character', message: 'a control character' },
];

const LINE_SPLIT = /\r\n|\r|\n/;

function positionOf(code: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    const c = code.charCodeAt(i);
    // \n, \r and \r\n each end a line, as they do for the parser.
    if (c === 10 || (c === 13 && code.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 }; // 1-based, like the parser's issues
}

function issueAt(code: string, index: number, rule: string, message: string): Issue {
  return { rule, message, ...positionOf(code, index) };
}

/**
 * Bracket nesting and string-literal sizes, in one pass that skips comments and literals.
 * Regex literals are not recognised (that needs a parser); this is a coarse bound, the validator is exact.
 */
function scanStructure(code: string, limits: Limits): Issue[] {
  const issues: Issue[] = [];
  const templateDepths: number[] = []; // bracket depth at each open `${`
  let depth = 0;
  let deepest = 0;
  let i = 0;
  const n = code.length;
  const readString = (quote: string, start: number): number => {
    let j = start + 1;
    while (j < n && code[j] !== quote) {
      if (code[j] === '\\') j++;
      else if (quote !== '`' && code[j] === '\n') break;
      else if (quote === '`' && code[j] === '$' && code[j + 1] === '{') break;
      j++;
    }
    if (j - start - 1 > limits.maxStringLiteralBytes) {
      issues.push(
        issueAt(
          code,
          start,
          'string-literal-too-large',
          `A string literal of ${j - start - 1} characters exceeds the limit of ${limits.maxStringLiteralBytes}. Build large data from tool results instead of embedding it in the script.`,
        ),
      );
    }
    return j;
  };
  while (i < n && issues.length < 10) {
    const c = code[i];
    if (c === '/' && code[i + 1] === '/') {
      while (i < n && code[i] !== '\n') i++;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === '"' || c === "'" || c === '`') {
      i = readString(c, i);
      if (c === '`' && code[i] === '$') {
        templateDepths.push(depth);
        depth++;
        i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth === limits.maxNestingDepth + 1) {
        issues.push(
          issueAt(
            code,
            i,
            'nesting-too-deep',
            `Brackets nest deeper than ${limits.maxNestingDepth} levels. Flatten the code: use intermediate constants or split it into steps.`,
          ),
        );
      }
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (c === '}' && templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth) {
        templateDepths.pop();
        i = readString('`', i); // continue the template after `}`
        if (code[i] === '$') {
          templateDepths.push(depth);
          depth++;
          i++;
        }
      }
    }
    i++;
  }
  return issues;
}

/** Stage 1. Returns every problem found; an empty list means the parser may run. */
export function prescan(code: string, limits: Limits): Issue[] {
  if (typeof code !== 'string') {
    return [{ rule: 'not-a-string', message: 'The script must be a string of JavaScript source. Send the code as text.', line: 1, column: 1 }];
  }
  if (code.trim() === '') {
    return [{ rule: 'empty-code', message: 'The script is empty. Write statements and `return` the value you want back.', line: 1, column: 1 }];
  }
  const bytes = utf8Length(code);
  if (bytes > limits.maxCodeBytes) {
    // Nothing else is scanned: a huge input must cost as little as possible.
    return [
      {
        rule: 'code-too-large',
        message: `The script is ${bytes} bytes; the limit is ${limits.maxCodeBytes}. Shorten it: move data into tool calls and loop over results instead of writing them out.`,
        line: 1,
        column: 1,
      },
    ];
  }
  const issues: Issue[] = [];
  for (const { test, rule, message } of FORBIDDEN_CHARS) {
    const match = test.exec(code);
    if (match) {
      const hex = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      issues.push(issueAt(code, match.index, rule, `The script contains ${message} (U+${hex}). Remove it and write plain characters.`));
    }
  }
  const lines = code.split(LINE_SPLIT);
  for (let l = 0; l < lines.length; l++) {
    if (lines[l]!.length > limits.maxLineLength) {
      issues.push({
        rule: 'line-too-long',
        message: `Line ${l + 1} has ${lines[l]!.length} characters; the limit is ${limits.maxLineLength}. Break it into several lines.`,
        line: l + 1,
        column: 1,
      });
      break;
    }
  }
  if (issues.length > 0) return issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return scanStructure(code, limits);
}
