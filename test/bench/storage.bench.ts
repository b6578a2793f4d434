import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { GroupCommitter, openDatabase } from '../../src/db/database.js';
import type { BenchResult } from './types.js';

const WRITERS = 64;

/**
 * Acknowledged durable writes per second on SQLite (synchronous=FULL) with 64
 * concurrent writers: group commit against one transaction per write, through
 * the same code path (a committer that takes one write per transaction).
 */
export async function benchGroupCommit(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-bench-'));
  const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'bench.db') });
  try {
    await sql`create table bench_rows (id integer primary key, subject text not null, payload text not null)`.execute(
      database.schemaDb,
    );
    const writeDb = (database as unknown as { schemaDb: ConstructorParameters<typeof GroupCommitter>[0] })
      .schemaDb;
    const grouped = new GroupCommitter(writeDb, 512);
    const single = new GroupCommitter(writeDb, 1);

    const run = async (committer: GroupCommitter, perWriter: number) => {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            await committer.submit((trx) =>
              sql`insert into bench_rows (subject, payload) values (${`s${w}`}, ${`payload-${w}-${i}`})`.execute(
                trx,
              ),
            );
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return (WRITERS * perWriter) / seconds;
    };

    await run(grouped, 5); // warm-up
    const baseline = await run(single, 16);
    const groupedRate = await run(grouped, 300);
    return [
      {
        name: 'sqlite_durable_writes_group_commit_64_writers',
        value: Math.round(groupedRate),
        unit: 'writes/s',
        ratio: groupedRate / baseline,
        baseline: `one transaction per write, synchronous=FULL (${Math.round(baseline)} writes/s)`,
      },
    ];
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
