import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { type Database, type DatabaseKind, openDatabase } from '../../src/db/database.js';
import { migrateUp } from '../../src/db/migrate.js';

/** The PostgreSQL server the contract suites also run on; unset means SQLite only. */
export const PG_URL = process.env.MAXFIY_TEST_DATABASE_URL ?? '';

/** The kinds every store contract suite runs on: `describe.each(databaseKinds())`. */
export function databaseKinds(): DatabaseKind[] {
  return PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase {
  database: Database;
  /** SQLite file or PostgreSQL schema, for tests that tamper with rows directly. */
  where: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database: a SQLite file in a temporary folder, or a private
 * PostgreSQL schema (selected through `search_path`) that is dropped afterwards.
 */
export async function openTestDatabase(
  kind: DatabaseKind,
  opts: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-test-'));
    const file = path.join(dir, 'maxfiy.db');
    const database = await openDatabase({ databaseUrl: '', file });
    if (migrate) await migrateUp(database);
    return {
      database,
      where: file,
      async cleanup() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!PG_URL) throw new Error('MAXFIY_TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = withSearchPath(PG_URL, schema);
  const database = await openDatabase({ databaseUrl: url, file: '', poolSize: 4 });
  const dropSchema = async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  };
  if (migrate) {
    try {
      await migrateUp(database);
    } catch (err) {
      await database.close();
      await dropSchema();
      throw err;
    }
  }
  return {
    database,
    where: schema,
    async cleanup() {
      await database.close();
      await dropSchema();
    },
  };
}

/** A connection string whose sessions use `schema` first. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/**
 * The tables of this database's own schema. (Kysely's introspection looks at every
 * schema on the server and fails when another test drops its schema meanwhile.)
 */
export async function listTables(database: Database): Promise<string[]> {
  const query =
    database.kind === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`
      : sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1`;
  return (await query.execute(database.db)).rows.map((r) => r.name).filter((n) => n !== 'maxfiy_migrations');
}
