// Shared by the browser tests: Debian's chromium driven by playwright-core (no browser download), and the real CLI
// `serve --transport http` in front of real downstream servers (server-memory, server-everything), started as the
// contract does and stopped with every process it started (found by a mark through /proc, test/processes.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { killMarked, survivorsAfter } from '../processes.js';
import { EVERYTHING_SERVER, MEMORY_SERVER, tempDir } from '../tool-bridge/helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_INDEX = join(REPO_ROOT, 'dist/web/index.html');

/** The house's launch settings: the system browser, nothing that phones home. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Tools the default-like manifest allows and denies (as the contract's). */
export const ALLOWED = [
  'memory:create_entities',
  'memory:read_graph',
  'memory:search_nodes',
  'everything:echo',
  'everything:get-sum',
  'everything:trigger-long-running-operation',
];
export const DENIED = ['memory:delete_entities', 'memory:delete_observations', 'everything:get-env', 'everything:get-tiny-image'];

export function defaultLikeManifest(dir: string, mark: string): Record<string, unknown> {
  const env = { TEST_MARK: mark };
  const slow = { connectTimeoutMs: 60_000 }; // test files start servers at once on a shared two-core machine
  return {
    securityLevel: 'STRICT',
    limits: { timeoutMs: 30_000, maxToolCalls: 100 },
    servers: {
      memory: { command: process.execPath, args: [MEMORY_SERVER], env: { ...env, MEMORY_FILE_PATH: join(dir, 'graph.jsonl') }, ...slow },
      everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env, ...slow },
    },
    allow: ['memory:*', 'everything:echo', 'everything:get-sum', 'everything:trigger-long-running-operation'],
    deny: ['memory:delete_*'],
  };
}

export interface Served {
  /** http://127.0.0.1:<port> (the page is at `${base}/`). */
  base: string;
  /** `${base}/mcp`. */
  url: string;
  token: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `serve --transport http --port 0` with the default-like manifest (changed by `edit`, e.g. to add `auth`) and
 * `extraArgs` (a later --port wins); resolves once it printed its URL.
 */
export async function startServe(
  name: string,
  extraArgs: readonly string[] = [],
  edit: (manifest: Record<string, unknown>) => Record<string, unknown> = (m) => m,
): Promise<Served> {
  if (!existsSync(WEB_INDEX)) throw new Error('dist/web is not built: test/global-setup.ts runs scripts/build-web.mjs; see its output.');
  const mark = `enclave-browser-${name}-${process.pid}-${Date.now().toString(36)}`;
  const dir = tempDir('enclave-browser');
  const file = join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(edit(defaultLikeManifest(dir, mark))));
  const token = `browser-token-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
  const { ENCLAVE_MCP_TOKEN: _unset, ...env } = process.env;
  const args = ['--import', TSX, 'src/cli.ts', 'serve', '--transport', 'http', '--port', '0', '--manifest', file, '--token', token, ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...env, TEST_MARK: mark, ENCLAVE_LOG: 'info', ENCLAVE_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    await survivorsAfter(mark, 3000);
    killMarked(mark);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 90 s: ${err.slice(-2000)}`)), 90_000);
    const look = (): void => {
      const found = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
      if (found && /Stop with Ctrl-C/.test(out)) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err.slice(-2000)}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { base: url.replace(/\/mcp$/, ''), url, token, child, stderr: () => err, stop };
}

export interface Seen {
  t: number;
  method: string;
  url: string;
  body: string;
}

/** A fresh page (1280×800) with every request it makes recorded, and console errors kept for failure messages. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; requests: Seen[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests: Seen[] = [];
  const errors: string[] = [];
  context.on('request', (r: Request) => requests.push({ t: Date.now(), method: r.method(), url: r.url(), body: r.postData() ?? '' }));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid=editor] .cm-content').catch((error: unknown) => {
    throw new Error(`the page did not show its editor (${String(error).split('\n')[0]}); page errors: ${errors.join(' | ') || 'none'}`);
  });
  return { page, requests, errors };
}

/** Gives the page the token (as a person would: type it, leave the field) and waits for the tools to be listed. */
export async function giveToken(page: Page, token: string): Promise<void> {
  await page.fill('[data-testid=token]', token);
  await page.press('[data-testid=token]', 'Tab');
}

/** Replaces the editor's whole text (select all, then insert, as a paste would). */
export async function setScript(page: Page, code: string): Promise<void> {
  await page.click('[data-testid=editor] .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

/** The editor's text as CodeMirror holds it. */
export const editorText = (page: Page): Promise<string> =>
  page.evaluate(() => [...document.querySelectorAll('[data-testid=editor] .cm-line')].map((l) => l.textContent).join('\n'));

/** textContent of a data-testid element ('' when absent). */
export const textOf = (page: Page, id: string): Promise<string> =>
  page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', id);

/** Waits until the element's text satisfies `pred` and returns it (or fails saying what it held). */
export async function waitText(page: Page, id: string, pred: (text: string) => boolean, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  let text = '';
  while (Date.now() < end) {
    text = await textOf(page, id);
    if (pred(text)) return text;
    await page.waitForTimeout(25); // polling the page, not waiting for time to pass
  }
  throw new Error(`[data-testid=${id}] never matched within ${ms} ms; it holds: ${text.slice(0, 400)}`);
}

/** JSON-RPC messages of a request body. */
export function rpcMessages(body: string): Array<{ method?: string; params?: { name?: string; arguments?: { code?: string } } }> {
  try {
    const parsed = JSON.parse(body) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).filter((m) => m !== null && typeof m === 'object');
  } catch {
    return [];
  }
}
