// Tiny DOM helpers for the page's modules: elements by their stable data-testid, and building elements with text
// only. Nothing here ever sets innerHTML: tool results, log lines and messages are the server's (or a tool's) data, so
// they are always text nodes, never markup.

/** The page's element marked data-testid=`id` (index.html); its absence is a build mistake, said loudly. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`index.html has no element with data-testid="${id}"`);
  return found;
}

type Child = Node | string | null | undefined | false;

/** An element with attributes (a `class` string, `data-*`, `title`…) and children; strings become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** Sizes as people read them: 512 B, 3.4 KB, 1.2 MB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Durations as people read them: 12 ms, 1.4 s. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
