// Stage 4: a static risk score. Rules are data; each names the pattern it flags and its weight.
// The score blocks only what looks like exfiltration or abuse; ordinary orchestration scores low.
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import { memberName, staticString } from './ast-utils.js';
import type { SecurityLevel } from './levels.js';

export interface Signal {
  rule: string;
  points: number;
  detail: string;
}
export interface ScoreReport {
  score: number;
  signals: Signal[];
}

/** What the rules look at, gathered in one walk. */
interface Facts {
  tools: string[]; // static tool names, in call order
  dynamicToolCalls: number;
  toolCallsInLoops: number;
  sensitiveNames: Set<string>;
  hugeNumbers: number[];
}

const READ_TOOL = /(^|[:_\-.])(list|read|get|search|query|fetch|find|export|dump|download|describe|show)/i;
const SEND_TOOL = /(^|[:_\-.])(send|post|upload|email|mail|publish|webhook|http|request|share|forward|notify|tweet|message)/i;
const SENSITIVE = /(pass(word|wd)?|secret|token|api[_-]?key|credential|private[_-]?key|ssn|credit[_-]?card|cvv|session[_-]?id|cookie|auth)/i;
const HUGE = 1e6;

interface Rule {
  rule: string;
  /** Points for the facts; 0 means the rule does not fire. */
  points(f: Facts): number;
  detail(f: Facts): string;
}

const RULES: readonly Rule[] = [
  {
    // Data read from one tool and handed to a tool that sends it out: the exfiltration shape.
    rule: 'read-then-send',
    points: (f) => {
      const firstRead = f.tools.findIndex((t) => READ_TOOL.test(t));
      return firstRead >= 0 && f.tools.slice(firstRead + 1).some((t) => SEND_TOOL.test(t)) ? 45 : 0;
    },
    detail: (f) => `reads with ${f.tools.find((t) => READ_TOOL.test(t))} then sends with ${f.tools.find((t) => SEND_TOOL.test(t))}`,
  },
  {
    rule: 'sensitive-names',
    points: (f) => Math.min(30, f.sensitiveNames.size * 10),
    detail: (f) => `mentions ${[...f.sensitiveNames].slice(0, 5).join(', ')}`,
  },
  {
    // A run-time tool name can reach any allowed tool; the allowlist still applies.
    rule: 'dynamic-tool-name',
    points: (f) => Math.min(30, f.dynamicToolCalls * 15),
    detail: (f) => `${f.dynamicToolCalls} callTool with a computed name`,
  },
  {
    // Fan-out is normal orchestration; it weighs little alone and adds to an exfiltration shape.
    rule: 'tool-call-in-loop',
    points: (f) => Math.min(15, f.toolCallsInLoops * 5),
    detail: (f) => `${f.toolCallsInLoops} callTool inside loops or callbacks`,
  },
  {
    // Numbers far beyond any limit are how resource attacks are written.
    rule: 'extreme-number',
    points: (f) => Math.min(30, f.hugeNumbers.length * 15),
    detail: (f) => `uses ${f.hugeNumbers.slice(0, 3).join(', ')}`,
  },
];

/** Score at or above which the script is refused, per level. */
export const BLOCK_THRESHOLD: Readonly<Record<SecurityLevel, number>> = { STRICT: 70, SECURE: 80, STANDARD: 90, PERMISSIVE: Infinity };

const LOOPS = new Set(['ForStatement', 'ForOfStatement', 'ArrowFunctionExpression']);

function gatherFacts(program: acorn.Program): Facts {
  const f: Facts = { tools: [], dynamicToolCalls: 0, toolCallsInLoops: 0, sensitiveNames: new Set(), hugeNumbers: [] };
  const noteName = (name: string | null): void => {
    if (name && SENSITIVE.test(name)) f.sensitiveNames.add(name);
  };
  fullAncestor(program, (n, _s, ancestors) => {
    const node = n as acorn.AnyNode;
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'callTool') {
      const name = staticString(node.arguments[0]);
      if (name === null) f.dynamicToolCalls++;
      else f.tools.push(name);
      if (ancestors.slice(0, -1).some((a) => LOOPS.has(a.type))) f.toolCallsInLoops++;
    } else if (node.type === 'Identifier') noteName(node.name);
    else if (node.type === 'MemberExpression') noteName(memberName(node));
    else if (node.type === 'Property') noteName(staticString(node.key, node.computed));
    else if (node.type === 'Literal' && typeof node.value === 'number' && Math.abs(node.value) >= HUGE) f.hugeNumbers.push(node.value);
  });
  return f;
}

/** Stage 4. A pure function of the AST. */
export function score(program: acorn.Program): ScoreReport {
  const facts = gatherFacts(program);
  const signals: Signal[] = [];
  for (const r of RULES) {
    const points = r.points(facts);
    if (points > 0) signals.push({ rule: r.rule, points, detail: r.detail(facts) });
  }
  return { score: Math.min(100, signals.reduce((sum, s) => sum + s.points, 0)), signals };
}
