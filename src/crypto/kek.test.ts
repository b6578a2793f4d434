import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { KeyFileError, kekIdOf, loadKekProvider, openFileKekProvider } from './kek.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-kek-'));
  file = path.join(dir, 'data', 'keys', 'kek.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeKeyFile(doc: unknown, mode = 0o600): void {
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc), { mode });
  chmodSync(file, mode);
}

function validDoc(key = randomBytes(32)) {
  const id = kekIdOf(key);
  return {
    format: 'maxfiy-kek/1',
    current: id,
    keys: [{ id, key: key.toString('base64'), createdAt: new Date().toISOString() }],
  };
}

async function refusal(promise: Promise<unknown>): Promise<KeyFileError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyFileError);
  return err as KeyFileError;
}

describe('key file', () => {
  it('is created on first start with mode 0600 in a 0700 folder, and holds one 32-byte key', async () => {
    const kek = await openFileKekProvider({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.format).toBe('maxfiy-kek/1');
    expect(doc.keys).toHaveLength(1);
    expect(Buffer.from(doc.keys[0].key, 'base64')).toHaveLength(32);
    expect(doc.current).toBe(kekIdOf(Buffer.from(doc.keys[0].key, 'base64')));
    expect(kek.current().id).toBe(doc.current);
  });

  it('is read back, not replaced, on the next start', async () => {
    const first = await openFileKekProvider({ file });
    const second = await openFileKekProvider({ file });
    expect(second.current().id).toBe(first.current().id);
  });

  it('ends with one key when two processes start on an empty folder at once', async () => {
    const [a, b] = await Promise.all([openFileKekProvider({ file }), openFileKekProvider({ file })]);
    expect(a.current().id).toBe(b.current().id);
  });

  it('unwraps what another instance of the same key wrapped', async () => {
    const a = await openFileKekProvider({ file });
    const b = await openFileKekProvider({ file });
    const wrapped = await a.current().wrap(Buffer.from('data key'), 'dek:s1');
    expect((await (await b.byId(a.current().id))?.unwrap(wrapped, 'dek:s1'))?.toString()).toBe('data key');
  });

  it('is refused when group or others may read it, naming the path and never the key', async () => {
    await openFileKekProvider({ file });
    const key = JSON.parse(readFileSync(file, 'utf8')).keys[0].key as string;
    chmodSync(file, 0o644);
    const err = await refusal(openFileKekProvider({ file }));
    expect(err.message).toContain(file);
    expect(err.message).toContain('0644');
    expect(err.message).not.toContain(key);
  });

  it('is refused when it is not JSON', async () => {
    await openFileKekProvider({ file });
    writeKeyFile('{ "format": "maxfiy-kek/1", ');
    expect((await refusal(openFileKekProvider({ file }))).message).toMatch(/not valid JSON/);
  });

  it('is refused when the format is not maxfiy-kek/1', async () => {
    await openFileKekProvider({ file });
    writeKeyFile({ ...validDoc(), format: 'something-else' });
    expect((await refusal(openFileKekProvider({ file }))).message).toMatch(/not a maxfiy key file/);
  });

  it('is refused when a key is not 32 bytes, without echoing it', async () => {
    await openFileKekProvider({ file });
    const short = randomBytes(16);
    const doc = validDoc();
    doc.keys.push({ id: kekIdOf(short), key: short.toString('base64'), createdAt: new Date().toISOString() });
    writeKeyFile(doc);
    const err = await refusal(openFileKekProvider({ file }));
    expect(err.message).toMatch(/key 2 is not the base64 of 32 bytes/);
    expect(err.message).not.toContain(short.toString('base64'));
  });

  it('is refused when the current id names no key', async () => {
    await openFileKekProvider({ file });
    writeKeyFile({ ...validDoc(), current: '0123456789abcdef' });
    expect((await refusal(openFileKekProvider({ file }))).message).toMatch(/"current" names no key/);
  });

  it('is refused when a key does not match its id (a damaged key)', async () => {
    await openFileKekProvider({ file });
    const doc = validDoc();
    const other = randomBytes(32).toString('base64');
    writeKeyFile({ ...doc, keys: [{ ...doc.keys[0], key: other }] });
    expect((await refusal(openFileKekProvider({ file }))).message).toMatch(/id does not match/);
  });

  it('is refused when it cannot be read', async () => {
    await openFileKekProvider({ file });
    rmSync(file);
    // A folder where the file should be: present, but not a readable key file.
    const folderFile = path.dirname(file);
    expect((await refusal(openFileKekProvider({ file: folderFile }))).message).toContain(folderFile);
  });

  it('adds a key atomically, keeping the old ones, and removes only non-current keys', async () => {
    const clock = new ManualClock();
    const kek = await openFileKekProvider({ file, clock });
    const first = kek.current();
    const added = await kek.add();
    expect(kek.current().id).toBe(added.id);
    expect(added.id).not.toBe(first.id);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.keys.map((k: { id: string }) => k.id)).toEqual([first.id, added.id]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(kek.remove([added.id])).rejects.toThrow(KeyFileError);
    await kek.remove([first.id]);
    expect((await openFileKekProvider({ file })).list().map((k) => k.id)).toEqual([added.id]);
  });

  it('lets a running provider find a key another process added', async () => {
    const server = await openFileKekProvider({ file });
    const rotator = await openFileKekProvider({ file });
    const added = await rotator.add();
    const wrapped = await added.wrap(Buffer.from('k'), 'ad');
    const seen = await server.byId(added.id);
    expect(seen?.id).toBe(added.id);
    expect((await seen?.unwrap(wrapped, 'ad'))?.toString()).toBe('k');
  });

  it('refuses a change while another process holds the lock', async () => {
    const kek = await openFileKekProvider({ file });
    writeFileSync(`${file}.lock`, '1\n');
    expect((await refusal(kek.add())).message).toContain(`${file}.lock`);
  });
});

describe('KEK from the environment', () => {
  it('is used instead of a file when MAXFIY_KEK is set, and no file is written', async () => {
    const key = randomBytes(32);
    const kek = await loadKekProvider(
      { keyFile: file, dataDir: dir },
      { MAXFIY_KEK: key.toString('base64') },
    );
    expect(kek.current().id).toBe(kekIdOf(key));
    expect(kek.managed).toBe(false);
    expect(existsSync(file)).toBe(false);
    const wrapped = await kek.current().wrap(Buffer.from('x'), 'ad');
    expect((await kek.current().unwrap(wrapped, 'ad')).toString()).toBe('x');
  });

  it('keeps previous keys from MAXFIY_KEK_PREVIOUS for rotation', async () => {
    const old1 = randomBytes(32);
    const old2 = randomBytes(32);
    const env = {
      MAXFIY_KEK: randomBytes(32).toString('base64'),
      MAXFIY_KEK_PREVIOUS: `${old1.toString('base64')}, ${old2.toString('base64')}`,
    };
    const kek = await loadKekProvider({ keyFile: '', dataDir: dir }, env);
    expect(await kek.byId(kekIdOf(old1))).toBeDefined();
    expect(await kek.byId(kekIdOf(old2))).toBeDefined();
    expect(kek.list()).toHaveLength(3);
    await expect(kek.add()).rejects.toThrow(KeyFileError);
  });

  it('is refused when it is not the base64 of 32 bytes, without echoing it', async () => {
    const bad = randomBytes(31).toString('base64');
    const err = await refusal(loadKekProvider({ keyFile: file, dataDir: dir }, { MAXFIY_KEK: bad }));
    expect(err.message).toContain('MAXFIY_KEK');
    expect(err.message).not.toContain(bad);
    await refusal(
      loadKekProvider(
        { keyFile: file, dataDir: dir },
        { MAXFIY_KEK: randomBytes(32).toString('base64'), MAXFIY_KEK_PREVIOUS: 'not-a-key' },
      ),
    );
  });

  it('falls back to <dataDir>/keys/kek.json when neither MAXFIY_KEK nor a key file is given', async () => {
    const dataDir = path.join(dir, 'data2');
    await loadKekProvider({ keyFile: '', dataDir }, {});
    expect(existsSync(path.join(dataDir, 'keys', 'kek.json'))).toBe(true);
  });
});
