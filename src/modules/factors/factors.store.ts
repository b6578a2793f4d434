import type { Kysely, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type {
  AuthFactorTable,
  FactorChallengeTable,
  PrincipalKind,
  RecoveryCodeTable,
} from './factors.table.js';

/** Any handle: the read connection or a write transaction. */
type Handle = Kysely<Schema>;

export type FactorRow = Selectable<AuthFactorTable>;
export type RecoveryCodeRow = Selectable<RecoveryCodeTable>;
export type ChallengeRow = Selectable<FactorChallengeTable>;

export interface Principal {
  kind: PrincipalKind;
  id: string;
}

// ── factors ──────────────────────────────────────────────────────────────────

export async function insertFactor(db: Handle, row: FactorRow): Promise<void> {
  await db.insertInto('auth_factors').values(row).execute();
}

export async function listFactors(db: Handle, who: Principal): Promise<FactorRow[]> {
  return db
    .selectFrom('auth_factors')
    .selectAll()
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findFactor(db: Handle, who: Principal, id: string): Promise<FactorRow | undefined> {
  return db
    .selectFrom('auth_factors')
    .selectAll()
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findPasskeyByCredentialId(
  db: Handle,
  kind: PrincipalKind,
  credentialId: string,
): Promise<FactorRow | undefined> {
  return db
    .selectFrom('auth_factors')
    .selectAll()
    .where('principal_kind', '=', kind)
    .where('type', '=', 'passkey')
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
}

export async function deleteFactor(db: Handle, who: Principal, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('auth_factors')
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Removes the factors of `who` added at or after `since` (0: all), and the
 * recovery codes when they were issued then or no authenticator app is left
 * for them to stand in for; returns how many factors went.
 */
export async function deleteFactorsSince(db: Handle, who: Principal, since: number): Promise<number> {
  const removed = await db
    .deleteFrom('auth_factors')
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('created_at', '>=', since)
    .executeTakeFirst();
  const totpLeft = await db
    .selectFrom('auth_factors')
    .select('id')
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('type', '=', 'totp')
    .executeTakeFirst();
  await deleteRecoveryCodes(db, who, totpLeft ? since : 0);
  return Number(removed.numDeletedRows);
}

/**
 * Records `step` as used, only if it is later than the last one used: false
 * means the code's step was already spent (a replay), and nothing changed.
 */
export async function useTotpStep(db: Handle, id: string, step: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('auth_factors')
    .set({ last_step: step, last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Moves the counter forward only from the value the caller read, so two racing assertions cannot both pass. */
export async function usePasskey(
  db: Handle,
  id: string,
  expected: number,
  counter: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('auth_factors')
    .set({ counter, last_used_at: now })
    .where('id', '=', id)
    .where('counter', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ── recovery codes ───────────────────────────────────────────────────────────

export async function replaceRecoveryCodes(
  db: Handle,
  who: Principal,
  hashes: Buffer[],
  now: number,
): Promise<void> {
  await deleteRecoveryCodes(db, who);
  if (hashes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(
      hashes.map((code_hash) => ({
        principal_kind: who.kind,
        principal_id: who.id,
        code_hash,
        created_at: now,
        used_at: null,
      })),
    )
    .execute();
}

/** Removes the recovery codes of `who` issued at or after `since` (0: all). */
export async function deleteRecoveryCodes(db: Handle, who: Principal, since = 0): Promise<void> {
  await db
    .deleteFrom('recovery_codes')
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('created_at', '>=', since)
    .execute();
}

/** Spends one unused code; false when it is unknown or already spent. */
export async function useRecoveryCode(
  db: Handle,
  who: Principal,
  hash: Buffer,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Handle, who: Principal): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('principal_kind', '=', who.kind)
    .where('principal_id', '=', who.id)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ── ceremony state ───────────────────────────────────────────────────────────

export async function insertChallenge(db: Handle, row: ChallengeRow): Promise<void> {
  await db.insertInto('factor_challenges').values(row).execute();
}

/** Deletes and returns the state: a challenge answers one request, whatever its outcome. */
export async function takeChallenge(db: Handle, id: string, kind: string): Promise<ChallengeRow | undefined> {
  const row = await db
    .selectFrom('factor_challenges')
    .selectAll()
    .where('id', '=', id)
    .where('kind', '=', kind)
    .executeTakeFirst();
  if (!row) return undefined;
  const taken = await db.deleteFrom('factor_challenges').where('id', '=', id).executeTakeFirst();
  return Number(taken.numDeletedRows) === 1 ? row : undefined;
}

export async function deleteExpiredChallenges(db: Handle, now: number): Promise<void> {
  await db.deleteFrom('factor_challenges').where('expires_at', '<=', now).execute();
}
