// Fault isolation over HTTP, across sessions (DESIGN §2): one client's runaway scripts never fail or stall another
// client's clean ones. Real SDK clients over Streamable HTTP, a real server, real downstream servers; the level's
// own limits (STRICT: 5 s), so the runaways really run until their deadline.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpServer } from '../../src/mcp/http.js';
import type { Gateway } from '../../src/mcp/server.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { connect, finishedExecutions, killMarked, manifestJson, openGateway, structured } from '../mcp/http-helpers.js';
import { waitFor } from '../wait-for.js';
import { HOLD, Holds, RUNAWAYS, warmPool } from './runaways.js';

const MARK = `co-location-http-${process.pid}-${Date.now().toString(36)}`;
const CLEAN_BOUND_MS = 1500;
const CLEAN = "const r = await callTool('everything:echo', { message: 'hi' });\nconst xs = [3, 1, 2].sort((a, b) => a - b);\nreturn [r, xs];";

const executions = finishedExecutions();
let open: OpenManifest;
let gateway: Gateway;
let http: HttpServer;
let attacker: Client;
let bystander: Client;

beforeAll(async () => {
  // STRICT as it ships: the manifest without the tests' limits.
  ({ open, gateway } = await openGateway(MARK, { observer: executions.observer }, (mark, dir) => ({ ...manifestJson(mark, dir), limits: {} })));
  http = await serveHttp(gateway, { host: '127.0.0.1', port: 0 });
  attacker = await connect(http.url, http.token);
  bystander = await connect(http.url, http.token);
  // A server that has been running: six scripts at once, held until the workers they needed have started (off the
  // clock, so that a loaded machine's slow start-up does not time them out), warm the gateway's own enclave.
  const holds = new Holds();
  const held = Array.from({ length: 6 }, () => open.enclave.run(HOLD, { toolHandler: (_name, _args, { untimed }) => untimed(holds.hold()) }));
  await warmPool(() => open.enclave.stats, 7);
  holds.release();
  expect((await Promise.all(held)).map((r) => r.error)).toEqual(Array(6).fill(undefined));
}, 120_000);

afterAll(async () => {
  await attacker?.close().catch(() => undefined);
  await bystander?.close().catch(() => undefined);
  await http?.close(0);
  gateway?.close();
  await open?.close();
  killMarked(MARK);
});

const run = (c: Client, code: string) => c.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 60_000 });

/** The runaways a STRICT server sees, with the hanging tool this server has. */
const OVER_HTTP = RUNAWAYS.filter((r) => !r.level).map((r) => ({ ...r, code: r.code.replace("'runaway:hang'", "'fixture:hang'") }));

describe('a clean script of another session beside two runaways', () => {
  it.each(OVER_HTTP.map((r) => [r.name, r] as const))(
    '%s',
    async (_name, runaway) => {
      const over = executions.count(runaway.code);
      const runaways = [run(attacker, runaway.code), run(attacker, runaway.code)];
      // Running when the clean ones arrive: each has a worker, or is already over (refused before it ran).
      await waitFor(() => open.enclave.stats.running + executions.count(runaway.code) - over >= 2, { what: 'the runaways to be running' });
      const clean = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const t0 = performance.now();
          const result = await run(bystander, CLEAN);
          return { result: structured(result), ms: performance.now() - t0 };
        }),
      );
      for (const { result, ms } of clean) {
        expect(result, JSON.stringify(result.error)).toMatchObject({ success: true });
        expect(ms).toBeLessThan(CLEAN_BOUND_MS);
      }
      for (const r of (await Promise.all(runaways)).map(structured)) {
        if (runaway.codes.length === 0) expect(r.success, JSON.stringify(r.error)).toBe(true);
        else expect(runaway.codes, JSON.stringify(r.error)).toContain(r.error?.code);
        // Each ended by itself, at its deadline at the latest: never by the watchdog terminating its worker.
        expect(r.error?.message ?? '').not.toMatch(/by force/);
      }
    },
    60_000,
  );
});
