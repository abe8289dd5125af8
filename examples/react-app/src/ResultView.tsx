// The outcome: the value and stats, the script's error (with its line), a cancel, or why the run could not happen.
import type { ExecutionResult } from 'enclave-mcp/client';

export function ResultView({ result, error }: { result: ExecutionResult | undefined; error: Error | undefined }) {
  if (error) {
    const code = (error as { code?: string }).code;
    return (
      <p className="error" data-testid="error">
        {code ? `${code}: ` : ''}
        {error.message}
      </p>
    );
  }
  if (!result) return <p className="status">Run a script to see its result.</p>;
  const { stats } = result;
  const statLine = `${Math.round(stats.durationMs)} ms · ${stats.toolCalls} tool calls · ${stats.iterations} iterations`;
  if (!result.success) {
    const where = result.error?.line !== undefined ? ` (line ${result.error.line})` : '';
    return (
      <div>
        <p className="error" data-testid="error">
          {result.error?.code === 'CANCELLED' ? 'Cancelled: ' : `${result.error?.code}: `}
          {result.error?.message}
          {where}
        </p>
        <p className="status">{statLine}</p>
      </div>
    );
  }
  return (
    <div>
      <pre data-testid="result">{JSON.stringify(result.value, null, 2)}</pre>
      <p className="status">
        {statLine}
        {result.recording ? ` · recorded ${result.recording.calls.length} calls` : ''}
      </p>
    </div>
  );
}
