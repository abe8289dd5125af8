// The prelude's guards as a script meets them (src/enclave/runtime/prelude.ts): the guarded global Array,
// frozen namespaces, Object.assign / fromEntries refusing blocked keys, the JSON walk that sees what the
// native JSON.stringify sees, trusted tool error codes, and capped error messages. Ordinary uses keep working.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError } from '../../src/enclave/index.js';

const strict = new Enclave({
  toolHandler: async (name) => {
    throw new ToolCallError('UNKNOWN_TOOL', `Unknown tool "${name}".`);
  },
});
const standard = new Enclave({ securityLevel: 'STANDARD' });
afterAll(() => Promise.all([strict.dispose(), standard.dispose()]));

describe('the global Array', () => {
  it('checks lengths also when called through an alias', async () => {
    const r = await strict.run('const A = Array;\nconst a = A(1e9);\nreturn a.length;');
    expect(r).toMatchObject({ success: false, error: { code: 'MEMORY_LIMIT', line: 2 } });
  });

  it('still makes arrays, and arrays are still instanceof Array', async () => {
    const r = await strict.run(`const A = Array;
return [A(3).length, A(1, 2), A('x'), new Array(2).length, [] instanceof Array, A.isArray([]), A.from({ length: 2 }, (_, i) => i), A.of(7), Array(2).fill(0)];`);
    expect(r).toMatchObject({ success: true, value: [3, [1, 2], ['x'], 2, true, true, [0, 1], [7], [0, 0]] });
  });
});

describe('frozen namespaces', () => {
  it('refuses changing a member through an alias', async () => {
    const r = await standard.run('const M = Math;\nconst f = () => 0;\nM.max = f;\nreturn Math.max(1, 2);');
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR', line: 3 } });
  });

  it.each(['Math', 'Number', 'String', 'Date', 'Map', 'Set', 'Error', 'Promise', 'Array', 'callTool'])('refuses Object.assign(%s, …)', async (name) => {
    const r = await strict.run(`Object.assign(${name}, { polluted: 1 });\nreturn 'changed';`);
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
  });

  it('leaves prototypes writable through instances: an error can be renamed', async () => {
    const r = await strict.run("const e = new Error('x');\ne.name = 'NotFound';\ne.message = 'y';\nreturn [e.name, e.message, String(e)];");
    expect(r).toMatchObject({ success: true, value: ['NotFound', 'y', 'NotFound: y'] });
  });
});

describe('Object.assign and Object.fromEntries', () => {
  it.each([
    ['a parsed __proto__ key', `Object.assign({}, JSON.parse('{"__proto__": {"x": 1}}'))`],
    ['a constructor key', `Object.assign({}, JSON.parse('{"constructor": 1}'))`],
    ['a prototype key in a later source', `Object.assign({}, { a: 1 }, JSON.parse('{"prototype": 1}'))`],
    ['fromEntries with __proto__', `Object.fromEntries([['__proto__', { x: 1 }]])`],
    ['fromEntries with constructor', `Object.fromEntries([['constructor', 1]])`],
  ])('refuses %s', async (_what, expr) => {
    const r = await strict.run(`try { ${expr}; } catch (e) { return 'caught'; }\nreturn 'copied';`);
    expect(r).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
  });

  it('copy and build ordinary data as before', async () => {
    const r = await strict.run("const o = Object.assign({ a: 1 }, null, { b: 2 }, 'xy');\nreturn [o, Object.fromEntries([['k', 1], [2, 'v']])];");
    expect(r).toMatchObject({
      success: true,
      value: [
        { a: 1, b: 2, 0: 'x', 1: 'y' },
        { k: 1, 2: 'v' },
      ],
    });
  });
});

describe('the JSON walk', () => {
  const dag = 'let o = [];\nfor (let i = 0; i < 40; i++) o = [o, o];';

  it("walks a Map's own keys, as JSON.stringify serializes them", async () => {
    const r = await strict.run(`const m = new Map();\n${dag}\nm.x = o;\nreturn JSON.stringify(m).length;`);
    expect(r).toMatchObject({ success: false, error: { code: 'MEMORY_LIMIT' } });
    expect(r.stats.durationMs).toBeLessThan(3_000);
  });

  it('refuses a toJSON function, on objects and on Dates', async () => {
    const object = await standard.run(`${dag}\nconst t = () => o;\nreturn JSON.stringify({ toJSON: t });`);
    expect(object).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
    expect(object.error!.message).toMatch(/toJSON/);
    const date = await standard.run(`${dag}\nconst t = () => o;\nconst d = new Date(0);\nd.toJSON = t;\nreturn { d };`);
    expect(date).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
  });

  it('refuses a huge sparse array before walking its holes', async () => {
    const r = await strict.run('const a = [];\na.length = 4294967295;\nreturn JSON.stringify(a).length;');
    expect(r).toMatchObject({ success: false, error: { code: 'MEMORY_LIMIT' } });
    expect(r.stats.durationMs).toBeLessThan(3_000);
  });

  it('serializes Dates, Maps and data as JSON.stringify does', async () => {
    const r = await strict.run('const m = new Map([[1, 2]]);\nm.own = 1;\nreturn [JSON.stringify({ d: new Date(0), m, toJSON: 1 }), new Date(0)];');
    expect(r).toMatchObject({ success: true, value: ['{"d":"1970-01-01T00:00:00.000Z","m":{"own":1},"toJSON":1}', '1970-01-01T00:00:00.000Z'] });
  });
});

describe('errors out of the script', () => {
  it('reports the code the host gave a tool error, not one the script wrote', async () => {
    for (const forged of ['SERVER_BUSY', 'MEMORY_LIMIT', 'pwned']) {
      const r = await strict.run(`try { await callTool('x:y', {}); } catch (e) { e.code = '${forged}'; throw e; }`);
      expect(r).toMatchObject({ success: false, error: { code: 'UNKNOWN_TOOL', tool: 'x:y' } });
    }
  });

  it('gives a code to no other error, whatever its code property says', async () => {
    const r = await strict.run("const e = new Error('x');\ne.code = 'TOOL_ERROR';\nthrow e;");
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
  });

  it('caps a huge thrown message', async () => {
    for (const code of ["throw 'x'.repeat(1000000);", "throw new Error('x'.repeat(1000000));"]) {
      const r = await strict.run(code);
      expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
      expect(r.error!.message.length).toBeLessThan(2_500);
    }
  });
});
