import type { Kysely, Selectable } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type {
  CabinetAccessTable,
  CabinetGrantTable,
  CabinetLinkTable,
  CabinetRecordTable,
} from './cabinet.table.js';

/** Any handle: the read connection or a write transaction. */
type Handle = Kysely<Schema>;

export type LinkRow = Selectable<CabinetLinkTable>;
export type RecordRow = Selectable<CabinetRecordTable>;
export type GrantRow = Selectable<CabinetGrantTable>;
export type AccessRow = Selectable<CabinetAccessTable>;

// ── product links ────────────────────────────────────────────────────────────

export async function findLink(db: Handle, customerId: string, productId: string) {
  return db
    .selectFrom('cabinet_links')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('product_id', '=', productId)
    .executeTakeFirst();
}

export async function listLinks(db: Handle, customerId: string): Promise<LinkRow[]> {
  return db.selectFrom('cabinet_links').selectAll().where('customer_id', '=', customerId).execute();
}

/** Links once: linking a linked product keeps the first time. */
export async function insertLink(db: Handle, row: LinkRow): Promise<void> {
  await db
    .insertInto('cabinet_links')
    .values(row)
    .onConflict((oc) => oc.columns(['customer_id', 'product_id']).doNothing())
    .execute();
}

export async function deleteLink(db: Handle, customerId: string, productId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('cabinet_links')
    .where('customer_id', '=', customerId)
    .where('product_id', '=', productId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ── records ──────────────────────────────────────────────────────────────────

export async function findRecord(db: Handle, customerId: string, productId: string, keyIndex: Buffer) {
  return db
    .selectFrom('cabinet_records')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('product_id', '=', productId)
    .where('key_index', '=', keyIndex)
    .executeTakeFirst();
}

export async function insertRecord(db: Handle, row: RecordRow): Promise<void> {
  await db.insertInto('cabinet_records').values(row).execute();
}

export async function updateRecord(db: Handle, id: string, bodyEnc: Buffer, now: number): Promise<void> {
  await db
    .updateTable('cabinet_records')
    .set({ body_enc: bodyEnc, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function deleteRecord(db: Handle, id: string): Promise<void> {
  await db.deleteFrom('cabinet_records').where('id', '=', id).execute();
}

/** The customer's records, of the products named (all when `productIds` is undefined). */
export async function listRecords(
  db: Handle,
  customerId: string,
  productIds?: readonly string[],
): Promise<RecordRow[]> {
  if (productIds?.length === 0) return [];
  let query = db.selectFrom('cabinet_records').selectAll().where('customer_id', '=', customerId);
  if (productIds) query = query.where('product_id', 'in', productIds);
  return query.orderBy('product_id').orderBy('created_at').orderBy('id').execute();
}

export async function countRecords(db: Handle, customerId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('cabinet_records')
    .select(['product_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('customer_id', '=', customerId)
    .groupBy('product_id')
    .execute();
  return new Map(rows.map((r) => [r.product_id, Number(r.n)]));
}

// ── grants ───────────────────────────────────────────────────────────────────

export async function insertGrant(db: Handle, row: GrantRow): Promise<void> {
  await db.insertInto('cabinet_grants').values(row).execute();
}

export async function findGrant(db: Handle, id: string): Promise<GrantRow | undefined> {
  return db.selectFrom('cabinet_grants').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Takes the grant's row lock (PostgreSQL; SQLite writes are serialised anyway),
 * so a revocation waits for a read in progress and no read starts after it.
 */
export async function lockGrant(trx: Handle, id: string): Promise<void> {
  await trx
    .updateTable('cabinet_grants')
    .set((eb) => ({ revoked_at: eb.ref('revoked_at') }))
    .where('id', '=', id)
    .execute();
}

export async function listGrants(db: Handle, customerId: string): Promise<GrantRow[]> {
  return db
    .selectFrom('cabinet_grants')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes the customer's grant; false when it is not theirs or was revoked already. */
export async function revokeGrant(db: Handle, customerId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('cabinet_grants')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Revokes every grant of the customer in force at `now`, in one statement, and
 * returns their ids. One statement takes the rows' locks together, before the
 * caller writes anything else: revoking them one by one, each followed by its
 * audit entry, took the audit lock between two row locks, and deadlocked on
 * PostgreSQL with a read under a grant (which locks its row, then the audit).
 */
export async function revokeLiveGrants(db: Handle, customerId: string, now: number): Promise<string[]> {
  const rows = await db
    .updateTable('cabinet_grants')
    .set({ revoked_at: now })
    .where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .execute();
  return rows.map((r) => r.id).sort();
}

/** Grants in force at `now`; only those naming the staff member or one of the roles when `grantee` is given. */
export async function liveGrants(
  db: Handle,
  now: number,
  grantee?: { staffId: string; roles: readonly string[] },
): Promise<GrantRow[]> {
  let query = db
    .selectFrom('cabinet_grants')
    .selectAll()
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now);
  if (grantee) {
    const roles = grantee.roles.length > 0 ? grantee.roles : [''];
    query = query.where((eb) =>
      eb.or([eb('grantee_staff_id', '=', grantee.staffId), eb('grantee_role', 'in', roles)]),
    );
  }
  return query.orderBy('expires_at').orderBy('id').execute();
}

// ── access log ───────────────────────────────────────────────────────────────

export async function insertAccess(db: Handle, row: AccessRow): Promise<void> {
  await db.insertInto('cabinet_access_log').values(row).execute();
}

export async function listAccess(db: Handle, customerId: string, limit: number) {
  return db
    .selectFrom('cabinet_access_log as a')
    .leftJoin('staff as s', 's.id', 'a.staff_id')
    .select(['a.at', 'a.staff_id', 's.display_name', 'a.grant_id', 'a.product_ids', 'a.route'])
    .where('a.customer_id', '=', customerId)
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
}

// ── who can be a grantee ─────────────────────────────────────────────────────

export async function listActiveStaff(db: Handle) {
  return db
    .selectFrom('staff')
    .select(['id', 'display_name'])
    .where('status', '=', 'active')
    .orderBy('display_name')
    .orderBy('id')
    .execute();
}

export async function staffNames(db: Handle, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('staff').select(['id', 'display_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

export async function findActiveStaff(db: Handle, id: string) {
  return db
    .selectFrom('staff')
    .select(['id', 'display_name'])
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
}
