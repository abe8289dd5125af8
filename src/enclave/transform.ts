// Stage 3: rewrite validated AgentScript into code that counts, guards and returns, without moving lines.
// Edits never insert newlines, so a runtime error's line is the script's line; columns map back through
// the edit list (see mapPosition). The transform also guards what the validator refuses (while loops,
// function bodies, `.constructor`): the validator is the first line, not the only one.
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import MagicString from 'magic-string';
import { staticString } from './ast-utils.js';
import { BLOCKED_PROPERTIES, RESERVED_PREFIX } from './policy.js';

/** Names the sandbox-side runtime defines (see runtime/sandbox-js/prelude.js); the reserved prefix keeps scripts off them. */
export const GUARD = {
  run: '__ag_run', // wraps the script body: runs it, serializes the result
  iter: '__ag_i', // one loop iteration or function call
  key: '__ag_k', // computed property key: refuses constructor/prototype/__proto__ built at run time
  size: '__ag_sz', // the size of a string or array built by `+` or a template in a loop
  ctor: '__ag_n', // `new X(…)` → `new (__ag_n(X))(…)`: only the real allowed constructors, whatever their name
  regex: '__ag_r', // a regular-expression literal: its pattern checked, and no own `exec` can replace the checked one
  caught: '__ag_c', // first statement of every catch block: a limit (or QuickJS's out-of-memory) is not catchable
  caughtName: '__ag_e', // the catch parameter the transform adds when the script has none or destructures
} as const;

/** A static member or key with a blocked name is renamed to this prefix + its name: it then names nothing. */
const NEUTRALIZED = `${RESERVED_PREFIX}x_`;

export interface Transformed {
  code: string;
  /** Every string the script spells out (literals and templates without `${}`) that could be a tool name. */
  literals: ReadonlySet<string>;
  /** Maps a (line, 1-based column) of the transformed code back to the script. */
  mapPosition(line: number, column: number): { line: number; column: number };
}

const LOOP_TYPES = new Set([
  'ForStatement',
  'ForOfStatement',
  'ForInStatement',
  'WhileStatement',
  'DoWhileStatement',
  'ArrowFunctionExpression',
  'FunctionExpression',
  'FunctionDeclaration',
]);
/** A tool name is `server:tool`, at most MAX_TOOL_NAME_LENGTH (256) characters: longer literals are not kept. */
const MAX_LITERAL_NAME = 256;

/**
 * Whether the node last in `ancestors` is inside a loop or a function body. Each ancestor's answer is remembered,
 * so a long `a + a + …` chain costs one step per node rather than a walk up the whole chain per `+`.
 */
function insideLoop(ancestors: acorn.Node[], memo: WeakMap<acorn.Node, boolean>): boolean {
  let answer = false;
  let i = ancestors.length - 2;
  for (; i >= 0; i--) {
    const a = ancestors[i]!;
    const known = memo.get(a);
    if (known !== undefined) {
      answer = known;
      break;
    }
    if (LOOP_TYPES.has(a.type)) {
      answer = true;
      break;
    }
  }
  for (let j = ancestors.length - 2; j > i; j--) memo.set(ancestors[j]!, answer);
  return answer;
}

/** A computed key that needs no run-time guard: a number, or a literal string that is not a blocked name. */
function isSafeStaticKey(node: acorn.Node): boolean {
  const n = node as acorn.AnyNode;
  if (n.type === 'Literal' && typeof n.value === 'number') return true;
  const s = staticString(n);
  return s !== null && !BLOCKED_PROPERTIES.has(s);
}

// The walk is post-order: an outer node is edited after the nodes inside it. So every opening text goes
// in front of what is already at its index (prependLeft) and every closing text after (appendRight),
// and wrappers nest correctly when they start or end at the same place.
const open = (s: MagicString, index: number, text: string): void => void s.prependLeft(index, text);
const close = (s: MagicString, index: number, text: string): void => void s.appendRight(index, text);

function guardBody(s: MagicString, body: acorn.Node): void {
  if (body.type === 'BlockStatement') open(s, body.start + 1, `${GUARD.iter}();`);
  else {
    open(s, body.start, `{${GUARD.iter}();`);
    close(s, body.end, '}');
  }
}

function guardArrow(s: MagicString, node: acorn.ArrowFunctionExpression): void {
  if (node.body.type === 'BlockStatement') open(s, node.body.start + 1, `${GUARD.iter}();`);
  else {
    open(s, node.body.start, `(${GUARD.iter}(), `);
    close(s, node.body.end, ')');
  }
}

/** `catch (e) {…}` → `catch (e) {__ag_c(e);…}`; a missing or destructured parameter gets a name first. */
function guardCatch(s: MagicString, node: acorn.CatchClause): void {
  const body = node.body.start + 1;
  if (node.param?.type === 'Identifier') {
    open(s, body, `${GUARD.caught}(${node.param.name});`);
  } else if (node.param) {
    // The pattern moves into the block, after the check: `catch ({ message })` → `catch (__ag_e) {…let { message } = __ag_e;`
    const pattern = s.slice(node.param.start, node.param.end);
    s.overwrite(node.param.start, node.param.end, GUARD.caughtName);
    open(s, body, `${GUARD.caught}(${GUARD.caughtName});let ${pattern} = ${GUARD.caughtName};`);
  } else {
    open(s, node.body.start, `(${GUARD.caughtName}) `);
    open(s, body, `${GUARD.caught}(${GUARD.caughtName});`);
  }
}

/** A catch that checks what it caught with the guard and throws it on. */
const RETHROW = ` catch (${GUARD.caughtName}) {${GUARD.caught}(${GUARD.caughtName}); throw ${GUARD.caughtName};}`;

/**
 * A finally block runs whatever was thrown, and a `return` in it replaces the exception: so every try with a
 * finally gets a guarded catch in front of it. `try {…} finally {…}` → `try {…} catch (e) {guard; throw} finally {…}`;
 * `try {…} catch (e) {…} finally {…}` → `try { try {…} catch (e) {…} } catch (e) {guard; throw} finally {…}`, so
 * running out of memory (or a limit) in the catch block is caught by the guard as well.
 */
function guardFinally(s: MagicString, node: acorn.TryStatement): void {
  if (!node.finalizer) return;
  if (!node.handler) {
    close(s, node.block.end, RETHROW);
    return;
  }
  open(s, node.start, 'try { ');
  close(s, node.handler.end, ` }${RETHROW}`);
}

/**
 * What an async arrow throws becomes a rejection, which nobody may ever look at (`f();` without await): its body
 * runs inside a guarded catch, so a limit or running out of memory there ends the run like anywhere else.
 */
function guardAsync(s: MagicString, code: string, node: acorn.ArrowFunctionExpression): void {
  if (!node.async) return;
  if (node.body.type === 'BlockStatement') {
    open(s, node.body.start + 1, 'try {');
    close(s, node.body.end - 1, `}${RETHROW}`);
    return;
  }
  // A concise body may sit in parentheses, which belong to the arrow's text: wrap from just after `=>` to its end.
  // `return (` opens on the arrow's line: a body on the next line (`async () =>⏎ x`) would otherwise be cut off from
  // its `return` by automatic semicolon insertion, and the arrow would resolve to undefined.
  const from = arrowEnd(code, node);
  open(s, from, ' { try { return (');
  close(s, node.end, `); }${RETHROW} }`);
}

/**
 * Just after the arrow's `=>`: the first one after its parameters that is not inside a comment (a comment between
 * the parameters and `=>`, or between `=>` and the body, may hold `=>` itself).
 */
const LINE_END = /[\n\r\u2028\u2029]/g;

function arrowEnd(code: string, node: acorn.ArrowFunctionExpression): number {
  let i = node.params.length > 0 ? node.params[node.params.length - 1]!.end : node.start;
  while (i >= 0 && i < node.body.start) {
    if (code.startsWith('//', i)) {
      LINE_END.lastIndex = i;
      i = LINE_END.exec(code)?.index ?? -1;
    } else if (code.startsWith('/*', i)) {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? -1 : end + 2; // an unclosed comment: acorn would not have parsed the script
    } else if (code.startsWith('=>', i)) return i + 2;
    else i++;
  }
  throw new Error('transform: an arrow function without `=>`'); // acorn parsed it as an arrow: never reached
}

function wrapCall(s: MagicString, node: acorn.Node, fn: string): void {
  open(s, node.start, `${fn}(`);
  close(s, node.end, ')');
}

/** A blocked name written statically (`x.constructor`, `{ __proto__: p }`) is renamed so it reaches nothing. */
function neutralize(s: MagicString, key: acorn.Node, computed: boolean): void {
  if (computed) return;
  // A key written as a string (`{ "__proto__": p }` sets the prototype as the bare name does) is the same name.
  const name = key.type === 'Identifier' ? (key as acorn.Identifier).name : key.type === 'Literal' ? (key as acorn.Literal).value : undefined;
  if (typeof name === 'string' && BLOCKED_PROPERTIES.has(name)) s.overwrite(key.start, key.end, `${NEUTRALIZED}${name}`);
}

/** `const { constructor } = o` reads o.constructor into a binding of that name: the read gets the renamed key. */
function neutralizeShorthand(s: MagicString, prop: acorn.AssignmentProperty): void {
  if (prop.key.type !== 'Identifier' || !BLOCKED_PROPERTIES.has(prop.key.name)) return;
  s.prependLeft(prop.key.start, `${NEUTRALIZED}${prop.key.name}: `);
}

/** Stage 3. */
export function transform(code: string, program: acorn.Program): Transformed {
  const s = new MagicString(code);
  const literals = new Set<string>();
  const loops = new WeakMap<acorn.Node, boolean>();
  const note = (text: string | null | undefined): void => {
    if (typeof text === 'string' && text.length <= MAX_LITERAL_NAME && text.includes(':')) literals.add(text);
  };
  fullAncestor(program, (n, _state, ancestors) => {
    const node = n as acorn.AnyNode;
    switch (node.type) {
      case 'ForStatement':
      case 'ForOfStatement':
      case 'ForInStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        guardBody(s, node.body);
        break;
      case 'ArrowFunctionExpression':
        guardArrow(s, node);
        guardAsync(s, code, node);
        break;
      case 'FunctionExpression':
      case 'FunctionDeclaration':
        open(s, node.body.start + 1, `${GUARD.iter}();`);
        break;
      case 'MemberExpression':
        if (node.computed && !isSafeStaticKey(node.property)) wrapCall(s, node.property, GUARD.key);
        else neutralize(s, node.property, node.computed);
        break;
      case 'Property':
        if (node.computed && !isSafeStaticKey(node.key)) wrapCall(s, node.key, GUARD.key);
        else if (!node.shorthand) neutralize(s, node.key, node.computed);
        break;
      case 'ObjectPattern': // pattern properties are not visited as nodes
        for (const prop of node.properties) {
          if (prop.type !== 'Property') continue;
          if (prop.computed && !isSafeStaticKey(prop.key)) wrapCall(s, prop.key, GUARD.key);
          else if (!prop.shorthand) neutralize(s, prop.key, prop.computed);
          else neutralizeShorthand(s, prop);
        }
        break;
      case 'BinaryExpression':
        if (node.operator === '+' && insideLoop(ancestors, loops)) wrapCall(s, node, GUARD.size);
        break;
      case 'AssignmentExpression':
        if (node.operator === '+=' && insideLoop(ancestors, loops)) wrapCall(s, node, GUARD.size);
        break;
      case 'TemplateLiteral':
        if (node.expressions.length === 0) note(node.quasis[0]?.value.cooked);
        else if (insideLoop(ancestors, loops)) wrapCall(s, node, GUARD.size);
        break;
      case 'Literal':
        if (node.regex) wrapCall(s, node, GUARD.regex);
        else if (typeof node.value === 'string') note(node.value);
        break;
      case 'CatchClause':
        guardCatch(s, node);
        break;
      case 'TryStatement':
        guardFinally(s, node);
        break;
      case 'NewExpression':
        open(s, node.callee.start, `(${GUARD.ctor}(`);
        close(s, node.callee.end, '))');
        break;
      default:
        break;
    }
  });
  // The last top-level expression statement is the result when the script has no `return`.
  const last = program.body[program.body.length - 1];
  // The statement's own range, not the expression's: `(x)` parses to an expression inside the parentheses.
  if (last?.type === 'ExpressionStatement') {
    const end = code[last.end - 1] === ';' ? last.end - 1 : last.end;
    open(s, last.start, 'return (');
    close(s, end, ')');
  }
  // One line of prologue keeps every line number of the script. A function (not an arrow) so that `this`
  // inside is undefined rather than the global object.
  s.prepend(`"use strict";${GUARD.run}(async function () {`);
  s.append(`\n});`);
  const out = s.toString();
  let decoded: ReturnType<MagicString['generateDecodedMap']> | undefined;
  return {
    code: out,
    literals,
    mapPosition(line, column) {
      decoded ??= s.generateDecodedMap({ hires: true });
      const segments = decoded.mappings[line - 1] ?? [];
      let best: number[] | undefined;
      for (const seg of segments) {
        if (seg[0]! <= column - 1 && seg.length >= 4) best = seg;
        else if (seg[0]! > column - 1) break;
      }
      if (!best) return { line, column: 1 };
      return { line: best[2]! + 1, column: best[3]! + 1 };
    },
  };
}
