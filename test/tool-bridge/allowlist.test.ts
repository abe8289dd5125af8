// The allow/deny policy over `server:tool` names and its "did you mean" (DESIGN §6).
import { describe, expect, it } from 'vitest';
import { Allowlist, globMatch, suggest } from '../../src/tool-bridge/allowlist.js';
import { ConfigError } from '../../src/shared/index.js';
import { cpuTimed } from '../cpu-time.js';

const allowed = (allow: string[], deny: string[], name: string): boolean => new Allowlist(allow, deny).isAllowed(name);

describe('Allowlist', () => {
  it('allows nothing by default: an empty allow allows no tool, not even with nothing denied', () => {
    expect(allowed([], [], 'memory:read_graph')).toBe(false);
    expect(new Allowlist([]).isAllowed('a:b')).toBe(false);
  });

  it('allows what a pattern allows', () => {
    expect(allowed(['memory:read_graph'], [], 'memory:read_graph')).toBe(true);
    expect(allowed(['memory:*'], [], 'memory:create_entities')).toBe(true);
  });

  it('deny wins over allow', () => {
    expect(allowed(['memory:*'], ['memory:delete_*'], 'memory:delete_entities')).toBe(false);
    expect(allowed(['memory:delete_entities'], ['memory:delete_entities'], 'memory:delete_entities')).toBe(false);
    expect(allowed(['memory:*'], ['memory:delete_*'], 'memory:read_graph')).toBe(true);
  });

  it('anchors patterns at both ends', () => {
    expect(allowed(['memory:read'], [], 'memory:read_graph')).toBe(false);
    expect(allowed(['memory:graph'], [], 'memory:read_graph')).toBe(false);
    expect(allowed(['emory:read_graph'], [], 'memory:read_graph')).toBe(false);
    expect(allowed(['memory:read_graph'], [], 'xmemory:read_graph')).toBe(false);
  });

  it('* matches any run of characters, including none; ? exactly one', () => {
    expect(allowed(['memory:read_*'], [], 'memory:read_')).toBe(true);
    expect(allowed(['*:*_graph'], [], 'memory:read_graph')).toBe(true);
    expect(allowed(['memory:read_grap?'], [], 'memory:read_graph')).toBe(true);
    expect(allowed(['memory:read_grap?'], [], 'memory:read_grap')).toBe(false);
    expect(allowed(['memory:read_gr?'], [], 'memory:read_graph')).toBe(false);
    expect(allowed(['m?mory:*'], [], 'memory:x')).toBe(true);
  });

  it('* never crosses from the server half into the tool half; in the tool half it matches any tool name', () => {
    expect(allowed(['a*:c'], [], 'a:b:c')).toBe(false); // a crossing `*` would take "a:b" as the server
    expect(allowed(['*:*'], [], 'a:b:c')).toBe(true);
    expect(allowed(['mem*:*'], [], 'memory-admin:x')).toBe(true); // only because the server glob says so
    expect(allowed(['memory:*'], [], 'memory-admin:x')).toBe(false);
  });

  it('treats regular-expression metacharacters as literal characters', () => {
    expect(allowed(['memory:read.graph'], [], 'memory:read_graph')).toBe(false);
    expect(allowed(['memory:read.graph'], [], 'memory:read.graph')).toBe(true);
    expect(allowed(['s:t(1)+'], [], 's:t(1)+')).toBe(true);
    expect(allowed(['s:t(1)+'], [], 's:t11')).toBe(false);
    expect(allowed(['s:[ab]'], [], 's:a')).toBe(false);
    expect(allowed(['s:a|b'], [], 's:a')).toBe(false);
    expect(allowed(['s:^x$'], [], 's:^x$')).toBe(true);
    expect(allowed(['s:\\w'], [], 's:a')).toBe(false);
  });

  it('never allows a name without a server part', () => {
    expect(allowed(['*:*'], [], 'read_graph')).toBe(false);
  });

  it('rejects malformed patterns with a ConfigError at their place', () => {
    for (const bad of ['memory', '*', ':read', 'memory:', 'mem.ory:x', 'mem ory:x']) {
      const error = (() => {
        try {
          new Allowlist(['memory:*'], [bad]);
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'CONFIG_ERROR', path: 'deny[0]' });
    }
  });

  it('matches in time linear-ish in the name, whatever the pattern (no regex backtracking)', () => {
    const { value, ms } = cpuTimed(() => globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(20_000)));
    expect(value).toBe(false);
    expect(ms).toBeLessThan(2_000);
  });
});

describe('suggest', () => {
  const names = ['memory:read_graph', 'memory:search_nodes', 'memory:open_nodes', 'filesystem:read_text_file'];

  it('offers the closest names by edit distance', () => {
    expect(suggest('memory:read_grap', names)[0]).toBe('memory:read_graph');
    expect(suggest('memroy:search_nodes', names)[0]).toBe('memory:search_nodes');
  });

  it('matches the tool half alone, e.g. a name without its server', () => {
    expect(suggest('read_graph', names)).toEqual(['memory:read_graph']);
    expect(suggest('other:read_text_file', names)[0]).toBe('filesystem:read_text_file');
  });

  it('offers names whose tool half contains the asked one', () => {
    expect(suggest('memory:nodes', names)).toEqual(['memory:open_nodes', 'memory:search_nodes']);
  });

  it('offers nothing when nothing is close, and at most max names', () => {
    expect(suggest('weather:forecast', names)).toEqual([]);
    expect(suggest('memory:nodes', names, 1)).toHaveLength(1);
  });

  it('draws only from the names passed in; the Allowlist method only from names it allows', () => {
    expect(suggest('memory:delete_entities', ['memory:read_graph'])).toEqual([]);
    const policy = new Allowlist(['memory:*'], ['memory:delete_*']);
    expect(policy.suggest('memory:delete_entity', ['memory:delete_entities', 'memory:read_graph'])).toEqual([]);
    expect(policy.suggest('memory:read_grap', ['memory:delete_entities', 'memory:read_graph'])).toEqual(['memory:read_graph']);
  });

  it('stays fast on a huge name from a script', () => {
    expect(cpuTimed(() => suggest(`memory:${'x'.repeat(4_000_000)}`, names)).ms).toBeLessThan(500);
  });
});
