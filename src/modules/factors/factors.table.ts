/** Whose factor it is: the same store serves staff now and customers later. */
export type PrincipalKind = 'staff' | 'customer';

export type FactorType = 'totp' | 'passkey';

export interface AuthFactorTable {
  id: string;
  principal_kind: PrincipalKind;
  principal_id: string;
  type: FactorType;
  /** Shown in the factor list; chosen by the owner or a default, never personal data of others. */
  label: string;
  /** TOTP: the shared secret, encrypted under the principal's data key. */
  secret_enc: Buffer | null;
  /** TOTP: the last 30-second step accepted, so a code is good once. */
  last_step: number | null;
  /** Passkey: the credential id (base64url). */
  credential_id: string | null;
  /** Passkey: the COSE public key. */
  public_key: Buffer | null;
  /** Passkey: the signature counter last seen (0 for authenticators that keep none). */
  counter: number;
  /** Passkey: JSON array of transports the authenticator reported. */
  transports: string | null;
  created_at: number;
  last_used_at: number | null;
}

/** Single-use recovery codes, stored as SHA-256 hashes (they are random, 50+ bits). */
export interface RecoveryCodeTable {
  principal_kind: PrincipalKind;
  principal_id: string;
  code_hash: Buffer;
  created_at: number;
  used_at: number | null;
}

/** Sealed ceremony state (TOTP enrolment, WebAuthn challenges, a pending second step): short-lived, taken once. */
export interface FactorChallengeTable {
  id: string;
  kind: string;
  state: Buffer;
  expires_at: number;
}

export interface FactorTables {
  auth_factors: AuthFactorTable;
  recovery_codes: RecoveryCodeTable;
  factor_challenges: FactorChallengeTable;
}
