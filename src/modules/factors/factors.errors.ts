import { defineErrors } from '../../i18n/errors-define.js';

export const factorErrors = defineErrors({
  MXF_FACTOR_CODE_INVALID: {
    status: 401,
    doc: 'The authenticator code or recovery code is wrong, was already used (a code is good once), or is outside ±30 seconds. The attempt is counted; after five, the pending sign-in ends.',
    messages: {
      'uz-Cyrl': 'Код нотўғри ёки аллақачон ишлатилган. Иловадаги янги кодни киритинг.',
      'uz-Latn': 'Kod notoʻgʻri yoki allaqachon ishlatilgan. Ilovadagi yangi kodni kiriting.',
      ru: 'Код неверен или уже использован. Введите новый код из приложения.',
      en: 'The code is wrong or was already used. Enter a fresh code from your app.',
    },
  },
  MXF_FACTOR_CHALLENGE_INVALID: {
    status: 400,
    doc: 'The enrolment, passkey challenge or pending sign-in is unknown, expired (5 minutes) or already used. Start again.',
    messages: {
      'uz-Cyrl': 'Сўров муддати ўтган ёки аллақачон ишлатилган. Бошидан бошланг.',
      'uz-Latn': 'Soʻrov muddati oʻtgan yoki allaqachon ishlatilgan. Boshidan boshlang.',
      ru: 'Запрос устарел или уже использован. Начните заново.',
      en: 'This request expired or was already used. Start again.',
    },
  },
  MXF_FACTOR_PASSKEY_INVALID: {
    status: 401,
    doc: 'The passkey answer did not verify: unknown credential, wrong origin or challenge, bad signature, no user verification, or a signature counter that went backwards (a cloned or replayed authenticator).',
    messages: {
      'uz-Cyrl': 'Кириш калити тасдиқланмади. Қайтадан уриниб кўринг.',
      'uz-Latn': 'Kirish kaliti tasdiqlanmadi. Qaytadan urinib koʻring.',
      ru: 'Ключ доступа не подтверждён. Попробуйте ещё раз.',
      en: 'The passkey could not be verified. Try again.',
    },
  },
  MXF_FACTOR_NOT_FOUND: {
    status: 404,
    doc: 'No factor with this id belongs to the signed-in account.',
    messages: {
      'uz-Cyrl': 'Бундай ҳимоя усули топилмади.',
      'uz-Latn': 'Bunday himoya usuli topilmadi.',
      ru: 'Такой способ защиты не найден.',
      en: 'No such security factor.',
    },
  },
  MXF_FACTOR_TOTP_EXISTS: {
    status: 409,
    doc: 'The account already has an authenticator app; remove it first to set up another.',
    messages: {
      'uz-Cyrl': 'Аутентификатор илова аллақачон уланган. Янгисини улаш учун аввал эскисини ўчиринг.',
      'uz-Latn': 'Autentifikator ilova allaqachon ulangan. Yangisini ulash uchun avval eskisini oʻchiring.',
      ru: 'Приложение-аутентификатор уже подключено. Чтобы подключить другое, сначала удалите его.',
      en: 'An authenticator app is already set up. Remove it first to set up another.',
    },
  },
  MXF_FACTOR_LAST: {
    status: 409,
    doc: 'Staff must keep a passkey or an authenticator app: the last one cannot be removed. Add another first.',
    messages: {
      'uz-Cyrl': 'Охирги ҳимоя усулини ўчириб бўлмайди: аввал бошқасини қўшинг.',
      'uz-Latn': 'Oxirgi himoya usulini oʻchirib boʻlmaydi: avval boshqasini qoʻshing.',
      ru: 'Нельзя удалить последний способ защиты: сначала добавьте другой.',
      en: 'The last security factor cannot be removed. Add another one first.',
    },
  },
  MXF_AUTH_STEP_UP_REQUIRED: {
    status: 403,
    doc: 'Changing sign-in credentials needs a sign-in within the last 10 minutes. Sign out and sign in again, then repeat.',
    messages: {
      'uz-Cyrl': 'Бу ўзгариш учун қайта киринг: охирги киришдан 10 дақиқадан кўп вақт ўтди.',
      'uz-Latn': 'Bu oʻzgarish uchun qayta kiring: oxirgi kirishdan 10 daqiqadan koʻp vaqt oʻtdi.',
      ru: 'Для этого изменения войдите заново: с последнего входа прошло больше 10 минут.',
      en: 'Sign in again to make this change: your last sign-in was more than 10 minutes ago.',
    },
  },
});
