// A tool call that fails and is not caught ends the script with the call's code, tool, and the line of the call.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError } from '../../src/enclave/index.js';

const enclave = new Enclave({
  toolHandler: async (name) => {
    throw new ToolCallError(name.endsWith('bad') ? 'INVALID_TOOL_ARGS' : 'UNKNOWN_TOOL', `nothing called ${name}`);
  },
});
afterAll(() => enclave.dispose());

describe('uncaught tool errors', () => {
  it('point at the line of the failed call', async () => {
    const r = await enclave.run("const a = 1;\nconst b = [a].map((x) => x + 1);\nconst r = await callTool('crm:lookup', { id: b[0] });\nreturn r;");
    expect(r.error).toMatchObject({ code: 'UNKNOWN_TOOL', tool: 'crm:lookup', line: 3 });
  });

  it('inside a callback too', async () => {
    const r = await enclave.run("const ids = [1, 2];\n\nconst all = await Promise.all(ids.map((id) => callTool('crm:bad', { id })));\nreturn all;");
    expect(r.error).toMatchObject({ code: 'INVALID_TOOL_ARGS', tool: 'crm:bad', line: 3 });
  });

  it('a caught one does not end the script', async () => {
    const r = await enclave.run("let code = '';\ntry { await callTool('crm:x', {}); } catch (e) { code = e.code; }\nreturn code;");
    expect(r).toMatchObject({ success: true, value: 'UNKNOWN_TOOL' });
  });
});
