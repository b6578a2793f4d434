import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Trx } from '../db/database.js';
import { type AuditLog, createAuditLog } from './audit.service.js';
import { canonicalJson, entryLeafHash } from './canonical.js';
import { loadSigningKey, signTreeHead } from './tree-head.js';

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

/**
 * A log of 20 entries with signed tree heads at 5, 10 and 20, then tampered
 * with directly in the database, as someone with database access would.
 */
describe.each(databaseKinds())('audit verify on %s', (kind) => {
  let t: TestDatabase;
  let audit: AuditLog;
  let keyring: Pick<Keyring, 'secret'>;
  const clock = new ManualClock();
  const openLog = () =>
    createAuditLog({
      database: t.database,
      keyring,
      clock,
      options: { treeHeadEveryEntries: 1000, treeHeadEverySeconds: 60 },
    });
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.cleanup());
  beforeEach(async () => {
    await tamper(async (trx) => {
      await trx.deleteFrom('audit_entries').execute();
      await trx.deleteFrom('audit_tree_heads').execute();
    });
    keyring = fakeKeyring();
    audit = openLog();
    let n = 0;
    for (const size of [5, 10, 20]) {
      await t.database.write(async (trx) => {
        for (; n < size; n++) {
          clock.advance(1000);
          await audit.append(trx, {
            actor: `staff:s${n}`,
            action: 'test.event',
            subjectId: `subj-${n % 3}`,
            details: { n },
          });
        }
      });
      await audit.issueTreeHead();
    }
  });

  const tamper = (fn: (trx: Trx) => Promise<unknown>) => t.database.write(fn);
  // A small page size, so boundaries between pages fall inside the tampered region too.
  const verify = (opts: Parameters<AuditLog['verify']>[0] = {}) => audit.verify({ pageSize: 3, ...opts });

  async function renumber(fromSeq: number, delta: number) {
    // Two steps: a unique key does not let rows pass through each other's seq.
    await tamper(async (trx) => {
      await sql`update audit_entries set seq = seq + 1000000 where seq >= ${fromSeq}`.execute(trx);
      await sql`update audit_entries set seq = seq - 1000000 + ${delta} where seq >= 1000000`.execute(trx);
    });
  }

  async function forgedRow(seq: number) {
    const row = {
      seq,
      at: clock.now(),
      actor: 'staff:forger',
      purpose: null,
      subject_id: 'subj-1',
      action: 'consent.given',
      target: null,
      details: canonicalJson({}),
    };
    return { ...row, leaf_hash: entryLeafHash(row) };
  }

  it('passes on an untouched log and reports progress to the end', async () => {
    const progress: [number, number][] = [];
    const result = await audit.verify({
      onProgress: (done, total) => progress.push([done, total]),
      pageSize: 7,
    });
    expect(result).toMatchObject({ ok: true, size: 20, treeHeads: 3 });
    expect(progress.at(-1)).toEqual([20, 20]);
  });

  it('names an entry whose field was edited', async () => {
    await tamper((trx) =>
      trx.updateTable('audit_entries').set({ actor: 'staff:someone-else' }).where('seq', '=', 7).execute(),
    );
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 7,
      reason: expect.stringMatching(/leaf hash/),
    });
  });

  it('catches an edit whose leaf hash was recomputed, by the signed tree head that covers it', async () => {
    await tamper(async (trx) => {
      const row = await trx
        .selectFrom('audit_entries')
        .selectAll()
        .where('seq', '=', 7)
        .executeTakeFirstOrThrow();
      const edited = { ...row, details: canonicalJson({ n: 999 }) };
      await trx
        .updateTable('audit_entries')
        .set({ details: edited.details, leaf_hash: entryLeafHash(edited) })
        .where('seq', '=', 7)
        .execute();
    });
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 5,
      treeSize: 10,
      reason: expect.stringMatching(/entries 5\.\.9/),
    });
  });

  it('names a deleted entry', async () => {
    await tamper((trx) => trx.deleteFrom('audit_entries').where('seq', '=', 12).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 12, reason: 'entry 12 is missing' });
  });

  it('names a deleted entry when the later ones were renumbered to close the gap', async () => {
    await tamper((trx) => trx.deleteFrom('audit_entries').where('seq', '=', 12).execute());
    await renumber(13, -1);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 12,
      reason: expect.stringMatching(/holds what was entry 13/),
    });
  });

  it('names the last entry when it was deleted but a tree head covers it', async () => {
    await tamper((trx) => trx.deleteFrom('audit_entries').where('seq', '=', 19).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 19, treeSize: 20 });
  });

  it('names an entry inserted in the middle, with the later ones renumbered', async () => {
    await renumber(12, 1);
    const forged = await forgedRow(12);
    await tamper((trx) => trx.insertInto('audit_entries').values(forged).execute());
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 12,
      reason: expect.stringMatching(/inserted/),
    });
  });

  it('names the gap before an entry inserted past the end', async () => {
    const forged = await forgedRow(23);
    await tamper((trx) => trx.insertInto('audit_entries').values(forged).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 20, reason: 'entry 20 is missing' });
  });

  it.each([
    [3, 15],
    [3, 4],
  ])('names the first of two entries whose seqs were swapped (%i, %i)', async (a, b) => {
    await tamper(async (trx) => {
      await sql`update audit_entries set seq = -1 where seq = ${a}`.execute(trx);
      await sql`update audit_entries set seq = ${a} where seq = ${b}`.execute(trx);
      await sql`update audit_entries set seq = ${b} where seq = -1`.execute(trx);
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: a });
  });

  it.each([
    ['root_hash', { root_hash: Buffer.alloc(32, 7) }],
    ['issued_at', { issued_at: 1 }],
    ['signature', { signature: Buffer.alloc(64, 1) }],
    ['tree_size', { tree_size: 11 }],
  ])('names the tree head whose %s was edited', async (_field, change) => {
    await tamper((trx) =>
      trx.updateTable('audit_tree_heads').set(change).where('tree_size', '=', 10).execute(),
    );
    expect(await verify()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tree head of size 1[01] has an invalid signature/),
    });
  });

  it('with a trusted key id, refuses tree heads re-signed with another key', async () => {
    const trusted = (await audit.publicKey()).keyId;
    const forger = loadSigningKey(
      generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }),
    );
    await tamper(async (trx) => {
      const row = await trx
        .selectFrom('audit_tree_heads')
        .selectAll()
        .where('tree_size', '=', 10)
        .executeTakeFirstOrThrow();
      const head = signTreeHead(forger, 10, row.root_hash, Number(row.issued_at));
      await trx
        .updateTable('audit_tree_heads')
        .set({ signature: head.signature, key_id: forger.keyId, public_key: forger.publicKeyRaw })
        .where('tree_size', '=', 10)
        .execute();
    });
    // Without a trusted key named, the second key is itself the sign: the log's key never changes.
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 9,
      treeSize: 10,
      reason: expect.stringMatching(/signed by key .* earlier ones by/),
    });
    expect(await verify({ trustedKeyIds: [trusted] })).toMatchObject({
      ok: false,
      firstBadSeq: 9,
      treeSize: 10,
      reason: expect.stringMatching(/untrusted key/),
    });
  });

  it('names an entry added outside 0..size-1, which no page reads', async () => {
    const forged = await forgedRow(-1);
    await tamper((trx) => trx.insertInto('audit_entries').values(forged).execute());
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadSeq: 20,
      reason: 'the log holds 1 entries outside 0..19: they were inserted',
    });
  });

  it('catches a log rewritten along with its tree heads and signed again, by a tree head kept elsewhere', async () => {
    // What GET /v1/audit/tree-head published, or a customer's receipt holds.
    const kept = await audit.latestTreeHead();
    if (!kept) throw new Error('no tree head');
    const trusted = (await audit.publicKey()).keyId;
    await tamper(async (trx) => {
      const row = await trx
        .selectFrom('audit_entries')
        .selectAll()
        .where('seq', '=', 3)
        .executeTakeFirstOrThrow();
      const edited = { ...row, seq: 3, at: Number(row.at), actor: 'staff:someone-else' };
      await trx
        .updateTable('audit_entries')
        .set({ actor: edited.actor, leaf_hash: entryLeafHash(edited) })
        .where('seq', '=', 3)
        .execute();
      await trx.deleteFrom('audit_tree_heads').execute();
    });
    // The server restarts, and its own key signs the rewritten log: the database alone cannot tell.
    await openLog().issueTreeHead();
    expect(await verify({ trustedKeyIds: [trusted] })).toMatchObject({ ok: true });
    const anchors = [{ treeSize: kept.treeSize, rootHash: kept.rootHash }];
    expect(await verify({ trustedKeyIds: [trusted], anchors })).toMatchObject({
      ok: false,
      firstBadSeq: 19,
      treeSize: 20,
      reason: expect.stringMatching(/do not match the tree head of size 20 kept elsewhere/),
    });
  });

  it('catches entries cut from the end with every tree head that covered them, by a tree head kept elsewhere', async () => {
    const kept = await audit.latestTreeHead();
    if (!kept) throw new Error('no tree head');
    await tamper(async (trx) => {
      await sql`delete from audit_entries where seq >= 12`.execute(trx);
      await sql`delete from audit_tree_heads where tree_size > 12`.execute(trx);
    });
    expect(await verify()).toMatchObject({ ok: true });
    expect(await verify({ anchors: [{ treeSize: kept.treeSize, rootHash: kept.rootHash }] })).toMatchObject({
      ok: false,
      firstBadSeq: 12,
      reason: expect.stringMatching(/entry 12 is missing: the tree head of size 20 kept elsewhere/),
    });
  });
});
