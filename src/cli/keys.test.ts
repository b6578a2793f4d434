import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  databaseKinds,
  openTestDatabase,
  PG_URL,
  type TestDatabase,
  withSearchPath,
} from '../../test/helpers/db.js';
import { systemClock } from '../clock.js';
import { loadOptions, type Options } from '../config/options.js';
import { openFileKekProvider } from '../crypto/kek.js';
import { createKeyring } from '../crypto/keys.service.js';
import { runKeysRetire, runKeysRotate } from './keys.js';

class Captured extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `keys rotate`, its output captured in `out`. */
const rotate = (options: Options, out = new Captured()) =>
  runKeysRotate({ options, stdout: out as unknown as NodeJS.WriteStream, env: {} });
/** `keys retire` with no grace period, its output captured in `out`. */
const retire = (options: Options, out = new Captured()) =>
  runKeysRetire({ options, stdout: out as unknown as NodeJS.WriteStream, env: {}, graceMs: 0 });

describe.each(databaseKinds())('maxfiy keys rotate on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let options: Options;

  beforeEach(async () => {
    t = await openTestDatabase(kind);
    dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-cli-keys-'));
    options = loadOptions(
      {
        dataDir: kind === 'sqlite' ? path.dirname(t.where) : dir,
        databaseUrl: kind === 'sqlite' ? '' : withSearchPath(PG_URL, t.where),
        keyFile: path.join(dir, 'keys', 'kek.json'),
      },
      {},
    );
  });
  afterEach(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-wraps every stored key, printing plain progress lines off a terminal and the count', async () => {
    const kek = await openFileKekProvider({ file: options.keyFile });
    const keyring = await createKeyring({ database: t.database, kek, clock: systemClock });
    const subjects = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const cts = await Promise.all(
      subjects.map((s) =>
        t.database.write((trx) => keyring.encrypt(trx, s, 'profile.email', `${s}@example.uz`)),
      ),
    );
    const out = new Captured();

    const result = await rotate(options, out);

    expect(result.rewrapped).toBe(21); // 20 subject keys and the blind-index secret
    expect(out.text).toContain('21 keys re-wrapped under key-encryption key');
    expect(out.text).toContain('re-wrapping keys: 21/21 (100%)');
    expect(out.text).not.toContain('\u001b['); // no terminal control codes in a log
    expect(JSON.parse(readFileSync(options.keyFile, 'utf8')).current).toBe(result.kekId);
    for (const [i, s] of subjects.entries()) {
      expect(await keyring.decryptString(t.database.db, s, 'profile.email', cts[i] as Buffer)).toBe(
        `${s}@example.uz`,
      );
    }
  });

  it('refuses without a key file, and makes none: a new key would match no stored key', async () => {
    await expect(rotate(options)).rejects.toThrow(/key file .* is missing/);
    expect(existsSync(options.keyFile)).toBe(false);
  });

  it('keeps the superseded key until the grace period, and `keys retire` reports what it did', async () => {
    const kek = await openFileKekProvider({ file: options.keyFile });
    await createKeyring({ database: t.database, kek, clock: systemClock });
    const oldId = kek.current().id;
    await rotate(options);
    const out = new Captured();
    const retired = await retire(options, out);
    expect(retired.retired).toEqual([oldId]);
    expect(out.text).toContain(`retired from the key file: ${oldId}`);
  });

  it('keeps a superseded key that a backup in the data folder was sealed with', async () => {
    const kek = await openFileKekProvider({ file: options.keyFile });
    await createKeyring({ database: t.database, kek, clock: systemClock });
    const oldId = kek.current().id;
    // A backup made before the rotation: its data keys are wrapped by the old KEK, which sealed it.
    const backups = path.join(options.dataDir, 'backups');
    mkdirSync(backups, { recursive: true });
    writeFileSync(
      path.join(backups, 'maxfiy-old.db.manifest.json'),
      JSON.stringify({ seal: { kek: oldId } }),
    );
    writeFileSync(path.join(backups, 'broken.db.manifest.json'), '{ not json');
    await rotate(options);
    const out = new Captured();
    const result = await retire(options, out);
    expect(result).toMatchObject({ retired: [], keptForBackups: [oldId] });
    expect(out.text).toContain(
      `kept for the backups in the data folder's backups/ sealed with them: ${oldId}`,
    );
    expect(JSON.parse(readFileSync(options.keyFile, 'utf8')).keys.map((k: { id: string }) => k.id)).toContain(
      oldId,
    );

    // Once those backups are gone, the key goes.
    rmSync(path.join(backups, 'maxfiy-old.db.manifest.json'));
    expect((await retire(options)).retired).toEqual([oldId]);
  });
});

describe('maxfiy keys rotate without a database', () => {
  it('refuses, saying what to do first', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-cli-keys-'));
    try {
      const options = loadOptions({ dataDir: dir }, {});
      await expect(rotate(options)).rejects.toThrow(/no database at .*maxfiy migrate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
