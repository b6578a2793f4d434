import { type Kysely, Migrator, sql } from 'kysely';
import type { Database } from './database.js';
import { ListMigrationProvider, migrations } from './migrations/index.js';

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export interface MigrationStatus {
  name: string;
  appliedAt: Date | null;
}

async function migrator(database: Database): Promise<Migrator> {
  // Migrations run on the writer: on SQLite the reader connection is read-only.
  // On PostgreSQL the bookkeeping tables live in the connection's own schema:
  // without naming it, Kysely looks for them in every schema it can see.
  const schema = database.kind === 'postgres' ? await currentSchema(database) : undefined;
  return new Migrator({
    db: writerOf(database),
    provider: new ListMigrationProvider(migrations(database.kind)),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('the PostgreSQL connection has no current schema (check search_path)');
  return schema;
}

/** The connection that may change the schema: the group-commit writer on SQLite. */
function writerOf(database: Database): Kysely<unknown> {
  return database.schemaDb;
}

export async function migrationStatus(database: Database): Promise<MigrationStatus[]> {
  const known = Object.keys(migrations(database.kind));
  const applied = await appliedMigrations(database);
  const unknown = [...applied.keys()].filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database schema is newer than this version of maxfiy: it has migration ${unknown.at(-1)}, ` +
        `the newest this code knows is ${known.at(-1)}. Run a newer maxfiy, or restore a matching backup.`,
    );
  }
  return known.map((name) => ({ name, appliedAt: applied.get(name) ?? null }));
}

async function appliedMigrations(database: Database): Promise<Map<string, Date>> {
  const db = database.db as unknown as Kysely<unknown>;
  const exists =
    database.kind === 'postgres'
      ? sql<{
          n: number;
        }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = 'kysely_migration'`
      : sql<{
          n: number;
        }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`;
  if (Number((await exists.execute(db)).rows[0]?.n ?? 0) === 0) return new Map();
  const rows = await sql<{
    name: string;
    timestamp: string;
  }>`select name, timestamp from kysely_migration`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, new Date(r.timestamp)]));
}

/** True when every known migration is applied (readiness). */
export async function migrationsCurrent(database: Database): Promise<boolean> {
  const status = await migrationStatus(database);
  return status.every((m) => m.appliedAt !== null);
}

/** Applies what is pending; refuses a database whose schema is newer than the code. */
export async function migrateUp(database: Database): Promise<string[]> {
  await migrationStatus(database);
  const { error, results } = await (await migrator(database)).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
