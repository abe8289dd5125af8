// Stage 4 on corpora: ordinary scripts over real-world-shaped catalogs all run at STRICT, exfiltration-shaped
// scripts are refused, and the gate's precision and recall are measured for the static score (before the
// script runs) and the run-time score (before each actual call, over the calls made so far).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, validate, type JsonObject, type SecurityLevel } from '../../src/enclave/index.js';
import { parseScript } from '../../src/enclave/parse.js';
import { BLOCK_THRESHOLD, gatherFacts, scoreFacts, type ScoreFacts, type ScoreReport } from '../../src/enclave/score.js';
import { BENIGN } from './scoring-corpus/benign.js';
import { fakeTool } from './scoring-corpus/catalog.js';
import { EXFIL, type ExfilScript } from './scoring-corpus/exfil.js';

/** Honest floors, from what the gate achieves on this corpus (see the printed figures). */
const RECALL_FLOOR = { static: 0.8, runTime: 0.85 };
/** "Well under every threshold": ordinary work stays at half the lowest threshold or below. */
const BENIGN_CEILING = BLOCK_THRESHOLD.STRICT / 2;

function factsOf(code: string): ScoreFacts {
  const parsed = parseScript(code);
  if (!parsed.ok) throw new Error(parsed.issue.message);
  return gatherFacts(parsed.ast);
}

/** The run-time verdict: the gate asked before each call, with the calls so far (the last is the one about to be made). */
function runTimeVerdict(facts: ScoreFacts, calls: readonly string[], level: SecurityLevel): { blocked: boolean; at: number; worst: ScoreReport } {
  let worst: ScoreReport = { score: 0, signals: [] };
  for (let k = 1; k <= calls.length; k++) {
    const report = scoreFacts(facts, calls.slice(0, k));
    if (report.score > worst.score) worst = report;
    if (report.score >= BLOCK_THRESHOLD[level]) return { blocked: true, at: k - 1, worst: report };
  }
  return { blocked: false, at: -1, worst };
}

/** Runs a script for real and records the tools it calls, in order. */
async function recordRun(enclave: Enclave, code: string): Promise<{ result: Awaited<ReturnType<Enclave['run']>>; calls: string[] }> {
  const calls: string[] = [];
  const result = await enclave.run(code, {
    toolHandler: (name: string, args: JsonObject) => {
      calls.push(name);
      return fakeTool(name, args);
    },
  });
  return { result, calls };
}

interface Tally {
  blockedExfil: number;
  blockedBenign: number;
}
const rate = (n: number, d: number): number => (d === 0 ? Number.NaN : n / d);
const figures = (t: Tally): { precision: number; recall: number } => ({
  precision: rate(t.blockedExfil, t.blockedExfil + t.blockedBenign),
  recall: rate(t.blockedExfil, EXFIL.length),
});

describe('scoring corpus', () => {
  const strict = new Enclave({ securityLevel: 'STRICT', toolHandler: fakeTool });
  // The exfiltration scripts run at PERMISSIVE (which never blocks on score) to record the calls they make.
  const recorder = new Enclave({ securityLevel: 'PERMISSIVE', toolHandler: fakeTool });
  const tally = { static: { blockedExfil: 0, blockedBenign: 0 }, runTime: { blockedExfil: 0, blockedBenign: 0 } };
  const benignScores: number[] = [];
  afterAll(async () => {
    await Promise.all([strict.dispose(), recorder.dispose()]);
  });

  it('has at least 40 benign and 20 exfiltration scripts with unique names', () => {
    expect(BENIGN.length).toBeGreaterThanOrEqual(40);
    expect(EXFIL.length).toBeGreaterThanOrEqual(20);
    expect(new Set(BENIGN.map((s) => s.name)).size).toBe(BENIGN.length);
    expect(new Set(EXFIL.map((s) => s.name)).size).toBe(EXFIL.length);
  });

  describe('benign: every script runs unchanged at STRICT and scores well under every threshold', () => {
    for (const script of BENIGN) {
      it(script.name, async () => {
        const { result, calls } = await recordRun(strict, script.code);
        expect(result.error, `${script.name}: ${result.error?.message}`).toBeUndefined();
        expect(result.success).toBe(true);
        expect(calls.length).toBeGreaterThanOrEqual(1);
        expect(calls.length).toBeLessThanOrEqual(10);
        const facts = factsOf(script.code);
        const statically = scoreFacts(facts);
        expect(statically.score, JSON.stringify(statically.signals)).toBeLessThanOrEqual(BENIGN_CEILING);
        const runTime = runTimeVerdict(facts, calls, 'STRICT');
        expect(result.score).toBe(Math.max(statically.score, runTime.worst.score)); // the enclave reports the higher of the two
        expect(runTime.worst.score, JSON.stringify(runTime.worst.signals)).toBeLessThanOrEqual(BENIGN_CEILING);
        benignScores.push(statically.score, runTime.worst.score);
        if (statically.score >= BLOCK_THRESHOLD.STRICT) tally.static.blockedBenign++;
        if (runTime.blocked) tally.runTime.blockedBenign++;
      });
    }
  });

  describe('exfiltration: refused, except the documented misses', () => {
    const check = async (script: ExfilScript): Promise<void> => {
      // Valid at its level: only the gate can refuse it.
      const v = validate(script.code, { securityLevel: script.level });
      expect(v.valid || v.error?.code === 'SCORING_BLOCKED', `${script.name}: ${v.error?.message}`).toBe(true);
      const { result, calls } = await recordRun(recorder, script.code);
      expect(result.success, `${script.name}: ${result.error?.message}`).toBe(true);
      expect(calls).toEqual(script.calls);

      const facts = factsOf(script.code);
      const staticBlocked = scoreFacts(facts).score >= BLOCK_THRESHOLD[script.level];
      expect(staticBlocked).toBe(!v.valid);
      const runTime = runTimeVerdict(facts, script.calls, script.level);
      expect(staticBlocked, `static verdict of ${script.name}`).toBe(!script.missed && !script.staticMiss);
      expect(runTime.blocked, `run-time verdict of ${script.name}: ${JSON.stringify(runTime.worst.signals)}`).toBe(!script.missed);
      if (runTime.blocked) {
        // Blocked before the egress call that would carry the data out, and the message names that call.
        const egress = script.calls[runTime.at]!;
        expect(runTime.worst.signals.find((s) => s.rule === 'secret-then-egress' || s.rule === 'encoded-egress')?.tools).toContain(egress);
      }
      if (staticBlocked) tally.static.blockedExfil++;
      if (runTime.blocked) tally.runTime.blockedExfil++;
    };
    for (const script of EXFIL) it(`${script.name} (${script.note})`, () => check(script));
  });

  describe('figures', () => {
    beforeAll(() => {
      const s = figures(tally.static);
      const r = figures(tally.runTime);
      const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);
      console.log(
        [
          `scoring gate on ${BENIGN.length} benign (STRICT) and ${EXFIL.length} exfiltration scripts:`,
          `  static:   blocked ${tally.static.blockedExfil}/${EXFIL.length} exfil, ${tally.static.blockedBenign}/${BENIGN.length} benign — precision ${pct(s.precision)}, recall ${pct(s.recall)}`,
          `  run time: blocked ${tally.runTime.blockedExfil}/${EXFIL.length} exfil, ${tally.runTime.blockedBenign}/${BENIGN.length} benign — precision ${pct(r.precision)}, recall ${pct(r.recall)}`,
          `  benign scores (static and run time): max ${Math.max(...benignScores)}, ${benignScores.filter((x) => x === 0).length}/${benignScores.length} at 0`,
        ].join('\n'),
      );
    });
    it('refuses no benign script, statically or at run time', () => {
      expect(benignScores.length).toBe(BENIGN.length * 2); // every benign script was scored
      expect(tally.static.blockedBenign).toBe(0);
      expect(tally.runTime.blockedBenign).toBe(0);
    });
    it('has precision 1 and recall at or above the floors', () => {
      const s = figures(tally.static);
      const r = figures(tally.runTime);
      expect(s.precision).toBe(1);
      expect(r.precision).toBe(1);
      expect(s.recall).toBeGreaterThanOrEqual(RECALL_FLOOR.static);
      expect(r.recall).toBeGreaterThanOrEqual(RECALL_FLOOR.runTime);
      expect(r.recall).toBeGreaterThanOrEqual(s.recall);
    });
  });
});
