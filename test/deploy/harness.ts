// Real nginx in front of real replicas, for the deploy tests and `npm run bench:replicas`: deploy/'s configuration
// rendered with free ports into a temporary folder, Debian's nginx started on it in the foreground, and
// `serve --transport http` replicas as child processes. Each process runs in a group of its own (detached), so
// that stopping it also stops its downstream servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

/** The ports deploy/'s files name for their three replicas, and the port they listen on. */
const DEPLOY_REPLICA_PORTS = [3331, 3332, 3333] as const;

/** Debian installs nginx in /usr/sbin, which is not on every user's PATH. */
export function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir.startsWith('/')), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'nginx')).find((path) => existsSync(path));
}

export interface Group {
  readonly label: string;
  readonly child: ChildProcess;
  /** Output so far (its last 16 KB), for failure messages. */
  output(): string;
  exited(): boolean;
}

/** A child process in a process group of its own. */
export function startGroup(label: string, command: string, args: string[], env: Record<string, string> = {}): Group {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let gone = false;
  child.once('exit', () => (gone = true));
  child.once('error', (error) => {
    gone = true;
    out += `\n${error.message}`;
  });
  return { label, child, output: () => out, exited: () => gone };
}

/** Signals the whole group (the process and its downstream servers). */
export function signalGroup(group: Group, signal: NodeJS.Signals): void {
  try {
    if (group.child.pid) process.kill(-group.child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL for whatever is left after `graceMs`. */
export async function stopGroup(group: Group, graceMs = 5_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (group.exited()) return resolve();
    group.child.once('exit', () => resolve());
    setTimeout(resolve, graceMs).unref(); // the grace period: what is left then is killed
  });
  signalGroup(group, signal);
  await exited;
  signalGroup(group, 'SIGKILL'); // the group: a downstream server may outlive its parent
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `url` answers at all (any status); throws with the process's output if it exits or never does. */
export async function waitUntilAnswering(group: Group, url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !group.exited()) {
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).arrayBuffer();
      return;
    } catch {
      await sleep(150); // not up yet: look again
    }
  }
  throw new Error(`${group.label} did not come up at ${url}: ${group.output().slice(-2_000)}`);
}

/** A manifest with server-everything's get-sum and trigger-long-running-operation (a wait): what every replica serves. */
export function writeEverythingManifest(dir: string, mark: string): string {
  const file = join(dir, 'manifest.json');
  // `mark` in the server's environment lets a test find (and count) the downstream processes through /proc.
  const everything = { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { TEST_MARK: mark }, connectTimeoutMs: 60_000 };
  // A shared two-core machine runs three replicas at once here: no TIMEOUT from a slow turn.
  writeFileSync(
    file,
    JSON.stringify({ limits: { timeoutMs: 30_000 }, servers: { everything }, allow: ['everything:get-sum', 'everything:trigger-long-running-operation'] }),
  );
  return file;
}

export interface ReplicaOptions {
  port: number;
  manifest: string;
  token: string;
  /** The Host clients send to nginx, which nginx forwards (deploy/'s files: proxy_set_header Host $http_host). */
  allowedHost: string;
  /** What the unit's $ENCLAVE_MCP_ARGS holds, e.g. ['--stateless']. */
  args?: string[];
}

/**
 * A replica as deploy/enclave-mcp@.service starts it: the arguments of its ExecStart after `serve`, with %i the
 * port, the unit's environment filled in and the token in ENCLAVE_MCP_TOKEN; run from the source (the CLI as
 * `npx tsx src/cli.ts` runs it, without npx's own process) instead of /opt/enclave-mcp/dist/cli.js.
 */
export async function startReplica(options: ReplicaOptions): Promise<Group> {
  const args = ['--import', TSX, 'src/cli.ts', ...unitServeArgs(options)];
  const group = startGroup(`replica :${options.port}`, process.execPath, args, { ENCLAVE_MCP_TOKEN: options.token });
  await waitUntilAnswering(group, `http://127.0.0.1:${options.port}/healthz`);
  return group;
}

/** The unit's ExecStart from `serve` on, filled in; throws if its shape changed, so the test follows the file. */
export function unitServeArgs(options: ReplicaOptions): string[] {
  const unit = readFileSync(join(REPO, 'deploy', 'enclave-mcp@.service'), 'utf8').replace(/\\\n\s*/g, ' ');
  const words = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.trim().split(/\s+/) ?? [];
  const at = words.indexOf('serve');
  if (at < 0 || !words.includes('/etc/enclave-mcp/manifest.json'))
    throw new Error('deploy/enclave-mcp@.service: ExecStart changed shape; update the test harness');
  const fill: Record<string, string[]> = {
    '/etc/enclave-mcp/manifest.json': [options.manifest],
    '${ENCLAVE_MCP_PUBLIC_HOST}': [options.allowedHost],
    $ENCLAVE_MCP_ARGS: options.args ?? [],
  };
  return words.slice(at).flatMap((word) => fill[word] ?? [word.replaceAll('%i', String(options.port))]);
}

/**
 * deploy/<file> with its ports replaced: 3331–3333 by `replicas`, `listen 80` by 127.0.0.1:`listen`. Throws if
 * the file no longer names them, so that the test cannot quietly run a configuration other than the shipped one.
 */
export function renderDeployConfig(file: string, listen: number, replicas: readonly number[]): string {
  let text = readFileSync(join(REPO, 'deploy', file), 'utf8');
  if (!/^\s*listen 80;$/m.test(text)) throw new Error(`deploy/${file} no longer says "listen 80;": update the test's rendering`);
  text = text.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${listen};`);
  for (const port of DEPLOY_REPLICA_PORTS)
    if (!text.includes(`127.0.0.1:${port}`)) throw new Error(`deploy/${file} no longer names replica port ${port}: update the test's rendering`);
  // Every whole number that is a deploy port (an address, an upstream's name, a session prefix r3331), in one pass:
  // replaced one port after another, a free port that held the next one's digits (43333, then 3333 → 36437) was
  // rewritten again, and nginx refused "127.0.0.1:436437" (CI).
  return text.replace(/(?<!\d)(\d+)(?!\d)/g, (number: string) => {
    const i = DEPLOY_REPLICA_PORTS.indexOf(Number(number) as (typeof DEPLOY_REPLICA_PORTS)[number]);
    return i < 0 ? number : String(replicas[i]);
  });
}

/** What nginx logs per request; upstream_* list one value per replica tried ("a, b" after a retry). */
export const LOG_FIELDS = ['msec', 'request_time', 'status', 'upstream_addr', 'upstream_status', 'upstream_bytes_sent', 'request_method'] as const;

export interface Nginx {
  group: Group;
  url: string;
  /** nginx's access log, one line per request: LOG_FIELDS joined by "|". */
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in the foreground on deploy/<file>, everything it writes (pid, logs, temporary files) in `dir`.
 * The top-level nginx.conf here stands in for /etc/nginx/nginx.conf; deploy/'s file is included in http {} as
 * Debian's conf.d/ would.
 */
export async function startNginx(binary: string, dir: string, file: string, listen: number, replicas: readonly number[]): Promise<Nginx> {
  const root = join(dir, 'nginx');
  for (const sub of ['', 'logs', 'tmp']) mkdirSync(join(root, sub), { recursive: true });
  // Run as root, nginx's workers drop to nobody: they must reach the temporary folders under a 0700 mkdtemp.
  chmodSync(dir, 0o755);
  writeFileSync(join(root, 'enclave-mcp.conf'), renderDeployConfig(file, listen, replicas));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${root}/tmp/${t};`).join('\n');
  writeFileSync(
    join(root, 'nginx.conf'),
    `daemon off;
worker_processes 2;
pid ${root}/nginx.pid;
error_log ${root}/logs/error.log warn;
events { worker_connections 2048; }
http {
  log_format replicas '${LOG_FIELDS.map((f) => `$${f}`).join('|')}';
  access_log ${root}/logs/access.log replicas;
${temp}
  include ${root}/enclave-mcp.conf;
}
`,
  );
  const group = startGroup('nginx', binary, ['-p', `${root}/`, '-e', `${root}/logs/error.log`, '-c', `${root}/nginx.conf`]);
  const url = `http://127.0.0.1:${listen}`;
  await waitUntilAnswering(group, `${url}/healthz`, 15_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${readOr(join(root, 'logs/error.log'))}`);
  });
  return {
    group,
    url,
    accessLog: () => readOr(join(root, 'logs/access.log')),
    stop: () => stopGroup(group, 3_000, 'SIGQUIT'), // SIGQUIT: nginx's graceful shutdown
  };
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
