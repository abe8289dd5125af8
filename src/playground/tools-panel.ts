// The side panel ([data-testid=tools]): the tools this caller may use, as the server lists them (a denied or unlisted
// tool is never in the list: the server does not reveal it). Each shows its name and summary; clicking inserts a
// callTool snippet with its required fields at the cursor.
import { el } from './dom.js';
import { snippetFor, type ToolEntry } from './tool-catalog.js';

export function renderTools(list: HTMLElement, catalog: readonly ToolEntry[] | string, insert: (text: string) => void): void {
  if (typeof catalog === 'string') return list.replaceChildren(el('li', { class: 'muted' }, catalog));
  if (catalog.length === 0) return list.replaceChildren(el('li', { class: 'muted' }, 'No tools are allowed for this token.'));
  list.replaceChildren(
    ...catalog.map((tool) => {
      const fields = tool.fields.map((f) => `${f.name}${f.required ? '' : '?'}: ${f.type}`).join(', ');
      const button = el(
        'button',
        { type: 'button', class: 'tool', title: `Insert a call of ${tool.name}${fields ? `\n(${fields})` : ''}` },
        el('span', { class: 'name' }, tool.name),
        el('span', { class: 'summary' }, tool.summary),
      );
      button.addEventListener('click', () => insert(snippetFor(tool)));
      return el('li', {}, button);
    }),
  );
}
