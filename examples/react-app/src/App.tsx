// Connects to an enclave-mcp server and shows two tabs over the connection: the script runner and the tools.
// Switching tabs unmounts the runner, which cancels its run in flight (the hook does that on unmount).
import { useCallback, useEffect, useState } from 'react';
import { connectEnclave, EnclaveClientError, type EnclaveClient } from 'enclave-mcp/client';
import { Runner } from './Runner.js';
import { ToolsPanel } from './ToolsPanel.js';
import { DEFAULT_SERVER, takeSettingsFromFragment } from './settings.js';

type Tab = 'script' | 'tools';

export function App() {
  const [fromFragment] = useState(takeSettingsFromFragment);
  const [server, setServer] = useState(fromFragment?.server ?? DEFAULT_SERVER);
  const [token, setToken] = useState(fromFragment?.token ?? '');
  const [client, setClient] = useState<EnclaveClient | null>(null);
  const [connecting, setConnecting] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [tab, setTab] = useState<Tab>('script');

  const connect = useCallback(async (url: string, bearer: string) => {
    setConnecting(true);
    setProblem(undefined);
    try {
      setClient(await connectEnclave({ url, token: bearer, clientName: 'react-example' }));
    } catch (error) {
      setProblem(error instanceof EnclaveClientError ? `${error.code}: ${error.message}` : String(error));
    } finally {
      setConnecting(false);
    }
  }, []);

  useEffect(() => {
    if (fromFragment) void connect(fromFragment.server, fromFragment.token);
  }, [fromFragment, connect]);

  const disconnect = (): void => {
    const closing = client;
    setClient(null); // unmounts the runner first: its hook cancels what it runs
    void closing?.close();
  };

  return (
    <main>
      <h1>enclave-mcp · React example</h1>
      {client ? (
        <>
          <div className="bar">
            <span className="status" data-testid="connected">
              Connected to {server}
            </span>
            <button type="button" data-testid="disconnect" onClick={disconnect}>
              Disconnect
            </button>
          </div>
          <div className="bar tabs" role="tablist">
            <button type="button" role="tab" data-testid="tab-script" aria-selected={tab === 'script'} onClick={() => setTab('script')}>
              Script
            </button>
            <button type="button" role="tab" data-testid="tab-tools" aria-selected={tab === 'tools'} onClick={() => setTab('tools')}>
              Tools
            </button>
          </div>
          {tab === 'script' ? <Runner client={client} /> : <ToolsPanel client={client} />}
        </>
      ) : (
        <form
          className="connect"
          onSubmit={(event) => {
            event.preventDefault();
            void connect(server, token);
          }}
        >
          <label>
            Server (MCP endpoint)
            <input type="text" data-testid="server" value={server} onChange={(e) => setServer(e.target.value)} />
          </label>
          <label>
            Bearer token (printed by npm start)
            <input type="password" data-testid="token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
          </label>
          <button type="submit" className="primary" data-testid="connect" disabled={connecting || !token}>
            {connecting ? 'Connecting…' : 'Connect'}
          </button>
          {problem && (
            <p className="error" data-testid="connect-error">
              {problem}
            </p>
          )}
        </form>
      )}
    </main>
  );
}
