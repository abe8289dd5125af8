// Attacks on the playground page (issue 11), in Debian chromium against the real `serve --transport http`: a hostile
// downstream server's texts and results, a script's console lines, values and errors, and crafted share links all
// carry markup and script. The page must show them as text: nothing of them may run (each payload would set
// window.__pwned) or become an element, and the page's CSP must refuse inline script even if one slipped through.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveToken, launchBrowser, openPage, type Served, setScript, startServe, textOf, waitText } from '../browser/browser.js';
import { PAYLOADS } from '../fixtures/html-server.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const HTML_SERVER = fileURLToPath(new URL('../fixtures/html-server.ts', import.meta.url));
const ALL = PAYLOADS.join(' ');

let served: Served;
let browser: Browser;
beforeAll(async () => {
  [served, browser] = await Promise.all([
    startServe('attacks', [], (m) => ({
      ...m,
      servers: { ...(m.servers as object), html: { command: process.execPath, args: ['--import', TSX, HTML_SERVER], connectTimeoutMs: 60_000 } },
      allow: [...(m.allow as string[]), 'html:*'],
    })),
    launchBrowser(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

/** Nothing ran, and no element a payload describes exists in the page. */
async function untouched(page: Page): Promise<void> {
  const state = await page.evaluate(() => ({
    pwned: (window as { __pwned?: unknown }).__pwned ?? null,
    injected: document.querySelectorAll('img[onerror], svg[onload], iframe, script:not([src]), #pwn-link').length,
  }));
  expect(state).toEqual({ pwned: null, injected: 0 });
}

describe('the playground shows hostile text as text', () => {
  it('tool names, titles and descriptions in the tools panel and completion', async () => {
    const { page } = await openPage(browser, `${served.base}/`);
    await giveToken(page, served.token);
    const tools = await waitText(page, 'tools', (t) => t.includes('html:render'));
    expect(tools).toContain('Returns markup.'); // shown, as text
    await setScript(page, "await callTool('html:");
    await page.keyboard.press('Control+Space');
    await page.waitForSelector('.cm-tooltip-autocomplete');
    await untouched(page);
    await page.context().close();
  });

  it('results, arguments, console lines, values and errors in the timeline and result', async () => {
    const { page } = await openPage(browser, `${served.base}/`);
    await giveToken(page, served.token);
    await waitText(page, 'tools', (t) => t.includes('html:render'));
    const code = [
      `const r = await callTool('html:render', { text: ${JSON.stringify(PAYLOADS[4])} });`,
      `console.log(${JSON.stringify(ALL)});`,
      `console.error(r.html);`,
      `try { await callTool('html:fail', {}); } catch (e) { console.warn(e.message); }`,
      `return { [${JSON.stringify(PAYLOADS[1])}]: r, tag: ${JSON.stringify(PAYLOADS[0])} };`,
    ].join('\n');
    await setScript(page, code);
    await page.click('[data-testid=run]');
    await waitText(page, 'result', (t) => t.includes('tag'), 20_000);
    await page.click('[data-testid=result] summary, [data-testid=result] [aria-expanded=false]').catch(() => undefined);
    expect(await textOf(page, 'timeline')).toContain('<img src=x onerror=');
    await untouched(page);
    await setScript(page, `throw new Error(${JSON.stringify(ALL)});`);
    await page.click('[data-testid=run]');
    await waitText(page, 'error', (t) => t.includes('RUNTIME_ERROR'), 20_000);
    expect(await textOf(page, 'error')).toContain('<script>');
    await untouched(page);
    await page.context().close();
  });

  it('a crafted share link: the script only lands in the editor', async () => {
    const code = `// ${ALL}\nreturn 1;`;
    const bytes = new TextEncoder().encode(code);
    const encoded = Buffer.from(bytes).toString('base64url');
    const { page } = await openPage(browser, `${served.base}/#code=${encoded}`);
    await page.waitForFunction((marker) => document.querySelector('[data-testid=editor]')?.textContent?.includes(marker), '<svg onload=');
    await untouched(page);
    await page.context().close();
  });

  it('the CSP refuses inline script, should markup ever reach the DOM', async () => {
    const { page } = await openPage(browser, `${served.base}/`);
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.body.append(s);
      const box = document.createElement('div');
      box.innerHTML = '<img src="/no-such-image" onerror="window.__inline2 = true">';
      const img = box.querySelector('img') as HTMLImageElement;
      const failed = new Promise((r) => img.addEventListener('error', r, { once: true })); // after the inline handler's turn
      document.body.append(box);
      await failed;
      return [(window as { __inline?: unknown }).__inline ?? null, (window as { __inline2?: unknown }).__inline2 ?? null];
    });
    expect(ran).toEqual([null, null]);
    await page.context().close();
  });
});
