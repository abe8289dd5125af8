// Example scripts for the tools this server offers (its catalog): a knowledge-graph round trip when a memory server
// is there, echo and sums when server-everything is, a directory listing when a filesystem server is, and always one
// that needs no tool. Each is built from the names the catalog has, so it runs as shown.
import type { ToolEntry } from './tool-catalog.js';

export interface Example {
  title: string;
  code: string;
}

/** The first allowed tool named `<server>:<tool>` for one of the tool names, in their order of preference. */
function find(catalog: readonly ToolEntry[], ...tools: string[]): string | undefined {
  for (const tool of tools) {
    const hit = catalog.find((t) => t.name.slice(t.name.indexOf(':') + 1) === tool);
    if (hit) return hit.name;
  }
  return undefined;
}

const q = (name: string): string => `'${name.replace(/[\\']/g, '\\$&')}'`;

const EXAMPLES: ReadonlyArray<(c: readonly ToolEntry[]) => Example | undefined> = [
  (c) => {
    const create = find(c, 'create_entities');
    const read = find(c, 'read_graph');
    if (!create || !read) return undefined;
    return {
      title: 'Knowledge graph: add two people, read them back',
      code: `await callTool(${q(create)}, {
  entities: [
    { name: 'Ada Lovelace', entityType: 'person', observations: ['wrote the first program'] },
    { name: 'Alan Turing', entityType: 'person', observations: ['described the universal machine'] },
  ],
});
console.log('created 2 entities');
const graph = await callTool(${q(read)}, {});
console.log('the graph has ' + graph.entities.length + ' entities');
return graph.entities.filter((e) => e.entityType === 'person').map((e) => e.name);`,
    };
  },
  (c) => {
    const sum = find(c, 'get-sum', 'add');
    const echo = find(c, 'echo');
    if (!sum || !echo) return undefined;
    return {
      title: 'Echo and sums, three calls at a time',
      code: `const pairs = [[1, 2], [3, 4], [5, 6], [7, 8]];
const sums = await parallel(pairs, ([a, b]) => callTool(${q(sum)}, { a, b }), { concurrency: 3 });
console.log('summed ' + sums.length + ' pairs');
const echoed = await callTool(${q(echo)}, { message: 'hello from the playground' });
return { sums, echoed };`,
    };
  },
  (c) => {
    const roots = find(c, 'list_allowed_directories');
    const list = find(c, 'list_directory');
    if (!roots || !list) return undefined;
    return {
      title: 'Files: list the allowed folders and the first one',
      code: `const roots = await callTool(${q(roots)}, {});
console.log('allowed: ' + JSON.stringify(roots));
const first = String(roots).split('\\n').map((l) => l.trim()).filter((l) => l.startsWith('/'))[0];
if (!first) return roots;
return await callTool(${q(list)}, { path: first });`,
    };
  },
  () => ({
    title: 'No tools: loops, data and console',
    code: `const words = ['enclave', 'agent', 'script', 'sandbox'];
const lengths = [];
for (const w of words) {
  lengths.push({ word: w, length: w.length });
  console.log(w + ' has ' + w.length + ' letters');
}
return lengths.sort((a, b) => b.length - a.length);`,
  }),
];

export function examplesFor(catalog: readonly ToolEntry[]): Example[] {
  return EXAMPLES.map((make) => make(catalog)).filter((e): e is Example => e !== undefined);
}
