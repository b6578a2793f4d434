import type { ColumnType } from 'kysely';

export type StaffRole = 'admin' | 'dpo' | 'legal' | 'support' | 'marketing' | 'security' | 'auditor';

export interface StaffTable {
  id: string;
  /** HMAC blind index of the normalised e-mail: lookups without a plaintext column. */
  email_index: Buffer;
  /** The e-mail, encrypted under the staff member's own data key. */
  email_enc: Buffer;
  display_name: string;
  /** JSON array of StaffRole. */
  roles: string;
  /** OPAQUE registration record (base64url); the password itself never reaches the server. */
  opaque_record: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

export interface StaffSessionTable {
  /** SHA-256 of the session token; the token itself is only in the cookie. */
  token_hash: Buffer;
  staff_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** 1 while the member has no second factor: the session may only enrol one (migration 0005). */
  factor_required: ColumnType<number, number | undefined, number>;
}

/** One-time links (the first administrator's set-up link, …), stored hashed. */
export interface SetupTokenTable {
  token_hash: Buffer;
  purpose: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Server-side OPAQUE login state between the two login round trips, encrypted, short-lived. */
export interface LoginStateTable {
  id: string;
  kind: string;
  state: Buffer;
  expires_at: number;
}

/** An administrator's invitation of a further staff member (migration 0010). */
export interface StaffInviteTable {
  /** Also the staff id the invitee gets: the e-mail is encrypted under its data key. */
  id: string;
  /** SHA-256 of the link's token; the token itself is only in the link. */
  token_hash: Buffer;
  email_index: Buffer;
  email_enc: Buffer;
  display_name: string;
  /** JSON array of StaffRole. */
  roles: string;
  /** Staff id of the administrator who invited. */
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

/** An administrator's reset of a member's sign-in (migration 0011). */
export interface StaffResetTable {
  id: string;
  staff_id: string;
  /** SHA-256 of the link's token; the token itself is only in the link. */
  token_hash: Buffer;
  /** Staff id of the administrator who issued it. */
  issued_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface StaffTables {
  login_states: LoginStateTable;
  staff_invites: StaffInviteTable;
  staff_resets: StaffResetTable;
  staff: StaffTable;
  staff_sessions: StaffSessionTable;
  setup_tokens: SetupTokenTable;
}
