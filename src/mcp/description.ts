// What the model reads about execute_agentscript: AgentScript in a few lines, what the active level refuses that
// models commonly write, the active limits, and the allowed tools — as declarations while they fit the budget,
// else one-line summaries, else their names, with a pointer to search_tools for the declarations.
import { LEVEL_RULES, levelAllows, type LevelFeature, type LevelRules, type Limits, type SecurityLevel } from '../enclave/index.js';
import { renderDeclarations, summarizeTool } from '../tool-bridge/declarations.js';
import type { DownstreamTool } from '../tool-bridge/types.js';

/** About 2,000 tokens at ~4 characters per token: what a tool description may cost the model's context. */
export const DESCRIPTION_BUDGET_CHARS = 8_000;

const kb = (bytes: number): string => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`);
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The level table's rows, split into what `level` allows and what it refuses. The validator decides from the
 * same table, so the model is told exactly what this level refuses (issue 8).
 */
function byLevel(level: SecurityLevel, rules: LevelRules): { allowed: string[]; refused: string[] } {
  const features = Object.keys(rules) as LevelFeature[];
  const allows = (f: LevelFeature): boolean => levelAllows(level, f, rules);
  return {
    allowed: features.filter(allows).map((f) => rules[f].allowed),
    refused: features.filter((f) => !allows(f)).map((f) => `- ${rules[f].refused}: ${lowerFirst(rules[f].instead)}.`),
  };
}

/** The limits a script meets (the manifest's `limits` already applied), and how an operator changes them. */
function limitsText(level: SecurityLevel, limits: Limits): string {
  return (
    `Limits (${level}): ${limits.timeoutMs / 1000} s, ${limits.maxToolCalls} tool calls, ${limits.maxIterations} loop iterations and callback calls, ` +
    `${kb(limits.memoryBytes)} memory, ${kb(limits.maxResultBytes)} result, ${kb(limits.maxCodeBytes)} of code, lines of at most ${limits.maxLineLength} characters. ` +
    'Passing a limit ends the run (it cannot be caught). The operator can raise a limit in the manifest, e.g. `"limits": { "maxToolCalls": <n> }`, or pick another `"securityLevel"`.'
  );
}

export function primer(level: SecurityLevel, limits: Limits, rules: LevelRules = LEVEL_RULES): string {
  const { allowed, refused } = byLevel(level, rules);
  return [
    'Run one AgentScript program (a safe subset of JavaScript) that calls tools and returns a result. One script replaces many tool round trips, and intermediate data stays out of your context.',
    "The code is the body of an async function: use `await callTool('server:tool', { ...args })`, then `return` a JSON value (without `return`, the last expression is the result).",
    `Allowed: const/let, destructuring, spread, if/switch/ternary, for(;;) and for…of, try/catch, template strings, arrow functions as callback arguments, ${allowed.map((a) => `${a}, `).join('')}Math, JSON, Array, Object, String, Number, Date, Map, Set, Promise.all/allSettled, console.log (returned as logs), and \`parallel(items, fn, { concurrency })\` for bounded fan-out.`,
    'Not allowed: function declarations, classes, while/do-while, for…in, var, this, eval/Function, import/require, process, fetch, timers, .constructor/.prototype/__proto__, `new` other than Error/Date/Map/Set/Array.',
    ...(refused.length > 0 ? [`Also refused at ${level}, though models often write them:`, ...refused] : []),
    limitsText(level, limits),
    'A failed tool call throws an Error whose .code is TOOL_ERROR, UNKNOWN_TOOL or INVALID_TOOL_ARGS: catch it to go on. The result is { success, value | error: { code, message, line, column }, logs, stats }; fix the script from the error message and try again.',
  ].join('\n');
}

/** The first sentence of a tool's description, as search_tools' summary gives it. */
function firstSentence(tool: DownstreamTool): string {
  const summary = summarizeTool(tool);
  const at = summary.indexOf(' — ');
  return at < 0 ? '' : summary.slice(at + 3);
}

/** Tool names grouped by server: `memory: memory:create_entities, memory:read_graph`. */
function names(tools: readonly DownstreamTool[]): string {
  const byServer = new Map<string, string[]>();
  for (const tool of tools) byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), tool.qualifiedName]);
  return [...byServer].map(([server, list]) => `${server} (${list.length}): ${list.join(', ')}`).join('\n');
}

export function describeExecute(level: SecurityLevel, limits: Limits, tools: readonly DownstreamTool[]): string {
  const head = primer(level, limits);
  if (tools.length === 0) return `${head}\n\nNo tools are available right now (none are allowed, or their servers are down).`;
  const declarations = renderDeclarations(tools);
  const full = `${head}\n\nAvailable tools:\n${declarations}`;
  if (full.length <= DESCRIPTION_BUDGET_CHARS) return full;
  const pointer = 'Call search_tools with a query and detail "full" to get the declarations (argument and result types) of the tools you need.';
  // Each step down tells the model less, so it is taken only when the richer one does not fit: declarations with
  // only the first sentence of each description, then one-line summaries, then names.
  const short = renderDeclarations(tools.map((t) => ({ ...t, description: firstSentence(t) })));
  const shortened = `${head}\n\nAvailable tools (descriptions cut to their first sentence; search_tools with detail "full" gives them whole):\n${short}`;
  if (shortened.length <= DESCRIPTION_BUDGET_CHARS) return shortened;
  const summarized = `${head}\n\nAvailable tools (${tools.length}; ${pointer})\n${tools.map(summarizeTool).join('\n')}`;
  if (summarized.length <= DESCRIPTION_BUDGET_CHARS) return summarized;
  const listed = `${head}\n\nAvailable tools (${tools.length}; ${pointer})\n${names(tools)}`;
  if (listed.length <= DESCRIPTION_BUDGET_CHARS) return listed;
  const servers = [...new Set(tools.map((t) => t.server))];
  return `${head}\n\n${tools.length} tools are available on the servers ${servers.join(', ')}. ${pointer}`;
}
