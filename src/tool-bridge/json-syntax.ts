// Where a JSON text first goes wrong, as line and column. JSON.parse's own messages name a position only sometimes
// (Node 20: "Unexpected token '}', … is not valid JSON" has none), so a small scanner finds it after JSON.parse failed.

export interface JsonSyntaxProblem {
  line: number;
  column: number;
  /** What the grammar expected there, e.g. "a property name in double quotes". */
  expected: string;
  /** What was there instead: a quoted character or "the end of the file". */
  found: string;
}

/** Deeper than this is reported rather than recursed into: the scanner must not overflow the stack on hostile input. */
const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/** The first syntax problem of `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Stop(i, expected);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (char: string, what: string): void => {
    if (text[i] !== char) fail(what);
    i++;
  };
  const string = (): void => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('a closing double quote');
      if (c === '"') return void i++;
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail('an escape such as \\n, \\" or \\u00e9');
        i = ESCAPE.lastIndex;
      } else if (c! < ' ') {
        fail('no raw control character inside a string (write \\n for a line break)');
      } else i++;
    }
  };
  const value = (depth: number): void => {
    space();
    if (depth > MAX_DEPTH) fail(`at most ${MAX_DEPTH} levels of nesting`);
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        space();
        expect(':', '":" after the property name');
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else return expect('}', '"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else return expect(']', '"," or "]"');
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return void (i += word.length);
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    fail('a value (an object, array, string, number, true, false or null)');
  };
  try {
    value(0);
    space();
    if (i < text.length) fail('the end of the file after the top-level value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split('\n').length;
    const column = error.offset - (before.lastIndexOf('\n') + 1) + 1;
    const char = text[error.offset];
    return { line, column, expected: error.expected, found: char === undefined ? 'the end of the file' : JSON.stringify(char) };
  }
}
