// The readable text beside structuredContent: what a client without structured output shows the model.
import type { ExecutionResult } from '../enclave/index.js';

export function formatResult(result: ExecutionResult): string {
  const parts: string[] = [];
  if (result.success) {
    parts.push(result.value === undefined ? 'The script returned nothing.' : JSON.stringify(result.value, null, 2));
  } else if (result.error) {
    const { code, message, line, column, issues, tool } = result.error;
    const where = line !== undefined ? ` at line ${line}${column !== undefined ? `, column ${column}` : ''}` : '';
    // The enclave's messages start with their position already; said once is enough.
    const position = `Line ${line}, column ${column}: `;
    const said = line !== undefined && message.startsWith(position) ? message.slice(position.length) : message;
    parts.push(`${code}${where}${tool ? ` (tool ${tool})` : ''}: ${said}`);
    // The first issue is already the message; the others are worth a line each.
    for (const issue of (issues ?? []).slice(1, 10)) parts.push(`- line ${issue.line}, column ${issue.column} [${issue.rule}]: ${issue.message}`);
  }
  if (result.logs.length > 0) parts.push(`console:\n${result.logs.map((l) => (l.level === 'log' ? l.message : `[${l.level}] ${l.message}`)).join('\n')}`);
  const { durationMs, toolCalls } = result.stats;
  parts.push(`(${Math.round(durationMs)} ms, ${toolCalls} tool call${toolCalls === 1 ? '' : 's'})`);
  return parts.join('\n\n');
}
