// A first AgentScript, run by `npm start` against manifests/default.json: two real MCP servers (memory and
// filesystem), four tool calls, one result. The graph's data never passes through a model.
await callTool('memory:create_entities', {
  entities: [
    { name: 'Ada', entityType: 'person', observations: ['writes the scheduler', 'on call this week'] },
    { name: 'Grace', entityType: 'person', observations: ['reviews compilers'] },
    { name: 'Scheduler', entityType: 'project', observations: ['ships in December'] },
  ],
});
await callTool('memory:create_relations', { relations: [{ from: 'Ada', to: 'Scheduler', relationType: 'works_on' }] });

const graph = await callTool('memory:read_graph', {});
const people = graph.entities.filter((e) => e.entityType === 'person');
const lines = people.map((p) => {
  const projects = graph.relations.filter((r) => r.from === p.name).map((r) => r.to);
  return `- ${p.name}: ${p.observations.join('; ')}${projects.length ? ` (works on ${projects.join(', ')})` : ''}`;
});
await callTool('filesystem:write_file', { path: 'team.md', content: `# Team\n\n${lines.join('\n')}\n` });

const saved = await callTool('filesystem:read_text_file', { path: 'team.md' });
console.log(`wrote team.md for ${people.length} people`);
return { people: people.map((p) => p.name), file: saved.content };
