// Who a request comes from, as authentication established it. Principals (what a caller may do) are matched on it.
// Kept apart from how it was established, so stdio, the server token, named tokens and OAuth all end in one shape.

export type Identity =
  /** stdio, or the server's own --token / ENCLAVE_MCP_TOKEN: the operator, with the manifest's tools. */
  | { readonly kind: 'operator' }
  /** A named static token of auth.tokens. */
  | { readonly kind: 'token'; readonly name: string }
  /** An OAuth access token that passed every check (signature or introspection, issuer, audience, time, scopes). */
  | {
      readonly kind: 'oauth';
      readonly subject?: string;
      readonly clientId?: string;
      readonly scopes: readonly string[];
      readonly groups: readonly string[];
    };

export const OPERATOR: Identity = Object.freeze({ kind: 'operator' });

/**
 * A stable key for "the same caller": a session opened by one caller must not be used by another (a request on it
 * with a different identity is refused). OAuth tokens are re-issued, so the key is who, not which token.
 */
export function identityKey(identity: Identity): string {
  switch (identity.kind) {
    case 'operator':
      return 'operator';
    case 'token':
      return `token:${identity.name}`;
    case 'oauth':
      return `oauth:${JSON.stringify([identity.subject ?? null, identity.clientId ?? null])}`;
  }
}
