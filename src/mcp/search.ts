// search_tools: find allowed tools by name and description, at the detail the model asks for.
import { renderDeclaration, renderDeclarations, summarizeTool, toolSummary } from '../tool-bridge/declarations.js';
import type { DownstreamTool } from '../tool-bridge/types.js';

export const SEARCH_DETAILS = ['name', 'summary', 'full'] as const;
export type SearchDetail = (typeof SEARCH_DETAILS)[number];
export const MAX_SEARCH_RESULTS = 20;

/** Every word of the query must appear in the tool's name or description; name hits rank first. */
export function searchTools(tools: readonly DownstreamTool[], query: string | undefined): DownstreamTool[] {
  const words = (query ?? '')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 16);
  if (words.length === 0) return [...tools];
  const scored: { tool: DownstreamTool; score: number }[] = [];
  for (const tool of tools) {
    const name = tool.qualifiedName.toLowerCase();
    const text = `${tool.title ?? ''} ${tool.description ?? ''}`.toLowerCase();
    let score = 0;
    for (const word of words) {
      if (name.includes(word)) score += 3;
      else if (text.includes(word)) score += 1;
      else {
        score = -1;
        break;
      }
    }
    if (score >= 0) scored.push({ tool, score });
  }
  return scored.sort((a, b) => b.score - a.score || a.tool.qualifiedName.localeCompare(b.tool.qualifiedName)).map((s) => s.tool);
}

/** The most tools one search_tools answer lists when the caller asks for more than the default (a program's catalog). */
export const MAX_SEARCH_LIMIT = 1_000;

export function renderSearch(found: readonly DownstreamTool[], detail: SearchDetail, limit = MAX_SEARCH_RESULTS): string {
  if (found.length === 0) return 'No allowed tool matches. Try fewer or other words, or no query to list every tool.';
  const shown = found.slice(0, limit);
  const more = found.length > shown.length ? `\n(${found.length - shown.length} more; narrow the query to see them)` : '';
  if (detail === 'name') return shown.map((t) => t.qualifiedName).join('\n') + more;
  if (detail === 'summary') return shown.map(summarizeTool).join('\n') + more;
  return renderDeclarations(shown) + more;
}

/** One tool as search_tools' structured content gives it: what a program (a playground's completion) reads. */
export interface ToolInfo {
  name: string;
  summary: string;
  /** The TypeScript declaration (detail "full"). */
  declaration?: string;
  /** The JSON Schema of its arguments, as the bridge checks them (detail "full"). */
  inputSchema?: Record<string, unknown>;
}

/** The structured twin of renderSearch: the same tools (at most `limit`), for programs (a playground's completion). */
export function searchInfo(found: readonly DownstreamTool[], detail: SearchDetail, limit = MAX_SEARCH_RESULTS): { tools: ToolInfo[] } {
  return {
    tools: found.slice(0, limit).map((tool) => {
      const info: ToolInfo = { name: tool.qualifiedName, summary: toolSummary(tool) };
      if (detail === 'full') {
        info.declaration = renderDeclaration(tool);
        info.inputSchema = tool.inputSchema;
      }
      return info;
    }),
  };
}
