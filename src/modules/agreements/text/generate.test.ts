import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateUzLatnText } from './generate.js';
import { type AgreementDocument, parseAgreement, renderPlainText } from './paragraphs.js';

const configFile = (lang: string) => new URL(`../../../../config/agreement.v1.${lang}.txt`, import.meta.url);
const read = (lang: string) => readFileSync(configFile(lang), 'utf8');

const uzCyrl = parseAgreement(read('uz-Cyrl'));
const shape = (doc: AgreementDocument) => doc.clauses.map((c) => [c.number, c.paragraphs.length]);

/** Latin-script names, addresses and numbers of a text: what a translation must carry over unchanged. */
const invariantTokens = (text: string) =>
  text.match(/[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]|\b[A-Za-z0-9]\b/g) ?? [];

describe('version 1 uz-Latn text (generated, to be reviewed)', () => {
  const generated = generateUzLatnText(read('uz-Cyrl'));

  it('is exactly what the transliteration makes of the uz-Cyrl seed, so the two never drift', () => {
    if (process.env.UPDATE_AGREEMENT_TEXT === '1') writeFileSync(configFile('uz-Latn'), generated);
    expect(read('uz-Latn'), 'run `UPDATE_AGREEMENT_TEXT=1 npx vitest run src/modules/agreements/text`').toBe(
      generated,
    );
  });

  it('has the seed’s title, place and 22 clauses, with no Cyrillic left', () => {
    const doc = parseAgreement(generated);
    expect(shape(doc)).toEqual(shape(uzCyrl));
    expect(doc.title).toBe('MAXFIYLIK VA SHAXSIY MAʼLUMOTLARNI SAQLASH TOʻGʻRISIDAGI BITIM');
    expect(doc.place).toBe('Toshkent shahri');
    expect(generated).not.toMatch(/\p{Script=Cyrillic}/u);
    expect(renderPlainText(doc)).toBe(generated);
  });
});

describe('version 1 English text (unofficial reference translation)', () => {
  const text = read('en');
  const doc = parseAgreement(text);

  it('parses into the same 22 clauses as the seed, and is already canonical', () => {
    expect(shape(doc)).toEqual(shape(uzCyrl));
    expect(doc.title).toBe('AGREEMENT ON CONFIDENTIALITY AND THE SAFEKEEPING OF PERSONAL DATA');
    expect(doc.place).toBe('Tashkent city');
    expect(renderPlainText(doc)).toBe(text);
  });

  it('carries every name, web address and number of each clause over to the same clause', () => {
    uzCyrl.clauses.forEach((clause, index) => {
      const english = doc.clauses[index]?.paragraphs.join(' ') ?? '';
      for (const token of invariantTokens(clause.paragraphs.join(' '))) {
        expect(english, `clause ${clause.number}`).toContain(token);
      }
    });
  });

  it('states the promises the rest of maxfiy is built on, each in its own clause', () => {
    const clause = (n: number) => doc.clauses[n - 1]?.paragraphs.join(' ') ?? '';
    expect(clause(4)).toContain('does not collect or store passwords');
    expect(clause(4)).toContain('not given to state bodies');
    expect(clause(15)).toContain('only on the grounds and in the procedure established by the legislation');
    expect(clause(20)).toContain('takes effect from the moment it is published on the site, unless');
    expect(clause(21)).toContain('within 30 calendar days');
  });
});
