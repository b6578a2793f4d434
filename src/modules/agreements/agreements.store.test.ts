import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import * as store from './agreements.store.js';
import type { AgreementVersionTable } from './agreements.table.js';

const version = (n: number, patch: Partial<AgreementVersionTable> = {}): AgreementVersionTable => ({
  number: n,
  status: 'published',
  authoritative_lang: 'uz-Cyrl',
  reasons: '[]',
  site_ids: '["cdti.uz"]',
  effective_at: 1000 * n,
  published_at: 1000 * n,
  created_by: 'system',
  requested_by: null,
  approved_by: null,
  created_at: 1,
  updated_at: 1,
  ...patch,
});

describe.each(databaseKinds())('agreement store contract on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => t.cleanup());

  it('keeps versions and their texts, and finds those in force at a time', async () => {
    await t.database.write(async (trx) => {
      await store.insertVersion(trx, version(1));
      await store.insertVersion(trx, version(2, { effective_at: 5000 }));
      await store.insertVersion(trx, version(3, { status: 'draft', effective_at: null, published_at: null }));
      await store.replaceTexts(trx, 1, [
        { version: 1, lang: 'uz-Cyrl', text_status: 'authoritative', body: 'a', content_hash: 'h1' },
        { version: 1, lang: 'en', text_status: 'unofficial-translation', body: 'b', content_hash: 'h2' },
      ]);
    });
    const db = t.database.db;
    expect(await store.latestVersionNumber(db)).toBe(3);
    expect((await store.findUnpublished(db))?.number).toBe(3);
    expect((await store.publishedInForce(db, 4000)).map((v) => Number(v.number))).toEqual([1]);
    expect((await store.publishedInForce(db, 5000)).map((v) => Number(v.number))).toEqual([2, 1]);
    expect((await store.listTexts(db, 1)).map((x) => x.lang).sort()).toEqual(['en', 'uz-Cyrl']);
    expect((await store.findText(db, 1, 'en'))?.body).toBe('b');
    await t.database.write((trx) => store.updateVersion(trx, 3, { status: 'pending', requested_by: 'x' }));
    expect((await store.findVersion(db, 3))?.status).toBe('pending');
    await t.database.write((trx) =>
      store.replaceTexts(trx, 1, [
        { version: 1, lang: 'ru', text_status: 'unofficial-translation', body: 'c', content_hash: 'h3' },
      ]),
    );
    expect((await store.listTexts(db, 1)).map((x) => x.lang)).toEqual(['ru']);
  });

  it('records acceptances and keeps one state row per subject', async () => {
    await t.database.write(async (trx) => {
      await store.insertVersion(trx, version(1));
      for (const [i, s] of ['s-a', 's-b', 's-c'].entries()) {
        await store.insertAcceptance(trx, {
          id: `id-${i}`,
          subject_id: s,
          version: 1,
          lang: 'uz-Cyrl',
          content_hash: 'h',
          site_id: null,
          method: 'api',
          accepted_at: 10 + i,
          audit_seq: i,
          record: '{}',
        });
        await store.upsertSubjectState(trx, {
          subject_id: s,
          accepted_version: 1,
          accepted_at: 10 + i,
          last_acceptance_id: `id-${i}`,
          notified_version: 1,
          needs_reacceptance: 0,
        });
      }
      await store.upsertSubjectState(trx, {
        subject_id: 's-c',
        accepted_version: 2,
        accepted_at: 99,
        last_acceptance_id: 'id-x',
        notified_version: 2,
        needs_reacceptance: 0,
      });
    });
    const db = t.database.db;
    expect((await store.findAcceptance(db, 'id-1'))?.subject_id).toBe('s-b');
    expect((await store.listAcceptancesOf(db, 's-a')).map((a) => a.id)).toEqual(['id-0']);
    expect(Number((await store.findSubjectState(db, 's-c'))?.accepted_version)).toBe(2);

    expect(await store.countSubjectsToNotify(db, 2)).toBe(2);
    expect(await store.subjectsToNotify(db, 2, '', 1)).toEqual(['s-a']);
    expect(await store.subjectsToNotify(db, 2, 's-a', 10)).toEqual(['s-b']);
    await t.database.write(async (trx) => {
      await store.insertNotification(trx, {
        version: 2,
        total: 2,
        notified: 0,
        started_at: 5,
        finished_at: null,
      });
      await store.markNotified(trx, ['s-a', 's-b', 's-c'], 2);
      await store.addNotified(trx, 2, 2, 77);
    });
    expect(await store.countSubjectsToNotify(db, 2)).toBe(0);
    expect((await store.findSubjectState(db, 's-a'))?.needs_reacceptance).toBe(1);
    // s-c had already accepted version 2: not asked again.
    expect((await store.findSubjectState(db, 's-c'))?.needs_reacceptance).toBe(0);
    const [progress] = await store.listNotifications(db);
    expect({ notified: Number(progress?.notified), finished: Number(progress?.finished_at) }).toEqual({
      notified: 2,
      finished: 77,
    });
  });

  it('records an accepted state that never goes back to an older version', async () => {
    const state = (v: number, notified: number, id: string) => ({
      subject_id: 's-1',
      accepted_version: v,
      accepted_at: v * 10,
      last_acceptance_id: id,
      notified_version: notified,
      needs_reacceptance: 0,
    });
    await t.database.write(async (trx) => {
      await store.recordAcceptedState(trx, state(1, 1, 'a'));
      await store.markNotified(trx, ['s-1'], 3);
    });
    expect(await store.findSubjectState(t.database.db, 's-1')).toMatchObject({ needs_reacceptance: 1 });
    await t.database.write((trx) => store.recordAcceptedState(trx, state(2, 2, 'b')));
    const after2 = await store.findSubjectState(t.database.db, 's-1');
    expect([
      Number(after2?.accepted_version),
      Number(after2?.notified_version),
      after2?.needs_reacceptance,
    ]).toEqual([2, 3, 0]);
    await t.database.write((trx) => store.recordAcceptedState(trx, state(1, 1, 'c')));
    expect((await store.findSubjectState(t.database.db, 's-1'))?.last_acceptance_id).toBe('b');
  });

  it('stores site checks and lists the newest first', async () => {
    await t.database.write(async (trx) => {
      for (const [i, outcome] of ['ok', 'mismatch'].entries()) {
        await store.insertSiteCheck(trx, {
          id: `c-${i}`,
          site_id: 'cdti.uz',
          url: 'https://cdti.uz/agreement',
          checked_at: 100 + i,
          expected_version: 1,
          outcome,
          found: null,
        });
      }
    });
    expect((await store.listSiteChecks(t.database.db, 10)).map((c) => c.outcome)).toEqual(['mismatch', 'ok']);
  });
});
