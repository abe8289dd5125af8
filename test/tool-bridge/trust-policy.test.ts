// The trust policy's manifest keys (DESIGN §6) and their compiled questions: which labels a tool has, which flows
// are allowed, which calls need a person, which limit applies; and the mistakes a manifest can make in them.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/index.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { ToolPolicy } from '../../src/tool-bridge/policy.js';

const servers = { crm: { command: 'crm' }, gmail: { command: 'gmail' }, github: { command: 'gh' } };
const parse = (extra: object) => parseManifest({ servers, allow: ['*:*'], ...extra }, { baseDir: '/srv', env: {} });
const policy = (extra: object) => new ToolPolicy(parse(extra));

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('labels and flows', () => {
  const p = policy({
    labels: { 'crm:*': ['sensitive'], 'gmail:send_*': ['egress'], 'github:get_secret': ['sensitive', 'egress'] },
    flows: [{ from: 'crm:list_*', to: 'gmail:send_email' }],
  });
  it('answers by glob, a tool may carry both labels', () => {
    expect([p.has('crm:lookup', 'sensitive'), p.has('crm:lookup', 'egress')]).toEqual([true, false]);
    expect(p.has('gmail:send_email', 'egress')).toBe(true);
    expect(p.has('gmail:read_email', 'egress')).toBe(false);
    expect([p.has('github:get_secret', 'sensitive'), p.has('github:get_secret', 'egress')]).toEqual([true, true]);
    expect(p.unlabelled).toBe(false);
    expect(policy({}).unlabelled).toBe(true);
  });
  it('allows exactly the listed pairs', () => {
    expect(p.flowAllowed('crm:list_contacts', 'gmail:send_email')).toBe(true);
    expect(p.flowAllowed('crm:lookup', 'gmail:send_email')).toBe(false);
    expect(p.flowAllowed('crm:list_contacts', 'gmail:send_draft')).toBe(false);
  });
  it('tracks values of 8 letters and digits by default, calls when asked', () => {
    expect(p.flowTracking).toBe('values');
    expect(p.flowMinLength).toBe(8);
    expect(policy({ flowMinLength: 12 }).flowMinLength).toBe(12);
    expect(() => parse({ flowMinLength: 3 })).toThrow(ConfigError);
    expect(policy({ flowTracking: 'calls' }).flowTracking).toBe('calls');
  });
});

describe('approval', () => {
  const p = policy({ approve: ['github:merge_*'], noApproval: ['crm:delete_note'] });
  const destructive = { annotations: { destructiveHint: true } };
  it('asks for listed tools, and for tools annotated destructiveHint: true unless exempted', () => {
    expect(p.needsApproval('github:merge_pull_request', {})).toBe(true);
    expect(p.needsApproval('github:list_issues', {})).toBe(false);
    expect(p.needsApproval('crm:delete_contact', destructive)).toBe(true);
    expect(p.needsApproval('crm:delete_note', destructive)).toBe(false);
    // noApproval exempts annotations only: what the manifest lists in approve is always asked.
    expect(policy({ approve: ['crm:*'], noApproval: ['crm:*'] }).needsApproval('crm:x', {})).toBe(true);
  });
  it('counts only an explicit destructiveHint: true (the protocol defaults absent hints to destructive)', () => {
    expect(p.needsApproval('crm:update', {})).toBe(false);
    expect(p.needsApproval('crm:update', { annotations: { readOnlyHint: false } })).toBe(false);
    expect(p.needsApproval('crm:update', { annotations: { destructiveHint: false } })).toBe(false);
  });
  it('lets "*" in unattended skip it', () => {
    expect(p.unattended(undefined)).toBe(false);
    expect(policy({ unattended: ['*'] }).unattended(undefined)).toBe(true);
  });
  it('gives people two minutes unless told otherwise', () => {
    expect(p.approvalTimeoutMs).toBe(120_000);
    expect(policy({ approvalTimeoutMs: 30_000 }).approvalTimeoutMs).toBe(30_000);
  });
});

describe('per-tool limits', () => {
  it('applies the smallest limit among the matching patterns', () => {
    const p = policy({ toolLimits: { 'gmail:*': { maxCalls: 10 }, 'gmail:send_*': { maxCalls: 3 }, 'crm:x': { maxCalls: 0 } } });
    expect(p.maxCalls('gmail:send_email')).toBe(3);
    expect(p.maxCalls('gmail:read')).toBe(10);
    expect(p.maxCalls('crm:x')).toBe(0);
    expect(p.maxCalls('github:x')).toBeUndefined();
  });
});

describe('mistakes in the policy keys', () => {
  it.each([
    [{ approve: ['gmial:send'] }, 'approve[0]'],
    [{ noApproval: ['x:y'] }, 'noApproval[0]'],
    [{ labels: { 'crn:*': ['sensitive'] } }, 'labels["crn:*"]'],
    [{ toolLimits: { 'gmial:send': { maxCalls: 1 } } }, 'toolLimits["gmial:send"]'],
    [{ flows: [{ from: 'crm:*', to: 'gmial:send' }] }, 'flows[0].to'],
  ])('a pattern naming no server: %j', (extra, path) => {
    const e = configError(() => parse(extra));
    expect(e.path).toBe(path);
    expect(e.message).toContain('names no server');
  });

  it.each([
    [{ labels: { 'crm:*': ['secret'] } }, /labels/],
    [{ labels: { 'crm:*': [] } }, /labels/],
    [{ toolLimits: { 'crm:*': { maxCalls: -1 } } }, /maxCalls/],
    [{ toolLimits: { 'crm:*': { max: 1 } } }, /max/],
    [{ flowTracking: 'bytes' }, /flowTracking/],
    [{ approve: 'crm:*' }, /approve/],
    [{ pins: { notqualified: 'sha256-abcdefgh' } }, /pins/],
  ])('a wrong shape: %j', (extra, where) => {
    expect(configError(() => parse(extra)).message).toMatch(where);
  });

  it('unattended names "*" or a principal of the manifest', () => {
    const e = configError(() => parse({ unattended: ['ci-bot'] }));
    expect(e.path).toBe('unattended[0]');
    expect(e.message).toContain('"*"');
    const withPrincipal = { auth: { tokens: { bot: 'a-long-bot-token' } }, principals: { 'ci-bot': { match: { token: 'bot' } } } };
    expect(parse({ ...withPrincipal, unattended: ['ci-bot'] }).unattended).toEqual(['ci-bot']);
    expect(policy({ ...withPrincipal, unattended: ['ci-bot'] }).unattended('ci-bot')).toBe(true);
    expect(policy({ ...withPrincipal, unattended: ['ci-bot'] }).unattended('other')).toBe(false);
  });

  it('pins may name tools of servers no longer in the manifest (tools --pin must still load to rewrite them)', () => {
    expect(parse({ pins: { 'gone:tool': 'sha256-abcdefgh' } }).pins).toEqual({ 'gone:tool': 'sha256-abcdefgh' });
  });
});
