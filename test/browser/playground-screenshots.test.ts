// Writes the README's screenshots of the playground (docs/playground.png, docs/playground-error.png) at 1280×800,
// from the real page against the real server. Not part of the normal run (it rewrites tracked files):
//   PLAYGROUND_SCREENSHOTS=1 npx vitest run test/browser/playground-screenshots.test.ts
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveToken, launchBrowser, openPage, REPO_ROOT, type Served, setScript, startServe, waitText } from './browser.js';

const SUCCESS = `// Two people into the knowledge graph, a sum, then read them back.
await callTool('memory:create_entities', {
  entities: [
    { name: 'Ada Lovelace', entityType: 'person', observations: ['wrote the first program'] },
    { name: 'Alan Turing', entityType: 'person', observations: ['described the universal machine'] },
  ],
});
console.log('created 2 entities');
const sum = await callTool('everything:get-sum', { a: 1815, b: 1912 });
console.info(sum);
const graph = await callTool('memory:read_graph', {});
const people = graph.entities.filter((e) => e.entityType === 'person');
return { people: people.map((e) => ({ name: e.name, notes: e.observations })), sum };`;

const FAILURE = `const found = await callTool('memory:search_nodes', { query: 'Ada' });
console.log('found ' + found.entities.length);
const graph = await callTool('memory:read_grap', {});
return graph.entities.length;`;

describe.runIf(process.env.PLAYGROUND_SCREENSHOTS === '1')('screenshots for the README', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [served, browser] = await Promise.all([startServe('screenshots'), launchBrowser()]);
    ({ page } = await openPage(browser, `${served.base}/`));
    await giveToken(page, served.token);
    await waitText(page, 'status', (t) => t.startsWith('Connected'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  const shoot = async (name: string): Promise<void> => {
    const file = join(REPO_ROOT, 'docs', name);
    await page.mouse.move(0, 0); // no hover highlight in the picture
    await page.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(20_000);
  };

  it('docs/playground.png: a finished run with a few tool calls', async () => {
    await page.check('[data-testid=record]');
    await setScript(page, SUCCESS);
    await page.click('[data-testid=run]');
    await waitText(page, 'result', (t) => t.includes('Alan Turing'));
    await page.keyboard.press('Control+Home'); // the script from its first line
    await shoot('playground.png');
  }, 60_000);

  it('docs/playground-error.png: a failed call, its line, and a live issue', async () => {
    await page.uncheck('[data-testid=record]');
    await setScript(page, FAILURE);
    await page.click('[data-testid=run]');
    await waitText(page, 'error', (t) => t.includes('UNKNOWN_TOOL'));
    await page.click('[data-testid=error] button:has-text("line 3")');
    await page.keyboard.press('End');
    await page.keyboard.type('\nwhile (graph) {}');
    await waitText(page, 'issues', (t) => t.includes('while'));
    await shoot('playground-error.png');
  }, 60_000);
});
