// Stage 4, first half: what the scoring rules look at, gathered from the AST in one walk into plain JSON
// data, so that the run-time score (per actual tool call) reuses it without the AST. Facts about data do not
// depend on how callTool is spelled: evidence is tied to the nearest call that has a `server:tool` string
// among its arguments, which is the same call whether it is written callTool(…), ct(…) or callTool.call(…).
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import { memberName, staticString } from './ast-utils.js';
import { credentialPhrase, secretPath } from './score-words.js';

/** A piece of evidence and the tool call whose arguments hold it (null: elsewhere in the script). */
export interface Evidence {
  /** `path`: a secret-looking file path; `field`: a credential key, field or column name; `bulk`: SELECT *. */
  kind: 'path' | 'field' | 'bulk';
  /** What was seen, short and safe to show (`.env`, `password_hash`, `SELECT *`). */
  what: string;
  tool: string | null;
}

export interface ScoreFacts {
  /** Names of direct `callTool('server:tool', …)` calls, in evaluation order. */
  tools: string[];
  /** Every string shaped like `server:tool`, in source order: the tools an aliased callTool may reach. */
  toolLiterals: string[];
  /** callTool with a computed name, or callTool used as a value (`const ct = callTool`, `callTool.call`). */
  unnamedCalls: number;
  /** Credential material and bulk reads, deduplicated. */
  evidence: Evidence[];
  /** Obfuscating encodings the script uses (`charCodeAt`, `String.fromCharCode`, reversed text, a base64 alphabet, xor). */
  encodings: string[];
}

const TOOL_NAME = /^[A-Za-z0-9][\w.-]*:[A-Za-z][\w.-]*$/;
const PLAIN_WORD = /^[A-Za-z_$][\w$.-]{0,63}$/;
const SQL = /^\s*(select|with)\s/i;
const SELECT_ALL = /\bselect\s+(distinct\s+)?(\w+\.)?\*/i;
const MAX_EVIDENCE = 64;
/** The most calls any level allows (PERMISSIVE): static names past it cannot all be called. */
const MAX_TOOL_NAMES = 1_000;
/** Methods and operators that compare a literal rather than use it: `name.endsWith('.env')` tests, it does not read. */
const COMPARE_METHODS = new Set(['includes', 'endsWith', 'startsWith', 'indexOf', 'lastIndexOf', 'has']);
const COMPARE_OPERATORS = new Set(['===', '!==', '==', '!=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '<', '>', '<=', '>=', '===', '!==', '==', '!=']);
/** A Map, not an object: a script's method names must not reach Object.prototype (`.toString`, `.constructor`). */
const ENCODING_METHODS: ReadonlyMap<string, string> = new Map([
  ['fromCharCode', 'String.fromCharCode'],
  ['fromCodePoint', 'String.fromCodePoint'],
  ['charCodeAt', 'charCodeAt'],
  ['codePointAt', 'codePointAt'],
]);

/** MCP tool names are at most 128 characters; the server prefix adds a few. */
export const isToolName = (text: string): boolean => text.length <= 200 && TOOL_NAME.test(text);

/** The `server:tool` string among a call's arguments, if any. */
function toolOfCall(call: acorn.CallExpression): string | null {
  for (const arg of call.arguments) {
    const s = staticString(arg);
    if (s !== null && isToolName(s)) return s;
  }
  return null;
}

/** True when a literal is only compared against (a test, not a use). */
function compared(ancestors: readonly acorn.Node[]): boolean {
  let i = ancestors.length - 2;
  let child = ancestors[i + 1] as acorn.AnyNode;
  if ((ancestors[i] as acorn.AnyNode | undefined)?.type === 'ArrayExpression') child = ancestors[i--] as acorn.AnyNode; // ['.env', '.pem'].includes(x)
  const parent = ancestors[i] as acorn.AnyNode | undefined;
  if (!parent) return false;
  if (parent.type === 'BinaryExpression') return COMPARE_OPERATORS.has(parent.operator);
  if (parent.type === 'SwitchCase') return parent.test === child;
  if (parent.type === 'MemberExpression' && parent.object === child) return COMPARE_METHODS.has(memberName(parent) ?? '');
  if (parent.type === 'CallExpression' && parent.callee.type === 'MemberExpression') return COMPARE_METHODS.has(memberName(parent.callee) ?? '');
  return false;
}

/**
 * The names in the select lists of a SQL text: what the query returns. Columns in WHERE, GROUP BY or ORDER BY
 * only filter (`WHERE otp_secret IS NULL` reads no secret), and table names are not data.
 */
function sqlColumns(sql: string): string[] {
  const out: string[] = [];
  let selecting = false;
  for (const token of sql.match(/[A-Za-z_][\w$]*/g) ?? []) {
    const t = token.toLowerCase();
    if (t === 'select') selecting = true;
    else if (t === 'from') selecting = false;
    else if (selecting) out.push(token);
  }
  return out;
}

class Gatherer {
  readonly facts: ScoreFacts = { tools: [], toolLiterals: [], unnamedCalls: 0, evidence: [], encodings: [] };
  private readonly seen = new Set<string>();
  /** Each call's tool, computed once: `f('a', 'b', …)` with thousands of arguments must not cost their square. */
  private readonly callTools = new Map<acorn.Node, string | null>();

  /** The tool whose call arguments hold the node: the nearest enclosing call that names a tool. */
  owningTool(ancestors: readonly acorn.Node[]): string | null {
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i] as acorn.AnyNode;
      if (a.type !== 'CallExpression' || a.callee === ancestors[i + 1]) continue;
      let tool = this.callTools.get(a);
      if (tool === undefined) this.callTools.set(a, (tool = toolOfCall(a)));
      if (tool !== null) return tool;
    }
    return null;
  }

  private toolName(kind: 'tools' | 'toolLiterals', name: string): void {
    if (this.facts[kind].length < MAX_TOOL_NAMES) this.facts[kind].push(name);
  }

  add(kind: Evidence['kind'], what: string, tool: string | null): void {
    const key = `${kind}\u0000${what}\u0000${tool ?? ''}`;
    if (this.seen.has(key) || this.facts.evidence.length >= MAX_EVIDENCE) return;
    this.seen.add(key);
    this.facts.evidence.push({ kind, what: what.slice(0, 64), tool });
  }

  encoding(name: string): void {
    if (!this.facts.encodings.includes(name)) this.facts.encodings.push(name);
  }

  key(name: string | null, tool: string | null): void {
    if (name !== null && credentialPhrase(name) !== null) this.add('field', name, tool);
  }

  /** A string the script writes: a tool name, a path, a key, or SQL. */
  text(text: string, ancestors: readonly acorn.Node[]): void {
    if (isToolName(text)) {
      this.toolName('toolLiterals', text);
      return;
    }
    if (compared(ancestors)) return;
    const tool = this.owningTool(ancestors);
    const path = secretPath(text);
    if (path !== null) this.add('path', path, tool);
    if (PLAIN_WORD.test(text)) this.key(text, tool);
    else if (SQL.test(text)) {
      for (const column of sqlColumns(text)) this.key(column, tool);
      if (SELECT_ALL.test(text)) this.add('bulk', 'SELECT *', tool);
    }
    if (text.includes('ABCDEFGHIJKLMNOPQRSTUVWXYZ') && text.includes('abcdefghijklmnopqrstuvwxyz')) this.encoding('a base64 alphabet');
  }

  visit(node: acorn.AnyNode, ancestors: readonly acorn.Node[]): void {
    const parent = ancestors[ancestors.length - 2] as acorn.AnyNode | undefined;
    switch (node.type) {
      case 'CallExpression': {
        const { callee } = node;
        if (callee.type === 'Identifier' && callee.name === 'callTool') {
          const name = staticString(node.arguments[0]);
          if (name === null) this.facts.unnamedCalls++;
          else this.toolName('tools', name);
        }
        const method = callee.type === 'MemberExpression' ? memberName(callee) : null;
        const encoding = method === null ? undefined : ENCODING_METHODS.get(method);
        // `h * 31 + s.charCodeAt(i)` hashes text into a number; only codes kept as text are an encoding.
        const arithmetic = parent?.type === 'BinaryExpression' && ARITHMETIC.has(parent.operator);
        if (encoding && !arithmetic) this.encoding(encoding);
        if (
          method === 'reverse' &&
          callee.type === 'MemberExpression' &&
          (callee.object.type === 'CallExpression' || callee.object.type === 'ArrayExpression')
        ) {
          this.encoding('reversed text'); // s.split('').reverse(), [...s].reverse()
        }
        return;
      }
      case 'Identifier':
        // callTool as a value hides which tools are called from the static names.
        if (node.name === 'callTool' && !(parent?.type === 'CallExpression' && parent.callee === node)) this.facts.unnamedCalls++;
        return;
      case 'BinaryExpression':
        if (node.operator === '^') this.encoding('xor');
        return;
      case 'MemberExpression':
        return this.key(memberName(node), this.owningTool(ancestors));
      case 'Property':
        return this.key(staticString(node.key, node.computed), this.owningTool(ancestors));
      case 'ObjectPattern': // acorn-walk does not visit a pattern's properties as nodes
        for (const p of node.properties) if (p.type === 'Property') this.key(staticString(p.key, p.computed), this.owningTool(ancestors));
        return;
      case 'Literal':
        if (typeof node.value === 'string') this.text(node.value, ancestors);
        return;
      case 'TemplateLiteral': {
        // SQL is read whole (`${x}` as a placeholder); other templates piece by piece (`${home}/.ssh/id_rsa`).
        const joined = node.quasis.map((q) => q.value.cooked ?? '').join(' ? ');
        if (SQL.test(joined)) this.text(joined, ancestors);
        else for (const q of node.quasis) if (q.value.cooked) this.text(q.value.cooked, ancestors);
        return;
      }
      default:
        return;
    }
  }
}

/** Stage 4, the AST part: pure, one walk. */
export function gatherFacts(program: acorn.Program): ScoreFacts {
  const g = new Gatherer();
  fullAncestor(program, (n, _state, ancestors) => g.visit(n as acorn.AnyNode, ancestors));
  return g.facts;
}
