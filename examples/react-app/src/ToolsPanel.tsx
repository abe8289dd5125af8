// The tools the server allows, as its search_tools lists them (only allowed tools are ever shown).
import { useEffect, useState } from 'react';
import type { EnclaveClient, ToolInfo } from 'enclave-mcp/client';

export function ToolsPanel({ client }: { client: EnclaveClient }) {
  const [tools, setTools] = useState<ToolInfo[]>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    let current = true; // an answer for a panel that is gone (or a client replaced) is dropped
    client.tools().then(
      (found) => current && setTools(found),
      (error: unknown) => current && setProblem(String(error instanceof Error ? error.message : error)),
    );
    return () => {
      current = false;
    };
  }, [client]);

  if (problem) return <p className="error">{problem}</p>;
  if (!tools) return <p className="status">Loading the tools…</p>;
  return (
    <ul className="tools" data-testid="tools">
      {tools.map((tool) => (
        <li key={tool.name}>
          <code>{tool.name}</code> — {tool.summary}
        </li>
      ))}
    </ul>
  );
}
