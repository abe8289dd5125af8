// Tool declarations for the model: each allowed tool as one `callTool('server:tool', args): Promise<…>`
// overload with its description, compact enough to list many tools in a tool description.
import { ANY_OBJECT, schemaToType } from './schema-to-ts.js';
import { cap, commentText, oneLine, singleQuoted } from './ts-text.js';
import type { DownstreamTool } from './types.js';

export { schemaToType, type SchemaToTypeOptions } from './schema-to-ts.js';

export const DECLARATION_LIMITS = Object.freeze({
  /** A tool's own description is kept whole up to here; only a hostile server sends more. */
  maxDescriptionChars: 4_000,
  maxArgsChars: 4_000,
  maxResultChars: 2_000,
  maxSummaryChars: 160,
});

/**
 * What `Promise<unknown>` means, said once above the declarations. It matches results.ts: structuredContent
 * when the tool declares an output schema, else the content, text parsed when it is JSON.
 */
export const RESULT_NOTE =
  "// A result is its declared type; an unknown one is the tool's text, parsed when it is JSON (several parts: an array). A failed call throws.";

/** `, args: {…}`, `, args?: {…}` when nothing is required, or nothing when the tool takes no arguments. */
function argsParam(schema: DownstreamTool['inputSchema'], seenNotes: Set<string>): string {
  const type = schemaToType(schema, { maxChars: DECLARATION_LIMITS.maxArgsChars, seenNotes });
  // `{ properties: {} }` is how servers say "no arguments"; only an explicit free-form object keeps a parameter.
  if (type === '{}' || (type === ANY_OBJECT && !('additionalProperties' in schema))) return '';
  const required = Array.isArray(schema.required) && schema.required.length > 0;
  const composite = ['$ref', 'anyOf', 'oneOf', 'allOf'].some((k) => k in schema);
  return `, args${required || composite ? '' : '?'}: ${type}`;
}

/**
 * One tool: its description as a line comment, then its overload of callTool. A property comment found in
 * `seenNotes` (filled by earlier declarations of the same listing) is not repeated.
 */
export function renderDeclaration(tool: DownstreamTool, seenNotes = new Set<string>()): string {
  const description = tool.description || tool.title;
  const doc = description ? `// ${commentText(description, DECLARATION_LIMITS.maxDescriptionChars)}\n` : '';
  const args = argsParam(tool.inputSchema, seenNotes); // first: arguments get the comments, results reuse them
  const result = tool.outputSchema ? schemaToType(tool.outputSchema, { maxChars: DECLARATION_LIMITS.maxResultChars, seenNotes }) : 'unknown';
  return `${doc}callTool(${singleQuoted(tool.qualifiedName)}${args}): Promise<${result}>;`;
}

/** All tools, grouped by server in order of first appearance, each group under a one-line header. */
export function renderDeclarations(tools: readonly DownstreamTool[]): string {
  const groups = new Map<string, DownstreamTool[]>();
  const seenNotes = new Set<string>();
  for (const tool of tools) {
    const list = groups.get(tool.server);
    if (list) list.push(tool);
    else groups.set(tool.server, [tool]);
  }
  const sections = [...groups].map(([server, list]) => {
    const header = `// ${commentText(server, 100)}: ${list.length} tool${list.length === 1 ? '' : 's'}`;
    return [header, ...list.map((tool) => renderDeclaration(tool, seenNotes))].join('\n');
  });
  return tools.length ? [RESULT_NOTE, ...sections].join('\n\n') : '';
}

/** The first sentence of a tool's description (or title), on one line and capped; '' when it has none. */
export function toolSummary(tool: DownstreamTool): string {
  const text = oneLine(cap(tool.description || tool.title || '', DECLARATION_LIMITS.maxDescriptionChars));
  const sentence = /^.*?[.!?](?=\s|$)/u.exec(text)?.[0] ?? text;
  return sentence ? cap(sentence, DECLARATION_LIMITS.maxSummaryChars) : '';
}

/** `server:tool — first sentence of its description`, for a short listing. */
export function summarizeTool(tool: DownstreamTool): string {
  const name = oneLine(tool.qualifiedName);
  const summary = toolSummary(tool);
  return summary ? `${name} — ${summary}` : name;
}
