import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { runReceiptVerify } from '../../cli/receipt.js';
import { catalogue } from '../../errors.js';
import { customerBrowser, signUp } from '../identity/identity.testkit.js';
import { AGREEMENT_LANGUAGES, type AgreementLanguage } from './agreements.schemas.js';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';

/** A known label, the API method in words, the PDF title and the key warning, per language. */
const EXPECTED: Record<
  AgreementLanguage,
  { label: string; api: string; pdfTitle: string; notFromReceipt: string; anyByte: string }
> = {
  'uz-Cyrl': {
    label: 'Кўрсатилган тил',
    api: 'илова орқали (API)',
    pdfTitle: 'Bitim qabul qilinganligi haqida kvitansiya',
    notFromReceipt: 'бу квитанциядан эмас',
    anyByte: 'Kvitansiyadagi bittagina bayt o\u0091zgartirilsa ham, tekshiruv muvaffaqiyatsiz tugaydi.',
  },
  'uz-Latn': {
    label: 'Koʻrsatilgan til',
    api: 'ilova orqali (API)',
    pdfTitle: 'Bitim qabul qilinganligi haqida kvitansiya',
    notFromReceipt: 'bu kvitansiyadan emas',
    anyByte: 'Kvitansiyadagi bittagina bayt o\u0091zgartirilsa ham, tekshiruv muvaffaqiyatsiz tugaydi.',
  },
  ru: {
    label: 'Язык показанного текста',
    api: 'через приложение (API)',
    pdfTitle: 'Kvitansiya o prinyatii soglasheniya',
    notFromReceipt: 'а не из квитанции',
    anyByte: 'Yesli izmenit xotya bi odin bayt kvitansii, proverka ne proydyot.',
  },
  en: {
    label: 'Language shown',
    api: 'through an app (API)',
    pdfTitle: 'Acceptance receipt',
    notFromReceipt: 'never from this receipt',
    anyByte: 'Any changed byte makes the check fail.',
  },
};

const COMMAND = 'maxfiy receipt verify receipt.json --public-key key.json';
const htmlLang = (body: string) => /<html lang="([^"]+)">/.exec(body)?.[1];
const main = (body: string) => body.slice(body.indexOf('<main'), body.indexOf('</main>'));

/** A one-page PDF whose cross-reference table points at the objects it names; its text in Latin-1. */
function expectOnePagePdf(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }) {
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  const text = res.rawPayload.toString('latin1');
  expect(text.startsWith('%PDF-1.4')).toBe(true);
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  expect(text).toContain('/Count 1');
  const xref = Number(/startxref\n(\d+)/.exec(text)?.[1]);
  expect(text.slice(xref, xref + 4)).toBe('xref');
  const offsets = [...text.slice(xref).matchAll(/^(\d{10}) 00000 n /gm)].map((m) => Number(m[1]));
  expect(offsets.length).toBeGreaterThan(0);
  offsets.forEach((o, i) => expect(text.slice(o, o + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
  return text.slice(text.indexOf('stream\n'), text.indexOf('\nendstream'));
}

describe.each(databaseKinds())('the receipt page and PDF in the customer’s language (§9) on %s', (kind) => {
  let t: AgreementTestApp;
  let keyUrl: string;
  /** A receipt per language the agreement was shown in (version 1 has no Russian text yet). */
  const receipts = new Map<AgreementLanguage, string>();
  const shownIn = ['uz-Cyrl', 'uz-Latn', 'en'] as const;

  beforeAll(async () => {
    t = await agreementTestApp(kind);
    keyUrl = `${t.options.publicUrl.replace(/\/$/, '')}/v1/audit/public-key`;
    for (const language of shownIn) {
      const res = await as(t, 'support')('POST', '/v1/agreements/acceptances', {
        subjectId: `reader-${language}`,
        version: 1,
        language,
      });
      expect(res.statusCode).toBe(201);
      receipts.set(language, res.json().receiptId);
    }
  }, 120_000);
  afterAll(async () => t?.close());

  const page = (id: string, query = '') =>
    t.app.inject({ url: `/v1/agreements/receipts/${id}/page${query}` });
  const pdf = (id: string, query = '') => t.app.inject({ url: `/v1/agreements/receipts/${id}/pdf${query}` });

  it.each(AGREEMENT_LANGUAGES)(
    'reads in %s: its labels, and advice that trusts the published key, never the receipt’s own',
    async (lang) => {
      const id = receipts.get('uz-Cyrl') as string;
      const json = JSON.parse((await t.app.inject({ url: `/v1/agreements/receipts/${id}` })).body);
      const res = await page(id, `?lang=${lang}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-language']).toBe(lang);
      expect(htmlLang(res.body)).toBe(lang);
      expect(res.body).toContain(EXPECTED[lang].label);
      expect(res.body).toContain(EXPECTED[lang].api);
      // Values stay verbatim, whatever the language.
      for (const value of [id, 'reader-uz-Cyrl', json.proof.treeHead.rootHash, json.agreement.contentHash])
        expect(res.body).toContain(value);
      // The advice: the full address of the published key, the command, and the warning.
      expect(res.body).toContain(`<a href="${keyUrl}"><code>${keyUrl}</code></a>`);
      expect(res.body).toContain(`<code>${COMMAND}</code>`);
      expect(res.body).toContain(EXPECTED[lang].notFromReceipt);
      expect(res.body).not.toContain('--key-id');
      expect(res.body).toContain(`/v1/agreements/receipts/${id}/pdf?lang=${lang}`);
    },
  );

  it('gives advice that works as written: the receipt verifies against the key at the published address', async () => {
    const id = receipts.get('en') as string;
    const body = (await page(id)).body;
    const published = /<a href="([^"]+\/v1\/audit\/public-key)">/.exec(body)?.[1] as string;
    expect(published).toBe(keyUrl);
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-receipt-page-'));
    try {
      const receiptFile = path.join(dir, 'receipt.json');
      const keyFile = path.join(dir, 'key.json');
      writeFileSync(receiptFile, (await t.app.inject({ url: `/v1/agreements/receipts/${id}` })).body);
      writeFileSync(keyFile, (await t.app.inject({ url: new URL(published).pathname })).body);
      const out: string[] = [];
      const err: string[] = [];
      const run = () =>
        runReceiptVerify({
          file: receiptFile,
          publicKeyFile: keyFile,
          stdout: { write: (x: string) => out.push(x) },
          stderr: { write: (x: string) => err.push(x) },
        });
      expect(run(), err.join('')).toBe(0);
      expect(out.join('')).toContain('receipt verified');
      // Another key than the published one (as a forged receipt would bring) fails the check.
      const json = JSON.parse(readFileSync(keyFile, 'utf8'));
      json.publicKeyJwk.x = Buffer.alloc(32, 7).toString('base64url');
      writeFileSync(keyFile, JSON.stringify(json));
      expect(run()).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes Uzbek Latin in the 1995 alphabet, with no Cyrillic and no apostrophe look-alikes', async () => {
    const res = await page(receipts.get('uz-Latn') as string);
    const body = main(res.body);
    expect(body).toContain('Maʼlumotlar subyekti (ism oʻrniga identifikator)');
    expect(body).toContain('oʻzbek tili (lotin yozuvi) — uz-Latn');
    expect(body).toContain('Kalitni faqat kompaniya eʼlon qilgan shu manzildan oling');
    expect(body).not.toMatch(/\p{Script=Cyrillic}/u);
    expect(body).not.toMatch(/[oOgG]['‘’`´]/);
  });

  it('is by default in the language the agreement was shown in', async () => {
    for (const language of shownIn) {
      const id = receipts.get(language) as string;
      const res = await page(id);
      expect(htmlLang(res.body), language).toBe(language);
      expect(res.body).toContain(EXPECTED[language].label);
      const text = expectOnePagePdf(await pdf(id));
      expect(text).toContain(`(${EXPECTED[language].pdfTitle}) Tj`);
    }
  });

  it('follows ?lang= over the language shown, and still names the language shown', async () => {
    const res = await page(receipts.get('uz-Cyrl') as string, '?lang=ru');
    expect(htmlLang(res.body)).toBe('ru');
    expect(res.body).toContain('узбекский (кириллица) — uz-Cyrl');
    expect(res.body).toContain('aria-current="page">Русский</a>');
    const en = await page(receipts.get('uz-Latn') as string, '?lang=en');
    expect(en.body).toContain('<dd>Uzbek (Latin) — uz-Latn</dd>');
  });

  it.each(AGREEMENT_LANGUAGES)(
    'is a valid one-page PDF in %s, transliterated, with the safe advice',
    async (lang) => {
      const text = expectOnePagePdf(await pdf(receipts.get('uz-Cyrl') as string, `?lang=${lang}`));
      expect(text).toContain(`(${EXPECTED[lang].pdfTitle}) Tj`);
      expect(text).toContain(`(${EXPECTED[lang].anyByte}) Tj`);
      expect(text).toContain(keyUrl);
      expect(text).toContain(COMMAND);
      expect(text).not.toContain('--key-id');
      // Every character had a Helvetica glyph: nothing fell back to '?' (the agreement link's query aside).
      expect(text.replaceAll('?lang=', '')).not.toContain('?');
    },
  );

  it('refuses a language it does not speak with a catalogued 400', async () => {
    const id = receipts.get('en') as string;
    for (const query of ['?lang=de', '?lang=uz', '?lang=UZ-CYRL', '?lang=', `?lang=${'x'.repeat(5000)}`]) {
      for (const res of [await page(id, query), await pdf(id, query)]) {
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.code, query).toBe('MXF_REQUEST_INVALID');
        expect(Object.keys(catalogue)).toContain(res.json().error.code);
      }
    }
  });

  it('speaks the same four languages on my receipt in the cabinet', async () => {
    const b = customerBrowser(t.app);
    expect((await signUp(t, b, 'malika@example.uz', 'the password of malika')).statusCode).toBe(201);
    const accepted = await b.call('POST', '/v1/me/agreement/acceptances', { version: 1, lang: 'uz-Latn' });
    expect(accepted.statusCode).toBe(201);
    const url = `/v1/me/receipts/${accepted.json().receiptId}`;
    const mine = await b.call('GET', `${url}/page`);
    expect(htmlLang(mine.body)).toBe('uz-Latn');
    expect(mine.body).toContain('shaxsiy kabinetda');
    expect(mine.body).toContain(keyUrl);
    expect(mine.body).not.toContain('--key-id');
    const ru = await b.call('GET', `${url}/page?lang=ru`);
    expect(htmlLang(ru.body)).toBe('ru');
    expect(ru.body).toContain('в личном кабинете');
    const text = expectOnePagePdf(await b.call('GET', `${url}/pdf?lang=en`));
    expect(text).toContain('(Acceptance receipt) Tj');
    expect(text).toContain('(How: in the personal cabinet) Tj');
    const refused = await b.call('GET', `${url}/pdf?lang=fr`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('MXF_REQUEST_INVALID');
  });
});
