// Replicas behind nginx (issue 10): three `serve --transport http --stateless` replicas, each with its own
// server-everything, behind Debian's nginx running deploy/nginx-stateless.conf; 30 SDK clients × 10 executions
// (300, each making 3 get-sum calls with a total only it can compute). One round as is, then one where a replica
// is SIGKILLed after 100 executions have finished. `npm run bench:replicas` runs it alone; `npm run bench` last.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { findNginx, signalGroup, startNginx, startReplica, stopGroup, writeEverythingManifest } from '../test/deploy/harness.js';
import { type LoadResult, lastHop, runLoad } from '../test/deploy/load.js';
import { freePort, tempDir } from '../test/tool-bridge/helpers.js';
import { summarize, table } from './stats.js';

const CLIENTS = 30;
const EACH = 10;
const KILL_AFTER = 100;
const TOKEN = 'bench-replicas-0123456789abcdef';

export async function benchReplicas(): Promise<void> {
  const nginxBinary = findNginx();
  if (!nginxBinary) {
    console.log('\nReplicas behind nginx: skipped, nginx is not installed (Debian: apt-get install -y nginx-light).');
    return;
  }
  const dir = tempDir('bench-replicas');
  const manifest = writeEverythingManifest(dir, dir);
  const listen = await freePort();
  const ports = [await freePort(), await freePort(), await freePort()];
  const addr = ports.map((p) => `127.0.0.1:${p}`);
  const replicas = await Promise.all(
    ports.map((port) => startReplica({ port, manifest, token: TOKEN, allowedHost: `127.0.0.1:${listen}`, args: ['--stateless'] })),
  );
  const nginx = await startNginx(nginxBinary, dir, 'nginx-stateless.conf', listen, ports);
  try {
    await runLoad({ url: nginx.url, token: TOKEN, clients: CLIENTS, each: 3 }); // warm-up: JIT, workers, downstream servers
    // Baseline: the same load straight to one replica, without nginx.
    const direct = await runLoad({ url: `http://${addr[0]}`, token: TOKEN, clients: CLIENTS, each: EACH });
    const clean = await runLoad({ url: nginx.url, token: TOKEN, clients: CLIENTS, each: EACH });
    const victim = addr[1]!;
    const killed = await runLoad({
      url: nginx.url,
      token: TOKEN,
      clients: CLIENTS,
      each: EACH,
      after: { finished: KILL_AFTER, run: () => signalGroup(replicas[1]!, 'SIGKILL') },
    });
    const rows = [
      row('1 replica, no nginx (baseline)', direct),
      row('3 replicas behind nginx', clean),
      row(`same, replica 2 SIGKILLed after ${KILL_AFTER}`, killed),
    ];
    table(`Replicas behind nginx: ${CLIENTS} clients × ${EACH} executions through deploy/nginx-stateless.conf, 3 get-sum calls each`, rows);
    const failed = killed.executions.filter((e) => !e.ok);
    const elsewhere = failed.filter((e) => lastHop(e.upstream) !== victim);
    const before = killed.executions.slice(0, KILL_AFTER);
    const served = (r: LoadResult): string => addr.map((a) => r.executions.filter((e) => e.ok && lastHop(e.upstream) === a).length).join(' / ');
    table('The replica kill', [
      { what: 'executions per second before the kill (3 replicas)', value: KILL_AFTER / ((killed.firedAt! - killed.t0) / 1000) },
      { what: 'failed: on the killed replica / on the others', value: `${failed.length - elsewhere.length} / ${elsewhere.length}` },
      { what: 'wrong values', value: killed.executions.filter((e) => e.ok && !e.right).length },
      {
        what: 'first 100 executions: served by replicas 1 / 2 / 3',
        value: addr.map((a) => before.filter((e) => lastHop(e.upstream) === a).length).join(' / '),
      },
      { what: 'round without a kill: served by replicas 1 / 2 / 3', value: served(clean) },
      { what: 'how they failed', value: howFailed(failed.map((e) => e.why)) },
    ]);
  } finally {
    await nginx.stop();
    await Promise.all(replicas.map((r) => stopGroup(r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The failures by kind: nginx's JSON-RPC 502 (the request reached the replica, no answer came), or a stream cut mid-answer. */
function howFailed(whys: string[]): string {
  const kinds = new Map<string, number>();
  for (const why of whys) {
    const kind = why.includes('Bad Gateway') ? "nginx's 502 before any answer" : why.includes('stream broke') ? 'stream cut mid-answer' : why.slice(0, 80);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ') || '-';
}

function row(what: string, r: LoadResult): Record<string, string | number> {
  const ok = r.executions.filter((e) => e.ok);
  const latency = summarize(ok.map((e) => e.ms));
  return {
    what,
    'executions/s': r.executions.length / ((r.end - r.t0) / 1000),
    'p50 ms': latency.p50,
    'p95 ms': latency.p95,
    ok: ok.filter((e) => e.right).length,
    failed: r.executions.length - ok.length,
    wrong: ok.filter((e) => !e.right).length,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchReplicas().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
