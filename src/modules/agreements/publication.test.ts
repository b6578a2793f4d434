import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import type { VersionSummary } from './agreements.schemas.js';
import { type AgreementTestApp, agreementTestApp, as, publishNextVersion } from './agreements.testkit.js';
import { renderAgreementPage } from './publication.html.js';

const SITES = ['cdti.uz', 'smartpos.uz', 'silen.uz', 'a-pay.uz', 'x-file.uz'];

describe.each(databaseKinds())('publication on the sites (§22) on %s', (kind) => {
  let t: AgreementTestApp;
  let hashes: Record<string, string>;
  beforeAll(async () => {
    t = await agreementTestApp(kind);
    const v = await t.services.agreements.versions.detail(1);
    hashes = Object.fromEntries(v.languages.map((l) => [l.lang, l.contentHash ?? '']));
  }, 120_000);
  afterAll(async () => t?.close());

  it('each of the five sites serves the version in force in uz-Cyrl and uz-Latn, readable without JavaScript', async () => {
    for (const site of SITES) {
      for (const lang of ['uz-Cyrl', 'uz-Latn'] as const) {
        const res = await t.app.inject({ url: `/sites/${site}/agreement?lang=${lang}` });
        expect(res.statusCode, `${site} ${lang}`).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.body).toContain(`<html lang="${lang}">`);
        expect(res.body).toContain(`data-maxfiy-agreement="1:${hashes[lang]}"`);
        expect(res.body).not.toContain('<script');
        expect(res.body).toMatch(/<main[^>]*>/);
        expect(res.body).toContain('<h1>');
        expect(res.body.match(/<section class="clause"/g)).toHaveLength(22);
        expect(res.body).toContain(lang === 'uz-Cyrl' ? 'Тошкент шаҳри' : 'Toshkent shahri');
        expect(res.headers.etag).toBeTruthy();
        expect(res.headers['cache-control']).toContain('max-age');
      }
    }
    const latn = await t.app.inject({ url: '/sites/silen.uz/agreement?lang=uz-Latn' });
    expect(latn.body).toContain('Lotin yozuviga oʻgirilgan matn, tekshirilishi kerak');
  });

  it('says so when the language asked for is missing, and shows the authoritative text instead', async () => {
    const ru = await t.app.inject({ url: '/sites/cdti.uz/agreement?lang=ru' });
    expect(ru.statusCode).toBe(200);
    expect(ru.body).toContain('<html lang="uz-Cyrl">');
    expect(ru.body).toContain(
      '<p class="notice" role="note" lang="ru">Текст на русском языке пока недоступен',
    );
    const en = await t.app.inject({
      url: '/sites/cdti.uz/agreement',
      headers: { 'accept-language': 'en-GB' },
    });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Unofficial reference translation');
    const json = await t.app.inject({ url: '/sites/cdti.uz/agreement.json?lang=ru' });
    expect(json.json()).toMatchObject({
      requestedLanguage: 'ru',
      shownLanguage: 'uz-Cyrl',
      fallback: true,
      contentHash: hashes['uz-Cyrl'],
      versionInForce: 1,
    });
  });

  it('answers a repeated request with 304 when nothing changed', async () => {
    const first = await t.app.inject({ url: '/sites/a-pay.uz/agreement.json?lang=uz-Latn' });
    const again = await t.app.inject({
      url: '/sites/a-pay.uz/agreement.json?lang=uz-Latn',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('refuses a site that does not exist with a catalogued 404, as a page for browsers and JSON for programs', async () => {
    const json = await t.app.inject({ url: '/sites/no-such.uz/agreement' });
    expect(json.statusCode).toBe(404);
    expect(json.json().error.code).toBe('MXF_ORG_SITE_NOT_FOUND');
    const page = await t.app.inject({
      url: '/sites/no-such.uz/agreement?lang=en',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('MXF_ORG_SITE_NOT_FOUND');
    expect(page.body).toContain('No such site.');
    for (const url of [
      '/sites/no-such.uz/agreement.json',
      '/sites/no-such.uz/notice.js',
      '/sites/no-such.uz/agreement/versions/1',
    ]) {
      expect((await t.app.inject({ url })).json().error.code, url).toBe('MXF_ORG_SITE_NOT_FOUND');
    }
    const noVersion = await t.app.inject({ url: '/sites/cdti.uz/agreement/versions/7' });
    expect(noVersion.json().error.code).toBe('MXF_AGREEMENT_VERSION_NOT_FOUND');
  });

  it('serves the embeddable notice, loadable from the company’s other origins', async () => {
    const res = await t.app.inject({ url: '/sites/smartpos.uz/notice.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/javascript/);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toContain('"siteId":"smartpos.uz"');
    expect(res.body).toContain('localStorage');
    // The script is valid JavaScript.
    expect(() => new Function(res.body)).not.toThrow();
  });

  it('records a visitor’s acceptance only from the site’s registered origin, with CORS for that origin alone', async () => {
    const body = { visitorId: 'a'.repeat(32), version: 1, language: 'uz-Latn' };
    const count = async () =>
      Number(
        (
          await t.services.database.db
            .selectFrom('agreement_acceptances')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    for (const origin of [undefined, 'https://evil.example', 'https://cdti.uz', 'http://smartpos.uz']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/sites/smartpos.uz/acceptances',
        payload: body,
        headers: origin ? { origin } : {},
      });
      expect(res.statusCode, String(origin)).toBe(403);
      expect(res.json().error.code).toBe('MXF_AGREEMENT_ORIGIN_REFUSED');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(await count()).toBe(before);

    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/sites/smartpos.uz/acceptances',
      headers: { origin: 'https://smartpos.uz', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://smartpos.uz');
    const res = await t.app.inject({
      method: 'POST',
      url: '/sites/smartpos.uz/acceptances',
      payload: body,
      headers: { origin: 'https://smartpos.uz' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('https://smartpos.uz');
    expect(res.json()).toMatchObject({
      subjectId: `visitor:${'a'.repeat(32)}`,
      version: 1,
      method: 'notice',
    });
    expect(await count()).toBe(before + 1);
    const [entry] =
      (await t.services.audit.entries({ subjectId: `visitor:${'a'.repeat(32)}`, limit: 10 })) ?? [];
    expect(entry).toMatchObject({ action: 'agreement.accepted', actor: 'site:smartpos.uz' });

    // The same visitor again (a notice shown twice, or one id sent over and over): the same
    // acceptance and receipt back, in any language, and nothing new written.
    const entries = (await t.services.audit.entries({ limit: 10_000 })).length;
    for (const language of ['uz-Latn', 'en', 'uz-Cyrl']) {
      const again = await t.app.inject({
        method: 'POST',
        url: '/sites/smartpos.uz/acceptances',
        payload: { ...body, language },
        headers: { origin: 'https://smartpos.uz' },
      });
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(res.json());
    }
    expect(await count()).toBe(before + 1);
    expect((await t.services.audit.entries({ limit: 10_000 })).length).toBe(entries);
    // Another site's notice is another acceptance.
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/sites/cdti.uz/acceptances',
      payload: body,
      headers: { origin: 'https://cdti.uz' },
    });
    expect(elsewhere.json().receiptId).not.toBe(res.json().receiptId);
    expect(await count()).toBe(before + 2);
  });

  it('refuses an effective date past the year 9999 as invalid input, never a 500, and stores nothing', async () => {
    const dpo = as(t, 'dpo');
    const before = (await dpo('GET', '/v1/agreements/versions')).json();
    for (const effectiveAt of [9e15, 1e19, 253_402_300_800_000]) {
      const res = await dpo('POST', '/v1/agreements/versions', { reasons: ['change-of-law'], effectiveAt });
      expect(res.statusCode, String(effectiveAt)).toBe(400);
      expect(res.json().error.code).toBe('MXF_REQUEST_INVALID');
    }
    expect((await dpo('GET', '/v1/agreements/versions')).json()).toEqual(before);
  });

  it('labels a published version that is not yet in force with the day it takes effect, not as an earlier one', async () => {
    const dpo = as(t, 'dpo');
    const effectiveAt = Date.UTC(new Date().getUTCFullYear() + 1, 2, 1, 12);
    const created = await dpo('POST', '/v1/agreements/versions', {
      reasons: ['management-decision'],
      effectiveAt,
    });
    expect(created.statusCode).toBe(201);
    const n: number = created.json().version.number;
    const patched = await dpo('PATCH', `/v1/agreements/versions/${n}`, { effectiveAt: 1e19 });
    expect(patched.json().error.code).toBe('MXF_REQUEST_INVALID');
    expect((await dpo('POST', `/v1/agreements/versions/${n}/publication-request`)).statusCode).toBe(200);
    const approved = await as(t, 'legal')('POST', `/v1/agreements/versions/${n}/publication-approval`);
    expect(approved.json().version).toMatchObject({ number: n, status: 'published', effectiveAt });

    const date = new Date(effectiveAt).toISOString().slice(0, 10);
    const day = `${date} 12:00 UTC`;
    const time = `<time datetime="${date}T12:00Z">${day}</time>`;
    const expected = {
      'uz-Cyrl': `Бу таҳрир ${time} куни кучга киради`,
      'uz-Latn': `Bu tahrir ${time} kuni kuchga kiradi`,
      ru: `Эта редакция вступает в силу ${time}`,
      en: `This version takes effect on ${time}`,
    };
    for (const [lang, notice] of Object.entries(expected)) {
      const res = await t.app.inject({ url: `/sites/cdti.uz/agreement/versions/${n}?lang=${lang}` });
      expect(res.statusCode, lang).toBe(200);
      expect(res.body).toContain(`data-maxfiy-agreement="${n}:`);
      expect(res.body).toContain(`<p class="notice" role="note" lang="${lang}">${notice}`);
      expect(res.body).not.toMatch(/earlier version|аввалги таҳрир|avvalgi tahrir|прежняя редакция/);
    }
    // Until that day the site keeps serving version 1, which is not "earlier" either.
    // (A site and language not rendered before: pages are cached for a few seconds.)
    const current = await t.app.inject({ url: '/sites/x-file.uz/agreement?lang=en' });
    expect(current.body).toContain('data-maxfiy-agreement="1:');
    expect(current.body).not.toContain('earlier version');
    expect(current.body).not.toContain('takes effect on');
    expect(current.body).toContain(`Version ${n}</a> — ${day}`);
  });
});

describe('public caching around an effective date', () => {
  let t: AgreementTestApp | undefined;
  afterAll(async () => t?.close());

  it('lets no cache keep a page or notice.js past the moment another version takes effect', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
    t = await agreementTestApp('sqlite', { clock });
    const app = t;
    const control = async (url: string) => (await app.app.inject({ url })).headers['cache-control'];
    const urls = ['/sites/silen.uz/agreement', '/sites/silen.uz/agreement.json', '/sites/silen.uz/notice.js'];
    for (const url of urls) expect(await control(url), url).toBe('public, max-age=300');

    const effectiveAt = clock.now() + 90_000;
    expect(await publishNextVersion(app, { reasons: ['change-of-law'], effectiveAt })).toBe(2);
    for (const url of urls) expect(await control(url), url).toBe('public, max-age=90');
    clock.advance(89_500);
    for (const url of urls) expect(await control(url), url).toBe('public, no-cache');
    expect((await app.app.inject({ url: '/sites/silen.uz/notice.js' })).body).not.toMatch(/version\W+2\b/);
    // From the effective date the script offers version 2, and caching is as before.
    clock.advance(1_000);
    const script = await app.app.inject({ url: '/sites/silen.uz/notice.js' });
    expect(script.body).toMatch(/version\W+2\b/);
    for (const url of urls) expect(await control(url), url).toBe('public, max-age=300');
  });
});

describe('the agreement page', () => {
  const page = (effectiveAt: number | null, number = 1, inForce = 1) =>
    renderAgreementPage({
      siteId: 'cdti.uz',
      siteName: 'CDTI',
      companyName: 'CDTI',
      version: {
        number,
        status: 'published',
        authoritativeLanguage: 'uz-Cyrl',
        reasons: [],
        siteIds: ['cdti.uz'],
        effectiveAt,
        publishedAt: 0,
        languages: [{ lang: 'en', status: 'unofficial-translation', contentHash: null }],
        publicationRequestedBy: null,
      } satisfies VersionSummary,
      shown: 'en',
      requested: 'en',
      body: 'TITLE\n\n1. Text.\n',
      contentHash: 'sha256:00',
      versions: [{ number, effectiveAt }],
      inForce,
      path: '/sites/cdti.uz/agreement',
    });

  it('still renders when a stored date lies beyond what a date can show', () => {
    for (const effectiveAt of [9e15, 1e19, -1e19, Number.NaN]) {
      const html = page(effectiveAt, 2);
      expect(html, String(effectiveAt)).toContain(
        '<dt>In force from</dt><dd><time datetime="—">—</time></dd>',
      );
      expect(html).toContain('This version takes effect on <time datetime="—">—</time>');
    }
    expect(page(Date.UTC(2030, 0, 2))).toContain(
      '<time datetime="2030-01-02T00:00Z">2030-01-02 00:00 UTC</time>',
    );
  });

  it('names the moment a version takes effect with its time and zone, not a bare day of no named zone', () => {
    // 22:00 UTC on 30 November is already 1 December in Tashkent (UTC+5): a bare "2026-11-30" tells
    // the company's customers a day on which the version was not yet in force.
    const at = Date.UTC(2026, 10, 30, 22, 0);
    const moment = '<time datetime="2026-11-30T22:00Z">2026-11-30 22:00 UTC</time>';
    expect(page(at)).toContain(`<dt>In force from</dt><dd>${moment}</dd>`);
    expect(page(at, 2)).toContain(`This version takes effect on ${moment}`);
    expect(page(at)).toContain('Version 1</a> — 2026-11-30 22:00 UTC');
    expect(page(Date.UTC(2026, 10, 30, 22, 0, 37))).toContain(
      '<time datetime="2026-11-30T22:00:37Z">2026-11-30 22:00:37 UTC</time>',
    );
  });

  it('says an older version is an earlier one, and the version in force neither', () => {
    expect(page(0, 1, 2)).toContain('This is an earlier version; another version is in force.');
    expect(page(0, 1, 1)).not.toContain('class="notice"');
  });
});
