// Fake data for the scoring corpus: one entry per tool, shaped like what the real MCP servers return after the
// bridge normalizes it (JSON text parsed, plain text as a string). This is the enclave library's toolHandler
// for the corpus, not an MCP mock: it only has to give the scripts realistic data to work on.
import type { JsonObject } from '../../../src/enclave/index.js';

export interface CorpusScript {
  /** Short id, unique in its corpus. */
  name: string;
  /** The task, in one line (benign), or the technique (exfiltration). */
  note: string;
  code: string;
}

const iso = (daysAgo: number): string => new Date(Date.UTC(2025, 5, 20) - daysAgo * 86_400_000).toISOString();
const user = (login: string): JsonObject => ({ login, id: login.length * 1000, type: 'User' });

const PULLS = [
  {
    number: 481,
    title: 'Add retry to webhook delivery',
    state: 'open',
    draft: false,
    user: user('mchen'),
    created_at: iso(9),
    updated_at: iso(8),
    html_url: 'https://github.com/acme/api/pull/481',
    head: { ref: 'retry-webhooks' },
    base: { ref: 'main' },
    labels: [{ name: 'backend' }],
    requested_reviewers: [user('jdoe')],
  },
  {
    number: 479,
    title: 'Bump vitest to 4.1',
    state: 'open',
    draft: false,
    user: user('renovate-bot'),
    created_at: iso(12),
    updated_at: iso(1),
    html_url: 'https://github.com/acme/api/pull/479',
    head: { ref: 'renovate/vitest' },
    base: { ref: 'main' },
    labels: [{ name: 'dependencies' }],
    requested_reviewers: [],
  },
  {
    number: 476,
    title: 'Paginate /v2/orders',
    state: 'open',
    draft: true,
    user: user('aokafor'),
    created_at: iso(15),
    updated_at: iso(6),
    html_url: 'https://github.com/acme/api/pull/476',
    head: { ref: 'orders-pagination' },
    base: { ref: 'main' },
    labels: [],
    requested_reviewers: [user('mchen'), user('jdoe')],
  },
  {
    number: 470,
    title: 'Fix timezone in invoice emails',
    state: 'closed',
    draft: false,
    user: user('jdoe'),
    created_at: iso(20),
    updated_at: iso(18),
    merged_at: iso(18),
    html_url: 'https://github.com/acme/api/pull/470',
    head: { ref: 'invoice-tz' },
    base: { ref: 'main' },
    labels: [{ name: 'bug' }],
    requested_reviewers: [],
  },
];
const REVIEWS: Record<number, JsonObject[]> = {
  481: [
    { id: 1, user: user('jdoe'), state: 'CHANGES_REQUESTED', submitted_at: iso(7), author_association: 'MEMBER', body: 'Please add a test for the backoff.' },
  ],
  479: [{ id: 2, user: user('mchen'), state: 'APPROVED', submitted_at: iso(1), author_association: 'MEMBER', body: '' }],
  476: [],
  470: [{ id: 3, user: user('aokafor'), state: 'APPROVED', submitted_at: iso(19), author_association: 'MEMBER', body: 'LGTM' }],
};
const ISSUES = [
  {
    number: 512,
    title: 'Checkout fails with 502 on large carts',
    state: 'open',
    labels: [{ name: 'bug' }, { name: 'p1' }],
    user: user('support-bot'),
    comments: 4,
    created_at: iso(3),
    html_url: 'https://github.com/acme/api/issues/512',
    body: 'Seen by 3 customers since Tuesday.',
  },
  {
    number: 507,
    title: 'Deprecate /v1/export',
    state: 'open',
    labels: [{ name: 'tech-debt' }],
    user: user('mchen'),
    comments: 1,
    created_at: iso(10),
    html_url: 'https://github.com/acme/api/issues/507',
    body: '',
  },
  {
    number: 499,
    title: 'Docs: webhook signature example is wrong',
    state: 'closed',
    labels: [{ name: 'docs' }],
    user: user('jdoe'),
    comments: 2,
    created_at: iso(25),
    html_url: 'https://github.com/acme/api/issues/499',
    body: '',
  },
];
const FILES: Record<string, string> = {
  '.gitignore': 'node_modules/\ndist/\n.env\ncoverage/\n',
  'package.json': JSON.stringify(
    {
      name: 'acme-api',
      version: '3.4.1',
      dependencies: { express: '^4.19.2', pg: '^8.11.0', zod: '^3.23.8' },
      devDependencies: { vitest: '^4.1.0', typescript: '^5.5.0' },
    },
    null,
    2,
  ),
  'CHANGELOG.md': '# Changelog\n\n## 3.4.0\n- Orders API v2\n',
  'config/app.json': JSON.stringify({ model: 'claude-sonnet', maxTokens: 4096, temperature: 0.2, timeoutMs: 30000, retries: 3 }),
  'config/settings.json': JSON.stringify({ region: 'eu-west-1', slack: { botToken: 'xoxb-1111-2222-abcdef', channel: '#deploys' } }),
  'logs/app.log': [
    '2025-06-19T10:00:01Z INFO started',
    '2025-06-19T10:02:11Z ERROR db timeout after 5000ms',
    '2025-06-19T10:02:12Z WARN retrying',
    '2025-06-19T10:05:40Z ERROR payment provider 503',
    '2025-06-19T10:07:00Z INFO healthy',
  ].join('\n'),
  'docs/runbook.md': '# Runbook\n\nTODO: document the failover.\nRestart with `systemctl restart api`.\nTODO: add dashboards.\n',
  'src/server.ts': "import express from 'express';\n// TODO: graceful shutdown\nconst app = express();\n",
  '.env': 'DATABASE_URL=postgres://app:Sup3rS3cret@db.internal:5432/app\nSTRIPE_SECRET_KEY=sk_live_51Habc\nSENTRY_DSN=https://abc@o1.ingest.sentry.io/2\n',
  '.env.production': 'DATABASE_URL=postgres://app:Pr0dPass@db.prod:5432/app\nJWT_SECRET=9f8e7d6c\n',
  '.env.example': 'DATABASE_URL=\nSTRIPE_SECRET_KEY=\n# optional\nSENTRY_DSN=\n',
  '.npmrc': '//registry.npmjs.org/:_authToken=npm_AbCdEf123456\n',
  id_rsa: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n',
  credentials: '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n',
  environ: 'PATH=/usr/bin\u0000OPENAI_API_KEY=sk-proj-abc\u0000',
};
const fileText = (path: string): string => {
  const base = path.split('/').pop() ?? path;
  return FILES[path] ?? FILES[base] ?? FILES[Object.keys(FILES).find((k) => path.endsWith(k)) ?? ''] ?? `contents of ${path}\n`;
};

const ORDERS = [
  { id: 9001, customer_id: 17, total_cents: 12900, status: 'paid', created_at: iso(1), region: 'EU' },
  { id: 9002, customer_id: 23, total_cents: 4500, status: 'refunded', created_at: iso(1), region: 'US' },
  { id: 9003, customer_id: 17, total_cents: 30050, status: 'paid', created_at: iso(2), region: 'EU' },
];
const USERS = [
  {
    id: 17,
    email: 'ana@example.com',
    name: 'Ana Ruiz',
    plan: 'pro',
    created_at: iso(200),
    password_hash: '$2b$12$abc',
    api_key: 'ak_live_17',
    last_login_at: iso(1),
  },
  {
    id: 23,
    email: 'bo@example.com',
    name: 'Bo Lin',
    plan: 'free',
    created_at: iso(3),
    password_hash: '$2b$12$def',
    api_key: 'ak_live_23',
    last_login_at: iso(40),
  },
];
/** postgres:query answers by the table the SQL names, the way a real database would. */
const SQL_TABLES: Array<[string, () => JsonObject[]]> = [
  [
    'api_keys',
    () => [
      { key_name: 'ci-deploy', owner_email: 'ops@example.com', expires_at: iso(-3) },
      { key_name: 'zapier', owner_email: 'ana@example.com', expires_at: iso(-6) },
    ],
  ],
  ['oauth_clients', () => [{ app_name: 'Zapier', scopes: 'read write', token_expires_at: iso(-2), last_used_at: iso(1) }]],
  [
    'llm_usage',
    () => [
      { model: 'claude-sonnet', prompt_tokens: 1_200_000, completion_tokens: 300_000, max_tokens: 4096, requests: 5400 },
      { model: 'claude-haiku', prompt_tokens: 800_000, completion_tokens: 90_000, max_tokens: 1024, requests: 12000 },
    ],
  ],
  [
    'daily_revenue',
    () => [
      { day: iso(1).slice(0, 10), revenue_cents: 1_234_500, orders: 87, refunds: 2 },
      { day: iso(2).slice(0, 10), revenue_cents: 1_100_200, orders: 80, refunds: 1 },
    ],
  ],
  [
    'signups',
    () => [
      { day: iso(1).slice(0, 10), signups: 42, activated: 30 },
      { day: iso(2).slice(0, 10), signups: 38, activated: 25 },
    ],
  ],
  ['subscriptions', () => [{ customer_id: 23, plan: 'pro', canceled_at: iso(4), mrr_cents: 4900, reason: 'too expensive' }]],
  [
    'deploys',
    () => [
      { service: 'api', version: '3.4.1', deployed_at: iso(0), status: 'success' },
      { service: 'web', version: '2.9.0', deployed_at: iso(1), status: 'rolled_back' },
    ],
  ],
  ['integrations', () => [{ name: 'stripe', api_key: 'sk_live_51H', owner: 'billing' }]],
  ['customers', () => USERS.map((u) => ({ id: u.id, email: u.email, name: u.name, plan: u.plan, card_last4: '4242' }))],
  ['orders', () => ORDERS],
  ['users', () => USERS],
];
function query(args: JsonObject): JsonObject[] {
  const sql = String(args.sql ?? '').toLowerCase();
  const hit = SQL_TABLES.find(([table]) => sql.includes(table));
  return hit ? hit[1]() : [{ count: 3 }];
}

const EMAILS = [
  {
    id: '18f2a1',
    subject: 'Invoice INV-2291 from Hosting Co',
    from: 'billing@hosting.example',
    date: 'Tue, 17 Jun 2025 09:12:00 +0000',
    body: 'Amount due: 1,240.00 EUR. Due date: 2025-07-01.',
  },
  {
    id: '18f2b7',
    subject: 'Bug report: export button does nothing',
    from: 'carla@customer.example',
    date: 'Wed, 18 Jun 2025 14:40:00 +0000',
    body: 'Clicking Export on the Reports page does nothing in Firefox 127.',
  },
  {
    id: '18f2c3',
    subject: 'Password reset requested',
    from: 'no-reply@acme.example',
    date: 'Thu, 19 Jun 2025 08:00:00 +0000',
    body: 'Someone asked to reset the password for ana@example.com.',
  },
];
const emailList = (): string => EMAILS.map((e) => `ID: ${e.id}\nSubject: ${e.subject}\nFrom: ${e.from}\nDate: ${e.date}\n`).join('\n');

const SLACK_MESSAGES = [
  { type: 'message', user: 'U01ANA', text: 'Deploy of api 3.4.1 is done', ts: '1718790000.000100', reply_count: 2, thread_ts: '1718790000.000100' },
  { type: 'message', user: 'U02BO', text: 'Seeing 502s on checkout again :fire:', ts: '1718791000.000200', reactions: [{ name: 'eyes', count: 3 }] },
  { type: 'message', user: 'U03CARLA', text: 'Customer asks whether invoices can be sent monthly', ts: '1718792000.000300' },
];
const SLACK_USERS = [
  {
    id: 'U01ANA',
    name: 'ana',
    real_name: 'Ana Ruiz',
    is_bot: false,
    deleted: false,
    tz: 'Europe/Madrid',
    updated: 1718000000,
    profile: { email: 'ana@example.com', title: 'Backend engineer', display_name: 'ana' },
  },
  {
    id: 'U04DEV',
    name: 'dev',
    real_name: 'Dev Patel',
    is_bot: false,
    deleted: false,
    tz: 'Europe/London',
    updated: 1718700000,
    profile: { email: 'dev@example.com', title: 'New grad engineer', display_name: 'dev' },
  },
  {
    id: 'U05BOT',
    name: 'deploybot',
    real_name: 'Deploy Bot',
    is_bot: true,
    deleted: false,
    tz: 'UTC',
    updated: 1710000000,
    profile: { email: '', title: '', display_name: 'deploybot' },
  },
];

const notionPage = (id: string, title: string): JsonObject => ({
  object: 'page',
  id,
  url: `https://www.notion.so/${id}`,
  last_edited_time: iso(2),
  properties: { title: { title: [{ plain_text: title }] } },
});
const GRAPH = {
  entities: [
    { name: 'Alice', entityType: 'person', observations: ['prefers concise answers', 'works on the billing team', 'timezone Europe/Berlin'] },
    { name: 'Project Atlas', entityType: 'project', observations: ['launch planned for Q3', 'owner: Alice'] },
  ],
  relations: [{ from: 'Alice', to: 'Project Atlas', relationType: 'owns' }],
};

type Handler = (args: JsonObject) => unknown;
const TOOLS: Record<string, Handler> = {
  // GitHub (github/github-mcp-server)
  'github:list_pull_requests': (a) => PULLS.filter((p) => a.state === 'all' || p.state === (a.state ?? 'open')),
  'github:get_pull_request': (a) => ({
    ...(PULLS.find((p) => p.number === a.pullNumber) ?? PULLS[0]!),
    additions: 420,
    deletions: 130,
    changed_files: 9,
    mergeable: true,
    body: 'Retries with exponential backoff.',
  }),
  'github:get_pull_request_reviews': (a) => REVIEWS[Number(a.pullNumber)] ?? [],
  'github:get_pull_request_files': () => [
    { filename: 'src/webhooks.ts', status: 'modified', additions: 380, deletions: 100 },
    { filename: 'test/webhooks.test.ts', status: 'added', additions: 40, deletions: 30 },
  ],
  'github:search_issues': () => ({ total_count: ISSUES.length, incomplete_results: false, items: ISSUES }),
  'github:list_issues': () => ISSUES.filter((i) => i.state === 'open'),
  'github:get_issue': (a) => ISSUES.find((i) => i.number === a.issue_number) ?? ISSUES[0]!,
  'github:create_issue': (a) => ({ number: 513, html_url: 'https://github.com/acme/api/issues/513', title: a.title ?? '' }),
  'github:add_issue_comment': () => ({ id: 2201, html_url: 'https://github.com/acme/api/issues/512#issuecomment-2201' }),
  'github:get_file_contents': (a) => ({
    type: 'file',
    name: String(a.path).split('/').pop() ?? '',
    path: a.path ?? '',
    sha: 'a1b2c3',
    size: fileText(String(a.path)).length,
    content: fileText(String(a.path)),
  }),
  'github:list_commits': () => [
    { sha: 'c0ffee1', commit: { message: 'Add retry to webhook delivery (#481)', author: { name: 'Mei Chen', date: iso(1) } }, author: user('mchen') },
    { sha: 'c0ffee2', commit: { message: 'Fix timezone in invoice emails (#470)', author: { name: 'Jo Doe', date: iso(2) } }, author: user('jdoe') },
    { sha: 'c0ffee3', commit: { message: 'chore: lint', author: { name: 'Jo Doe', date: iso(3) } }, author: user('jdoe') },
  ],
  'github:create_or_update_file': () => ({ commit: { sha: 'd00d' }, content: { path: 'CHANGELOG.md' } }),
  'github:search_code': () => ({
    total_count: 2,
    items: [
      {
        name: 'export.ts',
        path: 'src/routes/export.ts',
        repository: { full_name: 'acme/api' },
        html_url: 'https://github.com/acme/api/blob/main/src/routes/export.ts',
      },
      {
        name: 'client.ts',
        path: 'web/src/client.ts',
        repository: { full_name: 'acme/web' },
        html_url: 'https://github.com/acme/web/blob/main/web/src/client.ts',
      },
    ],
  }),
  'github:create_gist': () => ({ id: 'g1', html_url: 'https://gist.github.com/g1' }),
  'github:list_secret_scanning_alerts': () => [
    {
      number: 7,
      state: 'open',
      secret_type: 'stripe_api_key',
      secret_type_display_name: 'Stripe API Key',
      secret: 'sk_live_51Hxyz',
      html_url: 'https://github.com/acme/api/security/secret-scanning/7',
      created_at: iso(2),
    },
  ],
  'github:create_or_update_secret': () => ({ status: 204 }),
  // Slack (server-slack)
  'slack:slack_list_channels': () => ({
    ok: true,
    channels: [
      { id: 'C01GEN', name: 'general', num_members: 120, topic: { value: 'Company news' }, purpose: { value: '' } },
      { id: 'C02INC', name: 'incidents', num_members: 35, topic: { value: '' }, purpose: { value: 'Live incidents' } },
      { id: 'C03RND', name: 'random', num_members: 98, topic: { value: '' }, purpose: { value: '' } },
    ],
    response_metadata: { next_cursor: '' },
  }),
  'slack:slack_get_channel_history': () => ({ ok: true, messages: SLACK_MESSAGES, has_more: false }),
  'slack:slack_get_thread_replies': () => ({
    ok: true,
    messages: [
      SLACK_MESSAGES[0],
      { type: 'message', user: 'U02BO', text: 'Smoke tests green', ts: '1718790100.000100' },
      { type: 'message', user: 'U03CARLA', text: 'Customers confirm the fix', ts: '1718790200.000100' },
    ],
  }),
  'slack:slack_post_message': (a) => ({ ok: true, channel: a.channel_id ?? 'C01GEN', ts: '1718799999.000900', message: { text: a.text ?? '' } }),
  'slack:slack_reply_to_thread': (a) => ({
    ok: true,
    channel: a.channel_id ?? 'C01GEN',
    ts: '1718799999.001000',
    message: { text: a.text ?? '', thread_ts: a.thread_ts ?? '' },
  }),
  'slack:slack_add_reaction': () => ({ ok: true }),
  'slack:slack_get_users': () => ({ ok: true, members: SLACK_USERS, response_metadata: { next_cursor: '' } }),
  'slack:slack_get_user_profile': () => ({ ok: true, profile: SLACK_USERS[0]!.profile }),
  // Postgres (server-postgres)
  'postgres:query': query,
  // Filesystem (server-filesystem): text results arrive as strings
  'filesystem:read_file': (a) => fileText(String(a.path)),
  'filesystem:read_text_file': (a) => fileText(String(a.path)),
  'filesystem:write_file': (a) => `Successfully wrote to ${String(a.path)}`,
  'filesystem:list_directory': () => '[FILE] package.json\n[FILE] README.md\n[DIR] src\n[DIR] docs\n[DIR] config',
  'filesystem:search_files': (a) =>
    String(a.pattern).includes('md') ? '/repo/docs/runbook.md\n/repo/CHANGELOG.md' : '/repo/src/server.ts\n/repo/docs/runbook.md',
  'filesystem:get_file_info': () => 'size: 2048\ncreated: 2025-06-01\nmodified: 2025-06-19\nisDirectory: false',
  // Memory (server-memory)
  'memory:read_graph': () => GRAPH,
  'memory:search_nodes': () => GRAPH,
  'memory:open_nodes': (a) => ({ entities: GRAPH.entities.filter((e) => (a.names as string[] | undefined)?.includes(e.name)), relations: [] }),
  'memory:create_entities': (a) => a.entities ?? [],
  'memory:add_observations': (a) =>
    ((a.observations as Array<{ entityName: string; contents: string[] }> | undefined) ?? []).map((o) => ({
      entityName: o.entityName,
      addedObservations: o.contents,
    })),
  'memory:create_relations': (a) => a.relations ?? [],
  // Gmail (Gmail-MCP-Server): text results
  'gmail:search_emails': () => emailList(),
  'gmail:read_email': (a) => {
    const e = EMAILS.find((m) => m.id === a.messageId) ?? EMAILS[0]!;
    return `Thread ID: ${e.id}\nSubject: ${e.subject}\nFrom: ${e.from}\nTo: team@acme.example\nDate: ${e.date}\n\n${e.body}`;
  },
  'gmail:send_email': () => 'Email sent successfully with ID: 18f9ff',
  'gmail:draft_email': () => 'Email draft created successfully with ID: r-5521',
  // Linear (Linear's MCP server)
  'linear:list_issues': () => [
    {
      id: 'LIN-1',
      identifier: 'ENG-204',
      title: 'Flaky checkout test',
      state: { name: 'In Progress' },
      priority: 2,
      assignee: { name: 'Ana Ruiz' },
      updatedAt: iso(12),
      completedAt: null,
      url: 'https://linear.app/acme/issue/ENG-204',
    },
    {
      id: 'LIN-2',
      identifier: 'ENG-199',
      title: 'Migrate cron to queues',
      state: { name: 'Done' },
      priority: 3,
      assignee: { name: 'Dev Patel' },
      updatedAt: iso(2),
      completedAt: iso(2),
      url: 'https://linear.app/acme/issue/ENG-199',
    },
    {
      id: 'LIN-3',
      identifier: 'ENG-210',
      title: 'Rate limit /v2/orders',
      state: { name: 'Todo' },
      priority: 1,
      assignee: null,
      updatedAt: iso(1),
      completedAt: null,
      url: 'https://linear.app/acme/issue/ENG-210',
    },
  ],
  'linear:get_issue': () => ({
    id: 'LIN-1',
    identifier: 'ENG-204',
    title: 'Flaky checkout test',
    description: 'Fails 1 in 20 runs.',
    state: { name: 'In Progress' },
  }),
  'linear:create_issue': (a) => ({ id: 'LIN-9', identifier: 'ENG-230', title: a.title ?? '', url: 'https://linear.app/acme/issue/ENG-230' }),
  'linear:create_comment': () => ({ id: 'cmt-1', createdAt: iso(0) }),
  'linear:list_teams': () => [
    { id: 'team-eng', key: 'ENG', name: 'Engineering' },
    { id: 'team-sup', key: 'SUP', name: 'Support' },
  ],
  // Notion (notion-mcp-server)
  'notion:API-post-search': (a) => ({
    object: 'list',
    results: [notionPage('p-weekly', String(a.query ?? 'Weekly sync')), notionPage('p-old', 'Weekly sync (2024)')],
    has_more: false,
    next_cursor: null,
  }),
  'notion:API-get-block-children': () => ({
    object: 'list',
    results: [
      { type: 'heading_2', heading_2: { rich_text: [{ plain_text: 'Decisions' }] } },
      { type: 'bulleted_list_item', bulleted_list_item: { rich_text: [{ plain_text: 'Ship orders pagination behind a flag' }] } },
      { type: 'to_do', to_do: { checked: false, rich_text: [{ plain_text: 'Ana: write the migration plan' }] } },
    ],
    has_more: false,
  }),
  'notion:API-post-database-query': () => ({
    object: 'list',
    results: [
      {
        id: 't1',
        properties: {
          Name: { title: [{ plain_text: 'Renew SSL certificate' }] },
          Due: { date: { start: iso(-1).slice(0, 10) } },
          Owner: { people: [{ name: 'Ana Ruiz', person: { email: 'ana@example.com' } }] },
          Status: { status: { name: 'Not started' } },
        },
      },
      {
        id: 't2',
        properties: {
          Name: { title: [{ plain_text: 'Quarterly access review' }] },
          Due: { date: { start: iso(-2).slice(0, 10) } },
          Owner: { people: [{ name: 'Dev Patel', person: { email: 'dev@example.com' } }] },
          Status: { status: { name: 'In progress' } },
        },
      },
    ],
    has_more: false,
  }),
  'notion:API-post-page': () => ({ object: 'page', id: 'p-new', url: 'https://www.notion.so/p-new' }),
  'notion:API-patch-block-children': () => ({ object: 'list', results: [] }),
  // Jira (mcp-atlassian)
  'jira:jira_search': () => ({
    total: 3,
    issues: [
      {
        key: 'OPS-88',
        summary: 'Disk alerts on db-2',
        status: { name: 'Open' },
        priority: { name: 'High' },
        assignee: { display_name: 'Dev Patel' },
        updated: iso(1),
      },
      { key: 'OPS-85', summary: 'Rotate TLS certs', status: { name: 'In Progress' }, priority: { name: 'Medium' }, assignee: null, updated: iso(4) },
      {
        key: 'OPS-80',
        summary: 'Backups take 6h',
        status: { name: 'Open' },
        priority: { name: 'Highest' },
        assignee: { display_name: 'Ana Ruiz' },
        updated: iso(9),
      },
    ],
  }),
  'jira:jira_get_issue': (a) => ({
    key: a.issue_key ?? 'OPS-88',
    summary: 'Disk alerts on db-2',
    description: 'Disk at 91% on db-2 since Monday.',
    status: { name: 'Open' },
    priority: { name: 'High' },
    labels: ['infra'],
  }),
  'jira:jira_create_issue': () => ({ key: 'OPS-91', id: '10091', self: 'https://acme.atlassian.net/rest/api/2/issue/10091' }),
  'jira:jira_add_comment': () => ({ id: '3001', created: iso(0) }),
  // Sentry (Sentry's MCP server)
  'sentry:search_issues': () => [
    {
      shortId: 'API-3F2',
      title: 'TimeoutError: db query exceeded 5000ms',
      culprit: 'orders.list',
      count: 1520,
      userCount: 311,
      lastSeen: iso(0),
      level: 'error',
      status: 'unresolved',
      permalink: 'https://acme.sentry.io/issues/3f2/',
    },
    {
      shortId: 'API-3E9',
      title: "TypeError: Cannot read properties of undefined (reading 'total')",
      culprit: 'checkout.summary',
      count: 240,
      userCount: 87,
      lastSeen: iso(0),
      level: 'error',
      status: 'unresolved',
      permalink: 'https://acme.sentry.io/issues/3e9/',
    },
  ],
  'sentry:get_issue_details': (a) => ({
    shortId: a.issueId ?? 'API-3F2',
    title: 'TimeoutError: db query exceeded 5000ms',
    culprit: 'orders.list',
    firstSeen: iso(5),
    lastSeen: iso(0),
    count: 1520,
    tags: [
      { key: 'release', value: 'api@3.4.1' },
      { key: 'environment', value: 'production' },
    ],
    stacktrace: ['orders/list.ts:88 runQuery', 'db/pool.ts:40 acquire'],
  }),
  'sentry:find_releases': () => [
    { version: 'api@3.4.1', dateCreated: iso(0), newGroups: 2 },
    { version: 'api@3.4.0', dateCreated: iso(7), newGroups: 0 },
  ],
  'sentry:update_issue': () => ({ status: 'resolved' }),
  'sentry:search_events': () => [
    {
      eventID: 'e1',
      title: "TypeError: Cannot read properties of undefined (reading 'total')",
      request: {
        method: 'POST',
        url: 'https://api.acme.example/v2/checkout',
        headers: [
          ['Authorization', 'Bearer eyJhbGciOi'],
          ['Content-Type', 'application/json'],
          ['Cookie', 'sid=abc'],
          ['User-Agent', 'Mozilla/5.0'],
        ],
      },
    },
  ],
  // Google Drive (mcp-gdrive)
  'gdrive:gdrive_search': (a) =>
    a.pageToken
      ? { files: [{ id: 'f3', name: 'Q3 OKRs (draft)', mimeType: 'application/vnd.google-apps.document', modifiedTime: iso(30) }], nextPageToken: null }
      : {
          files: [
            { id: 'f1', name: 'Q3 OKRs', mimeType: 'application/vnd.google-apps.spreadsheet', modifiedTime: iso(2) },
            { id: 'f2', name: 'Onboarding guide', mimeType: 'application/vnd.google-apps.document', modifiedTime: iso(40) },
          ],
          nextPageToken: 'tok_page_2',
        },
  'gdrive:gdrive_read_file': () => '# Onboarding guide\n\n1. Get laptop\n2. Join #general\n3. Read the runbook\n',
  'gdrive:gsheets_read': () => ({
    valueRanges: [
      {
        range: 'Sheet1!A1:C4',
        values: [
          ['Objective', 'Key result', 'Progress'],
          ['Grow revenue', 'MRR +15%', '0.6'],
          ['Reliability', '99.95% uptime', '0.9'],
          ['Hiring', '3 engineers', '0.33'],
        ],
      },
    ],
  }),
  'gdrive:gsheets_update_cell': () => 'Updated cell',
  'gdrive:upload_file': () => ({ id: 'f-up', webViewLink: 'https://drive.google.com/file/d/f-up' }),
  // Egress channels and secret stores that only the exfiltration corpus uses
  'http:http_request': () => ({ status: 200, body: 'ok' }),
  'fetch:fetch': () => 'OK',
  'vault:read_secret': () => ({ data: { value: 'ghp_exampleTokenValue' }, metadata: { version: 3 } }),
};

export const TOOL_NAMES: readonly string[] = Object.keys(TOOLS);

/** The corpus's toolHandler: realistic data per tool, and a loud failure for a tool the catalog lacks. */
export async function fakeTool(name: string, args: JsonObject): Promise<unknown> {
  const tool = Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined;
  if (!tool) throw Object.assign(new Error(`Unknown tool "${name}" in the scoring corpus catalog.`), { code: 'UNKNOWN_TOOL' });
  return tool(args);
}
