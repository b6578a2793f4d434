/**
 * Hot-path statements: SQL written once, with `?` placeholders, and run without
 * building and compiling a query on every call.
 *
 * Kysely's builders are kept for everything else; on the few statements every
 * consent change and acceptance runs (about ten per write), building and
 * compiling the query was half of the CPU of the write. A statement here is
 * plain SQL that both dialects accept. On SQLite it runs as a cached prepared
 * statement on the connection behind the handle; on PostgreSQL `?` becomes `$n`
 * and it goes through Kysely's executor, in the caller's transaction.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, PostgresAdapter } from 'kysely';

export interface Statement {
  readonly sqlite: string;
  readonly postgres: string;
}

/**
 * One statement for both dialects. `text` must not contain `?` other than as
 * placeholders (no `?` in string literals or JSON operators).
 */
export function statement(text: string): Statement {
  let n = 0;
  return { sqlite: text, postgres: text.replace(/\?/g, () => `$${++n}`) };
}

/** The better-sqlite3 connection behind a Kysely handle (a database or a transaction), where known. */
const connections = new WeakMap<object, SQLite.Database>();

/** Says which SQLite connection `handle` runs on, so statements can skip Kysely for it. */
export function bindConnection(handle: object, connection: SQLite.Database): void {
  connections.set(handle, connection);
}

export function unbindConnection(handle: object): void {
  connections.delete(handle);
}

type Handle = Kysely<any>;

/** Rows of a statement that returns rows (`select`, or `… returning`). */
export async function all<Row>(handle: Handle, s: Statement, params: readonly unknown[]): Promise<Row[]> {
  const connection = connections.get(handle);
  if (connection) return connection.prepare(s.sqlite).all(...params) as Row[];
  const text = isPostgres(handle) ? s.postgres : s.sqlite;
  const result = await handle.executeQuery<Row>(CompiledQuery.raw(text, [...params]));
  return result.rows;
}

/** The first row, or undefined. */
export async function first<Row>(
  handle: Handle,
  s: Statement,
  params: readonly unknown[],
): Promise<Row | undefined> {
  const connection = connections.get(handle);
  if (connection) return connection.prepare(s.sqlite).get(...params) as Row | undefined;
  return (await all<Row>(handle, s, params))[0];
}

/** Runs a statement that returns no rows; resolves to the number of rows it changed. */
export async function run(handle: Handle, s: Statement, params: readonly unknown[]): Promise<number> {
  const connection = connections.get(handle);
  if (connection) return connection.prepare(s.sqlite).run(...params).changes;
  const text = isPostgres(handle) ? s.postgres : s.sqlite;
  const result = await handle.executeQuery(CompiledQuery.raw(text, [...params]));
  return Number(result.numAffectedRows ?? 0n);
}

function isPostgres(handle: Handle): boolean {
  return handle.getExecutor().adapter instanceof PostgresAdapter;
}
