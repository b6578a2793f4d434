import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { type Database, type Db, onCommit, type Trx } from '../db/database.js';
import { MaxfiyError } from '../errors.js';
import { dekAd, fieldAd, secretAd } from './ad.js';
import { KEY_BYTES, open, seal } from './aead.js';
import type { KekProvider } from './kek.js';
import type { Keyring } from './keyring.js';
import { type RotateOptions, type RotationResult, rotateKeys } from './keys.rotate.js';
import {
  findSecret,
  findSubjectKey,
  insertSecretIfAbsent,
  insertSubjectKeyIfAbsent,
  shredSubjectKey,
} from './keys.store.js';
import { Lru } from './lru.js';

export interface KeyringOptions {
  database: Database;
  kek: KekProvider;
  clock: Clock;
  /** Unwrapped data keys kept in memory, least recently used dropped first. */
  cacheSize?: number;
}

export interface KeyringService extends Keyring {
  /** Rotates the KEK and re-wraps every stored key under it (see keys.rotate.ts). */
  rotate(
    options?: Pick<RotateOptions, 'onProgress' | 'batchSize' | 'retireGraceMs'>,
  ): Promise<RotationResult>;
  /**
   * Drops the subject's data key from this process's memory. A shred on this node
   * does it itself; wire this to the notice other nodes send after a shred.
   */
  forget(subjectId: string): void;
}

/** Name of the server secret the blind-index key is kept under: it survives KEK rotation. */
export const BLIND_INDEX_SECRET = 'blind-index';

/**
 * The keyring: per-subject data keys wrapped by the KEK, created lazily inside the
 * caller's transaction, cached only once that transaction commits.
 * `secret()` must not be called inside `database.write()` (it writes on its own).
 */
export async function createKeyring(options: KeyringOptions): Promise<KeyringService> {
  const { database, kek, clock } = options;
  const deks = new Lru<string, Buffer>(options.cacheSize ?? 10_000);
  const secrets = new Map<string, Promise<Buffer>>();
  // Bumped by every committed shred: a cache fill that read its row before the
  // shred committed is dropped rather than resurrecting an erased key.
  let shredEpoch = 0;

  async function unwrapWith(kekId: string, wrapped: Buffer, ad: string): Promise<Buffer> {
    const key = await kek.byId(kekId);
    if (!key) throw new MaxfiyError('MXF_KEYS_KEK_UNKNOWN', { kekId });
    try {
      return await key.unwrap(wrapped, ad);
    } catch (err) {
      throw new MaxfiyError('MXF_KEYS_DECRYPT_FAILED', {}, { cause: err });
    }
  }

  function remember(db: Db | Trx, subjectId: string, dek: Buffer, epoch: number): void {
    const fill = () => {
      if (epoch === shredEpoch) deks.set(subjectId, dek);
    };
    if (!db.isTransaction) {
      fill();
      return;
    }
    try {
      // The row may be this transaction's own, not yet committed: cache it only if it commits.
      onCommit(db as Trx, fill);
    } catch {
      // A transaction not opened by Database.write(): no hook, so no caching.
    }
  }

  /** The subject's data key, undefined when none was ever made; throws once shredded. */
  async function loadDek(db: Db | Trx, subjectId: string): Promise<Buffer | undefined> {
    const cached = deks.get(subjectId);
    if (cached) return cached;
    const epoch = shredEpoch;
    const row = await findSubjectKey(db, subjectId);
    if (!row) return undefined;
    if (row.wrapped_dek === null) throw new MaxfiyError('MXF_KEYS_SUBJECT_SHREDDED');
    const dek = await unwrapWith(row.kek_id, row.wrapped_dek, dekAd(subjectId));
    remember(db, subjectId, dek, epoch);
    return dek;
  }

  async function createDek(trx: Trx, subjectId: string): Promise<Buffer> {
    await kek.refresh();
    const current = kek.current();
    const dek = randomBytes(KEY_BYTES);
    await insertSubjectKeyIfAbsent(trx, {
      subject_id: subjectId,
      kek_id: current.id,
      wrapped_dek: await current.wrap(dek, dekAd(subjectId)),
      created_at: clock.now(),
      shredded_at: null,
    });
    // Read back: when another writer made the subject's key first, theirs is the key.
    const stored = await loadDek(trx, subjectId);
    if (!stored) throw new Error(`subject key row missing right after insert`);
    return stored;
  }

  async function loadOrCreateSecret(name: string, generate: () => Buffer): Promise<Buffer> {
    const existing = await findSecret(database.db, name);
    if (existing) return unwrapWith(existing.kek_id, existing.wrapped, secretAd(name));
    await kek.refresh();
    const current = kek.current();
    const wrapped = await current.wrap(generate(), secretAd(name));
    // Insert-if-absent, then read back: two processes creating the same secret at once
    // both end up with the one that was stored first.
    const row = await database.write(async (trx) => {
      await insertSecretIfAbsent(trx, { name, kek_id: current.id, wrapped, created_at: clock.now() });
      return findSecret(trx, name);
    });
    if (!row) throw new Error(`secret row missing right after insert`);
    return unwrapWith(row.kek_id, row.wrapped, secretAd(name));
  }

  async function secret(name: string, generate: () => Buffer): Promise<Buffer> {
    let pending = secrets.get(name);
    if (!pending) {
      pending = loadOrCreateSecret(name, generate);
      secrets.set(name, pending);
      pending.catch(() => secrets.delete(name));
    }
    // A copy: a caller that changes its buffer must not change everyone's secret.
    return Buffer.from(await pending);
  }

  async function decrypt(
    db: Db | Trx,
    subjectId: string,
    context: string,
    ciphertext: Buffer,
  ): Promise<Buffer> {
    const dek = await loadDek(db, subjectId);
    // No key was ever made for this subject: the ciphertext cannot be theirs.
    if (!dek) throw new MaxfiyError('MXF_KEYS_DECRYPT_FAILED');
    try {
      return open(dek, ciphertext, fieldAd(subjectId, context));
    } catch (err) {
      throw new MaxfiyError('MXF_KEYS_DECRYPT_FAILED', {}, { cause: err });
    }
  }

  const blindKey = await secret(BLIND_INDEX_SECRET, () => randomBytes(KEY_BYTES));
  const kindKeys = new Map<string, Buffer>();
  const kindKey = (kind: string): Buffer => {
    let key = kindKeys.get(kind);
    if (!key) {
      // One derived key per kind: equal values of different kinds never share an index.
      key = createHmac('sha256', blindKey).update(`blind-index:${kind}`, 'utf8').digest();
      kindKeys.set(kind, key);
    }
    return key;
  };

  return {
    get currentKekId() {
      return kek.current().id;
    },

    async encrypt(trx, subjectId, context, plaintext) {
      const dek = (await loadDek(trx, subjectId)) ?? (await createDek(trx, subjectId));
      return seal(dek, plaintext, fieldAd(subjectId, context));
    },

    decrypt,

    async decryptString(db, subjectId, context, ciphertext) {
      return (await decrypt(db, subjectId, context, ciphertext)).toString('utf8');
    },

    blindIndex(kind, value) {
      return createHmac('sha256', kindKey(kind)).update(value, 'utf8').digest();
    },

    async shred(trx, subjectId) {
      deks.delete(subjectId);
      await shredSubjectKey(trx, subjectId, kek.current().id, clock.now());
      onCommit(trx, () => {
        shredEpoch++;
        deks.delete(subjectId);
      });
    },

    secret,

    forget(subjectId) {
      shredEpoch++;
      deks.delete(subjectId);
    },

    rotate: (opts = {}) => rotateKeys({ database, kek, clock, ...opts }),
  };
}
