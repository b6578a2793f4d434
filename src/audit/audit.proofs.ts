/**
 * Inclusion and consistency proofs from the stored leaf hashes.
 *
 * A proof is O(log n) subtree hashes (`inclusionRanges`, `consistencyRanges`).
 * Those subtrees are, apart from a few small ones, perfect and aligned; in an
 * append-only log such a subtree never changes once complete, so its hash is
 * memoised. The first proof over a tree of size n reads its n leaf hashes in
 * large pages (O(n)); later proofs read about one block of leaves (`BLOCK`)
 * and combine memoised hashes.
 */
import type { Db } from '../db/database.js';
import { leafHashRange } from './audit.store.js';
import {
  consistencyRanges,
  inclusionRanges,
  isPowerOfTwo,
  type LeafRange,
  nodeHash,
  rootOfLeaves,
  splitPoint,
} from './merkle.js';

export interface ProofTuning {
  /** Smallest memoised subtree, and the unit in which small ranges' leaves are read (a power of two). */
  block: number;
  /** Largest subtree computed from one read of its leaves (a power of two ≥ block). */
  bulk: number;
  /** Memo entries kept before the memo starts over (~100 bytes each). */
  memoLimit: number;
}

const DEFAULT_TUNING: ProofTuning = { block: 256, bulk: 1 << 16, memoLimit: 250_000 };

export interface ProofBuilder {
  /** The leaf hash of `seq` and PATH(seq, D[treeSize]). The caller has checked seq < treeSize ≤ log size. */
  inclusion(seq: number, treeSize: number): Promise<{ leafHash: Buffer; path: Buffer[] }>;
  /** PROOF(first, D[second]); the caller has checked 0 < first ≤ second ≤ log size. */
  consistency(first: number, second: number): Promise<Buffer[]>;
}

export function createProofBuilder(db: Db, tuning: Partial<ProofTuning> = {}): ProofBuilder {
  const { block: BLOCK, bulk: BULK, memoLimit: MEMO_LIMIT } = { ...DEFAULT_TUNING, ...tuning };
  const memo = new Map<number, Map<number, Buffer>>(); // subtree size → start → hash
  let memoCount = 0;

  const remember = (start: number, size: number, hash: Buffer) => {
    if (memoCount >= MEMO_LIMIT) {
      memo.clear();
      memoCount = 0;
    }
    const bySize = memo.get(size) ?? new Map<number, Buffer>();
    memo.set(size, bySize);
    bySize.set(start, hash);
    memoCount += 1;
  };

  async function readLeaves(from: number, to: number): Promise<Buffer[]> {
    const rows = await leafHashRange(db, from, to);
    rows.forEach((r, i) => {
      if (r.seq !== from + i)
        throw new Error(`audit log has a gap at seq ${from + i}: run \`maxfiy audit verify\``);
    });
    if (rows.length !== to - from)
      throw new Error(`audit log has a gap at seq ${from + rows.length}: run \`maxfiy audit verify\``);
    return rows.map((r) => r.leaf_hash);
  }

  /** Hash of the perfect aligned subtree [start, start + size), size a power of two ≥ BLOCK. */
  async function perfect(start: number, size: number): Promise<Buffer> {
    const known = memo.get(size)?.get(start);
    if (known) return known;
    let hash: Buffer;
    if (size <= BULK) {
      hash = buildAndRemember(start, await readLeaves(start, start + size));
    } else {
      const left = await perfect(start, size / 2);
      hash = nodeHash(left, await perfect(start + size / 2, size / 2));
      remember(start, size, hash);
    }
    return hash;
  }

  /** Bottom-up over a perfect subtree's leaves, memoising every node of BLOCK leaves or more. */
  function buildAndRemember(start: number, leaves: Buffer[]): Buffer {
    let level = leaves;
    for (let width = 1; level.length > 1; width *= 2) {
      const next: Buffer[] = new Array(level.length / 2);
      for (let i = 0; i < next.length; i++) {
        next[i] = nodeHash(level[2 * i] as Buffer, level[2 * i + 1] as Buffer);
        if (width * 2 >= BLOCK) remember(start + i * width * 2, width * 2, next[i] as Buffer);
      }
      level = next;
    }
    return level[0] as Buffer;
  }

  /** One proof's reads: leaves of small ranges come in aligned blocks, shared by the proof's ranges. */
  function session(treeSize: number) {
    const blocks = new Map<number, Promise<Buffer[]>>();
    const leaves = async (from: number, to: number): Promise<Buffer[]> => {
      const b = Math.floor(from / BLOCK);
      let block = blocks.get(b);
      if (!block) {
        block = readLeaves(b * BLOCK, Math.min((b + 1) * BLOCK, treeSize));
        blocks.set(b, block);
      }
      return (await block).slice(from - b * BLOCK, to - b * BLOCK);
    };
    // MTH over [start, end): every range a proof asks for is a node of the RFC's
    // tree, so a range under BLOCK leaves lies within one aligned block.
    const rangeHash = async (start: number, end: number): Promise<Buffer> => {
      const size = end - start;
      if (size < BLOCK) return rootOfLeaves(await leaves(start, end));
      if (isPowerOfTwo(size) && start % size === 0) return perfect(start, size);
      const k = splitPoint(size);
      const left = await rangeHash(start, start + k);
      return nodeHash(left, await rangeHash(start + k, end));
    };
    const hashes = async (ranges: LeafRange[]) => {
      const out: Buffer[] = [];
      for (const [a, b] of ranges) out.push(await rangeHash(a, b));
      return out;
    };
    return { leaves, hashes };
  }

  return {
    async inclusion(seq, treeSize) {
      const s = session(treeSize);
      const [leafHash] = await s.leaves(seq, seq + 1);
      if (!leafHash) throw new Error(`audit entry ${seq} is missing`);
      return { leafHash, path: await s.hashes(inclusionRanges(seq, treeSize)) };
    },
    async consistency(first, second) {
      return session(second).hashes(consistencyRanges(first, second));
    },
  };
}
