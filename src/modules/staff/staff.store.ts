import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type {
  LoginStateTable,
  SetupTokenTable,
  StaffInviteTable,
  StaffResetTable,
  StaffRole,
  StaffSessionTable,
  StaffTable,
} from './staff.table.js';

/** Any handle: the read connection or a write transaction. */
type Handle = Kysely<Schema>;

export type StaffRow = Selectable<StaffTable>;
export type StaffSessionRow = Selectable<StaffSessionTable>;
export type LoginStateRow = Selectable<LoginStateTable>;
export type StaffInviteRow = Selectable<StaffInviteTable>;

export function parseRoles(json: string): StaffRole[] {
  return JSON.parse(json) as StaffRole[];
}

// ── staff ────────────────────────────────────────────────────────────────────

export async function insertStaff(db: Handle, row: StaffRow): Promise<void> {
  await db.insertInto('staff').values(row).execute();
}

export async function findStaffById(db: Handle, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findStaffByEmailIndex(db: Handle, emailIndex: Buffer): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('email_index', '=', emailIndex).executeTakeFirst();
}

export async function listStaff(db: Handle): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Whether an active administrator other than `staffId` remains: the last one is never removed. */
export async function otherActiveAdminExists(db: Handle, staffId: string): Promise<boolean> {
  return (await listActiveAdminIds(db)).some((id) => id !== staffId);
}

/** Ids of active staff members who hold the admin role. */
export async function listActiveAdminIds(db: Handle): Promise<string[]> {
  // Roles are a short JSON array; filtering here keeps the query portable.
  const rows = await db.selectFrom('staff').select(['id', 'roles']).where('status', '=', 'active').execute();
  return rows.filter((r) => parseRoles(r.roles).includes('admin')).map((r) => r.id);
}

/**
 * Row-locks every active administrator on PostgreSQL (a no-op update), so two
 * concurrent role changes cannot each see the other admin and both demote. On
 * SQLite writes are serialised anyway. Call first in the transaction.
 */
export async function lockActiveAdmins(trx: Handle): Promise<void> {
  await trx
    .updateTable('staff')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('status', '=', 'active')
    .where('roles', 'like', '%"admin"%')
    .execute();
}

export async function updateStaffRoles(
  db: Handle,
  id: string,
  roles: StaffRole[],
  now: number,
): Promise<void> {
  await db
    .updateTable('staff')
    .set({ roles: JSON.stringify(roles), updated_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Moves the member from one status to the other (deactivating, or letting a
 * deactivated member sign in again); false when they were not in `from`.
 */
export async function changeStaffStatus(
  db: Handle,
  id: string,
  change: { from: 'active' | 'disabled'; to: 'active' | 'disabled' },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('staff')
    .set({ status: change.to, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', change.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every live session of the member; returns how many. */
export async function revokeSessionsOf(db: Handle, staffId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: now })
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ── invitations ──────────────────────────────────────────────────────────────

export async function insertInvite(db: Handle, row: StaffInviteRow): Promise<void> {
  await db.insertInto('staff_invites').values(row).execute();
}

export async function findInviteByToken(db: Handle, tokenHash: Buffer): Promise<StaffInviteRow | undefined> {
  return db.selectFrom('staff_invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Invitations neither accepted nor revoked nor expired. */
export async function listPendingInvites(db: Handle, now: number): Promise<StaffInviteRow[]> {
  return db
    .selectFrom('staff_invites')
    .selectAll()
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** A pending invitation for this e-mail, if any. */
export async function findPendingInviteByEmail(
  db: Handle,
  emailIndex: Buffer,
  now: number,
): Promise<StaffInviteRow | undefined> {
  return db
    .selectFrom('staff_invites')
    .selectAll()
    .where('email_index', '=', emailIndex)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Revokes a pending invitation; false when none by this id is pending. */
export async function revokeInvite(db: Handle, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('staff_invites')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Marks the invitation accepted if it is still pending and returns it. A
 * conditional update, so of two concurrent acceptances only one gets the row.
 */
export async function acceptInvite(
  db: Handle,
  tokenHash: Buffer,
  now: number,
): Promise<StaffInviteRow | undefined> {
  const result = await db
    .updateTable('staff_invites')
    .set({ accepted_at: now })
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return findInviteByToken(db, tokenHash);
}

// ── sign-in resets ───────────────────────────────────────────────────────────

export type StaffResetRow = Selectable<StaffResetTable>;

export async function insertReset(db: Handle, row: StaffResetRow): Promise<void> {
  await db.insertInto('staff_resets').values(row).execute();
}

/**
 * Ends the member's pending resets, expired ones included (only the newest link
 * works); how many there were.
 */
export async function revokePendingResets(db: Handle, staffId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('staff_resets')
    .set({ revoked_at: now })
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Whether the member is locked out by a sign-in reset: one was issued and
 * neither used nor revoked. Expired, it still locks them out (an administrator
 * issues a new link). Such a member is `disabled` as a deactivated one is; this
 * is what tells the two apart.
 */
export async function hasPendingReset(db: Handle, staffId: string): Promise<boolean> {
  const row = await db
    .selectFrom('staff_resets')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Ends the invitations and resets a member issued that are still pending: a
 * link must not outlive its issuer's standing as an administrator. How many.
 */
export async function revokeLinksIssuedBy(db: Handle, staffId: string, now: number): Promise<number> {
  const invites = await db
    .updateTable('staff_invites')
    .set({ revoked_at: now })
    .where('invited_by', '=', staffId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const resets = await db
    .updateTable('staff_resets')
    .set({ revoked_at: now })
    .where('issued_by', '=', staffId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(invites.numUpdatedRows) + Number(resets.numUpdatedRows);
}

/** The reset of a token while it is usable: not used, not revoked, not expired. */
export async function findUsableReset(
  db: Handle,
  tokenHash: Buffer,
  now: number,
): Promise<StaffResetRow | undefined> {
  return db
    .selectFrom('staff_resets')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Takes the reset for use, once: a second, concurrent use finds it used. */
export async function useReset(
  db: Handle,
  tokenHash: Buffer,
  now: number,
): Promise<StaffResetRow | undefined> {
  const found = await findUsableReset(db, tokenHash, now);
  if (!found) return undefined;
  // Usable again in the update itself: a revocation committed since the read wins.
  const result = await db
    .updateTable('staff_resets')
    .set({ used_at: now })
    .where('id', '=', found.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? found : undefined;
}

/** A new password (OPAQUE record) for the member, who may sign in again. */
export async function replaceCredentials(
  db: Handle,
  staffId: string,
  opaqueRecord: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('staff')
    .set({ opaque_record: opaqueRecord, status: 'active', updated_at: now })
    .where('id', '=', staffId)
    .execute();
}

// ── one-time set-up tokens ───────────────────────────────────────────────────

export async function insertSetupToken(db: Handle, row: Selectable<SetupTokenTable>): Promise<void> {
  await db.insertInto('setup_tokens').values(row).execute();
}

export async function findSetupToken(
  db: Handle,
  tokenHash: Buffer,
): Promise<Selectable<SetupTokenTable> | undefined> {
  return db.selectFrom('setup_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Removes the unused tokens of a purpose: a new link replaces the old ones. */
export async function deleteUnusedSetupTokens(db: Handle, purpose: string): Promise<void> {
  await db.deleteFrom('setup_tokens').where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

/**
 * Marks the token used if it is still unused and unexpired; true when this call
 * consumed it. A conditional update, so of two concurrent callers only one wins.
 */
export async function consumeSetupToken(
  db: Handle,
  tokenHash: Buffer,
  purpose: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('setup_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ── sessions ─────────────────────────────────────────────────────────────────

export async function insertSession(db: Handle, row: Insertable<StaffSessionTable>): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export async function findSession(db: Handle, tokenHash: Buffer): Promise<StaffSessionRow | undefined> {
  return db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The session with what authorising a request needs of its staff member. */
export async function findSessionWithStaff(db: Handle, tokenHash: Buffer) {
  return db
    .selectFrom('staff_sessions')
    .innerJoin('staff', 'staff.id', 'staff_sessions.staff_id')
    .select([
      'staff_sessions.staff_id',
      'staff_sessions.last_seen_at',
      'staff_sessions.expires_at',
      'staff_sessions.revoked_at',
      'staff_sessions.created_at',
      'staff_sessions.factor_required',
      'staff.display_name',
      'staff.roles',
      'staff.status',
    ])
    .where('staff_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function touchSession(db: Handle, tokenHash: Buffer, now: number): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ last_seen_at: now })
    .where('token_hash', '=', tokenHash)
    .execute();
}

/** The member enrolled a factor in this session: it is no longer limited to enrolling. */
export async function liftFactorLimit(db: Handle, tokenHash: Buffer): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ factor_required: 0 })
    .where('token_hash', '=', tokenHash)
    .execute();
}

/** Revokes the session; false when it did not exist or was already revoked. */
export async function revokeSession(db: Handle, tokenHash: Buffer, now: number): Promise<boolean> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: now })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ── pending login / set-up state ─────────────────────────────────────────────

export async function insertLoginState(db: Handle, row: LoginStateRow): Promise<void> {
  await db.insertInto('login_states').values(row).execute();
}

/**
 * Deletes and returns the state of that kind in one statement: whoever gets
 * the row owns it, so a state is used at most once even under concurrent finishes.
 */
export async function takeLoginState(
  db: Handle,
  id: string,
  kind: string,
): Promise<LoginStateRow | undefined> {
  return db
    .deleteFrom('login_states')
    .where('id', '=', id)
    .where('kind', '=', kind)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteExpiredLoginStates(db: Handle, now: number): Promise<void> {
  await db.deleteFrom('login_states').where('expires_at', '<=', now).execute();
}

/** How a member's account stands: what a cabinet grant and a publication approval go by (see `staffStanding`). */
export interface StaffStanding {
  changedAt: number;
  lastResetAt: number | null;
}

/**
 * How the member's account stands: when it last changed (roles, status, a
 * sign-in reset all bump `updated_at`) and when a sign-in reset was last
 * issued for it; undefined for no such member.
 */
export async function staffStanding(db: Handle, id: string): Promise<StaffStanding | undefined> {
  const row = await db
    .selectFrom('staff')
    .select((eb) => [
      'updated_at',
      eb
        .selectFrom('staff_resets')
        .select((r) => r.fn.max('created_at').as('at'))
        .where('staff_id', '=', id)
        .as('last_reset_at'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const lastReset = row.last_reset_at;
  return { changedAt: Number(row.updated_at), lastResetAt: lastReset === null ? null : Number(lastReset) };
}
