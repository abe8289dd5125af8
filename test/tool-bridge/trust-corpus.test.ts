// Data-flow labels (DESIGN §6) on the scoring corpus, through the real bridge and real MCP servers: one catalog
// fixture process per server of the corpus catalog, labelled the way a deployment running the corpus's jobs would
// label them. Every benign script runs unchanged at STRICT with no refusal (no false positive, given the flows the
// jobs need); every exfiltration script runs at PERMISSIVE (so the scoring gate cannot refuse first) and is counted
// as refused by the labels or not, in "values" tracking and in "calls" tracking.
// The PERMISSIVE runs use a second Enclave on the same bridge rather than a second openJson: the level belongs to
// the enclave, the labels to the bridge, and 14 more server processes would double the start-up time.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, type ExecutionResult } from '../../src/enclave/index.js';
import type { OpenManifest } from '../../src/mcp/open.js';
import { type Label, ToolPolicy } from '../../src/tool-bridge/policy.js';
import { BENIGN } from '../enclave/scoring-corpus/benign.js';
import { TOOL_NAMES } from '../enclave/scoring-corpus/catalog.js';
import { EXFIL } from '../enclave/scoring-corpus/exfil.js';
import { tempDir } from './helpers.js';
import { killMarked, openJson, processesMarked, survivorsAfter, TSX } from './open-helpers.js';

const CATALOG_SERVER = fileURLToPath(new URL('../fixtures/catalog-server.ts', import.meta.url));
const dir = tempDir('trust-corpus');
const MARK = `trust-corpus-${process.pid}-${Date.now().toString(36)}`;
const PREFIXES = [...new Set(TOOL_NAMES.map((name) => name.slice(0, name.indexOf(':'))))];
// 14 processes start at once on a shared two-core machine: more than the default 15 s to connect is no failure here.
const CONNECT_TIMEOUT_MS = 120_000;
const servers = Object.fromEntries(
  PREFIXES.map((p) => [p, { command: 'node', args: ['--import', TSX, CATALOG_SERVER, p], env: { TEST_MARK: MARK }, connectTimeoutMs: CONNECT_TIMEOUT_MS }]),
);

/**
 * What a deployment of these servers would label. `sensitive`: a leak of what the tool returns would hurt.
 * `egress`: the script picks a destination that can be outside the company (an address, a URL, a repository,
 * a channel shared with other companies, a file shared with anyone).
 * Left unlabelled, on purpose:
 * - names and metadata: filesystem list/search/info, gdrive_search, Slack's channel list and member directory
 *   (every member of the workspace sees them), GitHub pull requests, issues, commits and code search (work
 *   metadata the team quotes in Slack all day), Sentry issues and releases (error titles and counts);
 * - Linear, Jira and Notion, reads and writes: the company's own tracker and wiki. Their tokens reach only the
 *   company's workspace, so a write cannot leave it, and their pages are written to be shared inside it;
 * - writes that stay home or wait for a person: filesystem:write_file (the local disk), memory's writes,
 *   gsheets_update_cell (a cell of an existing company sheet), gmail:draft_email (a person sends it or not),
 *   slack_add_reaction (an emoji name on an existing message), sentry:update_issue (a status).
 */
const LABELS: Record<string, Label[]> = {
  'postgres:query': ['sensitive'], // the production database: customers, users with password hashes, integration keys
  'gmail:search_emails': ['sensitive'], // the mailbox: senders and subjects…
  'gmail:read_email': ['sensitive'], // …and bodies (invoices, password resets, customers' reports)
  'filesystem:read_*': ['sensitive'], // read_file, read_text_file: .env, SSH keys, cloud credentials, /proc/self/environ
  'vault:read_secret': ['sensitive'], // secrets, by definition
  'gdrive:gdrive_read_file': ['sensitive'], // company documents
  'gdrive:gsheets_read': ['sensitive'], // company spreadsheets (OKRs, finance)
  'github:get_file_contents': ['sensitive'], // files of private repositories, config such as a committed .env.production
  'github:list_secret_scanning_alerts': ['sensitive'], // each alert carries the leaked secret in clear
  'slack:slack_get_channel_history': ['sensitive'], // private conversations; #support quotes customers
  'slack:slack_get_thread_replies': ['sensitive'], // the same, one thread
  'memory:read_graph': ['sensitive'], // notes about people (preferences, timezone, team): CRM-like
  'memory:search_nodes': ['sensitive'],
  'memory:open_nodes': ['sensitive'],
  'sentry:search_events': ['sensitive'], // raw events keep the request's headers: bearer tokens, cookies
  'gmail:send_email': ['egress'], // to any address
  'slack:slack_post_message': ['egress'], // to any channel or DM the script names, Slack Connect ones included
  'slack:slack_reply_to_thread': ['egress'], // the same
  'http:http_request': ['egress'], // any URL
  'fetch:fetch': ['egress'], // any URL (a GET carries data in its query)
  'github:create_gist': ['egress'], // public gists
  'github:create_issue': ['egress'], // owner and repo are arguments: any public repository, anyone's
  'github:add_issue_comment': ['egress'], // the same
  'github:create_or_update_file': ['egress'], // a commit to any repository the token can push to, public ones too
  'github:create_or_update_secret': ['egress'], // a value sent to GitHub (write-only there, but it leaves)
  'gdrive:upload_file': ['egress'], // a new file whose sharing the call sets ("anyone")
};

/**
 * The flows the corpus's jobs need, each as narrow as a tool pair allows, with the benign scripts that need it
 * (checked below: without flows, exactly these scripts are refused, each by its pair). A pair lets any data of the
 * sensitive tool through to the egress tool: flows cannot narrow by field, channel or recipient.
 */
const FLOWS: Array<{ from: string; to: string; by: string[] }> = [
  // Reports from the database mailed to the team, and reminders mailed to the people a row names.
  { from: 'postgres:query', to: 'gmail:send_email', by: ['signups-report-email', 'llm-usage-email', 'api-key-expiry-reminders', 'password-age-reminders'] },
  // Reports from the database posted to the team's own channels.
  { from: 'postgres:query', to: 'slack:slack_post_message', by: ['revenue-to-slack', 'oauth-token-expiry-to-security'] },
  // Only a count is posted, but the script's own words ("Password reset emails") share 8 letters with the subjects.
  { from: 'gmail:search_emails', to: 'slack:slack_post_message', by: ['password-reset-volume'] },
  // A digest of one's own inbox, mailed to oneself.
  { from: 'gmail:search_emails', to: 'gmail:send_email', by: ['weekly-inbox-digest'] },
  // A channel summarized in a thread of the same channel.
  { from: 'slack:slack_get_channel_history', to: 'slack:slack_reply_to_thread', by: ['channel-digest-thread'] },
  // A repository file edited and committed back (CHANGELOG.md).
  { from: 'github:get_file_contents', to: 'github:create_or_update_file', by: ['release-notes-changelog'] },
  // Where secrets leaked (type, link, date), told to #security; the alert's secret itself could go too.
  { from: 'github:list_secret_scanning_alerts', to: 'slack:slack_post_message', by: ['secret-scanning-alerts-to-slack'] },
  // A failing request shared with engineers, Authorization and Cookie taken out by the script (not by the policy).
  { from: 'sentry:search_events', to: 'slack:slack_post_message', by: ['sentry-event-to-slack-without-auth'] },
  // Secret rotation: the vault's token into the repository's Actions secret.
  { from: 'vault:read_secret', to: 'github:create_or_update_secret', by: ['rotate-ci-token'] },
  // Variable names from .env.example quoted in the onboarding thread.
  { from: 'filesystem:read_file', to: 'slack:slack_reply_to_thread', by: ['env-example-onboarding'] },
];

/** Why each exfiltration script the labels let through gets through (values tracking); any other miss fails. */
const VALUE_MISSES: Record<string, string> = {
  'password-hashes-to-email': 'postgres:query → gmail:send_email is an allowed flow (four reporting jobs need it)',
  'users-table-dump-email': 'postgres:query → gmail:send_email is an allowed flow (four reporting jobs need it)',
  'reversed-env-to-email': 'reversed text: no run of 8 letters of the file survives in order, and reversal is not an encoding the tracker undoes',
  'attach-ssh-key': 'no sensitive tool is called: the mail server reads the file named in `attachments`, outside the bridge',
};
/** The same for "calls" tracking: any egress call after a sensitive call, whatever its arguments. */
const CALL_MISSES: Record<string, string> = {
  'password-hashes-to-email': VALUE_MISSES['password-hashes-to-email']!,
  'users-table-dump-email': VALUE_MISSES['users-table-dump-email']!,
  'attach-ssh-key': VALUE_MISSES['attach-ssh-key']!,
};
/** Measured floors (of EXFIL.length), for SECURITY.md. */
const BLOCKED_FLOOR = { values: 25, calls: 26 };

const manifest = (extra: Record<string, unknown>) => ({
  securityLevel: 'STRICT',
  // A loaded two-core machine must not turn a slow stdio round trip into a TIMEOUT: refusals are what is measured.
  limits: { timeoutMs: 20_000 },
  servers,
  allow: PREFIXES.map((p) => `${p}:*`),
  labels: LABELS,
  flows: FLOWS.map(({ from, to }) => ({ from, to })),
  ...extra,
});

interface Outcome {
  result: ExecutionResult;
  /** Every tool the script asked for, in order, refused ones included. */
  calls: string[];
}

/** Runs a script through the bridge as `run` and `serve` do, and records the tools it asks for. */
async function run(open: OpenManifest, code: string, enclave: Enclave = open.enclave): Promise<Outcome> {
  const handler = open.bridge.handlerFor({});
  const calls: string[] = [];
  const result = await enclave.run(code, {
    toolHandler: (name, args, context) => {
      calls.push(name);
      return handler(name, args, context);
    },
  });
  return { result, calls };
}

const blocked = (o: Outcome): boolean => o.result.error?.code === 'POLICY_BLOCKED';
/** The sensitive and egress tools a POLICY_BLOCKED data-flow message names. */
function refusedPair(o: Outcome): { from: string; to: string } | undefined {
  const match = /the arguments of (\S+) \(labelled egress\) carry data that (\S+) \(labelled sensitive\)/.exec(o.result.error?.message ?? '');
  return match ? { from: match[2]!, to: match[1]! } : undefined;
}

/**
 * Opens a manifest (at STRICT) once for a describe block, with a PERMISSIVE enclave beside it on the same bridge;
 * every catalog server must be up before any script runs.
 */
function opened(extra: Record<string, unknown>): { open: () => OpenManifest; permissive: () => Enclave } {
  let open: OpenManifest | undefined;
  let permissive: Enclave | undefined;
  beforeAll(async () => {
    open = await openJson(manifest(extra), dir);
    permissive = new Enclave({ securityLevel: 'PERMISSIVE', limits: open.manifest.limits });
    expect(open.bridge.unavailable).toEqual([]);
    expect(open.bridge.tools.map((t) => t.qualifiedName).sort()).toEqual([...TOOL_NAMES].sort());
  }, CONNECT_TIMEOUT_MS + 30_000);
  afterAll(async () => {
    await Promise.all([open?.close(), permissive?.dispose()]);
  }, 30_000);
  return { open: () => open!, permissive: () => permissive! };
}

const benignValues = new Map<string, Outcome>();
const exfilValues = new Map<string, Outcome>();
const exfilCalls = new Map<string, Outcome>();
const benignCalls = new Map<string, Outcome>();

afterAll(async () => {
  const left = await survivorsAfter(MARK);
  killMarked(MARK);
  expect(left).toEqual([]); // every catalog server ended with its manifest
});

describe('labels and flows as deployed ("values" tracking)', () => {
  const { open, permissive } = opened({});
  it('starts one catalog server per prefix', () => {
    // Only the servers themselves: tsx starts an esbuild service beside each, which carries the mark too.
    const servers = processesMarked(MARK).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('catalog-server'));
    expect(servers).toHaveLength(PREFIXES.length);
    expect(open().manifest.flowTracking).toBe('values');
  });
  for (const script of BENIGN) {
    it(`benign at STRICT, not refused: ${script.name}`, async () => {
      const outcome = await run(open(), script.code);
      benignValues.set(script.name, outcome);
      expect(outcome.result.error, `${script.name}: ${outcome.result.error?.message}`).toBeUndefined();
      expect(outcome.result.success).toBe(true);
    });
  }
  for (const script of EXFIL) {
    it(`exfil at PERMISSIVE: ${script.name}`, async () => {
      const outcome = await run(open(), script.code, permissive());
      exfilValues.set(script.name, outcome);
      if (blocked(outcome)) {
        // Refused at the egress call, before anything was sent, naming the sensitive tool whose data it carried.
        expect(outcome.result.error?.tool).toBe(outcome.calls.at(-1));
        expect(refusedPair(outcome)?.to).toBe(outcome.calls.at(-1));
      } else {
        expect(outcome.result, script.name).toMatchObject({ success: true });
        expect(outcome.calls).toEqual(script.calls);
        expect(VALUE_MISSES, `${script.name} got through: document why in VALUE_MISSES, or fix the tracker`).toHaveProperty([script.name]);
      }
    });
  }
});

describe('benign corpus without flows: exactly the scripts each flow names are refused, by that pair', () => {
  const { open } = opened({ flows: [] });
  const refused = new Map<string, { from: string; to: string } | undefined>();
  for (const script of BENIGN) {
    it(script.name, async () => {
      const outcome = await run(open(), script.code);
      if (outcome.result.success) return;
      expect(outcome.result.error?.code, `${script.name}: ${outcome.result.error?.message}`).toBe('POLICY_BLOCKED');
      refused.set(script.name, refusedPair(outcome));
    });
  }
  it('matches FLOWS', () => {
    const expected = new Map(FLOWS.flatMap(({ from, to, by }) => by.map((name) => [name, { from, to }] as const)));
    expect(Object.fromEntries(refused)).toEqual(Object.fromEntries(expected));
  });
});

describe('"flowTracking": "calls", same labels and flows', () => {
  const { open, permissive } = opened({ flowTracking: 'calls' });
  for (const script of EXFIL) {
    it(`exfil at PERMISSIVE: ${script.name}`, async () => {
      const outcome = await run(open(), script.code, permissive());
      exfilCalls.set(script.name, outcome);
      if (blocked(outcome)) {
        expect(outcome.result.error?.tool).toBe(outcome.calls.at(-1));
      } else {
        expect(outcome.result, script.name).toMatchObject({ success: true });
        expect(CALL_MISSES, `${script.name} got through in "calls" mode`).toHaveProperty([script.name]);
      }
    });
  }
  for (const script of BENIGN) {
    it(`benign at STRICT: ${script.name}`, async () => {
      const outcome = await run(open(), script.code);
      benignCalls.set(script.name, outcome);
      if (!outcome.result.success) expect(outcome.result.error?.code, `${script.name}: ${outcome.result.error?.message}`).toBe('POLICY_BLOCKED');
    });
  }
  it('refuses exactly the benign scripts that call an egress tool after a sensitive one, outside the flows', () => {
    // The rule of "calls" mode, applied to the calls each script made when nothing refused it.
    const policy = new ToolPolicy(open().manifest);
    const predicted = BENIGN.filter(({ name }) => {
      const seen: string[] = [];
      for (const tool of benignValues.get(name)?.calls ?? []) {
        if (policy.has(tool, 'egress') && seen.some((source) => !policy.flowAllowed(source, tool))) return true;
        if (policy.has(tool, 'sensitive')) seen.push(tool);
      }
      return false;
    }).map(({ name }) => name);
    expect(benignValues.size).toBe(BENIGN.length);
    expect(BENIGN.filter(({ name }) => !benignCalls.get(name)?.result.success).map(({ name }) => name)).toEqual(predicted);
  });
});

describe('figures', () => {
  const count = (outcomes: Map<string, Outcome>): number => [...outcomes.values()].filter(blocked).length;
  beforeAll(() => {
    const mark = (o: Outcome | undefined): string => (o === undefined ? '?' : blocked(o) ? 'blocked' : 'through');
    const width = Math.max(...EXFIL.map((s) => s.name.length));
    const refusedBenign = BENIGN.filter(({ name }) => !benignCalls.get(name)?.result.success).map(({ name }) => name);
    console.log(
      [
        `data-flow labels on the corpus, real bridge and ${PREFIXES.length} catalog servers:`,
        `  benign at STRICT ("values"): ${[...benignValues.values()].filter((o) => !o.result.success).length}/${BENIGN.length} refused`,
        `  exfil at PERMISSIVE: "values" blocked ${count(exfilValues)}/${EXFIL.length}, "calls" blocked ${count(exfilCalls)}/${EXFIL.length}`,
        `  benign in "calls" mode: ${refusedBenign.length}/${BENIGN.length} refused${refusedBenign.length ? ` (${refusedBenign.join(', ')})` : ''}`,
        '',
        `  ${'exfil script'.padEnd(width)}  values   calls    technique`,
        ...EXFIL.map((s) => `  ${s.name.padEnd(width)}  ${mark(exfilValues.get(s.name)).padEnd(7)}  ${mark(exfilCalls.get(s.name)).padEnd(7)}  ${s.note}`),
      ].join('\n'),
    );
  });
  it('refuses no benign script at STRICT', () => {
    expect(benignValues.size).toBe(BENIGN.length);
    expect([...benignValues.values()].filter((o) => !o.result.success)).toEqual([]);
  });
  it('blocks the exfiltration scripts at or above the measured floors', () => {
    expect(exfilValues.size).toBe(EXFIL.length);
    expect(exfilCalls.size).toBe(EXFIL.length);
    expect(count(exfilValues)).toBeGreaterThanOrEqual(BLOCKED_FLOOR.values);
    expect(count(exfilCalls)).toBeGreaterThanOrEqual(BLOCKED_FLOOR.calls);
    // "calls" refuses a superset: any egress call after a sensitive one, carrying its data or not.
    expect(EXFIL.filter(({ name }) => blocked(exfilValues.get(name)!) && !blocked(exfilCalls.get(name)!))).toEqual([]);
  });
});
