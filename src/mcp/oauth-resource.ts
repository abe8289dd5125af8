// This server as an OAuth protected resource: its canonical URI (`<public-url>/mcp`), the RFC 9728 metadata that
// names its authorization server, and the WWW-Authenticate challenges (RFC 6750 §3) that point clients at it.

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResource {
  /** The audience tokens must carry, and what clients request as their RFC 8707 `resource`. */
  readonly resource: string;
  /** Where clients read the metadata (the resource_metadata of every challenge). */
  readonly metadataUrl: string;
  /** Local paths that serve it: the RFC 9728 path for the resource, and the root form older clients try. */
  readonly paths: ReadonlySet<string>;
  /** The metadata document, as served. */
  readonly document: string;
  /** Scopes every token needs, named in challenges so clients ask for no more and no less. */
  readonly requiredScopes: readonly string[];
}

/** The canonical resource URI for a public base URL: `<public-url>/mcp`. */
export const canonicalResource = (publicUrl: string): string => `${publicUrl.replace(/\/+$/, '')}/mcp`;

export interface ResourceOptions {
  publicUrl: string;
  issuer: string;
  /** auth.oauth.audience, when the canonical URI is not `<public-url>/mcp`. */
  audience?: string;
  requiredScopes: readonly string[];
  /** More scopes clients may ask for (those principals match on), listed in scopes_supported. */
  otherScopes?: readonly string[];
}

export function protectedResource(options: ResourceOptions): ProtectedResource {
  const resource = options.audience ?? canonicalResource(options.publicUrl);
  const base = new URL(options.publicUrl);
  const mcpPath = `${base.pathname.replace(/\/+$/, '')}/mcp`; // where /mcp is, as clients see it (a proxy may add a prefix)
  const scopes = [...new Set([...options.requiredScopes, ...(options.otherScopes ?? [])])];
  const document = {
    resource,
    authorization_servers: [options.issuer],
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'enclave-mcp',
  };
  return Object.freeze({
    resource,
    metadataUrl: new URL(`${WELL_KNOWN}${mcpPath}`, base.origin).href,
    paths: new Set([WELL_KNOWN, `${WELL_KNOWN}/mcp`, `${WELL_KNOWN}${mcpPath}`]),
    document: JSON.stringify(document),
    requiredScopes: Object.freeze([...options.requiredScopes]),
  });
}

/** RFC 6750 allows only these in a quoted value; a reason is ours, but an issuer URL or scope comes from config. */
const quoted = (text: string): string => `"${text.replace(/[^\x20-\x7e]|["\\]/g, '')}"`;

export interface ChallengeOptions {
  error?: 'invalid_token' | 'insufficient_scope';
  description?: string;
}

/**
 * `Bearer realm=…, error=…, scope=…, resource_metadata=…, error_description=…`. The description comes last and never
 * holds `=`, since clients find parameters with a plain search (the SDK's does).
 */
export function challenge(resource: ProtectedResource | undefined, options: ChallengeOptions = {}): string {
  const parts = ['realm="enclave-mcp"'];
  if (options.error) parts.push(`error=${quoted(options.error)}`);
  if (resource && resource.requiredScopes.length > 0) parts.push(`scope=${quoted(resource.requiredScopes.join(' '))}`);
  if (resource) parts.push(`resource_metadata=${quoted(resource.metadataUrl)}`);
  if (options.description) parts.push(`error_description=${quoted(options.description.replace(/=/g, ' '))}`);
  return `Bearer ${parts.join(', ')}`;
}
