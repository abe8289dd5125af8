// The trust policy end to end at the bridge (DESIGN §6): per-tool limits, data-flow labels and approval, with real
// downstream servers (server-memory, server-everything and the notes fixture) behind the real enclave. The person
// answering approvals is a function here; test/mcp/trust.test.ts asks a real client through elicitation.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/enclave/index.js';
import type { ApprovalAnswer, ApprovalRequest, Caller } from '../../src/tool-bridge/call-gate.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { EVERYTHING_SERVER, MEMORY_SERVER, tempDir } from './helpers.js';
import { openJson } from './open-helpers.js';

const NOTES = fileURLToPath(new URL('../fixtures/notes-server.mjs', import.meta.url));
const dir = tempDir('trust');
const tag = Date.now().toString(36);
const NAME = `zed quartermaine ${tag}`;
const OBS = `acct\t4821\t9034\tssn\t512\t44\t7781\tpin\t3309`;
const PAYROLL = `payroll ${tag}: quartermaine earns 7315 per week`;

const notes = (env: Record<string, string> = {}) => ({ command: 'node', args: [NOTES], env });
const servers = () => ({
  memory: { command: 'node', args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(dir, 'graph.jsonl') } },
  everything: { command: 'node', args: [EVERYTHING_SERVER, 'stdio'] },
  notes: notes({ NOTES_START: JSON.stringify({ payroll: PAYROLL, welcome: 'Hello.' }) }),
});
const LABELS = { 'memory:*': ['sensitive'], 'notes:note_read': ['sensitive'], 'everything:echo': ['egress'], 'notes:note_write': ['egress'] };
const ALLOW = ['memory:*', 'everything:echo', 'everything:get-sum', 'notes:*'];

function run(open: OpenManifest, code: string, caller: Caller = {}): Promise<ExecutionResult> {
  return open.enclave.run(code, { toolHandler: open.bridge.handlerFor(caller) });
}

/** An approver that records what it was asked and answers `answer`. */
function person(answer: ApprovalAnswer | (() => Promise<ApprovalAnswer>)) {
  const asked: ApprovalRequest[] = [];
  const caller: Caller = {
    approver: async (request) => {
      asked.push(request);
      return typeof answer === 'function' ? answer() : answer;
    },
  };
  return { asked, caller };
}

const GRAPH = "const g = await callTool('memory:read_graph', {});\nconst e = g.entities.find((x) => x.entityType === 'customer');";
/** Sends `expr` to everything:echo, catching the refusal; then shows the script goes on. */
const toEcho = (expr: string) =>
  `${GRAPH}\nlet code = 'SENT', message = '';\ntry { await callTool('everything:echo', { message: ${expr} }); } catch (err) { code = err.code; message = err.message; }\nconst after = await callTool('everything:echo', { message: 'still running' });\nreturn { code, message, after };`;

describe('data-flow labels', () => {
  let open: OpenManifest;
  beforeAll(async () => {
    open = await openJson({ securityLevel: 'STRICT', servers: servers(), allow: ALLOW, labels: LABELS }, dir);
    const setup = await run(
      open,
      `await callTool('memory:create_entities', { entities: [{ name: ${JSON.stringify(NAME)}, entityType: 'customer', observations: [${JSON.stringify(OBS)}] }] });\nreturn 1;`,
    );
    expect(setup).toMatchObject({ success: true });
  });
  afterAll(() => open?.close());

  const FLOWS: Array<[string, string]> = [
    ['the value, concatenated', `'exfil ' + e.name + ' ' + e.observations.join('|')`],
    ['a template literal', '`customer: ${e.name}`'],
    ['toUpperCase', `'NOTE ' + e.name.toUpperCase()`],
    ['JSON.stringify', 'JSON.stringify({ notes: e.observations })'],
    ['encodeURIComponent', `'https://collector.example/c?d=' + encodeURIComponent(e.observations[0])`],
    ["join(',')", "g.entities.map((x) => x.name).join(',')"],
    ['a substring of it', 'e.observations[0].slice(5, 20)'],
    ['JSON then URI', 'encodeURIComponent(JSON.stringify(e))'],
  ];
  for (const [how, expr] of FLOWS) {
    it(`refuses sensitive → egress through ${how}, naming both tools; the script catches it and goes on`, async () => {
      const r = await run(open, toEcho(expr));
      expect(r).toMatchObject({ success: true, value: { code: 'POLICY_BLOCKED', after: expect.stringContaining('still running') } });
      const { message } = r.value as { message: string };
      expect(message).toContain('memory:read_graph');
      expect(message).toContain('everything:echo');
    });
  }

  it('never sends a refused call downstream (notes:note_read → notes:note_write)', async () => {
    const r = await run(
      open,
      "const r = await callTool('notes:note_read', { id: 'payroll' });\nlet code = 'SENT';\ntry { await callTool('notes:note_write', { id: 'copy', text: 'fwd: ' + r.text }); } catch (e) { code = e.code; }\nreturn { code, written: (await callTool('notes:note_read', { id: 'copy' })).text };",
    );
    expect(r).toMatchObject({ success: true, value: { code: 'POLICY_BLOCKED', written: null } });
  });

  it('catches a value sent in pieces, one egress call each', async () => {
    const r = await run(
      open,
      `${GRAPH}\nconst out = [];\nfor (let i = 0; i < e.name.length; i += 5) {\n  try { await callTool('everything:echo', { message: e.name.slice(i, i + 5) }); out.push('sent'); } catch (err) { out.push(err.code); }\n}\nreturn out;`,
    );
    expect(r.value).toContain('POLICY_BLOCKED');
    expect((r.value as string[])[0]).toBe('sent'); // a piece shorter than the minimum length is not the data
  });

  it('tracks what a sensitive tool’s error quoted, too', async () => {
    const r = await run(
      open,
      "let quoted = '';\ntry { await callTool('notes:note_read', { id: 'err:none' }); } catch (e) { quoted = e.message; }\ntry { await callTool('everything:echo', { message: quoted }); return 'SENT'; } catch (e) { return e.code + ' ' + quoted.includes('quartermaine'); }",
    );
    expect(r.value).toBe('POLICY_BLOCKED true');
  });

  it('uncaught, ends the script with POLICY_BLOCKED and the tool', async () => {
    const r = await run(open, `${GRAPH}\nreturn await callTool('everything:echo', { message: e.name });`);
    expect(r).toMatchObject({ success: false, error: { code: 'POLICY_BLOCKED', tool: 'everything:echo' } });
  });

  it('lets unlabelled data, decisions on sensitive data, results and non-egress tools through', async () => {
    const r = await run(
      open,
      `${GRAPH}
const sum = await callTool('everything:get-sum', { a: 1, b: 2 });
const a = await callTool('everything:echo', { message: 'sum ' + JSON.stringify(sum) });
const b = await callTool('everything:echo', { message: g.entities.length > 0 ? 'records are present' : 'none' });
await callTool('memory:add_observations', { observations: [{ entityName: e.name, contents: ['seen ' + ${JSON.stringify(tag)}] }] });
return { a, b, name: e.name };`,
    );
    expect(r).toMatchObject({ success: true, value: { a: expect.stringContaining('sum'), b: expect.stringContaining('records are present'), name: NAME } });
  });

  it('starts over in each execution: data read by one run does not taint the next', async () => {
    expect((await run(open, `${GRAPH}\nreturn e.name;`)).value).toBe(NAME);
    const r = await run(open, `return await callTool('everything:echo', { message: ${JSON.stringify(NAME)} });`);
    expect(r).toMatchObject({ success: true, value: expect.stringContaining(NAME) });
  });
});

describe('flowMinLength', () => {
  it('sets the shortest run that counts as the data (a 21-character name passes at 24)', async () => {
    const loose = await openJson({ securityLevel: 'STRICT', servers: servers(), allow: ALLOW, labels: LABELS, flowMinLength: 24 }, dir);
    try {
      const r = await run(loose, `${GRAPH}\nreturn await callTool('everything:echo', { message: e.name });`);
      expect(r).toMatchObject({ success: true, value: expect.stringContaining(NAME) });
      const whole = await run(
        loose,
        `${GRAPH}\ntry { await callTool('everything:echo', { message: JSON.stringify(g) }); return 'SENT'; } catch (err) { return err.code; }`,
      );
      expect(whole.value).toBe('POLICY_BLOCKED'); // the observation line is longer than 24
    } finally {
      await loose.close();
    }
  });
});

describe('allowed flows and "calls" tracking', () => {
  let open: OpenManifest;
  beforeAll(async () => {
    open = await openJson(
      { securityLevel: 'STRICT', servers: servers(), allow: ALLOW, labels: LABELS, flows: [{ from: 'memory:*', to: 'everything:echo' }] },
      dir,
    );
  });
  afterAll(() => open?.close());

  it('lets a pair listed in flows through, and only that pair', async () => {
    const ok = await run(open, `${GRAPH}\nreturn await callTool('everything:echo', { message: e.name.toUpperCase() });`);
    expect(ok).toMatchObject({ success: true, value: expect.stringContaining(NAME.toUpperCase()) });
    const other = await run(
      open,
      `${GRAPH}\ntry { await callTool('notes:note_write', { id: 'm', text: e.name }); return 'SENT'; } catch (err) { return err.code; }`,
    );
    expect(other.value).toBe('POLICY_BLOCKED');
  });

  it('"calls" refuses any egress call after a sensitive one, whatever its arguments', async () => {
    const strict = await openJson({ securityLevel: 'STRICT', servers: servers(), allow: ALLOW, labels: LABELS, flowTracking: 'calls' }, dir);
    try {
      const before = await run(strict, "return await callTool('notes:note_write', { id: 'c1', text: 'constant' });");
      expect(before).toMatchObject({ success: true, value: { written: 'c1' } });
      const after = await run(
        strict,
        "await callTool('notes:note_read', { id: 'payroll' });\ntry { await callTool('notes:note_write', { id: 'c2', text: 'constant' }); return 'SENT'; } catch (e) { return e.message; }",
      );
      expect(after.value).toMatch(/notes:note_read.*notes:note_write/s);
      // A sensitive call that failed was still made: what follows is refused all the same.
      const failed = await run(
        strict,
        "try { await callTool('notes:note_read', { id: 'err:x' }); } catch {}\ntry { await callTool('everything:echo', { message: 'constant' }); return 'SENT'; } catch (e) { return e.code; }",
      );
      expect(failed.value).toBe('POLICY_BLOCKED');
    } finally {
      await strict.close();
    }
  });
});

describe('per-tool limits', () => {
  let open: OpenManifest;
  beforeAll(async () => {
    open = await openJson(
      {
        securityLevel: 'STRICT',
        servers: { notes: notes() },
        allow: ['notes:*'],
        toolLimits: { 'notes:note_write': { maxCalls: 2 }, 'notes:note_*': { maxCalls: 5 } },
      },
      dir,
    );
  });
  afterAll(() => open?.close());

  const script = (prefix: string, n: number) =>
    `const out = [];\nfor (const k of ${JSON.stringify(['a', 'b', 'c'].slice(0, n))}) {\n  try { await callTool('notes:note_write', { id: '${prefix}' + k, text: k }); out.push('ok'); } catch (e) { out.push(e.code); }\n}\nconst reads = [];\nfor (const k of ['a', 'b', 'c']) reads.push((await callTool('notes:note_read', { id: '${prefix}' + k })).text);\nreturn { out, reads };`;

  it('refuses the call past maxCalls (the smallest matching limit), catchably, without sending it', async () => {
    const r = await run(open, script('one-', 3));
    expect(r).toMatchObject({ success: true, value: { out: ['ok', 'ok', 'POLICY_BLOCKED'], reads: ['a', 'b', null] } });
  });

  it('counts per execution', async () => {
    const r = await run(open, script('two-', 2));
    expect(r.value).toEqual({ out: ['ok', 'ok'], reads: ['a', 'b', null] });
  });

  it('holds for calls made at once', async () => {
    const r = await run(
      open,
      "const all = await Promise.allSettled([1, 2, 3, 4].map((i) => callTool('notes:note_write', { id: 'p' + i, text: 'x' })));\nreturn all.map((s) => s.status === 'fulfilled' ? 'ok' : s.reason.code).sort();",
    );
    expect(r.value).toEqual(['POLICY_BLOCKED', 'POLICY_BLOCKED', 'ok', 'ok']);
  });

  it('applies the wider pattern to the other tools it matches (5 reads of notes:note_*)', async () => {
    const r = await run(
      open,
      "const out = [];\nfor (let i = 0; i < 6; i++) { try { await callTool('notes:note_read', { id: 'x' }); out.push('ok'); } catch (e) { out.push(e.code); } }\nreturn out;",
    );
    expect(r.value).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'POLICY_BLOCKED']);
  });
});

describe('approval', () => {
  let open: OpenManifest;
  beforeAll(async () => {
    open = await openJson(
      {
        securityLevel: 'STRICT',
        servers: { notes: notes(), memory: { command: 'node', args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(dir, 'approve.jsonl') } } },
        allow: ['notes:*', 'memory:*'],
        approve: ['notes:note_write'],
        noApproval: ['memory:delete_relations'],
      },
      dir,
    );
  });
  afterAll(() => open?.close());

  it('asks before a call listed in approve, showing the tool and its arguments, and runs it on accept', async () => {
    const { asked, caller } = person('accept');
    const r = await run(
      open,
      "await callTool('notes:note_write', { id: 'a1', text: 'approved' });\nreturn (await callTool('notes:note_read', { id: 'a1' })).text;",
      caller,
    );
    expect(r).toMatchObject({ success: true, value: 'approved' });
    expect(asked).toEqual([expect.objectContaining({ tool: 'notes:note_write', args: { id: 'a1', text: 'approved' }, description: 'Write a note.' })]);
  });

  it('asks for tools annotated destructiveHint: true (the fixture and server-memory), not for others', async () => {
    const { asked, caller } = person('accept');
    const r = await run(
      open,
      "await callTool('memory:create_entities', { entities: [{ name: 'Temp', entityType: 't', observations: [] }] });\nawait callTool('memory:read_graph', {});\nawait callTool('memory:delete_entities', { entityNames: ['Temp'] });\nawait callTool('memory:delete_relations', { relations: [] });\nreturn (await callTool('notes:note_delete', { id: 'welcome' })).deleted;",
      caller,
    );
    expect(r).toMatchObject({ success: true, value: true });
    expect(asked.map((a) => a.tool)).toEqual(['memory:delete_entities', 'notes:note_delete']);
  });

  it('declined: POLICY_BLOCKED, catchable, and the call never ran', async () => {
    const { asked, caller } = person('decline');
    const r = await run(
      open,
      "let code = 'RAN', message = '';\ntry { await callTool('notes:note_write', { id: 'd1', text: 'x' }); } catch (e) { code = e.code; message = e.message; }\nreturn { code, message, written: (await callTool('notes:note_read', { id: 'd1' })).text };",
      caller,
    );
    expect(r).toMatchObject({ success: true, value: { code: 'POLICY_BLOCKED', message: expect.stringContaining('declined'), written: null } });
    expect(asked).toHaveLength(1);
  });

  it('an accepted form without approval, a cancel, or a failing client: not approved', async () => {
    for (const answer of ['cancel', async (): Promise<ApprovalAnswer> => Promise.reject(new Error('client went away'))] as const) {
      const { caller } = person(answer);
      const r = await run(open, "try { await callTool('notes:note_write', { id: 'c1', text: 'x' }); return 'RAN'; } catch (e) { return e.code; }", caller);
      expect(r.value).toBe('POLICY_BLOCKED');
    }
  });

  it('without anyone to ask: POLICY_BLOCKED saying this client cannot ask; other calls still run', async () => {
    const r = await run(
      open,
      "let message = '';\ntry { await callTool('notes:note_write', { id: 'n1', text: 'x' }); } catch (e) { message = e.message; }\nreturn { message, read: (await callTool('notes:note_read', { id: 'n1' })).text };",
    );
    expect(r).toMatchObject({ success: true, value: { message: expect.stringContaining('cannot ask'), read: null } });
  });

  it('"unattended": ["*"] runs approval-needing calls without asking', async () => {
    const unattended = await openJson(
      { securityLevel: 'STRICT', servers: { notes: notes() }, allow: ['notes:*'], approve: ['notes:*'], unattended: ['*'] },
      dir,
    );
    try {
      const r = await run(unattended, "return (await callTool('notes:note_write', { id: 'u', text: 'x' })).written;");
      expect(r).toMatchObject({ success: true, value: 'u' });
    } finally {
      await unattended.close();
    }
  });

  it('stops the script’s clock while the person decides (an answer after twice the time limit still runs)', async () => {
    const quick = await openJson(
      { securityLevel: 'STRICT', limits: { timeoutMs: 1000 }, servers: { notes: notes() }, allow: ['notes:*'], approve: ['notes:note_write'] },
      dir,
    );
    try {
      const slow = person(() => new Promise<ApprovalAnswer>((resolve) => setTimeout(() => resolve('accept'), 2500)));
      const r = await run(
        quick,
        "const a = await callTool('notes:note_write', { id: 'slow', text: 'waited' });\nconst b = await callTool('notes:note_read', { id: 'slow' });\nreturn [a.written, b.text];",
        slow.caller,
      );
      expect(r).toMatchObject({ success: true, value: ['slow', 'waited'] });
      expect(r.stats.durationMs).toBeGreaterThan(2500);
      // The clock runs again after the answer: a script that then waits on its own still meets its limit.
      const again = person(() => new Promise<ApprovalAnswer>((resolve) => setTimeout(() => resolve('accept'), 1500)));
      const late = await run(
        quick,
        "await callTool('notes:note_write', { id: 'late', text: 'x' });\nlet n = 0;\nfor (let i = 0; i < 1e9; i++) n += i;\nreturn n;",
        again.caller,
      );
      expect(late.error?.code).toMatch(/TIMEOUT|MAX_ITERATIONS/);
    } finally {
      await quick.close();
    }
  });

  it('while the person decides, code the script runs still meets the deadline as it was', async () => {
    const quick = await openJson(
      {
        securityLevel: 'PERMISSIVE',
        limits: { timeoutMs: 1000, maxIterations: 1e9 },
        servers: { notes: notes() },
        allow: ['notes:*'],
        approve: ['notes:note_write'],
      },
      dir,
    );
    try {
      await run(quick, 'return 1;'); // the pool's threads started: durationMs below counts the run, not their start
      const slow = person(() => new Promise<ApprovalAnswer>((resolve) => setTimeout(() => resolve('accept'), 4000)));
      const r = await run(
        quick,
        "const pending = callTool('notes:note_write', { id: 'busy', text: 'x' });\nlet n = 0;\nfor (let i = 0; i < 1e12; i++) n += i;\nreturn n;",
        slow.caller,
      );
      expect(r.error?.code).toBe('TIMEOUT');
      expect(r.stats.durationMs).toBeLessThan(3500);
    } finally {
      await quick.close();
    }
  });

  it('redacts secrets from the arguments shown to the person', async () => {
    const secret = `s3cr3t-${tag}-value`;
    const withSecret = await openJson(
      {
        securityLevel: 'STRICT',
        servers: { notes: notes({ NOTES_START: JSON.stringify({ key: '${env:NOTES_KEY}' }) }) },
        allow: ['notes:*'],
        approve: ['notes:note_write'],
      },
      dir,
      { env: { NOTES_KEY: secret } },
    );
    try {
      const { asked, caller } = person('decline');
      await run(withSecret, `try { await callTool('notes:note_write', { id: 'k', text: 'key is ${secret}' }); } catch {}\nreturn 1;`, caller);
      expect(JSON.stringify(asked)).not.toContain(secret);
      expect(asked).toHaveLength(1);
    } finally {
      await withSecret.close();
    }
  });
});
