// Stage 3: rewrite validated AgentScript into code that counts, guards and returns, without moving lines.
// Edits never insert newlines, so a runtime error's line is the script's line; columns map back through
// the edit list (see mapPosition).
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import MagicString from 'magic-string';
import { staticString } from './ast-utils.js';
import { BLOCKED_PROPERTIES } from './policy.js';
import type { Scopes } from './scope.js';

/** Names the runtime prelude defines (see runtime/prelude.ts); the reserved prefix keeps scripts off them. */
export const GUARD = {
  run: '__ag_run', // wraps the script body: runs it, serializes the result
  iter: '__ag_i', // one loop iteration or callback invocation
  key: '__ag_k', // computed property key: refuses constructor/prototype/__proto__ built at run time
  size: '__ag_sz', // the size of a string or array built by `+` or a template in a loop
  newArray: '__ag_arr', // `Array(n)` / `new Array(n)` with n checked against the memory budget
  caught: '__ag_c', // first statement of every catch block: a limit (or QuickJS's out-of-memory) is not catchable
  caughtName: '__ag_e', // the catch parameter the transform adds when the script has none or destructures
} as const;

export interface Transformed {
  code: string;
  /** Maps a (line, 1-based column) of the transformed code back to the script. */
  mapPosition(line: number, column: number): { line: number; column: number };
}

const LOOP_TYPES = new Set(['ForStatement', 'ForOfStatement', 'ArrowFunctionExpression']);

function insideLoop(ancestors: acorn.Node[]): boolean {
  for (let i = ancestors.length - 2; i >= 0; i--) if (LOOP_TYPES.has(ancestors[i]!.type)) return true;
  return false;
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

function wrapCall(s: MagicString, node: acorn.Node, fn: string): void {
  open(s, node.start, `${fn}(`);
  close(s, node.end, ')');
}

/** Stage 3. `scopes` tells the script's own names from globals (a local `Array` is not the global one). */
export function transform(code: string, program: acorn.Program, scopes: Scopes): Transformed {
  const s = new MagicString(code);
  fullAncestor(program, (n, _state, ancestors) => {
    const node = n as acorn.AnyNode;
    switch (node.type) {
      case 'ForStatement':
      case 'ForOfStatement':
        guardBody(s, node.body);
        break;
      case 'ArrowFunctionExpression':
        guardArrow(s, node);
        break;
      case 'MemberExpression':
        if (node.computed && !isSafeStaticKey(node.property)) wrapCall(s, node.property, GUARD.key);
        break;
      case 'Property':
        if (node.computed && !isSafeStaticKey(node.key)) wrapCall(s, node.key, GUARD.key);
        break;
      case 'ObjectPattern': // pattern properties are not visited as nodes
        for (const prop of node.properties) {
          if (prop.type === 'Property' && prop.computed && !isSafeStaticKey(prop.key)) wrapCall(s, prop.key, GUARD.key);
        }
        break;
      case 'BinaryExpression':
        if (node.operator === '+' && insideLoop(ancestors)) wrapCall(s, node, GUARD.size);
        break;
      case 'AssignmentExpression':
        if (node.operator === '+=' && insideLoop(ancestors)) wrapCall(s, node, GUARD.size);
        break;
      case 'TemplateLiteral':
        if (node.expressions.length > 0 && insideLoop(ancestors)) wrapCall(s, node, GUARD.size);
        break;
      case 'CatchClause':
        guardCatch(s, node);
        break;
      case 'NewExpression':
      case 'CallExpression':
        if (node.callee.type === 'Identifier' && node.callee.name === 'Array' && !scopes.isLocal('Array', ancestors)) {
          s.overwrite(node.start, node.callee.end, GUARD.newArray);
        }
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
  // One line of prologue keeps every line number of the script.
  s.prepend(`"use strict";${GUARD.run}(async () => {`);
  s.append(`\n});`);
  const out = s.toString();
  let decoded: ReturnType<MagicString['generateDecodedMap']> | undefined;
  return {
    code: out,
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
