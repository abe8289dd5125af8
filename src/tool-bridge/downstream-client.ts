// The SDK client as the bridge uses it with a downstream server: output checks that cannot be turned against
// the host, and the whole tool list however many pages the server splits it into.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { Ajv } from 'ajv';
import { guardedRegExp } from './arguments.js';

const CLIENT_INFO = { name: 'enclave-mcp', version: '0.1.0' };
const MAX_TOOL_PAGES = 100; // a server paging forever must not hang startup

/** A client without capabilities: no roots (server-filesystem would take them as its allowed folders), no sampling. */
export function newClient(): Client {
  return new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: new TolerantValidator() });
}

/**
 * The SDK checks structuredContent against each tool's outputSchema, and one outputSchema it cannot compile
 * makes listTools fail for the whole server. A schema we cannot compile is not checked instead.
 */
class TolerantValidator implements jsonSchemaValidator {
  // Patterns in a server's outputSchema meet strings from that server's results: the same guarded RegExp
  // engine as argument checks, so no pattern can stall the host with catastrophic backtracking.
  private readonly inner = new AjvJsonSchemaValidator(new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: guardedRegExp } }));
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    try {
      return this.inner.getValidator<T>(schema);
    } catch {
      return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
    }
  }
}

export async function listAllTools(client: Client, timeout: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
