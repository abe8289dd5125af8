// A real redis-server (Debian's package) for a test: on a free port of 127.0.0.1, in a temporary folder, with no
// persistence, started and stopped by the test. Missing redis-server fails the test with how to install it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../tool-bridge/helpers.js';

/** Debian's redis-server is in /usr/bin; /usr/sbin and /usr/local/bin are searched too, for other layouts. */
export function findRedisServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir.startsWith('/')), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  const found = dirs.map((dir) => join(dir, 'redis-server')).find((file) => existsSync(file));
  if (!found) throw new Error('redis-server is not installed, and these tests need a real one: apt-get install -y redis-server (Debian; .ci/run does this)');
  return found;
}

export { freePort };

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Starts it again on the same port (after stop()). */
  restart(): Promise<void>;
  /** SIGTERM, and waits until it has exited. */
  stop(): Promise<void>;
  /** Stops and removes its folder. */
  dispose(): Promise<void>;
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const bin = findRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'enclave-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.password) args.push('--requirepass', options.password);
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  let child = await launch(bin, args);
  const server: RedisServer = {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    get process() {
      return child;
    },
    async restart() {
      child = await launch(bin, args);
    },
    async stop() {
      await stopProcess(child);
    },
    async dispose() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Resolves once redis-server says it accepts connections; rejects with its output if it stops first. */
function launch(bin: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s: ${output.slice(-500)}`)), 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT'); // in case a test left it stopped
  child.kill('SIGTERM');
  await exited;
}
