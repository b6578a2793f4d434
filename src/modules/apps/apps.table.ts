/** A product app's credential: what the app sends is never stored, only its SHA-256. */
export interface AppCredentialTable {
  id: string;
  product_id: string;
  label: string;
  /** Space-separated scopes. */
  scopes: string;
  secret_hash: Buffer;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AppTables {
  app_credentials: AppCredentialTable;
}
