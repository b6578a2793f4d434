import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../clock.js';
import { KEY_BYTES } from './aead.js';
import type { Kek, KekProvider } from './kek.js';
import { decodeKey, KeyFileError, kekIdOf, localKek } from './kek.local.js';

/**
 * The key file: `{ "format": "maxfiy-kek/1", "current": id, "keys": [{ id, key, createdAt }] }`,
 * mode 0600 in a 0700 folder. Every write is atomic (temp file, fsync, rename), and
 * changes take a lock file, so two `keys rotate` runs cannot lose each other's key.
 */
export const KEY_FILE_FORMAT = 'maxfiy-kek/1';

interface StoredKey {
  id: string;
  key: Buffer;
  createdAt: number;
}
interface KeyFileState {
  current: string;
  keys: StoredKey[];
}
interface Loaded {
  state: KeyFileState;
  stamp: string;
}

export interface FileKekOptions {
  file: string;
  clock?: Clock;
  /** Least time between two checks for a change by another process, in ms. */
  refreshEveryMs?: number;
  /** Create the file with a new key when it is missing (the default); else refuse. */
  create?: boolean;
}

export async function openFileKekProvider(options: FileKekOptions): Promise<KekProvider> {
  const file = path.resolve(options.file);
  const clock = options.clock ?? systemClock;
  const refreshEveryMs = options.refreshEveryMs ?? 1000;
  let loaded = await readKeyFile(file);
  if (!loaded) {
    if (options.create === false)
      throw new KeyFileError(
        `key file ${file} is missing, and the database holds keys wrapped by a key-encryption key: put the key file that holds it there (mode 0600), or set MAXFIY_KEK`,
      );
    await createKeyFile(file, clock);
    loaded = await readKeyFile(file);
    if (!loaded) throw new KeyFileError(`key file ${file} vanished right after it was created`);
  }

  const keys = new Map<string, Kek>();
  let currentId = '';
  let stamp = '';
  let checkedAt = performance.now();
  let reloading: Promise<void> | undefined;

  // A key once known stays known for the life of the process: a retired key cannot
  // strand a row this process wrapped a moment before the retirement.
  const absorb = (next: Loaded) => {
    for (const k of next.state.keys) if (!keys.has(k.id)) keys.set(k.id, localKek(k.key, k.createdAt, k.id));
    currentId = next.state.current;
    stamp = next.stamp;
  };
  absorb(loaded);

  const reload = (): Promise<void> => {
    reloading ??= (async () => {
      try {
        checkedAt = performance.now();
        const st = await stat(file);
        if (stampOf(st) === stamp) return;
        const next = await readKeyFile(file);
        if (next) absorb(next);
      } catch {
        // Keep the last good keys: a file being repaired must not stop a running server.
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  };

  const mutate = async (change: (state: KeyFileState) => KeyFileState): Promise<void> => {
    await withLock(file, async () => {
      const fresh = await readKeyFile(file);
      if (!fresh) throw new KeyFileError(`key file ${file} disappeared`);
      await writeAtomic(file, serialise(change(fresh.state)), 'replace');
    });
    const next = await readKeyFile(file);
    if (!next) throw new KeyFileError(`key file ${file} disappeared`);
    absorb(next);
  };

  const currentKek = (): Kek => {
    const kek = keys.get(currentId);
    if (!kek) throw new KeyFileError(`key file ${file}: the current key is missing`);
    return kek;
  };

  return {
    source: file,
    managed: true,
    current: currentKek,
    async byId(id) {
      if (!keys.has(id)) await reload();
      return keys.get(id);
    },
    list: () => [...keys.values()],
    async add() {
      const key = randomBytes(KEY_BYTES);
      const id = kekIdOf(key);
      await mutate((state) => ({ current: id, keys: [...state.keys, { id, key, createdAt: clock.now() }] }));
      return currentKek();
    },
    async remove(ids) {
      const doomed = new Set(ids);
      await mutate((state) => {
        if (doomed.has(state.current))
          throw new KeyFileError(`key file ${file}: the current key cannot be removed`);
        return { current: state.current, keys: state.keys.filter((k) => !doomed.has(k.id)) };
      });
      for (const id of doomed) keys.delete(id);
    },
    async refresh() {
      if (performance.now() - checkedAt >= refreshEveryMs) await reload();
    },
  };
}

function stampOf(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'error';
}

/** The file's keys, undefined when there is no file, or a KeyFileError saying what is wrong. */
async function readKeyFile(file: string): Promise<Loaded | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw new KeyFileError(`key file ${file} cannot be read (${codeOf(err)})`);
  }
  try {
    // fstat of the open file, not stat of the path: the mode checked is the file read.
    const st = await fh.stat();
    if (!st.isFile()) throw new KeyFileError(`key file ${file} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyFileError(
        `key file ${file} is open to group or others (mode ${mode}); allow only its owner: chmod 600 ${file}`,
      );
    }
    const text = await fh.readFile('utf8');
    return { state: parseKeyFile(file, text), stamp: stampOf(st) };
  } catch (err) {
    if (err instanceof KeyFileError) throw err;
    throw new KeyFileError(`key file ${file} cannot be read (${codeOf(err)})`);
  } finally {
    await fh.close();
  }
}

function parseKeyFile(file: string, text: string): KeyFileState {
  const refuse = (why: string) => new KeyFileError(`key file ${file}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw refuse('not valid JSON');
  }
  const d = doc as { format?: unknown; current?: unknown; keys?: unknown };
  if (typeof doc !== 'object' || doc === null || d.format !== KEY_FILE_FORMAT) {
    throw refuse(`not a maxfiy key file (expected "format": "${KEY_FILE_FORMAT}")`);
  }
  if (!Array.isArray(d.keys) || d.keys.length === 0) throw refuse('"keys" must be a non-empty list');
  const keys: StoredKey[] = d.keys.map((entry: unknown, i: number) => {
    const e = (entry ?? {}) as { id?: unknown; key?: unknown; createdAt?: unknown };
    const key = decodeKey(e.key);
    if (!key) throw refuse(`key ${i + 1} is not the base64 of ${KEY_BYTES} bytes`);
    if (e.id !== kekIdOf(key)) throw refuse(`key ${i + 1}: its id does not match the key (damaged file?)`);
    const createdAt = typeof e.createdAt === 'string' ? Date.parse(e.createdAt) : Number.NaN;
    if (Number.isNaN(createdAt)) throw refuse(`key ${i + 1}: "createdAt" must be an ISO date`);
    return { id: e.id, key, createdAt };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw refuse('a key is listed twice');
  if (typeof d.current !== 'string' || !keys.some((k) => k.id === d.current)) {
    throw refuse('"current" names no key in "keys"');
  }
  return { current: d.current, keys };
}

function serialise(state: KeyFileState): string {
  const keys = state.keys.map((k) => ({
    id: k.id,
    key: k.key.toString('base64'),
    createdAt: new Date(k.createdAt).toISOString(),
  }));
  return `${JSON.stringify({ format: KEY_FILE_FORMAT, current: state.current, keys }, null, 2)}\n`;
}

async function createKeyFile(file: string, clock: Clock): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new KeyFileError(`the folder of key file ${file} cannot be created (${codeOf(err)})`);
  }
  const key = randomBytes(KEY_BYTES);
  const id = kekIdOf(key);
  // 'create' never replaces: when two processes start at once, the first file wins
  // and both read it back.
  await writeAtomic(file, serialise({ current: id, keys: [{ id, key, createdAt: clock.now() }] }), 'create');
}

/** Writes a temp file (0600), fsyncs it, then moves it into place and fsyncs the folder. */
async function writeAtomic(file: string, text: string, mode: 'create' | 'replace'): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (mode === 'replace') {
      await rename(temp, file);
    } else {
      await link(temp, file).catch((err) => {
        if (codeOf(err) !== 'EEXIST') throw err;
      });
    }
    await syncFolder(dir);
  } catch (err) {
    throw err instanceof KeyFileError
      ? err
      : new KeyFileError(`key file ${file} cannot be written (${codeOf(err)})`);
  } finally {
    await rm(temp, { force: true });
  }
}

async function syncFolder(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic there.
  } finally {
    await fh.close();
  }
}

async function withLock(file: string, fn: () => Promise<void>): Promise<void> {
  const lock = `${file}.lock`;
  let fh: FileHandle;
  try {
    fh = await open(lock, 'wx', 0o600);
  } catch (err) {
    if (codeOf(err) === 'EEXIST') {
      throw new KeyFileError(
        `${lock} exists: another maxfiy process is changing the key file. If none is running, delete ${lock} and retry`,
      );
    }
    throw new KeyFileError(`cannot lock key file ${file} (${codeOf(err)})`);
  }
  try {
    await fh.writeFile(`${process.pid}\n`);
    await fn();
  } finally {
    await fh.close();
    await rm(lock, { force: true });
  }
}
