import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.js';
import type { SecretTable, SubjectKeyTable } from './keys.table.js';

/** Queries on `subject_keys` and `secrets`; the rules live in keys.service.ts and keys.rotate.ts. */
type Handle = Db | Trx;

export function findSubjectKey(db: Handle, subjectId: string): Promise<SubjectKeyTable | undefined> {
  return db.selectFrom('subject_keys').selectAll().where('subject_id', '=', subjectId).executeTakeFirst();
}

/** Inserts unless a row for the subject exists (another writer made the key first). */
export async function insertSubjectKeyIfAbsent(db: Trx, row: SubjectKeyTable): Promise<void> {
  await db
    .insertInto('subject_keys')
    .values(row)
    .onConflict((oc) => oc.column('subject_id').doNothing())
    .execute();
}

/**
 * Destroys the subject's data key and leaves a tombstone, so a later encrypt is
 * refused rather than silently given a new key. The first shredding time is kept.
 */
export async function shredSubjectKey(db: Trx, subjectId: string, kekId: string, now: number): Promise<void> {
  await db
    .insertInto('subject_keys')
    .values({ subject_id: subjectId, kek_id: kekId, wrapped_dek: null, created_at: now, shredded_at: now })
    .onConflict((oc) =>
      oc.column('subject_id').doUpdateSet({
        wrapped_dek: null,
        shredded_at: sql<number>`coalesce(subject_keys.shredded_at, excluded.shredded_at)`,
      }),
    )
    .execute();
}

/** Live (not shredded) subject keys not wrapped by `kekId`, in subject order after `after`. */
export function listSubjectKeysNotUnder(
  db: Handle,
  kekId: string,
  after: string,
  limit: number,
): Promise<{ subject_id: string; kek_id: string; wrapped_dek: Buffer | null }[]> {
  return db
    .selectFrom('subject_keys')
    .select(['subject_id', 'kek_id', 'wrapped_dek'])
    .where('kek_id', '<>', kekId)
    .where('wrapped_dek', 'is not', null)
    .where('subject_id', '>', after)
    .orderBy('subject_id')
    .limit(limit)
    .execute();
}

/**
 * Re-wraps one subject key, only if it is still wrapped by `fromKekId` and not
 * shredded: a rotation must never bring back a key erased while it ran.
 */
export async function rewrapSubjectKey(
  db: Trx,
  subjectId: string,
  fromKekId: string,
  toKekId: string,
  wrapped: Buffer,
): Promise<boolean> {
  const result = await db
    .updateTable('subject_keys')
    .set({ kek_id: toKekId, wrapped_dek: wrapped })
    .where('subject_id', '=', subjectId)
    .where('kek_id', '=', fromKekId)
    .where('wrapped_dek', 'is not', null)
    .where('shredded_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function findSecret(db: Handle, name: string): Promise<SecretTable | undefined> {
  return db.selectFrom('secrets').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertSecretIfAbsent(db: Trx, row: SecretTable): Promise<void> {
  await db
    .insertInto('secrets')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export function listSecretsNotUnder(
  db: Handle,
  kekId: string,
  after: string,
  limit: number,
): Promise<{ name: string; kek_id: string; wrapped: Buffer }[]> {
  return db
    .selectFrom('secrets')
    .select(['name', 'kek_id', 'wrapped'])
    .where('kek_id', '<>', kekId)
    .where('name', '>', after)
    .orderBy('name')
    .limit(limit)
    .execute();
}

export async function rewrapSecret(
  db: Trx,
  name: string,
  fromKekId: string,
  toKekId: string,
  wrapped: Buffer,
): Promise<boolean> {
  const result = await db
    .updateTable('secrets')
    .set({ kek_id: toKekId, wrapped })
    .where('name', '=', name)
    .where('kek_id', '=', fromKekId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** How many live rows (subject keys not shredded, secrets) each KEK wraps. */
export async function countWrapsByKek(db: Handle): Promise<Map<string, number>> {
  const subjects = await db
    .selectFrom('subject_keys')
    .select((eb) => ['kek_id', eb.fn.countAll<number>().as('n')])
    .where('wrapped_dek', 'is not', null)
    .groupBy('kek_id')
    .execute();
  const secrets = await db
    .selectFrom('secrets')
    .select((eb) => ['kek_id', eb.fn.countAll<number>().as('n')])
    .groupBy('kek_id')
    .execute();
  const counts = new Map<string, number>();
  for (const row of [...subjects, ...secrets])
    counts.set(row.kek_id, (counts.get(row.kek_id) ?? 0) + Number(row.n));
  return counts;
}

/** Live rows a rotation to `kekId` still has to re-wrap. */
export async function countNotUnder(db: Handle, kekId: string): Promise<number> {
  const subjects = await db
    .selectFrom('subject_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kek_id', '<>', kekId)
    .where('wrapped_dek', 'is not', null)
    .executeTakeFirstOrThrow();
  const secrets = await db
    .selectFrom('secrets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kek_id', '<>', kekId)
    .executeTakeFirstOrThrow();
  return Number(subjects.n) + Number(secrets.n);
}

/** Whether the database holds anything wrapped by a key-encryption key: a subject's key or a secret. */
export async function holdsWrappedKeys(db: Handle): Promise<boolean> {
  const [key, secret] = await Promise.all([
    db.selectFrom('subject_keys').select('kek_id').limit(1).executeTakeFirst(),
    db.selectFrom('secrets').select('kek_id').limit(1).executeTakeFirst(),
  ]);
  return Boolean(key ?? secret);
}
