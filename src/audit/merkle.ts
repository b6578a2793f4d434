/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
 *
 * Sizes and indexes are plain numbers up to 2^53: the bit operations of the RFC
 * are done with arithmetic (`% 2`, `/ 2`) because JavaScript's `&` and `>>`
 * truncate to 32 bits, and a log may outgrow that.
 */
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

/** Leaf hash: SHA-256(0x00 || data). A string is hashed as its UTF-8 bytes. */
export function leafHash(data: Buffer | string): Buffer {
  // '\u0000' is the single byte 0x00 in UTF-8, so the prefix costs no copy of `data`.
  if (typeof data === 'string') return hash('sha256', `\u0000${data}`, 'buffer');
  const buf = Buffer.allocUnsafe(data.length + 1);
  buf[0] = 0;
  data.copy(buf, 1);
  return hash('sha256', buf, 'buffer');
}

// One scratch buffer for interior nodes: hashing is synchronous, so it is never shared mid-use.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE, 1);

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  left.copy(nodeScratch, 1);
  right.copy(nodeScratch, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

/** The largest power of two strictly below n (n ≥ 2): where MTH splits. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

/**
 * The right edge of an append-only tree ("compact range" from 0): the roots of
 * the perfect subtrees that make up the first `size` leaves, largest first.
 * Appending is amortised O(1) hashes and the root is O(log n), so building the
 * tree over n leaves is O(n) and costs no memory beyond log n hashes.
 */
export class MerkleFrontier {
  private stack: Buffer[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    let h = leaf;
    // Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
    for (let s = this.count; isOdd(s); s = half(s)) {
      const left = this.stack.pop();
      if (!left) throw new Error('frontier out of shape');
      h = nodeHash(left, h);
    }
    this.stack.push(h);
    this.count += 1;
  }

  root(): Buffer {
    const last = this.stack.length - 1;
    if (last < 0) return EMPTY_ROOT;
    let r = this.stack[last] as Buffer;
    for (let i = last - 1; i >= 0; i--) r = nodeHash(this.stack[i] as Buffer, r);
    return r;
  }

  reset(): void {
    this.stack = [];
    this.count = 0;
  }
}

/** MTH over leaf hashes `leaves[start, end)`, O(end - start). */
export function rootOfLeaves(leaves: readonly Buffer[], start = 0, end = leaves.length): Buffer {
  const f = new MerkleFrontier();
  for (let i = start; i < end; i++) f.push(leaves[i] as Buffer);
  return f.root();
}

/** A half-open range of leaf indexes `[start, end)` whose MTH is one element of a proof. */
export type LeafRange = readonly [start: number, end: number];

/**
 * The subtrees whose hashes form PATH(m, D[n]) (RFC 9162 §2.1.3.1), in proof
 * order. Which subtrees a proof needs depends only on (m, n), so the caller can
 * fetch or reuse their hashes however suits its storage.
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m < n)) {
    throw new RangeError(`no inclusion proof for leaf ${m} in a tree of ${n}`);
  }
  const out: LeafRange[] = [];
  // Walk down from the root; each level's sibling is pushed, then reversed (the RFC lists the deepest first).
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m < lo + k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
    }
  }
  return out.reverse();
}

/** The subtrees whose hashes form PROOF(m, D[n]) (RFC 9162 §2.1.4.1), 0 < m ≤ n; empty when m = n. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m > 0 && m <= n)) {
    throw new RangeError(`no consistency proof from ${m} to ${n}`);
  }
  const out: LeafRange[] = [];
  // SUBPROOF(m, D[lo:hi], b), unrolled: `complete` is the RFC's b.
  let lo = 0;
  let hi = n;
  let mm = m;
  let complete = true;
  while (mm !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (mm <= k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      mm -= k;
      lo += k;
      complete = false;
    }
  }
  if (!complete) out.push([lo, hi]);
  return out.reverse();
}

/** PATH(m, D[n]) from leaf hashes in memory. */
export function inclusionProof(leaves: readonly Buffer[], m: number, n = leaves.length): Buffer[] {
  return inclusionRanges(m, n).map(([a, b]) => rootOfLeaves(leaves, a, b));
}

/** PROOF(m, D[n]) from leaf hashes in memory. */
export function consistencyProof(leaves: readonly Buffer[], m: number, n = leaves.length): Buffer[] {
  return consistencyRanges(m, n).map(([a, b]) => rootOfLeaves(leaves, a, b));
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` (hash `leaf`) is in the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  path: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `path` prove the tree (`first`, `firstRoot`) is a prefix of (`second`, `secondRoot`)? */
export function verifyConsistency(
  first: number,
  second: number,
  path: readonly Buffer[],
  firstRoot: Buffer,
  secondRoot: Buffer,
): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first > 0 && first <= second))
    return false;
  if (first === second) return path.length === 0 && firstRoot.equals(secondRoot);
  if (path.length === 0) return false;
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0] as Buffer;
  let sr = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

export function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
