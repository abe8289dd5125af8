// Errors of the tool bridge. Configuration errors stop startup (CLI exit 2); call errors reach the script
// as the enclave's ToolCallError codes (UNKNOWN_TOOL, INVALID_TOOL_ARGS, TOOL_ERROR).

/** A manifest or server configuration the bridge cannot use. `path` is the JSON path, when one applies. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_ERROR';
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ConfigError';
    this.path = path;
  }
}
