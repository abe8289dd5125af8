// The playground page (DESIGN §7), served at `/` by `serve --transport http`: write a script with live validation
// and completion, run it on the server through the client library and watch its tool calls and console lines as
// they happen, see the result or jump to the error, record the run and replay changed scripts in the page itself.
// This file wires the modules together; each does one job.
import './styles.css';
import { initialToken, remember } from './auth.js';
import { type ConnectionState, createConnection } from './connection.js';
import { byTestId, el } from './dom.js';
import { createEditor } from './editor.js';
import { callToolCompletions } from './completion.js';
import { examplesFor, type Example } from './examples.js';
import { createReplayPanel } from './replay-panel.js';
import { replayInPage, warmReplay } from './replay-run.js';
import { isSignInAnswer } from './oauth.js';
import { createSignIn, draft } from './signin.js';
import { createResultView } from './result-view.js';
import { decodeCode, fragmentParams, shareUrl } from './share.js';
import type { ToolEntry } from './tool-catalog.js';
import { createTimeline } from './timeline.js';
import { renderTools } from './tools-panel.js';
import { check, diagnosticsFor, renderIssues, type Settings } from './validation.js';
import type { ExecutionResult } from '../enclave/browser.js';

const ui = {
  token: byTestId<HTMLInputElement>('token'),
  status: byTestId('status'),
  tools: byTestId('tools'),
  examples: byTestId<HTMLSelectElement>('examples'),
  share: byTestId<HTMLButtonElement>('share'),
  shareUrl: byTestId<HTMLInputElement>('share-url'),
  run: byTestId<HTMLButtonElement>('run'),
  cancel: byTestId<HTMLButtonElement>('cancel'),
  replay: byTestId<HTMLButtonElement>('replay'),
  issues: byTestId('issues'),
};

let settings: Settings = { securityLevel: 'STRICT' }; // until the server says which (the strictest is the safe guess)
let catalog: ToolEntry[] = [];
let examples: Example[] = examplesFor([]);
let running: AbortController | undefined;

// A shared script, else the one written before leaving to sign in (signin.ts keeps it for the way back). No #code
// is no shared script (decodeCode('') is the empty script, which left a fresh page blank instead of an example).
const sharedParam = fragmentParams(location.hash).get('code');
const shared = (sharedParam ? decodeCode(sharedParam) : undefined) ?? draft();
const editor = createEditor({
  parent: byTestId('editor'),
  doc: shared ?? examples[0]!.code,
  lint: (view) => {
    const verdict = check(view.state.doc.toString(), settings);
    renderIssues(ui.issues, verdict, (line, column) => editor.moveTo(line, column));
    return diagnosticsFor(view.state.doc, verdict);
  },
  complete: callToolCompletions(() => catalog),
  onRun: () => void run(),
  onChange: () => (edited = true),
});
let edited = shared !== undefined;

const timeline = createTimeline(byTestId('timeline'));
const view = createResultView(byTestId('result'), byTestId('error'), (line, column) => editor.moveTo(line, column));
const recordings = createReplayPanel((message) => view.problem(message), warmReplay);
const mcpUrl = new URL('mcp', location.href);
const connection = createConnection(mcpUrl, showConnection);
const signIn = createSignIn(mcpUrl, {
  script: () => editor.code(),
  signedIn(provider) {
    remember(''); // one credential at a time: the sign-in replaces a typed token
    ui.token.value = '';
    void connection.connect(provider);
  },
  signedOut: () => void connection.connect(''),
  problem(message) {
    ui.status.className = 'conn bad';
    ui.status.textContent = message;
  },
});

function showConnection(state: ConnectionState): void {
  ui.status.className = `conn ${state.kind === 'connected' ? 'ok' : state.kind === 'failed' ? 'bad' : ''}`;
  if (state.kind === 'no-token') ui.status.textContent = signIn.available ? 'Sign in, or enter a token, to connect.' : 'Enter the token to connect.';
  else if (state.kind === 'connecting') ui.status.textContent = 'Connecting…';
  else if (state.kind === 'failed') {
    signIn.expired(); // a sign-in no refresh could save: Sign in shows again
    ui.status.textContent = state.message;
    renderTools(ui.tools, 'Not connected.', () => undefined);
  } else {
    settings = state.settings ? { securityLevel: state.settings.securityLevel, limits: state.settings.limits } : settings;
    catalog = state.catalog;
    ui.status.textContent = `Connected · ${settings.securityLevel} · ${catalog.length} tool${catalog.length === 1 ? '' : 's'}`;
    renderTools(ui.tools, catalog, (text) => editor.insert(text));
    showExamples();
    editor.relint(); // the level or limits may differ from the guess
  }
}

function showExamples(): void {
  examples = examplesFor(catalog);
  ui.examples.replaceChildren(el('option', { value: '' }, 'Examples…'), ...examples.map((e, i) => el('option', { value: String(i) }, e.title)));
  // A fresh page shows the first example for these tools; a script the person wrote or opened stays.
  if (!edited) {
    editor.setCode(examples[0]!.code);
    edited = false;
  }
}

ui.examples.addEventListener('change', () => {
  const chosen = examples[Number(ui.examples.value)];
  ui.examples.value = '';
  if (!chosen) return;
  editor.setCode(chosen.code);
  editor.view.focus();
});

ui.share.addEventListener('click', () => {
  const url = shareUrl(location, editor.code());
  history.replaceState(null, '', url);
  ui.shareUrl.value = url;
  ui.shareUrl.hidden = false;
  ui.shareUrl.select();
  void navigator.clipboard?.writeText(url).catch(() => undefined); // the field is there when the clipboard is not
});

const giveToken = (): void => {
  const token = ui.token.value.trim();
  if (!token && signIn.signedIn) return; // an emptied field does not end a sign-in: Sign out does
  if (token) signIn.forget(); // one credential at a time: a typed token replaces the sign-in
  remember(token);
  void connection.connect(token);
};
ui.token.addEventListener('change', giveToken);
ui.token.addEventListener('keydown', (event) => event.key === 'Enter' && giveToken());

/** One run at a time, on the server or in the page; the buttons say which can be pressed. */
async function execute(what: string, go: (signal: AbortSignal) => Promise<ExecutionResult>): Promise<void> {
  if (running) return;
  const controller = new AbortController();
  running = controller;
  ui.run.disabled = ui.replay.disabled = true;
  ui.cancel.disabled = false;
  timeline.clear();
  view.running(what);
  try {
    const result = await go(controller.signal);
    if (!result.success) timeline.finish(result.error?.code === 'CANCELLED' ? 'cancelled' : 'not finished');
    view.show(result);
    if (result.recording) recordings.set(result.recording, `recorded at ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    timeline.finish('not finished');
    view.problem(error instanceof Error ? error.message : String(error));
  } finally {
    running = undefined;
    ui.run.disabled = false;
    ui.replay.disabled = recordings.current() === undefined;
    ui.cancel.disabled = true;
  }
}

async function run(): Promise<void> {
  const client = await connection.client();
  if (!client)
    return view.problem(
      signIn.available
        ? 'Not connected: sign in, or enter a token in the Token field, first.'
        : 'Not connected: enter the token `serve` printed (or ENCLAVE_MCP_TOKEN) in the Token field first.',
    );
  await execute('Running on the server…', async (signal) => {
    try {
      return await client.run(editor.code(), { signal, record: recordings.recordAsked(), onEvent: (event) => timeline.add(event) });
    } catch (error) {
      connection.lost(); // the next run connects again
      throw error;
    }
  });
}

ui.run.addEventListener('click', () => void run());
ui.cancel.addEventListener('click', () => running?.abort());
ui.replay.addEventListener('click', () => {
  const recording = recordings.current();
  if (!recording) return;
  void execute('Replaying in this page…', (signal) => replayInPage(editor.code(), recording, settings, (event) => timeline.add(event), signal));
});

// A token given to this load connects at once, unless this load is the way back from signing in (that wins).
const token = initialToken();
if (token) ui.token.value = token;
if (token && !isSignInAnswer()) void connection.connect(token);
void signIn.start(token !== '' && !isSignInAnswer()).then(() => {
  if (signIn.available && !token && !signIn.signedIn && !ui.status.classList.contains('bad')) ui.status.textContent = 'Sign in, or enter a token, to connect.';
});
