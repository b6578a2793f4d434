import { defineErrors } from '../../i18n/errors-define.js';

export const agreementErrors = defineErrors({
  MXF_AGREEMENT_VERSION_NOT_FOUND: {
    status: 404,
    doc: 'No agreement version has this number.',
    messages: {
      'uz-Cyrl': 'Битимнинг бундай таҳрири топилмади.',
      'uz-Latn': 'Bitimning bunday tahriri topilmadi.',
      ru: 'Такая редакция соглашения не найдена.',
      en: 'No such agreement version.',
    },
  },
  MXF_AGREEMENT_VERSION_PUBLISHED: {
    status: 409,
    doc: 'A published version never changes: create a draft (the next version) instead.',
    messages: {
      'uz-Cyrl': 'Эълон қилинган таҳрир ўзгартирилмайди; янги таҳрир яратинг.',
      'uz-Latn': 'Eʼlon qilingan tahrir oʻzgartirilmaydi; yangi tahrir yarating.',
      ru: 'Опубликованная редакция не изменяется; создайте новую редакцию.',
      en: 'A published version cannot be changed; create a new version.',
    },
  },
  MXF_AGREEMENT_DRAFT_EXISTS: {
    status: 409,
    doc: 'There is already a draft; edit or publish it before starting another.',
    messages: {
      'uz-Cyrl': 'Лойиҳа аллақачон мавжуд.',
      'uz-Latn': 'Loyiha allaqachon mavjud.',
      ru: 'Черновик уже существует.',
      en: 'A draft already exists.',
    },
  },
  MXF_AGREEMENT_EFFECTIVE_DATE_PAST: {
    status: 400,
    doc: 'The effective date lies in the past; a version takes effect at publication or later.',
    messages: {
      'uz-Cyrl': 'Кучга кириш санаси ўтиб кетган.',
      'uz-Latn': 'Kuchga kirish sanasi oʻtib ketgan.',
      ru: 'Дата вступления в силу уже прошла.',
      en: 'The effective date is in the past.',
    },
  },
  MXF_AGREEMENT_TEXT_INVALID: {
    status: 400,
    doc: 'An agreement text must have numbered clauses starting with "1."; the authoritative language must have a text.',
    messages: {
      'uz-Cyrl': 'Битим матни яроқсиз.',
      'uz-Latn': 'Bitim matni yaroqsiz.',
      ru: 'Текст соглашения недопустим.',
      en: 'The agreement text is not valid.',
    },
  },
  MXF_AGREEMENT_NOT_PENDING: {
    status: 409,
    doc: 'Approve only a version whose publication was requested (and not since edited).',
    messages: {
      'uz-Cyrl': 'Бу таҳрирни эълон қилиш сўралмаган.',
      'uz-Latn': 'Bu tahrirni eʼlon qilish soʻralmagan.',
      ru: 'Публикация этой редакции не запрошена.',
      en: 'Publication of this version has not been requested.',
    },
  },
  MXF_AGREEMENT_SECOND_PERSON_REQUIRED: {
    status: 403,
    doc: 'Publishing needs two different staff members: one DPO and one legal; the requester cannot approve.',
    messages: {
      'uz-Cyrl': 'Эълон қилиш учун иккинчи ходим (DPO ва юрист) тасдиғи керак.',
      'uz-Latn': 'Eʼlon qilish uchun ikkinchi xodim (DPO va yurist) tasdigʻi kerak.',
      ru: 'Для публикации нужно подтверждение второго сотрудника (DPO и юрист).',
      en: 'Publishing needs a second staff member: one DPO and one legal.',
    },
  },
  MXF_AGREEMENT_PUBLISHER_UNSETTLED: {
    status: 409,
    doc: 'Each of the two people who publish must have held their staff account unchanged (roles, status, sign-in) for `agreementPublishStandingDays` (default 7): a member who was just invited, given a role, reactivated or whose sign-in was reset publishes only after that. It gives the auditor time to see in the audit log a pair one administrator made.',
    messages: {
      'uz-Cyrl':
        'Эълон қилувчи иккала ходимнинг ҳисоби камида {days} кун ўзгармаган бўлиши керак (роллар, ҳолат, кириш). Кейинроқ уриниб кўринг.',
      'uz-Latn':
        'Eʼlon qiluvchi ikkala xodimning hisobi kamida {days} kun oʻzgarmagan boʻlishi kerak (rollar, holat, kirish). Keyinroq urinib koʻring.',
      ru: 'Учётные записи обоих публикующих сотрудников должны оставаться без изменений (роли, статус, вход) не менее {days} дней. Повторите позже.',
      en: 'Both people who publish must have held their staff account unchanged (roles, status, sign-in) for at least {days} days. Try again later.',
    },
  },
  MXF_AGREEMENT_NOT_IN_FORCE: {
    status: 404,
    doc: 'No published version is in force (on this site) yet.',
    messages: {
      'uz-Cyrl': 'Ҳозирда кучда бўлган битим таҳрири йўқ.',
      'uz-Latn': 'Hozirda kuchda boʻlgan bitim tahriri yoʻq.',
      ru: 'Действующей редакции соглашения нет.',
      en: 'No agreement version is in force.',
    },
  },
  MXF_AGREEMENT_VERSION_NOT_CURRENT: {
    status: 409,
    doc: 'Only the version in force can be accepted; fetch the current one and show it.',
    messages: {
      'uz-Cyrl': 'Фақат кучдаги таҳрирни қабул қилиш мумкин.',
      'uz-Latn': 'Faqat kuchdagi tahrirni qabul qilish mumkin.',
      ru: 'Принять можно только действующую редакцию.',
      en: 'Only the version in force can be accepted.',
    },
  },
  MXF_AGREEMENT_LANGUAGE_MISSING: {
    status: 400,
    doc: 'The version has no text in this language; accept it in a language it has.',
    messages: {
      'uz-Cyrl': 'Бу таҳрирнинг ушбу тилдаги матни йўқ.',
      'uz-Latn': 'Bu tahrirning ushbu tildagi matni yoʻq.',
      ru: 'У этой редакции нет текста на этом языке.',
      en: 'This version has no text in that language.',
    },
  },
  MXF_AGREEMENT_ORIGIN_REFUSED: {
    status: 403,
    doc: 'Visitor acceptances come only from the registered origin of the site named in the URL.',
    messages: {
      'uz-Cyrl': 'Бу манбадан сўров қабул қилинмайди.',
      'uz-Latn': 'Bu manbadan soʻrov qabul qilinmaydi.',
      ru: 'Запросы с этого источника не принимаются.',
      en: 'Requests from this origin are not accepted.',
    },
  },
  MXF_AGREEMENT_RECEIPT_NOT_FOUND: {
    status: 404,
    doc: 'No acceptance receipt has this id.',
    messages: {
      'uz-Cyrl': 'Бундай квитанция топилмади.',
      'uz-Latn': 'Bunday kvitansiya topilmadi.',
      ru: 'Такая квитанция не найдена.',
      en: 'No such receipt.',
    },
  },
});
