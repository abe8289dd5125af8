// The composition root: a manifest made live, its downstream servers connected behind a ToolBridge and an Enclave
// that calls them. The CLI's `run` and `tools` and the MCP server's `serve` all start here, so they load and fail
// alike. It lives in the layer that assembles the server, not in the bridge: the bridge only answers the Enclave's
// tool calls and never builds one, and the CLI reaches it as it reaches `serve` (cli → mcp → tool-bridge → enclave).
import { Enclave, replayHandler, type Recording, type SecurityLevel } from '../enclave/index.js';
import { log, MIN_REDACTED_LENGTH } from '../shared/index.js';
import { ToolBridge, type BridgeOptions } from '../tool-bridge/bridge.js';
import { loadManifest, secretValues, type Env, type Manifest } from '../tool-bridge/manifest.js';

export interface OpenOptions {
  env?: Env;
  /** Overrides the manifest's securityLevel (the CLI's --level). */
  securityLevel?: SecurityLevel;
  bridge?: Omit<BridgeOptions, 'secrets'>;
}

/** Owns the enclave and the bridge it opened: `await using open = await openManifest(…)` closes both on every way out. */
export interface OpenManifest extends AsyncDisposable {
  manifest: Manifest;
  bridge: ToolBridge;
  enclave: Enclave;
  /** Disposes the enclave and closes every downstream server (their child processes end with it); what disposing does. */
  close(): Promise<void>;
}

/** Throws ConfigError when the manifest is unusable; servers that cannot connect are retried in the background. */
export async function openManifest(file: string, options: OpenOptions = {}): Promise<OpenManifest> {
  const manifest = await loadManifest(file, options.env ?? process.env);
  return openLoaded(manifest, options);
}

export async function openLoaded(manifest: Manifest, options: OpenOptions = {}): Promise<OpenManifest> {
  const secrets = secretValues(manifest);
  // Redaction matches whole values and skips very short ones (a 4-digit PIN would garble every number); say so.
  const short = secrets.filter((s) => s.length < MIN_REDACTED_LENGTH).length;
  if (short > 0) log.warn(`${short} value(s) from \${env:…} are shorter than ${MIN_REDACTED_LENGTH} characters and will not be redacted from outputs`);
  let bridge: ToolBridge | undefined;
  const enclave = new Enclave({
    securityLevel: options.securityLevel ?? manifest.securityLevel ?? 'STRICT',
    ...(manifest.limits ? { limits: manifest.limits } : {}),
    toolHandler: (name, args, context) => bridge!.toolHandler(name, args, context), // set before any run
    secrets: [...secrets],
  });
  enclave.warm(); // the sandbox workers start while the downstream servers connect
  try {
    bridge = await ToolBridge.start(manifest, { ...options.bridge, secrets });
  } catch (error) {
    await enclave.dispose();
    throw error;
  }
  const live = bridge;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= Promise.all([enclave.dispose(), live.close()]).then(() => undefined));
  return { manifest, bridge: live, enclave, close, [Symbol.asyncDispose]: close };
}

/**
 * An enclave that answers tool calls from a recording instead of the manifest's servers (`run --replay`): the
 * manifest, when given, only sets the level, the limits and the secrets to redact. No downstream server is started,
 * so a script can be fixed against recorded results while the real tools are down, slow, or must not be touched.
 */
export async function openReplay(recording: Recording, file: string | undefined, options: Pick<OpenOptions, 'env' | 'securityLevel'> = {}): Promise<Enclave> {
  // No server starts, so a variable only its servers need (a production credential) may be unset: it reads as ''.
  const env = options.env ?? process.env;
  const lenient: Env = new Proxy(env, { get: (target, name) => (typeof name === 'string' ? (target[name] ?? '') : undefined) });
  const manifest = file === undefined ? undefined : await loadManifest(file, lenient);
  return new Enclave({
    securityLevel: options.securityLevel ?? manifest?.securityLevel ?? 'STRICT',
    ...(manifest?.limits ? { limits: manifest.limits } : {}),
    toolHandler: replayHandler(recording),
    secrets: manifest ? [...secretValues(manifest)] : [],
    poolSize: 1,
  });
}
