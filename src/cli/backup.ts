import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Options } from '../config/options.js';
import type { KekProvider } from '../crypto/kek.js';
import { openDatabase, sqliteFileFor } from '../db/database.js';
import { migrationStatus } from '../db/migrate.js';

/**
 * A backup is two files: the snapshot and `<snapshot>.manifest.json`, which names
 * its kind, schema version and SHA-256. The key file is NOT in a backup: keep it
 * apart (and as safely); without it the personal data in a backup is unreadable.
 */
export interface BackupManifest {
  format: 'maxfiy-backup/1';
  kind: 'sqlite' | 'postgres';
  createdAt: string;
  file: string;
  bytes: number;
  sha256: string;
  /** The newest migration the snapshot holds. */
  schema: string | null;
  /**
   * The fields above, sealed with the KEK (`kek` is its id): a SHA-256 of them
   * wrapped as the KEK wraps data keys. Only a holder of that KEK can make a
   * seal that opens, so a snapshot changed and given a new checksum is refused.
   */
  seal?: { kek: string; value: string };
}

/** What a seal is for: bound into the wrap, so no other wrapped value passes as one. */
const SEAL_AD = 'maxfiy-backup-manifest/1';

/** The manifest's fields in a fixed order: what its seal covers. */
function manifestDigest(m: BackupManifest): Buffer {
  return createHash('sha256')
    .update(JSON.stringify([m.format, m.kind, m.createdAt, m.file, m.bytes, m.sha256, m.schema]))
    .digest();
}

async function sealManifest(manifest: BackupManifest, keys: KekProvider): Promise<BackupManifest> {
  const kek = keys.current();
  const value = await kek.wrap(manifestDigest(manifest), SEAL_AD);
  return { ...manifest, seal: { kek: kek.id, value: value.toString('base64') } };
}

/**
 * Refuses a manifest whose seal does not open with the KEK it names, or whose
 * fields are not the ones sealed, or that has no seal: whoever can write where
 * backups are kept could otherwise strip the seal, change the snapshot and
 * write a matching checksum.
 */
async function checkSeal(manifest: BackupManifest, keys: () => Promise<KekProvider>) {
  const seal = manifest.seal;
  if (seal === undefined)
    throw new BackupError(
      'the manifest is not sealed: its seal was removed, or it is not a maxfiy backup; it cannot be trusted',
    );
  if (typeof seal.kek !== 'string' || typeof seal.value !== 'string')
    throw new BackupError('the manifest seal is malformed');
  const kek = await (await keys()).byId(seal.kek);
  if (!kek)
    throw new BackupError(
      `the backup is sealed with KEK ${seal.kek}, which is not held here: put the backed-up key file in place (or set MAXFIY_KEK) first`,
    );
  let opened: Buffer;
  try {
    opened = await kek.unwrap(Buffer.from(seal.value, 'base64'), SEAL_AD);
  } catch {
    throw new BackupError('the manifest seal does not open: the backup or its manifest was changed');
  }
  if (!opened.equals(manifestDigest(manifest)))
    throw new BackupError('the manifest does not match its seal: the backup or its manifest was changed');
}

export class BackupError extends Error {
  override name = 'BackupError';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copies `from` to `to` (created afresh, exclusively, 0600) while hashing the
 * bytes copied, and syncs the copy: what is checked is exactly what is
 * restored, and nothing reads `from` again.
 */
async function copyHashing(from: string, to: string): Promise<string> {
  const hash = createHash('sha256');
  const fd = openSync(to, 'wx', 0o600);
  try {
    for await (const chunk of createReadStream(from)) {
      hash.update(chunk as Buffer);
      writeSync(fd, chunk as Buffer);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Refuses while any process has the database open (a server, a worker): the
 * restore would replace the file under it, and every write it acknowledged
 * after that would go to a deleted file. An exclusive lock is granted only
 * when no other connection holds the file.
 */
function assertNotInUse(file: string): void {
  if (!existsSync(file)) return;
  const probe = new SQLite(file, { timeout: 0 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY'))
      throw new BackupError(`${file} is in use: stop the server and every maxfiy worker, then restore`);
    throw err;
  } finally {
    probe.close();
  }
}

/** Syncs a file to disk, or a directory, so a rename in it survives a crash. */
function syncToDisk(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new BackupError(`${cmd} exited with ${code}: ${err.trim().slice(0, 500)}`)),
    );
  });
}

/** A consistent snapshot taken while the server runs: SQLite's online backup API, or pg_dump. */
export async function backup(
  options: Options,
  out: string | undefined,
  keys: KekProvider,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<BackupManifest> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const kind = options.databaseUrl ? 'postgres' : 'sqlite';
  const file = path.resolve(
    out ?? path.join(options.dataDir, 'backups', `maxfiy-${stamp}.${kind === 'sqlite' ? 'db' : 'dump'}`),
  );
  for (const f of [file, `${file}.manifest.json`])
    if (existsSync(f)) throw new BackupError(`${f} exists already; choose another name`);
  // The snapshot holds every customer's (encrypted) data and the audit log:
  // readable by its owner alone, from the first byte written.
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial`;
  // Created afresh and exclusively: a file or link already at this name is not written through.
  rmSync(partial, { force: true });
  closeSync(openSync(partial, 'wx', 0o600));
  chmodSync(partial, 0o600);

  const schema = await latestMigration(options);

  if (kind === 'sqlite') {
    const source = new SQLite(sqliteFileFor(options.dataDir), { readonly: true, fileMustExist: true });
    try {
      await source.backup(partial, {
        progress: ({ totalPages, remainingPages }) => {
          onProgress(totalPages - remainingPages, totalPages);
          return 256;
        },
      });
    } finally {
      source.close();
    }
  } else {
    await exec(
      'pg_dump',
      ['--format=custom', '--no-owner', '--file', partial, '--dbname', withoutPassword(options.databaseUrl)],
      pgEnv(options.databaseUrl),
    );
    onProgress(1, 1);
  }
  chmodSync(partial, 0o600);
  // On disk before it is named and described: a crash leaves no manifest for a snapshot that is not whole.
  syncToDisk(partial);
  renameSync(partial, file);
  syncToDisk(path.dirname(file));
  const manifest = await sealManifest(
    {
      format: 'maxfiy-backup/1',
      kind,
      createdAt: new Date().toISOString(),
      file: path.basename(file),
      bytes: statSync(file).size,
      sha256: await sha256File(file),
      schema,
    },
    keys,
  );
  // Created afresh and exclusively, as the snapshot was: a link planted at this name is not written through.
  writeFileSync(`${file}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return manifest;
}

export function readManifest(file: string): BackupManifest {
  const manifestFile = `${file}.manifest.json`;
  if (!existsSync(manifestFile)) throw new BackupError(`no manifest beside the backup: ${manifestFile}`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    throw new BackupError(`the manifest ${manifestFile} is not valid JSON`);
  }
  if (manifest.format !== 'maxfiy-backup/1')
    throw new BackupError(`unknown backup format in ${manifestFile}`);
  return manifest;
}

/**
 * Restores a backup over the configured database after checking its manifest's
 * seal and its checksum. `keys` is asked for only when the manifest is sealed.
 * The caller runs the audit verification on the result.
 */
export async function restore(
  options: Options,
  file: string,
  opts: { force: boolean; keys: () => Promise<KekProvider> },
): Promise<BackupManifest> {
  const { force } = opts;
  const source = path.resolve(file);
  if (!existsSync(source)) throw new BackupError(`no such backup: ${source}`);
  const manifest = readManifest(source);
  await checkSeal(manifest, opts.keys);
  const kind = options.databaseUrl ? 'postgres' : 'sqlite';
  if (manifest.kind !== kind)
    throw new BackupError(`this is a ${manifest.kind} backup; the configured database is ${kind}`);
  if (kind === 'postgres' && !force)
    throw new BackupError('restoring replaces the PostgreSQL database contents; pass --force');
  if (kind === 'postgres') await assertSameSchema(options, manifest);
  const target = sqliteFileFor(options.dataDir);
  if (kind === 'sqlite' && existsSync(target) && !force)
    throw new BackupError(`${target} exists; stop the server and pass --force to replace it`);

  // The snapshot is copied beside the database while its checksum is taken, and
  // only the copy is read after: opening the backup itself would let SQLite
  // apply a `-wal` file lying beside it, which neither checksum nor seal covers.
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const staging = `${target}.restoring`;
  const clearStaging = () => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${staging}${suffix}`, { force: true });
  };
  clearStaging(); // what a crashed restore left
  try {
    const actual = await copyHashing(source, staging);
    if (actual !== manifest.sha256)
      throw new BackupError(
        `checksum mismatch: the backup is damaged or was changed (expected ${manifest.sha256}, found ${actual})`,
      );
    if (kind === 'sqlite') {
      assertNotInUse(target);
      for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
      renameSync(staging, target);
      syncToDisk(path.dirname(target));
    } else {
      await exec(
        'pg_restore',
        [
          '--clean',
          '--if-exists',
          '--no-owner',
          '--single-transaction',
          '--dbname',
          withoutPassword(options.databaseUrl),
          staging,
        ],
        pgEnv(options.databaseUrl),
      );
    }
  } finally {
    clearStaging();
  }
  return manifest;
}

/**
 * pg_restore --clean drops only what the dump holds: over a database at a newer
 * schema, the newer migrations' tables would stay, with their rows, beside the
 * restored ones, and the restored migration table would ask for them again. So
 * a PostgreSQL restore goes into an empty database or one at the backup's schema.
 */
async function assertSameSchema(options: Options, manifest: BackupManifest): Promise<void> {
  const latest = await latestMigration(options);
  if (latest !== null && latest !== manifest.schema)
    throw new BackupError(
      `the database is at schema ${latest} and the backup at ${manifest.schema ?? 'none'}: restore into an empty database, or one at the backup's schema`,
    );
}

/** The newest migration the configured database has applied; null for an empty one. */
async function latestMigration(options: Options): Promise<string | null> {
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    file: sqliteFileFor(options.dataDir),
  });
  try {
    return (await migrationStatus(database)).filter((m) => m.appliedAt).at(-1)?.name ?? null;
  } finally {
    await database.close();
  }
}

/** The connection URL without its password, which would show in the process list. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

/**
 * The environment of pg_dump and pg_restore: the password in PGPASSWORD, where
 * the process list does not show it, and none of this process's secrets (the
 * KEK variables, the SMS token) handed on.
 */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const password = decodeURIComponent(new URL(url).password);
  const keep = [
    'PATH',
    'HOME',
    'LANG',
    'LC_ALL',
    'TZ',
    'PGSSLMODE',
    'PGSSLROOTCERT',
    'PGSERVICEFILE',
    'PGPASSFILE',
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  if (password) env.PGPASSWORD = password;
  return env;
}
