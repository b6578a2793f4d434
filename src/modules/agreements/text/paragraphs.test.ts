import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgreementTextError, parseAgreement, renderPlainText } from './paragraphs.js';

const seed = readFileSync(new URL('../../../../config/agreement.v1.uz-Cyrl.txt', import.meta.url), 'utf8');

/**
 * Words of the raw seed, with line-break hyphenation undone by the rule the
 * parser states (a hyphen right after a letter or digit at a line end, before
 * a letter or digit, is kept and glued), written here independently of it.
 */
function rawWords(raw: string): string[] {
  return raw
    .normalize('NFC')
    .replace(/([\p{L}\p{N}]-)[^\S\n]*(?:\n\s*)+(?=[\p{L}\p{N}])/gu, '$1')
    .split(/\s+/u)
    .filter((word) => word.length > 0);
}

const words = (text: string) => text.split(/\s+/u).filter((word) => word.length > 0);

describe('the seed agreement, rebuilt from its PDF line breaks', () => {
  const doc = parseAgreement(seed);
  const canonical = renderPlainText(doc);

  it('loses, adds and changes no word of the seed', () => {
    expect(words(canonical)).toEqual(rawWords(seed));
    // The one word the PDF split across lines comes back whole.
    expect(canonical).toContain('Silen, A-pay, X-file каби');
    expect(canonical).not.toMatch(/A- pay|Apay/);
  });

  it('has exactly 22 clauses, numbered 1 to 22 in order', () => {
    expect(doc.clauses.map((c) => c.number)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    for (const clause of doc.clauses) {
      expect(clause.paragraphs.length).toBeGreaterThan(0);
      for (const paragraph of clause.paragraphs) expect(paragraph).toMatch(/^\S.*\S$/u);
    }
  });

  it('keeps the title and the place apart from the clauses', () => {
    expect(doc.title).toBe('МАХФИЙЛИК ВА ШАХСИЙ МАЪЛУМОТЛАРНИ САҚЛАШ ТЎҒРИСИДАГИ БИТИМ');
    expect(doc.place).toBe('Тошкент шаҳри');
  });

  it('starts and ends each spot-checked clause where the seed does', () => {
    const text = (n: number) => doc.clauses[n - 1]?.paragraphs.join('\n\n') ?? '';
    expect(text(1)).toMatch(
      /^“CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION” АЖ веб-сайтларимиз, хизматларимиз,/u,
    );
    expect(text(1)).toMatch(/учун сизга миннатдорчилик билдиради\.$/u);
    expect(text(4)).toMatch(/^Шахсий кабинет бу – Мижознинг шахсий саҳифаси\. Шахсий кабинетга/u);
    expect(text(4)).toMatch(/ҳуқуқни муҳофаза қилувчи тузилмаларга берилмайди\.$/u);
    // Clause 9 runs across the seed's page break (three blank lines).
    expect(text(9)).toContain('Агар сиз Битим шартларидан бирортасига рози бўлмасангиз');
    expect(text(10)).toMatch(/^Шахсий маълумотлар – Мижозга бевосита ёки билвосита/u);
    expect(text(17)).toContain('ўз бўйнига олмайди: агар бундай маълумотлар');
    expect(text(21)).toContain('даъво олинган кундан бошлаб 30 календар кун ичида');
    expect(text(22)).toBe(
      'Амалдаги Битим www.cdti.uz, www.smartpos.uz, www.silen.uz, www.a-pay.uz, www.x-file.uz саҳифаларида жойлаштирилган.',
    );
  });

  it('renders one clean canonical text: LF, NFC, "N. text", paragraphs apart by one blank line', () => {
    expect(canonical.startsWith('МАХФИЙЛИК ВА ШАХСИЙ')).toBe(true);
    expect(canonical).toContain('\n\nТошкент шаҳри\n\n1. “CENTER');
    expect(canonical).not.toMatch(/\r|\n{3}| {2}| \n|\n /);
    expect(canonical.endsWith('жойлаштирилган.\n')).toBe(true);
    expect(canonical.normalize('NFC')).toBe(canonical);
    for (let n = 1; n <= 22; n++) expect(canonical).toContain(`\n\n${n}. `);
  });

  it('reads its own rendering back unchanged (idempotent)', () => {
    expect(parseAgreement(canonical)).toEqual(doc);
    expect(renderPlainText(parseAgreement(canonical))).toBe(canonical);
  });

  it('rebuilds the same document however the lines were broken', () => {
    // Re-wrap every paragraph at random word gaps and at hyphens inside words,
    // with random blank lines and stray spaces, as another PDF export would.
    const lines = canonical.split('\n').filter((line) => line.length > 0);
    const wrap = fc.array(fc.tuple(fc.nat(9), fc.nat(2), fc.nat(3)), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(wrap, (choices) => {
        let step = 0;
        const next = () => choices[step++ % choices.length] as [number, number, number];
        const rewrapped = lines
          .map((line) =>
            line.replace(/ |(?<=\p{Ll})-(?=\p{Ll})/gu, (gap) => {
              const [breakHere, blanks, spaces] = next();
              if (breakHere > 2) return gap;
              const pad = ' '.repeat(spaces);
              return `${gap === '-' ? '-' : ''}${pad}\n${'\n'.repeat(blanks)}${pad}`;
            }),
          )
          .join('\n\n');
        expect(parseAgreement(`\r\n ${rewrapped.replaceAll('\n', '\r\n')}  \r\n`)).toEqual(doc);
      }),
      { numRuns: 60 },
    );
  });
});

describe('structure rules on other texts', () => {
  it('starts a clause only at the next expected number', () => {
    const doc = parseAgreement('TITLE\n\n1. First clause cites\n\n3. of the law\n\n2. Second.\n\n2. again\n');
    expect(doc.clauses).toEqual([
      { number: 1, paragraphs: ['First clause cites 3. of the law'] },
      { number: 2, paragraphs: ['Second. 2. again'] },
    ]);
  });

  it('keeps each list item as its own paragraph, marker included', () => {
    const raw = [
      'AN AGREEMENT',
      'Tashkent',
      '1. We use data to:',
      '– identify you;',
      '– answer',
      'your requests;',
      '- send news',
      '2. Purposes are:',
      'а) аниқлаш;',
      'б) алоқа',
      '3. Steps:',
      '1) read',
      '2) accept',
    ].join('\n\n');
    expect(parseAgreement(raw).clauses).toEqual([
      {
        number: 1,
        paragraphs: ['We use data to:', '– identify you;', '– answer your requests;', '- send news'],
      },
      { number: 2, paragraphs: ['Purposes are:', 'а) аниқлаш;', 'б) алоқа'] },
      { number: 3, paragraphs: ['Steps:', '1) read', '2) accept'] },
    ]);
    const doc = parseAgreement(raw);
    expect(parseAgreement(renderPlainText(doc))).toEqual(doc);
  });

  it('does not take a dash wrapped to the start of a line mid-sentence for a list item', () => {
    const doc = parseAgreement('TITLE\n\n1. Шахсий кабинет бу\n\n– Мижознинг саҳифаси.\n');
    expect(doc.clauses[0]?.paragraphs).toEqual(['Шахсий кабинет бу – Мижознинг саҳифаси.']);
  });

  it('glues a soft-hyphenated word and a word split at its hyphen, and spaces everything else', () => {
    const raw =
      'TITLE\n\n1. маълу\u00AD\n\nмотлар веб-\n\nсайт X-\n\nFile 30-\n\nмодда Компания -\n\nМижоз бу-\n\n(қавс)\n';
    expect(parseAgreement(raw).clauses[0]?.paragraphs).toEqual([
      'маълумотлар веб-сайт X-File 30-модда Компания - Мижоз бу- (қавс)',
    ]);
  });

  it('normalises to NFC, whatever the input form', () => {
    const decomposed = 'ТИТУЛ\n\n1. Махфийлик'.normalize('NFD');
    expect(parseAgreement(decomposed).clauses[0]?.paragraphs[0]).toBe('Махфийлик');
    expect(parseAgreement(decomposed).title).toBe('ТИТУЛ');
  });

  it('takes a title not set in capitals from the first line', () => {
    const doc = parseAgreement('Privacy terms\n\nTashkent\n\n1. Text.');
    expect(doc).toEqual({
      title: 'Privacy terms',
      place: 'Tashkent',
      clauses: [{ number: 1, paragraphs: ['Text.'] }],
    });
  });

  it('refuses a text with no clause 1', () => {
    expect(() => parseAgreement('TITLE\n\n2. Text')).toThrow(AgreementTextError);
    expect(() => parseAgreement('')).toThrow(AgreementTextError);
  });

  it('refuses a skipped clause number instead of folding the clauses after it into the one before', () => {
    const skipped = () => parseAgreement('TITLE\n\n1. One.\n\n2. Two.\n\n4. Four.\n\n5. Five.\n');
    expect(skipped).toThrow(AgreementTextError);
    expect(skipped).toThrow('clause 3 is missing');
    try {
      skipped();
    } catch (err) {
      expect((err as AgreementTextError).missingClause).toBe(3);
    }
    // Also right after a list, where the last item need not end with a full stop.
    expect(() => parseAgreement('TITLE\n\n1. We use data to:\n\n– identify you\n\n3. Next.')).toThrow(
      'clause 2 is missing',
    );
  });

  it('still reads a larger number wrapped to the start of a line mid-sentence as text', () => {
    const doc = parseAgreement('TITLE\n\n1. See the law, article\n\n30. It says so.\n\n2. Two.\n');
    expect(doc.clauses).toEqual([
      { number: 1, paragraphs: ['See the law, article 30. It says so.'] },
      { number: 2, paragraphs: ['Two.'] },
    ]);
  });
});

describe('a draft that drops a clause without renumbering the rest', () => {
  const seedLines = seed.split('\n');
  /** Index of the seed's line that starts clause n. */
  const headingLine = (n: number) => seedLines.findIndex((line) => line.startsWith(`${n}. `));

  it('is refused when clause 3 is left out, not read as a clause 2 holding clauses 4 to 22', () => {
    const withoutThree = [...seedLines.slice(0, headingLine(3)), ...seedLines.slice(headingLine(4))].join(
      '\n',
    );
    expect(() => parseAgreement(withoutThree)).toThrow('clause 3 is missing');
  });

  it('is refused whichever clause heading line is removed, however the lines were broken', () => {
    // Clause 22 is the last one: dropping it is an ordinary edit, so it is not in the draw.
    const clause = fc.integer({ min: 1, max: 21 });
    const wholeClause = fc.boolean();
    const canonicalLines = renderPlainText(parseAgreement(seed)).split('\n');
    fc.assert(
      fc.property(clause, wholeClause, fc.boolean(), (n, dropWhole, canonical) => {
        const lines = canonical ? canonicalLines : seedLines;
        const start = lines.findIndex((line) => line.startsWith(`${n}. `));
        const end = dropWhole ? lines.findIndex((line) => line.startsWith(`${n + 1}. `)) : start + 1;
        const draft = [...lines.slice(0, start), ...lines.slice(end)].join('\n');
        expect(() => parseAgreement(draft)).toThrow(AgreementTextError);
      }),
      { numRuns: 100 },
    );
  });
});
