import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  databaseKinds,
  openTestDatabase,
  PG_URL,
  type TestDatabase,
  withSearchPath,
} from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import { type Database, openDatabase } from '../db/database.js';
import { envKekProvider, type KekProvider, kekIdOf, openFileKekProvider } from './kek.js';
import { DEFAULT_RETIRE_GRACE_MS, rotateKeys } from './keys.rotate.js';
import { createKeyring, type KeyringService } from './keys.service.js';
import { countWrapsByKek, listSubjectKeysNotUnder, rewrapSubjectKey } from './keys.store.js';

describe.each(databaseKinds())('key rotation on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let kek: KekProvider;
  let keyring: KeyringService;
  const extra: Database[] = [];

  // One migrated database for the suite (one per test is slow on PostgreSQL); each test
  // starts from empty key tables and a new key file.
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.cleanup());
  beforeEach(async () => {
    await t.database.write(async (trx) => {
      await trx.deleteFrom('subject_keys').execute();
      await trx.deleteFrom('secrets').execute();
    });
    dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-rotate-'));
    file = path.join(dir, 'keys', 'kek.json');
    clock = new ManualClock();
    kek = await openFileKekProvider({ file, clock });
    keyring = await createKeyring({ database: t.database, kek, clock });
  });
  afterEach(async () => {
    for (const d of extra.splice(0)) await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What another process (a server, or the CLI) sees: its own key file reader and connection. */
  async function otherProcess(): Promise<{ database: Database; kek: KekProvider }> {
    const database =
      kind === 'sqlite'
        ? await openDatabase({ databaseUrl: '', file: t.where })
        : await openDatabase({ databaseUrl: withSearchPath(PG_URL, t.where), file: '', poolSize: 4 });
    extra.push(database);
    return { database, kek: await openFileKekProvider({ file, clock }) };
  }

  async function seed(ring: KeyringService, prefix: string, n: number): Promise<Map<string, Buffer>> {
    // Concurrent writes share commits: quick on SQLite, where each commit is an fsync.
    const subjects = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
    const cts = await Promise.all(
      subjects.map((s) =>
        t.database.write((trx) => ring.encrypt(trx, s, 'profile.email', `${s}@example.uz`)),
      ),
    );
    return new Map(subjects.map((s, i) => [s, cts[i] as Buffer]));
  }

  async function expectReadable(ring: KeyringService, data: Map<string, Buffer>): Promise<void> {
    for (const [subject, ct] of data) {
      expect(await ring.decryptString(t.database.db, subject, 'profile.email', ct)).toBe(
        `${subject}@example.uz`,
      );
    }
  }

  const wrapsByKek = async () => Object.fromEntries(await countWrapsByKek(t.database.db));

  it('re-wraps every data key and secret under a new KEK; old and new data stay readable', async () => {
    const before = await seed(keyring, 's', 23);
    const secret = await keyring.secret('audit-signing', () => randomBytes(32));
    const index = keyring.blindIndex('email', 's000@example.uz');
    const oldId = kek.current().id;
    const progress: [number, number][] = [];

    const result = await keyring.rotate({
      batchSize: 5,
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(result.kekId).not.toBe(oldId);
    expect(result.rewrapped).toBe(23 + 2); // subject keys + the blind-index and audit-signing secrets
    expect(await wrapsByKek()).toEqual({ [result.kekId]: 25 });
    expect(progress.at(-1)).toEqual([25, 25]);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys.map((k: { id: string }) => k.id)).toEqual([
      oldId,
      result.kekId,
    ]);

    const after = await seed(keyring, 'n', 3);
    const restarted = await createKeyring({
      database: t.database,
      kek: await openFileKekProvider({ file, clock }),
      clock,
    });
    await expectReadable(restarted, before);
    await expectReadable(restarted, after);
    expect((await restarted.secret('audit-signing', () => randomBytes(32))).equals(secret)).toBe(true);
    expect(restarted.blindIndex('email', 's000@example.uz').equals(index)).toBe(true);
  });

  it('can run again: a second rotation moves everything on and retires only long-superseded, unused keys', async () => {
    const data = await seed(keyring, 's', 4);
    const k1 = kek.current().id;
    const first = await keyring.rotate();
    expect(first.retired).toEqual([]);
    expect(first.unusedKept).toEqual([k1]); // superseded a moment ago: kept for servers still catching up
    clock.advance(DEFAULT_RETIRE_GRACE_MS);
    const second = await keyring.rotate();
    expect(second.rewrapped).toBe(5);
    expect(second.retired).toEqual([k1]);
    expect(second.unusedKept).toEqual([first.kekId]);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys.map((k: { id: string }) => k.id)).toEqual([
      first.kekId,
      second.kekId,
    ]);
    await expectReadable(
      await createKeyring({ database: t.database, kek: await openFileKekProvider({ file, clock }), clock }),
      data,
    );
  });

  it('resumes after an interruption, skipping rows already re-wrapped', async () => {
    const data = await seed(keyring, 's', 12);
    const rotator = await otherProcess();
    let batches = 0;
    const interrupted = rotateKeys({
      ...rotator,
      clock,
      batchSize: 4,
      onProgress: (done) => {
        if (done > 0 && ++batches === 2) throw new Error('killed');
      },
    });
    await expect(interrupted).rejects.toThrow('killed');
    const partial = await wrapsByKek();
    expect(Object.keys(partial)).toHaveLength(2); // some rows moved, some not
    const resumed = await rotateKeys({ ...rotator, clock, batchSize: 4 });
    expect(await wrapsByKek()).toEqual({ [resumed.kekId]: 13 });
    keyring.forget('s000');
    await expectReadable(keyring, data);
  });

  it('runs beside a server that keeps encrypting and reading; the server reads rows under both KEKs', async () => {
    const old = await seed(keyring, 's', 15);
    const rotator = await otherProcess();
    const server = await createKeyring({ database: t.database, kek, clock, cacheSize: 1 });
    const during = new Map<string, Buffer>();
    const work: Promise<void>[] = [];
    let n = 0;
    const serverStep = async () => {
      const subject = `d${String(n++).padStart(3, '0')}`;
      during.set(
        subject,
        await t.database.write((trx) =>
          server.encrypt(trx, subject, 'profile.email', `${subject}@example.uz`),
        ),
      );
      await expectReadable(server, new Map([...old].slice(0, 3)));
    };

    const result = await rotateKeys({
      ...rotator,
      clock,
      batchSize: 3,
      onProgress: () => work.push(serverStep()),
    });
    await Promise.all(work);

    expect(during.size).toBeGreaterThan(3);
    // The server's cache holds one key: these reads unwrap rows, old-wrapped and new-wrapped alike.
    await expectReadable(server, old);
    await expectReadable(server, during);
    const again = await rotateKeys({ ...rotator, clock });
    expect(await wrapsByKek()).toEqual({ [again.kekId]: old.size + during.size + 1 });
    await expectReadable(server, old);
    await expectReadable(server, during);
    expect(result.kekId).not.toBe(again.kekId);
  });

  it('never brings back a data key shredded while a rotation runs', async () => {
    await seed(keyring, 's', 2);
    const target = await kek.add();
    const [row] = await listSubjectKeysNotUnder(t.database.db, target.id, '', 1);
    if (!row) throw new Error('seed failed');
    await t.database.write((trx) => keyring.shred(trx, row.subject_id));
    const written = await t.database.write((trx) =>
      rewrapSubjectKey(trx, row.subject_id, row.kek_id, target.id, Buffer.from('rewrapped')),
    );
    expect(written).toBe(false);
    const stored = await t.database.db
      .selectFrom('subject_keys')
      .selectAll()
      .where('subject_id', '=', row.subject_id)
      .executeTakeFirstOrThrow();
    expect(stored.wrapped_dek).toBeNull();
  });

  it('with MAXFIY_KEK, re-wraps under the key the operator set and names the old one as removable', async () => {
    // Start over as an installation keyed by the environment.
    await t.database.write((trx) => trx.deleteFrom('secrets').execute());
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const ring = await createKeyring({
      database: t.database,
      kek: envKekProvider({ MAXFIY_KEK: oldKey.toString('base64') }),
      clock,
    });
    const data = await seed(ring, 'e', 3);
    // The operator's step: the new key in MAXFIY_KEK, the old one kept in MAXFIY_KEK_PREVIOUS.
    const during = envKekProvider({
      MAXFIY_KEK: newKey.toString('base64'),
      MAXFIY_KEK_PREVIOUS: oldKey.toString('base64'),
    });
    const result = await rotateKeys({ database: t.database, kek: during, clock });
    expect(result).toMatchObject({
      kekId: kekIdOf(newKey),
      rewrapped: 4,
      retired: [],
      unusedKept: [kekIdOf(oldKey)],
    });
    expect((await rotateKeys({ database: t.database, kek: during, clock })).rewrapped).toBe(0);
    // MAXFIY_KEK_PREVIOUS can go now: the new key alone reads everything.
    const onlyNew = envKekProvider({ MAXFIY_KEK: newKey.toString('base64') });
    await expectReadable(await createKeyring({ database: t.database, kek: onlyNew, clock }), data);
  });
});
