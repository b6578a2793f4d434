/** Account status: a compromise report blocks password sign-in until a reset through a verified channel. */
export type CustomerStatus = 'active' | 'blocked-compromise' | 'closed';

/**
 * A customer: one account for every product. `subject_id` is the id every
 * other module knows the person by. Contacts are kept as a blind index (for
 * lookups) and a ciphertext under the customer's own data key; no personal
 * field is in clear.
 */
export interface CustomerTable {
  subject_id: string;
  email_index: Buffer | null;
  email_enc: Buffer | null;
  email_verified: number;
  phone_index: Buffer | null;
  phone_enc: Buffer | null;
  phone_verified: number;
  name_enc: Buffer | null;
  /** Preferred language of mail and screens (`uz-Cyrl`, `uz-Latn`, `ru`, `en`): not personal. */
  locale: string | null;
  /** OPAQUE registration record; the password never reaches the server. */
  opaque_record: string | null;
  status: CustomerStatus;
  created_at: number;
  updated_at: number;
}

export interface CustomerSessionTable {
  /** Public id, for the session list; the token is never shown again. */
  id: string;
  /** SHA-256 of the cookie's token. */
  token_hash: Buffer;
  subject_id: string;
  created_at: number;
  /** When the customer last proved the password in this session: step-up checks it. */
  authenticated_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  device_id: string | null;
  /** Client address and device summary, encrypted under the customer's key. */
  ip_enc: Buffer | null;
  device_enc: Buffer | null;
}

export type SigninResult = 'success' | 'failed' | 'blocked';

export interface SigninHistoryTable {
  id: string;
  subject_id: string;
  at: number;
  /** The login strategy id (`opaque`, later `passkey`). */
  method: string;
  result: SigninResult;
  new_device: number;
  ip_enc: Buffer | null;
  device_enc: Buffer | null;
}

export type VerificationPurpose = 'signup' | 'reset' | 'contact';
export type ChannelId = 'email' | 'sms';

/** A one-time code sent to an e-mail address or phone: hashed, short-lived, few tries, single use. */
export interface VerificationTable {
  id: string;
  purpose: VerificationPurpose;
  /** The customer it is for; for a sign-up, the subject id the new account will get. */
  subject_id: string;
  channel: ChannelId;
  contact_index: Buffer;
  contact_enc: Buffer;
  /** HMAC of the code under a server secret and this row's id. */
  code_hash: Buffer;
  attempts: number;
  created_at: number;
  expires_at: number;
  /** Set when the right code was given; the follow-up step must come before `expires_at`. */
  verified_at: number | null;
  used_at: number | null;
}

/** A browser the customer has signed in from, known by the hash of its long-lived device cookie. */
export interface CustomerDeviceTable {
  id: string;
  subject_id: string;
  device_hash: Buffer;
  first_seen_at: number;
  last_seen_at: number;
}

/** Notices shown in the cabinet (a sign-in from a new device, …); the body is encrypted JSON. */
export interface CustomerNoticeTable {
  id: string;
  subject_id: string;
  kind: string;
  body_enc: Buffer;
  created_at: number;
  read_at: number | null;
}

/** One-click links sent to customers ("this wasn't me"), stored hashed, single use. */
export interface ActionLinkTable {
  token_hash: Buffer;
  subject_id: string;
  purpose: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface IncidentTable {
  id: string;
  subject_id: string;
  kind: string;
  /** `cabinet` or `link`. */
  source: string;
  created_at: number;
  status: 'open' | 'closed';
}

/** Every change of a personal field; old and new values encrypted under the customer's key. */
export interface ProfileHistoryTable {
  id: string;
  subject_id: string;
  field: string;
  old_enc: Buffer | null;
  new_enc: Buffer | null;
  changed_at: number;
  /** Who changed it: `customer`, `reset`, … */
  source: string;
}

/** SMS sent in one clock hour, for all numbers (`all`) or one calling code abroad (`+7`). */
export interface SmsCountTable {
  window_start: number;
  scope: string;
  sent: number;
}

export interface IdentityTables {
  customers: CustomerTable;
  customer_sessions: CustomerSessionTable;
  signin_history: SigninHistoryTable;
  verifications: VerificationTable;
  customer_devices: CustomerDeviceTable;
  customer_notices: CustomerNoticeTable;
  action_links: ActionLinkTable;
  incidents: IncidentTable;
  profile_history: ProfileHistoryTable;
  sms_counts: SmsCountTable;
}
