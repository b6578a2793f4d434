import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgreement, renderPlainText } from './paragraphs.js';
import { cyrillicToLatin } from './transliterate.js';

const seed = readFileSync(new URL('../../../../config/agreement.v1.uz-Cyrl.txt', import.meta.url), 'utf8');
const canonicalSeed = renderPlainText(parseAgreement(seed));

/** Whole sentences of the seed, each with a transliteration made by hand. */
const seedSentences: [cyrillic: string, latin: string][] = [
  // The title, in capitals: ШАХСИЙ → SHAXSIY, ЪЛ → ʼL, ТЎҒ → TOʻGʻ.
  [
    'МАХФИЙЛИК ВА ШАХСИЙ МАЪЛУМОТЛАРНИ САҚЛАШ ТЎҒРИСИДАГИ БИТИМ',
    'MAXFIYLIK VA SHAXSIY MAʼLUMOTLARNI SAQLASH TOʻGʻRISIDAGI BITIM',
  ],
  ['Тошкент шаҳри', 'Toshkent shahri'],
  // Latin brand names pass through; ё inside a word; “” quotes stay.
  [
    '“CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION” АЖ веб-сайтларимиз, хизматларимиз, мобил сайтларимиз, дастурларимиздан, шунингдек, маҳсулот ва хизматларимиздан фойдаланишни осонлаштирадиган Smartpos Trade, Smartpos Supply, Silen, A-pay, X-file каби ва бошқа иловаларимиздан фойдаланаётганингиз учун сизга миннатдорчилик билдиради.',
    '“CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION” AJ veb-saytlarimiz, xizmatlarimiz, mobil saytlarimiz, dasturlarimizdan, shuningdek, mahsulot va xizmatlarimizdan foydalanishni osonlashtiradigan Smartpos Trade, Smartpos Supply, Silen, A-pay, X-file kabi va boshqa ilovalarimizdan foydalanayotganingiz uchun sizga minnatdorchilik bildiradi.',
  ],
  // ц after a vowel → ts; ў; ё at a word start; "/" passes.
  [
    'Шахсий кабинетда авторизация қилиш учун зарур бўлган мижознинг индивидуал логин ва/ёки пароли фақат Мижоз учун берилган бўлади.',
    'Shaxsiy kabinetda avtorizatsiya qilish uchun zarur boʻlgan mijozning individual login va/yoki paroli faqat Mijoz uchun berilgan boʻladi.',
  ],
  // ю at a word start, Cyrillic inside “” quotes, ғ.
  [
    'Илтимос, ушбу Махфийлик ва шахсий маълумотларни ҳимоя қилиш тўғрисидаги битим (кейинги ўринларда “Битим” деб юритилади) мазмуни билан танишиб чиқинг.',
    'Iltimos, ushbu Maxfiylik va shaxsiy maʼlumotlarni himoya qilish toʻgʻrisidagi bitim (keyingi oʻrinlarda “Bitim” deb yuritiladi) mazmuni bilan tanishib chiqing.',
  ],
  // ц after a consonant → s; е after a consonant (воқеалар) → e; я at a word start.
  [
    'Компания мижозларни сўнгги воқеалар, янги маҳсулотлар, махсус таклифлар ва акциялар ҳақида хабардор қилиш учун ахборот жўнатмаларидан фойдаланади.',
    'Kompaniya mijozlarni soʻnggi voqealar, yangi mahsulotlar, maxsus takliflar va aksiyalar haqida xabardor qilish uchun axborot joʻnatmalaridan foydalanadi.',
  ],
  // Capital Ў at a word start → Oʻ.
  [
    'Мижознинг шахсий маълумотлари Ўзбекистон Республикасининг ваколатли давлат органларига фақат Ўзбекистон Республикаси қонун ҳужжатларида белгиланган асослар ва тартибда берилиши мумкин.',
    'Mijozning shaxsiy maʼlumotlari Oʻzbekiston Respublikasining vakolatli davlat organlariga faqat Oʻzbekiston Respublikasi qonun hujjatlarida belgilangan asoslar va tartibda berilishi mumkin.',
  ],
  // э and ъ in эълон.
  [
    'Битимга киритилган ҳар қандай ўзгартириш, агар янги таҳрирда бошқача қоида назарда тутилган бўлмаса, сайтда эълон қилинган пайтдан бошлаб кучга киради.',
    'Bitimga kiritilgan har qanday oʻzgartirish, agar yangi tahrirda boshqacha qoida nazarda tutilgan boʻlmasa, saytda eʼlon qilingan paytdan boshlab kuchga kiradi.',
  ],
  // Capital Д before ъ; digits; ё.
  [
    'Даъвони олувчи даъво олинган кундан бошлаб 30 календар кун ичида уни кўриб чиқиш натижалари тўғрисида ариза берувчига ёзма равишда хабар бериши шарт.',
    'Daʼvoni oluvchi daʼvo olingan kundan boshlab 30 kalendar kun ichida uni koʻrib chiqish natijalari toʻgʻrisida ariza beruvchiga yozma ravishda xabar berishi shart.',
  ],
  // ё after a vowel (ихтиёрий).
  [
    'Суд органларига мурожаат қилишдан олдин, даъво қилувчи томон иккинчи томонга низони ихтиёрий равишда ва ўзаро келишув асосида ҳал қилиш тўғрисида ёзма ариза бериши шарт.',
    'Sud organlariga murojaat qilishdan oldin, daʼvo qiluvchi tomon ikkinchi tomonga nizoni ixtiyoriy ravishda va oʻzaro kelishuv asosida hal qilish toʻgʻrisida yozma ariza berishi shart.',
  ],
  // ю after a consonant (бюллетенлари), е after a consonant.
  [
    'аккаунт яратиш, мижозга махсус таклифлар, ахборот бюллетенлари ва бошқа маълумотлар ҳақида ахборот бериш,',
    'akkaunt yaratish, mijozga maxsus takliflar, axborot byulletenlari va boshqa maʼlumotlar haqida axborot berish,',
  ],
  // ц after a vowel in телекоммуникация; ёки after "(".
  [
    'ташкилий тузилма ва ахборот ва/ёки телекоммуникация тизимларининг тузилиши ўзгартирилганда (ёки янгиларини жорий этилганда),',
    'tashkiliy tuzilma va axborot va/yoki telekommunikatsiya tizimlarining tuzilishi oʻzgartirilganda (yoki yangilarini joriy etilganda),',
  ],
  // Web addresses pass through untouched.
  [
    'Амалдаги Битим www.cdti.uz, www.smartpos.uz, www.silen.uz, www.a-pay.uz, www.x-file.uz саҳифаларида жойлаштирилган.',
    'Amaldagi Bitim www.cdti.uz, www.smartpos.uz, www.silen.uz, www.a-pay.uz, www.x-file.uz sahifalarida joylashtirilgan.',
  ],
];

describe('Uzbek Cyrillic to Latin (1995 alphabet)', () => {
  it.each(seedSentences)('transliterates the seed sentence %s', (cyrillic, latin) => {
    expect(canonicalSeed, 'the sentence is quoted from the seed').toContain(cyrillic);
    expect(cyrillicToLatin(cyrillic)).toBe(latin);
  });

  it('writes е as ye at a word start and after a vowel, ъ or ь, and as e after a consonant', () => {
    expect(cyrillicToLatin('Ер юзида ҳаёт бор, поезд кетди, аэропорт эса узоқ.')).toBe(
      'Yer yuzida hayot bor, poyezd ketdi, aeroport esa uzoq.',
    );
    expect(cyrillicToLatin('Европа, ЕВРОПА, 2-ер, премьер, шеър')).toBe(
      'Yevropa, YEVROPA, 2-yer, premyer, sheʼr',
    );
  });

  it('writes ц as s at a word start and after a consonant, and ts after a vowel', () => {
    expect(cyrillicToLatin('цирк концерт акция лицей Цемент ЦЕМЕНТ ЛИЦЕНЗИЯ')).toBe(
      'sirk konsert aksiya litsey Sement SEMENT LITSENZIYA',
    );
  });

  it('writes ъ as ʼ (U+02BC) but drops it between a consonant and an iotated vowel', () => {
    expect(cyrillicToLatin('маълумот таъсир маъюс субъект объектив')).toBe(
      'ma\u02BClumot ta\u02BCsir ma\u02BCyus subyekt obyektiv',
    );
  });

  it('drops ь, writes ьо as yo and keeps сҳ apart from sh', () => {
    expect(cyrillicToLatin('альбом павильон бульон Исҳоқ асҳоб шаҳар')).toBe(
      'albom pavilyon bulyon Is\u02BChoq as\u02BChob shahar',
    );
  });

  it('writes ў and ғ with U+02BB, in either case', () => {
    const latin = cyrillicToLatin('ўғил Ўғил ЎҒИЛ');
    expect(latin).toBe('o\u02BBg\u02BBil O\u02BBg\u02BBil O\u02BBG\u02BBIL');
    expect(latin).not.toMatch(/['‘’`]/);
  });

  it('capitalises a two-letter spelling as its word is capitalised', () => {
    expect(cyrillicToLatin('Шаҳар ШАҲАР Чорсу ЧОРСУ Ёзма ЁЗМА Юрак ЮРАК Янги ЯНГИ Ер ЕР')).toBe(
      'Shahar SHAHAR Chorsu CHORSU Yozma YOZMA Yurak YURAK Yangi YANGI Yer YER',
    );
    // At a word's end, the letter before decides; a lone capital is titled.
    expect(cyrillicToLatin('ТОШ Тош Ш. Ч.')).toBe('TOSH Tosh Sh. Ch.');
  });

  it('passes Latin letters, digits, punctuation and quotes through unchanged', () => {
    const others = fc.string({
      unit: fc.constantFrom(...'abcXYZ019 .,;:!?()[]-–—/«»“”„"\'’ʻʼ\n@#%&'.split('')),
    });
    fc.assert(fc.property(others, (text) => cyrillicToLatin(text) === text));
  });

  it('leaves no Cyrillic letter in the output of any text of Uzbek Cyrillic letters and spaces', () => {
    const letters = 'абвгдеёжзийклмнопрстуфхцчшъьэюяўқғҳ';
    const unit = fc.constantFrom(...`${letters}${letters.toUpperCase()}  `.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        expect(cyrillicToLatin(text)).not.toMatch(/\p{Script=Cyrillic}/u);
      }),
      { numRuns: 500 },
    );
  });
});
