import type { Kysely, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { CustomerNoticeTable, CustomerSessionTable, SigninHistoryTable } from './identity.table.js';

type Handle = Kysely<Schema>;

export type CustomerSessionRow = Selectable<CustomerSessionTable>;
export type SigninHistoryRow = Selectable<SigninHistoryTable>;
export type NoticeRow = Selectable<CustomerNoticeTable>;

// ── sessions ─────────────────────────────────────────────────────────────────

export async function insertSession(db: Handle, row: CustomerSessionRow): Promise<void> {
  await db.insertInto('customer_sessions').values(row).execute();
}

/** The session with this token hash and its customer's status. */
export async function findSessionByHash(db: Handle, tokenHash: Buffer) {
  return db
    .selectFrom('customer_sessions as s')
    .innerJoin('customers as c', 'c.subject_id', 's.subject_id')
    .selectAll('s')
    .select('c.status')
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Whether the session has not been ended (signed out, or by a reset or report). */
export async function isSessionLive(db: Handle, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('customer_sessions')
    .select('id')
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function touchSession(db: Handle, id: string, now: number): Promise<void> {
  await db.updateTable('customer_sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

/** Step-up: the customer proved a factor again in this live session. */
export async function markAuthenticated(db: Handle, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('customer_sessions')
    .set({ authenticated_at: now, last_seen_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** How many sessions of the customer are live (not ended, within the absolute and idle limits). */
export async function countLiveSessions(
  db: Handle,
  subjectId: string,
  now: number,
  idleMs: number,
): Promise<number> {
  const row = await db
    .selectFrom('customer_sessions')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('subject_id', '=', subjectId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', now - idleMs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When the customer last signed in successfully, or null. */
export async function lastSuccessfulSignin(db: Handle, subjectId: string): Promise<number | null> {
  const row = await db
    .selectFrom('signin_history')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('subject_id', '=', subjectId)
    .where('result', '=', 'success')
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

/** Live (not revoked, not past the absolute limit) sessions of one customer, newest first. */
export async function listLiveSessions(db: Handle, subjectId: string, now: number) {
  return db
    .selectFrom('customer_sessions')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes one session of the customer; false when there is no such live session. */
export async function revokeSession(
  db: Handle,
  subjectId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('customer_sessions')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('subject_id', '=', subjectId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes every live session of the customer except `keepId`; returns how many ended. */
export async function revokeSessions(
  db: Handle,
  subjectId: string,
  now: number,
  keepId?: string,
): Promise<number> {
  let q = db
    .updateTable('customer_sessions')
    .set({ revoked_at: now })
    .where('subject_id', '=', subjectId)
    .where('revoked_at', 'is', null);
  if (keepId) q = q.where('id', '!=', keepId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ── sign-in history ──────────────────────────────────────────────────────────

export async function insertSignin(db: Handle, row: SigninHistoryRow): Promise<void> {
  await db.insertInto('signin_history').values(row).execute();
}

export async function listSignins(db: Handle, subjectId: string, limit: number): Promise<SigninHistoryRow[]> {
  return db
    .selectFrom('signin_history')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

// ── cabinet notices ──────────────────────────────────────────────────────────

export async function insertNotice(db: Handle, row: NoticeRow): Promise<void> {
  await db.insertInto('customer_notices').values(row).execute();
}

export async function listNotices(db: Handle, subjectId: string, limit: number): Promise<NoticeRow[]> {
  return db
    .selectFrom('customer_notices')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
