// The manifest's shape (DESIGN §6) as zod schemas: its types, its validator and its published JSON Schema all come
// from here. Objects are strict: an unknown key is a mistake to report, never silently ignored.
import { z } from 'zod';
import { LimitsOverrideSchema, SECURITY_LEVELS } from '../enclave/index.js';
import { PATTERN_HELP, PATTERN_RE } from './allowlist.js';

// Record keys exclude "__proto__" so that editors flag it: zod drops that key of a record silently (parseManifest
// rejects it anywhere before zod runs).
/** Usable before the ':' of `server:tool`. */
export const SERVER_NAME_RE = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;
/** An HTTP field name (RFC 9110 token): anything else makes fetch throw at the first request. */
const HEADER_NAME_RE = /^(?!__proto__$)[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME_RE = /^(?!__proto__$)[^=\0]+$/;

export const LABELS = ['sensitive', 'egress'] as const;

const timeoutMs = z
  .number()
  .int()
  .positive()
  .max(10 * 60_000);
/** Keys that only comment, so a manifest can explain itself. */
const notes = {
  $comment: z.string().optional(),
  description: z.string().optional(),
};
const shared = {
  connectTimeoutMs: timeoutMs.optional().describe('How long connecting and listing tools may take, in milliseconds.'),
  callTimeoutMs: timeoutMs.optional().describe('How long one tool call may take, in milliseconds.'),
};

export const StdioServerSchema = z
  .strictObject({
    ...notes,
    command: z.string().min(1).describe('The program to start. "node" is the Node running enclave-mcp; ./ and ../ are relative to the manifest.'),
    args: z.array(z.string()).optional().describe('Arguments; ones starting with ./ or ../ are relative to the manifest.'),
    env: z
      .record(z.string().regex(ENV_NAME_RE, 'an environment variable name is not empty and has no "="'), z.string())
      .optional()
      .describe('Environment of the server. Values may use ${env:NAME}; ./ and ../ values are relative to the manifest.'),
    cwd: z.string().min(1).optional().describe('Working folder of the server, relative to the manifest.'),
    ...shared,
  })
  .describe('A server started as a child process, spoken to over stdio.');

export const HttpServerSchema = z
  .strictObject({
    ...notes,
    // Not z.url(): the URL is checked after ${env:…} substitution, and editors would flag "${env:URL}" as invalid.
    url: z.string().min(1).describe('An http:// or https:// URL; may use ${env:NAME}.'),
    transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
    headers: z
      .record(z.string().regex(HEADER_NAME_RE, "a header name is an HTTP token (letters, digits and !#$%&'*+.^_`|~-)"), z.string())
      .optional()
      .describe('Request headers, e.g. "Authorization": "Bearer ${env:TOKEN}".'),
    ...shared,
  })
  .describe('A remote server spoken to over HTTP.');

export const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]);

const pattern = z.string().regex(PATTERN_RE, PATTERN_HELP);
/** A record keyed by tool patterns: zod checks a record's keys like its values. */
const patternKey = z
  .string()
  .regex(PATTERN_RE, PATTERN_HELP)
  .regex(/^(?!__proto__$)/);

/** Trust policy (DESIGN §6): data-flow labels, human approval, per-tool limits and tool pinning. Every key optional. */
const policyKeys = {
  labels: z
    .record(patternKey, z.array(z.enum(LABELS)).min(1))
    .optional()
    .describe('Labels by tool pattern: data a "sensitive" tool returned may not reach the arguments of an "egress" tool in the same execution.'),
  flows: z
    .array(z.strictObject({ from: pattern, to: pattern }))
    .optional()
    .describe('Pairs of tools (patterns) between which sensitive data may flow after all.'),
  flowTracking: z
    .enum(['values', 'calls'])
    .default('values')
    .describe(
      '"values" (default): an egress call is refused when its arguments carry data a sensitive tool returned (also case-changed, JSON-, URI-, base64- or hex-encoded). "calls": refused once any sensitive tool was called in the execution, whatever the arguments.',
    ),
  flowMinLength: z
    .number()
    .int()
    .min(4)
    .max(64)
    .default(8)
    .describe(
      'Shortest run of letters and digits of sensitive data that counts as the data when found in egress arguments (default 8: a 9-digit number is tracked, and so is an 8-letter word such as "customer"; raise it for free-text sources).',
    ),
  approve: z.array(pattern).optional().describe('Tools whose calls wait for a person to approve them (MCP elicitation; on the terminal for `run`).'),
  noApproval: z
    .array(pattern)
    .optional()
    .describe('Tools annotated destructiveHint: true that may run without asking (approval is asked for such tools unless listed here).'),
  unattended: z
    .array(z.string().min(1))
    .optional()
    .describe('Callers that may run approval-needing calls without being asked: principal names, or "*" for everyone.'),
  approvalTimeoutMs: timeoutMs.optional().describe('How long a person has to answer an approval request (default 120000).'),
  toolLimits: z
    .record(patternKey, z.strictObject({ maxCalls: z.number().int().nonnegative().describe('Calls allowed per execution.') }))
    .optional()
    .describe('Per-tool limits for one execution, by tool pattern; the smallest limit of the patterns a tool matches applies.'),
  pins: z
    .record(z.string().regex(/^(?!__proto__$)[^:]+:.+$/, 'a pinned tool is named "server:tool"'), z.string().min(8))
    .optional()
    .describe('Written by `enclave-mcp tools --pin`: a hash per tool of its name, description and schemas. A tool whose definition changed is withheld.'),
  pinNewTools: z.boolean().default(true).describe('With pins, tools that have no pin yet are withheld until pinned (default true).'),
};

/** A principal or token name: used in logs, metrics labels and `unattended`. */
const PRINCIPAL_NAME_RE = /^(?!__proto__$)[A-Za-z0-9_.@-]{1,64}$/;
const principalName = z.string().regex(PRINCIPAL_NAME_RE, 'a name is 1 to 64 letters, digits, _ . @ or -');
// Checked again after ${env:…} substitution (manifest.ts): here a value may still be "${env:ISSUER}".
const httpUrl = z.string().regex(/^(https?:\/\/\S+|.*\$\{env:.*)$/, 'an http:// or https:// URL (or ${env:NAME})');

export const OAuthSchema = z
  .strictObject({
    ...notes,
    issuer: httpUrl.describe("The authorization server's issuer identifier: tokens must carry it as `iss`."),
    audience: httpUrl.optional().describe("The audience tokens must carry (`aud`): this server's canonical resource URI. Default: --public-url + /mcp."),
    jwksUri: httpUrl.optional().describe("Where the issuer's signing keys are (default: from the issuer's metadata)."),
    requiredScopes: z.array(z.string().min(1)).default([]).describe('Scopes every token must hold.'),
    playgroundClientId: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The playground's client id at the issuer (a public client, redirect URI <public-url>/), for an issuer without dynamic client registration. Absent: the page registers itself.",
      ),
    introspection: z
      .strictObject({
        url: httpUrl.describe('The RFC 7662 introspection endpoint.'),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1).describe('May use ${env:NAME}.'),
      })
      .nullable()
      .optional()
      .describe('Check opaque (non-JWT) tokens with the issuer instead; null or absent: JWTs only.'),
  })
  .describe('OAuth 2.1 access tokens, per the MCP authorization specification.');

export const AuthSchema = z
  .strictObject({
    ...notes,
    tokens: z
      .record(principalName, z.string().min(1))
      .optional()
      .describe('Static bearer tokens by name, e.g. "ci-bot": "${env:CI_BOT_TOKEN}"; a principal matches one by name.'),
    oauth: OAuthSchema.optional(),
  })
  .describe('Who may call this server over HTTP, besides --token.');

const QuotaSchema = z
  .strictObject({
    perMinute: z.number().int().positive().optional().describe('Executions this principal may start per minute.'),
    concurrent: z.number().int().positive().optional().describe('Executions this principal may run at once.'),
  })
  .describe("A principal's quota; beyond it, QUOTA_EXCEEDED.");

const MatchSchema = z
  .strictObject({
    token: principalName.optional().describe('The name of a token in auth.tokens.'),
    sub: z.string().min(1).optional().describe('An OAuth subject.'),
    client_id: z.string().min(1).optional().describe('An OAuth client id.'),
    scope: z.string().min(1).optional().describe('An OAuth scope the token must hold.'),
    group: z.string().min(1).optional().describe("A group the token's `groups` claim must hold."),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'match names at least one of token, sub, client_id, scope, group' })
  .describe('Who this principal is: every key given must hold.');

export const PrincipalSchema = z
  .strictObject({
    ...notes,
    match: MatchSchema,
    allow: z.array(pattern).optional().describe("Narrows the manifest's allow: a tool must be allowed by both."),
    deny: z.array(pattern).optional().describe("Added to the manifest's deny."),
    securityLevel: z.enum(SECURITY_LEVELS).optional().describe("The level this principal's scripts run at: as strict as the manifest's or stricter."),
    limits: LimitsOverrideSchema.optional().describe("Limits for this principal's scripts: at most the manifest's."),
    quota: QuotaSchema.optional(),
  })
  .describe('Who is calling and what they may do. The first principal whose match holds is the caller.');

export const ManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    $comment: z.string().optional(),
    securityLevel: z.enum(SECURITY_LEVELS).default('STRICT'),
    limits: LimitsOverrideSchema.default({}).describe("Overrides of the security level's limits."),
    servers: z
      .record(z.string().regex(SERVER_NAME_RE, 'a server name is 1 to 64 letters, digits, _ or -'), ServerSchema)
      .default({})
      .describe('Downstream MCP servers by name; a script calls their tools as "name:tool".'),
    allow: z
      .array(z.string().regex(PATTERN_RE, PATTERN_HELP))
      .default([])
      .describe('Tools a script may call, as "server:tool" globs. Nothing is allowed unless a pattern allows it.'),
    deny: z.array(z.string().regex(PATTERN_RE, PATTERN_HELP)).default([]).describe('Tools a script may never call, even when allowed: deny wins.'),
    ...policyKeys,
    auth: AuthSchema.optional(),
    principals: z
      .record(principalName, PrincipalSchema)
      .optional()
      .describe("Callers by name. Without principals, every valid token gets the manifest's tools; with them, a token that matches none is refused (403)."),
    quotaStore: z
      .strictObject({
        redis: z
          .string()
          .regex(/^(rediss?:\/\/\S+|.*\$\{env:.*)$/, 'a redis:// or rediss:// URL (or ${env:NAME})')
          .describe('May use ${env:NAME}.'),
      })
      .optional()
      .describe('Where quotas are counted, so replicas share them (default: in this process).'),
  })
  .meta({ title: 'enclave-mcp manifest', description: 'Downstream MCP servers and the tools scripts may call.' });

export type Manifest = z.output<typeof ManifestSchema>;
export type ServerConfig = z.output<typeof ServerSchema>;
export type StdioServer = z.output<typeof StdioServerSchema>;
export type HttpServer = z.output<typeof HttpServerSchema>;

export function isHttpServer(server: ServerConfig): server is HttpServer {
  return 'url' in server;
}

/** The keys an object at this JSON path may have, to list beside an unknown one. */
export function knownKeys(path: readonly PropertyKey[], document: unknown): string[] {
  if (path.length === 0) return Object.keys(ManifestSchema.shape);
  if (path.length === 1 && path[0] === 'limits') return Object.keys(LimitsOverrideSchema.shape);
  if (path.length === 2 && path[0] === 'servers') {
    const server = (document as { servers?: Record<string, unknown> }).servers?.[String(path[1])];
    const http = typeof server === 'object' && server !== null && 'url' in server;
    return Object.keys((http ? HttpServerSchema : StdioServerSchema).shape);
  }
  return [];
}

/** manifests/manifest.schema.json, as written by scripts/gen-manifest-schema.ts: the schema of what one writes. */
export function manifestJsonSchema(): string {
  const schema = z.toJSONSchema(ManifestSchema, { io: 'input', target: 'draft-07' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
