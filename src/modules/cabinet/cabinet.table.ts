/**
 * The personal cabinet (§4, §5): data class `cabinet`. Nothing a person wrote
 * or a product stored is in clear: keys are a blind index plus a ciphertext,
 * values and reasons are sealed under the customer's own data key, so
 * crypto-shredding that key makes every record unreadable.
 */

/** A product the customer allowed to write into the cabinet. Unlinking deletes the row; the records stay. */
export interface CabinetLinkTable {
  customer_id: string;
  product_id: string;
  linked_at: number;
}

export interface CabinetRecordTable {
  id: string;
  customer_id: string;
  product_id: string;
  /** HMAC of customer, product and key: finds a record by key without the key in clear. */
  key_index: Buffer;
  /** `{ key, kind, value }` as JSON, sealed under the customer's key, bound to product and record id. */
  body_enc: Buffer;
  created_at: number;
  updated_at: number;
}

/** The customer's permission for one staff member, or everyone holding a role, to read part of the cabinet. */
export interface CabinetGrantTable {
  id: string;
  customer_id: string;
  grantee_staff_id: string | null;
  grantee_role: string | null;
  /** JSON array of product ids; empty means every product. */
  product_ids: string;
  /** The customer's reason, sealed under the customer's key. */
  reason_enc: Buffer;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** "Who looked at my data": one row per staff read under a grant, shown to the customer. */
export interface CabinetAccessTable {
  id: string;
  customer_id: string;
  grant_id: string;
  staff_id: string;
  at: number;
  /** The route the read came through (its pattern, no values). */
  route: string;
  /** JSON array of the product ids whose records the read returned. */
  product_ids: string;
}

export interface CabinetTables {
  cabinet_links: CabinetLinkTable;
  cabinet_records: CabinetRecordTable;
  cabinet_grants: CabinetGrantTable;
  cabinet_access_log: CabinetAccessTable;
}
