// The script editor: CodeMirror 6 with JavaScript highlighting, the page's live validation (a lint source) and
// callTool completion, inside [data-testid=editor].
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript';
import { forceLinting, type LintSource, linter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import type { CompletionSource } from '@codemirror/autocomplete';

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  /** Runs ~150 ms after the last change (CodeMirror's linter debounces it); returns the diagnostics to show. */
  lint: LintSource;
  complete: CompletionSource;
  /** Ctrl/Cmd+Enter. */
  onRun: () => void;
  onChange: () => void;
}

export interface ScriptEditor {
  view: EditorView;
  code(): string;
  setCode(code: string): void;
  /** Puts the cursor at line:column (1-based, clamped to the text) and scrolls it into view. */
  moveTo(line: number, column?: number): void;
  insert(text: string): void;
  /** Validates again now (the level or limits changed, not the text). */
  relint(): void;
}

/** Debounce of live validation: short enough to feel immediate, long enough not to run on every key of a word. */
export const LINT_DELAY_MS = 150;

export function createEditor(options: EditorOptions): ScriptEditor {
  const view = new EditorView({
    parent: options.parent,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        keymap.of([
          {
            key: 'Mod-Enter',
            run: () => {
              options.onRun();
              return true;
            },
          },
        ]),
        basicSetup,
        javascript(),
        EditorView.lineWrapping, // a long callTool line stays readable without scrolling sideways
        // Our source beside JavaScript's own (local names, keywords): language data adds, it does not replace.
        javascriptLanguage.data.of({ autocomplete: options.complete }),
        linter(options.lint, { delay: LINT_DELAY_MS }),
        EditorView.updateListener.of((update) => update.docChanged && options.onChange()),
        EditorView.contentAttributes.of({ 'aria-label': 'AgentScript', spellcheck: 'false' }),
      ],
    }),
  });
  const pos = (line: number, column = 1): number => {
    const doc = view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line), doc.lines));
    return Math.min(l.from + Math.max(0, column - 1), l.to);
  };
  return {
    view,
    code: () => view.state.doc.toString(),
    setCode: (code) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code }, selection: { anchor: 0 } }),
    moveTo(line, column) {
      const at = pos(line, column);
      view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
      view.focus();
    },
    insert(text) {
      view.dispatch(view.state.replaceSelection(text));
      view.focus();
    },
    relint: () => forceLinting(view),
  };
}
