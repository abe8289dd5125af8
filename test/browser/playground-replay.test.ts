// Record and replay in the playground, in Debian's chromium against the real CLI server: "Record" returns the run's
// recording, which downloads as JSON; Replay runs a changed script against it in the page's own sandbox (a Web
// Worker) with no request to the server; a call the recording lacks fails NOT_RECORDED naming it; a recording loaded
// from a file is what answers; a file that is not one is refused with a clear message.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveToken, launchBrowser, openPage, type Seen, type Served, setScript, startServe, textOf, waitText } from './browser.js';

let served: Served;
let browser: Browser;
let page: Page;
let requests: Seen[];
const N = Math.random().toString(36).slice(2, 8);

const CREATE = `await callTool('memory:create_entities', { entities: [{ name: 'Ada-${N}', entityType: 'person', observations: ['math'] }, { name: 'Bob-${N}', entityType: 'person', observations: ['chess'] }] });`;
const SUM = "const s = await callTool('everything:get-sum', { a: 20, b: 22 });";
const READ = "const g = await callTool('memory:read_graph', {});";
const ORIGINAL = [CREATE, SUM, READ, `return g.entities.map((e) => e.name).filter((n) => n.endsWith('-${N}')).sort();`].join('\n');
/** Changed: other code after the same calls; its value comes only from the recorded results. */
const CHANGED = [
  CREATE,
  SUM,
  READ,
  `console.log('replayed');`,
  `return g.entities.filter((e) => e.name.endsWith('-${N}')).map((e) => e.name.toUpperCase()).sort().join('|') + ' ' + JSON.stringify(s).length;`,
].join('\n');

beforeAll(async () => {
  [served, browser] = await Promise.all([startServe('replay'), launchBrowser()]);
  ({ page, requests } = await openPage(browser, `${served.base}/`));
  await giveToken(page, served.token);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent?.startsWith('Connected'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

/** Presses a button that starts a run and waits until the run is over (Run enabled again). */
async function press(id: 'run' | 'replay'): Promise<void> {
  await page.click(`[data-testid=${id}]`);
  await page.waitForFunction(() => document.querySelector('[data-testid=run]')?.hasAttribute('disabled') === false, null, { timeout: 30_000 });
}

const executions = (): number => (served.stderr().match(/"msg":"execution"/g) ?? []).length;

describe('Record', () => {
  it('without it no recording comes back; with it the run returns one and Replay and Download become available', async () => {
    await setScript(page, "return await callTool('everything:get-sum', { a: 1, b: 1 });");
    await press('run');
    expect(await textOf(page, 'recording')).toMatch(/No recording yet/);
    expect(await page.isDisabled('[data-testid=replay]')).toBe(true);

    await page.check('[data-testid=record]');
    await setScript(page, ORIGINAL);
    await press('run');
    expect(await textOf(page, 'result')).toContain(`Ada-${N}`);
    expect(await textOf(page, 'recording')).toMatch(/^Recording: 3 calls, recorded at /);
    expect(await page.isEnabled('[data-testid=replay]')).toBe(true);
    const runs = requests.flatMap((r) =>
      r.body.includes('"execute_agentscript"') ? [JSON.parse(r.body) as { params: { arguments: { record?: boolean } } }] : [],
    );
    expect(runs.at(-1)?.params.arguments.record).toBe(true);
    expect(runs.at(-2)?.params.arguments.record).toBeUndefined();
  }, 60_000);

  it('Download saves the recording as JSON: the three calls with their arguments and results', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-recording]')]);
    expect(download.suggestedFilename()).toBe('recording.json');
    const saved = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { calls: Array<{ tool: string; args: unknown; result?: unknown }> };
    expect(saved.calls.map((c) => c.tool)).toEqual(['memory:create_entities', 'everything:get-sum', 'memory:read_graph']);
    expect(saved.calls[1]!.args).toEqual({ a: 20, b: 22 });
    expect(JSON.stringify(saved.calls[2]!.result)).toContain(`Bob-${N}`);
  });
});

describe('Replay', () => {
  it('runs a changed script in the page against the recording, filling the timeline, with no request to the server', async () => {
    await setScript(page, CHANGED);
    const since = Date.now();
    const before = executions();
    await press('replay');
    const result = await textOf(page, 'result');
    expect(result).toMatch(new RegExp(`"ADA-${N.toUpperCase()}\\|BOB-${N.toUpperCase()} \\d+"`));
    const rows = await page.locator('[data-testid=timeline] li').allTextContents();
    expect(rows.map((r) => /memory:create_entities|everything:get-sum|memory:read_graph|replayed/.exec(r)?.[0])).toEqual([
      'memory:create_entities',
      'everything:get-sum',
      'memory:read_graph',
      'replayed',
    ]);
    expect(requests.filter((r) => r.t >= since && !/\/web\/sandbox-worker\.js$|\/web\/quickjs\.wasm$/.test(r.url))).toEqual([]);
    expect(executions()).toBe(before);
  }, 30_000);

  it('a call the recording does not hold fails NOT_RECORDED, naming it', async () => {
    await setScript(page, [CREATE, "return await callTool('memory:search_nodes', { query: 'Ada' });"].join('\n'));
    await press('replay');
    const error = await textOf(page, 'error');
    expect(error).toContain('NOT_RECORDED');
    expect(error).toContain('memory:search_nodes');
  });

  it('a recorded tool called with other arguments fails NOT_RECORDED, naming the tool and what was recorded', async () => {
    await setScript(page, "return await callTool('everything:get-sum', { a: 1, b: 2 });");
    await press('replay');
    const error = await textOf(page, 'error');
    expect(error).toContain('NOT_RECORDED');
    expect(error).toMatch(/everything:get-sum was called with .*"a":1.* but the recording holds it only with .*"a":20/);
  });

  it('a recording loaded from a file is what answers (an edited result shows in the value)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-recording]')]);
    // Only the read_graph result changes: the calls still match the script's, the value must follow the file.
    const recording = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { calls: Array<{ tool: string; result?: unknown }> };
    const read = recording.calls.find((c) => c.tool === 'memory:read_graph')!;
    read.result = JSON.parse(JSON.stringify(read.result).split(`Bob-${N}`).join(`Zoe-${N}`));
    const edited = JSON.stringify(recording);
    await page.setInputFiles('[data-testid=load-recording]', { name: 'edited.json', mimeType: 'application/json', buffer: Buffer.from(edited) });
    await waitText(page, 'recording', (t) => t === 'Recording: 3 calls, loaded from edited.json.');
    await setScript(page, CHANGED);
    await press('replay');
    expect(await textOf(page, 'error')).toBe('');
    expect(await textOf(page, 'result')).toMatch(new RegExp(`"ADA-${N.toUpperCase()}\\|ZOE-${N.toUpperCase()} \\d+"`));
  });

  it('a file that is not a recording is refused with a clear message, and the last recording stays', async () => {
    await page.setInputFiles('[data-testid=load-recording]', {
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"calls": [{"tool": 3, "args": {}}]}'),
    });
    await waitText(page, 'error', (t) => t === 'notes.json is not a recording: calls[0].tool is not a string.');
    await page.setInputFiles('[data-testid=load-recording]', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"calls": [') });
    await waitText(page, 'error', (t) => /^broken\.json is not JSON\. Load a recording saved with "Download"/.test(t));
    expect(await textOf(page, 'recording')).toBe('Recording: 3 calls, loaded from edited.json.');
  });
});
