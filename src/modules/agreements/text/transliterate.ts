/**
 * Uzbek Cyrillic → Uzbek Latin, after the 1995 Latin alphabet (as amended)
 * and the spelling rules that go with it.
 *
 * Context rules, each the official one:
 *   - е is "ye" at the start of a word and after a vowel, ъ or ь ("ер" → "yer",
 *     "поезд" → "poyezd", "премьер" → "premyer"); "e" after a consonant.
 *   - ц is "ts" after a vowel and "s" elsewhere ("авторизация" →
 *     "avtorizatsiya", "акция" → "aksiya", "цирк" → "sirk").
 *   - ъ is the tutuq belgisi ʼ (U+02BC) ("маълумот" → "maʼlumot"), except
 *     between a consonant and е/ё/ю/я, where the y of the iotated vowel already
 *     marks the break ("субъект" → "subyekt", "объект" → "obyekt").
 *   - ь is dropped, except before о, where it is written y ("павильон" →
 *     "pavilyon"); before е/ё/ю/я the vowel's own y does that job.
 *   - с followed by ҳ is written sʼh, so that it is not read as the letter sh
 *     ("Исҳоқ" → "Isʼhoq").
 * Letters written as two Latin letters (ш ч ё ю я е→ye ц→ts ў ғ) follow the
 * case of their word: "Ш" is "Sh" before a lowercase letter and "SH" in a word
 * set in capitals. ў and ғ become oʻ / gʻ with U+02BB, which has no case.
 *
 * Anything that is not an Uzbek Cyrillic letter (Latin, digits, punctuation,
 * «» and “” quotes) passes through unchanged. щ and ы, which the Uzbek alphabet
 * does not have, are given their usual Latin spelling so that no Cyrillic is
 * left in the output.
 */

const TURNED_COMMA = '\u02BB'; // ʻ in oʻ, gʻ
const APOSTROPHE = '\u02BC'; // ʼ, the tutuq belgisi

const PLAIN: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  ё: 'yo',
  ж: 'j',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'x',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ы: 'i',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ў: `o${TURNED_COMMA}`,
  қ: 'q',
  ғ: `g${TURNED_COMMA}`,
  ҳ: 'h',
};

const VOWELS = new Set(['а', 'е', 'ё', 'и', 'о', 'у', 'э', 'ю', 'я', 'ў', 'ы']);
const IOTATED = new Set(['е', 'ё', 'ю', 'я']);
const SIGNS = new Set(['ъ', 'ь']);

const isLetter = (ch: string | undefined): boolean => ch !== undefined && /\p{L}/u.test(ch);
const isUpper = (ch: string | undefined): boolean => ch !== undefined && /\p{Lu}/u.test(ch);
const isCyrillicConsonant = (ch: string | undefined): boolean =>
  ch !== undefined && /\p{Script=Cyrillic}/u.test(ch) && !VOWELS.has(ch) && !SIGNS.has(ch);

/** The lowercase Latin for the lowercase Cyrillic letter `ch`, given its neighbours (lowercased). */
function latinFor(ch: string, prev: string | undefined, next: string | undefined): string | undefined {
  switch (ch) {
    case 'е':
      return prev === undefined || !isLetter(prev) || VOWELS.has(prev) || SIGNS.has(prev) ? 'ye' : 'e';
    case 'ц':
      return prev !== undefined && VOWELS.has(prev) ? 'ts' : 's';
    case 'ъ':
      return isCyrillicConsonant(prev) && next !== undefined && IOTATED.has(next) ? '' : APOSTROPHE;
    case 'ь':
      return next === 'о' ? 'y' : '';
    case 'с':
      return next === 'ҳ' ? `s${APOSTROPHE}` : 's';
    default:
      return PLAIN[ch];
  }
}

/** Applies the case of the Cyrillic letter at `index` to its Latin spelling. */
function withCase(latin: string, chars: readonly string[], index: number): string {
  const upper = isUpper(chars[index]);
  if (!upper || latin.length === 0) return latin;
  // One Latin letter (ʻ and ʼ do not count): "Ў" → "Oʻ", "Қ" → "Q".
  if (latin.replace(/[^a-z]/g, '').length <= 1) return latin.toUpperCase();
  // Two Latin letters: all capitals inside a word in capitals, else "Sh".
  const next = chars[index + 1];
  const prev = chars[index - 1];
  const wordInCapitals = isLetter(next) ? isUpper(next) : isUpper(prev);
  return wordInCapitals ? latin.toUpperCase() : latin.charAt(0).toUpperCase() + latin.slice(1);
}

export function cyrillicToLatin(text: string): string {
  const chars = [...text.normalize('NFC')];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const lower = ch.toLowerCase();
    const latin = latinFor(lower, chars[i - 1]?.toLowerCase(), chars[i + 1]?.toLowerCase());
    out += latin === undefined ? ch : withCase(latin, chars, i);
  }
  return out.normalize('NFC');
}
