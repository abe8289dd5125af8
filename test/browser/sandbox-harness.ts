// The browser sandbox's test bench: the test page (sandbox-page.ts) and the sandbox worker bundled with esbuild's
// JS API into a temporary folder (the worker with the same plugin as the web build), served on 127.0.0.1 by a small
// static server, and opened in Debian's Chromium through playwright-core. Pages under /isolated/ are cross-origin
// isolated (COOP + COEP, so SharedArrayBuffer exists); the others are not, as the playground is.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
// @ts-expect-error: a plain .mjs build helper without type declarations
import { sandboxTextsPlugin } from '../../scripts/sandbox-texts-plugin.mjs';
import type { PageRunOptions, PageRunOutcome } from './sandbox-page.js';
import { cspFor, WORKER_CSP } from '../../src/mcp/http-playground.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};
/** The playground's policies (src/mcp/http-playground.ts): the page's, and the worker's own. The sandbox must work under them. */
const PAGE_CSP = cspFor(undefined);
const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>sandbox</title></head><body><script type="module" src="page.js"></script></body></html>';

export interface SandboxBench {
  browser: Browser;
  /** A page that is ready (window.sandbox set); isolated: cross-origin isolated. */
  open(options?: { isolated?: boolean }): Promise<Page>;
  origin: string;
  close(): Promise<void>;
}

async function bundle(dir: string): Promise<void> {
  const common = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', logLevel: 'error', outdir: dir } as const;
  await Promise.all([
    build({ ...common, entryPoints: { page: join(ROOT, 'test/browser/sandbox-page.ts') }, plugins: [sandboxTextsPlugin()] }),
    // Minified, as the web build ships it (scripts/build-web.mjs).
    build({ ...common, minify: true, entryPoints: { 'sandbox-worker': join(ROOT, 'src/enclave/runtime/browser-worker.ts') }, plugins: [sandboxTextsPlugin()] }),
  ]);
  copyFileSync(createRequire(join(ROOT, 'package.json')).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'), join(dir, 'quickjs.wasm'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  for (const [name, text] of Object.entries(FAKE_WORKERS)) writeFileSync(join(dir, name), text);
}

/** Workers that misbehave, for the host's second lines: one that never answers a run, one that answers nonsense. */
const FAKE_WORKERS: Record<string, string> = {
  'stuck-worker.js': "postMessage({ type: 'ready' });\nself.onmessage = () => undefined;\n",
  'garbled-worker.js':
    "postMessage({ type: 'ready' });\nself.onmessage = (e) => { if (e.data.type === 'run') postMessage({ type: 'done', id: e.data.id, ok: 'yes' }); };\n",
  'throwing-worker.js': "postMessage({ type: 'ready' });\nself.onmessage = () => { throw new Error('worker bug'); };\n",
};

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isolated = url.pathname.startsWith('/isolated/');
    const rel = normalize(url.pathname.replace(/^\/isolated\//, '/')).replace(/^\/+/, '') || 'index.html';
    const type = TYPES[extname(rel)];
    if (rel.includes('..') || !type) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(join(dir, rel));
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'no-store',
      'content-security-policy': rel.endsWith('sandbox-worker.js') ? WORKER_CSP : PAGE_CSP,
      ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
    });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startSandboxBench(): Promise<SandboxBench> {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-browser-sandbox-'));
  await bundle(dir);
  const server = await serve(dir);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    browser,
    origin,
    async open({ isolated = false } = {}) {
      const page = await browser.newPage();
      await page.goto(`${origin}/${isolated ? 'isolated/' : ''}index.html`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 15_000 });
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** runInBrowser in the page, through window.sandbox (the arguments cross as JSON text: plain data either way). */
export function runInPage(page: Page, code: string, options: PageRunOptions = {}): Promise<PageRunOutcome> {
  return page.evaluate(
    (json) => {
      const [c, o] = JSON.parse(json) as [string, PageRunOptions];
      return window.sandbox.run(c, o);
    },
    JSON.stringify([code, options]),
  );
}
