// Load over HTTP, as issue 4 asks: `serve --transport http` in its own process (the shape a deployment has),
// 10 Streamable HTTP sessions, 100 executions in flight at once, each with 5 tool calls to server-everything.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { summarize, table } from './stats.js';

const require = createRequire(import.meta.url);
const SESSIONS = 10;
const PER_SESSION = 10;
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 5);

export async function benchHttpLoad(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      limits: { timeoutMs: 30_000 },
      servers: { everything: { command: 'node', args: [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'] } },
      allow: ['everything:get-sum'],
    }),
  );
  const token = 'bench-token-0123456789';
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, 'src/cli.ts', 'serve', '--transport', 'http', '--port', '0', '--manifest', manifest], {
    env: { ...process.env, ENCLAVE_MCP_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /serving execute_agentscript at (http:\S+)/.exec(out)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const client = new Client({ name: 'bench-load', version: '0.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
        return client;
      }),
    );
    const latencies: number[] = [];
    const rates: number[] = [];
    let wrong = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      // round 0 warms up and is not counted
      const t0 = performance.now();
      const samples: number[] = [];
      await Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: PER_SESSION }, async (_, k) => {
            const n = c * PER_SESSION + k;
            const code = `let s = 0; for (let i = 0; i < 5; i++) { const r = await callTool('everything:get-sum', { a: i, b: ${n} }); s += 1; } return s + ${n};`;
            const t = performance.now();
            const r = await client.callTool({ name: 'execute_agentscript', arguments: { code } }, undefined, { timeout: 60_000 });
            samples.push(performance.now() - t);
            if (r.isError || (r.structuredContent as { value?: unknown } | undefined)?.value !== 5 + n) wrong++;
          }),
        ),
      );
      if (round === 0) continue;
      latencies.push(...samples);
      rates.push((SESSIONS * PER_SESSION) / ((performance.now() - t0) / 1000));
    }
    const l = summarize(latencies);
    const r = summarize(rates);
    table(`HTTP load: ${SESSIONS} sessions × ${PER_SESSION} executions in flight, 5 tool calls each, ${ROUNDS} rounds`, [
      { what: 'latency per execution, ms', p50: l.p50, p95: l.p95, mean: l.mean },
      { what: 'executions per second (per round)', p50: r.p50, p95: NaN, mean: r.mean },
      { what: 'wrong or failed results', p50: wrong, p95: NaN, mean: NaN },
    ]);
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
