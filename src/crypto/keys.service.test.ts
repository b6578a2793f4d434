import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
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
import { columnTypes } from '../db/migrations/index.js';
import { envKekProvider, type KekProvider, kekIdOf, localKek } from './kek.js';
import { BLIND_INDEX_SECRET, createKeyring, type KeyringService } from './keys.service.js';

const clock = new ManualClock();
const envWith = (key: Buffer) => ({ MAXFIY_KEK: key.toString('base64') });

/** A second handle on the same database, as another server process would have. */
async function secondHandle(t: TestDatabase, kind: string): Promise<Database> {
  if (kind === 'sqlite') return openDatabase({ databaseUrl: '', file: t.where });
  return openDatabase({ databaseUrl: withSearchPath(PG_URL, t.where), file: '', poolSize: 4 });
}

describe.each(databaseKinds())('keyring on %s', (kind) => {
  let t: TestDatabase;
  let kekKey: Buffer;
  let kek: KekProvider;
  let keyring: KeyringService;
  const extra: Database[] = [];

  // One migrated database for the suite (creating one per test is slow on PostgreSQL);
  // each test starts from empty key tables and a new KEK.
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.cleanup());
  beforeEach(async () => {
    await t.database.write(async (trx) => {
      await trx.deleteFrom('subject_keys').execute();
      await trx.deleteFrom('secrets').execute();
    });
    kekKey = randomBytes(32);
    kek = envKekProvider(envWith(kekKey));
    keyring = await createKeyring({ database: t.database, kek, clock });
  });
  afterEach(async () => {
    for (const d of extra.splice(0)) await d.close();
  });

  const encryptFor = (subjectId: string, context: string, value: string) =>
    t.database.write((trx) => keyring.encrypt(trx, subjectId, context, value));
  const fresh = () => createKeyring({ database: t.database, kek, clock });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: { code?: string }) => e.code ?? String(e),
    );

  it('decrypts what it encrypted, for that subject and field only', async () => {
    const ct = await encryptFor('s1', 'staff.email', 'dilnoza@example.uz');
    expect(await keyring.decryptString(t.database.db, 's1', 'staff.email', ct)).toBe('dilnoza@example.uz');
    expect(await (await fresh()).decryptString(t.database.db, 's1', 'staff.email', ct)).toBe(
      'dilnoza@example.uz',
    );
    expect(await code(keyring.decrypt(t.database.db, 's1', 'staff.phone', ct))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
    await encryptFor('s2', 'staff.email', 'other');
    expect(await code(keyring.decrypt(t.database.db, 's2', 'staff.email', ct))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
    expect(await code(keyring.decrypt(t.database.db, 'never-seen', 'staff.email', ct))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
  });

  it('stores no plaintext of an encrypted field, and no key in clear, in the database', async () => {
    if (kind === 'postgres') return noPlaintextIn(t, keyring);
    // Its own database: the SQLite file is read after closing it.
    const own = await openTestDatabase(kind);
    try {
      await noPlaintextIn(own, await createKeyring({ database: own.database, kek, clock }));
    } finally {
      await own.cleanup();
    }
  });

  async function noPlaintextIn(t: TestDatabase, keyring: KeyringService): Promise<void> {
    const plaintext = `Тошкент-${randomBytes(8).toString('hex')}@example.uz`;
    const control = `control-${randomBytes(8).toString('hex')}`;
    await t.database.schemaDb.schema
      .createTable('test_notes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('value', columnTypes(kind).binary, (c) => c.notNull())
      .execute();
    await t.database.write(async (trx) => {
      const value = await keyring.encrypt(trx, 's1', 'test.note', plaintext);
      await sql`insert into test_notes (id, value) values (${'enc'}, ${value})`.execute(trx);
      // Stored in clear on purpose: proves the scan below finds what is there.
      await sql`insert into test_notes (id, value) values (${'control'}, ${Buffer.from(control)})`.execute(
        trx,
      );
    });
    const blindKey = await keyring.secret(BLIND_INDEX_SECRET, () => randomBytes(32));
    const forbidden = [Buffer.from(plaintext, 'utf8'), Buffer.from(plaintext, 'utf16le'), blindKey, kekKey];

    if (kind === 'sqlite') {
      await t.database.close();
      const bytes = Buffer.concat(
        [t.where, `${t.where}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
      );
      expect(bytes.includes(Buffer.from(control))).toBe(true);
      for (const b of forbidden) expect(bytes.includes(b)).toBe(false);
    } else {
      const rows = await sql<{ row: string }>`
        select n::text as row from test_notes n
        union all select k::text from subject_keys k
        union all select s::text from secrets s`.execute(t.database.db);
      const text = rows.rows.map((r) => r.row).join('\n');
      expect(text).toContain(Buffer.from(control).toString('hex'));
      for (const b of forbidden) expect(text).not.toContain(b.toString('hex'));
      expect(text).not.toContain(plaintext);
    }
  }

  it('fails closed with a wrong KEK: it refuses to start, and reads nothing', async () => {
    const ct = await encryptFor('s1', 'staff.email', 'a@example.uz');
    // Same id, other key material: what a damaged or swapped key would look like.
    const wrong = localKek(randomBytes(32), undefined, kekIdOf(kekKey));
    const wrongKek: KekProvider = {
      ...kek,
      current: () => wrong,
      byId: async (id) => (id === wrong.id ? wrong : undefined),
    };
    expect(await code(createKeyring({ database: t.database, kek: wrongKek, clock }))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
    // A key file from another installation does not know this database's KEK at all.
    const foreign = envKekProvider(envWith(randomBytes(32)));
    expect(await code(createKeyring({ database: t.database, kek: foreign, clock }))).toBe(
      'MXF_KEYS_KEK_UNKNOWN',
    );
    // Past start-up (the blind-index secret gone), the data key still does not open.
    await t.database.write((trx) =>
      trx.deleteFrom('secrets').where('name', '=', BLIND_INDEX_SECRET).execute(),
    );
    const wrongRing = await createKeyring({ database: t.database, kek: wrongKek, clock });
    expect(await code(wrongRing.decrypt(t.database.db, 's1', 'staff.email', ct))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
  });

  it('fails closed when any byte of a stored ciphertext or of a wrapped data key changes', async () => {
    const ct = await encryptFor('s1', 'staff.email', 'a@example.uz');
    for (let i = 0; i < ct.length; i++) {
      const changed = Buffer.from(ct);
      changed[i] = (changed[i] ?? 0) ^ 0x80;
      expect(await code(keyring.decrypt(t.database.db, 's1', 'staff.email', changed)), `byte ${i}`).toBe(
        'MXF_KEYS_DECRYPT_FAILED',
      );
    }
    const row = await t.database.db
      .selectFrom('subject_keys')
      .selectAll()
      .where('subject_id', '=', 's1')
      .executeTakeFirstOrThrow();
    const wrapped = Buffer.from(row.wrapped_dek as Buffer);
    wrapped[20] = (wrapped[20] ?? 0) ^ 0x01;
    await t.database.write((trx) =>
      trx.updateTable('subject_keys').set({ wrapped_dek: wrapped }).where('subject_id', '=', 's1').execute(),
    );
    expect(await code((await fresh()).decrypt(t.database.db, 's1', 'staff.email', ct))).toBe(
      'MXF_KEYS_DECRYPT_FAILED',
    );
  });

  it("makes a shredded customer's data unreadable and refuses new data for them (crypto-shredding)", async () => {
    const ct = await encryptFor('s1', 'profile.name', 'Aziz');
    await keyring.decrypt(t.database.db, 's1', 'profile.name', ct); // cached now
    await t.database.write((trx) => keyring.shred(trx, 's1'));
    expect(await code(keyring.decrypt(t.database.db, 's1', 'profile.name', ct))).toBe(
      'MXF_KEYS_SUBJECT_SHREDDED',
    );
    expect(await code((await fresh()).decrypt(t.database.db, 's1', 'profile.name', ct))).toBe(
      'MXF_KEYS_SUBJECT_SHREDDED',
    );
    expect(await code(encryptFor('s1', 'profile.name', 'again'))).toBe('MXF_KEYS_SUBJECT_SHREDDED');
    const row = await t.database.db
      .selectFrom('subject_keys')
      .selectAll()
      .where('subject_id', '=', 's1')
      .executeTakeFirstOrThrow();
    expect(row.wrapped_dek).toBeNull();
    expect(row.shredded_at).toBe(clock.now());
  });

  it('refuses data for a subject shredded before any key was made', async () => {
    await t.database.write((trx) => keyring.shred(trx, 'never-encrypted'));
    expect(await code(encryptFor('never-encrypted', 'profile.name', 'x'))).toBe('MXF_KEYS_SUBJECT_SHREDDED');
  });

  it('keeps the data readable when the shredding write rolls back', async () => {
    const ct = await encryptFor('s1', 'profile.name', 'Aziz');
    const failed = t.database.write(async (trx) => {
      await keyring.shred(trx, 's1');
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await keyring.decryptString(t.database.db, 's1', 'profile.name', ct)).toBe('Aziz');
  });

  it('never uses a data key made in a write that rolled back', async () => {
    const failed = t.database.write(async (trx) => {
      await keyring.encrypt(trx, 's1', 'profile.name', 'lost');
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(
      await t.database.db.selectFrom('subject_keys').selectAll().where('subject_id', '=', 's1').execute(),
    ).toEqual([]);
    const ct = await encryptFor('s1', 'profile.name', 'kept');
    expect(await (await fresh()).decryptString(t.database.db, 's1', 'profile.name', ct)).toBe('kept');
  });

  it('gives a subject one data key when many writes create it at once, from two processes', async () => {
    const other = await secondHandle(t, kind);
    extra.push(other);
    const otherRing = await createKeyring({ database: other, kek, clock });
    const writes = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? other : t.database).write((trx) =>
        (i % 2 ? otherRing : keyring).encrypt(trx, 'busy', 'f', `v${i}`),
      ),
    );
    const cts = await Promise.all(writes);
    const reader = await fresh();
    const values = await Promise.all(cts.map((ct) => reader.decryptString(t.database.db, 'busy', 'f', ct)));
    expect(values).toEqual(cts.map((_, i) => `v${i}`));
  });

  it('computes blind indexes that match equal values only, separated by kind, and stable across restarts', async () => {
    const a = keyring.blindIndex('email', 'dilnoza@example.uz');
    expect(a).toHaveLength(32);
    expect(keyring.blindIndex('email', 'dilnoza@example.uz').equals(a)).toBe(true);
    expect(keyring.blindIndex('email', 'dilnoza@example.u').equals(a)).toBe(false);
    expect(keyring.blindIndex('phone', 'dilnoza@example.uz').equals(a)).toBe(false);
    expect((await fresh()).blindIndex('email', 'dilnoza@example.uz').equals(a)).toBe(true);
  });

  it('creates one secret when two processes ask for it at once', async () => {
    const other = await secondHandle(t, kind);
    extra.push(other);
    const otherRing = await createKeyring({ database: other, kek, clock });
    const asked = await Promise.all([
      keyring.secret('opaque-setup', () => randomBytes(64)),
      otherRing.secret('opaque-setup', () => randomBytes(64)),
      keyring.secret('opaque-setup', () => randomBytes(64)),
    ]);
    expect(asked[0]).toHaveLength(64);
    expect(asked[1]?.equals(asked[0] as Buffer)).toBe(true);
    expect(asked[2]?.equals(asked[0] as Buffer)).toBe(true);
    const rows = await t.database.db
      .selectFrom('secrets')
      .selectAll()
      .where('name', '=', 'opaque-setup')
      .execute();
    expect(rows).toHaveLength(1);
    expect(
      (await (await fresh()).secret('opaque-setup', () => randomBytes(64))).equals(asked[0] as Buffer),
    ).toBe(true);
  });

  it('keeps working when more subjects are in use than the key cache holds', async () => {
    const small = await createKeyring({ database: t.database, kek, clock, cacheSize: 2 });
    const cts = [];
    for (let i = 0; i < 6; i++)
      cts.push(await t.database.write((trx) => small.encrypt(trx, `c${i}`, 'f', `v${i}`)));
    for (let i = 0; i < 6; i++)
      expect(await small.decryptString(t.database.db, `c${i}`, 'f', cts[i] as Buffer)).toBe(`v${i}`);
  });
});
