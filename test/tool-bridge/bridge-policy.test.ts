// What a script may reach through the bridge, end to end against the stdio fixture server: the allowlist (denied,
// unlisted, non-existent and malformed names answer alike), argument checks before anything is sent, and secrets
// given to the server through ${env:…} that never reach the script in any form.
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDeclarations } from '../../src/tool-bridge/declarations.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { createTransport } from '../../src/tool-bridge/transports.js';
import { tempDir } from './helpers.js';
import { fixtureServer, killMarked, openJson, visible } from './open-helpers.js';

const dir = tempDir('bridge-policy');
const tag = `${process.pid}x${Date.now().toString(36)}`;
// Three secrets: a plain one, one that is a number when parsed as JSON, one that is a JSON document itself.
const CANARY = `cnry-${tag}-policy`;
const PIN = String(4_000_000_000 + (process.pid % 1_000_000) * 1000 + 7);
const JSON_SECRET = JSON.stringify({ client_id: `cid-${tag}`, private_key: `pk-${tag}` });
/** Every tools/call the bridge sent downstream, read off the real transport. */
const sent: { name: string; arguments: unknown }[] = [];
let open: OpenManifest;

beforeAll(async () => {
  const json = {
    securityLevel: 'SECURE',
    servers: {
      fx: fixtureServer(dir, [], {
        env: { FIXTURE_SECRET: '${env:CANARY_VALUE}', FIXTURE_PIN: '${env:CANARY_PIN}', FIXTURE_JSON: '${env:CANARY_JSON}' },
      }),
    },
    // hang is allowed and denied (deny wins); binary, mixed, slow… exist but are not listed.
    allow: ['fx:e*', 'fx:add', 'fx:crash', 'fx:hang', 'fx:fail', 'fx:cancelled_count'],
    deny: ['fx:hang'],
  };
  open = await openJson(json, dir, {
    env: { CANARY_VALUE: CANARY, CANARY_PIN: PIN, CANARY_JSON: JSON_SECRET },
    bridge: {
      transportFor: (_name, config) => {
        const transport = createTransport(config);
        const send = transport.send.bind(transport);
        transport.send = (message: JSONRPCMessage, options) => {
          if ('method' in message && message.method === 'tools/call') sent.push(message.params as (typeof sent)[number]);
          return send(message, options);
        };
        return transport;
      },
    },
  });
});

afterAll(async () => {
  await open?.close();
  killMarked(dir);
});

const run = (code: string) => open.enclave.run(code);

/** Calls each name and returns `{ code, message }` of what the script caught. */
async function attempts(names: string[]): Promise<{ code: string; message: string }[]> {
  const result = await run(`
    const out = [];
    for (const name of ${JSON.stringify(names)}) {
      try { await callTool(name, {}); out.push({ code: 'NONE', message: '' }); }
      catch (e) { out.push({ code: e.code, message: e.message }); }
    }
    return out;
  `);
  expect(result.error).toBeUndefined();
  return result.value as { code: string; message: string }[];
}

describe('allowlist, end to end', () => {
  it('denied, unlisted, non-existent and malformed names all give UNKNOWN_TOOL with the same message shape', async () => {
    // ('' never reaches the bridge: the enclave's callTool throws a TypeError for an empty name.)
    const names = ['fx:hang', 'fx:mixed', 'fx:qzvw', 'ghost:qzvw', 'qzvw', 'fx:', ':qzvw', 'fx:qz:vw', ' fx:echo', 'FX:ECHO'];
    const errors = await attempts(names);
    expect(errors.map((e) => e.code)).toEqual(names.map(() => 'UNKNOWN_TOOL'));
    // The denied tool's message with its name cut out is the template of every other one.
    const template = errors[0]!.message.split("'fx:hang'");
    expect(template).toHaveLength(2);
    // Suggestions aside (they depend on the spelling, and come from allowed tools only: see below).
    const unsuggested = (message: string) => message.replace(/ Did you mean [^?]*\?/, '');
    names.forEach((name, i) => expect(unsuggested(errors[i]!.message), name).toBe(template.join(`'${name}'`)));
    // The denied tool and a made-up one of no likeness to any tool: word for word the same, suggestions included.
    expect(errors[0]!.message).not.toMatch(/did you mean/i);
    expect(errors[2]!.message.replace('fx:qzvw', 'fx:hang')).toBe(errors[0]!.message);
    expect(sent.map((c) => c.name)).not.toContain('hang');
  });

  it('an uncaught denied call ends the script exactly as a call of a tool that does not exist', async () => {
    const denied = await run(`return await callTool('fx:hang', {});`);
    const missing = await run(`return await callTool('fx:hanq', {});`);
    expect(denied.error?.code).toBe('UNKNOWN_TOOL');
    const shape = (error: typeof denied.error, name: string) => JSON.parse(JSON.stringify(error).replaceAll(name, 'X')) as unknown;
    expect(shape(denied.error, 'fx:hang')).toEqual(shape(missing.error, 'fx:hanq'));
    expect(denied.error?.tool).toBe('fx:hang');
  });

  it('"did you mean" draws only on allowed tools', async () => {
    const [typoAllowed, typoDenied, typoUnlisted, bare] = await attempts(['fx:ecoh', 'fx:hanf', 'fx:mixd', 'echo']);
    expect(typoAllowed!.message).toContain("Did you mean 'fx:echo'");
    expect(bare!.message).toContain("'fx:echo'");
    expect(typoDenied!.message).not.toMatch(/fx:hang'|did you mean/i);
    expect(typoUnlisted!.message).not.toMatch(/fx:mixed|did you mean/i);
  });

  it("a caller's own narrowing (a principal's allow): its other tools do not exist for it, and nothing is sent", async () => {
    const before = sent.length;
    const onlyAdd = open.bridge.handlerFor({ allows: (name) => name === 'fx:add' });
    const script = `
      const out = [];
      for (const name of ['fx:add', 'fx:echo', 'fx:ecoh', 'fx:hang']) {
        try { await callTool(name, name === 'fx:add' ? { a: 1, b: 2 } : { text: 'x' }); out.push('ok'); }
        catch (e) { out.push(e.code + ': ' + e.message); }
      }
      return out;`;
    const result = await open.enclave.run(script, { toolHandler: onlyAdd });
    const [add, echo, typo, hang] = result.value as string[];
    expect(add).toBe('ok');
    expect(echo).toMatch(/^UNKNOWN_TOOL: There is no tool 'fx:echo'/);
    expect(typo).not.toMatch(/did you mean/i); // fx:echo is not its tool: never suggested
    expect(hang).toMatch(/^UNKNOWN_TOOL/);
    expect(sent.slice(before).map((c) => c.name)).toEqual(['add']);
    // The same script with the bridge's own handler reaches fx:echo: the narrowing is the caller's, not the bridge's.
    expect(((await open.enclave.run(script)).value as string[])[1]).toBe('ok');
  });

  it('a denied tool appears nowhere: not in bridge.tools, the declarations, or any error message', async () => {
    const names = open.bridge.tools.map((t) => t.qualifiedName);
    expect(names).toEqual(['fx:add', 'fx:cancelled_count', 'fx:crash', 'fx:echo', 'fx:env_echo', 'fx:fail']);
    const declarations = renderDeclarations(open.bridge.tools);
    expect(declarations).not.toMatch(/fx:hang|fx:mixed|Never answers/);
    const messages = (await attempts(['fx:han', 'fx:hangs', 'hang', 'fx:*', 'fx:h?ng', 'fx:mixe'])).map((e) => e.message);
    for (const message of messages) expect(message).not.toMatch(/'fx:hang'|'fx:mixed'/);
  });
});

describe('arguments are checked before anything is sent', () => {
  it('INVALID_TOOL_ARGS names the path and the expected type, and the server never sees the call', async () => {
    const before = sent.length;
    const result = await run(`
      const out = [];
      for (const [name, args] of [
        ['fx:echo', { text: 42 }],
        ['fx:add', { a: 1, b: 'two' }],
        ['fx:echo', { text: 'x', extra: true }],
        ['fx:echo', {}],
        ['fx:crash', { code: 'boom' }],
      ]) {
        try { await callTool(name, args); out.push('sent'); } catch (e) { out.push(e.code + ': ' + e.message); }
      }
      out.push(await callTool('fx:echo', { text: 'still up' }));
      return out;
    `);
    expect(result.error).toBeUndefined();
    const out = result.value as string[];
    expect(out[0]).toMatch(/^INVALID_TOOL_ARGS: .*args\.text must be a string \(got the number 42\)/);
    expect(out[1]).toMatch(/^INVALID_TOOL_ARGS: .*args\.b must be a number \(got a string\)/);
    expect(out[2]).toMatch(/^INVALID_TOOL_ARGS: .*args\.extra is not an allowed property of args \(allowed: text\)/);
    expect(out[3]).toMatch(/^INVALID_TOOL_ARGS: .*args\.text is required/);
    // Had it been sent, crash would have taken the server down and the next call would have failed.
    expect(out[4]).toMatch(/^INVALID_TOOL_ARGS: .*args\.code must be an integer/);
    expect(out[5]).toBe('still up');
    expect(sent.slice(before)).toEqual([{ name: 'echo', arguments: { text: 'still up' } }]);
  });
});

describe('secrets given to a server through ${env:…}', () => {
  const leaks = (text: string): string[] => {
    const forms = [
      CANARY,
      [...CANARY].reverse().join(''),
      Buffer.from(CANARY).toString('base64'),
      [...CANARY].map((c) => c.charCodeAt(0)).join('.'),
      PIN,
      `cid-${tag}`,
      `pk-${tag}`,
    ];
    return forms.filter((form) => text.includes(form));
  };

  it('reach the server (env_echo) but never the script, however it transforms them', async () => {
    const result = await run(`
      const s = await callTool('fx:env_echo', { name: 'FIXTURE_SECRET' });
      const pin = await callTool('fx:env_echo', { name: 'FIXTURE_PIN' });
      const blob = await callTool('fx:env_echo', { name: 'FIXTURE_JSON' });
      const all = [s, pin, blob];
      const text = all.map(v => typeof v === 'string' ? v : JSON.stringify(v));
      console.log('secret:', s, pin, JSON.stringify(blob));
      console.warn(text.map(t => t.split('').reverse().join('')).join('|'));
      let thrown = '';
      try { await callTool('fx:fail', { message: 'echo ' + text.join(' ') }); } catch (e) { thrown = e.message; }
      return {
        seen: all, types: all.map(v => typeof v), lengths: text.map(t => t.length),
        codes: text.map(t => t.split('').map(c => c.charCodeAt(0)).join('.')),
        joined: text.map(t => t.split('-').join('+')), thrown,
      };
    `);
    expect(result.error).toBeUndefined();
    const value = result.value as { seen: unknown[]; types: string[] };
    expect(value.seen).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]']);
    expect(leaks(visible(result))).toEqual([]);
    expect(result.logs.length).toBe(2);
  });

  it('a script that throws or returns them leaks nothing through the error or the value', async () => {
    const thrown = await run(`
      const s = await callTool('fx:env_echo', { name: 'FIXTURE_SECRET' });
      const pin = await callTool('fx:env_echo', { name: 'FIXTURE_PIN' });
      throw new Error('leaking ' + s + ' ' + pin);
    `);
    expect(thrown.success).toBe(false);
    expect(thrown.error?.message).toContain('leaking');
    expect(leaks(visible(thrown))).toEqual([]);
    const returned = await run(`return await callTool('fx:env_echo', { name: 'FIXTURE_JSON' });`);
    expect(returned.value).toBe('[REDACTED]');
    expect(leaks(visible(returned))).toEqual([]);
  });
});
