import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Schema } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';
export type Trx = Transaction<Schema>;
export type Db = Kysely<Schema>;

/**
 * The storage handle every store and service receives.
 *
 * `db` serves reads. Writes go through `write()`, which is durable when it resolves:
 * on SQLite concurrent writes are group-committed (one transaction, one fsync for all
 * that arrived together, each in its own savepoint so one failure does not sink the
 * others); on PostgreSQL each is its own transaction and the server groups commits.
 */
export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Db;
  write<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** Where the SQLite file is, for backup; undefined on PostgreSQL. */
  readonly file?: string;
  /** The PostgreSQL connection string, for backup; undefined on SQLite. */
  readonly url?: string;
  /** The connection migrations run on (the writer on SQLite). */
  readonly schemaDb: Kysely<unknown>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `postgres://…`, or empty for SQLite at `file`. */
  databaseUrl: string;
  /** SQLite file; `:memory:` is refused because group commit needs two connections. */
  file: string;
  /** Largest number of writes one group commit takes. */
  maxBatch?: number;
  poolSize?: number;
}

export function sqliteFileFor(dataDir: string): string {
  return path.join(dataDir, 'maxfiy.db');
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openSqlite(options.file, options.maxBatch ?? 512);
}

function configureSqlite(conn: SQLite.Database, readonly: boolean): SQLite.Database {
  conn.pragma('busy_timeout = 5000');
  if (!readonly) {
    conn.pragma('journal_mode = WAL');
    // Durability is not traded for speed: every acknowledged write is on disk.
    conn.pragma('synchronous = FULL');
  }
  conn.pragma('foreign_keys = ON');
  return cachePrepared(conn);
}

/**
 * Kysely prepares every statement it runs, which was a seventh of the CPU of a
 * small write. better-sqlite3 statements are reusable, and Kysely runs each to
 * completion synchronously (no code here streams or changes a statement's mode),
 * so each distinct SQL text is prepared once per connection.
 */
function cachePrepared(conn: SQLite.Database, max = 1000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = conn.prepare.bind(conn);
  conn.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof conn.prepare;
  return conn;
}

function openSqlite(file: string, maxBatch: number): Database {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const writer = configureSqlite(new SQLite(file), false);
  // A second connection for reads: in WAL mode it reads the last commit while a
  // group transaction is open on the writer, so reads never wait for writes.
  const reader = configureSqlite(new SQLite(file, { readonly: true }), true);
  const writeDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: writer }) });
  const readDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: reader }) });
  const committer = new GroupCommitter(writeDb, maxBatch);
  return {
    kind: 'sqlite',
    db: readDb,
    schemaDb: writeDb as Kysely<unknown>,
    file,
    write: (fn) => committer.submit(fn),
    async close() {
      await committer.drain();
      await readDb.destroy();
      await writeDb.destroy();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  // Loaded only in server mode: the embedded default does not pay for it at start.
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      // int8 and numeric carry times in ms and counters; all fit in 2^53.
      if (oid === 20) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    schemaDb: db as Kysely<unknown>,
    url,
    async write(fn) {
      const { value, hooks } = await db.transaction().execute((trx) => withHooks(trx, fn));
      runHooks(hooks);
      return value;
    },
    close: () => db.destroy(),
  };
}

const commitHooks = new WeakMap<object, (() => void)[]>();

/**
 * Runs `hook` once the write that `trx` belongs to is durable, and never if it is
 * rolled back. In-memory state (caches, indexes, counters) follows the database
 * through these hooks, so a failed write cannot leave it ahead of the data.
 */
export function onCommit(trx: Trx, hook: () => void): void {
  const hooks = commitHooks.get(trx);
  if (!hooks) throw new Error('onCommit called outside Database.write()');
  hooks.push(hook);
}

async function withHooks<T>(
  trx: Trx,
  fn: (trx: Trx) => Promise<T>,
): Promise<{ value: T; hooks: (() => void)[] }> {
  const hooks: (() => void)[] = [];
  commitHooks.set(trx, hooks);
  try {
    return { value: await fn(trx), hooks };
  } finally {
    commitHooks.delete(trx);
  }
}

function runHooks(hooks: (() => void)[]): void {
  for (const hook of hooks) hook();
}

interface Job {
  fn: (trx: Trx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Writes that arrive while a commit is in progress wait for the next one, then
 * all of them share it. Each job runs in a savepoint; the job's promise settles
 * only after the commit that holds it is durable.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly maxBatch: number,
  ) {}

  submit<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) this.running = this.loop();
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    // Let writes issued in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async commit(batch: Job[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown; hooks?: (() => void)[] }[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const job of batch) {
          if (batch.length === 1) {
            // No savepoint needed: the job's failure is the transaction's.
            outcomes.push({ ok: true, ...(await withHooks(trx, job.fn)) });
            continue;
          }
          await sql`SAVEPOINT job`.execute(trx);
          try {
            const done = await withHooks(trx, job.fn);
            await sql`RELEASE job`.execute(trx);
            outcomes.push({ ok: true, ...done });
          } catch (err) {
            await sql`ROLLBACK TO job`.execute(trx);
            await sql`RELEASE job`.execute(trx);
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => {
      const o = outcomes[i];
      if (!o?.ok) {
        job.reject(o?.value);
        return;
      }
      try {
        runHooks(o.hooks ?? []);
        job.resolve(o.value);
      } catch (err) {
        job.reject(err);
      }
    });
  }
}
