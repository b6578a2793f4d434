import { defineErrors } from '../../i18n/errors-define.js';

export const orgErrors = defineErrors({
  MXF_ORG_PRODUCT_NOT_FOUND: {
    status: 404,
    doc: 'No product has this id.',
    messages: {
      'uz-Cyrl': 'Бундай маҳсулот топилмади.',
      'uz-Latn': 'Bunday mahsulot topilmadi.',
      ru: 'Такой продукт не найден.',
      en: 'No such product.',
    },
  },
  MXF_ORG_SITE_NOT_FOUND: {
    status: 404,
    doc: 'No site has this id (a site id is its domain, e.g. `smartpos.uz`).',
    messages: {
      'uz-Cyrl': 'Бундай сайт топилмади.',
      'uz-Latn': 'Bunday sayt topilmadi.',
      ru: 'Такой сайт не найден.',
      en: 'No such site.',
    },
  },
  MXF_ORG_ID_TAKEN: {
    status: 409,
    doc: 'A product or site with this id already exists.',
    messages: {
      'uz-Cyrl': 'Бу идентификатор аллақачон банд.',
      'uz-Latn': 'Bu identifikator allaqachon band.',
      ru: 'Этот идентификатор уже занят.',
      en: 'This id is already taken.',
    },
  },
  MXF_ORG_NOT_INITIALISED: {
    status: 503,
    doc: 'The company has not been loaded yet; the server loads `config/company.json` on first start.',
    messages: {
      'uz-Cyrl': 'Компания маълумотлари ҳали юкланмаган.',
      'uz-Latn': 'Kompaniya maʼlumotlari hali yuklanmagan.',
      ru: 'Данные компании ещё не загружены.',
      en: 'The company has not been set up yet.',
    },
  },
});
