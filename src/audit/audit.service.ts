/**
 * The audit log (DESIGN.md "The audit log"): one append-only entry per change
 * or read of personal data, as leaves of an RFC 6962 Merkle tree, with signed
 * tree heads, proofs and a full verification.
 *
 * Appends happen in the caller's transaction, so an entry commits or rolls back
 * with the change it records and seq stays contiguous. On SQLite the single
 * writer serialises appends. On PostgreSQL an append takes a transaction-scoped
 * advisory lock: audited writes serialise at the append, so make the append the
 * last statement of a transaction to hold that lock briefly, and do not append
 * from a REPEATABLE READ transaction whose snapshot predates the lock (the
 * insert would then fail on a duplicate seq, never leave a gap).
 */
import type { Clock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { type Database, onCommit, type Trx } from '../db/database.js';
import { MaxfiyError } from '../errors.js';
import type { AuditAppender, AuditEntryInput } from './appender.js';
import { LogFollower } from './audit.follower.js';
import { createProofBuilder } from './audit.proofs.js';
import { createTreeHeadScheduler, type TreeHeadScheduler } from './audit.schedule.js';
import {
  type AuditEntryRow,
  type AuditTreeHeadRow,
  auditLogSize,
  findAuditEntry,
  insertAuditEntry,
  insertTreeHead,
  latestTreeHeadRow,
  listAuditEntries,
  lockAuditAppends,
  treeHeadRowAt,
} from './audit.store.js';
import { type VerifyOptions, type VerifyResult, verifyAuditLog } from './audit.verify.js';
import { canonicalJson, entryBytes, entryLeafHash } from './canonical.js';
import {
  generateSigningKey,
  loadSigningKey,
  type PublicKeyInfo,
  type SigningKey,
  signTreeHead,
  type TreeHead,
} from './tree-head.js';

export type { AuditEntryInput, PublicKeyInfo, TreeHead, VerifyOptions, VerifyResult };

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  purpose: string | null;
  subjectId: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  leafHash: Buffer;
}

export interface AuditReceipt {
  /** Canonical JSON of the entry: its leaf hash is SHA-256(0x00 || these UTF-8 bytes). */
  entry: string;
  seq: number;
  leafHash: Buffer;
  path: Buffer[];
  treeHead: TreeHead;
}

export interface AuditLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AuditLogDeps {
  database: Database;
  /** Only `secret()` is used, for the signing key. */
  keyring: Pick<Keyring, 'secret'>;
  clock: Clock;
  options: { treeHeadEveryEntries: number; treeHeadEverySeconds: number };
  logger?: AuditLogger;
}

export interface AuditLog extends AuditAppender, Pick<TreeHeadScheduler, 'startTreeHeads' | 'tick' | 'stop'> {
  /**
   * Appends in the caller's transaction (`database.write`), so the entry commits
   * or rolls back with the change it records. Ids only, never personal data in
   * clear: actor, purpose, subjectId, target and action must match `[A-Za-z0-9:._/-]`.
   */
  append(trx: Trx, entry: AuditEntryInput): Promise<{ seq: number }>;
  /** Signs and stores a head for the current tree if it grew since the last head; null otherwise. */
  issueTreeHead(): Promise<TreeHead | null>;
  latestTreeHead(): Promise<TreeHead | null>;
  treeHeadAt(treeSize: number): Promise<TreeHead | null>;
  publicKey(): Promise<PublicKeyInfo>;
  size(): Promise<number>;
  inclusionProof(
    seq: number,
    treeSize: number,
  ): Promise<{ seq: number; treeSize: number; leafHash: Buffer; path: Buffer[] }>;
  consistencyProof(first: number, second: number): Promise<{ first: number; second: number; path: Buffer[] }>;
  entry(seq: number): Promise<AuditEntry | null>;
  /**
   * What a consent receipt carries so a customer can check it offline: the
   * entry's canonical bytes, its inclusion path and a signed tree head that
   * covers it (issued now if the latest does not). Null when there is no such entry.
   */
  receipt(seq: number): Promise<AuditReceipt | null>;
  entries(query: { subjectId?: string; after?: number; limit: number }): Promise<AuditEntry[]>;
  verify(options?: VerifyOptions): Promise<VerifyResult>;
}

export const AUDIT_SIGNING_KEY = 'audit-signing-key';
/** Ids and codes: letters, digits and `:._/-`. Rules out e-mail addresses, phone numbers with `+`, names with spaces. */
const ID = /^[A-Za-z0-9][A-Za-z0-9:._/-]{0,199}$/;
const MAX_DETAILS = 8192;

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { database, keyring, clock } = deps;
  const db = database.db;
  const follower = new LogFollower();
  const proofs = createProofBuilder(db);
  let signing: Promise<SigningKey> | undefined;

  const signingKey = (): Promise<SigningKey> => {
    if (!signing) {
      signing = keyring.secret(AUDIT_SIGNING_KEY, generateSigningKey).then(loadSigningKey);
      // A failed load (keyring unavailable) is retried on the next call, not cached.
      signing.catch(() => {
        signing = undefined;
      });
    }
    return signing;
  };

  // Issues run one at a time: each catches the follower up and must not interleave with another.
  let issuing: Promise<unknown> = Promise.resolve();
  const issueTreeHead = (): Promise<TreeHead | null> => {
    const run = issuing.then(issueNow, issueNow);
    issuing = run.catch(() => undefined);
    return run;
  };

  async function issueNow(): Promise<TreeHead | null> {
    const size = await auditLogSize(db);
    const latest = await latestTreeHeadRow(db);
    if (size <= (latest ? Number(latest.tree_size) : 0)) return null;
    await follower.catchUp(db, size);
    const key = await signingKey();
    // Everything in the frontier is committed, including entries that arrived while catching up.
    const head = signTreeHead(key, follower.frontier.size, follower.frontier.root(), clock.now());
    await database.write((trx) =>
      insertTreeHead(trx, {
        tree_size: head.treeSize,
        root_hash: head.rootHash,
        issued_at: head.timestamp,
        signature: head.signature,
        key_id: head.keyId,
        public_key: key.publicKeyRaw,
      }),
    );
    // Another node may have stored a head of this size first; that one is the head.
    const stored = await treeHeadRowAt(db, head.treeSize);
    return stored ? toTreeHead(stored) : head;
  }

  const scheduler = createTreeHeadScheduler({
    clock,
    options: deps.options,
    logger: deps.logger,
    issue: issueTreeHead,
    committedSize: () => follower.seen,
    lastHeadSize: async () => Number((await latestTreeHeadRow(db))?.tree_size ?? 0),
  });

  async function checkTreeSize(treeSize: number): Promise<void> {
    const size = await auditLogSize(db);
    if (treeSize > size) throw new MaxfiyError('MXF_AUDIT_TREE_SIZE_TOO_LARGE', { treeSize, size });
  }

  return {
    async append(trx, input) {
      const row: AuditEntryRow = {
        seq: 0,
        at: clock.now(),
        actor: idField('actor', input.actor),
        purpose: optionalId('purpose', input.purpose),
        subject_id: optionalId('subjectId', input.subjectId),
        action: idField('action', input.action),
        target: optionalId('target', input.target),
        details: detailsJson(input.details),
        leaf_hash: Buffer.alloc(0),
      };
      if (database.kind === 'postgres') await lockAuditAppends(trx);
      // Read inside the transaction, after the lock (or under SQLite's single writer): no one else can take this seq.
      row.seq = await auditLogSize(trx);
      row.leaf_hash = entryLeafHash(row);
      await insertAuditEntry(trx, row);
      onCommit(trx, () => {
        follower.add(row.seq, row.leaf_hash);
        scheduler.committed();
      });
      return { seq: row.seq };
    },
    issueTreeHead,
    async latestTreeHead() {
      const row = await latestTreeHeadRow(db);
      return row ? toTreeHead(row) : null;
    },
    async treeHeadAt(treeSize) {
      const row = await treeHeadRowAt(db, treeSize);
      return row ? toTreeHead(row) : null;
    },
    async publicKey() {
      return (await signingKey()).info;
    },
    size: () => auditLogSize(db),
    async inclusionProof(seq, treeSize) {
      if (seq >= treeSize) throw new MaxfiyError('MXF_AUDIT_SEQ_OUT_OF_RANGE', { seq, treeSize });
      await checkTreeSize(treeSize);
      return { seq, treeSize, ...(await proofs.inclusion(seq, treeSize)) };
    },
    async consistencyProof(first, second) {
      if (!(first > 0 && first <= second))
        throw new MaxfiyError('MXF_AUDIT_CONSISTENCY_RANGE', { first, second });
      await checkTreeSize(second);
      return { first, second, path: await proofs.consistency(first, second) };
    },
    async entry(seq) {
      const row = await findAuditEntry(db, seq);
      return row ? toEntry(row) : null;
    },
    async receipt(seq) {
      const row = await findAuditEntry(db, seq);
      if (!row) return null;
      const latest = async () => latestTreeHeadRow(db).then((r) => (r ? toTreeHead(r) : null));
      let head = await latest();
      if (!head || head.treeSize <= seq) head = (await issueTreeHead()) ?? (await latest());
      if (!head || head.treeSize <= seq) throw new Error(`no tree head covers audit entry ${seq}`);
      const proof = await proofs.inclusion(seq, head.treeSize);
      return { entry: entryBytes(row), seq, leafHash: proof.leafHash, path: proof.path, treeHead: head };
    },
    async entries(query) {
      const rows = await listAuditEntries(db, { ...query, limit: Math.min(Math.max(query.limit, 0), 1000) });
      return rows.map(toEntry);
    },
    verify: (options) => verifyAuditLog(db, options),
    startTreeHeads: () => scheduler.startTreeHeads(),
    tick: () => scheduler.tick(),
    stop: () => scheduler.stop(),
  };
}

function idField(name: string, value: string): string {
  // The message names the field only: the value might be the personal data it must not hold.
  if (typeof value !== 'string' || !ID.test(value))
    throw new TypeError(`audit entry: ${name} must be an id or a code`);
  return value;
}

function optionalId(name: string, value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : idField(name, value);
}

function detailsJson(details: Record<string, unknown> | undefined): string {
  const text = canonicalJson(details ?? {});
  if (!text.startsWith('{')) throw new TypeError('audit entry: details must be an object');
  if (text.length > MAX_DETAILS) throw new TypeError(`audit entry: details exceed ${MAX_DETAILS} characters`);
  return text;
}

function toTreeHead(row: AuditTreeHeadRow): TreeHead {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    timestamp: Number(row.issued_at),
    signature: row.signature,
    keyId: row.key_id,
  };
}

function toEntry(row: AuditEntryRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    purpose: row.purpose,
    subjectId: row.subject_id,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    leafHash: row.leaf_hash,
  };
}
