// A real `serve --transport http` child process for the HTTP property, in front of the fixture server as `fx` (its
// environment gets both canaries through ${env:…}, which makes them secrets to redact), and raw node:http requests
// that send exactly what a case says, Host included, and always come back: a stream is cut after a moment.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { killMarked } from '../processes.js';
import { PLAIN_ENV, SECRET_ENV } from './canaries.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const FIXTURE_STDIO = fileURLToPath(new URL('../fixtures/stdio-server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Served {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts the CLI's HTTP server at STANDARD with a 1.5 s script deadline; resolves once it prints its URL. */
export async function startServer(timeoutMs: number): Promise<Served> {
  const mark = `enclave-fuzz-http-${process.pid}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'enclave-fuzz-http-'));
  const token = `fuzz-token-${Math.random().toString(36).slice(2)}-0123456789`;
  const manifest = {
    securityLevel: 'STANDARD',
    limits: { timeoutMs },
    servers: {
      fx: {
        command: process.execPath,
        args: ['--import', TSX, FIXTURE_STDIO],
        env: { FUZZ_MARK: mark, FIXTURE_SECRET: `\${env:${SECRET_ENV}}`, FIXTURE_VALUE: `\${env:${PLAIN_ENV}}` },
        connectTimeoutMs: 60_000,
      },
    },
    allow: ['fx:echo', 'fx:add', 'fx:fail', 'fx:env_echo'],
  };
  const file = join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(manifest));
  const { ENCLAVE_MCP_TOKEN: _unset, ...env } = process.env;
  const args = ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--port', '0', '--manifest', file, '--token', token];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...env, FUZZ_MARK: mark }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    child.kill('SIGKILL');
    killMarked(mark);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 90 s: ${err}`)), 90_000);
    const look = (): void => {
      const found = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
      if (found && /Stop with Ctrl-C/.test(out)) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, port: Number(new URL(url).port), token, child, stderr: () => err, stop };
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send no Host header at all (Node adds one unless told not to). */
  noHost?: boolean;
}
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The server closed the connection without an answer (its HTTP parser refused the request). */
  dropped?: boolean;
}

/**
 * One request as written. An event stream is read for `streamMs` and then cut (a GET stream never ends by itself);
 * any other answer is read to its end. Rejects only when nothing at all came back within `limitMs`.
 */
export function send(port: number, req: RawRequest, limitMs: number, streamMs = 300): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Content-Length always: for a GET or DELETE, Node would send the body unframed after the head, where the server
    // reads it as a second, malformed request and drops the connection (a client artifact, not the server's doing).
    const headers = req.body ? { 'Content-Length': String(req.body.length), ...req.headers } : req.headers;
    const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, setHost: !req.noHost });
    const timer = setTimeout(() => {
      r.destroy();
      reject(new Error(`no complete answer to ${req.method} ${req.path.slice(0, 80)} within ${limitMs} ms`));
    }, limitMs);
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      const done = (): void => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', done);
      res.on('error', done);
      if (String(res.headers['content-type']).startsWith('text/event-stream') && req.method === 'GET') {
        setTimeout(() => {
          res.destroy();
          done();
        }, streamMs);
      }
    });
    r.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: 0, headers: {}, text: '', dropped: true });
      else reject(error);
    });
    r.end(req.body);
  });
}

/** The JSON-RPC messages of an answer: a JSON body, or the `data:` lines of an event stream. */
export function messagesOf(res: RawResponse): unknown[] {
  const type = String(res.headers['content-type'] ?? '');
  const texts = type.startsWith('text/event-stream')
    ? res.text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
    : [res.text];
  return texts.flatMap((t) => {
    try {
      const parsed = JSON.parse(t) as unknown;
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      return [];
    }
  });
}
