import {
  DEFAULT_LANGUAGE,
  formatMessage,
  LANGUAGES,
  type Language,
  pickLanguage,
} from '../../i18n/errors-define.js';
import type { CustomerMessage } from './channels.js';

/** A message in one language: `{name}` marks a value filled in when it is sent. */
type Template = { subject: string; text: string };

/**
 * What maxfiy sends customers, in each of the four languages. Texts carry no
 * personal data beyond what the recipient already has (their own code, a
 * device summary, a link). Latin in the Cyrillic texts only for "maxfiy" and
 * the filled-in values.
 */
export const customerTexts = {
  codeSignup: {
    'uz-Cyrl': {
      subject: 'maxfiy коди: {code}',
      text: 'Ҳисоб очиш учун кодингиз: {code}. У 10 дақиқа амал қилади. Агар уни сиз сўрамаган бўлсангиз, бу хабарни инобатга олманг.',
    },
    'uz-Latn': {
      subject: 'maxfiy kodi: {code}',
      text: 'Hisob ochish uchun kodingiz: {code}. U 10 daqiqa amal qiladi. Agar uni siz soʻramagan boʻlsangiz, bu xabarni inobatga olmang.',
    },
    ru: {
      subject: 'Ваш код maxfiy: {code}',
      text: 'Ваш код для создания учётной записи: {code}. Он действует 10 минут. Если вы его не запрашивали, просто не обращайте внимания на это сообщение.',
    },
    en: {
      subject: 'Your maxfiy code: {code}',
      text: 'Your code to create your account is {code}. It works for 10 minutes. If you did not ask for it, ignore this message.',
    },
  },
  codeReset: {
    'uz-Cyrl': {
      subject: 'maxfiy коди: {code}',
      text: 'Паролни тиклаш учун кодингиз: {code}. У 10 дақиқа амал қилади. Агар уни сиз сўрамаган бўлсангиз, бу хабарни инобатга олманг.',
    },
    'uz-Latn': {
      subject: 'maxfiy kodi: {code}',
      text: 'Parolni tiklash uchun kodingiz: {code}. U 10 daqiqa amal qiladi. Agar uni siz soʻramagan boʻlsangiz, bu xabarni inobatga olmang.',
    },
    ru: {
      subject: 'Ваш код maxfiy: {code}',
      text: 'Ваш код для восстановления пароля: {code}. Он действует 10 минут. Если вы его не запрашивали, просто не обращайте внимания на это сообщение.',
    },
    en: {
      subject: 'Your maxfiy code: {code}',
      text: 'Your code to reset your password is {code}. It works for 10 minutes. If you did not ask for it, ignore this message.',
    },
  },
  codeContact: {
    'uz-Cyrl': {
      subject: 'maxfiy коди: {code}',
      text: 'Бу манзилни тасдиқлаш учун кодингиз: {code}. У 10 дақиқа амал қилади. Агар уни сиз сўрамаган бўлсангиз, бу хабарни инобатга олманг.',
    },
    'uz-Latn': {
      subject: 'maxfiy kodi: {code}',
      text: 'Bu manzilni tasdiqlash uchun kodingiz: {code}. U 10 daqiqa amal qiladi. Agar uni siz soʻramagan boʻlsangiz, bu xabarni inobatga olmang.',
    },
    ru: {
      subject: 'Ваш код maxfiy: {code}',
      text: 'Ваш код для подтверждения этого адреса: {code}. Он действует 10 минут. Если вы его не запрашивали, просто не обращайте внимания на это сообщение.',
    },
    en: {
      subject: 'Your maxfiy code: {code}',
      text: 'Your code to confirm this address is {code}. It works for 10 minutes. If you did not ask for it, ignore this message.',
    },
  },
  alreadyRegistered: {
    'uz-Cyrl': {
      subject: 'Сизда аллақачон maxfiy ҳисоби бор',
      text: 'Кимдир (эҳтимол, сиз) шу манзил билан ҳисоб очмоқчи бўлди, лекин бу манзилда ҳисоб аллақачон бор. Кириш учун {url} саҳифасини очинг ёки у ерда паролни тикланг. Агар бу сиз бўлмасангиз, ҳеч нарса қилишингиз шарт эмас.',
    },
    'uz-Latn': {
      subject: 'Sizda allaqachon maxfiy hisobi bor',
      text: 'Kimdir (ehtimol, siz) shu manzil bilan hisob ochmoqchi boʻldi, lekin bu manzilda hisob allaqachon bor. Kirish uchun {url} sahifasini oching yoki u yerda parolni tiklang. Agar bu siz boʻlmasangiz, hech narsa qilishingiz shart emas.',
    },
    ru: {
      subject: 'У вас уже есть учётная запись maxfiy',
      text: 'Кто-то (возможно, вы) попытался создать учётную запись с этим адресом, но для него учётная запись уже есть. Чтобы войти, откройте {url} или восстановите там пароль. Если это были не вы, ничего делать не нужно.',
    },
    en: {
      subject: 'You already have a maxfiy account',
      text: 'Someone (perhaps you) tried to create an account with this address, which already has one. To get in, sign in at {url} or reset your password there. If it was not you, you need do nothing.',
    },
  },
  contactInUse: {
    'uz-Cyrl': {
      subject: 'Манзилингизни бошқа ҳисобга қўшишга уринишди',
      text: 'Кимдир бу манзилни бошқа maxfiy ҳисобига қўшмоқчи бўлди. Манзил сизнинг ҳисобингизда қолади; код юборилмади. Агар бу сиз бўлсангиз, ўз ҳисобингизга киринг.',
    },
    'uz-Latn': {
      subject: 'Manzilingizni boshqa hisobga qoʻshishga urinishdi',
      text: 'Kimdir bu manzilni boshqa maxfiy hisobiga qoʻshmoqchi boʻldi. Manzil sizning hisobingizda qoladi; kod yuborilmadi. Agar bu siz boʻlsangiz, oʻz hisobingizga kiring.',
    },
    ru: {
      subject: 'Ваш адрес пытались добавить к другой учётной записи',
      text: 'Кто-то попытался добавить этот адрес к другой учётной записи maxfiy. Адрес остаётся за вашей; код не отправлялся. Если это были вы, войдите в свою учётную запись.',
    },
    en: {
      subject: 'Your address was entered on another account',
      text: 'Someone tried to add this address to another maxfiy account. It stays with yours; no code was sent. If it was you, sign in to your own account instead.',
    },
  },
  newDevice: {
    'uz-Cyrl': {
      subject: 'maxfiy ҳисобингизга янги қурилмадан кирилди',
      text: 'Ҳисобингизга ҳозиргина шу қурилмадан кирилди: {device}. Агар бу сиз бўлсангиз, ҳеч нарса қилиш шарт эмас. Агар сиз бўлмасангиз, дарҳол шу ҳаволани очинг: у барча сеансларни тугатади ва паролни тиклагунингизча парол билан киришни тўхтатади.\n\n{url}\n\nҲавола бир марта, 7 кун давомида ишлайди.',
    },
    'uz-Latn': {
      subject: 'maxfiy hisobingizga yangi qurilmadan kirildi',
      text: 'Hisobingizga hozirgina shu qurilmadan kirildi: {device}. Agar bu siz boʻlsangiz, hech narsa qilish shart emas. Agar siz boʻlmasangiz, darhol shu havolani oching: u barcha seanslarni tugatadi va parolni tiklaguningizcha parol bilan kirishni toʻxtatadi.\n\n{url}\n\nHavola bir marta, 7 kun davomida ishlaydi.',
    },
    ru: {
      subject: 'Новый вход в вашу учётную запись maxfiy',
      text: 'В вашу учётную запись только что вошли с устройства: {device}. Если это были вы, ничего делать не нужно. Если нет, сразу откройте эту ссылку: она завершит все сеансы и заблокирует вход по паролю, пока вы его не восстановите.\n\n{url}\n\nСсылка срабатывает один раз и действует 7 дней.',
    },
    en: {
      subject: 'New sign-in to your maxfiy account',
      text: 'Your account was just signed in from {device}. If this was you, there is nothing to do. If it was not, open this link at once: it ends every session and blocks password sign-in until you reset it.\n\n{url}\n\nThe link works once, for 7 days.',
    },
  },
  securityChange: {
    'uz-Cyrl': {
      subject: 'maxfiy ҳисобингиз хавфсизлик созламаси ўзгарди',
      text: 'maxfiy ҳисобингизда ҳозиргина {what}. Агар бу сиз бўлсангиз, ҳеч нарса қилиш шарт эмас. Агар сиз бўлмасангиз, дарҳол шу ҳаволани очинг: у барча сеансларни тугатади, қўшилганини олиб ташлайди ва паролни тиклагунингизча киришни тўхтатади.\n\n{url}\n\nҲавола бир марта, 7 кун давомида ишлайди.',
    },
    'uz-Latn': {
      subject: 'maxfiy hisobingiz xavfsizlik sozlamasi oʻzgardi',
      text: 'maxfiy hisobingizda hozirgina {what}. Agar bu siz boʻlsangiz, hech narsa qilish shart emas. Agar siz boʻlmasangiz, darhol shu havolani oching: u barcha seanslarni tugatadi, qoʻshilganini olib tashlaydi va parolni tiklaguningizcha kirishni toʻxtatadi.\n\n{url}\n\nHavola bir marta, 7 kun davomida ishlaydi.',
    },
    ru: {
      subject: 'Изменение безопасности в вашей учётной записи maxfiy',
      text: 'В вашей учётной записи maxfiy только что {what}. Если это были вы, ничего делать не нужно. Если нет, сразу откройте эту ссылку: она завершит все сеансы, удалит добавленное и заблокирует вход, пока вы не восстановите пароль.\n\n{url}\n\nСсылка срабатывает один раз и действует 7 дней.',
    },
    en: {
      subject: 'A security change in your maxfiy account',
      text: 'In your maxfiy account, {what} just now. If this was you, there is nothing to do. If it was not, open this link at once: it ends every session, removes what was added and blocks sign-in until you reset your password.\n\n{url}\n\nThe link works once, for 7 days.',
    },
  },
  compromiseDone: {
    'uz-Cyrl': {
      subject: 'Хабарингиз бўйича чоралар кўрдик',
      text: 'Сиз maxfiy ҳисобингиз бузилган бўлиши мумкинлиги ҳақида хабар бердингиз. Биз барча сеансларни тугатдик, парол билан киришни тўхтатдик, бошқа бирор киши қўшган бўлиши мумкин бўлган кириш калитлари ва аутентификатор иловани ўчирдик, ходимларимизга берган кабинетингизга кириш рухсатларини бекор қилдик ва хавфсизлик жамоамизга хабар бердик. Қайта кириш учун паролни тасдиқланган почта ёки телефонингиз орқали {url} саҳифасида тикланг, сўнг «Хавфсизлик» саҳифасини текширинг ва ўз кириш калитларингиз ҳамда аутентификатор иловангизни қайта қўшинг.',
    },
    'uz-Latn': {
      subject: 'Xabaringiz boʻyicha choralar koʻrdik',
      text: 'Siz maxfiy hisobingiz buzilgan boʻlishi mumkinligi haqida xabar berdingiz. Biz barcha seanslarni tugatdik, parol bilan kirishni toʻxtatdik, boshqa biror kishi qoʻshgan boʻlishi mumkin boʻlgan kirish kalitlari va autentifikator ilovani oʻchirdik, xodimlarimizga bergan kabinetingizga kirish ruxsatlarini bekor qildik va xavfsizlik jamoamizga xabar berdik. Qayta kirish uchun parolni tasdiqlangan pochta yoki telefoningiz orqali {url} sahifasida tiklang, soʻng «Xavfsizlik» sahifasini tekshiring va oʻz kirish kalitlaringiz hamda autentifikator ilovangizni qayta qoʻshing.',
    },
    ru: {
      subject: 'Мы приняли меры по вашему сообщению о взломе',
      text: 'Вы сообщили, что ваша учётная запись maxfiy, возможно, взломана. Мы завершили все сеансы, заблокировали вход по паролю, удалили ключи доступа и приложение-аутентификатор, которые мог добавить кто-то другой, отозвали доступ к вашему кабинету, выданный нашим сотрудникам, и сообщили нашей службе безопасности. Чтобы снова войти, восстановите пароль через подтверждённую почту или телефон на странице {url}, затем проверьте страницу «Безопасность» и снова добавьте свои ключи доступа и приложение-аутентификатор.',
    },
    en: {
      subject: 'We acted on your compromise report',
      text: 'You reported that your maxfiy account may be compromised. We have ended every session, blocked sign-in with the password, removed the passkeys and authenticator app someone else may have added, ended the access to your cabinet you had given our staff, and told our security team. To get back in, reset your password through your verified e-mail or phone at {url}; then check the Security page and add your own passkeys and authenticator app again.',
    },
  },
  passwordChanged: {
    'uz-Cyrl': {
      subject: 'maxfiy паролингиз ўзгартирилди',
      text: 'maxfiy ҳисобингиз пароли ҳозиргина ўзгартирилди ва бошқа сеансларингиз тугатилди. Агар бу сиз бўлмасангиз, дарҳол паролни тикланг ва шахсий кабинетдан бу ҳақда хабар беринг.',
    },
    'uz-Latn': {
      subject: 'maxfiy parolingiz oʻzgartirildi',
      text: 'maxfiy hisobingiz paroli hozirgina oʻzgartirildi va boshqa seanslaringiz tugatildi. Agar bu siz boʻlmasangiz, darhol parolni tiklang va shaxsiy kabinetdan bu haqda xabar bering.',
    },
    ru: {
      subject: 'Пароль maxfiy изменён',
      text: 'Пароль вашей учётной записи maxfiy только что изменён, другие сеансы завершены. Если это были не вы, сразу восстановите пароль и сообщите об этом из личного кабинета.',
    },
    en: {
      subject: 'Your maxfiy password was changed',
      text: 'The password of your maxfiy account was just changed, and your other sessions were ended. If this was not you, reset the password at once and report it from the cabinet.',
    },
  },
} satisfies Record<string, Record<Language, Template>>;

/**
 * The generic words `deviceSummary` may give ("a browser on an unknown
 * system"); browser and system names stay as they are.
 */
const DEVICE_WORDS: Record<Exclude<Language, 'en'>, Record<string, string>> = {
  'uz-Cyrl': { 'a browser': 'браузер', 'a program': 'дастур', 'an unknown system': 'нотаниш тизим' },
  'uz-Latn': { 'a browser': 'brauzer', 'a program': 'dastur', 'an unknown system': 'notanish tizim' },
  ru: { 'a browser': 'браузер', 'a program': 'программа', 'an unknown system': 'неизвестная система' },
};

/** "Chrome on Windows" in the message's language: "Chrome (Windows)". */
function deviceIn(lang: Language, device: string): string {
  if (lang === 'en') return device;
  const parts = /^(.+) on (.+)$/.exec(device);
  if (!parts) return device;
  const word = (w: string) => DEVICE_WORDS[lang][w] ?? w;
  return `${word(parts[1] ?? '')} (${word(parts[2] ?? '')})`;
}

/** What a security change notice is about. */
export type SecurityChange = 'passkey' | 'totp' | 'grant' | 'email' | 'phone';

const CHANGE_WORDS: Record<Language, Record<SecurityChange, string>> = {
  'uz-Cyrl': {
    passkey: 'кириш калити қўшилди',
    totp: 'аутентификатор илова қўшилди',
    grant: 'ходимларимизга шахсий кабинетингизга кириш рухсати берилди',
    email: 'ҳисобингиз электрон почтаси бошқасига алмаштирилди',
    phone: 'ҳисобингиз телефон рақами бошқасига алмаштирилди',
  },
  'uz-Latn': {
    passkey: 'kirish kaliti qoʻshildi',
    totp: 'autentifikator ilova qoʻshildi',
    grant: 'xodimlarimizga shaxsiy kabinetingizga kirish ruxsati berildi',
    email: 'hisobingiz elektron pochtasi boshqasiga almashtirildi',
    phone: 'hisobingiz telefon raqami boshqasiga almashtirildi',
  },
  ru: {
    passkey: 'добавлен ключ доступа',
    totp: 'добавлено приложение-аутентификатор',
    grant: 'нашим сотрудникам выдан доступ к вашему личному кабинету',
    email: 'адрес электронной почты учётной записи заменён на другой',
    phone: 'номер телефона учётной записи заменён на другой',
  },
  en: {
    passkey: 'a passkey was added',
    totp: 'an authenticator app was added',
    grant: 'our staff were given access to your personal cabinet',
    email: 'the account’s e-mail address was replaced by another',
    phone: 'the account’s phone number was replaced by another',
  },
};

function render(template: Template, params: Record<string, string>): CustomerMessage {
  return { subject: formatMessage(template.subject, params), text: formatMessage(template.text, params) };
}

const isLanguage = (v: unknown): v is Language => (LANGUAGES as readonly unknown[]).includes(v);

/**
 * The language to write to a customer in: the account's stored locale when it
 * has one, else the language of the request that caused the message, else uz-Cyrl.
 */
export function languageFor(locale: string | null | undefined, requested: Language | undefined): Language {
  return isLanguage(locale) ? locale : (requested ?? DEFAULT_LANGUAGE);
}

/** The language a request asks for, as error messages pick it: `?lang=`, then `Accept-Language`. */
export function requestLanguage(request: {
  query: unknown;
  headers: { 'accept-language'?: string | undefined };
}): Language {
  const lang = (request.query as { lang?: unknown } | undefined)?.lang;
  return pickLanguage(typeof lang === 'string' ? lang : undefined, request.headers['accept-language']);
}

export const messages = {
  code(lang: Language, code: string, purpose: 'signup' | 'reset' | 'contact'): CustomerMessage {
    const key = purpose === 'signup' ? 'codeSignup' : purpose === 'reset' ? 'codeReset' : 'codeContact';
    return render(customerTexts[key][lang], { code });
  },

  /** Sent instead of a code when someone tries to sign up with an address that already has an account. */
  alreadyRegistered(lang: Language, publicUrl: string): CustomerMessage {
    return render(customerTexts.alreadyRegistered[lang], { url: `${publicUrl}/signin` });
  },

  /** Sent when someone asks to move another account's contact to this address. */
  contactInUse(lang: Language): CustomerMessage {
    return render(customerTexts.contactInUse[lang], {});
  },

  newDevice(lang: Language, device: string, reportUrl: string): CustomerMessage {
    return render(customerTexts.newDevice[lang], { device: deviceIn(lang, device), url: reportUrl });
  },

  /** A sign-in factor added, or cabinet access given, with a one-click report in case it was not the customer. */
  securityChange(lang: Language, change: SecurityChange, reportUrl: string): CustomerMessage {
    return render(customerTexts.securityChange[lang], { what: CHANGE_WORDS[lang][change], url: reportUrl });
  },

  compromiseDone(lang: Language, publicUrl: string): CustomerMessage {
    return render(customerTexts.compromiseDone[lang], { url: `${publicUrl}/reset` });
  },

  passwordChanged(lang: Language): CustomerMessage {
    return render(customerTexts.passwordChanged[lang], {});
  },

  /** To the security team (staff), so in English. */
  securityIncident(incidentId: string, source: string): CustomerMessage {
    return {
      subject: `Compromise report ${incidentId}`,
      text: `A customer reported a compromised account (source: ${source}). Incident ${incidentId} is open; see it in the console under Incidents. Sessions are ended and password sign-in is blocked.`,
    };
  },
};
