import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { type AgreementTestApp, agreementTestApp, as, signInAll } from './agreements.testkit.js';
import { generateUzLatnText } from './text/generate.js';
import { contentHash } from './text/hash.js';
import { parseAgreement, renderPlainText } from './text/paragraphs.js';

const SEED = readFileSync('config/agreement.v1.uz-Cyrl.txt', 'utf8');
/** The seed with clause 5's first word replaced: a real edit for version 2. */
const edited = () => renderPlainText(parseAgreement(SEED)).replace('\n5. ', '\n5. Янги ');

async function rowCounts(t: AgreementTestApp) {
  const db = t.services.database.db;
  const count = async (table: 'agreement_versions' | 'agreement_texts' | 'audit_entries' | 'outbox') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    versions: await count('agreement_versions'),
    texts: await count('agreement_texts'),
    audit: await count('audit_entries'),
    outbox: await count('outbox'),
  };
}

describe.each(databaseKinds())('agreement versions on %s', (kind) => {
  let t: AgreementTestApp;
  beforeAll(async () => {
    // Roles change here between the two steps: the standing period has a suite of its own below.
    t = await agreementTestApp(kind, { options: { agreementPublishStandingDays: 0 } });
  }, 120_000);
  afterAll(async () => t?.close());

  it('seeds version 1 from the seed text: uz-Cyrl authoritative, uz-Latn to review, English unofficial, Russian missing, on the five sites', async () => {
    const res = await as(t, 'dpo')('GET', '/v1/agreements/versions/1');
    expect(res.statusCode).toBe(200);
    const v = res.json().version;
    expect(v).toMatchObject({ number: 1, status: 'published', authoritativeLanguage: 'uz-Cyrl' });
    expect(v.siteIds).toEqual(['a-pay.uz', 'cdti.uz', 'silen.uz', 'smartpos.uz', 'x-file.uz']);
    const status = Object.fromEntries(
      v.languages.map((l: { lang: string; status: string }) => [l.lang, l.status]),
    );
    expect(status).toEqual({
      'uz-Cyrl': 'authoritative',
      'uz-Latn': 'transliteration-to-review',
      ru: 'missing',
      en: 'unofficial-translation',
    });
    const cyrl = renderPlainText(parseAgreement(SEED));
    expect(v.texts['uz-Cyrl']).toBe(cyrl);
    expect(v.texts['uz-Latn']).toBe(generateUzLatnText(SEED));
    expect(v.texts['uz-Latn']).toBe(readFileSync('config/agreement.v1.uz-Latn.txt', 'utf8'));
    const hashes = Object.fromEntries(
      v.languages.map((l: { lang: string; contentHash: string }) => [l.lang, l.contentHash]),
    );
    expect(hashes['uz-Cyrl']).toBe(contentHash(cyrl));
    expect(await t.services.agreements.seed()).toBe(false);
  });

  it('refuses drafts and publication to staff who are neither DPO nor legal', async () => {
    const res = await as(t, 'support')('POST', '/v1/agreements/versions', { reasons: ['change-of-law'] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('MXF_AUTH_FORBIDDEN');
  });

  it('publishes a version only with two different people, one DPO and one legal, and never changes it afterwards', async () => {
    const dpo = as(t, 'dpo');
    const past = await dpo('POST', '/v1/agreements/versions', {
      reasons: ['change-of-law'],
      effectiveAt: Date.now() - 60_000,
    });
    expect(past.json().error.code).toBe('MXF_AGREEMENT_EFFECTIVE_DATE_PAST');

    const created = await dpo('POST', '/v1/agreements/versions', {
      reasons: ['change-of-law', 'change-of-processing'],
      texts: { 'uz-Cyrl': edited() },
    });
    expect(created.statusCode).toBe(201);
    const draft = created.json().version;
    expect(draft).toMatchObject({ number: 2, status: 'draft' });
    expect(draft.texts['uz-Latn']).toBe(generateUzLatnText(edited()));
    // A changed authoritative text drops the translations it had: they say what the old text said.
    expect(draft.texts.en).toBeUndefined();
    // Given again, a translation stays through edits that leave the authoritative text as it was.
    const v1en = (await dpo('GET', '/v1/agreements/versions/1')).json().version.texts.en;
    await dpo('PATCH', '/v1/agreements/versions/2', { texts: { en: v1en } });
    const same = await dpo('PATCH', '/v1/agreements/versions/2', { texts: { 'uz-Cyrl': edited() } });
    expect(same.json().version.texts.en).toBe(v1en);
    for (const [method, url] of [
      ['POST', '/v1/agreements/versions'],
      ['PATCH', '/v1/agreements/versions/2'],
    ] as const) {
      const unknown = await dpo(method, url, {
        reasons: ['change-of-law'],
        siteIds: ['cdti.uz', 'nowhere.uz'],
      });
      expect(unknown.statusCode, method).toBe(404);
      expect(unknown.json().error.code).toBe('MXF_ORG_SITE_NOT_FOUND');
    }
    expect((await dpo('GET', '/v1/agreements/versions/2')).json().version.siteIds).not.toContain(
      'nowhere.uz',
    );
    expect(
      (await dpo('POST', '/v1/agreements/versions', { reasons: ['change-of-law'] })).json().error.code,
    ).toBe('MXF_AGREEMENT_DRAFT_EXISTS');

    const patched = await as(t, 'legal')('PATCH', '/v1/agreements/versions/2', {
      reasons: ['change-of-law'],
    });
    expect(patched.json().version.reasons).toEqual(['change-of-law']);
    const badText = await dpo('PATCH', '/v1/agreements/versions/2', { texts: { en: 'no clauses here' } });
    expect(badText.json().error.code).toBe('MXF_AGREEMENT_TEXT_INVALID');
    const badDate = await dpo('PATCH', '/v1/agreements/versions/2', { effectiveAt: 1 });
    expect(badDate.json().error.code).toBe('MXF_AGREEMENT_EFFECTIVE_DATE_PAST');

    // Nobody approves what was not asked for.
    const unasked = await as(t, 'legal')('POST', '/v1/agreements/versions/2/publication-approval');
    expect(unasked.json().error.code).toBe('MXF_AGREEMENT_NOT_PENDING');

    expect((await dpo('POST', '/v1/agreements/versions/2/publication-request')).json().version.status).toBe(
      'pending',
    );
    const before = await rowCounts(t);
    const alone = await dpo('POST', '/v1/agreements/versions/2/publication-approval');
    expect(alone.statusCode).toBe(403);
    expect(alone.json().error.code).toBe('MXF_AGREEMENT_SECOND_PERSON_REQUIRED');
    const twoDpos = await as(t, 'dpo2')('POST', '/v1/agreements/versions/2/publication-approval');
    expect(twoDpos.json().error.code).toBe('MXF_AGREEMENT_SECOND_PERSON_REQUIRED');
    expect(await rowCounts(t)).toEqual(before);
    expect((await dpo('GET', '/v1/agreements/versions/2')).json().version.status).toBe('pending');

    const approved = await as(t, 'legal')('POST', '/v1/agreements/versions/2/publication-approval');
    expect(approved.statusCode).toBe(200);
    expect(approved.json().version).toMatchObject({ number: 2, status: 'published' });
    expect(approved.json().version.effectiveAt).toBe(approved.json().version.publishedAt);
    const entries = await t.services.audit.entries({ limit: 1000 });
    expect(entries.at(-1)).toMatchObject({
      action: 'agreement.version.published',
      actor: 'staff:staff-legal',
      target: 'agreement-version:2',
    });
    expect(entries.at(-1)?.details.requestedBy).toBe('staff:staff-dpo');

    const published = await rowCounts(t);
    for (const [method, url, body] of [
      ['PATCH', '/v1/agreements/versions/2', { reasons: ['management-decision'] }],
      ['PATCH', '/v1/agreements/versions/1', { texts: { ru: SEED } }],
      ['POST', '/v1/agreements/versions/2/publication-request', undefined],
      ['POST', '/v1/agreements/versions/2/publication-approval', undefined],
    ] as const) {
      const res = await dpo(method, url, body);
      expect(res.statusCode, url).toBe(409);
      expect(res.json().error.code).toBe('MXF_AGREEMENT_VERSION_PUBLISHED');
    }
    expect(await rowCounts(t)).toEqual(published);
  });

  it('shows what changed between two versions, clause by clause, in each language', async () => {
    const res = await as(t, 'legal')('GET', '/v1/agreements/versions/1/diff/2?lang=uz-Cyrl');
    expect(res.statusCode).toBe(200);
    const changed = res.json().clauses.filter((c: { status: string }) => c.status !== 'unchanged');
    expect(changed.map((c: { number: number }) => c.number)).toEqual([5]);
    expect(changed[0].words).toContainEqual({ op: 'insert', text: 'Янги' });
    const latn = await as(t, 'legal')('GET', '/v1/agreements/versions/1/diff/2?lang=uz-Latn');
    expect(latn.json().clauses.filter((c: { status: string }) => c.status === 'changed')).toHaveLength(1);
    const ru = await as(t, 'legal')('GET', '/v1/agreements/versions/1/diff/2?lang=ru');
    expect(ru.json().error.code).toBe('MXF_AGREEMENT_LANGUAGE_MISSING');
    const none = await as(t, 'legal')('GET', '/v1/agreements/versions/1/diff/9');
    expect(none.json().error.code).toBe('MXF_AGREEMENT_VERSION_NOT_FOUND');
  });

  it('lets concurrent changes of a version take turns: one wins, the rest are refused, nothing half-done', async () => {
    const dpo = as(t, 'dpo');
    const drafts = await Promise.all(
      [1, 2, 3].map(() => dpo('POST', '/v1/agreements/versions', { reasons: ['change-of-law'] })),
    );
    expect(drafts.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(drafts.filter((r) => r.statusCode === 409).map((r) => r.json().error.code)).toEqual([
      'MXF_AGREEMENT_DRAFT_EXISTS',
      'MXF_AGREEMENT_DRAFT_EXISTS',
    ]);
    expect((await dpo('POST', '/v1/agreements/versions/3/publication-request')).statusCode).toBe(200);

    // Two approvals and an edit at once: an edit that landed after the approval it
    // raced would turn the published version back into a draft with unapproved text.
    const [a, b, edit] = await Promise.all([
      as(t, 'legal')('POST', '/v1/agreements/versions/3/publication-approval'),
      as(t, 'legal')('POST', '/v1/agreements/versions/3/publication-approval'),
      dpo('PATCH', '/v1/agreements/versions/3', {
        texts: { 'uz-Cyrl': edited().replace('\n6. ', '\n6. Яна ') },
      }),
    ]);
    const codes = [a, b, edit].map((r) => r.statusCode);
    expect(
      codes.every((c) => c === 200 || c === 409),
      JSON.stringify(codes),
    ).toBe(true);
    const v3 = (await dpo('GET', '/v1/agreements/versions/3')).json().version;
    const approvals = [a, b].filter((r) => r.statusCode === 200);
    if (edit.statusCode === 200) {
      // The edit came first: it withdrew the request, and neither approval found one.
      expect(approvals).toHaveLength(0);
      expect(v3.status).toBe('draft');
    } else {
      expect(approvals).toHaveLength(1);
      expect(edit.json().error.code).toBe('MXF_AGREEMENT_VERSION_PUBLISHED');
      expect(v3.status).toBe('published');
      const entry = (await t.services.audit.entries({ limit: 1000 })).findLast(
        (e) => e.action === 'agreement.version.published' && e.target === 'agreement-version:3',
      );
      const hashes = entry?.details.hashes as Record<string, string>;
      expect(hashes['uz-Cyrl']).toBe(
        v3.languages.find((l: { lang: string }) => l.lang === 'uz-Cyrl').contentHash,
      );
    }
  });

  it('counts the two people as they are at approval: a requester who has since lost the role, or left, makes no pair', async () => {
    const request = async (who: 'dpo' | 'dpo2') => {
      const draft = await as(t, who)('POST', '/v1/agreements/versions', { reasons: ['change-of-law'] });
      const n = draft.statusCode === 201 ? draft.json().version.number : ((await latestUnpublished()) ?? 0);
      expect((await as(t, who)('POST', `/v1/agreements/versions/${n}/publication-request`)).statusCode).toBe(
        200,
      );
      return n;
    };
    const latestUnpublished = async () =>
      (await as(t, 'dpo')('GET', '/v1/agreements/versions'))
        .json()
        .versions.find((v: { status: string }) => v.status !== 'published')?.number as number | undefined;
    const approve = (n: number) =>
      as(t, 'legal')('POST', `/v1/agreements/versions/${n}/publication-approval`);

    // Between the two steps an administrator moves the requesting DPO to support.
    const n = await request('dpo2');
    await t.services.staff.setRoles('staff-support', 'staff-dpo2', ['support']);
    const moved = await approve(n);
    expect([moved.statusCode, moved.json().error.code]).toEqual([
      403,
      'MXF_AGREEMENT_SECOND_PERSON_REQUIRED',
    ]);
    await t.services.staff.setRoles('staff-support', 'staff-dpo2', ['dpo']);
    expect((await approve(n)).statusCode).toBe(200);

    // The requesting DPO leaves before legal approves.
    const m = await request('dpo2');
    await t.services.staff.deactivate('staff-support', 'staff-dpo2');
    const left = await approve(m);
    expect([left.statusCode, left.json().error.code]).toEqual([403, 'MXF_AGREEMENT_SECOND_PERSON_REQUIRED']);
    // A DPO still here asks again, and the pair is whole.
    await request('dpo');
    expect((await approve(m)).statusCode).toBe(200);
  });
});

describe.each(databaseKinds())('publishing a version on %s, with members of standing', (kind) => {
  const DAY = 86_400_000;
  let t: AgreementTestApp;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    t = await agreementTestApp(kind, { clock, options: { agreementPublishStandingDays: 7 } });
  }, 120_000);
  afterAll(async () => t?.close());

  const pending = async () => {
    const draft = await as(t, 'dpo')('POST', '/v1/agreements/versions', { reasons: ['change-of-law'] });
    const n = draft.json().version.number as number;
    expect((await as(t, 'dpo')('POST', `/v1/agreements/versions/${n}/publication-request`)).statusCode).toBe(
      200,
    );
    return n;
  };
  const approve = (n: number) => as(t, 'legal')('POST', `/v1/agreements/versions/${n}/publication-approval`);
  const status = async (n: number) =>
    (await as(t, 'dpo')('GET', `/v1/agreements/versions/${n}`)).json().version.status as string;
  const published = async () =>
    Number(
      (
        await t.services.database.db
          .selectFrom('audit_entries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('action', '=', 'agreement.version.published')
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses a pair whose account changed within the standing period, and takes it once the period has passed', async () => {
    // Members who have stood unchanged for long publish as before.
    expect((await approve(await pending())).statusCode).toBe(200);

    // An administrator gives the legal member another role: their account is new again.
    await t.services.staff.setRoles('staff-support', 'staff-legal', ['legal', 'auditor']);
    const n = await pending();
    const before = await published();
    const refused = await approve(n);
    expect([refused.statusCode, refused.json().error.code]).toEqual([
      409,
      'MXF_AGREEMENT_PUBLISHER_UNSETTLED',
    ]);
    expect(refused.json().error.message).toContain('7');
    expect([await status(n), await published()]).toEqual(['pending', before]);

    clock.advance(7 * DAY - 60_000);
    await signInAll(t);
    expect((await approve(n)).json().error.code).toBe('MXF_AGREEMENT_PUBLISHER_UNSETTLED');
    clock.advance(120_000);
    await signInAll(t);
    expect((await approve(n)).statusCode).toBe(200);
    expect([await status(n), await published()]).toEqual(['published', before + 1]);
  });

  it('counts the requester too: a DPO deactivated and reactivated between the two steps waits again', async () => {
    const n = await pending();
    await t.services.staff.deactivate('staff-support', 'staff-dpo');
    await t.services.staff.reactivate('staff-support', 'staff-dpo');
    const refused = await approve(n);
    expect([refused.statusCode, refused.json().error.code]).toEqual([
      409,
      'MXF_AGREEMENT_PUBLISHER_UNSETTLED',
    ]);
    clock.advance(7 * DAY + 60_000);
    await signInAll(t);
    expect((await approve(n)).statusCode).toBe(200);
  });
});
