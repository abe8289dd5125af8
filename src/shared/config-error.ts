// The error of a configuration nobody can run with: a manifest, a server entry, a flag or an environment value.
// Every layer above the enclave raises it; startup stops (CLI exit 2) and the message says what to change.

/** A configuration that cannot be used. `path` is the JSON path (or the flag), when one applies. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_ERROR';
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ConfigError';
    this.path = path;
  }
}
