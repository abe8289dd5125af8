// The playground page in Debian's chromium against the real CLI `serve --transport http` and real downstream servers
// (server-memory, server-everything): the tools panel, live validation with no round trip, completion, a run whose
// timeline fills before its result, cancel (and the script really stopped on the server), the error's jump to its
// line, the share URL, the examples and the token (typed, from the fragment, wrong).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED,
  DENIED,
  editorText,
  giveToken,
  launchBrowser,
  openPage,
  rpcMessages,
  type Seen,
  type Served,
  setScript,
  startServe,
  textOf,
  waitText,
} from './browser.js';

let served: Served;
let browser: Browser;
/** One page, connected, shared by the tests that need no fresh one (each sets its own script). */
let page: Page;
/** Every request that page made, with when. */
let requests: Seen[];

beforeAll(async () => {
  [served, browser] = await Promise.all([startServe('playground'), launchBrowser()]);
  ({ page, requests } = await openPage(browser, `${served.base}/`));
  await giveToken(page, served.token);
  await waitText(page, 'tools', (t) => ALLOWED.every((n) => t.includes(n)));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const runAndWait = async (p: Page): Promise<void> => {
  await p.click('[data-testid=run]');
  await p.waitForFunction(() => document.querySelector('[data-testid=run]')?.hasAttribute('disabled') === false, null, { timeout: 30_000 });
};

/** A real SDK client with the page's token: what the server holds, seen from outside the page. */
async function sdk(): Promise<Client> {
  const client = new Client({ name: 'playground-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(served.url), { requestInit: { headers: { Authorization: `Bearer ${served.token}` } } }));
  return client;
}

describe('the tools panel', () => {
  it('lists every allowed tool with its summary, and no denied or unlisted one', async () => {
    const tools = await textOf(page, 'tools');
    for (const name of ALLOWED) expect(tools).toContain(name);
    for (const name of DENIED) expect(tools).not.toContain(name);
    expect(tools).toContain('Returns the sum of two numbers'); // everything:get-sum's summary
    expect(await textOf(page, 'status')).toMatch(/Connected · STRICT · \d+ tools/);
  });

  it('a click inserts a callTool snippet with the required fields at the cursor', async () => {
    await setScript(page, '');
    await page.click('[data-testid=tools] button:has-text("everything:get-sum")');
    expect(await editorText(page)).toBe("const result = await callTool('everything:get-sum', { a: 0, b: 0 });\n");
  });
});

describe('live validation', () => {
  it('shows the `while` issue at line 2 as it is typed, in the list and in the editor, with no request but listing', async () => {
    const since = Date.now();
    await page.click('[data-testid=editor] .cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('const a = 1;', { delay: 5 });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await page.keyboard.type('while (a > 0) {}', { delay: 5 });
    const issues = await waitText(page, 'issues', (t) => /while/.test(t));
    expect(issues).toMatch(/line 2, column 1: `while` loops are not allowed/);
    expect(await page.locator('[data-testid=editor] .cm-lintRange-error').count()).toBeGreaterThan(0);
    // Nothing went to the server meanwhile but listing (the SDK's GET stream, tools/list, search_tools).
    expect(callsSince(since)).toEqual([]);
    expect(requests.filter((r) => r.t >= since && /while/.test(decodeURIComponent(r.url) + r.body))).toEqual([]);
  });

  it('follows the code: a fix clears the issue and says so', async () => {
    await setScript(page, 'const a = 1;\nconst b = 2;\nfor (const x of [a, b]) { console.log(x); }\nreturn a + b;');
    const issues = await waitText(page, 'issues', (t) => !/while/.test(t) && /No issues/.test(t));
    expect(issues).toMatch(/No issues · risk score \d+/);
    expect(await page.locator('[data-testid=editor] .cm-lintRange-error').count()).toBe(0);
  });

  it('a syntax error names its line; clicking the place moves the cursor there', async () => {
    await setScript(page, 'const a = 1;\nconst b = 2;\nconst c = (a + ;\nreturn c;');
    await waitText(page, 'issues', (t) => /line 3, column \d+/.test(t));
    await page.click('[data-testid=editor] .cm-line >> nth=0'); // the cursor starts elsewhere
    await page.click('[data-testid=issues] button:has-text("line 3")');
    expect(await activeLine(page)).toBe('const c = (a + ;');
  });
});

/** Calls the page made since `t` that live validation must not make: anything but listing. */
function callsSince(t: number): string[] {
  return requests
    .filter((r) => r.t >= t && r.method === 'POST')
    .flatMap((r) => rpcMessages(r.body))
    .filter((m) => typeof m.method === 'string' && !m.method.startsWith('notifications/'))
    .filter((m) => !['initialize', 'ping', 'tools/list'].includes(m.method!) && !(m.method === 'tools/call' && m.params?.name === 'search_tools'))
    .map((m) => `${m.method} ${m.params?.name ?? ''}`);
}

/** The text of the line holding the cursor (CodeMirror marks it .cm-activeLine). */
const activeLine = (p: Page): Promise<string> => p.evaluate(() => document.querySelector('[data-testid=editor] .cm-activeLine')?.textContent ?? '');

/** The completion popup's options, once one of them is `want` (the popup opens asynchronously). */
async function offered(p: Page, want: string): Promise<string[]> {
  const options = p.locator('.cm-tooltip-autocomplete li');
  await options.filter({ hasText: want }).first().waitFor({ timeout: 5000 });
  return options.allTextContents();
}

describe('completion', () => {
  it('offers the allowed tool names inside callTool’s first string, then the chosen tool’s fields inside its object', async () => {
    await setScript(page, '');
    await page.keyboard.type("await callTool('memory:cr", { delay: 5 });
    const names = await offered(page, 'memory:create_entities');
    expect(names.join(' ')).toContain('memory:create_entities');
    expect(names.join(' ')).toContain('memory:create_relations');
    expect(names.join(' ')).not.toContain('delete_entities');
    // A click, not Enter: CodeMirror ignores Enter for a moment after the popup opens (against accidental picks).
    await page.locator('.cm-tooltip-autocomplete li').filter({ hasText: 'memory:create_entities' }).first().click();
    expect(await editorText(page)).toBe("await callTool('memory:create_entities')");
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft'); // inside the parentheses, after the closing quote
    await page.keyboard.type(', { ', { delay: 5 });
    await page.keyboard.press('Control+Space');
    const fields = await offered(page, 'entities');
    expect(fields.join(' ')).toContain('entities');
    await page
      .locator('.cm-tooltip-autocomplete li')
      .filter({ hasText: /^entities/ })
      .first()
      .click();
    expect(await editorText(page)).toMatch(/^await callTool\('memory:create_entities', \{ entities: \s*\}?\)$/);
  });
});

describe('a run on the server', () => {
  it('goes through POST /mcp execute_agentscript, fills the timeline in order before the result, then shows the value', async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const code = [
      `await callTool('memory:create_entities', { entities: [{ name: 'Ada-${n}', entityType: 'person', observations: ['math'] }] });`,
      `console.log('one-${n}');`,
      `await callTool('everything:trigger-long-running-operation', { duration: 0.4, steps: 1 });`,
      `console.warn('two-${n}');`,
      `const g = await callTool('memory:read_graph', {});`,
      `return { names: g.entities.map((e) => e.name).filter((x) => x.endsWith('-${n}')), n: 42 };`,
    ].join('\n');
    await setScript(page, code);
    // Watch from inside the page: when each thing first showed.
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __seen: typeof seen }).__seen = seen;
      const look = (): void => {
        const timeline = document.querySelector('[data-testid=timeline]')?.textContent ?? '';
        const result = document.querySelector('[data-testid=result]')?.textContent ?? '';
        for (const [key, text] of Object.entries({ create: timeline, one: timeline, trigger: timeline, two: timeline, read: timeline, value: result })) {
          const marker = { create: 'create_entities', one: 'one-', trigger: 'trigger-long-running-operation', two: 'two-', read: 'read_graph', value: 'Ada-' }[
            key
          ]!;
          if (seen[key] === undefined && text.includes(marker)) seen[key] = performance.now();
        }
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const since = Date.now();
    await runAndWait(page);
    const seen = await page.evaluate(() => (window as unknown as { __seen: Record<string, number> }).__seen);
    expect(Object.keys(seen).sort()).toEqual(['create', 'one', 'read', 'trigger', 'two', 'value']);
    expect(seen.create!).toBeLessThanOrEqual(seen.one!);
    expect(seen.one!).toBeLessThanOrEqual(seen.trigger!);
    expect(seen.trigger!).toBeLessThanOrEqual(seen.two!);
    expect(seen.two!).toBeLessThanOrEqual(seen.read!);
    expect(seen.value! - seen.create!).toBeGreaterThanOrEqual(200); // streamed: the 400 ms call sits between them
    // Each call's row was updated in place: three rows, each with a duration and size, none still running.
    const rows = await page.locator('[data-testid=timeline] li.call').allTextContents();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\d+ (ms|s) · \d+(\.\d)? (B|KB)/);
    expect(await page.locator('[data-testid=timeline] li.log.warn').textContent()).toContain(`two-${n}`);
    const result = await textOf(page, 'result');
    expect(result).toContain(`"Ada-${n}"`);
    expect(result).toMatch(/3 tool calls · \d+ iterations? · risk score \d+ · 2 console lines/);
    expect(await page.isHidden('[data-testid=error]')).toBe(true);
    const calls = requests
      .filter((r) => r.t >= since && new URL(r.url).pathname === '/mcp')
      .flatMap((r) => rpcMessages(r.body))
      .filter((m) => m.method === 'tools/call' && m.params?.name === 'execute_agentscript');
    expect(calls.map((m) => m.params?.arguments?.code)).toEqual([code]);
  }, 60_000);

  it('the result tree collapses and opens', async () => {
    await setScript(page, "return { list: [1, 2, 3], nested: { deep: { deeper: { deepest: 'x' } } } };");
    await runAndWait(page);
    const branch = page.locator('[data-testid=result] details > summary:has-text("Array(3)")');
    expect(await page.locator('[data-testid=result] .v-number').count()).toBe(3);
    await branch.click();
    expect(await page.locator('[data-testid=result] .v-number').first().isVisible()).toBe(false);
    await branch.click();
    expect(await page.locator('[data-testid=result] .v-number').first().isVisible()).toBe(true);
    // Deep levels start closed.
    expect(await page.locator('[data-testid=result] .v-string').isVisible()).toBe(false);
  });

  it('a failure shows its code and message, and "line L" moves the cursor there', async () => {
    await setScript(page, "const a = 1;\nconst b = 2;\nconst r = await callTool('memory:no_such_tool', {});\nreturn r;");
    await runAndWait(page);
    const error = await textOf(page, 'error');
    expect(error).toContain('UNKNOWN_TOOL');
    expect(error).toMatch(/memory:no_such_tool/);
    expect(await page.isHidden('[data-testid=result]')).toBe(true);
    await page.click('[data-testid=editor] .cm-line >> nth=0');
    await page.click('[data-testid=error] button:has-text("line 3")');
    expect(await activeLine(page)).toContain('memory:no_such_tool');
  });

  it('a script the server refuses (VALIDATION_ERROR) lists its issues, each a jump to its line', async () => {
    await setScript(page, 'const a = 1;\nconst b = a +;\nreturn b;');
    await runAndWait(page);
    expect(await textOf(page, 'error')).toContain('VALIDATION_ERROR');
    await page.click('[data-testid=editor] .cm-line >> nth=0');
    await page.click('[data-testid=error] button:has-text("line 2")');
    expect(await activeLine(page)).toBe('const b = a +;');
  });
});

describe('cancel', () => {
  it('stops a long script: "Cancelled" (CANCELLED) at once, and the server writes nothing more', async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const code = `for (let i = 0; i < 40; i++) { await callTool('everything:trigger-long-running-operation', { duration: 0.25, steps: 1 }); await callTool('memory:create_entities', { entities: [{ name: 'tick-' + i + '-${n}', entityType: 'tick', observations: [] }] }); console.log('tick ' + i); }\nreturn 'finished';`;
    await setScript(page, code);
    const cancelledBefore = (served.stderr().match(/"outcome":"CANCELLED"/g) ?? []).length;
    await page.click('[data-testid=run]');
    await waitText(page, 'timeline', (t) => t.includes('tick 1'));
    const t0 = Date.now();
    await page.click('[data-testid=cancel]');
    const error = await waitText(page, 'error', (t) => t.includes('Cancelled'), 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(error).toContain('CANCELLED');
    expect(await page.isDisabled('[data-testid=cancel]')).toBe(true);
    expect(await page.isEnabled('[data-testid=run]')).toBe(true);
    expect(await page.locator('[data-testid=timeline] .status.running').count()).toBe(0);
    // The server's access log says the execution ended as cancelled; from then on no tick is written.
    for (const end = Date.now() + 10_000; (served.stderr().match(/"outcome":"CANCELLED"/g) ?? []).length === cancelledBefore; ) {
      if (Date.now() > end) throw new Error('the server never logged the execution as cancelled');
      await page.waitForTimeout(25);
    }
    const client = await sdk();
    try {
      const count = async (): Promise<number> => {
        const r = await client.callTool({
          name: 'execute_agentscript',
          arguments: { code: `const g = await callTool('memory:read_graph', {}); return g.entities.filter((e) => e.name.endsWith('-${n}')).length;` },
        });
        return (r.structuredContent as { value: number }).value;
      };
      const first = await count();
      expect(first).toBeGreaterThanOrEqual(2);
      expect(first).toBeLessThan(40);
      // A tick is written every ~270 ms while it runs: over 1.5 s of reading, the count must not move.
      for (const end = Date.now() + 1500; Date.now() < end; ) expect(await count()).toBe(first);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('share URL and examples', () => {
  it('Share puts the script (not the token) in the fragment; opening that URL loads it', async () => {
    const code = "const greeting = 'héllo ✓ 世界';\nreturn greeting + ' #&=?';";
    await setScript(page, code);
    await page.click('[data-testid=share]');
    const url = await page.inputValue('[data-testid=share-url]');
    expect(url).toMatch(new RegExp(`^${served.base}/#code=[A-Za-z0-9_-]+$`));
    expect(url).not.toContain(served.token);
    expect(page.url()).toBe(url);
    const other = await openPage(browser, url);
    try {
      expect(await editorText(other.page)).toBe(code);
      expect(await textOf(other.page, 'status')).toMatch(/Enter the token/); // the token did not travel
    } finally {
      await other.page.context().close();
    }
  });

  it('a fragment that is not a script is ignored: the page opens on an example', async () => {
    const other = await openPage(browser, `${served.base}/#code=%%%not-base64`);
    try {
      expect(await editorText(other.page)).toContain('for (const w of words)');
    } finally {
      await other.page.context().close();
    }
  });

  it('the examples are built for these tools, and the memory one runs', async () => {
    const options = await page.locator('[data-testid=examples] option').allTextContents();
    expect(options).toEqual([
      'Examples…',
      'Knowledge graph: add two people, read them back',
      'Echo and sums, three calls at a time',
      'No tools: loops, data and console',
    ]);
    for (const [i, want] of [
      [1, 'Ada Lovelace'],
      [2, 'hello from the playground'],
      [3, 'sandbox'],
    ] as const) {
      await page.selectOption('[data-testid=examples]', String(i - 1));
      await runAndWait(page);
      expect(await textOf(page, 'result')).toContain(want);
    }
  }, 60_000);
});

describe('the token', () => {
  it('a wrong token: a clear message in the page, no tools listed, and Run says to give the token', async () => {
    const other = await openPage(browser, `${served.base}/`);
    try {
      await giveToken(other.page, `wrong-${served.token}`);
      const status = await waitText(other.page, 'status', (t) => /refused|401/i.test(t));
      expect(status).toMatch(/^Token refused: .*not accepted \(401\)/);
      expect(await textOf(other.page, 'tools')).not.toContain('memory:');
      await other.page.click('[data-testid=run]');
      expect(await waitText(other.page, 'error', (t) => t.length > 0)).toMatch(/Not connected: enter the token/);
    } finally {
      await other.page.context().close();
    }
  });

  it('#token=… in the URL connects, leaves the address bar, and is remembered for this tab only', async () => {
    const other = await openPage(browser, `${served.base}/#token=${encodeURIComponent(served.token)}`);
    try {
      await waitText(other.page, 'tools', (t) => t.includes('memory:read_graph'));
      expect(other.page.url()).toBe(`${served.base}/`);
      await other.page.reload({ waitUntil: 'domcontentloaded' });
      await waitText(other.page, 'status', (t) => t.startsWith('Connected'));
      const fresh = await other.page.context().newPage();
      await fresh.goto(`${served.base}/`);
      await fresh.waitForSelector('[data-testid=editor] .cm-content');
      expect(await textOf(fresh, 'status')).toMatch(/Enter the token/);
      expect(await fresh.inputValue('[data-testid=token]')).toBe('');
    } finally {
      await other.page.context().close();
    }
  });
});

describe('offline', () => {
  it('everything the page loaded or sent went to this server: no other host, no CDN, no font service', () => {
    const host = new URL(served.base).host;
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((r) => /^(https?|wss?):/.test(r.url) && new URL(r.url).host !== host).map((r) => r.url)).toEqual([]);
  });
});
