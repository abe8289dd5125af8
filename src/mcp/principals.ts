// Who may do what (DESIGN §6 `principals`): an authenticated Identity is matched to the first principal whose
// `match` holds, and that principal narrows the manifest (its tools, level, limits) and carries its quota.
// Without `principals`, every authenticated caller is the operator and gets the manifest as it is.
import { type Limits, resolveLimits, type SecurityLevel } from '../enclave/index.js';
import { Allowlist } from '../tool-bridge/allowlist.js';
import type { Manifest } from '../tool-bridge/manifest.js';
import type { Identity } from './identity.js';

import type { Quota } from './quota.js';

export interface Principal {
  /** The principal's name in the manifest; "operator" for stdio, the server's --token, or a manifest without principals. */
  readonly name: string;
  /** Narrows the manifest's allow/deny; undefined: the manifest's tools, no narrowing. */
  readonly allows?: (tool: string) => boolean;
  readonly securityLevel?: SecurityLevel;
  /** Overrides of the run's limits, each at most the manifest's. */
  readonly limits?: Partial<Limits>;
  readonly quota?: Quota;
}

export const OPERATOR_PRINCIPAL: Principal = Object.freeze({ name: 'operator' });

type PrincipalConfig = NonNullable<Manifest['principals']>[string];

/** Does every key of the principal's `match` hold for this identity? */
function matches(match: PrincipalConfig['match'], identity: Identity): boolean {
  if (match.token !== undefined && !(identity.kind === 'token' && identity.name === match.token)) return false;
  const claims = [match.sub, match.client_id, match.scope, match.group].some((v) => v !== undefined);
  if (!claims) return match.token !== undefined;
  if (identity.kind !== 'oauth') return false;
  if (match.sub !== undefined && identity.subject !== match.sub) return false;
  if (match.client_id !== undefined && identity.clientId !== match.client_id) return false;
  if (match.scope !== undefined && !identity.scopes.includes(match.scope)) return false;
  if (match.group !== undefined && !identity.groups.includes(match.group)) return false;
  return true;
}

/** The manifest's limits at `level`, each lowered to the principal's where it asks for less (never raised). */
function narrowedLimits(manifest: Manifest, level: SecurityLevel, own: PrincipalConfig['limits']): Partial<Limits> | undefined {
  if (!own && level === manifest.securityLevel) return undefined;
  const base = resolveLimits(manifest.securityLevel, manifest.limits);
  const atLevel = resolveLimits(level, manifest.limits);
  const out: Partial<Record<keyof Limits, number>> = {};
  for (const key of Object.keys(base) as (keyof Limits)[]) {
    const wanted = own?.[key];
    out[key] = Math.min(base[key], atLevel[key], wanted ?? Number.POSITIVE_INFINITY);
  }
  return out as Partial<Limits>;
}

function principalOf(manifest: Manifest, name: string, config: PrincipalConfig): Principal {
  const own = config.allow || config.deny ? new Allowlist(config.allow ?? ['*:*'], config.deny ?? []) : undefined;
  const level = config.securityLevel ?? manifest.securityLevel;
  const limits = narrowedLimits(manifest, level, config.limits);
  return Object.freeze({
    name,
    ...(own ? { allows: (tool: string) => own.isAllowed(tool) } : {}),
    ...(config.securityLevel ? { securityLevel: config.securityLevel } : {}),
    ...(limits ? { limits } : {}),
    ...(config.quota ? { quota: { ...config.quota } } : {}),
  });
}

export class Principals {
  readonly #list: ReadonlyArray<[PrincipalConfig['match'], Principal]>;
  readonly #configured: boolean;

  constructor(manifest: Manifest) {
    const entries = Object.entries(manifest.principals ?? {});
    this.#configured = entries.length > 0;
    this.#list = entries.map(([name, config]) => [config.match, principalOf(manifest, name, config)]);
  }

  /** Whether the manifest names principals (then a caller that matches none is refused). */
  get configured(): boolean {
    return this.#configured;
  }

  /**
   * The principal this identity acts as; undefined when principals are configured and none matches (403). The
   * operator (stdio, --token) always gets the manifest's own tools: whoever holds the server's token runs it.
   */
  match(identity: Identity): Principal | undefined {
    if (identity.kind === 'operator' || !this.#configured) return OPERATOR_PRINCIPAL;
    return this.#list.find(([match]) => matches(match, identity))?.[1];
  }
}
