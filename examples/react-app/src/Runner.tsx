// The script runner: an editor, Run and Cancel, the tool calls and console lines as they happen, and the result.
import { useState } from 'react';
import type { EnclaveClient } from 'enclave-mcp/client';
import { useAgentScript } from 'enclave-mcp/react';
import { EventList } from './EventList.js';
import { ResultView } from './ResultView.js';

const EXAMPLE = `// Tool calls and console lines show up on the right as they happen.
const graph = await callTool('memory:read_graph', {});
console.log(\`\${graph.entities.length} entities in the graph\`);
return graph.entities.map(e => e.name);`;

export function Runner({ client }: { client: EnclaveClient }) {
  const [code, setCode] = useState(EXAMPLE);
  const [record, setRecord] = useState(false);
  const { run, cancel, status, events, result, error } = useAgentScript(client);
  const running = status === 'running';

  return (
    <div className="columns">
      <section>
        <textarea data-testid="editor" value={code} onChange={(e) => setCode(e.target.value)} spellCheck={false} aria-label="AgentScript" />
        <div className="bar">
          <button type="button" className="primary" data-testid="run" onClick={() => void run(code, { record })}>
            {running ? 'Run again' : 'Run'}
          </button>
          <button type="button" data-testid="cancel" onClick={cancel} disabled={!running}>
            Cancel
          </button>
          <label style={{ flexDirection: 'row', alignItems: 'center' }}>
            <input type="checkbox" data-testid="record" checked={record} onChange={(e) => setRecord(e.target.checked)} /> Record
          </label>
          <span className="status" data-testid="status">
            {status}
          </span>
        </div>
      </section>
      <section>
        <h2>Tool calls and console</h2>
        <EventList events={events} />
        <h2>Result</h2>
        <ResultView result={result} error={error} />
      </section>
    </div>
  );
}
