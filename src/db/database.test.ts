import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { onCommit } from './database.js';
import { migrationStatus } from './migrate.js';

describe.each(databaseKinds())('database on %s', (kind) => {
  let t: TestDatabase;
  afterEach(async () => t?.cleanup());

  it('applies every migration', async () => {
    t = await openTestDatabase(kind);
    const status = await migrationStatus(t.database);
    expect(status.every((m) => m.appliedAt)).toBe(true);
  });

  it('commits concurrent writes together, and one failing write does not sink the others', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    const now = Date.now();
    const writes = Array.from({ length: 50 }, (_, i) =>
      database.write(async (trx) => {
        if (i === 7) throw new Error('boom');
        await trx
          .insertInto('sites')
          .values({
            id: `s${i}.uz`,
            name: 'n',
            origin: 'https://x',
            agreement_url: 'https://x/a',
            created_at: now,
            updated_at: now,
          })
          .execute();
        return i;
      }),
    );
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const { count } = await database.db
      .selectFrom('sites')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(49);
  });

  it('runs commit hooks only for writes that committed', async () => {
    t = await openTestDatabase(kind);
    const seen: string[] = [];
    const ok = t.database.write(async (trx) => {
      onCommit(trx, () => seen.push('ok'));
      await sql`select 1`.execute(trx);
    });
    const bad = t.database.write(async (trx) => {
      onCommit(trx, () => seen.push('bad'));
      throw new Error('rolled back');
    });
    await Promise.allSettled([ok, bad]);
    expect(seen).toEqual(['ok']);
  });
});
