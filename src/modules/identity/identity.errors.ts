import { defineErrors } from '../../i18n/errors-define.js';

export const identityErrors = defineErrors({
  MXF_IDENTITY_SIGNIN_FAILED: {
    status: 401,
    doc: 'Customer sign-in failed: the e-mail, phone or password is wrong, or the sign-in was not finished within two minutes. One answer for all, so it does not tell whether an account exists.',
    messages: {
      'uz-Cyrl': 'Логин ёки пароль нотўғри, ёки кириш муддати ўтиб кетди. Қайтадан уриниб кўринг.',
      'uz-Latn': 'Login yoki parol notoʻgʻri, yoki kirish muddati oʻtib ketdi. Qaytadan urinib koʻring.',
      ru: 'Неверный логин или пароль, либо время входа истекло. Попробуйте ещё раз.',
      en: 'The login or password is wrong, or the sign-in took too long. Try again.',
    },
  },
  MXF_IDENTITY_SMS_UNAVAILABLE: {
    status: 422,
    doc: 'A code would go by SMS, and this deployment cannot send SMS: it has no SMS gateway (`MAXFIY_SMS_GATEWAY_URL`) and its development inbox is off. Use an e-mail address. The answer depends only on the kind of contact, never on whether an account exists.',
    messages: {
      'uz-Cyrl': 'Бу хизмат ҳозирча СМС юбора олмайди. Электрон почта манзилидан фойдаланинг.',
      'uz-Latn': 'Bu xizmat hozircha SMS yubora olmaydi. Elektron pochta manzilidan foydalaning.',
      ru: 'Этот сервис пока не может отправлять СМС. Укажите адрес электронной почты.',
      en: 'This service cannot send SMS yet. Use an e-mail address.',
    },
  },
  MXF_IDENTITY_SMS_BUDGET_SPENT: {
    status: 429,
    doc: "A code would go by SMS, and this hour's SMS budget is spent: the one for all numbers (`MAXFIY_SMS_PER_HOUR`), or the one for numbers of this country abroad (`MAXFIY_SMS_ABROAD_PER_HOUR`). Wait `retryAfter` seconds or use an e-mail address. Nothing was changed. The answer depends only on the number's country, never on whether an account exists.",
    messages: {
      'uz-Cyrl':
        'Ҳозир СМС юбориб бўлмайди. {retryAfter} сониядан кейин қайта уриниб кўринг ёки электрон почта манзилидан фойдаланинг.',
      'uz-Latn':
        'Hozir SMS yuborib boʻlmaydi. {retryAfter} soniyadan keyin qayta urinib koʻring yoki elektron pochta manzilidan foydalaning.',
      ru: 'Сейчас нельзя отправить СМС. Повторите через {retryAfter} с или укажите адрес электронной почты.',
      en: 'An SMS cannot be sent right now. Try again in {retryAfter} seconds, or use an e-mail address.',
    },
  },
  MXF_IDENTITY_THROTTLED: {
    status: 429,
    doc: 'Too many attempts (sign-ins, codes sent or codes tried) for this account or from this address; wait `retryAfter` seconds. The wait doubles with each further attempt.',
    messages: {
      'uz-Cyrl': 'Уринишлар жуда кўп. {retryAfter} сониядан кейин қайта уриниб кўринг.',
      'uz-Latn': 'Urinishlar juda koʻp. {retryAfter} soniyadan keyin qayta urinib koʻring.',
      ru: 'Слишком много попыток. Повторите через {retryAfter} с.',
      en: 'Too many attempts. Try again in {retryAfter} seconds.',
    },
  },
  MXF_IDENTITY_CODE_INVALID: {
    status: 400,
    doc: 'The verification code is wrong, expired (10 minutes), already used, or tried too often (5 tries); ask for a new code. One answer for all, and for an address that cannot be verified.',
    messages: {
      'uz-Cyrl': 'Тасдиқлаш коди нотўғри ёки муддати ўтган. Янги код сўранг.',
      'uz-Latn': 'Tasdiqlash kodi notoʻgʻri yoki muddati oʻtgan. Yangi kod soʻrang.',
      ru: 'Код подтверждения неверен или устарел. Запросите новый код.',
      en: 'The verification code is wrong or has expired. Ask for a new code.',
    },
  },
  MXF_IDENTITY_SIGNIN_BLOCKED: {
    status: 403,
    doc: 'Password sign-in is blocked after a compromise report; reset the password through a verified e-mail or phone first.',
    messages: {
      'uz-Cyrl':
        'Хавфсизлик учун парол билан кириш тўхтатилган. Паролни тасдиқланган почта ёки телефон орқали тикланг.',
      'uz-Latn':
        'Xavfsizlik uchun parol bilan kirish toʻxtatilgan. Parolni tasdiqlangan pochta yoki telefon orqali tiklang.',
      ru: 'Вход по паролю заблокирован ради безопасности. Восстановите пароль через подтверждённую почту или телефон.',
      en: 'Password sign-in is blocked for your safety. Reset your password through your verified e-mail or phone.',
    },
  },
  MXF_IDENTITY_STEP_UP_REQUIRED: {
    status: 403,
    doc: 'This change (password, contact, sign-in factors, grants) needs a recent sign-in (within 10 minutes); confirm it again through `/v1/me/reauth/...` (password, or a passkey) and repeat it.',
    messages: {
      'uz-Cyrl': 'Бу ўзгариш учун қайта киринг.',
      'uz-Latn': 'Bu oʻzgarish uchun qayta kiring.',
      ru: 'Для этого изменения войдите ещё раз.',
      en: 'Sign in again to make this change.',
    },
  },
  MXF_IDENTITY_LINK_INVALID: {
    status: 400,
    doc: 'The one-click link is unknown, expired (7 days) or already used.',
    messages: {
      'uz-Cyrl': 'Ҳавола яроқсиз, муддати ўтган ёки аллақачон ишлатилган.',
      'uz-Latn': 'Havola yaroqsiz, muddati oʻtgan yoki allaqachon ishlatilgan.',
      ru: 'Ссылка недействительна, просрочена или уже использована.',
      en: 'This link is invalid, expired or already used.',
    },
  },
  MXF_IDENTITY_CONTACT_TAKEN: {
    status: 409,
    doc: 'Another account took this e-mail or phone between the code and the last step.',
    messages: {
      'uz-Cyrl': 'Бу почта ёки телефон бошқа ҳисобга боғланган.',
      'uz-Latn': 'Bu pochta yoki telefon boshqa hisobga bogʻlangan.',
      ru: 'Эта почта или телефон уже привязаны к другой учётной записи.',
      en: 'This e-mail or phone belongs to another account.',
    },
  },
  MXF_IDENTITY_CUSTOMER_NOT_FOUND: {
    status: 404,
    doc: 'No customer account has this id.',
    messages: {
      'uz-Cyrl': 'Бундай мижоз топилмади.',
      'uz-Latn': 'Bunday mijoz topilmadi.',
      ru: 'Такой клиент не найден.',
      en: 'No such customer.',
    },
  },
  MXF_IDENTITY_SESSION_NOT_FOUND: {
    status: 404,
    doc: 'The customer has no live session with this id.',
    messages: {
      'uz-Cyrl': 'Бундай сеанс топилмади.',
      'uz-Latn': 'Bunday seans topilmadi.',
      ru: 'Такой сеанс не найден.',
      en: 'No such session.',
    },
  },
});
