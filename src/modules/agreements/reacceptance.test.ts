import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import * as store from './agreements.store.js';
import {
  type AgreementTestApp,
  agreementTestApp,
  as,
  publishNextVersion,
  signInAll,
} from './agreements.testkit.js';

const DAY = 24 * 60 * 60 * 1000;
const BULK = 2050;

async function publishVersion2(t: AgreementTestApp, effectiveAt: number) {
  expect(await publishNextVersion(t, { reasons: ['change-of-purposes'], effectiveAt })).toBe(2);
}

const state = async (t: AgreementTestApp, subjectId: string) =>
  (await as(t, 'support')('GET', `/v1/agreements/acceptance-state?subjectId=${subjectId}`)).json();

describe.each(databaseKinds())('a new version of the agreement (§20) on %s', (kind) => {
  let t: AgreementTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  for (const continuedUse of [false, true]) {
    it(`tells every customer who accepted an earlier version and asks them to accept again; continued use ${continuedUse ? 'counts' : 'does not count'} as acceptance`, async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1));
      t = await agreementTestApp(kind, {
        clock,
        options: { agreementContinuedUseCountsAsAcceptance: continuedUse },
      });
      const app = t;
      const accept = (subjectId: string, version: number) =>
        as(app, 'support')('POST', '/v1/agreements/acceptances', { subjectId, version, language: 'uz-Cyrl' });
      for (const c of ['c-1', 'c-2', 'c-3']) expect((await accept(c, 1)).statusCode).toBe(201);
      // Customers who accepted before this test: their state rows as the acceptances left them.
      await app.services.database.write(async (trx) => {
        for (let i = 0; i < BULK; i++) {
          await store.upsertSubjectState(trx, {
            subject_id: `bulk-${String(i).padStart(5, '0')}`,
            accepted_version: 1,
            accepted_at: clock.now(),
            last_acceptance_id: 'earlier',
            notified_version: 1,
            needs_reacceptance: 0,
          });
        }
      });
      expect(await state(app, 'c-1')).toMatchObject({ current: true, versionInForce: 1, acceptedVersion: 1 });

      await publishVersion2(app, clock.now() + DAY);
      while ((await app.services.worker.runOnce()) > 0) {}

      const progress = (await as(app, 'dpo')('GET', '/v1/agreements/notifications')).json().notifications;
      expect(progress).toEqual([
        expect.objectContaining({
          version: 2,
          total: BULK + 3,
          notified: BULK + 3,
          finishedAt: expect.any(Number),
        }),
      ]);
      const rows = await app.services.database.db.selectFrom('agreement_subject_state').selectAll().execute();
      expect(rows).toHaveLength(BULK + 3);
      expect(rows.every((r) => Number(r.notified_version) === 2 && Number(r.needs_reacceptance) === 1)).toBe(
        true,
      );
      const batches = (await app.services.audit.entries({ limit: 1000 })).filter(
        (e) => e.action === 'agreement.reacceptance.requested',
      );
      expect(batches.map((b) => b.details.count)).toEqual([1000, 1000, BULK + 3 - 2000]);

      // Before its effective date version 1 stays in force; version 2 may already be accepted.
      expect(await state(app, 'c-1')).toMatchObject({
        current: true,
        versionInForce: 1,
        needsReacceptance: true,
      });
      expect((await accept('c-3', 2)).statusCode).toBe(201);
      expect(await state(app, 'c-3')).toMatchObject({
        current: true,
        acceptedVersion: 2,
        needsReacceptance: false,
      });

      clock.advance(2 * DAY);
      await signInAll(app);
      expect(await state(app, 'c-1')).toMatchObject({
        current: false,
        versionInForce: 2,
        acceptedVersion: 1,
        needsReacceptance: true,
      });
      const old = await accept('c-2', 1);
      expect(old.json().error.code).toBe('MXF_AGREEMENT_VERSION_NOT_CURRENT');

      const use = await as(app, 'support')('POST', '/v1/agreements/use', { subjectId: 'c-1' });
      expect(use.statusCode).toBe(200);
      expect(use.json().recorded).toBe(continuedUse);
      expect(use.json().state).toMatchObject({
        current: continuedUse,
        acceptedVersion: continuedUse ? 2 : 1,
      });
      const history = await app.services.agreements.acceptances.history('c-1');
      expect(history.map((a) => a.method)).toEqual(continuedUse ? ['api', 'continued-use'] : ['api']);
      const again = await as(app, 'support')('POST', '/v1/agreements/use', { subjectId: 'c-1' });
      expect(again.json().recorded).toBe(false);

      // Explicit acceptance makes anyone current under either choice.
      expect((await accept('c-2', 2)).statusCode).toBe(201);
      expect(await state(app, 'c-2')).toMatchObject({
        current: true,
        acceptedVersion: 2,
        needsReacceptance: false,
      });
      expect(await state(app, 'never-accepted')).toMatchObject({ current: false, acceptedVersion: null });
    }, 180_000);
  }

  it('answers per site: a version published for other sites changes nothing on this one; continued use is recorded once', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    t = await agreementTestApp(kind, { clock, options: { agreementContinuedUseCountsAsAcceptance: true } });
    const app = t;
    const support = as(app, 'support');
    const siteState = async (subjectId: string, siteId: string) =>
      (
        await support('GET', `/v1/agreements/acceptance-state?subjectId=${subjectId}&siteId=${siteId}`)
      ).json();
    for (const [subjectId, siteId] of [
      ['x-1', 'x-file.uz'],
      ['s-1', 'silen.uz'],
    ])
      expect(
        (
          await support('POST', '/v1/agreements/acceptances', {
            subjectId,
            version: 1,
            language: 'uz-Cyrl',
            siteId,
          })
        ).statusCode,
      ).toBe(201);

    // Version 2 for silen.uz alone.
    await publishNextVersion(app, {
      reasons: ['change-of-purposes'],
      effectiveAt: clock.now() + DAY,
      siteIds: ['silen.uz'],
    });
    clock.advance(2 * DAY);
    await signInAll(app);

    // On x-file.uz version 1 is still in force and x-1 accepted it.
    expect(await siteState('x-1', 'x-file.uz')).toMatchObject({
      current: true,
      versionInForce: 1,
      acceptedVersion: 1,
      needsReacceptance: false,
    });
    const onXfile = await support('POST', '/v1/agreements/use', { subjectId: 'x-1', siteId: 'x-file.uz' });
    expect(onXfile.json()).toMatchObject({ recorded: false, state: { current: true } });
    // On silen.uz version 2 took effect: s-1's use there is its continued-use acceptance, recorded once
    // however many reports arrive together.
    expect(await siteState('s-1', 'silen.uz')).toMatchObject({ current: false, versionInForce: 2 });
    const uses = await Promise.all(
      [1, 2, 3, 4].map(() => support('POST', '/v1/agreements/use', { subjectId: 's-1', siteId: 'silen.uz' })),
    );
    expect(uses.map((u) => u.statusCode)).toEqual([200, 200, 200, 200]);
    expect(uses.filter((u) => u.json().recorded)).toHaveLength(1);
    const history = await app.services.agreements.acceptances.history('s-1');
    expect(history.map((a) => [Number(a.version), a.method, a.site_id])).toEqual([
      [1, 'api', 'silen.uz'],
      [2, 'continued-use', 'silen.uz'],
    ]);
    expect(await siteState('s-1', 'silen.uz')).toMatchObject({ current: true, acceptedVersion: 2 });

    // Its receipt points at a page that shows version 2.
    const receipt = (await app.app.inject({ url: `/v1/agreements/receipts/${history[1]?.id}` })).json();
    const policy = new URL(receipt.policyUrl);
    expect((await app.app.inject({ url: `${policy.pathname}${policy.search}` })).statusCode).toBe(200);

    const unknown = await support('GET', '/v1/agreements/acceptance-state?subjectId=x-1&siteId=nowhere.uz');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('MXF_ORG_SITE_NOT_FOUND');
  }, 120_000);
});
