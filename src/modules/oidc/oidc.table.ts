/**
 * What oidc-provider stores (sessions, interactions, grants, codes, tokens), one
 * row per model instance, and the registered relying parties. The columns beside
 * the JSON payload are the provider's lookup keys and ours: every grant and token
 * of a customer is found by `account_id` or `grant_id`, every one of a client by
 * `client_id`.
 */
export interface OidcModelTable {
  kind: string;
  id: string;
  /** The provider's payload, JSON. Holds ids and scopes, never contact data (claims come from identity). */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  client_id: string | null;
  /** Milliseconds; null means no expiry. */
  expires_at: number | null;
  consumed_at: number | null;
}

export type OidcClientSource = 'config' | 'admin';

export interface OidcClientTable {
  client_id: string;
  /** The OIDC client metadata (snake_case, as the provider reads it), JSON. */
  metadata: string;
  source: OidcClientSource;
  created_at: number;
  created_by: string;
}

export interface OidcTables {
  oidc_models: OidcModelTable;
  oidc_clients: OidcClientTable;
}
