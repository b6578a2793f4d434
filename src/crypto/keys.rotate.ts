import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import type { Database } from '../db/database.js';
import { MaxfiyError } from '../errors.js';
import { dekAd, secretAd } from './ad.js';
import type { Kek, KekProvider } from './kek.js';
import {
  countNotUnder,
  countWrapsByKek,
  listSecretsNotUnder,
  listSubjectKeysNotUnder,
  rewrapSecret,
  rewrapSubjectKey,
} from './keys.store.js';

/** How long a superseded KEK stays in the key file at least, even when unused. */
export const DEFAULT_RETIRE_GRACE_MS = 15 * 60 * 1000;

export interface RotateOptions {
  database: Database;
  kek: KekProvider;
  clock?: Clock;
  /** Called after each batch; `total` grows if servers add rows meanwhile. */
  onProgress?: (done: number, total: number) => void;
  /** Rows re-wrapped per write. */
  batchSize?: number;
  retireGraceMs?: number;
  /** Where `maxfiy backup` writes by default: KEKs its backups need are kept. */
  backupsDir?: string;
}

export interface RotationResult {
  /** Rows (subject keys and secrets) now wrapped by `kekId` that were not before. */
  rewrapped: number;
  kekId: string;
  /** KEKs removed from the key file. */
  retired: string[];
  /** KEKs no row uses that were kept: too recently superseded, not removable (environment), or needed by a backup. */
  unusedKept: string[];
  /** Of those, the ones kept because a backup in `backupsDir` was sealed with them. */
  keptForBackups: string[];
}

/**
 * Key rotation without downtime. A new KEK becomes current (the key file is
 * rewritten atomically, old keys kept), then every live subject key and secret
 * wrapped by another KEK is re-wrapped in batches. Safe to run twice or to resume
 * after a crash: rows already under the new KEK are skipped. Servers keep running:
 * they unwrap by each row's `kek_id` and re-read the key file for an id they lack.
 *
 * With `MAXFIY_KEK` the operator sets the new key first; rotation then re-wraps
 * everything under it.
 */
export async function rotateKeys(options: RotateOptions): Promise<RotationResult> {
  const { database, kek } = options;
  const batchSize = options.batchSize ?? 500;
  if (kek.managed) await kek.add();
  else await kek.refresh();
  const target = kek.current();

  let total = await countNotUnder(database.db, target.id);
  let done = 0;
  options.onProgress?.(done, total);
  const advance = (rows: number) => {
    done += rows;
    total = Math.max(total, done);
    options.onProgress?.(done, total);
  };

  let rewrapped = 0;
  // A server that wrapped a new key under the old KEK just before it saw the new
  // one leaves a row the first pass missed; a later pass takes it.
  for (let pass = 0; pass < 5; pass++) {
    const n =
      (await rewrapSubjectKeys(database, kek, target, batchSize, advance)) +
      (await rewrapSecrets(database, kek, target, batchSize, advance));
    rewrapped += n;
    if (n === 0) break;
  }

  const { retired, unusedKept, keptForBackups } = await retireKeks({
    database,
    kek,
    clock: options.clock ?? systemClock,
    graceMs: options.retireGraceMs ?? DEFAULT_RETIRE_GRACE_MS,
    ...(options.backupsDir !== undefined && { backupsDir: options.backupsDir }),
  });
  return { rewrapped, kekId: target.id, retired, unusedKept, keptForBackups };
}

async function unwrapRow(kek: KekProvider, kekId: string, wrapped: Buffer, ad: string): Promise<Buffer> {
  const key = await kek.byId(kekId);
  if (!key) throw new MaxfiyError('MXF_KEYS_KEK_UNKNOWN', { kekId });
  try {
    return await key.unwrap(wrapped, ad);
  } catch (err) {
    throw new MaxfiyError('MXF_KEYS_DECRYPT_FAILED', {}, { cause: err });
  }
}

async function rewrapSubjectKeys(
  database: Database,
  kek: KekProvider,
  target: Kek,
  batchSize: number,
  advance: (rows: number) => void,
): Promise<number> {
  let after = '';
  let rewrapped = 0;
  for (;;) {
    const rows = await listSubjectKeysNotUnder(database.db, target.id, after, batchSize);
    const last = rows.at(-1);
    if (!last) return rewrapped;
    const next = await Promise.all(
      rows.map(async (row) => {
        const ad = dekAd(row.subject_id);
        const dek = await unwrapRow(kek, row.kek_id, row.wrapped_dek as Buffer, ad);
        return { ...row, wrapped: await target.wrap(dek, ad) };
      }),
    );
    rewrapped += await database.write(async (trx) => {
      let n = 0;
      for (const row of next) {
        if (await rewrapSubjectKey(trx, row.subject_id, row.kek_id, target.id, row.wrapped)) n++;
      }
      return n;
    });
    advance(rows.length);
    after = last.subject_id;
  }
}

async function rewrapSecrets(
  database: Database,
  kek: KekProvider,
  target: Kek,
  batchSize: number,
  advance: (rows: number) => void,
): Promise<number> {
  let after = '';
  let rewrapped = 0;
  for (;;) {
    const rows = await listSecretsNotUnder(database.db, target.id, after, batchSize);
    const last = rows.at(-1);
    if (!last) return rewrapped;
    const next = await Promise.all(
      rows.map(async (row) => {
        const ad = secretAd(row.name);
        const value = await unwrapRow(kek, row.kek_id, row.wrapped, ad);
        return { ...row, wrapped: await target.wrap(value, ad) };
      }),
    );
    rewrapped += await database.write(async (trx) => {
      let n = 0;
      for (const row of next) if (await rewrapSecret(trx, row.name, row.kek_id, target.id, row.wrapped)) n++;
      return n;
    });
    advance(rows.length);
    after = last.name;
  }
}

export interface RetireOptions {
  database: Database;
  kek: KekProvider;
  clock?: Clock;
  /**
   * A KEK is removed only once it was superseded at least this long ago, so no
   * running server can still be wrapping new keys under it.
   */
  graceMs?: number;
  /** Where `maxfiy backup` writes by default: KEKs its backups need are kept. */
  backupsDir?: string;
}

/**
 * The KEKs the backups in `dir` were sealed with (`seal.kek` of each
 * `*.manifest.json`). A backup's data keys are wrapped by the KEK current when
 * it was made, the one that sealed it: removed, the backup could never be read.
 */
export function keksOfBackups(dir: string | undefined): Set<string> {
  const ids = new Set<string>();
  if (dir === undefined || !existsSync(dir)) return ids;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.manifest.json')) continue;
    try {
      const kekId = (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { seal?: { kek?: unknown } })
        .seal?.kek;
      if (typeof kekId === 'string') ids.add(kekId);
    } catch {
      // An unreadable manifest names no key; the backup it belongs to is refused at restore anyway.
    }
  }
  return ids;
}

/**
 * Removes from the key file every KEK that is not current, wraps no live row, and
 * was superseded more than `graceMs` ago. This is the operator's way to drop old
 * keys (`maxfiy keys retire`); rotation calls it at its end. With `MAXFIY_KEK` it
 * removes nothing and lists, in `unusedKept`, the ids that may leave MAXFIY_KEK_PREVIOUS.
 */
export async function retireKeks(
  options: RetireOptions,
): Promise<{ retired: string[]; unusedKept: string[]; keptForBackups: string[] }> {
  const { database, kek } = options;
  const now = (options.clock ?? systemClock).now();
  const graceMs = options.graceMs ?? DEFAULT_RETIRE_GRACE_MS;
  const uses = await countWrapsByKek(database.db);
  const keys = kek.list();
  const currentId = kek.current().id;
  const unused = keys.filter((k) => k.id !== currentId && !uses.get(k.id));
  // Keys in the order they were made (the file lists them so; ties keep that order):
  // a key was superseded when the next one was made.
  const made = keys
    .map((k, i) => ({ k, i }))
    .filter((e) => e.k.createdAt !== undefined)
    .sort((a, b) => (a.k.createdAt as number) - (b.k.createdAt as number) || a.i - b.i)
    .map((e) => e.k);
  const supersededAt = (k: Kek): number | undefined => made[made.indexOf(k) + 1]?.createdAt;
  const forBackups = keksOfBackups(options.backupsDir);
  const retirable = kek.managed
    ? unused.filter((k) => {
        const at = supersededAt(k);
        return at !== undefined && now - at >= graceMs && !forBackups.has(k.id);
      })
    : [];
  const retired = retirable.map((k) => k.id);
  if (retired.length > 0) await kek.remove(retired);
  const unusedKept = unused.map((k) => k.id).filter((id) => !retired.includes(id));
  return { retired, unusedKept, keptForBackups: unusedKept.filter((id) => forBackups.has(id)) };
}
