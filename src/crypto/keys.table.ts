export interface SubjectKeyTable {
  subject_id: string;
  /** Which key-encryption key wraps `wrapped_dek`. */
  kek_id: string;
  /** The subject's data key wrapped by the KEK; null once shredded. */
  wrapped_dek: Buffer | null;
  created_at: number;
  shredded_at: number | null;
}

/** Server secrets (the audit signing key, the OPAQUE server setup, …) wrapped by the KEK. */
export interface SecretTable {
  name: string;
  kek_id: string;
  wrapped: Buffer;
  created_at: number;
}

export interface KeyTables {
  subject_keys: SubjectKeyTable;
  secrets: SecretTable;
}
