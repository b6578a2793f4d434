import { defineErrors } from '../../i18n/errors-define.js';

export const purposeErrors = defineErrors({
  MXF_PURPOSE_NOT_FOUND: {
    status: 404,
    doc: 'No purpose in the register has this id.',
    messages: {
      'uz-Cyrl': 'Бундай мақсад реестрда йўқ.',
      'uz-Latn': 'Bunday maqsad reestrda yoʻq.',
      ru: 'Такой цели нет в реестре.',
      en: 'No such purpose in the register.',
    },
  },
  MXF_PURPOSE_CATEGORY_NOT_FOUND: {
    status: 404,
    doc: 'No data category has this id (see GET /v1/data-categories).',
    messages: {
      'uz-Cyrl': 'Бундай маълумот тоифаси йўқ.',
      'uz-Latn': 'Bunday maʼlumot toifasi yoʻq.',
      ru: 'Такой категории данных нет.',
      en: 'No such data category.',
    },
  },
  MXF_PURPOSE_STORE_NOT_FOUND: {
    status: 404,
    doc: 'No configured storage location has this id.',
    messages: {
      'uz-Cyrl': 'Бундай сақлаш жойи йўқ.',
      'uz-Latn': 'Bunday saqlash joyi yoʻq.',
      ru: 'Такого места хранения нет.',
      en: 'No such storage location.',
    },
  },
  MXF_PURPOSE_MUST_STAY_IN_UZ: {
    status: 409,
    doc: 'The category must be stored in Uzbekistan (LAW.md, art. 27-1) and the storage location is abroad.',
    messages: {
      'uz-Cyrl': 'Бу тоифа Ўзбекистонда сақланиши шарт; танланган жой хорижда.',
      'uz-Latn': 'Bu toifa Oʻzbekistonda saqlanishi shart; tanlangan joy xorijda.',
      ru: 'Эта категория должна храниться в Узбекистане; выбранное место хранения за рубежом.',
      en: 'This category must be stored in Uzbekistan; the chosen storage location is abroad.',
    },
  },
  MXF_PURPOSE_ID_TAKEN: {
    status: 409,
    doc: 'A purpose with this id already exists; edit it instead (an edit makes a new version).',
    messages: {
      'uz-Cyrl': 'Бу идентификаторли мақсад аллақачон мавжуд.',
      'uz-Latn': 'Bu identifikatorli maqsad allaqachon mavjud.',
      ru: 'Цель с таким идентификатором уже существует.',
      en: 'A purpose with this id already exists.',
    },
  },
  MXF_PURPOSE_CONSENT_BASIS_FIXED: {
    status: 409,
    doc: 'A purpose based on consent keeps that basis: on another basis every customer who withdrew or never gave consent would be processed. Register a new purpose instead.',
    messages: {
      'uz-Cyrl': 'Розиликка асосланган мақсаднинг ҳуқуқий асосини ўзгартириб бўлмайди; янги мақсад қўшинг.',
      'uz-Latn':
        'Rozilikka asoslangan maqsadning huquqiy asosini oʻzgartirib boʻlmaydi; yangi maqsad qoʻshing.',
      ru: 'Правовое основание цели, основанной на согласии, изменить нельзя; добавьте новую цель.',
      en: 'The legal basis of a purpose based on consent cannot change; register a new purpose instead.',
    },
  },
});
