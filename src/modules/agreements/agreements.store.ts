import { sql } from 'kysely';
import type { Db, Trx } from '../../db/database.js';
import { first, run, statement } from '../../db/statements.js';
import type {
  AgreementAcceptanceTable,
  AgreementNotificationTable,
  AgreementSiteCheckTable,
  AgreementSubjectStateTable,
  AgreementTextTable,
  AgreementVersionTable,
} from './agreements.table.js';

type Handle = Db | Trx;

/** Key of the PostgreSQL advisory lock under which agreement versions change ("agrv"). */
export const VERSIONS_LOCK = 0x61677276;

export async function listVersions(db: Handle): Promise<AgreementVersionTable[]> {
  return db.selectFrom('agreement_versions').selectAll().orderBy('number').execute();
}

export async function findVersion(db: Handle, n: number): Promise<AgreementVersionTable | undefined> {
  return db.selectFrom('agreement_versions').selectAll().where('number', '=', n).executeTakeFirst();
}

export async function latestVersionNumber(db: Handle): Promise<number> {
  const row = await db
    .selectFrom('agreement_versions')
    .select((eb) => eb.fn.max('number').as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findUnpublished(db: Handle): Promise<AgreementVersionTable | undefined> {
  return db
    .selectFrom('agreement_versions')
    .selectAll()
    .where('status', '!=', 'published')
    .executeTakeFirst();
}

/** Published versions whose effective date has come, newest first. */
export async function publishedInForce(db: Handle, now: number): Promise<AgreementVersionTable[]> {
  return db
    .selectFrom('agreement_versions')
    .selectAll()
    .where('status', '=', 'published')
    .where('effective_at', '<=', now)
    .orderBy('number', 'desc')
    .execute();
}

/** Every published version, newest first, those still to take effect included. */
export async function publishedVersions(db: Handle): Promise<AgreementVersionTable[]> {
  return db
    .selectFrom('agreement_versions')
    .selectAll()
    .where('status', '=', 'published')
    .orderBy('number', 'desc')
    .execute();
}

export async function insertVersion(db: Trx, row: AgreementVersionTable): Promise<void> {
  await db.insertInto('agreement_versions').values(row).execute();
}

export async function updateVersion(
  db: Trx,
  n: number,
  patch: Partial<Omit<AgreementVersionTable, 'number'>>,
): Promise<void> {
  await db.updateTable('agreement_versions').set(patch).where('number', '=', n).execute();
}

export async function listTexts(db: Handle, version: number): Promise<AgreementTextTable[]> {
  return db.selectFrom('agreement_texts').selectAll().where('version', '=', version).execute();
}

export async function findText(
  db: Handle,
  version: number,
  lang: string,
): Promise<AgreementTextTable | undefined> {
  return db
    .selectFrom('agreement_texts')
    .selectAll()
    .where('version', '=', version)
    .where('lang', '=', lang)
    .executeTakeFirst();
}

export async function replaceTexts(db: Trx, version: number, rows: AgreementTextTable[]): Promise<void> {
  await db.deleteFrom('agreement_texts').where('version', '=', version).execute();
  if (rows.length > 0) await db.insertInto('agreement_texts').values(rows).execute();
}

const INSERT_ACCEPTANCE = statement(
  'insert into agreement_acceptances (id, subject_id, version, lang, content_hash, site_id, method, accepted_at, audit_seq, record) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
export async function insertAcceptance(db: Trx, row: AgreementAcceptanceTable): Promise<void> {
  await run(db, INSERT_ACCEPTANCE, [
    row.id,
    row.subject_id,
    row.version,
    row.lang,
    row.content_hash,
    row.site_id,
    row.method,
    row.accepted_at,
    row.audit_seq,
    row.record,
  ]);
}

export async function findAcceptance(db: Handle, id: string): Promise<AgreementAcceptanceTable | undefined> {
  return db.selectFrom('agreement_acceptances').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAcceptancesOf(db: Handle, subjectId: string): Promise<AgreementAcceptanceTable[]> {
  return db
    .selectFrom('agreement_acceptances')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('accepted_at')
    .execute();
}

/** The versions a subject accepted, newest first, each with its first acceptance's time. */
export async function acceptedVersionsOf(
  db: Handle,
  subjectId: string,
): Promise<{ version: number; acceptedAt: number }[]> {
  const rows = await db
    .selectFrom('agreement_acceptances')
    .select((eb) => ['version', eb.fn.min('accepted_at').as('accepted_at')])
    .where('subject_id', '=', subjectId)
    .groupBy('version')
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ version: Number(r.version), acceptedAt: Number(r.accepted_at) }));
}

/** The subject's first acceptance of `version` on `siteId`, if any. */
export async function findAcceptanceOn(
  db: Handle,
  subjectId: string,
  version: number,
  siteId: string,
): Promise<AgreementAcceptanceTable | undefined> {
  return db
    .selectFrom('agreement_acceptances')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .where('version', '=', version)
    .where('site_id', '=', siteId)
    .orderBy('accepted_at')
    .limit(1)
    .executeTakeFirst();
}

/** Whether the subject has accepted `version` (one index lookup). */
export async function hasAccepted(db: Handle, subjectId: string, version: number): Promise<boolean> {
  const row = await db
    .selectFrom('agreement_acceptances')
    .select('id')
    .where('subject_id', '=', subjectId)
    .where('version', '=', version)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * PostgreSQL: holds the subject's state row until the transaction ends, so two
 * writes that check "accepted yet?" for one subject take turns.
 */
export async function lockSubjectState(trx: Trx, subjectId: string): Promise<void> {
  await trx
    .selectFrom('agreement_subject_state')
    .select('subject_id')
    .where('subject_id', '=', subjectId)
    .forUpdate()
    .execute();
}

const SUBJECT_STATE = statement('select * from agreement_subject_state where subject_id = ?');

export async function findSubjectState(
  db: Handle,
  subjectId: string,
): Promise<AgreementSubjectStateTable | undefined> {
  return first<AgreementSubjectStateTable>(db, SUBJECT_STATE, [subjectId]);
}

export async function upsertSubjectState(db: Trx, row: AgreementSubjectStateTable): Promise<void> {
  const { subject_id: _, ...rest } = row;
  await db
    .insertInto('agreement_subject_state')
    .values(row)
    .onConflict((oc) => oc.column('subject_id').doUpdateSet(rest))
    .execute();
}

const RECORD_ACCEPTED_STATE = statement(
  `insert into agreement_subject_state (subject_id, accepted_version, accepted_at, last_acceptance_id, notified_version, needs_reacceptance)
   values (?, ?, ?, ?, ?, ?)
   on conflict (subject_id) do update set
     accepted_version = excluded.accepted_version,
     accepted_at = excluded.accepted_at,
     last_acceptance_id = excluded.last_acceptance_id,
     needs_reacceptance = 0,
     notified_version = case when agreement_subject_state.notified_version > excluded.notified_version
       then agreement_subject_state.notified_version else excluded.notified_version end
   where agreement_subject_state.accepted_version <= excluded.accepted_version`,
);

/**
 * Records an acceptance of `row.accepted_version` in one statement: a subject's
 * state never goes back to an older version (an acceptance of an upcoming
 * version stays when the current one is accepted later), and the version they
 * were told about only grows.
 */
export async function recordAcceptedState(db: Trx, row: AgreementSubjectStateTable): Promise<void> {
  await run(db, RECORD_ACCEPTED_STATE, [
    row.subject_id,
    row.accepted_version,
    row.accepted_at,
    row.last_acceptance_id,
    row.notified_version,
    row.needs_reacceptance,
  ]);
}

/** Subjects who accepted an earlier version and were not yet told about `version`, in id order. */
export async function subjectsToNotify(
  db: Handle,
  version: number,
  after: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('agreement_subject_state')
    .select('subject_id')
    .where('notified_version', '<', version)
    .where('accepted_version', '<', version)
    .where('subject_id', '>', after)
    .orderBy('subject_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.subject_id);
}

export async function countSubjectsToNotify(db: Handle, version: number): Promise<number> {
  const row = await db
    .selectFrom('agreement_subject_state')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('notified_version', '<', version)
    .where('accepted_version', '<', version)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Customers the e-mail notice walks (every account not closed): the job's total. */
export async function countCustomersToMail(db: Handle): Promise<number> {
  const row = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '!=', 'closed')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function markNotified(db: Trx, subjectIds: string[], version: number): Promise<void> {
  if (subjectIds.length === 0) return;
  await db
    .updateTable('agreement_subject_state')
    .set({ notified_version: version, needs_reacceptance: 1 })
    .where('subject_id', 'in', subjectIds)
    .where('accepted_version', '<', version)
    .execute();
}

/** The e-mail columns default to nothing walked yet. */
type NewNotification = Omit<AgreementNotificationTable, `mail_${string}`> &
  Partial<Pick<AgreementNotificationTable, 'mail_total' | 'mail_done' | 'mail_sent' | 'mail_finished_at'>>;

export async function insertNotification(db: Trx, row: NewNotification): Promise<void> {
  const values = { mail_total: 0, mail_done: 0, mail_sent: 0, mail_finished_at: null, ...row };
  await db.insertInto('agreement_notifications').values(values).execute();
}

export async function addNotified(db: Trx, version: number, count: number, finishedAt: number | null) {
  const current = await db
    .selectFrom('agreement_notifications')
    .select('notified')
    .where('version', '=', version)
    .executeTakeFirst();
  await db
    .updateTable('agreement_notifications')
    .set({ notified: Number(current?.notified ?? 0) + count, finished_at: finishedAt })
    .where('version', '=', version)
    .execute();
}

export async function listNotifications(db: Handle): Promise<AgreementNotificationTable[]> {
  return db.selectFrom('agreement_notifications').selectAll().orderBy('version').execute();
}

export async function insertSiteCheck(db: Trx, row: AgreementSiteCheckTable): Promise<void> {
  await db.insertInto('agreement_site_checks').values(row).execute();
}

export async function listSiteChecks(db: Handle, limit: number): Promise<AgreementSiteCheckTable[]> {
  return db
    .selectFrom('agreement_site_checks')
    .selectAll()
    .orderBy('checked_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
