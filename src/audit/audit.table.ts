export interface AuditEntryTable {
  /** 0-based leaf index in the Merkle tree; contiguous, no gaps. */
  seq: number;
  at: number;
  /** Who acted: `staff:<id>`, `subject:<id>`, `app:<id>`, `system`. */
  actor: string;
  purpose: string | null;
  subject_id: string | null;
  action: string;
  target: string | null;
  /** JSON object; never holds personal data in clear. */
  details: string;
  /** SHA-256(0x00 || canonical entry bytes), RFC 6962 leaf hash. */
  leaf_hash: Buffer;
}

export interface AuditTreeHeadTable {
  tree_size: number;
  root_hash: Buffer;
  issued_at: number;
  /** Ed25519 signature over the tree head's canonical bytes. */
  signature: Buffer;
  /** First 16 hex digits of SHA-256 of the raw public key. */
  key_id: string;
  /** Raw 32-byte Ed25519 public key, so verification needs no access to the KEK. */
  public_key: Buffer;
}

export interface AuditTables {
  audit_entries: AuditEntryTable;
  audit_tree_heads: AuditTreeHeadTable;
}
