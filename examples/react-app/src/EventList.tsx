// The run's happenings in order: one row per tool call (updated in place from running to done) and per console line.
import type { AgentScriptEvent } from 'enclave-mcp/react';

const short = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

export function EventList({ events }: { events: AgentScriptEvent[] }) {
  if (events.length === 0) return <p className="status">Nothing yet.</p>;
  return (
    <ol className="events" data-testid="events">
      {events.map((event, i) =>
        event.kind === 'tool' ? (
          <li key={`tool-${event.call.id}`} data-testid="event" data-kind="tool" data-status={event.call.status}>
            <span>{event.call.status === 'running' ? '…' : event.call.status === 'ok' ? '✓' : '✗'}</span>
            <strong>{event.call.tool}</strong>
            <span className="args">{short(event.call.args)}</span>
            <span>
              {event.call.status === 'error'
                ? `${event.call.error?.code}: ${event.call.error?.message}`
                : event.call.durationMs !== undefined
                  ? `${Math.round(event.call.durationMs)} ms${event.call.resultBytes !== undefined ? ` · ${event.call.resultBytes} B` : ''}`
                  : 'running'}
            </span>
          </li>
        ) : (
          // Console lines never change once shown, so their position is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={`log-${i}`} data-testid="event" data-kind="log" data-status={event.level}>
            <span>console.{event.level}</span>
            <span>{event.message}</span>
          </li>
        ),
      )}
    </ol>
  );
}
