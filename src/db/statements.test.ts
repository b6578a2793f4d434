import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { all, first, run, statement } from './statements.js';

describe('statements', () => {
  it('numbers placeholders for PostgreSQL and keeps them for SQLite', () => {
    const s = statement('select * from t where a = ? and b in (?, ?)');
    expect(s.sqlite).toBe('select * from t where a = ? and b in (?, ?)');
    expect(s.postgres).toBe('select * from t where a = $1 and b in ($2, $3)');
  });
});

const INSERT = statement(
  'insert into consent_subjects (subject_id, status, rev, updated_at) values (?, ?, 1, ?) on conflict (subject_id) do update set rev = consent_subjects.rev + 1 returning rev',
);
const ONE = statement('select subject_id, rev from consent_subjects where subject_id = ?');
const EVERY = statement('select subject_id from consent_subjects order by subject_id');
const BLOCK = statement("update consent_subjects set status = 'blocked' where subject_id like ?");

describe.each(databaseKinds())('statements on %s', (kind) => {
  let t: TestDatabase;
  afterEach(async () => t?.cleanup());

  it('run in a write (on the writer connection) and read back outside it (on the reader)', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    const revs = await database.write(async (trx) => [
      (await first<{ rev: number }>(trx, INSERT, ['s-1', 'active', 1]))?.rev,
      (await first<{ rev: number }>(trx, INSERT, ['s-1', 'active', 2]))?.rev,
      (await all<{ rev: number }>(trx, INSERT, ['s-2', 'active', 3]))[0]?.rev,
    ]);
    expect(revs.map(Number)).toEqual([1, 2, 1]);
    const row = await first<{ subject_id: string; rev: number }>(database.db, ONE, ['s-1']);
    expect(row && { ...row, rev: Number(row.rev) }).toEqual({ subject_id: 's-1', rev: 2 });
    expect(await first(database.db, ONE, ['none'])).toBeUndefined();
    expect(await all(database.db, EVERY, [])).toEqual([{ subject_id: 's-1' }, { subject_id: 's-2' }]);
    expect(await database.write((trx) => run(trx, BLOCK, ['s-%']))).toBe(2);
  });

  it('roll back with the write they are part of', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    await expect(
      database.write(async (trx) => {
        await run(trx, INSERT, ['s-3', 'active', 1]);
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');
    expect(await first(database.db, ONE, ['s-3'])).toBeUndefined();
  });
});
