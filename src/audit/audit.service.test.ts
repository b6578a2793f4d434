import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { MaxfiyError } from '../errors.js';
import { createProofBuilder } from './audit.proofs.js';
import { type AuditLog, createAuditLog } from './audit.service.js';
import { leafHashRange } from './audit.store.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { verifyTreeHeadSignature } from './tree-head.js';

/** Signing-key storage is the keyring's business, tested there; an in-memory map suffices here. */
function fakeKeyring(): Pick<Keyring, 'secret'> {
  const secrets = new Map<string, Buffer>();
  return {
    async secret(name, generate) {
      const known = secrets.get(name) ?? generate();
      secrets.set(name, known);
      return known;
    },
  };
}

describe.each(databaseKinds())('audit log on %s', (kind) => {
  // One database per suite, emptied between tests: creating a schema per test is slow on PostgreSQL.
  let t: TestDatabase;
  const logs: AuditLog[] = [];
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.cleanup());
  beforeEach(async () => {
    await t.database.write(async (trx) => {
      await trx.deleteFrom('audit_entries').execute();
      await trx.deleteFrom('audit_tree_heads').execute();
    });
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.stop();
  });

  async function open(
    options = { treeHeadEveryEntries: 1000, treeHeadEverySeconds: 60 },
    clock = new ManualClock(),
  ) {
    const audit = createAuditLog({ database: t.database, keyring: fakeKeyring(), clock, options });
    logs.push(audit);
    return { audit, database: t.database, clock };
  }

  async function appendMany(audit: AuditLog, database: TestDatabase['database'], n: number) {
    await database.write(async (trx) => {
      for (let i = 0; i < n; i++)
        await audit.append(trx, { actor: 'system', action: 'test.event', details: { i } });
    });
  }

  it('numbers entries from 0 and keeps what was recorded', async () => {
    const { audit, database, clock } = await open();
    const first = await database.write((trx) =>
      audit.append(trx, {
        actor: 'staff:s1',
        action: 'cabinet.read',
        purpose: 'support',
        subjectId: 'subj-1',
        target: 'cabinet:c1',
        details: { grant: 'g1', fields: 2 },
      }),
    );
    const second = await database.write((trx) =>
      audit.append(trx, { actor: 'system', action: 'retention.run' }),
    );
    expect([first.seq, second.seq]).toEqual([0, 1]);
    const [entry] = await audit.entries({ subjectId: 'subj-1', limit: 10 });
    expect(entry).toMatchObject({
      seq: 0,
      at: clock.now(),
      actor: 'staff:s1',
      purpose: 'support',
      subjectId: 'subj-1',
      action: 'cabinet.read',
      target: 'cabinet:c1',
      details: { fields: 2, grant: 'g1' },
    });
    expect(await audit.entries({ after: 0, limit: 10 })).toHaveLength(1);
  });

  it('an entry appended in a transaction that rolls back leaves no entry and no gap', async () => {
    const { audit, database } = await open();
    await expect(
      database.write(async (trx) => {
        await audit.append(trx, { actor: 'system', action: 'doomed' });
        throw new Error('the change it recorded failed');
      }),
    ).rejects.toThrow('the change it recorded failed');
    // Inside one group commit, the failing write's entry goes with its savepoint.
    const results = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        database.write(async (trx) => {
          await audit.append(trx, { actor: 'system', action: `write.${i}` });
          if (i === 1) throw new Error('rolled back');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const entries = await audit.entries({ limit: 10 });
    // No gap where the failed write was; in which order the other two took their seqs is the
    // database's (on PostgreSQL they are separate transactions, and either may lock first).
    expect(entries.map((e) => e.seq)).toEqual([0, 1]);
    expect(entries.map((e) => e.action).sort()).toEqual(['write.0', 'write.2']);
    expect(await audit.verify()).toMatchObject({ ok: true, size: 2 });
  });

  it('gives 50 concurrent writes contiguous seqs 0..49', async () => {
    const { audit, database } = await open();
    const seqs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        database.write((trx) => audit.append(trx, { actor: `app:a${i}`, action: 'test.concurrent' })),
      ),
    );
    expect(seqs.map((s) => s.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await audit.verify()).toMatchObject({ ok: true, size: 50 });
  });

  it('refuses values that are not ids, and writes nothing for them', async () => {
    const { audit, database } = await open();
    for (const bad of [
      { actor: 'staff:ali@example.uz', action: 'x' },
      { actor: 'system', action: 'x', subjectId: '+998 90 123 45 67' },
      { actor: 'system', action: 'x', target: 'Ali Valiyev' },
    ]) {
      await expect(database.write((trx) => audit.append(trx, bad))).rejects.toThrow(/must be an id/);
    }
    expect(await audit.size()).toBe(0);
  });

  it('issues a signed tree head once every N entries are committed', async () => {
    const { audit, database } = await open({ treeHeadEveryEntries: 5, treeHeadEverySeconds: 3600 });
    audit.startTreeHeads();
    await audit.tick();
    await appendMany(audit, database, 4);
    await audit.tick();
    expect(await audit.latestTreeHead()).toBeNull();
    await appendMany(audit, database, 1);
    await audit.tick();
    const head = await audit.latestTreeHead();
    expect(head?.treeSize).toBe(5);
    const leaves = (await leafHashRange(database.db, 0, 5)).map((r) => r.leaf_hash);
    expect(head?.rootHash.equals(rootOfLeaves(leaves))).toBe(true);
    const key = await audit.publicKey();
    const raw = Buffer.from(key.publicKeyJwk.x, 'base64url');
    expect(head && verifyTreeHeadSignature(head, raw)).toBe(true);
    expect(head?.keyId).toBe(key.keyId);
    await appendMany(audit, database, 5);
    await audit.tick();
    expect((await audit.latestTreeHead())?.treeSize).toBe(10);
  });

  it('issues a tree head after T seconds when the log grew, and none when it did not', async () => {
    const { audit, database, clock } = await open({ treeHeadEveryEntries: 1000, treeHeadEverySeconds: 60 });
    audit.startTreeHeads();
    await appendMany(audit, database, 3);
    clock.advance(59_000);
    await audit.tick();
    expect(await audit.latestTreeHead()).toBeNull();
    clock.advance(1_000);
    await audit.tick();
    const head = await audit.latestTreeHead();
    expect(head).toMatchObject({ treeSize: 3, timestamp: clock.now() });
    clock.advance(60_000);
    await audit.tick();
    expect(await audit.latestTreeHead()).toEqual(head);
    expect(await audit.issueTreeHead()).toBeNull();
  });

  it('follows entries appended by another node before signing', async () => {
    const { audit: a, database } = await open();
    const { audit: b } = await open();
    await appendMany(a, database, 3);
    expect((await a.issueTreeHead())?.treeSize).toBe(3);
    await appendMany(b, database, 4);
    await appendMany(a, database, 2);
    const head = await a.issueTreeHead();
    const leaves = (await leafHashRange(database.db, 0, 9)).map((r) => r.leaf_hash);
    expect(head?.treeSize).toBe(9);
    expect(head?.rootHash.equals(rootOfLeaves(leaves))).toBe(true);
    // b has never issued: it reads the whole log, and finds nothing new to sign.
    expect(await b.issueTreeHead()).toBeNull();
  });

  it('serves inclusion and consistency proofs that verify against the signed tree heads', async () => {
    const { audit, database } = await open();
    await appendMany(audit, database, 260);
    const early = await audit.issueTreeHead();
    await appendMany(audit, database, 77);
    const late = await audit.issueTreeHead();
    if (!early || !late) throw new Error('no tree head');
    for (const head of [early, late]) {
      for (const seq of [0, 1, 100, 255, 256, head.treeSize - 1]) {
        const p = await audit.inclusionProof(seq, head.treeSize);
        expect(
          verifyInclusion(seq, head.treeSize, p.leafHash, p.path, head.rootHash),
          `${seq}/${head.treeSize}`,
        ).toBe(true);
      }
    }
    const c = await audit.consistencyProof(early.treeSize, late.treeSize);
    expect(verifyConsistency(c.first, c.second, c.path, early.rootHash, late.rootHash)).toBe(true);
    expect((await audit.consistencyProof(late.treeSize, late.treeSize)).path).toEqual([]);
  });

  it('gives a receipt that proves the entry offline against a signed tree head', async () => {
    const { audit, database } = await open();
    await appendMany(audit, database, 6);
    await audit.issueTreeHead();
    const { seq } = await database.write((trx) =>
      audit.append(trx, {
        actor: 'subject:s1',
        action: 'consent.given',
        subjectId: 's1',
        details: { version: 2 },
      }),
    );
    const receipt = await audit.receipt(seq);
    if (!receipt) throw new Error('no receipt');
    // Everything the customer needs is in the receipt and the published public key.
    const key = Buffer.from((await audit.publicKey()).publicKeyJwk.x, 'base64url');
    const { treeHead } = receipt;
    expect(JSON.parse(receipt.entry)).toMatchObject({
      seq: 6,
      action: 'consent.given',
      details: { version: 2 },
    });
    expect(verifyTreeHeadSignature(treeHead, key)).toBe(true);
    expect(
      verifyInclusion(seq, treeHead.treeSize, leafHash(receipt.entry), receipt.path, treeHead.rootHash),
    ).toBe(true);
    expect(await audit.receipt(99)).toBeNull();
  });

  it('computes every proof from stored hashes exactly as from the leaves in memory', async () => {
    const { audit, database } = await open();
    await appendMany(audit, database, 70);
    const leaves = (await leafHashRange(database.db, 0, 70)).map((r) => r.leaf_hash);
    // Small blocks so that memoised, bulk-read and block-read subtrees all take part.
    const proofs = createProofBuilder(database.db, { block: 4, bulk: 16 });
    const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));
    for (const n of [1, 2, 5, 17, 33, 70]) {
      for (let m = 0; m < n; m++) {
        expect(hex((await proofs.inclusion(m, n)).path)).toEqual(hex(inclusionProof(leaves, m, n)));
        expect(hex(await proofs.consistency(m + 1, n))).toEqual(hex(consistencyProof(leaves, m + 1, n)));
      }
    }
  });

  it('answers impossible proof requests with catalogued errors', async () => {
    const { audit, database } = await open();
    await appendMany(audit, database, 3);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'none',
        (e: unknown) => (e instanceof MaxfiyError ? e.code : String(e)),
      );
    expect(await code(audit.inclusionProof(3, 3))).toBe('MXF_AUDIT_SEQ_OUT_OF_RANGE');
    expect(await code(audit.inclusionProof(0, 4))).toBe('MXF_AUDIT_TREE_SIZE_TOO_LARGE');
    expect(await code(audit.consistencyProof(0, 3))).toBe('MXF_AUDIT_CONSISTENCY_RANGE');
    expect(await code(audit.consistencyProof(3, 2))).toBe('MXF_AUDIT_CONSISTENCY_RANGE');
    expect(await code(audit.consistencyProof(1, 9))).toBe('MXF_AUDIT_TREE_SIZE_TOO_LARGE');
  });
});
