import type { Db, Trx } from '../../db/database.js';
import { all, first, run, statement } from '../../db/statements.js';
import type { ConsentStateRow, SubjectState } from '../decisions/engine.js';
import type { ConsentEventTable, WebhookSubscriberTable } from './consents.table.js';

export type ConsentEventRow = ConsentEventTable;

const BUMP_TEXT =
  'insert into consent_subjects (subject_id, status, rev, updated_at) values (?, ?, 1, ?) on conflict (subject_id) do update set rev = consent_subjects.rev + 1, updated_at = excluded.updated_at';
const BUMP = statement(`${BUMP_TEXT} returning rev, status`);
const BUMP_SETTING_STATUS = statement(`${BUMP_TEXT}, status = excluded.status returning rev, status`);

/** Registers the subject when new and bumps its revision, in one statement; returns the new revision and status. */
export async function bumpSubject(
  db: Trx,
  subjectId: string,
  now: number,
  status?: 'active' | 'blocked',
): Promise<{ rev: number; status: 'active' | 'blocked' }> {
  // The upsert takes the row lock on PostgreSQL, so concurrent writes for one subject get distinct revisions.
  const row = await first<{ rev: number; status: string }>(db, status ? BUMP_SETTING_STATUS : BUMP, [
    subjectId,
    status ?? 'active',
    now,
  ]);
  if (!row) throw new Error('the subject upsert returned no row');
  return { rev: Number(row.rev), status: row.status as 'active' | 'blocked' };
}

const INSERT_EVENT = statement(
  'insert into consent_events (id, subject_id, rev, purpose_id, scope, kind, state, source, purpose_version, at, expires_at, record, audit_seq) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
export async function insertEvent(db: Trx, row: ConsentEventRow): Promise<void> {
  await run(db, INSERT_EVENT, [
    row.id,
    row.subject_id,
    row.rev,
    row.purpose_id,
    row.scope,
    row.kind,
    row.state,
    row.source,
    row.purpose_version,
    row.at,
    row.expires_at,
    row.record,
    row.audit_seq,
  ]);
}

const UPSERT_CURRENT = statement(
  'insert into consent_current (subject_id, purpose_id, scope, kind, state, event_id, expires_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (subject_id, purpose_id, scope, kind) do update set state = excluded.state, event_id = excluded.event_id, expires_at = excluded.expires_at, updated_at = excluded.updated_at',
);

export async function upsertCurrent(
  db: Trx,
  row: {
    subjectId: string;
    purposeId: string;
    scope: string;
    kind: string;
    state: string;
    eventId: string;
    expiresAt: number | null;
    now: number;
  },
): Promise<void> {
  await run(db, UPSERT_CURRENT, [
    row.subjectId,
    row.purposeId,
    row.scope,
    row.kind,
    row.state,
    row.eventId,
    row.expiresAt,
    row.now,
  ]);
}

const SCOPES_OF = statement(
  "select distinct scope from consent_current where subject_id = ? and purpose_id = ? and scope <> ''",
);
/** The channels and topics (`channel:topic`) a subject holds a current row for under one purpose. */
export async function scopesOf(db: Db | Trx, subjectId: string, purposeId: string): Promise<string[]> {
  return (await all<{ scope: string }>(db, SCOPES_OF, [subjectId, purposeId])).map((r) => r.scope);
}

/** A current consent that still reads given though its term has ended: what the expiry sweep ends. */
export interface DueExpiry {
  subjectId: string;
  purposeId: string;
  scope: string;
  kind: string;
  /** The event that gave it: the sweep ends this consent, not a newer one written since. */
  eventId: string;
}

/**
 * The condition is written as the partial index `consent_current_expiry` states
 * it, literals and all: SQLite uses a partial index only when the query's terms
 * match the index's, and a bound parameter for the state would not.
 */
const DUE_EXPIRIES = statement(
  "select subject_id, purpose_id, scope, kind, event_id from consent_current where state = 'given' and expires_at is not null and expires_at <= ? order by expires_at limit ?",
);
/** Up to `limit` given consents whose term ended at or before `now`, the longest ended first. */
export async function dueExpiries(db: Db | Trx, now: number, limit: number): Promise<DueExpiry[]> {
  const rows = await all<{
    subject_id: string;
    purpose_id: string;
    scope: string;
    kind: string;
    event_id: string;
  }>(db, DUE_EXPIRIES, [now, limit]);
  return rows.map((r) => ({
    subjectId: r.subject_id,
    purposeId: r.purpose_id,
    scope: r.scope,
    kind: r.kind,
    eventId: r.event_id,
  }));
}

const CURRENT_ROW = statement(
  'select state, event_id, expires_at from consent_current where subject_id = ? and purpose_id = ? and scope = ? and kind = ?',
);
/** One current row as the writing transaction sees it, for a write that must re-check what it read before. */
export async function findCurrent(
  db: Db | Trx,
  key: { subjectId: string; purposeId: string; scope: string; kind: string },
): Promise<{ state: string; eventId: string; expiresAt: number | null } | undefined> {
  const r = await first<{ state: string; event_id: string; expires_at: number | null }>(db, CURRENT_ROW, [
    key.subjectId,
    key.purposeId,
    key.scope,
    key.kind,
  ]);
  return (
    r && {
      state: r.state,
      eventId: r.event_id,
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    }
  );
}

/**
 * PostgreSQL only (SQLite has one writer): holds the subjects' rows until the
 * transaction ends, taken in one statement and in subject order, so writers
 * that lock several subjects this way take turns instead of deadlocking.
 */
export async function lockSubjects(trx: Trx, subjectIds: readonly string[]): Promise<void> {
  if (subjectIds.length === 0) return;
  await trx
    .selectFrom('consent_subjects')
    .select('subject_id')
    .where('subject_id', 'in', subjectIds)
    .orderBy('subject_id')
    .forUpdate()
    .execute();
}

const toStateRow = (r: {
  purpose_id: string;
  scope: string;
  kind: string;
  state: string;
  expires_at: number | null;
  rev: number | null;
}): ConsentStateRow => {
  const row: ConsentStateRow = {
    purposeId: r.purpose_id,
    scope: r.scope,
    kind: r.kind as ConsentStateRow['kind'],
    state: r.state as ConsentStateRow['state'],
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
  if (r.rev !== null) row.rev = Number(r.rev);
  return row;
};

/** A subject's whole current state, or undefined when the subject is unknown. */
export async function subjectState(db: Db | Trx, subjectId: string): Promise<SubjectState | undefined> {
  const subject = await db
    .selectFrom('consent_subjects')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .executeTakeFirst();
  if (!subject) return undefined;
  return {
    subjectId,
    status: subject.status as SubjectState['status'],
    rev: Number(subject.rev),
    rows: await currentRows(db, subjectId),
  };
}

/**
 * The subject's current rows alone: a writer that just bumped the subject knows the rest.
 * Each carries the revision of the event that wrote it, the order the decision
 * rule needs between rows covering one question (event ids are time-ordered only
 * to the millisecond, and by each node's clock). A left join: a row whose event
 * is not there still counts, as the oldest.
 */
const CURRENT_ROWS = statement(
  'select c.purpose_id, c.scope, c.kind, c.state, c.expires_at, e.rev from consent_current c left join consent_events e on e.id = c.event_id where c.subject_id = ? order by c.purpose_id, c.scope, c.kind',
);
export async function currentRows(db: Db | Trx, subjectId: string): Promise<ConsentStateRow[]> {
  const rows = await all<Parameters<typeof toStateRow>[0]>(db, CURRENT_ROWS, [subjectId]);
  return rows.map(toStateRow);
}

export async function countSubjects(db: Db | Trx): Promise<number> {
  const row = await db
    .selectFrom('consent_subjects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Subjects in id order after `after`, with their state: the index is rebuilt page by page. */
export async function subjectStatesPage(db: Db | Trx, after: string, limit: number): Promise<SubjectState[]> {
  const subjects = await db
    .selectFrom('consent_subjects')
    .selectAll()
    .where('subject_id', '>', after)
    .orderBy('subject_id')
    .limit(limit)
    .execute();
  const last = subjects.at(-1);
  if (!last) return [];
  const rows = await db
    .selectFrom('consent_current as c')
    .leftJoin('consent_events as e', 'e.id', 'c.event_id')
    .select(['c.subject_id', 'c.purpose_id', 'c.scope', 'c.kind', 'c.state', 'c.expires_at', 'e.rev'])
    .where('c.subject_id', '>', after)
    .where('c.subject_id', '<=', last.subject_id)
    .execute();
  const bySubject = new Map<string, ConsentStateRow[]>();
  for (const r of rows) {
    const list = bySubject.get(r.subject_id);
    if (list) list.push(toStateRow(r));
    else bySubject.set(r.subject_id, [toStateRow(r)]);
  }
  return subjects.map((s) => ({
    subjectId: s.subject_id,
    status: s.status as SubjectState['status'],
    rev: Number(s.rev),
    rows: bySubject.get(s.subject_id) ?? [],
  }));
}

/** The subject's latest `limit` events before revision `before` (all when absent), oldest first. */
export async function listEvents(
  db: Db | Trx,
  subjectId: string,
  limit = 1000,
  before?: number,
): Promise<ConsentEventRow[]> {
  let query = db.selectFrom('consent_events').selectAll().where('subject_id', '=', subjectId);
  if (before !== undefined) query = query.where('rev', '<', before);
  const rows = (await query.orderBy('rev', 'desc').limit(limit).execute()).reverse();
  return rows.map((r) => ({
    ...r,
    rev: Number(r.rev),
    at: Number(r.at),
    purpose_version: Number(r.purpose_version),
    audit_seq: Number(r.audit_seq),
    expires_at: r.expires_at === null ? null : Number(r.expires_at),
  }));
}

export async function findEvent(db: Db | Trx, id: string): Promise<ConsentEventRow | undefined> {
  const r = await db.selectFrom('consent_events').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    r && {
      ...r,
      rev: Number(r.rev),
      at: Number(r.at),
      purpose_version: Number(r.purpose_version),
      audit_seq: Number(r.audit_seq),
      expires_at: r.expires_at === null ? null : Number(r.expires_at),
    }
  );
}

const ACTIVE_SUBSCRIBERS = statement('select * from webhook_subscribers where active = 1 order by id');
export async function listSubscribers(db: Db | Trx, activeOnly: boolean) {
  if (activeOnly) return all<WebhookSubscriberTable>(db, ACTIVE_SUBSCRIBERS, []);
  return db.selectFrom('webhook_subscribers').selectAll().orderBy('id').execute();
}

export async function findSubscriber(db: Db | Trx, id: string) {
  return db.selectFrom('webhook_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertSubscriber(
  db: Trx,
  row: { id: string; url: string; createdBy: string; now: number },
) {
  await db
    .insertInto('webhook_subscribers')
    .values({
      id: row.id,
      url: row.url,
      active: 1,
      created_by: row.createdBy,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export async function deactivateSubscriber(db: Trx, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('webhook_subscribers')
    .set({ active: 0, updated_at: now })
    .where('id', '=', id)
    .where('active', '=', 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
