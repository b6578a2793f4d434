import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/db/database.js';
import type { BenchResult } from './types.js';

const WRITERS = 64;

/**
 * Acknowledged durable writes per second on SQLite with 64 concurrent writers,
 * each through `Database.write`: group commit as the product runs it (the log
 * synced off the main thread before each acknowledgement) against one
 * transaction per write, each synced inside its COMMIT (synchronous=FULL).
 */
export async function benchGroupCommit(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-bench-'));
  const open = async (name: string, options: { maxBatch: number; sync: 'wal-fsync' | 'full' }) => {
    const database = await openDatabase({ databaseUrl: '', file: path.join(dir, name), ...options });
    await sql`create table bench_rows (id integer primary key, subject text not null, payload text not null)`.execute(
      database.schemaDb,
    );
    return database;
  };
  const grouped = await open('grouped.db', { maxBatch: 512, sync: 'wal-fsync' });
  const single = await open('single.db', { maxBatch: 1, sync: 'full' });
  try {
    const run = async (database: Database, perWriter: number) => {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            await database.write((trx) =>
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
        baseline: `one transaction per write, each synced in its COMMIT (synchronous=FULL) (${Math.round(baseline)} writes/s)`,
      },
    ];
  } finally {
    await grouped.close();
    await single.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
