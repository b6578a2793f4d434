import { defineErrors } from '../../i18n/errors-define.js';

export const consentErrors = defineErrors({
  MXF_CONSENT_NOT_CONSENT_BASIS: {
    status: 409,
    doc: 'The purpose rests on the contract, a legal obligation or a legitimate interest, not on consent: a consent for it is refused (object to a legitimate-interest purpose instead).',
    messages: {
      'uz-Cyrl': 'Бу мақсад розиликка асосланмаган; унга розилик берилмайди.',
      'uz-Latn': 'Bu maqsad rozilikka asoslanmagan; unga rozilik berilmaydi.',
      ru: 'Эта цель основана не на согласии; согласие на неё не принимается.',
      en: 'This purpose does not rest on consent; a consent for it is refused.',
    },
  },
  MXF_CONSENT_OBJECTION_NOT_APPLICABLE: {
    status: 409,
    doc: 'Objections apply to legitimate-interest purposes only; for consent purposes withdraw the consent.',
    messages: {
      'uz-Cyrl': 'Эʼтироз фақат қонуний манфаатга асосланган мақсадларга билдирилади.',
      'uz-Latn': 'Eʼtiroz faqat qonuniy manfaatga asoslangan maqsadlarga bildiriladi.',
      ru: 'Возражение возможно только против целей, основанных на законном интересе.',
      en: 'Objections apply to legitimate-interest purposes only.',
    },
  },
  MXF_CONSENT_EVIDENCE_REQUIRED: {
    status: 400,
    doc: 'A consent entered by staff from a paper form needs the reference of the scanned form (`evidenceRef`).',
    messages: {
      'uz-Cyrl': 'Қоғоз шаклидаги розилик учун скан ҳаволаси керак.',
      'uz-Latn': 'Qogʻoz shaklidagi rozilik uchun skan havolasi kerak.',
      ru: 'Для согласия на бумажном бланке нужна ссылка на скан.',
      en: 'A paper consent needs the reference of its scan.',
    },
  },
  MXF_CONSENT_SOURCE_NOT_CALLER: {
    status: 403,
    doc: 'A consent names where it was given, and that must be the caller: an app records `app`, staff record `staff-paper` (with the scan). `cabinet` comes only from the customer’s own cabinet and `site-notice` only from a site’s notice.',
    messages: {
      'uz-Cyrl': 'Розилик манбаи сиз эмассиз: илова «app», ходим «staff-paper» ёзади.',
      'uz-Latn': 'Rozilik manbai siz emassiz: ilova «app», xodim «staff-paper» yozadi.',
      ru: 'Источник согласия должен быть вашим: приложение пишет «app», сотрудник — «staff-paper».',
      en: 'The consent’s source must be yours: an app records “app”, staff record “staff-paper”.',
    },
  },
  MXF_CONSENT_SUBJECT_NOT_FOUND: {
    status: 404,
    doc: 'No consent history exists for this subject id.',
    messages: {
      'uz-Cyrl': 'Бу субъект бўйича розиликлар топилмади.',
      'uz-Latn': 'Bu subyekt boʻyicha roziliklar topilmadi.',
      ru: 'Согласия этого субъекта не найдены.',
      en: 'No consents are recorded for this subject.',
    },
  },
  MXF_CONSENT_SCOPE_INVALID: {
    status: 400,
    doc: 'A topic was given without a channel; a consent per topic names its channel too.',
    messages: {
      'uz-Cyrl': 'Мавзу каналсиз кўрсатилган.',
      'uz-Latn': 'Mavzu kanalsiz koʻrsatilgan.',
      ru: 'Тема указана без канала.',
      en: 'A topic needs a channel.',
    },
  },
  MXF_CONSENT_SCOPE_LIMIT: {
    status: 409,
    doc: 'The subject already holds choices for {limit} channels and topics under this purpose, the most one may; change one of those instead of adding another.',
    messages: {
      'uz-Cyrl': 'Бу мақсад бўйича кўпи билан {limit} та канал ва мавзу танлаш мумкин.',
      'uz-Latn': 'Bu maqsad boʻyicha koʻpi bilan {limit} ta kanal va mavzu tanlash mumkin.',
      ru: 'Для этой цели можно выбрать не более {limit} каналов и тем.',
      en: 'This purpose takes choices for at most {limit} channels and topics.',
    },
  },
  MXF_CONSENT_OBJECTION_SCOPED: {
    status: 400,
    doc: 'An objection applies to a legitimate-interest purpose as a whole: send it, or its withdrawal, without `channel` or `topic`.',
    messages: {
      'uz-Cyrl': 'Эʼтироз мақсадга бутунлигича билдирилади; канал ёки мавзу кўрсатилмайди.',
      'uz-Latn': 'Eʼtiroz maqsadga butunligicha bildiriladi; kanal yoki mavzu koʻrsatilmaydi.',
      ru: 'Возражение относится к цели целиком; канал и тема не указываются.',
      en: 'An objection applies to the whole purpose; it takes no channel or topic.',
    },
  },
  MXF_CONSENT_EXPIRY_NOT_FUTURE: {
    status: 400,
    doc: 'A consent is given with an `expiresAt` that is not in the future; send a later time, or none for a consent until withdrawn.',
    messages: {
      'uz-Cyrl': 'Розилик муддати келажакдаги вақт бўлиши керак.',
      'uz-Latn': 'Rozilik muddati kelajakdagi vaqt boʻlishi kerak.',
      ru: 'Срок согласия должен быть в будущем.',
      en: 'A consent must end in the future.',
    },
  },
  MXF_WEBHOOK_URL_INSECURE: {
    status: 422,
    doc: 'A subscriber receives subject ids and consent states: its URL must be https (plain http only on this machine, for development), with no user name or password in it.',
    messages: {
      'uz-Cyrl': 'Webhook манзили https бўлиши керак ва унда логин ёки парол бўлмаслиги керак.',
      'uz-Latn': 'Webhook manzili https boʻlishi kerak va unda login yoki parol boʻlmasligi kerak.',
      ru: 'Адрес webhook должен быть https и без логина и пароля.',
      en: 'A webhook URL must be https, with no user name or password in it.',
    },
  },
  MXF_WEBHOOK_URL_PRIVATE: {
    status: 422,
    doc: 'This deployment refuses outbound requests to internal addresses (`outboundPrivateAddresses: refuse`), and the URL is, or its name resolves to, a loopback, private, link-local or other non-public address: no delivery to it could ever be made.',
    messages: {
      'uz-Cyrl': 'Webhook манзили ички тармоққа олиб боради; бу тизим ички манзилларга юбормайди.',
      'uz-Latn': 'Webhook manzili ichki tarmoqqa olib boradi; bu tizim ichki manzillarga yubormaydi.',
      ru: 'Адрес webhook ведёт во внутреннюю сеть, а эта система не отправляет запросы на внутренние адреса.',
      en: 'The webhook URL leads to an internal address, and this deployment sends nothing to internal addresses.',
    },
  },
  MXF_WEBHOOK_URL_UNRESOLVED: {
    status: 422,
    doc: 'This deployment refuses outbound requests to internal addresses, so a subscriber’s host name must resolve when the subscription is made, to check where it leads; it did not (no such name, or no answer within 5 s). Subscribe again once the name resolves.',
    messages: {
      'uz-Cyrl': 'Webhook манзилидаги хост номи топилмади. Ном ишлай бошлагач, қайта обуна бўлинг.',
      'uz-Latn': 'Webhook manzilidagi xost nomi topilmadi. Nom ishlay boshlagach, qayta obuna boʻling.',
      ru: 'Имя хоста в адресе webhook не найдено. Подпишитесь снова, когда имя начнёт разрешаться.',
      en: 'The host name in the webhook URL did not resolve. Subscribe again once it does.',
    },
  },
  MXF_WEBHOOK_NOT_FOUND: {
    status: 404,
    doc: 'No active webhook subscription has this id.',
    messages: {
      'uz-Cyrl': 'Бундай webhook обунаси йўқ.',
      'uz-Latn': 'Bunday webhook obunasi yoʻq.',
      ru: 'Такой подписки на webhook нет.',
      en: 'No such webhook subscription.',
    },
  },
});
