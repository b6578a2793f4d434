import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from './errors.docs.js';
import { catalogue, MaxfiyError } from './errors.js';
import { LANGUAGES, pickLanguage } from './i18n/errors-define.js';

describe('the error catalogue', () => {
  it('documents every code in docs/errors.md', () => {
    const expected = renderErrorDocs();
    if (process.env.UPDATE_DOCS === '1') writeFileSync('docs/errors.md', expected);
    expect(readFileSync('docs/errors.md', 'utf8'), 'run `npm run docs:errors`').toBe(expected);
  });

  it.each(Object.entries(catalogue))(
    '%s has a valid code, status and a message in all four languages',
    (code, def) => {
      expect(code).toMatch(/^MXF_[A-Z0-9]+_[A-Z0-9_]+$/);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.status).toBeLessThan(600);
      expect(def.doc.length).toBeGreaterThan(10);
      for (const lang of LANGUAGES)
        expect(def.messages[lang]?.trim().length, `${code} ${lang}`).toBeGreaterThan(0);
      // Latin Uzbek uses the modifier letters, not apostrophes that break words.
      expect(def.messages['uz-Latn']).not.toMatch(/[oOgG]['‘’`]/);
    },
  );

  it('uses the same placeholders in every language', () => {
    for (const [code, def] of Object.entries(catalogue)) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const lang of LANGUAGES)
        expect(names(def.messages[lang]), `${code} ${lang}`).toEqual(names(def.messages.en));
    }
  });

  it('carries the status of its code', () => {
    expect(new MaxfiyError('MXF_ROUTE_NOT_FOUND').status).toBe(404);
  });
});

describe('language choice', () => {
  it.each([
    [undefined, undefined, 'uz-Cyrl'],
    ['en', 'ru', 'en'],
    [undefined, 'ru-RU,ru;q=0.9,en;q=0.8', 'ru'],
    [undefined, 'fr;q=1, en;q=0.5', 'en'],
    [undefined, 'uz-Latn-UZ', 'uz-Latn'],
    [undefined, 'uz', 'uz-Cyrl'],
    ['xx', 'en;q=0, ru;q=0.1', 'ru'],
  ])('?lang=%s Accept-Language=%s → %s', (q, accept, lang) => {
    expect(pickLanguage(q, accept)).toBe(lang);
  });
});
