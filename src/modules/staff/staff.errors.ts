import { defineErrors } from '../../i18n/errors-define.js';

export const staffErrors = defineErrors({
  MXF_STAFF_SIGNIN_FAILED: {
    status: 401,
    doc: 'Staff sign-in failed: the e-mail or the password is wrong, or the sign-in was not finished within two minutes. Deliberately one answer for all three, so it does not tell whether an account exists.',
    messages: {
      'uz-Cyrl': 'Электрон почта ёки пароль нотўғри, ёки кириш муддати ўтиб кетди. Қайтадан уриниб кўринг.',
      'uz-Latn':
        'Elektron pochta yoki parol notoʻgʻri, yoki kirish muddati oʻtib ketdi. Qaytadan urinib koʻring.',
      ru: 'Неверная электронная почта или пароль, либо время входа истекло. Попробуйте ещё раз.',
      en: 'The e-mail or password is wrong, or the sign-in took too long. Try again.',
    },
  },
  MXF_STAFF_SIGNIN_THROTTLED: {
    status: 429,
    doc: 'Too many unfinished sign-ins for this e-mail or from this address; wait `retryAfter` seconds. The wait doubles with each further attempt.',
    messages: {
      'uz-Cyrl': 'Кириш уринишлари жуда кўп. {retryAfter} сониядан кейин қайта уриниб кўринг.',
      'uz-Latn': 'Kirish urinishlari juda koʻp. {retryAfter} soniyadan keyin qayta urinib koʻring.',
      ru: 'Слишком много попыток входа. Повторите через {retryAfter} с.',
      en: 'Too many sign-in attempts. Try again in {retryAfter} seconds.',
    },
  },
  MXF_STAFF_SETUP_LINK_INVALID: {
    status: 400,
    doc: 'The first administrator’s set-up link is unknown, expired (24 h), already used, or no longer needed because an administrator exists. The server prints a fresh link at start while no administrator exists.',
    messages: {
      'uz-Cyrl':
        'Созлаш ҳаволаси яроқсиз, муддати ўтган ёки аллақачон ишлатилган. Янги ҳаволани сервер ишга тушганда чиқаради.',
      'uz-Latn':
        'Sozlash havolasi yaroqsiz, muddati oʻtgan yoki allaqachon ishlatilgan. Yangi havolani server ishga tushganda chiqaradi.',
      ru: 'Ссылка для настройки недействительна, просрочена или уже использована. Новую ссылку сервер выводит при запуске.',
      en: 'This set-up link is invalid, expired or already used. The server prints a new one when it starts.',
    },
  },
  MXF_STAFF_EMAIL_TAKEN: {
    status: 409,
    doc: 'A staff account with this e-mail already exists.',
    messages: {
      'uz-Cyrl': 'Бу электрон почтали ходим аллақачон мавжуд.',
      'uz-Latn': 'Bu elektron pochtali xodim allaqachon mavjud.',
      ru: 'Сотрудник с такой электронной почтой уже есть.',
      en: 'A staff account with this e-mail already exists.',
    },
  },
  MXF_STAFF_NOT_FOUND: {
    status: 404,
    doc: 'No staff member has this id.',
    messages: {
      'uz-Cyrl': 'Бундай ходим топилмади.',
      'uz-Latn': 'Bunday xodim topilmadi.',
      ru: 'Такой сотрудник не найден.',
      en: 'No such staff member.',
    },
  },
  MXF_STAFF_LAST_ADMIN: {
    status: 409,
    doc: 'The change (removing the admin role, or deactivating) would leave no active administrator; give another staff member the admin role first.',
    messages: {
      'uz-Cyrl': 'Охирги администратордан администратор ролини олиб бўлмайди: аввал бошқасини тайинланг.',
      'uz-Latn': 'Oxirgi administratordan administrator rolini olib boʻlmaydi: avval boshqasini tayinlang.',
      ru: 'Нельзя снять роль администратора с последнего администратора: сначала назначьте другого.',
      en: 'The last administrator cannot lose the administrator role; make someone else an administrator first.',
    },
  },
  MXF_STAFF_INVITE_INVALID: {
    status: 400,
    doc: 'The invitation link is unknown, expired (72 h), already used or revoked. Deliberately one answer for all four; ask an administrator for a new invitation.',
    messages: {
      'uz-Cyrl':
        'Таклиф ҳаволаси яроқсиз, муддати ўтган, бекор қилинган ёки аллақачон ишлатилган. Администратордан янги таклиф сўранг.',
      'uz-Latn':
        'Taklif havolasi yaroqsiz, muddati oʻtgan, bekor qilingan yoki allaqachon ishlatilgan. Administratordan yangi taklif soʻrang.',
      ru: 'Ссылка-приглашение недействительна, просрочена, отозвана или уже использована. Попросите администратора прислать новое приглашение.',
      en: 'This invitation link is invalid, expired, revoked or already used. Ask an administrator for a new invitation.',
    },
  },
  MXF_STAFF_INVITE_NOT_FOUND: {
    status: 404,
    doc: 'No pending invitation has this id: it was accepted, revoked or has expired.',
    messages: {
      'uz-Cyrl': 'Бундай кутилаётган таклиф топилмади.',
      'uz-Latn': 'Bunday kutilayotgan taklif topilmadi.',
      ru: 'Такое ожидающее приглашение не найдено.',
      en: 'No such pending invitation.',
    },
  },
  MXF_STAFF_ALREADY_INVITED: {
    status: 409,
    doc: 'A pending invitation for this e-mail exists; revoke it first to send a new one.',
    messages: {
      'uz-Cyrl':
        'Бу электрон почтага таклиф аллақачон юборилган. Янгисини юбориш учун аввал уни бекор қилинг.',
      'uz-Latn':
        'Bu elektron pochtaga taklif allaqachon yuborilgan. Yangisini yuborish uchun avval uni bekor qiling.',
      ru: 'На этот адрес уже отправлено приглашение. Чтобы отправить новое, сначала отзовите его.',
      en: 'An invitation to this e-mail is already pending; revoke it first to send a new one.',
    },
  },
  MXF_STAFF_SELF_RESET: {
    status: 409,
    doc: 'An administrator cannot reset their own sign-in; another administrator must.',
    messages: {
      'uz-Cyrl': 'Ўз киришингизни қайта ўрната олмайсиз: буни бошқа администратор қилиши керак.',
      'uz-Latn': 'Oʻz kirishingizni qayta oʻrnata olmaysiz: buni boshqa administrator qilishi kerak.',
      ru: 'Нельзя сбросить собственный вход: это должен сделать другой администратор.',
      en: 'You cannot reset your own sign-in; another administrator must.',
    },
  },
  MXF_STAFF_RESET_PENDING: {
    status: 409,
    doc: 'The member is locked out by a pending sign-in reset: their old password and factors are what is in doubt, so they come back through the reset link, with new ones, not by reactivation. To keep them out, deactivate them (which ends the link).',
    messages: {
      'uz-Cyrl':
        'Бу ходимнинг кириши қайта ўрнатилмоқда: у ҳаволадан янги парол билан қайтади. Қайта фаоллаштириб бўлмайди.',
      'uz-Latn':
        'Bu xodimning kirishi qayta oʻrnatilmoqda: u havoladan yangi parol bilan qaytadi. Qayta faollashtirib boʻlmaydi.',
      ru: 'Для этого сотрудника ожидается сброс входа: он вернётся по ссылке с новым паролем. Повторная активация невозможна.',
      en: 'A sign-in reset is pending for this member: they come back through the link with a new password, not by reactivation.',
    },
  },
  MXF_STAFF_DEACTIVATED: {
    status: 409,
    doc: 'The member is deactivated: a sign-in reset link would let them back in without a reactivation. Reactivate them first, then reset their sign-in if their password or device may be in other hands.',
    messages: {
      'uz-Cyrl': 'Ходим фаолсизлантирилган. Аввал уни қайта фаоллаштиринг, кейин киришини қайта ўрнатинг.',
      'uz-Latn': 'Xodim faolsizlantirilgan. Avval uni qayta faollashtiring, keyin kirishini qayta oʻrnating.',
      ru: 'Сотрудник деактивирован. Сначала активируйте его снова, затем сбросьте вход.',
      en: 'The member is deactivated. Reactivate them first, then reset their sign-in.',
    },
  },
  MXF_STAFF_RESET_INVALID: {
    status: 400,
    doc: 'The sign-in reset link is unknown, expired (24 h), already used or replaced by a newer one. Deliberately one answer for all four; ask an administrator for a new link.',
    messages: {
      'uz-Cyrl':
        'Киришни тиклаш ҳаволаси яроқсиз, муддати ўтган, алмаштирилган ёки аллақачон ишлатилган. Администратордан янги ҳавола сўранг.',
      'uz-Latn':
        'Kirishni tiklash havolasi yaroqsiz, muddati oʻtgan, almashtirilgan yoki allaqachon ishlatilgan. Administratordan yangi havola soʻrang.',
      ru: 'Ссылка для восстановления входа недействительна, просрочена, заменена новой или уже использована. Попросите администратора прислать новую.',
      en: 'This sign-in reset link is invalid, expired, replaced or already used. Ask an administrator for a new one.',
    },
  },
  MXF_STAFF_SELF_DEACTIVATE: {
    status: 409,
    doc: 'An administrator cannot deactivate their own account; another administrator must.',
    messages: {
      'uz-Cyrl': 'Ўз ҳисобингизни ўчира олмайсиз: буни бошқа администратор қилиши керак.',
      'uz-Latn': 'Oʻz hisobingizni oʻchira olmaysiz: buni boshqa administrator qilishi kerak.',
      ru: 'Нельзя отключить собственную учётную запись: это должен сделать другой администратор.',
      en: 'You cannot deactivate your own account; another administrator must.',
    },
  },
  MXF_STAFF_SELF_ROLES: {
    status: 409,
    doc: 'An administrator cannot change their own roles; another administrator must. A role a customer granted access to (support) is then never one its holder gave themselves.',
    messages: {
      'uz-Cyrl': 'Ўз ролларингизни ўзгартира олмайсиз: буни бошқа администратор қилиши керак.',
      'uz-Latn': 'Oʻz rollaringizni oʻzgartira olmaysiz: buni boshqa administrator qilishi kerak.',
      ru: 'Нельзя изменить собственные роли: это должен сделать другой администратор.',
      en: 'You cannot change your own roles; another administrator must.',
    },
  },
  MXF_STAFF_FACTOR_REQUIRED: {
    status: 403,
    doc: 'Staff must use a passkey or the password with an authenticator app. This session may only enrol one (`/v1/staff/factors/...`); every other staff route answers this until a factor is enrolled.',
    messages: {
      'uz-Cyrl': 'Давом этиш учун кириш калити ёки аутентификатор иловасини уланг.',
      'uz-Latn': 'Davom etish uchun kirish kaliti yoki autentifikator ilovasini ulang.',
      ru: 'Чтобы продолжить, подключите ключ доступа или приложение-аутентификатор.',
      en: 'Set up a passkey or an authenticator app to continue.',
    },
  },
  MXF_STAFF_PASSKEY_REQUIRED: {
    status: 403,
    doc: 'This staff member has a passkey but no authenticator app: the password alone is one factor, so sign in with the passkey.',
    messages: {
      'uz-Cyrl': 'Кириш калити билан киринг.',
      'uz-Latn': 'Kirish kaliti bilan kiring.',
      ru: 'Войдите с помощью ключа доступа.',
      en: 'Sign in with your passkey.',
    },
  },
});
