// The adversarial suite: every attack of test/security/attacks/ runs against a real Enclave, and every
// outcome is checked for the expected (safe) code, for canaries (an environment secret, an environment value
// the redactor does not know about, a file's content), for host paths and host stack frames, and for host
// side effects of hostile tool results. Afterwards the host process must be intact.
import { KNOWN_GAPS } from './known-gaps.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError, type ExecutionResult, type SecurityLevel, type ToolHandler } from '../../src/enclave/index.js';
import { cpuTimedAsync } from '../cpu-time.js';
import { TECHNIQUES, tripwire, type Attack, type Expect } from './attacks/index.js';

// ── Canaries, in place before any Enclave exists ────────────────────────────────────────────────────────
const random = (): string => randomBytes(12).toString('hex');
/** Named like a secret: the Enclave's redactor picks it up from the environment. */
const SECRET_CANARY = `CANARY-${random()}`;
/** Named like ordinary configuration: nothing redacts it, so a leak would show verbatim. */
const PLAIN_CANARY = `PLAINCANARY${random()}`;
/** The content of a host file. */
const FILE_CANARY = `FILECANARY${random()}`;
process.env.ENCLAVE_CANARY_SECRET = SECRET_CANARY;
process.env.ENCLAVE_CANARY_PLAIN = PLAIN_CANARY;
const canaryDir = mkdtempSync(join(tmpdir(), 'enclave-canary-'));
const CANARY_FILE = join(canaryDir, 'canary.txt');
writeFileSync(CANARY_FILE, FILE_CANARY);
process.env.ENCLAVE_CANARY_FILE = CANARY_FILE;

const REPO = process.cwd();
/** Strings that must never appear in any result: canaries and host locations. */
const FORBIDDEN: ReadonlyArray<[string, string]> = [
  ['the secret canary', SECRET_CANARY],
  ['the plain environment canary', PLAIN_CANARY],
  ['the canary file content', FILE_CANARY],
  ['the canary file path', canaryDir],
  ['the repository path', REPO],
  ['the node binary path', process.execPath],
];
/** Host stack frames and internals in error messages, logs and returned strings (sandbox frames name no folder). */
const HOST_MARKERS: ReadonlyArray<[string, RegExp]> = [
  ['a host stack frame', /^\s*at .*(?:<host>|\/|file:|node:|[A-Za-z]:\\)/m],
  ['a node: internal', /node:internal/],
  ['a file: URL', /file:\/\//],
  ['node_modules', /node_modules/],
];

// Host prototypes as they were before any attack.
const protoSnapshot = (o: object): string[] => Reflect.ownKeys(o).map(String).sort();
const HOST_PROTOTYPES: ReadonlyArray<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
];
const before = new Map(HOST_PROTOTYPES.map(([name, o]) => [name, protoSnapshot(o)]));

// ── Tools ───────────────────────────────────────────────────────────────────────────────────────────────
/** The handler for one attack: fixed evil tools, the attack's own hostile result, and no other tools. */
function handlerFor(attack: Attack): ToolHandler {
  return async (name, args) => {
    switch (name) {
      case 'evil:data':
        return { ok: true, items: [1, 2, 3] };
      case 'evil:echo-proto':
        if ('isAdmin' in args && !Object.hasOwn(args, 'isAdmin')) tripwire.push('the handler received arguments that inherit isAdmin');
        return { ownKeys: Object.keys(args) };
      case 'evil:throw-path':
        throw new Error(`ENOENT: no such file or directory, open '${REPO}/config/secret.json'`);
      case 'evil:throw-stack': {
        const e = new Error('database failed');
        e.message = `database failed\n${e.stack ?? ''}`;
        throw e;
      }
      case 'evil:leak-secret':
        return { token: SECRET_CANARY };
      case 'evil:throw-tmp-path':
        throw new Error(`EACCES: permission denied, open '${CANARY_FILE}'`);
      case 'evil:throw-secret':
        throw new Error(`authentication failed for token ${SECRET_CANARY}`);
      default:
        if (name.startsWith('evil:')) return attack.toolResult ? attack.toolResult(name, args) : { ok: true };
        throw new ToolCallError('UNKNOWN_TOOL', `Unknown tool "${name}".`);
    }
  };
}

// ── Enclaves: one per level for ordinary attacks; slow ones and ones with their own limits get their own ──
const LEVELS: SecurityLevel[] = ['STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE'];
const shared = new Map<SecurityLevel, Enclave>();
/**
 * The deadline of an attack that must end some other way than TIMEOUT (MEMORY_LIMIT, a value…): its outcome is
 * about that limit, not the clock. Side by side, such attacks took 1.7–3 s of STRICT's 5 s on a quiet machine (their
 * workers' start included), and a loaded one ran them into TIMEOUT. Time claims are `maxMs`, in CPU time.
 */
const ROOMY_TIMEOUT_MS = 60_000;
const roomy = new Map<SecurityLevel, Enclave>();
const own: Enclave[] = [];
beforeAll(() => {
  for (const level of LEVELS) shared.set(level, new Enclave({ securityLevel: level }));
});
afterAll(async () => {
  await Promise.all([...shared.values(), ...roomy.values(), ...own].map((e) => e.dispose()));
  rmSync(canaryDir, { recursive: true, force: true });
});

/** Whether the attack may end by its deadline: if not, its deadline is no part of what it proves. */
const mayTimeOut = (attack: Attack): boolean => attack.expect.codes?.includes('TIMEOUT') === true || attack.limits?.timeoutMs !== undefined;

function enclaveFor(attack: Attack): Enclave {
  const level = attack.level ?? 'STRICT';
  const limits = mayTimeOut(attack) ? attack.limits : { timeoutMs: ROOMY_TIMEOUT_MS, ...attack.limits };
  if (!attack.slow && !attack.limits) {
    if (mayTimeOut(attack)) return shared.get(level)!;
    if (!roomy.has(level)) roomy.set(level, new Enclave({ securityLevel: level, limits }));
    return roomy.get(level)!;
  }
  const enclave = new Enclave({ securityLevel: level, poolSize: 1, ...(limits ? { limits } : {}) });
  own.push(enclave);
  return enclave;
}

// ── Checks ──────────────────────────────────────────────────────────────────────────────────────────────
function describeResult(r: ExecutionResult): string {
  const shown = r.success ? { success: true, value: r.value } : { success: false, code: r.error?.code, message: r.error?.message };
  return JSON.stringify(shown).slice(0, 600);
}

/** Problems with the outcome itself: wrong code, or an unexpected success or value. */
function outcomeProblems(r: ExecutionResult, want: Expect): string[] {
  if (r.success) {
    // A value, when the attack gives one, is always compared: an attack that passes whatever it returns proves nothing.
    if ('value' in want) {
      const got = JSON.parse(JSON.stringify(r.value ?? null)) as unknown;
      if (isDeepStrictEqual(got, want.value)) return [];
      return [`expected value ${JSON.stringify(want.value)}${want.codes ? ` or codes ${want.codes.join('|')}` : ''}, got ${describeResult(r)}`];
    }
    return want.success ? [] : [`expected codes ${want.codes?.join('|')}, got ${describeResult(r)}`];
  }
  const code = r.error?.code;
  if (code && want.codes?.includes(code)) return [];
  const wanted = [want.codes?.join('|'), 'value' in want ? `value ${JSON.stringify(want.value)}` : want.success ? 'success' : undefined]
    .filter(Boolean)
    .join(' or ');
  return [`expected ${wanted}, got ${describeResult(r)}`];
}

function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (v !== null && typeof v === 'object')
    Object.entries(v).forEach(([k, x]) => {
      out.push(k);
      stringsIn(x, out);
    });
  return out;
}

/** Problems anywhere in the result: canaries, host paths, host frames, shapes outside the contract. */
function leakProblems(r: ExecutionResult, attack: Attack): string[] {
  const problems: string[] = [];
  const all = JSON.stringify(r);
  for (const [what, s] of FORBIDDEN) if (all.includes(s)) problems.push(`the result contains ${what}`);
  // A redaction marker means a secret reached the output stage; only the attacks that route the secret there on purpose may show one.
  if (all.includes('[REDACTED]') && !attack.code.includes('secret')) problems.push('the result contains a redacted secret');
  const texts = [r.error?.message ?? '', ...(r.error?.issues ?? []).map((i) => i.message), ...r.logs.map((l) => l.message), ...stringsIn(r.value)];
  for (const text of texts)
    for (const [what, re] of HOST_MARKERS) if (re.test(text)) problems.push(`the output contains ${what}: ${JSON.stringify(text.slice(0, 300))}`);
  if (!r.success && r.error && !/^[A-Z_]+$/.test(r.error.code)) problems.push(`the error code ${JSON.stringify(r.error.code)} is not a contract code`);
  if (typeof r.stats?.durationMs !== 'number') problems.push('the result has no stats');
  // Every run must end by itself (issue 8): terminating its worker was the watchdog's last resort.
  if (r.error?.message.includes('had to be stopped by force')) problems.push(`the run was stopped by force: ${r.error.message.slice(0, 200)}`);
  return problems;
}

async function runAttack(attack: Attack): Promise<void> {
  tripwire.length = 0;
  const enclave = enclaveFor(attack);
  // A bound on the attack's cost must not count a sandbox worker starting (after an attack that ended one by force).
  if (attack.maxMs !== undefined) await enclave.run('return 1');
  const { value: r, ms: spent } = await cpuTimedAsync(() => enclave.run(attack.code, { toolHandler: handlerFor(attack) }));
  const problems = [...outcomeProblems(r, attack.expect), ...leakProblems(r, attack)];
  const custom = attack.check?.(r);
  if (custom) problems.push(custom);
  if (attack.maxMs !== undefined && spent > attack.maxMs) problems.push(`took ${Math.round(spent)} ms of CPU, more than ${attack.maxMs} ms`);
  if (attack.after) {
    const next = await enclave.run(attack.after.code, { toolHandler: handlerFor(attack) });
    problems.push(...outcomeProblems(next, attack.after.expect).map((p) => `next run: ${p}`), ...leakProblems(next, attack).map((p) => `next run: ${p}`));
  }
  // One turn of the event loop: late tool answers (settled by then) and whatever they set off in microtasks have run.
  await new Promise((resolve) => setImmediate(resolve));
  if (tripwire.length > 0) problems.push(`host side effects of a hostile value: ${[...new Set(tripwire)].join('; ')}`);
  if (problems.length > 0) expect.fail(`${attack.level ?? 'STRICT'} ${JSON.stringify(attack.code).slice(0, 300)}\n${problems.join('\n')}`);
}

// ── The suite ───────────────────────────────────────────────────────────────────────────────────────────
const ALL = Object.values(TECHNIQUES).flat();

describe('the attack catalogue', () => {
  it('has at least 391 attacks with unique names, in every technique', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(391);
    expect(new Set(ALL.map((a) => a.name)).size).toBe(ALL.length);
    for (const list of Object.values(TECHNIQUES)) expect(list.length).toBeGreaterThan(0);
    expect(ALL.filter((a) => a.slow && a.maxMs !== undefined).map((a) => a.name)).toEqual([]); // see Attack.maxMs
  });
});

describe.each(Object.entries(TECHNIQUES))('%s', (_technique, attacks) => {
  const fast = attacks.filter((a) => !a.slow);
  const slow = attacks.filter((a) => a.slow);
  const open = (list: Attack[]) => list.filter((a) => !KNOWN_GAPS.has(a.name)).map((a) => [a.name, a] as const);
  const gaps = (list: Attack[]) => list.filter((a) => KNOWN_GAPS.has(a.name)).map((a) => [`known gap: ${a.name}`, a] as const);
  if (open(fast).length > 0) it.each(open(fast))('%s', async (_name, attack) => runAttack(attack));
  if (gaps(fast).length > 0) it.fails.each(gaps(fast))('%s', async (_name, attack) => runAttack(attack));
  // Each slow attack has an Enclave of its own, so they may run side by side.
  if (open(slow).length > 0) it.concurrent.each(open(slow))('%s', async (_name, attack) => runAttack(attack));
  if (gaps(slow).length > 0) it.concurrent.fails.each(gaps(slow))('%s', async (_name, attack) => runAttack(attack));
});

describe('after the whole suite', () => {
  it('the host process is alive and a clean script still runs on every shared Enclave', async () => {
    expect(process.exitCode ?? 0).toBe(0);
    for (const enclave of shared.values()) {
      const r = await enclave.run('return 1 + 1');
      expect(r).toMatchObject({ success: true, value: 2 });
    }
  });

  it('a new Enclave still runs a clean script', async () => {
    const enclave = new Enclave();
    try {
      expect(await enclave.run('return 1 + 1')).toMatchObject({ success: true, value: 2 });
    } finally {
      await enclave.dispose();
    }
  });

  it('no host prototype gained or lost a property', () => {
    for (const [name, o] of HOST_PROTOTYPES) expect(protoSnapshot(o), name).toEqual(before.get(name));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
