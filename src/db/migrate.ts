import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export interface MigrationStatus {
  name: string;
  appliedAt: Date | null;
}

/**
 * Our own small migrator over the explicit list in migrations/index.ts. Kysely's
 * Migrator finds its bookkeeping table by introspecting every schema the
 * connection can see; on a PostgreSQL server where other schemas come and go
 * (other tenants, test runs) that introspection fails with "schema … does not
 * exist". This one asks only about the connection's own schema, applies each
 * migration with its bookkeeping row in one transaction, and serialises
 * concurrent migrators (two nodes starting at once) with an advisory lock.
 */
const TABLE = 'maxfiy_migrations';
const LOCK_KEY = 0x6d786d67; // "mxmg"

async function tableExists(db: Kysely<unknown>, kind: Database['kind']): Promise<boolean> {
  const query =
    kind === 'postgres'
      ? sql<{ n: number }>`select count(*)::int as n from information_schema.tables
          where table_schema = current_schema() and table_name = ${TABLE}`
      : sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${TABLE}`;
  return Number((await query.execute(db)).rows[0]?.n ?? 0) > 0;
}

async function appliedMigrations(database: Database, db: Kysely<unknown>): Promise<Map<string, Date>> {
  if (!(await tableExists(db, database.kind))) return new Map();
  const rows = await sql<{
    name: string;
    applied_at: number;
  }>`select name, applied_at from ${sql.table(TABLE)}`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, new Date(Number(r.applied_at))]));
}

function refuseNewer(known: string[], applied: Map<string, Date>): void {
  const unknown = [...applied.keys()].filter((n) => !known.includes(n)).sort();
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database schema is newer than this version of maxfiy: it has migration ${unknown.at(-1)}, ` +
        `the newest this code knows is ${known.at(-1)}. Run a newer maxfiy, or restore a matching backup.`,
    );
  }
}

export async function migrationStatus(database: Database): Promise<MigrationStatus[]> {
  const known = Object.keys(migrations(database.kind));
  const applied = await appliedMigrations(database, database.db as unknown as Kysely<unknown>);
  refuseNewer(known, applied);
  return known.map((name) => ({ name, appliedAt: applied.get(name) ?? null }));
}

/** True when every known migration is applied (readiness). */
export async function migrationsCurrent(database: Database): Promise<boolean> {
  const status = await migrationStatus(database);
  return status.every((m) => m.appliedAt !== null);
}

/** Applies what is pending, in order; refuses a database whose schema is newer than the code. */
export async function migrateUp(database: Database): Promise<string[]> {
  const list = migrations(database.kind);
  const known = Object.keys(list);
  // Migrations run on the writer: on SQLite the reader connection is read-only.
  const db = database.schemaDb;
  const time = database.kind === 'postgres' ? 'bigint' : 'integer';
  await sql`create table if not exists ${sql.table(TABLE)} (name text primary key, applied_at ${sql.raw(time)} not null)`.execute(
    db,
  );
  const done: string[] = [];
  for (const name of known) {
    const ran = await db.transaction().execute(async (trx) => {
      if (database.kind === 'postgres') await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
      const applied = await appliedMigrations(database, trx);
      refuseNewer(known, applied);
      if (applied.has(name)) return false;
      await list[name]?.up(trx);
      await sql`insert into ${sql.table(TABLE)} (name, applied_at) values (${name}, ${Date.now()})`.execute(
        trx,
      );
      return true;
    });
    if (ran) done.push(name);
  }
  return done;
}
