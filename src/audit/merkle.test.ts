import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// An independent, literal transcription of RFC 9162 §2.1.1 to §2.1.4 over the data items.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1); // largest power of two smaller than n
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0] as Buffer);
  const s = k(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, s)), mth(d.slice(s)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s
    ? [...path(m, d.slice(0, s)), mth(d.slice(s))]
    : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const items = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`entry ${i}`));
const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

describe('RFC 9162 Merkle tree hash', () => {
  it('hashes the empty tree to SHA-256 of the empty string, and the empty leaf to the RFC test value', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(leafHash('abc').equals(leafHash(Buffer.from('abc')))).toBe(true);
  });

  it('gives the root of the recursive definition for every size 0..64 and random larger sizes', () => {
    const sizes = [...Array.from({ length: 65 }, (_, i) => i), 100, 127, 128, 129, 1000, 1023, 1025];
    const data = items(1025);
    const frontier = new MerkleFrontier();
    let pushed = 0;
    for (const n of sizes) {
      while (pushed < n) frontier.push(leafHash(data[pushed++] as Buffer));
      const expected = mth(data.slice(0, n)).toString('hex');
      expect(frontier.root().toString('hex'), `size ${n}`).toBe(expected);
      expect(rootOfLeaves(data.slice(0, n).map((d) => leafHash(d))).toString('hex')).toBe(expected);
    }
  });

  it('proves and verifies every (index, size) inclusion up to 32, as the RFC defines PATH', () => {
    const data = items(32);
    const leaves = data.map((d) => leafHash(d));
    for (let n = 1; n <= 32; n++) {
      const root = mth(data.slice(0, n));
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(leaves, m, n);
        expect(hex(proof)).toEqual(hex(path(m, data.slice(0, n))));
        expect(verifyInclusion(m, n, leaves[m] as Buffer, proof, root), `${m} in ${n}`).toBe(true);
      }
    }
  });

  it('proves and verifies every (m, n) consistency up to 32, as the RFC defines PROOF', () => {
    const data = items(32);
    const leaves = data.map((d) => leafHash(d));
    for (let n = 1; n <= 32; n++) {
      const second = mth(data.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(leaves, m, n);
        expect(hex(proof)).toEqual(hex(subproof(m, data.slice(0, n), true)));
        expect(verifyConsistency(m, n, proof, mth(data.slice(0, m)), second), `${m} → ${n}`).toBe(true);
      }
    }
  });

  it('refuses proofs outside the tree', () => {
    const leaves = items(4).map((d) => leafHash(d));
    expect(() => inclusionProof(leaves, 4, 4)).toThrow(RangeError);
    expect(() => consistencyProof(leaves, 0, 4)).toThrow(RangeError);
    expect(verifyInclusion(4, 4, leaves[0] as Buffer, [], EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(0, 4, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(3, 2, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
  });
});

describe('a proof vouches for nothing else', () => {
  const tree = fc
    .integer({ min: 2, max: 300 })
    .chain((n) => fc.record({ n: fc.constant(n), m: fc.nat(n - 1), other: fc.nat(n - 1) }));

  it('an inclusion proof fails for a different leaf, index, root or path', () => {
    fc.assert(
      fc.property(tree, fc.nat(31), ({ n, m, other }, byte) => {
        const leaves = items(n).map((d) => leafHash(d));
        const root = rootOfLeaves(leaves);
        const proof = inclusionProof(leaves, m, n);
        const leaf = leaves[m] as Buffer;
        expect(verifyInclusion(m, n, leaf, proof, root)).toBe(true);
        expect(verifyInclusion(m, n, randomBytes(32), proof, root)).toBe(false);
        if (other !== m) {
          expect(verifyInclusion(m, n, leaves[other] as Buffer, proof, root)).toBe(false);
          expect(verifyInclusion(other, n, leaf, proof, root)).toBe(false);
        }
        const badRoot = Buffer.from(root);
        badRoot[byte] = (badRoot[byte] as number) ^ 1;
        expect(verifyInclusion(m, n, leaf, proof, badRoot)).toBe(false);
        if (proof.length > 0) {
          const badPath = proof.map((p) => Buffer.from(p));
          const first = badPath[0] as Buffer;
          first[byte] = (first[byte] as number) ^ 0x80;
          expect(verifyInclusion(m, n, leaf, badPath, root)).toBe(false);
          expect(verifyInclusion(m, n, leaf, proof.slice(1), root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a consistency proof fails when either tree differs', () => {
    fc.assert(
      fc.property(tree, ({ n, m: m0 }) => {
        const m = m0 + 1;
        const leaves = items(n).map((d) => leafHash(d));
        const proof = consistencyProof(leaves, m, n);
        const first = rootOfLeaves(leaves, 0, m);
        const second = rootOfLeaves(leaves);
        expect(verifyConsistency(m, n, proof, first, second)).toBe(true);
        // A history rewritten anywhere before m gives a different first root.
        const rewritten = [...leaves];
        rewritten[m0] = leafHash('forged');
        expect(verifyConsistency(m, n, proof, rootOfLeaves(rewritten, 0, m), second)).toBe(false);
        expect(verifyConsistency(m, n, proof, first, rootOfLeaves(rewritten))).toBe(false);
        if (m < n) expect(verifyConsistency(m, n, [], first, second)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
