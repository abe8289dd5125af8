// Allowed AgentScript: realistic orchestration scripts, written the way models write them, must run and
// return exactly the value plain JavaScript would. Each script runs against one in-process fake
// "CRM / issues / files" tool fixture. Scripts are source text, so inside them `\`` is a backtick,
// `\${` starts a template substitution and `\\n` is the two characters of a newline escape.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, LEVEL_LIMITS, ToolCallError, type JsonValue, type ToolHandler } from '../../src/enclave/index.js';

// ---------------------------------------------------------------------------------------------------
// The fixture: a small data set behind tools keyed by name.
// ---------------------------------------------------------------------------------------------------

const CUSTOMERS = [
  {
    id: 'c1',
    name: 'Acme Corp',
    tier: 'enterprise',
    region: 'EU',
    mrr: 12000,
    signupDate: '2021-03-15T00:00:00Z',
    tags: ['manufacturing', 'priority'],
    contact: { email: 'ops@acme.example', phone: '+49 30 1234' },
  },
  {
    id: 'c2',
    name: 'Globex',
    tier: 'smb',
    region: 'US',
    mrr: 800,
    signupDate: '2022-11-02T00:00:00Z',
    tags: ['retail'],
    contact: { email: 'hello@globex.example' },
  },
  { id: 'c3', name: 'Initech', tier: 'mid-market', region: 'US', mrr: 4500, signupDate: '2020-07-30T00:00:00Z', tags: ['software', 'priority'], contact: null },
  {
    id: 'c4',
    name: 'Umbrella Health',
    tier: 'enterprise',
    region: 'APAC',
    mrr: 21000,
    signupDate: '2023-01-09T00:00:00Z',
    tags: ['healthcare', 'priority', 'regulated'],
    contact: { email: 'it@umbrella.example', phone: null },
  },
  { id: 'c5', name: 'Hooli', tier: 'smb', region: 'EU', mrr: 650, signupDate: '2024-02-29T00:00:00Z', tags: [], contact: { email: 'admin@hooli.example' } },
  {
    id: 'c6',
    name: 'Stark Industries',
    tier: 'enterprise',
    region: 'US',
    mrr: 15500,
    signupDate: '2021-12-01T00:00:00Z',
    tags: ['manufacturing'],
    contact: { email: 'tony@stark.example' },
  },
];

const ISSUES = [
  {
    id: 101,
    customerId: 'c1',
    title: '  Login fails on SSO  ',
    status: 'open',
    priority: 'high',
    labels: ['auth', 'sso'],
    createdAt: '2024-05-02T10:15:00Z',
    assignee: 'dana',
    estimateHours: 5,
  },
  {
    id: 102,
    customerId: 'c1',
    title: 'Export to CSV times out',
    status: 'open',
    priority: 'medium',
    labels: ['export', 'performance'],
    createdAt: '2024-05-10T08:00:00Z',
    assignee: null,
    estimateHours: 3,
  },
  {
    id: 103,
    customerId: 'c2',
    title: 'Typo on pricing page',
    status: 'closed',
    priority: 'low',
    labels: ['website'],
    createdAt: '2024-04-01T12:00:00Z',
    assignee: 'lee',
    estimateHours: 1,
  },
  {
    id: 104,
    customerId: 'c3',
    title: 'Webhook retries duplicate events',
    status: 'open',
    priority: 'high',
    labels: ['webhooks', 'reliability'],
    createdAt: '2024-05-20T16:45:00Z',
    assignee: 'dana',
    estimateHours: 8,
  },
  {
    id: 105,
    customerId: 'c4',
    title: 'SSO metadata refresh',
    status: 'in_progress',
    priority: 'medium',
    labels: ['auth', 'sso'],
    createdAt: '2024-05-15T09:30:00Z',
    assignee: 'omar',
    estimateHours: 2,
  },
  {
    id: 106,
    customerId: 'c4',
    title: 'Audit log missing entries',
    status: 'open',
    priority: 'critical',
    labels: ['compliance', 'audit'],
    createdAt: '2024-05-21T07:00:00Z',
    assignee: null,
    estimateHours: 13,
  },
  {
    id: 107,
    customerId: 'c6',
    title: 'Dashboard slow for large accounts',
    status: 'closed',
    priority: 'medium',
    labels: ['performance'],
    createdAt: '2024-03-11T14:20:00Z',
    assignee: 'lee',
    estimateHours: 5,
  },
  {
    id: 108,
    customerId: 'c5',
    title: 'Cannot update billing address',
    status: 'open',
    priority: 'low',
    labels: ['billing'],
    createdAt: '2024-05-22T18:05:00Z',
    assignee: 'omar',
    estimateHours: 2,
  },
];

const FILES: Record<string, string> = {
  '/config/app.json': JSON.stringify({ version: '2.4.1', featureFlags: { beta: true, darkMode: false, newBilling: true }, limits: { maxSeats: 250 } }),
  '/notes/standup.md': '# Standup 2024-05-22\n- dana: SSO fix in review\n- lee: on call\n- omar: billing migration\n',
  '/reports/q1.csv': 'region,revenue,deals\nEU,120500.50,14\nUS,340200,31\nAPAC,56000.25,6\n',
  '/reports/q2.csv': 'region,revenue,deals\nEU,150000,16\nUS,310000,28\nAPAC,72000,9\nLATAM,15000,2\n',
};

type Args = Record<string, unknown>;
const copy = <T>(value: T): T => structuredClone(value);

const TOOLS: Record<string, (args: Args) => unknown> = {
  'crm:list_customers': ({ tier, region }) => {
    const customers = CUSTOMERS.filter((c) => (tier === undefined || c.tier === tier) && (region === undefined || c.region === region));
    return { customers: copy(customers), total: customers.length };
  },
  'crm:get_customer': ({ id }) => {
    if (typeof id !== 'string') throw new ToolCallError('INVALID_TOOL_ARGS', 'id is required');
    const customer = CUSTOMERS.find((c) => c.id === id);
    if (!customer) throw new ToolCallError('TOOL_ERROR', `Customer ${id} not found`);
    return copy(customer);
  },
  'issues:search': ({ query, status, customerId, priority, limit = 50, offset = 0 }) => {
    const q = typeof query === 'string' ? query.toLowerCase() : undefined;
    const matches = ISSUES.filter(
      (i) =>
        (q === undefined || i.title.toLowerCase().includes(q) || i.labels.includes(q)) &&
        (status === undefined || i.status === status) &&
        (customerId === undefined || i.customerId === customerId) &&
        (priority === undefined || i.priority === priority),
    );
    return { items: copy(matches.slice(Number(offset), Number(offset) + Number(limit))), total: matches.length };
  },
  'issues:get': ({ id }) => {
    const issue = ISSUES.find((i) => i.id === id);
    if (!issue) throw new ToolCallError('TOOL_ERROR', `Issue ${String(id)} not found`);
    return copy(issue);
  },
  'files:read': ({ path }) => {
    const content = typeof path === 'string' ? FILES[path] : undefined;
    if (content === undefined) throw new ToolCallError('TOOL_ERROR', `File not found: ${String(path)}`);
    return { path, content, bytes: content.length };
  },
  'files:list': ({ dir }) => {
    const prefix = String(dir);
    const entries = Object.keys(FILES)
      .filter((p) => p.startsWith(prefix))
      .sort()
      .map((p) => ({ path: p, bytes: FILES[p]!.length }));
    return { entries };
  },
  'flaky:always_fail': () => {
    throw new ToolCallError('TOOL_ERROR', 'Service unavailable (HTTP 503)');
  },
};

const toolHandler: ToolHandler = async (name, args) => {
  const tool = TOOLS[name];
  if (!tool) throw new ToolCallError('UNKNOWN_TOOL', `Unknown tool "${name}"`);
  return tool(args);
};

/**
 * The fixture handler, holding every call until the script calls 'test:burst', which it does right after starting
 * its calls: the calls that arrived by then are the ones the script had in flight at once (counted, not timed; the
 * worker posts them in order on one port). It then answers those newest first, so they finish out of order, and any
 * later call at once.
 */
function burstHandler(): { handler: ToolHandler; burst: () => number; completed: unknown[] } {
  const held: Array<() => void> = [];
  let burst = -1;
  const completed: unknown[] = [];
  const handler: ToolHandler = async (name, args, ctx) => {
    if (name === 'test:burst') {
      burst = held.length;
      while (held.length > 0) held.pop()!();
      return burst;
    }
    if (burst < 0) await new Promise<void>((resolve) => held.push(resolve));
    const value = await toolHandler(name, args, ctx);
    completed.push(args.id);
    return value;
  };
  return { handler, burst: () => burst, completed };
}

const strict = new Enclave({ toolHandler });
const secure = new Enclave({ securityLevel: 'SECURE', toolHandler });
const standard = new Enclave({ securityLevel: 'STANDARD', toolHandler });
afterAll(async () => {
  await Promise.all([strict.dispose(), secure.dispose(), standard.dispose()]);
});

interface Case {
  name: string;
  code: string;
  expected: JsonValue;
}

/** Runs the script and asserts success with exactly the expected value (the error is shown on failure). */
async function expectValue(enclave: Enclave, code: string, expected: JsonValue): Promise<void> {
  const r = await enclave.run(code);
  expect({ success: r.success, error: r.error }).toStrictEqual({ success: true, error: undefined });
  expect(r.value).toStrictEqual(expected);
}

// ---------------------------------------------------------------------------------------------------
// STRICT (the default level)
// ---------------------------------------------------------------------------------------------------

const STRICT_CASES: Case[] = [
  // --- filter / map / reduce over tool results -------------------------------------------------------
  {
    name: 'filter + map: names of enterprise customers',
    code: `
const { customers } = await callTool('crm:list_customers', {});
return customers.filter(c => c.tier === 'enterprise').map(c => c.name);`,
    expected: ['Acme Corp', 'Umbrella Health', 'Stark Industries'],
  },
  {
    name: 'reduce: MRR per region into an object',
    code: `
const { customers } = await callTool('crm:list_customers', {});
const byRegion = customers.reduce((acc, c) => {
  acc[c.region] = (acc[c.region] ?? 0) + c.mrr;
  return acc;
}, {});
return byRegion;`,
    expected: { EU: 12650, US: 20800, APAC: 21000 },
  },
  {
    name: 'every / some / find / findIndex / includes',
    code: `
const { customers } = await callTool('crm:list_customers', {});
return {
  allHaveIds: customers.every(c => typeof c.id === 'string'),
  anyApac: customers.some(c => c.region === 'APAC'),
  firstSmb: customers.find(c => c.tier === 'smb')?.name,
  idxInitech: customers.findIndex(c => c.name === 'Initech'),
  priority: customers.filter(c => c.tags.includes('priority')).map(c => c.id),
  missing: customers.find(c => c.region === 'LATAM')?.name ?? 'none',
};`,
    expected: { allHaveIds: true, anyApac: true, firstSmb: 'Globex', idxInitech: 2, priority: ['c1', 'c3', 'c4'], missing: 'none' },
  },
  {
    name: 'Math.max(...arr), Math.min, average with rounding',
    code: `
const { items } = await callTool('issues:search', {});
const estimates = items.map(i => i.estimateHours);
const avg = estimates.reduce((a, b) => a + b, 0) / estimates.length;
return {
  max: Math.max(...estimates),
  min: Math.min(...estimates),
  avg: Math.round(avg * 100) / 100,
  ceil: Math.ceil(avg),
  fixed: avg.toFixed(1),
};`,
    expected: { max: 13, min: 1, avg: 4.88, ceil: 5, fixed: '4.9' },
  },

  // --- fan-out -------------------------------------------------------------------------------------
  {
    name: 'Promise.all fan-out over ids',
    code: `
const ids = ['c1', 'c3', 'c4'];
const customers = await Promise.all(ids.map(id => callTool('crm:get_customer', { id })));
return customers.map(c => \`\${c.id}:\${c.name}\`);`,
    expected: ['c1:Acme Corp', 'c3:Initech', 'c4:Umbrella Health'],
  },
  {
    name: 'an async arrow whose body a formatter put on the next line returns that body',
    code: `
return await Promise.all(['c1', 'c3'].map(async (id) =>
  (await callTool('crm:get_customer', { id })).name));`,
    expected: ['Acme Corp', 'Initech'],
  },
  {
    name: 'Promise.all over two different tools, then a Set join',
    code: `
const [custRes, issueRes] = await Promise.all([
  callTool('crm:list_customers', { tier: 'enterprise' }),
  callTool('issues:search', { status: 'open' }),
]);
const enterpriseIds = new Set(custRes.customers.map(c => c.id));
const hot = issueRes.items.filter(i => enterpriseIds.has(i.customerId));
return { enterprise: custRes.total, openForEnterprise: hot.map(i => i.id) };`,
    expected: { enterprise: 3, openForEnterprise: [101, 102, 106] },
  },
  {
    name: 'parallel with concurrency returns results in input order',
    code: `
const ids = [108, 101, 105];
const issues = await parallel(ids, id => callTool('issues:get', { id }), { concurrency: 2 });
return issues.map(i => i.id);`,
    expected: [108, 101, 105],
  },
  {
    name: 'parallel over files:list, per-item processing',
    code: `
const { entries } = await callTool('files:list', { dir: '/reports/' });
const files = await parallel(entries.map(e => e.path), path => callTool('files:read', { path }), { concurrency: 2 });
return files.map(f => ({ path: f.path, rows: f.content.trim().split('\\n').length - 1 }));`,
    expected: [
      { path: '/reports/q1.csv', rows: 3 },
      { path: '/reports/q2.csv', rows: 4 },
    ],
  },
  {
    name: 'batched fan-out: for(;;) over chunks of 3 with Promise.all',
    code: `
const ids = [101, 102, 103, 104, 105, 106, 107];
const statuses = [];
for (let i = 0; i < ids.length; i += 3) {
  const batch = ids.slice(i, i + 3);
  const got = await Promise.all(batch.map(id => callTool('issues:get', { id })));
  statuses.push(...got.map(g => g.status));
}
return statuses;`,
    expected: ['open', 'open', 'closed', 'open', 'in_progress', 'open', 'closed'],
  },
  {
    name: 'dependent chain: issue -> customer -> summary line',
    code: `
const issue = await callTool('issues:get', { id: 106 });
const customer = await callTool('crm:get_customer', { id: issue.customerId });
return \`\${customer.name} (\${customer.tier}) — \${issue.title} [\${issue.status}]\`;`,
    expected: 'Umbrella Health (enterprise) — Audit log missing entries [open]',
  },
  {
    name: 'pagination with an open-ended for(;;) and break',
    code: `
const all = [];
for (let offset = 0; ; offset += 3) {
  const page = await callTool('issues:search', { limit: 3, offset });
  all.push(...page.items.map(i => i.id));
  if (offset + 3 >= page.total) break;
}
return all;`,
    expected: [101, 102, 103, 104, 105, 106, 107, 108],
  },

  // --- failures ------------------------------------------------------------------------------------
  {
    name: 'try/catch around a failing tool sees code and message',
    code: `
let status;
try {
  await callTool('flaky:always_fail', { attempt: 1 });
  status = 'ok';
} catch (err) {
  status = \`failed: \${err.code} - \${err.message}\`;
}
return status;`,
    expected: 'failed: TOOL_ERROR - Service unavailable (HTTP 503)',
  },
  {
    name: 'callTool(...).catch(() => null) with a fallback',
    code: `
const primary = await callTool('flaky:always_fail', {}).catch(() => null);
const fallback = primary ?? await callTool('files:read', { path: '/config/app.json' });
const config = JSON.parse(fallback.content);
return { usedFallback: primary === null, version: config.version };`,
    expected: { usedFallback: true, version: '2.4.1' },
  },
  {
    name: 'Promise.allSettled mixing success and failures',
    code: `
const results = await Promise.allSettled([
  callTool('crm:get_customer', { id: 'c2' }),
  callTool('flaky:always_fail', {}),
  callTool('crm:get_customer', { id: 'c999' }),
]);
return results.map(r => r.status === 'fulfilled'
  ? { ok: true, name: r.value.name }
  : { ok: false, code: r.reason.code, message: r.reason.message });`,
    expected: [
      { ok: true, name: 'Globex' },
      { ok: false, code: 'TOOL_ERROR', message: 'Service unavailable (HTTP 503)' },
      { ok: false, code: 'TOOL_ERROR', message: 'Customer c999 not found' },
    ],
  },
  {
    name: 'Promise.all with a per-item .catch',
    code: `
const ids = ['c1', 'bogus', 'c6'];
const found = await Promise.all(ids.map(id => callTool('crm:get_customer', { id }).catch(e => ({ id, error: e.code }))));
return found.map(c => c.error ? \`\${c.id}: \${c.error}\` : c.name);`,
    expected: ['Acme Corp', 'bogus: TOOL_ERROR', 'Stark Industries'],
  },
  {
    name: 'parallel rejects with the first failure; the script catches it',
    code: `
try {
  await parallel(['c1', 'bad'], id => callTool('crm:get_customer', { id }), { concurrency: 1 });
  return 'no error';
} catch (e) {
  return { code: e.code, message: e.message };
}`,
    expected: { code: 'TOOL_ERROR', message: 'Customer bad not found' },
  },
  {
    name: 'parallel with item => callTool(...).catch(() => null)',
    code: `
const got = await parallel(['c5', 'missing', 'c2'], id => callTool('crm:get_customer', { id }).catch(() => null));
return got.map(c => c?.name ?? null);`,
    expected: ['Hooli', null, 'Globex'],
  },
  {
    name: 'caught errors expose name, code, tool for UNKNOWN_TOOL and INVALID_TOOL_ARGS',
    code: `
const out = [];
try { await callTool('crm:delete_everything', {}); } catch (e) { out.push({ name: e.name, code: e.code, tool: e.tool, isError: e instanceof Error }); }
try { await callTool('crm:get_customer', {}); } catch (e) { out.push({ name: e.name, code: e.code, tool: e.tool, message: e.message }); }
return out;`,
    expected: [
      { name: 'ToolError', code: 'UNKNOWN_TOOL', tool: 'crm:delete_everything', isError: true },
      { name: 'ToolError', code: 'INVALID_TOOL_ARGS', tool: 'crm:get_customer', message: 'id is required' },
    ],
  },
  {
    name: 'retry loop gives up after 3 attempts',
    code: `
let attempts = 0;
let result = null;
for (let i = 0; i < 3; i++) {
  attempts++;
  try {
    result = await callTool('flaky:always_fail', { attempt: i + 1 });
    break;
  } catch (e) {
    if (e.code !== 'TOOL_ERROR') throw e;
  }
}
return { attempts, result, gaveUp: result === null };`,
    expected: { attempts: 3, result: null, gaveUp: true },
  },
  {
    name: 'try/catch/finally with a thrown new Error in a loop',
    code: `
const errors = [];
let attempts = 0;
for (const id of ['c1', 'nope', 'c3']) {
  try {
    const c = await callTool('crm:get_customer', { id });
    if (c.mrr < 5000) throw new Error(\`\${c.name} below threshold\`);
  } catch (e) {
    errors.push(e.message);
  } finally {
    attempts++;
  }
}
return { errors, attempts };`,
    expected: { errors: ['Customer nope not found', 'Initech below threshold'], attempts: 3 },
  },
  {
    name: '.then / .finally chain on a tool call',
    code: `
const names = await callTool('crm:list_customers', { region: 'EU' })
  .then(r => r.customers.map(c => c.name))
  .finally(() => console.log('done'));
return names;`,
    expected: ['Acme Corp', 'Hooli'],
  },

  // --- destructuring, spread, templates ------------------------------------------------------------
  {
    name: 'object destructuring with nested defaults and rest',
    code: `
const c = await callTool('crm:get_customer', { id: 'c2' });
const { name, tier = 'unknown', contact: { email, phone = 'n/a' } = {}, ...rest } = c;
return { name, tier, email, phone, restKeys: Object.keys(rest).sort() };`,
    expected: { name: 'Globex', tier: 'smb', email: 'hello@globex.example', phone: 'n/a', restKeys: ['id', 'mrr', 'region', 'signupDate', 'tags'] },
  },
  {
    name: 'array destructuring with rest, defaults and skipping',
    code: `
const { items: [first, second, ...others] = [] } = await callTool('issues:search', { status: 'open' });
const [, , third = 'none', fourth = 'none'] = ['a', 'b'];
return { first: first.id, second: second?.id, others: others.map(i => i.id), third, fourth };`,
    expected: { first: 101, second: 102, others: [104, 106, 108], third: 'none', fourth: 'none' },
  },
  {
    name: 'spread merge and Object.assign of options',
    code: `
const defaults = { limit: 10, status: 'open', sort: 'createdAt' };
const opts = Object.assign({}, defaults, { limit: 2 });
const { items, total } = await callTool('issues:search', { status: opts.status, limit: opts.limit });
return { ...opts, got: items.length, total };`,
    expected: { limit: 2, status: 'open', sort: 'createdAt', got: 2, total: 5 },
  },
  {
    name: 'multi-line template report with toUpperCase and ??',
    code: `
const { items } = await callTool('issues:search', { customerId: 'c4' });
const lines = items.map(i => \`#\${i.id} [\${i.priority.toUpperCase()}] \${i.title} (\${i.assignee ?? 'unassigned'})\`);
return \`Umbrella Health: \${items.length} issues\\n\${lines.join('\\n')}\`;`,
    expected: 'Umbrella Health: 2 issues\n#105 [MEDIUM] SSO metadata refresh (omar)\n#106 [CRITICAL] Audit log missing entries (unassigned)',
  },

  // --- collections -----------------------------------------------------------------------------------
  {
    name: 'Set dedupe of labels and Map counting of assignees',
    code: `
const { items } = await callTool('issues:search', {});
const labels = [...new Set(items.flatMap(i => i.labels))].sort();
const assignees = new Map();
for (const i of items) {
  if (!i.assignee) continue;
  assignees.set(i.assignee, (assignees.get(i.assignee) ?? 0) + 1);
}
return { labels, assignees: Object.fromEntries(assignees) };`,
    expected: {
      labels: ['audit', 'auth', 'billing', 'compliance', 'export', 'performance', 'reliability', 'sso', 'webhooks', 'website'],
      assignees: { dana: 2, lee: 2, omar: 2 },
    },
  },
  {
    name: 'Map of arrays iterated with for…of destructuring',
    code: `
const { items } = await callTool('issues:search', {});
const byCustomer = new Map();
for (const issue of items) {
  const list = byCustomer.get(issue.customerId) ?? [];
  list.push(issue.id);
  byCustomer.set(issue.customerId, list);
}
const out = [];
for (const [customerId, ids] of byCustomer) out.push(\`\${customerId}=\${ids.join('|')}\`);
return { size: byCustomer.size, out };`,
    expected: { size: 6, out: ['c1=101|102', 'c2=103', 'c3=104', 'c4=105|106', 'c6=107', 'c5=108'] },
  },
  {
    name: 'Set intersection, difference and union',
    code: `
const [a, b] = await Promise.all([
  callTool('issues:search', { customerId: 'c1' }),
  callTool('issues:search', { customerId: 'c4' }),
]);
const la = new Set(a.items.flatMap(i => i.labels));
const lb = new Set(b.items.flatMap(i => i.labels));
return {
  shared: [...la].filter(x => lb.has(x)),
  onlyA: [...la].filter(x => !lb.has(x)),
  union: new Set([...la, ...lb]).size,
};`,
    expected: { shared: ['auth', 'sso'], onlyA: ['export', 'performance'], union: 6 },
  },
  {
    name: 'grouping with ??= and Object.entries / fromEntries',
    code: `
const { items } = await callTool('issues:search', {});
const groups = {};
for (const issue of items) {
  (groups[issue.status] ??= []).push(issue.id);
}
return Object.fromEntries(Object.entries(groups).map(([status, ids]) => [status, { count: ids.length, ids }]));`,
    expected: {
      open: { count: 5, ids: [101, 102, 104, 106, 108] },
      closed: { count: 2, ids: [103, 107] },
      in_progress: { count: 1, ids: [105] },
    },
  },
  {
    name: 'Array helpers: new Array(n).fill, Array.isArray, Array.from with a mapper',
    code: `
const buckets = new Array(4).fill(0);
const { customers } = await callTool('crm:list_customers', {});
for (const c of customers) {
  const q = Math.min(3, Math.floor(c.mrr / 5000));
  buckets[q]++;
}
return { buckets, isArr: Array.isArray(buckets), labels: Array.from({ length: 4 }, (_, i) => \`\${i * 5}k+\`) };`,
    expected: { buckets: [3, 0, 1, 2], isArr: true, labels: ['0k+', '5k+', '10k+', '15k+'] },
  },
  {
    name: 'flat, at, reverse, indexOf, concat, join, slice chunks',
    code: `
const nested = [[1, 2], [3, [4, 5]], []];
const flat = nested.flat(2);
return {
  flat,
  last: flat.at(-1),
  rev: [...flat].reverse(),
  idx: flat.indexOf(3),
  joined: flat.concat([6]).join('+'),
  chunks: [flat.slice(0, 2), flat.slice(2, 4), flat.slice(4)],
};`,
    expected: { flat: [1, 2, 3, 4, 5], last: 5, rev: [5, 4, 3, 2, 1], idx: 2, joined: '1+2+3+4+5+6', chunks: [[1, 2], [3, 4], [5]] },
  },

  // --- sorting ---------------------------------------------------------------------------------------
  {
    name: 'sort by a numeric comparator, top 3',
    code: `
const { customers } = await callTool('crm:list_customers', {});
const top = [...customers].sort((a, b) => b.mrr - a.mrr).slice(0, 3);
return top.map(c => ({ name: c.name, mrr: c.mrr }));`,
    expected: [
      { name: 'Umbrella Health', mrr: 21000 },
      { name: 'Stark Industries', mrr: 15500 },
      { name: 'Acme Corp', mrr: 12000 },
    ],
  },
  {
    name: 'multi-key sort: priority rank, then createdAt',
    code: `
const rank = { critical: 0, high: 1, medium: 2, low: 3 };
const { items } = await callTool('issues:search', { status: 'open' });
items.sort((a, b) => rank[a.priority] - rank[b.priority] || a.createdAt.localeCompare(b.createdAt));
return items.map(i => \`\${i.priority}:\${i.id}\`);`,
    expected: ['critical:106', 'high:101', 'high:104', 'medium:102', 'low:108'],
  },
  {
    name: 'sort by name and by Date difference',
    code: `
const { customers } = await callTool('crm:list_customers', {});
const { items } = await callTool('issues:search', { status: 'open' });
const newest = items.slice().sort((a, b) => new Date(b.createdAt) - new Date(a.createdAt))[0];
return {
  names: customers.map(c => c.name).sort((a, b) => a.localeCompare(b)),
  newest: { id: newest.id, day: new Date(newest.createdAt).toISOString().slice(0, 10) },
};`,
    expected: {
      names: ['Acme Corp', 'Globex', 'Hooli', 'Initech', 'Stark Industries', 'Umbrella Health'],
      newest: { id: 108, day: '2024-05-22' },
    },
  },

  // --- dates -----------------------------------------------------------------------------------------
  {
    name: 'signups per year with getUTCFullYear',
    code: `
const { customers } = await callTool('crm:list_customers', {});
const byYear = {};
for (const c of customers) {
  const year = new Date(c.signupDate).getUTCFullYear();
  byYear[year] = (byYear[year] ?? 0) + 1;
}
return byYear;`,
    expected: { 2020: 1, 2021: 2, 2022: 1, 2023: 1, 2024: 1 },
  },
  {
    name: 'date arithmetic: age in days, due date, toISOString, UTC getters',
    code: `
const issue = await callTool('issues:get', { id: 104 });
const created = new Date(issue.createdAt);
const asOf = new Date(Date.UTC(2024, 5, 1));
const dayMs = 24 * 60 * 60 * 1000;
const ageDays = Math.floor((asOf.getTime() - created.getTime()) / dayMs);
const due = new Date(created.getTime() + 7 * dayMs);
return {
  created: created.toISOString(),
  due: due.toISOString().slice(0, 10),
  ageDays,
  month: created.getUTCMonth() + 1,
  weekday: created.getUTCDay(),
  valid: !isNaN(created.getTime()),
  invalid: isNaN(new Date('not a date').getTime()),
};`,
    expected: { created: '2024-05-20T16:45:00.000Z', due: '2024-05-27', ageDays: 11, month: 5, weekday: 1, valid: true, invalid: true },
  },
  {
    name: 'date formatting with padStart (last expression is the result)',
    code: `
const d = new Date('2024-03-05T07:08:09Z');
\`\${d.getUTCFullYear()}-\${String(d.getUTCMonth() + 1).padStart(2, '0')}-\${String(d.getUTCDate()).padStart(2, '0')} \${String(d.getUTCHours()).padStart(2, '0')}:\${String(d.getUTCMinutes()).padStart(2, '0')}\``,
    expected: '2024-03-05 07:08',
  },

  // --- JSON ------------------------------------------------------------------------------------------
  {
    name: 'JSON round-trip of a patched config, pretty printing',
    code: `
const file = await callTool('files:read', { path: '/config/app.json' });
const config = JSON.parse(file.content);
const patched = { ...config, featureFlags: { ...config.featureFlags, darkMode: true } };
const back = JSON.parse(JSON.stringify(patched));
return {
  enabled: Object.keys(back.featureFlags).filter(k => back.featureFlags[k]),
  sameVersion: back.version === config.version,
  pretty: JSON.stringify(back.limits, null, 2),
  values: Object.values(config.featureFlags),
};`,
    expected: { enabled: ['beta', 'darkMode', 'newBilling'], sameVersion: true, pretty: '{\n  "maxSeats": 250\n}', values: [true, false, true] },
  },
  {
    name: 'JSON semantics of the result: undefined dropped, NaN and Infinity become null, Dates become strings',
    code: `
return { a: undefined, b: null, c: [undefined, NaN, Infinity], d: new Date(Date.UTC(2024, 0, 2)), e: -0, f: 1e21 };`,
    expected: { b: null, c: [null, null, null], d: '2024-01-02T00:00:00.000Z', e: 0, f: 1e21 },
  },

  // --- control flow --------------------------------------------------------------------------------
  {
    name: 'switch with fallthrough and default',
    code: `
const { items } = await callTool('issues:search', {});
const slaHours = [];
for (const issue of items) {
  let hours;
  switch (issue.priority) {
    case 'critical': hours = 4; break;
    case 'high': hours = 24; break;
    case 'medium':
    case 'low': hours = 72; break;
    default: hours = -1;
  }
  slaHours.push(hours);
}
return slaHours;`,
    expected: [24, 72, 72, 24, 72, 4, 72, 72],
  },
  {
    name: 'ternaries, optional chaining and ?? over optional fields',
    code: `
const { customers } = await callTool('crm:list_customers', {});
return customers.map(c => ({
  id: c.id,
  email: c.contact?.email ?? 'none',
  phone: c.contact?.phone ?? 'none',
  firstTag: c.tags?.[0] ?? null,
  size: c.mrr >= 10000 ? 'large' : c.mrr >= 1000 ? 'medium' : 'small',
}));`,
    expected: [
      { id: 'c1', email: 'ops@acme.example', phone: '+49 30 1234', firstTag: 'manufacturing', size: 'large' },
      { id: 'c2', email: 'hello@globex.example', phone: 'none', firstTag: 'retail', size: 'small' },
      { id: 'c3', email: 'none', phone: 'none', firstTag: 'software', size: 'medium' },
      { id: 'c4', email: 'it@umbrella.example', phone: 'none', firstTag: 'healthcare', size: 'large' },
      { id: 'c5', email: 'admin@hooli.example', phone: 'none', firstTag: null, size: 'small' },
      { id: 'c6', email: 'tony@stark.example', phone: 'none', firstTag: 'manufacturing', size: 'large' },
    ],
  },
  {
    name: 'for…of with continue and break',
    code: `
const { items } = await callTool('issues:search', {});
const picked = [];
let skipped = 0;
for (const issue of items) {
  if (issue.status === 'closed') { skipped++; continue; }
  picked.push(issue.id);
  if (picked.length === 3) break;
}
return { picked, skipped };`,
    expected: { picked: [101, 102, 104], skipped: 1 },
  },
  {
    name: 'nested for…of loops build a count per customer',
    code: `
const { customers } = await callTool('crm:list_customers', {});
const { items } = await callTool('issues:search', {});
const counts = [];
for (const c of customers) {
  const row = [];
  for (const i of items) row.push(i.customerId === c.id ? 1 : 0);
  counts.push(row.reduce((a, b) => a + b, 0));
}
return counts;`,
    expected: [2, 1, 1, 2, 1, 1],
  },
  {
    name: 'nested for(;;) loops: 820 iterations, under the 1,000 limit',
    code: `
let pairs = 0;
let total = 0;
for (let i = 0; i < 40; i++) {
  for (let j = 0; j < i; j++) {
    pairs++;
    total += i * j;
  }
}
return { pairs, total };`,
    expected: { pairs: 780, total: 293930 },
  },
  {
    name: 'brace-less for…of body that is a += statement',
    code: `
const { items } = await callTool('issues:search', {});
let hours = 0;
for (const i of items) hours += i.estimateHours;
return hours;`,
    expected: 39,
  },
  {
    name: 'brace-less for(;;) body that builds a string with +=',
    code: `
const { items } = await callTool('issues:search', { status: 'closed' });
let csv = 'id,title';
for (let k = 0; k < items.length; k++) csv += \`\\n\${items[k].id},\${items[k].title}\`;
return csv;`,
    expected: 'id,title\n103,Typo on pricing page\n107,Dashboard slow for large accounts',
  },
  {
    name: 'compound and logical assignment operators, ** and %',
    code: `
let score = 10;
score += 5; score -= 3; score *= 2; score /= 4; score **= 2; score %= 7;
let label = ''; label ||= 'default';
let flag = true; flag &&= score > 1;
let missing = null; missing ??= 'filled';
[score, label, flag, missing]`,
    expected: [1, 'default', false, 'filled'],
  },

  // --- strings and numbers ---------------------------------------------------------------------------
  {
    name: 'string methods: trim, toUpperCase, split/join, includes, slice, padStart, replaceAll',
    code: `
const issue = await callTool('issues:get', { id: 101 });
const title = issue.title.trim();
return {
  title,
  upper: title.toUpperCase(),
  slug: title.toLowerCase().split(' ').join('-'),
  hasSso: title.includes('SSO'),
  short: title.slice(0, 5),
  tail: title.slice(-3),
  ticket: \`ISSUE-\${String(issue.id).padStart(6, '0')}\`,
  startsWithLogin: title.startsWith('Login'),
  words: title.split(' ').length,
  replaced: title.replaceAll('SSO', 'single sign-on'),
  padded: 'x'.padEnd(3, '.') + '|',
};`,
    expected: {
      title: 'Login fails on SSO',
      upper: 'LOGIN FAILS ON SSO',
      slug: 'login-fails-on-sso',
      hasSso: true,
      short: 'Login',
      tail: 'SSO',
      ticket: 'ISSUE-000101',
      startsWithLogin: true,
      words: 4,
      replaced: 'Login fails on single sign-on',
      padded: 'x..|',
    },
  },
  {
    name: 'CSV parsing: split lines, header/rest destructuring, Number conversion',
    code: `
const file = await callTool('files:read', { path: '/reports/q1.csv' });
const [header, ...rows] = file.content.trim().split('\\n');
const cols = header.split(',');
const records = rows.map(line => Object.fromEntries(line.split(',').map((v, i) => [cols[i], i === 0 ? v : Number(v)])));
const total = records.reduce((s, r) => s + r.revenue, 0);
const best = Math.max(...records.map(r => r.revenue));
return { cols, regions: records.map(r => r.region.toLowerCase()), total, best: records.find(r => r.revenue === best).region, deals: records.map(r => r.deals) };`,
    expected: { cols: ['region', 'revenue', 'deals'], regions: ['eu', 'us', 'apac'], total: 516700.75, best: 'US', deals: [14, 31, 6] },
  },
  {
    name: 'markdown parsing into an object (last expression is the result)',
    code: `
const { content } = await callTool('files:read', { path: '/notes/standup.md' });
const lines = content.split('\\n').map(l => l.trim()).filter(l => l.startsWith('- '));
const updates = {};
for (const line of lines) {
  const [who, ...rest] = line.slice(2).split(':');
  updates[who.trim()] = rest.join(':').trim();
}
updates`,
    expected: { dana: 'SSO fix in review', lee: 'on call', omar: 'billing migration' },
  },
  {
    name: 'Number parsing: Number, parseInt, parseFloat, isNaN (NaN comes back as null)',
    code: `
const raw = ['42', ' 3.14 ', '1e3', 'abc', '0x1F', '12px', ''];
return raw.map(s => ({ s, num: Number(s), int: parseInt(s, 10), float: parseFloat(s), nan: isNaN(Number(s)) }));`,
    expected: [
      { s: '42', num: 42, int: 42, float: 42, nan: false },
      { s: ' 3.14 ', num: 3.14, int: 3, float: 3.14, nan: false },
      { s: '1e3', num: 1000, int: 1, float: 1000, nan: false },
      { s: 'abc', num: null, int: null, float: null, nan: true },
      { s: '0x1F', num: 31, int: 0, float: 0, nan: false },
      { s: '12px', num: null, int: 12, float: 12, nan: true },
      { s: '', num: 0, int: null, float: null, nan: false },
    ],
  },
  {
    name: 'Number helpers and Math functions',
    code: `
return {
  isInt: [Number.isInteger(5), Number.isInteger(5.5)],
  finite: [isFinite(1 / 0), Number.isFinite(42)],
  safe: Number.MAX_SAFE_INTEGER,
  pct: Math.round((3 / 7) * 1000) / 10,
  abs: Math.abs(-2.5),
  trunc: Math.trunc(-4.7),
  pow: Math.pow(2, 10),
  sqrt: Math.sqrt(144),
  hex: (255).toString(16),
  prec: (1234.5678).toFixed(2),
};`,
    expected: {
      isInt: [true, false],
      finite: [false, true],
      safe: 9007199254740991,
      pct: 42.9,
      abs: 2.5,
      trunc: -4,
      pow: 1024,
      sqrt: 12,
      hex: 'ff',
      prec: '1234.57',
    },
  },
  {
    name: 'encodeURIComponent / decodeURIComponent when building a URL',
    code: `
const q = 'status:open & owner=dana/ops';
const url = \`https://tracker.example/search?q=\${encodeURIComponent(q)}&page=\${2}\`;
return { url, back: decodeURIComponent(url.split('q=')[1].split('&')[0]) };`,
    expected: { url: 'https://tracker.example/search?q=status%3Aopen%20%26%20owner%3Ddana%2Fops&page=2', back: 'status:open & owner=dana/ops' },
  },
  {
    name: 'Boolean(), filter(Boolean) and truthiness',
    code: `
const values = [0, 1, '', 'x', null, undefined, [], {}, NaN];
return { kept: values.filter(Boolean).length, mapped: values.map(v => Boolean(v)), notNot: !!'0' };`,
    expected: { kept: 4, mapped: [false, true, false, true, false, false, true, true, false], notNot: true },
  },
  {
    name: 'non-ASCII text in strings',
    code: `
const word = 'café';
return { upper: word.toUpperCase(), length: word.length, chars: [...'héllo'].length, joined: ['München', 'Zürich'].join(' → ') };`,
    expected: { upper: 'CAFÉ', length: 4, chars: 5, joined: 'München → Zürich' },
  },

  // --- results ---------------------------------------------------------------------------------------
  {
    name: 'last expression: arithmetic',
    code: `const x = 2;
x * 21`,
    expected: 42,
  },
  {
    name: 'last expression: an awaited tool call with member access',
    code: `(await callTool('crm:get_customer', { id: 'c5' })).name`,
    expected: 'Hooli',
  },
  {
    name: 'last expression: a ternary over a tool result',
    code: `
const { total } = await callTool('issues:search', { status: 'closed' });
total === 0 ? 'No closed issues' : total === 1 ? '1 closed issue' : \`\${total} closed issues\``,
    expected: '2 closed issues',
  },
  {
    name: 'last expression: an object literal in parentheses',
    code: `
const { items } = await callTool('issues:search', { status: 'open' });
({ count: items.length, ids: items.map(i => i.id) })`,
    expected: { count: 5, ids: [101, 102, 104, 106, 108] },
  },
  { name: 'last expression: a parenthesised identifier', code: 'const total = 5;\n(total)', expected: 5 },
  { name: 'return null', code: 'return null;', expected: null },
  { name: 'return undefined comes back as null', code: 'return undefined;', expected: null },
  { name: 'bare return comes back as null', code: 'const a = 1;\nif (a > 0) return;\nreturn a;', expected: null },
  { name: 'no return and a declaration last gives null', code: "const done = 'yes';", expected: null },
  { name: 'last expression console.log(...) gives null', code: "console.log('only logging');", expected: null },
  { name: 'return false', code: 'return 1 > 2;', expected: false },
  { name: 'return an empty string', code: "return '';", expected: '' },
  { name: 'return an empty array inside an object', code: 'return { items: [], meta: {} };', expected: { items: [], meta: {} } },
];

describe('allowed AgentScript at STRICT', () => {
  it.each(STRICT_CASES)('$name', async ({ code, expected }) => {
    await expectValue(strict, code, expected);
  });

  it('captures console.log/info/warn/error into r.logs, in order', async () => {
    const r = await strict.run(`
console.log('starting', 3, { a: 1 });
const { total } = await callTool('crm:list_customers', {});
console.info(\`found \${total} customers\`);
console.warn('careful:', ['x', 'y']);
console.error(new Error('boom'));
return total;`);
    expect(r.error).toBeUndefined();
    expect(r.success).toBe(true);
    expect(r.value).toBe(6);
    expect(r.logs).toStrictEqual([
      { level: 'log', message: 'starting 3 {"a":1}' },
      { level: 'info', message: 'found 6 customers' },
      { level: 'warn', message: 'careful: ["x","y"]' },
      { level: 'error', message: 'Error: boom' },
    ]);
  });

  it('counts tool calls in stats.toolCalls, failed ones included', async () => {
    const none = await strict.run('return [1, 2, 3].map(x => x * 2);');
    expect(none).toMatchObject({ success: true, value: [2, 4, 6], stats: { toolCalls: 0 } });

    const r = await strict.run(`
const a = await callTool('crm:get_customer', { id: 'c1' });
const b = await callTool('flaky:always_fail', {}).catch(e => e.code);
const [c, d] = await Promise.all([
  callTool('issues:get', { id: 101 }),
  callTool('issues:get', { id: 102 }),
]);
return [a.id, b, c.id, d.id];`);
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual(['c1', 'TOOL_ERROR', 101, 102]);
    expect(r.stats.toolCalls).toBe(4);
  });

  it('allows exactly the level maximum of tool calls (10 at STRICT)', async () => {
    const r = await strict.run(`
const ids = [101, 102, 103, 104, 105, 106, 107, 108];
const issues = await parallel(ids, id => callTool('issues:get', { id }), { concurrency: 4 });
const { total } = await callTool('crm:list_customers', {});
const cfg = await callTool('files:read', { path: '/config/app.json' });
return { issues: issues.length, total, version: JSON.parse(cfg.content).version };`);
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual({ issues: 8, total: 6, version: '2.4.1' });
    expect(r.stats.toolCalls).toBe(LEVEL_LIMITS.STRICT.maxToolCalls);
  });

  it('counts every loop iteration and callback in stats.iterations', async () => {
    const r = await strict.run(`
let n = 0;
for (let i = 0; i < 40; i++) {
  for (let j = 0; j < i; j++) n++;
}
const doubled = [1, 2, 3].map(x => x * 2);
return n + doubled.length;`);
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(783);
    expect(r.stats.iterations).toBe(40 + 780 + 3);
  });

  it('passes the toolHandler exactly the name and args object the script passed', async () => {
    const calls: { name: string; args: unknown; aborted: boolean }[] = [];
    const recording: ToolHandler = async (name, args, ctx) => {
      calls.push({ name, args, aborted: ctx.signal.aborted });
      return { ok: true };
    };
    const r = await strict.run(
      `
const filters = { status: ['open', 'in_progress'], owner: { team: 'platform', lead: null } };
const res = await callTool('issues:search', {
  query: 'Zürich – “quoted” \\\\ back\\nslash',
  limit: 25,
  offset: 0,
  ratio: 0.5,
  negative: -3,
  includeClosed: false,
  cursor: null,
  filters,
  ids: [101, 102],
  nested: { deep: { deeper: [{ x: 1 }, []] } },
  empty: {},
  ...{ spread: 'yes' },
});
await callTool('crm:list_customers');
return res.ok;`,
      { toolHandler: recording },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(true);
    expect(calls).toStrictEqual([
      {
        name: 'issues:search',
        args: {
          query: 'Zürich – “quoted” \\ back\nslash',
          limit: 25,
          offset: 0,
          ratio: 0.5,
          negative: -3,
          includeClosed: false,
          cursor: null,
          filters: { status: ['open', 'in_progress'], owner: { team: 'platform', lead: null } },
          ids: [101, 102],
          nested: { deep: { deeper: [{ x: 1 }, []] } },
          empty: {},
          spread: 'yes',
        },
        aborted: false,
      },
      // callTool(name) without an args object sends {}.
      { name: 'crm:list_customers', args: {}, aborted: false },
    ]);
    expect(r.stats.toolCalls).toBe(2);
  });

  it('parallel honours concurrency and returns results in input order, not completion order', async () => {
    const { handler, burst, completed } = burstHandler();
    const r = await strict.run(
      `
const ids = [101, 102, 103, 104, 105, 106];
const running = parallel(ids, id => callTool('issues:get', { id }), { concurrency: 2 });
await callTool('test:burst', {});
const issues = await running;
return issues.map(i => \`\${i.id}:\${i.status}\`);`,
      { toolHandler: handler },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual(['101:open', '102:open', '103:closed', '104:open', '105:in_progress', '106:open']);
    expect(burst()).toBe(2);
    // The first two finished newest first, so the order of the result is parallel's doing.
    expect(completed).toStrictEqual([102, 101, 103, 104, 105, 106]);
    expect(r.stats.toolCalls).toBe(7); // six and the burst marker
  });

  it('parallel caps a too-large concurrency at the level maximum', async () => {
    const { handler, burst } = burstHandler();
    const r = await strict.run(
      `
const ids = [101, 102, 103, 104, 105, 106, 107, 108];
const running = parallel(ids, id => callTool('issues:get', { id }), { concurrency: 50 });
await callTool('test:burst', {});
const issues = await running;
return issues.map(i => i.id);`,
      { toolHandler: handler },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual([101, 102, 103, 104, 105, 106, 107, 108]);
    expect(burst()).toBe(LEVEL_LIMITS.STRICT.maxConcurrency);
  });

  it('Promise.all fan-out really runs the calls concurrently', async () => {
    const { handler, burst } = burstHandler();
    const r = await strict.run(
      `
const ids = ['c1', 'c2', 'c3', 'c4'];
const running = Promise.all(ids.map(id => callTool('crm:get_customer', { id })));
await callTool('test:burst', {});
const all = await running;
return all.map(c => c.name);`,
      { toolHandler: handler },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual(['Acme Corp', 'Globex', 'Initech', 'Umbrella Health']);
    expect(burst()).toBe(4);
  });

  it('a per-run toolHandler overrides the enclave one', async () => {
    const r = await strict.run(`return await callTool('crm:get_customer', { id: 'c1' });`, {
      toolHandler: async (name, args) => ({ via: 'run', name, args }),
    });
    expect(r.error).toBeUndefined();
    expect(r.value).toStrictEqual({ via: 'run', name: 'crm:get_customer', args: { id: 'c1' } });
  });
});

// ---------------------------------------------------------------------------------------------------
// SECURE: regular-expression literals and dynamic tool names
// ---------------------------------------------------------------------------------------------------

const SECURE_CASES: Case[] = [
  {
    name: 'regex literals: match with groups, matchAll, replace, test',
    code: `
const { content } = await callTool('files:read', { path: '/notes/standup.md' });
const date = content.match(/(\\d{4})-(\\d{2})-(\\d{2})/);
const names = [...content.matchAll(/^- (\\w+):/gm)].map(m => m[1]);
return {
  date: date[0],
  year: Number(date[1]),
  names,
  cleaned: '  Login fails   on SSO  '.trim().replace(/\\s+/g, '_'),
  isEmail: /^[^@\\s]+@[^@\\s]+\\.[a-z]+$/.test('ops@acme.example'),
};`,
    expected: { date: '2024-05-22', year: 2024, names: ['dana', 'lee', 'omar'], cleaned: 'Login_fails_on_SSO', isEmail: true },
  },
  {
    name: 'regex split and case-insensitive filter',
    code: `
const { items } = await callTool('issues:search', {});
const sso = items.filter(i => /sso/i.test(i.title)).map(i => i.id);
return { parts: 'a, b;c ,d'.split(/\\s*[,;]\\s*/), sso };`,
    expected: { parts: ['a', 'b', 'c', 'd'], sso: [101, 105] },
  },
  {
    name: 'dynamic tool name chosen at run time',
    code: `
const tools = { customer: 'crm:get_customer', issue: 'issues:get' };
const wanted = [['customer', { id: 'c3' }], ['issue', { id: 104 }]];
const out = [];
for (const [kind, args] of wanted) {
  const res = await callTool(tools[kind], args);
  out.push(res.name ?? res.title);
}
return out;`,
    expected: ['Initech', 'Webhook retries duplicate events'],
  },
];

describe('allowed AgentScript at SECURE', () => {
  it.each(SECURE_CASES)('$name', async ({ code, expected }) => {
    await expectValue(secure, code, expected);
  });
});

// ---------------------------------------------------------------------------------------------------
// STANDARD: standalone arrow functions bound to const
// ---------------------------------------------------------------------------------------------------

const STANDARD_CASES: Case[] = [
  {
    name: 'const comparator and formatter arrows',
    code: `
const byMrrDesc = (a, b) => b.mrr - a.mrr;
const fmt = (n) => '$' + (n / 1000).toFixed(1) + 'k';
const { customers } = await callTool('crm:list_customers', {});
return customers.sort(byMrrDesc).slice(0, 2).map(c => \`\${c.name}: \${fmt(c.mrr)}\`);`,
    expected: ['Umbrella Health: $21.0k', 'Stark Industries: $15.5k'],
  },
  {
    name: 'const async helper arrow passed to map',
    code: `
const fetchIssue = async (id) => {
  const issue = await callTool('issues:get', { id });
  return { id, open: issue.status === 'open' };
};
const isOpen = (x) => x.open;
const results = await Promise.all([101, 103, 104].map(fetchIssue));
return results.filter(isOpen).map(x => x.id);`,
    expected: [101, 104],
  },
];

describe('allowed AgentScript at STANDARD', () => {
  it.each(STANDARD_CASES)('$name', async ({ code, expected }) => {
    await expectValue(standard, code, expected);
  });
});
