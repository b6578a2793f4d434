import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import * as store from './consents.store.js';

describe.each(databaseKinds())('consent store on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => t.cleanup());

  const event = (subject: string, rev: number, state: string): store.ConsentEventRow => ({
    id: `${subject}-${rev}`,
    subject_id: subject,
    rev,
    purpose_id: 'offers',
    scope: '',
    kind: 'consent',
    state,
    source: 'cabinet',
    purpose_version: 1,
    at: rev,
    expires_at: null,
    record: '{}',
    audit_seq: rev,
  });

  it('registers a subject on first use and numbers its revisions', async () => {
    expect(await t.database.write((trx) => store.bumpSubject(trx, 's1', 1))).toEqual({
      rev: 1,
      status: 'active',
    });
    expect(await t.database.write((trx) => store.bumpSubject(trx, 's1', 2, 'blocked'))).toEqual({
      rev: 2,
      status: 'blocked',
    });
    expect(await t.database.write((trx) => store.bumpSubject(trx, 's1', 3))).toEqual({
      rev: 3,
      status: 'blocked',
    });
    expect(await store.countSubjects(t.database.db)).toBe(1);
  });

  it('keeps every event and the latest state per purpose, scope and kind', async () => {
    await t.database.write(async (trx) => {
      for (const [rev, state] of [
        [1, 'given'],
        [2, 'withdrawn'],
      ] as const) {
        await store.bumpSubject(trx, 's1', rev);
        await store.insertEvent(trx, event('s1', rev, state));
        await store.upsertCurrent(trx, {
          subjectId: 's1',
          purposeId: 'offers',
          scope: '',
          kind: 'consent',
          state,
          eventId: `s1-${rev}`,
          expiresAt: null,
          now: rev,
        });
      }
    });
    expect((await store.listEvents(t.database.db, 's1')).map((e) => [e.rev, e.state])).toEqual([
      [1, 'given'],
      [2, 'withdrawn'],
    ]);
    expect(await store.findEvent(t.database.db, 's1-1')).toMatchObject({ subject_id: 's1', rev: 1 });
    expect(await store.subjectState(t.database.db, 's1')).toEqual({
      subjectId: 's1',
      status: 'active',
      rev: 2,
      // Each row names the revision of the event that wrote it: the order the decision rule needs.
      rows: [
        { purposeId: 'offers', scope: '', kind: 'consent', state: 'withdrawn', expiresAt: null, rev: 2 },
      ],
    });
    expect(await store.subjectState(t.database.db, 'nobody')).toBeUndefined();
    // The same revision twice is refused: events of one subject are totally ordered.
    await expect(
      t.database.write((trx) => store.insertEvent(trx, { ...event('s1', 2, 'given'), id: 'x' })),
    ).rejects.toThrow();
  });

  it('pages through subjects in id order with their state', async () => {
    await t.database.write(async (trx) => {
      for (const id of ['c', 'a', 'b', 'd']) await store.bumpSubject(trx, id, 1);
      await store.upsertCurrent(trx, {
        subjectId: 'b',
        purposeId: 'offers',
        scope: 'email:*',
        kind: 'consent',
        state: 'given',
        eventId: 'e',
        expiresAt: 99,
        now: 1,
      });
    });
    await t.database.write(async (trx) => {
      await store.insertEvent(trx, { ...event('b', 7, 'withdrawn'), id: 'b-7' });
      await store.upsertCurrent(trx, {
        subjectId: 'b',
        purposeId: 'offers',
        scope: '',
        kind: 'consent',
        state: 'withdrawn',
        eventId: 'b-7',
        expiresAt: null,
        now: 2,
      });
    });
    const first = await store.subjectStatesPage(t.database.db, '', 2);
    expect(first.map((s) => [s.subjectId, s.rows.length])).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
    const rows = [...(first[1]?.rows ?? [])].sort((x, y) => x.scope.localeCompare(y.scope));
    expect(rows).toStrictEqual([
      // Written by event b-7, at the subject's revision 7.
      { purposeId: 'offers', scope: '', kind: 'consent', state: 'withdrawn', expiresAt: null, rev: 7 },
      // Its event is not there: no revision, so it counts as the oldest.
      { purposeId: 'offers', scope: 'email:*', kind: 'consent', state: 'given', expiresAt: 99 },
    ]);
    expect(await store.currentRows(t.database.db, 'b')).toStrictEqual(rows);
    const second = await store.subjectStatesPage(t.database.db, 'b', 2);
    expect(second.map((s) => s.subjectId)).toEqual(['c', 'd']);
    expect(await store.subjectStatesPage(t.database.db, 'd', 2)).toEqual([]);
  });

  it('keeps webhook subscribers and deactivates them', async () => {
    await t.database.write((trx) =>
      store.insertSubscriber(trx, { id: 'w1', url: 'https://a.example/h', createdBy: 'staff:1', now: 1 }),
    );
    expect((await store.listSubscribers(t.database.db, true)).map((s) => s.id)).toEqual(['w1']);
    expect(await t.database.write((trx) => store.deactivateSubscriber(trx, 'w1', 2))).toBe(true);
    expect(await t.database.write((trx) => store.deactivateSubscriber(trx, 'w1', 3))).toBe(false);
    expect(await store.listSubscribers(t.database.db, true)).toEqual([]);
    expect((await store.findSubscriber(t.database.db, 'w1'))?.active).toBe(0);
  });
});
