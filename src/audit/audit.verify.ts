/**
 * `maxfiy audit verify`: recomputes the whole log from the stored rows and
 * names the first entry that is not what was recorded. Needs only read access
 * to the database (tree heads carry their public key), not the KEK.
 *
 * What it catches:
 * - a changed field: the entry's recomputed leaf hash differs from the stored one;
 * - a deleted, inserted or reordered entry: seq is no longer contiguous, or an
 *   entry's seq differs from the one its leaf hash was computed with;
 * - any of the above done by someone who also rewrote leaf hashes: the rebuilt
 *   tree no longer has the root of the signed tree heads;
 * - an altered tree head: its signature fails.
 * - an entry outside 0..size-1 (a negative seq, say), which no page would read:
 *   the rows are counted;
 * - tree heads signed by more than one key, when no key is named as trusted
 *   (the log's signing key is never changed, only re-wrapped).
 * What it cannot catch alone: entries removed from the end after the last tree
 * head, or a database rewritten together with its tree heads (deleted, then
 * signed again by the server). Against those, pass a tree head kept elsewhere
 * (`anchors`: one published at GET /v1/audit/tree-head, or the one in a
 * customer's receipt) and the trusted key id.
 */
import type { Db } from '../db/database.js';
import {
  type AuditEntryRow,
  type AuditTreeHeadRow,
  allTreeHeadRows,
  auditEntryPage,
  auditLogSize,
  countAuditEntries,
} from './audit.store.js';
import { entryLeafHash } from './canonical.js';
import { MerkleFrontier } from './merkle.js';
import { isTrustedKey, keyIdOf, verifyTreeHeadSignature } from './tree-head.js';

export type VerifyResult =
  | { ok: true; size: number; treeHeads: number; keyIds: string[] }
  | { ok: false; firstBadSeq: number; reason: string; treeSize?: number };

export interface VerifyOptions {
  onProgress?: (done: number, total: number) => void;
  /** Entries read per query: memory stays bounded whatever the log's size. */
  pageSize?: number;
  /** When given (fingerprints or key ids), a tree head signed by any other key fails verification. */
  trustedKeyIds?: readonly string[];
  /**
   * Tree heads kept outside this database (size and root hash): the log must
   * reach each one's size and have its root there. A log rewritten along with
   * its stored tree heads cannot.
   */
  anchors?: readonly { treeSize: number; rootHash: Buffer }[];
}

class Tampered extends Error {
  constructor(
    readonly firstBadSeq: number,
    readonly reason: string,
    readonly treeSize?: number,
  ) {
    super(reason);
  }
}

export async function verifyAuditLog(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 2000;
  const heads = await allTreeHeadRows(db);
  const total = await auditLogSize(db);
  const frontier = new MerkleFrontier();
  const state = { headIndex: 0, verifiedSize: 0 };
  const keyIds = new Set<string>();
  const firstKey = heads[0]?.key_id;
  const anchors = [...(options.anchors ?? [])].sort((a, b) => a.treeSize - b.treeSize);
  let anchorIndex = 0;
  const checkHeadsAtCurrentSize = () => {
    for (
      let h = heads[state.headIndex];
      h && Number(h.tree_size) <= frontier.size;
      h = heads[++state.headIndex]
    ) {
      checkTreeHead(h, frontier, state.verifiedSize, options.trustedKeyIds);
      if (!options.trustedKeyIds && h.key_id !== firstKey) {
        const size = Number(h.tree_size);
        throw new Tampered(
          Math.max(size - 1, 0),
          `the tree head of size ${size} is signed by key ${h.key_id}, earlier ones by ${firstKey}: ` +
            'the log’s key does not change; pass --key-id with the key you trust',
          size,
        );
      }
      keyIds.add(h.key_id);
      state.verifiedSize = frontier.size;
    }
    for (let a = anchors[anchorIndex]; a && a.treeSize <= frontier.size; a = anchors[++anchorIndex]) {
      if (a.treeSize === frontier.size && frontier.root().equals(a.rootHash)) continue;
      throw new Tampered(
        Math.max(a.treeSize - 1, 0),
        `entries up to ${a.treeSize - 1} do not match the tree head of size ${a.treeSize} kept elsewhere: ` +
          'the log was rewritten',
        a.treeSize,
      );
    }
  };
  try {
    checkHeadsAtCurrentSize();
    let cursor = 0;
    for (;;) {
      const rows = await auditEntryPage(db, cursor, pageSize);
      for (const row of rows) {
        checkEntry(row, frontier.size);
        frontier.push(row.leaf_hash);
        checkHeadsAtCurrentSize();
      }
      options.onProgress?.(frontier.size, Math.max(total, frontier.size));
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) break;
      cursor = Number(last.seq) + 1;
    }
    const stored = await countAuditEntries(db);
    if (stored !== frontier.size) {
      throw new Tampered(
        frontier.size,
        `the log holds ${stored - frontier.size} entries outside 0..${frontier.size - 1}: they were inserted`,
      );
    }
    const farAnchor = anchors[anchorIndex];
    if (farAnchor) {
      throw new Tampered(
        frontier.size,
        `entry ${frontier.size} is missing: the tree head of size ${farAnchor.treeSize} kept elsewhere covers it`,
        farAnchor.treeSize,
      );
    }
    const beyond = heads[state.headIndex];
    if (beyond) {
      throw new Tampered(
        frontier.size,
        `entry ${frontier.size} is missing: the signed tree head of size ${beyond.tree_size} covers it`,
        Number(beyond.tree_size),
      );
    }
  } catch (err) {
    if (err instanceof Tampered) {
      return err.treeSize === undefined
        ? { ok: false, firstBadSeq: err.firstBadSeq, reason: err.reason }
        : { ok: false, firstBadSeq: err.firstBadSeq, reason: err.reason, treeSize: err.treeSize };
    }
    throw err;
  }
  return { ok: true, size: frontier.size, treeHeads: heads.length, keyIds: [...keyIds] };
}

/** The row must sit at `expected` and its fields must hash to its stored leaf hash. */
function checkEntry(row: AuditEntryRow, expected: number): void {
  const seq = Number(row.seq);
  if (seq !== expected) {
    if (seq > expected) throw new Tampered(expected, `entry ${expected} is missing`);
    throw new Tampered(seq, `entry ${seq} appears twice`);
  }
  if (entryLeafHash(row).equals(row.leaf_hash)) return;
  // The fields are intact but were hashed under a neighbouring seq: entries were moved.
  if (seq > 0 && entryLeafHash({ ...row, seq: seq - 1 }).equals(row.leaf_hash)) {
    throw new Tampered(
      seq - 1,
      `entry ${seq - 1} was inserted: entry ${seq} holds what was entry ${seq - 1}`,
    );
  }
  if (entryLeafHash({ ...row, seq: seq + 1 }).equals(row.leaf_hash)) {
    throw new Tampered(
      seq,
      `entry ${seq} holds what was entry ${seq + 1}: an entry was deleted and the rest renumbered, or entries were reordered`,
    );
  }
  throw new Tampered(
    seq,
    `entry ${seq} does not match its leaf hash: a field was changed or the entry was moved`,
  );
}

function checkTreeHead(
  row: AuditTreeHeadRow,
  frontier: MerkleFrontier,
  verifiedSize: number,
  trustedKeyIds: readonly string[] | undefined,
): void {
  const size = Number(row.tree_size);
  const lastCovered = Math.max(size - 1, 0);
  const head = {
    treeSize: size,
    rootHash: row.root_hash,
    timestamp: Number(row.issued_at),
    signature: row.signature,
    keyId: row.key_id,
  };
  if (keyIdOf(row.public_key) !== row.key_id || !verifyTreeHeadSignature(head, row.public_key)) {
    throw new Tampered(
      lastCovered,
      `the tree head of size ${size} has an invalid signature: it was altered`,
      size,
    );
  }
  if (trustedKeyIds && !trustedKeyIds.some((k) => isTrustedKey(row.public_key, k))) {
    throw new Tampered(
      lastCovered,
      `the tree head of size ${size} is signed by untrusted key ${row.key_id}`,
      size,
    );
  }
  if (!frontier.root().equals(row.root_hash)) {
    // The signature holds, so the entries changed after signing, leaf hashes included.
    throw new Tampered(
      verifiedSize,
      `entries ${verifiedSize}..${size - 1} do not match the signed tree head of size ${size}: ` +
        'an entry was rewritten together with its leaf hash',
      size,
    );
  }
}
