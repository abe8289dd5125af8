#!/usr/bin/env node
// Command-line entry (DESIGN §7). Results are JSON on stdout; diagnostics go to stderr.
// Exit codes: 0 success / valid, 1 the script failed / is invalid, 2 usage or configuration error.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Enclave,
  type ExecutionResult,
  isSecurityLevel,
  recordingProblems,
  SECURITY_LEVELS,
  validate,
  type Recording,
  type SecurityLevel,
} from './enclave/index.js';
import { onShutdownSignal, signalExitCode } from './shared/index.js';
import { renderDeclarations } from './tool-bridge/declarations.js';
import { normalizeOrigin } from './mcp/http-cors.js';
import { openManifest, openReplay, type OpenManifest } from './mcp/open.js';
import { writePins } from './tool-bridge/pins.js';
import type { DownstreamTool, WithheldTool } from './tool-bridge/types.js';
import { terminalApprover } from './terminal-approval.js';
import { readyText } from './mcp/ready-text.js';
import { serve } from './mcp/serve.js';
import { SERVER_INFO } from './mcp/server.js';

const DEFAULT_MANIFEST = fileURLToPath(new URL('../manifests/default.json', import.meta.url));

const USAGE = `Usage:
  enclave-mcp run <file|-> [--manifest F] [--level L] [--record]
                                                        run a script, print its result as JSON; --record adds
                                                        every tool call and its result ("recording")
  enclave-mcp run <file|-> --replay R [--manifest F]    run it against recording R (a result run with --record or
                                                        record: true, or its "recording") instead of the tools
  enclave-mcp check <file|-> [--level L]                validate only, print the issues as JSON
  enclave-mcp tools [--manifest F] [--pin]              print the allowed tools as TypeScript declarations;
                                                        --pin writes their pins into the manifest
  enclave-mcp serve [--manifest F] [--transport stdio|http] [--host H] [--port P] [--token T] [--stateless] [--allowed-host H]... [--level L]
                    [--session-prefix NAME] [--metrics-port P] [--public-url URL] [--allow-origin ORIGIN]...
                                                        serve execute_agentscript over MCP (default: stdio)
  enclave-mcp --help | --version

A script is AgentScript: the body of an async function, e.g.  return [1, 2, 3].map(x => x * 2);
Use - to read the script from standard input. Levels: ${SECURITY_LEVELS.join(', ')}.
run without --manifest has no tools; tools and serve without --manifest read the bundled manifests/default.json.
HTTP: bearer token from --token or ENCLAVE_MCP_TOKEN (one is generated when neither is set, loopback only, unless the
manifest's auth names tokens or OAuth). --public-url URL: the external base URL; OAuth tokens must name URL/mcp.
Replicas behind a load balancer (deploy/README.md): --stateless, or --session-prefix NAME to start the session ids
this replica mints with "NAME." so the balancer can send each session back to it.
The playground: open the HTTP URL in a browser (the token goes in its token field). --allow-origin ORIGIN lets a
web application on another origin (e.g. https://app.example) call /mcp from the browser (CORS).
Metrics: GET /metrics (Prometheus) on the HTTP port with the token, or with --metrics-port P on a port of its own
without one (keep that port private). Logs: stderr; ENCLAVE_LOG=debug|info|warn|error|silent, ENCLAVE_LOG_FORMAT=json|text
(serving over HTTP: json at info by default).`;

class UsageError extends Error {}

async function readScript(source: string | undefined): Promise<string> {
  if (source === undefined) throw new UsageError('Name a script file, or - for standard input.');
  if (source !== '-') {
    try {
      return await readFile(source, 'utf8');
    } catch {
      throw new UsageError(`Cannot read the script file "${source}".`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function levelOf(value: string | undefined): SecurityLevel {
  const level = (value ?? 'STRICT').toUpperCase();
  if (!isSecurityLevel(level)) throw new UsageError(`--level must be one of ${SECURITY_LEVELS.join(', ')} (got "${value}").`);
  return level;
}

function print(value: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`, () => resolve()));
}

/** Every option of every command, for parseArgs; each command names the ones it takes (COMMANDS). */
const OPTIONS = {
  level: { type: 'string' },
  manifest: { type: 'string', short: 'm' },
  help: { type: 'boolean', short: 'h' },
  transport: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  stateless: { type: 'boolean' },
  'allowed-host': { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  'session-prefix': { type: 'string' },
  'metrics-port': { type: 'string' },
  pin: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  record: { type: 'boolean' },
  replay: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
} as const;

const parse = (argv: string[]) => parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
type Values = ReturnType<typeof parse>['values'];

/** What a command is given: its file argument (if any), the options it takes, and the level they name. */
interface Invocation {
  file: string | undefined;
  values: Values;
  level: SecurityLevel | undefined;
}

interface Command {
  /** The options it reads (besides --help): any other is a mistake said out loud, not ignored (`check --port abc`). */
  options: readonly (keyof typeof OPTIONS)[];
  run(invocation: Invocation): Promise<number>;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['run', { options: ['level', 'manifest', 'record', 'replay'], run: runCommand }],
  ['check', { options: ['level'], run: checkCommand }],
  ['tools', { options: ['manifest', 'level', 'pin'], run: toolsCommand }],
  [
    'serve',
    {
      options: [
        'manifest',
        'transport',
        'host',
        'port',
        'token',
        'stateless',
        'allowed-host',
        'public-url',
        'session-prefix',
        'metrics-port',
        'allow-origin',
        'level',
      ],
      run: serveCommand,
    },
  ],
]);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [name, file, ...extra] = positionals;
  if (values.version && name === undefined) {
    process.stdout.write(`${SERVER_INFO.version}\n`);
    return 0;
  }
  if (values.help || name === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  const command = COMMANDS.get(name);
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  checkOptionsOf(name, command, values);
  return command.run({ file, values, level: values.level === undefined ? undefined : levelOf(values.level) });
}

function checkOptionsOf(name: string, command: Command, values: Values): void {
  const takes: readonly string[] = command.options;
  const extra = Object.keys(values).filter((option) => values[option as keyof Values] !== undefined && option !== 'help' && !takes.includes(option));
  if (extra.length > 0)
    throw new UsageError(
      `${extra.map((n) => `--${n}`).join(', ')} ${extra.length === 1 ? 'does' : 'do'} not apply to ${name}; it takes ${takes.map((n) => `--${n}`).join(', ')}.`,
    );
}

async function checkCommand({ file, level }: Invocation): Promise<number> {
  const { valid, issues, score } = validate(await readScript(file), { securityLevel: level ?? 'STRICT' });
  await print({ valid, issues, ...(score !== undefined ? { score } : {}) }); // README: { valid, issues, score }
  return valid ? 0 : 1;
}

async function runCommand({ file, values, level }: Invocation): Promise<number> {
  const code = await readScript(file);
  const record = values.record ?? false;
  if (values.replay !== undefined) {
    if (record) throw new UsageError('--record and --replay do not go together: a replay calls no tool to record.');
    await using enclave = await openReplay(await readRecording(values.replay), values.manifest, level ? { securityLevel: level } : {});
    return printResult(await enclave.run(code));
  }
  if (values.manifest === undefined) {
    await using enclave = new Enclave({ securityLevel: level ?? 'STRICT' });
    return printResult(await enclave.run(code, { record }));
  }
  await using open = await openForCommand(values.manifest, level);
  // Approval is asked on the terminal when there is one; otherwise approval-needing calls are refused.
  const approver = terminalApprover();
  return printResult(await open.enclave.run(code, { toolHandler: open.bridge.handlerFor(approver ? { approver } : {}), record }));
}

async function toolsCommand({ file, values, level }: Invocation): Promise<number> {
  if (file !== undefined) throw new UsageError(`tools takes no file (got "${file}").`);
  const manifest = values.manifest ?? DEFAULT_MANIFEST;
  await using open = await openForCommand(manifest, level);
  const { bridge } = open;
  if (!values.pin) {
    process.stdout.write(`${toolsListing(bridge.withheld, bridge.tools)}\n`);
    return bridge.unavailable.length > 0 ? 1 : 0; // the listing lacks those servers' tools: not a success
  }
  const { pins, tools } = bridge.pinnable();
  // A server that is down has no tools to pin now: its pins are kept, not dropped.
  const down = new Set(bridge.unavailable.map((u) => u.server));
  const kept = Object.entries(open.manifest.pins ?? {}).filter(([name]) => down.has(name.slice(0, name.indexOf(':'))));
  await writePins(manifest, { ...Object.fromEntries(kept), ...pins });
  process.stderr.write(`enclave-mcp: pinned ${Object.keys(pins).length} tool(s) in ${manifest}\n`);
  if (kept.length > 0)
    process.stderr.write(`enclave-mcp: kept ${kept.length} pin(s) of unavailable server(s) ${[...down].join(', ')}; pin again once they are up\n`);
  process.stdout.write(`${toolsListing([], tools)}\n`);
  return down.size > 0 ? 1 : 0;
}

async function serveCommand({ file, values, level }: Invocation): Promise<number> {
  if (file !== undefined) throw new UsageError(`serve takes no file (got "${file}").`);
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') throw new UsageError(`--transport must be stdio or http (got "${transport}").`);
  const port = portOf('--port', values.port);
  const metricsPort = portOf('--metrics-port', values['metrics-port']);
  const token = values.token ?? process.env.ENCLAVE_MCP_TOKEN;
  // An empty token is a mistake (an unset variable in a script), never a request for a generated one.
  if (token === '')
    throw new UsageError('--token (or ENCLAVE_MCP_TOKEN) is empty. Give a long random token, or leave both unset on 127.0.0.1 to get a generated one.');
  await serve({
    manifest: values.manifest ?? DEFAULT_MANIFEST,
    transport,
    ...(level ? { securityLevel: level } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(token ? { token } : {}),
    stateless: values.stateless ?? false,
    ...(values['allowed-host'] ? { allowedHosts: values['allowed-host'] } : {}),
    ...(values['allow-origin'] ? { allowedOrigins: values['allow-origin'].map(originOf) } : {}),
    ...(values['public-url'] !== undefined ? { publicUrl: values['public-url'] } : {}),
    ...(values['session-prefix'] !== undefined ? { sessionPrefix: values['session-prefix'] } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    onReady: ({ url, token: used, accepts }) => {
      // HTTP only: on stdio, stdout is the protocol.
      if (url) process.stdout.write(`${readyText(url, used, token === undefined, accepts)}\n`);
    },
  });
  return 0;
}

/** A port option's number (0 picks a free port); undefined when it is not given. */
function portOf(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError(`${option} must be a port number (got "${value}").`);
  return port;
}

/** Prints a run's result; the exit code says whether the script succeeded. */
async function printResult(result: ExecutionResult): Promise<number> {
  await print(result);
  return result.success ? 0 : 1;
}

/**
 * The manifest opened for one command, closed on every way out (`await using`); Ctrl-C or SIGTERM meanwhile closes it
 * and exits as a shell expects (130, 143). One while it is still opening exits at once: the servers started so far end
 * through their exit hooks. The handlers stay until it is closed, so no signal cuts the closing short.
 */
async function openForCommand(file: string, level: SecurityLevel | undefined): Promise<OpenManifest> {
  let open: OpenManifest | undefined;
  const signals = onShutdownSignal((signal) => {
    const exit = () => process.exit(signalExitCode(signal));
    if (open) void open.close().finally(exit);
    else exit();
  });
  try {
    open = await openManifest(file, level ? { securityLevel: level } : {});
  } catch (error) {
    signals[Symbol.dispose]();
    throw error;
  }
  for (const { server, reason } of open.bridge.unavailable) process.stderr.write(`enclave-mcp: server "${server}" is unavailable: ${reason}\n`);
  const { close } = open;
  return {
    ...open,
    async [Symbol.asyncDispose]() {
      try {
        await close();
      } finally {
        signals[Symbol.dispose]();
      }
    },
  };
}

/** A recording file: the recording itself, or a whole result that carries one (what `run --record` prints). */
async function readRecording(file: string): Promise<Recording> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`Cannot read the recording file "${file}".`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The recording file "${file}" is not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  const inner = (json as { recording?: unknown } | null)?.recording;
  const recording = inner !== undefined && !Array.isArray((json as { calls?: unknown }).calls) ? inner : json;
  const problems = recordingProblems(recording);
  if (problems.length > 0) throw new UsageError(`The recording file "${file}" cannot be replayed: ${problems.slice(0, 3).join(' ')}`);
  return recording as Recording;
}

/** --allow-origin takes an origin exactly (scheme, host, port): a page's address is not one, and * is never allowed. */
function originOf(value: string): string {
  const origin = normalizeOrigin(value);
  if (!origin)
    throw new UsageError(`--allow-origin must be an http(s) origin such as https://app.example or http://127.0.0.1:5173 (got "${value.slice(0, 100)}").`);
  return origin;
}

/**
 * `tools` output: the declarations, each flagged tool with a warning comment above it, and the withheld tools named
 * in a comment at the end (their texts are what must not be shown).
 */
function toolsListing(withheld: readonly WithheldTool[], tools: readonly DownstreamTool[]): string {
  const flagged = tools.filter((t) => t.flags?.length);
  const warnings = flagged.map((t) => `// warning: ${t.qualifiedName}'s texts look like instructions to the model: ${t.flags!.join('; ')}`);
  const held = withheld.map(
    (w) => `// withheld: ${w.qualifiedName} (${w.reason === 'changed' ? 'definition changed since pinned' : 'new, not pinned'}; review, then run tools --pin)`,
  );
  return [renderDeclarations(tools), ...warnings, ...held].filter(Boolean).join('\n\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The usage text helps with the command line, not with a manifest (EnclaveConfigError, ConfigError).
    const usage = error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`enclave-mcp: ${error instanceof Error ? error.message : String(error)}\n${usage ? `\n${USAGE}\n` : ''}`);
    process.exit(2);
  },
);
