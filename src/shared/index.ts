// What every layer needs and no layer owns: the logger, redaction and the configuration error. It imports no
// layer, so the enclave, the tool bridge, the MCP server and the CLI can all depend on it (test/architecture.test.ts).
export { ConfigError } from './config-error.js';
export { closing, onProcessExit, onShutdownSignal, onUnhandledRejection, type ShutdownSignal, signalExitCode } from './lifetime.js';
export { configureLog, log, logEnabled, type LogFields, type LogFormat, type LoggerLevel } from './log.js';
export { type HostDir, hostDirs } from './replacer.js';
export { MIN_REDACTED_LENGTH, Redactor, secretsFromEnv } from './redaction.js';
export { capText, MAX_MESSAGE_LENGTH, plainText, utf8Length } from './text.js';
