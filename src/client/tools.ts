// What the server offers: the allowed tools through search_tools (spec §4), and the level and limits scripts are
// checked at through tools/list (spec §5), so that a browser can validate a script the way the server will.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EnclaveClientError, requestError } from './errors.js';
import { settingsOf, type ToolReply, toolInfosOf } from './replies.js';
import type { SearchDetail, ServerSettings, ToolInfo } from './types.js';

const DETAILS: readonly SearchDetail[] = ['name', 'summary', 'full'];
/** The most tools search_tools lists in one answer (the server's MAX_SEARCH_LIMIT). */
const CATALOG_LIMIT = 1_000;

export async function searchTools(client: Client, query?: string, detail: SearchDetail = 'summary'): Promise<ToolInfo[]> {
  if (query !== undefined && typeof query !== 'string')
    throw new EnclaveClientError('INVALID_ARGUMENT', 'searchTools(query): query must be a string of words.');
  if (!DETAILS.includes(detail)) throw new EnclaveClientError('INVALID_ARGUMENT', `searchTools(query, detail): detail must be one of ${DETAILS.join(', ')}.`);
  // As many as the server lists at once: a program wants the whole catalog (the model's default is 20).
  const args = { ...(query?.trim() ? { query } : {}), detail, limit: CATALOG_LIMIT };
  const reply = await client.callTool({ name: 'search_tools', arguments: args }).catch((error: unknown) => {
    throw requestError(error);
  });
  return toolInfosOf(reply as ToolReply);
}

export async function serverSettings(client: Client): Promise<ServerSettings | undefined> {
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor }).catch((error: unknown) => {
      throw requestError(error);
    });
    const execute = page.tools.find((tool) => tool.name === 'execute_agentscript');
    if (execute) return settingsOf(execute._meta);
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}
