import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';

async function counts(t: AgreementTestApp) {
  const db = t.services.database.db;
  const n = async (table: 'agreement_acceptances' | 'agreement_subject_state' | 'audit_entries') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return [await n('agreement_acceptances'), await n('agreement_subject_state'), await n('audit_entries')];
}

describe.each(databaseKinds())('acceptances through the API (§8) on %s', (kind) => {
  let t: AgreementTestApp;
  beforeAll(async () => {
    t = await agreementTestApp(kind);
  }, 120_000);
  afterAll(async () => t?.close());

  it('records each acceptance with its audit entry in the same transaction, naming the exact version, language and text', async () => {
    const before = await counts(t);
    const res = await as(t, 'support')('POST', '/v1/agreements/acceptances', {
      subjectId: 'cust-7',
      version: 1,
      language: 'en',
    });
    expect(res.statusCode).toBe(201);
    const v1 = await t.services.agreements.versions.detail(1);
    expect(res.json()).toMatchObject({
      subjectId: 'cust-7',
      version: 1,
      language: 'en',
      method: 'api',
      contentHash: v1.languages.find((l) => l.lang === 'en')?.contentHash,
    });
    const entry = await t.services.audit.entry(res.json().auditSeq);
    expect(entry).toMatchObject({
      action: 'agreement.accepted',
      subjectId: 'cust-7',
      target: 'agreement-version:1',
    });
    expect(await counts(t)).toEqual(before.map((n) => n + 1));
    const st = await as(t, 'support')('GET', '/v1/agreements/acceptance-state?subjectId=cust-7');
    expect(st.json()).toMatchObject({ current: true, acceptedVersion: 1, versionInForce: 1 });
  });

  it('records a batch all together or, when one item is refused, not at all', async () => {
    const batch = (acceptances: object[]) =>
      as(t, 'support')('POST', '/v1/agreements/acceptances/batch', { acceptances });
    const before = await counts(t);
    const refused = await batch([
      { subjectId: 'b-1', version: 1, language: 'uz-Cyrl' },
      { subjectId: 'b-2', version: 1, language: 'ru' },
    ]);
    expect(refused.json().error.code).toBe('MXF_AGREEMENT_LANGUAGE_MISSING');
    expect(await counts(t)).toEqual(before);
    const ok = await batch([
      { subjectId: 'b-1', version: 1, language: 'uz-Cyrl' },
      { subjectId: 'b-2', version: 1, language: 'uz-Latn', siteId: 'a-pay.uz' },
    ]);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().acceptances.map((a: { subjectId: string }) => a.subjectId)).toEqual(['b-1', 'b-2']);
    expect(await counts(t)).toEqual(before.map((n) => n + 2));
    const seqs = ok.json().acceptances.map((a: { auditSeq: number }) => a.auditSeq);
    expect(seqs[1]).toBe(seqs[0] + 1);
  });

  it('refuses bad input with a catalogued error and changes nothing', async () => {
    const before = await counts(t);
    const post = (body: object) => as(t, 'support')('POST', '/v1/agreements/acceptances', body);
    const cases: [object, number, string][] = [
      [
        { subjectId: 'c', version: 1, language: 'uz-Cyrl', siteId: 'no-such.uz' },
        404,
        'MXF_ORG_SITE_NOT_FOUND',
      ],
      [{ subjectId: 'c', version: 1, language: 'ru' }, 400, 'MXF_AGREEMENT_LANGUAGE_MISSING'],
      [{ subjectId: 'c', version: 5, language: 'uz-Cyrl' }, 404, 'MXF_AGREEMENT_VERSION_NOT_FOUND'],
      [{ subjectId: 'someone@example.com', version: 1, language: 'uz-Cyrl' }, 400, 'MXF_REQUEST_INVALID'],
      [{ subjectId: 'c', version: 1, language: 'fr' }, 400, 'MXF_REQUEST_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/agreements/acceptances',
      payload: { subjectId: 'c', version: 1, language: 'uz-Cyrl' },
    });
    expect(anonymous.statusCode).toBe(401);
    const dpo = await as(t, 'dpo')('POST', '/v1/agreements/acceptances', {
      subjectId: 'c',
      version: 1,
      language: 'uz-Cyrl',
    });
    expect(dpo.statusCode).toBe(403);
    expect(await counts(t)).toEqual(before);
  });

  it('lets an app act for its own product’s site only; staff, and an app naming no site, are not bound', async () => {
    // Silen's back end (its product's site is silen.uz).
    const { secret } = await t.services.apps.issue('system', {
      productId: 'silen',
      scopes: ['agreements'],
      label: 'Silen',
    });
    const silen = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${secret}` },
        ...(payload ? { payload } : {}),
      });
    const one = (siteId?: string) => ({ subjectId: 'cust-s', version: 1, language: 'uz-Cyrl', siteId });
    const before = await counts(t);
    for (const [url, res] of [
      ['acceptances', await silen('POST', '/v1/agreements/acceptances', one('a-pay.uz'))],
      [
        'batch',
        await silen('POST', '/v1/agreements/acceptances/batch', {
          acceptances: [one('silen.uz'), one('x-file.uz')],
        }),
      ],
      ['use', await silen('POST', '/v1/agreements/use', { subjectId: 'cust-s', siteId: 'a-pay.uz' })],
      ['state', await silen('GET', '/v1/agreements/acceptance-state?subjectId=cust-s&siteId=a-pay.uz')],
    ] as const)
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 403, 'MXF_APP_SITE_NOT_OWN']);
    expect(await counts(t)).toEqual(before);

    expect((await silen('POST', '/v1/agreements/acceptances', one('silen.uz'))).statusCode).toBe(201);
    expect((await silen('POST', '/v1/agreements/acceptances', one())).statusCode).toBe(201);
    const state = await silen('GET', '/v1/agreements/acceptance-state?subjectId=cust-s&siteId=silen.uz');
    expect(state.json()).toMatchObject({ current: true, acceptedVersion: 1 });
    const staff = await as(t, 'support')('POST', '/v1/agreements/acceptances', one('a-pay.uz'));
    expect(staff.statusCode).toBe(201);
  });
});
