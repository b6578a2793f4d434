import type { Db, Trx } from '../../db/database.js';
import { first, statement } from '../../db/statements.js';
import type {
  DataCategory,
  DataClass,
  DataStore,
  Purpose,
  PurposeDefinition,
  PurposeVersion,
} from './purposes.schemas.js';
import type { DataCategoryTable } from './purposes.table.js';

/** A purpose as the decision index needs it: its bit position besides its current definition. */
export interface IndexedPurpose extends Purpose {
  idx: number;
}

const toCategory = (r: DataCategoryTable): DataCategory => ({
  id: r.id,
  name: r.name,
  class: r.class as DataClass,
  storeId: r.store_id,
  mustStayInUz: r.must_stay_in_uz === 1,
});

export async function listStores(db: Db | Trx): Promise<DataStore[]> {
  return db.selectFrom('data_stores').select(['id', 'country', 'description']).orderBy('id').execute();
}

export async function findStore(db: Db | Trx, id: string): Promise<DataStore | undefined> {
  return db
    .selectFrom('data_stores')
    .select(['id', 'country', 'description'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertStore(db: Trx, s: DataStore, now: number): Promise<void> {
  await db
    .insertInto('data_stores')
    .values({ ...s, created_at: now })
    .execute();
}

export async function listCategories(db: Db | Trx): Promise<DataCategory[]> {
  return (await db.selectFrom('data_categories').selectAll().orderBy('id').execute()).map(toCategory);
}

export async function findCategory(db: Db | Trx, id: string): Promise<DataCategory | undefined> {
  const row = await db.selectFrom('data_categories').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCategory(row);
}

export async function insertCategory(db: Trx, c: DataCategory, now: number): Promise<void> {
  await db
    .insertInto('data_categories')
    .values({
      id: c.id,
      name: c.name,
      class: c.class,
      store_id: c.storeId,
      must_stay_in_uz: c.mustStayInUz ? 1 : 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function updateCategoryStore(db: Trx, id: string, storeId: string, now: number): Promise<void> {
  await db
    .updateTable('data_categories')
    .set({ store_id: storeId, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function countPurposes(db: Db | Trx): Promise<number> {
  const row = await db
    .selectFrom('purposes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function nextPurposeIdx(db: Trx): Promise<number> {
  const row = await db
    .selectFrom('purposes')
    .select((eb) => eb.fn.max<number | null>('idx').as('m'))
    .executeTakeFirst();
  return row?.m == null ? 0 : Number(row.m) + 1;
}

/** Every purpose at its current version. */
export async function listPurposes(db: Db | Trx): Promise<IndexedPurpose[]> {
  const rows = await db
    .selectFrom('purposes as p')
    .innerJoin('purpose_versions as v', (j) =>
      j.onRef('v.purpose_id', '=', 'p.id').onRef('v.version', '=', 'p.current_version'),
    )
    .select(['p.id', 'p.idx', 'v.version', 'v.definition'])
    .orderBy('p.idx')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    idx: Number(r.idx),
    version: Number(r.version),
    ...(JSON.parse(r.definition) as PurposeDefinition),
  }));
}

const FIND_PURPOSE = statement(
  'select p.id, p.idx, v.version, v.definition from purposes p inner join purpose_versions v on v.purpose_id = p.id and v.version = p.current_version where p.id = ?',
);
export async function findPurpose(db: Db | Trx, id: string): Promise<IndexedPurpose | undefined> {
  const r = await first<{ id: string; idx: number; version: number; definition: string }>(db, FIND_PURPOSE, [
    id,
  ]);
  return (
    r && {
      id: r.id,
      idx: Number(r.idx),
      version: Number(r.version),
      ...(JSON.parse(r.definition) as PurposeDefinition),
    }
  );
}

export async function insertPurpose(db: Trx, id: string, idx: number, now: number): Promise<void> {
  await db
    .insertInto('purposes')
    .values({ id, idx, current_version: 0, created_at: now, updated_at: now })
    .execute();
}

/** Appends version `version` and makes it current; earlier versions stay as they were. */
export async function insertPurposeVersion(
  db: Trx,
  row: { purposeId: string; version: number; definition: PurposeDefinition; createdBy: string; now: number },
): Promise<void> {
  await db
    .insertInto('purpose_versions')
    .values({
      purpose_id: row.purposeId,
      version: row.version,
      definition: JSON.stringify(row.definition),
      created_by: row.createdBy,
      created_at: row.now,
    })
    .execute();
  await db
    .updateTable('purposes')
    .set({ current_version: row.version, updated_at: row.now })
    .where('id', '=', row.purposeId)
    .execute();
}

export async function listPurposeVersions(db: Db | Trx, purposeId: string): Promise<PurposeVersion[]> {
  const rows = await db
    .selectFrom('purpose_versions')
    .selectAll()
    .where('purpose_id', '=', purposeId)
    .orderBy('version')
    .execute();
  return rows.map((r) => ({
    version: Number(r.version),
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    definition: JSON.parse(r.definition) as PurposeDefinition,
  }));
}
