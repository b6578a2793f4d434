import type { Language } from '../../i18n/errors-define.js';

/** The words of the sign-on pages, in the product's four languages. */
const STRINGS = {
  'uz-Cyrl': {
    consentTitle: 'Иловага рухсат',
    consentLead: '{app} сизнинг maxfiy ҳисобингиздан фойдаланмоқчи ва қуйидагиларни сўрайди:',
    allow: 'Рухсат бериш',
    deny: 'Рад этиш',
    revokeNote: 'Рухсатни истаган пайтда шахсий кабинетда бекор қилишингиз мумкин.',
    logoutTitle: 'Чиқиш',
    logoutLead: 'Ушбу қурилмадаги иловалардан чиқасизми?',
    logoutYes: 'Ҳа, чиқиш',
    logoutNo: 'Йўқ, қолиш',
    loggedOut: 'Сиз иловалардан чиқдингиз.',
    errorTitle: 'Хатолик',
    errorLead: 'Сўровни бажариб бўлмади. Иловадан қайта бошланг.',
    scopes: {
      openid: 'Сизнинг доимий идентификаторингиз',
      email: 'Электрон почта манзилингиз',
      phone: 'Телефон рақамингиз',
      offline_access: 'Сиз йўқлигингизда ҳам кириш',
      cabinet: 'Кабинетингизда шу илова сақлаган ёзувлар',
    },
  },
  'uz-Latn': {
    consentTitle: 'Ilovaga ruxsat',
    consentLead: '{app} sizning maxfiy hisobingizdan foydalanmoqchi va quyidagilarni soʻraydi:',
    allow: 'Ruxsat berish',
    deny: 'Rad etish',
    revokeNote: 'Ruxsatni istagan paytda shaxsiy kabinetda bekor qilishingiz mumkin.',
    logoutTitle: 'Chiqish',
    logoutLead: 'Ushbu qurilmadagi ilovalardan chiqasizmi?',
    logoutYes: 'Ha, chiqish',
    logoutNo: 'Yoʻq, qolish',
    loggedOut: 'Siz ilovalardan chiqdingiz.',
    errorTitle: 'Xatolik',
    errorLead: 'Soʻrovni bajarib boʻlmadi. Ilovadan qayta boshlang.',
    scopes: {
      openid: 'Sizning doimiy identifikatoringiz',
      email: 'Elektron pochta manzilingiz',
      phone: 'Telefon raqamingiz',
      offline_access: 'Siz yoʻqligingizda ham kirish',
      cabinet: 'Kabinetingizda shu ilova saqlagan yozuvlar',
    },
  },
  ru: {
    consentTitle: 'Доступ для приложения',
    consentLead: '{app} хочет использовать вашу учётную запись maxfiy и запрашивает:',
    allow: 'Разрешить',
    deny: 'Отказать',
    revokeNote: 'Доступ можно отозвать в личном кабинете в любой момент.',
    logoutTitle: 'Выход',
    logoutLead: 'Выйти из приложений на этом устройстве?',
    logoutYes: 'Да, выйти',
    logoutNo: 'Нет, остаться',
    loggedOut: 'Вы вышли из приложений.',
    errorTitle: 'Ошибка',
    errorLead: 'Запрос не выполнен. Начните снова из приложения.',
    scopes: {
      openid: 'Ваш постоянный идентификатор',
      email: 'Адрес электронной почты',
      phone: 'Номер телефона',
      offline_access: 'Доступ, когда вас нет в сети',
      cabinet: 'Записи, которые это приложение хранит в вашем кабинете',
    },
  },
  en: {
    consentTitle: 'Allow the app',
    consentLead: '{app} wants to use your maxfiy account and asks for:',
    allow: 'Allow',
    deny: 'Deny',
    revokeNote: 'You can take this back at any time in your cabinet.',
    logoutTitle: 'Sign out',
    logoutLead: 'Sign out of the apps on this device?',
    logoutYes: 'Yes, sign out',
    logoutNo: 'No, stay signed in',
    loggedOut: 'You have signed out of the apps.',
    errorTitle: 'Error',
    errorLead: 'The request could not be completed. Start again from the app.',
    scopes: {
      openid: 'Your permanent identifier',
      email: 'Your e-mail address',
      phone: 'Your phone number',
      offline_access: 'Access while you are away',
      cabinet: 'The records this app keeps in your cabinet',
    },
  },
} satisfies Record<Language, unknown>;

export type ScopeName = keyof (typeof STRINGS)['en']['scopes'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}' +
  'h1{font-size:1.4rem}ul{padding-left:1.2rem}button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0}' +
  '.primary{background:#1f5fbf;color:#fff;border:0;border-radius:4px}.note{color:#555;font-size:.9rem}';

function page(lang: Language, title: string, body: string): string {
  return `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The consent screen: one form per answer, no script. */
export function consentPage(
  lang: Language,
  input: { appName: string; scopes: string[]; confirmAction: string; abortAction: string },
): string {
  const t = STRINGS[lang];
  const items = input.scopes
    .filter((s): s is ScopeName => s in t.scopes)
    .map((s) => `<li data-scope="${s}">${escapeHtml(t.scopes[s])}</li>`)
    .join('');
  return page(
    lang,
    t.consentTitle,
    `<main><h1>${escapeHtml(t.consentTitle)}</h1>` +
      `<p>${escapeHtml(t.consentLead).replace('{app}', `<strong>${escapeHtml(input.appName)}</strong>`)}</p>` +
      `<ul>${items}</ul>` +
      `<form method="post" action="${escapeHtml(input.confirmAction)}"><button class="primary" type="submit" autofocus>${escapeHtml(t.allow)}</button></form>` +
      `<form method="post" action="${escapeHtml(input.abortAction)}"><button type="submit">${escapeHtml(t.deny)}</button></form>` +
      `<p class="note">${escapeHtml(t.revokeNote)}</p></main>`,
  );
}

/** RP-initiated logout's confirmation: `form` is the provider's hidden form (id="op.logoutForm"). */
export function logoutPage(lang: Language, form: string): string {
  const t = STRINGS[lang];
  return page(
    lang,
    t.logoutTitle,
    `<main><h1>${escapeHtml(t.logoutLead)}</h1>${form}` +
      `<button class="primary" autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${escapeHtml(t.logoutYes)}</button>` +
      `<button type="submit" form="op.logoutForm">${escapeHtml(t.logoutNo)}</button></main>`,
  );
}

export function loggedOutPage(lang: Language): string {
  const t = STRINGS[lang];
  return page(lang, t.logoutTitle, `<main><h1>${escapeHtml(t.loggedOut)}</h1></main>`);
}

/** The provider's error page: the OAuth error code only (never a description that could echo input). */
export function errorPage(lang: Language, code: string): string {
  const t = STRINGS[lang];
  return page(
    lang,
    t.errorTitle,
    `<main><h1>${escapeHtml(t.errorTitle)}</h1><p>${escapeHtml(t.errorLead)}</p><p class="note"><code>${escapeHtml(code)}</code></p></main>`,
  );
}
