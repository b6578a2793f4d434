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
  MXF_PURPOSE_REGISTER_FULL: {
    status: 409,
    doc: 'The register holds as many purposes as the decision index can (`max`, 4096; ids of purposes once created are never reused). Edit an existing purpose instead: an edit makes a new version.',
    messages: {
      'uz-Cyrl':
        'Реестрда {max} та мақсад бор, бундан ортиғини қўшиб бўлмайди. Мавжуд мақсадни таҳрир қилинг.',
      'uz-Latn':
        'Reyestrda {max} ta maqsad bor, bundan ortigʻini qoʻshib boʻlmaydi. Mavjud maqsadni tahrir qiling.',
      ru: 'В реестре уже {max} целей, больше добавить нельзя. Измените существующую цель.',
      en: 'The register holds {max} purposes and can take no more. Edit an existing purpose instead.',
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
  MXF_PURPOSE_CONSENT_CATEGORIES_FIXED: {
    status: 409,
    doc: 'A purpose based on consent cannot take a new data category: no consent given so far named it. Remove categories freely; for more data, register a new purpose and ask for consent to it.',
    messages: {
      'uz-Cyrl':
        'Розиликка асосланган мақсадга янги маълумот тоифасини қўшиб бўлмайди: берилган розиликлар уни номламаган. Янги мақсад қўшинг.',
      'uz-Latn':
        'Rozilikka asoslangan maqsadga yangi maʼlumot toifasini qoʻshib boʻlmaydi: berilgan roziliklar uni nomlamagan. Yangi maqsad qoʻshing.',
      ru: 'К цели, основанной на согласии, нельзя добавить новую категорию данных: данные согласия её не называли. Добавьте новую цель.',
      en: 'A purpose based on consent cannot take a new data category: no consent given named it. Register a new purpose instead.',
    },
  },
  MXF_PURPOSE_CONSENT_DEPERSONALISED_FIXED: {
    status: 409,
    doc: 'A purpose based on consent to depersonalised data only stays so: no consent given so far covered personal data. For personal data, register a new purpose and ask for consent to it.',
    messages: {
      'uz-Cyrl':
        'Фақат шахссизлаштирилган маълумотларга берилган розилик шахсий маълумотларни қамрамайди. Янги мақсад қўшинг.',
      'uz-Latn':
        'Faqat shaxssizlashtirilgan maʼlumotlarga berilgan rozilik shaxsiy maʼlumotlarni qamramaydi. Yangi maqsad qoʻshing.',
      ru: 'Согласие только на обезличенные данные не распространяется на персональные данные. Добавьте новую цель.',
      en: 'A consent to depersonalised data only does not cover personal data. Register a new purpose instead.',
    },
  },
  MXF_PURPOSE_OBJECTION_BASIS_FIXED: {
    status: 409,
    doc: 'A purpose based on legitimate interest cannot move to contract or a legal obligation: every objection to it would stop counting. Register a new purpose (or move it to consent, which is stricter).',
    messages: {
      'uz-Cyrl':
        'Қонуний манфаатга асосланган мақсадни шартнома ёки қонуний мажбуриятга ўтказиб бўлмайди: эътирозлар ҳисобга олинмай қолади.',
      'uz-Latn':
        'Qonuniy manfaatga asoslangan maqsadni shartnoma yoki qonuniy majburiyatga oʻtkazib boʻlmaydi: eʼtirozlar hisobga olinmay qoladi.',
      ru: 'Цель, основанную на законном интересе, нельзя перевести на договор или обязанность по закону: возражения перестанут учитываться.',
      en: 'A purpose based on legitimate interest cannot move to contract or a legal obligation: objections to it would stop counting.',
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
