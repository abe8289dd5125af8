// What `serve --transport http` prints once it listens: where it is, the token, and configuration to paste.
// `token` is undefined when the manifest's auth decides who may call and no --token was given: nothing to print then.
export function readyText(url: string, token: string | undefined, generated: boolean, accepts = ''): string {
  if (token === undefined) {
    return [
      `enclave-mcp is serving execute_agentscript at ${url}`,
      `Callers authenticate with ${accepts || "the manifest's auth"} (the manifest's auth; no server token is set, --token adds one).`,
      `Clients send "Authorization: Bearer <token>"${accepts.includes('access token') ? '; MCP clients with OAuth support find the authorization server from the URL alone' : ''}.`,
      `Playground (try scripts in a browser): ${url.replace(/\/mcp$/, '/')} (give it a token).`,
      `Legacy SSE clients: GET ${url.replace(/\/mcp$/, '/sse')} with the same header. Stop with Ctrl-C.`,
    ].join('\n');
  }
  const headers = { Authorization: `Bearer ${token}` };
  const remote = { mcpServers: { enclave: { type: 'http', url, headers } } };
  const vscode = { servers: { enclave: { type: 'http', url, headers } } };
  return [
    `enclave-mcp is serving execute_agentscript at ${url}`,
    `Bearer token${generated ? ' (generated for this run; set ENCLAVE_MCP_TOKEN or --token to choose one)' : ''}: ${token}`,
    // The token rides in the fragment, which the browser never sends; the page keeps it for the tab and drops it from the address.
    `Playground (try scripts in a browser): ${url.replace(/\/mcp$/, '/')}#token=${encodeURIComponent(token)}`,
    '',
    'Claude Code:',
    `  claude mcp add --transport http enclave ${url} --header "Authorization: Bearer ${token}"`,
    'Cursor (.cursor/mcp.json) and other clients that take a URL and headers:',
    indent(JSON.stringify(remote, null, 2)),
    'VS Code (.vscode/mcp.json):',
    indent(JSON.stringify(vscode, null, 2)),
    '',
    `Legacy SSE clients: GET ${url.replace(/\/mcp$/, '/sse')} with the same header. Stop with Ctrl-C.`,
  ].join('\n');
}

const indent = (text: string): string => text.replace(/^/gm, '  ');
