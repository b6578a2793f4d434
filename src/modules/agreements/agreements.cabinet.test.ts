import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { customerBrowser, deliver, inboxFor, signUp } from '../identity/identity.testkit.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';
import { VERSION_MAIL_TOPIC, versionMailKeys } from './notice-mail.js';

const DAY = 24 * 60 * 60 * 1000;
type Browser = ReturnType<typeof customerBrowser>;

async function customer(t: AgreementTestApp, email: string, locale?: string) {
  const b = customerBrowser(t.app);
  expect((await signUp(t, b, email, `the password of ${email}`)).statusCode).toBe(201);
  if (locale) expect((await b.call('PATCH', '/v1/me/profile', { locale })).statusCode).toBe(200);
  const subjectId: string = (await b.call('GET', '/v1/me/profile')).json().profile.subjectId;
  return { b, subjectId };
}

/** customerBrowser has no PUT: the same cookies, by hand. */
const put = (t: AgreementTestApp, b: Browser, url: string, payload: object) =>
  t.app.inject({ method: 'PUT', url, payload, headers: { cookie: `mxf_session=${b.jar.mxf_session}` } });

const codeOf = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

describe.each(databaseKinds())('the agreement and consents in the cabinet on %s', (kind) => {
  let t: AgreementTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('shows what is in force, records my acceptance with source cabinet, and gives only me my receipts', async () => {
    t = await agreementTestApp(kind);
    const app = t;
    const alice = await customer(app, 'alice@example.uz');
    const bob = await customer(app, 'bob@example.uz');
    expect((await customerBrowser(app.app).call('GET', '/v1/me/agreement')).statusCode).toBe(401);

    const before = (await alice.b.call('GET', '/v1/me/agreement')).json();
    expect(before).toMatchObject({ current: false, pending: null, acceptances: [] });
    expect(before.inForce.version).toBe(1);
    expect(before.inForce.languages).toEqual(expect.arrayContaining(['uz-Cyrl', 'uz-Latn', 'en']));
    expect(before.inForce.hashes['uz-Cyrl']).toMatch(/^sha256:[0-9a-f]{64}$/);

    const refused = await alice.b.call('POST', '/v1/me/agreement/acceptances', {
      version: 7,
      lang: 'uz-Latn',
    });
    expect(refused.statusCode).toBe(404);
    expect(codeOf(refused)).toBe('MXF_AGREEMENT_VERSION_NOT_FOUND');
    const accepted = await alice.b.call('POST', '/v1/me/agreement/acceptances', {
      version: 1,
      lang: 'uz-Latn',
    });
    expect(accepted.statusCode).toBe(201);
    const { receiptId } = accepted.json();

    const after = (await alice.b.call('GET', '/v1/me/agreement')).json();
    expect(after.current).toBe(true);
    expect(after.acceptances).toEqual([
      { id: receiptId, version: 1, at: expect.any(Number), lang: 'uz-Latn', method: 'cabinet', receiptId },
    ]);
    expect((await bob.b.call('GET', '/v1/me/agreement')).json().current).toBe(false);

    const json = await alice.b.call('GET', `/v1/me/receipts/${receiptId}`);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ piiPrincipalId: alice.subjectId, collectionMethod: 'cabinet' });
    const page = await alice.b.call('GET', `/v1/me/receipts/${receiptId}/page`);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain(receiptId);
    const pdf = await alice.b.call('GET', `/v1/me/receipts/${receiptId}/pdf`);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    for (const suffix of ['', '/page', '/pdf']) {
      const other = await bob.b.call('GET', `/v1/me/receipts/${receiptId}${suffix}`);
      expect(other.statusCode).toBe(404);
      expect(codeOf(other)).toBe('MXF_AGREEMENT_RECEIPT_NOT_FOUND');
    }

    const stats = await as(app, 'dpo')('GET', '/v1/agreements/stats?days=3');
    expect(stats.statusCode).toBe(200);
    const days = stats.json().days;
    expect(days).toHaveLength(3);
    expect(days[2]).toEqual({
      day: new Date().toISOString().slice(0, 10),
      accepted: 1,
      continuedUse: 0,
      byVersion: { 1: 1 },
    });
    expect(days[0]).toMatchObject({ accepted: 0, byVersion: {} });
    expect((await as(app, 'support')('GET', '/v1/agreements/stats')).statusCode).toBe(403);
    expect((await as(app, 'dpo')('GET', '/v1/agreements/stats?days=366')).statusCode).toBe(400);
  });

  it('shows my data and why, and my switches reach the decision engine before the answer', async () => {
    t = await agreementTestApp(kind);
    const app = t;
    await app.services.purposes.seed(readRegisterFile('config/purposes.json'));
    const { b, subjectId } = await customer(app, 'dilnoza@example.uz');
    const decide = (purpose: string, category: string) =>
      app.services.decisions.decide(subjectId, purpose, category);

    const data = (await b.call('GET', '/v1/me/data')).json();
    expect(data.categories).toContainEqual({
      id: 'biometric',
      class: 'personal',
      names: { en: expect.any(String) },
      storedIn: { storeId: 'uz-primary', country: 'UZ' },
      mustStayInUz: true,
    });
    expect(data.purposes).toHaveLength(12);
    const byId = (id: string) => data.purposes.find((p: { id: string }) => p.id === id);
    expect(byId('identify')).toMatchObject({ legalBasis: 'contract', consent: null, objected: null });
    expect(byId('interest-analytics')).toMatchObject({
      legalBasis: 'consent',
      consent: 'none',
      objected: null,
    });
    expect(byId('improve-service')).toMatchObject({ consent: null, objected: false });

    const given = await put(app, b, '/v1/me/consents/interest-analytics', { given: true, lang: 'ru' });
    expect(given.statusCode).toBe(200);
    expect(given.json()).toMatchObject({ id: 'interest-analytics', consent: 'given' });
    expect(decide('interest-analytics', 'interests').allow).toBe(true);
    const withdrawn = await put(app, b, '/v1/me/consents/interest-analytics', { given: false });
    expect(withdrawn.json().consent).toBe('withdrawn');
    expect(decide('interest-analytics', 'interests').allow).toBe(false);

    expect(decide('improve-service', 'device').allow).toBe(true);
    const objected = await put(app, b, '/v1/me/objections/improve-service', { objected: true });
    expect(objected.json()).toMatchObject({ objected: true, consent: null });
    expect(decide('improve-service', 'device')).toMatchObject({ allow: false, reasons: ['objected'] });

    for (const [url, body, status, code] of [
      ['/v1/me/consents/identify', { given: true }, 409, 'MXF_CONSENT_NOT_CONSENT_BASIS'],
      [
        '/v1/me/objections/interest-analytics',
        { objected: true },
        409,
        'MXF_CONSENT_OBJECTION_NOT_APPLICABLE',
      ],
      ['/v1/me/consents/no-such-purpose', { given: true }, 404, 'MXF_PURPOSE_NOT_FOUND'],
    ] as const) {
      const res = await put(app, b, url, body);
      expect(res.statusCode).toBe(status);
      expect(codeOf(res)).toBe(code);
    }
    expect((await put(app, b, '/v1/me/consents/identify', { given: 'yes' })).statusCode).toBe(400);
    expect(
      (await app.app.inject({ method: 'PUT', url: '/v1/me/consents/identify', payload: { given: true } }))
        .statusCode,
    ).toBe(401);

    const events = await app.services.database.db
      .selectFrom('consent_events')
      .select(['source', 'purpose_id', 'kind', 'state'])
      .where('subject_id', '=', subjectId)
      .orderBy('rev')
      .execute();
    expect(events).toEqual([
      { source: 'cabinet', purpose_id: 'interest-analytics', kind: 'consent', state: 'given' },
      { source: 'cabinet', purpose_id: 'interest-analytics', kind: 'consent', state: 'withdrawn' },
      { source: 'cabinet', purpose_id: 'improve-service', kind: 'objection', state: 'given' },
    ]);

    const stats = (await as(app, 'dpo')('GET', '/v1/consents/stats?days=2')).json();
    expect(stats.days[1]).toEqual({
      day: new Date().toISOString().slice(0, 10),
      given: 1,
      withdrawn: 1,
      objected: 1,
    });
    expect(stats.byPurpose).toEqual([{ purposeId: 'interest-analytics', given: 1, withdrawn: 1 }]);
    expect((await as(app, 'legal')('GET', '/v1/consents/stats')).statusCode).toBe(403);
  });

  it('switches one newsletter channel or topic with source cabinet, and decisions follow that channel alone (§13)', async () => {
    t = await agreementTestApp(kind);
    const app = t;
    await app.services.purposes.seed(readRegisterFile('config/purposes.json'));
    const { b, subjectId } = await customer(app, 'sardor@example.uz');
    const url = '/v1/me/consents/offers-newsletters';
    // An app records the newsletters the customer signed up for: e-mail and SMS, every topic.
    const { secret } = await app.services.apps.issue('system', {
      productId: 'silen',
      scopes: ['consents'],
      label: 'Silen',
    });
    for (const channel of ['email', 'sms']) {
      const signedUp = await app.app.inject({
        method: 'POST',
        url: `/v1/consents/subjects/${subjectId}`,
        headers: { authorization: `Bearer ${secret}` },
        payload: {
          purpose: 'offers-newsletters',
          action: 'give',
          source: 'app',
          channel,
          notice: { version: '1', language: 'ru' },
        },
      });
      expect(signedUp.statusCode).toBe(201);
    }
    const decide = async (channel: string, topic?: string) =>
      (
        await as(app, 'dpo')('POST', '/v1/decisions', {
          subjectId,
          purpose: 'offers-newsletters',
          category: 'contact',
          context: topic === undefined ? { channel } : { channel, topic },
        })
      ).json() as { allow: boolean; reasons: string[] };
    expect((await decide('email')).allow).toBe(true);

    const emailOff = await put(app, b, url, { given: false, channel: 'email', lang: 'uz-Latn' });
    expect(emailOff.statusCode).toBe(200);
    expect(emailOff.json()).toMatchObject({ id: 'offers-newsletters', consent: 'none' });
    expect(emailOff.json().channels).toEqual([
      { channel: 'email', topic: null, consent: 'withdrawn' },
      { channel: 'sms', topic: null, consent: 'given' },
    ]);
    expect(await decide('email')).toMatchObject({ allow: false, reasons: ['no-consent'] });
    expect(await decide('email', 'promo')).toMatchObject({ allow: false, reasons: ['no-consent'] });
    expect((await decide('sms')).allow).toBe(true);
    expect((await decide('sms', 'promo')).allow).toBe(true);

    // One topic of the channel back on: that topic alone.
    const newsOn = await put(app, b, url, { given: true, channel: 'email', topic: 'news' });
    expect(newsOn.json().channels).toContainEqual({ channel: 'email', topic: 'news', consent: 'given' });
    expect((await decide('email', 'news')).allow).toBe(true);
    expect((await decide('email', 'promo')).allow).toBe(false);
    expect((await decide('email')).allow).toBe(false);

    // The purpose switched off as a whole ends every channel; a channel switched on later counts again.
    await put(app, b, url, { given: false });
    expect((await decide('sms')).allow).toBe(false);
    const smsOn = await put(app, b, url, { given: true, channel: 'sms' });
    expect(smsOn.json()).toMatchObject({ consent: 'withdrawn' });
    expect(smsOn.json().channels).toEqual([
      { channel: 'email', topic: null, consent: 'withdrawn' },
      { channel: 'email', topic: 'news', consent: 'withdrawn' },
      { channel: 'sms', topic: null, consent: 'given' },
    ]);
    expect((await decide('sms')).allow).toBe(true);
    expect((await decide('email', 'news')).allow).toBe(false);
    const shown = (await b.call('GET', '/v1/me/data')).json();
    expect(shown.purposes.find((p: { id: string }) => p.id === 'offers-newsletters')).toEqual(smsOn.json());

    const events = () =>
      app.services.database.db
        .selectFrom('consent_events')
        .select(['source', 'scope', 'kind', 'state'])
        .where('subject_id', '=', subjectId)
        .orderBy('rev')
        .execute();
    const written = await events();
    expect(written).toEqual([
      { source: 'app', scope: 'email:*', kind: 'consent', state: 'given' },
      { source: 'app', scope: 'sms:*', kind: 'consent', state: 'given' },
      { source: 'cabinet', scope: 'email:*', kind: 'consent', state: 'withdrawn' },
      { source: 'cabinet', scope: 'email:news', kind: 'consent', state: 'given' },
      { source: 'cabinet', scope: '', kind: 'consent', state: 'withdrawn' },
      { source: 'cabinet', scope: 'sms:*', kind: 'consent', state: 'given' },
    ]);

    // Refused with a catalogued error, and nothing written.
    for (const [path, body, status, code] of [
      [url, { given: false, topic: 'news' }, 400, 'MXF_CONSENT_SCOPE_INVALID'],
      ['/v1/me/consents/identify', { given: true, channel: 'email' }, 409, 'MXF_CONSENT_NOT_CONSENT_BASIS'],
      ['/v1/me/consents/no-such-purpose', { given: true, channel: 'email' }, 404, 'MXF_PURPOSE_NOT_FOUND'],
      // Objections stay whole-purpose: the route takes no channel at all.
      ['/v1/me/objections/improve-service', { objected: true, channel: 'email' }, 400, 'MXF_REQUEST_INVALID'],
    ] as const) {
      const res = await put(app, b, path, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(codeOf(res)).toBe(code);
    }
    for (const [field, value] of [
      ['channel', 'E-mail'],
      ['channel', 'email:*'],
      ['channel', ''],
      ['channel', 'a'.repeat(41)],
      ['channel', '../sms'],
      ['channel', 7],
      ['channel', null],
      ['topic', '*'],
      ['topic', 'news promo'],
      ['topic', 'новости'],
    ] as const) {
      const res = await put(app, b, url, { given: false, channel: 'sms', [field]: value });
      expect(res.statusCode, `${field} ${JSON.stringify(value)}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MXF_REQUEST_INVALID', field });
    }
    expect(await events()).toEqual(written);
    expect((await decide('sms')).allow).toBe(true);
  });

  it('tells every customer of a new version by e-mail in their language, in pages, once, with progress', async () => {
    const clock = new ManualClock(Date.now());
    t = await agreementTestApp(kind, { clock });
    const app = t;
    const people = [
      { email: 'aziza@example.uz', locale: 'ru', says: 'Опубликована редакция 2' },
      { email: 'ben@example.uz', locale: 'en', says: 'Version 2 of the agreement' },
      { email: 'chori@example.uz', locale: 'uz-Latn', says: 'Kelishuvning 2-tahriri' },
      { email: 'dono@example.uz', locale: undefined, says: 'Келишувнинг 2-таҳрири' },
    ];
    for (const p of people) await customer(app, p.email, p.locale);
    // More accounts than a page holds, none with a verified address: the walk spans two pages.
    const BULK = 1100;
    await app.services.database.write(async (trx) => {
      for (let i = 0; i < BULK; i++)
        await trx
          .insertInto('customers')
          .values({
            subject_id: `bulk-${String(i).padStart(5, '0')}`,
            email_index: null,
            email_enc: null,
            email_verified: 0,
            phone_index: null,
            phone_enc: null,
            phone_verified: 0,
            name_enc: null,
            locale: null,
            opaque_record: null,
            status: 'active',
            created_at: 0,
            updated_at: 0,
          })
          .execute();
    });
    await deliver(app);

    expect(
      (
        await as(app, 'dpo')('POST', '/v1/agreements/versions', {
          reasons: ['change-of-law'],
          effectiveAt: clock.now() + DAY,
        })
      ).statusCode,
    ).toBe(201);
    await as(app, 'dpo')('POST', '/v1/agreements/versions/2/publication-request');
    expect(
      (await as(app, 'legal')('POST', '/v1/agreements/versions/2/publication-approval')).statusCode,
    ).toBe(200);

    // The first page, delivered twice (a crash after its commit): the second delivery changes nothing.
    const handler = app.services.outbox.handlerFor(VERSION_MAIL_TOPIC);
    const first = { version: 2, after: '', effectiveAt: clock.now() + DAY };
    const ctx = { messageId: 'm', attempt: 1, idempotencyKey: versionMailKeys.page(2, '') };
    await handler?.handle(first, ctx);
    const progress = async () =>
      (await as(app, 'dpo')('GET', '/v1/agreements/notifications')).json().notifications[0].mail;
    const afterFirst = await progress();
    expect(afterFirst).toEqual({ total: BULK + 4, done: 1000, sent: expect.any(Number), finishedAt: null });
    await handler?.handle(first, { ...ctx, attempt: 2 });
    expect(await progress()).toEqual(afterFirst);

    await deliver(app);
    expect(await progress()).toEqual({
      total: BULK + 4,
      done: BULK + 4,
      sent: 4,
      finishedAt: expect.any(Number),
    });
    for (const p of people) {
      const notices = (await inboxFor(app, p.email)).filter((m) => m.text.includes('2'));
      const about = notices.filter((m) => m.text.includes(p.says));
      expect(about, p.email).toHaveLength(1);
      expect(about[0]?.text).toContain(app.options.publicUrl);
    }
    // The cabinet shows the version to come.
    const b = customerBrowser(app.app);
    await b.signin('ben@example.uz', 'the password of ben@example.uz');
    expect((await b.call('GET', '/v1/me/agreement')).json().pending).toEqual({
      version: 2,
      effectiveAt: clock.now() + DAY,
    });
  });
});
