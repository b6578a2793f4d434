import { chmodSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommitter, onCommit, openDatabase, walSync } from './database.js';
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

describe('the SQLite file', () => {
  it('is readable by its owner alone, whatever the umask: a new one, and an old one made wider', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-mode-'));
    const before = process.umask(0o022);
    try {
      const file = path.join(dir, 'data', 'maxfiy.db');
      await (await openDatabase({ databaseUrl: '', file })).close();
      expect([statSync(file).mode & 0o777, statSync(path.dirname(file)).mode & 0o777]).toEqual([
        0o600, 0o700,
      ]);
      chmodSync(file, 0o644);
      await (await openDatabase({ databaseUrl: '', file })).close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('group commit with the log synced off the main thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-sync-'));
    dirs.push(dir);
    const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'maxfiy.db') });
    return {
      dir,
      database,
      db: database.schemaDb as unknown as ConstructorParameters<typeof GroupCommitter>[0],
    };
  };

  it('acknowledges a write and runs its hooks only after its sync, in commit order', async () => {
    const { database, db } = await open();
    await sql`create table t (n integer)`.execute(db);
    const syncs: (() => void)[] = [];
    const committer = new GroupCommitter(db, 2, undefined, () => new Promise<void>((r) => syncs.push(r)));
    const seen: string[] = [];
    const write = (n: number) =>
      committer
        .submit(async (trx) => {
          await sql`insert into t (n) values (${n})`.execute(trx);
          onCommit(trx, () => seen.push(`hook ${n}`));
          return n;
        })
        .then((v) => seen.push(`ack ${v}`));
    const writes = [write(1), write(2), write(3)];
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    // Both batches are committed, neither is synced: nothing is acknowledged yet.
    expect(seen).toEqual([]);
    syncs[1]?.();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    syncs[0]?.();
    await Promise.all(writes);
    // Writes 1 and 2 shared the first commit: their hooks ran before any of them heard back.
    expect(seen).toEqual(['hook 1', 'hook 2', 'ack 1', 'ack 2', 'hook 3', 'ack 3']);
    await database.close();
  });

  it('commits half of what waits while no sync is in flight, so the other half overlaps that sync', async () => {
    const { database, db } = await open();
    await sql`create table t (n integer)`.execute(db);
    const syncs: (() => void)[] = [];
    let held = true;
    const batches: number[] = [];
    const committer = new GroupCommitter(
      db,
      512,
      undefined,
      () => (held ? new Promise<void>((r) => syncs.push(r)) : Promise.resolve()),
      (writes) => batches.push(writes),
    );
    const writes = Array.from({ length: 10 }, (_, n) =>
      committer.submit((trx) => sql`insert into t (n) values (${n})`.execute(trx)),
    );
    // Half went first; the rest were committed while the first sync was still out.
    await vi.waitFor(() => expect(batches).toEqual([5, 5]));
    expect(syncs).toHaveLength(2);
    held = false;
    for (const s of syncs) s();
    await Promise.all(writes);
    // One writer alone is not split.
    await committer.submit((trx) => sql`insert into t (n) values (10)`.execute(trx));
    expect(batches).toEqual([5, 5, 1]);
    await database.close();
  });

  it('fails the batch whose sync failed and every write after it', async () => {
    const { database, db } = await open();
    let calls = 0;
    const committer = new GroupCommitter(db, 1, undefined, () =>
      ++calls === 1 ? Promise.reject(new Error('EIO')) : Promise.resolve(),
    );
    const hook = vi.fn();
    await expect(
      committer.submit(async (trx) => {
        onCommit(trx, hook);
        await sql`select 1`.execute(trx);
      }),
    ).rejects.toThrow('EIO');
    await expect(committer.submit(async () => 1)).rejects.toThrow('EIO');
    expect(hook).not.toHaveBeenCalled();
    await database.close();
  });

  it('syncs the log file SQLite writes, and a new one if the log is replaced', async () => {
    const { dir, database } = await open();
    const file = path.join(dir, 'maxfiy.db');
    await database.write((trx) => sql`create table t (n integer)`.execute(trx));
    const sync = walSync(file);
    await sync();
    // Replaced under the same name: the next sync must reach the new file, not the unlinked one.
    renameSync(`${file}-wal`, `${file}-old`);
    writeFileSync(`${file}-wal`, '');
    rmSync(`${file}-old`);
    await sync();
    rmSync(`${file}-wal`);
    await expect(sync()).rejects.toThrow(/ENOENT/);
    await database.close();
  });
});

describe('reads on SQLite, one read transaction per turn of the event loop', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async (sync?: 'full') => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-snapshot-'));
    dirs.push(dir);
    const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'maxfiy.db'), sync });
    await sql`create table t (n integer)`.execute(database.schemaDb);
    const count = async () =>
      Number((await sql<{ c: number }>`select count(*) as c from t`.execute(database.db)).rows[0]?.c);
    return { database, count };
  };

  it('sees a write made on the writer in the same turn as an earlier read', async () => {
    const { database, count } = await open();
    expect(await count()).toBe(0);
    // No macrotask between the read above and these statements: the read's
    // transaction is still the turn's, and must end before the writer runs.
    await sql`insert into t (n) values (1)`.execute(database.schemaDb);
    expect(await count()).toBe(1);
    await database.close();
  });

  it('sees a write as soon as it is acknowledged, when hooks and the writer run in one turn', async () => {
    // synchronous=FULL: the batch commits and is acknowledged without leaving the turn.
    const { database, count } = await open('full');
    const seen: number[] = [];
    const reads: Promise<void>[] = [];
    await database.write(async (trx) => {
      // A read in the committing turn, before the commit: the turn's snapshot predates the row.
      seen.push(await count());
      await sql`insert into t (n) values (1)`.execute(trx);
      onCommit(trx, () => reads.push(count().then((c) => void seen.push(c))));
    });
    await Promise.all(reads);
    expect(seen).toEqual([0, 1]);
    expect(await count()).toBe(1);
    await database.close();
  });

  it('holds no read transaction once the turn is over, so the log can be checkpointed whole', async () => {
    const { database, count } = await open();
    await database.write((trx) => sql`insert into t (n) values (1)`.execute(trx));
    expect(await count()).toBe(1);
    await new Promise((r) => setImmediate(r));
    // From a connection of its own, so nothing of this process's writer ends the reader's turn for it.
    // busy = 1 would mean the reader still held its snapshot and the log could not be reset.
    const other = new SQLite(database.file as string, { timeout: 0 });
    try {
      expect(other.pragma('wal_checkpoint(truncate)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    } finally {
      other.close();
    }
    await database.close();
  });

  it('closes cleanly in the turn of a read', async () => {
    const { database, count } = await open();
    expect(await count()).toBe(0);
    await database.close();
    // The turn's end comes after the close; it must find nothing to do, not throw.
    await new Promise((r) => setImmediate(r));
  });
});

describe('checkpoints on a thread of their own', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-checkpoint-'));
    dirs.push(dir);
    return dir;
  };

  it('copies the log into the database file once the database is busy, and stops', async () => {
    const file = path.join(tempDir(), 'maxfiy.db');
    const writer = new SQLite(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('create table t (b blob)');
    const insert = writer.prepare('insert into t (b) values (?)');
    writer.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(4000, i));
    })();
    // Everything is in the log; the database file holds none of the rows yet.
    expect(statSync(file).size).toBeLessThan(100 * 4096);
    const checkpointer = new Checkpointer(file, undefined, { startAfter: 10, busyMs: 1, idleMs: 20 });
    checkpointer.committed(9);
    expect(checkpointer.running).toBe(false);
    checkpointer.committed(1);
    expect(checkpointer.running).toBe(true);
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(200 * 4000), { timeout: 10_000 });
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    // Stopped for good: more writes do not start it again.
    checkpointer.committed(100);
    expect(checkpointer.running).toBe(false);
    expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 200 });
    writer.close();
  });

  it('ends and says why, once, when it cannot open the database, and is not started again', async () => {
    const failures: string[] = [];
    const checkpointer = new Checkpointer(path.join(tempDir(), 'missing.db'), (code) => failures.push(code), {
      startAfter: 1,
    });
    checkpointer.committed(1);
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 10_000 });
    expect(failures[0]).toMatch(/^SQLITE_CANTOPEN|^error$/);
    await vi.waitFor(() => expect(checkpointer.running).toBe(false));
    // Later commits do not start a thread per commit that fails again.
    for (let i = 0; i < 5; i++) checkpointer.committed(1);
    expect(checkpointer.running).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(failures).toHaveLength(1);
    await checkpointer.stop();
  });

  it('a stopped checkpointer reports nothing', async () => {
    const file = path.join(tempDir(), 'maxfiy.db');
    const made = new SQLite(file);
    made.pragma('journal_mode = WAL');
    made.close();
    const failures: string[] = [];
    const checkpointer = new Checkpointer(file, (code) => failures.push(code), { startAfter: 1 });
    checkpointer.committed(1);
    expect(checkpointer.running).toBe(true);
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect(failures).toEqual([]);
  });

  it('lets the writer restart the log under a steady load while the thread copies it, with every write kept', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'maxfiy.db');
    const database = await openDatabase({ databaseUrl: '', file });
    await database.write((trx) => sql`create table t (w integer, i integer, b blob)`.execute(trx));
    const page = Buffer.alloc(3900, 7);
    // 48,000 KiB of rows, three times the mark at which the writer checkpoints (4,000 pages).
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < 190; i++)
          await database.write((trx) =>
            sql`insert into t (w, i, b) values (${w}, ${i}, ${page})`.execute(trx),
          );
      }),
    );
    const count = await sql<{ n: number }>`select count(*) as n from t`.execute(database.db);
    expect(count.rows[0]?.n).toBe(64 * 190);
    // The log was restarted rather than grown (without restarts it passes 13,000
    // pages here): the writer's mark, a batch, and what a busy checkpoint lock let through.
    expect(statSync(`${file}-wal`).size).toBeLessThan((4000 + 2000) * 4200);
    await database.close();
  });
});
