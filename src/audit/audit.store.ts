/**
 * Queries on the audit tables. Handle-first, no rules: the service decides
 * what is appended and when a tree head is due.
 */
import { type Selectable, sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import { first, run, statement } from '../db/statements.js';
import type { AuditEntryTable, AuditTreeHeadTable } from './audit.table.js';

export type AuditEntryRow = Selectable<AuditEntryTable>;
export type AuditTreeHeadRow = Selectable<AuditTreeHeadTable>;
type Handle = Db | Trx;

/**
 * Key of the PostgreSQL advisory lock that serialises appends ("mxfy").
 * Transaction-scoped: released at commit or rollback, never held across requests.
 */
export const AUDIT_APPEND_LOCK = 0x6d786679;

export async function lockAuditAppends(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`.execute(trx);
}

/** Number of entries, i.e. the next seq, read as max(seq) + 1 (an index lookup, unlike count). */
const MAX_SEQ = statement('select max(seq) as max from audit_entries');
export async function auditLogSize(db: Handle): Promise<number> {
  const max = (await first<{ max: number | string | null }>(db, MAX_SEQ, []))?.max;
  return max === null || max === undefined ? 0 : Number(max) + 1;
}

export async function countAuditEntries(db: Handle): Promise<number> {
  const row = await db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

const INSERT_ENTRY = statement(
  'insert into audit_entries (seq, at, actor, purpose, subject_id, action, target, details, leaf_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
export async function insertAuditEntry(trx: Trx, row: AuditEntryRow): Promise<void> {
  await run(trx, INSERT_ENTRY, [
    row.seq,
    row.at,
    row.actor,
    row.purpose,
    row.subject_id,
    row.action,
    row.target,
    row.details,
    row.leaf_hash,
  ]);
}

/** Up to `limit` entries with seq ≥ `fromSeq`, in seq order (keyset paging). */
export async function auditEntryPage(db: Handle, fromSeq: number, limit: number): Promise<AuditEntryRow[]> {
  return db
    .selectFrom('audit_entries')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Entries for the views: optionally one subject's, after a seq, newest last. */
export async function listAuditEntries(
  db: Handle,
  query: { subjectId?: string; after?: number; limit: number },
): Promise<AuditEntryRow[]> {
  let q = db.selectFrom('audit_entries').selectAll();
  if (query.subjectId !== undefined) q = q.where('subject_id', '=', query.subjectId);
  if (query.after !== undefined) q = q.where('seq', '>', query.after);
  return q.orderBy('seq').limit(query.limit).execute();
}

export async function findAuditEntry(db: Handle, seq: number): Promise<AuditEntryRow | undefined> {
  return db.selectFrom('audit_entries').selectAll().where('seq', '=', seq).executeTakeFirst();
}

/** Leaf hashes of seq in [from, to), in order, with their seq (so a caller can see a gap). */
export async function leafHashRange(
  db: Handle,
  from: number,
  to: number,
): Promise<{ seq: number; leaf_hash: Buffer }[]> {
  const rows = await db
    .selectFrom('audit_entries')
    .select(['seq', 'leaf_hash'])
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), leaf_hash: r.leaf_hash }));
}

/** Stores a tree head; a head of the same size issued by another node first is kept. */
export async function insertTreeHead(trx: Trx, row: AuditTreeHeadRow): Promise<void> {
  await trx
    .insertInto('audit_tree_heads')
    .values(row)
    .onConflict((oc) => oc.column('tree_size').doNothing())
    .execute();
}

export async function latestTreeHeadRow(db: Handle): Promise<AuditTreeHeadRow | undefined> {
  return db
    .selectFrom('audit_tree_heads')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function treeHeadRowAt(db: Handle, treeSize: number): Promise<AuditTreeHeadRow | undefined> {
  return db.selectFrom('audit_tree_heads').selectAll().where('tree_size', '=', treeSize).executeTakeFirst();
}

/** Every tree head, smallest first. One per thousand entries by default, so a few thousand rows at most in practice. */
export async function allTreeHeadRows(db: Handle): Promise<AuditTreeHeadRow[]> {
  return db.selectFrom('audit_tree_heads').selectAll().orderBy('tree_size').execute();
}
