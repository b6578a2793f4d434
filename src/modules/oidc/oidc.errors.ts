import { defineErrors } from '../../i18n/errors-define.js';

export const oidcErrors = defineErrors({
  MXF_OIDC_CLIENT_NOT_FOUND: {
    status: 404,
    doc: 'No relying party (OIDC client) has this id.',
    messages: {
      'uz-Cyrl': 'Бундай илова (OIDC мижози) топилмади.',
      'uz-Latn': 'Bunday ilova (OIDC mijozi) topilmadi.',
      ru: 'Такое приложение (клиент OIDC) не найдено.',
      en: 'No such app (OIDC client).',
    },
  },
  MXF_OIDC_CLIENT_EXISTS: {
    status: 409,
    doc: 'A relying party with this client id is already registered. Delete it first, or pick another id.',
    messages: {
      'uz-Cyrl': 'Бундай идентификаторли илова аллақачон рўйхатдан ўтган.',
      'uz-Latn': 'Bunday identifikatorli ilova allaqachon roʻyxatdan oʻtgan.',
      ru: 'Приложение с таким идентификатором уже зарегистрировано.',
      en: 'An app with this id is already registered.',
    },
  },
  MXF_OIDC_CLIENT_FROM_CONFIG: {
    status: 409,
    doc: 'This relying party comes from config/oidc.json: change or remove it there and restart.',
    messages: {
      'uz-Cyrl': 'Бу илова созламалар файлидан олинган: уни ўша ерда ўзгартиринг.',
      'uz-Latn': 'Bu ilova sozlamalar faylidan olingan: uni oʻsha yerda oʻzgartiring.',
      ru: 'Это приложение задано в файле настроек: измените его там.',
      en: 'This app comes from the configuration file: change it there.',
    },
  },
  MXF_OIDC_CLIENT_INVALID: {
    status: 422,
    doc: 'The client metadata was refused (`{field}`): redirect URIs must be https (http only on localhost/127.0.0.1), without a fragment.',
    messages: {
      'uz-Cyrl': 'Илова маълумотлари нотўғри ({field}).',
      'uz-Latn': 'Ilova maʼlumotlari notoʻgʻri ({field}).',
      ru: 'Неверные данные приложения ({field}).',
      en: 'The app’s settings are invalid ({field}).',
    },
  },
  MXF_OIDC_GRANT_NOT_FOUND: {
    status: 404,
    doc: 'The signed-in customer has not allowed this app (or no app has this id): there is no access to take back.',
    messages: {
      'uz-Cyrl': 'Сиз бу иловага рухсат бермагансиз.',
      'uz-Latn': 'Siz bu ilovaga ruxsat bermagansiz.',
      ru: 'Вы не давали доступ этому приложению.',
      en: 'You have not allowed this app.',
    },
  },
  MXF_OIDC_INTERACTION_INVALID: {
    status: 400,
    doc: 'The sign-in request to an app is unknown, expired or belongs to another browser. Start again from the app.',
    messages: {
      'uz-Cyrl': 'Иловага кириш сўрови эскирган ёки нотўғри. Иловадан қайта бошланг.',
      'uz-Latn': 'Ilovaga kirish soʻrovi eskirgan yoki notoʻgʻri. Ilovadan qayta boshlang.',
      ru: 'Запрос входа в приложение устарел или неверен. Начните снова из приложения.',
      en: 'The sign-in request is expired or invalid. Start again from the app.',
    },
  },
});
