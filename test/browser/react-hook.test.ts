// enclave-mcp/react: useAgentScript in the example app (examples/react-app, built by its own build.mjs), served from
// another 127.0.0.1 origin than the real `serve --transport http --allow-origin <it>`, in Debian's chromium. Also the
// hook's reducer on its own: what each happening of a run does to the state.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEnclave, type EnclaveClient, type ExecutionResult } from '../../src/client/index.js';
import { IDLE, reduceRun } from '../../src/react/index.js';
import { tempDir } from '../tool-bridge/helpers.js';
import { ALLOWED, DENIED, launchBrowser, REPO_ROOT, type Served, startServe } from './browser.js';
import { serveStatic, type StaticSite } from './react-static.js';
import { longScript, STOP_SLACK, settledWrites, until } from './react-scripts.js';

const N = Math.random().toString(36).slice(2, 8);
const MAIN = [
  `await callTool('memory:create_entities', { entities: [{ name: 'Hook-${N}', entityType: 'person', observations: [] }] });`,
  `console.log('one-${N}');`,
  `await callTool('everything:trigger-long-running-operation', { duration: 0.4, steps: 1 });`,
  `console.log('two-${N}');`,
  `const g = await callTool('memory:read_graph', {});`,
  `return g.entities.filter(e => e.name === 'Hook-${N}').map(e => e.name);`,
].join('\n');

describe('reduceRun', () => {
  const result = (code?: string): ExecutionResult => ({
    success: code === undefined,
    ...(code ? { error: { code: code as 'CANCELLED', message: 'm' } } : { value: 1 }),
    logs: [],
    stats: { durationMs: 1, toolCalls: 0, iterations: 0 },
  });

  it("a tool call's end updates its start's entry in place; logs append in order", () => {
    let state = reduceRun(IDLE, { type: 'start' });
    state = reduceRun(state, { type: 'tool', call: { id: 1, tool: 'a:b', args: { x: 1 }, status: 'running' } });
    state = reduceRun(state, { type: 'log', level: 'log', message: 'between' });
    state = reduceRun(state, { type: 'tool', call: { id: 2, tool: 'a:c', args: {}, status: 'running' } });
    state = reduceRun(state, { type: 'tool', call: { id: 1, tool: 'a:b', status: 'ok', durationMs: 5, resultBytes: 9 } });
    expect(state.events).toEqual([
      { kind: 'tool', call: { id: 1, tool: 'a:b', args: { x: 1 }, status: 'ok', durationMs: 5, resultBytes: 9 } },
      { kind: 'log', level: 'log', message: 'between' },
      { kind: 'tool', call: { id: 2, tool: 'a:c', args: {}, status: 'running' } },
    ]);
    expect(state.status).toBe('running');
  });

  it('finished → done (also for a failed script) or cancelled; failed → error; start clears the last run', () => {
    const running = reduceRun(IDLE, { type: 'start' });
    expect(reduceRun(running, { type: 'finished', result: result() })).toMatchObject({ status: 'done', result: { value: 1 } });
    expect(reduceRun(running, { type: 'finished', result: result('TOOL_ERROR') }).status).toBe('done');
    expect(reduceRun(running, { type: 'finished', result: result('CANCELLED') }).status).toBe('cancelled');
    const failed = reduceRun(running, { type: 'failed', error: new Error('lost') });
    expect(failed).toMatchObject({ status: 'error', error: { message: 'lost' } });
    const again = reduceRun(reduceRun(failed, { type: 'log', level: 'log', message: 'x' }), { type: 'start' });
    expect(again).toEqual({ status: 'running', events: [], result: undefined, error: undefined });
  });
});

describe('useAgentScript in the example app, against the real server from another origin', () => {
  let outdir: string;
  let site: StaticSite;
  let served: Served;
  let browser: Browser;
  let probe: EnclaveClient;

  beforeAll(async () => {
    outdir = tempDir('react-app');
    execFileSync(process.execPath, ['examples/react-app/build.mjs', '--outdir', outdir], { cwd: REPO_ROOT, stdio: 'pipe' });
    site = await serveStatic(outdir);
    served = await startServe('react', ['--allow-origin', site.origin]);
    browser = await launchBrowser();
    probe = await connectEnclave({ url: served.url, token: served.token });
  }, 120_000);
  afterAll(async () => {
    await probe?.close();
    await browser?.close();
    await served?.stop();
    await site?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  /** The app, connected through the address's fragment; page errors and console errors are collected. */
  async function openApp(): Promise<{ page: Page; errors: string[] }> {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${site.origin}/#server=${encodeURIComponent(served.url)}&token=${encodeURIComponent(served.token)}`);
    await page.waitForSelector('[data-testid=connected]');
    return { page, errors };
  }
  const rows = (page: Page): Promise<Array<{ kind: string; status: string; text: string }>> =>
    page.$$eval('[data-testid=event]', (els) =>
      els.map((e) => ({ kind: e.getAttribute('data-kind') ?? '', status: e.getAttribute('data-status') ?? '', text: e.textContent ?? '' })),
    );
  const logRows = async (page: Page): Promise<number> => (await rows(page)).filter((r) => r.kind === 'log').length;

  it('runs a script: tool calls appear (one row each, updated in place) before the result; the token leaves the address', async () => {
    const { page, errors } = await openApp();
    expect(page.url()).not.toContain(served.token);
    // Times, in the page, at which the first tool row and the result first appeared.
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        if (!seen.tool && document.querySelector('[data-kind=tool]')) seen.tool = performance.now();
        if (!seen.result && document.querySelector('[data-testid=result]')) seen.result = performance.now();
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.fill('[data-testid=editor]', MAIN);
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=result]');
    expect(JSON.parse(await page.textContent('[data-testid=result]').then(String))).toEqual([`Hook-${N}`]);
    expect(await page.textContent('[data-testid=status]')).toBe('done');
    const seen = await page.evaluate(() => (window as unknown as { seen: Record<string, number> }).seen);
    expect(seen.result! - seen.tool!).toBeGreaterThanOrEqual(200);
    const shown = await rows(page);
    expect(shown.map((r) => `${r.kind}:${r.status}`)).toEqual(['tool:ok', 'log:log', 'tool:ok', 'log:log', 'tool:ok']);
    expect(shown[0]!.text).toContain('memory:create_entities');
    expect(shown[0]!.text).toContain(`Hook-${N}`); // the start's args stay when the end updates the row
    expect(shown[2]!.text).toMatch(/trigger-long-running-operation.* ms/);
    expect(shown[3]!.text).toContain(`two-${N}`);
    expect(errors).toEqual([]);
  });

  it('Cancel: the page shows the run cancelled within 2 s, and the script stops on the server', async () => {
    const { page, errors } = await openApp();
    const tag = `cancel-${N}`;
    await page.fill('[data-testid=editor]', longScript(tag));
    await page.click('[data-testid=run]');
    await until('two ticks in the page', async () => (await logRows(page)) >= 2);
    const t0 = Date.now();
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid=error]:has-text("Cancelled")', { timeout: 2000 });
    expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    expect(await page.textContent('[data-testid=status]')).toBe('cancelled');
    const seenAtCancel = await logRows(page);
    const written = await settledWrites(probe, tag);
    expect(written).toBeGreaterThanOrEqual(seenAtCancel - 1);
    expect(written).toBeLessThanOrEqual(seenAtCancel + STOP_SLACK);
    expect(await logRows(page)).toBe(seenAtCancel); // nothing more reached the page
    expect(errors).toEqual([]);
  }, 40_000);

  it('Run while running: the run in flight is cancelled on the server and the page shows only the new one', async () => {
    const { page } = await openApp();
    const first = `first-${N}`;
    await page.fill('[data-testid=editor]', longScript(first));
    await page.click('[data-testid=run]');
    await until('two ticks of the first run', async () => (await logRows(page)) >= 2);
    const seenOfFirst = await logRows(page);
    await page.fill('[data-testid=editor]', "console.log('second'); return 'second';");
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=result]');
    expect(await page.textContent('[data-testid=result]')).toBe('"second"');
    expect((await rows(page)).map((r) => r.text)).toEqual(['console.logsecond']);
    const written = await settledWrites(probe, first);
    expect(written).toBeLessThanOrEqual(seenOfFirst + STOP_SLACK);
  }, 40_000);

  it('unmounting the runner (another tab) cancels its run on the server; the tools tab lists allowed tools only', async () => {
    const { page, errors } = await openApp();
    const tag = `unmount-${N}`;
    await page.fill('[data-testid=editor]', longScript(tag));
    await page.click('[data-testid=run]');
    await until('two ticks', async () => (await logRows(page)) >= 2);
    const seenAtUnmount = await logRows(page);
    await page.click('[data-testid=tab-tools]');
    await page.waitForSelector('[data-testid=tools]');
    expect(await page.$('[data-testid=editor]')).toBeNull();
    const tools = String(await page.textContent('[data-testid=tools]'));
    for (const name of ALLOWED) expect(tools).toContain(name);
    for (const name of DENIED) expect(tools).not.toContain(name);
    const written = await settledWrites(probe, tag);
    expect(written).toBeLessThanOrEqual(seenAtUnmount + STOP_SLACK);
    // Back on the script tab: a fresh runner, nothing of the cancelled run.
    await page.click('[data-testid=tab-script]');
    expect(await page.textContent('[data-testid=status]')).toBe('idle');
    expect(await page.$('[data-testid=event]')).toBeNull();
    expect(errors).toEqual([]);
  }, 40_000);

  it('from an origin the server was not told to allow: CONNECT_FAILED, naming --allow-origin', async () => {
    const other = await serveStatic(outdir);
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${other.origin}/#server=${encodeURIComponent(served.url)}&token=${encodeURIComponent(served.token)}`);
      await page.waitForSelector('[data-testid=connect-error]');
      expect(await page.textContent('[data-testid=connect-error]')).toMatch(/^CONNECT_FAILED: .*--allow-origin/);
    } finally {
      await other.close();
    }
  });

  it('a wrong token: the page says AUTH_FAILED and what to do', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${site.origin}/`);
    await page.fill('[data-testid=server]', served.url);
    await page.fill('[data-testid=token]', `wrong-${served.token}`);
    await page.click('[data-testid=connect]');
    await page.waitForSelector('[data-testid=connect-error]');
    expect(await page.textContent('[data-testid=connect-error]')).toMatch(/^AUTH_FAILED: .*Check the token/);
  });
});

// The example's own build output is what the README tells people to open.
it('build.mjs writes index.html, app.js and styles.css', () => {
  const dir = tempDir('react-app-build');
  try {
    const out = execFileSync(process.execPath, ['examples/react-app/build.mjs', '--outdir', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    for (const file of ['index.html', 'app.js', 'styles.css']) expect(out).toContain(join(dir, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
