// `npm run fuzz`: the properties of test/fuzz/ for long, then a table of what they covered. The CI tests run the
// same properties with a fixed seed and a few hundred cases; this is for an evening, or for replaying a failure.
//   FUZZ_SECONDS  the whole run's time, shared by the properties by weight (default 600)
//   FUZZ_RUNS     at most this many cases per property (default 20000)
//   FUZZ_SEED     the seed (default: a fresh one, printed)
//   FUZZ_ONLY     comma-separated property names (programs, mutations, tool-results, manifests, http)
//   FUZZ_PATH     with FUZZ_ONLY and FUZZ_SEED: replay the failure at this fast-check path
//   FUZZ_GRACE_MS, FUZZ_MAX_STALL_MS  loosen the deadline grace (3000) and the event-loop stall bound (1000) on a busy machine
// (The CI tests take FUZZ_SEED too, and FUZZ_CI_RUNS for their case count.)
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureReport, runTarget, TARGETS, type TargetRun } from '../test/fuzz/properties.js';

const seconds = Number(process.env.FUZZ_SECONDS) || 600;
const maxRuns = Number(process.env.FUZZ_RUNS) || 20_000;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const only = process.env.FUZZ_ONLY?.split(',').map((s) => s.trim());
const path = process.env.FUZZ_PATH || undefined;

const targets = TARGETS.filter((t) => !only || only.includes(t.name));
if (targets.length === 0) {
  process.stderr.write(`FUZZ_ONLY names no property; they are ${TARGETS.map((t) => t.name).join(', ')}\n`);
  process.exit(2);
}
const totalWeight = targets.reduce((sum, t) => sum + t.weight, 0);

// A product bug may take the whole process down (DESIGN §2 names host stack overflows): the case that was running
// is then in this file, which is removed when the run ends normally.
const lastCase = join(tmpdir(), `enclave-fuzz-last-case-${process.pid}.txt`);
const onCase = (printed: string): void => writeFileSync(lastCase, printed.slice(0, 100_000));
process.on('exit', (code) => {
  if (code <= 1) rmSync(lastCase, { force: true });
  else process.stderr.write(`the run ended with code ${code}; the case that was running is in ${lastCase}\n`);
});

interface Row {
  name: string;
  run?: TargetRun<unknown>;
  problem?: string;
}
const rows: Row[] = [];
process.stdout.write(`fuzzing ${targets.map((t) => t.name).join(', ')} for up to ${seconds} s, at most ${maxRuns} cases each, seed ${seed}\n`);
process.stdout.write(`(should the process die, the case it was running is in ${lastCase})\n`);
for (const target of targets) {
  const share = Math.max(5_000, (seconds * 1000 * target.weight) / totalWeight);
  const row: Row = { name: target.name };
  rows.push(row);
  const said = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  const harness = await target.open().catch((error: unknown) => void (row.problem = `could not start: ${said(error)}`));
  if (!harness) continue;
  try {
    row.run = await runTarget(target, harness, { seed, numRuns: maxRuns, timeLimitMs: share, onCase, ...(path ? { path } : {}) });
    if (row.run.late) row.problem = row.run.late;
    await harness.afterwards().catch((error: unknown) => (row.problem = `afterwards: ${said(error)}`));
  } finally {
    await harness.close();
  }
  process.stdout.write(`  ${target.name}: ${row.run.tally.cases} cases in ${(row.run.ms / 1000).toFixed(1)} s${row.run.details.failed ? ' — FAILED' : ''}\n`);
}

const table = [
  ['property', 'cases', 'seed', 'time', 'slowest case', 'worst stall', 'failures'],
  ...rows.map(({ name, run, problem }) => [
    name,
    String(run?.tally.cases ?? 0),
    String(run?.details.seed ?? seed),
    `${((run?.ms ?? 0) / 1000).toFixed(1)} s`,
    run ? `${Math.round(run.tally.slowest.ms)} ms (${run.tally.slowest.label})` : '',
    run?.tally.worstStall.label ? `${Math.round(run.tally.worstStall.ms)} ms (${run.tally.worstStall.label})` : '-',
    String((run?.details.failed ? 1 : 0) + (problem ? 1 : 0)),
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
process.stdout.write(`\n${table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n')}\n\noutcomes:\n`);
for (const { name, run } of rows) process.stdout.write(`  ${name.padEnd(widths[0]!)}  ${run?.tally.summary() ?? ''}\n`);

const failures = rows.filter((r) => r.run?.details.failed || r.problem);
for (const { name, run, problem } of failures) {
  process.stdout.write(`\n${run?.details.failed ? failureReport(name, run.details) : ''}${problem ? `\n${name}: ${problem}` : ''}\n`);
}
process.stdout.write(failures.length === 0 ? '\nno failures\n' : `\n${failures.length} propert${failures.length === 1 ? 'y' : 'ies'} failed\n`);
process.exit(failures.length === 0 ? 0 : 1);
