import type { Kysely, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type {
  ActionLinkTable,
  CustomerDeviceTable,
  CustomerStatus,
  CustomerTable,
  IncidentTable,
  ProfileHistoryTable,
  VerificationTable,
} from './identity.table.js';

/** Any handle: the read connection or a write transaction. */
type Handle = Kysely<Schema>;

export type CustomerRow = Selectable<CustomerTable>;
export type VerificationRow = Selectable<VerificationTable>;
export type DeviceRow = Selectable<CustomerDeviceTable>;
export type ActionLinkRow = Selectable<ActionLinkTable>;
export type IncidentRow = Selectable<IncidentTable>;
export type ProfileHistoryRow = Selectable<ProfileHistoryTable>;

// ── customers ────────────────────────────────────────────────────────────────

export async function insertCustomer(db: Handle, row: CustomerRow): Promise<void> {
  await db.insertInto('customers').values(row).execute();
}

export async function findCustomer(db: Handle, subjectId: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('subject_id', '=', subjectId).executeTakeFirst();
}

/** A page of customers, newest first (subject ids are time-ordered UUIDs), after the cursor's id. */
export async function listCustomersPage(
  db: Handle,
  before: string | undefined,
  limit: number,
): Promise<CustomerRow[]> {
  let q = db.selectFrom('customers').selectAll().orderBy('subject_id', 'desc').limit(limit);
  if (before) q = q.where('subject_id', '<', before);
  return q.execute();
}

/** The customer whose e-mail or phone has this blind index. */
export async function findCustomerByContact(
  db: Handle,
  channel: 'email' | 'sms',
  index: Buffer,
): Promise<CustomerRow | undefined> {
  const column = channel === 'email' ? 'email_index' : 'phone_index';
  return db.selectFrom('customers').selectAll().where(column, '=', index).executeTakeFirst();
}

export async function updateCustomer(
  db: Handle,
  subjectId: string,
  changes: Partial<Omit<CustomerRow, 'subject_id' | 'created_at'>> & { updated_at: number },
): Promise<void> {
  await db.updateTable('customers').set(changes).where('subject_id', '=', subjectId).execute();
}

export async function setCustomerStatus(
  db: Handle,
  subjectId: string,
  status: CustomerStatus,
  now: number,
): Promise<void> {
  await db
    .updateTable('customers')
    .set({ status, updated_at: now })
    .where('subject_id', '=', subjectId)
    .execute();
}

// ── verification codes ───────────────────────────────────────────────────────

export async function insertVerification(db: Handle, row: VerificationRow): Promise<void> {
  await db.insertInto('verifications').values(row).execute();
}

export async function findVerification(db: Handle, id: string): Promise<VerificationRow | undefined> {
  return db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Counts one try; the caller's transaction holds the row from here on. */
export async function countVerificationAttempt(db: Handle, id: string): Promise<void> {
  await db
    .updateTable('verifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function markVerified(db: Handle, id: string, now: number): Promise<void> {
  await db.updateTable('verifications').set({ verified_at: now }).where('id', '=', id).execute();
}

/** Uses the verification up; false when another request used it first. */
export async function useVerification(db: Handle, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('verifications')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes codes a day past their expiry: long enough to answer a late try alike, short enough to keep no trace. */
export async function deleteExpiredVerifications(db: Handle, before: number): Promise<void> {
  await db.deleteFrom('verifications').where('expires_at', '<', before).execute();
}

// ── devices ──────────────────────────────────────────────────────────────────

export async function findDevice(
  db: Handle,
  subjectId: string,
  deviceHash: Buffer,
): Promise<DeviceRow | undefined> {
  return db
    .selectFrom('customer_devices')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .where('device_hash', '=', deviceHash)
    .executeTakeFirst();
}

export async function insertDevice(db: Handle, row: DeviceRow): Promise<void> {
  await db.insertInto('customer_devices').values(row).execute();
}

export async function touchDevice(db: Handle, id: string, now: number): Promise<void> {
  await db.updateTable('customer_devices').set({ last_seen_at: now }).where('id', '=', id).execute();
}

/** Forgets every browser the customer signed in from. */
export async function deleteDevices(db: Handle, subjectId: string): Promise<void> {
  await db.deleteFrom('customer_devices').where('subject_id', '=', subjectId).execute();
}

export async function countDevices(db: Handle, subjectId: string): Promise<number> {
  const row = await db
    .selectFrom('customer_devices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('subject_id', '=', subjectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ── one-click links ──────────────────────────────────────────────────────────

export async function insertActionLink(db: Handle, row: ActionLinkRow): Promise<void> {
  await db.insertInto('action_links').values(row).execute();
}

export async function findActionLink(
  db: Handle,
  tokenHash: Buffer,
  purpose: string,
): Promise<ActionLinkRow | undefined> {
  return db
    .selectFrom('action_links')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
}

/**
 * Takes the customer's row lock (PostgreSQL; SQLite writes are serialised
 * anyway) and returns the row: a compromise report and a factor or grant being
 * added then take turns, so the one that commits second sees the other.
 */
export async function lockCustomer(db: Handle, subjectId: string, kind: 'sqlite' | 'postgres') {
  const query = db.selectFrom('customers').selectAll().where('subject_id', '=', subjectId);
  return (kind === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}

/** Uses up every report link of the customer still open at `now`; returns the earliest one's `created_at`. */
export async function useOpenLinks(
  db: Handle,
  subjectId: string,
  purpose: string,
  now: number,
): Promise<number | undefined> {
  const rows = await db
    .updateTable('action_links')
    .set({ used_at: now })
    .where('subject_id', '=', subjectId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('created_at')
    .execute();
  return rows.length === 0 ? undefined : Math.min(...rows.map((r) => Number(r.created_at)));
}

/** Uses the link up; false when it was already used. */
export async function useActionLink(db: Handle, tokenHash: Buffer, now: number): Promise<boolean> {
  const result = await db
    .updateTable('action_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ── incidents ────────────────────────────────────────────────────────────────

export async function insertIncident(db: Handle, row: IncidentRow): Promise<void> {
  await db.insertInto('incidents').values(row).execute();
}

export async function findOpenIncident(
  db: Handle,
  subjectId: string,
  kind: string,
): Promise<IncidentRow | undefined> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .where('kind', '=', kind)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

export async function countOpenIncidents(db: Handle, subjectId: string): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('subject_id', '=', subjectId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listIncidents(db: Handle, limit: number): Promise<IncidentRow[]> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

// ── profile history ──────────────────────────────────────────────────────────

export async function insertProfileChange(db: Handle, row: ProfileHistoryRow): Promise<void> {
  await db.insertInto('profile_history').values(row).execute();
}

export async function listProfileChanges(db: Handle, subjectId: string): Promise<ProfileHistoryRow[]> {
  return db
    .selectFrom('profile_history')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('changed_at')
    .orderBy('id')
    .execute();
}
