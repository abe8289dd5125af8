// enclave-mcp/react: the client library as a React hook (DESIGN §7). Imports react and the client's front door only.
export { useAgentScript, type AgentScriptRunOptions, type UseAgentScript } from './use-agent-script.js';
export { reduceRun, IDLE, type AgentScriptEvent, type AgentScriptState, type AgentScriptStatus, type RunAction } from './state.js';
