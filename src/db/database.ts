import { chmodSync, closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { Checkpointer } from './checkpointer.js';
import type { Schema } from './schema.js';
import { bindConnection, unbindConnection } from './statements.js';

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
  /**
   * SQLite: how a commit is made durable. `wal-fsync` (the default) syncs the log
   * off the main thread (see `walSync`); `full` lets SQLite sync inside COMMIT
   * (synchronous=FULL), which blocks the thread for the fsync. Both acknowledge
   * a write only once it is on disk.
   */
  sync?: 'wal-fsync' | 'full';
  poolSize?: number;
}

export function sqliteFileFor(dataDir: string): string {
  return path.join(dataDir, 'maxfiy.db');
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openSqlite(options.file, options.maxBatch ?? 512, options.sync ?? 'wal-fsync');
}

function configureSqlite(
  conn: SQLite.Database,
  writer?: { sync: 'wal-fsync' | 'full' },
  beforeStatement?: () => void,
): SQLite.Database {
  conn.pragma('busy_timeout = 5000');
  if (writer) {
    conn.pragma('journal_mode = WAL');
    // Durability is not traded for speed: every acknowledged write is on disk. With
    // `wal-fsync` the group committer syncs the log itself before acknowledging.
    conn.pragma(`synchronous = ${writer.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    // Each write of a group commit runs in a savepoint. SQLite journals the pages a
    // savepoint changes in memory up to 64 KiB, then in a temporary file with a
    // write(2) per page: a write that changes more than some fifteen pages (a batch
    // of acceptances, a page split or two) paid those. Kept in memory, they are
    // copies, freed when the savepoint is released.
    conn.pragma('temp_store = MEMORY');
    // The checkpointer's thread copies the log as it grows; the writer checkpoints
    // at this mark, which restarts the log (see Checkpointer).
    conn.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  }
  conn.pragma('foreign_keys = ON');
  return cachePrepared(conn, beforeStatement);
}

/**
 * Kysely prepares every statement it runs, which was a seventh of the CPU of a
 * small write. better-sqlite3 statements are reusable, and Kysely runs each to
 * completion synchronously (no code here streams or changes a statement's mode),
 * so each distinct SQL text is prepared once per connection.
 */
function cachePrepared(conn: SQLite.Database, beforeStatement?: () => void, max = 1000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = conn.prepare.bind(conn);
  conn.prepare = ((source: string) => {
    beforeStatement?.();
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

/**
 * Lets the reads of one turn of the event loop share one read transaction.
 *
 * A read outside a transaction opens and closes its own, and in WAL mode that
 * takes and drops a lock on the shared-memory index with fcntl(2): measured
 * here, 11 µs for a primary-key read against 3 µs inside a transaction, most
 * of the cost of reading a customer's acceptance state. The first statement of
 * a turn begins a transaction (`begin`, run before each statement); it ends when the turn does (`setImmediate`), and
 * also before any statement on the writer (`end`), so a read never starts from
 * a snapshot older than the last commit this process made: what a read sees is
 * what it saw with one transaction per read. Reads here run to completion
 * synchronously: do not `stream()` from `db` or open a transaction on it, as
 * a cursor or transaction kept across turns would hold the snapshot.
 */
function readSnapshotPerTurn(conn: SQLite.Database): { begin(): void; end(): void } {
  const beginStatement = conn.prepare('BEGIN');
  const commit = conn.prepare('COMMIT');
  const end = () => {
    // Closed in the turn of its last read: the connection's close ended the transaction.
    if (!conn.open || !conn.inTransaction) return;
    try {
      commit.run();
    } catch {
      // A statement still stepping (nothing here streams today) holds the
      // transaction open: try again next turn rather than throw from a timer.
      setImmediate(end);
    }
  };
  const begin = () => {
    if (conn.inTransaction) return;
    beginStatement.run();
    setImmediate(end);
  };
  return { begin, end };
}

/**
 * Log pages after which the writer checkpoints by itself, on the main thread,
 * with two syncs (SQLite's default is 1,000). The log stays at about 16 MiB,
 * which is what a restart after a crash reads back.
 */
const WRITER_CHECKPOINT_PAGES = 4000;

function openSqlite(file: string, maxBatch: number, sync: 'wal-fsync' | 'full'): Database {
  // The file holds wrapped keys, ciphertexts and the audit log: this account's alone, whatever the
  // umask (a folder made here is 0700, a new file 0600; SQLite's -wal and -shm take the file's mode).
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  let endReadSnapshot = () => {};
  const writer = configureSqlite(new SQLite(file), { sync }, () => endReadSnapshot());
  // A second connection for reads: in WAL mode it reads the last commit while a
  // group transaction is open on the writer, so reads never wait for writes.
  const readConnection = new SQLite(file, { readonly: true });
  const snapshot = readSnapshotPerTurn(readConnection);
  const reader = configureSqlite(readConnection, undefined, snapshot.begin);
  endReadSnapshot = snapshot.end;
  const writeDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: writer }) });
  const readDb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: reader }) });
  bindConnection(readDb, reader);
  const checkpointer = new Checkpointer(file, (code) =>
    // The database has no logger; an SQLite code or `exited` carries no data.
    process.emitWarning(`the checkpoint thread stopped (${code}); the writer checkpoints by itself`, {
      code: 'MAXFIY_CHECKPOINTER',
    }),
  );
  const committer = new GroupCommitter(
    writeDb,
    maxBatch,
    writer,
    sync === 'wal-fsync' ? walSync(file) : undefined,
    (writes) => checkpointer.committed(writes),
  );
  return {
    kind: 'sqlite',
    db: readDb,
    schemaDb: writeDb as Kysely<unknown>,
    file,
    write: (fn) => committer.submit(fn),
    async close() {
      // Stopped first: the writes drained below cannot start it again.
      await checkpointer.stop();
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

/**
 * A write that reads rows, checks them and writes, where two concurrent
 * transactions could each pass the check (two approvals of one version, two
 * "next number" reads): on PostgreSQL such writes take turns under the
 * transaction-scoped advisory lock `key`; SQLite has one writer, so they do already.
 */
export function writeInTurn<T>(database: Database, key: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return database.write(async (trx) => {
    if (database.kind === 'postgres') await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
    return fn(trx);
  });
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

type Outcome = { ok: boolean; value: unknown; hooks?: (() => void)[] };

/** How many committed batches may wait for their sync at once before the next commit waits too. */
const MAX_UNSYNCED_BATCHES = 4;

/**
 * Writes that arrive while a commit is in progress wait for the next one, then
 * all of them share it. Each job runs in a savepoint; the job's promise settles
 * only after the commit that holds it is durable.
 *
 * With `sync` (SQLite in WAL mode with synchronous=NORMAL, see `walSync`), a
 * commit writes the log and `sync` makes it durable off this thread: the next
 * batch runs while the last one's fsync is in flight, and each batch's writers
 * hear back, and its commit hooks run, only once its own sync has completed, in
 * commit order. Without it, the commit itself is durable (synchronous=FULL).
 * A failed sync fails the batch and every later write: what is on disk is then
 * unknown, and only a restart (which recovers from the log) can say.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  private running: Promise<void> | undefined;
  private acknowledged: Promise<void> = Promise.resolve();
  private unsynced = 0;
  private failure: unknown;

  constructor(
    private readonly db: Db,
    private readonly maxBatch: number,
    /** The connection under `db`: statements (statements.ts) and savepoints run on it directly. */
    private readonly connection?: SQLite.Database,
    private readonly sync?: () => Promise<void>,
    /** Told after each commit how many writes it held; must not throw. */
    private readonly committed?: (writes: number) => void,
  ) {}

  submit<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) this.running = this.loop();
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
    await this.acknowledged;
  }

  private async loop(): Promise<void> {
    // Let writes issued in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        if (this.failure !== undefined) {
          for (const job of this.queue.splice(0)) job.reject(this.failure);
          break;
        }
        // Bounded: when syncs fall behind, commits wait rather than pile up unacknowledged.
        while (this.unsynced >= MAX_UNSYNCED_BATCHES) await this.acknowledged;
        const batch = this.queue.splice(0, Math.min(this.maxBatch, this.share()));
        const outcomes = await this.commit(batch);
        if (outcomes) {
          this.acknowledge(batch, outcomes);
          this.committed?.(batch.length);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /**
   * How many of the waiting writes the next commit takes. All of them, unless
   * the log is synced off this thread and no sync is in flight: then half. When
   * every writer waits on one sync, the thread has nothing to do until it ends;
   * committing half first lets the other half's commit overlap its sync.
   */
  private share(): number {
    const waiting = this.queue.length;
    return this.sync && this.unsynced === 0 && waiting > 1 ? Math.ceil(waiting / 2) : waiting;
  }

  /** Settles a committed batch: at once without `sync`, else after its sync and every earlier batch's. */
  private acknowledge(batch: Job[], outcomes: Outcome[]): void {
    if (!this.sync) {
      settle(batch, outcomes);
      return;
    }
    this.unsynced++;
    const durable = this.sync();
    this.acknowledged = this.acknowledged
      .then(() => durable)
      .then(
        () => {
          if (this.failure === undefined) settle(batch, outcomes);
          else for (const job of batch) job.reject(this.failure);
        },
        (err) => {
          this.failure ??= err;
          for (const job of batch) job.reject(this.failure);
        },
      )
      .finally(() => {
        this.unsynced--;
      });
  }

  /** Runs the batch in one transaction; undefined when the transaction failed (every job is rejected). */
  private async commit(batch: Job[]): Promise<Outcome[] | undefined> {
    const outcomes: Outcome[] = [];
    const connection = this.connection;
    const exec = async (trx: Trx, text: 'SAVEPOINT job' | 'RELEASE job' | 'ROLLBACK TO job') => {
      if (connection) connection.prepare(text).run();
      else await sql.raw(text).execute(trx);
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        if (connection) bindConnection(trx, connection);
        try {
          for (const job of batch) {
            if (batch.length === 1) {
              // No savepoint needed: the job's failure is the transaction's.
              outcomes.push({ ok: true, ...(await withHooks(trx, job.fn)) });
              continue;
            }
            await exec(trx, 'SAVEPOINT job');
            try {
              const done = await withHooks(trx, job.fn);
              await exec(trx, 'RELEASE job');
              outcomes.push({ ok: true, ...done });
            } catch (err) {
              await exec(trx, 'ROLLBACK TO job');
              await exec(trx, 'RELEASE job');
              outcomes.push({ ok: false, value: err });
            }
          }
        } finally {
          unbindConnection(trx);
        }
      });
    } catch (err) {
      for (const job of batch) job.reject(err);
      return undefined;
    }
    return outcomes;
  }
}

function settle(batch: Job[], outcomes: Outcome[]): void {
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

/**
 * Makes SQLite's write-ahead log durable with fsync(2) on the libuv thread
 * pool, so the event loop goes on while the disk works. Together with
 * synchronous=NORMAL this is what synchronous=FULL does in WAL mode (sync the
 * log after each commit), moved off the main thread. The log's directory is
 * synced once, when the log is first opened, as a new file's entry needs.
 */
export function walSync(databaseFile: string): () => Promise<void> {
  const wal = `${databaseFile}-wal`;
  let fd: number | undefined;
  const open = () => {
    const dir = openSync(path.dirname(path.resolve(databaseFile)), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return openSync(wal, 'r');
  };
  return () => {
    // SQLite keeps the log while any connection is open, and this process holds two;
    // should it ever be replaced (nlink 0), the new file is the one to sync.
    return new Promise<void>((resolve, reject) => {
      if (fd !== undefined && fstatSync(fd).nlink === 0) {
        closeSync(fd);
        fd = undefined;
      }
      fd ??= open();
      fsync(fd, (err) => (err ? reject(err) : resolve()));
    });
  };
}
